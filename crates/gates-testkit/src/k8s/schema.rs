//! A small schema of the built-in kinds: the server's defaulting, its validation of the fields
//! rollouts depend on, and the known fields (for `fieldValidation=Strict`).

use serde_json::{json, Value};

use super::discovery::ResourceType;
use super::status::Cause;
use super::store::State;

/// A schema node.
enum S {
    /// An object with these fields.
    Obj(&'static [(&'static str, S)]),
    /// A list of these.
    List(&'static S),
    /// Anything (maps of strings, quantities, nested structs the fake does not check).
    Any,
}

use S::{Any, List, Obj};

const META: S = Obj(&[
    ("name", Any),
    ("generateName", Any),
    ("namespace", Any),
    ("labels", Any),
    ("annotations", Any),
    ("uid", Any),
    ("resourceVersion", Any),
    ("generation", Any),
    ("creationTimestamp", Any),
    ("deletionTimestamp", Any),
    ("deletionGracePeriodSeconds", Any),
    ("ownerReferences", Any),
    ("finalizers", Any),
    ("managedFields", Any),
    ("selfLink", Any),
]);

const CONTAINER_PORT: S = Obj(&[
    ("name", Any),
    ("containerPort", Any),
    ("protocol", Any),
    ("hostPort", Any),
    ("hostIP", Any),
]);

const ENV: S = Obj(&[("name", Any), ("value", Any), ("valueFrom", Any)]);

const CONTAINER: S = Obj(&[
    ("name", Any),
    ("image", Any),
    ("command", Any),
    ("args", Any),
    ("workingDir", Any),
    ("ports", List(&CONTAINER_PORT)),
    ("env", List(&ENV)),
    ("envFrom", Any),
    ("resources", Any),
    ("volumeMounts", Any),
    ("volumeDevices", Any),
    ("livenessProbe", Any),
    ("readinessProbe", Any),
    ("startupProbe", Any),
    ("lifecycle", Any),
    ("terminationMessagePath", Any),
    ("terminationMessagePolicy", Any),
    ("imagePullPolicy", Any),
    ("securityContext", Any),
    ("stdin", Any),
    ("stdinOnce", Any),
    ("tty", Any),
    ("resizePolicy", Any),
    ("restartPolicy", Any),
]);

const POD_SPEC: S = Obj(&[
    ("containers", List(&CONTAINER)),
    ("initContainers", List(&CONTAINER)),
    ("ephemeralContainers", Any),
    ("volumes", Any),
    ("restartPolicy", Any),
    ("terminationGracePeriodSeconds", Any),
    ("activeDeadlineSeconds", Any),
    ("dnsPolicy", Any),
    ("nodeSelector", Any),
    ("serviceAccountName", Any),
    ("serviceAccount", Any),
    ("automountServiceAccountToken", Any),
    ("nodeName", Any),
    ("hostNetwork", Any),
    ("hostPID", Any),
    ("hostIPC", Any),
    ("shareProcessNamespace", Any),
    ("securityContext", Any),
    ("imagePullSecrets", Any),
    ("hostname", Any),
    ("subdomain", Any),
    ("affinity", Any),
    ("schedulerName", Any),
    ("tolerations", Any),
    ("hostAliases", Any),
    ("priorityClassName", Any),
    ("priority", Any),
    ("dnsConfig", Any),
    ("readinessGates", Any),
    ("runtimeClassName", Any),
    ("enableServiceLinks", Any),
    ("preemptionPolicy", Any),
    ("overhead", Any),
    ("topologySpreadConstraints", Any),
    ("setHostnameAsFQDN", Any),
    ("os", Any),
    ("hostUsers", Any),
    ("schedulingGates", Any),
    ("resourceClaims", Any),
]);

const TEMPLATE: S = Obj(&[("metadata", META), ("spec", POD_SPEC)]);

const DEPLOYMENT_SPEC: S = Obj(&[
    ("replicas", Any),
    ("selector", Any),
    ("template", TEMPLATE),
    ("strategy", Any),
    ("minReadySeconds", Any),
    ("revisionHistoryLimit", Any),
    ("paused", Any),
    ("progressDeadlineSeconds", Any),
]);

const STATEFULSET_SPEC: S = Obj(&[
    ("replicas", Any),
    ("selector", Any),
    ("template", TEMPLATE),
    ("volumeClaimTemplates", Any),
    ("serviceName", Any),
    ("podManagementPolicy", Any),
    ("updateStrategy", Any),
    ("revisionHistoryLimit", Any),
    ("minReadySeconds", Any),
    ("persistentVolumeClaimRetentionPolicy", Any),
    ("ordinals", Any),
]);

