//! Markdown rendering of an outcome, within a byte budget, for the job summary and the result
//! file's `summary` (which the PR commenter posts).

use std::path::Path;

use crate::markdown::{escape, truncate_lines};
use crate::Outcome;

/// GitHub refuses a step summary over 1 MiB; keep a margin for other steps' appends.
pub const JOB_SUMMARY_BUDGET: usize = 1024 * 1024 - 16 * 1024;

/// Budget for one gate's section of a PR comment (the comment limit is 65,536 characters).
pub const COMMENT_SECTION_BUDGET: usize = 50_000;

/// Render the outcome as markdown of at most `budget` bytes.
///
/// Stages: everything; then detail sections replaced by a pointer to `overflow_hint`; then the
/// remaining text cut at a line boundary. The heading and reasons always survive.
pub fn render(outcome: &Outcome, budget: usize, overflow_hint: &str) -> String {
    let head = head(outcome);
    let full = sections(outcome, true);
    if head.len() + full.len() <= budget {
        return head + &full;
    }
    let note = format!(
        "\n_Some details were left out to stay within GitHub's size limit; {overflow_hint}._\n"
    );
    let essential = sections(outcome, false);
    if head.len() + essential.len() + note.len() <= budget {
        return head + &essential + &note;
    }
    let room = budget.saturating_sub(head.len() + note.len());
    let mut out = head;
    if room > 0 {
        out.push_str(truncate_lines(&essential, room));
    }
    out.push_str(&note);
    // The heading itself can only exceed a budget far smaller than any GitHub limit.
    truncate_lines(&out, budget).to_string()
}

fn head(outcome: &Outcome) -> String {
    let mut s = format!(
        "### {} {}\n\n",
        outcome.verdict.icon(),
        escape(&outcome.title)
    );
    for r in &outcome.reasons {
        s.push_str(&format!("- {}\n", escape(r)));
    }
    if !outcome.reasons.is_empty() {
        s.push('\n');
    }
    s
}

fn sections(outcome: &Outcome, with_details: bool) -> String {
    let mut s = String::new();
    for sec in outcome
        .sections
        .iter()
        .filter(|s| with_details || s.essential)
    {
        if sec.essential {
            s.push_str(&format!("#### {}\n\n{}\n", escape(&sec.heading), sec.body));
        } else {
            s.push_str(&format!(
                "<details><summary>{}</summary>\n\n{}\n</details>\n\n",
                escape(&sec.heading),
                sec.body
            ));
        }
    }
    s
}

/// Append the rendered outcome to the job summary file.
pub fn append(path: &Path, outcome: &Outcome) -> Result<(), crate::InputError> {
    crate::files::append(
        path,
        &render(
            outcome,
            JOB_SUMMARY_BUDGET,
            "the result file has every finding",
        ),
    )
}
