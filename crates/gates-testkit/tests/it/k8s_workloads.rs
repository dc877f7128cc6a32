//! The fake's simulated controllers, driven through the real kube-rs client: Deployments roll
//! out through ReplicaSets, each injected failure shows in pod status, events and logs, Jobs
//! complete, StatefulSets and DaemonSets report their revisions.

use gates_testkit::k8s::{Failure, FakeKube};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams, LogParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::{json, Value};

struct Cluster {
    fake: FakeKube,
    client: Client,
    _dir: tempfile::TempDir,
}

impl Cluster {
    async fn new() -> Self {
        let fake = FakeKube::start();
        let dir = tempfile::tempdir().unwrap();
        let kc = Kubeconfig::read_from(fake.kubeconfig(dir.path())).unwrap();
        let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .unwrap();
        let client = Client::try_from(config).unwrap();
        Cluster {
            fake,
            client,
            _dir: dir,
        }
    }

    /// Server-side apply an object as the deploy gate would.
    async fn apply(&self, obj: Value) -> Value {
        let av = obj["apiVersion"].as_str().unwrap();
        let (group, version) = av.rsplit_once('/').unwrap_or(("", av));
        let kind = obj["kind"].as_str().unwrap();
        let plural = format!("{}s", kind.to_ascii_lowercase());
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(group, version, kind),
            &plural,
        );
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), "default", &ar);
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let out = api
            .patch(
                &name,
                &PatchParams::apply("gates-k8s-deploy"),
                &Patch::Apply(obj),
            )
            .await
            .unwrap();
        serde_json::to_value(out).unwrap()
    }

    fn get(&self, av: &str, kind: &str, name: &str) -> Value {
        self.fake.get(av, kind, Some("default"), name).unwrap()
    }

    fn pods(&self) -> Vec<Value> {
        self.fake.list("v1", "Pod", Some("default"))
    }

    fn events_for(&self, name: &str) -> Vec<Value> {
        self.fake
            .list("v1", "Event", Some("default"))
            .into_iter()
            .filter(|e| e["involvedObject"]["name"] == name)
            .collect()
    }
}

fn deployment(name: &str, image: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    })
}

fn condition<'a>(obj: &'a Value, ty: &str) -> &'a Value {
    obj["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == ty))
        .unwrap_or(&Value::Null)
}

