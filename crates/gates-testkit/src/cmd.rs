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
    gate_command(binary, dir, args, env)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"))
}

/// The command [`run_gate`] runs.
fn gate_command(binary: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(binary);
    c.args(args).current_dir(dir).env_clear();
    for k in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(k) {
            c.env(k, v);
        }
    }
    c.envs(env.iter().copied());
    c
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
    let mut c = gate_command(binary, dir, args, env);
    c.stdin(std::process::Stdio::piped())
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

/// The trycmd cases of gate `name` (its binary at `binary`) in the clean environment of
/// [`case_env`]; add a crate's own variables, then `.case("tests/cmd/*.trycmd")`.
pub fn trycmd_cases(name: &str, binary: &str) -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    for (k, v) in case_env() {
        cases.env(k, v);
    }
    cases.register_bin(name.to_string(), std::path::PathBuf::from(binary));
    cases
}

/// The result file's metrics of gate `binary` on `fixture` (from the workspace root) named as
/// a path, and piped in as `-`, with `extra` flags: a report on stdin must count the same.
pub fn metrics_from_file_and_stdin(
    binary: &str,
    fixture: &str,
    extra: &[&str],
) -> (serde_json::Value, serde_json::Value) {
    let path = workspace_root().join(fixture);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = |report: &str, stdin: Option<&[u8]>| {
        let result = dir.path().join(format!("{}.json", report.len()));
        let mut args = vec![report, "--result", result.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = match stdin {
            None => run_gate(binary, dir.path(), &args, &[]),
            Some(bytes) => run_gate_with_stdin(binary, dir.path(), &args, &[], bytes),
        };
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&result).expect("a result file"))
                .expect("a result file is JSON");
        doc["metrics"].clone()
    };
    let bytes = std::fs::read(&path).expect("the fixture");
    (run(path.to_str().unwrap(), None), run("-", Some(&bytes)))
}
