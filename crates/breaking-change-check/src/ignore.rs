//! The ignore file: accepted breaking changes, each keyed by rule id and operation
//! (`GET /pets/{id}`) or GraphQL schema coordinate (`Query.user(id:)`), with a required reason and an optional expiry day. An expired entry no
//! longer applies; it and an entry that matches nothing (stale) are reported, so the file
//! does not silently outlive the changes it was written for.
//!
//! ```yaml
//! ignore:
//!   - rule: request-parameter-removed        # or breaking-change/request-parameter-removed
//!     operation: GET /pets
//!     reason: v1 clients never sent it (see #123)
//!     expires: 2027-01-31
//!   - rule: graphql-field-removed
//!     coordinate: User.login
//!     reason: announced in the March changelog
//! ```

use std::path::Path;

use gates_core::InputError;
use serde::Deserialize;

use crate::gate::Evaluation;

/// One accepted change.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Rule id, with or without the `breaking-change/` prefix.
    pub rule: String,
    /// `METHOD /path` as the finding names it; absent for changes with no operation.
    pub operation: Option<String>,
    /// A GraphQL schema coordinate as the finding names it (`Type.field`,
    /// `Type.field(arg:)`, `Enum.VALUE`, `@directive(arg:)`); instead of `operation`.
    pub coordinate: Option<String>,
    /// Why the change is accepted (required, not empty).
    pub reason: String,
    /// Last day (YYYY-MM-DD, UTC) the entry applies.
    pub expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<Entry>,
}

/// Read an ignore file.
pub fn load(path: &Path) -> Result<Vec<Entry>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError::io(path, &e))?;
    let file: File = serde_yaml::from_str(&text).map_err(|e| {
        let err = InputError::new(
            path,
            gates_core::config::friendly(&e.to_string()),
            "each entry has rule, operation (or coordinate), reason and optionally expires (YYYY-MM-DD)",
        );
        match e.location() {
            Some(l) => err.at(l.line() as u64, Some(l.column() as u64)),
            None => err,
        }
    })?;
    for (i, e) in file.ignore.iter().enumerate() {
        let bad = |what: &str| {
            InputError::new(
                path,
                format!("ignore entry {}: {what}", i + 1),
                "give every entry a reason, and expires as YYYY-MM-DD",
            )
        };
        if e.operation.is_some() && e.coordinate.is_some() {
            return Err(bad("give operation or coordinate, not both"));
        }
        if e.reason.trim().is_empty() {
            return Err(bad("the reason is empty"));
        }
        if let Some(x) = &e.expires {
            if x.parse::<jiff::civil::Date>().is_err() {
                return Err(bad(&format!("expires {x:?} is not a YYYY-MM-DD day")));
            }
        }
    }
    Ok(file.ignore)
}

/// Drop the changes the entries accept; return notes on expired and stale entries.
pub fn apply(eval: &mut Evaluation, entries: &[Entry], today: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let mut used = vec![false; entries.len()];
    let active: Vec<bool> = entries
        .iter()
        .map(|e| e.expires.as_deref().is_none_or(|x| x >= today))
        .collect();
    eval.changes.retain(|c| {
        let short = c.change.rule.id.trim_start_matches("breaking-change/");
        let hit = entries.iter().enumerate().find(|(i, e)| {
            active[*i]
                && (e.rule == c.change.rule.id || e.rule == short)
                && match &e.coordinate {
                    Some(coord) => c.change.coordinate.as_deref() == Some(coord.as_str()),
                    None => {
                        c.change.coordinate.is_none()
                            && e.operation.as_deref() == c.change.op.as_deref()
                    }
                }
        });
        match hit {
            Some((i, _)) => {
                used[i] = true;
                false
            }
            None => true,
        }
    });
    eval.ignored = used.iter().filter(|u| **u).count() as u64;
    for (i, e) in entries.iter().enumerate() {
        let what = format!(
            "{} {}",
            e.rule,
            e.coordinate
                .as_deref()
                .or(e.operation.as_deref())
                .unwrap_or("(no operation)")
        );
        if !active[i] {
            notes.push(format!(
                "warning: ignore entry {what} expired on {}: it no longer applies",
                e.expires.as_deref().unwrap_or("")
            ));
        } else if !used[i] {
            notes.push(format!(
                "warning: ignore entry {what} is stale: it matches no change; remove it"
            ));
        }
    }
    notes
}
