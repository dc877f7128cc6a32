//! The `coverage` composite action run the way the runner runs it, against this build, and the
//! installer's download path against a local "release".

use std::path::{Path, PathBuf};

use gates_testkit::action::{check_readme, run_composite, Job};

use crate::repo::{run, Repo};

fn repo_root() -> PathBuf {
    crate::fixtures().join("..").canonicalize().unwrap()
}

fn job(workspace: &Path, extra: &[(&str, &str)]) -> Job {
    let mut j = Job::local(workspace, env!("CARGO_BIN_EXE_coverage-gate"));
    j.env
        .extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    j
}

#[test]
fn action_readmes_list_every_input_and_output() {
    for dir in ["coverage", "pr-comment", "actions/setup"] {
        check_readme(&repo_root().join(dir));
    }
}

#[test]
fn coverage_action_passes_and_fails_with_outputs_and_summary() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::fixtures().join("cobertura/coveragepy.xml"),
        ws.path().join("coverage.xml"),
    )
    .unwrap();
    let action = repo_root().join("coverage");
    let pass = run_composite(
        &action,
        &[("report", "coverage.xml"), ("min-lines", "70")],
        &job(ws.path(), &[]),
    );
    assert!(pass.success, "{:#?}", pass.steps);
    assert_eq!(pass.outputs["verdict"], "pass");
    assert_eq!(pass.outputs["lines"], "78.33");
    assert_eq!(pass.outputs["result"], "gates-results/coverage.json");
    assert!(ws.path().join("gates-results/coverage.json").exists());
    assert!(
        pass.summary().starts_with("### ✅ Coverage: lines 78.33%"),
        "{}",
        pass.summary()
    );

    let fail = run_composite(
        &action,
        &[
            ("report", "coverage.xml"),
            ("min-lines", "90"),
            ("informational", "false"),
        ],
        &job(ws.path(), &[]),
    );
    assert!(!fail.success);
    assert_eq!(fail.steps.last().unwrap().code, Some(1));
    assert_eq!(fail.outputs["verdict"], "fail");
    assert!(
        fail.summary().contains("lines 78.33% &lt; 90%"),
        "{}",
        fail.summary()
    );

    let bad = run_composite(
        &action,
        &[("report", "coverage.xml"), ("comment", "yes")],
        &job(ws.path(), &[]),
    );
    assert!(!bad.success && bad.stdout().contains("--comment must be true or false"));
}

#[test]
fn coverage_action_on_a_pull_request_annotates_changed_lines() {
    let repo = Repo::python_pr();
    repo.checkout_test_merge();
    let scratch = tempfile::tempdir().unwrap();
    let mut ev: serde_json::Value = serde_json::from_slice(
        &std::fs::read(crate::fixtures().join("events/pull_request.opened.json")).unwrap(),
    )
    .unwrap();
    ev["pull_request"]["base"]["sha"] = repo.base_sha.clone().into();
    ev["pull_request"]["head"]["sha"] = repo.head_sha.clone().into();
    let event = scratch.path().join("event.json");
    std::fs::write(&event, ev.to_string()).unwrap();
    let env = [
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_REF", "refs/pull/2/merge"),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
    ];
    let r = run_composite(
        &repo_root().join("coverage"),
        &[("report", "coverage.xml"), ("min-patch", "75")],
        &job(&repo.path, &env),
    );
    assert!(r.success, "{:#?}", r.steps);
    assert_eq!(
        (r.outputs["verdict"].as_str(), r.outputs["patch"].as_str()),
        ("pass", "80")
    );
    let stdout = r.stdout();
    assert!(
        stdout.contains("::warning title=Not covered,file=shop/shipping.py,line=9,endLine=10::"),
        "{stdout}"
    );
    assert!(
        r.summary()
            .contains("| `shop/shipping.py` | 5 | 8 | 62.5% | 6, 9-10 |"),
        "{}",
        r.summary()
    );
}

