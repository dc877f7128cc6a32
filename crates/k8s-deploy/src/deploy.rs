//! The deploy's mechanics: every object applied for real (server-side apply with our field
//! manager, in dependency order, custom resources after their CRDs are established), every
//! workload watched until its rollout is done or fails under one deadline, and objects pruned.
//! What to apply, and when to roll back, is [`crate::release`]'s.

use std::collections::HashMap;
use std::time::Duration;

use futures::{stream, StreamExt};
use gates_core::InputError;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, LogParams, Patch};
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::Value;
use tokio::time::Instant;

use crate::cluster::{api_error, retrying, Cluster, Target};
use crate::inventory::ObjectRef;
use crate::manifest::Manifest;
use crate::order::apply_order;
use crate::plan::{applied, ApplySettings};
use crate::rollout::{self, Status};

/// How often cancellation is checked while waiting.
const TICK: Duration = Duration::from_millis(200);

/// The log lines and events kept of a failed pod.
const TAIL: usize = 20;

/// One object as applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Index into the manifests applied.
    pub manifest: usize,
    /// The generation our apply produced (what the controller must observe).
    pub generation: Option<i64>,
    /// The object as the server answered the apply.
    pub object: Value,
}

/// A failed pod, as the summary shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodDetail {
    /// The pod's name.
    pub pod: String,
    /// Its last events (`reason: message`), oldest first.
    pub events: Vec<String>,
    /// Its failing container's last log lines.
    pub logs: Vec<String>,
}

/// Where one workload's rollout ended.
#[derive(Debug, Clone)]
pub struct Rollout {
    /// Index into the manifests applied.
    pub manifest: usize,
    /// Done, failed (with why), or still waiting at the deadline.
    pub status: Status,
    /// Seconds from the start of the wait to the end of this rollout.
    pub seconds: f64,
    /// The failed pod, when a pod's state failed the rollout.
    pub pod: Option<PodDetail>,
    /// An Argo Rollout as last seen, with the steps seen on the way.
    pub argo: Option<crate::argo::Followed>,
}

