//! The simulated controllers and kubelet: Deployments roll out through ReplicaSets one step a
//! pass, StatefulSets by ordinal, DaemonSets over two pretend nodes, Jobs complete; pods go
//! Pending → Running/Ready, or into the failure injected for their image or workload, with
//! core v1 Events and logs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use super::apply;
use super::lock;
use super::store::{self, Key, State};

/// A way for pods to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The container starts and exits 1: waiting `CrashLoopBackOff`, restartCount growing.
    CrashLoopBackOff,
    /// The image cannot be pulled: waiting `ErrImagePull`, then `ImagePullBackOff`.
    ImagePull,
    /// No node fits: condition `PodScheduled` False, reason `Unschedulable`.
    Unschedulable,
    /// Running, but the readiness probe never passes.
    NeverReady,
    /// Pods never ready, and the Deployment's `Progressing` condition turns False with
    /// reason `ProgressDeadlineExceeded` at the next pass.
    ProgressDeadline,
}

#[derive(Debug, Clone)]
enum Matcher {
    Image(String),
    /// Namespace, workload name, and the serial after which its pods fail.
    Workload(String, String, u64),
}

/// The controller's settings and memory, kept in the store.
#[derive(Debug)]
pub struct ControllerState {
    failures: Vec<(Matcher, Failure)>,
    /// Pod logs by (namespace, pod).
    pub logs: HashMap<(String, String), String>,
    step_seconds: u64,
    /// Passes each pod has been through, by uid.
    pod_age: HashMap<String, u64>,
    /// When (simulated seconds) a Deployment last made progress, by uid: template hash,
    /// time, and the (updated, ready, available) counts then.
    progress: HashMap<String, Progress>,
}

impl Default for ControllerState {
    fn default() -> Self {
        ControllerState {
            failures: Vec::new(),
            logs: HashMap::new(),
            step_seconds: 10,
            pod_age: HashMap::new(),
            progress: HashMap::new(),
        }
    }
}

type Progress = (String, u64, (i64, i64, i64));

/// A handle on the simulated controllers of a [`FakeKube`](super::FakeKube).
#[derive(Clone)]
pub struct Controller {
    state: Arc<Mutex<State>>,
}

/// A background loop of [`Controller::step`]; stops when dropped.
pub struct ControllerLoop {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ControllerLoop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const MANAGER: &str = "kube-controller-manager";
const NODES: [&str; 2] = ["fake-node-1", "fake-node-2"];

impl Controller {
    pub(super) fn new(state: Arc<Mutex<State>>) -> Self {
        Controller { state }
    }

    /// One reconcile pass over every workload and pod. Whether anything changed.
    pub fn step(&self) -> bool {
        let mut s = lock(&self.state);
        step(&mut s)
    }

    /// Pass until a pass changes nothing (at most 200). The number of passes that changed
    /// something.
    pub fn settle(&self) -> usize {
        let mut n = 0;
        while n < 200 && self.step() {
            n += 1;
        }
        n
    }

    /// Pass every `every` on a background thread until the returned guard is dropped.
    pub fn run_every(&self, every: Duration) -> ControllerLoop {
        let stop = Arc::new(AtomicBool::new(false));
        let (c, st) = (self.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                c.step();
                std::thread::sleep(every);
            }
        });
        ControllerLoop {
            stop,
            thread: Some(thread),
        }
    }

    /// Simulated seconds a pass takes (10 unless set): the progress deadline
    /// (`progressDeadlineSeconds`) counts these.
    pub fn set_step_seconds(&self, secs: u64) {
        lock(&self.state).ctl.step_seconds = secs;
    }

    /// Pods with a container whose image contains `image_substring` fail this way.
    pub fn fail_image(&self, image_substring: &str, failure: Failure) {
        lock(&self.state)
            .ctl
            .failures
            .push((Matcher::Image(image_substring.into()), failure));
    }

    /// Pods the workload (Deployment, StatefulSet, DaemonSet, Job) creates from now on fail
    /// this way.
    pub fn fail_workload(&self, namespace: &str, name: &str, failure: Failure) {
        let mut s = lock(&self.state);
        let serial = s.serial;
        s.ctl.failures.push((
            Matcher::Workload(namespace.into(), name.into(), serial),
            failure,
        ));
    }

    /// Forget every injected failure (pods recover at the next passes).
    pub fn heal(&self) {
        lock(&self.state).ctl.failures.clear();
    }

    /// What `GET .../pods/{pod}/log` answers.
    pub fn set_logs(&self, namespace: &str, pod: &str, text: &str) {
        lock(&self.state)
            .ctl
            .logs
            .insert((namespace.into(), pod.into()), text.into());
    }
}

fn step(s: &mut State) -> bool {
    let before = s.rv;
    s.clock_offset += s.ctl.step_seconds;
    advance_pods(s);
    replicasets(s);
    deployments(s);
    statefulsets(s);
    daemonsets(s);
    jobs(s);
    s.rv != before
}

fn sim_now(s: &State) -> u64 {
    s.clock_offset
}

