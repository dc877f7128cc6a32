//! GitHub deployments: one created for the commit a gate deploys, its statuses as the deploy
//! goes (`in_progress`, then `success` or `failure`), and the deployment it replaced marked
//! `inactive`.
//!
//! GitHub's own `auto_inactive` covers only non-production environments, so the replaced
//! deployment is found and marked here, for every environment alike (and `auto_inactive` is
//! turned off, so one mechanism does it). Writes are POSTs, which the client never repeats
//! blindly: as for sticky comments, after a 5xx or a lost answer the deployment (or status) is
//! looked for, and posted once more only when it did not land.

use http::Method;
use serde_json::json;

use crate::client::{ApiError, Client};

/// The states of a deployment status this module posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The deploy is under way.
    InProgress,
    /// The deploy went through.
    Success,
    /// The deploy failed (rolled back or not).
    Failure,
    /// The deploy could not be carried out (the tool could not run).
    Error,
    /// A newer deployment of the environment replaced this one.
    Inactive,
}

impl State {
    /// The API's name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            State::InProgress => "in_progress",
            State::Success => "success",
            State::Failure => "failure",
            State::Error => "error",
            State::Inactive => "inactive",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deployment to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeployment {
    /// The commit deployed (its full SHA: a branch name would be resolved, and could move).
    pub sha: String,
    /// The GitHub environment (`staging`, `production`).
    pub environment: String,
    /// A short description (GitHub shows it beside the deployment).
    pub description: String,
    /// `production_environment`; GitHub's default when `None`: true only for `production`.
    pub production: Option<bool>,
    /// `transient_environment`; GitHub's default when `None`: false.
    pub transient: Option<bool>,
}

/// A status to post on a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// State.
    pub state: State,
    /// Where the deployed environment is reached (shown as the deployment's link).
    pub environment_url: Option<String>,
    /// The deploy's output: the workflow run.
    pub log_url: Option<String>,
    /// A short description; cut to GitHub's 140 characters.
    pub description: String,
}

/// GitHub's limit on a status description.
const DESCRIPTION_MAX: usize = 140;

/// Deployments lists looked through for the replaced one: newest first, one page.
const SCAN_DEPLOYMENTS: usize = 30;

/// The deployments of one repository.
#[derive(Debug)]
pub struct Deployments<'a> {
    /// API client.
    pub client: &'a Client,
    /// `owner/name`.
    pub repo: String,
}

