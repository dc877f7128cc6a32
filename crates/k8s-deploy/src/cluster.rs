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
pub const SERVICE: &str = "Kubernetes API";

/// A connected cluster and what it serves.
pub struct Cluster {
    /// The client.
    pub client: kube::Client,
    /// The namespace of the kubeconfig's context (`default` without one): where a namespaced
    /// object that names none goes, as with kubectl.
    pub default_namespace: String,
    discovery: Discovery,
    secrets: Vec<String>,
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
        let auth = &config.auth_info;
        let secrets = [&auth.token, &auth.client_key_data, &auth.password]
            .into_iter()
            .flatten()
            .map(|s| secrecy::ExposeSecret::expose_secret(s).to_string())
            .collect();
        let client = kube::Client::try_from(config).map_err(|e| {
            InputError::new(
                Origin::api(SERVICE),
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
            secrets,
        })
    }

    /// Where `m` goes: its kind as the server serves it (an unknown kind is an error naming
    /// the manifest's line, before anything is applied), and its namespace.
    pub fn target(&self, m: &Manifest) -> Result<Target, InputError> {
        self.resolve(m.api_version(), m.kind(), m.namespace())
            .ok_or_else(|| {
                InputError::new(
                    m.file.as_str(),
                    format!(
                        "{}: the cluster serves no {} {}",
                        m.id(),
                        m.api_version(),
                        m.kind()
                    ),
                    "check apiVersion and kind (`kubectl api-resources`), or install the CRD first",
                )
                .at(u64::from(m.line("/kind")), None)
            })
    }

    /// The targets of `manifests`: `None` for a custom resource whose CRD is among them (it is
    /// served once that CRD is applied and established); an unknown kind is an error.
    pub fn targets(&self, manifests: &[Manifest]) -> Result<Vec<Option<Target>>, InputError> {
        manifests
            .iter()
            .map(|m| match self.target(m) {
                Ok(t) => Ok(Some(t)),
                Err(_) if defined_by_crd(manifests, m) => Ok(None),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// Where an object of `api_version` `kind` goes; `None` when the server does not serve it.
    pub fn resolve(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Option<Target> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let (resource, caps) = self.discovery.resolve_gvk(&gvk)?;
        let namespace = match caps {
            ApiCapabilities {
                scope: Scope::Cluster,
                ..
            } => None,
            _ => Some(namespace.unwrap_or(&self.default_namespace).to_string()),
        };
        Some(Target {
            resource,
            namespace,
        })
    }

    /// The kubeconfig's credentials (a token, a client key, a password): the gate masks them in
    /// the job's log before anything could print them.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Discover the server's resources again (after CRDs were established).
    pub async fn rediscover(&mut self) -> Result<(), InputError> {
        self.discovery = Discovery::new(self.client.clone())
            .run()
            .await
            .map_err(|e| api_error(&e, "discovering the server's resources"))?;
        Ok(())
    }

    /// The API of `target`'s objects.
    pub fn api(&self, target: &Target) -> Api<DynamicObject> {
        match &target.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &target.resource),
            None => Api::all_with(self.client.clone(), &target.resource),
        }
    }
}

/// Whether a CustomResourceDefinition among `manifests` declares `m`'s group, version and kind.
pub fn defined_by_crd(manifests: &[Manifest], m: &Manifest) -> bool {
    let (group, version) = m.api_version().split_once('/').unwrap_or(("", ""));
    manifests.iter().any(|crd| {
        let spec = &crd.value["spec"];
        crd.kind() == "CustomResourceDefinition"
            && spec["group"] == group
            && spec["names"]["kind"] == m.kind()
            && spec["versions"]
                .as_array()
                .is_some_and(|vs| vs.iter().any(|v| v["name"] == version))
    })
}

/// How often a request the server was too busy for is sent (429, 500, 502, 503, 504).
const ATTEMPTS: u32 = 5;

/// `request`, sent again when the server was too busy for it (429 Too Many Requests with its
/// `retryAfterSeconds`, capped, or a 5xx after 0.25 s, 0.5 s, 1 s, 2 s): the API server's
/// priority and fairness throttles a burst of applies, and a rolling control-plane upgrade
/// answers 503 for a moment. Only idempotent requests come here (gets, lists, server-side
/// applies, deletes by name).
pub async fn retrying<T, F, Fut>(mut request: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut backoff = std::time::Duration::from_millis(250);
    for attempt in 1.. {
        match request().await {
            Err(kube::Error::Api(s))
                if attempt < ATTEMPTS
                    && matches!(s.code, 429 | 500 | 502 | 503 | 504)
                    && !gates_core::cancel::requested() =>
            {
                let asked = s
                    .details
                    .as_ref()
                    .map(|d| u64::from(d.retry_after_seconds))
                    .filter(|&secs| secs > 0)
                    .map(|secs| std::time::Duration::from_secs(secs.min(10)));
                tokio::time::sleep(asked.unwrap_or(backoff)).await;
                backoff *= 2;
            }
            done => return done,
        }
    }
    unreachable!("the loop returns")
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
    let origin = match e {
        kube::Error::Api(s) => Origin::api_status(SERVICE, s.code),
        _ => Origin::api(SERVICE),
    };
    InputError::new(origin, message, help)
}