/// A "release" in a folder: the archive dist would publish, and an action tree whose
/// checksums/<version>.txt pins it.
fn fake_release(dir: &Path, tamper: bool) -> PathBuf {
    let target = if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-musl"
    } else {
        "x86_64-unknown-linux-musl"
    };
    let asset = format!("coverage-gate-{target}.tar.xz");
    let stage = dir.join(format!("coverage-gate-{target}"));
    std::fs::create_dir_all(&stage).unwrap();
    if tamper {
        // Refused before extraction: the content does not matter.
        std::fs::write(stage.join("coverage-gate"), "not a binary").unwrap();
    } else {
        std::fs::copy(
            env!("CARGO_BIN_EXE_coverage-gate"),
            stage.join("coverage-gate"),
        )
        .unwrap();
    }
    let release = dir.join("releases/v9.9.9");
    std::fs::create_dir_all(&release).unwrap();
    // xz -0: the debug binary is large, and the test is about the installer, not compression.
    let script = format!(
        "tar -cf - -C '{}' 'coverage-gate-{target}' | xz -0 -T0 > '{}'",
        dir.display(),
        release.join(&asset).display()
    );
    run(dir, "bash", &["-c", &script]);
    let sum = run(&release, "sha256sum", &[&asset]);
    let sum = if tamper {
        format!("{}  {asset}\n", "0".repeat(64))
    } else {
        sum
    };
    // A copy of the action tree, so the pinned checksum file lives beside install.sh.
    let tree = dir.join("gates");
    for sub in ["coverage", "actions/setup"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
        for e in std::fs::read_dir(repo_root().join(sub)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), tree.join(sub).join(e.file_name())).unwrap();
            }
        }
    }
    std::fs::create_dir_all(tree.join("actions/setup/checksums")).unwrap();
    std::fs::write(tree.join("actions/setup/checksums/v9.9.9.txt"), sum).unwrap();
    tree
}

#[test]
#[cfg(target_os = "linux")]
fn installer_downloads_verifies_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::fixtures().join("lcov/geninfo.lcov"),
        ws.path().join("lcov.info"),
    )
    .unwrap();
    let url = format!("file://{}/releases", dir.path().display());
    let env = |extra: &[(&str, &str)]| {
        let mut j = job(ws.path(), extra);
        j.env.insert("GATES_DOWNLOAD_URL".into(), url.clone());
        j.env.remove("GATES_LOCAL_BIN");
        j
    };
    let tree = fake_release(dir.path(), false);
    let ok = run_composite(
        &tree.join("coverage"),
        &[("report", "lcov.info"), ("version", "v9.9.9")],
        &env(&[]),
    );
    assert!(ok.success, "{:#?}", ok.steps);
    assert!(ok.steps[0]
        .stdout
        .contains("installed coverage-gate v9.9.9"));
    assert_eq!(ok.outputs["lines"], "64.28");

    let unknown = run_composite(
        &tree.join("coverage"),
        &[("report", "lcov.info"), ("version", "v0.0.1")],
        &env(&[]),
    );
    assert!(
        !unknown.success
            && unknown.steps[0]
                .stdout
                .contains("no pinned checksums for v0.0.1"),
        "{:#?}",
        unknown.steps
    );

    let platform = run_composite(
        &tree.join("coverage"),
        &[("report", "lcov.info"), ("version", "v9.9.9")],
        &env(&[("RUNNER_ARCH", "ARM")]),
    );
    assert!(
        !platform.success && platform.steps[0].stdout.contains("is not supported"),
        "{:#?}",
        platform.steps
    );

    let dir2 = tempfile::tempdir().unwrap();
    let url2 = format!("file://{}/releases", dir2.path().display());
    let tree = fake_release(dir2.path(), true);
    let mut j = env(&[]);
    j.env.insert("GATES_DOWNLOAD_URL".into(), url2);
    let tampered = run_composite(
        &tree.join("coverage"),
        &[("report", "lcov.info"), ("version", "v9.9.9")],
        &j,
    );
    assert!(
        !tampered.success && tampered.steps[0].stdout.contains("checksum mismatch"),
        "{:#?}",
        tampered.steps
    );
}
