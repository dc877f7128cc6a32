//! The Kubernetes deploy gate: manifests read from files, directories or stdin, `${VAR}`
//! templates filled in strictly, images substituted by repository, a lint whose findings
//! land on the manifest's own line, a plan by server-side dry run, and a deploy that waits for
//! its rollouts, checks health and rolls back to the last known-good set.
//!
//! - [`manifest`]: reading and checking the objects, with each node's line.
//! - [`template`]: `${VAR}` in scalar values.
//! - [`images`]: `--image NAME=REF` across every pod spec.
//! - [`workload`]: where each kind keeps its pods, and which kinds are cluster-wide.
//! - [`lint`] and [`rules`]: the checks and their catalogue.
//! - [`rollout`]: when a rollout is done or doomed; [`order`]: the apply order; [`diff`]: the
//!   plan's diff; [`field_path`]: the server's field paths as pointers.
//! - [`cluster`]: the client and discovery; [`plan`] and [`plan_summary`]: the server's dry
//!   run; [`deploy`]: apply, watch, prune; [`release`]: deploy or roll back a release, with its
//!   [`inventory`] and [`health`] checks; [`deploy_summary`]: how it is reported; [`lock`]: one
//!   deploy per namespace at a time; [`github_deployment`]: the deploy recorded as a GitHub
//!   deployment.
//! - [`blue_green`] and [`slots`]: the blue-green strategy, its steps and its slotted objects;
//!   [`canary`] and [`canary_plan`]: the canary, its steps and its split traffic; [`shift`]:
//!   what both share.
//! - [`argo`]: Argo Rollouts followed by their controller's phase and steps, promoted and
//!   aborted as `kubectl argo rollouts` does.
//! - [`analysis`]: Argo Rollouts `AnalysisTemplate`s measured against Prometheus, with baselines.
//! - [`gate`]: the outcome, metrics and summary; [`sarif_out`]: the findings as SARIF.

pub mod analysis;
pub mod argo;
pub mod blue_green;
pub mod canary;
pub mod canary_plan;
pub mod cluster;
pub mod config;
pub mod deploy;
pub mod deploy_summary;
pub mod diff;
pub mod field_path;
pub mod gate;
pub mod github_deployment;
pub mod health;
pub mod images;
pub mod inventory;
pub mod lint;
pub mod lock;
pub mod manifest;
pub mod order;
pub mod plan;
pub mod plan_summary;
pub mod release;
pub mod rollout;
pub mod rules;
pub mod sarif_out;
pub mod shift;
pub mod slots;
pub mod template;
pub mod workload;
