//! The deploy recorded as a GitHub deployment of the commit: `in_progress` before the apply,
//! then `success` (with the environment's URL) or `failure`, and the deployment it replaced
//! made `inactive`.
//!
//! The record is a courtesy, never part of the verdict: a token without `deployments: write`
//! or an API that stays down becomes a `warning:` note, and the deploy's verdict stands. A job
//! that declares `environment:` gets its deployment from GitHub itself; Actions tells no step
//! whether its job did (no context or variable holds it, actions/runner#1369), so `auto` looks
//! for it (an open deployment not made by the gates, linked to this run) and makes none of its
//! own when it is there; the job passes the `environment-url` output to its
//! `environment.url`.

use gates_core::error::Origin;
use gates_core::markdown::{code, escape};
use gates_core::{ActionsEnv, InputError, Outcome, Section};
use gates_github::deployments::{NewDeployment, State, Status};
use gates_github::{ApiError, Client, Deployments, RetryPolicy};

use crate::release::Report;

/// `--github-deployment`: whether to record the deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Record it when running in Actions with a token.
    #[default]
    Auto,
    /// Record it; a missing token or repository is an error before anything is applied.
    On,
    /// Never record it.
    Off,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Mode::Auto),
            "true" => Ok(Mode::On),
            "false" => Ok(Mode::Off),
            _ => Err(format!("{s:?} is not auto, true or false")),
        }
    }
}

/// What the flags say about the record.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--github-deployment`.
    pub mode: Mode,
    /// `--environment` (default: the deploy's namespace).
    pub environment: Option<String>,
    /// `--environment-url`.
    pub environment_url: Option<String>,
    /// The lint's production namespaces: a deploy to one is GitHub's `production_environment`
    /// (GitHub's own default knows only an environment named `production`).
    pub production_namespaces: Vec<String>,
}

/// How the deploy ended, as the record tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Every rollout and check passed.
    Succeeded,
    /// A rollout, check or analysis failed; why.
    Failed(String),
    /// A blue-green deploy stopped before its switch, or an Argo Rollout paused for a
    /// person: `promote` or `reject` finish it.
    Paused,
    /// `reject` scaled the paused deploy down: it never went live.
    Rejected,
    /// The deploy could not be carried out; why.
    CouldNotRun(String),
}

impl Finish {
    /// How a deploy's report (or its error) ends the record.
    pub fn of(report: &Result<Report, InputError>) -> Finish {
        match report {
            Err(e) => Finish::CouldNotRun(e.to_string()),
            Ok(r) => match &r.failure {
                Some(why) => Finish::Failed(why.clone()),
                None if r.paused() => Finish::Paused,
                None => Finish::Succeeded,
            },
        }
    }
}

/// The deployment a paused deploy is recorded as, kept with the pause in the release's
/// inventory so that `promote` or `reject` finish that same deployment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recorded {
    /// The deployment's id.
    pub id: u64,
    /// The commit it deploys.
    pub sha: String,
    /// Its environment.
    pub environment: String,
    /// The environment's URL given to the deploy (`--environment-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_url: Option<String>,
}

