//! The gate-independent result of one gate run.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The decision a gate reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every rule passed.
    Pass,
    /// A rule asked for attention but does not block.
    Warn,
    /// A rule failed: exit code 1.
    Fail,
    /// The gate could not run: exit code 2.
    Error,
    /// Not enough data to decide (for example no coverable changed lines).
    Inconclusive,
    /// The gate was not asked to decide anything.
    Skipped,
}

/// The failed checks of a run, by what they do to the verdict (their rule's level).
#[derive(Debug, Default)]
pub struct Failed<'a> {
    /// Denied rules that failed: they fail the gate.
    pub denied: Vec<&'a Check>,
    /// `warn` rules that failed: they only warn.
    pub warned: Vec<&'a Check>,
    /// Enforced rules the data could not answer.
    pub unanswered: Vec<&'a Check>,
    /// `allow` rules that failed: shown, never deciding.
    pub allowed: Vec<&'a Check>,
}

impl<'a> Failed<'a> {
    /// Sort the failed checks by level.
    pub fn of(checks: &'a [Check]) -> Failed<'a> {
        use crate::rules::RuleLevel;
        let mut out = Failed::default();
        for c in checks.iter().filter(|c| !c.passed) {
            match (c.level, c.answered) {
                (RuleLevel::Allow, _) => out.allowed.push(c),
                (_, false) => out.unanswered.push(c),
                (RuleLevel::Warn, true) => out.warned.push(c),
                (RuleLevel::Deny, true) => out.denied.push(c),
            }
        }
        out
    }

    /// Every enforced failure (denied, warned, unanswered), for reasons and annotations.
    pub fn enforced(&self) -> impl Iterator<Item = &'a Check> + '_ {
        self.denied
            .iter()
            .chain(&self.warned)
            .chain(&self.unanswered)
            .copied()
    }

    /// The headline's ending: ` — 1 limit exceeded — warned: x — 1 rule could not be
    /// checked`; under `--informational` the denied ones are named as what would have failed.
    /// `what` and `failed` name a failed rule in the gate's words (`rule` `failed`, `limit`
    /// `exceeded`).
    pub fn headline(&self, informational: bool, what: &str, failed: &str) -> String {
        let ids = |list: &[&Check]| list.iter().map(|c| c.rule).collect::<Vec<_>>().join(", ");
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut s = String::new();
        let n = self.denied.len();
        if n > 0 {
            s.push_str(&match informational {
                true => format!(
                    " — would fail without --informational: {}",
                    ids(&self.denied)
                ),
                false => format!(" — {n} {what}{} {failed}", plural(n)),
            });
        }
        if !self.warned.is_empty() {
            s.push_str(&format!(" — warned (level warn): {}", ids(&self.warned)));
        }
        let n = self.unanswered.len();
        if n > 0 {
            s.push_str(&format!(" — {n} rule{} could not be checked", plural(n)));
        }
        s
    }

    /// A note per allowed rule that failed: it is shown, and said not to count.
    pub fn allowed_notes(&self) -> Vec<String> {
        self.allowed
            .iter()
            .map(|c| format!("Not enforced (--allow {}): {}", c.rule, c.message))
            .collect()
    }
}

impl Verdict {
    /// Lower-case name as used in outputs and the result file.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Skipped => "skipped",
        }
    }

    /// A one-character icon for markdown and terminals.
    pub fn icon(self) -> &'static str {
        match self {
            Verdict::Pass => "✅",
            Verdict::Warn => "⚠️",
            Verdict::Fail => "❌",
            Verdict::Error => "💥",
            Verdict::Inconclusive => "❔",
            Verdict::Skipped => "⏭️",
        }
    }
}

/// The result of one policy rule of a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Rule id, for example `coverage/min-lines`.
    pub rule: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// False when the data cannot answer it (a minimum on a metric the reports do not measure):
    /// such a check never passes, and the verdict is `inconclusive`.
    pub answered: bool,
    /// One line: the number, the limit, the rule.
    pub message: String,
    /// What failing it does (set from the user's levels by [`crate::rules::Levels::apply`]).
    pub level: crate::rules::RuleLevel,
    /// The file (and line) the check is about, when the report names it: its annotation
    /// goes there.
    pub at: Option<(String, Option<u32>)>,
}

impl Check {
    /// A check that passed or failed.
    pub fn new(rule: &'static str, passed: bool, message: impl Into<String>) -> Check {
        Check {
            rule,
            passed,
            answered: true,
            message: message.into(),
            level: crate::rules::RuleLevel::Deny,
            at: None,
        }
    }

    /// A check the data cannot answer.
    pub fn unanswered(rule: &'static str, message: impl Into<String>) -> Check {
        Check {
            rule,
            passed: false,
            answered: false,
            message: message.into(),
            level: crate::rules::RuleLevel::Deny,
            at: None,
        }
    }

    /// The same check about `path` (and `line`).
    pub fn at(mut self, path: impl Into<String>, line: Option<u32>) -> Check {
        self.at = Some((path.into(), line));
        self
    }