const DAEMONSET_SPEC: S = Obj(&[
    ("selector", Any),
    ("template", TEMPLATE),
    ("updateStrategy", Any),
    ("minReadySeconds", Any),
    ("revisionHistoryLimit", Any),
]);

const JOB_SPEC: S = Obj(&[
    ("parallelism", Any),
    ("completions", Any),
    ("activeDeadlineSeconds", Any),
    ("podFailurePolicy", Any),
    ("successPolicy", Any),
    ("backoffLimit", Any),
    ("backoffLimitPerIndex", Any),
    ("maxFailedIndexes", Any),
    ("selector", Any),
    ("manualSelector", Any),
    ("template", TEMPLATE),
    ("ttlSecondsAfterFinished", Any),
    ("completionMode", Any),
    ("suspend", Any),
    ("podReplacementPolicy", Any),
    ("managedBy", Any),
]);

const SERVICE_PORT: S = Obj(&[
    ("name", Any),
    ("protocol", Any),
    ("appProtocol", Any),
    ("port", Any),
    ("targetPort", Any),
    ("nodePort", Any),
]);

const SERVICE_SPEC: S = Obj(&[
    ("ports", List(&SERVICE_PORT)),
    ("selector", Any),
    ("clusterIP", Any),
    ("clusterIPs", Any),
    ("type", Any),
    ("externalIPs", Any),
    ("sessionAffinity", Any),
    ("loadBalancerIP", Any),
    ("loadBalancerSourceRanges", Any),
    ("externalName", Any),
    ("externalTrafficPolicy", Any),
    ("healthCheckNodePort", Any),
    ("publishNotReadyAddresses", Any),
    ("sessionAffinityConfig", Any),
    ("ipFamilies", Any),
    ("ipFamilyPolicy", Any),
    ("allocateLoadBalancerNodePorts", Any),
    ("loadBalancerClass", Any),
    ("internalTrafficPolicy", Any),
    ("trafficDistribution", Any),
]);

/// The top-level schema of a kind the fake checks; `None` for the others (anything goes).
fn top(kind: &str) -> Option<S> {
    Some(match kind {
        "Deployment" | "ReplicaSet" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", DEPLOYMENT_SPEC),
            ("status", Any),
        ]),
        "StatefulSet" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", STATEFULSET_SPEC),
            ("status", Any),
        ]),
        "DaemonSet" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", DAEMONSET_SPEC),
            ("status", Any),
        ]),
        "Job" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", JOB_SPEC),
            ("status", Any),
        ]),
        "Pod" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", POD_SPEC),
            ("status", Any),
        ]),
        "Service" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("spec", SERVICE_SPEC),
            ("status", Any),
        ]),
        "ConfigMap" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("data", Any),
            ("binaryData", Any),
            ("immutable", Any),
        ]),
        "Secret" => Obj(&[
            ("apiVersion", Any),
            ("kind", Any),
            ("metadata", META),
            ("data", Any),
            ("stringData", Any),
            ("type", Any),
            ("immutable", Any),
        ]),
        _ => return None,
    })
}

/// Fields the schema does not know, as `spec.template.spec.containers[0].imagePullPolcy`.
pub fn unknown_fields(obj: &Value, typ: &ResourceType) -> Vec<String> {
    let mut out = Vec::new();
    if typ.group.contains('.') && !typ.group.ends_with("k8s.io") {
        return out;
    }
    if let Some(s) = top(&typ.kind) {
        walk(obj, &s, "", &mut out);
    }
    out
}

fn walk(v: &Value, s: &S, path: &str, out: &mut Vec<String>) {
    match (s, v) {
        (Obj(fields), Value::Object(m)) => {
            for (k, c) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match fields.iter().find(|(n, _)| n == k) {
                    Some((_, sub)) => walk(c, sub, &p, out),
                    None => out.push(p),
                }
            }
        }
        (List(item), Value::Array(a)) => {
            for (i, c) in a.iter().enumerate() {
                walk(c, item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Drop a field named as [`unknown_fields`] names it (pruning, as `fieldValidation=Warn`).
pub fn remove_field(obj: &mut Value, path: &str) {
    let mut v = obj;
    let segs: Vec<&str> = path.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let (name, index) = match seg.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*seg, None),
        };
        if i == segs.len() - 1 && index.is_none() {
            if let Some(m) = v.as_object_mut() {
                m.remove(name);
            }
            return;
        }
        let Some(next) = v.get_mut(name) else { return };
        v = next;
        if let Some(ix) = index {
            let Some(next) = v.get_mut(ix) else { return };
            v = next;
        }
    }
}

fn set_default(v: &mut Value, field: &str, default: Value) {
    if let Some(m) = v.as_object_mut() {
        m.entry(field.to_string()).or_insert(default);
    }
}

fn obj_mut<'a>(v: &'a mut Value, field: &str) -> &'a mut Value {
    if !v[field].is_object() {
        v[field] = json!({});
    }
    &mut v[field]
}

