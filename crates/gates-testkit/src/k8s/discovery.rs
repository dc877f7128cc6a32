//! The resource types the fake serves, and the discovery, version and OpenAPI documents that
//! describe them to clients.

use serde_json::{json, Value};

/// One served resource type (a kind in one group/version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Plural resource name used in paths, e.g. `deployments`.
    pub plural: String,
    /// Lower-case singular name.
    pub singular: String,
    /// Lives in a namespace.
    pub namespaced: bool,
    /// Short names kubectl accepts (`deploy`).
    pub short_names: Vec<String>,
    /// Subresources served (`status`, `scale`, `log`).
    pub subresources: Vec<String>,
}

impl ResourceType {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, as the server names a resource in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Has the `status` subresource (so main-resource writes keep the stored status).
    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|s| s == "status")
    }
}

/// `(group, version, kind, plural, namespaced, short names, subresources)` of the built-in types.
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
const BUILTIN: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, &["ns"], &["status"]),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"], &[]),
    ("", "v1", "Secret", "secrets", true, &[], &[]),
    ("", "v1", "Service", "services", true, &["svc"], &["status"]),
    ("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"], &[]),
    ("", "v1", "Pod", "pods", true, &["po"], &["status", "log"]),
    ("", "v1", "Event", "events", true, &["ev"], &[]),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, &["pvc"], &["status"]),
    ("apps", "v1", "Deployment", "deployments", true, &["deploy"], &["status", "scale"]),
    ("apps", "v1", "StatefulSet", "statefulsets", true, &["sts"], &["status", "scale"]),
    ("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"], &["status"]),
    ("apps", "v1", "ReplicaSet", "replicasets", true, &["rs"], &["status", "scale"]),
    ("batch", "v1", "Job", "jobs", true, &[], &["status"]),
    ("batch", "v1", "CronJob", "cronjobs", true, &["cj"], &["status"]),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true, &["ing"], &["status"]),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, &["pdb"], &["status"]),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, &["hpa"], &["status"]),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true, &[], &[]),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, &[], &[]),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, &[], &[]),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, &[], &[]),
    ("coordination.k8s.io", "v1", "Lease", "leases", true, &[], &[]),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, &["crd", "crds"], &["status"]),
    ("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, &[], &[]),
];

/// The built-in types.
pub fn builtin() -> Vec<ResourceType> {
    BUILTIN
        .iter()
        .map(|(g, v, k, p, ns, short, sub)| ResourceType {
            group: g.to_string(),
            version: v.to_string(),
            kind: k.to_string(),
            plural: p.to_string(),
            singular: k.to_ascii_lowercase(),
            namespaced: *ns,
            short_names: short.iter().map(|s| s.to_string()).collect(),
            subresources: sub.iter().map(|s| s.to_string()).collect(),
        })
        .collect()
}

/// The types a CustomResourceDefinition declares (one per served version).
pub fn from_crd(crd: &Value) -> Vec<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let str_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let kind = str_of(&names["kind"]);
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    versions
        .iter()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .map(|v| ResourceType {
            group: str_of(&spec["group"]),
            version: str_of(&v["name"]),
            kind: kind.clone(),
            plural: str_of(&names["plural"]),
            singular: names["singular"]
                .as_str()
                .map_or_else(|| kind.to_ascii_lowercase(), str::to_string),
            namespaced: spec["scope"].as_str() != Some("Cluster"),
            short_names: names["shortNames"]
                .as_array()
                .map(|a| a.iter().map(str_of).collect())
                .unwrap_or_default(),
            subresources: v["subresources"]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default(),
        })
        .collect()
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// `APIResourceList` for one group/version.
pub fn resource_list(types: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for t in types
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        resources.push(json!({
            "name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
            "kind": t.kind, "verbs": VERBS, "shortNames": t.short_names,
            "categories": categories(t), "storageVersionHash": "fake",
        }));
        for sub in &t.subresources {
            let (kind, verbs): (&str, &[&str]) = match sub.as_str() {
                "scale" => ("Scale", &["get", "patch", "update"]),
                "log" => ("Pod", &["get"]),
                _ => (t.kind.as_str(), &["get", "patch", "update"]),
            };
            let mut r = json!({
                "name": format!("{}/{sub}", t.plural), "singularName": "",
                "namespaced": t.namespaced, "kind": kind, "verbs": verbs,
            });
            if sub == "scale" {
                r["group"] = json!("autoscaling");
                r["version"] = json!("v1");
            }
            resources.push(r);
        }
    }
    if resources.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": gv, "resources": resources,
    }))
}

