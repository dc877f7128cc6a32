//! The fake Kubernetes API server against the real `kubectl`: server-side apply, `get` as a
//! table and as JSON, a second manager's conflict, `diff` (a dry run that writes nothing),
//! `rollout status` with the simulated controller, `rollout undo` and `logs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use gates_testkit::k8s::{Failure, FakeKube};
use serde_json::Value;

struct Kubectl {
    fake: FakeKube,
    kubeconfig: PathBuf,
    dir: tempfile::TempDir,
}

/// `None` (and a note) where kubectl is not installed.
fn setup() -> Option<Kubectl> {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: kubectl is not on PATH");
        }
        return None;
    }
    let fake = FakeKube::start();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = fake.kubeconfig(dir.path());
    Some(Kubectl {
        fake,
        kubeconfig,
        dir,
    })
}

impl Kubectl {
    fn run(&self, args: &[&str]) -> Output {
        let cache = self.dir.path().join("cache");
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&cache)
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// Run and expect success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run and expect exit 1 with `message` in stderr; stderr.
    fn fails(&self, args: &[&str], message: &str) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "kubectl {args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(stderr.contains(message), "{stderr}");
        stderr
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        path_str(&p)
    }
}

fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn manifest(image: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {{app: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: app
        image: {image}
        ports: [{{containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  mode: production
"
    )
}

#[test]
fn apply_server_side_then_get_as_table_and_json() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    let out = k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=gates-k8s-deploy",
        "-f",
        &f,
    ]);
    for line in [
        "deployment.apps/web serverside-applied",
        "service/web serverside-applied",
        "configmap/web-config serverside-applied",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let requests = k.fake.requests();
    // Aggregated discovery: one GET for /api and one for /apis, none per group.
    assert!(requests
        .iter()
        .any(|r| r.path == "/apis" && r.accept.contains("as=APIGroupDiscoveryList")));
    assert!(
        !requests.iter().any(|r| r.path == "/apis/apps/v1"),
        "{requests:?}"
    );
    let patches: Vec<_> = requests
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 3);
    for r in &patches {
        assert_eq!(r.param("fieldManager").as_deref(), Some("gates-k8s-deploy"));
        assert_eq!(r.content_type, "application/apply-patch+yaml");
    }

    let json: Value = serde_json::from_str(&k.ok(&[
        "get",
        "deploy",
        "web",
        "-o",
        "json",
        "--show-managed-fields",
    ]))
    .unwrap();
    assert_eq!(json["spec"]["replicas"], 2);
    assert_eq!(json["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
    assert_eq!(
        json["metadata"]["managedFields"][0]["manager"],
        "gates-k8s-deploy"
    );
    let svc: Value = serde_json::from_str(&k.ok(&["get", "svc", "web", "-o", "json"])).unwrap();
    assert!(svc["spec"]["clusterIP"]
        .as_str()
        .unwrap()
        .starts_with("10.96."));
    assert_eq!(svc["spec"]["type"], "ClusterIP");

    k.fake.controller().settle();
    let table = k.ok(&["get", "deployments"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..4], ["web", "2/2", "2", "2"]);
    let svc = k.ok(&["get", "services"]);
    let row: Vec<&str> = svc.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[..2], ["web", "ClusterIP"]);
    assert_eq!(row[4], "80/TCP");
    let rs = k.ok(&["get", "replicasets"]);
    let header: Vec<&str> = rs.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    assert_eq!(
        rs.lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .skip(1)
            .take(3)
            .collect::<Vec<_>>(),
        ["2", "2", "2"]
    );
    let pods = k.ok(&["get", "pods", "-l", "app=web"]);
    assert_eq!(pods.lines().count(), 3, "{pods}");
    assert!(
        pods.lines()
            .skip(1)
            .all(|l| l.contains("1/1") && l.contains("Running")),
        "{pods}"
    );
    // Reapplying the same manifest changes nothing.
    let rv = k.fake.resource_version();
    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=gates-k8s-deploy",
        "-f",
        &f,
    ]);
    assert_eq!(k.fake.resource_version(), rv);
}

#[test]
fn a_second_manager_conflicts_until_it_forces() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=gates-k8s-deploy",
        "-f",
        &f,
    ]);
    let g = k.write("scaled.yaml", &manifest("nginx:1.25", 5));
    let stderr = k.fails(&[
        "apply",
        "--server-side",
        "--field-manager=hpa-tuner",
        "-f",
        &g,
    ], "Apply failed with 1 conflict: conflict with \"gates-k8s-deploy\" using apps/v1: .spec.replicas");
    assert!(stderr.contains("--force-conflicts"), "{stderr}");
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 2);

    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=hpa-tuner",
        "--force-conflicts",
        "-f",
        &g,
    ]);
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 5);
}

