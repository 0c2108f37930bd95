//! FIFOs where weld reads files: each is named in an error, never opened
//! for a read that would wait for a writer for ever.

mod common;

use std::path::Path;

fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
}

/// `weld ARGS` fails with `status`, naming `fifo`.
fn refused(args: &[&str], fifo: &Path, status: i32) {
    let output = common::weld(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(status), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "`{}` is a FIFO, not a regular file",
            fifo.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_fifo_in_a_wit_directory_or_its_deps_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let wit = dir.path().join("wit");
    std::fs::create_dir_all(wit.join("deps/dep")).unwrap();
    std::fs::write(wit.join("main.wit"), "package a:main;\ninterface i {}\n").unwrap();
    let main_fifo = wit.join("x.wit");
    mkfifo(&main_fifo);
    refused(&["wit", wit.to_str().unwrap()], &main_fifo, 1);
    std::fs::remove_file(&main_fifo).unwrap();

    let dep_fifo = wit.join("deps/dep/y.wit");
    mkfifo(&dep_fifo);
    refused(&["wit", wit.to_str().unwrap()], &dep_fifo, 1);
    std::fs::remove_dir_all(wit.join("deps/dep")).unwrap();

    let file_fifo = wit.join("deps/z.wit");
    mkfifo(&file_fifo);
    refused(&["wit", wit.to_str().unwrap()], &file_fifo, 1);
    std::fs::remove_file(&file_fifo).unwrap();

    // A FIFO with another name is no WIT file, and not opened at all.
    mkfifo(&wit.join("notes"));
    common::weld_ok(&["wit", wit.to_str().unwrap()]);
}

#[test]
fn a_fifo_given_as_an_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("in.wasm");
    mkfifo(&fifo);
    refused(&["inspect", fifo.to_str().unwrap()], &fifo, 1);
    // `weld check` says 2 for an input it cannot read.
    refused(
        &["check", "semver", fifo.to_str().unwrap(), "wit"],
        &fifo,
        2,
    );
}