/// `all` for the kinds `kubectl get all` lists.
fn categories(t: &ResourceType) -> Vec<&'static str> {
    let all = [
        "Pod",
        "Service",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "HorizontalPodAutoscaler",
    ];
    if t.group.contains('.') && !t.group.ends_with("k8s.io") || !all.contains(&t.kind.as_str()) {
        Vec::new()
    } else {
        vec!["all"]
    }
}

/// The content type of aggregated discovery, which kubectl and kube-rs ask for first.
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `APIGroupDiscoveryList` (aggregated discovery, v2) for `/api` (`core`) or `/apis`.
pub fn aggregated(types: &[ResourceType], core: bool) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = if core {
        vec![(String::new(), vec!["v1".to_string()])]
    } else {
        self::groups(types)
    };
    groups.retain(|(g, _)| g.is_empty() == core);
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = types
                        .iter()
                        .filter(|t| t.group == g && t.version == *v)
                        .map(|t| {
                            let kind = json!({"group": t.group, "version": t.version, "kind": t.kind});
                            let subs: Vec<Value> = t
                                .subresources
                                .iter()
                                .map(|sub| {
                                    let (rk, verbs): (Value, &[&str]) = match sub.as_str() {
                                        "scale" => (
                                            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}),
                                            &["get", "patch", "update"],
                                        ),
                                        "log" => (json!({"group": "", "version": "v1", "kind": "Pod"}), &["get"]),
                                        _ => (kind.clone(), &["get", "patch", "update"]),
                                    };
                                    json!({"subresource": sub, "responseKind": rk, "verbs": verbs})
                                })
                                .collect();
                            json!({
                                "resource": t.plural, "responseKind": kind,
                                "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": t.singular, "verbs": VERBS,
                                "shortNames": t.short_names, "categories": categories(t),
                                "subresources": subs,
                            })
                        })
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g}, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {}, "items": items,
    })
}

/// The groups and their versions, in first-seen order.
fn groups(types: &[ResourceType]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == t.group) {
            Some((_, vs)) if !vs.contains(&t.version) => vs.push(t.version.clone()),
            Some(_) => {}
            None => out.push((t.group.clone(), vec![t.version.clone()])),
        }
    }
    out
}

/// `APIGroup` for `/apis/{group}`.
pub fn group(types: &[ResourceType], name: &str) -> Option<Value> {
    let list = group_list(types);
    let g = list["groups"]
        .as_array()?
        .iter()
        .find(|g| g["name"] == name)?
        .clone();
    let mut g = g;
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

/// `APIGroupList` for `/apis`.
pub fn group_list(types: &[ResourceType]) -> Value {
    let groups: Vec<Value> = groups(types)
        .into_iter()
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `APIVersions` for `/api`.
pub fn core_versions(addr: &str) -> Value {
    json!({
        "kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr}],
    })
}

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-fake",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/openapi/v3`: one document per group/version.
pub fn openapi_index(types: &[ResourceType]) -> Value {
    let mut paths = serde_json::Map::new();
    let mut gvs: Vec<(String, String)> = Vec::new();
    for t in types {
        let gv = (t.group.clone(), t.version.clone());
        if !gvs.contains(&gv) {
            gvs.push(gv);
        }
    }
    for (g, v) in gvs {
        let p = if g.is_empty() {
            format!("api/{v}")
        } else {
            format!("apis/{g}/{v}")
        };
        let url = format!("/openapi/v3/{p}?hash=fake");
        paths.insert(p, json!({ "serverRelativeURL": url }));
    }
    json!({ "paths": paths })
}

/// The OpenAPI v3 document of one group/version: only the operations' declared parameters and
/// group-version-kind, which is what kubectl reads to learn that the server validates fields
/// itself (`fieldValidation`) and dry-runs; no schemas, so kubectl leaves validation to it.
pub fn openapi_gv(types: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    let param = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
    let params = vec![
        param("dryRun"),
        param("fieldManager"),
        param("fieldValidation"),
        param("force"),
    ];
    for t in types
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        let gvk = json!([{"group": t.group, "version": t.version, "kind": t.kind}]);
        let op = json!({
            "x-kubernetes-group-version-kind": gvk[0],
            "parameters": params,
            "responses": {"200": {"description": "OK"}},
        });
        let prefix = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let item = if t.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", t.plural)
        } else {
            format!("{prefix}/{}/{{name}}", t.plural)
        };
        paths.insert(
            item,
            json!({"get": op, "put": op, "patch": op, "delete": op}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0-fake"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}
