//! What a gate's run shows its users, as text fit for an `insta` snapshot: the job-summary
//! markdown it wrote and its result file.
//!
//! The gate runs at the workspace root with relative paths, in a clean Actions environment with
//! no event and no commit, so nothing in either text changes between runs or machines; what
//! could still (the workspace's or the temporary directory's absolute path) is redacted.

use std::path::Path;

use crate::cmd::{run_gate, workspace_root};

/// One run's rendered output.
#[derive(Debug)]
pub struct Rendered {
    /// The exit code.
    pub code: i32,
    /// What the gate appended to `GITHUB_STEP_SUMMARY`.
    pub summary: String,
    /// The result file, pretty-printed; its `summary` (the same markdown) replaced by a
    /// placeholder so one rendering change shows in one snapshot.
    pub result: String,
}

/// Run `binary args --result <tmp>` at the workspace root inside Actions (`GITHUB_ACTIONS=true`,
/// a job summary file), with `env` added; the result must conform to the result schema.
pub fn run(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Rendered {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let result = dir.path().join("result.json");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").expect("the summary file");
    let mut all = args.to_vec();
    all.extend(["--result", result.to_str().expect("a UTF-8 path")]);
    let mut vars = vec![
        ("GITHUB_ACTIONS", "true"),
        (
            "GITHUB_STEP_SUMMARY",
            summary.to_str().expect("a UTF-8 path"),
        ),
    ];
    vars.extend_from_slice(env);
    let root = workspace_root();
    let out = run_gate(binary, &root, &all, &vars);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text =
        std::fs::read_to_string(&result).unwrap_or_else(|e| panic!("no result file ({e}): {log}"));
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("result is not JSON ({e}): {text}"));
    crate::generated::assert_valid_result(&doc);
    let summary = std::fs::read_to_string(&summary).expect("the summary file");
    let own = doc["summary"].as_str().unwrap_or_default().to_string();
    assert!(
        summary.contains(&own),
        "the job summary does not hold the result's summary:\n{summary}\n---\n{own}"
    );
    doc["summary"] = "[the job summary]".into();
    let redact = |s: &str| redact(s, &[(dir.path(), "[TMP]"), (&root, "[ROOT]")]);
    Rendered {
        code: out.status.code().unwrap_or(-1),
        summary: redact(&summary),
        result: redact(&serde_json::to_string_pretty(&doc).expect("JSON")),
    }
}

/// `text` with each path replaced by its placeholder (longest first, so a temporary directory
/// inside the workspace keeps its own).
fn redact(text: &str, paths: &[(&Path, &str)]) -> String {
    let mut paths = paths.to_vec();
    paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.as_os_str().len()));
    let mut out = text.to_string();
    for (p, with) in paths {
        if let Some(p) = p.to_str() {
            out = out.replace(p, with);
        }
    }
    out
}
