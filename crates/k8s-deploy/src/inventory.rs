//! The release's inventory: a Secret in the target namespace (`k8s-deploy.<release>`) that
//! records which objects the release has applied (what `--prune` may delete) and the last set
//! that deployed and passed its checks (what a rollback re-applies). A Secret, not a ConfigMap,
//! because the known-good set holds the release's own Secrets. Its content is gzipped JSON:
//! the API server keeps an object under 1 MiB.

use std::io::{Read, Write};

use gates_core::error::Origin;
use gates_core::InputError;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;
use kube::api::{Api, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cluster::{api_error, retrying, Cluster};

/// The Secret's `type`.
pub const SECRET_TYPE: &str = "gates.dev/k8s-deploy-inventory";

/// The key of the gzipped JSON in the Secret's data.
const KEY: &str = "inventory.json.gz";

/// The largest inventory written (compressed): the API server refuses objects over 1 MiB, and
/// the Secret's metadata needs some of it.
pub const MAX_BYTES: usize = 1000 << 10;

/// An object by its identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Its namespace; `None` when cluster-scoped.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The identity of `object` (as applied: its namespace filled in).
    pub fn of(object: &Value) -> ObjectRef {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        ObjectRef {
            api_version: s(&object["apiVersion"]),
            kind: s(&object["kind"]),
            namespace: object["metadata"]["namespace"].as_str().map(str::to_string),
            name: s(&object["metadata"]["name"]),
        }
    }

    /// `Kind namespace/name`, as messages name objects.
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// Whether the object is the same, its API version aside (`apps/v1` and `apps/v1beta2` of
    /// one Deployment are one object).
    pub fn same_object(&self, other: &ObjectRef) -> bool {
        let group = |v: &str| v.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        (
            group(&self.api_version),
            &self.kind,
            &self.namespace,
            &self.name,
        ) == (
            group(&other.api_version),
            &other.kind,
            &other.namespace,
            &other.name,
        )
    }
}

/// The set that last deployed and passed its checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownGood {
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// Who deployed it (the run's URL).
    pub by: String,
    /// The objects as applied.
    pub objects: Vec<Value>,
}

/// What the release's inventory holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Every object the release applied and has not pruned.
    pub applied: Vec<ObjectRef>,
    /// The last known-good set; `None` before the first deploy that succeeded.
    pub known_good: Option<KnownGood>,
    /// A blue-green deploy verified and waiting for `promote` or `reject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// A deploy whose Argo Rollouts paused for a person: the set it applied, which becomes
    /// the known-good one once `promote` sees them Healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argo_paused: Option<KnownGood>,
    /// The GitHub deployment that paused deploy is recorded as, finished by `promote` or
    /// `reject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argo_github_deployment: Option<crate::github_deployment::Recorded>,
}

/// A blue-green deploy stopped before its switch (`--no-auto-promote`): what `promote` applies
/// and `reject` scales down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// When it stopped (RFC 3339).
    pub at: String,
    /// Who deployed it.
    pub by: String,
    /// The slot deployed and verified.
    pub slot: crate::slots::Slot,
    /// The slot live before it (`None`: none, or workloads from before blue-green).
    pub previous: Option<crate::slots::Slot>,
    /// The Deployments in slots, by their manifest name.
    pub workloads: Vec<String>,
    /// The preview Services.
    pub preview_services: Vec<String>,
    /// The objects applied before the switch, as applied.
    pub applied: Vec<Value>,
    /// The objects the switch applies.
    pub switch: Vec<Value>,
    /// The GitHub deployment the paused deploy is recorded as, which `promote` or `reject`
    /// finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_deployment: Option<crate::github_deployment::Recorded>,
}

/// The inventory's Secret of `release`.
pub fn secret_name(release: &str) -> String {
    format!("k8s-deploy.{release}")
}

impl Inventory {
    /// Add `refs` to the applied objects (once each).
    pub fn record_applied(&mut self, refs: impl IntoIterator<Item = ObjectRef>) {
        for r in refs {
            if !self.applied.iter().any(|a| a.same_object(&r)) {
                self.applied.push(r);
            }
        }
        self.applied.sort();
    }

    /// The applied objects that `wanted` no longer holds: what `--prune` deletes.
    pub fn gone_from(&self, wanted: &[ObjectRef]) -> Vec<ObjectRef> {
        self.applied
            .iter()
            .filter(|a| !wanted.iter().any(|w| w.same_object(a)))
            .cloned()
            .collect()
    }

