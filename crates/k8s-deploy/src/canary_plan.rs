//! A canary, offline: the manifests split into the stable track (the routed Deployments as
//! they run after promotion, their pods labelled [`TRACK_LABEL`]`: stable`), a canary of each
//! (`<name>-canary`, its pods `canary`), a Service per track for each routed Service, and the
//! traffic split at a weight: the manifests' Gateway API HTTPRoutes with each backend split in
//! two, or, without an HTTPRoute, a canary Ingress for ingress-nginx. What the cluster says
//! and the order of the steps are [`crate::canary`]'s.

use gates_core::InputError;
use serde_json::{json, Value};

use crate::manifest::Manifest;
use crate::slots::{as_it_runs, routed, selects_any, service_copy, set_label};

/// The label naming a pod's track; a routed Service selects the stable one.
pub const TRACK_LABEL: &str = "gates.dev/track";

const STABLE: &str = "stable";
const CANARY: &str = "canary";

/// ingress-nginx's canary annotations.
const NGINX_CANARY: &str = "nginx.ingress.kubernetes.io/canary";
const NGINX_WEIGHT: &str = "nginx.ingress.kubernetes.io/canary-weight";

/// What splits the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Router {
    /// Gateway API HTTPRoute backend weights.
    HttpRoute,
    /// ingress-nginx canary annotations on a second Ingress.
    IngressNginx,
}

impl Router {
    /// How the summary names it.
    pub fn name(self) -> &'static str {
        match self {
            Router::HttpRoute => "Gateway API HTTPRoute backend weights",
            Router::IngressNginx => "ingress-nginx canary Ingress",
        }
    }
}

/// The manifests of one canary deploy.
#[derive(Debug, Clone)]
pub struct CanaryPlan {
    /// The routed Deployments as the stable track runs them (applied at promotion).
    pub stable: Vec<Manifest>,
    /// Their canaries, `<name>-canary`, in the same order (replicas set per step).
    pub canaries: Vec<Manifest>,
    /// The routed Services, selecting the stable track.
    pub services: Vec<Manifest>,
    /// `<service>-canary` for each routed Service, selecting the canary track.
    pub canary_services: Vec<Manifest>,
    /// Every other object, applied first.
    pub others: Vec<Manifest>,
    /// What splits the traffic.
    pub router: Router,
    /// The routed Services and the HTTPRoutes as the manifests write them (the first deploy).
    written: Vec<Manifest>,
    /// The objects the split rewrites: HTTPRoutes, or the Ingresses a canary Ingress copies.
    routes: Vec<Manifest>,
}

impl CanaryPlan {
    /// The routed Deployments by their manifest name.
    pub fn workloads(&self) -> Vec<String> {
        self.stable.iter().map(|m| m.name().to_string()).collect()
    }

    /// The first deploy, with no stable track to compare against: every object as written,
    /// the Deployments' pods labelled stable (the Services keep selecting every pod until the
    /// next deploy, when every pod carries the label).
    pub fn established(&self) -> Vec<Manifest> {
        self.others
            .iter()
            .chain(&self.stable)
            .chain(&self.written)
            .cloned()
            .collect()
    }

    /// A release already running without tracks (deployed rolling until now): its stable
    /// Deployments exactly as they run (`live`, in the order of [`CanaryPlan::stable`]), their
    /// pods labelled stable and nothing else changed, so nothing of the new version goes out
    /// before the canary steps.
    pub fn relabelled(&self, live: &[Value]) -> Vec<Manifest> {
        self.stable
            .iter()
            .zip(live)
            .map(|(m, live)| {
                let mut m = m.clone();
                m.value = as_it_runs(live);
                set_label(
                    &mut m.value,
                    "/spec/template/metadata/labels",
                    TRACK_LABEL,
                    STABLE,
                );
                m
            })
            .collect()
    }

    /// Applied before the canary's first pods: every other object and the Services of both
    /// tracks.
    pub fn first(&self) -> Vec<Manifest> {
        self.others
            .iter()
            .chain(&self.services)
            .chain(&self.canary_services)
            .cloned()
            .collect()
    }

