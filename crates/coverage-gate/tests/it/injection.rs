//! No report text becomes a runner command on stdout or stderr, in any print mode: every real
//! fixture of every format, with every text field poisoned (gates_testkit::runner).

use gates_testkit::runner::{assert_run_inert, hostile_variant};

use crate::e2e::gate;
use crate::fixtures;

#[test]
fn no_report_text_becomes_a_command_on_any_stream_in_any_print_mode() {
    let scratch = tempfile::tempdir().unwrap();
    let (mut judged, mut errors) = (0, 0);
    for dir in std::fs::read_dir(fixtures()).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        // Coverage fixtures only: the other gates' live beside them.
        if !dir.is_dir()
            || [
                "events",
                "graphql",
                "k8s",
                "malformed",
                "perf",
                "projects",
                "security",
            ]
            .contains(&name.as_str())
        {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            if file == "README.md" || file.ends_with(".txt") || file.ends_with(".csv") {
                continue;
            }
            let report = scratch.path().join(format!("{name}-{file}"));
            std::fs::write(&report, hostile_variant(&std::fs::read(&f).unwrap())).unwrap();
            let summary = scratch.path().join("summary.md");
            let output = scratch.path().join("output.txt");
            for print in ["auto", "github", "human"] {
                let out = gate(
                    scratch.path(),
                    &[
                        report.to_str().unwrap(),
                        "--min-lines",
                        "1",
                        "--print",
                        print,
                    ],
                    &[
                        ("GITHUB_ACTIONS", "true"),
                        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
                        ("GITHUB_OUTPUT", output.to_str().unwrap()),
                    ],
                );
                match assert_run_inert(&format!("{name}/{file} --print {print}"), &out) {
                    true => judged += 1,
                    false => errors += 1,
                }
            }
        }
    }
    // Both paths must have been walked, or the test proves little.
    assert!(
        judged >= 9 && errors >= 9,
        "judged {judged}, errors {errors}"
    );
}
