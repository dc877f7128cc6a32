//! A cancelled job (SIGTERM, as the runner sends) ends in a written `error` result saying
//! "cancelled", exit 2, and an error annotation; never in no result at all.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common;

/// Run example `gate` with `args`, send it SIG`signal` once it said it started, and return its
/// exit code, stderr and the result and outputs files' directory.
fn signalled(gate: &str, args: &[&str], signal: &str) -> (Option<i32>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let outputs = dir.path().join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let mut child = Command::new(common::example(gate))
        .args(args)
        .args(["--result", result.to_str().unwrap()])
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the gate is running (its handler is installed before it starts).
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "started");
    let killed = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, dir)
}

#[test]
fn sigterm_writes_a_cancelled_error_result_and_exits_2() {
    for signal in ["TERM", "INT"] {
        let (code, stderr, dir) = signalled("slow_gate", &[], signal);
        assert_eq!(code, Some(2), "SIG{signal}");
        common::assert_error_outcome(
            &dir.path().join("r.json"),
            &dir.path().join("outputs"),
            "stopped",
        );
        assert!(
            stderr.contains("::error title=slow-gate could not run::"),
            "{stderr}"
        );
    }
}

/// A gate that winds down itself gets the signal as a request and ends with its own error,
/// saying what it released.
#[test]
fn a_gate_that_winds_down_ends_with_its_own_cancelled_error() {
    let (code, _, dir) = signalled("winding_gate", &[], "TERM");
    assert_eq!(code, Some(2));
    common::assert_error_outcome(
        &dir.path().join("r.json"),
        &dir.path().join("outputs"),
        "the example's lock was released",
    );
}

/// A gate that asked to wind down but does not still ends in the cancelled result after the
/// grace period.
#[test]
fn a_gate_that_does_not_wind_down_in_time_is_ended_with_the_cancelled_result() {
    let (code, _, dir) = signalled("winding_gate", &["--stubborn"], "INT");
    assert_eq!(code, Some(2));
    common::assert_error_outcome(
        &dir.path().join("r.json"),
        &dir.path().join("outputs"),
        "stopped before it finished",
    );
}
