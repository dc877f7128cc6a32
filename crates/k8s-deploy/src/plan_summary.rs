//! The plan as the gate reports it: the server's refusals as findings on their manifest lines,
//! the counts as metrics and outputs, and a summary section listing each object's action with
//! its diff (Secret values are already redacted by the plan).

use gates_core::markdown::{code, escape, fenced, table, truncate_lines};
use gates_core::{Outcome, Section};

use crate::diff::Action;
use crate::gate::{self, PlanCounts, Rendered};
use crate::plan::Plan;

/// At most this many bytes of one object's diff go into the summary (the job summary and the
/// PR comment have budgets of their own).
const DIFF_BYTES: usize = 6_000;

/// Add `plan` to the lint's `outcome`: a refusal fails the run (a warning when informational).
pub fn add(outcome: &mut Outcome, rendered: &Rendered, plan: &Plan, informational: bool) {
    let counts = PlanCounts {
        created: plan.count(Action::Create),
        updated: plan.count(Action::Update),
        unchanged: plan.count(Action::Unchanged),
        pruned: plan.count(Action::Prune),
        rejected: plan
            .rejections
            .iter()
            .map(|r| r.manifest)
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64,
    };
    for r in &plan.rejections {
        let m = &rendered.manifests[r.manifest];
        outcome.findings.push(gate::cluster_finding(
            m,
            &r.pointer,
            r.rule,
            &r.message,
            informational,
        ));
    }
    if counts.rejected > 0 {
        let reason = format!("the server refused {} object(s)", counts.rejected);
        gate::fail_with(outcome, informational, reason);
    }
    outcome.title = format!(
        "k8s plan: {} to create, {} to update, {} unchanged{}{}; {}",
        counts.created,
        counts.updated,
        counts.unchanged,
        match counts.pruned {
            0 => String::new(),
            n => format!(", {n} to prune"),
        },
        match counts.rejected {
            0 => String::new(),
            n => format!(", {n} refused"),
        },
        outcome.title.trim_start_matches("k8s manifests: ")
    );
    for (name, value) in [
        ("created", counts.created),
        ("updated", counts.updated),
        ("unchanged", counts.unchanged),
        ("pruned", counts.pruned),
    ] {
        outcome.outputs.push((name, value.to_string()));
    }
    outcome.sections.insert(
        0,
        Section {
            heading: "Plan".into(),
            body: section(rendered, plan),
            essential: true,
        },
    );
    outcome.metrics.insert(
        "plan".into(),
        serde_json::to_value(&counts).expect("counts serialise"),
    );
}

fn section(rendered: &Rendered, plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = plan
        .entries
        .iter()
        .map(|e| {
            let m = &rendered.manifests[e.manifest];
            vec![
                e.action.as_str().into(),
                escape(m.kind()),
                code(&m.qualified_name()),
                code(&format!("{}:{}", m.file, m.line(""))),
            ]
        })
        .collect();
    let mut rows = rows;
    rows.extend(plan.pruning.iter().map(|o| {
        vec![
            Action::Prune.as_str().into(),
            escape(&o.kind),
            code(&match &o.namespace {
                Some(ns) => format!("{ns}/{}", o.name),
                None => o.name.clone(),
            }),
            "(inventory)".into(),
        ]
    }));
    let mut out = table(
        &["action", "kind", "object", "manifest"],
        &[false; 4],
        &rows,
    );
    for e in plan.entries.iter().filter(|e| !e.diff.is_empty()) {
        let m = &rendered.manifests[e.manifest];
        out.push_str(&format!(
            "\n**{}** {}\n\n",
            e.action.as_str(),
            code(&m.id())
        ));
        if let Some(note) = &e.note {
            out.push_str(&format!("{}\n\n", escape(note)));
        }
        let diff = truncate_lines(&e.diff, DIFF_BYTES);
        let shown = match diff.len() < e.diff.len() {
            true => format!("{}…\n", with_newline(diff)),
            false => diff.to_string(),
        };
        out.push_str(&fenced("diff", &shown));
    }
    out
}

/// `text` ending with a newline.
fn with_newline(text: &str) -> String {
    match text.ends_with('\n') {
        true => text.to_string(),
        false => format!("{text}\n"),
    }
}
