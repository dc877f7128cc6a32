//! New, existing and fixed against a baseline, and one advisory found by several tools counted once.

// Tests set up the programs' environment from the real one (PATH, SARIF_MULTITOOL).
#![allow(clippy::disallowed_methods)]

use crate::common;
use common::{assert_exit, bandit_scan, fixture, gate, read_json};

#[test]
fn one_advisory_found_by_five_tools_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        "schema-trivy.json",
        "schema-grype.json",
        "schema-osv.json",
        "schema-pip-audit.json",
        "schema-safety.json",
    ];
    let mut args: Vec<String> = files
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let result = dir.path().join("r.json");
    args.extend([
        "--result".into(),
        result.display().to_string(),
        "--print".into(),
        "human".into(),
    ]);
    let out = gate(
        dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert_exit(&out, 0);
    let r: serde_json::Value = read_json(&result);
    let pyyaml: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["message"].as_str().unwrap().contains("PyYAML")
                || f["message"].as_str().unwrap().contains("pyyaml 5.3")
        })
        .collect();
    assert_eq!(pyyaml.len(), 1, "{pyyaml:#?}");
    let m = pyyaml[0]["message"].as_str().unwrap();
    for t in ["trivy", "grype", "osv-scanner", "pip-audit", "safety"] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(t), "{t} missing: {stdout}");
    }
    assert!(m.contains("critical"), "{m}");
}

/// Base and head of a change, scanned by the real Bandit: code that moved is not new, a second
/// copy of a flagged line is, a removed finding is fixed.
#[test]
fn base_head_new_existing_fixed_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let head = dir.path().join("head");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&head).unwrap();
    std::fs::write(base.join("a.py"), "import subprocess\nimport pickle\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n\n\ndef calc(y):\n    return eval(y)\n\n\ndef load(z):\n    return pickle.loads(z)\n").unwrap();
    std::fs::write(head.join("a.py"), "import subprocess\nimport yaml\n\n\ndef calc(y):\n    return eval(y)\n\n\ndef calc2(y):\n    return eval(y)\n\n\ndef conf(w):\n    return yaml.load(w)\n\n\ndef run(x):\n    return subprocess.call(x, shell=True)\n").unwrap();
    bandit_scan(&base, "../base.json");
    bandit_scan(&head, "../head.json");
    let result = dir.path().join("r.json");
    let out = gate(
        &head,
        &[
            "../head.json",
            "--baseline",
            "../base.json",
            "--max-new",
            "high=0,medium=0",
            "--result",
            result.to_str().unwrap(),
            "--print",
            "human",
        ],
        &[],
    );
    let r: serde_json::Value = read_json(&result);
    // Head: B404 subprocess import, B602 shell (moved), B307 eval x2, B506 yaml.load.
    // Base: B404, B403 pickle import, B602, B307, B301 pickle.loads.
    assert_eq!(r["metrics"]["total"], 5);
    assert_eq!(
        r["metrics"]["new"],
        2,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(r["metrics"]["fixed"], 2);
    assert_eq!(r["metrics"]["new_severity"]["medium"], 2);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 new medium findings (at most 0 allowed)"),
        "{stdout}"
    );
    // The result file of the base run works as a baseline too.
    let base_result = dir.path().join("base-result.json");
    gate(
        &base,
        &["../base.json", "--result", base_result.to_str().unwrap()],
        &[],
    );
    let out = gate(
        &head,
        &[
            "../head.json",
            "--baseline",
            base_result.to_str().unwrap(),
            "--result",
            result.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let r2: serde_json::Value = read_json(&result);
    assert_eq!(
        (r2["metrics"]["new"].clone(), r2["metrics"]["fixed"].clone()),
        (r["metrics"]["new"].clone(), r["metrics"]["fixed"].clone())
    );
}
