//! Blue-green slots, offline: the manifests rewritten for one slot (`<name>-blue` or
//! `<name>-green`, the slot in the [`SLOT_LABEL`] label of the workload and its pods), split
//! into what is applied before the switch (the idle slot's workloads, a preview Service per
//! active Service, everything else) and the switch itself (the active Services' selectors,
//! and the HorizontalPodAutoscalers that follow the live slot). What the cluster says about
//! the live slot, and the order of the steps, are [`crate::blue_green`]'s.

use gates_core::InputError;
use serde_json::{json, Map, Value};

use crate::manifest::Manifest;
use crate::workload::{pod_labels, selects};

/// The label naming a workload's (and its pods') slot; the active Service selects on it.
pub const SLOT_LABEL: &str = "gates.dev/slot";

/// One of the two slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Slot {
    /// `<name>-blue`.
    Blue,
    /// `<name>-green`.
    Green,
}

impl Slot {
    /// `blue` or `green`.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Blue => "blue",
            Slot::Green => "green",
        }
    }

    /// The other slot.
    pub fn other(self) -> Slot {
        match self {
            Slot::Blue => Slot::Green,
            Slot::Green => Slot::Blue,
        }
    }

    /// The slot a label value names.
    pub fn parse(s: &str) -> Option<Slot> {
        match s {
            "blue" => Some(Slot::Blue),
            "green" => Some(Slot::Green),
            _ => None,
        }
    }

    /// `name` in this slot: `gateway-blue`.
    pub fn of(self, name: &str) -> String {
        format!("{name}-{}", self.name())
    }
}

/// The manifests of one blue-green deploy.
#[derive(Debug, Clone)]
pub struct SlotPlan {
    /// The slot deployed.
    pub slot: Slot,
    /// Applied first: the slot's workloads, the preview Services, every other object.
    pub first: Vec<Manifest>,
    /// Applied at the switch: the active Services selecting the slot, the autoscalers
    /// retargeted to it.
    pub switch: Vec<Manifest>,
    /// The Deployments in slots, by their manifest name (`gateway`, deployed as
    /// `gateway-<slot>`).
    pub workloads: Vec<String>,
    /// The active Services, by name.
    pub active_services: Vec<String>,
    /// The preview Services, by name.
    pub preview_services: Vec<String>,
}

impl SlotPlan {
    /// Every object of the deploy: the first set, then the switch.
    pub fn all(&self) -> Vec<Manifest> {
        self.first.iter().chain(&self.switch).cloned().collect()
    }
}

