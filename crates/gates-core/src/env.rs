//! The runner's environment, read once. Nothing else in the suite reads process variables, so
//! tests can describe any runner with [`ActionsEnv::from_vars`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::event::Event;
use crate::{Context, InputError};

/// What a gate needs to know about where it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionsEnv {
    vars: BTreeMap<String, String>,
}

impl ActionsEnv {
    /// Read the variables of this process.
    pub fn from_process() -> Self {
        #[allow(clippy::disallowed_methods)]
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| {
                k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k == "NO_COLOR" || k == "CI"
            })
            .collect();
        ActionsEnv { vars }
    }

    /// An environment made of the given variables (for tests).
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        ActionsEnv {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable, when set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// True inside a GitHub Actions job.
    pub fn in_actions(&self) -> bool {
        self.get("GITHUB_ACTIONS") == Some("true")
    }

    /// `$GITHUB_OUTPUT`.
    pub fn output_file(&self) -> Option<PathBuf> {
        self.get("GITHUB_OUTPUT").map(PathBuf::from)
    }

    /// `$GITHUB_STEP_SUMMARY`.
    pub fn summary_file(&self) -> Option<PathBuf> {
        self.get("GITHUB_STEP_SUMMARY").map(PathBuf::from)
    }

    /// True when `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn no_color(&self) -> bool {
        self.get("NO_COLOR").is_some()
    }

    /// The event payload, when `GITHUB_EVENT_PATH` names one.
    pub fn event(&self) -> Result<Option<Event>, InputError> {
        match self.get("GITHUB_EVENT_PATH") {
            Some(p) => Event::read(std::path::Path::new(p)).map(Some),
            None => Ok(None),
        }
    }

    /// Repository, commits, PR number and run link for the result file.
    pub fn context(&self, event: Option<&Event>) -> Context {
        let repo = self.get("GITHUB_REPOSITORY").map(str::to_string);
        let run_url = match (
            self.get("GITHUB_SERVER_URL"),
            &repo,
            self.get("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(id)) => {
                Some(format!("{server}/{repo}/actions/runs/{id}"))
            }
            _ => None,
        };
        let pr = event.and_then(|e| e.pull_request.as_ref());
        Context {
            repo,
            sha: pr
                .map(|p| p.head.sha.clone())
                .or_else(|| self.get("GITHUB_SHA").map(str::to_string)),
            base_sha: pr
                .map(|p| p.base.sha.clone())
                .or_else(|| event.and_then(|e| e.before.clone())),
            pr: pr.map(|p| p.number),
            run_url,
        }
    }
}
