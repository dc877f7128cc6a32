//! Integration tests of k8s-deploy: one binary (one link, one build directory entry), one
//! module per concern.

mod common;

mod action;
mod analysis;
mod argo;
mod blue_green;
mod canary;
mod cmd;
mod deploy;
mod github_deployment;
mod lint;
mod plan;
mod release;
mod rules;
mod snapshots;
