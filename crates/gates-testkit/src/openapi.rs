//! The vendored GitHub REST operations (`openapi/operations.json`) and conformance checks.

use std::sync::OnceLock;

use serde_json::Value;

/// One operation of the REST description.
#[derive(Debug)]
pub struct Operation {
    /// `issues/list-comments` and so on.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/comments`.
    pub path: String,
    raw: Value,
}

impl Operation {
    /// True when `path` (without query) fits the template.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if method != self.method {
            return false;
        }
        let a: Vec<&str> = self.path.split('/').collect();
        let b: Vec<&str> = path.split('/').collect();
        a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
    }

    /// The documented example response for `status`.
    pub fn example(&self, status: u16) -> Option<&Value> {
        let v = &self.raw["responses"][status.to_string()]["example"];
        (!v.is_null()).then_some(v)
    }

    /// Query parameter names the operation declares.
    pub fn query_params(&self) -> Vec<&str> {
        self.raw["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect()
    }

    /// Validate a request body; `Err` lists the violations.
    pub fn check_request(&self, body: &Value) -> Result<(), String> {
        match &self.raw["request"] {
            Value::Null => Err(format!("{} takes no request body", self.id)),
            schema => validate(schema, body).map_err(|e| format!("{} request: {e}", self.id)),
        }
    }

    /// Validate a response body for a status the operation documents. `Ok(false)` when the
    /// description has no schema for that status (GitHub does not document every 5xx).
    pub fn check_response(&self, status: u16, body: Option<&Value>) -> Result<bool, String> {
        let r = &self.raw["responses"][status.to_string()];
        if r.is_null() {
            return Ok(false);
        }
        match (&r["schema"], body) {
            (Value::Null, None) => Ok(true),
            (Value::Null, Some(b)) => Err(format!(
                "{} {status}: the description has no body, the fake sent {b}",
                self.id
            )),
            (schema, Some(b)) => validate(schema, b)
                .map(|_| true)
                .map_err(|e| format!("{} {status} response: {e}", self.id)),
            (_, None) => Err(format!(
                "{} {status}: a body is documented, none was sent",
                self.id
            )),
        }
    }
}

fn validate(schema: &Value, doc: &Value) -> Result<(), String> {
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("bad schema: {e}"))?;
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Every vendored operation.
pub fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let doc: Value = serde_json::from_str(include_str!("../openapi/operations.json"))
            .expect("operations.json parses");
        doc["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .map(|o| Operation {
                id: o["operationId"].as_str().unwrap_or_default().to_string(),
                method: o["method"].as_str().unwrap_or_default().to_string(),
                path: o["path"].as_str().unwrap_or_default().to_string(),
                raw: o.clone(),
            })
            .collect()
    })
}

/// The operation for a request, if the description has one.
pub fn find(method: &str, path: &str) -> Option<&'static Operation> {
    operations().iter().find(|o| o.matches(method, path))
}
