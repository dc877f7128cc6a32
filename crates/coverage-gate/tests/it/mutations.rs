//! Every parser survives damaged input: real fixtures cut short, with bytes flipped or spliced,
//! give a report or an error, never a panic, and no error they give can become a runner command
//! (the stable-toolchain stand-in for the fuzzer).

use std::path::Path;

use coverage_gate::formats::{parse_reader, Format};
use proptest::prelude::*;

use crate::fixtures;

const SEEDS: &[(Format, &str)] = &[
    (Format::Cobertura, "cobertura/gcovr.xml"),
    (Format::Cobertura, "cobertura/nyc.xml"),
    (Format::Lcov, "lcov/geninfo.lcov"),
    (Format::Jacoco, "jacoco/jacoco.xml"),
    (Format::CoveragepyJson, "coveragepy-json/coverage.json"),
    (Format::Go, "go/coverpkg-atomic.out"),
    (Format::IstanbulFinal, "istanbul/nyc-coverage-final.json"),
    (
        Format::IstanbulSummary,
        "istanbul/nyc-coverage-summary.json",
    ),
    (Format::Clover, "clover/nyc.xml"),
    (Format::LlvmCov, "llvm-cov/geometry.json"),
    (Format::Opencover, "opencover/schema-opencover.xml"),
    (Format::Simplecov, "simplecov/resultset.json"),
];

fn seed(i: usize) -> (Format, Vec<u8>) {
    let (f, p) = SEEDS[i % SEEDS.len()];
    (f, std::fs::read(fixtures().join(p)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn damaged_reports_never_panic(which in 0usize..64, cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..8), splice in any::<Vec<u8>>()) {
        let (format, mut bytes) = seed(which);
        for (at, b) in flips {
            let i = ((bytes.len() as f64) * at) as usize;
            if i < bytes.len() {
                bytes[i] = b;
            }
        }
        let i = ((bytes.len() as f64) * cut) as usize;
        bytes.truncate(i.max(1));
        bytes.extend_from_slice(&splice);
        if let Err(e) = parse_reader(format, bytes.as_slice(), Path::new("mutated")) {
            gates_testkit::runner::assert_error_inert(&e);
        }
    }

    #[test]
    fn any_bytes_in_any_format_never_panic(which in 0usize..12, bytes in any::<Vec<u8>>()) {
        if let Err(e) = parse_reader(SEEDS[which].0, bytes.as_slice(), Path::new("random")) {
            gates_testkit::runner::assert_error_inert(&e);
        }
    }
}
