//! Write a synthetic report for benchmarks: `cargo run --release --example synth_report -- cobertura 100 big.xml`.

use std::io::BufWriter;

#[path = "../benches/synth.rs"]
mod synth;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (kind, mib, path) = match args.as_slice() {
        [_, k, m, p] => (k.as_str(), m.parse::<usize>().expect("size in MiB"), p),
        _ => panic!("usage: synth_report cobertura|lcov <MiB> <path>"),
    };
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    match kind {
        "cobertura" => synth::cobertura(&mut out, mib * 1024 * 1024),
        "lcov" => synth::lcov(&mut out, mib * 1024 * 1024),
        _ => panic!("unknown kind {kind}"),
    }
}