// ---------------------------------------------------------------- writing helpers

fn update(s: &mut State, old: &Value, mut new: Value, sub: Option<&str>, manager: &str) {
    if *old == new {
        return;
    }
    let av = new["apiVersion"].as_str().unwrap_or_default().to_string();
    let now = s.now();
    apply::record_update(Some(old), &mut new, manager, &av, sub, &now);
    s.write(new);
}

fn create(s: &mut State, obj: Value, manager: &str) -> Value {
    let mut obj = s.stamp_new(obj);
    let av = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let now = s.now();
    apply::record_update(None, &mut obj, manager, &av, None, &now);
    s.write(obj)
}

fn owner_ref(owner: &Value) -> Value {
    json!({"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

fn owned(s: &State, owner: &Value, kind: &str) -> Vec<Value> {
    let uid = owner["metadata"]["uid"].as_str().unwrap_or_default();
    s.owned_by(uid)
        .into_iter()
        .filter(|k| k.1 == kind)
        .filter_map(|k| s.objects.get(&k).cloned())
        .collect()
}

fn name_of(o: &Value) -> String {
    o["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn ns_of(o: &Value) -> String {
    o["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A stable 10-letter hash, as pod-template-hash looks.
fn hash_of(v: &Value) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in v.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|_| {
            let c = alphabet[(h % alphabet.len() as u64) as usize] as char;
            h /= alphabet.len() as u64;
            c
        })
        .collect()
}

/// A core v1 Event about `obj`; repeated reasons bump `count`.
fn event(s: &mut State, obj: &Value, kind: &str, reason: &str, message: &str, component: &str) {
    let ns = ns_of(obj);
    let name = format!(
        "{}.{}",
        name_of(obj),
        &hash_of(&json!([reason, message]))[..6]
    );
    let key: Key = (String::new(), "Event".into(), ns.clone(), name.clone());
    let now = s.now();
    match s.objects.get(&key).cloned() {
        Some(old) => {
            let mut e = old.clone();
            e["count"] = json!(n(&old["count"]) + 1);
            e["lastTimestamp"] = json!(now);
            e["message"] = json!(message);
            s.write(e);
        }
        None => {
            let e = json!({"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": ns},
                "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
                    "name": obj["metadata"]["name"], "namespace": ns, "uid": obj["metadata"]["uid"]},
                "reason": reason, "message": message, "type": kind,
                "source": {"component": component}, "reportingComponent": component,
                "firstTimestamp": now, "lastTimestamp": now, "count": 1});
            let e = s.stamp_new(e);
            s.write(e);
        }
    }
}

// ---------------------------------------------------------------- failures

fn uid_serial(o: &Value) -> u64 {
    let uid = o["metadata"]["uid"].as_str().unwrap_or_default();
    u64::from_str_radix(uid.rsplit('-').next().unwrap_or("0"), 16).unwrap_or(0)
}

/// The workload at the top of a pod's owner chain: (namespace, name).
fn top_owner(s: &State, obj: &Value) -> Option<(String, String)> {
    let mut cur = obj.clone();
    let mut top = None;
    for _ in 0..4 {
        let Some(r) = cur["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|a| a.first())
            .cloned()
        else {
            break;
        };
        let ns = ns_of(&cur);
        let (group, _) =
            store::group_kind(&json!({"apiVersion": r["apiVersion"], "kind": r["kind"]}));
        let key: Key = (
            group,
            r["kind"].as_str().unwrap_or_default().into(),
            ns.clone(),
            r["name"].as_str().unwrap_or_default().into(),
        );
        top = Some((ns, key.3.clone()));
        match s.objects.get(&key) {
            Some(o) => cur = o.clone(),
            None => break,
        }
    }
    top
}

fn failure_of(s: &State, pod: &Value) -> Option<Failure> {
    let images: Vec<String> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str().map(str::to_string))
        .collect();
    let owner = top_owner(s, pod);
    s.ctl.failures.iter().rev().find_map(|(m, f)| {
        let hit = match m {
            Matcher::Image(sub) => images.iter().any(|i| i.contains(sub.as_str())),
            Matcher::Workload(ns, name, serial) => {
                owner
                    .as_ref()
                    .is_some_and(|(ons, on)| ons == ns && on == name)
                    && uid_serial(pod) > *serial
            }
        };
        hit.then_some(*f)
    })
}

// ---------------------------------------------------------------- pods (the kubelet)

fn advance_pods(s: &mut State) {
    let pods = s.of_kind("", "Pod", None);
    for pod in pods {
        let phase = pod["status"]["phase"]
            .as_str()
            .unwrap_or("Pending")
            .to_string();
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let uid = pod["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let age = {
            let a = s.ctl.pod_age.entry(uid).or_insert(0);
            *a += 1;
            *a
        };
        let failure = failure_of(s, &pod);
        let now = s.now();
        let mut new = pod.clone();
        let containers: Vec<Value> = pod["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let cond = |t: &str, ok: bool, reason: Option<&str>, msg: Option<&str>| {
            let mut c = json!({"type": t, "status": if ok { "True" } else { "False" }, "lastProbeTime": null});
            if let Some(r) = reason {
                c["reason"] = json!(r);
            }
            if let Some(m) = msg {
                c["message"] = json!(m);
            }
            c
        };
        let started_at = pod["status"]["startTime"]
            .as_str()
            .map_or(now.clone(), str::to_string);
        if failure == Some(Failure::Unschedulable) {
            let msg = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";
            new["status"] = json!({"phase": "Pending", "qosClass": "BestEffort", "conditions": [
                cond("PodScheduled", false, Some("Unschedulable"), Some(msg))]});
            if age == 1 || new != pod {
                event(
                    s,
                    &pod,
                    "Warning",
                    "FailedScheduling",
                    msg,
                    "default-scheduler",
                );
            }
            update(s, &pod, new, Some("status"), "kube-scheduler");
            continue;
        }
        if new["spec"]["nodeName"].is_null() {
            let node = NODES[(uid_serial(&pod) % 2) as usize];
            new["spec"]["nodeName"] = json!(node);
            let msg = format!(
                "Successfully assigned {}/{} to {node}",
                ns_of(&pod),
                name_of(&pod)
            );
            event(s, &pod, "Normal", "Scheduled", &msg, "default-scheduler");
            s.write(new.clone());
            let stored = s.objects.get(&store::key_of(&new)).cloned().unwrap_or(new);
            let mut st = stored.clone();
            st["status"] = json!({"phase": "Pending", "qosClass": "BestEffort", "conditions": [cond("PodScheduled", true, None, None)],
                "hostIP": "10.0.0.1", "startTime": now});
            update(s, &stored, st, Some("status"), "kubelet");
            continue;
        }
        let restart_policy = pod["spec"]["restartPolicy"]
            .as_str()
            .unwrap_or("Always")
            .to_string();
        let old_statuses = pod["status"]["containerStatuses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let restarts = |name: &str| {
            old_statuses
                .iter()
                .find(|c| c["name"] == name)
                .map_or(0, |c| n(&c["restartCount"]))
        };
        let base = |c: &Value, ready: bool, state: Value, restart_count: i64| {
            json!({"name": c["name"], "image": c["image"], "imageID": "", "containerID": format!("containerd://{}", hash_of(&json!([c["name"], uid_serial(&pod)]))),
                "ready": ready, "started": state.get("running").is_some(), "restartCount": restart_count, "state": state})
        };
        let (phase, ready, statuses): (&str, bool, Vec<Value>) = match failure {
            Some(Failure::CrashLoopBackOff) if restart_policy != "Always" => {
                let st = containers.iter().map(|c| base(c, false, json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": started_at, "finishedAt": now}}), 0)).collect();
                ("Failed", false, st)
            }
            Some(Failure::CrashLoopBackOff) => {
                // Restarts back off: one at passes 1, 2, 4, 8, ... of the pod's life.
                let bump = i64::from(age.is_power_of_two());
                let st = containers.iter().map(|c| {
                    let rc = restarts(c["name"].as_str().unwrap_or_default()) + bump;
                    let mut v = base(c, false, json!({"waiting": {"reason": "CrashLoopBackOff",
                        "message": format!("back-off 10s restarting failed container={} pod={}_{}({})", c["name"].as_str().unwrap_or_default(), name_of(&pod), ns_of(&pod), pod["metadata"]["uid"].as_str().unwrap_or_default())}}), rc);
                    v["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": started_at, "finishedAt": started_at}});
                    v
                }).collect();
                if bump == 1 {
                    let c0 = containers
                        .first()
                        .and_then(|c| c["name"].as_str())
                        .unwrap_or("app");
                    event(
                        s,
                        &pod,
                        "Warning",
                        "BackOff",
                        &format!(
                            "Back-off restarting failed container {c0} in pod {}_{}({})",
                            name_of(&pod),
                            ns_of(&pod),
                            pod["metadata"]["uid"].as_str().unwrap_or_default()
                        ),
                        "kubelet",
                    );
                }
                ("Running", false, st)
            }
            Some(Failure::ImagePull) => {
                // The first pull fails, then the kubelet backs off.
                let pulled_before = old_statuses
                    .iter()
                    .any(|c| c["state"]["waiting"]["reason"].is_string());
                let reason = if pulled_before {
                    "ImagePullBackOff"
                } else {
                    "ErrImagePull"
                };
                let st = containers
                    .iter()
                    .map(|c| {
                        let image = c["image"].as_str().unwrap_or_default();
                        let msg = if reason == "ErrImagePull" {
                            format!("failed to pull and unpack image \"{image}\": not found")
                        } else {
                            format!("Back-off pulling image \"{image}\"")
                        };
                        base(
                            c,
                            false,
                            json!({"waiting": {"reason": reason, "message": msg}}),
                            0,
                        )
                    })
                    .collect();
                let image = containers
                    .first()
                    .and_then(|c| c["image"].as_str())
                    .unwrap_or_default()
                    .to_string();
                let last = old_statuses
                    .first()
                    .and_then(|c| c["state"]["waiting"]["reason"].as_str())
                    .unwrap_or_default();
                if last != reason {
                    if reason == "ErrImagePull" {
                        event(s, &pod, "Warning", "Failed", &format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"), "kubelet");
                        event(
                            s,
                            &pod,
                            "Warning",
                            "Failed",
                            "Error: ErrImagePull",
                            "kubelet",
                        );
                    } else {
                        event(
                            s,
                            &pod,
                            "Normal",
                            "BackOff",
                            &format!("Back-off pulling image \"{image}\""),
                            "kubelet",
                        );
                        event(
                            s,
                            &pod,
                            "Warning",
                            "Failed",
                            "Error: ImagePullBackOff",
                            "kubelet",
                        );
                    }
                }
                ("Pending", false, st)
            }
            Some(Failure::NeverReady) | Some(Failure::ProgressDeadline) => {
                let st = containers
                    .iter()
                    .map(|c| base(c, false, json!({"running": {"startedAt": started_at}}), 0))
                    .collect();
                if age == 2 {
                    event(
                        s,
                        &pod,
                        "Warning",
                        "Unhealthy",
                        "Readiness probe failed: HTTP probe failed with statuscode: 503",
                        "kubelet",
                    );
                }
                ("Running", false, st)
            }
            _ if restart_policy != "Always" && pod["status"]["phase"] == "Running" => {
                let st = containers.iter().map(|c| base(c, false, json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started_at, "finishedAt": now}}), 0)).collect();
                ("Succeeded", false, st)
            }
            _ => {
                let st = containers
                    .iter()
                    .map(|c| {
                        base(
                            c,
                            true,
                            json!({"running": {"startedAt": started_at}}),
                            restarts(c["name"].as_str().unwrap_or_default()),
                        )
                    })
                    .collect();
                if pod["status"]["phase"] != "Running" {
                    for c in &containers {
                        let (cn, image) = (
                            c["name"].as_str().unwrap_or_default(),
                            c["image"].as_str().unwrap_or_default(),
                        );
                        event(
                            s,
                            &pod,
                            "Normal",
                            "Pulled",
                            &format!("Container image \"{image}\" already present on machine"),
                            "kubelet",
                        );
                        event(
                            s,
                            &pod,
                            "Normal",
                            "Created",
                            &format!("Created container: {cn}"),
                            "kubelet",
                        );
                        event(
                            s,
                            &pod,
                            "Normal",
                            "Started",
                            &format!("Started container {cn}"),
                            "kubelet",
                        );
                    }
                }
                ("Running", true, st)
            }
        };
        let not_ready = (!ready).then_some("ContainersNotReady");
        let names: Vec<&str> = containers
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        let msg = format!("containers with unready status: [{}]", names.join(" "));
        let not_ready_msg = (!ready).then_some(msg.as_str());
        let done = phase == "Succeeded" || phase == "Failed";
        let mut status = json!({"phase": phase, "qosClass": "BestEffort", "hostIP": "10.0.0.1",
            "podIP": format!("10.244.0.{}", uid_serial(&pod) % 250 + 2), "startTime": started_at,
            "conditions": [
                cond("Initialized", true, None, None),
                cond("Ready", ready, if done { Some("PodCompleted") } else { not_ready }, if done { None } else { not_ready_msg }),
                cond("ContainersReady", ready, if done { Some("PodCompleted") } else { not_ready }, if done { None } else { not_ready_msg }),
                cond("PodScheduled", true, None, None),
            ],
            "containerStatuses": statuses});
        // Keep the transition times of unchanged conditions, so a settled pod stays settled.
        if let Some(conds) = status["conditions"].as_array_mut() {
            for c in conds {
                let prev = pod["status"]["conditions"]
                    .as_array()
                    .and_then(|a| a.iter().find(|p| p["type"] == c["type"]));
                let t = match prev {
                    Some(p) if p["status"] == c["status"] => p["lastTransitionTime"].clone(),
                    _ => json!(now),
                };
                c["lastTransitionTime"] = if t.is_null() { json!(now) } else { t };
            }
        }
        new["status"] = status;
        update(s, &pod, new, Some("status"), "kubelet");
    }
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

fn new_pod(
    s: &mut State,
    owner: &Value,
    template: &Value,
    name: String,
    extra_labels: Value,
) -> Value {
    let mut meta = template["metadata"].clone();
    if !meta.is_object() {
        meta = json!({});
    }
    meta["name"] = json!(name);
    meta["namespace"] = json!(ns_of(owner));
    meta["ownerReferences"] = json!([owner_ref(owner)]);
    if !meta["labels"].is_object() {
        meta["labels"] = json!({});
    }
    for (k, v) in extra_labels.as_object().into_iter().flatten() {
        meta["labels"][k] = v.clone();
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"],
        "status": {"phase": "Pending", "qosClass": "BestEffort"}});
    let pod = create(s, pod, MANAGER);
    let kind = owner["kind"].as_str().unwrap_or_default();
    let component = match kind {
        "ReplicaSet" => "replicaset-controller",
        "StatefulSet" => "statefulset-controller",
        "DaemonSet" => "daemonset-controller",
        _ => "job-controller",
    };
    event(
        s,
        owner,
        "Normal",
        "SuccessfulCreate",
        &format!("Created pod: {}", name_of(&pod)),
        component,
    );
    pod
}

