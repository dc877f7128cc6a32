//! Write a synthetic SARIF log for benchmarks:
//! `cargo run --release -p security-gate --example synth_sarif -- 100 big.sarif` (MiB).

use std::io::BufWriter;

#[path = "../benches/synth.rs"]
mod synth;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mib, path) = match args.as_slice() {
        [_, m, p] => (m.parse::<usize>().expect("size in MiB"), p),
        _ => panic!("usage: synth_sarif <MiB> <path>"),
    };
    synth::sarif(
        &mut BufWriter::new(std::fs::File::create(path)?),
        mib * 1024 * 1024,
    )
}
