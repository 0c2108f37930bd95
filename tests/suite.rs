//! `weld test` on components built by `weld new`, with specs written next
//! to them: run cases with stdin, env, dirs and expected output, invoke
//! cases on the WAT processor, and the JUnit report.

mod common;

use common::weld;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_spec_checks_real_components() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::build_probe(dir);
    common::build_wat_fixture("processor", dir);
    std::fs::create_dir(dir.join("data")).unwrap();
    write(&dir.join("data"), "hello.txt", "hello from the host\n");
    write(dir, "expected.txt", "hello from the host\n");
    write(
        dir,
        "spec.toml",
        r#"
[[case]]
name = "grayscale"
component = "processor.wasm"
invoke = "grayscale({data: [255, 0, 0, 255, 0, 255, 0, 7], width: 2, height: 1})"
expect = "{width: 2, height: 1, data: [76, 76, 76, 255, 149, 149, 149, 7]}"

[[case]]
name = "a short image traps"
component = "processor.wasm"
invoke = "grayscale({data: [1], width: 1, height: 1})"
trap = "unreachable"

[[case]]
name = "stdin to stdout"
component = "probe.wasm"
run = ["echo"]
stdin = "round trip"
stdout = "round trip"

[[case]]
name = "a granted directory"
component = "probe.wasm"
run = ["read", "/data/hello.txt"]
dirs = ["data::/data:ro"]
stdout-file = "expected.txt"

[[case]]
name = "read-only means read-only"
component = "probe.wasm"
run = ["write", "/data/new.txt", "x"]
dirs = ["data::/data:ro"]
status = 1
stderr-contains = "cannot write /data/new.txt"

[[case]]
name = "env is only what the case sets"
component = "probe.wasm"
run = ["env", "GREETING"]
env = { GREETING = "hi" }
stdout = "GREETING=hi\n"

[[case]]
name = "memory per case"
component = "probe.wasm"
run = ["alloc", "64"]
max-memory = "16MiB"
# Past the cap malloc fails, and the probe says so and exits 1 itself.
status = 1
stderr-contains = "out of memory after 15 MiB"

[[case]]
name = "wrong output fails"
component = "probe.wasm"
run = ["echo"]
stdin = "abc"
stdout = "abd"
"#,
    );
    let report = dir.join("report.xml");
    let output = weld(&[
        "test",
        dir.join("spec.toml").to_str().unwrap(),
        "--junit",
        report.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "ok     grayscale\n\
         ok     a short image traps\n\
         ok     stdin to stdout\n\
         ok     a granted directory\n\
         ok     read-only means read-only\n\
         ok     env is only what the case sets\n\
         ok     memory per case\n\
         FAILED wrong output fails: stdout differs at byte 2 (line 1): expected \"d\", got \"c\" (3 bytes expected, 3 got)\n\
         7 passed, 1 failed\n"
    );
    assert!(!dir.join("data/new.txt").exists());

    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(r#"<testsuite name=""#) && xml.contains(r#"tests="8" failures="1""#),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 8, "{xml}");
    assert!(
        xml.contains(
            r#"<failure message="stdout differs at byte 2 (line 1): expected &quot;d&quot;"#
        ),
        "{xml}"
    );
}

#[test]
fn a_passing_spec_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    common::build_wat_fixture("processor", dir.path());
    write(
        dir.path(),
        "spec.toml",
        "[[case]]\ncomponent = \"processor.wasm\"\ninvoke = \"resize({data: [1, 2, 3, 4], width: 1, height: 1}, 1, 2)\"\nexpect = \"{data: [1, 2, 3, 4, 1, 2, 3, 4], width: 1, height: 2}\"\n",
    );
    let output = weld(&["test", dir.path().join("spec.toml").to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "ok     case 1\n1 passed, 0 failed\n"
    );
    assert_eq!(output.status.code(), Some(0));
}
