//! `weld virt`: `weld_virt::virtualize` of a component under a policy
//! drawn for its imports: rules naming its interfaces and functions in
//! every form (full, unversioned, last part, glob, `IFACE#FUNC`), with
//! constants in WAVE of the functions' result types, denials with error
//! cases, traps, `--deny-all` and `--allow`, and the WASI presets,
//! mounts included. The virtualised component must validate.
//!
//! An input is two parts: the component, and the bytes the policy is
//! drawn from, so that the same input gives the same policy.

use super::Gen;
use crate::generators::wave_value;
use crate::input::{join, split};
use arbitrary::{Result, Unstructured};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use weld_virt::presets::{Wasi, parse_rfc3339};
use weld_virt::{Action, Object, Policy, Rule};
use weld_wit::validated::Validated;
use weld_wit::wit_parser::{Function, Resolve, Type, TypeDefKind, WorldItem};

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let component = g.component();
    let policy = g.entropy();
    join::<2>(&[&component, &policy])
}

pub fn run(input: &[u8]) -> std::result::Result<(), String> {
    let [component, policy] = split(input);
    let path = Path::new("fuzz.wasm");
    let wit = weld_wit::load_bytes(path, component.to_vec()).ok();
    let mounts = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let mut u = Unstructured::new(policy);
    let Ok(policy) = draw(wit.as_ref(), &mut u, mounts.path()) else {
        return Ok(());
    };
    let bytes = Arc::new(component.to_vec().into());
    let Ok(virtualized) = weld_virt::virtualize(path, &bytes, &policy, &Validated::default())
    else {
        return Ok(());
    };
    let _ = serde_json::to_string(&virtualized.report);
    super::check_output(virtualized.composed.component)
}

/// An imported interface and its functions, as the policy names them.
struct Import<'a> {
    name: String,
    functions: Vec<&'a Function>,
}

fn imports(wit: &weld_wit::Wit) -> Vec<Import<'_>> {
    let Some(world) = wit.world else {
        return Vec::new();
    };
    let resolve = &wit.resolve;
    resolve.worlds[world]
        .imports
        .iter()
        .filter_map(|(key, item)| match item {
            WorldItem::Interface { id, .. } => Some(Import {
                name: resolve.name_world_key(key),
                functions: resolve.interfaces[*id].functions.values().collect(),
            }),
            _ => None,
        })
        .collect()
}

fn draw(wit: Option<&weld_wit::Wit>, u: &mut Unstructured, mounts: &Path) -> Result<Policy> {
    let imports = wit.map(imports).unwrap_or_default();
    let resolve = wit.map(|w| &w.resolve);
    let mut rules = Vec::new();
    for _ in 0..u.int_in_range(0..=6)? {
        rules.push(rule(&imports, resolve, u)?);
    }
    let mut allow = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        allow.push(interface_name(&imports, u)?);
    }
    Ok(Policy {
        wasi: wasi(u, mounts)?,
        rules,
        allow,
        deny_all: u.arbitrary()?,
    })
}

/// An interface named as a user would: in full, without its version, by
/// its last part, by a glob, or not quite.
fn interface_name(imports: &[Import], u: &mut Unstructured) -> Result<String> {
    let Some(import) = imports.get(u.choose_index(imports.len().max(1))?) else {
        return u.arbitrary();
    };
    let full = import.name.as_str();
    let unversioned = full.split('@').next().unwrap_or(full);
    Ok(match u.int_in_range(0..=4)? {
        0 => full.to_owned(),
        1 => unversioned.to_owned(),
        2 => unversioned.rsplit('/').next().unwrap_or(full).to_owned(),
        3 => match unversioned.split_once('/') {
            Some((package, _)) => format!("{package}/*"),
            None => "*".to_owned(),
        },
        _ => format!("{full}{}", u.arbitrary::<char>()?),
    })
}

fn rule(imports: &[Import], resolve: Option<&Resolve>, u: &mut Unstructured) -> Result<Rule> {
    let interface = interface_name(imports, u)?;
    let import = imports.iter().find(|i| i.name == interface);
    let function = match import {
        Some(import) if u.arbitrary()? => import
            .functions
            .get(u.choose_index(import.functions.len().max(1))?)
            .copied(),
        _ => None,
    };
    let target = match function {
        Some(f) => format!("{interface}#{}", f.name),
        None => interface,
    };
    let action = match u.int_in_range(0..=3)? {
        0 => Action::Trap,
        1 => Action::Deny {
            case: match u.arbitrary()? {
                true => Some(error_case(resolve, function, u)?),
                false => None,
            },
        },
        _ => Action::Const(constant(resolve, function, u)?),
    };
    Ok(Rule { target, action })
}

