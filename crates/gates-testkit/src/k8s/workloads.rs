//! The workload controllers: ReplicaSets keep their pod count, Deployments roll out through
//! ReplicaSets one step a pass (revisions, progress deadline, conditions), StatefulSets by
//! ordinal, DaemonSets over two pretend nodes, Jobs run to completion or out of retries.

use serde_json::{json, Value};

use super::controller::{
    create, delete_pod, event, failure_of, hash_of, is_ready, n, name_of, new_pod, ns_of, owned,
    owner_ref, pod_counts, sim_now, uid_serial, update, Failure, MANAGER, NODES,
};
use super::store::{self, State};

// ---------------------------------------------------------------- ReplicaSets

pub(super) fn replicasets(s: &mut State) {
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

pub(super) fn deployments(s: &mut State) {
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

pub(super) fn statefulsets(s: &mut State) {
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

pub(super) fn daemonsets(s: &mut State) {
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

pub(super) fn jobs(s: &mut State) {
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
