//! A fake Argo Rollouts controller: it writes a Rollout's status the way the real controller
//! does (argo-rollouts v1.x, `rollout/` and `utils/rollout/rolloututil.go`), one transition a
//! pass, so a client following the Rollout sees every state in order.
//!
//! What it models: `status.observedGeneration` as a string; `currentPodHash` (a hash of
//! `spec.template`) and `stableRS`; the first deploy and a template set back to the stable
//! one going Healthy at once (the controller's fast track, as `kubectl argo rollouts undo`
//! relies on); canary `steps` walked one a pass with `currentStepIndex` (`setWeight`,
//! `analysis`, `experiment` and the rest pass at once; `pause` with a duration pauses for one
//! pass, `pause: {}` until its pause condition is cleared); blue-green's preview then, with
//! `autoPromotionEnabled: false`, a `BlueGreenPause` until cleared; `spec.paused` ("manually
//! paused"); the unpausing handshake (`controllerPause` true with `pauseConditions` cleared,
//! as `kubectl argo rollouts promote` leaves it); `status.abort` (Degraded, `RolloutAborted:
//! Rollout aborted update to revision N`); and on demand [`Rollouts::degrade_image`], Degraded
//! with `ProgressDeadlineExceeded` as the controller reports a progress deadline passed.
//!
//! What it does not: ReplicaSets and pods, Services' selectors, traffic weights and routers,
//! AnalysisRuns and Experiments (an analysis step passes), `promoteFull`, `restartAt`,
//! `scaleDownDelaySeconds`, anti-affinity, HPA `scale` status, pause durations in real time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use super::controller::{self, ControllerLoop};
use super::lock;
use super::store::State;

/// The field manager of the controller's status writes.
const MANAGER: &str = "argo-rollouts";

/// What the fake controller remembers besides the objects.
#[derive(Debug, Default)]
struct Memory {
    /// Images (substrings) whose updates go Degraded with `ProgressDeadlineExceeded`.
    degraded: Vec<String>,
    /// Each Rollout's revision count and the pod hash of its last revision, by uid.
    revisions: HashMap<String, (u64, String)>,
}

/// A handle on the fake Argo Rollouts controller of a [`FakeKube`](super::FakeKube).
#[derive(Clone)]
pub struct Rollouts {
    state: Arc<Mutex<State>>,
    memory: Arc<Mutex<Memory>>,
}

impl Rollouts {
    pub(super) fn new(state: Arc<Mutex<State>>) -> Self {
        Rollouts {
            state,
            memory: Arc::default(),
        }
    }

    /// One reconcile pass over every Rollout: at most one transition each. Whether anything
    /// changed.
    pub fn step(&self) -> bool {
        let mut s = lock(&self.state);
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = false;
        for ro in s.of_kind("argoproj.io", "Rollout", None) {
            if let Some(status) = reconcile(&ro, &mut memory, &s.now()) {
                let mut new = ro.clone();
                new["status"] = status;
                controller::update(&mut s, &ro, new, Some("status"), MANAGER);
                changed = true;
            }
        }
        changed
    }

    /// Pass every `every` on a background thread until the returned guard is dropped.
    pub fn run_every(&self, every: Duration) -> ControllerLoop {
        let c = self.clone();
        ControllerLoop::spawn(every, move || {
            c.step();
        })
    }

    /// Updates to a template with an image containing `image_substring` go Degraded after
    /// their first step, as when the new ReplicaSet passes `progressDeadlineSeconds`.
    pub fn degrade_image(&self, image_substring: &str) {
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .degraded
            .push(image_substring.to_string());
    }
}

