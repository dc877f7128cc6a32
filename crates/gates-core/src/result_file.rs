//! The result file (`gates-result/v1`): how gates talk to `pr-commenter` and users' scripts.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Context, Finding, Outcome, Verdict};

/// Schema identifier written in every result file.
pub const SCHEMA: &str = "gates-result/v1";

/// The JSON document, as written and read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Gate name.
    pub gate: String,
    /// Decision.
    pub verdict: Verdict,
    /// One line.
    pub title: String,
    /// Markdown for this gate's section of the PR comment.
    pub summary: String,
    /// Gate-specific metrics.
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

    /// Read a result file written earlier (for example the base branch's, as a baseline).
    pub fn read(path: &Path) -> Result<Self, crate::InputError> {
        let text = std::fs::read(path).map_err(|e| crate::InputError::io(path, &e))?;
        let value: Self = serde_json::from_slice(&text).map_err(|e| {
            crate::InputError::new(
                path,
                format!("not a gates result file: {e}"),
                "pass the file a gate wrote with --result",
            )
            .at(e.line() as u64, Some(e.column() as u64))
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
