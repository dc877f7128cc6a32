//! The one writer of GitHub workflow commands (`::error file=..::message` and friends).
//!
//! The runner treats any stdout line that starts with `::` (after whitespace) as a command, so
//! every byte of untrusted text printed in Actions mode goes through [`escape_data`] /
//! [`escape_property`] or inside a [`Commands::untrusted_block`].

use std::io::{self, Write};

use crate::Level;

/// Escape a command's message the way the runner unescapes it: `%` first, then CR and LF.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::visible(s).chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value: the data set plus `:` and `,`, which would otherwise end it.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::visible(s).chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// The runner cuts an annotation message at 4096 characters; cut it first, visibly, at a
/// character boundary, with room for the escapes.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Where an annotation points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationProps<'a> {
    /// Short title.
    pub title: Option<&'a str>,
    /// Repository-relative file.
    pub file: Option<&'a str>,
    /// First line.
    pub line: Option<u32>,
    /// Last line.
    pub end_line: Option<u32>,
    /// First column; dropped when the annotation spans lines, as the runner would.
    pub col: Option<u32>,
    /// Last column.
    pub end_column: Option<u32>,
}

/// Format one annotation command line (without the trailing newline).
pub fn annotation(level: Level, props: &AnnotationProps<'_>, message: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = props.title {
        parts.push(format!("title={}", escape_property(t)));
    }
    if let Some(f) = props.file {
        parts.push(format!("file={}", escape_property(f)));
    }
    // Mirror the runner's validation so nothing we send is silently reinterpreted.
    let (line, end_line) = match (props.line, props.end_line) {
        (Some(l), Some(e)) if e < l => (None, None),
        (Some(l), e) => (Some(l), e),
        (None, _) => (None, None),
    };
    if let Some(l) = line {
        parts.push(format!("line={l}"));
    }
    if let Some(e) = end_line {
        parts.push(format!("endLine={e}"));
    }
    let single_line = line.is_some() && end_line.is_none_or(|e| Some(e) == line);
    if single_line {
        if let Some(c) = props.col {
            parts.push(format!("col={c}"));
            if let Some(ec) = props.end_column.filter(|&ec| ec >= c) {
                parts.push(format!("endColumn={ec}"));
            }
        }
    }
    let sep = if parts.is_empty() { "" } else { " " };
    let message = crate::text::cap(message, MAX_MESSAGE_CHARS);
    format!(
        "::{}{}{}::{}",
        level.command(),
        sep,
        parts.join(","),
        escape_data(&message)
    )
}

/// True for the characters .NET's `char.IsWhiteSpace` accepts: the runner `TrimStart`s a line with
/// them before looking for `::`, so a line starting with U+0085 or U+3000 then `::` is a command.
pub fn is_dotnet_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Make log text inert for the runner, which reads stdout and stderr alike for commands: a line
/// is a command when it starts with `::` after .NET whitespace, and the legacy `##[name]` form
/// counts anywhere in a line. Each line that could start a command gets a `| ` prefix, every
/// `##[` becomes `##\[`, and line and paragraph separators the runner does not split on are
/// shown as spaces. The text stays readable; nothing in it can run.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split(['\n', '\r']).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = crate::text::visible(line);
        if line
            .trim_start_matches(is_dotnet_whitespace)
            .starts_with("::")
        {
            out.push_str("| ");
        }
        out.push_str(&line.replace("##[", "##\\["));
    }
    out
}

/// A writer of workflow commands and log text for the Actions runner.
pub struct Commands<W: Write> {
    out: W,
}

impl<W: Write> Commands<W> {
    /// Write commands to `out` (normally stdout).
    pub fn new(out: W) -> Self {
        Commands { out }
    }

    /// Emit one annotation.
    pub fn annotate(
        &mut self,
        level: Level,
        props: &AnnotationProps<'_>,
        message: &str,
    ) -> io::Result<()> {
        writeln!(self.out, "{}", annotation(level, props, message))
    }

    /// Open a collapsible group; the title is escaped.
    pub fn group(&mut self, title: &str) -> io::Result<()> {
        writeln!(self.out, "::group::{}", escape_data(title))
    }

    /// Close the current group.
    pub fn end_group(&mut self) -> io::Result<()> {
        writeln!(self.out, "::endgroup::")
    }

