//! No scanner text becomes a runner command on stdout or stderr, in any print mode: every
//! fixture of every format, every text field poisoned (gates_testkit::runner).

use crate::common;
use common::{fixture, gate};

use gates_testkit::runner::{assert_run_inert, hostile_variant};

#[test]
fn no_scanner_text_becomes_a_command_on_any_stream_in_any_print_mode() {
    let fixtures = fixture("");
    let scratch = tempfile::tempdir().unwrap();
    let (mut judged, mut errors) = (0, 0);
    for f in std::fs::read_dir(&fixtures).unwrap() {
        let f = f.unwrap().path();
        let file = f.file_name().unwrap().to_string_lossy().into_owned();
        if !f.is_file() || file == "README.md" || file.ends_with(".txt") {
            continue;
        }
        let report = scratch.path().join(&file);
        std::fs::write(&report, hostile_variant(&std::fs::read(&f).unwrap())).unwrap();
        let sarif = scratch.path().join("merged.sarif");
        for print in ["auto", "github", "human"] {
            let args = [
                report.to_str().unwrap(),
                "--max",
                "high=0",
                "--print",
                print,
            ];
            let sarif_args = ["--sarif", sarif.to_str().unwrap()];
            let out = gate(
                scratch.path(),
                &[&args[..], &sarif_args[..]].concat(),
                &[("GITHUB_ACTIONS", "true")],
            );
            match assert_run_inert(&format!("{file} --print {print}"), &out) {
                true => judged += 1,
                false => errors += 1,
            }
        }
    }
    assert!(
        judged >= 6 && errors >= 3,
        "judged {judged}, errors {errors}"
    );
}
