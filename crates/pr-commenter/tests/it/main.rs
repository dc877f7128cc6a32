//! Integration tests of pr-commenter: one binary (one link, one build directory entry), one
//! module per concern.

mod cmd;
mod fake_github;
mod inprocess;
