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
/// as often as it needs), then tempfile's `persist` renames it into place, so a reader never sees
/// half a file. On error, and on a panic too, the temporary file is removed and `path` is left
/// as it was. (No fsync: the rename is what readers depend on, and a runner that crashes loses
/// the job anyway.)
pub fn write_atomic<T>(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates 0600; a result file or SARIF is as readable as any file the job writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir)?;
    let value = write(tmp.path())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(value)
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
        // A panic while writing leaves no temporary file either.
        let caught = std::panic::catch_unwind(|| {
            let _ = write_atomic(&path, |tmp| -> std::io::Result<()> {
                std::fs::write(tmp, "half")?;
                panic!("bug in a writer")
            });
        });
        assert!(caught.is_err());
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o044, 0o044, "{mode:o}");
        }
    }
}
