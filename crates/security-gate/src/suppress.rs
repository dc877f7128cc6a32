//! The suppressions file: each entry matches by rule, advisory id or alias, path glob and
//! package, needs a reason, and may expire. An expired entry stops suppressing and says so.

use std::path::Path;

use gates_core::InputError;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::model::Finding;

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    /// Rule id (B602, CKV_AWS_18, generic-api-key, ...).
    pub rule: Option<String>,
    /// Advisory id or any alias (CVE-…, GHSA-…, PYSEC-…, RUSTSEC-…).
    pub id: Option<String>,
    /// Glob over repository paths.
    pub path: Option<String>,
    /// Package name.
    pub package: Option<String>,
    /// Why this is accepted (required).
    pub reason: String,
    /// Last day it applies, `YYYY-MM-DD`.
    pub expires: Option<Expires>,
}

/// The file: `suppressions:` at the top, or the `security:` section of `.github/gates.yml`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Entries.
    #[serde(default)]
    pub suppressions: Vec<Entry>,
}

/// A calendar day.
pub type Day = jiff::civil::Date;

/// Parse `YYYY-MM-DD`, a real day of the calendar (2026-02-31 is not one).
pub fn parse_day(s: &str) -> Option<Day> {
    let s = s.trim();
    // jiff also reads other ISO 8601 forms; the documented form is the only one accepted.
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped.then(|| s.parse().ok()).flatten()
}

/// Today (UTC) from the system clock.
pub fn today() -> Day {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Days from `a` to `b`.
fn days_between(a: Day, b: Day) -> i64 {
    i64::from(b.since(a).map_or(0, |span| span.get_days()))
}

/// An `expires` value, checked where it is read so a bad one is reported at its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expires(pub Day);

impl<'de> Deserialize<'de> for Expires {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_day(&s).map(Expires).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expires {s:?} is not a day of the calendar: write YYYY-MM-DD, e.g. 2027-01-31"
            ))
        })
    }
}

impl schemars::JsonSchema for Expires {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Expires".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Last day it applies, YYYY-MM-DD.",
            "type": "string",
            "format": "date"
        })
    }
}

impl std::fmt::Display for Expires {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Entries ready to match.
pub struct Suppressions {
    entries: Vec<(Entry, Option<GlobMatcher>, Option<Day>)>,
    used: Vec<usize>,
    today: Day,
}

/// What the file did, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Review {
    /// Entries past their date (they no longer suppress).
    pub expired: Vec<String>,
    /// Entries that matched nothing.
    pub unused: Vec<String>,
    /// Entries expiring within 14 days.
    pub expiring: Vec<String>,
}

fn describe(e: &Entry) -> String {
    let sel: Vec<String> = [
        ("rule", &e.rule),
        ("id", &e.id),
        ("path", &e.path),
        ("package", &e.package),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .collect();
    format!(
        "{} ({}){}",
        sel.join(", "),
        e.reason,
        e.expires
            .as_ref()
            .map(|x| format!(", expires {x}"))
            .unwrap_or_default()
    )
}

impl Suppressions {
    /// Validate entries from `origin`: a reason, at least one selector, valid globs and dates.
    pub fn new(entries: Vec<Entry>, origin: &Path, today: Day) -> Result<Self, InputError> {
        let mut out = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            let bad = |m: String| {
                InputError::new(origin, format!("suppressions[{i}]: {m}"), "each entry needs a reason, at least one of rule, id, path, package, and dates as YYYY-MM-DD")
            };
            if e.reason.trim().is_empty() {
                return Err(bad("reason is empty".into()));
            }
            if e.rule.is_none() && e.id.is_none() && e.path.is_none() && e.package.is_none() {
                return Err(bad(
                    "matches everything: give rule, id, path or package".into()
                ));
            }
            let glob = e
                .path
                .as_deref()
                .map(|p| {
                    Glob::new(p)
                        .map(|g| g.compile_matcher())
                        .map_err(|x| bad(format!("path: {x}")))
                })
                .transpose()?;
            let exp = e.expires.map(|x| x.0);
            out.push((e, glob, exp));
        }
        Ok(Suppressions {
            entries: out,
            used: Vec::new(),
            today,
        })
    }

    /// Add another set's entries (the config's to the file's).
    pub fn extend(&mut self, other: Suppressions) {
        self.entries.extend(other.entries);
    }

    /// Read a standalone file.
    pub fn load(path: &Path, today: Day) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, &e))?;
        let file: File = serde_yaml::from_str(&text).map_err(|e| {
            let err = InputError::new(
                path,
                gates_core::config::friendly(&format!("invalid suppressions file: {e}")),
                "see schemas/config/security.schema.json",
            );
            match e.location() {
                Some(l) => err.at(l.line() as u64, Some(l.column() as u64)),
                None => err,
            }
        })?;
        Self::new(file.suppressions, path, today)
    }

    /// Suppress `f` if an unexpired entry matches it.
    pub fn apply(&mut self, f: &mut Finding) {
        if f.suppressed.is_some() {
            return;
        }
        for (i, (e, glob, exp)) in self.entries.iter().enumerate() {
            let rule_ok = e
                .rule
                .as_ref()
                .is_none_or(|r| r.eq_ignore_ascii_case(&f.rule));
            let id_ok = e.id.as_ref().is_none_or(|id| {
                f.ids.iter().any(|x| x.eq_ignore_ascii_case(id)) || f.rule.eq_ignore_ascii_case(id)
            });
            let path_ok = glob
                .as_ref()
                .is_none_or(|g| f.path.as_deref().is_some_and(|p| g.is_match(p)));
            let pkg_ok = e.package.as_ref().is_none_or(|p| {
                f.package
                    .as_ref()
                    .is_some_and(|x| x.name.eq_ignore_ascii_case(p))
            });
            if rule_ok && id_ok && path_ok && pkg_ok {
                if !self.used.contains(&i) {
                    self.used.push(i);
                }
                if exp.is_some_and(|d| d < self.today) {
                    continue;
                }
                f.suppressed = Some(format!("suppressed: {}", e.reason).into());
                return;
            }
        }
    }

    /// Expired, unused and soon-expiring entries.
    pub fn review(&self) -> Review {
        let mut r = Review::default();
        for (i, (e, _, exp)) in self.entries.iter().enumerate() {
            match exp.map(|d| days_between(self.today, d)) {
                Some(left) if left < 0 => r.expired.push(describe(e)),
                Some(left) if left <= 14 => r.expiring.push(describe(e)),
                _ => {}
            }
            if !self.used.contains(&i) {
                r.unused.push(describe(e));
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_real_calendar_days_in_the_documented_form() {
        let d = |s| parse_day(s);
        assert_eq!(
            days_between(d("2026-11-23").unwrap(), d("2026-12-01").unwrap()),
            8
        );
        assert!(d("2028-02-29").is_some());
        for bad in [
            "2026-02-31",
            "2027-02-29",
            "2026-13-01",
            "2026-1-5",
            "20261105",
            "2026-11-05T00:00",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
