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
    pub expires: Option<String>,
}

/// The file: `suppressions:` at the top, or the `security:` section of `.github/gates.yml`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Entries.
    #[serde(default)]
    pub suppressions: Vec<Entry>,
}

/// A day as (year, month, day).
pub type Day = (i32, u32, u32);

/// Parse `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<Day> {
    let mut it = s.trim().splitn(3, '-');
    let (y, m, d) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Today (UTC) from the system clock.
pub fn today() -> Day {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil((secs / 86_400) as i64)
}

/// Days since 1970-01-01 → civil date (Howard Hinnant's algorithm).
fn civil(z: i64) -> Day {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn days(d: Day) -> i64 {
    let (y, m, d) = (
        i64::from(d.0) - i64::from(d.1 <= 2),
        i64::from(d.1),
        i64::from(d.2),
    );
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
            let exp = e
                .expires
                .as_deref()
                .map(|x| {
                    parse_day(x).ok_or_else(|| bad(format!("expires {x:?} is not YYYY-MM-DD")))
                })
                .transpose()?;
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
                format!("invalid suppressions file: {e}"),
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
                if exp.is_some_and(|d| days(d) < days(self.today)) {
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
            match exp.map(|d| days(d) - days(self.today)) {
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
    fn calendar_round_trips() {
        for d in [(1970, 1, 1), (2000, 2, 29), (2026, 11, 23), (2100, 12, 31)] {
            assert_eq!(civil(days(d)), d);
        }
        assert_eq!(days((2026, 12, 1)) - days((2026, 11, 23)), 8);
    }
}
