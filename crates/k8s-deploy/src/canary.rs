//! A canary deploy without a controller: beside the stable track, a canary of each routed
//! Deployment takes the configured steps of the traffic (20, 40, 60, 80 % by default), its
//! replica count following the weight; at each step, after `--pause`, the health checks and
//! the analysis decide. Every step passed, the stable track takes the new version, the weight
//! goes back to 0 and the canary is scaled to zero. A failed step sets the weight to 0,
//! scales the canary down and re-applies the last known-good set (the stable track was never
//! touched, so that changes nothing of it).
//!
//! The first canary deploy of a release has no stable track to compare against (no pod is
//! labelled with its track yet): it rolls out as usual, labelling the pods, and the next deploy
//! runs the canary.

use std::time::Duration;

use gates_core::error::Origin;
use gates_core::InputError;
use serde_json::Value;
use tokio::time::Instant;

use crate::canary_plan::{self, replicas_for, CanaryPlan, TRACK_LABEL};
use crate::cluster::{api_error, retrying, Cluster};
use crate::deploy;
use crate::health;
use crate::inventory::{Inventory, KnownGood, ObjectRef};
use crate::manifest::Manifest;
use crate::release::{self, Options, Pass, Report, Rollback};
use crate::rollout::Status;
use crate::shift::{self, Checks};

/// How a canary deploy runs.
#[derive(Debug, Clone)]
pub struct Canary {
    /// The canary's share of the traffic at each step, in percent, increasing.
    pub steps: Vec<u32>,
    /// How long each step runs before its checks.
    pub pause: Duration,
}

/// What a canary deploy did (the result file's `metrics.canary`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct CanaryReport {
    /// What split the traffic.
    pub router: String,
    /// The configured weights, in percent.
    pub weights: Vec<u32>,
    /// The last step reached (1 for the first; 0 when none ran).
    pub step: u32,
    /// Its weight, in percent.
    pub weight: u32,
    /// Whether this was the release's first canary deploy, rolled out as usual (there was no
    /// stable track to compare against).
    pub established: bool,
    /// Whether every step passed and the stable track took the new version.
    pub promoted: bool,
    /// Whether a failed step (or promotion) stopped the canary.
    pub aborted: bool,
    /// The canary Deployments, by name.
    pub canaries: Vec<String>,
    /// The workloads scaled to zero (the canaries).
    pub scaled_down: Vec<String>,
    /// What happened, in order, one line each.
    pub steps: Vec<String>,
}

fn step(report: &mut CanaryReport, line: String) {
    shift::step("canary", &mut report.steps, line);
}

/// How the release's stable Deployments run now.
enum Track {
    /// Labelled with their track, with these replicas each (in the order of
    /// [`CanaryPlan::stable`]).
    Runs(Vec<i64>),
    /// All there, but not labelled yet (deployed rolling until now): the live objects, and
    /// their replicas.
    Unlabelled(Vec<Value>, Vec<i64>),
    /// One of them does not run yet: the release's first deploy.
    Absent,
}

/// How each stable Deployment of `plan` runs now.
async fn stable_track(cluster: &Cluster, plan: &CanaryPlan) -> Result<Track, InputError> {
    let mut replicas = Vec::with_capacity(plan.stable.len());
    let mut objects = Vec::with_capacity(plan.stable.len());
    for m in &plan.stable {
        let target = cluster.target(m)?;
        let api = cluster.api(&target);
        let live = retrying(|| api.get_opt(m.name()))
            .await
            .map_err(|e| api_error(&e, &format!("reading {}", m.id())))?;
        let Some(live) = live else {
            return Ok(Track::Absent);
        };
        let live = serde_json::to_value(live).expect("an object serialises");
        replicas.push(live["spec"]["replicas"].as_i64().unwrap_or(1));
        objects.push(live);
    }
    let labelled = objects
        .iter()
        .all(|o| o["spec"]["template"]["metadata"]["labels"][TRACK_LABEL] == "stable");
    Ok(match labelled {
        true => Track::Runs(replicas),
        false => Track::Unlabelled(objects, replicas),
    })
}

