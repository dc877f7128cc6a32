//! The order objects are applied in: what others depend on first (Namespaces, then CRDs, then
//! identities, configuration and storage), workloads next, and what routes to workloads last,
//! so a Deployment never starts before its ConfigMap exists and a Service never points at
//! nothing for long. Within a rank the manifests' own order is kept.

/// The rank of `kind`: lower is applied first.
pub fn rank(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "CustomResourceDefinition" => 1,
        "ServiceAccount"
        | "Role"
        | "ClusterRole"
        | "RoleBinding"
        | "ClusterRoleBinding"
        | "ConfigMap"
        | "Secret"
        | "PersistentVolume"
        | "PersistentVolumeClaim"
        | "StorageClass"
        | "LimitRange"
        | "ResourceQuota"
        | "PriorityClass"
        | "NetworkPolicy" => 2,
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "CronJob"
        | "Pod"
        | "ReplicationController"
        | "Rollout" => 3,
        "Service"
        | "Ingress"
        | "HorizontalPodAutoscaler"
        | "PodDisruptionBudget"
        | "HTTPRoute"
        | "GRPCRoute"
        | "Gateway" => 4,
        // Custom resources need their CRDs established; they come after the built-in kinds.
        _ => 5,
    }
}

/// Indices of `kinds` in apply order (stable).
pub fn apply_order<'k>(kinds: impl IntoIterator<Item = &'k str>) -> Vec<usize> {
    let mut idx: Vec<(u8, usize)> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, k)| (rank(k), i))
        .collect();
    idx.sort();
    idx.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dependencies_come_first_and_ties_keep_their_order() {
        let kinds = [
            "Service",
            "Deployment",
            "ConfigMap",
            "Namespace",
            "Widget",
            "CustomResourceDefinition",
            "Secret",
            "Ingress",
        ];
        let order: Vec<&str> = super::apply_order(kinds)
            .into_iter()
            .map(|i| kinds[i])
            .collect();
        assert_eq!(
            order,
            [
                "Namespace",
                "CustomResourceDefinition",
                "ConfigMap",
                "Secret",
                "Deployment",
                "Service",
                "Ingress",
                "Widget"
            ]
        );
    }
}
