//! From spec pairs to an outcome: load base and head, compare, apply rule levels and
//! `--fail-on`, and render findings, metrics, outputs and a changelog summary.

use std::collections::BTreeMap;

use gates_core::markdown::{code, escape};
use gates_core::rules::{Levels, RuleLevel};
use gates_core::{Context, Finding, InputError, Level, Outcome, Section, Verdict};
use serde::Serialize;

use crate::diff::{self, Change};
use crate::graphql;
use crate::rules;
use crate::source::{Read, Source};
use crate::spec::Spec;

/// One spec to check: where its head and base live.
#[derive(Debug, Clone)]
pub struct Pair {
    /// Path of the head file (as reported in findings).
    pub head: String,
    /// Path of the base file in `base_source`.
    pub base: String,
}

/// Which levels fail the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Only ERR findings fail the gate.
    #[value(name = "ERR", alias = "err")]
    Err,
    /// ERR and WARN findings fail the gate.
    #[value(name = "WARN", alias = "warn")]
    Warn,
}

/// A change with its level after the user's overrides.
#[derive(Debug, Clone)]
pub struct Leveled {
    /// The change.
    pub change: Change,
    /// Its effective level.
    pub level: RuleLevel,
}

/// What comparing every pair found.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Every change, most severe first.
    pub changes: Vec<Leveled>,
    /// Specs new in head.
    pub added: Vec<String>,
    /// Ignore entries that accepted at least one change.
    pub ignored: u64,
}

/// Load `pair` from the two sources and compare; a spec missing in base is reported as added,
/// one missing in head as one breaking finding. GraphQL SDL files (`.graphql`, `.gql`) named
/// in one run are one schema (a type may be extended in another file); an introspection
/// result or an OpenAPI description is a spec of its own. `grace_days` is the config's
/// `deprecation-grace-days` ([`diff::compare_with_grace`]).
pub fn evaluate(
    pairs: &[Pair],
    base: &Source,
    head: &Source,
    levels: &Levels,
    today: &str,
    grace_days: Option<u32>,
) -> Result<Evaluation, InputError> {
    let mut eval = Evaluation::default();
    let mut sdl = Vec::new();
    for pair in pairs {
        let head_text = head.read(&pair.head)?;
        let base_text = base.read(&pair.base)?;
        let sniff = match (&head_text, &base_text) {
            (Read::Text(t), _) => graphql::format_of(&pair.head, t),
            (_, Read::Text(t)) => graphql::format_of(&pair.base, t),
            _ => graphql::format_of(&pair.head, ""),
        };
        if sniff == graphql::Format::Sdl {
            sdl.push((pair, base_text, head_text));
            continue;
        }
        let graphql = sniff == graphql::Format::Introspection;
        match (base_text, head_text) {
            (Read::Missing, Read::Missing) => {
                return Err(InputError::new(
                    &pair.head,
                    "file not found in base or head",
                    "name an existing spec",
                ))
            }
            (Read::Missing, Read::Text(t)) => {
                if graphql {
                    graphql::load(&[(pair.head.clone(), t)])?;
                } else {
                    load_spec(&pair.head, t, head)?;
                }
                added(&mut eval, levels, &pair.head);
            }
            (Read::Text(_), Read::Missing) => removed(&mut eval, levels, &pair.head),
            (Read::Text(bt), Read::Text(ht)) if graphql => {
                let (b, h) = gates_core::side_by_side(
                    || graphql::load(&[(pair.base.clone(), bt)]),
                    || graphql::load(&[(pair.head.clone(), ht)]),
                );
                let (b, h) = (b?, h?);
                push_graphql(&mut eval, levels, &b, &h, today, grace_days);
                gates_core::drop_in_background((b, h));
            }
            (Read::Text(bt), Read::Text(ht)) => {
                let (b, h) = gates_core::side_by_side(
                    || load_spec(&pair.base, bt, base),
                    || load_spec(&pair.head, ht, head),
                );
                let (b, h) = (b?, h?);
                for change in diff::compare_with_grace(&b, &h, today, grace_days) {
                    eval.changes.push(Leveled {
                        level: levels.of(change.rule.id),
                        change,
                    });
                }
                // Freeing two trees of a million nodes each takes about as long as comparing
                // them: it is done beside what follows (and cut short when the process ends).
                gates_core::drop_in_background((b, h));
            }
        }
    }
    if !sdl.is_empty() {
        let texts = |base_side: bool| -> Vec<(String, String)> {
            sdl.iter()
                .filter_map(|(pair, b, h)| match (base_side, b, h) {
                    (true, Read::Text(t), _) => Some((pair.base.clone(), t.clone())),
                    (false, _, Read::Text(t)) => Some((pair.head.clone(), t.clone())),
                    _ => None,
                })
                .collect()
        };
        let (base_files, head_files) = (texts(true), texts(false));
        match (base_files.is_empty(), head_files.is_empty()) {
            (true, true) => {
                return Err(InputError::new(
                    &sdl[0].0.head,
                    "file not found in base or head",
                    "name an existing schema file",
                ))
            }
            (true, false) => {
                graphql::load(&head_files)?;
                for (path, _) in &head_files {
                    added(&mut eval, levels, path);
                }
            }
            (false, true) => {
                for (pair, _, _) in &sdl {
                    removed(&mut eval, levels, &pair.head);
                }
            }
            (false, false) => {
                let (b, h) = gates_core::side_by_side(
                    || graphql::load(&base_files),
                    || graphql::load(&head_files),
                );
                let (b, h) = (b?, h?);
                push_graphql(&mut eval, levels, &b, &h, today, grace_days);
                gates_core::drop_in_background((b, h));
            }
        }
    }
    eval.changes.sort_by(|a, b| {
        (a.level, &a.change.op, &a.change.file, a.change.line).cmp(&(
            b.level,
            &b.change.op,
            &b.change.file,
            b.change.line,
        ))
    });
    Ok(eval)
}

