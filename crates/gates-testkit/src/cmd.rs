//! Running the real tools a test needs (git, coverage.py, bandit, ...).

use std::path::Path;
use std::process::Command;

/// Run a command in `dir` and return its stdout; panics with its output when it fails (a missing
/// tool is a failure, never a skip: `.ci/run` installs them).
pub fn run(dir: &Path, prog: &str, args: &[&str]) -> String {
    let out = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog} (install it: see .ci/run): {e}"));
    assert!(
        out.status.success(),
        "{prog} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git init` on branch `main` with a committer identity and no signing, so commits work on any
/// machine.
pub fn git_init(dir: &Path) {
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.email", "t@example.com"],
        &["config", "user.name", "Test"],
        &["config", "commit.gpgsign", "false"],
    ] {
        run(dir, "git", args);
    }
}
