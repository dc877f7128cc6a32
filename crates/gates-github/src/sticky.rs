//! One sticky comment per pull request and id: found by a hidden marker at the start of the
//! body and by its author, updated in place, never duplicated, never someone else's.

use http::Method;
use serde_json::{json, Value};

use crate::client::{ApiError, Client};

/// What to do with an earlier comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Edit the earlier comment, or create one (the default).
    #[default]
    Update,
    /// Delete the earlier comment and post a new one (it moves to the bottom).
    Recreate,
    /// Minimize ("hide as outdated") the earlier comment and post a new one.
    Hide,
    /// Post only when there is no earlier comment.
    OnlyCreate,
    /// Edit only an earlier comment; never create one.
    OnlyUpdate,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A comment was created.
    Created(u64),
    /// The earlier comment was edited.
    Updated(u64),
    /// The earlier comment already said exactly this.
    Unchanged(u64),
    /// Earlier comments were deleted (and nothing posted).
    Deleted(usize),
    /// Nothing was done, and why.
    Skipped(String),
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Created(id) => write!(f, "created comment {id}"),
            Action::Updated(id) => write!(f, "updated comment {id}"),
            Action::Unchanged(id) => write!(f, "comment {id} already current"),
            Action::Deleted(n) => {
                write!(f, "deleted {n} comment{}", if *n == 1 { "" } else { "s" })
            }
            Action::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// The sticky comment of one id on one pull request.
#[derive(Debug)]
pub struct Sticky<'a> {
    /// API client.
    pub client: &'a Client,
    /// `owner/name`.
    pub repo: String,
    /// Pull request number.
    pub pr: u64,
    /// Comment id (`gates`, `coverage`, ...): several ids coexist.
    pub id: String,
    /// Login whose comments are ours (`github-actions[bot]` for `GITHUB_TOKEN`).
    pub author: String,
}

/// An earlier comment of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Id.
    pub id: u64,
    /// GraphQL node id.
    pub node_id: String,
    /// Body.
    pub body: String,
}

impl Sticky<'_> {
    /// The hidden marker that starts the body.
    pub fn marker(&self) -> String {
        format!("<!-- gates:{} -->", self.id)
    }

    fn comments_path(&self) -> String {
        format!("/repos/{}/issues/{}/comments", self.repo, self.pr)
    }

    /// Our earlier comments, oldest first: the body starts with the marker and the author is
    /// ours. A person quoting the marker, or another bot, is never matched.
    pub async fn find(&self) -> Result<Vec<Existing>, ApiError> {
        let marker = self.marker();
        let all = self.client.get_all(&self.comments_path()).await?;
        Ok(all
            .into_iter()
            .filter(|c| c["user"]["login"].as_str() == Some(self.author.as_str()))
            .filter(|c| c["body"].as_str().is_some_and(|b| b.starts_with(&marker)))
            .filter_map(|c| {
                Some(Existing {
                    id: c["id"].as_u64()?,
                    node_id: c["node_id"].as_str()?.to_string(),
                    body: c["body"].as_str()?.to_string(),
                })
            })
            .collect())
    }

    /// Put `body` (without the marker) in place according to `mode`.
    pub async fn put(&self, body: &str, mode: Mode) -> Result<Action, ApiError> {
        let full = format!("{}\n{body}", self.marker());
        let existing = self.find().await?;
        let (keep, extra) = match existing.split_last() {
            Some((last, rest)) => (Some(last.clone()), rest.to_vec()),
            None => (None, Vec::new()),
        };
        // Duplicates left by an earlier failure: they are ours, so tidy them away.
        for e in &extra {
            self.delete(e.id).await?;
        }
        match (mode, keep) {
            (Mode::Update | Mode::OnlyUpdate, Some(k)) if k.body == full => {
                Ok(Action::Unchanged(k.id))
            }
            (Mode::Update | Mode::OnlyUpdate, Some(k)) => {
                self.client
                    .request(
                        Method::PATCH,
                        &format!("/repos/{}/issues/comments/{}", self.repo, k.id),
                        Some(&json!({ "body": full })),
                    )
                    .await?;
                Ok(Action::Updated(k.id))
            }
            (Mode::OnlyUpdate, None) => Ok(Action::Skipped(
                "no earlier comment to update (only-update)".into(),
            )),
            (Mode::OnlyCreate, Some(k)) => Ok(Action::Skipped(format!(
                "comment {} exists (only-create)",
                k.id
            ))),
            (Mode::Recreate, Some(k)) => {
                self.delete(k.id).await?;
                self.create(&full).await
            }
            (Mode::Hide, Some(k)) => {
                self.minimize(&k.node_id).await?;
                self.create(&full).await
            }
            (_, None) => self.create(&full).await,
        }
    }

    /// Delete every earlier comment of ours.
    pub async fn remove(&self) -> Result<Action, ApiError> {
        let existing = self.find().await?;
        for e in &existing {
            self.delete(e.id).await?;
        }
        Ok(Action::Deleted(existing.len()))
    }

    async fn delete(&self, id: u64) -> Result<(), ApiError> {
        match self
            .client
            .request(
                Method::DELETE,
                &format!("/repos/{}/issues/comments/{id}", self.repo),
                None,
            )
            .await
        {
            // Already gone (a concurrent run): fine.
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    async fn minimize(&self, node_id: &str) -> Result<(), ApiError> {
        let q = "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }";
        self.client
            .graphql(q, json!({ "id": node_id }))
            .await
            .map(|_| ())
    }

    /// Create the comment. After a 5xx or a lost answer the POST is not repeated blindly: the
    /// comments are listed again, and only when ours is not there is it posted once more.
    async fn create(&self, full: &str) -> Result<Action, ApiError> {
        let body = json!({ "body": full });
        match self
            .client
            .request(Method::POST, &self.comments_path(), Some(&body))
            .await
        {
            Ok(a) => Ok(Action::Created(id_of(&a.body))),
            Err(e) if e.outcome_unknown() => {
                if let Some(found) = self
                    .find()
                    .await?
                    .into_iter()
                    .rev()
                    .find(|c| c.body == full)
                {
                    return Ok(Action::Created(found.id));
                }
                let a = self
                    .client
                    .request(Method::POST, &self.comments_path(), Some(&body))
                    .await?;
                Ok(Action::Created(id_of(&a.body)))
            }
            Err(e) => Err(e),
        }
    }
}

fn id_of(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or(0)
}
