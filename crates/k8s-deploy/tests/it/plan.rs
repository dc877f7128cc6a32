//! `k8s-deploy plan` against the fake Kubernetes API server (gates_testkit::k8s), through the
//! binary and the real kube-rs client: a first plan creates, an applied set is unchanged, a
//! change is an update with its diff, the server's refusals and another manager's fields are
//! findings on the manifest lines, a plan never writes, Secret values never show.

use crate::common;

use common::text;
use gates_testkit::cmd::{run_gate, workspace_root};
use gates_testkit::k8s::{FakeKube, Fault};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};
use serde::Deserialize;
use serde_json::{json, Value};

const MANAGER: &str = "gates-k8s-deploy";

/// The staging seeds, their image pinned as a deploy pins it.
const STAGING: [&str; 3] = [
    "fixtures/k8s/seeds/staging/",
    "--image",
    "medical-kg-rev/gateway=ghcr.io/org/gateway:abc123",
];

/// `k8s-deploy <command> args` against `fake` (see [`common::against`]).
fn gate(fake: &FakeKube, command: &str, args: &[&str]) -> (i32, Value, String) {
    common::against(fake, command, args)
}

/// The rendered manifests, as the gate would apply them.
fn rendered(fake: &FakeKube, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = fake.kubeconfig(dir.path());
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let o = run_gate(
        env!("CARGO_BIN_EXE_k8s-deploy"),
        &workspace_root(),
        &all,
        &[("KUBECONFIG", kubeconfig.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Apply `yaml` for real with the gate's field manager, as a deploy will.
fn apply(fake: &FakeKube, yaml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = fake.kubeconfig(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(&path).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let discovery = Discovery::new(client.clone()).run().await.unwrap();
        let mut objects: Vec<Value> = serde_yaml::Deserializer::from_str(yaml)
            .map(|doc| Value::deserialize(doc).unwrap())
            .filter(|v| !v.is_null())
            .collect();
        // Namespaces first, as a deploy orders them.
        objects.sort_by_key(|v| v["kind"] != "Namespace");
        for v in objects {
            let (g, ver) = v["apiVersion"]
                .as_str()
                .unwrap()
                .split_once('/')
                .unwrap_or(("", v["apiVersion"].as_str().unwrap()));
            let gvk = GroupVersionKind::gvk(g, ver, v["kind"].as_str().unwrap());
            let (ar, caps) = discovery.resolve_gvk(&gvk).unwrap();
            let api: Api<DynamicObject> = match caps.scope {
                Scope::Namespaced => Api::namespaced_with(
                    client.clone(),
                    v["metadata"]["namespace"].as_str().unwrap_or("default"),
                    &ar,
                ),
                Scope::Cluster => Api::all_with(client.clone(), &ar),
            };
            api.patch(
                v["metadata"]["name"].as_str().unwrap(),
                &PatchParams::apply(MANAGER),
                &Patch::Apply(&v),
            )
            .await
            .unwrap();
        }
    });
}

#[test]
fn a_first_plan_creates_everything_and_writes_nothing() {
    let fake = FakeKube::start();
    let (code, doc, out) = gate(&fake, "plan", &STAGING);
    assert_eq!(code, 0, "{out}");
    let plan = &doc["metrics"]["plan"];
    assert_eq!(
        (
            plan["created"].as_u64(),
            plan["updated"].as_u64(),
            plan["unchanged"].as_u64()
        ),
        (Some(3), Some(0), Some(0)),
        "{doc}"
    );
    assert!(
        out.contains("k8s plan: 3 to create, 0 to update, 0 unchanged"),
        "{out}"
    );
    // The namespace comes first; what goes into it waits for it.
    assert!(
        out.contains("namespace staging is created by this deploy"),
        "{out}"
    );
    assert!(
        fake.get("v1", "Namespace", None, "staging").is_none(),
        "a plan writes nothing"
    );
    let writes: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.is_write() && !r.is_dry_run())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(writes, Vec::<String>::new());
    assert!(fake.requests().iter().filter(|r| r.is_dry_run()).all(|r| r
        .param("fieldManager")
        .as_deref()
        == Some(MANAGER)
        && r.param("fieldValidation").as_deref() == Some("Strict")));
}

#[test]
fn an_applied_set_is_unchanged_and_a_new_image_is_an_update_with_its_diff() {
    let fake = FakeKube::start();
    apply(&fake, &rendered(&fake, &STAGING));
    let (code, doc, out) = gate(&fake, "plan", &STAGING);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["unchanged"], 3, "{doc}\n{out}");
    let newer = [
        "fixtures/k8s/seeds/staging/",
        "--image",
        "medical-kg-rev/gateway=ghcr.io/org/gateway:def456",
    ];
    let (code, doc, out) = gate(&fake, "plan", &newer);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["updated"], 1, "{doc}");
    assert_eq!(doc["metrics"]["plan"]["unchanged"], 2, "{doc}");
    assert!(
        out.contains("-      - image: ghcr.io/org/gateway:abc123\n+      - image: ghcr.io/org/gateway:def456\n"),
        "{out}"
    );
    assert!(
        !out.contains("resourceVersion") && !out.contains("managedFields"),
        "{out}"
    );
}

