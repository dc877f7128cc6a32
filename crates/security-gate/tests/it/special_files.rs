//! Only regular files are read as reports, and only up to a limit (issue 10): a FIFO blocked
//! forever, a symlink to `/dev/zero` was read until memory ran out.
#![cfg(unix)]
// The gate's environment is set up from the real one (PATH).
#![allow(clippy::disallowed_methods)]

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_exit, fixture, gate, text};
use gates_core::input::{read_regular_file, MAX_REPORT_BYTES};

/// The gate in `dir`, its memory capped at 1 GiB (so reading without end fails fast instead of
/// taking the machine) and killed after 20 s (a blocked open fails the test, not the suite).
fn bounded_gate(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_security-gate"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("security-gate {args:?} still running after 20 s (blocked)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// Exit 2, naming `file` and saying what it is.
fn refused(out: &Output, file: &str, what: &str) {
    assert_exit(out, 2);
    let (_, err) = text(out);
    assert!(
        err.contains(file) && err.contains(what) && err.contains("help:"),
        "{err}"
    );
}

#[test]
fn a_fifo_named_as_a_report_is_exit_2_not_a_wait_forever() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.json"));
    let out = bounded_gate(dir.path(), &["pipe.json"]);
    refused(
        &out,
        "pipe.json",
        "a FIFO (named pipe) is not a regular file",
    );
}

#[test]
fn a_fifo_in_a_report_directory_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::copy(fixture("bandit.json"), reports.join("bandit.json")).unwrap();
    mkfifo(&reports.join("semgrep.json"));
    let out = bounded_gate(dir.path(), &["reports"]);
    refused(&out, "reports/semgrep.json", "FIFO");
}

#[test]
fn a_symlink_to_dev_zero_in_a_report_directory_is_exit_2_not_memory_exhaustion() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::os::unix::fs::symlink("/dev/zero", reports.join("zero.json")).unwrap();
    let out = bounded_gate(dir.path(), &["reports"]);
    refused(&out, "reports/zero.json", "a device is not a regular file");
    // A symlink to a regular report is read.
    std::fs::remove_file(reports.join("zero.json")).unwrap();
    std::os::unix::fs::symlink(fixture("bandit.json"), reports.join("bandit.json")).unwrap();
    assert_exit(&gate(dir.path(), &["reports"], &[]), 0);
}

/// A (sparse) file over the 2 GiB limit is refused from its size, unread.
#[test]
fn a_report_over_the_size_limit_is_exit_2_unread() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    f.set_len(MAX_REPORT_BYTES + 1).unwrap();
    let out = bounded_gate(dir.path(), &["huge.json"]);
    refused(&out, "huge.json", "larger than 2147483648 bytes");
}

#[test]
fn read_regular_file_reads_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ten");
    std::fs::write(&p, b"0123456789").unwrap();
    assert_eq!(read_regular_file(&p, 10).unwrap(), b"0123456789");
    let e = read_regular_file(&p, 9).unwrap_err();
    assert!(e.to_string().contains("larger than 9 bytes"), "{e}");
    let e = read_regular_file(dir.path(), 10).unwrap_err();
    assert!(
        e.to_string().contains("a directory is not a regular file"),
        "{e}"
    );
    let e = read_regular_file(&dir.path().join("absent"), 10).unwrap_err();
    assert!(e.to_string().contains("absent"), "{e}");
}
