//! The patches of `kubectl argo rollouts promote` and `abort`, reproduced from the plugin
//! (`pkg/kubectl-argo-rollouts/cmd/promote/promote.go` `getPatches`, `cmd/abort/abort.go`):
//! JSON merge patches, the status part sent to the `status` subresource first; when the
//! server has no such subresource (404: a Rollouts v0.9 CRD) the unified patch goes to the
//! Rollout itself instead.

use serde_json::{json, Value};

use super::steps;

/// What one command sends to one Rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct Patches {
    /// To the Rollout itself (after the status patch).
    pub spec: Option<Value>,
    /// To its `status` subresource (first).
    pub status: Option<Value>,
    /// To the Rollout itself instead of both, when the server has no `status` subresource.
    pub unified: Value,
}

/// `kubectl argo rollouts promote NAME` (no flags): unpause `spec.paused`; clear the pause
/// conditions; with none, a canary goes on to its next step; an inconclusive step analysis
/// also clears `controllerPause` and moves on, or the next pause step would wedge it.
pub fn promote(r: &Value) -> Patches {
    let st = &r["status"];
    let spec = (r["spec"]["paused"] == true).then(|| json!({"spec": {"paused": false}}));
    let mut unified = json!({"spec": {"paused": false}, "status": {"pauseConditions": null}});
    let conditions = st["pauseConditions"]
        .as_array()
        .is_some_and(|c| !c.is_empty());
    // argo-rollouts' GetCurrentCanaryStep: no index without steps; 0 when none is set yet.
    let steps = steps(r).len() as u64;
    let next = (steps > 0).then(|| {
        let i = st["currentStepIndex"].as_u64().unwrap_or(0);
        if i < steps {
            i + 1
        } else {
            i
        }
    });
    let canary = r["spec"]["strategy"]["canary"].is_object();
    let inconclusive =
        canary && st["canary"]["currentStepAnalysisRunStatus"]["status"] == "Inconclusive";
    let status = if inconclusive && conditions && st["controllerPause"] == true {
        next.map(|i| {
            json!({"status": {"pauseConditions": null, "controllerPause": false, "currentStepIndex": i}})
        })
    } else if conditions {
        Some(json!({"status": {"pauseConditions": null}}))
    } else if canary {
        next.map(|i| {
            unified = json!({"spec": {"paused": false}, "status": {"pauseConditions": null, "currentStepIndex": i}});
            json!({"status": {"pauseConditions": null, "currentStepIndex": i}})
        })
    } else {
        None
    };
    Patches {
        spec,
        status,
        unified,
    }
}

/// `kubectl argo rollouts abort NAME`: the controller returns the traffic to the stable
/// ReplicaSet and reports Degraded (`RolloutAborted`); `spec.template` stays the new one.
pub fn abort() -> Patches {
    let abort = json!({"status": {"abort": true}});
    Patches {
        spec: None,
        status: Some(abort.clone()),
        unified: abort,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary(spec_paused: bool, status: Value) -> Value {
        json!({"spec": {"paused": spec_paused, "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 80}]}}},
            "status": status})
    }

    /// The plugin's own cases (`promote_test.go`): a paused step, a manual pause, a canary
    /// between steps, a blue-green pause.
    #[test]
    fn promote_sends_what_the_plugin_sends() {
        let paused = promote(&canary(
            false,
            json!({"currentStepIndex": 1, "pauseConditions": [{"reason": "CanaryPauseStep"}], "controllerPause": true}),
        ));
        assert_eq!(
            paused,
            Patches {
                spec: None,
                status: Some(json!({"status": {"pauseConditions": null}})),
                unified: json!({"spec": {"paused": false}, "status": {"pauseConditions": null}}),
            }
        );
        let manual = promote(&canary(true, json!({"currentStepIndex": 1})));
        assert_eq!(manual.spec, Some(json!({"spec": {"paused": false}})));
        assert_eq!(
            manual.status,
            Some(json!({"status": {"pauseConditions": null, "currentStepIndex": 2}}))
        );
        let inconclusive = promote(&canary(
            false,
            json!({"currentStepIndex": 2, "controllerPause": true, "pauseConditions": [{"reason": "InconclusiveAnalysisRun"}],
                "canary": {"currentStepAnalysisRunStatus": {"status": "Inconclusive"}}}),
        ));
        assert_eq!(
            inconclusive.status,
            Some(
                json!({"status": {"pauseConditions": null, "controllerPause": false, "currentStepIndex": 3}})
            )
        );
        let bg = promote(&json!({"spec": {"strategy": {"blueGreen": {}}},
            "status": {"pauseConditions": [{"reason": "BlueGreenPause"}]}}));
        assert_eq!(
            bg.status,
            Some(json!({"status": {"pauseConditions": null}}))
        );
        assert_eq!(abort().status, Some(json!({"status": {"abort": true}})));
    }
}
