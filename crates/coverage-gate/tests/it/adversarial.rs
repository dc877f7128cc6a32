//! Damaged and hostile inputs: exit 2 with a useful message, or, for hostile names in a valid
//! report, nothing a report contains becomes a command, an output or markup.

use std::collections::BTreeMap;

use gates_core::outputs;

use crate::e2e::gate;
use crate::fixtures;

/// Every malformed file: exit 2, the message names the file and says what to do, and the result
/// file is a complete `error` result (never a half-written or a passing one).
#[test]
fn malformed_corpus_exits_2_with_file_named_and_an_error_result() {
    let dir = fixtures().join("malformed");
    let scratch = tempfile::tempdir().unwrap();
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries.iter().filter(|p| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("malformed-")
    }) {
        seen += 1;
        let result = scratch.path().join("result.json");
        let out = gate(
            scratch.path(),
            &[path.to_str().unwrap(), "--result", result.to_str().unwrap()],
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name.as_ref()),
            "{name}: the message must name the file: {err}"
        );
        assert!(
            err.contains("help:"),
            "{name}: the message must say what to do: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
        assert_eq!(doc["verdict"], "error", "{name}");
        assert_eq!(
            doc["findings"][0]["rule"], "coverage/could-not-run",
            "{name}"
        );
        assert!(
            doc["title"].as_str().unwrap().contains(name.as_ref()),
            "{name}: {}",
            doc["title"]
        );
        std::fs::remove_file(&result).unwrap();
    }
    assert!(seen >= 18, "corpus went missing: {seen} files");
}

