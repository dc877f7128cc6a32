//! When a rollout is done: kubectl's `rollout status` rules for Deployments, StatefulSets and
//! DaemonSets, Job completion, and Ready conditions for anything else, each evaluated on one
//! observed object. Every rule first requires the controller to have observed the generation
//! our apply produced, so an object read right after the apply is never an instant false
//! "ready" (kube-rs's `is_deployment_completed` and several CI tools get this wrong).
//!
//! And when it will never be done: the pod states that fail a deploy at once instead of at the
//! deadline (crash loops, image pulls, configuration errors, unschedulable pods).

use serde_json::Value;

/// Where one object's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not yet; the message says what it waits for.
    Waiting(String),
    /// Done.
    Done,
    /// It will not get there; the message says why.
    Failed(String),
    /// Stopped short of done to wait for a person (an Argo Rollout's pause without a
    /// duration): not a failure, and nothing more comes without `promote` or `reject`.
    Paused(String),
}

impl Status {
    /// Whether the wait for it is over (done, failed or paused).
    pub fn ended(&self) -> bool {
        !matches!(self, Status::Waiting(_))
    }
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

/// The condition of `type` in `status.conditions`.
pub fn condition<'v>(obj: &'v Value, kind: &str) -> Option<&'v Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// Whether the controller has seen the spec our apply wrote (`generation`, as the apply's
/// answer gave it; the object's own when unknown).
fn observed(obj: &Value, applied_generation: Option<i64>) -> bool {
    let generation = applied_generation
        .or_else(|| int(&obj["metadata"]["generation"]))
        .unwrap_or(0);
    int(&obj["status"]["observedGeneration"])
        .or_else(|| obj["status"]["observedGeneration"].as_str()?.parse().ok())
        .is_some_and(|o| o >= generation)
}

/// The rollout status of `obj` (a `kind` of the `apps` or `batch` group, or anything with
/// conditions).
pub fn status(kind: &str, obj: &Value, applied_generation: Option<i64>) -> Status {
    match kind {
        "Deployment" => deployment(obj, applied_generation),
        "StatefulSet" => stateful_set(obj, applied_generation),
        "DaemonSet" => daemon_set(obj, applied_generation),
        "Job" => job(obj),
        "Rollout"
            if crate::argo::is_rollout(obj["apiVersion"].as_str().unwrap_or_default(), kind) =>
        {
            crate::argo::status(obj, applied_generation)
        }
        _ => generic(obj, applied_generation),
    }
}

fn waiting(s: impl Into<String>) -> Status {
    Status::Waiting(s.into())
}

fn deployment(d: &Value, applied_generation: Option<i64>) -> Status {
    if !observed(d, applied_generation) {
        return waiting("waiting for the deployment controller to observe the new spec");
    }
    if let Some(p) = condition(d, "Progressing") {
        if p["reason"] == "ProgressDeadlineExceeded" {
            let deadline = int(&d["spec"]["progressDeadlineSeconds"]).unwrap_or(600);
            return Status::Failed(format!(
                "exceeded its progress deadline ({deadline} s without progress)"
            ));
        }
    }
    let s = &d["status"];
    let updated = int(&s["updatedReplicas"]).unwrap_or(0);
    if let Some(want) = int(&d["spec"]["replicas"]) {
        if updated < want {
            return waiting(format!("{updated} of {want} new replicas updated"));
        }
    }
    let replicas = int(&s["replicas"]).unwrap_or(0);
    if replicas > updated {
        return waiting(format!(
            "{} old replicas pending termination",
            replicas - updated
        ));
    }
    let available = int(&s["availableReplicas"]).unwrap_or(0);
    if available < updated {
        return waiting(format!(
            "{available} of {updated} updated replicas available"
        ));
    }
    Status::Done
}