    /// The annotation of a failed check: an error (a warning when the gate is informational
    /// or the rule's level is `warn`, a notice when it is `allow`), so the checks tab says why
    /// the gate failed, not only the log.
    pub fn finding(&self, informational: bool) -> Finding {
        use crate::rules::RuleLevel;
        Finding {
            rule: self.rule.to_string(),
            level: match self.level {
                RuleLevel::Allow => Level::Notice,
                RuleLevel::Warn => Level::Warning,
                RuleLevel::Deny if informational => Level::Warning,
                RuleLevel::Deny => Level::Error,
            },
            message: self.message.clone(),
            path: self.at.as_ref().map(|(p, _)| p.clone()),
            start_line: self.at.as_ref().and_then(|(_, l)| *l),
            end_line: self.at.as_ref().and_then(|(_, l)| *l),
            title: Some(if self.answered {
                format!("{} failed", self.rule)
            } else {
                format!("{} could not be checked", self.rule)
            }),
            tool_rule: None,
            pointer: None,
            base_pointer: None,
        }
    }

    /// The reason a failed check gives in the outcome: `message (rule)`.
    pub fn reason(&self) -> String {
        format!("{} ({})", self.message, self.rule)
    }
}

impl Verdict {
    /// The verdict of a policy: pass when every check passed; fail (warn when informational)
    /// when an answered check failed; otherwise, with a check the data could not answer,
    /// inconclusive (which fails the job unless informational, see [`Outcome::exit_status`]).
    pub fn of_checks(checks: &[Check], informational: bool) -> Verdict {
        use crate::rules::RuleLevel;
        // An allowed rule is shown but never decides; a `warn` one at most warns. A check the
        // data cannot answer stays inconclusive unless its rule is allowed.
        let enforced = || checks.iter().filter(|c| c.level != RuleLevel::Allow);
        let failed = |level| enforced().any(|c| c.answered && !c.passed && c.level == level);
        match (
            failed(RuleLevel::Deny),
            enforced().any(|c| !c.answered),
            failed(RuleLevel::Warn),
            informational,
        ) {
            (true, _, _, true) => Verdict::Warn,
            (true, _, _, false) => Verdict::Fail,
            (false, true, _, _) => Verdict::Inconclusive,
            (false, false, true, _) => Verdict::Warn,
            (false, false, false, _) => Verdict::Pass,
        }
    }
}

/// Severity of one finding, in GitHub's annotation vocabulary.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Blocks or would block the change.
    Error,
    /// Worth a reviewer's look.
    Warning,
    /// Informational.
    Notice,
}

impl Level {
    /// The workflow command name for this level.
    pub fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One located observation a gate wants people to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Finding {
    /// Stable rule id, for example `coverage/uncovered-patch`.
    #[schemars(regex(pattern = r"^[a-z0-9-]+/[a-z0-9-]+$"))]
    pub rule: String,
    /// Severity.
    pub level: Level,
    /// Human message; untrusted text is allowed here, every emitter escapes it.
    pub message: String,
    /// Repository-relative path with `/` separators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// First line (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub start_line: Option<u32>,
    /// Last line (1-based, inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub end_line: Option<u32>,
    /// Short title shown above the annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The producing tool's own rule id (Bandit `B602`, Checkov `CKV_K8S_8`, a Semgrep rule
    /// id), beside the gate's `rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_rule: Option<String>,
    /// For a finding in a JSON or YAML document (an API description): the JSON pointer
    /// (RFC 6901, `/paths/~1pets/get`) of its spot in the file at `path`, the node its line is
    /// taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// For a finding about something removed from such a document: the removed thing's JSON
    /// pointer in the base revision (the head no longer has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_pointer: Option<String>,
}

/// A titled block of markdown for the job summary and the PR comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading text (plain, escaped when rendered).
    pub heading: String,
    /// Markdown body, already escaped by the gate where it holds untrusted text.
    pub body: String,
    /// Essential sections survive every stage of size degradation; details are dropped first.
    pub essential: bool,
}

/// Where and for what the gate ran, from the runner's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(extend("additionalProperties" = false))]
pub struct Context {
    /// `owner/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The commit the gate judged (the PR head for pull requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// The commit compared against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_sha: Option<String>,
    /// Pull request number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub pr: Option<u64>,
    /// Link to the workflow run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
}

/// Everything one gate run decided, ready for the emitters.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Gate name, for example `coverage`.
    pub gate: String,
    /// The decision.
    pub verdict: Verdict,
    /// One line saying what was decided and why.
    pub title: String,
    /// One line per failed or warning rule, in the order the rules ran.
    pub reasons: Vec<String>,
    /// Gate-specific metrics with stable, documented names.
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// Located findings, most important first.
    pub findings: Vec<Finding>,
    /// Markdown sections, in display order.
    pub sections: Vec<Section>,
    /// Repository, commit and pull request the run was about.
    pub context: Context,
    /// Plain log lines for the terminal and the Actions log (untrusted text allowed).
    pub notes: Vec<String>,
    /// Step outputs besides `verdict` and `result`, single-line values.
    pub outputs: Vec<(&'static str, String)>,
    /// Never fail the job: an `inconclusive` verdict exits 0 instead of 1.
    pub informational: bool,
}

