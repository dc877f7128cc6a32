//! One deploy at a time per environment: a coordination.k8s.io Lease in the target namespace,
//! held for the deploy and released after it. A second run waits for it, then stops naming the
//! holder; a lease whose holder went away (a cancelled runner) expires after its duration.

use std::time::{Duration, Instant};

use gates_core::error::Origin;
use gates_core::InputError;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, Patch, PostParams};
use serde_json::{json, Value};

use crate::cluster::{api_error, retrying, Cluster};
use crate::plan::ApplySettings;

/// The lease's name.
pub const NAME: &str = "gates-k8s-deploy";

/// A held lock.
pub struct Lock {
    api: Api<Lease>,
    holder: String,
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The lease as `holder` writes it: held from now for `hold`.
fn lease(holder: &str, hold: Duration, resource_version: Option<String>) -> Lease {
    let stamp = now().strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    serde_json::from_value(json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": NAME, "resourceVersion": resource_version},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": hold.as_secs().min(i32::MAX as u64),
            "acquireTime": stamp,
            "renewTime": stamp,
        }
    }))
    .expect("a Lease")
}

/// Whether `l` is held by someone else, and by whom since when.
fn held_by_other(l: &Lease, holder: &str) -> Option<String> {
    let spec = l.spec.as_ref()?;
    let who = spec.holder_identity.clone().unwrap_or_default();
    if who.is_empty() || who == holder {
        return None;
    }
    // A lease with no time is held: when it would expire cannot be told.
    let Some(renewed) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return Some(format!("{who} (since an unrecorded time)"));
    };
    let renewed = renewed.0;
    let hold = i64::from(spec.lease_duration_seconds.unwrap_or(0));
    let expires = renewed
        .checked_add(jiff::SignedDuration::from_secs(hold))
        .ok()?;
    (expires > now()).then(|| format!("{who} (since {renewed}, until {expires} at the latest)"))
}

impl Lock {
    /// Take the lock of `namespace` for `hold`, waiting up to `wait` for another holder to
    /// release it.
    /// A namespace that does not exist yet is first applied as `create_namespace` (the
    /// manifests' Namespace, with their settings), so a first deploy is locked too.
    pub async fn acquire(
        cluster: &Cluster,
        namespace: &str,
        holder: &str,
        hold: Duration,
        wait: Duration,
        create_namespace: Option<(&ApplySettings, &Value)>,
    ) -> Result<Lock, InputError> {
        let api: Api<Lease> = Api::namespaced(cluster.client.clone(), namespace);
        let start = Instant::now();
        loop {
            let current = api
                .get_opt(NAME)
                .await
                .map_err(|e| api_error(&e, "reading the deploy lock"))?;
            let taken = match &current {
                None => {
                    api.create(&PostParams::default(), &lease(holder, hold, None))
                        .await
                }
                Some(l) => match held_by_other(l, holder) {
                    Some(who) if start.elapsed() >= wait => {
                        return Err(InputError::new(
                            Origin::api(crate::cluster::SERVICE),
                            format!(
                                "namespace {namespace} is being deployed by {who}: waited {}s for its lock (Lease {NAME})",
                                wait.as_secs()
                            ),
                            "run again when that deploy is done; a lock whose holder is gone expires by itself",
                        ));
                    }
                    Some(who) if gates_core::cancel::requested() => {
                        return Err(gates_core::cancel::cancelled(&format!(
                            "stopped waiting for the lock of namespace {namespace}, held by {who}"
                        )));
                    }
                    Some(_) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                    None => {
                        let rv = l.metadata.resource_version.clone();
                        api.replace(NAME, &PostParams::default(), &lease(holder, hold, rv))
                            .await
                    }
                },
            };
            match taken {
                Ok(_) => {
                    return Ok(Lock {
                        api,
                        holder: holder.to_string(),
                    })
                }
                // Someone took it between our read and our write: read again.
                Err(kube::Error::Api(s)) if s.code == 409 => continue,
                Err(kube::Error::Api(s)) if s.code == 404 && current.is_none() => {
                    let Some((settings, object)) = create_namespace else {
                        return Err(InputError::new(
                            Origin::api(crate::cluster::SERVICE),
                            format!("namespace {namespace} does not exist"),
                            "add its Namespace to the manifests, or name an existing one with --namespace",
                        ));
                    };
                    let ns: Api<Namespace> = Api::all(cluster.client.clone());
                    let (patch, params) = (Patch::Apply(object), settings.params());
                    retrying(|| ns.patch(namespace, &params, &patch))
                        .await
                        .map_err(|e| api_error(&e, &format!("creating namespace {namespace}")))?;
                    continue;
                }
                Err(e) => return Err(api_error(&e, "taking the deploy lock")),
            }
        }
    }

    /// Release the lock, if it is still ours.
    pub async fn release(self) -> Result<(), InputError> {
        let current = self
            .api
            .get_opt(NAME)
            .await
            .map_err(|e| api_error(&e, "reading the deploy lock"))?;
        let ours = current
            .as_ref()
            .and_then(|l| l.spec.as_ref())
            .and_then(|s| s.holder_identity.as_deref())
            == Some(self.holder.as_str());
        if ours {
            self.api
                .delete(NAME, &DeleteParams::default())
                .await
                .map_err(|e| api_error(&e, "releasing the deploy lock"))?;
        }
        Ok(())
    }
}
