//! Run a composite `action.yml` the way the Actions runner does: inputs with their defaults,
//! `${{ }}` expressions in `env:`, `working-directory:` and outputs, one `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`, `GITHUB_PATH` and `GITHUB_ENV` file per step, `GITHUB_ACTION_PATH`,
//! and `bash --noprofile --norc -e -o pipefail` for `shell: bash`.
//!
//! Only the expression forms the suite's actions use are supported (`inputs.*`,
//! `steps.*.outputs.*`, `github.*`, `runner.*`, `env.*`, string literals and `||`); anything else
//! panics, so an action cannot silently depend on something this harness does not model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

/// The job around the action.
#[derive(Debug, Clone, Default)]
pub struct Job {
    /// `GITHUB_WORKSPACE` and the default working directory.
    pub workspace: PathBuf,
    /// Job-level environment (e.g. `GATES_LOCAL_BIN`, `GITHUB_EVENT_PATH`, `GITHUB_API_URL`).
    pub env: BTreeMap<String, String>,
    /// `github.token`.
    pub token: String,
}

impl Job {
    /// A job in `workspace` whose actions use the gate binary built for this test run
    /// (`GATES_LOCAL_BIN` = the folder of `binary`, e.g. `env!("CARGO_BIN_EXE_perf-gate")`).
    pub fn local(workspace: &Path, binary: &str) -> Job {
        let dir = Path::new(binary)
            .parent()
            .expect("a binary path has a folder");
        Job {
            workspace: workspace.to_path_buf(),
            env: [("GATES_LOCAL_BIN".to_string(), dir.display().to_string())].into(),
            token: "ghs_action_test".into(),
        }
    }
}

/// One step's run.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// Step name.
    pub name: String,
    /// Exit code.
    pub code: Option<i32>,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
    /// Its job summary text.
    pub summary: String,
}

/// The action's run.
#[derive(Debug, Clone)]
pub struct ActionRun {
    /// Steps that ran, in order (the failing one last).
    pub steps: Vec<StepRun>,
    /// The action's outputs.
    pub outputs: BTreeMap<String, String>,
    /// True when every step exited 0.
    pub success: bool,
}

impl ActionRun {
    /// All step stdout, concatenated.
    pub fn stdout(&self) -> String {
        self.steps.iter().map(|s| s.stdout.as_str()).collect()
    }

    /// All job summary text.
    pub fn summary(&self) -> String {
        self.steps.iter().map(|s| s.summary.as_str()).collect()
    }
}

struct Ctx<'a> {
    inputs: &'a BTreeMap<String, String>,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
    env: &'a BTreeMap<String, String>,
    job: &'a Job,
    action_path: &'a Path,
}

fn eval_expr(expr: &str, c: &Ctx<'_>) -> String {
    let expr = expr.trim();
    if let Some((a, b)) = expr.split_once("||") {
        let v = eval_expr(a, c);
        return if v.is_empty() { eval_expr(b, c) } else { v };
    }
    if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return lit.replace("''", "'");
    }
    let parts: Vec<&str> = expr.split('.').collect();
    match parts.as_slice() {
        ["inputs", name] => c
            .inputs
            .get(*name)
            .cloned()
            .unwrap_or_else(|| panic!("the action reads undeclared input {name}")),
        ["steps", id, "outputs", name] => c
            .steps
            .get(*id)
            .and_then(|o| o.get(*name))
            .cloned()
            .unwrap_or_default(),
        ["github", "token"] => c.job.token.clone(),
        ["github", "action_path"] => c.action_path.display().to_string(),
        ["github", "workspace"] => c.job.workspace.display().to_string(),
        ["runner", "os"] => runner_os().to_string(),
        ["runner", "temp"] => std::env::temp_dir().display().to_string(),
        ["env", name] => c.env.get(*name).cloned().unwrap_or_default(),
        _ => panic!("the harness does not model the expression ${{{{ {expr} }}}}"),
    }
}

