//! wit-parser's decoder asserts on some valid components (one that imports
//! and exports the same interface, for instance), and wasm-compose on
//! others (it cannot import a component that exports a resource). weld
//! must never panic on its input, so such calls run behind this guard,
//! which turns a panic into an error carrying the panic's message.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `f`, a call into `tool`; a panic inside it becomes `Err` with the
/// panic's message, and is not printed.
pub fn guarded<T>(tool: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let message = match info.payload().downcast_ref::<&str>() {
            Some(text) => (*text).to_owned(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "unknown panic".to_owned()),
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(message);
        }
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|_| {
        let message = LAST_PANIC.lock().ok().and_then(|mut last| last.take());
        let message = message.unwrap_or_else(|| "it panicked".to_owned());
        format!(
            "{tool} failed on it: {}",
            known(&message).unwrap_or(&message)
        )
    })
}

/// What a panic weld knows of means, in place of its message, which
/// holds the tool's internal ids (they differ from run to run).
fn known(message: &str) -> Option<&'static str> {
    message.contains("AliasableResourceId").then_some(
        "its type encoder cannot import a resource type by alias (`AliasableResourceId`), as it must when an imported component's interfaces use a resource of another",
    )
}

/// wit-parser's decoding of a component or encoded WIT package, behind the
/// guard. Where it panicked on a shape WIT cannot describe, the error names
/// the import or export at fault rather than only wit-parser's message.
pub fn decode(bytes: &[u8]) -> anyhow::Result<wit_parser::decoding::DecodedWasm> {
    match guarded("wit-parser", || wit_parser::decoding::decode(bytes)) {
        Ok(decoded) => decoded,
        Err(message) => Err(match beyond_wit(bytes) {
            Some(why) => anyhow::anyhow!("{why} ({message})"),
            None => anyhow::anyhow!(message),
        }),
    }
}

/// The first import or export of `bytes` that WIT cannot describe: an
/// instance with an export named like an interface (`a:b/c`), which a WIT
/// interface cannot hold.
fn beyond_wit(bytes: &[u8]) -> Option<String> {
    use wasmparser::component_types::ComponentEntityType;
    #[derive(Clone, Copy)]
    enum Way {
        Imports,
        Exports,
    }
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let types = validator.validate_all(bytes).ok()?;
    let top = crate::wasm::TopLevel::read(bytes)?;
    let items = top
        .imports
        .into_iter()
        .map(|name| (Way::Imports, name))
        .chain(top.exports.into_iter().map(|name| (Way::Exports, name)));
    items.into_iter().find_map(|(way, name)| {
        let (item, way) = match way {
            Way::Imports => (types.component_item_for_import(&name), "imports"),
            Way::Exports => (types.component_item_for_export(&name), "exports"),
        };
        let ComponentEntityType::Instance(instance) = item?.ty else {
            return None;
        };
        let inner = types[instance].exports.keys().find(|e| e.contains(':'))?;
        Some(format!(
            "it {way} instance `{name}`, which exports `{inner}`: an interface's items have plain names in WIT, so no WIT describes it"
        ))
    })
}
