//! Reading the reports a gate is given: regular files only, and never more than a limit.
//!
//! A report path can name anything: a symlink to `/dev/zero` would be read until memory runs
//! out, and opening a FIFO blocks until a writer comes (forever, in CI). So the file type is
//! checked before the file is opened, symlinks are followed only to regular files, and reading
//! stops at the limit.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::InputError;

/// The most a gate reads from one report: 2 GiB. Real reports stay far below (a SARIF log of a
/// monorepo runs to hundreds of megabytes); more is a mistake or an attack.
pub const MAX_REPORT_BYTES: u64 = 2 << 30;

/// What a file that is not a regular file is, in words.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The regular file at `path` (a symlink is followed to one), opened for streaming, and its
/// size, at most `limit` bytes. Anything else, or more, is an error naming the file and what to
/// do.
pub fn open_regular_file(path: &Path, limit: u64) -> Result<(std::fs::File, u64), InputError> {
    // `metadata` follows symlinks and, unlike `open`, never blocks on a FIFO.
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, &e))?;
    let not_regular = |meta: &std::fs::Metadata| {
        InputError::new(
            path,
            format!("{} is not a regular file", kind(meta)),
            "pass the report file itself (reports are read only from regular files, or symlinks to them)",
        )
    };
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    if meta.len() > limit {
        return Err(too_big(path, limit));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::io(path, &e))?;
    // The path may have been replaced between the check and the open: check what was opened.
    let opened = file.metadata().map_err(|e| InputError::io(path, &e))?;
    if !opened.is_file() {
        return Err(not_regular(&opened));
    }
    Ok((file, opened.len()))
}

fn too_big(path: &Path, limit: u64) -> InputError {
    InputError::new(
        path,
        format!("the file is larger than {limit} bytes, the most a report may be"),
        "pass the tool's report; split a larger run into several reports",
    )
}

/// The whole of the regular file at `path`, as [`open_regular_file`] finds it.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    use std::io::{Seek, SeekFrom};
    let (mut file, len) = open_regular_file(path, limit)?;
    let io = |e: std::io::Error| InputError::io(path, &e);
    #[cfg(unix)]
    let mut bytes = if len >= SPLIT_READ_FROM {
        read_halves(&file, len).map_err(io)?
    } else {
        Vec::new()
    };
    #[cfg(not(unix))]
    let mut bytes = Vec::new();
    let done = bytes.len() as u64;
    if done == 0 {
        bytes.reserve_exact(usize::try_from(len.min(limit)).unwrap_or(0));
    }
    file.seek(SeekFrom::Start(done)).map_err(io)?;
    // A file that grows while it is read stops at the limit, too.
    file.take(limit.saturating_add(1).saturating_sub(done))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, limit));
    }
    Ok(bytes)
}

/// From this size a file is read in two halves side by side: most of reading a big file into
/// fresh memory is the kernel mapping and zeroing its pages, which two cores do in half the
/// time.
#[cfg(unix)]
const SPLIT_READ_FROM: u64 = 32 << 20;

/// The first `len` bytes of `file`, the two halves read at their offsets on two threads; empty
/// when the file shrank meanwhile (the caller then reads it from the start).
#[cfg(unix)]
fn read_halves(file: &std::fs::File, len: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    // Zeroed by the allocator as fresh pages, touched first by the thread that reads into them.
    let mut bytes = vec![0u8; len];
    let (first, second) = bytes.split_at_mut(len / 2);
    let mid = first.len() as u64;
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| file.read_exact_at(second, mid));
        let mine = file.read_exact_at(first, 0);
        let theirs = other
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a reader thread panicked")));
        (mine, theirs)
    });
    match a.and(b) {
        Ok(()) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Call `f` with each line of `reader` and its 1-based number, without the line ending
/// (`\n` or `\r\n`). Lines are borrowed from the reader's buffer; only a line that spans two
/// buffer fills is copied. Bytes, not `str`: a line-oriented parser validates UTF-8 only where
/// it keeps text (a path, a name), not on every line.
pub fn each_line<R: std::io::BufRead>(
    path: &Path,
    mut reader: R,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), InputError>,
) -> Result<(), InputError> {
    fn strip_cr(l: &[u8]) -> &[u8] {
        l.strip_suffix(b"\r").unwrap_or(l)
    }
    let mut carry: Vec<u8> = Vec::new();
    let mut n = 0u64;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(InputError::io(path, &e).at(n + 1, None)),
        };
        if buf.is_empty() {
            break;
        }
        let filled = buf.len();
        let mut pos = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            n += 1;
            if carry.is_empty() {
                f(n, strip_cr(&buf[pos..end]))?;
            } else {
                carry.extend_from_slice(&buf[pos..end]);
                f(n, strip_cr(&carry))?;
                carry.clear();
            }
            pos = end + 1;
        }
        carry.extend_from_slice(&buf[pos..]);
        reader.consume(filled);
    }
    if !carry.is_empty() {
        f(n + 1, strip_cr(&carry))?;
    }
    Ok(())
}

