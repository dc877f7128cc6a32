//! The deploy as the gate reports it: each failed rollout a finding on its manifest line, each
//! failed health check a finding, the counts as metrics and outputs (`rolled-back`, `reason`,
//! `pruned`), and summary sections with every rollout, the checks, the failed pod's events and
//! log lines, and what the rollback did.

use gates_core::markdown::{code, escape, fenced, table};
use gates_core::{Finding, Level, Outcome, Section};
use serde::{Deserialize, Serialize};

use crate::deploy::Rollout;
use crate::gate;
use crate::health::Checked;
use crate::release::{Pass, Report, Rollback};
use crate::rollout::Status;

/// The deploy's counts (the result file's `metrics.deploy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeployCounts {
    /// Objects applied.
    pub applied: u64,
    /// Workloads whose rollout completed.
    pub ready: u64,
    /// Workloads whose rollout failed or did not complete in time.
    pub failed: u64,
    /// Seconds spent waiting for the rollouts.
    pub wait_seconds: f64,
    /// Health checks that answered as expected.
    pub health_passed: u64,
    /// Health checks that did not.
    pub health_failed: u64,
    /// Objects pruned.
    pub pruned: u64,
    /// Whether the last known-good set was re-applied.
    pub rolled_back: bool,
    /// Whether that set's rollouts were done (absent without a rollback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_ready: Option<bool>,
}

fn counts(pass: &Pass) -> (u64, u64, f64) {
    let ready = pass
        .rollouts
        .iter()
        .filter(|r| r.status == Status::Done)
        .count() as u64;
    let paused = pass
        .rollouts
        .iter()
        .filter(|r| matches!(r.status, Status::Paused(_)))
        .count() as u64;
    let wait = pass.rollouts.iter().map(|r| r.seconds).fold(0.0, f64::max);
    (ready, pass.rollouts.len() as u64 - ready - paused, wait)
}

