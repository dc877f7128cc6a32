//! Markdown building blocks that keep untrusted text inert.

/// Escape untrusted text for markdown: no HTML, no links, no mentions, no table breaks, no
/// line breaks.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in crate::text::visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A mention in a PR comment notifies people; an entity renders the same without pinging.
            '@' => out.push_str("&#64;"),
            '\\' | '`' | '*' | '_' | '|' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Untrusted text as an inline code span that is safe inside a table cell.
pub fn code(s: &str) -> String {
    let clean: String = crate::text::visible(s)
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", clean.replace('|', "\\|"))
}

/// Untrusted text (a diff of the user's YAML, an application's log lines) as a fenced code
/// block of `language`: the fence is longer than any run of backticks in it, so nothing in it
/// can close the block early. Ends with a newline.
pub fn fenced(language: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{language}\n{text}{newline}{fence}\n")
}

/// A GitHub-flavoured markdown table; cells must already be escaped.
pub fn table(header: &[&str], align_right: &[bool], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push('|');
    for h in header {
        out.push_str(&format!(" {h} |"));
    }
    out.push_str("\n|");
    for i in 0..header.len() {
        out.push_str(if align_right.get(i).copied().unwrap_or(false) {
            "---:|"
        } else {
            "---|"
        });
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for cell in row {
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// Cut `text` to at most `max` bytes at a line boundary.
pub fn truncate_lines(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fenced_block_outlasts_the_backticks_inside_it() {
        assert_eq!(fenced("text", "a"), "```text\na\n```\n");
        assert_eq!(fenced("diff", "x ```` y\n"), "`````diff\nx ```` y\n`````\n");
    }

    use super::*;

    #[test]
    fn hostile_file_names_render_inert() {
        assert_eq!(
            escape("<img src=x> @team | [a](b)\n`x`"),
            "&lt;img src=x&gt; &#64;team \\| \\[a\\](b) \\`x\\`"
        );
    }

    #[test]
    fn code_spans_cannot_break_out_or_split_a_table() {
        assert_eq!(code("a`b|c\nd"), "`a'b\\|c d`");
    }

    #[test]
    fn truncation_stops_at_a_line_and_a_char_boundary() {
        assert_eq!(truncate_lines("ab\ncdé\nf", 6), "ab\n");
        assert_eq!(truncate_lines("ab\ncdé\n", 8), "ab\ncdé\n");
        assert_eq!(truncate_lines("abc", 2), "");
    }
}