fn delete_pod(s: &mut State, owner: &Value, pod: &Value) {
    s.remove(&store::key_of(pod));
    let component = if owner["kind"] == "ReplicaSet" {
        "replicaset-controller"
    } else {
        "statefulset-controller"
    };
    event(
        s,
        owner,
        "Normal",
        "SuccessfulDelete",
        &format!("Deleted pod: {}", name_of(pod)),
        component,
    );
}

fn pod_counts(pods: &[Value]) -> (i64, i64) {
    let ready = pods.iter().filter(|p| is_ready(p)).count() as i64;
    (pods.len() as i64, ready)
}

// ---------------------------------------------------------------- ReplicaSets

fn replicasets(s: &mut State) {
    for rs in s.of_kind("apps", "ReplicaSet", None) {
        let want = n(&rs["spec"]["replicas"]);
        let mut pods = owned(s, &rs, "Pod");
        while (pods.len() as i64) < want {
            let name = format!("{}-{}", name_of(&rs), s.suffix());
            let p = new_pod(s, &rs, &rs["spec"]["template"], name, json!({}));
            pods.push(p);
        }
        while (pods.len() as i64) > want {
            // Not-ready pods go first, then the newest.
            pods.sort_by_key(|p| (is_ready(p), std::cmp::Reverse(uid_serial(p))));
            let p = pods.remove(0);
            delete_pod(s, &rs, &p);
        }
        let (total, ready) = pod_counts(&pods);
        let Some(cur) = s.objects.get(&store::key_of(&rs)).cloned() else {
            continue;
        };
        let mut new = cur.clone();
        new["status"] = json!({"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready,
            "availableReplicas": ready, "observedGeneration": cur["metadata"]["generation"]});
        if ready == 0 {
            for f in ["readyReplicas", "availableReplicas"] {
                if let Some(m) = new["status"].as_object_mut() {
                    m.remove(f);
                }
            }
        }
        update(s, &cur, new, Some("status"), MANAGER);
    }
}

