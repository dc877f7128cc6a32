//! What the cluster tests share: running the gate against the fake API server as the runner does.

// Each test file uses some of these.
#![allow(dead_code)]

use std::process::Output;

use gates_testkit::cmd::{run_gate, workspace_root};
use gates_testkit::k8s::FakeKube;
use serde_json::Value;

/// Stdout and stderr as one text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run `k8s-deploy <command> args` from the workspace root against `fake`, in Actions with a job
/// summary and step outputs: the exit code, the result (validated against the result schema),
/// and stdout, stderr, the summary and the outputs as one text.
pub fn against(fake: &FakeKube, command: &str, args: &[&str]) -> (i32, Value, String) {
    against_with(fake, command, args, &[])
}

/// [`against`] with more of the runner's variables (`GITHUB_API_URL`, `GITHUB_TOKEN`, ...).
pub fn against_with(
    fake: &FakeKube,
    command: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = fake.kubeconfig(dir.path());
    let result = dir.path().join("r.json");
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs");
    for f in [&summary, &outputs] {
        std::fs::write(f, "").unwrap();
    }
    let mut all = vec![
        command,
        "--result",
        result.to_str().unwrap(),
        "--print",
        "human",
    ];
    all.extend_from_slice(args);
    let o = run_gate(
        env!("CARGO_BIN_EXE_k8s-deploy"),
        &workspace_root(),
        &all,
        &[
            &[
                ("KUBECONFIG", kubeconfig.to_str().unwrap()),
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
                ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
            ],
            env,
        ]
        .concat(),
    );
    let out = format!(
        "{}{}{}",
        text(&o),
        std::fs::read_to_string(&summary).unwrap(),
        std::fs::read_to_string(&outputs).unwrap()
    );
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&result).unwrap_or_else(|e| panic!("no result file ({e}): {out}")),
    )
    .unwrap();
    gates_testkit::generated::assert_valid_result(&doc);
    (o.status.code().unwrap(), doc, out)
}

/// The deploy lock (a Lease) of namespace `staging`, if one is held.
pub fn staging_lock(fake: &FakeKube) -> Option<Value> {
    fake.get(
        "coordination.k8s.io/v1",
        "Lease",
        Some("staging"),
        "gates-k8s-deploy",
    )
}

/// The seeds' production manifests as the lint tests render them: their variables and the
/// gateway's image (the sidecar's stays untagged, the lint's one error).
pub const PRODUCTION_SEEDS: [&str; 7] = [
    "fixtures/k8s/seeds/production/",
    "--var",
    "REPLICAS=3",
    "--var",
    "ENVIRONMENT=production",
    "--image",
    "medical-kg-rev/gateway=ghcr.io/org/gateway:abc123",
];

/// A server answering each request with the next of `statuses` (the last one after that).
pub fn health_server(statuses: &'static [u16]) -> (String, std::thread::JoinHandle<()>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/health?token=s3cret",
        server.server_addr().to_ip().unwrap()
    );
    let handle = std::thread::spawn(move || {
        for (i, request) in server.incoming_requests().enumerate() {
            let status = statuses[i.min(statuses.len() - 1)];
            let _ = request.respond(tiny_http::Response::empty(status));
            if i > 20 {
                break;
            }
        }
    });
    (url, handle)
}

/// The step output `name` from the outputs file's text in `out`.
pub fn output(out: &str, name: &str) -> Option<String> {
    let mut lines = out.lines();
    while let Some(l) = lines.next() {
        if l.starts_with(&format!("{name}<<")) {
            return lines.next().map(str::to_string);
        }
    }
    None
}

/// Each analysis run of result `doc` as "phase verdict".
pub fn phases(doc: &Value) -> Vec<String> {
    doc["metrics"]["analysis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["phase"].as_str().unwrap(),
                r["verdict"].as_str().unwrap()
            )
        })
        .collect()
}

/// An analysis template (hand-written) whose one query carries the `stable-hash` and
/// `canary-hash` args the deploy fills in, written into `dir`; its path.
pub fn hash_template(dir: &std::path::Path) -> String {
    let path = dir.join("by-hash.yml");
    std::fs::write(
        &path,
        r#"apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: by-hash
spec:
  args:
    - name: stable-hash
    - name: canary-hash
  metrics:
    - name: up
      interval: 50ms
      count: 1
      successCondition: result[0] >= baseline[0]
      provider:
        prometheus:
          query: up{canary="{{args.canary-hash}}",stable="{{args.stable-hash}}"}
"#,
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// The (stable, canary) hashes an analysis run of [`hash_template`] was given.
pub fn hash_args(run: &Value) -> (String, String) {
    let q = run["measurements"][0]["query"].as_str().unwrap();
    let arg = |name: &str| {
        let from = q.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        q[from..from + q[from..].find('"').unwrap()].to_string()
    };
    (arg("stable"), arg("canary"))
}

/// The image of the ReplicaSet of `deployment` in production whose pod template hash is `hash`.
pub fn replica_set_image(fake: &FakeKube, deployment: &str, hash: &str) -> String {
    let rs = fake
        .get(
            "apps/v1",
            "ReplicaSet",
            Some("production"),
            &format!("{deployment}-{hash}"),
        )
        .unwrap_or_else(|| panic!("no ReplicaSet {deployment}-{hash}"));
    rs["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `secret` appears in `out` only in the mask the runner is asked to apply.
pub fn assert_only_masked(out: &str, secret: &str) {
    for line in out.lines().filter(|l| l.contains(secret)) {
        assert!(line.starts_with("::add-mask::"), "printed: {line}");
    }
}