/// Add the deploy to the lint's (and plan's) `outcome`: a failed rollout or health check fails
/// the run (a warning when informational), rolled back or not.
pub fn add(outcome: &mut Outcome, report: &Report, informational: bool) {
    add_pass(outcome, &report.deployed, informational);
    let (ready, failed, wait_seconds) = counts(&report.deployed);
    for c in report.health.iter().filter(|c| !c.ok) {
        outcome.findings.push(Finding {
            rule: "k8s-deploy/health-check-failed".into(),
            level: if informational {
                Level::Warning
            } else {
                Level::Error
            },
            message: format!("{}: {} after {} attempt(s)", c.url, c.answer, c.attempts),
            path: None,
            start_line: None,
            end_line: None,
            title: Some("k8s-deploy/health-check-failed".into()),
            tool_rule: None,
            pointer: None,
            base_pointer: None,
        });
    }
    let (rolled_back, rollback_ready, rollback_pruned) = match &report.rollback {
        Rollback::Done { pass, .. } => (true, Some(pass.failure().is_none()), pass.pruned.len()),
        _ => (false, None, 0),
    };
    let counts = DeployCounts {
        applied: report.deployed.applied.len() as u64,
        ready,
        failed,
        wait_seconds,
        health_passed: report.health.iter().filter(|c| c.ok).count() as u64,
        health_failed: report.health.iter().filter(|c| !c.ok).count() as u64,
        pruned: (report.deployed.pruned.len() + rollback_pruned) as u64,
        rolled_back,
        rollback_ready,
    };
    if let Some(why) = &report.failure {
        gate::fail_with(outcome, informational, why.clone());
    }
    outcome.title = format!(
        "k8s deploy: {} applied, {} rolled out, {} failed{}{}; {}",
        counts.applied,
        counts.ready,
        counts.failed,
        match (counts.health_passed, counts.health_failed) {
            (0, 0) => String::new(),
            (p, 0) => format!(", {p} health check(s) passed"),
            (_, f) => format!(", {f} health check(s) failed"),
        },
        match &report.rollback {
            Rollback::Done { .. } if rollback_ready == Some(true) => ", rolled back".to_string(),
            Rollback::Done { .. } => ", rollback failed too".to_string(),
            Rollback::NoKnownGood => ", not rolled back (no known-good set)".to_string(),
            Rollback::NotNeeded => String::new(),
        },
        outcome
            .title
            .trim_start_matches("k8s plan: ")
            .trim_start_matches("k8s manifests: ")
    );
    set_output(outcome, "rolled-back", rolled_back.to_string());
    set_output(
        outcome,
        "reason",
        report.failure.clone().unwrap_or_default(),
    );
    set_output(outcome, "pruned", counts.pruned.to_string());
    let mut sections = Vec::new();
    // An Argo Rollout's own strategy is the deploy's: its controller ran it.
    let first_rollout = report.deployed.argo.first();
    set_output(
        outcome,
        "strategy",
        match (&report.blue_green, &report.canary, first_rollout) {
            (Some(_), _, _) => "blue-green",
            (_, Some(_), _) => "canary",
            (_, _, Some(f)) if f.strategy == "blueGreen" => "blue-green",
            (_, _, Some(_)) => "canary",
            _ => "rolling",
        }
        .into(),
    );
    if let Some(step) = first_rollout
        .and_then(|f| f.step)
        .filter(|_| report.canary.is_none())
    {
        set_output(outcome, "step", step.to_string());
    }
    if let Some(c) = &report.canary {
        set_output(outcome, "step", c.step.to_string());
        sections.push(Section {
            heading: "Canary".into(),
            body: canary(c),
            essential: true,
        });
        outcome.metrics.insert(
            "canary".into(),
            serde_json::to_value(c).expect("a canary report serialises"),
        );
    }
    if let Some(bg) = &report.blue_green {
        set_output(
            outcome,
            "active-slot",
            bg.active.clone().unwrap_or_default(),
        );
        set_output(outcome, "paused", bg.paused.to_string());
        if bg.paused {
            outcome.title.push_str("; paused before the switch");
            outcome.notes.push(format!(
                "slot {} is deployed and ready behind {}; `k8s-deploy promote` switches to it, `k8s-deploy reject` scales it down",
                bg.slot,
                bg.preview_services.join(", ")
            ));
        }
        sections.push(Section {
            heading: "Blue-green".into(),
            body: slots(bg),
            essential: true,
        });
        outcome.metrics.insert(
            "blue_green".into(),
            serde_json::to_value(bg).expect("a slot report serialises"),
        );
    }
    if !report.deployed.argo.is_empty() {
        argo(outcome, &report.deployed.argo, &mut sections);
    }
    sections.push(Section {
        heading: "Rollout".into(),
        body: rollouts(&report.deployed),
        essential: true,
    });
    if !report.analysis.is_empty() {
        sections.push(Section {
            heading: "Analysis".into(),
            body: crate::analysis::summary(&report.analysis),
            essential: true,
        });
        outcome.metrics.insert(
            "analysis".into(),
            serde_json::to_value(&report.analysis).expect("runs serialise"),
        );
    }
    if !report.health.is_empty() {
        sections.push(Section {
            heading: "Health checks".into(),
            body: health(&report.health),
            essential: true,
        });
    }
    if let Some(body) = failed_pods(&report.deployed) {
        sections.push(Section {
            heading: "Failed pods".into(),
            body,
            essential: false,
        });
    }
    match &report.rollback {
        Rollback::NotNeeded => {}
        Rollback::NoKnownGood => {
            outcome.notes.push("not rolled back: the release has no known-good set (this is its first deploy, or none has succeeded yet); the objects are left as applied".into());
        }
        Rollback::Done { at, by, pass } => {
            let body = format!(
                "Re-applied the known-good set of {} (deployed by {}): {}.\n\n{}",
                escape(at),
                escape(by),
                match pass.failure() {
                    None => "every rollout is done".to_string(),
                    Some(why) => format!("**its rollout failed too**: {}", escape(&why)),
                },
                rollouts(pass)
            );
            sections.push(Section {
                heading: "Rollback".into(),
                body,
                essential: true,
            });
            if let Some(why) = pass.failure() {
                gate::fail_with(
                    outcome,
                    informational,
                    format!("the rollback failed too: {why}"),
                );
            }
        }
    }
    for (i, s) in sections.into_iter().enumerate() {
        outcome.sections.insert(i, s);
    }
    outcome.metrics.insert(
        "deploy".into(),
        serde_json::to_value(&counts).expect("counts serialise"),
    );
}

/// The blue-green section: the slots, then every step in order.
fn slots(bg: &crate::blue_green::SlotReport) -> String {
    let mut out = table(
        &["Deployed slot", "Live before", "Live now", "Preview"],
        &[false; 4],
        &[vec![
            code(&bg.slot),
            bg.previous.as_deref().map_or("none".into(), code),
            bg.active.as_deref().map_or("none".into(), code),
            bg.preview_services
                .iter()
                .map(|s| code(s))
                .collect::<Vec<_>>()
                .join(", "),
        ]],
    );
    out.push('\n');
    for (i, s) in bg.steps.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, escape(s)));
    }
    out
}