// ---------------------------------------------------------------- Deployments

fn percent(v: &Value, of: i64, round_up: bool) -> i64 {
    match v {
        Value::String(p) if p.ends_with('%') => {
            let pct: i64 = p.trim_end_matches('%').parse().unwrap_or(25);
            if round_up {
                (of * pct + 99) / 100
            } else {
                of * pct / 100
            }
        }
        other => other.as_i64().unwrap_or(0),
    }
}

fn revision(o: &Value) -> i64 {
    o["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn deployments(s: &mut State) {
    for d in s.of_kind("apps", "Deployment", None) {
        let desired = n(&d["spec"]["replicas"]);
        let template = d["spec"]["template"].clone();
        let hash = hash_of(&template);
        let rss = owned(s, &d, "ReplicaSet");
        let max_rev = rss.iter().map(revision).max().unwrap_or(0);
        let paused = d["spec"]["paused"] == true;
        let new_rs = match rss
            .iter()
            .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
        {
            Some(r) => {
                // A rollback to an old template reuses its ReplicaSet under a new revision.
                if revision(r) < max_rev && !paused {
                    let mut nr = r.clone();
                    nr["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                        json!((max_rev + 1).to_string());
                    update(s, r, nr, None, MANAGER);
                }
                s.objects
                    .get(&store::key_of(r))
                    .cloned()
                    .unwrap_or_else(|| r.clone())
            }
            None if paused => continue,
            None => {
                let mut tmpl = template.clone();
                tmpl["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut selector = d["spec"]["selector"].clone();
                selector["matchLabels"]["pod-template-hash"] = json!(hash);
                let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": format!("{}-{hash}", name_of(&d)), "namespace": ns_of(&d),
                        "labels": tmpl["metadata"]["labels"],
                        "annotations": {"deployment.kubernetes.io/revision": (max_rev + 1).to_string(),
                            "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                            "deployment.kubernetes.io/max-replicas": (desired + percent(&d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], desired, true)).to_string()},
                        "ownerReferences": [owner_ref(&d)]},
                    "spec": {"replicas": 0, "minReadySeconds": d["spec"]["minReadySeconds"].as_i64().unwrap_or(0),
                        "selector": selector, "template": tmpl}});
                create(s, rs, MANAGER)
            }
        };
        let new_name = name_of(&new_rs);
        // The Deployment carries its current revision, as `kubectl rollout undo` expects.
        if let Some(cur) = s.objects.get(&store::key_of(&d)).cloned() {
            let rev = revision(&new_rs).to_string();
            if cur["metadata"]["annotations"]["deployment.kubernetes.io/revision"] != rev.as_str() {
                let mut nd = cur.clone();
                if !nd["metadata"]["annotations"].is_object() {
                    nd["metadata"]["annotations"] = json!({});
                }
                nd["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!(rev);
                update(s, &cur, nd, None, MANAGER);
            }
        }
        let olds: Vec<Value> = owned(s, &d, "ReplicaSet")
            .into_iter()
            .filter(|r| name_of(r) != new_name)
            .collect();
        let recreate = d["spec"]["strategy"]["type"] == "Recreate";
        if !paused {
            let new_replicas = n(&new_rs["spec"]["replicas"]);
            let new_ready = n(&new_rs["status"]["readyReplicas"]);
            let old_total: i64 = olds.iter().map(|r| n(&r["spec"]["replicas"])).sum();
            let mut target_new = new_replicas;
            if new_replicas > desired {
                target_new = desired;
            } else if new_replicas < desired
                && new_ready >= new_replicas
                && !(recreate && old_total > 0)
            {
                target_new = new_replicas + 1;
            }
            if target_new != new_replicas {
                let mut nr = new_rs.clone();
                nr["spec"]["replicas"] = json!(target_new);
                nr["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                    json!(desired.to_string());
                update(s, &new_rs, nr, None, MANAGER);
                let verb = if target_new > new_replicas {
                    "up"
                } else {
                    "down"
                };
                event(
                    s,
                    &d,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled {verb} replica set {new_name} from {new_replicas} to {target_new}"
                    ),
                    "deployment-controller",
                );
            }
            // Old pods go one a pass, once new ones are ready to take over (all at once for
            // Recreate).
            if old_total > 0 && (recreate || new_ready > 0 || desired == 0) {
                let mut olds_sorted = olds.clone();
                olds_sorted.sort_by_key(revision);
                if let Some(r) = olds_sorted.iter().find(|r| n(&r["spec"]["replicas"]) > 0) {
                    let from = n(&r["spec"]["replicas"]);
                    let to = if recreate { 0 } else { from - 1 };
                    let mut nr = r.clone();
                    nr["spec"]["replicas"] = json!(to);
                    update(s, r, nr, None, MANAGER);
                    event(
                        s,
                        &d,
                        "Normal",
                        "ScalingReplicaSet",
                        &format!("Scaled down replica set {} from {from} to {to}", name_of(r)),
                        "deployment-controller",
                    );
                }
            }
        }
        // Old ReplicaSets beyond revisionHistoryLimit go.
        let limit = d["spec"]["revisionHistoryLimit"]
            .as_i64()
            .unwrap_or(10)
            .max(0) as usize;
        let mut idle: Vec<Value> = owned(s, &d, "ReplicaSet")
            .into_iter()
            .filter(|r| {
                name_of(r) != new_name
                    && n(&r["spec"]["replicas"]) == 0
                    && n(&r["status"]["replicas"]) == 0
            })
            .collect();
        idle.sort_by_key(revision);
        while idle.len() > limit {
            let r = idle.remove(0);
            s.remove(&store::key_of(&r));
        }
        deployment_status(s, &d, &hash);
    }
}

fn deployment_status(s: &mut State, d: &Value, hash: &str) {
    let Some(cur) = s.objects.get(&store::key_of(d)).cloned() else {
        return;
    };
    let desired = n(&cur["spec"]["replicas"]);
    let rss = owned(s, &cur, "ReplicaSet");
    let new_rs = rss
        .iter()
        .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash)
        .cloned();
    let sum = |f: &str| rss.iter().map(|r| n(&r["status"][f])).sum::<i64>();
    let (replicas, ready, available) = (
        sum("replicas"),
        sum("readyReplicas"),
        sum("availableReplicas"),
    );
    let updated = new_rs.as_ref().map_or(0, |r| n(&r["status"]["replicas"]));
    let new_available = new_rs
        .as_ref()
        .map_or(0, |r| n(&r["status"]["availableReplicas"]));
    let new_name = new_rs.as_ref().map(name_of).unwrap_or_default();
    let max_unavailable = percent(
        &cur["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        desired,
        false,
    );
    let complete = updated == desired && replicas == desired && new_available == desired;
    let uid = cur["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let now_sim = sim_now(s);
    // The deadline counts from the last progress: a new template, or pods updated, ready or
    // available in new numbers.
    let counts = (updated, ready, available);
    let started = match s.ctl.progress.get(&uid) {
        Some((h, t, c)) if h == hash && *c == counts => *t,
        _ => {
            s.ctl
                .progress
                .insert(uid.clone(), (hash.to_string(), now_sim, counts));
            now_sim
        }
    };
    let deadline = cur["spec"]["progressDeadlineSeconds"]
        .as_i64()
        .unwrap_or(600)
        .max(0) as u64;
    let doomed = new_rs
        .as_ref()
        .map(|r| owned(s, r, "Pod"))
        .unwrap_or_default()
        .iter()
        .any(|p| failure_of(s, p) == Some(Failure::ProgressDeadline));
    let prev_progress = cur["status"]["conditions"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["type"] == "Progressing"))
        .cloned();
    let was_exceeded = prev_progress
        .as_ref()
        .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded");
    let (p_status, p_reason, p_msg) = if complete {
        (
            "True",
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{new_name}\" has successfully progressed."),
        )
    } else if doomed || was_exceeded || now_sim.saturating_sub(started) > deadline {
        (
            "False",
            "ProgressDeadlineExceeded",
            format!("ReplicaSet \"{new_name}\" has timed out progressing."),
        )
    } else {
        (
            "True",
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{new_name}\" is progressing."),
        )
    };
    let available_ok = available >= desired - max_unavailable;
    let now = s.now();
    let keep = |t: &str, status: &str, reason: &str, c: Value| -> Value {
        let prev = cur["status"]["conditions"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["type"] == t))
            .cloned();
        let mut c = c;
        match prev {
            Some(p) if p["status"] == status && p["reason"] == reason => {
                c["lastUpdateTime"] = p["lastUpdateTime"].clone();
                c["lastTransitionTime"] = p["lastTransitionTime"].clone();
            }
            Some(p) if p["status"] == status => {
                c["lastUpdateTime"] = json!(now);
                c["lastTransitionTime"] = p["lastTransitionTime"].clone();
            }
            _ => {
                c["lastUpdateTime"] = json!(now);
                c["lastTransitionTime"] = json!(now);
            }
        }
        c
    };
    let (a_status, a_reason, a_msg) = if available_ok {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let conditions = vec![
        keep(
            "Available",
            a_status,
            a_reason,
            json!({"type": "Available", "status": a_status, "reason": a_reason, "message": a_msg}),
        ),
        keep(
            "Progressing",
            p_status,
            p_reason,
            json!({"type": "Progressing", "status": p_status, "reason": p_reason, "message": p_msg}),
        ),
    ];
    let mut status = json!({"observedGeneration": cur["metadata"]["generation"], "replicas": replicas,
        "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": available,
        "unavailableReplicas": (replicas - available).max(desired - available).max(0), "conditions": conditions});
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| !(v == &json!(0) && k != "observedGeneration"));
    }
    if p_reason == "ProgressDeadlineExceeded" && !was_exceeded {
        event(
            s,
            &cur,
            "Warning",
            "ProgressDeadlineExceeded",
            &p_msg,
            "deployment-controller",
        );
    }
    let mut new = cur.clone();
    new["status"] = status;
    update(s, &cur, new, Some("status"), MANAGER);
}

