//! A release's deploy and rollback, as one honest step: apply, wait, check health; then either
//! record the set as known-good (and prune what it dropped), or re-apply the last known-good
//! set and wait for it. The inventory ([`crate::inventory`]) holds both what was applied and
//! what was good; it is written after the apply, so a run that dies halfway still knows what
//! it applied.

use std::time::Duration;

use gates_core::error::Origin;
use gates_core::InputError;
use tokio::time::Instant;

use crate::analysis;
use crate::cluster::Cluster;
use crate::deploy::{self, Applied, Rollout};
use crate::health::{self, Checked, Expect};
use crate::inventory::{Inventory, KnownGood, ObjectRef};
use crate::manifest::{self, Manifest};
use crate::plan::ApplySettings;
use crate::rollout::Status;

/// How a release is deployed.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the inventory (and the lock) live.
    pub namespace: String,
    /// The release's name (its inventory is `k8s-deploy.<release>`).
    pub release: String,
    /// Field manager and force.
    pub settings: ApplySettings,
    /// One deadline for the rollouts and health checks (the rollback gets its own).
    pub timeout: Duration,
    /// Delete the objects of the inventory that the set no longer holds.
    pub prune: bool,
    /// Health check URLs, asked after every rollout is done.
    pub health: Vec<String>,
    /// What the checks expect.
    pub expect: Expect,
    /// Who deploys (the run's URL), recorded with the known-good set.
    pub by: String,
    /// Fold the progress lines into a group of the job's log (inside Actions).
    pub group_progress: bool,
    /// The metric analysis (`--analysis`), run after the checks.
    pub analysis: Option<std::sync::Arc<AnalysisSpec>>,
    /// The GitHub deployment the deploy is recorded as: a pause keeps it for `promote` and
    /// `reject`.
    pub github_deployment: Option<crate::github_deployment::Recorded>,
}

/// The analysis a deploy runs (`--analysis`), with the args the user gave.
#[derive(Debug, Clone)]
pub struct AnalysisSpec {
    /// The template.
    pub template: analysis::Template,
    /// Its args (`--analysis-arg`), Prometheus address and credentials.
    pub settings: analysis::Settings,
}

impl AnalysisSpec {
    /// The settings with `fill` added where the template declares the arg. What a strategy
    /// measures (the canary's or the preview's Service, the slot, the weight, the hashes) is
    /// the deploy's to say, over an `--analysis-arg` of the same name: a `service` given for
    /// the release would otherwise turn every canary step to the stable pods. The namespace
    /// stays the user's to override.
    fn settings(&self, fill: &[(&str, String)]) -> analysis::Settings {
        let mut s = self.settings.clone();
        for (name, value) in fill {
            if self.template.arg_names().any(|a| a == *name) {
                let arg = s.args.entry((*name).to_string());
                if *name == "namespace" {
                    arg.or_insert_with(|| value.clone());
                } else {
                    *arg.or_default() = value.clone();
                }
            }
        }
        s
    }

    /// The baseline, measured before the deploy, and its measurements as a run to show.
    pub async fn baseline(
        &self,
        fill: &[(&str, String)],
    ) -> Result<(analysis::Baseline, Option<analysis::Run>), InputError> {
        let baseline = analysis::baseline(&self.template, &self.settings(fill)).await?;
        // Shown as what it got: a baseline without data is no success (the conditions that
        // use it are inconclusive then).
        let short = baseline
            .measurements
            .iter()
            .find(|m| m.verdict == analysis::Verdict::Error)
            .or_else(|| {
                baseline
                    .measurements
                    .iter()
                    .find(|m| m.verdict != analysis::Verdict::Successful)
            });
        let shown = (!baseline.measurements.is_empty()).then(|| analysis::Run {
            phase: "baseline".into(),
            verdict: short.map_or(analysis::Verdict::Successful, |m| m.verdict),
            reason: short.map(|m| format!("metric {}: {}", m.metric, m.value)),
            measurements: baseline.measurements.clone(),
        });
        Ok((baseline, shown))
    }

    /// The analysis of `phase`, under a deadline of `timeout` from now.
    pub async fn run(
        &self,
        baseline: &analysis::Baseline,
        phase: &str,
        fill: &[(&str, String)],
        timeout: Duration,
    ) -> Result<analysis::Run, InputError> {
        let deadline = Instant::now() + timeout;
        analysis::run(
            &self.template,
            &self.settings(fill),
            baseline,
            phase,
            deadline,
        )
        .await
    }
}

