//! A cancelled job (SIGTERM, as the runner sends) ends in a written `error` result saying
//! "cancelled", exit 2, and an error annotation; never in no result at all.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The example gate built beside the tests (`cargo test` builds examples).
fn slow_gate() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap();
    dir.join("examples")
        .join(format!("slow_gate{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn sigterm_writes_a_cancelled_error_result_and_exits_2() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let result = dir.path().join("r.json");
        let outputs = dir.path().join("outputs");
        std::fs::write(&outputs, "").unwrap();
        let exe = slow_gate();
        assert!(
            exe.exists(),
            "{} is built by `cargo test` without --test filters",
            exe.display()
        );
        let mut child = Command::new(exe)
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
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&result).expect("a result file")).unwrap();
        assert_eq!(doc["verdict"], "error");
        assert!(doc["title"].as_str().unwrap().contains("stopped"), "{doc}");
        let outputs = std::fs::read_to_string(&outputs).unwrap();
        let verdict = outputs
            .lines()
            .skip_while(|l| !l.starts_with("verdict<<"))
            .nth(1);
        assert_eq!(verdict, Some("error"), "{outputs}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("::error title=slow-gate could not run::"),
            "{stderr}"
        );
    }
}
