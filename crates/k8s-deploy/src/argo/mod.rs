//! Argo Rollouts (`argoproj.io/v1alpha1` Rollout): its controller runs the strategy (canary
//! steps, blue-green preview and promotion, abort); the deploy applies the Rollout and follows
//! the phase the controller reports, and `promote` / `reject` send the patches `kubectl argo
//! rollouts promote` / `abort` send. Nothing here re-implements the strategy.
//!
//! - here: a Rollout's rollout [`Status`] (argo-rollouts' `GetRolloutPhase`: the phase only
//!   counts once `status.observedGeneration` is the generation our apply produced), which
//!   pauses wait for a person, the steps, and the [`Followed`] record the summary shows;
//! - [`patch`]: the plugin's promote and abort patches, reproduced;
//! - [`resume`]: `k8s-deploy promote` / `reject` of a release whose Rollouts are paused.

pub mod patch;
pub mod resume;

use gates_core::InputError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::manifest::Manifest;
use crate::rollout::Status;

/// Whether `api_version` / `kind` is an Argo Rollout.
pub fn is_rollout(api_version: &str, kind: &str) -> bool {
    kind == "Rollout" && api_version.starts_with("argoproj.io/")
}

/// The canary steps of `r` (none for blue-green).
pub fn steps(r: &Value) -> &[Value] {
    r["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// A canary step as `kubectl argo rollouts get` names it (argo-rollouts' `CanaryStepString`).
pub fn step_name(step: &Value) -> String {
    if let Some(w) = step["setWeight"].as_i64() {
        return format!("setWeight: {w}");
    }
    if let Some(p) = step.get("pause") {
        return match &p["duration"] {
            Value::Null => "pause".into(),
            Value::String(d) => format!("pause: {d}"),
            d => format!("pause: {d}s"),
        };
    }
    for (key, name) in [
        ("experiment", "experiment"),
        ("analysis", "analysis"),
        ("setCanaryScale", "setCanaryScale"),
        ("plugin", "plugin"),
        ("setHeaderRoute", "setHeaderRoute"),
        ("setMirrorRoute", "setMirrorRoute"),
    ] {
        if step.get(key).is_some() {
            return name.into();
        }
    }
    "invalid".into()
}

/// `currentStepIndex`, when the controller set one.
fn step_index(r: &Value) -> Option<u64> {
    r["status"]["currentStepIndex"].as_u64()
}

/// `at step 3/9 (setWeight: 40)`, or `after all 9 steps`; nothing for blue-green.
fn step_line(r: &Value) -> Option<String> {
    let steps = steps(r);
    let i = step_index(r)? as usize;
    Some(match steps.get(i) {
        Some(s) => format!("at step {}/{} ({})", i + 1, steps.len(), step_name(s)),
        None => format!("after all {} steps", steps.len()),
    })
}

/// The reasons of `status.pauseConditions`.
fn pause_reasons(r: &Value) -> Vec<String> {
    r["status"]["pauseConditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["reason"].as_str().map(str::to_string))
        .collect()
}

/// Why `r` waits for a person, when it does: paused by hand (`spec.paused`), at a canary
/// `pause` step without a duration, before a blue-green promotion without
/// `autoPromotionSeconds`, or on an inconclusive analysis. A timed pause resumes by itself.
pub fn waits_for_person(r: &Value) -> Option<String> {
    if r["spec"]["paused"] == true {
        return Some("manually paused (spec.paused)".into());
    }
    let reasons = pause_reasons(r);
    if reasons.is_empty() {
        // Paused with no condition left: a promote cleared it and the controller has yet to
        // act (argo-rollouts' IsUnpausing), or a phase we cannot explain; only the latter.
        return (r["status"]["phase"] == "Paused" && r["status"]["controllerPause"] != true).then(
            || {
                r["status"]["message"]
                    .as_str()
                    .unwrap_or("paused")
                    .to_string()
            },
        );
    }
    let timed = reasons.iter().all(|reason| match reason.as_str() {
        "CanaryPauseStep" => step_index(r)
            .and_then(|i| steps(r).get(i as usize))
            .is_some_and(|s| !s["pause"]["duration"].is_null()),
        "BlueGreenPause" => !r["spec"]["strategy"]["blueGreen"]["autoPromotionSeconds"].is_null(),
        _ => false,
    });
    (!timed).then(|| match step_line(r) {
        Some(step) => format!("{} {step}", reasons.join(", ")),
        None => reasons.join(", "),
    })
}

/// The rollout status of Rollout `r`, as `kubectl argo rollouts status` decides it, once its
/// controller has observed `applied_generation` (a string in its status): Healthy with the
/// new revision stable is done; Degraded fails (aborted says so); a pause that waits for a
/// person is [`Status::Paused`]; anything else waits, the step in the message.
pub fn status(r: &Value, applied_generation: Option<i64>) -> Status {
    let generation = applied_generation
        .or_else(|| r["metadata"]["generation"].as_i64())
        .unwrap_or(0);
    let st = &r["status"];
    let observed = st["observedGeneration"]
        .as_i64()
        .or_else(|| st["observedGeneration"].as_str()?.parse().ok());
    if observed.is_none_or(|o| o < generation) {
        return Status::Waiting(
            "waiting for the Argo Rollouts controller to observe the new spec".into(),
        );
    }
    if st["controllerPause"] == true && pause_reasons(r).is_empty() {
        return Status::Waiting("waiting for rollout to unpause".into());
    }
    let message = st["message"].as_str().unwrap_or_default();
    let at = step_line(r).map(|s| format!(" {s}")).unwrap_or_default();
    let aborted = st["abort"] == true;
    match st["phase"].as_str() {
        // The controller reset the steps: where it was is in its message.
        Some("Degraded") if aborted => Status::Failed(format!("aborted: {message}")),
        Some("Degraded") => Status::Failed(format!("Degraded{at}: {message}")),
        _ if aborted => Status::Waiting("aborting: waiting for the controller".into()),
        Some("Healthy") if st["stableRS"] == st["currentPodHash"] => Status::Done,
        Some("Healthy") => Status::Waiting("the new revision is not the stable one yet".into()),
        Some("Paused") => match waits_for_person(r) {
            Some(why) => Status::Paused(format!(
                "{why}: `k8s-deploy promote` continues it, `k8s-deploy reject` aborts it"
            )),
            None => Status::Waiting(format!("Paused{at}: {message} (resumes by itself)")),
        },
        Some(phase) if message.is_empty() => Status::Waiting(format!("{phase}{at}")),
        Some(phase) => Status::Waiting(format!("{phase}{at}: {message}")),
        None => Status::Waiting("its controller has not reported a phase yet".into()),
    }
}

/// A Rollout as last seen while following it (the summary's "Argo Rollouts" section and the
/// result file's `metrics.argo_rollouts`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Followed {
    /// `namespace/name`.
    pub rollout: String,
    /// `canary` or `blueGreen`.
    pub strategy: String,
    /// The phase its controller reported: Progressing, Paused, Healthy or Degraded (empty:
    /// none yet).
    pub phase: String,
    /// The controller's message (why it is degraded or paused).
    pub message: String,
    /// `status.currentStepIndex` (canary): the steps before it are done; the number of steps
    /// when all are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// The canary steps, as `kubectl argo rollouts get` names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// Every `currentStepIndex` seen while following it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps_seen: Vec<u64>,
    /// Whether it waits for a person (`promote` or `reject`).
    pub paused: bool,
    /// The reasons of its pause conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pause_reasons: Vec<String>,
    /// Whether its update was aborted (`status.abort`).
    pub aborted: bool,
    /// The stable ReplicaSet's pod hash (`status.stableRS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable: Option<String>,
    /// The current template's pod hash (`status.currentPodHash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// The patches `promote` or `reject` sent it, as `<subresource or spec>: <merge patch>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<String>,
}

impl Followed {
    /// The record of Rollout `r` as seen last, with the step indices `seen` before.
    pub fn of(r: &Value, seen: &[u64]) -> Followed {
        let meta = &r["metadata"];
        let s = |v: &Value| v.as_str().map(str::to_string);
        Followed {
            rollout: format!(
                "{}/{}",
                meta["namespace"].as_str().unwrap_or_default(),
                meta["name"].as_str().unwrap_or_default()
            ),
            strategy: match r["spec"]["strategy"]["blueGreen"].is_object() {
                true => "blueGreen",
                false => "canary",
            }
            .into(),
            phase: s(&r["status"]["phase"]).unwrap_or_default(),
            message: s(&r["status"]["message"]).unwrap_or_default(),
            step: step_index(r),
            steps: steps(r).iter().map(step_name).collect(),
            steps_seen: seen.to_vec(),
            paused: r["status"]["phase"] == "Paused" && waits_for_person(r).is_some(),
            pause_reasons: pause_reasons(r),
            aborted: r["status"]["abort"] == true,
            stable: s(&r["status"]["stableRS"]),
            current: s(&r["status"]["currentPodHash"]),
            sent: Vec::new(),
        }
    }
}

/// The step indices of a Rollout seen while following it: each new one once, in order.
#[derive(Debug, Clone, Default)]
pub struct Seen(Vec<u64>);

impl Seen {
    /// Note the step `r` is at, once its controller has observed its spec (before that the
    /// index is the previous revision's).
    pub fn note(&mut self, r: &Value) {
        let observed = r["status"]["observedGeneration"]
            .as_str()
            .and_then(|o| o.parse::<i64>().ok())
            .or_else(|| r["status"]["observedGeneration"].as_i64());
        if observed < r["metadata"]["generation"].as_i64() {
            return;
        }
        if let Some(i) = step_index(r) {
            if self.0.last() != Some(&i) {
                self.0.push(i);
            }
        }
    }

    /// The indices, in order.
    pub fn indices(&self) -> &[u64] {
        &self.0
    }
}

/// Refuse `--strategy <strategy>` (blue-green, canary) for manifests holding an Argo Rollout:
/// its controller runs the Rollout's own strategy, and slotting or splitting the workloads
/// beside it would fight it over the same Services and routes.
pub fn refuse_strategy(manifests: &[Manifest], strategy: &str) -> Result<(), InputError> {
    let Some(m) = manifests
        .iter()
        .find(|m| is_rollout(m.api_version(), m.kind()))
    else {
        return Ok(());
    };
    Err(InputError::new(
        m.file.as_str(),
        format!(
            "{} is an Argo Rollout: its controller runs its own strategy, so --strategy {strategy} cannot run beside it",
            m.id()
        ),
        "deploy them with --strategy rolling (the default): k8s-deploy applies the Rollout and follows its controller's steps; `promote` and `reject` act on its pauses",
    )
    .at(u64::from(m.line("/kind")), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canary(status: Value) -> Value {
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "gateway", "namespace": "production", "generation": 2},
            "spec": {"strategy": {"canary": {"steps": [
                {"setWeight": 20}, {"pause": {"duration": "2m"}}, {"pause": {}}, {"analysis": {}}]}}},
            "status": status})
    }

    /// A timed pause resumes by itself; `pause: {}` waits for a person; a cleared pause the
    /// controller has not acted on yet is unpausing, not paused.
    #[test]
    fn only_a_pause_without_a_duration_waits_for_a_person() {
        let paused = |i: u64| {
            canary(
                json!({"observedGeneration": "2", "phase": "Paused", "message": "CanaryPauseStep",
                "currentStepIndex": i, "controllerPause": true,
                "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "t"}]}),
            )
        };
        assert!(
            matches!(status(&paused(1), Some(2)), Status::Waiting(w) if w.contains("step 2/4 (pause: 2m)") && w.contains("resumes by itself"))
        );
        match status(&paused(2), Some(2)) {
            Status::Paused(w) => {
                assert!(w.starts_with("CanaryPauseStep at step 3/4 (pause)"), "{w}")
            }
            other => panic!("{other:?}"),
        }
        let mut unpausing = paused(2);
        unpausing["status"]["pauseConditions"] = Value::Null;
        assert_eq!(
            status(&unpausing, Some(2)),
            Status::Waiting("waiting for rollout to unpause".into())
        );
        let f = Followed::of(&paused(2), &[0, 1, 2]);
        assert!(f.paused && f.steps.len() == 4 && f.steps[3] == "analysis");
        assert!(!Followed::of(&paused(1), &[]).paused);
    }

    #[test]
    fn degraded_and_aborted_rollouts_fail_with_the_controllers_message() {
        let degraded = canary(
            json!({"observedGeneration": "2", "phase": "Degraded", "currentStepIndex": 1,
            "message": "ProgressDeadlineExceeded: ReplicaSet \"gateway-abc\" has timed out progressing."}),
        );
        assert_eq!(
            status(&degraded, Some(2)),
            Status::Failed("Degraded at step 2/4 (pause: 2m): ProgressDeadlineExceeded: ReplicaSet \"gateway-abc\" has timed out progressing.".into())
        );
        let mut aborting =
            canary(json!({"observedGeneration": "2", "phase": "Paused", "abort": true}));
        assert!(
            matches!(status(&aborting, Some(2)), Status::Waiting(w) if w.starts_with("aborting"))
        );
        aborting["status"]["phase"] = json!("Degraded");
        aborting["status"]["message"] =
            json!("RolloutAborted: Rollout aborted update to revision 2");
        assert!(
            matches!(status(&aborting, Some(2)), Status::Failed(w) if w == "aborted: RolloutAborted: Rollout aborted update to revision 2")
        );
    }
}
