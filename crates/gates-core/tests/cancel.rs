//! A cancelled job (SIGTERM, as the runner sends) ends in a written `error` result saying
//! "cancelled", exit 2, and an error annotation; never in no result at all.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

mod common;

#[test]
fn sigterm_writes_a_cancelled_error_result_and_exits_2() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let result = dir.path().join("r.json");
        let outputs = dir.path().join("outputs");
        std::fs::write(&outputs, "").unwrap();
        let mut child = Command::new(common::example("slow_gate"))
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
        assert_eq!(out.status.code(), Some(2), "SIG{signal}");
        common::assert_error_outcome(&result, &outputs, "stopped");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("::error title=slow-gate could not run::"),
            "{stderr}"
        );
    }
}
