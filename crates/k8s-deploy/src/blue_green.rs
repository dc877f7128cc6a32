//! A blue-green deploy without a controller: the idle slot is applied beside the live one and
//! waited for, verified through its preview Service, then the active Services' selectors
//! switch to it; health checks follow, and after `--scale-down-delay` the old slot is scaled
//! to zero. A failure before the switch never switches; one after it re-applies the last
//! known-good set, whose Services select the old slot (still running) again; either way the
//! new slot is scaled down. With auto-promotion off the run stops after verification and
//! [`promote`] or [`reject`] finishes it.
//!
//! The known-good set of a blue-green release holds both slots (the old one at zero
//! replicas), so a rollback restores the whole picture and `--prune` never deletes a slot.

use std::time::Duration;

use gates_core::error::Origin;
use gates_core::InputError;
use tokio::time::Instant;

use crate::cluster::{api_error, retrying, Cluster};
use crate::deploy::{self, Applied};
use crate::inventory::{Inventory, KnownGood, Pending};
use crate::manifest::{self, Manifest};
use crate::release::{self, Options, Pass, Report, Rollback};
use crate::rollout::Status;
use crate::shift::{self, Checks};
use crate::slots::{self, Slot, SlotPlan};

/// How a blue-green deploy runs.
#[derive(Debug, Clone)]
pub struct BlueGreen {
    /// The preview Service's name (one active Service); default `<service>-preview`.
    pub preview_service: Option<String>,
    /// Switch as soon as the new slot is verified; otherwise stop for `promote` / `reject`.
    pub auto_promote: bool,
    /// URLs that reach the new slot through the preview Service, checked as the health
    /// checks are before the pre-promotion analysis (`--preview-health`).
    pub preview_health: Vec<String>,
    /// How long the old slot keeps running after the switch (and its checks) before it is
    /// scaled to zero: in-flight requests drain, and DNS or proxies catch up.
    pub scale_down_delay: Duration,
}

/// What a blue-green deploy did with the slots.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct SlotReport {
    /// The slot deployed.
    pub slot: String,
    /// The slot live before (absent: none, or workloads from before blue-green).
    pub previous: Option<String>,
    /// The slot the active Services select at the end (absent: none).
    pub active: Option<String>,
    /// Whether the active Services were switched to the new slot (and stayed there unless
    /// `switched_back`).
    pub switched: bool,
    /// Whether a failure after the switch put the old slot back.
    pub switched_back: bool,
    /// Whether the run stopped before the switch, for `promote` or `reject`.
    pub paused: bool,
    /// The preview Services, which select the new slot.
    pub preview_services: Vec<String>,
    /// The workloads scaled to zero (the old slot after a success, the new one after a
    /// failure or `reject`).
    pub scaled_down: Vec<String>,
    /// What happened, in order, one line each.
    pub steps: Vec<String>,
}

/// One step in the job's log as it happens.
fn step(report: &mut SlotReport, line: String) {
    shift::step("blue-green", &mut report.steps, line);
}

/// The slot the live active Services of `plan` select: `None` when none exists or they select
/// on no slot. Services that disagree are an error: a person must look.
async fn live_slot(cluster: &Cluster, plan: &SlotPlan) -> Result<Option<Slot>, InputError> {
    let mut seen: Option<(String, Option<Slot>)> = None;
    for m in plan.switch.iter().filter(|m| m.kind() == "Service") {
        let target = cluster.target(m)?;
        let api = cluster.api(&target);
        let live = retrying(|| api.get_opt(m.name()))
            .await
            .map_err(|e| api_error(&e, &format!("reading {}", m.id())))?;
        let Some(live) = live else { continue };
        let live = serde_json::to_value(live).expect("an object serialises");
        let slot = slots::live_slot(&live).map_err(|e| {
            InputError::new(
                Origin::api(crate::cluster::SERVICE),
                format!("the live {}: {e}", m.id()),
                "set the label back to blue or green by hand, or delete it to start over",
            )
        })?;
        match &seen {
            Some((other, s)) if *s != slot => {
                return Err(InputError::new(
                    Origin::api(crate::cluster::SERVICE),
                    format!(
                        "the live Services {other} and {} select different slots",
                        m.id()
                    ),
                    "make them select the same slot by hand before deploying again",
                ))
            }
            _ => seen = Some((m.id(), slot)),
        }
    }
    Ok(seen.and_then(|(_, s)| s))
}

