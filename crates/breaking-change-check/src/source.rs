//! Where a spec's text comes from: the working tree, or a commit in git's object store
//! (`git show <sha>:<path>`), so the base needs no checkout and its `$ref`d files come from the
//! same tree.

use std::path::{Path, PathBuf};

use gates_core::InputError;

/// A place to read spec files from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Files relative to this directory.
    Dir(PathBuf),
    /// Files of this commit, paths relative to the repository root `root`.
    Git {
        /// The repository's work tree root.
        root: PathBuf,
        /// The commit.
        sha: String,
    },
}

/// What reading a file found.
pub enum Read {
    /// The text.
    Text(String),
    /// The file does not exist there.
    Missing,
}

impl Source {
    /// Read `path` (relative, `/`-separated).
    pub fn read(&self, path: &str) -> Result<Read, InputError> {
        match self {
            Source::Dir(dir) => {
                let full = dir.join(path);
                match std::fs::read_to_string(&full) {
                    Ok(t) => Ok(Read::Text(t)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Read::Missing),
                    Err(e) => Err(InputError::io(path, &e)),
                }
            }
            Source::Git { root, sha } => Ok(match gates_core::git::file_at(root, sha, path)? {
                Some(t) => Read::Text(t),
                None => Read::Missing,
            }),
        }
    }

    /// Read `path`, a missing file being an error (a `$ref` target, a spec named on the command line).
    pub fn require(&self, path: &str) -> Result<String, InputError> {
        match self.read(path)? {
            Read::Text(t) => Ok(t),
            Read::Missing => Err(InputError::new(
                path,
                match self {
                    Source::Dir(_) => "file not found".to_string(),
                    Source::Git { sha, .. } => format!("file not found in commit {sha}"),
                },
                "check the path (a $ref is relative to the file that holds it)",
            )),
        }
    }
}

/// `path` relative to `root`, with `/` separators, when it lies inside it.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let abs = abs.canonicalize().unwrap_or(abs);
    let root = root.canonicalize().unwrap_or(root.to_path_buf());
    abs.strip_prefix(&root).ok().map(|p| {
        p.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    })
}
