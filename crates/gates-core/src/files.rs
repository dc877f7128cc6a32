//! Writing files: appending to the runner's per-step files (`$GITHUB_OUTPUT`,
//! `$GITHUB_STEP_SUMMARY`), and replacing a gate's own output files atomically.

use std::io::Write;
use std::path::Path;

use crate::InputError;

/// Append `text` in one write, so a failure leaves no partial entry; errors name the file.
pub fn append(path: &Path, text: &str) -> Result<(), InputError> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| InputError::write(path, &e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| InputError::write(path, &e))
}

/// Replace `path` atomically: `write` fills a temporary file beside it (creating or rewriting it
/// as often as it needs), then a rename puts it in place, so a reader never sees half a file.
/// On error the temporary file is removed and `path` is left as it was. (No fsync: the rename is
/// what readers depend on, and a runner that crashes loses the job anyway.)
pub fn write_atomic<T>(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        crate::random::token()
    ));
    let res = write(&tmp).and_then(|v| std::fs::rename(&tmp, path).map(|()| v));
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// A buffered writer creating `path`, sized for large streamed documents.
pub fn create_buffered(path: &Path) -> std::io::Result<std::io::BufWriter<std::fs::File>> {
    Ok(std::io::BufWriter::with_capacity(
        1 << 16,
        std::fs::File::create(path)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_the_file_or_leaves_it_and_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        let n = write_atomic(&path, |tmp| {
            std::fs::write(tmp, "first")?;
            std::fs::write(tmp, "second")?;
            Ok(6)
        })
        .unwrap();
        assert_eq!(
            (n, std::fs::read_to_string(&path).unwrap().as_str()),
            (6, "second")
        );
        let err = write_atomic(&path, |tmp| -> std::io::Result<()> {
            std::fs::write(tmp, "half")?;
            Err(std::io::Error::other("full disk"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "full disk");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }
}
