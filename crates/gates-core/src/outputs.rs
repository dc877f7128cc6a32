//! Step outputs through `$GITHUB_OUTPUT`.
//!
//! Each value is written as a heredoc with a fresh random delimiter, and a value containing the
//! delimiter is refused: otherwise the rest of the value would be read as new `key=value` lines.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// Render `name<<DELIM\nvalue\nDELIM\n` entries for all outputs at once.
pub fn render(outputs: &[(&str, String)]) -> io::Result<String> {
    let mut buf = String::new();
    for (name, value) in outputs {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid output name {name:?}"),
            ));
        }
        let delimiter = format!("ghadelimiter_{}", crate::random::token());
        if value.contains(&delimiter) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("output {name} contains its delimiter"),
            ));
        }
        let _ = write!(buf, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    Ok(buf)
}

/// Append all outputs to the file in one write, so a failure leaves no half entry.
pub fn append(path: &Path, outputs: &[(&str, String)]) -> Result<(), crate::InputError> {
    let buf = render(outputs).map_err(|e| {
        crate::InputError::new(
            path,
            e.to_string(),
            "output names and values are the gate's own; report this bug",
        )
    })?;
    crate::files::append(path, &buf)
}

/// Parse an output file the way the runner does (`EnvFileKeyValuePairs`); used by tests and by
/// anyone checking what a step produced.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                out.push((line[..e].to_string(), line[e + 1..].to_string()));
            }
            (_, Some(h)) => {
                let name = &line[..h];
                let delim = &line[h + 2..];
                let mut value: Vec<&str> = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delim => break,
                        Some(l) => value.push(l),
                        None => return Err(format!("Matching delimiter not found '{delim}'")),
                    }
                }
                out.push((name.to_string(), value.join("\n")));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_entries_inside_a_value_stay_inside_it() {
        let hostile = "x\nEOF\nverdict=pass\nghadelimiter_0000\nmalicious<<EOF".to_string();
        let text = render(&[("title", hostile.clone()), ("verdict", "fail".into())]).unwrap();
        assert_eq!(
            parse(&text).unwrap(),
            vec![("title".into(), hostile), ("verdict".into(), "fail".into())]
        );
    }

    #[test]
    fn delimiters_differ_per_value() {
        let text = render(&[("a", "1".into()), ("b", "2".into())]).unwrap();
        let delims: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("<<"))
            .map(|l| l.split("<<").nth(1).unwrap())
            .collect();
        assert_ne!(delims[0], delims[1]);
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(render(&[("a=b", "1".into())]).is_err());
        assert!(render(&[("", "1".into())]).is_err());
    }
}