/// The canary section: the split, the steps reached, then every step in order.
fn canary(c: &crate::canary::CanaryReport) -> String {
    let weights: Vec<String> = c.weights.iter().map(|w| format!("{w}%")).collect();
    let reached = match (c.established, c.step) {
        (true, _) => "none: the first deploy establishes the stable track".to_string(),
        (false, 0) => "none".to_string(),
        (false, s) => format!("{s} of {} ({}%)", c.weights.len(), c.weight),
    };
    let end = match (c.established, c.promoted, c.aborted) {
        (true, _, _) => "rolled out as usual",
        (_, true, _) => "promoted",
        (_, _, true) => "aborted",
        _ => "stopped",
    };
    let mut out = table(
        &["Traffic split", "Steps", "Reached", "Outcome"],
        &[false; 4],
        &[vec![
            escape(&c.router),
            weights.join(", "),
            reached,
            end.to_string(),
        ]],
    );
    out.push('\n');
    for (i, s) in c.steps.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, escape(s)));
    }
    out
}

/// The Argo Rollouts followed: output `paused`, a note for each that waits for a person, their
/// section and `metrics.argo_rollouts`.
fn argo(outcome: &mut Outcome, followed: &[crate::argo::Followed], sections: &mut Vec<Section>) {
    let paused: Vec<&crate::argo::Followed> = followed.iter().filter(|f| f.paused).collect();
    set_output(outcome, "paused", (!paused.is_empty()).to_string());
    if !paused.is_empty() {
        outcome.title.push_str("; paused for promote or reject");
    }
    for f in paused {
        outcome.notes.push(format!(
            "Rollout {} waits for a person ({}): `k8s-deploy promote` continues it, `k8s-deploy reject` aborts it",
            f.rollout,
            f.pause_reasons.join(", ")
        ));
    }
    sections.push(Section {
        heading: "Argo Rollouts".into(),
        body: argo_body(followed),
        essential: true,
    });
    outcome.metrics.insert(
        "argo_rollouts".into(),
        serde_json::to_value(followed).expect("rollouts serialise"),
    );
}

/// Each Rollout's phase, step and message, then its steps as reached and the patches sent.
fn argo_body(followed: &[crate::argo::Followed]) -> String {
    let rows: Vec<Vec<String>> = followed
        .iter()
        .map(|f| {
            let phase = match (f.phase.as_str(), f.aborted, f.paused) {
                ("Healthy", _, _) => "✅ Healthy".to_string(),
                ("Degraded", true, _) => "↩️ Degraded (aborted)".to_string(),
                ("Degraded", false, _) => "❌ Degraded".to_string(),
                (_, _, true) => "⏸️ Paused".to_string(),
                ("", _, _) => "⏳ (no phase yet)".to_string(),
                (p, _, _) => format!("⏳ {}", escape(p)),
            };
            let step = match (f.step, f.steps.len()) {
                (Some(i), n) if n > 0 => format!("{}/{n}", (i as usize).min(n)),
                _ => "—".into(),
            };
            vec![
                code(&f.rollout),
                escape(&f.strategy),
                phase,
                step,
                escape(&f.message),
            ]
        })
        .collect();
    let mut out = table(
        &["Rollout", "strategy", "phase", "steps done", "message"],
        &[false, false, false, true, false],
        &rows,
    );
    for f in followed {
        if !f.steps.is_empty() {
            out.push_str(&format!("\n{} steps:\n\n", code(&f.rollout)));
            let at = f.step.unwrap_or(0) as usize;
            for (i, s) in f.steps.iter().enumerate() {
                let mark = match i.cmp(&at) {
                    std::cmp::Ordering::Less => "✅",
                    std::cmp::Ordering::Equal if f.paused => "⏸️",
                    std::cmp::Ordering::Equal if f.phase == "Degraded" && !f.aborted => "❌",
                    std::cmp::Ordering::Equal if f.phase != "Degraded" => "▶️",
                    _ => "·",
                };
                out.push_str(&format!("{}. {mark} {}\n", i + 1, escape(s)));
            }
            if !f.steps_seen.is_empty() {
                let seen: Vec<String> = f
                    .steps_seen
                    .iter()
                    .map(|i| match *i as usize {
                        i if i < f.steps.len() => (i + 1).to_string(),
                        _ => "done".into(),
                    })
                    .collect();
                out.push_str(&format!("\nSeen while following: {}.\n", seen.join(" → ")));
            }
        }
        for p in &f.sent {
            out.push_str(&format!("\nSent {} {}.\n", code(&f.rollout), code(p)));
        }
    }
    out
}