/// [`each_line`] for text formats: each line as `str`, and a line that is not UTF-8 is an
/// error naming it.
pub fn each_text_line<R: std::io::BufRead>(
    path: &Path,
    reader: R,
    mut f: impl FnMut(u64, &str) -> Result<(), InputError>,
) -> Result<(), InputError> {
    each_line(path, reader, |n, l| {
        let l = std::str::from_utf8(l).map_err(|_| {
            InputError::new(
                path,
                "the line is not UTF-8 text",
                "regenerate the report; it may have been truncated or written in another encoding",
            )
            .at(n, None)
        })?;
        f(n, l)
    })
}

/// Expand the report arguments every gate takes the same way: whitespace-separated words, each a
/// path (kept as given, so a missing file is reported by name; a directory is the gate's to
/// walk) or a glob, expanded here and relative to the working directory. A glob matching no
/// file is an error naming it.
pub fn expand(patterns: &[String]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for p in patterns.iter().flat_map(|p| p.split_whitespace()) {
        if !p.contains(['*', '?', '[']) {
            out.push(PathBuf::from(p));
            continue;
        }
        let paths = glob::glob(p)
            .map_err(|e| InputError::new(p, format!("bad glob: {e}"), "fix the pattern"))?;
        let before = out.len();
        for entry in paths {
            let path = entry.map_err(|e| InputError::io(e.path(), e.error()))?;
            if path.is_file() {
                out.push(path);
            }
        }
        if out.len() == before {
            return Err(InputError::new(
                p,
                "no file matches this pattern",
                "check that the step producing the report ran before this one, and the pattern's directory",
            ));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The spooled stdin of this run, kept until [`remove_spooled_stdin`].
static STDIN: std::sync::Mutex<Option<tempfile::TempDir>> = std::sync::Mutex::new(None);

/// The reports `patterns` name ([`expand`]), `-` standing for stdin: what is piped in is
/// written once to a file of its own (at most [`MAX_REPORT_BYTES`]), so every reader reads a
/// regular file (some read a report twice, or in parallel pieces). `-` named twice is an error.
pub fn reports(patterns: &[String]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = expand(patterns)?;
    let dashes = out.iter().filter(|p| p.as_os_str() == "-").count();
    if dashes > 1 {
        return Err(InputError::new(
            crate::error::Origin::command_line(),
            "`-` (stdin) is named more than once",
            "pipe one report in, and name the others as files",
        ));
    }
    if dashes == 1 {
        let spooled = spool_stdin()?;
        for p in out.iter_mut().filter(|p| p.as_os_str() == "-") {
            *p = spooled.clone();
        }
    }
    Ok(out)
}

/// Write stdin to `(stdin)` in a directory of its own, and return that path.
fn spool_stdin() -> Result<PathBuf, InputError> {
    let dir = tempfile::Builder::new()
        .prefix("gates-stdin-")
        .tempdir()
        .map_err(|e| InputError::write("(temporary directory)", &e))?;
    let path = dir.path().join("(stdin)");
    let mut file = std::fs::File::create(&path).map_err(|e| InputError::write(&path, &e))?;
    let copied = std::io::copy(
        &mut std::io::stdin().lock().take(MAX_REPORT_BYTES + 1),
        &mut file,
    )
    .map_err(|e| InputError::io("(stdin)", &e))?;
    if copied > MAX_REPORT_BYTES {
        return Err(too_big(Path::new("(stdin)"), MAX_REPORT_BYTES));
    }
    if let Ok(mut held) = STDIN.lock() {
        *held = Some(dir);
    }
    Ok(path)
}

/// Remove the file [`reports`] spooled stdin into, if any ([`crate::emit::run_main`] calls
/// this when the gate is done).
pub fn remove_spooled_stdin() {
    if let Ok(mut held) = STDIN.lock() {
        held.take();
    }
}

/// The entries of `dir` that `keep` wants, sorted by path, looking `depth` levels of
/// subdirectories down (0: `dir` itself only). Hidden entries (`.git`, `.coverage`) and symbolic
/// links to directories are skipped: a walk never leaves the tree it was given. Anything else
/// goes to `keep`, FIFOs and devices too, so a gate that opens what it kept refuses them by
/// name ([`open_regular_file`]) instead of skipping them unseen; a `keep` that reads a file
/// to decide checks `is_file` first. Every gate reads a directory argument this way; what an
/// empty result means is the gate's to say.
pub fn walk(
    dir: &Path,
    depth: usize,
    keep: &mut dyn FnMut(&Path) -> bool,
) -> Result<Vec<PathBuf>, InputError> {
    fn visit(
        dir: &Path,
        depth: usize,
        keep: &mut dyn FnMut(&Path) -> bool,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), InputError> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| InputError::io(dir, &e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        entries.sort();
        for p in entries {
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                if depth > 0 {
                    visit(&p, depth - 1, keep, out)?;
                }
            } else if !(meta.is_symlink() && p.is_dir()) && keep(&p) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, depth, keep, &mut out)?;
    Ok(out)
}

/// Whether `path`'s extension is one of `extensions` (without the dot).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e))
}

#[cfg(test)]
mod walk_tests {
    use super::*;

    #[test]
    fn a_walk_is_sorted_bounded_and_skips_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "b.json",
            "a.json",
            "c.txt",
            ".hidden.json",
            "sub/d.json",
            "sub/deeper/e.json",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        let names = |depth| -> Vec<String> {
            walk(d, depth, &mut |p| has_extension(p, &["json"]))
                .unwrap()
                .iter()
                .map(|p| {
                    p.strip_prefix(d)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        };
        assert_eq!(names(0), ["a.json", "b.json"]);
        assert_eq!(names(1), ["a.json", "b.json", "sub/d.json"]);
        assert_eq!(
            names(2),
            ["a.json", "b.json", "sub/d.json", "sub/deeper/e.json"]
        );
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    fn lines(text: &[u8], capacity: usize) -> Vec<(u64, Vec<u8>)> {
        let reader = std::io::BufReader::with_capacity(capacity, text);
        let mut out = Vec::new();
        each_line(Path::new("t"), reader, |n, l| {
            out.push((n, l.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    /// Lines that span buffer fills (a buffer of 1 to 7 bytes splits every line somewhere)
    /// come out whole, numbered, without `\n` or `\r\n`, and a last line without one counts.
    #[test]
    fn lines_are_whole_across_buffer_fills() {
        let text = b"first\r\nsecond line\n\nlast";
        let want: Vec<(u64, Vec<u8>)> = [&b"first"[..], b"second line", b"", b"last"]
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.to_vec()))
            .collect();
        for capacity in 1..8 {
            assert_eq!(lines(text, capacity), want, "capacity {capacity}");
        }
        assert_eq!(lines(text, 4096), want);
        assert!(lines(b"", 16).is_empty());
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named() {
        let e =
            each_text_line(Path::new("r.txt"), &b"ok\n\xff\xfe\n"[..], |_, _| Ok(())).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("UTF-8"), "{}", e.message);
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    /// A file big enough to be read in two halves comes back byte for byte, with an odd
    /// length so the halves differ; the limit still applies.
    #[test]
    fn a_big_file_read_in_halves_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let len = (SPLIT_READ_FROM_ANY + 7) as usize;
        let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(read_regular_file(&path, MAX_REPORT_BYTES).unwrap() == bytes);
        let e = read_regular_file(&path, len as u64 - 1).unwrap_err();
        assert!(e.message.contains("larger than"), "{e:?}");
    }

    #[cfg(unix)]
    const SPLIT_READ_FROM_ANY: u64 = SPLIT_READ_FROM;
    #[cfg(not(unix))]
    const SPLIT_READ_FROM_ANY: u64 = 32 << 20;
}
