//! The rule registry: every gate declares its rules in one [`Catalogue`] (stable id, default
//! level, a one-line doc and an example), and users change a rule's level with
//! `--allow/--warn/--deny <id>` or the `levels:` key of the gate's config section, as cargo-deny
//! does. Ids are `<gate>/<name>`, so a catalogue that passes [`Catalogue::check`] cannot clash
//! with another gate's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Origin;
use crate::outcome::Check;
use crate::InputError;

/// What a failed rule does to the verdict.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
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
pub enum RuleLevel {
    /// It fails the gate (the default of every limit a user sets).
    #[default]
    Deny,
    /// It is reported as a warning; the gate does not fail on it.
    Warn,
    /// It is not enforced: shown in the report, never in the verdict.
    Allow,
}

impl RuleLevel {
    /// `deny`, `warn` or `allow`.
    pub fn name(self) -> &'static str {
        match self {
            RuleLevel::Deny => "deny",
            RuleLevel::Warn => "warn",
            RuleLevel::Allow => "allow",
        }
    }
}

/// One rule of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, `<gate>/<name>`: it appears in logs, annotations, result files and configs.
    pub id: &'static str,
    /// Its level unless the user changes it.
    pub level: RuleLevel,
    /// What it checks, in one line.
    pub doc: &'static str,
    /// How a user turns it on, e.g. `--min-lines 80`.
    pub example: &'static str,
}

/// A gate's rules.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    /// The gate's name (`coverage`): every id starts with it and a `/`.
    pub gate: &'static str,
    /// Its rules, in the order the docs list them.
    pub rules: &'static [Rule],
}

impl Catalogue {
    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&'static Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every id carries the gate's prefix, no id repeats, and each rule has a doc and an
    /// example; the list of problems otherwise (each gate's tests assert it is empty).
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        // A known gate's name as every id's prefix: ids are then unique across gates too.
        if !crate::cli::GATES.iter().any(|g| g.name == self.gate) {
            problems.push(format!(
                "{}: not a gate of gates_core::cli::GATES",
                self.gate
            ));
        }
        let prefix = format!("{}/", self.gate);
        for (i, r) in self.rules.iter().enumerate() {
            let name = r.id.strip_prefix(&prefix).unwrap_or("");
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                problems.push(format!("{}: not {prefix}<lower-case-name>", r.id));
            }
            if self.rules[..i].iter().any(|o| o.id == r.id) {
                problems.push(format!("{}: listed twice", r.id));
            }
            if r.doc.trim().is_empty() || r.example.trim().is_empty() {
                problems.push(format!("{}: needs a doc line and an example", r.id));
            }
        }
        problems
    }

    /// The catalogue as the page `docs/rules/<gate>.md`.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# {} rules\n\nGenerated from the gate's rule catalogue; do not edit. Ids are stable: they appear in the log, annotations, the job summary and the result file. Change a rule's level with `--allow`, `--warn` or `--deny <id>`, or in `.github/gates.yml`:\n\n```yaml\n{}:\n  levels:\n    {}: warn\n```\n\n| id | default | checks | example |\n|---|---|---|---|\n",
            self.gate,
            self.gate,
            self.rules.first().map_or("<id>", |r| r.id)
        );
        for r in self.rules {
            s.push_str(&format!(
                "| `{}` | {} | {} | `{}` |\n",
                r.id,
                r.level.name(),
                r.doc,
                r.example
            ));
        }
        // Every gate's error outcome ([`crate::Outcome::could_not_run`]): listed, not levelled.
        s.push_str(&format!(
            "| `{}/could-not-run` | error, always | Not a check: the gate could not do its job (a missing or malformed input, a bad config, an API that did not answer). The verdict is `error`, with one `::error` annotation naming the file and line; no level changes it. | a report path that does not exist |\n",
            self.gate
        ));
        s
    }
}

/// Flags every gate takes for rule levels; flattened into [`crate::cli::CommonArgs`].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LevelArgs {
    /// Do not enforce this rule (repeatable): it is shown, never fails the gate.
    #[arg(long, value_name = "RULE")]
    pub allow: Vec<String>,
    /// Report this rule as a warning instead of failing (repeatable).
    #[arg(long, value_name = "RULE")]
    pub warn: Vec<String>,
    /// Fail the gate on this rule (repeatable; the default of every limit).
    #[arg(long, value_name = "RULE")]
    pub deny: Vec<String>,
}

/// The level of each rule after config and flags (empty by default: every rule denied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels {
    levels: BTreeMap<&'static str, RuleLevel>,
}

