//! `k8s-deploy promote` and `reject` of a release whose Argo Rollouts paused for a person: the
//! release's Rollouts come from its inventory, get the plugin's promote or abort patches
//! ([`super::patch`]), and are followed to their end as a deploy follows them.
//!
//! Promote: Healthy records the set the paused deploy applied as known-good (after the
//! `--health` checks); a Rollout that pauses again ends the run paused again; Degraded rolls
//! back to the known-good set, as a deploy does. Reject: once the controller reports the
//! abort, the known-good set is re-applied (the Rollout's previous template with it, which is
//! `kubectl argo rollouts undo`), or, on a first deploy, the Rollout stays aborted.

use gates_core::error::Origin;
use gates_core::InputError;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::Value;
use tokio::time::Instant;

use super::patch::{self, Patches};
use super::{is_rollout, waits_for_person, Followed};
use crate::cluster::{api_error, retrying, Cluster, SERVICE};
use crate::deploy::{self, Applied};
use crate::inventory::{Inventory, ObjectRef};
use crate::manifest::{self, Manifest};
use crate::release::{self, Options, Pass, Report, Rollback};
use crate::rollout::Status;

/// The release's Argo Rollouts (from its inventory's applied objects); none when it has a
/// blue-green deploy pending, which `promote` and `reject` finish instead.
pub async fn of_release(cluster: &Cluster, opts: &Options) -> Result<Vec<ObjectRef>, InputError> {
    let inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    if inventory.pending.is_some() {
        return Ok(Vec::new());
    }
    Ok(inventory
        .applied
        .into_iter()
        .filter(|o| is_rollout(&o.api_version, &o.kind))
        .collect())
}

/// Whether `r` has something for the command to act on: a pause waiting for a person
/// (promote), or an update not fully promoted (reject).
fn acts_on(r: &Value, promote: bool) -> bool {
    waits_for_person(r).is_some()
        || (!promote && r["status"]["stableRS"] != r["status"]["currentPodHash"])
}

/// Promote (`promote`) or abort the release's `rollouts` that wait, follow them, and finish
/// the release as the module says.
pub async fn resume(
    cluster: &mut Cluster,
    opts: &Options,
    rollouts: Vec<ObjectRef>,
    promote: bool,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let before = inventory.known_good.clone();
    let paused_set = inventory.argo_paused.take();
    let recorded = inventory.argo_github_deployment.take();
    let mut live = Vec::new();
    let mut resting = Vec::new();
    for o in &rollouts {
        let Some(api) = api_of(cluster, o) else {
            continue;
        };
        let got = retrying(|| api.get_opt(&o.name))
            .await
            .map_err(|e| api_error(&e, &format!("reading {}", o.id())))?;
        let Some(r) = got.map(|r| serde_json::to_value(r).expect("an object serialises")) else {
            continue;
        };
        match acts_on(&r, promote) {
            true => live.push((o, api, r)),
            false => resting.push(format!(
                "{} is {}",
                o.id(),
                r["status"]["phase"].as_str().unwrap_or("without a phase")
            )),
        }
    }
    let command = if promote { "promote" } else { "reject" };
    if live.is_empty() {
        return Err(InputError::new(
            Origin::api(SERVICE),
            format!(
                "release {} in namespace {} has no Argo Rollout {}{}",
                opts.release,
                opts.namespace,
                if promote { "paused for a person" } else { "with an update to abort" },
                match resting.is_empty() {
                    true => String::new(),
                    false => format!(": {}", resting.join(", ")),
                }
            ),
            format!("`{command}` follows a deploy whose Rollout paused (a `pause: {{}}` step, `autoPromotionEnabled: false`); check --release and --namespace"),
        ));
    }
    let mut sent = Vec::new();
    let mut objects = Vec::new();
    for (o, api, r) in &live {
        let patches = if promote {
            patch::promote(r)
        } else {
            patch::abort()
        };
        let (answer, lines) = send(api, o, &patches).await?;
        sent.push(lines);
        objects.push(answer.unwrap_or_else(|| r.clone()));
    }
    let manifests = manifest::rendered("(the release's Argo Rollouts)", &objects)?;
    let applied: Vec<Applied> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| Applied {
            manifest: i,
            generation: o["metadata"]["generation"].as_i64(),
            object: o.clone(),
        })
        .collect();
    let deadline = Instant::now() + opts.timeout;
    let wait = deploy::wait(cluster, &manifests, &applied, deadline, progress);
    let waited = release::grouped(opts.group_progress, wait).await?;
    let argo: Vec<Followed> = waited
        .iter()
        .filter_map(|r| {
            let mut f = r.argo.clone()?;
            f.sent = sent.get(r.manifest).cloned().unwrap_or_default();
            Some(f)
        })
        .collect();
    let mut deployed = Pass {
        manifests,
        applied,
        rollouts: waited,
        argo,
        ..Pass::default()
    };
    if promote {
        let paused = Paused {
            set: paused_set,
            recorded,
        };
        promoted(
            cluster, opts, inventory, paused, before, deployed, deadline, progress,
        )
        .await
    } else {
        // Aborted is what was asked: only a Rollout that did not get there is a failure.
        let aborted = |r: &deploy::Rollout| {
            r.argo
                .as_ref()
                .is_some_and(|a| a.aborted && a.phase == "Degraded")
        };
        deployed.rollouts.retain(|r| !aborted(r));
        let failure = deployed.rollouts.first().map(|r| {
            let why = match &r.status {
                Status::Done => "it went Healthy before the abort".to_string(),
                Status::Waiting(w) | Status::Failed(w) | Status::Paused(w) => w.clone(),
            };
            format!(
                "{}: not aborted: {why}",
                deployed.manifests[r.manifest].id()
            )
        });
        let rollback = match before {
            Some(good) => release::roll_back(cluster, good, opts, &mut inventory, progress).await?,
            None => {
                release::save(cluster, opts, &inventory).await?;
                Rollback::NoKnownGood
            }
        };
        let failure = failure.or_else(|| match &rollback {
            Rollback::Done { pass, .. } => pass.failure(),
            _ => None,
        });
        Ok(report(deployed, Vec::new(), failure, rollback, recorded))
    }
}

