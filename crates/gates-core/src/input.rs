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
    let (file, len) = open_regular_file(path, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(limit)).unwrap_or(0));
    // A file that grows while it is read stops at the limit, too.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::io(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, limit));
    }
    Ok(bytes)
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
