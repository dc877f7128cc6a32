//! `pr-commenter`: one sticky pull-request comment with every gate's result.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gates_core::cli::GateId;
use gates_core::commands::{annotation, AnnotationProps};
use gates_core::result_file::ResultFile;
use gates_core::{ActionsEnv, ExitStatus, InputError, Level};
use gates_github::body::{self, Footer, COMMENT_BUDGET};
use gates_github::{handoff, Action, ApiError, Client, Mode, RetryPolicy, Sticky};

/// Post one sticky comment on a pull request with the results of the gates, kept current in
/// place across reruns, safe on pull requests from forks.
///
/// Exit codes: 0 posted (or gracefully degraded), 2 could not run. A commenter never judges.
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Result files of the gates (gates-result/v1), or directories holding them; default
    /// `gates-results/`, where the actions write them.
    #[arg(value_name = "RESULT_OR_DIR")]
    inputs: Vec<PathBuf>,
    /// Comment id: comments of different ids coexist.
    #[arg(long, default_value = "gates")]
    id: String,
    /// What to do with the earlier comment.
    #[arg(long, value_enum, default_value = "update")]
    mode: ModeArg,
    /// Delete the comment instead when every gate passed.
    #[arg(long)]
    delete_on_pass: bool,
    /// Pull request number; default from the event payload.
    #[arg(long)]
    pr: Option<u64>,
    /// Post this markdown instead of rendering result files.
    #[arg(long, value_name = "FILE", conflicts_with = "template")]
    body_file: Option<PathBuf>,
    /// Render this handlebars template with the results (`results`, `sha`, `run_url`, `pr`).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Token; default `GITHUB_TOKEN`.
    #[arg(long)]
    token: Option<String>,
    /// Login whose comments are ours (a PAT or app token acts as another login).
    #[arg(long, default_value = "github-actions[bot]")]
    author: String,
    /// Exit 2 when the token may not comment (pull requests from forks) instead of warning.
    #[arg(long)]
    fail_if_cannot_comment: bool,
    /// In the pull_request job: write the hand-off payload here (upload it as an artifact).
    #[arg(long, value_name = "DIR", conflicts_with = "publish")]
    prepare: Option<PathBuf>,
    /// In the workflow_run job: post the payload found here, after checking its head commit.
    #[arg(long, value_name = "DIR")]
    publish: Option<PathBuf>,
    /// First retry backoff in milliseconds (tests shorten it).
    #[arg(long, default_value_t = 500, hide = true)]
    retry_backoff_ms: u64,
    /// Per-request timeout in milliseconds.
    #[arg(long, default_value_t = 30_000, hide = true)]
    timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Update,
    Recreate,
    Hide,
    OnlyCreate,
    OnlyUpdate,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Update => Mode::Update,
            ModeArg::Recreate => Mode::Recreate,
            ModeArg::Hide => Mode::Hide,
            ModeArg::OnlyCreate => Mode::OnlyCreate,
            ModeArg::OnlyUpdate => Mode::OnlyUpdate,
        }
    }
}

