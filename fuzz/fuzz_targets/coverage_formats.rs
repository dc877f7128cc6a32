//! Every coverage parser on arbitrary bytes: a report or an error, never a panic, a hang or
//! unbounded memory, and no error that could become a runner command. `cargo fuzz run coverage_formats` (nightly); seed the corpus with
//! `fixtures/*/` files. The stable-toolchain counterpart runs in the test suite
//! (`crates/coverage-gate/tests/it/mutations.rs`).
#![no_main]

use std::path::Path;

use coverage_gate::formats::{parse_reader, Format};
use libfuzzer_sys::fuzz_target;

const FORMATS: [Format; 11] = [
    Format::Cobertura,
    Format::Lcov,
    Format::Jacoco,
    Format::CoveragepyJson,
    Format::Go,
    Format::IstanbulFinal,
    Format::IstanbulSummary,
    Format::Clover,
    Format::LlvmCov,
    Format::Opencover,
    Format::Simplecov,
];

fuzz_target!(|data: &[u8]| {
    if let Some((&pick, rest)) = data.split_first() {
        let format = FORMATS[usize::from(pick) % FORMATS.len()];
        if let Err(e) = parse_reader(format, rest, Path::new("fuzz")) {
            // Not only no panic: no error text can become a runner command.
            gates_testkit::runner::assert_error_inert(&e);
        }
    }
});