/// Load the spec at `path` whose text was read already; the files its `$ref`s name are read
/// from `src`.
fn load_spec(path: &str, text: String, src: &Source) -> Result<Spec, InputError> {
    let text = std::cell::Cell::new(Some(text));
    Spec::load(path, &|p| match text.take() {
        Some(t) if p == path => Ok(t),
        other => {
            text.set(other);
            src.require(p)
        }
    })
}

fn added(eval: &mut Evaluation, levels: &Levels, path: &str) {
    eval.added.push(path.to_string());
    whole_spec(
        eval,
        levels,
        "spec-added",
        path,
        format!("spec `{path}` added (nothing to compare with)"),
    );
}

fn removed(eval: &mut Evaluation, levels: &Levels, path: &str) {
    whole_spec(
        eval,
        levels,
        "spec-removed",
        path,
        format!("spec `{path}` deleted"),
    );
}

/// A change to a spec as a whole (added or deleted), at its first line.
fn whole_spec(eval: &mut Evaluation, levels: &Levels, id: &str, path: &str, message: String) {
    let rule = rules::rule(id).expect("catalogued");
    eval.changes.push(Leveled {
        level: levels.of(rule.id),
        change: Change {
            rule,
            op: None,
            message,
            file: path.to_string(),
            line: 1,
            coordinate: None,
            tool_rule: None,
            pointer: None,
            base_pointer: None,
        },
    });
}

