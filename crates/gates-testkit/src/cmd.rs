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

/// The workspace root (where `fixtures/` and `schemas/` are).
pub fn workspace_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

/// Run a gate binary in `dir` with only `env` set, besides `PATH` and `HOME` (for git): the
/// runner's variables never leak in from the developer's shell.
pub fn run_gate(
    binary: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut c = Command::new(binary);
    c.args(args).current_dir(dir).env_clear();
    for k in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c.envs(env.iter().copied());
    c.output()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"))
}

/// [`run_gate`] with `stdin` piped in (`-` as a report).
pub fn run_gate_with_stdin(
    binary: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
) -> std::process::Output {
    use std::io::Write;
    let mut c = Command::new(binary);
    c.args(args).current_dir(dir).env_clear();
    for k in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c.envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    let mut pipe = child.stdin.take().expect("a stdin pipe");
    // Written from a thread: a gate that answers before reading all of it must not block us.
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    let _ = writer.join();
    out
}

/// Validate the SARIF log at `sarif` with Microsoft's SARIF multitool and GitHub's rules
/// (`validate --rule-kind Gh;Sarif`, its report written beside the log), panicking with every
/// error it reports. The tool is the
/// binary `SARIF_MULTITOOL` names (`.ci/run` installs npm `@microsoft/sarif-multitool`).
pub fn assert_sarif_valid(sarif: &Path) {
    let tool = std::env::var("SARIF_MULTITOOL").expect(
        "SARIF_MULTITOOL must name the Sarif.Multitool binary (.ci/run installs npm @microsoft/sarif-multitool)",
    );
    let v = Command::new(&tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(sarif.with_extension("validation.sarif"))
        .arg(sarif)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.contains(": error ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The environment for `trycmd` cases (`tests/cmd/*.trycmd`), which inherit the test's: outside
/// Actions, no colour, help wrapped at 100 columns, and every runner variable of the shell or of
/// a CI job blanked (the gates read an empty variable as unset), so a case prints the same on a
/// laptop and in a pull request's job.
pub fn case_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k == "CI")
        .map(|k| (k, String::new()))
        .collect();
    env.extend(
        [
            ("GITHUB_ACTIONS", "false"),
            ("NO_COLOR", "1"),
            ("CLICOLOR_FORCE", ""),
            ("COLUMNS", "100"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    env
}
