//! Every security report reader on arbitrary bytes: a report or an error, never a panic, a hang
//! or unbounded memory. `cargo fuzz run security_formats` (nightly); seed the corpus with
//! `fixtures/security/` files. The stable-toolchain counterpart runs in the test suite
//! (`damaged_reports_never_panic` in `crates/security-gate/tests/it.rs`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use security_gate::formats::{parse_bytes, Format};

const FORMATS: [Option<Format>; 14] = [
    None,
    Some(Format::Sarif),
    Some(Format::Bandit),
    Some(Format::Semgrep),
    Some(Format::Checkov),
    Some(Format::Gitleaks),
    Some(Format::Trufflehog),
    Some(Format::Trivy),
    Some(Format::Grype),
    Some(Format::Osv),
    Some(Format::PipAudit),
    Some(Format::NpmAudit),
    Some(Format::CargoAudit),
    Some(Format::Safety),
];

fuzz_target!(|data: &[u8]| {
    if let Some((&pick, rest)) = data.split_first() {
        let format = FORMATS[usize::from(pick) % FORMATS.len()];
        let _ = parse_bytes(rest, Path::new("fuzz"), format, Path::new("/nonexistent-root"));
    }
});
