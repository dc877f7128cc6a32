//! The lint: best-practice and security checks on the rendered objects, each finding on the
//! manifest line of the field it is about (or of the mapping that lacks it). No cluster needed.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::images;
use crate::manifest::Manifest;
use crate::rules;
use crate::workload;

/// The annotation of this gate's own suppressions: `k8s-deploy.gates/ignore: image-tag,ingress-tls`.
pub const IGNORE_ANNOTATION: &str = "k8s-deploy.gates/ignore";

/// What the lint needs besides the manifests.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Namespaces held to production rules, by name; a Namespace in the manifests labelled
    /// `environment` or `env` `production` (or `prod`) is one too.
    pub production_namespaces: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            production_namespaces: vec!["production".into(), "prod".into()],
        }
    }
}

/// One thing the lint found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The rule's id.
    pub rule: &'static str,
    /// Index of the manifest.
    pub manifest: usize,
    /// Pointer, in the object, of the field (or of the mapping lacking it).
    pub pointer: String,
    /// What is wrong and what to write.
    pub message: String,
}

/// An issue an annotation suppressed, and the annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// The issue.
    pub issue: Issue,
    /// The annotation key that suppressed it.
    pub by: String,
}

/// Everything the lint found, suppressed issues apart.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Issues, in manifest order.
    pub issues: Vec<Issue>,
    /// Issues an annotation suppressed.
    pub suppressed: Vec<Suppressed>,
}

/// Lint `manifests`.
pub fn lint(manifests: &[Manifest], settings: &Settings) -> Report {
    let production = production_namespaces(manifests, settings);
    let mut raw = Vec::new();
    let mut production_issues = Vec::new();
    for (i, m) in manifests.iter().enumerate() {
        let mut push = |rule: &'static str, pointer: String, message: String| {
            raw.push(Issue {
                rule,
                manifest: i,
                pointer,
                message,
            })
        };
        if let Some(template) = workload::pod_template(m.api_version(), m.kind()) {
            pod_checks(m, template, &mut push);
            if m.namespace().is_some_and(|ns| production.contains(ns)) {
                production_checks(i, manifests, &mut production_issues);
            }
        }
        match (m.api_version(), m.kind()) {
            ("v1", "Service") => service_checks(m, manifests, &mut push),
            ("networking.k8s.io/v1" | "extensions/v1beta1", "Ingress") => {
                let has_tls = m.value["spec"]["tls"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty());
                if !has_tls {
                    push(
                        "k8s-deploy/ingress-tls",
                        "/spec".into(),
                        format!("{} has no tls section: its hosts are served over plain HTTP; add spec.tls with the hosts and a certificate Secret", m.id()),
                    );
                }
            }
            _ => {}
        }
    }
    raw.append(&mut production_issues);
    raw.sort_by_key(|i| i.manifest);
    let mut report = Report::default();
    for issue in raw {
        match suppression(&manifests[issue.manifest], issue.rule) {
            Some(by) => report.suppressed.push(Suppressed { issue, by }),
            None => report.issues.push(issue),
        }
    }
    report
}

fn production_namespaces<'m>(
    manifests: &'m [Manifest],
    settings: &'m Settings,
) -> BTreeSet<&'m str> {
    let mut out: BTreeSet<&str> = settings
        .production_namespaces
        .iter()
        .map(String::as_str)
        .collect();
    for m in manifests {
        if m.kind() == "Namespace" && m.api_version() == "v1" {
            let labels = &m.value["metadata"]["labels"];
            if ["environment", "env"]
                .iter()
                .any(|k| matches!(labels[*k].as_str(), Some("production" | "prod")))
            {
                out.insert(m.name());
            }
        }
    }
    out
}

type Push<'a> = dyn FnMut(&'static str, String, String) + 'a;

fn security_context<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get("securityContext").and_then(|s| s.get(key))
}

