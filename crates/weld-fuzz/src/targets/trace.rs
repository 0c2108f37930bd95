//! `weld trace`: `weld_virt::trace::instrument` of what `plug` composes
//! from its generated socket and plugs (a composition, whose top level is
//! re-encoded with taps between its instances), or of the socket alone
//! when they do not fit. The instrumented component must validate, its
//! `weld-trace` table must read back (`Trace::tracer`), and tracing it
//! again must be refused without a panic.

use super::Gen;
use crate::input::split;
use std::path::Path;
use std::sync::Arc;
use weld_wit::validated::Validated;

pub fn generate(g: &mut Gen) -> Vec<u8> {
    super::plug::generate(g)
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let bytes = match super::plug::compose(input).map(|c| c.component.into_bytes()) {
        Some(Ok(bytes)) => bytes,
        _ => split::<4>(input)[0].to_vec(),
    };
    let path = Path::new("fuzz.wasm");
    let filter = weld_virt::trace::Filter::default();
    let traced = weld_virt::trace::instrument(
        path,
        &Arc::new(bytes.into()),
        &Validated::default(),
        "fuzz",
        &filter,
    );
    let traced = match traced {
        Ok(traced) => traced,
        Err(e @ weld_virt::Error::Link(weld_link::Error::InvalidOutput(_))) => {
            return Err(super::chain(e));
        }
        Err(_) => return Ok(()),
    };
    super::validate(&traced.bytes)?;
    let again = Arc::new(traced.bytes.clone().into());
    if weld_virt::trace::instrument(path, &again, &Validated::default(), "fuzz", &filter).is_ok() {
        return Err("a traced component was traced again".to_owned());
    }
    let trace = Arc::new(weld_run::trace::Trace::new(
        weld_run::trace::Settings::default(),
        Box::new(std::io::sink()),
    ));
    trace
        .tracer(&traced.table, "fuzz".to_owned())
        .map(drop)
        .map_err(|e| {
            format!(
                "the table weld wrote does not read back: {}",
                super::chain(e)
            )
        })
}
