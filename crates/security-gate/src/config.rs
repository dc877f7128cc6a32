//! The `security:` section of `.github/gates.yml`. Flags add to and override it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gates_core::InputError;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::model::{Name, Severity};
use crate::suppress::Entry;

/// Settings of the security gate.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecurityConfig {
    /// Most findings allowed per severity (`critical: 0`, `high: 0`, `medium: 5`).
    #[serde(default)]
    pub max: BTreeMap<String, u64>,
    /// Most new findings (not in the baseline) allowed per severity.
    #[serde(default)]
    pub max_new: BTreeMap<String, u64>,
    /// Severity given to findings whose scanner gives none (default: they stay `unknown`).
    pub unknown_as: Option<String>,
    /// Severity overrides: by rule id, and by tool.
    #[serde(default)]
    pub overrides: Overrides,
    /// Accepted findings, each with a reason and optionally an expiry date.
    #[serde(default)]
    pub suppressions: Vec<Entry>,
}

/// Severity overrides.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Rule id → severity.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
    /// Tool name → severity of all its findings.
    #[serde(default)]
    pub tools: BTreeMap<String, String>,
}

/// `critical=0,high=0,medium=5` → counts per severity.
pub fn parse_limits(s: &str, origin: &Path) -> Result<BTreeMap<Severity, u64>, InputError> {
    let mut out = BTreeMap::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            InputError::new(
                origin,
                format!("{part:?} is not SEVERITY=N"),
                "write e.g. critical=0,high=0,medium=5",
            )
        })?;
        let sev = Severity::parse(k).ok_or_else(|| {
            InputError::new(
                origin,
                format!("unknown severity {k:?}"),
                "use critical, high, medium, low, info or unknown",
            )
        })?;
        let n = v.trim().parse().map_err(|_| {
            InputError::new(
                origin,
                format!("{v:?} is not a count"),
                "write e.g. critical=0,high=0,medium=5",
            )
        })?;
        out.insert(sev, n);
    }
    Ok(out)
}

/// Turn a map of names into severities, naming `what` in errors.
pub fn limits(
    map: &BTreeMap<String, u64>,
    what: &str,
    origin: &Path,
) -> Result<BTreeMap<Severity, u64>, InputError> {
    let what = format!("security.{what}");
    map.iter()
        .map(|(k, v)| Ok((severity(k, &what, origin)?, *v)))
        .collect()
}

impl Overrides {
    /// Overrides by tool and by rule, each with its severity and the reason its findings show.
    /// Every value is checked here, once, whether a finding uses it or not.
    pub fn resolve(&self, origin: &Path) -> Result<ResolvedOverrides<'_>, InputError> {
        Ok(ResolvedOverrides {
            tools: resolve(
                &self.tools,
                "security.overrides.tools",
                "override for",
                origin,
            )?,
            rules: resolve(
                &self.rules,
                "security.overrides.rules",
                "override for rule",
                origin,
            )?,
        })
    }
}

fn resolve<'a>(
    map: &'a BTreeMap<String, String>,
    what: &str,
    reason: &str,
    origin: &Path,
) -> Result<HashMap<&'a str, (Severity, Name)>, InputError> {
    map.iter()
        .map(|(k, v)| {
            let why: Name = format!("{reason} {k}").into();
            Ok((k.as_str(), (severity(v, what, origin)?, why)))
        })
        .collect()
}

/// [`Overrides`] checked: name → (severity, reason).
pub struct ResolvedOverrides<'a> {
    /// By tool.
    pub tools: HashMap<&'a str, (Severity, Name)>,
    /// By rule id.
    pub rules: HashMap<&'a str, (Severity, Name)>,
}

/// A severity name from the config.
pub fn severity(name: &str, what: &str, origin: &Path) -> Result<Severity, InputError> {
    Severity::parse(name).ok_or_else(|| {
        InputError::new(
            origin,
            format!("{what}: unknown severity {name:?}"),
            "use critical, high, medium, low, info or unknown",
        )
    })
}

impl SecurityConfig {
    /// Load from `.github/gates.yml` (absent file or section: defaults).
    pub fn load(path: &Path, required: bool) -> Result<Self, InputError> {
        Ok(gates_core::config::load_section(path, "security", required)?.unwrap_or_default())
    }
}

/// The JSON Schema of the `security:` section.
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(SecurityConfig))
        .expect("a schema serialises")
        + "\n"
}