    /// The canaries with `replicas` each (in the order of [`CanaryPlan::canaries`]).
    pub fn canaries_at(&self, replicas: &[i64]) -> Vec<Manifest> {
        self.canaries
            .iter()
            .zip(replicas)
            .map(|(m, &r)| {
                let mut m = m.clone();
                m.value["spec"]["replicas"] = json!(r);
                m
            })
            .collect()
    }

    /// The traffic split with `weight` percent to the canaries.
    pub fn routes_at(&self, weight: u32) -> Vec<Manifest> {
        let names: Vec<&str> = self.services.iter().map(Manifest::name).collect();
        self.routes
            .iter()
            .map(|m| match self.router {
                Router::HttpRoute => split_route(m, &names, weight),
                Router::IngressNginx => canary_ingress(m, &names, weight),
            })
            .collect()
    }
}

/// `name`'s canary twin.
pub fn canary_name(name: &str) -> String {
    format!("{name}-{CANARY}")
}

/// The canary replicas for `weight` percent of a stable track of `stable` replicas: at least
/// one, so every step measures a running canary.
pub fn replicas_for(stable: i64, weight: u32) -> i64 {
    ((stable.max(1) * i64::from(weight) + 99) / 100).max(1)
}

/// The Service names HTTPRoute `m` sends traffic to (Services of its own namespace).
fn route_backends(m: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    for rule in m.value["spec"]["rules"].as_array().into_iter().flatten() {
        for r in rule["backendRefs"].as_array().into_iter().flatten() {
            if local_service(m.namespace(), r) {
                if let Some(n) = r["name"].as_str() {
                    out.push(n.to_string());
                }
            }
        }
    }
    out
}

/// Whether backendRef `r` of a route in `namespace` is a Service of that namespace.
fn local_service(namespace: Option<&str>, r: &Value) -> bool {
    let group_ok = r["group"].as_str().is_none_or(str::is_empty);
    let kind_ok = r["kind"].as_str().is_none_or(|k| k == "Service");
    let ns_ok = r["namespace"].as_str().is_none_or(|n| Some(n) == namespace);
    group_ok && kind_ok && ns_ok
}

/// Whether Ingress `m` is ingress-nginx's (by class, or by its annotations).
fn is_nginx(m: &Manifest) -> bool {
    let class = m.value["spec"]["ingressClassName"].as_str().or_else(|| {
        m.annotations()?
            .get("kubernetes.io/ingress.class")?
            .as_str()
    });
    class.is_some_and(|c| c.contains("nginx"))
        || m.annotations().is_some_and(|a| {
            a.keys()
                .any(|k| k.starts_with("nginx.ingress.kubernetes.io/"))
        })
}

