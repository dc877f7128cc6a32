//! The cluster: a kube-rs client from the kubeconfig (`KUBECONFIG`, `~/.kube/config`, or the
//! in-cluster service account; plain-HTTP API servers too), and discovery, which decides each
//! object's resource path and whether it is namespaced.

use gates_core::error::Origin;
use gates_core::InputError;
use kube::api::{Api, DynamicObject};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Discovery, Scope};

use crate::manifest::Manifest;

/// How errors name the cluster.
const SERVICE: &str = "Kubernetes API";

/// A connected cluster and what it serves.
pub struct Cluster {
    /// The client.
    pub client: kube::Client,
    /// The namespace of the kubeconfig's context (`default` without one): where a namespaced
    /// object that names none goes, as with kubectl.
    pub default_namespace: String,
    discovery: Discovery,
}

/// A manifest's place on the server.
pub struct Target {
    /// Its resource.
    pub resource: ApiResource,
    /// The namespace it goes to; `None` for a cluster-scoped kind.
    pub namespace: Option<String>,
}

impl Cluster {
    /// Connect with the kubeconfig's current context, or `context`, and discover the server's
    /// resources.
    pub async fn connect(context: Option<&str>) -> Result<Cluster, InputError> {
        let config = match context {
            None => kube::Config::infer().await.map_err(|e| {
                InputError::new(
                    Origin::Env("KUBECONFIG".into()),
                    format!("no cluster to talk to: {e}"),
                    "set KUBECONFIG (or write ~/.kube/config), e.g. with azure/k8s-set-context or aws eks update-kubeconfig, before this step",
                )
            })?,
            Some(ctx) => {
                let options = kube::config::KubeConfigOptions {
                    context: Some(ctx.to_string()),
                    ..Default::default()
                };
                kube::Config::from_kubeconfig(&options).await.map_err(|e| {
                    InputError::new(
                        Origin::Flag("--context".into()),
                        format!("cannot use context {ctx:?}: {e}"),
                        "name a context of the kubeconfig (`kubectl config get-contexts`)",
                    )
                })?
            }
        };
        Cluster::with_config(config).await
    }

    /// Connect with `config` (a kubeconfig read elsewhere) and discover the server's resources.
    pub async fn with_config(config: kube::Config) -> Result<Cluster, InputError> {
        let default_namespace = config.default_namespace.clone();
        let client = kube::Client::try_from(config).map_err(|e| {
            InputError::new(
                Origin::Api(SERVICE.into()),
                format!("cannot make a client: {e}"),
                "check the kubeconfig's server and credentials",
            )
        })?;
        let discovery = Discovery::new(client.clone())
            .run()
            .await
            .map_err(|e| api_error(&e, "discovering the server's resources"))?;
        Ok(Cluster {
            client,
            default_namespace,
            discovery,
        })
    }

    /// Where `m` goes: its kind as the server serves it (an unknown kind is an error naming
    /// the manifest's line, before anything is applied), and its namespace.
    pub fn target(&self, m: &Manifest) -> Result<Target, InputError> {
        let (group, version) = match m.api_version().split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", m.api_version()),
        };
        let gvk = GroupVersionKind::gvk(group, version, m.kind());
        let Some((resource, caps)) = self.discovery.resolve_gvk(&gvk) else {
            return Err(InputError::new(
                m.file.as_str(),
                format!(
                    "{}: the cluster serves no {} {}",
                    m.id(),
                    m.api_version(),
                    m.kind()
                ),
                "check apiVersion and kind (`kubectl api-resources`), or install the CRD first",
            )
            .at(u64::from(m.line("/kind")), None));
        };
        let namespace = match caps {
            ApiCapabilities {
                scope: Scope::Cluster,
                ..
            } => None,
            _ => Some(m.namespace().unwrap_or(&self.default_namespace).to_string()),
        };
        Ok(Target {
            resource,
            namespace,
        })
    }

    /// The API of `target`'s objects.
    pub fn api(&self, target: &Target) -> Api<DynamicObject> {
        match &target.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &target.resource),
            None => Api::all_with(self.client.clone(), &target.resource),
        }
    }
}

/// A failed exchange with the API server as the gate's error: what was being done, the server's
/// status and message, and what to do.
pub fn api_error(e: &kube::Error, doing: &str) -> InputError {
    let (message, help) = match e {
        kube::Error::Api(s) => (
            format!("{doing}: {} {} ({})", s.code, s.reason, s.message),
            match s.code {
                401 => "the kubeconfig's credentials were refused: refresh them",
                403 => "the kubeconfig's account may not do this: grant it the RBAC role it needs",
                404 => "check the namespace and the kind",
                429 | 500..=599 => "the API server is struggling: run the job again",
                _ => "see the server's message",
            },
        ),
        other => (
            format!("{doing}: {other}"),
            "check that the API server is reachable from the runner",
        ),
    };
    InputError::new(Origin::Api(SERVICE.into()), message, help)
}
