//! The result file (`gates-result/v1`): how gates talk to `pr-commenter` and users' scripts.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Context, Finding, Outcome, Verdict};

/// Schema identifier written in every result file.
pub const SCHEMA: &str = "gates-result/v1";

/// The JSON document, as written and read. Its JSON Schema (`schemas/gates-result-v1.schema.json`)
/// is generated from this type ([`schema_json`]); each gate's `metrics` has its own, generated
/// from the gate's metrics type (`schemas/metrics/<gate>.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(title = "gates-result/v1", extend("additionalProperties" = false))]
pub struct ResultFile {
    /// Always `gates-result/v1`.
    #[schemars(extend("const" = "gates-result/v1"))]
    pub schema: String,
    /// Gate name, e.g. `coverage`.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9-]*$"))]
    pub gate: String,
    /// Decision.
    pub verdict: Verdict,
    /// One line.
    #[schemars(regex(pattern = r"^[^\n\r]*$"))]
    pub title: String,
    /// Markdown for this gate's section of the PR comment.
    #[schemars(length(max = 60000))]
    pub summary: String,
    /// The gate's metrics, with stable documented names: see `schemas/metrics/<gate>.schema.json`
    /// (empty when the verdict is `error`).
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// Every finding, most important first.
    pub findings: Vec<Finding>,
    /// Repository, commits, PR, run.
    pub context: Context,
}

impl ResultFile {
    /// Build the document for an outcome.
    pub fn from_outcome(outcome: &Outcome) -> Self {
        ResultFile {
            schema: SCHEMA.to_string(),
            gate: outcome.gate.clone(),
            verdict: outcome.verdict,
            title: outcome.title.clone(),
            summary: crate::summary::render(
                outcome,
                crate::summary::COMMENT_SECTION_BUDGET,
                "see the job summary",
            ),
            metrics: outcome.metrics.clone(),
            findings: outcome.findings.clone(),
            context: outcome.context.clone(),
        }
    }

    /// Read `path` as a baseline: the result file `gate` wrote on the base branch, its metrics
    /// read through the gate's own metrics type `M`. Another gate's result, an error result or
    /// metrics that do not fit `M` are errors naming the file and what to pass instead.
    pub fn baseline<M: serde::de::DeserializeOwned>(
        path: &Path,
        gate: &str,
    ) -> Result<M, crate::InputError> {
        let doc = Self::read(path)?;
        let pass = format!("pass the result file {gate} wrote with --result on the base branch");
        if doc.gate != gate {
            return Err(crate::InputError::new(
                path,
                format!("this is the {} gate's result, not {gate}'s", doc.gate),
                pass,
            ));
        }
        if doc.verdict == Verdict::Error {
            return Err(crate::InputError::new(
                path,
                format!("the base run could not run ({})", doc.title),
                "fix the base branch's run, or run without --baseline (--baseline-optional where the gate has it)",
            ));
        }
        serde_json::from_value(serde_json::Value::Object(doc.metrics))
            .map_err(|e| crate::InputError::new(path, format!("its metrics do not fit: {e}"), pass))
    }

    /// Read a result file written earlier (for example the base branch's, as a baseline).
    pub fn read(path: &Path) -> Result<Self, crate::InputError> {
        let text = std::fs::read(path).map_err(|e| crate::InputError::io(path, &e))?;
        let value: Self = serde_json::from_slice(&text).map_err(|e| {
            crate::InputError::json(
                path,
                "not a gates result file",
                &e,
                "pass the file a gate wrote with --result",
            )
        })?;
        if value.schema != SCHEMA {
            return Err(crate::InputError::new(
                path,
                format!("unsupported result schema {:?}", value.schema),
                format!("this version reads {SCHEMA}"),
            ));
        }
        Ok(value)
    }
}

/// The document as written, borrowing from the outcome.
#[derive(Serialize)]
struct View<'a> {
    schema: &'static str,
    gate: &'a str,
    verdict: Verdict,
    title: &'a str,
    summary: &'a str,
    metrics: &'a serde_json::Map<String, serde_json::Value>,
    findings: &'a [Finding],
    context: &'a Context,
}

/// The result file's JSON Schema, as committed in `schemas/gates-result-v1.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(ResultFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

/// The JSON Schema of a gate's metrics type, as committed in `schemas/metrics/<gate>.schema.json`.
pub fn metrics_schema_json<M: schemars::JsonSchema>() -> String {
    let schema = schemars::schema_for!(M);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

/// A gate's typed metrics as the outcome's map.
pub fn metrics_map<M: Serialize>(metrics: &M) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(metrics) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

/// Write the result file atomically (`files::write_atomic`), so a reader never sees half a
/// document.
pub fn write(path: &Path, outcome: &Outcome) -> std::io::Result<()> {
    // Serialised from borrowed fields: a gate can hold hundreds of thousands of findings.
    let summary = crate::summary::render(
        outcome,
        crate::summary::COMMENT_SECTION_BUDGET,
        "see the job summary",
    );
    let doc = View {
        schema: SCHEMA,
        gate: &outcome.gate,
        verdict: outcome.verdict,
        title: &outcome.title,
        summary: &summary,
        metrics: &outcome.metrics,
        findings: &outcome.findings,
        context: &outcome.context,
    };
    // Streamed: the document is never held in memory whole.
    crate::files::write_atomic(path, |tmp| {
        let mut f = crate::files::create_buffered(tmp)?;
        serde_json::to_writer_pretty(&mut f, &doc).map_err(std::io::Error::other)?;
        f.write_all(b"\n")?;
        f.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })
}
