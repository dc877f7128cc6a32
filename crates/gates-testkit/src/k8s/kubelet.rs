//! The pretend kubelet and scheduler: each pass moves pods Pending → scheduled → Running and
//! Ready, or into the failure injected for their image or workload, with the Events the real
//! ones record.

use serde_json::{json, Value};

use super::controller::{
    event, failure_of, hash_of, n, name_of, ns_of, uid_serial, update, Failure, NODES,
};
use super::store::{self, State};

pub(super) fn advance_pods(s: &mut State) {
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
