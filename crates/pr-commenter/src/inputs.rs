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
            walk(p, 0, &mut out)?;
        } else {
            out.push(ResultFile::read(p)?);
        }
    }
    body::sort(&mut out);
    Ok(out)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<ResultFile>) -> Result<(), InputError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::io(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && depth < 3 {
            walk(&p, depth + 1, out)?;
        } else if p.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read(&p).map_err(|e| InputError::io(&p, &e))?;
            let is_result = serde_json::from_slice::<serde_json::Value>(&text)
                .is_ok_and(|v| v["schema"] == gates_core::result_file::SCHEMA);
            if is_result {
                out.push(ResultFile::read(&p)?);
            }
        }
    }
    Ok(())
}