    /// Progress of long work (a rollout, a slow API) inside a collapsible group: `work` gets the
    /// writer for its progress lines, and the group is closed whatever it returns.
    pub fn in_group<T>(&mut self, title: &str, work: impl FnOnce(&mut Self) -> T) -> io::Result<T> {
        self.group(title)?;
        let value = work(self);
        self.end_group()?;
        Ok(value)
    }

    /// Mask a secret that did not come from `secrets.*` (the runner masks those already), before
    /// anything could print it: one `add-mask` per line, as the runner matches masks line by
    /// line. Values under 4 characters are not masked (they would blank common words).
    pub fn mask(&mut self, secret: &str) -> io::Result<()> {
        for line in secret.lines().map(str::trim).filter(|l| l.len() >= 4) {
            writeln!(self.out, "::add-mask::{}", escape_data(line))?;
        }
        Ok(())
    }

    /// Print untrusted lines with command processing suspended by a random token, so no line
    /// of them can act as a command.
    pub fn untrusted_block<'a>(
        &mut self,
        lines: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<()> {
        let token = crate::random::token();
        let mut buf = format!("::stop-commands::{token}\n");
        for line in lines {
            // A line equal to the resume token would end the block early; the token is random
            // and 32 hex digits long, but check anyway.
            for part in line.split(['\n', '\r']) {
                let part = crate::text::visible(part);
                if part.contains(&token) {
                    buf.push_str("[line withheld: it contains the log guard token]\n");
                } else {
                    buf.push_str(&part);
                    buf.push('\n');
                }
            }
        }
        buf.push_str(&format!("::{token}::\n"));
        self.out.write_all(buf.as_bytes())
    }

    /// Finish and return the writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn masks_are_registered_per_line_and_groups_always_close() {
        let mut out = Vec::new();
        let mut c = Commands::new(&mut out);
        c.mask("-----BEGIN KEY-----\nabcdEFGH\nxy\n").unwrap();
        let value = c
            .in_group("rollout", |c| {
                c.annotate(Level::Notice, &AnnotationProps::default(), "step 1")
                    .map(|()| 7)
            })
            .unwrap();
        assert_eq!(value.unwrap(), 7);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::add-mask::-----BEGIN KEY-----\n::add-mask::abcdEFGH\n::group::rollout\n::notice::step 1\n::endgroup::\n"
        );
    }

    use super::*;

    #[test]
    fn property_escaping_keeps_commas_from_splitting_file() {
        let p = AnnotationProps {
            file: Some("a,b:c.py"),
            line: Some(3),
            ..Default::default()
        };
        assert_eq!(
            annotation(Level::Warning, &p, "x"),
            "::warning file=a%2Cb%3Ac.py,line=3::x"
        );
    }

    #[test]
    fn multi_line_annotation_drops_columns() {
        let p = AnnotationProps {
            file: Some("f"),
            line: Some(3),
            end_line: Some(5),
            col: Some(1),
            end_column: Some(4),
            ..Default::default()
        };
        assert_eq!(
            annotation(Level::Error, &p, "m"),
            "::error file=f,line=3,endLine=5::m"
        );
        let p = AnnotationProps {
            line: Some(3),
            end_line: Some(3),
            col: Some(1),
            end_column: Some(4),
            ..Default::default()
        };
        assert_eq!(
            annotation(Level::Error, &p, "m"),
            "::error line=3,endLine=3,col=1,endColumn=4::m"
        );
    }

    #[test]
    fn inverted_range_is_dropped_like_the_runner_does() {
        let p = AnnotationProps {
            line: Some(9),
            end_line: Some(2),
            ..Default::default()
        };
        assert_eq!(annotation(Level::Notice, &p, "m"), "::notice::m");
    }

    #[test]
    fn message_with_newline_cannot_start_a_command() {
        let line = annotation(
            Level::Notice,
            &AnnotationProps::default(),
            "ok\n::add-mask::x\r\n%",
        );
        assert_eq!(line, "::notice::ok%0A::add-mask::x%0D%0A%25");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn untrusted_block_is_wrapped_in_a_random_stop_token() {
        let mut c = Commands::new(Vec::new());
        c.untrusted_block(["::error::forged", "a\n::set-output name=x::y"])
            .unwrap();
        let s = String::from_utf8(c.into_inner()).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(lines.last().unwrap(), &format!("::{token}::"));
        assert_eq!(
            lines[1..lines.len() - 1],
            ["::error::forged", "a", "::set-output name=x::y"]
        );
    }
}
