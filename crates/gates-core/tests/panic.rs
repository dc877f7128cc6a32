//! A gate that panics (a bug) still ends in a written `error` result, `verdict=error`, exit 2
//! and one error annotation, never in exit 101 with no result; and the panic's message, which
//! may quote a report, never reaches stderr as a workflow command.

use std::process::Command;

/// The example gate built beside the tests (`cargo test` builds examples).
fn buggy_gate() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap();
    dir.join("examples")
        .join(format!("panicking_gate{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn a_panic_ends_in_an_error_result_and_no_command() {
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let outputs = dir.path().join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let exe = buggy_gate();
    assert!(exe.exists(), "{} is built by `cargo test`", exe.display());
    let out = Command::new(exe)
        .args(["--result", result.to_str().unwrap()])
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&result).expect("a result file")).unwrap();
    assert_eq!(doc["verdict"], "error");
    assert!(doc["title"].as_str().unwrap().contains("bug"), "{doc}");
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    let verdict = outputs
        .lines()
        .skip_while(|l| !l.starts_with("verdict<<"))
        .nth(1);
    assert_eq!(verdict, Some("error"), "{outputs}");
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
