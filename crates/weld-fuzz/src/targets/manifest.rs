//! TOML that weld reads: `weld compose` manifests (`Manifest::load`, then
//! `compose`, its `[virtualize]` and `[check]` sections) and `weld test`
//! specs (`suite::Suite::load`; the cases are not run). A composed
//! component must validate.
//!
//! Both are read from files, with paths relative to them: an input is the
//! kind (`manifest` or `suite`), the TOML, and up to three components,
//! written beside it as `c0.wasm`, `c1.wasm`, `c2.wasm`.

use super::Gen;
use crate::input::{join, split};
use std::fmt::Write;
use weld_wit::validated::Validated;

pub fn generate(g: &mut Gen) -> Vec<u8> {
    let suite = g.rng.one_in(3);
    // A wit-smith world and what plugs into it, or fixtures.
    let mut components: Vec<Vec<u8>> = Vec::new();
    if g.rng.one_in(2)
        && let Some(package) = g.package()
        && let Some(&world) = g.rng.pick(&package.worlds())
    {
        components.extend(package.component(world));
        components.extend(package.exporter(world));
    }
    if components.is_empty() {
        components = (0..1 + g.rng.below(3))
            .map(|_| g.pick(&g.seeds.components))
            .collect();
    }
    let text = match (g.rng.one_in(3), suite) {
        (true, _) => {
            let seed = g.rng.pick(&g.seeds.toml).cloned().unwrap_or_default();
            String::from_utf8_lossy(&g.mutate_text(&g.seeds.toml, &local_paths(&seed))).into_owned()
        }
        (false, true) => spec(g),
        (false, false) => manifest(g, &components),
    };
    let kind: &[u8] = if suite { b"suite" } else { b"manifest" };
    let mut parts: Vec<&[u8]> = vec![kind, text.as_bytes()];
    parts.extend(components.iter().map(Vec::as_slice));
    join::<5>(&parts)
}

pub fn run(input: &[u8]) -> Result<(), String> {
    let [kind, text, components @ ..] = split::<5>(input);
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    for (i, component) in components.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
        std::fs::write(dir.path().join(format!("c{i}.wasm")), component)
            .map_err(|e| format!("cannot write a component: {e}"))?;
    }
    let path = dir.path().join("weld.toml");
    std::fs::write(&path, text).map_err(|e| format!("cannot write the TOML: {e}"))?;
    if kind == b"suite" {
        let _ = weld_run::suite::Suite::load(&path).map(|suite| format!("{suite:?}"));
        return Ok(());
    }
    let Ok(manifest) = weld_link::Manifest::load(&path) else {
        return Ok(());
    };
    let _ = format!("{:?} {:?}", manifest.virtualize(), manifest.check_policy());
    // End to end, `[virtualize]` included, as `weld compose` does.
    let Ok(composed) = weld_virt::compose_manifest(&manifest, &path, &Validated::default()) else {
        return Ok(());
    };
    let _ = composed.plan.to_string();
    let _ = composed
        .report
        .map(|(_, report)| serde_json::to_string(&report));
    super::draw(&weld_link::Picture::of_plan(&composed.plan));
    super::check_output(composed.component)
}

