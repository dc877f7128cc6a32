//! The simulated controllers' handle, settings and shared helpers (writes, events, injected
//! failures, the pods controllers make). The passes themselves are in `kubelet` (pods) and
//! `workloads` (ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use super::apply;
use super::lock;
use super::store::{self, Key, State};
use super::{kubelet, workloads};

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
    pub(super) step_seconds: u64,
    /// Passes each pod has been through, by uid.
    pub(super) pod_age: HashMap<String, u64>,
    /// When (simulated seconds) a Deployment last made progress, by uid: template hash,
    /// time, and the (updated, ready, available) counts then.
    pub(super) progress: HashMap<String, Progress>,
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

pub(super) type Progress = (String, u64, (i64, i64, i64));

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

impl ControllerLoop {
    /// Run `pass` every `every` on a background thread until the guard is dropped.
    pub(super) fn spawn(every: Duration, mut pass: impl FnMut() + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                pass();
                std::thread::sleep(every);
            }
        });
        ControllerLoop {
            stop,
            thread: Some(thread),
        }
    }
}

pub(super) const MANAGER: &str = "kube-controller-manager";
pub(super) const NODES: [&str; 2] = ["fake-node-1", "fake-node-2"];

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
        let c = self.clone();
        ControllerLoop::spawn(every, move || {
            c.step();
        })
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
    kubelet::advance_pods(s);
    workloads::replicasets(s);
    workloads::deployments(s);
    workloads::statefulsets(s);
    workloads::daemonsets(s);
    workloads::jobs(s);
    s.rv != before
}

pub(super) fn sim_now(s: &State) -> u64 {
    s.clock_offset
}

// ---------------------------------------------------------------- writing helpers

pub(super) fn update(s: &mut State, old: &Value, mut new: Value, sub: Option<&str>, manager: &str) {
    if *old == new {
        return;
    }
    let av = new["apiVersion"].as_str().unwrap_or_default().to_string();
    let now = s.now();
    apply::record_update(Some(old), &mut new, manager, &av, sub, &now);
    s.write(new);
}

pub(super) fn create(s: &mut State, obj: Value, manager: &str) -> Value {
    let mut obj = s.stamp_new(obj);
    let av = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let now = s.now();
    apply::record_update(None, &mut obj, manager, &av, None, &now);
    s.write(obj)
}

pub(super) fn owner_ref(owner: &Value) -> Value {
    json!({"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

pub(super) fn owned(s: &State, owner: &Value, kind: &str) -> Vec<Value> {
    let uid = owner["metadata"]["uid"].as_str().unwrap_or_default();
    s.owned_by(uid)
        .into_iter()
        .filter(|k| k.1 == kind)
        .filter_map(|k| s.objects.get(&k).cloned())
        .collect()
}

pub(super) fn name_of(o: &Value) -> String {
    o["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(super) fn ns_of(o: &Value) -> String {
    o["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(super) fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A stable 10-letter hash, as pod-template-hash looks.
pub(super) fn hash_of(v: &Value) -> String {
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
pub(super) fn event(
    s: &mut State,
    obj: &Value,
    kind: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
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

pub(super) fn uid_serial(o: &Value) -> u64 {
    let uid = o["metadata"]["uid"].as_str().unwrap_or_default();
    u64::from_str_radix(uid.rsplit('-').next().unwrap_or("0"), 16).unwrap_or(0)
}

/// The workload at the top of a pod's owner chain: (namespace, name).
pub(super) fn top_owner(s: &State, obj: &Value) -> Option<(String, String)> {
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

pub(super) fn failure_of(s: &State, pod: &Value) -> Option<Failure> {
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

// ---------------------------------------------------------------- pods the controllers make

pub(super) fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

pub(super) fn new_pod(
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

pub(super) fn delete_pod(s: &mut State, owner: &Value, pod: &Value) {
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

pub(super) fn pod_counts(pods: &[Value]) -> (i64, i64) {
    let ready = pods.iter().filter(|p| is_ready(p)).count() as i64;
    (pods.len() as i64, ready)
}
