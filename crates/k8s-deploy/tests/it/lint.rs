//! `k8s-deploy lint` on the seeds' manifests and kustomize's real output: the findings, their
//! files and lines, suppressions, templates and image substitution, through the binary.

use crate::common;

use std::path::Path;
use std::process::Output;

use gates_testkit::cmd::{run_gate, workspace_root};
use serde_json::Value;

fn gate(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_gate(env!("CARGO_BIN_EXE_k8s-deploy"), dir, args, env)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run `args` from the workspace root with a result file, and return the exit code and the
/// result (validated against the result schema).
fn lint(args: &[&str]) -> (i32, Value, Output) {
    let out_dir = tempfile::tempdir().unwrap();
    let result = out_dir.path().join("r.json");
    let mut all = vec![
        "lint",
        "--result",
        result.to_str().unwrap(),
        "--print",
        "human",
    ];
    all.extend_from_slice(args);
    let o = gate(&workspace_root(), &all, &[]);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&result)
            .unwrap_or_else(|e| panic!("no result file ({e}): {}", text(&o))),
    )
    .unwrap();
    gates_testkit::generated::assert_valid_result(&doc);
    (o.status.code().unwrap(), doc, o)
}

/// (rule without the gate's prefix, file name, line) of every finding.
fn spots(doc: &Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("k8s-deploy/")
                    .to_string(),
                f["path"]
                    .as_str()
                    .unwrap_or("-")
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                f["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

fn s(rule: &str, file: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), file.to_string(), line)
}

/// The production directory: the untagged sidecar image is the one error; the warnings are on
/// the lines of the fields (or of the container lacking them), the HPA's minReplicas and the
/// Service whose selector matches no pods.
#[test]
fn the_seeds_production_manifests_lint_on_their_lines() {
    let sarif = tempfile::NamedTempFile::new().unwrap();
    let mut args = common::PRODUCTION_SEEDS.to_vec();
    args.extend(["--sarif", sarif.path().to_str().unwrap()]);
    let (code, doc, o) = lint(&args);
    assert_eq!(code, 1, "{}", text(&o));
    assert_eq!(doc["verdict"], "fail");
    let want = vec![
        s("capabilities-drop-all", "deployment.yaml", 58),
        s("image-tag", "deployment.yaml", 59),
        s("ingress-tls", "ingress.yaml", 8),
        s("liveness-probe", "deployment.yaml", 58),
        s("privilege-escalation", "deployment.yaml", 58),
        s("production-pdb", "deployment.yaml", 11),
        s("production-replicas", "hpa.yaml", 11),
        s("read-only-root-filesystem", "deployment.yaml", 58),
        s("readiness-probe", "deployment.yaml", 58),
        s("resources-limits", "deployment.yaml", 39),
        s("resources-limits", "deployment.yaml", 58),
        s("resources-requests", "deployment.yaml", 58),
        s("service-selector", "service.yaml", 20),
    ];
    assert_eq!(spots(&doc), want);
    let m = &doc["metrics"];
    assert_eq!(
        (
            m["objects"].as_u64(),
            m["errors"].as_u64(),
            m["warnings"].as_u64()
        ),
        (Some(6), Some(1), Some(12))
    );
    assert_eq!(m["images_substituted"], 1);
    let image_tag = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s-deploy/image-tag")
        .unwrap();
    assert_eq!(
        image_tag["pointer"],
        "/spec/template/spec/containers/1/image"
    );
    assert_eq!(image_tag["level"], "error");
    // SARIF: valid for GitHub, the same findings on the same lines.
    gates_testkit::cmd::assert_sarif_valid(sarif.path());
    let log: Value = serde_json::from_slice(&std::fs::read(sarif.path()).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), want.len());
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "k8s-deploy/image-tag")
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        59
    );
    assert_eq!(
        r["properties"]["pointer"],
        "/spec/template/spec/containers/1/image"
    );
}

