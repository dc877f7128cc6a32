//! The deploy: every object applied for real (server-side apply with our field manager, in
//! dependency order), then every workload waited on under one deadline, failing fast on the new
//! pods' fatal states. Rollback to the last known-good set, the inventory and the per-environment
//! lock are the next step: a failed deploy is reported, not undone.

use std::time::{Duration, Instant};

use gates_core::InputError;
use kube::api::{Api, DynamicObject, ListParams, Patch};
use serde_json::Value;

use crate::cluster::{api_error, Cluster};
use crate::manifest::Manifest;
use crate::order::apply_order;
use crate::plan::{applied, ApplySettings};
use crate::rollout::{self, Status};

/// How often the workloads are read while waiting.
const POLL: Duration = Duration::from_millis(500);

/// One object as applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Index into the rendered manifests.
    pub manifest: usize,
    /// The generation our apply produced (what the controller must observe).
    pub generation: Option<i64>,
    /// The object as the server answered the apply.
    pub object: Value,
}

/// Where one workload's rollout ended.
#[derive(Debug, Clone)]
pub struct Rollout {
    /// Index into the rendered manifests.
    pub manifest: usize,
    /// Done, failed (with why), or still waiting at the deadline.
    pub status: Status,
    /// Seconds from the end of the apply to the end of this rollout.
    pub seconds: f64,
}

/// Apply `manifests` in dependency order. A refusal stops the deploy: what was applied before
/// it stays, and the error names the object.
pub async fn apply(
    cluster: &Cluster,
    manifests: &[Manifest],
    settings: &ApplySettings,
) -> Result<Vec<Applied>, InputError> {
    let targets = manifests
        .iter()
        .map(|m| cluster.target(m))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(manifests.len());
    for i in apply_order(manifests.iter().map(Manifest::kind)) {
        let (m, target) = (&manifests[i], &targets[i]);
        let params = settings.params();
        let answer = cluster
            .api(target)
            .patch(m.name(), &params, &Patch::Apply(&applied(m, target)))
            .await
            .map_err(|e| {
                api_error(&e, &format!("applying {}", m.id())).at(u64::from(m.line("")), None)
            })?;
        let object = serde_json::to_value(answer).expect("an object serialises");
        out.push(Applied {
            manifest: i,
            generation: object["metadata"]["generation"].as_i64(),
            object,
        });
    }
    Ok(out)
}

/// The kinds waited on: those with a rollout of their own.
fn waited(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet" | "Job")
}

/// Wait for every applied workload under one `timeout`: each is done, failed (its own status or
/// a fatal state of one of its pods), or still waiting when the deadline passes. `progress` hears
/// of every change of a workload's state, once.
pub async fn wait(
    cluster: &Cluster,
    manifests: &[Manifest],
    applied: &[Applied],
    timeout: Duration,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Vec<Rollout>, InputError> {
    let start = Instant::now();
    let mut pending: Vec<(&Applied, Api<DynamicObject>, Option<Status>)> = Vec::new();
    for a in applied
        .iter()
        .filter(|a| waited(manifests[a.manifest].kind()))
    {
        let target = cluster.target(&manifests[a.manifest])?;
        pending.push((a, cluster.api(&target), None));
    }
    let mut out = Vec::new();
    loop {
        let mut still = Vec::new();
        for (a, api, last) in pending {
            let m = &manifests[a.manifest];
            let obj = api
                .get(m.name())
                .await
                .map_err(|e| api_error(&e, &format!("reading {}", m.id())))?;
            let obj = serde_json::to_value(obj).expect("an object serialises");
            let mut status = rollout::status(m.kind(), &obj, a.generation);
            if matches!(status, Status::Waiting(_)) {
                if let Some(why) = pod_failure(cluster, m, &obj).await? {
                    status = Status::Failed(why);
                }
            }
            if last.as_ref() != Some(&status) {
                progress(m, &status);
            }
            match status {
                Status::Waiting(_) => still.push((a, api, Some(status))),
                done => out.push(Rollout {
                    manifest: a.manifest,
                    status: done,
                    seconds: start.elapsed().as_secs_f64(),
                }),
            }
        }
        if still.is_empty() {
            break;
        }
        if start.elapsed() >= timeout {
            for (a, _, last) in still {
                let why = match last {
                    Some(Status::Waiting(w)) => w,
                    _ => "no answer".into(),
                };
                out.push(Rollout {
                    manifest: a.manifest,
                    status: Status::Failed(format!(
                        "not done within --timeout ({}s): {why}",
                        timeout.as_secs()
                    )),
                    seconds: start.elapsed().as_secs_f64(),
                });
            }
            break;
        }
        pending = still;
        tokio::time::sleep(POLL).await;
    }
    out.sort_by_key(|r| r.manifest);
    Ok(out)
}

/// The first fatal state of a pod of `workload` (its pod template's labels select them).
async fn pod_failure(
    cluster: &Cluster,
    m: &Manifest,
    workload: &Value,
) -> Result<Option<String>, InputError> {
    let Some(labels) = workload["spec"]["selector"]["matchLabels"].as_object() else {
        return Ok(None);
    };
    let selector: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    let ns = workload["metadata"]["namespace"]
        .as_str()
        .unwrap_or(&cluster.default_namespace);
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(cluster.client.clone(), ns);
    let list = pods
        .list(&ListParams::default().labels(&selector.join(",")))
        .await
        .map_err(|e| api_error(&e, &format!("listing the pods of {}", m.id())))?;
    // The new revision's pods run the template's images; an old one crash-looping is not this
    // deploy's failure.
    let images = |containers: &Value| -> Vec<String> {
        let mut v: Vec<String> = containers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["image"].as_str().map(str::to_string))
            .collect();
        v.sort();
        v
    };
    let wanted = images(&workload["spec"]["template"]["spec"]["containers"]);
    for pod in list.items {
        let pod = serde_json::to_value(&pod).expect("a pod serialises");
        if images(&pod["spec"]["containers"]) != wanted {
            continue;
        }
        if let Some(why) = rollout::pod_failure(&pod) {
            let name = pod["metadata"]["name"].as_str().unwrap_or("?");
            return Ok(Some(format!("pod {name}: {why}")));
        }
    }
    Ok(None)
}
