//! Integration tests of breaking-change-check: one binary (one link, one build directory entry), one
//! module per concern.

mod common;

mod action;
mod cli;
mod cmd;
mod conformance;
mod deprecation;
mod github_rest;
mod graphql_inspector;
mod graphql_rules;
mod openapi_rules;
mod pointers;
mod rules;
mod sarif;
mod snapshots;
