//! Helpers shared by the test files.

// Each test file uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// Run the gate in `dir` with a clean environment (no runner variables).
pub fn run(dir: &Path, args: &[&str]) -> Output {
    run_with(dir, args, &[])
}

/// [`run`] with `env` set.
pub fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    gates_testkit::cmd::run_gate(env!("CARGO_BIN_EXE_breaking-change-check"), dir, args, env)
}

/// Stdout and stderr as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Write `body` to `dir/name`.
pub fn write(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).unwrap();
}

/// Parse a JSON file.
pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The result file `r.json` the tests ask for in `dir`.
pub fn result(dir: &Path) -> serde_json::Value {
    read_json(&dir.join("r.json"))
}

/// The workspace root.
pub fn root() -> PathBuf {
    gates_testkit::cmd::workspace_root()
}

/// Compare two specs written as `base.yaml` and `head.yaml` (`--base-file`), with a result file:
/// the exit code, the result and the output.
pub fn compare_pair(base: &str, head: &str) -> (Option<i32>, serde_json::Value, String) {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.yaml", base);
    compare_in(d.path(), head)
}

/// [`compare_pair`] in `dir`, which holds `base.yaml` already; `head` is written as `head.yaml`.
pub fn compare_in(dir: &Path, head: &str) -> (Option<i32>, serde_json::Value, String) {
    write(dir, "head.yaml", head);
    let o = run(
        dir,
        &[
            "--base-file",
            "base.yaml",
            "head.yaml",
            "--result",
            "r.json",
        ],
    );
    (o.status.code(), result(dir), text(&o))
}

/// The rule ids of a result's findings, in order.
pub fn rules(result: &serde_json::Value) -> Vec<&str> {
    result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}