/// The Service names Ingress `m` sends traffic to.
fn ingress_backends(m: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    for rule in m.value["spec"]["rules"].as_array().into_iter().flatten() {
        for p in rule["http"]["paths"].as_array().into_iter().flatten() {
            if let Some(n) = p["backend"]["service"]["name"].as_str() {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// HTTPRoute `m` with each backend among `services` split in two, `weight` percent to its
/// canary twin. Weights are relative within a rule, so every backend of a split rule is
/// scaled by 100 to keep the others' share.
fn split_route(m: &Manifest, services: &[&str], weight: u32) -> Manifest {
    let mut m = m.clone();
    let namespace = m.namespace().map(str::to_string);
    let Some(rules) = m.value["spec"]["rules"].as_array_mut() else {
        return m;
    };
    for rule in rules {
        let Some(refs) = rule["backendRefs"].as_array() else {
            continue;
        };
        let splits = |r: &Value| {
            local_service(namespace.as_deref(), r)
                && r["name"].as_str().is_some_and(|n| services.contains(&n))
        };
        if !refs.iter().any(splits) {
            continue;
        }
        let mut out = Vec::with_capacity(refs.len() + 1);
        for r in refs {
            let w = r["weight"].as_u64().unwrap_or(1);
            let mut stable = r.clone();
            if splits(r) {
                let mut canary = r.clone();
                stable["weight"] = json!(w * u64::from(100 - weight));
                canary["weight"] = json!(w * u64::from(weight));
                canary["name"] = json!(canary_name(r["name"].as_str().unwrap_or_default()));
                out.push(stable);
                out.push(canary);
            } else {
                stable["weight"] = json!(w * 100);
                out.push(stable);
            }
        }
        rule["backendRefs"] = Value::Array(out);
    }
    m
}

/// The canary Ingress of ingress-nginx Ingress `m`: its hosts and the paths to `services`,
/// sent to their canary twins, `weight` percent of the traffic (ingress-nginx takes the rest
/// of the canary's settings, TLS included, from the main Ingress).
fn canary_ingress(m: &Manifest, services: &[&str], weight: u32) -> Manifest {
    let mut rules = Vec::new();
    for rule in m.value["spec"]["rules"].as_array().into_iter().flatten() {
        let paths: Vec<Value> = rule["http"]["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| {
                p["backend"]["service"]["name"]
                    .as_str()
                    .is_some_and(|n| services.contains(&n))
            })
            .map(|p| {
                let mut p = p.clone();
                let name =
                    canary_name(p["backend"]["service"]["name"].as_str().unwrap_or_default());
                p["backend"]["service"]["name"] = json!(name);
                p
            })
            .collect();
        if !paths.is_empty() {
            let mut r = rule.clone();
            r["http"] = json!({ "paths": paths });
            rules.push(r);
        }
    }
    let mut metadata = json!({ "name": canary_name(m.name()) });
    if let Some(ns) = m.namespace() {
        metadata["namespace"] = json!(ns);
    }
    if let Some(labels) = m.value["metadata"].get("labels") {
        metadata["labels"] = labels.clone();
    }
    let mut annotations = json!({ NGINX_CANARY: "true", NGINX_WEIGHT: weight.to_string() });
    if let Some(class) = m
        .annotations()
        .and_then(|a| a.get("kubernetes.io/ingress.class"))
    {
        annotations["kubernetes.io/ingress.class"] = class.clone();
    }
    metadata["annotations"] = annotations;
    let mut spec = json!({ "rules": rules });
    if let Some(class) = m.value["spec"].get("ingressClassName") {
        spec["ingressClassName"] = class.clone();
    }
    let mut out = m.clone();
    out.value = json!({
        "apiVersion": m.api_version(),
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
    });
    out
}

/// The error of a canary the manifests cannot carry.
fn unfit(message: String, help: &str) -> InputError {
    InputError::new(
        gates_core::error::Origin::Flag("--strategy".into()),
        message,
        help,
    )
}

/// `manifests` as a canary deploy.
pub fn plan(manifests: &[Manifest]) -> Result<CanaryPlan, InputError> {
    crate::argo::refuse_strategy(manifests, "canary")?;
    let deployments: Vec<&Manifest> = routed(manifests)
        .into_iter()
        .map(|i| &manifests[i])
        .collect();
    let is_route = |m: &Manifest| {
        m.kind() == "HTTPRoute" && m.api_version().starts_with("gateway.networking.k8s.io/")
    };
    let routed_service = |name: &str| {
        manifests
            .iter()
            .any(|s| s.kind() == "Service" && s.name() == name && selects_any(s, &deployments))
    };
    let http_routes: Vec<&Manifest> = manifests
        .iter()
        .filter(|m| is_route(m) && route_backends(m).iter().any(|n| routed_service(n)))
        .collect();
    let (router, routes, targets): (Router, Vec<&Manifest>, Vec<String>) =
        if !http_routes.is_empty() {
            let names = http_routes.iter().flat_map(|m| route_backends(m)).collect();
            (Router::HttpRoute, http_routes, names)
        } else {
            let ingresses: Vec<&Manifest> = manifests
                .iter()
                .filter(|m| m.kind() == "Ingress" && is_nginx(m))
                .filter(|m| ingress_backends(m).iter().any(|n| routed_service(n)))
                .collect();
            let names = ingresses.iter().flat_map(|m| ingress_backends(m)).collect();
            (Router::IngressNginx, ingresses, names)
        };
    if routes.is_empty() {
        return Err(unfit(
            "--strategy canary: no Gateway API HTTPRoute and no ingress-nginx Ingress in the manifests routes to a Service of a Deployment, so there is nothing to split the traffic with".into(),
            "add the HTTPRoute or the Ingress that carries the traffic to the Service, or use --strategy blue-green, which switches the Service's selector",
        ));
    }
    let services: Vec<&Manifest> = manifests
        .iter()
        .filter(|s| {
            s.kind() == "Service"
                && targets.iter().any(|t| t == s.name())
                && selects_any(s, &deployments)
        })
        .collect();
    let workloads: Vec<&Manifest> = deployments
        .into_iter()
        .filter(|d| selects_any_of(&services, d))
        .collect();
    if let Some(clash) = manifests.iter().find(|m| {
        services
            .iter()
            .any(|s| m.kind() == "Service" && m.name() == canary_name(s.name()))
            || workloads
                .iter()
                .any(|w| m.kind() == "Deployment" && m.name() == canary_name(w.name()))
    }) {
        return Err(InputError::new(
            clash.file.as_str(),
            format!(
                "{} is the name the canary of another object takes",
                clash.id()
            ),
            "rename it: the canary of `x` is `x-canary`",
        )
        .at(u64::from(clash.line("")), None));
    }
    let mut plan = CanaryPlan {
        stable: Vec::new(),
        canaries: Vec::new(),
        services: Vec::new(),
        canary_services: Vec::new(),
        others: Vec::new(),
        router,
        written: Vec::new(),
        routes: routes.iter().map(|m| (*m).clone()).collect(),
    };
    for m in manifests {
        if workloads.iter().any(|w| std::ptr::eq(*w, m)) {
            let mut stable = m.clone();
            set_label(
                &mut stable.value,
                "/spec/template/metadata/labels",
                TRACK_LABEL,
                STABLE,
            );
            let mut canary = m.clone();
            canary.value["metadata"]["name"] = json!(canary_name(m.name()));
            for pointer in [
                "/metadata/labels",
                "/spec/selector/matchLabels",
                "/spec/template/metadata/labels",
            ] {
                set_label(&mut canary.value, pointer, TRACK_LABEL, CANARY);
            }
            plan.stable.push(stable);
            plan.canaries.push(canary);
        } else if services.iter().any(|s| std::ptr::eq(*s, m)) {
            let mut s = m.clone();
            set_label(&mut s.value, "/spec/selector", TRACK_LABEL, STABLE);
            plan.services.push(s);
            let mut c = service_copy(m, None, &canary_name(m.name()));
            set_label(&mut c.value, "/spec/selector", TRACK_LABEL, CANARY);
            plan.canary_services.push(c);
            plan.written.push(m.clone());
        } else if router == Router::HttpRoute && routes.iter().any(|r| std::ptr::eq(*r, m)) {
            plan.written.push(m.clone());
        } else {
            plan.others.push(m.clone());
        }
    }
    Ok(plan)
}

/// Whether one of `services` selects Deployment `d`'s pods.
fn selects_any_of(services: &[&Manifest], d: &Manifest) -> bool {
    services
        .iter()
        .any(|s| selects_any(s, std::slice::from_ref(&d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::manifest::parse_literal as manifests;

    const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: gateway, labels: {app: gateway}}
spec:
  replicas: 5
  selector: {matchLabels: {app: gateway}}
  template:
    metadata: {labels: {app: gateway}}
    spec: {containers: [{name: gateway, image: gw:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: gateway}
spec:
  selector: {app: gateway}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: gateway-metrics}
spec:
  selector: {app: gateway}
  ports: [{port: 9102}]
";

    const ROUTE: &str = "\
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: gateway}
spec:
  parentRefs: [{name: public}]
  rules:
    - backendRefs: [{name: gateway, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /static}}]
      backendRefs: [{name: static, port: 80}]
";

    const INGRESS: &str = "\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: gateway, annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 10m}}
spec:
  ingressClassName: nginx
  tls: [{hosts: [api.example.com], secretName: tls}]
  rules:
    - host: api.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: gateway, port: {name: http}}}}
          - {path: /docs, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}
";

    #[test]
    fn an_httproute_backend_is_split_by_weight_and_other_rules_are_left_alone() {
        let p = plan(&manifests(&format!("{APP}{ROUTE}"))).unwrap();
        assert_eq!(p.router, Router::HttpRoute);
        let r = &p.routes_at(20)[0].value;
        assert_eq!(
            r["spec"]["rules"][0]["backendRefs"],
            json!([
                {"name": "gateway", "port": 80, "weight": 80},
                {"name": "gateway-canary", "port": 80, "weight": 20}
            ])
        );
        assert_eq!(
            r["spec"]["rules"][1]["backendRefs"],
            json!([{"name": "static", "port": 80}])
        );
        let r0 = &p.routes_at(0)[0].value;
        assert_eq!(r0["spec"]["rules"][0]["backendRefs"][1]["weight"], 0);
    }

    #[test]
    fn the_tracks_are_in_the_pods_and_only_the_routed_service_selects_one() {
        let p = plan(&manifests(&format!("{APP}{ROUTE}"))).unwrap();
        assert_eq!(p.workloads(), ["gateway"]);
        let stable = &p.stable[0].value;
        assert_eq!(
            stable["spec"]["template"]["metadata"]["labels"][TRACK_LABEL],
            "stable"
        );
        assert_eq!(
            stable["spec"]["selector"],
            json!({"matchLabels": {"app": "gateway"}}),
            "a Deployment's selector cannot change"
        );
        let canary = &p.canaries_at(&[2])[0].value;
        assert_eq!(canary["metadata"]["name"], "gateway-canary");
        assert_eq!(canary["spec"]["replicas"], 2);
        assert_eq!(
            canary["spec"]["selector"]["matchLabels"][TRACK_LABEL],
            "canary"
        );
        assert_eq!(
            p.services[0].value["spec"]["selector"],
            json!({"app": "gateway", TRACK_LABEL: "stable"})
        );
        assert_eq!(
            p.canary_services[0].value["spec"]["selector"],
            json!({"app": "gateway", TRACK_LABEL: "canary"})
        );
        // The metrics Service keeps selecting both tracks: the analysis measures through it.
        let metrics = p
            .others
            .iter()
            .find(|m| m.name() == "gateway-metrics")
            .unwrap();
        assert_eq!(metrics.value["spec"]["selector"], json!({"app": "gateway"}));
        let first: Vec<String> = p.established().iter().map(Manifest::id).collect();
        assert_eq!(
            first,
            [
                "Service gateway-metrics",
                "Deployment gateway",
                "Service gateway",
                "HTTPRoute gateway"
            ]
        );
        assert_eq!(
            p.established()[2].value["spec"]["selector"],
            json!({"app": "gateway"})
        );
    }

    #[test]
    fn without_an_httproute_an_nginx_canary_ingress_carries_the_weight() {
        let p = plan(&manifests(&format!("{APP}{INGRESS}"))).unwrap();
        assert_eq!(p.router, Router::IngressNginx);
        let i = &p.routes_at(40)[0].value;
        assert_eq!(i["metadata"]["name"], "gateway-canary");
        assert_eq!(
            i["metadata"]["annotations"],
            json!({NGINX_CANARY: "true", NGINX_WEIGHT: "40"})
        );
        assert_eq!(
            i["spec"]["rules"],
            json!([{"host": "api.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "gateway-canary", "port": {"name": "http"}}}}
            ]}}])
        );
        assert!(i["spec"].get("tls").is_none());
        assert!(
            p.others.iter().any(|m| m.id() == "Ingress gateway"),
            "the main Ingress is applied as written"
        );
    }

    #[test]
    fn manifests_without_a_router_are_refused() {
        let e = plan(&manifests(APP)).unwrap_err();
        assert!(e.to_string().contains("nothing to split"), "{e}");
    }

    #[test]
    fn the_canary_follows_the_weight_with_at_least_one_pod() {
        assert_eq!(replicas_for(5, 20), 1);
        assert_eq!(replicas_for(5, 40), 2);
        assert_eq!(replicas_for(5, 80), 4);
        assert_eq!(replicas_for(3, 1), 1);
        assert_eq!(replicas_for(0, 50), 1);
    }
}