impl Deployments<'_> {
    fn path(&self) -> String {
        format!("/repos/{}/deployments", self.repo)
    }

    fn statuses_path(&self, id: u64) -> String {
        format!("/repos/{}/deployments/{id}/statuses", self.repo)
    }

    /// Create the deployment and return its id. It carries a payload with a fresh random
    /// `nonce`, by which it is recognised after a lost answer.
    pub async fn create(&self, d: &NewDeployment) -> Result<u64, ApiError> {
        let nonce = gates_core::random::token();
        let mut body = json!({
            "ref": d.sha,
            "environment": d.environment,
            "description": d.description,
            // Never merge the default branch in: the gate deploys exactly this commit.
            "auto_merge": false,
            // The workflow already ran the checks it needs before deploying; GitHub's
            // default (every commit status successful) would refuse a deploy of a commit with
            // one pending check, this job's own included.
            "required_contexts": [],
            "payload": { "gates": { "nonce": nonce } },
        });
        if let Some(p) = d.production {
            body["production_environment"] = json!(p);
        }
        if let Some(t) = d.transient {
            body["transient_environment"] = json!(t);
        }
        let created = match self
            .client
            .request(Method::POST, &self.path(), Some(&body))
            .await
        {
            Err(e) if e.outcome_unknown() => match self.find_by_nonce(d, &nonce).await? {
                Some(id) => return Ok(id),
                None => {
                    self.client
                        .request(Method::POST, &self.path(), Some(&body))
                        .await
                }
            },
            other => other,
        }?;
        match created.body["id"].as_u64() {
            // 201: created. A 202 ("auto-merged ...") cannot come with auto_merge off.
            Some(id) if created.status == 201 => Ok(id),
            _ => Err(ApiError::Status {
                method: "POST".into(),
                path: self.path(),
                status: created.status,
                message: format!(
                    "no deployment was created: {}",
                    created.body["message"]
                        .as_str()
                        .unwrap_or("no id in the answer")
                ),
            }),
        }
    }

    /// Our deployment of `d.sha` to `d.environment` carrying `nonce`, if it landed.
    async fn find_by_nonce(&self, d: &NewDeployment, nonce: &str) -> Result<Option<u64>, ApiError> {
        let list = self
            .client
            .request(
                Method::GET,
                &format!(
                    "{}?sha={}&environment={}&per_page=100",
                    self.path(),
                    query(&d.sha),
                    query(&d.environment)
                ),
                None,
            )
            .await?;
        Ok(list
            .body
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["payload"]["gates"]["nonce"].as_str() == Some(nonce))
            .and_then(|x| x["id"].as_u64()))
    }

    /// Post a status on deployment `id`. GitHub's `auto_inactive` is off: [`Self::deactivate_replaced`]
    /// does that for every environment.
    pub async fn post_status(&self, id: u64, s: &Status) -> Result<(), ApiError> {
        let mut body = json!({
            "state": s.state.as_str(),
            "description": cut(&s.description, DESCRIPTION_MAX),
            "auto_inactive": false,
        });
        if let Some(u) = &s.environment_url {
            body["environment_url"] = json!(u);
        }
        if let Some(u) = &s.log_url {
            body["log_url"] = json!(u);
        }
        let path = self.statuses_path(id);
        match self.client.request(Method::POST, &path, Some(&body)).await {
            Ok(_) => Ok(()),
            Err(e) if e.outcome_unknown() => {
                // Landed already if the newest status is in this state: statuses only move on.
                if self.latest_state(id).await?.as_deref() == Some(s.state.as_str()) {
                    return Ok(());
                }
                self.client
                    .request(Method::POST, &path, Some(&body))
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    /// The state of deployment `id`'s newest status (`None`: it has none).
    pub async fn latest_state(&self, id: u64) -> Result<Option<String>, ApiError> {
        Ok(self
            .newest_status(id)
            .await?
            .and_then(|s| s["state"].as_str().map(str::to_string)))
    }

    /// Deployment `id`'s newest status (`None`: it has none).
    async fn newest_status(&self, id: u64) -> Result<Option<serde_json::Value>, ApiError> {
        // GitHub lists statuses newest first.
        let page = self
            .client
            .request(
                Method::GET,
                &format!("{}?per_page=1", self.statuses_path(id)),
                None,
            )
            .await?;
        Ok(match page.body {
            serde_json::Value::Array(mut a) if !a.is_empty() => Some(a.swap_remove(0)),
            _ => None,
        })
    }

    /// The deployment GitHub made for the job of workflow run `run_url` that declares
    /// `environment:` (of one of `shas`, to `environment`), if this is such a job: among the
    /// environment's newest deployments, one of those commits not made by the gates (no
    /// `payload.gates`) whose newest status is `queued` or `in_progress` with a log link into
    /// this run (Actions links its environment deployments to the job).
    pub async fn of_job(
        &self,
        run_url: &str,
        shas: &[&str],
        environment: &str,
    ) -> Result<Option<u64>, ApiError> {
        let candidates: Vec<u64> = self
            .newest(environment)
            .await?
            .iter()
            .filter(|d| d["payload"]["gates"].is_null())
            .filter(|d| d["sha"].as_str().is_some_and(|s| shas.contains(&s)))
            .filter_map(|d| d["id"].as_u64())
            .collect();
        let in_run = |url: &str| {
            url.strip_prefix(run_url)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        for id in candidates {
            let Some(status) = self.newest_status(id).await? else {
                continue;
            };
            let open = matches!(status["state"].as_str(), Some("queued" | "in_progress"));
            let linked = ["log_url", "target_url"]
                .iter()
                .any(|k| status[*k].as_str().is_some_and(in_run));
            if open && linked {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// The newest deployments of `environment`, newest first, one page.
    async fn newest(&self, environment: &str) -> Result<Vec<serde_json::Value>, ApiError> {
        let list = self
            .client
            .request(
                Method::GET,
                &format!(
                    "{}?environment={}&per_page={SCAN_DEPLOYMENTS}",
                    self.path(),
                    query(environment)
                ),
                None,
            )
            .await?;
        let all = match list.body {
            serde_json::Value::Array(all) => all,
            _ => Vec::new(),
        };
        // The list is filtered by environment already; a deployment whose environment was
        // renamed since is someone else's.
        Ok(all
            .into_iter()
            .filter(|d| d["environment"].as_str() == Some(environment))
            .collect())
    }

    /// Mark `inactive` the deployments of `environment` that deployment `current` replaced:
    /// the newer ones, newest first, whose newest status is `success`, until one already
    /// `inactive` (what came before it was deactivated when it was replaced). Returns their ids.
    pub async fn deactivate_replaced(
        &self,
        environment: &str,
        current: u64,
        log_url: Option<&str>,
    ) -> Result<Vec<u64>, ApiError> {
        let ids: Vec<u64> = self
            .newest(environment)
            .await?
            .iter()
            .filter_map(|d| d["id"].as_u64())
            // Ids grow with time: only the deployments made before this one were replaced.
            .filter(|&id| id < current)
            .collect();
        let mut done = Vec::new();
        for id in ids {
            match self.latest_state(id).await?.as_deref() {
                Some("inactive") => break,
                Some("success") => {
                    self.post_status(
                        id,
                        &Status {
                            state: State::Inactive,
                            environment_url: None,
                            log_url: log_url.map(str::to_string),
                            description: format!("replaced by deployment {current}"),
                        },
                    )
                    .await?;
                    done.push(id);
                }
                _ => {}
            }
        }
        Ok(done)
    }
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// A query value, percent-encoded (environment names may hold spaces and `&`).
fn query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_to_githubs_limit() {
        assert_eq!(cut("short", 140), "short");
        let long = "é".repeat(200);
        let c = cut(&long, 140);
        assert_eq!(c.chars().count(), 140);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query("prod eu&x=1"), "prod%20eu%26x%3D1");
        assert_eq!(query("staging-1.a_b~"), "staging-1.a_b~");
    }
}