impl Levels {
    /// Defaults from `catalogue`, then the config's `levels:` (from `config_path`), then the
    /// flags. An id the catalogue does not hold is an error listing the ones it does.
    pub fn new(
        catalogue: &Catalogue,
        config: &BTreeMap<String, RuleLevel>,
        config_path: &Path,
        flags: &LevelArgs,
    ) -> Result<Levels, InputError> {
        let mut levels: BTreeMap<&'static str, RuleLevel> =
            catalogue.rules.iter().map(|r| (r.id, r.level)).collect();
        let unknown = |origin: Origin, id: &str| {
            InputError::new(
                origin,
                format!("no rule {id:?} in the {} gate", catalogue.gate),
                format!(
                    "use one of {}",
                    catalogue
                        .rules
                        .iter()
                        .map(|r| r.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        for (id, level) in config {
            let rule = catalogue.get(id).ok_or_else(|| {
                unknown(
                    Origin::config_key(config_path, format!("{}.levels", catalogue.gate)),
                    id,
                )
            })?;
            levels.insert(rule.id, *level);
        }
        for (list, level, flag) in [
            (&flags.allow, RuleLevel::Allow, "--allow"),
            (&flags.warn, RuleLevel::Warn, "--warn"),
            (&flags.deny, RuleLevel::Deny, "--deny"),
        ] {
            for id in list {
                let rule = catalogue
                    .get(id)
                    .ok_or_else(|| unknown(Origin::Flag(flag.into()), id))?;
                levels.insert(rule.id, level);
            }
        }
        Ok(Levels { levels })
    }

    /// The level of `id` (rules not in the catalogue are denied, as every limit is).
    pub fn of(&self, id: &str) -> RuleLevel {
        self.levels.get(id).copied().unwrap_or_default()
    }

    /// Set each check's level from its rule.
    pub fn apply(&self, checks: &mut [Check]) {
        for c in checks {
            c.level = self.of(c.rule);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[Rule] = &[
        Rule {
            id: "perf/min-x",
            level: RuleLevel::Deny,
            doc: "x is at least the minimum",
            example: "--min-x 5",
        },
        Rule {
            id: "perf/max-y",
            level: RuleLevel::Warn,
            doc: "y is at most the maximum",
            example: "--max-y 3",
        },
    ];
    const PERF_DEMO: Catalogue = Catalogue {
        gate: "perf",
        rules: RULES,
    };

    #[test]
    fn a_catalogue_with_foreign_repeated_or_undocumented_ids_is_reported() {
        assert!(PERF_DEMO.check().is_empty());
        const BAD: &[Rule] = &[
            Rule {
                id: "other/x",
                level: RuleLevel::Deny,
                doc: "d",
                example: "e",
            },
            Rule {
                id: "perf/Y",
                level: RuleLevel::Deny,
                doc: "",
                example: "e",
            },
            Rule {
                id: "perf/Y",
                level: RuleLevel::Deny,
                doc: "d",
                example: "e",
            },
        ];
        let problems = Catalogue {
            gate: "perf",
            rules: BAD,
        }
        .check();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().any(|p| p == "perf/Y: listed twice"));
    }

    #[test]
    fn flags_override_the_config_which_overrides_the_defaults() {
        let config = BTreeMap::from([("perf/min-x".to_string(), RuleLevel::Warn)]);
        let none = LevelArgs::default();
        let l = Levels::new(&PERF_DEMO, &config, Path::new("gates.yml"), &none).unwrap();
        assert_eq!(l.of("perf/min-x"), RuleLevel::Warn);
        assert_eq!(l.of("perf/max-y"), RuleLevel::Warn);
        let flags = LevelArgs {
            deny: vec!["perf/min-x".into(), "perf/max-y".into()],
            ..Default::default()
        };
        let l = Levels::new(&PERF_DEMO, &config, Path::new("gates.yml"), &flags).unwrap();
        assert_eq!(l.of("perf/min-x"), RuleLevel::Deny);
        assert_eq!(l.of("perf/max-y"), RuleLevel::Deny);
        let mut checks = [Check::new("perf/max-y", false, "y 4 > 3")];
        Levels::new(&PERF_DEMO, &BTreeMap::new(), Path::new("x"), &none)
            .unwrap()
            .apply(&mut checks);
        assert_eq!(checks[0].level, RuleLevel::Warn);
    }

    #[test]
    fn an_unknown_rule_names_the_flag_and_the_rules_there_are() {
        let flags = LevelArgs {
            allow: vec!["perf/min-z".into()],
            ..Default::default()
        };
        let e =
            Levels::new(&PERF_DEMO, &BTreeMap::new(), Path::new("gates.yml"), &flags).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--allow") && text.contains("\"perf/min-z\""),
            "{text}"
        );
        assert!(e.help.contains("perf/min-x, perf/max-y"), "{}", e.help);
    }
}