/// The canary steps of `ro` (none for blue-green).
fn steps(ro: &Value) -> &[Value] {
    ro["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

fn index(st: &Value) -> usize {
    st["currentStepIndex"].as_u64().unwrap_or(0) as usize
}

/// The status after one transition of `ro`, or `None` when it rests.
fn reconcile(ro: &Value, memory: &mut Memory, now: &str) -> Option<Value> {
    let spec = &ro["spec"];
    let old = &ro["status"];
    let mut st = if old.is_object() {
        old.clone()
    } else {
        json!({})
    };
    let generation = ro["metadata"]["generation"]
        .as_i64()
        .unwrap_or(1)
        .to_string();
    let hash = controller::hash_of(&spec["template"]);
    let uid = ro["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = controller::name_of(ro);
    let canary = spec["strategy"]["canary"].is_object();
    let replicas = spec["replicas"].as_i64().unwrap_or(1);
    st["observedGeneration"] = json!(generation);
    if st["currentPodHash"] != json!(hash) {
        let revision = memory.revisions.entry(uid).or_insert((0, String::new()));
        if revision.1 != hash {
            *revision = (revision.0 + 1, hash.clone());
        }
        // The first revision, or the stable one again: no steps, straight to Healthy.
        if st["stableRS"].is_null() || st["stableRS"] == json!(hash) {
            healthy(&mut st, &hash, steps(ro).len(), canary, replicas, now);
        } else {
            st["currentPodHash"] = json!(hash);
            if canary {
                st["currentStepIndex"] = json!(0);
            }
            for f in ["abort", "abortedAt", "pauseConditions", "controllerPause"] {
                remove(&mut st, f);
            }
            phase(&mut st, "Progressing", "more replicas need to be updated");
            st["updatedReplicas"] = json!(0);
            st["conditions"] = json!([condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{name}-{hash}\" is progressing."),
                now
            )]);
        }
        return Some(st);
    }
    if st["abort"] == true {
        if st["phase"] == "Degraded" {
            return (*old != st).then_some(st);
        }
        let revision = memory.revisions.get(&uid).map_or(1, |r| r.0);
        let message = format!("Rollout aborted update to revision {revision}");
        for f in ["pauseConditions", "controllerPause"] {
            remove(&mut st, f);
        }
        if canary {
            st["currentStepIndex"] = json!(0);
        }
        st["abortedAt"] = json!(now);
        phase(&mut st, "Degraded", &format!("RolloutAborted: {message}"));
        st["conditions"] = json!([condition(
            "Progressing",
            "False",
            "RolloutAborted",
            &message,
            now
        )]);
        return Some(st);
    }
    if spec["paused"] == true {
        phase(&mut st, "Paused", "manually paused");
        return (*old != st).then_some(st);
    }
    if st["phase"] == "Degraded" {
        // Until a new template or an abort.
        return (*old != st).then_some(st);
    }
    if st["stableRS"] == st["currentPodHash"] {
        if st["phase"] != "Healthy" {
            phase(&mut st, "Healthy", "");
        }
        return (*old != st).then_some(st);
    }
    let images = spec["template"]["spec"]["containers"].to_string();
    let under_way = match canary {
        true => index(&st) > 0,
        false => st["blueGreen"]["previewSelector"] == json!(hash),
    };
    if under_way && memory.degraded.iter().any(|i| images.contains(i.as_str())) {
        let message = format!("ReplicaSet \"{name}-{hash}\" has timed out progressing.");
        phase(
            &mut st,
            "Degraded",
            &format!("ProgressDeadlineExceeded: {message}"),
        );
        st["conditions"] = json!([condition(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            &message,
            now
        )]);
        return Some(st);
    }
    let pauses = st["pauseConditions"]
        .as_array()
        .is_some_and(|p| !p.is_empty());
    let timed = |st: &Value| match canary {
        true => steps(ro)
            .get(index(st))
            .is_some_and(|s| !s["pause"]["duration"].is_null()),
        false => !spec["strategy"]["blueGreen"]["autoPromotionSeconds"].is_null(),
    };
    if pauses && !timed(&st) {
        // Waits for a person to clear the pause condition.
        return (*old != st).then_some(st);
    }
    if pauses || st["controllerPause"] == true {
        // A timed pause elapsed, or a person cleared the condition: on to the next step.
        remove(&mut st, "pauseConditions");
        remove(&mut st, "controllerPause");
        if canary {
            st["currentStepIndex"] = json!(index(&st) + 1);
            phase(&mut st, "Progressing", "more replicas need to be updated");
        } else {
            st["blueGreen"]["activeSelector"] = json!(hash);
            phase(
                &mut st,
                "Progressing",
                "waiting for post-promotion verification to complete",
            );
        }
        return Some(st);
    }
    if canary {
        let steps = steps(ro);
        let i = index(&st);
        match steps.get(i) {
            None => healthy(&mut st, &hash, steps.len(), true, replicas, now),
            Some(step) if step.get("pause").is_some() => pause(&mut st, "CanaryPauseStep", now),
            Some(step) => {
                if let Some(w) = step["setWeight"].as_i64() {
                    st["updatedReplicas"] = json!((replicas * w + 99) / 100);
                }
                st["currentStepIndex"] = json!(i + 1);
                phase(&mut st, "Progressing", "more replicas need to be updated");
            }
        }
        return Some(st);
    }
    let bg = &spec["strategy"]["blueGreen"];
    if st["blueGreen"]["previewSelector"] != json!(hash) {
        st["blueGreen"]["previewSelector"] = json!(hash);
        st["updatedReplicas"] = json!(replicas);
        phase(&mut st, "Progressing", "active service cutover pending");
    } else if st["blueGreen"]["activeSelector"] == json!(hash) {
        healthy(&mut st, &hash, 0, false, replicas, now);
    } else if bg["autoPromotionEnabled"] == false || !bg["autoPromotionSeconds"].is_null() {
        pause(&mut st, "BlueGreenPause", now);
    } else {
        st["blueGreen"]["activeSelector"] = json!(hash);
        phase(
            &mut st,
            "Progressing",
            "waiting for post-promotion verification to complete",
        );
    }
    Some(st)
}

fn remove(st: &mut Value, field: &str) {
    if let Some(o) = st.as_object_mut() {
        o.remove(field);
    }
}

fn phase(st: &mut Value, phase: &str, message: &str) {
    st["phase"] = json!(phase);
    st["message"] = json!(message);
}

fn pause(st: &mut Value, reason: &str, now: &str) {
    st["pauseConditions"] = json!([{"reason": reason, "startTime": now}]);
    st["controllerPause"] = json!(true);
    phase(st, "Paused", reason);
}

fn condition(kind: &str, status: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({"type": kind, "status": status, "reason": reason, "message": message,
        "lastUpdateTime": now, "lastTransitionTime": now})
}

/// The revision `hash` fully promoted: stable, every step done, the active selector on it.
fn healthy(st: &mut Value, hash: &str, steps: usize, canary: bool, replicas: i64, now: &str) {
    st["currentPodHash"] = json!(hash);
    st["stableRS"] = json!(hash);
    if canary {
        st["currentStepIndex"] = json!(steps);
    } else {
        st["blueGreen"]["activeSelector"] = json!(hash);
        st["blueGreen"]["previewSelector"] = json!(hash);
    }
    for f in ["abort", "abortedAt", "pauseConditions", "controllerPause"] {
        remove(st, f);
    }
    for f in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        st[f] = json!(replicas);
    }
    phase(st, "Healthy", "");
    st["conditions"] = json!([
        condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            "Rollout has completed rollout.",
            now
        ),
        condition(
            "Healthy",
            "True",
            "RolloutHealthy",
            "Rollout is healthy",
            now
        ),
    ]);
}