fn stateful_set(s: &Value, applied_generation: Option<i64>) -> Status {
    let strategy = &s["spec"]["updateStrategy"];
    if strategy["type"]
        .as_str()
        .is_some_and(|t| t != "RollingUpdate")
    {
        // OnDelete: pods change only when someone deletes them; nothing to wait for.
        return Status::Done;
    }
    if int(&s["status"]["observedGeneration"]).unwrap_or(0) == 0 || !observed(s, applied_generation)
    {
        return waiting("waiting for the statefulset controller to observe the new spec");
    }
    let st = &s["status"];
    let ready = int(&st["readyReplicas"]).unwrap_or(0);
    let want = int(&s["spec"]["replicas"]);
    if let Some(want) = want {
        if ready < want {
            return waiting(format!("{ready} of {want} pods ready"));
        }
    }
    if let (Some(want), Some(partition)) = (want, int(&strategy["rollingUpdate"]["partition"])) {
        let updated = int(&st["updatedReplicas"]).unwrap_or(0);
        if updated < want - partition {
            return waiting(format!(
                "partitioned roll out: {updated} of {} new pods updated",
                want - partition
            ));
        }
        return Status::Done;
    }
    if st["updateRevision"] != st["currentRevision"] {
        return waiting(format!(
            "{} pods at the new revision",
            int(&st["updatedReplicas"]).unwrap_or(0)
        ));
    }
    Status::Done
}

fn daemon_set(d: &Value, applied_generation: Option<i64>) -> Status {
    if d["spec"]["updateStrategy"]["type"]
        .as_str()
        .is_some_and(|t| t != "RollingUpdate")
    {
        return Status::Done;
    }
    if !observed(d, applied_generation) {
        return waiting("waiting for the daemonset controller to observe the new spec");
    }
    let s = &d["status"];
    let desired = int(&s["desiredNumberScheduled"]).unwrap_or(0);
    let updated = int(&s["updatedNumberScheduled"]).unwrap_or(0);
    if updated < desired {
        return waiting(format!("{updated} of {desired} new pods scheduled"));
    }
    let available = int(&s["numberAvailable"]).unwrap_or(0);
    if available < desired {
        return waiting(format!("{available} of {desired} updated pods available"));
    }
    Status::Done
}

fn job(j: &Value) -> Status {
    let is_true = |t: &str| condition(j, t).is_some_and(|c| c["status"] == "True");
    if is_true("Failed") {
        let c = condition(j, "Failed").unwrap_or(&Value::Null);
        return Status::Failed(format!(
            "the job failed: {}",
            c["message"]
                .as_str()
                .or(c["reason"].as_str())
                .unwrap_or("no reason given")
        ));
    }
    if is_true("Complete") {
        return Status::Done;
    }
    let succeeded = int(&j["status"]["succeeded"]).unwrap_or(0);
    let completions = int(&j["spec"]["completions"]).unwrap_or(1);
    waiting(format!("{succeeded} of {completions} completions"))
}

/// Anything else: done unless it has a Ready (or Available, or Established) condition that is
/// not yet true; `Stalled=True` fails it.
fn generic(obj: &Value, applied_generation: Option<i64>) -> Status {
    if condition(obj, "Stalled").is_some_and(|c| c["status"] == "True") {
        let c = condition(obj, "Stalled").unwrap_or(&Value::Null);
        return Status::Failed(format!(
            "stalled: {}",
            c["message"].as_str().unwrap_or("no reason given")
        ));
    }
    let gen_known = obj["status"]["observedGeneration"].is_i64()
        || obj["status"]["observedGeneration"].is_string();
    if gen_known && !observed(obj, applied_generation) {
        return waiting("waiting for its controller to observe the new spec");
    }
    for t in ["Ready", "Available", "Established"] {
        if let Some(c) = condition(obj, t) {
            return if c["status"] == "True" {
                Status::Done
            } else {
                waiting(format!(
                    "{t} is {}: {}",
                    c["status"].as_str().unwrap_or("unknown"),
                    c["message"].as_str().or(c["reason"].as_str()).unwrap_or("")
                ))
            };
        }
    }
    Status::Done
}

