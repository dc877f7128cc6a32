//! Helpers shared by the test files of security-gate.

// Each test file uses some of these; the gate's environment is set up from the real one (PATH).
#![allow(dead_code, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    gates_testkit::cmd::workspace_root()
}

/// A file under `fixtures/security`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/security").join(name)
}

/// Run the gate in `dir` with a clean environment.
pub fn gate(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    gates_testkit::cmd::run_gate(env!("CARGO_BIN_EXE_security-gate"), dir, args, env)
}

/// The run ended with `code`; its stderr and stdout are shown when not.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Parse a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run the real Bandit over `dir`, writing JSON to `out` (relative to `dir`).
pub fn bandit_scan(dir: &Path, out: &str) {
    let status = Command::new("bandit")
        .args(["-r", ".", "-f", "json", "-o", out, "-q"])
        .current_dir(dir)
        .status()
        .expect("bandit runs (installed by .ci/run)");
    assert!(status.code().is_some_and(|c| c <= 1), "bandit failed");
}
