//! The readable report printed outside GitHub Actions.

use std::io::{self, Write};

use crate::{Level, Outcome, Verdict};

/// Findings the terminal report lists; 420k findings printed 420k lines.
pub const MAX_FINDINGS: usize = 50;

/// Colour choice for the terminal report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Emit ANSI colours.
    pub color: bool,
}

impl Style {
    fn paint(self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

fn fg(c: anstyle::AnsiColor) -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(c.into()))
}

/// Make report text safe for a terminal: drop escape sequences and other control characters a
/// hostile report could use to rewrite the screen.
pub fn sanitize(s: &str) -> String {
    crate::text::visible(s)
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect()
}

/// [`sanitize`] each line, keeping the line breaks.
pub fn sanitize_lines(s: &str) -> String {
    s.lines().map(sanitize).collect::<Vec<_>>().join("\n")
}

/// Print the outcome for a person at a terminal.
pub fn render(out: &mut impl Write, outcome: &Outcome, style: Style) -> io::Result<()> {
    use anstyle::AnsiColor::{Cyan, Green, Red, Yellow};
    let (code, word) = match outcome.verdict {
        Verdict::Pass => (fg(Green).bold(), "PASS"),
        Verdict::Warn => (fg(Yellow).bold(), "WARN"),
        Verdict::Fail => (fg(Red).bold(), "FAIL"),
        Verdict::Error => (fg(Red).bold(), "ERROR"),
        Verdict::Inconclusive => (fg(Yellow).bold(), "INCONCLUSIVE"),
        Verdict::Skipped => (anstyle::Style::new().dimmed(), "SKIPPED"),
    };
    writeln!(
        out,
        "{} {}",
        style.paint(code, word),
        sanitize(&outcome.title)
    )?;
    for r in &outcome.reasons {
        writeln!(out, "  - {}", sanitize(r))?;
    }
    if !outcome.notes.is_empty() {
        writeln!(out)?;
        for n in &outcome.notes {
            writeln!(out, "{}", sanitize(n))?;
        }
    }
    // An error's one finding is its annotation, which the title already says (and stderr says
    // with its help).
    if !outcome.findings.is_empty() && outcome.verdict != Verdict::Error {
        writeln!(out)?;
        for f in outcome.findings.iter().take(MAX_FINDINGS) {
            let (c, w) = match f.level {
                Level::Error => (fg(Red), "error"),
                Level::Warning => (fg(Yellow), "warning"),
                Level::Notice => (fg(Cyan), "notice"),
            };
            let place = match (&f.path, f.start_line, f.end_line) {
                (Some(p), Some(s), Some(e)) if e != s => format!("{}:{s}-{e}: ", sanitize(p)),
                (Some(p), Some(s), _) => format!("{}:{s}: ", sanitize(p)),
                (Some(p), None, _) => format!("{}: ", sanitize(p)),
                (None, _, _) => String::new(),
            };
            writeln!(
                out,
                "{}: {place}{}",
                style.paint(c, w),
                sanitize(&f.message)
            )?;
        }
        let more = outcome.findings.len().saturating_sub(MAX_FINDINGS);
        if more > 0 {
            writeln!(
                out,
                "… and {more} more finding{} (most important first above; the result file has them all)",
                if more == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}
