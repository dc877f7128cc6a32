//! `--template`: a handlebars template rendered with the results, every field inert.

use std::path::Path;

use gates_core::result_file::ResultFile;
use gates_core::InputError;
use gates_github::body::{self, Footer};

/// Make every string a template can reach inert: a gate's `summary` is already markdown the gate
/// escaped, so it only loses mentions and comment markers; any other field (a gate name, a
/// finding's message or path, from a payload a fork may control) is escaped as plain text.
fn inert_fields(v: &mut serde_json::Value, summary: bool) {
    match v {
        serde_json::Value::String(s) if summary => *s = body::defang(s),
        serde_json::Value::String(s) => *s = body::defang(&gates_core::markdown::escape(s)),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| inert_fields(x, false)),
        serde_json::Value::Object(o) => o
            .iter_mut()
            .for_each(|(k, x)| inert_fields(x, k == "summary")),
        _ => {}
    }
}

/// Render the `--template` file with the results (`results`, `sha`, `run_url`, `pr`), every
/// field inert.
pub fn render_template(
    t: &Path,
    results: &[ResultFile],
    footer: &Footer,
    pr: u64,
) -> Result<String, InputError> {
    let source = std::fs::read_to_string(t).map_err(|e| InputError::io(t, &e))?;
    let mut hb = handlebars::Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_template_string("body", &source).map_err(|e| {
        let err = InputError::new(
            t,
            format!("template error: {e}"),
            "fix the handlebars syntax",
        );
        match e.pos() {
            Some((line, col)) => err.at(line as u64, Some(col as u64)),
            None => err,
        }
    })?;
    let mut data = serde_json::json!({ "results": results, "sha": footer.sha, "run_url": footer.run_url, "pr": pr });
    inert_fields(&mut data, false);
    // Every field is escaped above, so `{{x}}` and `{{{x}}}` render the same inert text.
    hb.register_escape_fn(handlebars::no_escape);
    hb.render("body", &data).map_err(|e| {
        InputError::new(
            t,
            format!("cannot render the template: {e}"),
            "the template may use results, sha, run_url and pr",
        )
    })
}