fn revision(rs: &Value) -> &str {
    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_rolls_out_through_replicasets_step_by_step() {
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    c.apply(deployment("web", "nginx:1.25", 3)).await;
    assert!(ctl.settle() > 0);

    let d = c.get("apps/v1", "Deployment", "web");
    let st = &d["status"];
    assert_eq!(st["observedGeneration"], 1);
    for f in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        assert_eq!(st[f], 3, "{f}: {st}");
    }
    assert_eq!(
        condition(&d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    assert_eq!(condition(&d, "Available")["status"], "True");
    let rss = c.fake.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rss.len(), 1);
    let first = rss[0].clone();
    assert_eq!(revision(&first), "1");
    assert_eq!(first["metadata"]["ownerReferences"][0]["name"], "web");
    assert_eq!(first["metadata"]["ownerReferences"][0]["controller"], true);
    let hash = first["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(first["metadata"]["name"], format!("web-{hash}"));
    let pods = c.pods();
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|p| p["status"]["phase"] == "Running"
        && p["metadata"]["labels"]["pod-template-hash"] == hash.as_str()
        && p["metadata"]["ownerReferences"][0]["name"] == first["metadata"]["name"]));

    // A new image: one step is not the whole rollout.
    c.apply(deployment("web", "nginx:1.26", 3)).await;
    ctl.step();
    let d = c.get("apps/v1", "Deployment", "web");
    assert_eq!(d["metadata"]["generation"], 2);
    assert_eq!(d["status"]["observedGeneration"], 2);
    assert_ne!(d["status"]["updatedReplicas"], 3, "{}", d["status"]);
    assert_eq!(condition(&d, "Progressing")["reason"], "ReplicaSetUpdated");
    ctl.settle();
    let rss = c.fake.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rss.len(), 2);
    let old = rss
        .iter()
        .find(|r| r["metadata"]["name"] == first["metadata"]["name"])
        .unwrap();
    let new = rss
        .iter()
        .find(|r| r["metadata"]["name"] != first["metadata"]["name"])
        .unwrap();
    assert_eq!(old["spec"]["replicas"], 0);
    assert_eq!(new["spec"]["replicas"], 3);
    assert_eq!(revision(new), "2");
    let d = c.get("apps/v1", "Deployment", "web");
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    assert_eq!(
        condition(&d, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
    assert!(c
        .pods()
        .iter()
        .all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.26"));
    let scaling: Vec<String> = c
        .events_for("web")
        .iter()
        .filter(|e| e["reason"] == "ScalingReplicaSet")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        scaling
            .iter()
            .any(|m| m.starts_with("Scaled down replica set web-")),
        "{scaling:?}"
    );

    // Back to the first template: its ReplicaSet comes back under revision 3.
    c.apply(deployment("web", "nginx:1.25", 3)).await;
    ctl.settle();
    let back = c.get(
        "apps/v1",
        "ReplicaSet",
        first["metadata"]["name"].as_str().unwrap(),
    );
    assert_eq!(revision(&back), "3");
    assert_eq!(back["spec"]["replicas"], 3);
    assert_eq!(
        c.fake.list("apps/v1", "ReplicaSet", Some("default")).len(),
        2
    );
}

async fn failing(failure: Failure) -> (Cluster, Value) {
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    ctl.fail_image("registry.example/broken", failure);
    c.apply(deployment("web", "registry.example/broken:1", 1))
        .await;
    ctl.settle();
    let pod = c.pods().pop().expect("a pod");
    (c, pod)
}

fn waiting_reason(pod: &Value) -> &str {
    pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_looping_image_restarts_with_back_off_events_and_logs() {
    let (c, pod) = failing(Failure::CrashLoopBackOff).await;
    let name = pod["metadata"]["name"].as_str().unwrap().to_string();
    assert_eq!(waiting_reason(&pod), "CrashLoopBackOff");
    assert_eq!(pod["status"]["containerStatuses"][0]["ready"], false);
    assert_eq!(
        pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        1
    );
    let restarts = pod["status"]["containerStatuses"][0]["restartCount"]
        .as_i64()
        .unwrap();
    assert!(restarts >= 1);
    for _ in 0..8 {
        c.fake.controller().step();
    }
    let later = c.get("v1", "Pod", &name);
    assert!(
        later["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap()
            > restarts
    );
    let events = c.events_for(&name);
    let backoff = events
        .iter()
        .find(|e| e["reason"] == "BackOff")
        .expect("a BackOff event");
    assert_eq!(backoff["type"], "Warning");
    assert_eq!(backoff["involvedObject"]["kind"], "Pod");
    assert!(backoff["count"].as_i64().unwrap() >= 2);

    let d = c.get("apps/v1", "Deployment", "web");
    assert_eq!(condition(&d, "Available")["status"], "False");
    assert_eq!(d["status"]["unavailableReplicas"], 1);

    c.fake
        .controller()
        .set_logs("default", &name, "boot\nconfig ok\npanic: no database\n");
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let lp = LogParams {
        tail_lines: Some(1),
        ..Default::default()
    };
    assert_eq!(pods.logs(&name, &lp).await.unwrap(), "panic: no database\n");
    let all = pods.logs(&name, &LogParams::default()).await.unwrap();
    assert_eq!(all.lines().count(), 3);

    // Healed, the pod comes up.
    c.fake.controller().heal();
    c.fake.controller().settle();
    let d = c.get("apps/v1", "Deployment", "web");
    assert_eq!(d["status"]["readyReplicas"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_that_cannot_be_pulled_backs_off() {
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    ctl.fail_image("broken", Failure::ImagePull);
    c.apply(deployment("web", "registry.example/broken:1", 1))
        .await;
    let mut reasons = Vec::new();
    for _ in 0..8 {
        ctl.step();
        if let Some(p) = c.pods().pop() {
            let r = waiting_reason(&p).to_string();
            if !r.is_empty() && reasons.last() != Some(&r) {
                reasons.push(r);
            }
        }
    }
    assert_eq!(reasons, ["ErrImagePull", "ImagePullBackOff"]);
    let pod = c.pods().pop().unwrap();
    assert_eq!(pod["status"]["phase"], "Pending");
    let events = c.events_for(pod["metadata"]["name"].as_str().unwrap());
    assert!(events.iter().any(|e| e["reason"] == "Failed"
        && e["message"]
            .as_str()
            .unwrap()
            .starts_with("Failed to pull image \"registry.example/broken:1\"")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unschedulable_pod_stays_pending_with_the_scheduler_s_reason() {
    let (c, pod) = failing(Failure::Unschedulable).await;
    assert_eq!(pod["status"]["phase"], "Pending");
    let scheduled = condition(&pod, "PodScheduled");
    assert_eq!(scheduled["status"], "False");
    assert_eq!(scheduled["reason"], "Unschedulable");
    assert!(pod["spec"]["nodeName"].is_null());
    let events = c.events_for(pod["metadata"]["name"].as_str().unwrap());
    assert!(events
        .iter()
        .any(|e| e["reason"] == "FailedScheduling" && e["type"] == "Warning"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pod_that_never_gets_ready_runs_unready() {
    let (c, pod) = failing(Failure::NeverReady).await;
    assert_eq!(pod["status"]["phase"], "Running");
    assert!(pod["status"]["containerStatuses"][0]["state"]["running"].is_object());
    assert_eq!(condition(&pod, "Ready")["status"], "False");
    assert_eq!(condition(&pod, "Ready")["reason"], "ContainersNotReady");
    let events = c.events_for(pod["metadata"]["name"].as_str().unwrap());
    assert!(events.iter().any(|e| e["reason"] == "Unhealthy"));
    let d = c.get("apps/v1", "Deployment", "web");
    assert_eq!(condition(&d, "Progressing")["reason"], "ReplicaSetUpdated");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_progress_deadline_is_exceeded_on_demand_or_by_simulated_time() {
    let (c, _) = failing(Failure::ProgressDeadline).await;
    let d = c.get("apps/v1", "Deployment", "web");
    let p = condition(&d, "Progressing");
    assert_eq!(p["status"], "False");
    assert_eq!(p["reason"], "ProgressDeadlineExceeded");
    assert!(p["message"]
        .as_str()
        .unwrap()
        .ends_with("has timed out progressing."));

    // A workload that never gets ready runs out of time once passes add up to the deadline.
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    ctl.set_step_seconds(200);
    ctl.fail_workload("default", "api", Failure::NeverReady);
    let mut d = deployment("api", "api:1", 1);
    d["spec"]["progressDeadlineSeconds"] = json!(600);
    c.apply(d).await;
    ctl.step();
    ctl.step();
    let d = c.get("apps/v1", "Deployment", "api");
    assert_eq!(condition(&d, "Progressing")["reason"], "ReplicaSetUpdated");
    // The new pod's appearing (second pass) was the last progress; past 600 simulated seconds
    // without more, the deadline is exceeded.
    for _ in 0..6 {
        ctl.step();
    }
    let d = c.get("apps/v1", "Deployment", "api");
    assert_eq!(
        condition(&d, "Progressing")["reason"],
        "ProgressDeadlineExceeded"
    );
    assert!(c
        .events_for("api")
        .iter()
        .any(|e| e["reason"] == "ProgressDeadlineExceeded"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_completes() {
    let c = Cluster::new().await;
    c.apply(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "m", "image": "migrate:1"}]}}}}),
    )
    .await;
    c.fake.controller().settle();
    let job = c.get("batch/v1", "Job", "migrate");
    assert_eq!(job["status"]["succeeded"], 1, "{}", job["status"]);
    assert_eq!(condition(&job, "Complete")["status"], "True");
    assert!(job["status"]["completionTime"].is_string());
    let pods = c.pods();
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0]["status"]["phase"], "Succeeded");
    assert_eq!(pods[0]["metadata"]["labels"]["job-name"], "migrate");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_job_runs_out_of_retries() {
    let c = Cluster::new().await;
    c.fake
        .controller()
        .fail_image("migrate", Failure::CrashLoopBackOff);
    c.apply(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
        "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "m", "image": "migrate:1"}]}}}}),
    )
    .await;
    c.fake.controller().settle();
    let job = c.get("batch/v1", "Job", "migrate");
    assert_eq!(job["status"]["failed"], 2);
    assert_eq!(condition(&job, "Failed")["reason"], "BackoffLimitExceeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statefulset_rolls_its_revision_by_ordinal() {
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    let sts = |image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}}}})
    };
    c.apply(sts("postgres:16")).await;
    ctl.settle();
    let s1 = c.get("apps/v1", "StatefulSet", "db");
    let st = &s1["status"];
    assert_eq!(st["readyReplicas"], 2, "{st}");
    assert_eq!(st["currentRevision"], st["updateRevision"]);
    let mut names: Vec<String> = c
        .pods()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["db-0", "db-1"]);

    c.apply(sts("postgres:17")).await;
    ctl.step();
    let s2 = c.get("apps/v1", "StatefulSet", "db");
    assert_ne!(s2["status"]["updateRevision"], st["updateRevision"]);
    assert_eq!(s2["status"]["currentRevision"], st["currentRevision"]);
    ctl.settle();
    let s3 = c.get("apps/v1", "StatefulSet", "db");
    assert_eq!(
        s3["status"]["currentRevision"],
        s2["status"]["updateRevision"]
    );
    assert_eq!(s3["status"]["updatedReplicas"], 2);
    assert!(c
        .pods()
        .iter()
        .all(|p| p["spec"]["containers"][0]["image"] == "postgres:17"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daemonset_runs_on_both_pretend_nodes() {
    let c = Cluster::new().await;
    let ctl = c.fake.controller();
    let ds = |image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": image}]}}}})
    };
    c.apply(ds("agent:1")).await;
    ctl.settle();
    let d = c.get("apps/v1", "DaemonSet", "agent");
    let st = &d["status"];
    assert_eq!(
        (
            st["desiredNumberScheduled"].as_i64(),
            st["numberReady"].as_i64()
        ),
        (Some(2), Some(2)),
        "{st}"
    );
    let mut nodes: Vec<String> = c
        .pods()
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap().to_string())
        .collect();
    nodes.sort();
    assert_eq!(nodes, ["fake-node-1", "fake-node-2"]);
    c.apply(ds("agent:2")).await;
    ctl.settle();
    let d = c.get("apps/v1", "DaemonSet", "agent");
    assert_eq!(d["status"]["updatedNumberScheduled"], 2);
    assert_eq!(d["status"]["observedGeneration"], 2);
    assert!(c
        .pods()
        .iter()
        .all(|p| p["spec"]["containers"][0]["image"] == "agent:2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pods_of_a_deployment_list_by_its_selector() {
    let c = Cluster::new().await;
    c.apply(deployment("web", "nginx:1", 2)).await;
    c.apply(deployment("api", "api:1", 1)).await;
    c.fake.controller().settle();
    let pods: Api<Pod> = Api::namespaced(c.client.clone(), "default");
    let web = pods
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(web.items.len(), 2);
}
