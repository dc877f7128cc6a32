//! The plan: every rendered object applied on the server as a dry run (server-side apply with
//! our field manager, `dryRun=All`, `fieldValidation=Strict`) and compared with the live object,
//! in apply order. The server's answer is the truth: its defaults, its admission, its view of
//! who owns which field. A refusal (422) or a conflict with another manager (409) becomes a
//! finding on the manifest line of the field the server names.

use std::collections::HashSet;

use gates_core::InputError;
use kube::api::{Patch, PatchParams};
use serde_json::Value;

use crate::cluster::{api_error, Cluster, Target};
use crate::diff::{self, Action};
use crate::field_path;
use crate::inventory::ObjectRef;
use crate::manifest::Manifest;
use crate::order::apply_order;

/// How objects are applied.
#[derive(Debug, Clone)]
pub struct ApplySettings {
    /// The field manager (`gates-k8s-deploy`).
    pub field_manager: String,
    /// Take over fields other managers own (`--force-conflicts`).
    pub force_conflicts: bool,
}

impl ApplySettings {
    /// The parameters of a server-side apply with these settings.
    pub fn params(&self) -> PatchParams {
        let params = PatchParams::apply(&self.field_manager);
        match self.force_conflicts {
            true => params.force(),
            false => params,
        }
    }
}

/// What applying does to one object.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into the rendered manifests.
    pub manifest: usize,
    /// Create, update or unchanged.
    pub action: Action,
    /// The diff of live against planned (Secret values redacted); empty when unchanged.
    pub diff: String,
    /// Why the server could not check it, when it could not.
    pub note: Option<String>,
}

/// An object the server refused.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// Index into the rendered manifests.
    pub manifest: usize,
    /// `k8s-deploy/server-rejected` or `k8s-deploy/field-conflict`.
    pub rule: &'static str,
    /// The field's pointer in the object (empty: the object itself).
    pub pointer: String,
    /// What the server said, and what to do.
    pub message: String,
}

/// The plan of one deploy.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Each object the server accepted, in apply order.
    pub entries: Vec<Entry>,
    /// Each refusal.
    pub rejections: Vec<Rejection>,
    /// The release's objects gone from the manifests, that `--prune` deletes.
    pub pruning: Vec<ObjectRef>,
}

impl Plan {
    /// How many entries take `action`.
    pub fn count(&self, action: Action) -> u64 {
        if action == Action::Prune {
            return self.pruning.len() as u64;
        }
        self.entries.iter().filter(|e| e.action == action).count() as u64
    }
}

/// Plan `manifests` on `cluster`. Every object's kind is resolved first, so an unknown kind is
/// an error before anything is asked of the server.
pub async fn plan(
    cluster: &Cluster,
    manifests: &[Manifest],
    settings: &ApplySettings,
    pruning: Vec<ObjectRef>,
) -> Result<Plan, InputError> {
    let targets = cluster.targets(manifests)?;
    let mut out = Plan {
        pruning,
        ..Plan::default()
    };
    // Namespaces this deploy creates: the server cannot dry-run objects into them yet.
    let mut new_namespaces: HashSet<String> = HashSet::new();
    for i in apply_order(manifests.iter().map(Manifest::kind)) {
        let m = &manifests[i];
        let Some(target) = &targets[i] else {
            let planned = diff::redact_pair(None, &diff::strip(&m.value)).1;
            out.entries.push(Entry {
                manifest: i,
                action: Action::Create,
                diff: diff::unified(None, &planned, &label(m)),
                note: Some(
                    "its CustomResourceDefinition is applied by this deploy: the server checks this object when it is applied".into(),
                ),
            });
            continue;
        };
        let object = applied(m, target);
        if let Some(ns) = target
            .namespace
            .as_ref()
            .filter(|ns| new_namespaces.contains(*ns))
        {
            let planned = diff::redact_pair(None, &diff::strip(&object)).1;
            out.entries.push(Entry {
                manifest: i,
                action: Action::Create,
                diff: diff::unified(None, &planned, &label(m)),
                note: Some(format!(
                    "namespace {ns} is created by this deploy: the server checks this object when it is applied"
                )),
            });
            continue;
        }
        let api = cluster.api(target);
        let live = crate::cluster::retrying(|| api.get_opt(m.name()))
            .await
            .map_err(|e| api_error(&e, &format!("reading {}", m.id())))?
            .map(|o| serde_json::to_value(o).expect("an object serialises"));
        let params = settings.params().dry_run().validation_strict();
        let patch = Patch::Apply(&object);
        match crate::cluster::retrying(|| api.patch(m.name(), &params, &patch)).await {
            Ok(planned) => {
                let planned = serde_json::to_value(planned).expect("an object serialises");
                let live = live.as_ref().map(diff::strip);
                let (live, planned) = diff::redact_pair(live.as_ref(), &diff::strip(&planned));
                let action = diff::action(live.as_ref(), &planned);
                if m.kind() == "Namespace" && action == Action::Create {
                    new_namespaces.insert(m.name().to_string());
                }
                out.entries.push(Entry {
                    manifest: i,
                    action,
                    diff: match action {
                        Action::Unchanged => String::new(),
                        _ => diff::unified(live.as_ref(), &planned, &label(m)),
                    },
                    note: None,
                });
            }
            Err(kube::Error::Api(status)) if matches!(status.code, 409 | 422) => {
                out.rejections.extend(rejections(i, &status));
            }
            Err(e) => return Err(api_error(&e, &format!("planning {}", m.id()))),
        }
    }
    Ok(out)
}

/// The object as applied: its namespace filled in where the kind has one.
pub fn applied(m: &Manifest, target: &Target) -> Value {
    let mut object = m.value.clone();
    if let (Some(ns), Some(meta)) = (
        &target.namespace,
        object.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        meta.entry("namespace")
            .or_insert_with(|| Value::String(ns.clone()));
    }
    object
}

/// `Kind/namespace/name` for diff headers.
fn label(m: &Manifest) -> String {
    format!("{}/{}", m.kind(), m.qualified_name())
}

/// The findings of a 422 or 409: one per cause the server names (a field, when it gives one),
/// else one for the object.
fn rejections(manifest: usize, status: &kube::core::Status) -> Vec<Rejection> {
    let conflict = status.code == 409;
    let rule = match conflict {
        true => "k8s-deploy/field-conflict",
        false => "k8s-deploy/server-rejected",
    };
    let causes = status.details.as_ref().map_or(&[][..], |d| &d.causes[..]);
    let what_to_do = match conflict {
        true => {
            "remove the field from the manifests if the other manager should keep it, or take it over with --force-conflicts"
        }
        false => "fix the manifest: the server refuses it as written",
    };
    if causes.is_empty() {
        return vec![Rejection {
            manifest,
            rule,
            pointer: String::new(),
            message: format!("{} ({what_to_do})", status.message),
        }];
    }
    causes
        .iter()
        .map(|c| Rejection {
            manifest,
            rule,
            pointer: field_path::to_pointer(&c.field).unwrap_or_default(),
            // A conflict names its field `.spec.replicas`; a refusal `spec.replicas`.
            message: match c.field.trim_start_matches('.') {
                "" => format!("{} ({what_to_do})", c.message),
                field => format!("{field}: {} ({what_to_do})", c.message),
            },
        })
        .collect()
}