/// Staging's Deployment carries kube-score's, kube-linter's and Polaris's own suppression
/// annotations: each silences the rule it corresponds to, and only that one.
#[test]
fn peer_tools_suppression_annotations_are_honoured() {
    let (code, doc, o) = lint(&["fixtures/k8s/seeds/staging"]);
    assert_eq!(code, 1, "{}", text(&o));
    assert_eq!(spots(&doc), vec![s("image-tag", "deployment.yaml", 23)]);
    assert_eq!(doc["metrics"]["suppressed"], 4);
    let log = text(&o);
    for by in [
        "suppressed by kube-score/ignore: k8s-deploy/run-as-non-root",
        "suppressed by kube-score/ignore: k8s-deploy/read-only-root-filesystem",
        "suppressed by ignore-check.kube-linter.io/privilege-escalation-container: k8s-deploy/privilege-escalation",
        "suppressed by polaris.fairwinds.com/insecureCapabilities-exempt: k8s-deploy/capabilities-drop-all",
    ] {
        assert!(log.contains(by), "{by}\n{log}");
    }
    // Not production: no replica or disruption-budget findings although it runs one replica.
    assert!(!log.contains("production-"), "{log}");
}

/// A rule's level comes from the config and the flags: image-tag allowed is counted, not shown,
/// and the gate passes with warnings only.
#[test]
fn levels_turn_rules_down() {
    let (code, doc, o) = lint(&[
        "fixtures/k8s/seeds/staging",
        "--allow",
        "k8s-deploy/image-tag",
    ]);
    assert_eq!(code, 0, "{}", text(&o));
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["metrics"]["allowed"], 1);
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("gates.yml");
    std::fs::write(
        &cfg,
        "k8s-deploy:\n  levels:\n    k8s-deploy/image-tag: warn\n",
    )
    .unwrap();
    let (code, doc, _) = lint(&[
        "fixtures/k8s/seeds/staging",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(doc["verdict"], "warn");
    assert_eq!(doc["findings"][0]["level"], "warning");
}

/// kustomize's output piped in on stdin is linted like files; findings have no file to
/// annotate, so their message says where on stdin they are.
#[test]
fn kustomize_output_on_stdin_is_linted() {
    use std::io::Write;
    let rendered = workspace_root().join("fixtures/k8s/kustomize/rendered-production.yaml");
    let d = tempfile::tempdir().unwrap();
    let result = d.path().join("r.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_k8s-deploy"))
        .args([
            "lint",
            "-",
            "--print",
            "human",
            "--result",
            result.to_str().unwrap(),
        ])
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(rendered).unwrap())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(doc["metrics"]["objects"], 3);
    // kustomize set replicas 3 and the namespace production: only the missing PDB is left.
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "k8s-deploy/production-pdb");
    assert!(f[0].get("path").is_none());
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(stdin, line 27)"),
        "{}",
        f[0]["message"]
    );
}