/// Replace every `${{ … }}` in `s`.
fn eval(s: &str, c: &Ctx<'_>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .map(|e| start + e)
            .unwrap_or_else(|| panic!("unclosed expression in {s}"));
        out.push_str(&eval_expr(&rest[start + 3..end], c));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn runner_os() -> &'static str {
    if cfg!(windows) {
        "Windows"
    } else if cfg!(target_os = "macos") {
        "macOS"
    } else {
        "Linux"
    }
}

fn runner_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "ARM64"
    } else {
        "X64"
    }
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => panic!("unexpected YAML value {other:?}"),
    }
}

/// Run the composite action in `action_dir` with `given` inputs inside `job`.
pub fn run_composite(action_dir: &Path, given: &[(&str, &str)], job: &Job) -> ActionRun {
    let text = std::fs::read_to_string(action_dir.join("action.yml")).expect("action.yml");
    let doc: Value = serde_yaml::from_str(&text).expect("action.yml parses");
    assert_eq!(
        doc["runs"]["using"].as_str(),
        Some("composite"),
        "only composite actions"
    );
    let scratch = tempfile_dir();
    let mut env = job.env.clone();
    let mut path_prefix: Vec<String> = Vec::new();
    let mut steps_out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let empty = BTreeMap::new();

    // Inputs: declared ones only, defaults evaluated like the runner does.
    let mut inputs = BTreeMap::new();
    for (k, spec) in doc["inputs"].as_mapping().into_iter().flatten() {
        let name = str_of(k);
        let value = match given.iter().find(|(g, _)| *g == name) {
            Some((_, v)) => v.to_string(),
            None => {
                let c = Ctx {
                    inputs: &BTreeMap::new(),
                    steps: &empty,
                    env: &env,
                    job,
                    action_path: action_dir,
                };
                eval(&str_of(&spec["default"]), &c)
            }
        };
        if spec["required"].as_bool() == Some(true) && value.is_empty() {
            panic!("required input {name} is missing");
        }
        inputs.insert(name, value);
    }
    for (g, _) in given {
        assert!(
            inputs.contains_key(*g),
            "input {g} is not declared in action.yml"
        );
    }

    let mut runs = Vec::new();
    let mut success = true;
    for (i, step) in doc["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .enumerate()
    {
        assert!(
            step.get("uses").is_none(),
            "the harness runs `run:` steps only"
        );
        assert!(step.get("if").is_none(), "the harness does not model `if:`");
        assert_eq!(
            step["shell"].as_str(),
            Some("bash"),
            "every run step needs shell: bash"
        );
        let c = Ctx {
            inputs: &inputs,
            steps: &steps_out,
            env: &env,
            job,
            action_path: action_dir,
        };
        let mut step_env: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in step["env"].as_mapping().into_iter().flatten() {
            step_env.insert(str_of(k), eval(&str_of(v), &c));
        }
        let script = str_of(&step["run"]);
        assert!(
            !script.contains("${{"),
            "step {i}: ${{{{ }}}} inside run: is a script injection; use env:"
        );
        let wd = match step.get("working-directory") {
            Some(w) => job.workspace.join(eval(&str_of(w), &c)),
            None => job.workspace.clone(),
        };
        let files = ["output", "summary", "path", "env"].map(|f| scratch.join(format!("{i}.{f}")));
        for f in &files {
            std::fs::write(f, "").expect("step file");
        }
        let script_file = scratch.join(format!("{i}.sh"));
        std::fs::write(&script_file, &script).expect("script");
        let base_path = std::env::var("PATH").unwrap_or_default();
        let sep = if cfg!(windows) { ";" } else { ":" };
        let mut path = path_prefix.iter().rev().cloned().collect::<Vec<_>>();
        path.push(base_path);
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-e", "-o", "pipefail"])
            .arg(&script_file)
            .current_dir(&wd)
            .env_clear()
            .env("RUNNER_OS", runner_os())
            .env("RUNNER_ARCH", runner_arch())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            // The job may override RUNNER_* (to test other platforms); the step files it may not.
            .envs(&env)
            .envs(&step_env)
            .env("PATH", path.join(sep))
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_WORKSPACE", &job.workspace)
            .env("GITHUB_ACTION_PATH", action_dir)
            .env("GITHUB_OUTPUT", &files[0])
            .env("GITHUB_STEP_SUMMARY", &files[1])
            .env("GITHUB_PATH", &files[2])
            .env("GITHUB_ENV", &files[3])
            .env("RUNNER_TEMP", &scratch)
            .output()
            .expect("bash runs");
        let outputs: BTreeMap<String, String> =
            gates_core::outputs::parse(&std::fs::read_to_string(&files[0]).unwrap_or_default())
                .expect("GITHUB_OUTPUT parses")
                .into_iter()
                .collect();
        for line in std::fs::read_to_string(&files[2])
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
        {
            path_prefix.push(line.to_string());
        }
        for (k, v) in
            gates_core::outputs::parse(&std::fs::read_to_string(&files[3]).unwrap_or_default())
                .expect("GITHUB_ENV parses")
        {
            env.insert(k, v);
        }
        let run = StepRun {
            name: str_of(&step["name"]),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: outputs.clone(),
            summary: std::fs::read_to_string(&files[1]).unwrap_or_default(),
        };
        if let Some(id) = step["id"].as_str() {
            steps_out.insert(id.to_string(), outputs);
        }
        let ok = run.code == Some(0);
        runs.push(run);
        if !ok {
            success = false;
            break;
        }
    }
    let c = Ctx {
        inputs: &inputs,
        steps: &steps_out,
        env: &env,
        job,
        action_path: action_dir,
    };
    let outputs = doc["outputs"]
        .as_mapping()
        .into_iter()
        .flatten()
        .map(|(k, v)| (str_of(k), eval(&str_of(&v["value"]), &c)))
        .collect();
    let _ = std::fs::remove_dir_all(&scratch);
    ActionRun {
        steps: runs,
        outputs,
        success,
    }
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gates-action-{}-{}",
        std::process::id(),
        gates_core::random::token()
    ));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Markdown tables of an action's inputs and outputs, as the per-action READMEs hold them