/// The server's defaults for what rollouts read.
pub fn default(obj: &mut Value, typ: &ResourceType, s: &mut State) {
    let kind = typ.kind.as_str();
    let name = obj["metadata"]["name"].clone();
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            let spec = obj_mut(obj, "spec");
            if kind != "DaemonSet" && kind != "Job" {
                set_default(spec, "replicas", json!(1));
            }
            match kind {
                "Deployment" => {
                    set_default(spec, "strategy", json!({"type": "RollingUpdate"}));
                    if spec["strategy"]["type"] == "RollingUpdate" {
                        let ru = obj_mut(&mut spec["strategy"], "rollingUpdate");
                        set_default(ru, "maxUnavailable", json!("25%"));
                        set_default(ru, "maxSurge", json!("25%"));
                    }
                    set_default(spec, "revisionHistoryLimit", json!(10));
                    set_default(spec, "progressDeadlineSeconds", json!(600));
                }
                "StatefulSet" => {
                    set_default(spec, "podManagementPolicy", json!("OrderedReady"));
                    set_default(
                        spec,
                        "updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                    );
                    set_default(spec, "revisionHistoryLimit", json!(10));
                    set_default(
                        spec,
                        "persistentVolumeClaimRetentionPolicy",
                        json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                    );
                }
                "DaemonSet" => {
                    set_default(
                        spec,
                        "updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                    );
                    set_default(spec, "revisionHistoryLimit", json!(10));
                }
                "Job" => {
                    set_default(spec, "parallelism", json!(1));
                    set_default(spec, "completions", json!(1));
                    set_default(spec, "backoffLimit", json!(6));
                    set_default(spec, "completionMode", json!("NonIndexed"));
                    set_default(spec, "suspend", json!(false));
                    set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
                    if spec["selector"].is_null() {
                        let uid = s.uid();
                        spec["selector"] =
                            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
                        let labels =
                            obj_mut(obj_mut(obj_mut(spec, "template"), "metadata"), "labels");
                        set_default(labels, "batch.kubernetes.io/controller-uid", json!(uid));
                        set_default(labels, "batch.kubernetes.io/job-name", name.clone());
                        set_default(labels, "job-name", name.clone());
                    }
                }
                _ => {}
            }
            if obj["spec"]["template"].is_object() {
                pod_spec(obj_mut(&mut obj["spec"]["template"], "spec"));
            }
        }
        "CronJob" => {
            let spec = obj_mut(obj, "spec");
            set_default(spec, "concurrencyPolicy", json!("Allow"));
            set_default(spec, "suspend", json!(false));
            set_default(spec, "successfulJobsHistoryLimit", json!(3));
            set_default(spec, "failedJobsHistoryLimit", json!(1));
        }
        "Pod" => {
            pod_spec(obj_mut(obj, "spec"));
            if obj["status"].is_null() {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        "Service" => {
            let spec = obj_mut(obj, "spec");
            set_default(spec, "type", json!("ClusterIP"));
            set_default(spec, "sessionAffinity", json!("None"));
            if spec["type"] != "ExternalName" {
                if spec["clusterIP"].is_null() || spec["clusterIP"] == "" {
                    s.serial += 1;
                    let n = s.serial;
                    spec["clusterIP"] = json!(format!("10.96.{}.{}", (n / 250) % 250, n % 250 + 1));
                }
                let ip = spec["clusterIP"].clone();
                set_default(spec, "clusterIPs", json!([ip]));
                set_default(spec, "ipFamilies", json!(["IPv4"]));
                set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
                set_default(spec, "internalTrafficPolicy", json!("Cluster"));
            }
            if let Some(ports) = spec["ports"].as_array_mut() {
                for p in ports {
                    set_default(p, "protocol", json!("TCP"));
                    let port = p["port"].clone();
                    set_default(p, "targetPort", port);
                }
            }
            if obj["status"].is_null() {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        "Namespace" => {
            let labels = obj_mut(obj_mut(obj, "metadata"), "labels");
            set_default(labels, "kubernetes.io/metadata.name", name);
            set_default(obj_mut(obj, "spec"), "finalizers", json!(["kubernetes"]));
            if obj["status"].is_null() {
                obj["status"] = json!({"phase": "Active"});
            }
        }
        "Secret" => {
            if obj["type"] == "" {
                obj["type"] = json!("Opaque");
            }
            set_default(obj, "type", json!("Opaque"));
            if let Some(sd) = obj.as_object_mut().and_then(|m| m.remove("stringData")) {
                let data = obj_mut(obj, "data");
                for (k, v) in sd.as_object().into_iter().flatten() {
                    data[k] = json!(base64(v.as_str().unwrap_or_default().as_bytes()));
                }
            }
        }
        _ => {}
    }
}

fn pod_spec(spec: &mut Value) {
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec[list].as_array_mut() {
            for c in cs {
                set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
                set_default(c, "terminationMessagePolicy", json!("File"));
                set_default(c, "resources", json!({}));
                let image = c["image"].as_str().unwrap_or_default();
                let tag = image.rsplit('/').next().unwrap_or_default();
                let latest = !tag.contains(':') && !image.contains('@') || tag.ends_with(":latest");
                set_default(
                    c,
                    "imagePullPolicy",
                    json!(if latest { "Always" } else { "IfNotPresent" }),
                );
                if let Some(ports) = c["ports"].as_array_mut() {
                    for p in ports {
                        set_default(p, "protocol", json!("TCP"));
                    }
                }
            }
        }
    }
}

/// Standard base64 with padding, as Secret data is carried.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Validation errors, after defaulting.
pub fn validate(obj: &Value, typ: &ResourceType) -> Vec<Cause> {
    let mut c = Vec::new();
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    if !is_dns_subdomain(name) {
        c.push(Cause::new("FieldValueInvalid", "metadata.name", &format!(
            "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case \
             alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
        )));
    }
    let spec = &obj["spec"];
    match typ.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            if let Some(r) = spec["replicas"].as_i64().filter(|r| *r < 0) {
                c.push(Cause::new(
                    "FieldValueInvalid",
                    "spec.replicas",
                    &format!("Invalid value: {r}: must be greater than or equal to 0"),
                ));
            }
            if spec["selector"].is_null() && typ.kind != "Job" {
                c.push(Cause::new(
                    "FieldValueRequired",
                    "spec.selector",
                    "Required value",
                ));
            } else if let Some(sel) = spec["selector"]["matchLabels"].as_object() {
                let labels = &spec["template"]["metadata"]["labels"];
                if sel.iter().any(|(k, v)| labels[k] != *v) {
                    c.push(Cause::new(
                        "FieldValueInvalid",
                        "spec.template.metadata.labels",
                        &format!(
                            "Invalid value: {labels}: `selector` does not match template `labels`"
                        ),
                    ));
                }
            }
            pod_spec_causes(&spec["template"]["spec"], "spec.template.spec", &mut c);
            if typ.kind == "Job" {
                let rp = spec["template"]["spec"]["restartPolicy"]
                    .as_str()
                    .unwrap_or_default();
                if rp != "Never" && rp != "OnFailure" {
                    c.push(Cause::new(
                        "FieldValueNotSupported",
                        "spec.template.spec.restartPolicy",
                        &format!(
                        "Unsupported value: \"{rp}\": supported values: \"OnFailure\", \"Never\""
                    ),
                    ));
                }
            }
        }
        "Pod" => pod_spec_causes(spec, "spec", &mut c),
        "Service" => {
            let ty = spec["type"].as_str().unwrap_or("ClusterIP");
            if !["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].contains(&ty) {
                c.push(Cause::new("FieldValueNotSupported", "spec.type", &format!(
                    "Unsupported value: \"{ty}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
                )));
            }
            let ports = spec["ports"].as_array().cloned().unwrap_or_default();
            if ports.is_empty() && ty != "ExternalName" && spec["clusterIP"] != "None" {
                c.push(Cause::new(
                    "FieldValueRequired",
                    "spec.ports",
                    "Required value",
                ));
            }
            for (i, p) in ports.iter().enumerate() {
                port_cause(&p["port"], &format!("spec.ports[{i}].port"), &mut c);
            }
        }
        "CronJob" if spec["schedule"].as_str().unwrap_or_default().is_empty() => {
            c.push(Cause::new(
                "FieldValueRequired",
                "spec.schedule",
                "Required value",
            ));
        }
        _ => {}
    }
    c
}

/// What an update may not change: selectors, a Job's template, a Service's clusterIP, the
/// data of an immutable ConfigMap or Secret, a StatefulSet's spec beyond what it lets change.
pub fn validate_update(old: &Value, new: &Value, typ: &ResourceType) -> Vec<Cause> {
    let mut c = Vec::new();
    let immutable = |field: &str, v: &Value| {
        Cause::new(
            "FieldValueInvalid",
            field,
            &format!("Invalid value: {v}: field is immutable"),
        )
    };
    let (o, n) = (&old["spec"], &new["spec"]);
    match typ.kind.as_str() {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
            if o["selector"] != n["selector"] =>
        {
            c.push(immutable("spec.selector", &n["selector"]));
        }
        "Job" => {
            if o["selector"] != n["selector"] {
                c.push(immutable("spec.selector", &n["selector"]));
            }
            if o["template"] != n["template"] {
                c.push(immutable("spec.template", &n["template"]));
            }
        }
        "Service" => {
            let was = o["clusterIP"].as_str().unwrap_or_default();
            if !was.is_empty() && o["clusterIP"] != n["clusterIP"] {
                c.push(Cause::new(
                    "FieldValueInvalid",
                    "spec.clusterIPs[0]",
                    &format!("Invalid value: {}: may not change once set", n["clusterIP"]),
                ));
            }
        }
        "ConfigMap" | "Secret" if old["immutable"] == true => {
            for f in ["data", "binaryData", "stringData"] {
                if old[f] != new[f] {
                    c.push(Cause::new(
                        "FieldValueForbidden",
                        f,
                        "Forbidden: field is immutable when `immutable` is set",
                    ));
                }
            }
        }
        _ => {}
    }
    if typ.kind == "StatefulSet" {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(m) = v.as_object_mut() {
                for f in [
                    "replicas",
                    "ordinals",
                    "template",
                    "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy",
                    "minReadySeconds",
                    "selector",
                ] {
                    m.remove(f);
                }
            }
            v
        };
        if strip(o) != strip(n) {
            c.push(Cause::new(
                "FieldValueForbidden",
                "spec",
                "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', \
                 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and \
                 'minReadySeconds' are forbidden",
            ));
        }
    }
    c
}