/// `render` prints what would be applied: templates filled, images substituted, the namespace
/// set; a Secret's values never appear.
#[test]
fn render_fills_templates_substitutes_images_and_redacts_secrets() {
    let o = gate(
        &workspace_root(),
        &[
            "render",
            "fixtures/k8s/seeds/production/deployment.yaml",
            "fixtures/k8s/kustomize/base/secret.yaml",
            "--namespace",
            "production",
            "--var",
            "REPLICAS=4",
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway@sha256:0123",
        ],
        &[("ENVIRONMENT", "production")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("replicas: 4\n"), "{out}");
    assert!(out.contains("environment: production"), "{out}");
    assert!(
        out.contains("image: ghcr.io/org/gateway@sha256:0123"),
        "{out}"
    );
    assert!(
        out.contains("value: info"),
        "the default of ${{LOG_LEVEL:-info}}: {out}"
    );
    assert!(
        out.contains("--listen=$(POD_IP):8080"),
        "Kubernetes' own $(VAR) is kept: {out}"
    );
    assert!(!out.contains("SENTINEL"), "{out}");
    assert!(out.contains("password: (redacted, 31 bytes)"), "{out}");
    assert!(out.contains("namespace: production"), "{out}");
}

/// What stops the gate: exit 2, the file and line, what to do, and an `error` result.
#[test]
fn broken_inputs_stop_with_the_file_and_line() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["fixtures/k8s/seeds/production/deployment.yaml", "--var", "REPLICAS=1"],
            "fixtures/k8s/seeds/production/deployment.yaml:10:18: the variable ENVIRONMENT is not defined",
        ),
        (
            &["fixtures/k8s/malformed-unclosed.yaml"],
            "fixtures/k8s/malformed-unclosed.yaml:7",
        ),
        (
            &["fixtures/k8s/malformed-not-an-object.yaml"],
            "fixtures/k8s/malformed-not-an-object.yaml:8: document 2: no metadata.name",
        ),
        (
            &["fixtures/k8s/seeds/staging", "--image", "medical-kg-rev/api=ghcr.io/org/api:1"],
            "--image: --image medical-kg-rev/api=ghcr.io/org/api:1 matched no container image in the manifests (their images: medical-kg-rev/gateway)",
        ),
        (
            &["fixtures/k8s/seeds/staging", "--namespace", "production"],
            "fixtures/k8s/seeds/staging/deployment.yaml:5: Deployment staging/gateway is in namespace \"staging\", not \"production\"",
        ),
        (&["fixtures/k8s/nowhere.yaml"], "fixtures/k8s/nowhere.yaml"),
        (&["fixtures/k8s/seeds"], "the directory holds no .yaml, .yml or .json file"),
    ];
    for (args, want) in cases {
        let (code, doc, o) = lint(args);
        assert_eq!(code, 2, "{args:?}: {}", text(&o));
        assert_eq!(doc["verdict"], "error", "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{args:?}: want {want:?} in\n{err}");
    }
}

/// Text from manifests (names, labels, images, annotations) never becomes a workflow command,
/// whether the gate judges or stops; and a real manifest with every string poisoned stops
/// cleanly.
#[test]
fn hostile_manifest_text_never_becomes_a_workflow_command() {
    use gates_testkit::runner::{assert_run_inert, hostile_variant, HOSTILE};
    let d = tempfile::tempdir().unwrap();
    let hostile = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": format!("x{HOSTILE}"), "namespace": format!("ns{HOSTILE}"),
                     "annotations": {format!("k{HOSTILE}"): format!("v{HOSTILE}")}},
        "spec": {"template": {"metadata": {"labels": {"app": format!("a{HOSTILE}")}},
                 "spec": {"containers": [{"name": format!("c{HOSTILE}"), "image": format!("img{HOSTILE}:latest")}]}}}
    });
    std::fs::write(d.path().join("hostile.json"), hostile.to_string()).unwrap();
    let summary = d.path().join("summary.md");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    let o = gate(
        d.path(),
        &["lint", "hostile.json", "--print", "github"],
        &env,
    );
    assert!(
        assert_run_inert("hostile manifest", &o),
        "it judged: {}",
        text(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    let seeds = workspace_root().join("fixtures/k8s/seeds/staging/deployment.yaml");
    let docs = {
        let vars = k8s_deploy::template::Vars::new(&[], &|_| None).unwrap();
        let mut out = Vec::new();
        k8s_deploy::manifest::parse("d.yaml", &std::fs::read(seeds).unwrap(), &vars, &mut out)
            .unwrap();
        out
    };
    std::fs::write(
        d.path().join("poisoned.json"),
        hostile_variant(docs[0].value.to_string().as_bytes()),
    )
    .unwrap();
    for print in ["github", "human"] {
        let o = gate(d.path(), &["lint", "poisoned.json", "--print", print], &env);
        assert_run_inert(&format!("poisoned seeds, {print}"), &o);
    }
}
