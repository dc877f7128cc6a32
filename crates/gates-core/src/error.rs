//! Exit codes and the error type for input a gate cannot use.

use std::fmt;
use std::path::{Path, PathBuf};

/// The exit code contract shared by every gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: passed or warned.
    Success,
    /// 1: the gate failed its policy.
    Failed,
    /// 2: the tool could not run.
    Error,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failed => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(s.code())
    }
}

/// Where an error comes from: a file gets the annotation on its line; a flag, a variable, a
/// service or a cancellation has no file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file: a report, the config, an event payload, a template.
    File(PathBuf),
    /// A command-line flag (`--max-new`), or the command line as a whole.
    Flag(String),
    /// An environment variable (`GITHUB_TOKEN`).
    Env(String),
    /// A key of a config file (`coverage.levels` in `.github/gates.yml`): the annotation goes
    /// on the file. Boxed: errors travel in `Result`s, and stay small.
    ConfigKey(Box<(PathBuf, String)>),
    /// A service the gate talks to (`GitHub API`), and the HTTP status it answered, when it
    /// answered.
    Api {
        /// The service.
        service: String,
        /// Its status.
        status: Option<u16>,
    },
    /// The job was cancelled (SIGINT, SIGTERM).
    Cancelled,
    /// A bug of the gate itself (a panic).
    Internal,
}

impl Origin {
    /// The command line as a whole (a value given to some flag).
    pub fn command_line() -> Origin {
        Origin::Flag("(command line)".into())
    }

    /// Key `key` (dotted from its section, `coverage.levels`) of the config file `file`.
    pub fn config_key(file: impl Into<PathBuf>, key: impl Into<String>) -> Origin {
        Origin::ConfigKey(Box::new((file.into(), key.into())))
    }

    /// A service that did not answer (or whose answer is not an HTTP status).
    pub fn api(service: impl Into<String>) -> Origin {
        Origin::Api {
            service: service.into(),
            status: None,
        }
    }

    /// A service that answered `status`.
    pub fn api_status(service: impl Into<String>, status: u16) -> Origin {
        Origin::Api {
            service: service.into(),
            status: Some(status),
        }
    }

    /// The file, when the origin is one (a config key's too).
    pub fn file(&self) -> Option<&Path> {
        match self {
            Origin::File(p) => Some(p),
            Origin::ConfigKey(k) => Some(&k.0),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Flag(s) | Origin::Env(s) => f.write_str(s),
            Origin::ConfigKey(k) => write!(f, "{} ({})", k.0.display(), k.1),
            Origin::Api {
                service,
                status: None,
            } => write!(f, "({service})"),
            Origin::Api {
                service,
                status: Some(code),
            } => write!(f, "({service}, HTTP {code})"),
            Origin::Cancelled => f.write_str("(cancelled)"),
            Origin::Internal => f.write_str("(internal error)"),
        }
    }
}

impl<P: AsRef<Path>> From<P> for Origin {
    fn from(p: P) -> Origin {
        Origin::File(p.as_ref().to_path_buf())
    }
}

/// Input a gate could not use: names the file (or flag, variable, service), the place in it,
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Where it comes from.
    pub origin: Origin,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
    /// What the user should do about it.
    pub help: String,
}

impl InputError {
    /// An error about a file (a path converts) or another [`Origin`], with no position.
    pub fn new(
        origin: impl Into<Origin>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        InputError {
            origin: origin.into(),
            line: None,
            column: None,
            message: message.into(),
            help: help.into(),
        }
    }

    /// The same error at a line (and column).
    pub fn at(mut self, line: u64, column: Option<u64>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }

    /// A JSON document that does not parse (or does not fit its type): `what: <serde's reason>`
    /// at serde's line and column, which are placed once, in the position, not in the text.
    pub fn json(
        origin: impl Into<Origin>,
        what: &str,
        err: &serde_json::Error,
        help: impl Into<String>,
    ) -> Self {
        let full = err.to_string();
        let reason = match full.rfind(" at line ") {
            Some(i) if err.line() > 0 => &full[..i],
            _ => &full,
        };
        let message = match err.is_eof() {
            true => format!("{what}: it ends early (truncated?): {reason}"),
            false => format!("{what}: {reason}"),
        };
        let e = InputError::new(origin, message, help);
        match err.line() {
            0 => e,
            l => e.at(l as u64, Some(err.column() as u64)),
        }
    }

    /// [`InputError::json`] for the parsed `text`, naming the Python spellings `NaN`, `Infinity`
    /// and `-Infinity` when the error is at one: Python's `json` writes them, JSON has none.
    pub fn json_in(
        origin: impl Into<Origin>,
        what: &str,
        err: &serde_json::Error,
        text: &[u8],
        help: impl Into<String>,
    ) -> Self {
        let mut e = InputError::json(origin, what, err, help);
        let at = text
            .split(|&b| b == b'\n')
            .nth(err.line().saturating_sub(1))
            .and_then(|l| l.get(err.column().saturating_sub(1)..));
        if let Some(rest) = at {
            for word in ["NaN", "-Infinity", "Infinity"] {
                if rest.starts_with(word.as_bytes()) {
                    e.message = format!(
                        "{what}: {word} is not a JSON number (Python's json module writes it for a value that could not be measured)"
                    );
                    break;
                }
            }
        }
        e
    }

    /// What became of printing to stdout: a closed pipe (`| head`) is no error worth exit 2,
    /// anything else is one.
    pub fn printed(r: std::io::Result<()>) -> Result<(), InputError> {
        match r {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(InputError::new(
                "(stdout)",
                format!("cannot print: {e}"),
                "check where the output goes",
            )),
            _ => Ok(()),
        }
    }

    /// A failure to write `path`.
    pub fn write(path: impl AsRef<Path>, err: &std::io::Error) -> Self {
        InputError::new(
            path,
            format!("cannot write: {err}"),
            "check that the directory exists and is writable, and that the disk has room",
        )
    }

    /// A failure to read `path`.
    pub fn io(path: impl AsRef<Path>, err: &std::io::Error) -> Self {
        let help = match err.kind() {
            std::io::ErrorKind::NotFound => "check the path (relative to the working directory)",
            std::io::ErrorKind::PermissionDenied => "make the file readable by the runner user",
            _ => "check that the file exists and is readable",
        };
        InputError::new(path, format!("cannot read: {err}"), help)
    }
}

impl InputError {
    /// `path:line:column`, as far as known.
    pub fn place(&self) -> String {
        let mut s = self.origin.to_string();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(":{col}"));
            }
        }
        s
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (u64, u64) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_error_names_its_position_once() {
        let err = serde_json::from_str::<serde_json::Value>("[1,\n 2 x]").unwrap_err();
        let e = InputError::json("r.json", "not JSON", &err, "fix it");
        assert_eq!(
            e.to_string(),
            "r.json:2:4: not JSON: expected `,` or `]`\n  help: fix it"
        );
    }
}