#[test]
fn a_field_the_server_refuses_is_a_finding_on_its_line() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let seeds = workspace_root().join("fixtures/k8s/seeds/staging");
    for f in ["namespace.yaml", "deployment.yaml"] {
        std::fs::copy(seeds.join(f), dir.path().join(f)).unwrap();
    }
    // A typo the server's strict validation refuses (hand-made from the seed).
    let deployment = std::fs::read_to_string(dir.path().join("deployment.yaml")).unwrap();
    let typo = deployment.replace(
        "          image: medical-kg-rev/gateway\n",
        "          image: medical-kg-rev/gateway\n          imagePullPolcy: Always\n",
    );
    assert_ne!(typo, deployment);
    std::fs::write(dir.path().join("deployment.yaml"), &typo).unwrap();
    let line = typo
        .lines()
        .position(|l| l.contains("imagePullPolcy"))
        .unwrap()
        + 1;
    apply(
        &fake,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n",
    );
    let d = dir.path().to_str().unwrap();
    let (code, doc, out) = gate(
        &fake,
        "plan",
        &[
            d,
            "--image",
            "medical-kg-rev/gateway=ghcr.io/org/gateway:abc123",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s-deploy/server-rejected")
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        f["path"].as_str().unwrap().ends_with("deployment.yaml"),
        "{f}"
    );
    assert_eq!(f["start_line"], line as u64, "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("imagePullPolcy"),
        "{f}"
    );
    assert_eq!(doc["metrics"]["plan"]["rejected"], 1);
}

#[test]
fn a_field_another_manager_owns_is_a_conflict_unless_forced() {
    let fake = FakeKube::start();
    apply(&fake, &rendered(&fake, &STAGING));
    // `kubectl scale` (another manager) took the replicas.
    let mut live = fake
        .get("apps/v1", "Deployment", Some("staging"), "gateway")
        .unwrap();
    live["spec"]["replicas"] = json!(5);
    live["metadata"]["managedFields"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "manager": "kubectl-scale", "operation": "Update", "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}
        }));
    for m in live["metadata"]["managedFields"].as_array_mut().unwrap() {
        if m["manager"] == MANAGER {
            if let Some(spec) = m["fieldsV1"]["f:spec"].as_object_mut() {
                spec.remove("f:replicas");
            }
        }
    }
    fake.put(live);
    let (code, doc, out) = gate(&fake, "plan", &STAGING);
    assert_eq!(code, 1, "{out}");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "k8s-deploy/field-conflict")
        .unwrap_or_else(|| panic!("{doc}\n{out}"));
    let seed = std::fs::read_to_string(
        workspace_root().join("fixtures/k8s/seeds/staging/deployment.yaml"),
    )
    .unwrap();
    let line = seed
        .lines()
        .position(|l| l.trim_start().starts_with("replicas:"))
        .unwrap()
        + 1;
    assert_eq!(f["start_line"], line as u64, "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("kubectl-scale"),
        "{f}"
    );
    let mut forced = STAGING.to_vec();
    forced.push("--force-conflicts");
    let (code, doc, out) = gate(&fake, "plan", &forced);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["updated"], 1, "{doc}");
    assert!(out.contains("-  replicas: 5\n+  replicas: 1"), "{out}");
}

#[test]
fn secret_values_never_show_in_a_plan() {
    let fake = FakeKube::start();
    let secret = |v: &str| {
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: default}}\nstringData: {{password: {v}}}\n")
    };
    apply(&fake, &secret("hunter2-old"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.yaml"), secret("hunter2-new")).unwrap();
    let (code, doc, out) = gate(&fake, "plan", &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(doc["metrics"]["plan"]["updated"], 1, "{doc}\n{out}");
    assert!(out.contains("(redacted, changed)"), "{out}");
    for leaked in ["hunter2", "aHVudGVyM"] {
        assert!(!out.contains(leaked), "{leaked} in {out}");
        assert!(!doc.to_string().contains(leaked), "{leaked} in {doc}");
    }
}

#[test]
fn a_kind_the_cluster_does_not_serve_or_an_api_failure_is_exit_2() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crd-object.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let (code, doc, out) = gate(&fake, "plan", &[&d]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(
        out.contains("crd-object.yaml:6") && out.contains("serves no example.com/v1 Widget"),
        "{out}"
    );
    assert!(
        fake.requests().iter().all(|r| !r.is_write()),
        "nothing asked before every kind is known"
    );

    std::fs::write(
        dir.path().join("crd-object.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    fake.fault(Fault::new(
        "*",
        "/api/v1/namespaces/default/configmaps",
        500,
        10,
    ));
    let (code, doc, out) = gate(&fake, "plan", &[&d]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(doc["verdict"], "error");
    assert!(
        out.contains("Kubernetes API") && out.contains("500"),
        "{out}"
    );
}