/// What the paused deploy left in the inventory.
struct Paused {
    /// The set it applied.
    set: Option<crate::inventory::KnownGood>,
    /// Its GitHub deployment.
    recorded: Option<crate::github_deployment::Recorded>,
}

/// After the promote: verify and record, pause again, or roll back.
#[allow(clippy::too_many_arguments)]
async fn promoted(
    cluster: &mut Cluster,
    opts: &Options,
    mut inventory: Inventory,
    paused_before: Paused,
    before: Option<crate::inventory::KnownGood>,
    deployed: Pass,
    deadline: Instant,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let mut failure = deployed.failure();
    let paused = deployed.paused();
    let mut health = Vec::new();
    if failure.is_none() && !paused {
        (health, failure) = release::check_health(opts, deadline).await?;
    }
    let mut recorded = paused_before.recorded;
    let rollback = match (&failure, before) {
        (None, _) => {
            match paused {
                // Paused again: the record waits for the next promote.
                true => {
                    inventory.argo_paused = paused_before.set;
                    inventory.argo_github_deployment = recorded.take();
                }
                // The set the paused deploy applied is out and verified.
                false => {
                    if let Some(set) = paused_before.set {
                        inventory.known_good = Some(release::known_good(set.objects, opts));
                    }
                }
            }
            release::save(cluster, opts, &inventory).await?;
            Rollback::NotNeeded
        }
        (Some(_), None) => {
            release::save(cluster, opts, &inventory).await?;
            Rollback::NoKnownGood
        }
        (Some(_), Some(good)) => {
            release::roll_back(cluster, good, opts, &mut inventory, progress).await?
        }
    };
    Ok(report(deployed, health, failure, rollback, recorded))
}

fn report(
    deployed: Pass,
    health: Vec<crate::health::Checked>,
    failure: Option<String>,
    rollback: Rollback,
    github_deployment: Option<crate::github_deployment::Recorded>,
) -> Report {
    Report {
        deployed,
        health,
        failure,
        rollback,
        blue_green: None,
        canary: None,
        analysis: Vec::new(),
        github_deployment,
    }
}

/// The API of Rollout `o`, when the cluster still serves the kind.
fn api_of(cluster: &Cluster, o: &ObjectRef) -> Option<Api<DynamicObject>> {
    let target = cluster.resolve(&o.api_version, &o.kind, o.namespace.as_deref())?;
    Some(cluster.api(&target))
}

/// Send `patches` to `o` as the plugin does: the status part to the `status` subresource
/// first, the unified patch to the Rollout instead when the server has none (404), then the
/// spec part. The last answer, and each patch sent as `status: <body>` or `rollout: <body>`.
async fn send(
    api: &Api<DynamicObject>,
    o: &ObjectRef,
    patches: &Patches,
) -> Result<(Option<Value>, Vec<String>), InputError> {
    let params = PatchParams::default();
    let mut spec = patches.spec.clone();
    let mut answer = None;
    let mut lines = Vec::new();
    let failed = |e: &kube::Error| api_error(e, &format!("patching {}", o.id()));
    if let Some(status) = &patches.status {
        match api
            .patch_status(&o.name, &params, &Patch::Merge(status))
            .await
        {
            Ok(a) => {
                lines.push(format!("status: {status}"));
                answer = Some(a);
            }
            Err(kube::Error::Api(s)) if s.code == 404 => spec = Some(patches.unified.clone()),
            Err(e) => return Err(failed(&e)),
        }
    }
    if let Some(spec) = &spec {
        let a = api
            .patch(&o.name, &params, &Patch::Merge(spec))
            .await
            .map_err(|e| failed(&e))?;
        lines.push(format!("rollout: {spec}"));
        answer = Some(a);
    }
    let answer = answer.map(|a| serde_json::to_value(a).expect("an object serialises"));
    Ok((answer, lines))
}