fn pod_checks(m: &Manifest, template: &str, push: &mut Push<'_>) {
    let pod = m
        .value
        .pointer(&format!("{template}/spec"))
        .cloned()
        .unwrap_or(Value::Null);
    let long_running = !workload::runs_to_completion(m.kind());
    for (at, c) in images::containers(m) {
        // Ephemeral (debug) containers are added by hand to running pods; only their image
        // matters to a deploy.
        let ephemeral = at.contains("/ephemeralContainers/");
        let init = at.contains("/initContainers/");
        let cv = Value::Object(c.clone());
        let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
        let who = format!("container {name} of {}", m.id());
        if let Some(image) = c.get("image").and_then(Value::as_str) {
            let r = images::ImageRef::parse(image);
            let why = match (r.tag, r.digest) {
                (_, Some(_)) => None,
                (None, None) => Some("has no tag"),
                (Some("latest"), None) => Some("uses the tag latest"),
                _ => None,
            };
            if let Some(why) = why {
                push(
                    "k8s-deploy/image-tag",
                    format!("{at}/image"),
                    format!("the image {image} of {who} {why}: pin a version tag or a digest"),
                );
            }
        }
        if ephemeral {
            continue;
        }
        let resources = |kind: &str| {
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| {
                    cv.pointer(&format!("/resources/{kind}/{r}"))
                        .is_none_or(Value::is_null)
                })
                .collect();
            missing
        };
        let missing = resources("requests");
        if !missing.is_empty() {
            push(
                "k8s-deploy/resources-requests",
                format!("{at}/resources"),
                format!(
                    "{who} sets no {} request: add resources.requests",
                    missing.join(" or ")
                ),
            );
        }
        let missing = resources("limits");
        if !missing.is_empty() {
            push(
                "k8s-deploy/resources-limits",
                format!("{at}/resources"),
                format!(
                    "{who} sets no {} limit: add resources.limits",
                    missing.join(" or ")
                ),
            );
        }
        if long_running && !init {
            for (probe, rule) in [
                ("livenessProbe", "k8s-deploy/liveness-probe"),
                ("readinessProbe", "k8s-deploy/readiness-probe"),
            ] {
                if c.get(probe).is_none_or(Value::is_null) {
                    push(
                        rule,
                        at.clone(),
                        format!(
                            "{who} has no {probe}: add one (an HTTP GET on its health endpoint)"
                        ),
                    );
                }
            }
        }
        // The container's securityContext overrides the pod's.
        let non_root = |v: &Value| -> Option<bool> {
            match (
                security_context(v, "runAsNonRoot"),
                security_context(v, "runAsUser"),
            ) {
                (Some(Value::Bool(b)), _) if !*b => Some(false),
                (_, Some(u)) if u.as_u64() == Some(0) => Some(false),
                (Some(Value::Bool(true)), _) => Some(true),
                (_, Some(u)) if u.as_u64().is_some_and(|u| u > 0) => Some(true),
                _ => None,
            }
        };
        if !non_root(&cv).or_else(|| non_root(&pod)).unwrap_or(false) {
            push(
                "k8s-deploy/run-as-non-root",
                format!("{at}/securityContext"),
                format!("{who} may run as root: set securityContext.runAsNonRoot: true (on the container or the pod)"),
            );
        }
        if security_context(&cv, "readOnlyRootFilesystem") != Some(&Value::Bool(true)) {
            push(
                "k8s-deploy/read-only-root-filesystem",
                format!("{at}/securityContext"),
                format!("{who} has a writable root filesystem: set securityContext.readOnlyRootFilesystem: true (and mount an emptyDir where it writes)"),
            );
        }
        let drops_all = cv
            .pointer("/securityContext/capabilities/drop")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|c| c == "ALL"));
        if !drops_all {
            push(
                "k8s-deploy/capabilities-drop-all",
                format!("{at}/securityContext"),
                format!(
                    "{who} keeps Linux capabilities: set securityContext.capabilities.drop: [ALL]"
                ),
            );
        }
        let privileged = security_context(&cv, "privileged") == Some(&Value::Bool(true));
        if privileged {
            push(
                "k8s-deploy/privileged",
                format!("{at}/securityContext/privileged"),
                format!(
                    "{who} runs privileged, with full access to the host: remove privileged: true"
                ),
            );
        } else if security_context(&cv, "allowPrivilegeEscalation") != Some(&Value::Bool(false)) {
            push(
                "k8s-deploy/privilege-escalation",
                format!("{at}/securityContext"),
                format!("{who} allows privilege escalation: set securityContext.allowPrivilegeEscalation: false"),
            );
        }
    }
}

/// The replicas a workload keeps at least, and where that is written: an autoscaler's
/// `minReplicas` when one in the manifests targets it, else `spec.replicas` (1 when unset);
/// `None` for kinds without replicas.
fn min_replicas(i: usize, manifests: &[Manifest]) -> Option<(u64, usize, &'static str)> {
    let m = &manifests[i];
    if !matches!(
        m.kind(),
        "Deployment" | "StatefulSet" | "ReplicaSet" | "Rollout"
    ) {
        return None;
    }
    let hpa = manifests.iter().position(|h| {
        h.kind() == "HorizontalPodAutoscaler"
            && h.namespace() == m.namespace()
            && h.value["spec"]["scaleTargetRef"]["kind"] == m.kind()
            && h.value["spec"]["scaleTargetRef"]["name"] == m.name()
    });
    Some(match hpa {
        Some(h) => (
            manifests[h].value["spec"]["minReplicas"]
                .as_u64()
                .unwrap_or(1),
            h,
            "/spec/minReplicas",
        ),
        None => (
            m.value["spec"]["replicas"].as_u64().unwrap_or(1),
            i,
            "/spec/replicas",
        ),
    })
}