/// The objects of `plan`, slotted for the idle slot of the cluster as it is now.
pub async fn plan(
    cluster: &Cluster,
    manifests: &[Manifest],
    bg: &BlueGreen,
) -> Result<(SlotPlan, Option<Slot>), InputError> {
    crate::argo::refuse_strategy(manifests, "blue-green")?;
    let probe = slots::plan(manifests, Slot::Blue, bg.preview_service.as_deref())?;
    let previous = live_slot(cluster, &probe).await?;
    let slot = previous.map_or(Slot::Blue, Slot::other);
    let plan = match slot {
        Slot::Blue => probe,
        Slot::Green => slots::plan(manifests, slot, bg.preview_service.as_deref())?,
    };
    Ok((plan, previous))
}

/// Deploy `plan` (from [`plan`]) as release `opts.release`.
pub async fn deploy(
    cluster: &mut Cluster,
    plan: SlotPlan,
    previous: Option<Slot>,
    opts: &Options,
    bg: &BlueGreen,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    // The baseline is measured through the live Services before anything changes.
    let live = hashes(
        cluster,
        opts,
        &plan.workloads,
        plan_namespace(&plan),
        previous,
        None,
    )
    .await;
    let measured = shift::measured(opts, &plan.active_services)?;
    let baseline_args = [fill(&plan.active_services, measured, None), live].concat();
    let mut checks = Checks::new(opts, &baseline_args).await?;
    let mut report = deploy_slot(cluster, plan, previous, opts, bg, &mut checks, progress).await?;
    report.analysis = checks.runs;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn deploy_slot(
    cluster: &mut Cluster,
    plan: SlotPlan,
    previous: Option<Slot>,
    opts: &Options,
    bg: &BlueGreen,
    checks: &mut Checks,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let before = inventory.known_good.clone();
    let all = plan.all();
    let mut candidate = inventory.clone();
    candidate.known_good = Some(release::known_good(
        all.iter().map(|m| m.value.clone()).collect(),
        opts,
    ));
    candidate.encode(&opts.release)?;
    let mut report = SlotReport {
        slot: plan.slot.name().into(),
        previous: previous.map(|s| s.name().into()),
        active: previous.map(|s| s.name().into()),
        switched: false,
        switched_back: false,
        paused: false,
        preview_services: plan.preview_services.clone(),
        scaled_down: Vec::new(),
        steps: Vec::new(),
    };
    if let Some(p) = inventory.pending.take() {
        step(
            &mut report,
            format!(
                "replaces the deploy of slot {} paused since {} (never promoted)",
                p.slot.name(),
                p.at
            ),
        );
    }
    inventory.record_applied(release::wanted(cluster, &all));
    step(
        &mut report,
        format!(
            "deploying slot {} ({} live)",
            plan.slot.name(),
            previous.map_or("none", Slot::name)
        ),
    );
    let (deployed, deadline) =
        release::pass(cluster, plan.first.clone(), opts, &mut inventory, progress).await?;
    let pending = Pending {
        at: jiff::Timestamp::now().to_string(),
        by: opts.by.clone(),
        slot: plan.slot,
        previous,
        workloads: plan.workloads.clone(),
        preview_services: plan.preview_services.clone(),
        applied: release::applied_set(&deployed),
        switch: plan.switch.iter().map(|m| m.value.clone()).collect(),
        github_deployment: opts.github_deployment.clone(),
    };
    let mut why = deployed.failure();
    let mut preview = Vec::new();
    if why.is_none() {
        step(
            &mut report,
            format!(
                "slot {} is ready behind {}",
                plan.slot.name(),
                plan.preview_services.join(", ")
            ),
        );
        let tracks = hashes(
            cluster,
            opts,
            &plan.workloads,
            plan_namespace(&plan),
            previous,
            Some(plan.slot),
        )
        .await;
        let measured = shift::measured(opts, &plan.active_services)?;
        let args = [
            fill(&plan.preview_services, measured, Some(plan.slot)),
            tracks,
        ]
        .concat();
        (preview, why) =
            release::check_urls("preview health check", &bg.preview_health, opts, deadline).await?;
        if why.is_none() {
            why = checks.analyse("pre-promotion", &args, opts).await?;
        }
    }
    if let Some(why) = why {
        step(
            &mut report,
            format!("slot {} failed ({why}): never switched", plan.slot.name()),
        );
        let mut out = fail(
            cluster,
            opts,
            before,
            &pending,
            deployed,
            Vec::new(),
            why,
            report,
            progress,
        )
        .await?;
        out.health = preview;
        return Ok(out);
    }
    if !bg.auto_promote {
        report.paused = true;
        step(
            &mut report,
            "paused before the switch: run `k8s-deploy promote` to switch, or `reject` to scale it down".into(),
        );
        inventory.pending = Some(pending);
        release::save(cluster, opts, &inventory).await?;
        return Ok(Report {
            deployed,
            health: Vec::new(),
            failure: None,
            rollback: Rollback::NotNeeded,
            blue_green: Some(report),
            canary: None,
            analysis: Vec::new(),
            github_deployment: None,
        });
    }
    release::save(cluster, opts, &inventory).await?;
    switch(
        cluster, opts, bg, before, inventory, pending, deployed, report, checks, progress,
    )
    .await
}

/// `k8s-deploy promote`: switch the deploy paused before its switch, check, scale down.
pub async fn promote(
    cluster: &mut Cluster,
    opts: &Options,
    bg: &BlueGreen,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let (mut inventory, pending) = paused(cluster, opts, "promote").await?;
    let before = inventory.known_good.clone();
    let deployed = resumed(&pending)?;
    let mut report = resumed_report(&pending);
    step(
        &mut report,
        format!(
            "promoting slot {} (paused since {})",
            pending.slot.name(),
            pending.at
        ),
    );
    inventory.pending = None;
    let ns = namespace_of(&deployed, &pending);
    let live = hashes(
        cluster,
        opts,
        &pending.workloads,
        ns.as_deref(),
        pending.previous,
        None,
    )
    .await;
    let measured = shift::measured(opts, &active(&pending))?;
    let mut checks = Checks::new(
        opts,
        &[fill(&active(&pending), measured, None), live].concat(),
    )
    .await?;
    let mut report = switch(
        cluster,
        opts,
        bg,
        before,
        inventory,
        pending,
        deployed,
        report,
        &mut checks,
        progress,
    )
    .await?;
    report.analysis = checks.runs;
    Ok(report)
}

/// `k8s-deploy reject`: scale the paused deploy's slot down and re-apply the known-good set
/// (the objects it shares with the live slot, a ConfigMap, were changed by the deploy).
pub async fn reject(
    cluster: &mut Cluster,
    opts: &Options,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let (mut inventory, pending) = paused(cluster, opts, "reject").await?;
    let before = inventory.known_good.clone();
    inventory.pending = None;
    release::save(cluster, opts, &inventory).await?;
    let deployed = resumed(&pending)?;
    let mut report = resumed_report(&pending);
    step(
        &mut report,
        format!("rejecting slot {}", pending.slot.name()),
    );
    let why = format!("slot {} was rejected", pending.slot.name());
    let mut out = fail(
        cluster,
        opts,
        before,
        &pending,
        deployed,
        Vec::new(),
        why,
        report,
        progress,
    )
    .await?;
    // Rejecting is the person's decision carried out, not a failure of the run.
    if matches!(&out.rollback, Rollback::Done { pass, .. } if pass.failure().is_none())
        || matches!(out.rollback, Rollback::NoKnownGood)
    {
        out.failure = None;
    }
    Ok(out)
}

/// The inventory and the paused deploy `command` needs.
async fn paused(
    cluster: &Cluster,
    opts: &Options,
    command: &str,
) -> Result<(Inventory, Pending), InputError> {
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    match inventory.pending.take() {
        Some(p) => Ok((inventory, p)),
        None => Err(InputError::new(
            Origin::api(crate::cluster::SERVICE),
            format!(
                "release {} in namespace {} has no deploy waiting to be promoted or rejected",
                opts.release, opts.namespace
            ),
            format!("`{command}` follows a `deploy --strategy blue-green --no-auto-promote`; check --release and --namespace"),
        )),
    }
}

/// The paused deploy's first set as a pass (as applied; its rollouts were done).
fn resumed(pending: &Pending) -> Result<Pass, InputError> {
    let manifests = manifest::rendered("(the paused deploy)", &pending.applied)?;
    let applied = manifests
        .iter()
        .enumerate()
        .map(|(i, m)| Applied {
            manifest: i,
            generation: m.value["metadata"]["generation"].as_i64(),
            object: m.value.clone(),
        })
        .collect();
    Ok(Pass {
        manifests,
        applied,
        ..Pass::default()
    })
}

fn resumed_report(pending: &Pending) -> SlotReport {
    SlotReport {
        slot: pending.slot.name().into(),
        previous: pending.previous.map(|s| s.name().into()),
        active: pending.previous.map(|s| s.name().into()),
        switched: false,
        switched_back: false,
        paused: false,
        preview_services: pending.preview_services.clone(),
        scaled_down: Vec::new(),
        steps: Vec::new(),
    }
}

/// Switch the active Services to `pending.slot`, check health, then scale the old slot down
/// and record the set as known-good; a failure goes back.
#[allow(clippy::too_many_arguments)]
async fn switch(
    cluster: &mut Cluster,
    opts: &Options,
    bg: &BlueGreen,
    before: Option<KnownGood>,
    mut inventory: Inventory,
    pending: Pending,
    mut deployed: Pass,
    mut report: SlotReport,
    checks: &mut Checks,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    let deadline = Instant::now() + opts.timeout;
    let switch = manifest::rendered("(the switch)", &pending.switch)?;
    let applied = deploy::apply(cluster, &switch, &opts.settings, deadline).await;
    report.switched = true;
    let applied = match applied {
        Ok(a) => a,
        Err(e) => {
            // A switch half-done is the worst state to leave: go back, then say why.
            step(&mut report, format!("the switch failed: {e}"));
            let why = format!("the switch to slot {} failed: {e}", pending.slot.name());
            return fail(
                cluster, opts, before, &pending, deployed, switch, why, report, progress,
            )
            .await;
        }
    };
    deployed.absorb(Pass {
        manifests: switch,
        applied,
        ..Pass::default()
    });
    report.active = Some(pending.slot.name().into());
    step(
        &mut report,
        format!(
            "switched {} to slot {}",
            services(&pending),
            pending.slot.name()
        ),
    );
    let (health, mut why) = release::check_health(opts, deadline).await?;
    if why.is_none() {
        let tracks = hashes(
            cluster,
            opts,
            &pending.workloads,
            namespace_of(&deployed, &pending).as_deref(),
            pending.previous,
            Some(pending.slot),
        )
        .await;
        let measured = shift::measured(opts, &active(&pending))?;
        let args = [
            fill(&active(&pending), measured, Some(pending.slot)),
            tracks,
        ]
        .concat();
        why = checks.analyse("post-promotion", &args, opts).await?;
    }
    if let Some(why) = why {
        step(&mut report, why.clone());
        let mut out = fail(
            cluster,
            opts,
            before,
            &pending,
            deployed,
            Vec::new(),
            why,
            report,
            progress,
        )
        .await?;
        out.health = health;
        return Ok(out);
    }
    let old: Vec<String> = pending
        .workloads
        .iter()
        .map(|w| pending.previous.map_or(w.clone(), |s| s.of(w)))
        .collect();
    if !bg.scale_down_delay.is_zero() {
        step(
            &mut report,
            format!(
                "keeping the old slot for {}s before scaling it down",
                bg.scale_down_delay.as_secs()
            ),
        );
        shift::pause(
            bg.scale_down_delay,
            "stopped before scaling the old slot down; both slots are running and the new one is live",
        )
        .await?;
    }
    let mut good = release::applied_set(&deployed);
    for name in &old {
        let namespace = namespace_of(&deployed, &pending);
        if let Some(scaled) = shift::scale_down(
            cluster,
            opts,
            before.as_ref(),
            namespace.as_deref(),
            name,
            deadline,
        )
        .await?
        {
            step(&mut report, format!("scaled {name} down"));
            report.scaled_down.push(name.clone());
            good.push(scaled);
        }
    }
    inventory.record_applied(good.iter().map(crate::inventory::ObjectRef::of));
    inventory.known_good = Some(release::known_good(good, opts));
    release::save(cluster, opts, &inventory).await?;
    release::prune(cluster, &mut deployed, opts, &mut inventory).await?;
    release::save(cluster, opts, &inventory).await?;
    Ok(Report {
        deployed,
        health,
        failure: None,
        rollback: Rollback::NotNeeded,
        blue_green: Some(report),
        canary: None,
        analysis: Vec::new(),
        github_deployment: pending.github_deployment.clone(),
    })
}

/// The active Services, as the steps name them.
fn services(pending: &Pending) -> String {
    format!("Service {}", active(pending).join(", "))
}

/// The active Services of `pending`, by name.
fn active(pending: &Pending) -> Vec<String> {
    pending
        .switch
        .iter()
        .filter(|v| v["kind"] == "Service")
        .filter_map(|v| v["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// The args a blue-green deploy fills in: the Service measured (the `measured`-th of
/// `services`, see [`shift::measured`]) and the slot.
fn fill(services: &[String], measured: usize, slot: Option<Slot>) -> shift::Fill {
    let mut out = Vec::new();
    if let Some(s) = services.get(measured) {
        out.push(("service", s.clone()));
    }
    if let Some(slot) = slot {
        out.push(("slot", slot.name().to_string()));
    }
    out
}

/// The hash args of the first workload: the live one (slot `previous`, or the workload from
/// before blue-green) as stable, and slot `new`'s as the canary once it is deployed.
async fn hashes(
    cluster: &Cluster,
    opts: &Options,
    workloads: &[String],
    namespace: Option<&str>,
    previous: Option<Slot>,
    new: Option<Slot>,
) -> shift::Fill {
    let Some(w) = workloads.first() else {
        return Vec::new();
    };
    let live = previous.map_or_else(|| w.clone(), |s| s.of(w));
    let latest = new.map(|s| s.of(w));
    shift::hash_args(cluster, opts, namespace, &live, latest.as_deref()).await
}

/// Scale the new slot's workloads down, each named in the steps.
async fn scale_down_new(
    cluster: &mut Cluster,
    opts: &Options,
    pending: &Pending,
    namespace: Option<&str>,
    deadline: Instant,
    report: &mut SlotReport,
) -> Result<(), InputError> {
    for w in &pending.workloads {
        let name = pending.slot.of(w);
        if shift::scale_down(cluster, opts, None, namespace, &name, deadline)
            .await?
            .is_some()
        {
            step(report, format!("scaled {name} down"));
            report.scaled_down.push(name);
        }
    }
    Ok(())
}

/// The namespace of `plan`'s slotted Deployments, when the manifests name it.
fn plan_namespace(plan: &SlotPlan) -> Option<&str> {
    plan.first
        .iter()
        .find(|m| m.kind() == "Deployment")
        .and_then(Manifest::namespace)
}

/// The namespace of the slotted workloads (they share the manifests' namespace).
fn namespace_of(deployed: &Pass, pending: &Pending) -> Option<String> {
    let slotted = pending
        .workloads
        .first()
        .map(|w| pending.slot.of(w))
        .unwrap_or_default();
    shift::applied_namespace(deployed, "Deployment", &slotted)
}

/// The deploy failed (`why`): re-apply the known-good set `before` (which selects the old
/// slot) when there is one, then scale the new slot down. In that order: the other way round,
/// a switched Service selects no pods until the re-apply is done, or for good if it fails.
#[allow(clippy::too_many_arguments)]
async fn fail(
    cluster: &mut Cluster,
    opts: &Options,
    before: Option<KnownGood>,
    pending: &Pending,
    mut deployed: Pass,
    switch: Vec<Manifest>,
    why: String,
    mut report: SlotReport,
    progress: &mut dyn FnMut(&Manifest, &Status),
) -> Result<Report, InputError> {
    deployed.manifests.extend(switch);
    let deadline = Instant::now() + opts.timeout;
    let namespace = namespace_of(&deployed, pending);
    let mut inventory = Inventory::read(cluster, &opts.namespace, &opts.release).await?;
    let rollback = match before {
        None => {
            scale_down_new(
                cluster,
                opts,
                pending,
                namespace.as_deref(),
                deadline,
                &mut report,
            )
            .await?;
            if report.switched {
                report.active = Some(pending.slot.name().into());
                step(
                    &mut report,
                    format!(
                        "no known-good set to go back to: {} still selects slot {}, scaled to zero",
                        services(pending),
                        pending.slot.name()
                    ),
                );
            }
            Rollback::NoKnownGood
        }
        Some(good) => {
            let back = match release::roll_back(cluster, good, opts, &mut inventory, progress).await
            {
                Ok(back) => back,
                Err(e) => {
                    // The bad slot goes down all the same; the error is the run's.
                    let _ = scale_down_new(
                        cluster,
                        opts,
                        pending,
                        namespace.as_deref(),
                        deadline,
                        &mut report,
                    )
                    .await;
                    return Err(e);
                }
            };
            if report.switched {
                report.switched_back = true;
                report.active = pending.previous.map(|s| s.name().into());
                step(
                    &mut report,
                    format!(
                        "re-applied the known-good set: {} back on slot {}",
                        services(pending),
                        pending.previous.map_or("of before blue-green", Slot::name)
                    ),
                );
            } else {
                step(&mut report, "re-applied the known-good set".into());
            }
            scale_down_new(
                cluster,
                opts,
                pending,
                namespace.as_deref(),
                deadline,
                &mut report,
            )
            .await?;
            back
        }
    };
    Ok(Report {
        deployed,
        health: Vec::new(),
        failure: Some(why),
        rollback,
        blue_green: Some(report),
        canary: None,
        analysis: Vec::new(),
        github_deployment: pending.github_deployment.clone(),
    })
}
