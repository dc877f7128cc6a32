//! `meta.k8s.io/v1` Tables, which `kubectl get` asks for to print its columns.

use serde_json::{json, Value};

use super::discovery::ResourceType;
use super::store;

fn col(name: &str, ty: &str) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": name, "priority": 0})
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

type Cells = Box<dyn Fn(&Value) -> Vec<Value>>;

/// A Table of `items` with kind-specific columns, each row carrying its object.
pub fn table(typ: &ResourceType, items: &[Value], rv: u64) -> Value {
    let now = store::now();
    let (cols, cells): (Vec<Value>, Cells) = match typ.kind.as_str() {
        "Deployment" => (
            vec![
                col("Name", "string"),
                col("Ready", "string"),
                col("Up-to-date", "integer"),
                col("Available", "integer"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let st = &o["status"];
                vec![
                    o["metadata"]["name"].clone(),
                    json!(format!(
                        "{}/{}",
                        n(&st["readyReplicas"]),
                        n(&o["spec"]["replicas"])
                    )),
                    json!(n(&st["updatedReplicas"])),
                    json!(n(&st["availableReplicas"])),
                ]
            }),
        ),
        "Pod" => (
            vec![
                col("Name", "string"),
                col("Ready", "string"),
                col("Status", "string"),
                col("Restarts", "string"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let cs = o["status"]["containerStatuses"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let ready = cs.iter().filter(|c| c["ready"] == true).count();
                let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
                let reason = cs
                    .iter()
                    .find_map(|c| c["state"]["waiting"]["reason"].as_str().map(str::to_string))
                    .unwrap_or_else(|| {
                        o["status"]["phase"]
                            .as_str()
                            .unwrap_or("Pending")
                            .to_string()
                    });
                let restarts: i64 = cs.iter().map(|c| n(&c["restartCount"])).sum();
                vec![
                    o["metadata"]["name"].clone(),
                    json!(format!("{ready}/{total}")),
                    json!(reason),
                    json!(restarts.to_string()),
                ]
            }),
        ),
        "Event" => {
            // Events lead with their age and have no Age column of their own.
            let now = now.clone();
            let cells: Cells = Box::new(move |o: &Value| {
                let io = &o["involvedObject"];
                let last = o["lastTimestamp"].as_str().unwrap_or_default();
                let object = format!(
                    "{}/{}",
                    io["kind"].as_str().unwrap_or_default().to_ascii_lowercase(),
                    io["name"].as_str().unwrap_or_default()
                );
                vec![
                    json!(age(last, &now)),
                    o["type"].clone(),
                    o["reason"].clone(),
                    json!(object),
                    o["message"].clone(),
                ]
            });
            let cols =
                ["Last Seen", "Type", "Reason", "Object", "Message"].map(|c| col(c, "string"));
            return json!({
                "kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"resourceVersion": rv.to_string()},
                "columnDefinitions": cols,
                "rows": items.iter().map(|o| json!({"cells": cells(o), "object": o})).collect::<Vec<_>>(),
            });
        }
        "ReplicaSet" => (
            vec![
                col("Name", "string"),
                col("Desired", "integer"),
                col("Current", "integer"),
                col("Ready", "integer"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let st = &o["status"];
                vec![
                    o["metadata"]["name"].clone(),
                    json!(n(&o["spec"]["replicas"])),
                    json!(n(&st["replicas"])),
                    json!(n(&st["readyReplicas"])),
                ]
            }),
        ),
        "StatefulSet" => (
            vec![
                col("Name", "string"),
                col("Ready", "string"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                vec![
                    o["metadata"]["name"].clone(),
                    json!(format!(
                        "{}/{}",
                        n(&o["status"]["readyReplicas"]),
                        n(&o["spec"]["replicas"])
                    )),
                ]
            }),
        ),
        "Service" => (
            vec![
                col("Name", "string"),
                col("Type", "string"),
                col("Cluster-IP", "string"),
                col("External-IP", "string"),
                col("Port(s)", "string"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let ports: Vec<String> = o["spec"]["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        format!(
                            "{}/{}",
                            n(&p["port"]),
                            p["protocol"].as_str().unwrap_or("TCP")
                        )
                    })
                    .collect();
                let ports = if ports.is_empty() {
                    "<none>".to_string()
                } else {
                    ports.join(",")
                };
                vec![
                    o["metadata"]["name"].clone(),
                    o["spec"]["type"].clone(),
                    o["spec"]["clusterIP"].clone(),
                    json!("<none>"),
                    json!(ports),
                ]
            }),
        ),
        "Namespace" => (
            vec![
                col("Name", "string"),
                col("Status", "string"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| vec![o["metadata"]["name"].clone(), o["status"]["phase"].clone()]),
        ),
        "ConfigMap" | "Secret" => (
            vec![
                col("Name", "string"),
                col("Data", "integer"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let data = o["data"].as_object().map_or(0, |m| m.len())
                    + o["binaryData"].as_object().map_or(0, |m| m.len());
                vec![o["metadata"]["name"].clone(), json!(data)]
            }),
        ),
        "Job" => (
            vec![
                col("Name", "string"),
                col("Status", "string"),
                col("Completions", "string"),
                col("Age", "string"),
            ],
            Box::new(|o: &Value| {
                let conds = o["status"]["conditions"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let has = |t: &str| {
                    conds
                        .iter()
                        .any(|c| c["type"] == t && c["status"] == "True")
                };
                let status = if has("Complete") {
                    "Complete"
                } else if has("Failed") {
                    "Failed"
                } else {
                    "Running"
                };
                let completions = format!(
                    "{}/{}",
                    n(&o["status"]["succeeded"]),
                    o["spec"]["completions"].as_i64().unwrap_or(1)
                );
                vec![
                    o["metadata"]["name"].clone(),
                    json!(status),
                    json!(completions),
                ]
            }),
        ),
        _ => (
            vec![col("Name", "string"), col("Age", "string")],
            Box::new(|o: &Value| vec![o["metadata"]["name"].clone()]),
        ),
    };
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut c = cells(o);
            c.push(json!(age(
                o["metadata"]["creationTimestamp"]
                    .as_str()
                    .unwrap_or_default(),
                &now
            )));
            json!({"cells": c, "object": o})
        })
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv.to_string()},
        "columnDefinitions": cols, "rows": rows,
    })
}

/// Seconds of an RFC 3339 UTC timestamp since the epoch.
pub fn epoch(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn age(created: &str, now: &str) -> String {
    let (Some(c), Some(n)) = (epoch(created), epoch(now)) else {
        return "<unknown>".into();
    };
    let secs = (n - c).max(0);
    match secs {
        0..=119 => format!("{secs}s"),
        120..=7199 => format!("{}m", secs / 60),
        _ => format!("{}h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::store::rfc3339;

    #[test]
    fn epoch_inverts_rfc3339() {
        for t in [0, 951_782_400, 1_709_210_096, 1_800_000_000] {
            assert_eq!(epoch(&rfc3339(t)), Some(t as i64));
        }
    }
}