fn port_cause(v: &Value, field: &str, c: &mut Vec<Cause>) {
    match v.as_i64() {
        Some(p) if (1..=65535).contains(&p) => {}
        Some(p) => c.push(Cause::new(
            "FieldValueInvalid",
            field,
            &format!("Invalid value: {p}: must be between 1 and 65535, inclusive"),
        )),
        None => c.push(Cause::new("FieldValueRequired", field, "Required value")),
    }
}

fn pod_spec_causes(spec: &Value, at: &str, c: &mut Vec<Cause>) {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    if containers.is_empty() {
        c.push(Cause::new(
            "FieldValueRequired",
            &format!("{at}.containers"),
            "Required value",
        ));
    }
    let mut seen = Vec::new();
    for (i, ct) in containers.iter().enumerate() {
        let p = format!("{at}.containers[{i}]");
        match ct["name"].as_str() {
            None | Some("") => c.push(Cause::new(
                "FieldValueRequired",
                &format!("{p}.name"),
                "Required value",
            )),
            Some(n) if seen.contains(&n.to_string()) => c.push(Cause::new(
                "FieldValueDuplicate",
                &format!("{p}.name"),
                &format!("Duplicate value: \"{n}\""),
            )),
            Some(n) => seen.push(n.to_string()),
        }
        if ct["image"].as_str().unwrap_or_default().is_empty() {
            c.push(Cause::new(
                "FieldValueRequired",
                &format!("{p}.image"),
                "Required value",
            ));
        }
        let pol = ct["imagePullPolicy"].as_str().unwrap_or("IfNotPresent");
        if !["Always", "IfNotPresent", "Never"].contains(&pol) {
            c.push(Cause::new("FieldValueNotSupported", &format!("{p}.imagePullPolicy"), &format!(
                "Unsupported value: \"{pol}\": supported values: \"Always\", \"IfNotPresent\", \"Never\""
            )));
        }
        for (j, port) in ct["ports"].as_array().into_iter().flatten().enumerate() {
            port_cause(
                &port["containerPort"],
                &format!("{p}.ports[{j}].containerPort"),
                c,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
