//! GitHub for the gates suite: a REST/GraphQL client built from the runner's environment
//! (octocrab underneath) with retries, rate limits and pagination, and the sticky pull-request
//! comment every gate can post.

pub mod body;
pub mod client;
pub mod deployments;
pub mod handoff;
pub mod sticky;

pub use client::{ApiError, Client, RetryPolicy};
pub use deployments::Deployments;
pub use sticky::{Action, Mode, Sticky};

use gates_core::result_file::ResultFile;
use gates_core::{ActionsEnv, InputError};

/// Why a gate's own comment could not be posted.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    /// Missing token, repository or pull request.
    #[error("{0}")]
    Input(#[from] InputError),
    /// GitHub refused or did not answer.
    #[error("{0}")]
    Api(#[from] ApiError),
}

/// Post (or update) the sticky comment `id` with these results, for a gate's `--comment`:
/// token from `GITHUB_TOKEN`, PR from the event payload, body as pr-commenter renders it.
pub async fn comment_results(
    env: &ActionsEnv,
    id: &str,
    results: &[ResultFile],
) -> Result<Action, CommentError> {
    let token = env.get("GITHUB_TOKEN").ok_or_else(|| InputError::new(gates_core::error::Origin::Env("GITHUB_TOKEN".into()), "not set", "give the step env GITHUB_TOKEN: ${{ github.token }} and permissions: pull-requests: write"))?;
    client::check_token(token, gates_core::error::Origin::Env("GITHUB_TOKEN".into()))?;
    let repo = env.get("GITHUB_REPOSITORY").ok_or_else(|| {
        InputError::new(
            gates_core::error::Origin::Env("GITHUB_REPOSITORY".into()),
            "not set",
            "run inside GitHub Actions",
        )
    })?;
    let event = env.event()?;
    let pr = event.as_ref().and_then(|e| e.pr_number()).ok_or_else(|| {
        InputError::new(
            env.get("GITHUB_EVENT_PATH").unwrap_or("(no event)"),
            "no pull request to comment on",
            "use --comment on pull_request events; for forks use pr-commenter --prepare/--publish",
        )
    })?;
    let context = env.context(event.as_ref());
    let client = Client::from_env(env, token, RetryPolicy::default())?;
    let footer = body::Footer {
        sha: context.sha,
        run_url: context.run_url,
    };
    let text = body::render(results, &footer, body::COMMENT_BUDGET);
    let sticky = Sticky {
        client: &client,
        repo: repo.to_string(),
        pr,
        id: id.to_string(),
        author: "github-actions[bot]".to_string(),
    };
    Ok(sticky.put(&text, Mode::Update).await?)
}

/// A gate's `--comment` ([`gates_core::cli::CommentArgs`]): post its outcome as its own sticky
/// comment (id: the gate's name) and say how it went on `out`, as a notice or a warning. A
/// failure to comment never changes the verdict, so nothing is returned.
pub fn comment_outcome(
    gate: gates_core::cli::GateId,
    outcome: &gates_core::Outcome,
    env: &ActionsEnv,
    out: &mut impl std::io::Write,
) {
    use gates_core::Level;
    let result = ResultFile::from_outcome(outcome);
    let posted = gates_core::emit::block_on(comment_results(env, gate.name, &[result]));
    let (level, msg) = match posted {
        Err(e) => (Level::Warning, format!("cannot comment: {e}")),
        Ok(Ok(action)) => (Level::Notice, format!("{} comment: {action}", gate.name)),
        Ok(Err(CommentError::Api(e))) if e.is_forbidden_integration() => (
            Level::Warning,
            "cannot comment: the token is read-only (a pull request from a fork?); the job summary has the results".to_string(),
        ),
        Ok(Err(e)) => (Level::Warning, format!("cannot comment: {e}")),
    };
    let line = if env.in_actions() {
        gates_core::commands::annotation(level, &Default::default(), &msg)
    } else {
        format!("{}: {msg}", level.command())
    };
    let _ = writeln!(out, "{line}");
}
