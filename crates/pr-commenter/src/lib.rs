//! `pr-commenter`: one sticky pull-request comment with every gate's result. The logic lives
//! here, so it can be run and tested in-process; `main.rs` only parses and reports.

use std::path::PathBuf;

use gates_core::commands::{annotation, AnnotationProps};
use gates_core::error::Origin;
use gates_core::{ActionsEnv, InputError, Level};
use gates_github::body::{self, Footer, COMMENT_BUDGET};
use gates_github::{handoff, Action, ApiError, Client, Mode, RetryPolicy, Sticky};

pub mod inputs;
pub mod template;

pub use inputs::{load, DEFAULT_RESULTS};
use template::render_template;

/// Post one sticky comment on a pull request with the results of the gates, kept current in
/// place across reruns, safe on pull requests from forks.
///
/// Exit codes: 0 posted (or gracefully degraded), 2 could not run. A commenter never judges.
#[derive(clap::Parser, Debug)]
#[command(name = "pr-commenter", version, about, long_about = None)]
pub struct Cli {
    /// Result files of the gates (gates-result/v1), or directories holding them; default
    /// `gates-results/`, where the actions write them.
    #[arg(value_name = "RESULT_OR_DIR")]
    pub inputs: Vec<PathBuf>,
    /// Comment id: comments of different ids coexist.
    #[arg(long, default_value = "gates")]
    pub id: String,
    /// What to do with the earlier comment.
    #[arg(long, value_enum, default_value = "update")]
    pub mode: ModeArg,
    /// Delete the comment instead when every gate passed.
    #[arg(long)]
    pub delete_on_pass: bool,
    /// Pull request number; default from the event payload.
    #[arg(long)]
    pub pr: Option<u64>,
    /// Post this markdown instead of rendering result files.
    #[arg(long, value_name = "FILE", conflicts_with = "template")]
    pub body_file: Option<PathBuf>,
    /// Render this handlebars template with the results (`results`, `sha`, `run_url`, `pr`).
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Token; default `GITHUB_TOKEN`.
    #[arg(long)]
    pub token: Option<String>,
    /// Login whose comments are ours (a PAT or app token acts as another login).
    #[arg(long, default_value = "github-actions[bot]")]
    pub author: String,
    /// Exit 2 when the token may not comment (pull requests from forks) instead of warning.
    #[arg(long)]
    pub fail_if_cannot_comment: bool,
    /// In the pull_request job: write the hand-off payload here (upload it as an artifact).
    #[arg(long, value_name = "DIR", conflicts_with = "publish")]
    pub prepare: Option<PathBuf>,
    /// In the workflow_run job: post the payload found here, after checking its head commit.
    #[arg(long, value_name = "DIR")]
    pub publish: Option<PathBuf>,
    /// First retry backoff in milliseconds (tests shorten it).
    #[arg(long, default_value_t = 500, hide = true)]
    pub retry_backoff_ms: u64,
    /// Per-request timeout in milliseconds.
    #[arg(long, default_value_t = 30_000, hide = true)]
    pub timeout_ms: u64,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    /// Edit the comment in place.
    Update,
    /// Delete it and post a new one.
    Recreate,
    /// Minimize it and post a new one.
    Hide,
    /// Post only when there is none.
    OnlyCreate,
    /// Edit only when there is one.
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
pub enum Failure {
    /// A bad input, flag or environment.
    Input(InputError),
    /// GitHub's API.
    Api(ApiError),
}

impl Failure {
    /// As the error every gate reports.
    pub fn into_input_error(self) -> InputError {
        match self {
            Failure::Input(e) => e,
            Failure::Api(e) => {
                let origin = match e.status() {
                    Some(code) => Origin::api_status("GitHub API", code),
                    None => Origin::api("GitHub API"),
                };
                InputError::new(origin, e.to_string(), e.help())
            }
        }
    }
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

#[allow(clippy::print_stdout)]
fn say(env: &ActionsEnv, level: Level, msg: &str) {
    if env.in_actions() {
        println!("{}", annotation(level, &AnnotationProps::default(), msg));
    } else {
        println!("{}: {msg}", level.command());
    }
}

/// The token, refused before any client is built when it cannot be sent (a secret saved with
/// a trailing newline).
fn token(cli: &Cli, env: &ActionsEnv) -> Result<String, InputError> {
    let (token, source) = match (&cli.token, env.get("GITHUB_TOKEN")) {
        (Some(t), _) => (t.clone(), Origin::Flag("--token".into())),
        (None, Some(t)) => (t.to_string(), Origin::Env("GITHUB_TOKEN".into())),
        (None, None) => return Err(InputError::new(Origin::Env("GITHUB_TOKEN".into()), "no token", "set env GITHUB_TOKEN: ${{ github.token }} on the step (with permissions: pull-requests: write), or pass --token")),
    };
    gates_github::client::check_token(&token, source)?;
    Ok(token)
}

fn repo(env: &ActionsEnv) -> Result<String, InputError> {
    env.get("GITHUB_REPOSITORY")
        .map(str::to_string)
        .ok_or_else(|| {
            InputError::new(
                Origin::Env("GITHUB_REPOSITORY".into()),
                "not set",
                "run inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name",
            )
        })
}

/// Post (or prepare, or publish) the comment.
pub async fn run(cli: &Cli, env: &ActionsEnv) -> Result<(), Failure> {
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
                        .map_or_else(|| Origin::from(DEFAULT_RESULTS), Origin::from),
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
            cli.body_file
                .as_deref()
                .map_or_else(Origin::command_line, Origin::from),
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
