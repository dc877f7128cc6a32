//! The `k8s-deploy:` section of `.github/gates.yml`. Flags override it.

use std::collections::BTreeMap;
use std::path::Path;

use gates_core::InputError;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the k8s-deploy gate.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DeployConfig {
    /// The namespace of objects that name none (`--namespace` overrides it).
    pub namespace: Option<String>,
    /// Namespaces held to the production rules (replicas, PodDisruptionBudget); default
    /// `production` and `prod`. A Namespace in the manifests labelled `environment` or `env`
    /// `production` is one too.
    pub production_namespaces: Option<Vec<String>>,
    /// Image substitutions, `REPOSITORY=IMAGE` (`--image` adds to them).
    #[serde(default)]
    pub images: Vec<String>,
    /// Rule levels by rule id (`k8s-deploy/image-tag: warn`); `--allow/--warn/--deny`
    /// override them.
    #[serde(default)]
    pub levels: BTreeMap<String, gates_core::rules::RuleLevel>,
    /// Never fail: lint errors and failed rollouts become warnings (`--informational`).
    #[serde(default)]
    pub informational: bool,
}

impl gates_core::config::Layered for DeployConfig {
    fn update(&mut self, over: Self) {
        self.namespace = over.namespace.or(self.namespace.take());
        self.production_namespaces = over
            .production_namespaces
            .or(self.production_namespaces.take());
        self.images.extend(over.images);
        self.levels.extend(over.levels);
        self.informational |= over.informational;
    }
}

impl DeployConfig {
    /// The section at `path` (absent: `None`, an error when `required`) under the flags'
    /// partial config `flags`.
    pub fn load(path: &Path, required: bool, flags: Self) -> Result<Self, InputError> {
        let file =
            gates_core::config::load_section(path, gates_core::cli::K8S_DEPLOY.name, required)?;
        Ok(gates_core::config::layer(file, flags))
    }
}

/// The JSON Schema of the `k8s-deploy:` section (committed as
/// schemas/config/k8s-deploy.schema.json).
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(DeployConfig)).expect("a schema serialises")
        + "\n"
}