/// A seed's paths to components, made `c0.wasm`, `c1.wasm`... in turn.
fn local_paths(text: &str) -> String {
    let mut n = 0;
    text.lines()
        .map(|line| match line.split_once(" = \"") {
            Some((key, value)) if value.ends_with(".wasm\"") || value.ends_with(".wat\"") => {
                n += 1;
                format!("{key} = \"c{}.wasm\"", (n - 1) % 3)
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A manifest wiring `components`' instances by their interfaces' names.
fn manifest(g: &mut Gen, components: &[Vec<u8>]) -> String {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    for component in components {
        let (i, e) = super::interfaces(component);
        imports.extend(i);
        exports.extend(e);
    }
    let names: Vec<String> = (0..components.len()).map(|i| format!("c{i}")).collect();
    let instances: Vec<String> = (0..1 + g.rng.below(4)).map(|i| format!("i{i}")).collect();
    let mut toml = String::from("[components]\n");
    for name in &names {
        let file = if g.rng.one_in(20) { "missing" } else { name };
        let _ = writeln!(toml, "{name} = \"{file}.wasm\"");
    }
    if g.rng.one_in(4) {
        let _ = writeln!(toml, "embed-components = {}", g.rng.one_in(2));
    }
    for instance in &instances {
        let component = g.rng.pick(&names).cloned().unwrap_or_default();
        let _ = writeln!(
            toml,
            "\n[instances.{instance}]\ncomponent = \"{component}\""
        );
        let _ = writeln!(toml, "[instances.{instance}.with]");
        for _ in 0..g.rng.below(3) {
            let import = g.rng.pick(&imports).cloned().unwrap_or_default();
            let source = source(g, &instances, &exports);
            let _ = writeln!(toml, "{:?} = {source}", short(g, &import));
        }
    }
    if g.rng.one_in(3) {
        toml.push_str("\n[exports]\n");
        for _ in 0..g.rng.below(3) {
            let name = g.rng.pick(&exports).cloned().unwrap_or_default();
            let source = source(g, &instances, &exports);
            let _ = writeln!(toml, "{name:?} = {source}");
        }
    }
    if g.rng.one_in(4) {
        let import = g.rng.pick(&imports).cloned().unwrap_or_default();
        let _ = writeln!(
            toml,
            "\n[virtualize]\ndeny-all = {}\ntrap = [{:?}]",
            g.rng.one_in(2),
            short(g, &import)
        );
    }
    if g.rng.one_in(6) {
        let _ = writeln!(
            toml,
            "\n[check]\ndeny = [\"wasi:sockets/*\"]\nmax-size = {}",
            g.rng.below(1 << 20)
        );
    }
    toml
}

/// An interface name as a manifest may give it: in full, without its
/// version, or by its last part.
fn short(g: &mut Gen, name: &str) -> String {
    let unversioned = name.split('@').next().unwrap_or(name);
    match g.rng.below(3) {
        0 => name.to_owned(),
        1 => unversioned.to_owned(),
        _ => unversioned.rsplit('/').next().unwrap_or(name).to_owned(),
    }
}

/// `"instance"` or `{ instance = "...", export = "..." }`.
fn source(g: &mut Gen, instances: &[String], exports: &[String]) -> String {
    let instance = g.rng.pick(instances).cloned().unwrap_or_default();
    match g.rng.one_in(2) {
        true => format!("{instance:?}"),
        false => {
            let export = g.rng.pick(exports).cloned().unwrap_or_default();
            format!(
                "{{ instance = {instance:?}, export = {:?} }}",
                short(g, &export)
            )
        }
    }
}

/// A test spec of invoke and run cases with every key.
fn spec(g: &mut Gen) -> String {
    let calls = [
        "grayscale({data: [1, 2, 3, 4], width: 1, height: 1})",
        "f()",
        "process#grayscale(",
        "x(@missing)",
    ];
    let values = [
        "{data: [76, 76, 76, 255], width: 1, height: 1}",
        "1",
        "",
        "ok",
    ];
    let sizes = ["1MiB", "64KiB", "0", "10x", "18446744073709551616B"];
    let times = ["5s", "1ms", "0s", "1.5m", "99999999999h", "s"];
    let mut toml = String::from("[defaults]\ncomponent = \"c0.wasm\"\n");
    for i in 0..1 + g.rng.below(4) {
        let _ = writeln!(toml, "\n[[case]]\nname = \"case {i}\"");
        let mut key = |g: &mut Gen, key: &str, options: &[&str]| {
            if g.rng.one_in(2) {
                let _ = writeln!(toml, "{key} = {:?}", g.rng.pick(options).unwrap());
            }
        };
        match g.rng.one_in(2) {
            true => {
                key(g, "invoke", &calls);
                key(g, "expect", &values);
                key(g, "trap", &["unreachable", ""]);
            }
            false => {
                key(g, "stdin", &["", "hello\n"]);
                key(g, "stdout", &["", "hello\n"]);
                key(g, "stderr-contains", &["error"]);
                key(g, "stdout-file", &["c1.wasm", "missing"]);
                key(g, "component", &["c1.wasm", "missing.wasm", ""]);
            }
        }
        key(g, "timeout", &times);
        key(g, "max-memory", &sizes);
        if g.rng.one_in(3) {
            let _ = writeln!(
                toml,
                "run = [\"a\"]\ndirs = [\".::/d:ro\"]\nenv = {{ A = \"b\" }}\nstatus = {}\nfuel = {}",
                g.rng.below(300),
                g.rng.next() >> 1
            );
        }
    }
    toml
}