/// The GraphQL changes as the gate's changes: grouped by their type (or `@directive`,
/// `schema`), located in the head file that defines the spot.
fn push_graphql(
    eval: &mut Evaluation,
    levels: &Levels,
    base: &graphql::Schema,
    head: &graphql::Schema,
    today: &str,
    grace_days: Option<u32>,
) {
    for c in graphql::diff::compare_with_grace(base, head, today, grace_days) {
        let group = c
            .coordinate
            .split(['.', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        eval.changes.push(Leveled {
            level: levels.of(c.rule.id),
            change: Change {
                rule: c.rule,
                op: Some(group),
                message: c.message,
                file: head.files.get(c.at.file).cloned().unwrap_or_default(),
                line: c.at.line,
                coordinate: Some(c.coordinate),
                tool_rule: Some(c.kind),
                pointer: None,
                base_pointer: None,
            },
        });
    }
}

/// The gate's metrics in the result file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Metrics {
    /// ERR findings.
    pub breaking: u64,
    /// WARN findings.
    pub warnings: u64,
    /// INFO findings.
    pub infos: u64,
    /// Specs new in head.
    pub added_specs: u64,
    /// Ignore-file entries that accepted a change.
    pub ignored: u64,
}

fn level(l: RuleLevel) -> Level {
    match l {
        RuleLevel::Deny => Level::Error,
        RuleLevel::Warn => Level::Warning,
        RuleLevel::Allow => Level::Notice,
    }
}

/// Build the outcome.
pub fn outcome(
    eval: &Evaluation,
    fail_on: FailOn,
    informational: bool,
    context: Context,
) -> Outcome {
    let count = |l: RuleLevel| eval.changes.iter().filter(|c| c.level == l).count() as u64;
    let (breaking, warnings, infos) = (
        count(RuleLevel::Deny),
        count(RuleLevel::Warn),
        count(RuleLevel::Allow),
    );
    let failing = breaking + if fail_on == FailOn::Warn { warnings } else { 0 };
    let verdict = match (failing > 0, informational, warnings > 0) {
        (true, false, _) => Verdict::Fail,
        (true, true, _) | (false, _, true) => Verdict::Warn,
        _ => Verdict::Pass,
    };
    let title = format!("API changes: {breaking} breaking, {warnings} warnings, {infos} info");
    let findings = eval
        .changes
        .iter()
        .map(|c| Finding {
            rule: c.change.rule.id.to_string(),
            level: match (c.level, informational) {
                (RuleLevel::Deny, true) => Level::Warning,
                (l, _) => level(l),
            },
            message: c.change.message.clone(),
            path: Some(c.change.file.clone()),
            start_line: Some(c.change.line),
            end_line: Some(c.change.line),
            title: Some(format!(
                "{} {}",
                rules::level_name(c.level),
                c.change.rule.id
            )),
            tool_rule: c.change.tool_rule.map(str::to_string),
            pointer: c.change.pointer.clone(),
            base_pointer: c.change.base_pointer.clone(),
        })
        .collect();
    let metrics = gates_core::result_file::metrics_map(&Metrics {
        breaking,
        warnings,
        infos,
        added_specs: eval.added.len() as u64,
        ignored: eval.ignored,
    });
    Outcome {
        gate: rules::GATE.into(),
        verdict,
        title,
        reasons: if failing > 0 {
            vec![format!("{failing} change(s) at or above --fail-on")]
        } else {
            Vec::new()
        },
        metrics,
        findings,
        sections: vec![Section {
            heading: "Changelog".into(),
            body: changelog(eval),
            essential: true,
        }],
        context,
        notes: Vec::new(),
        outputs: vec![
            ("breaking", breaking.to_string()),
            ("warnings", warnings.to_string()),
        ],
        informational,
    }
}

/// The summary: changes grouped by operation, most severe first, as a changelog.
pub fn changelog(eval: &Evaluation) -> String {
    let mut out = String::new();
    for a in &eval.added {
        out.push_str(&format!("- spec {} added\n", code(a)));
    }
    let mut groups: BTreeMap<String, Vec<&Leveled>> = BTreeMap::new();
    for c in &eval.changes {
        groups
            .entry(c.change.op.clone().unwrap_or_else(|| "(spec)".into()))
            .or_default()
            .push(c);
    }
    if groups.is_empty() && eval.added.is_empty() {
        out.push_str("No API changes.\n");
    }
    for (op, changes) in groups {
        out.push_str(&format!("\n#### {}\n\n", code(&op)));
        for c in changes {
            let msg = c
                .change
                .message
                .strip_prefix(&format!("{op}: "))
                .unwrap_or(&c.change.message);
            out.push_str(&format!(
                "- **{}** {} — {} ({}:{})\n",
                rules::level_name(c.level),
                escape(msg),
                code(c.change.rule.id),
                escape(&c.change.file),
                c.change.line
            ));
        }
    }
    out
}
