//! The comment body: one section per gate from result files, within GitHub's size limit.

use gates_core::result_file::ResultFile;
use gates_core::Verdict;

/// GitHub refuses bodies over 65,536 characters; bytes are a safe measure of that for any text.
pub const COMMENT_BUDGET: usize = 60_000;

/// Commit and run shown under the sections.
#[derive(Debug, Clone, Default)]
pub struct Footer {
    /// The commit the results are about.
    pub sha: Option<String>,
    /// The workflow run, where the job summary holds everything.
    pub run_url: Option<String>,
}

/// True for a commit id: 4 to 64 hexadecimal digits (abbreviated, SHA-1 or SHA-256).
pub fn is_sha(sha: &str) -> bool {
    (4..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first 7 digits of a commit id, or `None` when it is not one.
pub fn short_sha(sha: &str) -> Option<&str> {
    // ASCII only, so the byte slice is on a character boundary.
    is_sha(sha).then(|| &sha[..sha.len().min(7)])
}

/// Display order: the suite's gates first, in a fixed order, then others by name.
fn rank(gate: &str) -> (usize, String) {
    let order = gates_core::cli::GATES;
    (
        order
            .iter()
            .position(|g| g.name == gate)
            .unwrap_or(order.len()),
        gate.to_string(),
    )
}

/// Sort results into display order.
pub fn sort(results: &mut [ResultFile]) {
    results.sort_by(|a, b| {
        rank(&a.gate)
            .cmp(&rank(&b.gate))
            .then_with(|| a.title.cmp(&b.title))
    });
}

fn headline(results: &[ResultFile]) -> String {
    let count = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let mut parts = Vec::new();
    for (v, word) in [
        (Verdict::Fail, "failed"),
        (Verdict::Error, "could not run"),
        (Verdict::Warn, "warned"),
        (Verdict::Inconclusive, "inconclusive"),
        (Verdict::Pass, "passed"),
        (Verdict::Skipped, "skipped"),
    ] {
        let n = count(v);
        if n > 0 {
            parts.push(format!("{} {n} {word}", v.icon()));
        }
    }
    format!("## gates: {}\n\n", parts.join(" · "))
}

fn footer(f: &Footer, trimmed: bool) -> String {
    let mut bits = Vec::new();
    match f.sha.as_deref().map(short_sha) {
        Some(Some(short)) => bits.push(format!("commit `{short}`")),
        // From an event payload or an artifact: never sliced or shown unless it is a sha.
        Some(None) => bits.push("commit not shown (its id is not hexadecimal)".to_string()),
        None => {}
    }
    if let Some(url) = &f.run_url {
        bits.push(format!("[workflow run]({url})"));
    }
    let mut s = String::from("\n---\n");
    if trimmed {
        s.push_str("_Shortened to fit GitHub's comment limit: the job summary of the run has every detail._\n\n");
    }
    if !bits.is_empty() {
        s.push_str(&format!("<sub>{}</sub>\n", bits.join(" · ")));
    }
    s
}

/// Remove `<details>…</details>` blocks.
fn without_details(md: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for line in md.lines() {
        if line.trim_start().starts_with("<details") {
            depth += 1;
        }
        if depth == 0 {
            out.push_str(line);
            out.push('\n');
        }
        if line.trim_end().ends_with("</details>") {
            depth = depth.saturating_sub(1);
        }
    }
    out
}

/// The verdict line (the first heading) and the reasons that follow it.
fn verdict_and_reasons(md: &str) -> String {
    let mut out = String::new();
    let mut lines = md.lines().skip_while(|l| l.trim().is_empty());
    if let Some(first) = lines.next() {
        out.push_str(first);
        out.push_str("\n\n");
    }
    for l in lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with("- "))
    {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn first_line(md: &str) -> String {
    md.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
        + "\n"
}

/// Render the body (without the sticky marker) within `budget` bytes. Stages: everything; no
/// collapsed details; verdict lines and reasons; verdict lines only. Every gate's verdict line is
/// kept in every stage.
pub fn render(results: &[ResultFile], f: &Footer, budget: usize) -> String {
    let head = headline(results);
    let stages: [&dyn Fn(&str) -> String; 4] = [
        &|s: &str| s.to_string(),
        &without_details,
        &verdict_and_reasons,
        &first_line,
    ];
    for (i, stage) in stages.iter().enumerate() {
        let sections: String = results.iter().map(|r| stage(&r.summary) + "\n").collect();
        let text = format!("{head}{sections}{}", footer(f, i > 0));
        if text.len() <= budget {
            return text;
        }
    }
    // Thousands of gates: cut at a line, still pointing to the summary.
    let tail = footer(f, true);
    let sections: String = results.iter().map(|r| first_line(&r.summary)).collect();
    let room = budget.saturating_sub(head.len() + tail.len());
    format!(
        "{head}{}{tail}",
        gates_core::markdown::truncate_lines(&sections, room)
    )
}

/// Neutralise what a result file from an untrusted job could use to reach people or forge our
/// marker: @-mentions and HTML comments.
pub fn defang(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut prev: Option<char> = None;
    for c in md.chars() {
        if c == '@' && !prev.is_some_and(|p| p.is_alphanumeric()) {
            out.push_str("&#64;");
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out.replace("<!--", "&lt;!--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defang_breaks_mentions_and_markers_but_not_emails() {
        assert_eq!(
            defang("hi @octocat <!-- gates:gates --> a@b.c"),
            "hi &#64;octocat &lt;!-- gates:gates --> a@b.c"
        );
    }

    #[test]
    fn a_non_ascii_or_non_hex_head_sha_is_dropped_with_a_note_not_sliced() {
        for bad in [
            "ééééééé",
            "abc\u{e9}def012",
            "abc",
            "zzzzzzzz",
            "a`b)c*d",
            &"a".repeat(65),
        ] {
            let f = Footer {
                sha: Some(bad.to_string()),
                run_url: None,
            };
            let text = render(&[], &f, COMMENT_BUDGET);
            assert!(!text.contains(bad), "{text}");
            assert!(text.contains("commit not shown"), "{text}");
        }
        let f = Footer {
            sha: Some("6dcb09b5b57875f334f61aebed695e2e4193db5e".into()),
            run_url: None,
        };
        assert!(render(&[], &f, COMMENT_BUDGET).contains("commit `6dcb09b`"));
    }

    #[test]
    fn details_blocks_are_removed() {
        assert_eq!(
            without_details("a\n<details><summary>x</summary>\n\nlots\n</details>\nb\n"),
            "a\nb\n"
        );
    }
}