/// Why `pod` will not become ready, when it will not: the container (or init container) and
/// its state, with the last exit code of a crash loop. Transient states (a first image pull
/// error that is not "not found", a container still creating) are not failures.
pub fn pod_failure(pod: &Value) -> Option<String> {
    let st = &pod["status"];
    if let Some(c) = st["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled"))
    {
        if c["status"] == "False" && c["reason"] == "Unschedulable" {
            return Some(format!(
                "Unschedulable: {}",
                c["message"].as_str().unwrap_or("no node fits")
            ));
        }
    }
    for list in ["initContainerStatuses", "containerStatuses"] {
        for cs in st[list].as_array().into_iter().flatten() {
            let name = cs["name"].as_str().unwrap_or("?");
            let w = &cs["state"]["waiting"];
            let reason = w["reason"].as_str().unwrap_or_default();
            let message = w["message"].as_str().unwrap_or_default();
            let fatal = match reason {
                "CrashLoopBackOff" => {
                    let last = &cs["lastState"]["terminated"];
                    return Some(format!(
                        "container {name}: CrashLoopBackOff (restarted {} times, last exit code {}{})",
                        cs["restartCount"].as_i64().unwrap_or(0),
                        last["exitCode"].as_i64().map_or("unknown".into(), |c| c.to_string()),
                        last["reason"].as_str().map(|r| format!(", {r}")).unwrap_or_default()
                    ));
                }
                "ImagePullBackOff"
                | "InvalidImageName"
                | "CreateContainerConfigError"
                | "CreateContainerError" => true,
                "ErrImagePull" => {
                    let m = message.to_ascii_lowercase();
                    ["not found", "manifest unknown", "unauthorized", "denied"]
                        .iter()
                        .any(|s| m.contains(s))
                }
                _ => false,
            };
            if fatal {
                return Some(if message.is_empty() {
                    format!("container {name}: {reason}")
                } else {
                    format!("container {name}: {reason}: {message}")
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(generation: i64, observed: i64, replicas: i64, status: Value) -> Value {
        let mut s = status;
        s["observedGeneration"] = json!(observed);
        json!({"metadata": {"generation": generation}, "spec": {"replicas": replicas, "progressDeadlineSeconds": 60}, "status": s})
    }

    /// An Argo Rollout read right after the apply still says Healthy for the old revision: its
    /// controller has not observed our generation (a string), so it is not done; Degraded fails.
    #[test]
    fn an_argo_rollout_is_done_when_its_controller_says_the_new_revision_is_healthy() {
        let r = |observed: &str, phase: &str, stable: &str| {
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                "metadata": {"generation": 4},
                "status": {"observedGeneration": observed, "phase": phase, "message": "m",
                           "stableRS": stable, "currentPodHash": "new"}})
        };
        let status = |v: &Value| super::status("Rollout", v, Some(4));
        assert!(matches!(
            status(&r("3", "Healthy", "old")),
            Status::Waiting(_)
        ));
        assert!(matches!(
            status(&r("4", "Progressing", "old")),
            Status::Waiting(_)
        ));
        assert!(matches!(
            status(&r("4", "Healthy", "old")),
            Status::Waiting(_)
        ));
        assert!(
            matches!(status(&r("4", "Paused", "old")), Status::Paused(w) if w.contains("promote"))
        );
        assert_eq!(status(&r("4", "Healthy", "new")), Status::Done);
        assert_eq!(
            status(&r("4", "Degraded", "old")),
            Status::Failed("Degraded: m".into())
        );
    }

    /// A recorded rollout: the object read right after the apply still shows the previous
    /// rollout complete (the race), then the new ReplicaSet scales up, the old one down.
    #[test]
    fn a_deployment_is_done_only_after_its_new_generation_rolls_out() {
        let old_done = json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]});
        let seq = [
            (
                dep(2, 1, 3, old_done.clone()),
                "waiting for the deployment controller",
            ),
            (
                dep(
                    2,
                    2,
                    3,
                    json!({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3}),
                ),
                "1 of 3 new replicas updated",
            ),
            (
                dep(
                    2,
                    2,
                    3,
                    json!({"replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}),
                ),
                "1 old replicas pending termination",
            ),
            (
                dep(
                    2,
                    2,
                    3,
                    json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}),
                ),
                "2 of 3 updated replicas available",
            ),
        ];
        for (obj, want) in seq {
            match status("Deployment", &obj, Some(2)) {
                Status::Waiting(m) => assert!(m.contains(want), "{m} vs {want}"),
                other => panic!("{other:?}, want waiting {want}"),
            }
        }
        assert_eq!(
            status("Deployment", &dep(2, 2, 3, old_done.clone()), Some(2)),
            Status::Done
        );
        // The apply's generation counts, not the object's own (an older read).
        assert!(matches!(
            status("Deployment", &dep(2, 2, 3, old_done), Some(3)),
            Status::Waiting(_)
        ));
        let stuck = dep(
            2,
            2,
            3,
            json!({"replicas": 3, "updatedReplicas": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert_eq!(
            status("Deployment", &stuck, Some(2)),
            Status::Failed("exceeded its progress deadline (60 s without progress)".into())
        );
    }

    #[test]
    fn statefulsets_daemonsets_and_jobs_follow_kubectl() {
        let sts = |ready: i64, updated: i64| {
            json!({"metadata": {"generation": 1},
            "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}},
            "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": updated}})
        };
        assert!(matches!(
            status("StatefulSet", &sts(2, 2), None),
            Status::Waiting(_)
        ));
        assert!(
            matches!(status("StatefulSet", &sts(3, 1), None), Status::Waiting(m) if m.contains("partitioned"))
        );
        assert_eq!(status("StatefulSet", &sts(3, 2), None), Status::Done);
        let on_delete = json!({"spec": {"updateStrategy": {"type": "OnDelete"}}});
        assert_eq!(status("StatefulSet", &on_delete, None), Status::Done);
        let ds = |updated: i64, available: i64| {
            json!({"metadata": {"generation": 4},
            "spec": {"updateStrategy": {"type": "RollingUpdate"}},
            "status": {"observedGeneration": 4, "desiredNumberScheduled": 2, "updatedNumberScheduled": updated, "numberAvailable": available}})
        };
        assert!(
            matches!(status("DaemonSet", &ds(1, 2), None), Status::Waiting(m) if m.contains("1 of 2 new pods"))
        );
        assert!(matches!(
            status("DaemonSet", &ds(2, 1), None),
            Status::Waiting(_)
        ));
        assert_eq!(status("DaemonSet", &ds(2, 2), None), Status::Done);
        let job = |c: Value| json!({"spec": {"completions": 1}, "status": {"conditions": c}});
        assert!(matches!(
            status("Job", &job(json!([])), None),
            Status::Waiting(_)
        ));
        assert_eq!(
            status(
                "Job",
                &job(json!([{"type": "Complete", "status": "True"}])),
                None
            ),
            Status::Done
        );
        assert!(
            matches!(status("Job", &job(json!([{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}])), None), Status::Failed(m) if m.contains("BackoffLimitExceeded"))
        );
        let crd = json!({"status": {"conditions": [{"type": "Established", "status": "False", "reason": "Installing"}]}});
        assert!(matches!(
            status("CustomResourceDefinition", &crd, None),
            Status::Waiting(_)
        ));
        assert_eq!(
            status("ConfigMap", &json!({"data": {}}), None),
            Status::Done
        );
    }

    #[test]
    fn doomed_pods_are_recognised_and_transient_states_are_not() {
        let pod = |cs: Value| json!({"status": {"containerStatuses": [cs]}});
        let crash = pod(
            json!({"name": "app", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}),
        );
        assert_eq!(
            pod_failure(&crash).unwrap(),
            "container app: CrashLoopBackOff (restarted 4 times, last exit code 137, OOMKilled)"
        );
        let pull = pod(
            json!({"name": "app", "state": {"waiting": {"reason": "ErrImagePull", "message": "rpc error: manifest unknown"}}}),
        );
        assert!(pod_failure(&pull).unwrap().contains("ErrImagePull"));
        let flaky = pod(
            json!({"name": "app", "state": {"waiting": {"reason": "ErrImagePull", "message": "i/o timeout"}}}),
        );
        assert_eq!(pod_failure(&flaky), None);
        let creating =
            pod(json!({"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}));
        assert_eq!(pod_failure(&creating), None);
        let unschedulable = json!({"status": {"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient cpu."}]}});
        assert!(pod_failure(&unschedulable)
            .unwrap()
            .starts_with("Unschedulable: 0/3 nodes"));
        let config = json!({"status": {"initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"db\" not found"}}}]}});
        assert_eq!(
            pod_failure(&config).unwrap(),
            "container init: CreateContainerConfigError: secret \"db\" not found"
        );
    }
}
