//! `Status` bodies, the way the API server words its errors.

use serde_json::{json, Value};

/// An error answer: HTTP code and `Status` body.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub code: u16,
    /// The `Status` object.
    pub body: Value,
}

/// A `Failure` status.
pub fn failure(code: u16, reason: &str, message: &str, details: Option<Value>) -> ApiError {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code,
    });
    if let Some(d) = details {
        body["details"] = d;
    }
    ApiError { code, body }
}

/// What `details` names: `{name, group, kind}` with kind the resource's plural, as the server
/// sends it.
pub fn details(name: &str, group: &str, plural: &str) -> Value {
    let mut d = json!({"name": name, "kind": plural});
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    d
}

/// 404 for an object.
pub fn not_found(qualified: &str, name: &str, group: &str, plural: &str) -> ApiError {
    failure(
        404,
        "NotFound",
        &format!("{qualified} \"{name}\" not found"),
        Some(details(name, group, plural)),
    )
}

/// 409 on create.
pub fn already_exists(qualified: &str, name: &str, group: &str, plural: &str) -> ApiError {
    failure(
        409,
        "AlreadyExists",
        &format!("{qualified} \"{name}\" already exists"),
        Some(details(name, group, plural)),
    )
}

/// 409 on a stale resourceVersion.
pub fn conflict(qualified: &str, name: &str, group: &str, plural: &str) -> ApiError {
    failure(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {qualified} \"{name}\": the object has been \
             modified; please apply your changes to the latest version and try again"
        ),
        Some(details(name, group, plural)),
    )
}

/// 400.
pub fn bad_request(message: &str) -> ApiError {
    failure(400, "BadRequest", message, None)
}

/// One entry of `details.causes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, ...
    pub reason: String,
    /// The server's message for that field.
    pub message: String,
    /// Path such as `spec.template.spec.containers[0].image`.
    pub field: String,
}

impl Cause {
    /// A cause.
    pub fn new(reason: &str, field: &str, message: &str) -> Self {
        Cause {
            reason: reason.into(),
            message: message.into(),
            field: field.into(),
        }
    }
}

/// 422 Invalid, worded as the server does:
/// `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: ..., ...]`.
pub fn invalid(kind: &str, group: &str, name: &str, causes: &[Cause]) -> ApiError {
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let parts: Vec<String> = causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect();
    let list = if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    };
    let mut d = json!({"name": name, "kind": kind, "causes": causes_json(causes)});
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    failure(
        422,
        "Invalid",
        &format!("{qualified} \"{name}\" is invalid: {list}"),
        Some(d),
    )
}

/// `details.causes` entries.
pub fn causes_json(causes: &[Cause]) -> Value {
    Value::Array(
        causes
            .iter()
            .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
            .collect(),
    )
}

/// 410 Gone for a resourceVersion older than the compaction point.
pub fn expired(rv: u64, oldest: u64) -> ApiError {
    failure(
        410,
        "Expired",
        &format!("too old resource version: {rv} ({oldest})"),
        None,
    )
}

/// A `Success` status (what deletes answer).
pub fn success(details: Value) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Success", "details": details,
    })
}
