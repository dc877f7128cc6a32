//! One module per report format, each a streaming parser into [`Report`], and content sniffing.

mod clover;
mod cobertura;
mod coveragepy;
mod gocover;
mod istanbul;
mod jacoco;
mod lcov;
mod llvmcov;
mod opencover;
mod simplecov;
mod xml;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use gates_core::InputError;

use crate::model::Report;

pub use simplecov::apply_nocov;

/// A report format this gate reads.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Cobertura XML (coverage.py, gcovr, istanbul/c8/nyc, coverlet, ...).
    Cobertura,
    /// LCOV tracefile 1.x / 2.x.
    Lcov,
    /// JaCoCo XML.
    Jacoco,
    /// coverage.py JSON (`coverage json`).
    CoveragepyJson,
    /// Go coverprofile.
    Go,
    /// Istanbul `coverage-final.json`.
    IstanbulFinal,
    /// Istanbul `coverage-summary.json` (totals only: no patch coverage).
    IstanbulSummary,
    /// Clover XML.
    Clover,
    /// llvm-cov export JSON (cargo-llvm-cov `--json`).
    LlvmCov,
    /// OpenCover XML.
    Opencover,
    /// SimpleCov `.resultset.json`.
    Simplecov,
}

impl Format {
    /// Name as users write it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Cobertura => "cobertura",
            Format::Lcov => "lcov",
            Format::Jacoco => "jacoco",
            Format::CoveragepyJson => "coveragepy-json",
            Format::Go => "go",
            Format::IstanbulFinal => "istanbul-final",
            Format::IstanbulSummary => "istanbul-summary",
            Format::Clover => "clover",
            Format::LlvmCov => "llvm-cov",
            Format::Opencover => "opencover",
            Format::Simplecov => "simplecov",
        }
    }
}

const SNIFF: usize = 64 * 1024;

/// Recognise a report's format from its first bytes.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('<') {
        let root = xml::root_element(t.as_bytes())?;
        return match root.name.as_str() {
            "coverage" if root.attrs.iter().any(|a| a == "clover" || a == "generated") => {
                Some(Format::Clover)
            }
            "coverage" => Some(Format::Cobertura),
            "report" => Some(Format::Jacoco),
            "CoverageSession" => Some(Format::Opencover),
            _ => None,
        };
    }
    if t.starts_with('{') {
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        return if compact.contains("\"type\":\"llvm.coverage.json.export\"") {
            Some(Format::LlvmCov)
        } else if compact.contains("\"executed_lines\"") || compact.contains("\"show_contexts\"") {
            Some(Format::CoveragepyJson)
        } else if compact.contains("\"statementMap\"") {
            Some(Format::IstanbulFinal)
        } else if compact.contains("\"pct\"") && compact.contains("\"total\"") {
            Some(Format::IstanbulSummary)
        } else if compact.contains("\"coverage\":{")
            && (compact.contains("\"lines\":[") || compact.contains("\"timestamp\""))
        {
            Some(Format::Simplecov)
        } else {
            None
        };
    }
    if t.starts_with("mode:") {
        return Some(Format::Go);
    }
    let first = t.lines().find(|l| !l.trim().is_empty())?;
    ["TN:", "SF:", "VER:"]
        .iter()
        .any(|p| first.starts_with(p))
        .then_some(Format::Lcov)
}

/// The coverage reports in a directory given as an input: its regular files (three levels
/// deep) whose content is a format this gate reads, in name order. None is an error.
pub fn reports_in(dir: &Path) -> Result<Vec<std::path::PathBuf>, InputError> {
    let out = gates_core::input::walk(dir, 3, &mut |p| {
        // Only regular files are sniffed: reading a FIFO would wait forever.
        if !p.is_file() {
            return false;
        }
        let mut head = vec![0; SNIFF];
        let n = std::fs::File::open(p)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        detect(&head[..n]).is_some()
    })?;
    if out.is_empty() {
        return Err(InputError::new(
            dir,
            "the directory holds no coverage report this gate reads",
            "pass the report file, or check that the test step wrote it there",
        ));
    }
    Ok(out)
}