/// Apply `manifests` in dependency order. A custom resource whose CRD is among them is applied
/// once that CRD is established (waited for until `deadline`). A refusal stops the deploy:
/// what was applied before it stays, and the error names the object.
pub async fn apply(
    cluster: &mut Cluster,
    manifests: &[Manifest],
    settings: &ApplySettings,
    deadline: Instant,
) -> Result<Vec<Applied>, InputError> {
    let mut targets = cluster.targets(manifests)?;
    let mut out = Vec::with_capacity(manifests.len());
    for i in apply_order(manifests.iter().map(Manifest::kind)) {
        let m = &manifests[i];
        if gates_core::cancel::requested() {
            return Err(gates_core::cancel::cancelled(&format!(
                "stopped applying after {} of {} objects; the ones applied stay",
                out.len(),
                manifests.len()
            )));
        }
        if targets[i].is_none() {
            established(cluster, manifests, &out, deadline).await?;
            cluster.rediscover().await?;
            targets = cluster.targets(manifests)?;
        }
        let Some(target) = &targets[i] else {
            return Err(InputError::new(
                m.file.as_str(),
                format!(
                    "{}: its CustomResourceDefinition is established, yet the cluster serves no {} {}",
                    m.id(),
                    m.api_version(),
                    m.kind()
                ),
                "check that the CRD serves this version (`served: true`)",
            )
            .at(u64::from(m.line("/apiVersion")), None));
        };
        let params = settings.params();
        let object = applied(m, target);
        let api = cluster.api(target);
        let patch = Patch::Apply(&object);
        let answer = retrying(|| api.patch(m.name(), &params, &patch))
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

/// Wait until every CRD applied so far is `Established` (its kinds are served), or `deadline`.
async fn established(
    cluster: &Cluster,
    manifests: &[Manifest],
    applied: &[Applied],
    deadline: Instant,
) -> Result<(), InputError> {
    for a in applied {
        let m = &manifests[a.manifest];
        if m.kind() != "CustomResourceDefinition" {
            continue;
        }
        let target = cluster.target(m)?;
        let api = cluster.api(&target);
        loop {
            let crd = retrying(|| api.get(m.name()))
                .await
                .map_err(|e| api_error(&e, &format!("reading {}", m.id())))?;
            let crd = serde_json::to_value(crd).expect("an object serialises");
            if rollout::condition(&crd, "Established").is_some_and(|c| c["status"] == "True") {
                break;
            }
            if gates_core::cancel::requested() {
                return Err(gates_core::cancel::cancelled(&format!(
                    "stopped waiting for {} to be established",
                    m.id()
                )));
            }
            if Instant::now() >= deadline {
                return Err(InputError::new(
                    m.file.as_str(),
                    format!("{} was not established within --timeout", m.id()),
                    "see the CRD's conditions (`kubectl describe crd`): its names may clash with another's",
                )
                .at(u64::from(m.line("")), None));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// The objects waited on: the kinds with a rollout of their own (Argo Rollouts too), and any
/// other whose applied state already has conditions (a custom resource whose controller reports
/// Ready or Available). One with neither is done once applied, as kubectl sees it.
fn waited(kind: &str, answer: &Value) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Rollout"
    ) || answer["status"]["conditions"]
        .as_array()
        .is_some_and(|c| !c.is_empty())
        && kind != "CustomResourceDefinition"
}

/// What a watch told of one workload.
enum Seen {
    /// The workload itself.
    Workload(Value),
    /// One of its pods changed (or went).
    Pod(Value, bool),
    /// The pods' list restarts (after a 410 Gone, or a dropped watch).
    PodsRelisted,
    /// Nothing to act on.
    Nothing,
}

/// One waited workload's state.
struct Watched<'a> {
    applied: &'a Applied,
    object: Option<Value>,
    pods: HashMap<String, Value>,
    status: Option<Status>,
    /// An Argo Rollout's steps, as seen.
    steps: crate::argo::Seen,
}

/// Watch every applied workload, and its pods, until each is done or failed (its own status or
/// a fatal state of one of its new pods), or `deadline` passes, or the job is cancelled.
/// `progress` hears of every change of a workload's state, once. A watch that the server ends
/// (410 Gone, a timeout) lists again, as kube-rs's watcher does; one the server refuses
/// (401, 403, 404) is an error.
pub async fn wait(
    cluster: &Cluster,
    manifests: &[Manifest],
    applied: &[Applied],
    deadline: Instant,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Vec<Rollout>, InputError> {
    let start = Instant::now();
    let mut watched: Vec<Watched> = Vec::new();
    let mut streams = Vec::new();
    for a in applied
        .iter()
        .filter(|a| waited(manifests[a.manifest].kind(), &a.object))
    {
        let m = &manifests[a.manifest];
        let target = cluster.target(m)?;
        let slot = watched.len();
        let by_name = watcher::Config::default().fields(&format!("metadata.name={}", m.name()));
        streams.push(
            watcher(cluster.api(&target), by_name)
                .default_backoff()
                .map(move |e| {
                    (
                        slot,
                        e.map(|e| match e {
                            watcher::Event::Apply(o) | watcher::Event::InitApply(o) => {
                                Seen::Workload(serde_json::to_value(o).expect("an object"))
                            }
                            _ => Seen::Nothing,
                        }),
                    )
                })
                .boxed(),
        );
        if let Some(selector) = selector(&a.object) {
            let pods: Api<Pod> =
                Api::namespaced(cluster.client.clone(), namespace(cluster, &target));
            streams.push(
                watcher(pods, watcher::Config::default().labels(&selector))
                    .default_backoff()
                    .map(move |e| {
                        (
                            slot,
                            e.map(|e| match e {
                                watcher::Event::Apply(p) | watcher::Event::InitApply(p) => {
                                    Seen::Pod(serde_json::to_value(p).expect("a pod"), true)
                                }
                                watcher::Event::Delete(p) => {
                                    Seen::Pod(serde_json::to_value(p).expect("a pod"), false)
                                }
                                watcher::Event::Init => Seen::PodsRelisted,
                                watcher::Event::InitDone => Seen::Nothing,
                            }),
                        )
                    })
                    .boxed(),
            );
        }
        watched.push(Watched {
            applied: a,
            object: None,
            pods: HashMap::new(),
            status: None,
            steps: crate::argo::Seen::default(),
        });
    }
    let mut out = Vec::new();
    let mut events = stream::select_all(streams);
    let mut open = watched.len();
    while open > 0 {
        if gates_core::cancel::requested() {
            let done = out.len();
            return Err(gates_core::cancel::cancelled(&format!(
                "stopped waiting with {done} of {} rollouts ended; the objects stay as applied (`k8s-deploy rollback` returns to the last known-good set)",
                watched.len()
            )));
        }
        // Checked first: a steady stream of events must not carry the wait past its deadline.
        if Instant::now() >= deadline {
            break;
        }
        let next = tokio::time::timeout_at(deadline.min(Instant::now() + TICK), events.next());
        let (slot, seen) = match next.await {
            Ok(Some((slot, Ok(seen)))) => (slot, seen),
            Ok(Some((slot, Err(e)))) => {
                refused(&e).map_or(Ok(()), |s| {
                    let m = &manifests[watched[slot].applied.manifest];
                    Err(api_error(
                        &kube::Error::Api(Box::new(s)),
                        &format!("watching {}", m.id()),
                    ))
                })?;
                continue;
            }
            Ok(None) => break,
            Err(_) if Instant::now() >= deadline => break,
            Err(_) => continue,
        };
        let w = &mut watched[slot];
        if w.status.as_ref().is_some_and(Status::ended) {
            continue;
        }
        match seen {
            Seen::Workload(o) => {
                w.steps.note(&o);
                w.object = Some(o);
            }
            Seen::Pod(p, present) => {
                let name = p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                match present {
                    true => w.pods.insert(name, p),
                    false => w.pods.remove(&name),
                };
            }
            Seen::PodsRelisted => w.pods.clear(),
            Seen::Nothing => continue,
        }
        let m = &manifests[w.applied.manifest];
        let Some(obj) = &w.object else { continue };
        let mut status = rollout::status(m.kind(), obj, w.applied.generation);
        let mut failed_pod = None;
        if matches!(status, Status::Waiting(_)) {
            for (pod, why) in pod_failures(m.kind(), obj, &w.pods) {
                if new_revision(cluster, obj, &w.pods[&pod]).await {
                    status = Status::Failed(format!("pod {pod}: {why}"));
                    failed_pod = Some(pod);
                    break;
                }
            }
        }
        if w.status.as_ref() == Some(&status) {
            continue;
        }
        progress(m, &status);
        w.status = Some(status.clone());
        if status.ended() {
            open -= 1;
            let pod = match failed_pod {
                // What cannot be read in a few seconds is left out: the failure is known.
                Some(p) => {
                    tokio::time::timeout(Duration::from_secs(10), detail(cluster, &w.pods[&p]))
                        .await
                        .ok()
                }
                None => None,
            };
            out.push(Rollout {
                manifest: w.applied.manifest,
                status,
                seconds: start.elapsed().as_secs_f64(),
                pod,
                argo: followed(m, w),
            });
        }
    }
    for w in watched
        .iter()
        .filter(|w| !w.status.as_ref().is_some_and(Status::ended))
    {
        let why = match &w.status {
            Some(Status::Waiting(why)) => why.clone(),
            _ => "the server told nothing of it".into(),
        };
        let status = Status::Failed(format!("not done within --timeout: {why}"));
        let m = &manifests[w.applied.manifest];
        progress(m, &status);
        out.push(Rollout {
            manifest: w.applied.manifest,
            status,
            seconds: start.elapsed().as_secs_f64(),
            pod: None,
            argo: followed(m, w),
        });
    }
    out.sort_by_key(|r| r.manifest);
    Ok(out)
}

/// The record of `w` when it is an Argo Rollout seen at least once.
fn followed(m: &Manifest, w: &Watched) -> Option<crate::argo::Followed> {
    let obj = w.object.as_ref()?;
    crate::argo::is_rollout(m.api_version(), m.kind())
        .then(|| crate::argo::Followed::of(obj, w.steps.indices()))
}

/// The status of a watch error the server will answer the same way again (401, 403, 404):
/// waiting on would only reach the deadline.
fn refused(e: &watcher::Error) -> Option<kube::core::Status> {
    let status = match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.as_ref().clone(),
        watcher::Error::WatchError(s) => s.as_ref().clone(),
        _ => return None,
    };
    matches!(status.code, 401 | 403 | 404).then_some(status)
}

/// The workload's namespace (where its pods run).
fn namespace<'t>(cluster: &'t Cluster, target: &'t Target) -> &'t str {
    target
        .namespace
        .as_deref()
        .unwrap_or(&cluster.default_namespace)
}

/// The label selector of a workload's pods, from `spec.selector.matchLabels`.
fn selector(workload: &Value) -> Option<String> {
    let labels = workload["spec"]["selector"]["matchLabels"].as_object()?;
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

/// The fatal states of `workload`'s pods that may be its new revision's, by pod name: for a
/// StatefulSet or an Argo Rollout the revision label tells; for the others the pod must run the
/// template's images (it may run more: an injected sidecar), and a Deployment's candidates are
/// checked against its newest ReplicaSet ([`new_revision`]).
fn pod_failures(
    kind: &str,
    workload: &Value,
    pods: &HashMap<String, Value>,
) -> Vec<(String, String)> {
    let images = |containers: &Value| -> std::collections::BTreeSet<String> {
        containers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["image"].as_str().map(str::to_string))
            .collect()
    };
    let wanted = images(&workload["spec"]["template"]["spec"]["containers"]);
    let st = &workload["status"];
    let ours = |pod: &Value| -> bool {
        let labels = &pod["metadata"]["labels"];
        match kind {
            "StatefulSet" if st["updateRevision"].is_string() => {
                labels["controller-revision-hash"] == st["updateRevision"]
            }
            "Rollout" if st["currentPodHash"].is_string() => {
                labels["rollouts-pod-template-hash"] == st["currentPodHash"]
            }
            _ => wanted.is_subset(&images(&pod["spec"]["containers"])),
        }
    };
    let mut names: Vec<&String> = pods.keys().collect();
    names.sort();
    names
        .into_iter()
        .filter(|name| ours(&pods[*name]))
        .filter_map(|name| rollout::pod_failure(&pods[name]).map(|why| (name.clone(), why)))
        .collect()
}

/// The `pod-template-hash` of Deployment `name`'s current revision (its ReplicaSet of the
/// Deployment's revision), as Argo Rollouts' `podTemplateHashValue` gives an analysis to tell
/// the new pods' series from the old ones'. `None` when it cannot be told.
pub(crate) async fn pod_template_hash(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Option<String> {
    let deployments: Api<Deployment> = Api::namespaced(cluster.client.clone(), namespace);
    let d = serde_json::to_value(deployments.get_opt(name).await.ok()??).ok()?;
    let revision = d["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()?;
    let sets: Api<ReplicaSet> = Api::namespaced(cluster.client.clone(), namespace);
    let list = sets
        .list(&ListParams::default().labels(&selector(&d)?))
        .await
        .ok()?;
    // The selector may match another Deployment's ReplicaSets too (a canary's, which shares
    // the stable one's labels): only those this Deployment owns count.
    list.items.into_iter().find_map(|rs| {
        let owned = rs
            .metadata
            .owner_references
            .as_ref()?
            .iter()
            .any(|o| o.kind == "Deployment" && o.name == name);
        let current = owned
            && rs
                .metadata
                .annotations
                .as_ref()?
                .get("deployment.kubernetes.io/revision")
                == Some(&revision.to_string());
        let mut labels = rs.metadata.labels?;
        current
            .then(|| labels.remove("pod-template-hash"))
            .flatten()
    })
}

/// Whether `pod` belongs to `workload`'s new revision: for a Deployment, its ReplicaSet (by
/// `pod-template-hash`) carries the Deployment's revision; an old ReplicaSet's pod crash-looping
/// is not this deploy's failure. What cannot be told counts as new.
async fn new_revision(cluster: &Cluster, workload: &Value, pod: &Value) -> bool {
    if workload["kind"] != "Deployment" {
        return true;
    }
    let (Some(hash), Some(revision), Some(selector)) = (
        pod["metadata"]["labels"]["pod-template-hash"].as_str(),
        workload["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str(),
        selector(workload),
    ) else {
        return true;
    };
    let ns = workload["metadata"]["namespace"]
        .as_str()
        .unwrap_or(&cluster.default_namespace);
    let sets: Api<ReplicaSet> = Api::namespaced(cluster.client.clone(), ns);
    let Ok(list) = sets.list(&ListParams::default().labels(&selector)).await else {
        return true;
    };
    list.items
        .iter()
        .find(|rs| {
            rs.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"))
                .map(String::as_str)
                == Some(hash)
        })
        .and_then(|rs| {
            rs.metadata
                .annotations
                .as_ref()?
                .get("deployment.kubernetes.io/revision")
        })
        .is_none_or(|r| r == revision)
}

/// A failed pod's last events and its failing container's last log lines (the previous run's,
/// for a crash loop). What cannot be read is left out: the failure is already known.
async fn detail(cluster: &Cluster, pod: &Value) -> PodDetail {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or(&cluster.default_namespace);
    let events: Api<Event> = Api::namespaced(cluster.client.clone(), ns);
    let mut listed: Vec<Event> = events
        .list(&ListParams::default().fields(&format!("involvedObject.name={name}")))
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    listed.sort_by_key(|e| e.last_timestamp.clone().or(e.first_timestamp.clone()));
    let events = listed
        .iter()
        .rev()
        .take(TAIL)
        .rev()
        .map(|e| {
            format!(
                "{}: {}",
                e.reason.as_deref().unwrap_or("-"),
                e.message.as_deref().unwrap_or_default()
            )
        })
        .collect();
    let failing = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|list| pod["status"][list].as_array().into_iter().flatten())
        .find(|cs| cs["ready"] != true && cs["state"]["waiting"].is_object());
    let logs = match failing {
        Some(cs) => {
            let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), ns);
            let params = LogParams {
                container: cs["name"].as_str().map(str::to_string),
                tail_lines: Some(TAIL as i64),
                previous: cs["lastState"]["terminated"].is_object(),
                ..LogParams::default()
            };
            pods.logs(name, &params)
                .await
                .map(|text| text.lines().map(str::to_string).collect())
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    PodDetail {
        pod: name.to_string(),
        events,
        logs,
    }
}

/// What a prune did.
#[derive(Debug, Clone, Default)]
pub struct Pruned {
    /// The objects deleted.
    pub deleted: Vec<ObjectRef>,
    /// The objects kept, and why.
    pub kept: Vec<(ObjectRef, String)>,
}

/// Delete `objects` (background propagation, as kubectl does), dependents first. Kept: a
/// Namespace or a CustomResourceDefinition (deleting one deletes everything in it: that is
/// done by hand), an object `field_manager` no longer manages (another release or a person
/// took it over), one already gone, and one of a kind the server no longer serves.
pub async fn prune(
    cluster: &Cluster,
    objects: &[ObjectRef],
    field_manager: &str,
) -> Result<Pruned, InputError> {
    let mut out = Pruned::default();
    let mut order: Vec<&ObjectRef> = objects.iter().collect();
    order.sort_by_key(|o| std::cmp::Reverse(crate::order::rank(&o.kind)));
    for o in order {
        if matches!(o.kind.as_str(), "Namespace" | "CustomResourceDefinition") {
            out.kept.push((
                o.clone(),
                format!(
                    "a {} is never pruned: delete it by hand if you mean to",
                    o.kind
                ),
            ));
            continue;
        }
        let Some(target) = cluster.resolve(&o.api_version, &o.kind, o.namespace.as_deref()) else {
            out.kept
                .push((o.clone(), "the cluster no longer serves its kind".into()));
            continue;
        };
        let api: Api<DynamicObject> = cluster.api(&target);
        let live = retrying(|| api.get_opt(&o.name))
            .await
            .map_err(|e| api_error(&e, &format!("reading {}", o.id())))?;
        let Some(live) = live else { continue };
        let managed = live.metadata.managed_fields.iter().flatten().any(|m| {
            m.manager.as_deref() == Some(field_manager) && m.operation.as_deref() == Some("Apply")
        });
        if !managed {
            out.kept
                .push((o.clone(), format!("{field_manager} no longer manages it")));
            continue;
        }
        let params = DeleteParams::background();
        match retrying(|| api.delete(&o.name, &params)).await {
            Ok(_) => out.deleted.push(o.clone()),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(api_error(&e, &format!("pruning {}", o.id()))),
        }
    }
    Ok(out)
}