// ---------------------------------------------------------------- StatefulSets

fn statefulsets(s: &mut State) {
    for sts in s.of_kind("apps", "StatefulSet", None) {
        let want = n(&sts["spec"]["replicas"]);
        let name = name_of(&sts);
        let update_rev = format!("{name}-{}", hash_of(&sts["spec"]["template"]));
        let mut pods = owned(s, &sts, "Pod");
        pods.sort_by_key(ordinal);
        let all_ready = pods.iter().all(is_ready);
        let parallel = sts["spec"]["podManagementPolicy"] == "Parallel";
        // Create the lowest missing ordinal once those below are ready (OrderedReady).
        if let Some(i) = (0..want).find(|i| !pods.iter().any(|p| ordinal(p) == *i)) {
            if parallel || pods.iter().filter(|p| ordinal(p) < i).all(is_ready) {
                let pname = format!("{name}-{i}");
                let labels = json!({"controller-revision-hash": update_rev, "statefulset.kubernetes.io/pod-name": pname, "apps.kubernetes.io/pod-index": i.to_string()});
                new_pod(s, &sts, &sts["spec"]["template"], pname, labels);
            }
        } else if let Some(p) = pods.iter().rev().find(|p| ordinal(p) >= want) {
            delete_pod(s, &sts, p);
        } else if all_ready {
            // Roll the highest ordinal still on an old revision.
            if let Some(p) = pods.iter().rev().find(|p| {
                p["metadata"]["labels"]["controller-revision-hash"] != update_rev.as_str()
            }) {
                delete_pod(s, &sts, p);
            }
        }
        let pods = owned(s, &sts, "Pod");
        let (total, ready) = pod_counts(&pods);
        let updated = pods
            .iter()
            .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == update_rev.as_str())
            .count() as i64;
        let Some(cur) = s.objects.get(&store::key_of(&sts)).cloned() else {
            continue;
        };
        let prev_current = cur["status"]["currentRevision"]
            .as_str()
            .map_or(update_rev.clone(), str::to_string);
        let current_rev = if updated == want && ready == want {
            update_rev.clone()
        } else {
            prev_current
        };
        let current = pods
            .iter()
            .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == current_rev.as_str())
            .count() as i64;
        let mut status = json!({"observedGeneration": cur["metadata"]["generation"], "replicas": total,
            "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": current, "updatedReplicas": updated,
            "currentRevision": current_rev, "updateRevision": update_rev, "collisionCount": 0});
        if let Some(m) = status.as_object_mut() {
            m.retain(|k, v| {
                !(v == &json!(0)
                    && (k == "readyReplicas" || k == "currentReplicas" || k == "updatedReplicas"))
            });
        }
        let mut new = cur.clone();
        new["status"] = status;
        update(s, &cur, new, Some("status"), MANAGER);
    }
}