/// Why the run stopped.
enum Failure {
    Input(InputError),
    Api(ApiError),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

const GATE: GateId = GateId {
    name: "pr-comment",
    binary: "pr-commenter",
};

fn main() -> ExitCode {
    let cli: Cli = match gates_core::cli::parse(GATE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let env = ActionsEnv::from_process();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let status = match runtime.block_on(run(&cli, &env)) {
        Ok(()) => ExitStatus::Success,
        Err(f) => {
            let err = match f {
                Failure::Input(e) => e,
                Failure::Api(e) => InputError::new("(GitHub API)", e.to_string(), e.help()),
            };
            // No result file: the commenter judges nothing, but its failure is seen everywhere.
            let opts = gates_core::EmitOptions::new(None, gates_core::emit::Format::Auto, &env);
            gates_core::emit::fail(GATE, &err, &env, &opts, &mut std::io::stdout().lock());
            ExitStatus::Error
        }
    };
    status.into()
}

#[allow(clippy::print_stdout)]
fn say(env: &ActionsEnv, level: Level, msg: &str) {
    if env.in_actions() {
        println!("{}", annotation(level, &AnnotationProps::default(), msg));
    } else {
        println!("{}: {msg}", level.command());
    }
}

/// Where the actions write result files, read when no input is given.
const DEFAULT_RESULTS: &str = "gates-results";

/// Results from files and directories; in a directory, JSON files of another kind are skipped.
fn load(inputs: &[PathBuf]) -> Result<Vec<ResultFile>, InputError> {
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

/// The token, refused before any client is built when it cannot be sent (a secret saved with
/// a trailing newline).
fn token(cli: &Cli, env: &ActionsEnv) -> Result<String, InputError> {
    let (token, source) = match (&cli.token, env.get("GITHUB_TOKEN")) {
        (Some(t), _) => (t.clone(), "--token"),
        (None, Some(t)) => (t.to_string(), "GITHUB_TOKEN"),
        (None, None) => return Err(InputError::new("GITHUB_TOKEN", "no token", "set env GITHUB_TOKEN: ${{ github.token }} on the step (with permissions: pull-requests: write), or pass --token")),
    };
    gates_github::client::check_token(&token, source)?;
    Ok(token)
}

fn repo(env: &ActionsEnv) -> Result<String, InputError> {
    env.get("GITHUB_REPOSITORY")
        .map(str::to_string)
        .ok_or_else(|| {
            InputError::new(
                "GITHUB_REPOSITORY",
                "not set",
                "run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name",
            )
        })
}

async fn run(cli: &Cli, env: &ActionsEnv) -> Result<(), Failure> {
    let event = env.event()?;
    let context = env.context(event.as_ref());
    if let Some(dir) = &cli.prepare {
        let results = load(&cli.inputs)?;
        if results.is_empty() {
            return Err(InputError::new(
                dir,
                "no result files to hand over",
                "pass the gates' --result files or their directory",
            )
            .into());
        }
        let pr = cli
            .pr
            .or_else(|| event.as_ref().and_then(|e| e.pr_number()))
            .ok_or_else(|| {
                InputError::new(
                    dir,
                    "no pull request in the event",
                    "run --prepare in a pull_request job, or pass --pr",
                )
            })?;
        let head_sha = context.sha.clone().ok_or_else(|| {
            InputError::new(
                dir,
                "no head commit known",
                "run --prepare in a pull_request job",
            )
        })?;
        handoff::write(
            dir,
            &handoff::Payload {
                schema: handoff::SCHEMA.into(),
                repo: repo(env)?,
                pr,
                head_sha,
                results,
            },
        )?;
        say(env, Level::Notice, &format!("comment payload for PR #{pr} written to {}; upload it as an artifact for the publishing workflow", dir.display()));
        return Ok(());
    }

    let token = token(cli, env)?;
    if env.in_actions() && token.len() >= 4 {
        // The runner masks registered secrets already; a token passed some other way is masked
        // here before anything else is printed.
        let _ = gates_core::commands::Commands::new(std::io::stdout().lock()).mask(&token);
    }
    let policy = RetryPolicy {
        backoff: std::time::Duration::from_millis(cli.retry_backoff_ms),
        timeout: std::time::Duration::from_millis(cli.timeout_ms),
        ..RetryPolicy::default()
    };
    let client = Client::from_env(env, &token, policy)?;
    let repo = repo(env)?;

    let (results, pr, footer) = match &cli.publish {
        Some(dir) => {
            let p = handoff::read(dir)?;
            let payload_path = dir.join(handoff::FILE);
            if p.repo != repo {
                return Err(InputError::new(
                    &payload_path,
                    format!(
                        "the payload is for {}, this workflow runs in {repo}",
                        p.repo
                    ),
                    "publish only payloads of this repository",
                )
                .into());
            }
            if let Some(run) = event.as_ref().and_then(|e| e.workflow_run.as_ref()) {
                if run.head_sha != p.head_sha {
                    return Err(InputError::new(
                        &payload_path,
                        format!(
                            "the payload names commit {}, the triggering run built {}",
                            p.head_sha, run.head_sha
                        ),
                        "download the artifact of the run that triggered this workflow",
                    )
                    .into());
                }
            }
            // The PR must still point at that commit: never post stale results, and never trust
            // the payload's PR number without GitHub confirming it.
            let pull = client
                .request(
                    gates_github::client::HttpMethod::GET,
                    &format!("/repos/{repo}/pulls/{}", p.pr),
                    None,
                )
                .await?;
            if pull.body["head"]["sha"].as_str() != Some(p.head_sha.as_str()) {
                say(
                    env,
                    Level::Notice,
                    &format!(
                        "PR #{} has moved on from {}; not posting stale results",
                        p.pr, p.head_sha
                    ),
                );
                return Ok(());
            }
            let mut results = p.results;
            for r in &mut results {
                r.summary = body::defang(&r.summary);
                r.title = body::defang(&r.title);
            }
            body::sort(&mut results);
            (
                results,
                p.pr,
                Footer {
                    sha: Some(p.head_sha),
                    run_url: context.run_url.clone(),
                },
            )
        }
        None => {
            let pr = cli.pr.or_else(|| event.as_ref().and_then(|e| e.pr_number())).ok_or_else(|| {
                InputError::new(env.get("GITHUB_EVENT_PATH").unwrap_or("(no event)"), "no pull request to comment on", "run on pull_request, pull_request_target or issue_comment events, use --publish in workflow_run jobs, or pass --pr")
            })?;
            (
                load(&cli.inputs)?,
                pr,
                Footer {
                    sha: context.sha.clone(),
                    run_url: context.run_url.clone(),
                },
            )
        }
    };

    let text = match (&cli.body_file, &cli.template) {
        (Some(f), _) => std::fs::read_to_string(f).map_err(|e| InputError::io(f, &e))?,
        (None, Some(t)) => render_template(t, &results, &footer, pr)?,
        (None, None) => {
            if results.is_empty() {
                return Err(InputError::new(
                    cli.inputs
                        .first()
                        .map_or(Path::new("(none)"), |p| p.as_path()),
                    "no result files found",
                    "pass the gates' --result files or a directory holding them",
                )
                .into());
            }
            body::render(&results, &footer, COMMENT_BUDGET)
        }
    };
    let text = gates_core::markdown::truncate_lines(&text, COMMENT_BUDGET).to_string();
    if text.trim().is_empty() {
        return Err(InputError::new(
            cli.body_file.as_deref().unwrap_or(Path::new("(body)")),
            "the comment body is empty",
            "GitHub refuses blank comments; check the body file or template",
        )
        .into());
    }
    // Each gate wrote its own section to the job summary already; the combined body goes there
    // too only when it could not be posted, so the results are never shown twice, nor lost.
    let to_summary = || -> Result<(), InputError> {
        if let Some(path) = env.summary_file() {
            let full = if cli.body_file.is_none() && cli.template.is_none() {
                body::render(&results, &footer, gates_core::summary::JOB_SUMMARY_BUDGET)
            } else {
                text.clone()
            };
            gates_core::files::append(&path, &full)?;
        }
        Ok(())
    };

    let sticky = Sticky {
        client: &client,
        repo: repo.clone(),
        pr,
        id: cli.id.clone(),
        author: cli.author.clone(),
    };
    let all_pass = !results.is_empty()
        && results
            .iter()
            .all(|r| r.verdict == gates_core::Verdict::Pass);
    let outcome = if cli.delete_on_pass && all_pass {
        sticky.remove().await
    } else {
        sticky.put(&text, cli.mode.into()).await
    };
    let action = match outcome {
        Ok(a) => a,
        Err(e) if e.is_forbidden_integration() && !cli.fail_if_cannot_comment => {
            to_summary()?;
            say(env, Level::Warning, &format!("cannot comment on PR #{pr}: the token is read-only (a pull request from a fork?). The job summary has the results; for fork PRs use pr-commenter --prepare here and --publish in a workflow_run job."));
            return Ok(());
        }
        Err(e) => {
            to_summary()?;
            return Err(e.into());
        }
    };
    let (word, id) = match &action {
        Action::Created(id) => ("created", Some(*id)),
        Action::Updated(id) => ("updated", Some(*id)),
        Action::Unchanged(id) => ("unchanged", Some(*id)),
        Action::Deleted(_) => ("deleted", None),
        Action::Skipped(_) => ("skipped", None),
    };
    say(env, Level::Notice, &format!("PR #{pr}: {action}"));
    if let Some(out) = env.output_file() {
        let outputs = [
            ("action", word.to_string()),
            ("comment-id", id.map(|i| i.to_string()).unwrap_or_default()),
            ("pr", pr.to_string()),
        ];
        gates_core::outputs::append(&out, &outputs)?;
    }
    Ok(())
}

/// Make every string a template can reach inert: a gate's `summary` is already markdown the gate
/// escaped, so it only loses mentions and comment markers; any other field (a gate name, a
/// finding's message or path, from a payload a fork may control) is escaped as plain text.
fn inert_fields(v: &mut serde_json::Value, summary: bool) {
    match v {
        serde_json::Value::String(s) if summary => *s = body::defang(s),
        serde_json::Value::String(s) => *s = body::defang(&gates_core::markdown::escape(s)),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| inert_fields(x, false)),
        serde_json::Value::Object(o) => o
            .iter_mut()
            .for_each(|(k, x)| inert_fields(x, k == "summary")),
        _ => {}
    }
}

fn render_template(
    t: &Path,
    results: &[ResultFile],
    footer: &Footer,
    pr: u64,
) -> Result<String, InputError> {
    let source = std::fs::read_to_string(t).map_err(|e| InputError::io(t, &e))?;
    let mut hb = handlebars::Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_template_string("body", &source).map_err(|e| {
        let err = InputError::new(
            t,
            format!("template error: {e}"),
            "fix the handlebars syntax",
        );
        match e.pos() {
            Some((line, col)) => err.at(line as u64, Some(col as u64)),
            None => err,
        }
    })?;
    let mut data = serde_json::json!({ "results": results, "sha": footer.sha, "run_url": footer.run_url, "pr": pr });
    inert_fields(&mut data, false);
    // Every field is escaped above, so `{{x}}` and `{{{x}}}` render the same inert text.
    hb.register_escape_fn(handlebars::no_escape);
    hb.render("body", &data).map_err(|e| {
        InputError::new(
            t,
            format!("cannot render the template: {e}"),
            "the template may use results, sha, run_url and pr",
        )
    })
}