/// between `<!-- inputs:start -->` and `<!-- inputs:end -->`.
pub fn readme_tables(action_dir: &Path) -> String {
    let text = std::fs::read_to_string(action_dir.join("action.yml")).expect("action.yml");
    let doc: Value = serde_yaml::from_str(&text).expect("action.yml parses");
    let cell = |s: String| s.replace('|', "\\|").replace('\n', " ");
    let mut s = String::from(
        "### Inputs\n\n| input | required | default | description |\n|---|---|---|---|\n",
    );
    for (k, spec) in doc["inputs"].as_mapping().into_iter().flatten() {
        let default = str_of(&spec["default"]);
        let default = if default.is_empty() {
            String::new()
        } else {
            format!("`{}`", cell(default))
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            str_of(k),
            if spec["required"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            default,
            cell(str_of(&spec["description"]))
        ));
    }
    s.push_str("\n### Outputs\n\n| output | description |\n|---|---|\n");
    for (k, spec) in doc["outputs"].as_mapping().into_iter().flatten() {
        s.push_str(&format!(
            "| `{}` | {} |\n",
            str_of(k),
            cell(str_of(&spec["description"]))
        ));
    }
    s
}

/// Check (or with `GATES_BLESS` rewrite) the tables in `action_dir/README.md`.
pub fn check_readme(action_dir: &Path) {
    crate::generated::assert_current_between(
        &action_dir.join("README.md"),
        "<!-- inputs:start -->\n",
        "<!-- inputs:end -->",
        &readme_tables(action_dir),
    );
}
