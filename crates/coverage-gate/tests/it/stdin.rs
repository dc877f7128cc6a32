//! `-` reads the report from stdin (a tool piped into the gate), with the same result as the
//! file.

use gates_testkit::cmd::{run_gate, run_gate_with_stdin, workspace_root};

/// The result file's metrics of a run on `fixture` given as a path and as `-`.
fn both_ways(
    binary: &str,
    fixture: &str,
    extra: &[&str],
) -> (serde_json::Value, serde_json::Value) {
    let root = workspace_root();
    let path = root.join(fixture);
    let dir = tempfile::tempdir().unwrap();
    let run = |report: &str, stdin: Option<&[u8]>| {
        let result = dir.path().join(format!("{}.json", report.len()));
        let mut args = vec![report, "--result", result.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = match stdin {
            None => run_gate(binary, dir.path(), &args, &[]),
            Some(bytes) => run_gate_with_stdin(binary, dir.path(), &args, &[], bytes),
        };
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
        doc["metrics"].clone()
    };
    let bytes = std::fs::read(&path).unwrap();
    (run(path.to_str().unwrap(), None), run("-", Some(&bytes)))
}

#[test]
fn a_report_on_stdin_covers_what_the_file_covers() {
    let (file, piped) = both_ways(
        env!("CARGO_BIN_EXE_coverage-gate"),
        "fixtures/cobertura/coveragepy.xml",
        &[],
    );
    assert_eq!(file, piped);
    assert!(file["lines"]["total"].as_u64().unwrap() > 0, "{file}");
}
