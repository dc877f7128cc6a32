//! Integration tests of security-gate: one binary (one link, one build directory entry), one
//! module per concern.

mod common;

mod baseline;
mod cli;
mod cmd;
mod forced_format;
mod formats;
mod injection;
mod moved;
mod outputs;
mod partial;
mod policy;
mod repeated;
mod rules;
mod sarif_keys;
mod severity;
mod snapshots;
mod special_files;
mod stdin;