/// Why an analysis run stops the deploy, if it does.
pub fn analysis_failure(run: &analysis::Run) -> Option<String> {
    (!run.passed()).then(|| {
        format!(
            "{} analysis {}: {}",
            run.phase,
            run.verdict,
            run.reason.as_deref().unwrap_or("no reason given")
        )
    })
}

/// A set applied and waited for.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    /// The set's objects.
    pub manifests: Vec<Manifest>,
    /// Each object as applied.
    pub applied: Vec<Applied>,
    /// Each workload's rollout.
    pub rollouts: Vec<Rollout>,
    /// The objects pruned after it.
    pub pruned: Vec<ObjectRef>,
    /// The objects a prune kept, and why.
    pub kept: Vec<(ObjectRef, String)>,
    /// Its Argo Rollouts as last seen (their controller's phase, steps and message).
    pub argo: Vec<crate::argo::Followed>,
}

impl Pass {
    /// `other` appended to this pass (a deploy made of several, a canary's steps).
    pub fn absorb(&mut self, other: Pass) {
        let offset = self.manifests.len();
        self.manifests.extend(other.manifests);
        self.applied.extend(other.applied.into_iter().map(|mut a| {
            a.manifest += offset;
            a
        }));
        self.rollouts
            .extend(other.rollouts.into_iter().map(|mut r| {
                r.manifest += offset;
                r
            }));
        self.pruned.extend(other.pruned);
        self.kept.extend(other.kept);
    }

    /// The first failed rollout, as a reason.
    pub fn failure(&self) -> Option<String> {
        self.rollouts.iter().find_map(|r| match &r.status {
            Status::Failed(why) => Some(format!("{}: {why}", self.manifests[r.manifest].id())),
            _ => None,
        })
    }

    /// Whether a rollout stopped to wait for a person (an Argo Rollout's pause).
    pub fn paused(&self) -> bool {
        self.rollouts
            .iter()
            .any(|r| matches!(r.status, Status::Paused(_)))
    }
}

/// What became of the release after a failed deploy.
#[derive(Debug, Clone)]
pub enum Rollback {
    /// Nothing failed.
    NotNeeded,
    /// No set had deployed well before: the objects stay as applied.
    NoKnownGood,
    /// The known-good set (of `at`, by `by`) was re-applied and waited for.
    Done {
        /// When that set was recorded.
        at: String,
        /// Who had deployed it.
        by: String,
        /// Its apply and rollouts.
        pass: Pass,
    },
}

/// A deploy's whole story.
#[derive(Debug, Clone)]
pub struct Report {
    /// The new set's apply, rollouts and prune.
    pub deployed: Pass,
    /// The health checks (none when a rollout failed).
    pub health: Vec<Checked>,
    /// Why the deploy failed, if it did.
    pub failure: Option<String>,
    /// What was done about it.
    pub rollback: Rollback,
    /// The slots of a blue-green deploy.
    pub blue_green: Option<crate::blue_green::SlotReport>,
    /// The steps of a canary deploy.
    pub canary: Option<crate::canary::CanaryReport>,
    /// The analysis runs (the baseline first), in order.
    pub analysis: Vec<analysis::Run>,
    /// The GitHub deployment the deploy this report finishes was recorded as: what `promote`
    /// or `reject` of a pause finishes with it.
    pub github_deployment: Option<crate::github_deployment::Recorded>,
}

impl Report {
    /// Whether the deploy stopped for a person: a blue-green one before its switch, or an Argo
    /// Rollout at a pause.
    pub fn paused(&self) -> bool {
        self.blue_green.as_ref().is_some_and(|b| b.paused) || self.deployed.paused()
    }
}

