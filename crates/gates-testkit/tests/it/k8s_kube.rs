//! The fake Kubernetes API server against the real kube-rs client: server-side apply and its
//! conflicts, dry runs, validation errors, discovery of CRDs, watches across compaction, and
//! faults as kube sees them.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use gates_testkit::k8s::{FakeKube, Fault};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiResource, Discovery, Scope};
use kube::runtime::watcher;
use kube::{Client, Config};
use serde_json::{json, Value};

const MANAGER: &str = "gates-k8s-deploy";

async fn client(fake: &FakeKube, dir: &tempfile::TempDir) -> Client {
    let path = fake.kubeconfig(dir.path());
    let kc = Kubeconfig::read_from(&path).expect("the fake's kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("kube accepts the fake's kubeconfig");
    Client::try_from(config).expect("a client")
}

fn deployment(name: &str, image: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]},
            },
        },
    })
}

fn api_error(e: kube::Error) -> Box<kube::core::Status> {
    match e {
        kube::Error::Api(s) => s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["manager"].as_str().unwrap_or_default().to_string(),
                e["operation"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn server_side_apply_creates_then_bumps_the_generation_once_per_spec_change() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    let pp = PatchParams::apply(MANAGER);

    let d = api
        .patch(
            "web",
            &pp,
            &Patch::Apply(deployment("web", "nginx:1.25", 2)),
        )
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1));
    let spec = d.spec.as_ref().unwrap();
    // The server's defaults.
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    assert_eq!(spec.revision_history_limit, Some(10));
    let strategy = spec.strategy.as_ref().unwrap();
    assert_eq!(strategy.type_.as_deref(), Some("RollingUpdate"));
    let container = &spec.template.spec.as_ref().unwrap().containers[0];
    assert_eq!(container.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(
        container.termination_message_path.as_deref(),
        Some("/dev/termination-log")
    );
    let rv1 = d.metadata.resource_version.clone().unwrap();

    // The same configuration again: nothing written.
    let again = api
        .patch(
            "web",
            &pp,
            &Patch::Apply(deployment("web", "nginx:1.25", 2)),
        )
        .await
        .unwrap();
    assert_eq!(again.metadata.generation, Some(1));
    assert_eq!(
        again.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );

    let changed = api
        .patch(
            "web",
            &pp,
            &Patch::Apply(deployment("web", "nginx:1.26", 2)),
        )
        .await
        .unwrap();
    assert_eq!(changed.metadata.generation, Some(2));
    assert_ne!(
        changed.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );

    // Labels are metadata: no new generation.
    let mut labelled = deployment("web", "nginx:1.26", 2);
    labelled["metadata"]["labels"]["team"] = json!("a");
    let l = api
        .patch("web", &pp, &Patch::Apply(labelled))
        .await
        .unwrap();
    assert_eq!(l.metadata.generation, Some(2));

    // A stale resourceVersion in the configuration is a failed precondition.
    let mut stale = deployment("web", "nginx:1.27", 2);
    stale["metadata"]["resourceVersion"] = json!(rv1);
    let status = api_error(
        api.patch("web", &pp, &Patch::Apply(stale))
            .await
            .unwrap_err(),
    );
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));

    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(
        managers(&stored),
        [(MANAGER.to_string(), "Apply".to_string())]
    );
    let fields = &stored["metadata"]["managedFields"][0]["fieldsV1"];
    assert!(fields["f:spec"]["f:replicas"].is_object(), "{fields}");
    assert!(
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"]["f:image"]
            .is_object(),
        "{fields}"
    );

    let patches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 5);
    for r in &patches {
        assert_eq!(r.param("fieldManager").as_deref(), Some(MANAGER));
        assert_eq!(r.content_type, "application/apply-patch+yaml");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_another_manager_owns_conflicts_with_its_name_until_forced() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    api.patch(
        "web",
        &PatchParams::apply("other-manager"),
        &Patch::Apply(deployment("web", "nginx:1.25", 3)),
    )
    .await
    .unwrap();

    let err = api
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(deployment("web", "nginx:1.25", 5)),
        )
        .await
        .unwrap_err();
    let status = api_error(err);
    assert_eq!(status.code, 409);
    assert_eq!(status.reason, "Conflict");
    let causes = status.details.as_ref().unwrap().causes.clone();
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0].reason, "FieldManagerConflict");
    assert_eq!(causes[0].field, ".spec.replicas");
    assert_eq!(
        causes[0].message,
        "conflict with \"other-manager\" using apps/v1"
    );
    assert!(
        status.message.contains(".spec.replicas"),
        "{}",
        status.message
    );
    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(stored["spec"]["replicas"], 3);

    // The same values are shared without conflict.
    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 3)),
    )
    .await
    .unwrap();

    let forced = api
        .patch(
            "web",
            &PatchParams::apply(MANAGER).force(),
            &Patch::Apply(deployment("web", "nginx:1.25", 5)),
        )
        .await
        .unwrap();
    assert_eq!(forced.spec.unwrap().replicas, Some(5));
    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    let entries = stored["metadata"]["managedFields"].as_array().unwrap();
    let other = entries
        .iter()
        .find(|e| e["manager"] == "other-manager")
        .unwrap();
    assert!(
        other["fieldsV1"]["f:spec"].get("f:replicas").is_none(),
        "{other}"
    );
    assert!(other["fieldsV1"]["f:spec"]["f:template"].is_object());
    let mine = entries.iter().find(|e| e["manager"] == MANAGER).unwrap();
    assert!(mine["fieldsV1"]["f:spec"]["f:replicas"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seeded_object_owned_by_kubectl_edit_conflicts_and_fields_dropped_from_apply_go() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    fake.put(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default", "managedFields": [{
            "manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:mode": {}}}}]},
        "data": {"mode": "manual"},
    }));
    let cm = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": data});
    let err = api
        .patch(
            "cfg",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(cm(json!({"mode": "auto"}))),
        )
        .await
        .unwrap_err();
    let status = api_error(err);
    assert_eq!(status.code, 409);
    let cause = &status.details.unwrap().causes[0];
    assert_eq!(cause.field, ".data.mode");
    assert_eq!(cause.message, "conflict with \"kubectl-edit\" using v1");

    api.patch(
        "cfg",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(cm(json!({"a": "1", "b": "2"}))),
    )
    .await
    .unwrap();
    let after = api
        .patch(
            "cfg",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(cm(json!({"a": "1"}))),
        )
        .await
        .unwrap();
    let data = after.data.unwrap();
    assert_eq!(data.get("a").map(String::as_str), Some("1"));
    assert!(
        !data.contains_key("b"),
        "a field no manager applies any more is removed"
    );
    assert_eq!(
        data.get("mode").map(String::as_str),
        Some("manual"),
        "kubectl-edit still owns it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_runs_answer_in_full_and_store_nothing() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    let rv = fake.resource_version();
    let created = api
        .patch(
            "web",
            &PatchParams::apply(MANAGER).dry_run(),
            &Patch::Apply(deployment("web", "nginx:1.25", 2)),
        )
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    assert_eq!(created.spec.unwrap().revision_history_limit, Some(10));
    assert!(fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .is_none());
    assert_eq!(fake.resource_version(), rv);

    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 2)),
    )
    .await
    .unwrap();
    let rv = fake.resource_version();
    fake.clear_requests();
    let planned = api
        .patch(
            "web",
            &PatchParams::apply(MANAGER).dry_run(),
            &Patch::Apply(deployment("web", "nginx:1.26", 4)),
        )
        .await
        .unwrap();
    assert_eq!(planned.metadata.generation, Some(2));
    assert_eq!(planned.spec.unwrap().replicas, Some(4));
    let pp = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let other = serde_json::from_value::<Deployment>(deployment("api", "api:1", 1)).unwrap();
    api.create(&pp, &other).await.unwrap();
    let dp = DeleteParams {
        dry_run: true,
        ..Default::default()
    };
    api.delete("web", &dp).await.unwrap();

    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(stored["spec"]["replicas"], 2);
    assert_eq!(stored["metadata"]["generation"], 1);
    assert!(fake
        .get("apps/v1", "Deployment", Some("default"), "api")
        .is_none());
    assert_eq!(fake.resource_version(), rv);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter().all(|r| r.is_dry_run() && !r.is_write()),
        "{reqs:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_objects_answer_422_with_field_paths() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let api: Api<Deployment> = Api::namespaced(c.clone(), "default");
    let strict = PatchParams::apply(MANAGER).validation_strict();

    let mut typo = deployment("web", "nginx:1.25", 1);
    typo["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = json!("Always");
    let status = api_error(
        api.patch("web", &strict, &Patch::Apply(typo.clone()))
            .await
            .unwrap_err(),
    );
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    let causes = status.details.unwrap().causes;
    assert_eq!(
        causes[0].field,
        "spec.template.spec.containers[0].imagePullPolcy"
    );
    // Without Strict the unknown field is dropped (with a warning), as the server prunes.
    let pruned = api
        .patch("web", &PatchParams::apply(MANAGER), &Patch::Apply(typo))
        .await
        .unwrap();
    let pruned = serde_json::to_value(pruned).unwrap();
    assert!(pruned["spec"]["template"]["spec"]["containers"][0]
        .get("imagePullPolcy")
        .is_none());

    let mut broken = deployment("bad", "", -1);
    broken["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let status = api_error(
        api.patch("bad", &strict, &Patch::Apply(broken))
            .await
            .unwrap_err(),
    );
    let causes: Vec<(String, String)> = status
        .details
        .unwrap()
        .causes
        .into_iter()
        .map(|c| (c.reason, c.field))
        .collect();
    for want in [
        ("FieldValueInvalid", "spec.replicas"),
        (
            "FieldValueRequired",
            "spec.template.spec.containers[0].name",
        ),
        (
            "FieldValueRequired",
            "spec.template.spec.containers[0].image",
        ),
    ] {
        assert!(
            causes.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {causes:?}"
        );
    }
    assert!(fake
        .get("apps/v1", "Deployment", Some("default"), "bad")
        .is_none());

    let svc: Api<Service> = Api::namespaced(c, "default");
    let s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 70000}]}});
    let status = api_error(
        svc.patch("web", &strict, &Patch::Apply(s))
            .await
            .unwrap_err(),
    );
    let cause = &status.details.unwrap().causes[0];
    assert_eq!(
        (cause.reason.as_str(), cause.field.as_str()),
        ("FieldValueInvalid", "spec.ports[0].port")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn immutable_fields_answer_422() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let api: Api<Deployment> = Api::namespaced(c.clone(), "default");
    let pp = PatchParams::apply(MANAGER);
    api.patch(
        "web",
        &pp,
        &Patch::Apply(deployment("web", "nginx:1.25", 1)),
    )
    .await
    .unwrap();
    let mut moved = deployment("web", "nginx:1.25", 1);
    moved["spec"]["selector"]["matchLabels"]["tier"] = json!("fe");
    moved["spec"]["template"]["metadata"]["labels"]["tier"] = json!("fe");
    let status = api_error(
        api.patch("web", &pp, &Patch::Apply(moved))
            .await
            .unwrap_err(),
    );
    assert_eq!(status.code, 422);
    let cause = &status.details.unwrap().causes[0];
    assert_eq!(cause.field, "spec.selector");
    assert!(
        cause.message.ends_with("field is immutable"),
        "{}",
        cause.message
    );

    let svc: Api<Service> = Api::namespaced(c, "default");
    let s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
    let created = svc
        .patch("web", &pp, &Patch::Apply(s.clone()))
        .await
        .unwrap();
    let ip = created.spec.unwrap().cluster_ip.unwrap();
    let mut moved = s;
    moved["spec"]["clusterIP"] = json!("10.96.200.200");
    let status = api_error(
        svc.patch("web", &pp, &Patch::Apply(moved))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        status.details.unwrap().causes[0].field,
        "spec.clusterIPs[0]"
    );
    let stored = fake.get("v1", "Service", Some("default"), "web").unwrap();
    assert_eq!(stored["spec"]["clusterIP"], ip.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn crud_follows_the_server_semantics() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let api: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let cm: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "a", "labels": {"tier": "fe"}}, "data": {"k": "v"}}),
    )
    .unwrap();
    let created = api.create(&PostParams::default(), &cm).await.unwrap();
    assert!(created.metadata.uid.is_some());
    assert!(created.metadata.creation_timestamp.is_some());

    let dup = api_error(api.create(&PostParams::default(), &cm).await.unwrap_err());
    assert_eq!((dup.code, dup.reason.as_str()), (409, "AlreadyExists"));

    let missing = api_error(api.get("nope").await.unwrap_err());
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));
    assert_eq!(missing.message, "configmaps \"nope\" not found");
    let details = missing.details.unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("nope", "configmaps")
    );

    // A replace from a stale read.
    let mut stale = created.clone();
    let mut fresh = created.clone();
    fresh.data = Some([("k".to_string(), "w".to_string())].into());
    api.replace("a", &PostParams::default(), &fresh)
        .await
        .unwrap();
    stale.data = Some([("k".to_string(), "x".to_string())].into());
    let conflict = api_error(
        api.replace("a", &PostParams::default(), &stale)
            .await
            .unwrap_err(),
    );
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));

    let other: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "b", "labels": {"tier": "be"}}}))
            .unwrap();
    api.create(&PostParams::default(), &other).await.unwrap();
    let fe = api
        .list(&ListParams::default().labels("tier=fe"))
        .await
        .unwrap();
    assert_eq!(fe.items.len(), 1);
    let by_name = api
        .list(&ListParams::default().fields("metadata.name=b"))
        .await
        .unwrap();
    assert_eq!(by_name.items[0].metadata.name.as_deref(), Some("b"));
    assert!(by_name.metadata.resource_version.is_some());

    // Merge, strategic and JSON patches.
    let m = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"m": "1"}})),
        )
        .await
        .unwrap();
    assert_eq!(m.data.unwrap().len(), 2);
    let j = api
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::<()>::Json(
                serde_json::from_value(json!([{"op": "remove", "path": "/data/m"}])).unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(j.data.unwrap().len(), 1);

    let deploys: Api<Deployment> = Api::namespaced(c.clone(), "default");
    deploys
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(deployment("web", "nginx:1.25", 1)),
        )
        .await
        .unwrap();
    let sp = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]}}}});
    let d = deploys
        .patch("web", &PatchParams::default(), &Patch::Strategic(sp))
        .await
        .unwrap();
    let ct = &d.spec.unwrap().template.spec.unwrap().containers[0];
    assert_eq!(
        ct.image.as_deref(),
        Some("nginx:1.25"),
        "merged by name, not replaced"
    );
    assert_eq!(ct.env.as_ref().unwrap()[0].name, "A");

    // A namespaced create needs its namespace.
    let elsewhere: Api<ConfigMap> = Api::namespaced(c.clone(), "nowhere");
    let ns = api_error(
        elsewhere
            .create(&PostParams::default(), &cm)
            .await
            .unwrap_err(),
    );
    assert_eq!(ns.code, 404);
    assert_eq!(ns.message, "namespaces \"nowhere\" not found");

    // Deleting a Deployment takes its ReplicaSets and pods.
    fake.controller().settle();
    let rs: Api<ReplicaSet> = Api::namespaced(c.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    assert_eq!(
        rs.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    assert_eq!(
        pods.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    deploys
        .delete("web", &DeleteParams::background())
        .await
        .unwrap();
    assert!(rs
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .is_empty());
    api.delete("a", &DeleteParams::default()).await.unwrap();
    assert!(fake.get("v1", "ConfigMap", Some("default"), "a").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_finds_the_built_in_kinds_and_a_new_crd() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let discovery = Discovery::new(c.clone()).run().await.unwrap();
    let (ar, caps) = discovery
        .groups()
        .find(|g| g.name() == "apps")
        .and_then(|g| g.recommended_kind("Deployment"))
        .expect("apps/v1 Deployment is discovered");
    assert_eq!(ar.plural, "deployments");
    assert_eq!(caps.scope, Scope::Namespaced);
    for (group, kind) in [
        ("", "Secret"),
        ("batch", "CronJob"),
        ("policy", "PodDisruptionBudget"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
    ] {
        assert!(
            discovery
                .groups()
                .any(|g| g.name() == group && g.recommended_kind(kind).is_some()),
            "{group}/{kind}"
        );
    }

    let crds: Api<DynamicObject> = Api::all_with(
        c.clone(),
        &ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
            ),
            "customresourcedefinitions",
        ),
    );
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let created = crds
        .patch(
            "widgets.example.com",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(crd),
        )
        .await
        .unwrap();
    let conditions = created.data["status"]["conditions"]
        .as_array()
        .unwrap()
        .clone();
    assert!(conditions
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True"));

    let discovery = Discovery::new(c.clone()).run().await.unwrap();
    let (ar, _) = discovery
        .groups()
        .find(|g| g.name() == "example.com")
        .and_then(|g| g.recommended_kind("Widget"))
        .expect("the CRD's kind is discoverable");
    let widgets: Api<DynamicObject> = Api::namespaced_with(c, "default", &ar);
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}});
    widgets
        .patch("w1", &PatchParams::apply(MANAGER), &Patch::Apply(w))
        .await
        .unwrap();
    let got = widgets.get("w1").await.unwrap();
    assert_eq!(got.data["spec"]["size"], 3);
    assert_eq!(fake.list("example.com/v1", "Widget", None).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watcher_relists_after_its_watch_expires() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = |name: &str| {
        serde_json::from_value::<ConfigMap>(json!({"metadata": {"name": name}})).unwrap()
    };
    api.create(&PostParams::default(), &cm("before"))
        .await
        .unwrap();

    let mut stream = watcher(api.clone(), watcher::Config::default()).boxed();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("the watcher goes on")
    };
    let mut inits = 0;
    let mut names = Vec::new();
    loop {
        match next().await {
            Ok(watcher::Event::Init) => inits += 1,
            Ok(watcher::Event::InitApply(o)) => names.push(o.metadata.name.unwrap()),
            Ok(watcher::Event::InitDone) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        (inits, names.as_slice()),
        (1, ["before".to_string()].as_slice())
    );

    api.create(&PostParams::default(), &cm("live"))
        .await
        .unwrap();
    match next().await {
        Ok(watcher::Event::Apply(o)) => assert_eq!(o.metadata.name.as_deref(), Some("live")),
        other => panic!("unexpected {other:?}"),
    }

    fake.clear_requests();
    fake.expire_watches();
    let mut saw_gone = false;
    let relisted = loop {
        match next().await {
            Err(watcher::Error::WatchError(s)) if s.code == 410 => saw_gone = true,
            Err(e) => panic!("unexpected error {e:?}"),
            Ok(watcher::Event::Init) => {}
            Ok(watcher::Event::InitApply(o)) => names.push(o.metadata.name.unwrap()),
            Ok(watcher::Event::InitDone) => break names.clone(),
            Ok(other) => panic!("unexpected {other:?}"),
        }
    };
    assert!(saw_gone, "the watch ended with a 410 Expired");
    assert!(relisted.contains(&"live".to_string()));
    // The watch after the re-list streams again.
    api.create(&PostParams::default(), &cm("after"))
        .await
        .unwrap();
    match next().await {
        Ok(watcher::Event::Apply(o)) => assert_eq!(o.metadata.name.as_deref(), Some("after")),
        other => panic!("unexpected {other:?}"),
    }
    let lists = fake
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "GET" && r.param("watch").is_none() && r.path.ends_with("/configmaps")
        })
        .count();
    assert_eq!(lists, 1, "one re-list after the 410");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_from_before_the_compaction_point_is_gone() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = serde_json::from_value::<ConfigMap>(json!({"metadata": {"name": "a"}})).unwrap();
    let first = api.create(&PostParams::default(), &cm).await.unwrap();
    let old_rv = first.metadata.resource_version.unwrap();
    api.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"x": "1"}})),
    )
    .await
    .unwrap();

    // Before compaction the change since `old_rv` is replayed.
    let wp = WatchParams::default().timeout(1);
    let events: Vec<_> = api
        .watch(&wp, &old_rv)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(
        matches!(&events[0], WatchEvent::Modified(o) if o.data.is_some()),
        "{events:?}"
    );

    fake.compact();
    let mut stream = api.watch(&wp, &old_rv).await.unwrap().boxed();
    match stream.next().await {
        Some(Ok(WatchEvent::Error(e))) => {
            assert_eq!((e.code, e.reason.as_str()), (410, "Expired"));
        }
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_surface_as_api_errors_and_throttling_is_retried_by_kube() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = serde_json::from_value::<ConfigMap>(json!({"metadata": {"name": "a"}})).unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();

    let path = "/api/v1/namespaces/default/configmaps/a";
    // A slow 503 for any method: kube retries it too.
    fake.fault(Fault::new("*", path, 503, 1).delay_ms(100));
    assert!(api.get("a").await.is_ok());
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 200]);
    fake.fault(Fault::new("GET", path, 500, 1));
    let status = api_error(api.get("a").await.unwrap_err());
    assert_eq!(
        (status.code, status.reason.as_str()),
        (500, "InternalError")
    );
    assert!(api.get("a").await.is_ok(), "the fault fired once");

    fake.clear_requests();
    fake.fault(Fault::new("GET", path, 429, 2).retry_after(1));
    let got = api.get("a").await.expect("kube retries a 429 by itself");
    assert_eq!(got.metadata.name.as_deref(), Some("a"));
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 429, 200]);
}

