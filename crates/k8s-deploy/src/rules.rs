//! The lint's rule catalogue, and for each rule the kube-score, kube-linter and Polaris checks
//! it corresponds to: their suppression annotations are honoured for it, so manifests already
//! annotated for those tools need no change.

use gates_core::rules::{Catalogue, Rule, RuleLevel::*};

/// The gate's name, the prefix of every rule id.
pub const GATE: &str = gates_core::cli::K8S_DEPLOY.name;

/// Every rule, in the order the docs list them.
pub const CATALOGUE: Catalogue = Catalogue {
    gate: GATE,
    rules: &[
        Rule { id: "k8s-deploy/resources-requests", level: Warn, doc: "A container sets no CPU or memory request, so the scheduler cannot place it honestly (kube-score container-resources, kube-linter unset-cpu-requirements / unset-memory-requirements, Polaris cpuRequestsMissing / memoryRequestsMissing).", example: "resources: {requests: {cpu: 100m, memory: 128Mi}}" },
        Rule { id: "k8s-deploy/resources-limits", level: Warn, doc: "A container sets no CPU or memory limit (kube-score container-resources, kube-linter unset-cpu-requirements / unset-memory-requirements, Polaris cpuLimitsMissing / memoryLimitsMissing).", example: "resources: {limits: {cpu: 500m, memory: 256Mi}}" },
        Rule { id: "k8s-deploy/liveness-probe", level: Warn, doc: "A long-running container has no liveness probe (kube-score pod-probes, kube-linter no-liveness-probe, Polaris livenessProbeMissing).", example: "livenessProbe: {httpGet: {path: /health, port: 8080}}" },
        Rule { id: "k8s-deploy/readiness-probe", level: Warn, doc: "A long-running container has no readiness probe, so traffic reaches it before it is ready (kube-score pod-probes, kube-linter no-readiness-probe, Polaris readinessProbeMissing).", example: "readinessProbe: {httpGet: {path: /ready, port: 8080}}" },
        Rule { id: "k8s-deploy/run-as-non-root", level: Warn, doc: "A container may run as root: neither it nor its pod sets runAsNonRoot: true or a non-zero runAsUser (kube-score container-security-context-user-group-id, kube-linter run-as-non-root, Polaris runAsRootAllowed).", example: "securityContext: {runAsNonRoot: true}" },
        Rule { id: "k8s-deploy/read-only-root-filesystem", level: Warn, doc: "A container's root filesystem is writable (kube-score container-security-context-readonlyrootfilesystem, kube-linter no-read-only-root-fs, Polaris notReadOnlyRootFilesystem).", example: "securityContext: {readOnlyRootFilesystem: true}" },
        Rule { id: "k8s-deploy/capabilities-drop-all", level: Warn, doc: "A container does not drop ALL Linux capabilities, as the restricted Pod Security Standard requires (kube-linter drop-net-raw-capability covers NET_RAW only; Polaris insecureCapabilities).", example: "securityContext: {capabilities: {drop: [ALL]}}" },
        Rule { id: "k8s-deploy/privilege-escalation", level: Warn, doc: "A container does not set allowPrivilegeEscalation: false, so a setuid binary can gain privileges (kube-linter privilege-escalation-container, Polaris privilegeEscalationAllowed).", example: "securityContext: {allowPrivilegeEscalation: false}" },
        Rule { id: "k8s-deploy/privileged", level: Deny, doc: "A container runs privileged, with the host's full access (kube-score container-security-context-privileged, kube-linter privileged-container, Polaris runAsPrivileged).", example: "securityContext: {privileged: true}" },
        Rule { id: "k8s-deploy/image-tag", level: Deny, doc: "An image has no tag or digest, or the tag latest: what runs changes without a deploy (kube-score container-image-tag, kube-linter latest-tag, Polaris tagNotSpecified).", example: "image: ghcr.io/org/app:1.4.2" },
        Rule { id: "k8s-deploy/service-selector", level: Warn, doc: "A Service's selector matches the pods of no workload in the manifests (kube-score service-targets-pod, kube-linter dangling-service).", example: "selector: {app: gateway} on a Service, no pod labelled app: gateway" },
        Rule { id: "k8s-deploy/production-replicas", level: Warn, doc: "A workload in a production namespace runs one replica (or an autoscaler lets it go down to one), so any restart is an outage (kube-linter minimum-three-replicas, Polaris deploymentMissingReplicas).", example: "replicas: 3, or an HPA with minReplicas: 2" },
        Rule { id: "k8s-deploy/production-pdb", level: Warn, doc: "A workload in a production namespace has no PodDisruptionBudget, so a node drain may take all its pods at once (kube-score deployment-has-poddisruptionbudget / statefulset-has-poddisruptionbudget, Polaris missingPodDisruptionBudget).", example: "a PodDisruptionBudget with minAvailable: 1 selecting its pods" },
        Rule { id: "k8s-deploy/server-rejected", level: Deny, doc: "The API server's dry run refused the object (422 Invalid under fieldValidation=Strict): a field it does not know, a value it does not accept, a field that cannot change (the plan, on the manifest line of the field).", example: "imagePullPolcy: Always" },
        Rule { id: "k8s-deploy/field-conflict", level: Deny, doc: "Another field manager owns a field this apply sets to another value (409 Conflict of server-side apply): kubectl edit, a controller, another pipeline. Remove the field from the manifests, or take it over with --force-conflicts.", example: "spec.replicas owned by kubectl-edit" },
        Rule { id: "k8s-deploy/rollout-failed", level: Deny, doc: "A workload applied by `deploy` did not roll out: a new pod crash-loops, cannot pull its image, cannot start or be scheduled, the Deployment passed its progress deadline, or the rollout was not done within --timeout (kubectl's rollout-status rules, after the controller observed our generation).", example: "pod gateway-7d9f: container gateway: CrashLoopBackOff" },
        Rule { id: "k8s-deploy/health-check-failed", level: Deny, doc: "A --health URL did not answer the expected status (any 2xx unless --health-status says) after every rollout was done, within its attempts (backoff 1 s, 2 s, 4 s, … up to 10 s) and the --timeout: the deploy rolls back to the last known-good set.", example: "https://api.example.com/health: HTTP 503 after 5 attempts" },
        Rule { id: "k8s-deploy/ingress-tls", level: Warn, doc: "An Ingress serves plain HTTP: it has no tls section (none of kube-score, kube-linter or Polaris checks this; suppress it with the k8s-deploy.gates/ignore annotation).", example: "tls: [{hosts: [api.example.com], secretName: api-tls}]" },
    ],
};

