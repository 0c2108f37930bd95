//! `--trace` on the running example: the Python app plugged into the C
//! processor, converting a real image. The tree shows the calls from the
//! python-app instance to the c-processor instance with the image sizes,
//! and the app's WASI calls to the host; the JSON lines have the fields
//! weld documents; the Chrome file is JSON with the expected events; and
//! the program's output is the same byte for byte.

mod common;

use common::{weld, weld_ok};
use serde_json::Value;
use std::path::Path;

/// The image the app converts: 63x17, so 4284 bytes of RGBA.
const IMAGE: &str = "/images/63x17.ppm";

/// `weld run` of the composed app, with `extra` flags before the component.
fn run(composed: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--dir", "fixtures/images::/images:ro"];
    args.extend(extra);
    let composed = composed.to_str().unwrap();
    args.extend([composed, IMAGE]);
    let output = weld(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn composed(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("python-c.wasm");
    weld_ok(&[
        "plug",
        "fixtures/components/python-app.wasm",
        "--plug",
        "fixtures/components/c-processor.wasm",
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

/// The WAT app plugged into the WAT processor, as `c.wasm` in `dir`.
fn wat_composition(dir: &Path) -> std::path::PathBuf {
    let app = common::build_wat_fixture("app", dir);
    let processor = common::build_wat_fixture("processor", dir);
    let composed = dir.join("c.wasm");
    weld_ok(&[
        "plug",
        app.to_str().unwrap(),
        "--plug",
        processor.to_str().unwrap(),
        "-o",
        composed.to_str().unwrap(),
    ]);
    composed
}

#[test]
fn the_python_app_and_the_c_processor_traced() {
    let dir = tempfile::tempdir().unwrap();
    let composed = composed(dir.path());
    let plain = run(&composed, &[]);

    // Text: the tree, on stderr; stdout unchanged.
    let text = run(&composed, &["--trace"]);
    assert_eq!(text.stdout, plain.stdout, "tracing changed the output");
    let tree = String::from_utf8(text.stderr).unwrap();
    let lines: Vec<&str> = tree.lines().collect();
    assert!(
        lines[0].starts_with("host → python-c  wasi:cli/run@0.2."),
        "{tree}"
    );
    let grayscale = lines
        .iter()
        .find(|l| l.contains("#grayscale("))
        .unwrap_or_else(|| panic!("no grayscale in\n{tree}"));
    assert!(
        grayscale.starts_with(
            "  python-app → c-processor  my:image-processor/process#grayscale({data: ["
        ) && grayscale.contains(", …] (4284 bytes), width: 63, height: 17}) -> {data: [")
            && grayscale.contains(" µs]"),
        "{grayscale}"
    );
    let resize = lines
        .iter()
        .find(|l| l.contains("#resize("))
        .unwrap_or_else(|| panic!("no resize in\n{tree}"));
    assert!(
        resize.contains("width: 63, height: 17}, 31, 8) -> {data: [")
            && resize.contains("(992 bytes), width: 31, height: 8}"),
        "{resize}"
    );
    for wasi in [
        "wasi:cli/environment@",
        "wasi:filesystem/types@",
        "wasi:io/streams@",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("  python-app → host  ") && l.contains(wasi)),
            "no call to {wasi} in\n{tree}"
        );
    }
    assert!(lines.last().unwrap().starts_with("run -> ok  ["), "{tree}");

    // JSON: one object per call, with the documented fields.
    let json = run(&composed, &["--trace-format", "json"]);
    assert_eq!(json.stdout, plain.stdout);
    let calls: Vec<Value> = String::from_utf8(json.stderr)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    for call in &calls {
        let string = |field: &str| {
            call[field]
                .as_str()
                .unwrap_or_else(|| panic!("`{field}` is no string in {call}"))
        };
        let number = |field: &str| {
            call[field]
                .as_u64()
                .unwrap_or_else(|| panic!("`{field}` is no number in {call}"))
        };
        for field in ["caller", "callee", "interface", "function", "args"] {
            string(field);
        }
        assert!(number("id") > 0 && number("group") > 0);
        assert!(number("start_ns") <= number("end_ns"), "{call}");
        assert!(
            call["parent"].is_null() || call["parent"].is_u64(),
            "{call}"
        );
        assert!(
            call["result"].is_null() || call["result"].is_string(),
            "{call}"
        );
        assert_eq!(call["returned"], Value::Bool(true), "{call}");
    }
    let root = calls.iter().find(|c| c["function"] == "run").unwrap();
    let grayscale = calls.iter().find(|c| c["function"] == "grayscale").unwrap();
    assert_eq!(grayscale["parent"], root["id"]);
    assert_eq!(grayscale["caller"], "python-app");
    assert_eq!(grayscale["callee"], "c-processor");
    assert!(
        grayscale["args"]
            .as_str()
            .unwrap()
            .ends_with("(4284 bytes), width: 63, height: 17}")
    );

    // Chrome: a JSON array of events, one track per callee instance.
    let file = dir.path().join("trace.json");
    let chrome = run(
        &composed,
        &[
            "--trace-format",
            "chrome",
            "--trace-output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(chrome.stdout, plain.stdout);
    assert!(
        chrome.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&chrome.stderr)
    );
    let events: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let track_of = |name: &str| {
        events
            .iter()
            .find(|e| e["ph"] == "M" && e["args"]["name"] == name)
            .map(|e| e["tid"].clone())
            .unwrap_or_else(|| panic!("no track named {name}"))
    };
    let processor = track_of("c-processor");
    for function in ["grayscale", "resize"] {
        let name = format!("my:image-processor/process#{function}");
        let event = events
            .iter()
            .find(|e| e["ph"] == "X" && e["name"] == name.as_str())
            .unwrap_or_else(|| panic!("no {name} event"));
        assert_eq!(event["tid"], processor);
        assert_eq!(event["cat"], "python-app → c-processor");
        assert!(event["dur"].as_f64().unwrap() > 0.0);
    }
    track_of("host");
}

/// What `wasm-tools compose` makes (a composition no weld code wrote) is
/// traced as well: the calls from one instance to the other show.
#[test]
fn a_composition_made_by_wasm_tools_is_traced() {
    let Some(wasm_tools) = common::wasm_tools_cli() else {
        eprintln!("skipped: no wasm-tools");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = common::build_wat_fixture("app", dir.path());
    let processor = common::build_wat_fixture("processor", dir.path());
    let composed = dir.path().join("wt.wasm");
    let status = std::process::Command::new(wasm_tools)
        .arg("compose")
        .arg(&app)
        .arg("-d")
        .arg(&processor)
        .arg("-o")
        .arg(&composed)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let traced = weld_ok(&["run", "--trace", composed.to_str().unwrap()]);
    let tree = String::from_utf8(traced.stderr).unwrap();
    for function in ["grayscale", "resize"] {
        assert!(
            tree.lines().any(|line| line.starts_with("  instance ")
                && line.contains(&format!("my:image-processor/process#{function}({{data: ["))
                && line.contains(" -> {data: [")),
            "{tree}"
        );
    }
}

/// `--trace-format svg` draws a timeline: a row per called instance, a
/// bar per call with its whole line as a tooltip, written to the file
/// when the run ends.
#[test]
fn a_timeline_is_drawn_as_svg() {
    let dir = tempfile::tempdir().unwrap();
    let composed = wat_composition(dir.path());
    let svg = dir.path().join("trace.svg");
    let out = weld_ok(&[
        "run",
        "--trace-format",
        "svg",
        "--trace-output",
        svg.to_str().unwrap(),
        composed.to_str().unwrap(),
    ]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    for row in ["c", "processor"] {
        assert!(
            svg.contains(&format!(">{row}</text>")),
            "no row {row}:\n{svg}"
        );
    }
    for function in ["grayscale", "resize"] {
        let title =
            format!("<title>app → processor  my:image-processor/process#{function}({{data: [");
        assert!(svg.contains(&title), "no {function} bar:\n{svg}");
    }
    assert_eq!(svg.matches("<rect x=").count(), 3, "{svg}");
}

/// A `weld-trace` section weld did not write, or that lies, is an error
/// naming it, never a panic, and nothing runs.
#[test]
fn a_bad_trace_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let processor = common::build_wat_fixture("processor", dir.path());
    let bytes = std::fs::read(&processor).unwrap();
    let table_site = r#"{"version":1,"layers":[{"wit":"package a:b; interface c { f: func(); }"}],"sites":[{"layer":0,"caller":"x","callee":"y","interface":"a:b/nope","function":"f"}]}"#;
    for (data, message) in [
        ("not json", "the `weld-trace` section is not a trace table"),
        (
            r#"{"version":1,"layers":[{"wit":"package ;"}],"sites":[]}"#,
            "the WIT of tap layer 0 does not resolve",
        ),
        (
            table_site,
            "site 0 names `a:b/nope#f`, which its layer's WIT does not declare",
        ),
    ] {
        // A custom section: id 0, its size, the name's size and the name.
        let mut section = vec![10u8];
        section.extend(b"weld-trace");
        section.extend(data.as_bytes());
        let mut with = bytes.clone();
        with.push(0);
        let mut size = section.len();
        loop {
            let byte = (size & 0x7f) as u8;
            size >>= 7;
            with.push(if size > 0 { byte | 0x80 } else { byte });
            if size == 0 {
                break;
            }
        }
        with.extend(section);
        let path = dir.path().join("bad.wasm");
        std::fs::write(&path, with).unwrap();
        let call = "grayscale({data: [1, 2, 3, 4], width: 1, height: 1})";
        let out = weld(&["invoke", path.to_str().unwrap(), call]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("cannot trace") && stderr.contains(message),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

/// `--trace-output` to a pipe or device writes into it, in place: a trace
/// was once staged beside `/dev/full` and renamed over it, replacing the
/// device with a regular file.
#[test]
fn a_trace_goes_into_a_fifo_and_leaves_it_one() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let composed = wat_composition(dir.path());
    let fifo = dir.path().join("trace.fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let reading = fifo.clone();
    // Blocks until weld opens the write end, then reads to its close.
    let reader = std::thread::spawn(move || std::fs::read_to_string(reading).unwrap());
    let out = weld(&[
        "run",
        "--trace-output",
        fifo.to_str().unwrap(),
        composed.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let trace = reader.join().unwrap();
    assert!(trace.starts_with("host → c  wasi:cli/run@0.2."), "{trace}");
    assert!(
        trace.contains("  app → processor  my:image-processor/process#grayscale("),
        "{trace}"
    );
}
