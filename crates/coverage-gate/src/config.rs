//! The `coverage:` section of `.github/gates.yml`. Flags override it.

use std::path::Path;

use gates_core::error::Origin;
use gates_core::InputError;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the coverage gate. Every threshold is optional; an absent one is not checked.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CoverageConfig {
    /// Minimum line coverage over all files, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_lines: Option<f64>,
    /// Minimum branch coverage over all files, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_branches: Option<f64>,
    /// Minimum function coverage over all files, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_functions: Option<f64>,
    /// Minimum coverage of the coverable lines the change adds or modifies, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_patch: Option<f64>,
    /// Largest allowed drop of line coverage against the baseline, in percentage points.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub max_drop: Option<f64>,
    /// Fail when the number of uncovered lines grows against the baseline (immune to deleting
    /// covered code).
    #[serde(default)]
    pub uncovered_must_not_increase: bool,
    /// Per-path minimums: the first rule whose glob matches a file applies to it.
    #[serde(default)]
    pub paths: Vec<PathRule>,
    /// `FROM=TO` prefix rewrites for report paths the gate cannot find in the checkout.
    #[serde(default)]
    pub path_map: Vec<String>,
    /// Globs of repository paths to leave out of every number (generated code, vendored code).
    #[serde(default, deserialize_with = "gates_core::config::globs")]
    pub exclude: Vec<String>,
    /// Report but never fail: a failed rule becomes a warning.
    #[serde(default)]
    pub informational: bool,
    /// Level of the annotations on uncovered changed lines (default `warning`), and the most
    /// severe level any annotation of the gate is shown at (`off` for none).
    pub annotations: Option<AnnotationLevel>,
    /// Rule levels by rule id (`coverage/min-branches: warn`); `--allow/--warn/--deny` override
    /// them. The ids are in docs/rules/coverage.md.
    #[serde(default)]
    pub levels: std::collections::BTreeMap<String, gates_core::rules::RuleLevel>,
}

/// A minimum for the files under one glob.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PathRule {
    /// Glob over repository paths, e.g. `src/core/**`.
    #[serde(deserialize_with = "gates_core::config::glob")]
    pub path: String,
    /// Minimum line coverage of the matching files together, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_lines: Option<f64>,
    /// Minimum branch coverage of the matching files together, in percent.
    #[schemars(range(min = 0, max = 100))]
    #[serde(default, deserialize_with = "gates_core::config::percent")]
    pub min_branches: Option<f64>,
}

/// Annotation level for uncovered changed lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AnnotationLevel {
    /// Red.
    Error,
    /// Yellow (the default).
    #[default]
    Warning,
    /// Blue.
    Notice,
    /// No annotations.
    Off,
}

impl From<gates_core::annotations::Setting> for AnnotationLevel {
    fn from(s: gates_core::annotations::Setting) -> Self {
        use gates_core::annotations::Setting;
        match s {
            Setting::Error => AnnotationLevel::Error,
            Setting::Warning => AnnotationLevel::Warning,
            Setting::Notice => AnnotationLevel::Notice,
            Setting::Off => AnnotationLevel::Off,
        }
    }
}

impl From<AnnotationLevel> for gates_core::annotations::Setting {
    fn from(l: AnnotationLevel) -> Self {
        use gates_core::annotations::Setting;
        match l {
            AnnotationLevel::Error => Setting::Error,
            AnnotationLevel::Warning => Setting::Warning,
            AnnotationLevel::Notice => Setting::Notice,
            AnnotationLevel::Off => Setting::Off,
        }
    }
}

/// Most `exclude` plus `paths` globs a config may hold.
pub const MAX_GLOBS: usize = 1000;

impl gates_core::config::Layered for CoverageConfig {
    fn update(&mut self, over: Self) {
        self.min_lines = over.min_lines.or(self.min_lines);
        self.min_branches = over.min_branches.or(self.min_branches);
        self.min_functions = over.min_functions.or(self.min_functions);
        self.min_patch = over.min_patch.or(self.min_patch);
        self.max_drop = over.max_drop.or(self.max_drop);
        self.uncovered_must_not_increase |= over.uncovered_must_not_increase;
        self.paths.extend(over.paths);
        self.path_map.extend(over.path_map);
        self.exclude.extend(over.exclude);
        self.informational |= over.informational;
        self.annotations = over.annotations.or(self.annotations);
        self.levels.extend(over.levels);
    }
}

impl CoverageConfig {
    /// Load from `path`; absent file or section gives the defaults.
    pub fn load(path: &Path, required: bool) -> Result<Self, InputError> {
        let cfg: Self =
            gates_core::config::load_section(path, gates_core::cli::COVERAGE.name, required)?
                .unwrap_or_default();
        cfg.validate(&path.into())?;
        Ok(cfg)
    }

    /// Check every value; `origin` is the file, or the command line once flags are merged in.
    /// Checked before anything is built from the config.
    pub fn validate(&self, origin: &Origin) -> Result<(), InputError> {
        let mut checks: Vec<(String, Option<f64>)> = vec![
            ("min-lines".into(), self.min_lines),
            ("min-branches".into(), self.min_branches),
            ("min-functions".into(), self.min_functions),
            ("min-patch".into(), self.min_patch),
            ("max-drop".into(), self.max_drop),
        ];
        for (i, r) in self.paths.iter().enumerate() {
            checks.push((format!("paths[{i}].min-lines"), r.min_lines));
            checks.push((format!("paths[{i}].min-branches"), r.min_branches));
            globset::Glob::new(&r.path).map_err(|e| {
                InputError::new(
                    origin.clone(),
                    format!("paths[{i}].path: {e}"),
                    "write a glob such as src/core/**",
                )
            })?;
        }
        // 100k globs took 1.4 GB; real configs list a few dozen.
        if self.exclude.len() + self.paths.len() > MAX_GLOBS {
            return Err(InputError::new(
                origin.clone(),
                format!(
                    "{} exclude and paths globs (at most {MAX_GLOBS})",
                    self.exclude.len() + self.paths.len()
                ),
                "exclude whole directories (a directory name or dir/**) instead of single files",
            ));
        }
        for g in &self.exclude {
            globset::Glob::new(g).map_err(|e| {
                InputError::new(
                    origin.clone(),
                    format!("exclude {g}: {e}"),
                    "write a glob such as **/generated/**",
                )
            })?;
        }
        for (key, v) in checks {
            check_percent(v, &key, origin)?;
        }
        Ok(())
    }
}

/// A percentage must be a finite number from 0 to 100.
fn check_percent(v: Option<f64>, name: &str, origin: &Origin) -> Result<(), InputError> {
    match v {
        Some(p) if !(0.0..=100.0).contains(&p) || p.is_nan() => Err(InputError::new(
            origin.clone(),
            format!("{name} is {p}, not a percentage"),
            "give a number from 0 to 100",
        )),
        _ => Ok(()),
    }
}

/// The JSON Schema of the `coverage:` section, as committed in `schemas/`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(CoverageConfig);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}