/// The GitHub deployments release `release`'s paused deploys (a blue-green one before its
/// switch, Argo Rollouts waiting for a person) are recorded as; none when the inventory cannot
/// be read (the deploy reads it again and says why).
pub async fn paused(
    cluster: &crate::cluster::Cluster,
    namespace: &str,
    release: &str,
) -> Vec<Recorded> {
    match crate::inventory::Inventory::read(cluster, namespace, release).await {
        Ok(inv) => inv
            .pending
            .and_then(|p| p.github_deployment)
            .into_iter()
            .chain(inv.argo_github_deployment)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A record to be made: the client and what the runner says about the run.
#[derive(Debug)]
pub struct Planned {
    client: Client,
    repo: String,
    sha: String,
    /// `GITHUB_SHA`, the commit a job's own environment deployment is of (on a pull request
    /// not the head that `sha` is).
    job_sha: Option<String>,
    run_url: Option<String>,
    settings: Settings,
}

impl Planned {
    /// The repository's deployments, through this record's client.
    fn deployments(&self) -> Deployments<'_> {
        Deployments {
            client: &self.client,
            repo: self.repo.clone(),
        }
    }
}

/// Where the record stands, ready to be told how the deploy ended.
#[derive(Debug, Default)]
pub struct Record {
    live: Option<(Planned, u64)>,
    environment: String,
    environment_url: Option<String>,
    notes: Vec<String>,
    /// The record's line in the summary.
    line: Option<String>,
    /// The deployment the job's own `environment:` made, when it records the deploy instead.
    job_deployment: Option<u64>,
}

/// Decide, before anything is applied, whether the deploy is recorded: `None` when it is
/// not. `--github-deployment true` without a token, repository or commit is an error here,
/// so a deploy is never half-recorded for want of them.
pub fn plan(env: &ActionsEnv, settings: &Settings) -> Result<Option<Planned>, InputError> {
    let token = env.get("GITHUB_TOKEN");
    let context = env.context(env.event()?.as_ref());
    let wanted = match settings.mode {
        Mode::Off => false,
        Mode::On => true,
        Mode::Auto => env.in_actions() && token.is_some(),
    };
    if !wanted {
        return Ok(None);
    }
    let flag = || Origin::Flag("--github-deployment".into());
    let token = token.ok_or_else(|| {
        InputError::new(
            Origin::Env("GITHUB_TOKEN".into()),
            "not set, and --github-deployment true needs it",
            "give the step GITHUB_TOKEN (the action's github-token input) with permissions: deployments: write",
        )
    })?;
    gates_github::client::check_token(token, Origin::Env("GITHUB_TOKEN".into()))?;
    if env.in_actions() {
        // The runner masks registered secrets; a token passed some other way is masked here
        // before anything could print it.
        let mut log = gates_core::commands::Commands::new(std::io::stderr());
        InputError::printed(log.mask(token))?;
    }
    let (Some(repo), Some(sha)) = (context.repo, context.sha) else {
        return Err(InputError::new(
            flag(),
            "no repository or commit to record a deployment of (GITHUB_REPOSITORY, GITHUB_SHA)",
            "run inside GitHub Actions, or set --github-deployment false",
        ));
    };
    let client = Client::from_env(env, token, RetryPolicy::default())
        .map_err(|e| InputError::new(Origin::api("GitHub"), e.to_string(), e.help()))?;
    Ok(Some(Planned {
        client,
        repo,
        sha,
        job_sha: env.get("GITHUB_SHA").map(str::to_string),
        run_url: context.run_url,
        settings: settings.clone(),
    }))
}

/// Why a write failed, as a note's text: what to do about a token that may not write.
fn failed(what: &str, e: &ApiError) -> String {
    let help = match e.status() {
        Some(403 | 404) => {
            "give the job permissions: deployments: write (or set github-deployment: false)"
        }
        _ => e.help(),
    };
    format!("warning: GitHub deployment: cannot {what}: {e} ({help}); the deploy's verdict stands")
}

impl Record {
    /// No record (`--github-deployment false`, or outside Actions); the environment URL is
    /// still an output.
    pub fn none(settings: &Settings) -> Record {
        Record {
            environment_url: settings.environment_url.clone(),
            ..Record::default()
        }
    }

    /// Create the deployment of `namespace`'s deploy and mark it `in_progress`. A failure is
    /// a note; the deploy goes on.
    pub async fn start(
        planned: Option<Planned>,
        settings: &Settings,
        namespace: &str,
        release: &str,
    ) -> Record {
        let mut record = Record::none(settings);
        let Some(planned) = planned else {
            return record;
        };
        record.environment = planned
            .settings
            .environment
            .clone()
            .unwrap_or_else(|| namespace.to_string());
        let deployments = planned.deployments();
        // A job with `environment:` has its deployment from GitHub already: a second one
        // would list every deploy twice. `true` records one all the same.
        if let (Mode::Auto, Some(run_url)) = (planned.settings.mode, &planned.run_url) {
            let shas: Vec<&str> = std::iter::once(planned.sha.as_str())
                .chain(planned.job_sha.as_deref())
                .collect();
            if let Ok(Some(id)) = deployments
                .of_job(run_url, &shas, &record.environment)
                .await
            {
                record.job_deployment = Some(id);
                record.notes.push(format!(
                    "GitHub deployment {id}, the one this job's environment: made, records this deploy: k8s-deploy made none (pass the environment-url output to the job's environment.url)"
                ));
                return record;
            }
        }
        let new = NewDeployment {
            sha: planned.sha.clone(),
            environment: record.environment.clone(),
            description: format!("k8s-deploy: release {release} to namespace {namespace}"),
            production: planned
                .settings
                .production_namespaces
                .iter()
                .any(|p| p == namespace)
                .then_some(true),
            transient: None,
        };
        let id = match deployments.create(&new).await {
            Ok(id) => id,
            Err(e) => {
                record.notes.push(failed("create it", &e));
                return record;
            }
        };
        let status = Status {
            state: State::InProgress,
            environment_url: None,
            log_url: planned.run_url.clone(),
            description: "deploying".into(),
        };
        if let Err(e) = deployments.post_status(id, &status).await {
            record.notes.push(failed("mark it in progress", &e));
        }
        record.live = Some((planned, id));
        record
    }

    /// The deployment `paused` (a deploy stopped before its switch) recorded earlier, to be
    /// finished now: `promote` or `reject` of it. Without a client (no token) it stays in
    /// progress, and a note says so.
    pub fn resume(planned: Option<Planned>, settings: &Settings, paused: Recorded) -> Record {
        let mut record = Record::none(settings);
        record.environment = paused.environment;
        if record.environment_url.is_none() {
            record.environment_url = paused.environment_url;
        }
        match planned {
            // The deployment's own commit, not the commit of the run that finishes it.
            Some(planned) => {
                record.live = Some((
                    Planned {
                        sha: paused.sha,
                        ..planned
                    },
                    paused.id,
                ))
            }
            None => record.notes.push(format!(
                "warning: GitHub deployment {} of {} stays in progress: this run has no GITHUB_TOKEN to finish it (the action's github-token input)",
                paused.id, record.environment
            )),
        }
        record
    }

    /// Make `replaced`, the deployment of a paused deploy this one replaced, `inactive`: it
    /// was never promoted, and left alone it would stay `in_progress` for good.
    pub async fn retire(&mut self, replaced: &Recorded) {
        let Some((planned, _)) = &self.live else {
            self.notes.push(format!(
                "warning: GitHub deployment {} of the paused deploy this one replaced stays in_progress: this run records no deployment to finish it with",
                replaced.id
            ));
            return;
        };
        let deployments = planned.deployments();
        let status = Status {
            state: State::Inactive,
            environment_url: None,
            log_url: planned.run_url.clone(),
            description: "replaced by a new deploy before promote".into(),
        };
        match deployments.post_status(replaced.id, &status).await {
            Ok(()) => self.notes.push(format!(
                "GitHub deployment {} of the paused deploy this one replaced: inactive",
                replaced.id
            )),
            Err(e) => self
                .notes
                .push(failed("mark the replaced paused deploy inactive", &e)),
        }
    }

    /// The deployment this record is, for a paused deploy to keep: `None` when none was made.
    pub fn recorded(&self) -> Option<Recorded> {
        self.live.as_ref().map(|(planned, id)| Recorded {
            id: *id,
            sha: planned.sha.clone(),
            environment: self.environment.clone(),
            environment_url: self.environment_url.clone(),
        })
    }

    /// Post how the deploy ended, and on success make the replaced deployment inactive.
    pub async fn finish(&mut self, finish: &Finish) {
        let Some((planned, id)) = &self.live else {
            if let (Some(job), Finish::Paused) = (self.job_deployment, finish) {
                self.notes.push(format!(
                    "warning: GitHub deployment {job} (the job's environment:) will show success when the job ends, though the deploy is paused; promote or reject do not update it (set github-deployment: true to record pauses)"
                ));
            }
            return;
        };
        let (state, description) = match finish {
            Finish::Succeeded => (State::Success, "deployed".to_string()),
            Finish::Failed(why) => (State::Failure, format!("failed: {why}")),
            // The deployment stays in progress until promote or reject finish the deploy.
            Finish::Paused => (State::InProgress, "paused: promote or reject".to_string()),
            // Not live, and never was: the environment's last deployment is still the one
            // that serves it.
            Finish::Rejected => (State::Inactive, "rejected before the switch".to_string()),
            Finish::CouldNotRun(why) => (State::Error, format!("could not run: {why}")),
        };
        let deployments = planned.deployments();
        let status = Status {
            state,
            environment_url: (state == State::Success)
                .then(|| self.environment_url.clone())
                .flatten(),
            log_url: planned.run_url.clone(),
            description,
        };
        match deployments.post_status(*id, &status).await {
            Err(e) => self.notes.push(failed(&format!("mark it {state}"), &e)),
            Ok(()) => {
                let mut line = format!(
                    "Deployment {id} of {} to environment {}: **{state}**",
                    code(&planned.sha[..planned.sha.len().min(12)]),
                    code(&self.environment)
                );
                if let Some(url) = status.environment_url.as_deref() {
                    line.push_str(&format!(" — {}", escape(url)));
                }
                self.line = Some(line);
                self.notes.push(format!(
                    "GitHub deployment {id} to {}: {state}",
                    self.environment
                ));
            }
        }
        if state != State::Success {
            return;
        }
        match deployments
            .deactivate_replaced(&self.environment, *id, planned.run_url.as_deref())
            .await
        {
            Ok(ids) if !ids.is_empty() => {
                let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
                self.notes.push(format!(
                    "GitHub deployment {} of {} made inactive (replaced)",
                    ids.join(", "),
                    self.environment
                ));
            }
            Ok(_) => {}
            Err(e) => self
                .notes
                .push(failed("mark the replaced deployment inactive", &e)),
        }
    }

    /// Put the record into the outcome: its notes, a summary line, and the `environment-url`
    /// output when one was given.
    pub fn add_to(self, outcome: &mut Outcome) {
        outcome.notes.extend(self.notes);
        if let Some(line) = self.line {
            outcome.sections.push(Section {
                heading: "GitHub deployment".into(),
                body: format!("{line}\n"),
                // One line saying where the deploy is recorded: worth keeping in view.
                essential: true,
            });
        }
        if let Some(url) = self.environment_url {
            outcome.outputs.push(("environment-url", url));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_records_only_in_actions_with_a_token() {
        let settings = Settings::default();
        let outside = ActionsEnv::from_vars([("GITHUB_TOKEN", "ghs_x123")]);
        assert!(plan(&outside, &settings).unwrap().is_none());
        let no_token = ActionsEnv::from_vars([("GITHUB_ACTIONS", "true")]);
        assert!(plan(&no_token, &settings).unwrap().is_none());
        let off = Settings {
            mode: Mode::Off,
            ..Settings::default()
        };
        let all = ActionsEnv::from_vars([
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_TOKEN", "ghs_x123"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_SHA", "abc"),
        ]);
        assert!(plan(&all, &off).unwrap().is_none());
    }

    #[test]
    fn true_without_a_token_is_an_error_before_anything_is_applied() {
        let on = Settings {
            mode: Mode::On,
            ..Settings::default()
        };
        let e = plan(&ActionsEnv::from_vars([("GITHUB_ACTIONS", "true")]), &on).unwrap_err();
        assert!(e.to_string().starts_with("GITHUB_TOKEN: "), "{e}");
        let e = plan(&ActionsEnv::from_vars([("GITHUB_TOKEN", "ghs_x123")]), &on).unwrap_err();
        assert!(e.to_string().contains("GITHUB_REPOSITORY"), "{e}");
    }

    #[test]
    fn modes_parse_as_the_flag_documents() {
        assert_eq!("auto".parse::<Mode>(), Ok(Mode::Auto));
        assert_eq!("true".parse::<Mode>(), Ok(Mode::On));
        assert_eq!("false".parse::<Mode>(), Ok(Mode::Off));
        assert!("yes".parse::<Mode>().is_err());
    }
}
