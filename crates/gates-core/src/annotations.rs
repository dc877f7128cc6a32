//! The annotation budget: the runner keeps only 10 annotations per level for a whole composite
//! action and drops the rest without a word, so a gate chooses which ones people see.

use crate::commands::AnnotationProps;
use crate::{Finding, Level};

/// Annotations per level the runner attaches for one step (and one composite action).
pub const PER_LEVEL: usize = 10;

/// The findings chosen for annotations, and how many were left for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    /// At most [`PER_LEVEL`] per level, errors first, each level in the gate's priority order.
    pub shown: Vec<&'a Finding>,
    /// Findings that did not fit.
    pub omitted: usize,
}

/// Choose the annotations to emit. Findings arrive most important first; that order is kept
/// within a level. When some are left out, one notice slot is kept free for the
/// "N more in the job summary" note.
pub fn select(findings: &[Finding]) -> Selection<'_> {
    select_by(findings, |f| f.level)
}

/// [`select`], with each finding at the level `level_of` gives it (its level under an
/// [`Setting`] cap, say): the budget is per level as the runner counts them.
pub fn select_by(findings: &[Finding], level_of: impl Fn(&Finding) -> Level) -> Selection<'_> {
    let mut shown = Vec::new();
    let mut omitted = 0;
    for level in [Level::Error, Level::Warning, Level::Notice] {
        let of_level: Vec<&Finding> = findings.iter().filter(|f| level_of(f) == level).collect();
        // Notices come last, so `omitted` already counts every error and warning left out.
        let cap = if level == Level::Notice && (omitted > 0 || of_level.len() > PER_LEVEL) {
            PER_LEVEL - 1
        } else {
            PER_LEVEL
        };
        omitted += of_level.len().saturating_sub(cap);
        shown.extend(of_level.into_iter().take(cap));
    }
    Selection { shown, omitted }
}

/// `--annotations`: the most severe level a finding is annotated at, or `off` for no annotations.
/// It changes only the annotations: the verdict, the job summary and the result file keep every
/// finding at its own level, and a gate that could not run still says so in an `::error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Setting {
    /// Every finding at its own level (errors stay errors).
    Error,
    /// Errors shown as warnings.
    Warning,
    /// Every annotation a notice.
    Notice,
    /// No annotations.
    Off,
}

impl Setting {
    /// The level a finding of `level` is annotated at, `None` for not at all.
    pub fn cap(self, level: Level) -> Option<Level> {
        let most = match self {
            Setting::Off => return None,
            Setting::Error => Level::Error,
            Setting::Warning => Level::Warning,
            Setting::Notice => Level::Notice,
        };
        // Levels order from the most severe: the cap is the less severe of the two.
        Some(level.max(most))
    }
}

/// Annotation properties of a finding.
pub fn props(f: &Finding) -> AnnotationProps<'_> {
    AnnotationProps {
        title: f.title.as_deref(),
        file: f.path.as_deref(),
        line: f.start_line,
        end_line: f.end_line,
        col: None,
        end_column: None,
    }
}

/// Lines of a checkout file, to keep annotations inside it; `None` when it cannot be read
/// (not there, not a regular file, or too large to count cheaply).
pub fn line_count(root: &std::path::Path, file: &str) -> Option<u32> {
    let path = root.join(file);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 64 << 20 {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let last = usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
    u32::try_from(newlines + last).ok()
}

/// Keep an annotation's lines inside its file of `lines` lines: a line outside 1..=lines (a
/// report from another revision, or a hostile one) is not sent as `line=`; an end past the
/// last line is cut to it.
pub fn clamp_lines(props: &mut AnnotationProps<'_>, lines: u32) {
    match props.line {
        Some(l) if l == 0 || l > lines => {
            props.line = None;
            props.end_line = None;
        }
        Some(_) => props.end_line = props.end_line.map(|e| e.min(lines)),
        None => {}
    }
}

/// The closing notice for omitted findings.
pub fn overflow_message(omitted: usize) -> String {
    format!(
        "{omitted} more finding{} not annotated (GitHub shows at most {PER_LEVEL} per level); see the job summary for the full list",
        if omitted == 1 { " was" } else { "s were" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(level: Level, i: usize) -> Finding {
        Finding {
            rule: "r".into(),
            level,
            message: format!("{i}"),
            path: None,
            start_line: None,
            end_line: None,
            title: None,
            tool_rule: None,
            pointer: None,
            base_pointer: None,
        }
    }

    #[test]
    fn keeps_ten_per_level_in_order_and_reserves_a_notice_for_the_overflow() {
        let mut all: Vec<Finding> = (0..15).map(|i| f(Level::Warning, i)).collect();
        all.extend((0..12).map(|i| f(Level::Notice, i)));
        all.push(f(Level::Error, 0));
        let s = select(&all);
        let count = |l| s.shown.iter().filter(|x| x.level == l).count();
        assert_eq!(
            (
                count(Level::Error),
                count(Level::Warning),
                count(Level::Notice)
            ),
            (1, 10, 9)
        );
        assert_eq!(s.omitted, 5 + 3);
        let warnings: Vec<&str> = s
            .shown
            .iter()
            .filter(|x| x.level == Level::Warning)
            .map(|x| x.message.as_str())
            .collect();
        assert_eq!(warnings, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    }

    #[test]
    fn lines_outside_the_file_are_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "1\n2\n3").unwrap();
        assert_eq!(line_count(dir.path(), "a.py"), Some(3));
        assert_eq!(line_count(dir.path(), "missing.py"), None);
        let mut p = AnnotationProps {
            line: Some(7),
            end_line: Some(9),
            ..Default::default()
        };
        clamp_lines(&mut p, 3);
        assert_eq!((p.line, p.end_line), (None, None));
        let mut p = AnnotationProps {
            line: Some(2),
            end_line: Some(9),
            ..Default::default()
        };
        clamp_lines(&mut p, 3);
        assert_eq!((p.line, p.end_line), (Some(2), Some(3)));
        let mut p = AnnotationProps {
            line: Some(0),
            ..Default::default()
        };
        clamp_lines(&mut p, 3);
        assert_eq!(p.line, None);
    }

    #[test]
    fn a_cap_lowers_levels_never_raises_them_and_off_shows_nothing() {
        use Level::*;
        assert_eq!(Setting::Error.cap(Notice), Some(Notice));
        assert_eq!(Setting::Error.cap(Error), Some(Error));
        assert_eq!(Setting::Warning.cap(Error), Some(Warning));
        assert_eq!(Setting::Warning.cap(Notice), Some(Notice));
        assert_eq!(Setting::Notice.cap(Error), Some(Notice));
        assert_eq!(Setting::Off.cap(Error), None);
        // Twelve errors capped at warning share the warnings' budget.
        let all: Vec<Finding> = (0..12).map(|i| f(Error, i)).collect();
        let s = select_by(&all, |x| Setting::Warning.cap(x.level).unwrap());
        assert_eq!((s.shown.len(), s.omitted), (10, 2));
    }

    #[test]
    fn exactly_ten_notices_fit_when_nothing_is_omitted() {
        let all: Vec<Finding> = (0..10).map(|i| f(Level::Notice, i)).collect();
        let s = select(&all);
        assert_eq!((s.shown.len(), s.omitted), (10, 0));
    }
}
