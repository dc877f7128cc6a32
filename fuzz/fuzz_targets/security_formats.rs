//! Every security report reader on arbitrary bytes: a report or an error, never a panic, a hang
//! or unbounded memory. `cargo fuzz run security_formats` (nightly); seed the corpus with
//! `fixtures/security/` files. The stable-toolchain counterpart runs in the test suite
//! (`damaged_reports_never_panic` in `crates/security-gate/tests/it/formats.rs`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use security_gate::formats::{parse_bytes, Format};

fuzz_target!(|data: &[u8]| {
    if let Some((&pick, rest)) = data.split_first() {
        // 0 recognises the format from the content; the rest force one.
        let format = (usize::from(pick) % (Format::ALL.len() + 1))
            .checked_sub(1)
            .map(|i| Format::ALL[i]);
        if let Err(e) = parse_bytes(
            rest,
            Path::new("fuzz"),
            format,
            Path::new("/nonexistent-root"),
        ) {
            // Not only no panic: no error text can become a runner command.
            gates_testkit::runner::assert_error_inert(&e);
        }
    }
});
