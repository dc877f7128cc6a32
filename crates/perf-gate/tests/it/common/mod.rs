//! Helpers shared by the test files.

// Each test file uses some of these; the gate's environment is set up from the real one (PATH).
#![allow(dead_code, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// The workspace root.
pub fn root() -> PathBuf {
    gates_testkit::cmd::workspace_root()
}

/// A file under `fixtures/perf`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/perf").join(name)
}

/// Run the gate in `dir` with a clean environment.
pub fn gate(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    gates_testkit::cmd::run_gate(env!("CARGO_BIN_EXE_perf-gate"), dir, args, env)
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