/// Parse the report at `path`, sniffing the format unless `forced`; a big one on every core.
pub fn parse_file(path: &Path, forced: Option<Format>) -> Result<Report, InputError> {
    parse_file_on(path, forced, cores())
}

/// The cores this process may run on, at most 8.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// [`parse_file`] on at most `threads` threads (several reports parsed side by side give
/// each fewer).
pub fn parse_file_on(
    path: &Path,
    forced: Option<Format>,
    threads: usize,
) -> Result<Report, InputError> {
    // Regular files only, checked before opening: a FIFO would block, /dev/zero never end.
    let (file, size) =
        gates_core::input::open_regular_file(path, gates_core::input::MAX_REPORT_BYTES)?;
    // A file growing while it is read stops at the limit too.
    let file = file.take(gates_core::input::MAX_REPORT_BYTES);
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let format = match forced {
        Some(f) => {
            // A forced format that does not fit says what the file looks like instead, rather
            // than calling a sound report of another format damaged.
            let looks_like = detect(&peek(&mut reader, path)?).filter(|d| *d != f);
            return match (parse_sized(f, reader, path, size, threads), looks_like) {
                (Ok(mut report), _) => {
                    report.origin = path.to_path_buf();
                    report.format = Some(f);
                    Ok(report)
                }
                (Err(mut e), Some(other)) => {
                    e.message = format!(
                        "not {} ({}); it looks like {}",
                        f.name(),
                        e.message,
                        other.name()
                    );
                    e.help = format!(
                        "drop --format to recognise it, or pass --format {}",
                        other.name()
                    );
                    Err(e)
                }
                (Err(e), None) => Err(e),
            };
        }
        None => {
            let head = peek(&mut reader, path)?;
            if head.is_empty() {
                return Err(InputError::new(
                    path,
                    "the report is empty",
                    "check that the test step wrote its coverage report before this step ran",
                ));
            }
            if head.iter().take(8192).any(|&b| b == 0) {
                return Err(InputError::new(path, "this is a binary file, not a coverage report", "pass the report your coverage tool exported (XML, JSON, LCOV or a Go coverprofile), not its raw data file (.coverage, .profraw, jacoco.exec)"));
            }
            detect(&head).ok_or_else(|| {
                InputError::new(
                    path,
                    "not a coverage report this gate reads",
                    "supported: cobertura, lcov, jacoco, coveragepy-json, go, istanbul-final, istanbul-summary, clover, llvm-cov, opencover, simplecov; pass --format to force one",
                )
            })?
        }
    };
    let mut report = parse_sized(format, reader, path, size, threads)?;
    report.origin = path.to_path_buf();
    report.format = Some(format);
    Ok(report)
}

fn peek(reader: &mut impl BufRead, path: &Path) -> Result<Vec<u8>, InputError> {
    // fill_buf returns what one read gave; keep the bytes in the reader for the parser.
    let buf = reader.fill_buf().map_err(|e| InputError::io(path, &e))?;
    Ok(buf[..buf.len().min(SNIFF)].to_vec())
}

/// [`parse_reader`] for a file of `size` bytes: a large LCOV tracefile is read on every core.
fn parse_sized<R: BufRead>(
    format: Format,
    reader: R,
    path: &Path,
    size: u64,
    threads: usize,
) -> Result<Report, InputError> {
    if format == Format::Lcov && size >= lcov::PARALLEL_FROM && threads > 1 {
        return lcov::parse_parallel(path, size, threads);
    }
    if format == Format::Cobertura && size >= cobertura::PARALLEL_FROM && threads > 1 {
        return cobertura::parse_parallel(path, size, threads);
    }
    parse_reader(format, reader, path)
}