/// The Deployments of `manifests` that a Service among them selects: the workloads that get
/// slots or a canary (a Deployment no Service selects gains nothing from either, and rolls as
/// usual).
pub(crate) fn routed(manifests: &[Manifest]) -> Vec<usize> {
    let services: Vec<&Map<String, Value>> = manifests
        .iter()
        .filter(|m| m.kind() == "Service")
        .filter_map(|m| m.value["spec"]["selector"].as_object())
        .collect();
    manifests
        .iter()
        .enumerate()
        .filter(|(_, m)| m.kind() == "Deployment" && m.api_version() == "apps/v1")
        .filter(|(_, m)| {
            pod_labels(&m.value, "/spec/template")
                .is_some_and(|labels| services.iter().any(|s| selects(s, labels)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Whether Service `m` selects the pods of one of `workloads`.
pub(crate) fn selects_any(m: &Manifest, workloads: &[&Manifest]) -> bool {
    let Some(selector) = m.value["spec"]["selector"].as_object() else {
        return false;
    };
    workloads.iter().any(|w| {
        pod_labels(&w.value, "/spec/template").is_some_and(|labels| selects(selector, labels))
    })
}

/// `object`'s `pointer` (an object) with `SLOT_LABEL: slot` added.
fn label(object: &mut Value, pointer: &str, slot: Slot) {
    set_label(object, pointer, SLOT_LABEL, slot.name());
}

/// `object`'s `pointer` (an object, created when absent) with `key: value` added.
pub(crate) fn set_label(object: &mut Value, pointer: &str, key: &str, value: &str) {
    let mut at = object;
    for key in pointer.split('/').skip(1) {
        at = &mut at[key];
        if at.is_null() {
            *at = json!({});
        }
    }
    if let Some(map) = at.as_object_mut() {
        map.insert(key.into(), Value::String(value.into()));
    }
}

/// Live object `live` as an apply of it: what the server added (status, bookkeeping
/// metadata, the revision annotations its controllers keep) left out, the spec as it is.
pub(crate) fn as_it_runs(live: &Value) -> Value {
    let meta = &live["metadata"];
    let mut annotations = meta["annotations"].clone();
    if let Some(a) = annotations.as_object_mut() {
        a.remove("deployment.kubernetes.io/revision");
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    let mut metadata = json!({"name": meta["name"]});
    for (key, value) in [
        ("namespace", &meta["namespace"]),
        ("labels", &meta["labels"]),
        ("annotations", &annotations),
    ] {
        if !value.is_null() && value.as_object().is_none_or(|o| !o.is_empty()) {
            metadata[key] = value.clone();
        }
    }
    json!({
        "apiVersion": live["apiVersion"],
        "kind": live["kind"],
        "metadata": metadata,
        "spec": live["spec"],
    })
}

/// A Service `m` selecting `slot`.
pub fn selecting(m: &Manifest, slot: Slot) -> Manifest {
    let mut m = m.clone();
    label(&mut m.value, "/spec/selector", slot);
    m
}

/// The preview Service `name` of active Service `active`, selecting `slot`.
fn preview(active: &Manifest, existing: Option<&Manifest>, name: &str, slot: Slot) -> Manifest {
    let mut m = service_copy(active, existing, name);
    label(&mut m.value, "/spec/selector", slot);
    m
}

/// A second Service `name` beside `active` (a preview, a canary's): its ports and selector as
/// a ClusterIP Service (a second load balancer or node port is not what it is for).
/// `existing` is the manifests' own Service of that name, whose selector is set.
pub(crate) fn service_copy(active: &Manifest, existing: Option<&Manifest>, name: &str) -> Manifest {
    match existing {
        Some(e) => {
            let mut e = e.clone();
            e.value["spec"]["selector"] = active.value["spec"]["selector"].clone();
            e
        }
        None => {
            let mut m = active.clone();
            let ports: Vec<Value> = active.value["spec"]["ports"]
                .as_array()
                .map(|ports| {
                    ports
                        .iter()
                        .map(|p| {
                            let mut p = p.clone();
                            if let Some(p) = p.as_object_mut() {
                                p.remove("nodePort");
                            }
                            p
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut metadata = json!({ "name": name });
            if let Some(ns) = active.namespace() {
                metadata["namespace"] = ns.into();
            }
            if let Some(labels) = active.value["metadata"].get("labels") {
                metadata["labels"] = labels.clone();
            }
            m.value = json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata,
                "spec": {
                    "type": "ClusterIP",
                    "selector": active.value["spec"]["selector"],
                    "ports": ports,
                },
            });
            m
        }
    }
}

/// The error of a blue-green deploy the manifests cannot carry.
fn unfit(m: Option<&Manifest>, message: String, help: &str) -> InputError {
    match m {
        Some(m) => InputError::new(m.file.as_str(), message, help).at(u64::from(m.line("")), None),
        None => InputError::new(
            gates_core::error::Origin::Flag("--strategy".into()),
            message,
            help,
        ),
    }
}

/// `manifests` as a blue-green deploy of `slot`, with preview Service `preview_service` (for
/// one active Service; `<service>-preview` by default).
pub fn plan(
    manifests: &[Manifest],
    slot: Slot,
    preview_service: Option<&str>,
) -> Result<SlotPlan, InputError> {
    let slotted = routed(manifests);
    if slotted.is_empty() {
        return Err(unfit(
            None,
            "--strategy blue-green: no Service in the manifests selects a Deployment's pods, so there is nothing to switch".into(),
            "add the Service that routes to the Deployment (its selector is what switches slots), or use --strategy rolling",
        ));
    }
    let workloads: Vec<&Manifest> = slotted.iter().map(|&i| &manifests[i]).collect();
    let names: Vec<String> = workloads.iter().map(|w| w.name().to_string()).collect();
    let active: Vec<&Manifest> = manifests
        .iter()
        .filter(|m| m.kind() == "Service" && selects_any(m, &workloads))
        .collect();
    if preview_service.is_some() && active.len() > 1 {
        return Err(unfit(
            None,
            format!(
                "--preview-service names one preview Service, but {} Services route to the slotted Deployments ({})",
                active.len(),
                active.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
            ),
            "leave --preview-service out: each Service then gets `<name>-preview`",
        ));
    }
    let preview_name = |a: &Manifest| {
        preview_service
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}-preview", a.name()))
    };
    let previews: Vec<String> = active.iter().map(|a| preview_name(a)).collect();
    if let Some(a) = active
        .iter()
        .find(|a| previews.iter().any(|p| p == a.name()))
    {
        return Err(unfit(
            Some(a),
            format!(
                "Service {} routes to a slotted Deployment, so it cannot also be a preview Service",
                a.name()
            ),
            "name another preview Service with --preview-service",
        ));
    }
    let mut first = Vec::with_capacity(manifests.len() + active.len());
    let mut switch = Vec::new();
    for (i, m) in manifests.iter().enumerate() {
        if slotted.contains(&i) {
            let mut w = m.clone();
            w.value["metadata"]["name"] = Value::String(slot.of(m.name()));
            label(&mut w.value, "/metadata/labels", slot);
            label(&mut w.value, "/spec/selector/matchLabels", slot);
            label(&mut w.value, "/spec/template/metadata/labels", slot);
            first.push(w);
        } else if active.iter().any(|a| std::ptr::eq(*a, m)) {
            switch.push(selecting(m, slot));
        } else if m.kind() == "HorizontalPodAutoscaler"
            && m.value["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            && names
                .iter()
                .any(|n| m.value["spec"]["scaleTargetRef"]["name"] == n.as_str())
        {
            let mut h = m.clone();
            let target = h.value["spec"]["scaleTargetRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            h.value["spec"]["scaleTargetRef"]["name"] = Value::String(slot.of(&target));
            switch.push(h);
        } else if m.kind() == "Service" && previews.iter().any(|p| p == m.name()) {
            // The manifests' own preview Service: written below, with its selector.
        } else {
            first.push(m.clone());
        }
    }
    for (a, name) in active.iter().zip(&previews) {
        let existing = manifests
            .iter()
            .find(|m| m.kind() == "Service" && m.name() == name && m.namespace() == a.namespace());
        first.push(preview(a, existing, name, slot));
    }
    Ok(SlotPlan {
        slot,
        first,
        switch,
        workloads: names,
        active_services: active.iter().map(|a| a.name().to_string()).collect(),
        preview_services: previews,
    })
}

/// The slot a live Service selects: `Ok(None)` when it selects on no slot (deployed before
/// blue-green), an error when the label names neither slot.
pub fn live_slot(service: &Value) -> Result<Option<Slot>, String> {
    match service["spec"]["selector"][SLOT_LABEL].as_str() {
        None => Ok(None),
        Some(s) => Slot::parse(s)
            .map(Some)
            .ok_or_else(|| format!("its selector's {SLOT_LABEL} is {s:?}, neither blue nor green")),
    }
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
  replicas: 3
  selector: {matchLabels: {app: gateway}}
  template:
    metadata: {labels: {app: gateway}}
    spec: {containers: [{name: gateway, image: gw:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: gateway}
spec:
  type: LoadBalancer
  selector: {app: gateway}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: gateway}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gateway}
  minReplicas: 3
  maxReplicas: 6
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
";

    #[test]
    fn the_slot_is_in_the_workload_its_pods_and_the_switched_selector() {
        let p = plan(&manifests(APP), Slot::Green, None).unwrap();
        let names: Vec<String> = p.first.iter().map(Manifest::id).collect();
        assert_eq!(
            names,
            [
                "Deployment gateway-green",
                "ConfigMap settings",
                "Service gateway-preview"
            ]
        );
        let d = &p.first[0].value;
        assert_eq!(d["spec"]["selector"]["matchLabels"][SLOT_LABEL], "green");
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"][SLOT_LABEL],
            "green"
        );
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"]["app"],
            "gateway"
        );
        let preview = &p.first[2].value;
        assert_eq!(
            preview["spec"]["selector"],
            json!({"app": "gateway", SLOT_LABEL: "green"})
        );
        assert_eq!(preview["spec"]["type"], "ClusterIP");
        assert_eq!(
            preview["spec"]["ports"],
            json!([{"port": 80, "targetPort": 8080}])
        );
        let switched: Vec<String> = p.switch.iter().map(Manifest::id).collect();
        assert_eq!(
            switched,
            ["Service gateway", "HorizontalPodAutoscaler gateway"]
        );
        assert_eq!(p.switch[0].value["spec"]["selector"][SLOT_LABEL], "green");
        assert_eq!(p.switch[0].value["spec"]["type"], "LoadBalancer");
        assert_eq!(
            p.switch[1].value["spec"]["scaleTargetRef"]["name"],
            "gateway-green"
        );
        assert_eq!(p.workloads, ["gateway"]);
        assert_eq!(p.active_services, ["gateway"]);
    }

    #[test]
    fn a_preview_service_of_the_manifests_keeps_its_own_ports() {
        let yaml = format!(
            "{APP}---\napiVersion: v1\nkind: Service\nmetadata: {{name: gw-test}}\nspec:\n  selector: {{app: other}}\n  ports: [{{port: 8080}}]\n"
        );
        let p = plan(&manifests(&yaml), Slot::Blue, Some("gw-test")).unwrap();
        let preview = p.first.iter().find(|m| m.name() == "gw-test").unwrap();
        assert_eq!(preview.value["spec"]["ports"], json!([{"port": 8080}]));
        assert_eq!(
            preview.value["spec"]["selector"],
            json!({"app": "gateway", SLOT_LABEL: "blue"})
        );
        assert_eq!(p.first.iter().filter(|m| m.name() == "gw-test").count(), 1);
    }

    #[test]
    fn manifests_without_a_service_routing_to_a_deployment_are_refused() {
        let yaml = APP.split("---").next().unwrap();
        let e = plan(&manifests(yaml), Slot::Blue, None).unwrap_err();
        assert!(e.to_string().contains("nothing to switch"), "{e}");
    }

    #[test]
    fn the_live_slot_is_read_from_the_selector() {
        assert_eq!(
            live_slot(&json!({"spec": {"selector": {"app": "a"}}})),
            Ok(None)
        );
        assert_eq!(
            live_slot(&json!({"spec": {"selector": {SLOT_LABEL: "green"}}})),
            Ok(Some(Slot::Green))
        );
        assert!(live_slot(&json!({"spec": {"selector": {SLOT_LABEL: "red"}}})).is_err());
    }
}
