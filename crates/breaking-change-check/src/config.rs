//! The `breaking-change:` section of `.github/gates.yml`. Flags override it.

use std::collections::BTreeMap;
use std::path::Path;

use gates_core::InputError;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the breaking-change gate.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BreakingConfig {
    /// Which findings fail the gate: `ERR` (the default) or `WARN`.
    pub fail_on: Option<String>,
    /// Rule levels by rule id (`breaking-change/request-parameter-removed: deny`);
    /// `--allow/--warn/--deny` override them.
    #[serde(default)]
    pub levels: BTreeMap<String, gates_core::rules::RuleLevel>,
    /// Days a deprecated operation, parameter or property must stay before it may be removed:
    /// whatever this change deprecates must name an `x-sunset` (YYYY-MM-DD) at least this many
    /// days ahead, and removing a deprecated thing is INFO once its x-sunset has passed, ERR
    /// before it or when it has none. Unset: removing a deprecated thing without an x-sunset
    /// is INFO (oasdiff's default). In GraphQL the removal day in a `@deprecated` reason
    /// (`Removal on 2026-07-01 UTC`) is the x-sunset.
    pub deprecation_grace_days: Option<u32>,
    /// Never fail: failed rules become warnings (`--informational`).
    #[serde(default)]
    pub informational: bool,
}

impl gates_core::config::Layered for BreakingConfig {
    fn update(&mut self, over: Self) {
        self.fail_on = over.fail_on.or(self.fail_on.take());
        self.levels.extend(over.levels);
        self.deprecation_grace_days = over.deprecation_grace_days.or(self.deprecation_grace_days);
        self.informational |= over.informational;
    }
}

impl BreakingConfig {
    /// Read the section from `path` (absent: `None`, an error when `required`).
    pub fn load(path: &Path, required: bool) -> Result<Option<Self>, InputError> {
        gates_core::config::load_section(path, gates_core::cli::BREAKING_CHANGE.name, required)
    }
}

/// The JSON Schema of the `breaking-change:` section (committed as
/// schemas/config/breaking-change.schema.json).
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(BreakingConfig))
        .expect("a schema serialises")
        + "\n"
}
