//! No scanner text becomes a runner command on stdout or stderr, in any print mode: every
//! fixture of every format, every text field poisoned (gates_testkit::runner).

use std::path::PathBuf;
use std::process::Command;

use gates_testkit::runner::{assert_run_inert, hostile_variant};

#[test]
fn no_scanner_text_becomes_a_command_on_any_stream_in_any_print_mode() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/security");
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
            let out = Command::new(env!("CARGO_BIN_EXE_security-gate"))
                .args([
                    report.to_str().unwrap(),
                    "--max",
                    "high=0",
                    "--print",
                    print,
                ])
                .args(["--sarif", sarif.to_str().unwrap()])
                .current_dir(scratch.path())
                .env_clear()
                .env("GITHUB_ACTIONS", "true")
                .output()
                .unwrap();
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