fn ordinal(p: &Value) -> i64 {
    name_of(p)
        .rsplit('-')
        .next()
        .and_then(|o| o.parse().ok())
        .unwrap_or(-1)
}

// ---------------------------------------------------------------- DaemonSets

fn daemonsets(s: &mut State) {
    for ds in s.of_kind("apps", "DaemonSet", None) {
        let hash = hash_of(&ds["spec"]["template"]);
        let pods = owned(s, &ds, "Pod");
        let all_ready = pods.iter().all(is_ready);
        let mut changed = false;
        for node in NODES {
            if !pods.iter().any(|p| p["spec"]["nodeName"] == node) {
                let mut tmpl = ds["spec"]["template"].clone();
                tmpl["spec"]["nodeName"] = json!(node);
                let labels = json!({"controller-revision-hash": hash, "pod-template-generation": ds["metadata"]["generation"].to_string()});
                let pname = format!("{}-{}", name_of(&ds), s.suffix());
                new_pod(s, &ds, &tmpl, pname, labels);
                changed = true;
                break;
            }
        }
        if !changed && all_ready {
            if let Some(p) = pods
                .iter()
                .find(|p| p["metadata"]["labels"]["controller-revision-hash"] != hash.as_str())
            {
                delete_pod(s, &ds, p);
            }
        }
        let pods = owned(s, &ds, "Pod");
        let (total, ready) = pod_counts(&pods);
        let updated = pods
            .iter()
            .filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == hash.as_str())
            .count() as i64;
        let Some(cur) = s.objects.get(&store::key_of(&ds)).cloned() else {
            continue;
        };
        let mut status = json!({"observedGeneration": cur["metadata"]["generation"], "desiredNumberScheduled": 2,
            "currentNumberScheduled": total, "numberMisscheduled": 0, "numberReady": ready,
            "numberAvailable": ready, "updatedNumberScheduled": updated, "numberUnavailable": 2 - ready});
        if let Some(m) = status.as_object_mut() {
            m.retain(|k, v| {
                !(v == &json!(0)
                    && (k == "numberAvailable"
                        || k == "numberUnavailable"
                        || k == "updatedNumberScheduled"))
            });
        }
        let mut new = cur.clone();
        new["status"] = status;
        update(s, &cur, new, Some("status"), MANAGER);
    }
}