fn production_checks(i: usize, manifests: &[Manifest], out: &mut Vec<Issue>) {
    let m = &manifests[i];
    let ns = m.namespace().unwrap_or_default();
    if let Some((n, at, pointer)) = min_replicas(i, manifests) {
        if n <= 1 {
            let from = if at == i {
                String::new()
            } else {
                format!(
                    " (its autoscaler {} lets it scale down to {n})",
                    manifests[at].id()
                )
            };
            out.push(Issue {
                rule: "k8s-deploy/production-replicas",
                manifest: at,
                pointer: pointer.into(),
                message: format!(
                    "{} runs {n} replica{from} in the production namespace {ns}: run at least 2",
                    m.id()
                ),
            });
        }
    }
    if matches!(m.kind(), "Deployment" | "StatefulSet" | "Rollout") {
        let template = workload::pod_template(m.api_version(), m.kind()).unwrap_or_default();
        let labels = workload::pod_labels(&m.value, template)
            .cloned()
            .unwrap_or_default();
        let covered = manifests.iter().any(|p| {
            p.kind() == "PodDisruptionBudget"
                && p.namespace() == m.namespace()
                && selector_matches(&p.value["spec"]["selector"], &labels)
        });
        if !covered {
            out.push(Issue {
                rule: "k8s-deploy/production-pdb",
                manifest: i,
                pointer: "/spec".into(),
                message: format!("{} in the production namespace {ns} has no PodDisruptionBudget: add one selecting its pods (minAvailable: 1)", m.id()),
            });
        }
    }
}

/// A label selector (`matchLabels` and `matchExpressions`) against `labels`. An empty selector
/// matches nothing here.
fn selector_matches(selector: &Value, labels: &Map<String, Value>) -> bool {
    let match_labels = selector["matchLabels"].as_object();
    let exprs = selector["matchExpressions"].as_array();
    if match_labels.is_none_or(Map::is_empty) && exprs.is_none_or(Vec::is_empty) {
        return false;
    }
    let labels_ok = match_labels.is_none_or(|ml| ml.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let exprs_ok = exprs.is_none_or(|es| {
        es.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&Value> = e["values"]
                .as_array()
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            match e["operator"].as_str() {
                Some("In") => labels.get(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => labels.get(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => labels.contains_key(key),
                Some("DoesNotExist") => !labels.contains_key(key),
                _ => false,
            }
        })
    });
    labels_ok && exprs_ok
}

fn service_checks(m: &Manifest, manifests: &[Manifest], push: &mut Push<'_>) {
    if m.value["spec"]["type"] == "ExternalName" {
        return;
    }
    let Some(selector) = m.value["spec"]["selector"]
        .as_object()
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let targeted = manifests.iter().any(|w| {
        w.namespace() == m.namespace()
            && workload::pod_template(w.api_version(), w.kind())
                .and_then(|t| workload::pod_labels(&w.value, t))
                .is_some_and(|labels| workload::selects(selector, labels))
    });
    if !targeted {
        let sel: Vec<String> = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
            .collect();
        push(
            "k8s-deploy/service-selector",
            "/spec/selector".into(),
            format!("{}'s selector {} matches the pods of no workload in these manifests: check the labels", m.id(), sel.join(",")),
        );
    }
}

/// The annotation (on the object or its pod template) that suppresses `rule` on `m`, if one
/// does: this gate's own, kube-score's, kube-linter's or Polaris's.
fn suppression(m: &Manifest, rule: &str) -> Option<String> {
    let peers = rules::peers(rule);
    let short = rule.trim_start_matches("k8s-deploy/");
    let template_annotations = workload::pod_template(m.api_version(), m.kind())
        .and_then(|t| m.value.pointer(&format!("{t}/metadata/annotations")))
        .and_then(Value::as_object);
    let lists = |v: &Value, id: &str| {
        v.as_str()
            .is_some_and(|s| s.split(',').any(|x| x.trim() == id))
    };
    for annotations in [m.annotations(), template_annotations]
        .into_iter()
        .flatten()
    {
        for (key, value) in annotations {
            let hit = match key.as_str() {
                IGNORE_ANNOTATION => lists(value, short) || lists(value, rule),
                "kube-score/ignore" => peers.kube_score.iter().any(|id| lists(value, id)),
                "kube-linter.io/ignore-all" => !peers.kube_linter.is_empty(),
                "polaris.fairwinds.com/exempt" => value == "true" && !peers.polaris.is_empty(),
                k => {
                    if let Some(check) = k.strip_prefix("ignore-check.kube-linter.io/") {
                        peers.kube_linter.contains(&check)
                    } else if let Some(check) = k
                        .strip_prefix("polaris.fairwinds.com/")
                        .and_then(|c| c.strip_suffix("-exempt"))
                    {
                        value == "true" && peers.polaris.contains(&check)
                    } else {
                        false
                    }
                }
            };
            if hit {
                return Some(key.clone());
            }
        }
    }
    None
}
