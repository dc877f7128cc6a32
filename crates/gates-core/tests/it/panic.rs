//! A gate that panics (a bug) still ends in a written `error` result, `verdict=error`, exit 2
//! and one error annotation, never in exit 101 with no result; and the panic's message, which
//! may quote a report, never reaches stderr as a workflow command.

use std::process::Command;

use crate::common;

#[test]
fn a_panic_ends_in_an_error_result_and_no_command() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let outputs = dir.path().join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new(common::example("panicking_gate"))
        .args(["--result", result.to_str().unwrap()])
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    common::assert_error_outcome(&result, &outputs, "bug");
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        for line in text.lines() {
            assert!(
                !line.trim_start().starts_with("::set-output")
                    && !line.trim_start().starts_with("::add-mask::"),
                "a command from the panic message: {line:?}\n{text}"
            );
        }
    }
    // The annotation goes out with the outcome, on stdout.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error title=buggy-gate could not run::"),
        "{stdout}"
    );
}