    /// The gzipped JSON as stored; an error when it is over [`MAX_BYTES`].
    pub fn encode(&self, release: &str) -> Result<Vec<u8>, InputError> {
        let json = serde_json::to_vec(self).expect("an inventory serialises");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&json).expect("writing to memory");
        let bytes = gz.finish().expect("writing to memory");
        if bytes.len() > MAX_BYTES {
            return Err(InputError::new(
                Origin::command_line(),
                format!(
                    "the inventory of release {release} would be {} KiB compressed, over the {} KiB a Secret can hold",
                    bytes.len() >> 10,
                    MAX_BYTES >> 10
                ),
                "deploy the manifests as several releases (--release), each a part of them",
            ));
        }
        Ok(bytes)
    }

    /// The inventory from its stored bytes.
    fn decode(bytes: &[u8], secret: &str) -> Result<Inventory, InputError> {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(64 << 20)
            .read_to_end(&mut json)
            .ok()
            .and_then(|_| serde_json::from_slice(&json).ok())
            .ok_or_else(|| {
                InputError::new(
                    Origin::api(crate::cluster::SERVICE),
                    format!("the inventory Secret {secret} cannot be read: its {KEY} is not what k8s-deploy writes"),
                    "delete the Secret if nothing else should use it: the next deploy starts a new inventory (without a known-good set)",
                )
            })
    }

    /// Read the inventory of `release` in `namespace`; empty when there is none yet.
    pub async fn read(
        cluster: &Cluster,
        namespace: &str,
        release: &str,
    ) -> Result<Inventory, InputError> {
        let name = secret_name(release);
        let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
        let secret = retrying(|| api.get_opt(&name))
            .await
            .map_err(|e| api_error(&e, &format!("reading the inventory Secret {name}")))?;
        let Some(secret) = secret else {
            return Ok(Inventory::default());
        };
        if secret.type_.as_deref() != Some(SECRET_TYPE) {
            return Err(InputError::new(
                Origin::api(crate::cluster::SERVICE),
                format!("Secret {namespace}/{name} exists and is not a k8s-deploy inventory (its type is {:?})", secret.type_.unwrap_or_default()),
                "choose another --release, or rename that Secret",
            ));
        }
        match secret.data.as_ref().and_then(|d| d.get(KEY)) {
            Some(b) => Inventory::decode(&b.0, &format!("{namespace}/{name}")),
            None => Ok(Inventory::default()),
        }
    }

    /// Write the inventory of `release` in `namespace` (server-side apply, `field_manager`).
    pub async fn write(
        &self,
        cluster: &Cluster,
        namespace: &str,
        release: &str,
        field_manager: &str,
    ) -> Result<(), InputError> {
        let name = secret_name(release);
        let bytes = self.encode(release)?;
        let secret: Secret = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "labels": {"app.kubernetes.io/managed-by": "gates-k8s-deploy", "gates.dev/release": release},
            },
            "type": SECRET_TYPE,
        }))
        .map(|mut s: Secret| {
            s.data = Some([(KEY.to_string(), ByteString(bytes))].into());
            s
        })
        .expect("a Secret");
        let api: Api<Secret> = Api::namespaced(cluster.client.clone(), namespace);
        let params = PatchParams::apply(field_manager).force();
        let patch = Patch::Apply(&secret);
        retrying(|| api.patch(&name, &params, &patch))
            .await
            .map_err(|e| api_error(&e, &format!("writing the inventory Secret {name}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, name: &str) -> Value {
        serde_json::json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"}})
    }

    #[test]
    fn what_prune_deletes_is_what_was_applied_and_is_no_longer_wanted() {
        let mut inv = Inventory::default();
        inv.record_applied([
            ObjectRef::of(&obj("Deployment", "a")),
            ObjectRef::of(&obj("Deployment", "b")),
        ]);
        inv.record_applied([ObjectRef::of(&obj("Deployment", "a"))]);
        assert_eq!(inv.applied.len(), 2);
        let mut b_other_version = ObjectRef::of(&obj("Deployment", "b"));
        b_other_version.api_version = "apps/v1beta2".into();
        let gone = inv.gone_from(&[b_other_version]);
        assert_eq!(gone, vec![ObjectRef::of(&obj("Deployment", "a"))]);
    }

    #[test]
    fn the_stored_bytes_read_back_and_foreign_bytes_are_refused() {
        let inv = Inventory {
            applied: vec![ObjectRef::of(&obj("Deployment", "a"))],
            known_good: Some(KnownGood {
                at: "2026-12-04T00:00:00Z".into(),
                by: "run".into(),
                objects: vec![obj("Deployment", "a")],
            }),
            pending: Some(Pending {
                at: "2026-12-05T00:00:00Z".into(),
                by: "run".into(),
                slot: crate::slots::Slot::Green,
                previous: Some(crate::slots::Slot::Blue),
                workloads: vec!["a".into()],
                preview_services: vec!["a-preview".into()],
                applied: vec![obj("Deployment", "a-green")],
                switch: vec![obj("Service", "a")],
                github_deployment: Some(crate::github_deployment::Recorded {
                    id: 7,
                    sha: "abc".into(),
                    environment: "production".into(),
                    environment_url: None,
                }),
            }),
            argo_paused: None,
            argo_github_deployment: None,
        };
        let bytes = inv.encode("r").unwrap();
        assert_eq!(Inventory::decode(&bytes, "ns/x").unwrap(), inv);
        let e = Inventory::decode(b"not gzip", "ns/x").unwrap_err();
        assert!(e.to_string().contains("ns/x"), "{e}");
    }

    #[test]
    fn an_inventory_over_a_secrets_size_is_refused_naming_the_release() {
        // Incompressible names: a hash chain.
        use sha2::Digest;
        let mut h = sha2::Sha256::digest(b"seed").to_vec();
        let mut inv = Inventory::default();
        for _ in 0..40_000 {
            h = sha2::Sha256::digest(&h).to_vec();
            let name: String = h.iter().map(|b| format!("{b:02x}")).collect();
            inv.applied.push(ObjectRef::of(&obj("ConfigMap", &name)));
        }
        let e = inv.encode("big").unwrap_err();
        assert!(e.to_string().contains("release big"), "{e}");
    }
}