impl Outcome {
    /// The outcome of a run that could not do its job: verdict `error`, the reason as title and
    /// as one error finding at the file and line at fault, and what to do in the summary.
    pub fn could_not_run(
        gate: crate::cli::GateId,
        err: &crate::InputError,
        context: Context,
    ) -> Outcome {
        let place = err.place();
        // A repository file gets the annotation on its line; a flag or variable has no file.
        let file = err
            .origin
            .file()
            .filter(|p| p.is_relative() && p.exists())
            .and_then(Path::to_str);
        let mut body = format!("`{}` could not run.\n\n", gate.binary);
        body.push_str(&format!(
            "- **Where**: {}\n- **What**: {}\n",
            crate::markdown::code(&place),
            crate::markdown::escape(&err.message)
        ));
        if !err.help.is_empty() {
            body.push_str(&format!(
                "- **What to do**: {}\n",
                crate::markdown::escape(&err.help)
            ));
        }
        Outcome {
            gate: gate.name.to_string(),
            verdict: Verdict::Error,
            title: format!("could not run: {place}: {}", first_line(&err.message)),
            reasons: Vec::new(),
            metrics: serde_json::Map::new(),
            findings: vec![Finding {
                rule: format!("{}/could-not-run", gate.name),
                level: Level::Error,
                // The annotation carries the file and line; elsewhere the message names them.
                message: {
                    let what = match file {
                        Some(_) => err.message.clone(),
                        None => format!("{place}: {}", err.message),
                    };
                    match err.help.is_empty() {
                        true => what,
                        false => format!("{what} — {}", err.help),
                    }
                },
                path: file.map(str::to_string),
                start_line: file.and(err.line).and_then(|l| u32::try_from(l).ok()),
                end_line: None,
                title: Some(format!("{} could not run", gate.binary)),
                tool_rule: None,
                pointer: None,
                base_pointer: None,
            }],
            sections: vec![Section {
                heading: "Error".into(),
                body,
                essential: true,
            }],
            context,
            notes: Vec::new(),
            outputs: Vec::new(),
            informational: false,
        }
    }

    /// The process exit status this outcome calls for.
    pub fn exit_status(&self) -> crate::ExitStatus {
        match self.verdict {
            Verdict::Fail => crate::ExitStatus::Failed,
            // A gate that could not see must not pass the job.
            Verdict::Inconclusive if !self.informational => crate::ExitStatus::Failed,
            Verdict::Error => crate::ExitStatus::Error,
            _ => crate::ExitStatus::Success,
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {

    /// The origin is typed: only a file gets the annotation's `file=`, even when a flag or a
    /// variable is named like a file that exists.
    #[test]
    fn only_a_file_origin_places_the_error_annotation() {
        use crate::error::Origin;
        let gate = crate::cli::GateId {
            name: "t",
            binary: "t-gate",
        };
        let at = |origin: Origin| {
            let err = crate::InputError::new(origin, "bad", "fix it").at(1, None);
            Outcome::could_not_run(gate, &err, Context::default()).findings[0]
                .path
                .clone()
        };
        // Tests run in the crate's directory, where Cargo.toml exists.
        assert_eq!(
            at(Origin::from("Cargo.toml")),
            Some("Cargo.toml".to_string())
        );
        assert_eq!(at(Origin::Flag("Cargo.toml".into())), None);
        assert_eq!(at(Origin::Env("Cargo.toml".into())), None);
        assert_eq!(Origin::api("GitHub API").to_string(), "(GitHub API)");
        assert_eq!(
            Origin::api_status("GitHub API", 403).to_string(),
            "(GitHub API, HTTP 403)"
        );
        let key = Origin::config_key(".github/gates.yml", "coverage.levels");
        assert_eq!(key.to_string(), ".github/gates.yml (coverage.levels)");
        assert_eq!(key.file(), Some(std::path::Path::new(".github/gates.yml")));
        assert_eq!(Origin::Cancelled.to_string(), "(cancelled)");
    }

    use super::*;

    fn check(passed: bool) -> Check {
        Check::new("gate/rule", passed, "3 findings (at most 2 allowed)")
    }

    #[test]
    fn a_check_the_data_cannot_answer_never_passes() {
        let u = Check::unanswered("gate/rule", "no lines measured");
        assert_eq!(
            Verdict::of_checks(&[check(true), u.clone()], false),
            Verdict::Inconclusive
        );
        assert_eq!(Verdict::of_checks(&[check(false), u], false), Verdict::Fail);
    }

    #[test]
    fn a_policy_fails_on_any_failed_check_and_warns_when_informational() {
        assert_eq!(Verdict::of_checks(&[], false), Verdict::Pass);
        assert_eq!(Verdict::of_checks(&[check(true)], false), Verdict::Pass);
        assert_eq!(
            Verdict::of_checks(&[check(true), check(false)], false),
            Verdict::Fail
        );
        assert_eq!(Verdict::of_checks(&[check(false)], true), Verdict::Warn);
        assert_eq!(
            check(false).reason(),
            "3 findings (at most 2 allowed) (gate/rule)"
        );
    }
}
