//! What the gate knows of kinds offline: where each one keeps its pod spec and pod labels, and
//! which kinds live outside namespaces. (Against a cluster, discovery decides; this is what
//! `lint` and rendering need without one.)

use serde_json::Value;

/// The JSON pointer of the pod template (`metadata` + `spec`) of a workload kind, or of the
/// pod itself for a Pod.
pub fn pod_template(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("", "Pod") => Some(""),
        ("", "PodTemplate") => Some("/template"),
        ("", "ReplicationController") => Some("/spec/template"),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
            Some("/spec/template")
        }
        ("batch", "Job") => Some("/spec/template"),
        ("batch", "CronJob") => Some("/spec/jobTemplate/spec/template"),
        ("argoproj.io", "Rollout") => Some("/spec/template"),
        _ => None,
    }
}

/// Whether the kind runs to completion (a Job, a CronJob): probes do not apply to it.
pub fn runs_to_completion(kind: &str) -> bool {
    matches!(kind, "Job" | "CronJob")
}

/// The containers lists of a pod spec, with the pointer of each list.
pub const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Kinds of the built-in API that are not namespaced (the ones a deploy repository holds).
pub fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    matches!(
        (group, kind),
        ("", "Namespace" | "Node" | "PersistentVolume")
            | (
                "rbac.authorization.k8s.io",
                "ClusterRole" | "ClusterRoleBinding"
            )
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | (
                "storage.k8s.io",
                "StorageClass" | "CSIDriver" | "VolumeAttachment"
            )
            | ("scheduling.k8s.io", "PriorityClass")
            | ("networking.k8s.io", "IngressClass")
            | (
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
            )
            | ("apiregistration.k8s.io", "APIService")
            | ("gateway.networking.k8s.io", "GatewayClass")
    )
}

/// The pod labels of a workload (its template's `metadata.labels`), if it has pods.
pub fn pod_labels<'v>(
    object: &'v Value,
    template: &str,
) -> Option<&'v serde_json::Map<String, Value>> {
    object
        .pointer(&format!("{template}/metadata/labels"))
        .and_then(Value::as_object)
}

/// Whether every `key: value` of `selector` is among `labels` (an empty selector selects
/// nothing here: a Service without a selector is managed by hand).
pub fn selects(
    selector: &serde_json::Map<String, Value>,
    labels: &serde_json::Map<String, Value>,
) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
