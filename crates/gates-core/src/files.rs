//! Appending to the runner's per-step files (`$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`).

use std::io::Write;
use std::path::Path;

use crate::InputError;

/// Append `text` in one write, so a failure leaves no partial entry; errors name the file.
pub fn append(path: &Path, text: &str) -> Result<(), InputError> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| InputError::io(path, &e))?;
    f.write_all(text.as_bytes()).map_err(|e| {
        InputError::new(
            path,
            format!("cannot write: {e}"),
            "check free space and permissions",
        )
    })
}
