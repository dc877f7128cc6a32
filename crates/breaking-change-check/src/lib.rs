//! `breaking-change-check`: Swagger 2.0, OpenAPI 3.0 / 3.1 base and head descriptions compared by a catalogue
//! of rules (oasdiff's ids where the meaning matches), every finding on the head spec's line.
//!
//! [`spec`] loads a description (YAML or JSON, local and relative-file `$ref`s checked up
//! front), [`diff`] compares two, [`rules`] is the catalogue, [`gate`] turns the changes of
//! every spec pair into an [`gates_core::Outcome`], [`sarif_out`] writes its findings as SARIF.

pub mod config;
pub mod diff;
pub mod gate;
pub mod graphql;
pub mod ignore;
pub mod json;
pub mod pointer;
pub mod rules;
pub mod sarif_out;
pub mod source;
pub mod spec;
pub mod swagger;
