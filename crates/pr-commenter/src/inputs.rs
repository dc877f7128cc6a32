//! Which result files the comment shows: the files and directories given, or `gates-results/`.

use std::path::{Path, PathBuf};

use gates_core::result_file::ResultFile;
use gates_core::InputError;
use gates_github::body;

/// Where the actions write result files, read when no input is given.
pub const DEFAULT_RESULTS: &str = "gates-results";

/// Results from files and directories; in a directory, JSON files of another kind are skipped.
pub fn load(inputs: &[PathBuf]) -> Result<Vec<ResultFile>, InputError> {
    let default = [PathBuf::from(DEFAULT_RESULTS)];
    let inputs = if inputs.is_empty() {
        &default[..]
    } else {
        inputs
    };
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(ResultFile::read(p)?);
        }
    }
    body::sort(&mut out);
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<ResultFile>) -> Result<(), InputError> {
    let candidates = gates_core::input::walk(dir, 3, &mut |p| {
        p.is_file() && gates_core::input::has_extension(p, &["json"])
    })?;
    for p in candidates {
        let text = std::fs::read(&p).map_err(|e| InputError::io(&p, &e))?;
        let is_result = serde_json::from_slice::<serde_json::Value>(&text)
            .is_ok_and(|v| v["schema"] == gates_core::result_file::SCHEMA);
        if is_result {
            out.push(ResultFile::read(&p)?);
        }
    }
    Ok(())
}