#[test]
fn diff_shows_a_changed_field_and_writes_nothing() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=gates-k8s-deploy",
        "-f",
        &f,
    ]);
    let same = k.run(&[
        "diff",
        "--server-side",
        "--field-manager=gates-k8s-deploy",
        "-f",
        &f,
    ]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );

    let g = k.write("changed.yaml", &manifest("nginx:1.26", 3));
    let rv = k.fake.resource_version();
    k.fake.clear_requests();
    for server_side in [true, false] {
        let mut args = vec!["diff", "-f", &g];
        if server_side {
            args.extend(["--server-side", "--field-manager=gates-k8s-deploy"]);
        }
        let out = k.run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("-  replicas: 2\n+  replicas: 3"),
            "{stdout}"
        );
        assert!(
            stdout.contains("-      - image: nginx:1.25\n+      - image: nginx:1.26"),
            "{stdout}"
        );
        assert!(
            stdout.contains("-  generation: 1\n+  generation: 2"),
            "{stdout}"
        );
    }
    // A new object diffs in full, and is not created either.
    let h = k.write(
        "new.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  a: \"1\"\n",
    );
    for server_side in [true, false] {
        let mut args = vec!["diff", "-f", &h];
        if server_side {
            args.push("--server-side");
        }
        let out = k.run(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("+kind: ConfigMap") && stdout.contains("+  name: fresh"),
            "{stdout}"
        );
    }
    assert!(k
        .fake
        .get("v1", "ConfigMap", Some("default"), "fresh")
        .is_none());
    assert_eq!(k.fake.resource_version(), rv, "diff wrote nothing");
    let reqs = k.fake.requests();
    assert!(reqs.iter().all(|r| !r.is_write()), "{reqs:?}");
    assert!(reqs.iter().any(|r| r.method == "PATCH" && r.is_dry_run()));
}

#[test]
fn rollout_status_follows_the_controller() {
    let Some(k) = setup() else { return };
    let ctl = k.fake.controller();
    // 50 simulated seconds a real one: the 600 s progress deadline stays beyond the 3 s wait.
    ctl.set_step_seconds(1);
    let _running = ctl.run_every(Duration::from_millis(20));
    let f = k.write("m.yaml", &manifest("nginx:1.25", 3));
    k.ok(&["apply", "--server-side", "-f", &f]);
    let out = k.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );

    ctl.fail_image("crashy", Failure::CrashLoopBackOff);
    let g = k.write("crash.yaml", &manifest("registry.example/crashy:2", 3));
    k.ok(&["apply", "--server-side", "-f", &g]);
    let out = k.run(&["rollout", "status", "deployment/web", "--timeout=3s"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("timed out waiting for the condition"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Waiting for deployment \"web\" rollout to finish"),
        "{stdout}"
    );
    let pods = k.ok(&["get", "pods"]);
    assert!(pods.contains("CrashLoopBackOff"), "{pods}");
    // The old pods kept serving.
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert!(
        d["status"]["availableReplicas"].as_i64().unwrap() >= 2,
        "{}",
        d["status"]
    );

    // Back to the working image.
    k.ok(&["rollout", "undo", "deployment/web"]);
    let out = k.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert!(out.contains("successfully rolled out"), "{out}");
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
}

#[test]
fn rollout_status_fails_at_once_past_the_progress_deadline() {
    let Some(k) = setup() else { return };
    let ctl = k.fake.controller();
    ctl.fail_image("stuck", Failure::ProgressDeadline);
    let _running = ctl.run_every(Duration::from_millis(20));
    let f = k.write("m.yaml", &manifest("registry.example/stuck:1", 1));
    k.ok(&["apply", "--server-side", "-f", &f]);
    k.fails(
        &["rollout", "status", "deployment/web", "--timeout=60s"],
        "deployment \"web\" exceeded its progress deadline",
    );
}

