//! The `security:` section of `.github/gates.yml`. Flags add to and override it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gates_core::error::Origin;
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
    pub max: BTreeMap<Level, u64>,
    /// Most new findings (not in the baseline) allowed per severity.
    #[serde(default)]
    pub max_new: BTreeMap<Level, u64>,
    /// Severity given to findings whose scanner gives none (default: they stay `unknown`).
    pub unknown_as: Option<Level>,
    /// Severity overrides: by rule id, and by tool.
    #[serde(default)]
    pub overrides: Overrides,
    /// Accepted findings, each with a reason and optionally an expiry date.
    #[serde(default)]
    pub suppressions: Vec<Entry>,
    /// Rule levels by rule id (`security/max-new: warn`); `--allow/--warn/--deny` override them.
    /// The ids are in docs/rules/security.md.
    #[serde(default)]
    pub levels: BTreeMap<String, gates_core::rules::RuleLevel>,
    /// Never fail: failed rules become warnings (`--informational`).
    #[serde(default)]
    pub informational: bool,
}

impl gates_core::config::Layered for SecurityConfig {
    fn update(&mut self, over: Self) {
        self.max.extend(over.max);
        self.max_new.extend(over.max_new);
        self.unknown_as = over.unknown_as.or(self.unknown_as);
        self.overrides.rules.extend(over.overrides.rules);
        self.overrides.tools.extend(over.overrides.tools);
        self.suppressions.extend(over.suppressions);
        self.levels.extend(over.levels);
        self.informational |= over.informational;
    }
}

/// Severity overrides.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Rule id → severity.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Tool name → severity of all its findings.
    #[serde(default)]
    pub tools: BTreeMap<String, Level>,
}

/// A severity name in the config, checked where it is read so a wrong one is reported at its
/// line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Level(pub Severity);

const LEVELS: &str = "critical, high, medium, low, info or unknown";

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Severity::parse(&s).map(Level).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown severity {s:?}: use {LEVELS}"))
        })
    }
}

impl JsonSchema for Level {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Severity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ["critical", "high", "medium", "low", "info", "unknown"]
        })
    }
}

/// `critical=0,high=0,medium=5` → counts per severity.
pub fn parse_limits(s: &str, origin: &Origin) -> Result<BTreeMap<Severity, u64>, InputError> {
    let mut out = BTreeMap::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            InputError::new(
                origin.clone(),
                format!("{part:?} is not SEVERITY=N"),
                "write e.g. critical=0,high=0,medium=5",
            )
        })?;
        let sev = severity(k, "", origin)?;
        let n = v.trim().parse().map_err(|_| {
            InputError::new(
                origin.clone(),
                format!("{v:?} is not a count"),
                "write e.g. critical=0,high=0,medium=5",
            )
        })?;
        out.insert(sev, n);
    }
    Ok(out)
}

/// A config map of limits by severity.
pub fn limits(map: &BTreeMap<Level, u64>) -> BTreeMap<Severity, u64> {
    map.iter().map(|(k, v)| (k.0, *v)).collect()
}

impl Overrides {
    /// Overrides by tool and by rule, each with its severity and the reason its findings show.
    pub fn resolve(&self) -> ResolvedOverrides<'_> {
        ResolvedOverrides {
            tools: resolve(&self.tools, "override for"),
            rules: resolve(&self.rules, "override for rule"),
        }
    }
}

fn resolve<'a>(
    map: &'a BTreeMap<String, Level>,
    reason: &str,
) -> HashMap<&'a str, (Severity, Name)> {
    map.iter()
        .map(|(k, v)| (k.as_str(), (v.0, format!("{reason} {k}").into())))
        .collect()
}

/// [`Overrides`] checked: name → (severity, reason).
pub struct ResolvedOverrides<'a> {
    /// By tool.
    pub tools: HashMap<&'a str, (Severity, Name)>,
    /// By rule id.
    pub rules: HashMap<&'a str, (Severity, Name)>,
}

/// A severity name given on the command line; `what` names the flag.
pub fn severity(name: &str, what: &str, origin: &Origin) -> Result<Severity, InputError> {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    };
    Severity::parse(name).ok_or_else(|| {
        InputError::new(
            origin.clone(),
            format!("{what}unknown severity {name:?}"),
            format!("use {LEVELS}"),
        )
    })
}

impl SecurityConfig {
    /// Load from `.github/gates.yml` (absent file or section: defaults).
    pub fn load(path: &Path, required: bool) -> Result<Self, InputError> {
        Ok(
            gates_core::config::load_section(path, gates_core::cli::SECURITY.name, required)?
                .unwrap_or_default(),
        )
    }
}

/// The JSON Schema of the `security:` section.
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(SecurityConfig))
        .expect("a schema serialises")
        + "\n"
}