// ---------------------------------------------------------------- Jobs

fn jobs(s: &mut State) {
    for job in s.of_kind("batch", "Job", None) {
        let done = job["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter().any(|c| {
                (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
            })
        });
        if done || job["spec"]["suspend"] == true {
            continue;
        }
        let pods = owned(s, &job, "Pod");
        let succeeded = pods
            .iter()
            .filter(|p| p["status"]["phase"] == "Succeeded")
            .count() as i64;
        let failed = pods
            .iter()
            .filter(|p| p["status"]["phase"] == "Failed")
            .count() as i64;
        let active = pods.len() as i64 - succeeded - failed;
        let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
        let backoff = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
        let now = s.now();
        let mut conditions = Vec::new();
        let mut completion_time = Value::Null;
        if succeeded >= completions {
            conditions.push(json!({"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}));
            conditions.push(json!({"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}));
            completion_time = json!(now);
            event(
                s,
                &job,
                "Normal",
                "Completed",
                "Job completed",
                "job-controller",
            );
        } else if failed > backoff {
            conditions.push(json!({"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}));
            conditions.push(json!({"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}));
            event(
                s,
                &job,
                "Warning",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                "job-controller",
            );
        } else if active == 0 {
            let pname = format!("{}-{}", name_of(&job), s.suffix());
            let labels =
                json!({"job-name": name_of(&job), "batch.kubernetes.io/job-name": name_of(&job)});
            new_pod(s, &job, &job["spec"]["template"], pname, labels);
        }
        let pods = owned(s, &job, "Pod");
        let active = pods
            .iter()
            .filter(|p| p["status"]["phase"] != "Succeeded" && p["status"]["phase"] != "Failed")
            .count() as i64;
        let ready = pods.iter().filter(|p| is_ready(p)).count() as i64;
        let Some(cur) = s.objects.get(&store::key_of(&job)).cloned() else {
            continue;
        };
        let start = cur["status"]["startTime"]
            .as_str()
            .map_or(json!(now), |t| json!(t));
        let mut status = json!({"startTime": start, "active": active, "succeeded": succeeded, "failed": failed,
            "ready": ready, "terminating": 0, "uncountedTerminatedPods": {}});
        if !conditions.is_empty() {
            status["conditions"] = json!(conditions);
            status["active"] = json!(0);
        }
        if !completion_time.is_null() {
            status["completionTime"] = completion_time;
        }
        if let Some(m) = status.as_object_mut() {
            m.retain(|k, v| {
                !(v == &json!(0) && (k == "active" || k == "succeeded" || k == "failed"))
            });
        }
        let mut new = cur.clone();
        new["status"] = status;
        update(s, &cur, new, Some("status"), MANAGER);
    }
}
