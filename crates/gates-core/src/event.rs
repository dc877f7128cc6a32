//! The webhook payload at `$GITHUB_EVENT_PATH`: the fields the gates use.

use std::path::Path;

use serde::Deserialize;

use crate::InputError;

/// The parts of an event payload gates need. Unknown fields are ignored: the payload is
/// GitHub's, and grows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Event {
    /// Present on `pull_request` and `pull_request_target` events.
    pub pull_request: Option<PullRequest>,
    /// `push`: the commit before the push (all zeros for a new branch).
    pub before: Option<String>,
    /// `push`: the commit after the push.
    pub after: Option<String>,
    /// `issue_comment` and `issues` events.
    pub issue: Option<Issue>,
    /// `workflow_run` events.
    pub workflow_run: Option<WorkflowRun>,
    /// The repository (every event has it; hand-made payloads may not).
    pub repository: Option<Repository>,
}

/// The repository an event happened in: only its default branch is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Repository {
    /// `main`, for a new branch's comparison.
    pub default_branch: Option<String>,
}

/// An issue (or pull request, when `pull_request` is set) in an `issue_comment` payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Issue {
    /// Number.
    pub number: u64,
    /// Present when the issue is a pull request.
    pub pull_request: Option<serde_json::Value>,
}

/// The run a `workflow_run` event is about.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WorkflowRun {
    /// Run id.
    pub id: u64,
    /// The commit it ran on (the PR head for pull_request runs).
    pub head_sha: String,
    /// The event that triggered it.
    pub event: String,
}

/// A pull request as the payload describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    /// PR number.
    pub number: u64,
    /// The branch merged into.
    pub base: GitRef,
    /// The proposed branch.
    pub head: GitRef,
}

/// One side of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GitRef {
    /// Commit.
    pub sha: String,
    /// Branch name; empty when a hand-made payload leaves it out (only `sha` is needed).
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    /// Repository the branch lives in; `None` when it was deleted.
    pub repo: Option<Repo>,
}

/// A repository reference.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Repo {
    /// `owner/name`.
    pub full_name: String,
}

impl Event {
    /// Read and parse a payload file.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read(path).map_err(|e| InputError::io(path, &e))?;
        serde_json::from_slice(&text).map_err(|e| {
            InputError::json(
                path,
                "cannot read the event payload",
                &e,
                "GITHUB_EVENT_PATH must name the runner's event JSON",
            )
        })
    }

    /// True when the pull request comes from another repository (its token is read-only).
    pub fn is_fork(&self) -> bool {
        self.pull_request
            .as_ref()
            .is_some_and(|pr| match (&pr.head.repo, &pr.base.repo) {
                (Some(h), Some(b)) => h.full_name != b.full_name,
                _ => true,
            })
    }

    /// The pull request a comment belongs to: `pull_request`/`pull_request_target` payloads, or
    /// an `issue_comment` on a pull request.
    pub fn pr_number(&self) -> Option<u64> {
        self.pull_request.as_ref().map(|p| p.number).or_else(|| {
            self.issue
                .as_ref()
                .filter(|i| i.pull_request.is_some())
                .map(|i| i.number)
        })
    }

    /// The push's `before`, unless it is the all-zero id of a new branch.
    pub fn push_before(&self) -> Option<&str> {
        self.before
            .as_deref()
            .filter(|b| !b.bytes().all(|c| c == b'0'))
    }

    /// A push that created its branch: `before` is all zeros, so there is no previous commit.
    pub fn is_new_branch_push(&self) -> bool {
        self.before
            .as_deref()
            .is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c == b'0'))
    }

    /// The repository's default branch, when the payload names it.
    pub fn default_branch(&self) -> Option<&str> {
        self.repository
            .as_ref()
            .and_then(|r| r.default_branch.as_deref())
            .filter(|b| !b.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload with only the shas and the number exited 2 ("missing field `ref`").
    #[test]
    fn a_minimal_pull_request_payload_is_enough() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("event.json");
        std::fs::write(
            &p,
            r#"{"pull_request":{"number":7,"base":{"sha":"aaaa"},"head":{"sha":"bbbb"}}}"#,
        )
        .unwrap();
        let pr = Event::read(&p).unwrap().pull_request.unwrap();
        assert_eq!(
            (pr.number, pr.base.sha.as_str(), pr.head.sha.as_str()),
            (7, "aaaa", "bbbb")
        );
    }
}
