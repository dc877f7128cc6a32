//! Integration tests of gates-github: one binary (one link, one build directory entry), one
//! module per concern.

mod api;
mod deployments;