/// Add an on-demand rollback (`k8s-deploy rollback`) to `outcome`.
pub fn add_rollback(outcome: &mut Outcome, rollback: &Rollback, informational: bool) {
    let Rollback::Done { at, by, pass } = rollback else {
        return;
    };
    add_pass(outcome, pass, informational);
    let (ready, failed, _) = counts(pass);
    if let Some(why) = pass.failure() {
        gate::fail_with(
            outcome,
            informational,
            format!("the rollback failed: {why}"),
        );
    }
    outcome.title = format!(
        "k8s rollback: known-good set of {at} re-applied, {} object(s), {ready} rolled out, {failed} failed",
        pass.applied.len()
    );
    set_output(outcome, "rolled-back", "true".into());
    set_output(outcome, "reason", pass.failure().unwrap_or_default());
    set_output(outcome, "pruned", pass.pruned.len().to_string());
    outcome.sections.insert(
        0,
        Section {
            heading: "Rollback".into(),
            body: format!(
                "Re-applied the known-good set of {} (deployed by {}).\n\n{}",
                escape(at),
                escape(by),
                rollouts(pass)
            ),
            essential: true,
        },
    );
}

/// Each failed rollout of `pass` as a finding on its manifest line; what its prune kept, as
/// notes.
fn add_pass(outcome: &mut Outcome, pass: &Pass, informational: bool) {
    for (o, why) in &pass.kept {
        outcome.notes.push(format!("not pruned: {}: {why}", o.id()));
    }
    for r in &pass.rollouts {
        if let Status::Failed(why) = &r.status {
            outcome.findings.push(gate::cluster_finding(
                &pass.manifests[r.manifest],
                "",
                "k8s-deploy/rollout-failed",
                why,
                informational,
            ));
        }
    }
}

/// Set output `name` to `value`, replacing an earlier one (the plan's `pruned`).
fn set_output(outcome: &mut Outcome, name: &'static str, value: String) {
    outcome.outputs.retain(|(n, _)| *n != name);
    outcome.outputs.push((name, value));
}

fn rollouts(pass: &Pass) -> String {
    let mut out = if pass.rollouts.is_empty() {
        "No workloads to wait for.\n".to_string()
    } else {
        let rows: Vec<Vec<String>> = pass
            .rollouts
            .iter()
            .map(|r: &Rollout| {
                let m = &pass.manifests[r.manifest];
                let (state, detail) = match &r.status {
                    Status::Done => ("✅ rolled out".to_string(), String::new()),
                    Status::Failed(why) => ("❌ failed".to_string(), escape(why)),
                    Status::Waiting(w) => ("⏳ waiting".to_string(), escape(w)),
                    Status::Paused(w) => ("⏸️ paused".to_string(), escape(w)),
                };
                vec![
                    escape(m.kind()),
                    code(&m.qualified_name()),
                    state,
                    format!("{:.1} s", r.seconds),
                    detail,
                ]
            })
            .collect();
        table(
            &["kind", "object", "rollout", "after", "detail"],
            &[false, false, false, true, false],
            &rows,
        )
    };
    if !pass.pruned.is_empty() {
        let names: Vec<String> = pass.pruned.iter().map(|o| code(&o.id())).collect();
        out.push_str(&format!("\nPruned: {}.\n", names.join(", ")));
    }
    out
}

fn health(checks: &[Checked]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                code(&c.url),
                if c.ok { "✅" } else { "❌" }.to_string(),
                escape(&c.answer),
                c.attempts.to_string(),
            ]
        })
        .collect();
    table(
        &["URL", "ok", "last answer", "attempts"],
        &[false, false, false, true],
        &rows,
    )
}

/// The failed pods' events and last log lines, in fenced blocks (the lines are the
/// application's).
fn failed_pods(pass: &Pass) -> Option<String> {
    let mut out = String::new();
    for r in &pass.rollouts {
        let Some(p) = &r.pod else { continue };
        out.push_str(&format!(
            "**{}** pod {}\n\n",
            escape(&pass.manifests[r.manifest].id()),
            code(&p.pod)
        ));
        for (what, lines) in [("events", &p.events), ("last log lines", &p.logs)] {
            if lines.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "{what}:\n\n{}\n",
                fenced("text", &lines.join("\n"))
            ));
        }
    }
    (!out.is_empty()).then_some(out)
}