#[test]
fn logs_and_events_reach_kubectl() {
    let Some(k) = setup() else { return };
    let ctl = k.fake.controller();
    ctl.fail_image("crashy", Failure::CrashLoopBackOff);
    let f = k.write("m.yaml", &manifest("crashy:1", 1));
    k.ok(&["apply", "--server-side", "-f", &f]);
    ctl.settle();
    let pod = k.fake.list("v1", "Pod", Some("default")).pop().unwrap();
    let name = pod["metadata"]["name"].as_str().unwrap().to_string();
    ctl.set_logs("default", &name, "one\ntwo\npanic: boom\n");
    assert_eq!(k.ok(&["logs", &name, "--tail=1"]), "panic: boom\n");
    let events = k.ok(&[
        "get",
        "events",
        "--field-selector",
        &format!("involvedObject.name={name}"),
        "-o",
        "json",
    ]);
    let events: Value = serde_json::from_str(&events).unwrap();
    let reasons: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"BackOff"), "{reasons:?}");
    let table = k.ok(&["get", "events"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    assert!(
        table.lines().any(|l| l.contains("Warning")
            && l.contains("BackOff")
            && l.contains(&format!("pod/{name}"))),
        "{table}"
    );
}

#[test]
fn client_side_apply_scale_and_delete_work_too() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    let out = k.ok(&["apply", "-f", &f]);
    assert!(out.contains("deployment.apps/web created"), "{out}");
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert!(
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .is_string()
    );
    let g = k.write("changed.yaml", &manifest("nginx:1.26", 2));
    let out = k.ok(&["apply", "-f", &g]);
    assert!(out.contains("deployment.apps/web configured"), "{out}");
    assert!(out.contains("service/web unchanged"), "{out}");
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.26"
    );
    assert_eq!(d["metadata"]["generation"], 2);

    let out = k.ok(&["scale", "deployment/web", "--replicas=4"]);
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 4);

    k.fake.controller().settle();
    k.ok(&["delete", "-f", &g]);
    assert!(k
        .fake
        .list("apps/v1", "ReplicaSet", Some("default"))
        .is_empty());
    assert!(k.fake.list("v1", "Pod", Some("default")).is_empty());
    assert!(k
        .fake
        .get("v1", "Service", Some("default"), "web")
        .is_none());
}

#[test]
fn an_unknown_field_fails_kubectl_s_strict_validation() {
    let Some(k) = setup() else { return };
    let text = manifest("nginx:1.25", 2).replace(
        "        image: nginx:1.25",
        "        image: nginx:1.25\n        imagePullPolcy: Always",
    );
    let f = k.write("typo.yaml", &text);
    k.fails(
        &["apply", "--server-side", "-f", &f],
        "spec.template.spec.containers[0].imagePullPolcy",
    );
    assert!(k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .is_none());
    let strict = k
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .all(|r| r.param("fieldValidation").as_deref() == Some("Strict"));
    assert!(strict);
}

#[test]
fn statefulsets_daemonsets_and_jobs_finish_for_kubectl() {
    let Some(k) = setup() else { return };
    let ctl = k.fake.controller();
    ctl.set_step_seconds(1);
    let _running = ctl.run_every(Duration::from_millis(20));
    let f = k.write(
        "w.yaml",
        "apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: data}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: agent:1}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: data}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: migrate:1}]
",
    );
    k.ok(&["apply", "--server-side", "-f", &f]);
    let out = k.ok(&[
        "rollout",
        "status",
        "-n",
        "data",
        "statefulset/db",
        "--timeout=60s",
    ]);
    // The server defaults `rollingUpdate.partition: 0`, so kubectl words it as partitioned.
    assert!(
        out.contains("partitioned roll out complete: 2 new pods have been updated"),
        "{out}"
    );
    let out = k.ok(&[
        "rollout",
        "status",
        "-n",
        "data",
        "daemonset/agent",
        "--timeout=60s",
    ]);
    assert!(
        out.contains("daemon set \"agent\" successfully rolled out"),
        "{out}"
    );
    let out = k.ok(&[
        "wait",
        "-n",
        "data",
        "--for=condition=complete",
        "job/migrate",
        "--timeout=60s",
    ]);
    assert!(out.contains("job.batch/migrate condition met"), "{out}");
    let pods = k.ok(&["get", "pods", "-n", "data", "-o", "name"]);
    assert!(
        pods.contains("pod/db-0") && pods.contains("pod/db-1"),
        "{pods}"
    );
}

