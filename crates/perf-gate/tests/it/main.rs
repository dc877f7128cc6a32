//! Integration tests of perf-gate: one binary (one link, one build directory entry), one
//! module per concern.

mod common;

mod action;
mod cli;
mod cmd;
mod formats;
mod formats_more;
mod generated;
mod snapshots;
mod statistics;
mod stdin;
