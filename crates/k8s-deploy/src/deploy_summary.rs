//! The deploy as the gate reports it: each failed rollout a finding on its manifest, the counts
//! as metrics and outputs, and a summary section with every workload's rollout.

use gates_core::markdown::{code, escape, table};
use gates_core::{Outcome, Section};
use serde::{Deserialize, Serialize};

use crate::deploy::{Applied, Rollout};
use crate::gate::{self, Rendered};
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
}

/// Add the deploy to the lint's `outcome`: a failed rollout fails the run (a warning when
/// informational). Nothing is rolled back yet: the outputs say so.
pub fn add(
    outcome: &mut Outcome,
    rendered: &Rendered,
    applied: &[Applied],
    rollouts: &[Rollout],
    informational: bool,
) {
    let failed: Vec<&Rollout> = rollouts
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .collect();
    let counts = DeployCounts {
        applied: applied.len() as u64,
        ready: rollouts.iter().filter(|r| r.status == Status::Done).count() as u64,
        failed: failed.len() as u64,
        wait_seconds: rollouts.iter().map(|r| r.seconds).fold(0.0, f64::max),
    };
    for r in &failed {
        if let Status::Failed(why) = &r.status {
            let m = &rendered.manifests[r.manifest];
            outcome.findings.push(gate::cluster_finding(
                m,
                "",
                "k8s-deploy/rollout-failed",
                why,
                informational,
            ));
        }
    }
    let reason = failed
        .first()
        .map(|r| match &r.status {
            Status::Failed(why) => format!("{}: {why}", rendered.manifests[r.manifest].id()),
            _ => String::new(),
        })
        .unwrap_or_default();
    if !failed.is_empty() {
        let why = format!("{} rollout(s) failed", failed.len());
        gate::fail_with(outcome, informational, why);
    }
    outcome.title = format!(
        "k8s deploy: {} applied, {} rolled out, {} failed; {}",
        counts.applied,
        counts.ready,
        counts.failed,
        outcome.title.trim_start_matches("k8s manifests: ")
    );
    outcome.outputs.push(("rolled-back", "false".into()));
    outcome.outputs.push(("reason", reason));
    outcome.sections.insert(
        0,
        Section {
            heading: "Rollout".into(),
            body: section(rendered, rollouts),
            essential: true,
        },
    );
    outcome.metrics.insert(
        "deploy".into(),
        serde_json::to_value(&counts).expect("counts serialise"),
    );
}

fn section(rendered: &Rendered, rollouts: &[Rollout]) -> String {
    if rollouts.is_empty() {
        return "No workloads to wait for.\n".into();
    }
    let rows: Vec<Vec<String>> = rollouts
        .iter()
        .map(|r| {
            let m = &rendered.manifests[r.manifest];
            let (state, detail) = match &r.status {
                Status::Done => ("✅ rolled out".to_string(), String::new()),
                Status::Failed(why) => ("❌ failed".to_string(), escape(why)),
                Status::Waiting(w) => ("⏳ waiting".to_string(), escape(w)),
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
}