/// Label the stable Deployments' pods of a release that runs without tracks (deployed
/// rolling until now), each Deployment re-applied as it runs: a restart of the same version,
/// nothing of the new one. The known-good set keeps its objects, their pods labelled too. The
/// stable replicas once done, or the failed pass's report (rolled back).
async fn relabel(
    cluster: &mut Cluster,
    plan: &CanaryPlan,
    live: &[Value],
    opts: &Options,
    report: &mut CanaryReport,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Result<Vec<i64>, Report>, InputError> {
    step(
        report,
        format!(
            "{} runs without tracks: its running version labelled {TRACK_LABEL}=stable first",
            plan.workloads().join(", ")
        ),
    );
    let set = plan.relabelled(live);
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let before = inventory.known_good.clone();
    let (pass, _) = release::pass(cluster, set.clone(), opts, &mut inventory, progress).await?;
    if let Some(why) = pass.failure() {
        step(
            report,
            format!("labelling failed ({why}): the new version was not deployed"),
        );
        let rollback = match before {
            Some(good) => release::roll_back(cluster, good, opts, &mut inventory, progress).await?,
            None => {
                release::save(cluster, opts, &inventory).await?;
                Rollback::NoKnownGood
            }
        };
        return Ok(Err(Report {
            deployed: pass,
            health: Vec::new(),
            failure: Some(why),
            rollback,
            blue_green: None,
            canary: None,
            analysis: Vec::new(),
            github_deployment: None,
        }));
    }
    if let Some(good) = &mut inventory.known_good {
        for o in &mut good.objects {
            let r = ObjectRef::of(o);
            if set.iter().any(|m| ObjectRef::of(&m.value).same_object(&r)) {
                crate::slots::set_label(o, "/spec/template/metadata/labels", TRACK_LABEL, "stable");
            }
        }
    }
    release::save(cluster, opts, &inventory).await?;
    match stable_track(cluster, plan).await? {
        Track::Runs(stable) => Ok(Ok(stable)),
        _ => Err(InputError::new(
            Origin::api(crate::cluster::SERVICE),
            format!(
                "{} still runs without the {TRACK_LABEL} label after it was applied",
                plan.workloads().join(", ")
            ),
            "check for a webhook or another controller that rewrites the Deployments' pod labels",
        )),
    }
}

/// The objects the canary steps through: to show in a plan, the first step's (or, before
/// the release has tracks, the set that labels them).
pub async fn planned(
    cluster: &Cluster,
    manifests: &[Manifest],
    canary: &Canary,
) -> Result<Vec<Manifest>, InputError> {
    let plan = canary_plan::plan(manifests)?;
    let first_step = |stable: &[i64]| {
        let w = canary.steps.first().copied().unwrap_or(0);
        let replicas: Vec<i64> = stable.iter().map(|&s| replicas_for(s, w)).collect();
        let mut set = plan.first();
        set.extend(plan.canaries_at(&replicas));
        set.extend(plan.routes_at(w));
        set
    };
    Ok(match stable_track(cluster, &plan).await? {
        Track::Absent => plan.established(),
        Track::Unlabelled(live, stable) => [plan.relabelled(&live), first_step(&stable)].concat(),
        Track::Runs(stable) => first_step(&stable),
    })
}

/// Deploy `manifests` as a canary of release `opts.release`.
pub async fn deploy(
    cluster: &mut Cluster,
    manifests: &[Manifest],
    opts: &Options,
    canary: &Canary,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let plan = canary_plan::plan(manifests)?;
    let mut report = CanaryReport {
        router: plan.router.name().into(),
        weights: canary.steps.clone(),
        step: 0,
        weight: 0,
        established: false,
        promoted: false,
        aborted: false,
        canaries: plan.canaries.iter().map(|m| m.name().to_string()).collect(),
        scaled_down: Vec::new(),
        steps: Vec::new(),
    };
    let track = stable_track(cluster, &plan).await?;
    if let Track::Absent = track {
        report.established = true;
        step(
            &mut report,
            format!(
                "no stable track of {} runs yet: rolled out as usual, its pods labelled {TRACK_LABEL}=stable; the next deploy runs the canary",
                plan.workloads().join(", ")
            ),
        );
        let mut out = release::deploy(cluster, plan.established(), opts, progress).await?;
        out.canary = Some(report);
        return Ok(out);
    }
    // Before anything changes, through the Services and pods that serve now.
    let services: Vec<String> = plan.services.iter().map(|m| m.name().to_string()).collect();
    let measured = shift::measured(opts, &services)?;
    let baseline_args = [
        fill(&services, measured, None),
        hashes(cluster, &plan, opts, false).await,
    ]
    .concat();
    let mut checks = Checks::new(opts, &baseline_args).await?;
    let stable = match track {
        Track::Runs(stable) => stable,
        Track::Absent => unreachable!("handled above"),
        Track::Unlabelled(live, _) => {
            match relabel(cluster, &plan, &live, opts, &mut report, progress).await? {
                Ok(stable) => stable,
                Err(mut failed) => {
                    failed.analysis = checks.runs;
                    failed.canary = Some(report);
                    return Ok(failed);
                }
            }
        }
    };
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let before = inventory.known_good.clone();
    let zeros = vec![0; plan.canaries.len()];
    let final_set: Vec<Manifest> = plan
        .first()
        .into_iter()
        .chain(plan.stable.iter().cloned())
        .chain(plan.canaries_at(&zeros))
        .chain(plan.routes_at(0))
        .collect();
    // Refused before anything is applied: a set too large to record could never roll back.
    let mut candidate = inventory.clone();
    candidate.known_good = Some(release::known_good(
        final_set.iter().map(|m| m.value.clone()).collect(),
        opts,
    ));
    candidate.encode(&opts.release)?;
    if inventory.pending.take().is_some() {
        step(
            &mut report,
            "replaces a blue-green deploy paused before its switch (never promoted)".into(),
        );
    }
    inventory.record_applied(release::wanted(cluster, &final_set));
    let mut run = Run {
        plan: &plan,
        opts,
        before,
        inventory,
        deployed: Pass::default(),
        health: Vec::new(),
        report,
    };
    let canaries: Vec<String> = plan
        .canary_services
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    for (i, &weight) in canary.steps.iter().enumerate() {
        let replicas: Vec<i64> = stable.iter().map(|&s| replicas_for(s, weight)).collect();
        let mut set = if i == 0 { plan.first() } else { Vec::new() };
        set.extend(plan.canaries_at(&replicas));
        run.report.step = i as u32 + 1;
        run.report.weight = weight;
        let at = format!("step {}/{} ({weight}%)", i + 1, canary.steps.len());
        let why = match run.step(cluster, set, weight, progress).await? {
            Some(why) => Some(why),
            None => {
                step(
                    &mut run.report,
                    format!(
                        "{at}: {weight}% of the traffic to {} ({})",
                        canaries.join(", "),
                        plan.canaries
                            .iter()
                            .zip(&replicas)
                            .map(|(m, r)| format!("{} at {r} replica(s)", m.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                shift::pause(
                    canary.pause,
                    &format!(
                        "stopped at canary {at}: the canary still takes {weight}% of the traffic; deploy again, or run `k8s-deploy rollback`"
                    ),
                )
                .await?;
                match run.health(opts.timeout).await? {
                    Some(why) => Some(why),
                    None => {
                        let args = [
                            fill(&canaries, measured, Some(weight)),
                            hashes(cluster, &plan, opts, true).await,
                        ]
                        .concat();
                        checks.analyse(&format!("canary {at}"), &args, opts).await?
                    }
                }
            }
        };
        if let Some(why) = why {
            step(&mut run.report, format!("{at} failed: {why}"));
            let failure = format!("canary {at}: {why}");
            return run.abort(cluster, failure, checks.runs, progress).await;
        }
    }
    step(
        &mut run.report,
        format!(
            "every step passed: {} take(s) the new version",
            plan.workloads().join(", ")
        ),
    );
    let mut why = run.step(cluster, plan.stable.clone(), 0, progress).await?;
    if why.is_none() {
        why = run.health(opts.timeout).await?;
    }
    if let Some(why) = why {
        step(&mut run.report, format!("the promotion failed: {why}"));
        let failure = format!("canary promotion: {why}");
        return run.abort(cluster, failure, checks.runs, progress).await;
    }
    run.report.promoted = true;
    step(
        &mut run.report,
        "the stable track runs the new version: 0% to the canary".into(),
    );
    let scaled = run.scale_down(cluster).await?;
    let mut good = last_of_each(release::applied_set(&run.deployed));
    for s in scaled {
        let r = ObjectRef::of(&s);
        good.retain(|g| !ObjectRef::of(g).same_object(&r));
        good.push(s);
    }
    run.inventory.record_applied(good.iter().map(ObjectRef::of));
    run.inventory.known_good = Some(release::known_good(good, opts));
    release::save(cluster, opts, &run.inventory).await?;
    release::prune(cluster, &mut run.deployed, opts, &mut run.inventory).await?;
    release::save(cluster, opts, &run.inventory).await?;
    Ok(Report {
        deployed: run.deployed,
        health: run.health,
        failure: None,
        rollback: Rollback::NotNeeded,
        blue_green: None,
        canary: Some(run.report),
        analysis: checks.runs,
        github_deployment: None,
    })
}

/// The args a canary deploy fills in: the Service measured (the `measured`-th of `services`,
/// see [`shift::measured`]: the canary's at a step, the stable one for the baseline) and the
/// step's weight.
fn fill(services: &[String], measured: usize, weight: Option<u32>) -> shift::Fill {
    let mut out = Vec::new();
    if let Some(s) = services.get(measured) {
        out.push(("service", s.clone()));
    }
    if let Some(w) = weight {
        out.push(("weight", w.to_string()));
    }
    out
}

/// The hash args of the first workload's stable and (once it runs) canary Deployments.
async fn hashes(cluster: &Cluster, plan: &CanaryPlan, opts: &Options, canary: bool) -> shift::Fill {
    let Some(stable) = plan.stable.first() else {
        return Vec::new();
    };
    let latest = plan.canaries.first().filter(|_| canary).map(Manifest::name);
    shift::hash_args(cluster, opts, stable.namespace(), stable.name(), latest).await
}

/// `values` with only the last of each object (a canary applied at several sizes, a route at
/// several weights): what is live at the end.
fn last_of_each(values: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(values.len());
    for v in values {
        let r = ObjectRef::of(&v);
        out.retain(|o| !ObjectRef::of(o).same_object(&r));
        out.push(v);
    }
    out
}

/// A canary deploy under way.
struct Run<'p> {
    plan: &'p CanaryPlan,
    opts: &'p Options,
    before: Option<KnownGood>,
    inventory: Inventory,
    deployed: Pass,
    health: Vec<health::Checked>,
    report: CanaryReport,
}

impl Run<'_> {
    /// Apply `set` and wait for it, then the traffic split at `weight`: why that failed, if
    /// it did.
    async fn step(
        &mut self,
        cluster: &mut Cluster,
        set: Vec<Manifest>,
        weight: u32,
        progress: &mut dyn FnMut(&Manifest, &Status),
    ) -> Result<Option<String>, InputError> {
        let (pass, deadline) =
            release::pass(cluster, set, self.opts, &mut self.inventory, progress).await?;
        let failure = pass.failure();
        self.deployed.absorb(pass);
        if failure.is_some() {
            return Ok(failure);
        }
        Ok(self.route(cluster, weight, deadline).await.err())
    }

    /// Set the traffic split to `weight` percent.
    async fn route(
        &mut self,
        cluster: &mut Cluster,
        weight: u32,
        deadline: Instant,
    ) -> Result<(), String> {
        let routes = self.plan.routes_at(weight);
        let applied = deploy::apply(cluster, &routes, &self.opts.settings, deadline)
            .await
            .map_err(|e| format!("setting the weight to {weight}%: {e}"))?;
        self.deployed.absorb(Pass {
            manifests: routes,
            applied,
            ..Pass::default()
        });
        Ok(())
    }

    /// The health checks, when there are any: why they failed, if they did.
    async fn health(&mut self, timeout: Duration) -> Result<Option<String>, InputError> {
        if self.opts.health.is_empty() {
            return Ok(None);
        }
        let deadline = Instant::now() + timeout;
        let checked = health::check(&self.opts.health, &self.opts.expect, deadline).await?;
        let why = checked
            .iter()
            .find(|c| !c.ok)
            .map(|c| format!("health check {} failed: {}", c.url, c.answer));
        self.health = checked;
        Ok(why)
    }

    /// Scale the canaries to zero: the names and the objects as applied.
    async fn scale_down(&mut self, cluster: &mut Cluster) -> Result<Vec<Value>, InputError> {
        let deadline = Instant::now() + self.opts.timeout;
        let mut out = Vec::new();
        for m in &self.plan.canaries {
            let namespace = shift::applied_namespace(&self.deployed, "Deployment", m.name());
            if let Some(scaled) = shift::scale_down(
                cluster,
                self.opts,
                None,
                namespace.as_deref(),
                m.name(),
                deadline,
            )
            .await?
            {
                step(&mut self.report, format!("scaled {} down", m.name()));
                self.report.scaled_down.push(m.name().to_string());
                out.push(scaled);
            }
        }
        Ok(out)
    }

    /// The canary failed (`failure`): the weight back to 0, the canaries scaled down, the
    /// known-good set re-applied when there is one.
    async fn abort(
        mut self,
        cluster: &mut Cluster,
        failure: String,
        analysis: Vec<crate::analysis::Run>,
        progress: &mut dyn FnMut(&Manifest, &Status),
    ) -> Result<Report, InputError> {
        self.report.aborted = true;
        let deadline = Instant::now() + self.opts.timeout;
        match self.route(cluster, 0, deadline).await {
            Ok(()) => step(&mut self.report, "the weight is back to 0%".into()),
            // The known-good set below puts the routes back too, when there is one.
            Err(e) => step(
                &mut self.report,
                format!("could not set the weight back: {e}"),
            ),
        }
        self.scale_down(cluster).await?;
        let rollback = match self.before.take() {
            None => Rollback::NoKnownGood,
            Some(good) => {
                let mut inventory =
                    Inventory::read(cluster, &self.opts.namespace, &self.opts.release).await?;
                let back =
                    release::roll_back(cluster, good, self.opts, &mut inventory, progress).await?;
                step(&mut self.report, "re-applied the known-good set".into());
                back
            }
        };
        Ok(Report {
            deployed: self.deployed,
            health: self.health,
            failure: Some(failure),
            rollback,
            blue_green: None,
            canary: Some(self.report),
            analysis,
            github_deployment: None,
        })
    }
}