#[test]
fn kubectl_s_typed_create_commands_send_protobuf_the_fake_reads() {
    let Some(k) = setup() else { return };
    k.ok(&["create", "namespace", "prod"]);
    let ns = k.fake.get("v1", "Namespace", None, "prod").unwrap();
    assert_eq!(ns["status"]["phase"], "Active");
    k.ok(&[
        "create",
        "configmap",
        "cfg",
        "-n",
        "prod",
        "--from-literal=mode=fast",
    ]);
    let cm = k.fake.get("v1", "ConfigMap", Some("prod"), "cfg").unwrap();
    assert_eq!(cm["data"]["mode"], "fast");
    k.ok(&[
        "create",
        "secret",
        "generic",
        "db",
        "-n",
        "prod",
        "--from-literal=password=hunter2",
    ]);
    let secret = k.fake.get("v1", "Secret", Some("prod"), "db").unwrap();
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");
    assert_eq!(secret["type"], "Opaque");
    k.ok(&["create", "serviceaccount", "deployer", "-n", "prod"]);
    assert!(k
        .fake
        .get("v1", "ServiceAccount", Some("prod"), "deployer")
        .is_some());
    let protobuf = k
        .fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.content_type
                    .starts_with("application/vnd.kubernetes.protobuf")
        })
        .count();
    assert_eq!(protobuf, 4);
}

#[test]
fn get_watch_prints_table_rows_as_the_rollout_goes() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    k.ok(&["apply", "--server-side", "-f", &f]);
    let cache = k.dir.path().join("cache");
    let child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&k.kubeconfig)
        .arg("--cache-dir")
        .arg(&cache)
        .args(["get", "deployments", "-w", "--request-timeout=3s"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Roll out once kubectl's watch is open.
    let watching = || k.fake.requests().iter().any(|r| r.param("watch").is_some());
    for _ in 0..200 {
        if watching() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(watching(), "kubectl opened a watch");
    k.fake.controller().settle();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    assert_eq!(&rows[1][..4], ["web", "0/2", "0", "0"]);
    assert!(
        rows.iter().any(|r| r[..4] == ["web", "2/2", "2", "2"]),
        "{stdout}"
    );
}

#[test]
fn rollout_restart_makes_a_new_revision_and_history_lists_it() {
    let Some(k) = setup() else { return };
    let ctl = k.fake.controller();
    let f = k.write("m.yaml", &manifest("nginx:1.25", 1));
    k.ok(&["apply", "--server-side", "-f", &f]);
    ctl.settle();
    k.ok(&["rollout", "restart", "deployment/web"]);
    ctl.settle();
    let rss = k.fake.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rss.len(), 2);
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string()
    );
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    let history = k.ok(&["rollout", "history", "deployment/web"]);
    let revisions: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");
}

#[test]
fn server_side_apply_takes_over_from_client_side_apply() {
    let Some(k) = setup() else { return };
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    k.ok(&["apply", "-f", &f]);
    let g = k.write("changed.yaml", &manifest("nginx:1.26", 3));
    // The changed fields would conflict with kubectl-client-side-apply, but
    // last-applied-configuration covers them.
    let out = k.run(&["apply", "--server-side", "-f", &g]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Warning"),
        "kubectl's managed-fields migration went through: {stderr}"
    );
    let d = k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 3);
    let svc = k.fake.get("v1", "Service", Some("default"), "web").unwrap();
    assert!(svc["spec"]["clusterIP"].is_string());
    let managers: Vec<&str> = d["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["manager"].as_str().unwrap())
        .collect();
    assert!(managers.contains(&"kubectl"), "{managers:?}");
    // A webhook's denial reaches the user as the server words it.
    k.fake.fault(
        gates_testkit::k8s::Fault::new(
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web",
            400,
            1,
        )
        .message("admission webhook \"policy.example.com\" denied the request: no latest tags"),
    );
    k.fails(
        &["apply", "--server-side", "-f", &f],
        "denied the request: no latest tags",
    );
}

#[test]
fn denied_verbs_are_forbidden_and_can_i_says_so() {
    let Some(k) = setup() else { return };
    assert_eq!(
        k.ok(&["auth", "can-i", "patch", "deployments"]).trim(),
        "yes"
    );
    k.fake.deny("patch", "deployments");
    let out = k.run(&["auth", "can-i", "patch", "deployments"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
    assert_eq!(k.ok(&["auth", "can-i", "get", "deployments"]).trim(), "yes");
    let f = k.write("m.yaml", &manifest("nginx:1.25", 2));
    k.fails(&["apply", "--server-side", "-f", &f], "deployments.apps \"web\" is forbidden: User \"fake\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"default\"");
    // The Service and ConfigMap went through.
    assert!(k
        .fake
        .get("v1", "Service", Some("default"), "web")
        .is_some());
    assert!(k
        .fake
        .get("apps/v1", "Deployment", Some("default"), "web")
        .is_none());
}
