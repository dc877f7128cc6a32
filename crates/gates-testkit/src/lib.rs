//! Test-only helpers of the gates suite.
//!
//! [`github::FakeGitHub`] is an in-process HTTP server that answers the REST operations the
//! suite uses the way GitHub's official description says, with pagination, fork tokens,
//! validation errors, 5xx and rate limits on demand, and checks every exchange against that
//! description.
//!
//! [`k8s::FakeKube`] is a fake Kubernetes API server that the real kube-rs client and the real
//! `kubectl` talk to: discovery, CRUD, patches, server-side apply with managed fields, dry runs,
//! watches, and simulated controllers that roll workloads out, with failures on demand.
//!
//! [`prometheus::FakePrometheus`] answers the Prometheus HTTP API's instant queries from
//! scripted timelines, with its error bodies and codes, and records what it was asked.
//!
//! [`action::run_composite`] runs a composite `action.yml` the way the Actions runner does.

// The testkit plays the runner: it reads the real process environment to build the one it
// hands to the programs under test.
#![allow(clippy::disallowed_methods)]

pub mod action;
pub mod cmd;
pub mod generated;
pub mod github;
pub mod k8s;
pub mod openapi;
pub mod prometheus;
pub mod runner;
pub mod snapshot;
