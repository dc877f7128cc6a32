//! The fork-safe two-workflow hand-off: the `pull_request` job (read-only token) writes a
//! payload to upload as an artifact; a `workflow_run` job with a write token posts it.

use std::path::Path;

use gates_core::result_file::ResultFile;
use gates_core::InputError;
use serde::{Deserialize, Serialize};

/// Schema id of the payload.
pub const SCHEMA: &str = "gates-comment/v1";

/// File name inside the hand-off directory.
pub const FILE: &str = "gates-comment.json";

/// What the pull_request job hands over. Everything in it is untrusted in the publishing job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// `owner/name` of the base repository.
    pub repo: String,
    /// Pull request number.
    pub pr: u64,
    /// The head commit the results are about.
    pub head_sha: String,
    /// The results.
    pub results: Vec<ResultFile>,
}

/// Write the payload into `dir`.
pub fn write(dir: &Path, payload: &Payload) -> Result<(), InputError> {
    let path = dir.join(FILE);
    gates_core::files::write_atomic(&path, |tmp| {
        let mut out = gates_core::files::create_buffered(tmp)?;
        serde_json::to_writer_pretty(&mut out, payload).map_err(std::io::Error::other)?;
        out.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })
    .map_err(|e| InputError::write(&path, &e))
}

/// Read the payload from `dir`.
pub fn read(dir: &Path) -> Result<Payload, InputError> {
    let path = dir.join(FILE);
    let text = std::fs::read(&path).map_err(|e| InputError::io(&path, &e))?;
    let p: Payload = serde_json::from_slice(&text).map_err(|e| {
        InputError::json(
            &path,
            "not a gates comment payload",
            &e,
            "download the artifact that `pr-commenter --prepare` wrote",
        )
    })?;
    if p.schema != SCHEMA {
        return Err(InputError::new(
            &path,
            format!("unsupported payload schema {:?}", p.schema),
            format!("this version reads {SCHEMA}"),
        ));
    }
    // Untrusted: shown in messages and compared with GitHub's, so only a real commit id.
    if !crate::body::is_sha(&p.head_sha) {
        return Err(InputError::new(
            &path,
            "head_sha is not a commit id (4 to 64 hexadecimal digits)",
            "publish only payloads that `pr-commenter --prepare` wrote in a pull_request job",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_with_a_non_hex_head_sha_is_refused() {
        let dir = std::env::temp_dir().join(format!("gates-handoff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (sha, ok) in [("ééééééé", false), ("abc", false), ("6dcb09b5b578", true)] {
            let p = serde_json::json!({ "schema": SCHEMA, "repo": "o/r", "pr": 1, "head_sha": sha, "results": [] });
            std::fs::write(dir.join(FILE), p.to_string()).unwrap();
            let r = read(&dir);
            assert_eq!(r.is_ok(), ok, "{sha}: {r:?}");
            if let Err(e) = r {
                assert!(
                    !e.to_string().contains(sha) && e.message.contains("head_sha"),
                    "{e}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