/// Parse a report of a known format from any reader.
pub fn parse_reader<R: BufRead>(
    format: Format,
    reader: R,
    path: &Path,
) -> Result<Report, InputError> {
    match format {
        Format::Cobertura => cobertura::parse(reader, path),
        Format::Lcov => lcov::parse(reader, path),
        Format::Jacoco => jacoco::parse(reader, path),
        Format::CoveragepyJson => coveragepy::parse(reader, path),
        Format::Go => gocover::parse(reader, path),
        Format::IstanbulFinal => istanbul::parse_final(reader, path),
        Format::IstanbulSummary => istanbul::parse_summary(reader, path),
        Format::Clover => clover::parse(reader, path),
        Format::LlvmCov => llvmcov::parse(reader, path),
        Format::Opencover => opencover::parse(reader, path),
        Format::Simplecov => simplecov::parse(reader, path),
    }
}

/// The offset just after the first `mark` at or after byte `from` of the file at `path`, if
/// any: where a big report can be cut between two records.
fn next_after(path: &Path, from: u64, mark: &[u8]) -> std::io::Result<Option<u64>> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; 1 << 16];
    // The unmatched tail of the last read, which may begin a mark.
    let mut window: Vec<u8> = Vec::new();
    let mut offset = from;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        window.extend_from_slice(&buf[..n]);
        if let Some(i) = memchr::memmem::find(&window, mark) {
            return Ok(Some(offset + (i + mark.len()) as u64));
        }
        let drop = window.len().saturating_sub(mark.len() - 1);
        window.drain(..drop);
        offset += drop as u64;
    }
}

/// A JSON parse error at its line and column.
fn json_error(path: &Path, e: serde_json::Error, what: &str) -> InputError {
    InputError::json(
        path,
        &format!("invalid {what}"),
        &e,
        format!("regenerate the report, or pass --format if this is not a {what}"),
    )
}

/// Read all of a reader, for the JSON formats that serde reads from a slice (much faster than
/// serde's byte-at-a-time reader).
fn read_all<R: Read>(mut r: R, path: &Path) -> Result<Vec<u8>, InputError> {
    let mut v = Vec::new();
    r.read_to_end(&mut v)
        .map_err(|e| InputError::io(path, &e))?;
    Ok(v)
}

/// Parse a count that must be a non-negative number; floats and exponents are accepted because
/// some producers write them.
fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(v) = s.parse::<u64>() {
        return Some(v);
    }
    let f: f64 = s.parse().ok()?;
    // `as` saturates at u64::MAX for larger values.
    (f.is_finite() && f >= 0.0).then_some(f as u64)
}

/// The longest line range one record may span. Real blocks span dozens of lines; a span of
/// millions is a damaged or hostile report that would otherwise expand into millions of entries.
const MAX_SPAN: u32 = 1_000_000;

/// Parse a 1-based line number.
fn parse_line(s: &str) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One table of format names: the flag's (clap), the config's and result file's (serde),
    /// `name()`, the `--format` help and the action input's description all say the same.
    #[test]
    fn every_place_names_the_formats_alike() {
        use clap::ValueEnum;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let action = std::fs::read_to_string(root.join("../../coverage/action.yml")).unwrap();
        let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
        let mut names = Vec::new();
        for f in Format::value_variants() {
            let clap = f.to_possible_value().unwrap().get_name().to_string();
            let serde = serde_json::to_value(f).unwrap();
            assert_eq!(clap, f.name());
            assert_eq!(serde, f.name());
            names.push(f.name());
        }
        let listed = format!("(auto, {})", names.join(", "));
        assert!(
            action.contains(&listed),
            "coverage/action.yml's format input must say {listed}"
        );
        let help: String = main
            .lines()
            .skip_while(|l| !l.contains("/// Report format: auto"))
            .take_while(|l| l.trim_start().starts_with("///"))
            .map(|l| l.trim_start().trim_start_matches("///").trim())
            .collect::<Vec<_>>()
            .join(" ");
        let help_names = format!("auto (recognised from the content), {}.", names.join(", "));
        assert!(
            help.contains(&help_names),
            "--format's help must list {help_names}: {help}"
        );
    }

    #[test]
    fn counts_accept_what_producers_write_and_refuse_negatives() {
        assert_eq!(parse_count("3"), Some(3));
        assert_eq!(parse_count("1e3"), Some(1000));
        assert_eq!(parse_count("2.0"), Some(2));
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("NaN"), None);
        assert_eq!(parse_line("0"), None);
    }
}