#[test]
fn errors_name_the_line_where_it_applies() {
    let scratch = tempfile::tempdir().unwrap();
    for (file, line) in [
        ("malformed-negative-count.info", ":4:"),
        ("malformed-negative-hits.xml", ":6:"),
        ("malformed-go-statements.out", ":3:"),
        ("malformed-garbage-line.info", ":4:"),
    ] {
        let out = gate(
            scratch.path(),
            &[fixtures().join("malformed").join(file).to_str().unwrap()],
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{file}{line}")), "{file}: {err}");
    }
}

#[test]
fn entity_bomb_is_refused_quickly_and_never_expanded() {
    let scratch = tempfile::tempdir().unwrap();
    let out = gate(
        scratch.path(),
        &[fixtures()
            .join("malformed/malformed-entity-bomb.xml")
            .to_str()
            .unwrap()],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("declares entities"), "{err}");
    let out = gate(
        scratch.path(),
        &[fixtures()
            .join("malformed/malformed-external-entity.xml")
            .to_str()
            .unwrap()],
        &[],
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("root:"),
        "an external entity was read"
    );
}

/// Any line outside the stop-commands block that starts like a command must be one we wrote.
fn assert_no_forged_commands(stdout: &str) {
    let mut guard: Option<String> = None;
    for line in stdout.lines() {
        let l = line.trim_start();
        if let Some(token) = &guard {
            if l == format!("::{token}::") {
                guard = None;
            }
            continue;
        }
        if let Some(t) = l.strip_prefix("::stop-commands::") {
            guard = Some(t.to_string());
            continue;
        }
        if l.starts_with("::") {
            assert!(
                l.starts_with("::warning ")
                    || l.starts_with("::notice ")
                    || l.starts_with("::error ")
                    || l.starts_with("::notice::"),
                "forged command: {l}"
            );
            let data = l.splitn(3, "::").nth(2).unwrap_or("");
            assert!(!data.contains('\n') && !data.contains('\r'), "{l}");
        }
    }
    assert!(guard.is_none(), "stop-commands block never closed");
}

#[test]
fn hostile_report_names_cannot_forge_commands_outputs_or_markup() {
    // In a (empty) checkout, so every name is listed as unresolved in the log and the summary.
    let scratch = tempfile::tempdir().unwrap();
    crate::repo::run(scratch.path(), "git", &["init", "-q"]);
    let (output, summary, result) = (
        scratch.path().join("out"),
        scratch.path().join("summary.md"),
        scratch.path().join("r.json"),
    );
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let out = gate(
        scratch.path(),
        &[
            fixtures()
                .join("malformed/hostile-names.xml")
                .to_str()
                .unwrap(),
            "--min-lines",
            "90",
            "--result",
            result.to_str().unwrap(),
        ],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("forged.py"),
        "the names are logged, inside the guard: {stdout}"
    );
    assert_no_forged_commands(&stdout);
    let outs: BTreeMap<String, String> = outputs::parse(&std::fs::read_to_string(&output).unwrap())
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(outs["verdict"], "fail");
    assert_eq!(
        outs.keys().cloned().collect::<Vec<_>>(),
        [
            "branches",
            "delta",
            "functions",
            "lines",
            "patch",
            "result",
            "verdict"
        ]
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        !md.contains("<img") && !md.contains("@octocat") && !md.contains('\u{1b}'),
        "{md}"
    );
    assert!(md.contains("&lt;img"), "{md}");
}

#[test]
fn terminal_report_strips_escape_sequences_from_report_text() {
    let scratch = tempfile::tempdir().unwrap();
    crate::repo::run(scratch.path(), "git", &["init", "-q"]);
    let out = gate(
        scratch.path(),
        &[
            fixtures()
                .join("malformed/hostile-names.xml")
                .to_str()
                .unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("[31mred"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

/// One element with 200k attributes took 46 s (quick-xml's duplicate check is quadratic):
/// refused at once, exit 2, naming the file.
#[test]
fn an_element_with_200k_attributes_is_refused_not_quadratic() {
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("malformed-many-attributes.xml");
    let attrs: String = (0..200_000).map(|i| format!(" a{i}=\"1\"")).collect();
    std::fs::write(
        &path,
        format!("<?xml version=\"1.0\"?>\n<coverage line-rate=\"1\"><packages><package name=\"p\"><classes><class filename=\"a.py\"{attrs}><lines><line number=\"1\" hits=\"1\"/></lines></class></classes></package></packages></coverage>\n"),
    )
    .unwrap();
    let out = gate(scratch.path(), &[path.to_str().unwrap()], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("malformed-many-attributes.xml") && err.contains("attributes"),
        "{err}"
    );
}

/// 100k `exclude` globs took 1.4 GB: more than MAX_GLOBS is a clear exit 2 naming the config.
#[test]
fn a_config_with_thousands_of_exclude_globs_is_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let cfg = scratch.path().join("gates.yml");
    let globs: String = (0..5000).map(|i| format!("    - gen/f{i}.py\n")).collect();
    std::fs::write(&cfg, format!("coverage:\n  exclude:\n{globs}")).unwrap();
    let report = fixtures().join("cobertura/coveragepy.xml");
    let out = gate(
        scratch.path(),
        &[report.to_str().unwrap(), "--config", cfg.to_str().unwrap()],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("gates.yml") && err.contains("at most 1000"),
        "{err}"
    );
}

/// When the job summary cannot be written, the result file said `pass` and the error said
/// "cannot read" with glob advice: now the run is an error outcome, the result file says so,
/// and the message says what could not be written.
#[test]
fn an_unwritable_summary_leaves_an_error_result_not_a_pass() {
    let scratch = tempfile::tempdir().unwrap();
    let result = scratch.path().join("result.json");
    let output = scratch.path().join("output.txt");
    let report = fixtures().join("cobertura/coveragepy.xml");
    let out = gate(
        scratch.path(),
        &[
            report.to_str().unwrap(),
            "--result",
            result.to_str().unwrap(),
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            // A directory cannot be appended to.
            ("GITHUB_STEP_SUMMARY", scratch.path().to_str().unwrap()),
            ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write") && !err.contains("glob"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "error");
    let outputs = outputs::parse(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let verdicts: Vec<&str> = outputs
        .iter()
        .filter(|(k, _)| k == "verdict")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(verdicts, ["error"], "no output may say pass");
}

/// `--format lcov /dev/zero` aborted (SIGABRT, out of memory) and a FIFO blocked forever:
/// only regular files are read, checked before opening, exit 2 naming the file.
#[cfg(unix)]
#[test]
fn a_device_or_a_fifo_is_refused_before_it_is_opened() {
    let scratch = tempfile::tempdir().unwrap();
    let fifo = scratch.path().join("coverage.info");
    gates_testkit::cmd::run(scratch.path(), "mkfifo", &[fifo.to_str().unwrap()]);
    for (path, args) in [
        ("/dev/zero", vec!["--format", "lcov", "/dev/zero"]),
        ("coverage.info", vec![fifo.to_str().unwrap()]),
    ] {
        let out = gate(scratch.path(), &args, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains(path) && err.contains("not a regular file"),
            "{err}"
        );
    }
}