#[tokio::test(flavor = "multi_thread")]
async fn aggregated_discovery_lists_the_same_kinds() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let d = Discovery::new(c).run_aggregated().await.unwrap();
    let (ar, caps) = d
        .groups()
        .find(|g| g.name() == "apps")
        .and_then(|g| g.recommended_kind("Deployment"))
        .unwrap();
    assert_eq!(ar.plural, "deployments");
    assert!(
        caps.subresources
            .iter()
            .any(|(s, _)| s.plural == "deployments/status" || s.plural == "status"),
        "{:?}",
        caps.subresources
    );
    let (pods, caps) = d
        .groups()
        .find(|g| g.name() == "")
        .and_then(|g| g.recommended_kind("Pod"))
        .unwrap();
    assert_eq!(pods.plural, "pods");
    assert_eq!(caps.scope, Scope::Namespaced);
    let (ns, caps) = d
        .groups()
        .find(|g| g.name() == "")
        .and_then(|g| g.recommended_kind("Namespace"))
        .unwrap();
    assert_eq!(
        (ns.plural.as_str(), caps.scope),
        ("namespaces", Scope::Cluster)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_subresource_and_the_main_resource_write_separate_halves() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    let mut with_status = deployment("web", "nginx:1.25", 2);
    with_status["status"] = json!({"replicas": 99});
    let d: Deployment = serde_json::from_value(with_status).unwrap();
    let created = api.create(&PostParams::default(), &d).await.unwrap();
    assert!(created.status.is_none(), "a create drops the status");

    let s = api
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 2}, "spec": {"replicas": 7}})),
        )
        .await
        .unwrap();
    assert_eq!(s.status.unwrap().replicas, Some(2));
    assert_eq!(
        s.spec.unwrap().replicas,
        Some(2),
        "a status write leaves the spec"
    );
    assert_eq!(s.metadata.generation, Some(1));

    let m = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 5}, "spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(
        m.status.unwrap().replicas,
        Some(2),
        "a main write leaves the status"
    );
    assert_eq!(m.spec.unwrap().replicas, Some(3));
    assert_eq!(m.metadata.generation, Some(2));

    let scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(3));
    api.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 1}})),
    )
    .await
    .unwrap();
    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(stored["spec"]["replicas"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn orphaning_keeps_the_dependents_without_their_owner() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let api: Api<Deployment> = Api::namespaced(c.clone(), "default");
    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 1)),
    )
    .await
    .unwrap();
    fake.controller().settle();
    api.delete("web", &DeleteParams::orphan()).await.unwrap();
    let rss = fake.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rss.len(), 1);
    assert!(rss[0]["metadata"]["ownerReferences"]
        .as_array()
        .is_none_or(|r| r.is_empty()));
    assert_eq!(fake.list("v1", "Pod", Some("default")).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_s_await_condition_sees_a_rollout_complete() {
    use kube::runtime::wait::{await_condition, conditions};
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 3)),
    )
    .await
    .unwrap();
    let _running = fake.controller().run_every(Duration::from_millis(20));
    let done = tokio::time::timeout(
        Duration::from_secs(30),
        await_condition(api.clone(), "web", conditions::is_deployment_completed()),
    )
    .await
    .expect("the rollout completes")
    .unwrap()
    .unwrap();
    assert_eq!(done.status.unwrap().available_replicas, Some(3));
    // It watched with a field selector on the name.
    assert!(fake.requests().iter().any(|r| r.param("watch").is_some()
        && r.param("fieldSelector").as_deref() == Some("metadata.name=web")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streaming_list_watcher_gets_initial_events_then_changes() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = |name: &str| {
        serde_json::from_value::<ConfigMap>(json!({"metadata": {"name": name}})).unwrap()
    };
    api.create(&PostParams::default(), &cm("a")).await.unwrap();
    let mut stream = watcher(api.clone(), watcher::Config::default().streaming_lists()).boxed();
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match ev {
            watcher::Event::Init => {}
            watcher::Event::InitApply(o) => seen.push(o.metadata.name.unwrap()),
            watcher::Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["a"]);
    api.create(&PostParams::default(), &cm("b")).await.unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(ev, watcher::Event::Apply(o) if o.metadata.name.as_deref() == Some("b")));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.param("sendInitialEvents").as_deref() == Some("true")));
    // No list request: the watch carried the initial state.
    assert!(!fake.requests().iter().any(|r| r.method == "GET"
        && r.path.ends_with("/configmaps")
        && r.param("watch").is_none()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selector_watch_sees_objects_come_and_go_by_label() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = serde_json::from_value::<ConfigMap>(
        json!({"metadata": {"name": "a", "labels": {"tier": "fe"}}}),
    )
    .unwrap();
    let rv = api
        .create(&PostParams::default(), &cm)
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let relabel = |tier: &'static str| {
        let api = api.clone();
        async move {
            api.patch(
                "a",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"tier": tier}}})),
            )
            .await
            .unwrap();
        }
    };
    relabel("be").await;
    relabel("fe").await;
    let wp = WatchParams::default().labels("tier=fe").timeout(1);
    let events: Vec<_> = api
        .watch(&wp, &rv)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            WatchEvent::Bookmark(_) => "BOOKMARK",
            WatchEvent::Error(_) => "ERROR",
        })
        .collect();
    // kube asks for bookmarks; the fake sends one as the watch opens.
    assert_eq!(kinds, ["DELETED", "ADDED", "BOOKMARK"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn finalizers_hold_a_deleted_object_until_they_are_removed() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client(&fake, &dir).await, "default");
    let cm = serde_json::from_value::<ConfigMap>(
        json!({"metadata": {"name": "a", "finalizers": ["example.com/hold"]}}),
    )
    .unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
    api.delete("a", &DeleteParams::default()).await.unwrap();
    let held = api.get("a").await.expect("still there");
    assert!(held.metadata.deletion_timestamp.is_some());
    api.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert_eq!(api_error(api.get("a").await.unwrap_err()).code, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_answer_is_lost_has_landed() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let api: Api<Deployment> = Api::namespaced(client(&fake, &dir).await, "default");
    let path = "/apis/apps/v1/namespaces/default/deployments/web";
    fake.fault(Fault::new("PATCH", path, 500, 1).after_effect());
    let err = api
        .patch(
            "web",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(deployment("web", "nginx:1.25", 2)),
        )
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 500);
    let stored = fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .expect("the apply landed");
    assert_eq!(stored["spec"]["replicas"], 2);
    // Re-applying is a no-op.
    let rv = fake.resource_version();
    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 2)),
    )
    .await
    .unwrap();
    assert_eq!(fake.resource_version(), rv);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watcher_relists_when_its_next_watch_is_from_before_compaction() {
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let api: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let elsewhere: Api<ConfigMap> = Api::namespaced(c, "kube-system");
    let cm = |name: &str| {
        serde_json::from_value::<ConfigMap>(json!({"metadata": {"name": name}})).unwrap()
    };
    api.create(&PostParams::default(), &cm("a")).await.unwrap();
    // Watches that end after a second, so the watcher comes back from its last resourceVersion.
    let mut stream = watcher(api.clone(), watcher::Config::default().timeout(1)).boxed();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("the watcher goes on")
    };
    loop {
        if let Ok(watcher::Event::InitDone) = next().await {
            break;
        }
    }
    // A change the watch does not see moves the resourceVersion on; compaction then puts the
    // watcher's last one out of reach.
    elsewhere
        .create(&PostParams::default(), &cm("other"))
        .await
        .unwrap();
    fake.compact();
    let mut saw_gone = false;
    loop {
        match next().await {
            Err(watcher::Error::WatchError(s)) if s.code == 410 => saw_gone = true,
            Ok(watcher::Event::Init) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(saw_gone);
    match next().await {
        Ok(watcher::Event::InitApply(o)) => assert_eq!(o.metadata.name.as_deref(), Some("a")),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_scoped_objects_apply_and_a_missing_namespace_fails_even_a_dry_run() {
    use k8s_openapi::api::rbac::v1::ClusterRole;
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    let roles: Api<ClusterRole> = Api::all(c.clone());
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]});
    let applied = roles
        .patch("reader", &PatchParams::apply(MANAGER), &Patch::Apply(role))
        .await
        .unwrap();
    assert!(applied.metadata.namespace.is_none());
    assert!(fake
        .get(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "reader"
        )
        .is_some());

    let missing: Api<ConfigMap> = Api::namespaced(c, "not-yet");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let status = api_error(
        missing
            .patch(
                "a",
                &PatchParams::apply(MANAGER).dry_run(),
                &Patch::Apply(cm),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (status.code, status.message.as_str()),
        (404, "namespaces \"not-yet\" not found")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_verb_is_forbidden_for_kube_and_its_access_review_says_no() {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    };
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let c = client(&fake, &dir).await;
    fake.deny("delete", "deployments");
    let api: Api<Deployment> = Api::namespaced(c.clone(), "default");
    api.patch(
        "web",
        &PatchParams::apply(MANAGER),
        &Patch::Apply(deployment("web", "nginx:1.25", 1)),
    )
    .await
    .unwrap();
    let status = api_error(
        api.delete("web", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert!(
        status
            .message
            .contains("cannot delete resource \"deployments\""),
        "{}",
        status.message
    );
    assert!(fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .is_some());

    let reviews: Api<SelfSubjectAccessReview> = Api::all(c);
    let ask = |verb: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some("apps".into()),
                resource: Some("deployments".into()),
                namespace: Some("default".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let no = reviews
        .create(&PostParams::default(), &ask("delete"))
        .await
        .unwrap();
    assert!(!no.status.unwrap().allowed);
    let yes = reviews
        .create(&PostParams::default(), &ask("patch"))
        .await
        .unwrap();
    assert!(yes.status.unwrap().allowed);
}