/// Apply `manifests` and wait (see [`deploy::apply`] and [`deploy::wait`]) under a deadline of
/// `timeout` from now; then prune `prune` when every rollout is done.
pub(crate) async fn pass(
    cluster: &mut Cluster,
    manifests: Vec<Manifest>,
    opts: &Options,
    inventory: &mut Inventory,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<(Pass, Instant), InputError> {
    let deadline = Instant::now() + opts.timeout;
    // Recorded before applying: a run that stops halfway still knows what it may have applied.
    inventory.record_applied(wanted(cluster, &manifests));
    save(cluster, opts, inventory).await?;
    let applied = deploy::apply(cluster, &manifests, &opts.settings, deadline).await?;
    let wait = deploy::wait(cluster, &manifests, &applied, deadline, progress);
    let rollouts = grouped(opts.group_progress, wait).await?;
    let argo = rollouts.iter().filter_map(|r| r.argo.clone()).collect();
    Ok((
        Pass {
            manifests,
            applied,
            rollouts,
            pruned: Vec::new(),
            kept: Vec::new(),
            argo,
        },
        deadline,
    ))
}

/// `wait`, its progress lines folded into one group of the job's log.
pub(crate) async fn grouped<T>(in_actions: bool, wait: impl std::future::Future<Output = T>) -> T {
    let mut log = gates_core::commands::Commands::new(std::io::stderr());
    // The log is the runner's: a line that cannot be written there is no reason to stop.
    if in_actions {
        let _ = log.group("k8s-deploy: rollouts");
    }
    let out = wait.await;
    if in_actions {
        let _ = log.end_group();
    }
    out
}

/// Prune from `inventory` what `pass` no longer holds, when asked to.
pub(crate) async fn prune(
    cluster: &Cluster,
    pass: &mut Pass,
    opts: &Options,
    inventory: &mut Inventory,
) -> Result<(), InputError> {
    if !opts.prune {
        return Ok(());
    }
    let wanted: Vec<ObjectRef> = pass
        .applied
        .iter()
        .map(|a| ObjectRef::of(&a.object))
        .collect();
    let gone = inventory.gone_from(&wanted);
    let pruned = deploy::prune(cluster, &gone, &opts.settings.field_manager).await?;
    // Deleted or kept, they are the release's no more.
    inventory
        .applied
        .retain(|a| !gone.iter().any(|g| g.same_object(a)));
    pass.pruned = pruned.deleted;
    pass.kept = pruned.kept;
    Ok(())
}

/// Deploy `manifests` as release `opts.release`: apply, wait, check health; on success record
/// the set as known-good and prune; on failure roll back to the last known-good set.
pub async fn deploy(
    cluster: &mut Cluster,
    manifests: Vec<Manifest>,
    opts: &Options,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let before = inventory.known_good.clone();
    // A deploy replaces one whose Argo Rollouts paused before it: that set is never promoted.
    inventory.argo_paused = None;
    inventory.argo_github_deployment = None;
    // Refused before anything is applied: a set too large to record could never roll back.
    let mut candidate = inventory.clone();
    candidate.known_good = Some(known_good(
        manifests.iter().map(|m| m.value.clone()).collect(),
        opts,
    ));
    candidate.encode(&opts.release)?;
    let fill = [("namespace", opts.namespace.clone())];
    let mut runs = Vec::new();
    let baseline = match &opts.analysis {
        Some(a) => {
            let (baseline, shown) = a.baseline(&fill).await?;
            runs.extend(shown);
            Some(baseline)
        }
        None => None,
    };
    let (mut deployed, deadline) = pass(cluster, manifests, opts, &mut inventory, progress).await?;
    let mut health = Vec::new();
    let mut failure = deployed.failure();
    // A Rollout paused for a person is not out yet: its checks wait for `promote`.
    let paused = deployed.paused();
    if failure.is_none() && !paused {
        (health, failure) = check_health(opts, deadline).await?;
    }
    if let (None, false, Some(a), Some(baseline)) = (&failure, paused, &opts.analysis, &baseline) {
        let run = a.run(baseline, "post-deploy", &fill, opts.timeout).await?;
        failure = analysis_failure(&run);
        runs.push(run);
    }
    let rollback = match (&failure, before) {
        (None, _) if paused => {
            // Known-good once `promote` sees the Rollouts through; nothing pruned before.
            inventory.argo_paused = Some(known_good(applied_set(&deployed), opts));
            inventory.argo_github_deployment = opts.github_deployment.clone();
            save(cluster, opts, &inventory).await?;
            Rollback::NotNeeded
        }
        (None, _) => {
            // Known-good first: a prune that fails must not lose the record of a good deploy.
            inventory.known_good = Some(known_good(applied_set(&deployed), opts));
            save(cluster, opts, &inventory).await?;
            prune(cluster, &mut deployed, opts, &mut inventory).await?;
            save(cluster, opts, &inventory).await?;
            Rollback::NotNeeded
        }
        (Some(_), None) => Rollback::NoKnownGood,
        (Some(_), Some(good)) => roll_back(cluster, good, opts, &mut inventory, progress).await?,
    };
    Ok(Report {
        deployed,
        health,
        failure,
        rollback,
        blue_green: None,
        canary: None,
        analysis: runs,
        github_deployment: None,
    })
}

/// The `--health` checks, under `deadline`, and the first failure as a reason.
pub(crate) async fn check_health(
    opts: &Options,
    deadline: Instant,
) -> Result<(Vec<Checked>, Option<String>), InputError> {
    check_urls("health check", &opts.health, opts, deadline).await
}

/// GET each of `urls` as the health checks are (`what` names them in the failure), until
/// `deadline`: the checks and the first failure, if any.
pub(crate) async fn check_urls(
    what: &str,
    urls: &[String],
    opts: &Options,
    deadline: Instant,
) -> Result<(Vec<Checked>, Option<String>), InputError> {
    if urls.is_empty() {
        return Ok((Vec::new(), None));
    }
    let checked = health::check(urls, &opts.expect, deadline).await?;
    let failure = checked
        .iter()
        .find(|c| !c.ok)
        .map(|c| format!("{what} {} failed: {}", c.url, c.answer));
    Ok((checked, failure))
}

/// The objects of `pass` as applied (what a known-good set or a pause records).
pub(crate) fn applied_set(pass: &Pass) -> Vec<serde_json::Value> {
    pass.applied
        .iter()
        .map(|a| as_applied(&pass.manifests[a.manifest], a))
        .collect()
}

/// Roll release `opts.release` back to its last known-good set on demand; an error when it has
/// none.
pub async fn rollback(
    cluster: &mut Cluster,
    opts: &Options,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Rollback, InputError> {
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let Some(good) = inventory.known_good.clone() else {
        return Err(InputError::new(
            Origin::api(crate::cluster::SERVICE),
            format!(
                "release {} in namespace {} has no known-good set: no deploy of it has succeeded yet (or none was recorded), so there is nothing to roll back to",
                opts.release, opts.namespace
            ),
            "check --release and --namespace; the objects are left as they are",
        ));
    };
    roll_back(cluster, good, opts, &mut inventory, progress).await
}

/// Re-apply `good`, wait for it under a deadline of its own, and prune (when asked) what the
/// failed set added.
pub(crate) async fn roll_back(
    cluster: &mut Cluster,
    good: KnownGood,
    opts: &Options,
    inventory: &mut Inventory,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Rollback, InputError> {
    let file = format!("(known-good set of release {})", opts.release);
    let manifests = manifest::rendered(&file, &good.objects)?;
    let (mut pass, _) = pass(cluster, manifests, opts, inventory, progress).await?;
    if pass.failure().is_none() {
        prune(cluster, &mut pass, opts, inventory).await?;
    }
    save(cluster, opts, inventory).await?;
    Ok(Rollback::Done {
        at: good.at,
        by: good.by,
        pass,
    })
}

/// Write `inventory` (with the deploy's field manager).
pub(crate) async fn save(
    cluster: &Cluster,
    opts: &Options,
    inventory: &Inventory,
) -> Result<(), InputError> {
    inventory
        .write(
            cluster,
            &opts.namespace,
            &opts.release,
            &opts.settings.field_manager,
        )
        .await
}

/// The identities of `manifests` as applied: a namespaced object that names no namespace goes
/// to the context's.
pub fn wanted(cluster: &Cluster, manifests: &[Manifest]) -> Vec<ObjectRef> {
    manifests
        .iter()
        .map(|m| {
            let mut r = ObjectRef::of(&m.value);
            if r.namespace.is_none() {
                r.namespace = cluster
                    .resolve(m.api_version(), m.kind(), None)
                    .and_then(|t| t.namespace);
            }
            r
        })
        .collect()
}

/// A known-good record of `objects`, now, by `opts.by`.
pub(crate) fn known_good(objects: Vec<serde_json::Value>, opts: &Options) -> KnownGood {
    KnownGood {
        at: jiff::Timestamp::now().to_string(),
        by: opts.by.clone(),
        objects,
    }
}

/// The object as it was sent (the manifest, its namespace as the server placed it), not the
/// server's answer: what a rollback re-applies must not claim the server's defaults.
pub(crate) fn as_applied(m: &Manifest, a: &Applied) -> serde_json::Value {
    let mut v = m.value.clone();
    if let (Some(ns), Some(meta)) = (
        a.object["metadata"]["namespace"].as_str(),
        v.get_mut("metadata")
            .and_then(serde_json::Value::as_object_mut),
    ) {
        meta.entry("namespace")
            .or_insert_with(|| serde_json::Value::String(ns.to_string()));
    }
    v
}
