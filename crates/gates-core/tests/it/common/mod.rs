//! What the tests of a whole run share: the example gates, and what a run that could not do its
//! job leaves behind.

use std::path::{Path, PathBuf};

/// The example gate `name`, built beside the tests (`cargo test` without `--test` filters
/// builds the examples).
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap();
    let exe = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        exe.exists(),
        "{} is built by `cargo test` without --test filters",
        exe.display()
    );
    exe
}

/// The run left an `error` result whose title contains `title`, and the step output
/// `verdict=error`.
pub fn assert_error_outcome(result: &Path, outputs: &Path, title: &str) {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(result).expect("a result file")).unwrap();
    assert_eq!(doc["verdict"], "error");
    assert!(doc["title"].as_str().unwrap().contains(title), "{doc}");
    let outputs = std::fs::read_to_string(outputs).unwrap();
    let verdict = outputs
        .lines()
        .skip_while(|l| !l.starts_with("verdict<<"))
        .nth(1);
    assert_eq!(verdict, Some("error"), "{outputs}");
}