/// A case of the function's error type, or any name.
fn error_case(
    resolve: Option<&Resolve>,
    f: Option<&Function>,
    u: &mut Unstructured,
) -> Result<String> {
    let err = |resolve: &Resolve, ty: &Type| match ty {
        Type::Id(id) => match &resolve.types[*id].kind {
            TypeDefKind::Result(r) => r.err,
            _ => None,
        },
        _ => None,
    };
    let cases: Vec<String> = match (resolve, f.and_then(|f| f.result.as_ref())) {
        (Some(resolve), Some(ty)) => match err(resolve, ty) {
            Some(Type::Id(id)) => match &resolve.types[id].kind {
                TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
                TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    match cases.get(u.choose_index(cases.len().max(1))?) {
        Some(case) if u.ratio(7, 8)? => Ok(case.clone()),
        _ => u.arbitrary(),
    }
}

/// A value of the function's result type in WAVE, or any text.
fn constant(
    resolve: Option<&Resolve>,
    f: Option<&Function>,
    u: &mut Unstructured,
) -> Result<String> {
    if let (Some(resolve), Some(ty)) = (resolve, f.and_then(|f| f.result.as_ref()))
        && u.ratio(7, 8)?
        && let Some(value) = wave_value(resolve, ty, u, 0)?
    {
        return Ok(value);
    }
    u.arbitrary()
}

fn wasi(u: &mut Unstructured, mounts: &Path) -> Result<Wasi> {
    let object = |u: &mut Unstructured| -> Result<Option<Object>> {
        Ok(match u.int_in_range(0..=4)? {
            0 => Some(Object::Failing),
            1 => Some(Object::Empty),
            2 => Some(Object::Sink),
            3 => Some(Object::Ready),
            _ => None,
        })
    };
    let clock = match u.arbitrary()? {
        true => {
            let text = match u.arbitrary()? {
                true => format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    u.int_in_range(0..=9999)?,
                    u.int_in_range(0..=13)?,
                    u.int_in_range(0..=32)?,
                    u.int_in_range(0..=24)?,
                    u.int_in_range(0..=60)?,
                    u.int_in_range(0..=61)?
                ),
                false => u.arbitrary()?,
            };
            parse_rfc3339(&text).ok()
        }
        false => None,
    };
    let mut wasi = Wasi {
        env: u.arbitrary()?,
        allow_env: u.arbitrary()?,
        allow_http: match u.arbitrary()? {
            true => vec![weld_wit::http::HttpGrant::ANY],
            false => Vec::new(),
        },
        deny_http: u.arbitrary()?,
        http_responses: match u.arbitrary()? {
            true => vec![weld_virt::HttpMock {
                pattern: weld_wit::http::HttpGrant::ANY,
                status: 503,
            }],
            false => Vec::new(),
        },
        allow_fs: Vec::new(),
        args: u.arbitrary()?,
        cwd: u.arbitrary()?,
        clock_fixed: clock,
        deny_fs: u.arbitrary()?,
        deny_net: u.arbitrary()?,
        random_seed: u.arbitrary()?,
        mounts: Vec::new(),
        stdin: object(u)?,
        stdout: object(u)?,
        stderr: object(u)?,
    };
    for i in 0..u.int_in_range(0..=2)? {
        let guest: String = match u.arbitrary()? {
            true => format!("/m{i}"),
            false => u.arbitrary()?,
        };
        wasi.mounts
            .push((guest, tree(u, &mounts.join(format!("m{i}")))?));
    }
    // Grants of the host's directories, which settings refuse beside
    // mounts and --deny-fs.
    if wasi.mounts.is_empty() && !wasi.deny_fs {
        for _ in 0..u.int_in_range(0..=2)? {
            let grant = *u.choose(&["/", "/data", "/data:ro", "/data/out", "/tmp:ro"])?;
            wasi.allow_fs
                .push(grant.parse().expect("the fuzzer's grants are valid"));
        }
    }
    Ok(wasi)
}

/// A small directory tree to mount, drawn from `u`.
fn tree(u: &mut Unstructured, dir: &Path) -> Result<PathBuf> {
    let _ = std::fs::create_dir_all(dir.join("sub"));
    for _ in 0..u.int_in_range(0..=4)? {
        let name = *u.choose(&["a.txt", "b", "sub/c.bin", "sub/.hidden", "empty"])?;
        let contents: Vec<u8> = u.arbitrary()?;
        let _ = std::fs::write(dir.join(name), contents);
    }
    Ok(dir.to_owned())
}
