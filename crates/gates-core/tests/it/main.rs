//! Integration tests of gates-core: one binary (one link, one build directory entry), one
//! module per concern.

mod common;

mod cancel;
mod panic;
mod writers;