/// The peer tools' checks a rule corresponds to: (kube-score, kube-linter, Polaris).
pub struct Peers {
    /// kube-score test ids (`kube-score/ignore: <id>`).
    pub kube_score: &'static [&'static str],
    /// kube-linter check names (`ignore-check.kube-linter.io/<name>`).
    pub kube_linter: &'static [&'static str],
    /// Polaris check ids (`polaris.fairwinds.com/<id>-exempt`).
    pub polaris: &'static [&'static str],
}

/// The peers of the rule `id` (none for a rule no peer checks).
pub fn peers(id: &str) -> Peers {
    let (kube_score, kube_linter, polaris): (&[&str], &[&str], &[&str]) = match id
        .trim_start_matches("k8s-deploy/")
    {
        "resources-requests" => (
            &["container-resources"],
            &["unset-cpu-requirements", "unset-memory-requirements"],
            &["cpuRequestsMissing", "memoryRequestsMissing"],
        ),
        "resources-limits" => (
            &["container-resources"],
            &["unset-cpu-requirements", "unset-memory-requirements"],
            &["cpuLimitsMissing", "memoryLimitsMissing"],
        ),
        "liveness-probe" => (
            &["pod-probes"],
            &["no-liveness-probe"],
            &["livenessProbeMissing"],
        ),
        "readiness-probe" => (
            &["pod-probes"],
            &["no-readiness-probe"],
            &["readinessProbeMissing"],
        ),
        "run-as-non-root" => (
            &["container-security-context-user-group-id"],
            &["run-as-non-root"],
            &["runAsRootAllowed"],
        ),
        "read-only-root-filesystem" => (
            &["container-security-context-readonlyrootfilesystem"],
            &["no-read-only-root-fs"],
            &["notReadOnlyRootFilesystem"],
        ),
        "capabilities-drop-all" => (&[], &["drop-net-raw-capability"], &["insecureCapabilities"]),
        "privilege-escalation" => (
            &[],
            &["privilege-escalation-container"],
            &["privilegeEscalationAllowed"],
        ),
        "privileged" => (
            &["container-security-context-privileged"],
            &["privileged-container"],
            &["runAsPrivileged"],
        ),
        "image-tag" => (
            &["container-image-tag"],
            &["latest-tag"],
            &["tagNotSpecified"],
        ),
        "service-selector" => (&["service-targets-pod"], &["dangling-service"], &[]),
        "production-replicas" => (
            &[],
            &["minimum-three-replicas"],
            &["deploymentMissingReplicas"],
        ),
        "production-pdb" => (
            &[
                "deployment-has-poddisruptionbudget",
                "statefulset-has-poddisruptionbudget",
            ],
            &[],
            &["missingPodDisruptionBudget"],
        ),
        _ => (&[], &[], &[]),
    };
    Peers {
        kube_score,
        kube_linter,
        polaris,
    }
}

/// `ERR`, `WARN` or `INFO`, as the catalogue's level reads in docs.
pub fn rule(id: &str) -> &'static Rule {
    CATALOGUE
        .get(id)
        .expect("the lint raises catalogued rules only")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_sound() {
        assert!(CATALOGUE.check().is_empty(), "{:?}", CATALOGUE.check());
    }

    /// Each rule's doc names the peer checks whose annotations it honours, so the docs never
    /// drift from the suppression table.
    #[test]
    fn docs_name_every_peer() {
        for r in CATALOGUE.rules {
            let p = peers(r.id);
            for id in p.kube_score.iter().chain(p.kube_linter).chain(p.polaris) {
                assert!(r.doc.contains(id), "{} does not name {id}", r.id);
            }
        }
    }
}
