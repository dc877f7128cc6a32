//! Write a synthetic SARIF log for benchmarks:
//! `cargo run --release -p security-gate --example synth_sarif -- 100 big.sarif` (MiB).

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mib, path) = match args.as_slice() {
        [_, m, p] => (m.parse::<usize>().expect("size in MiB"), p),
        _ => panic!("usage: synth_sarif <MiB> <path>"),
    };
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let levels = ["error", "warning", "note"];
    write!(out, "{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"SynthScanner\",\"rules\":[")?;
    for r in 0..200 {
        if r > 0 {
            write!(out, ",")?;
        }
        write!(out, "{{\"id\":\"R{r}\",\"shortDescription\":{{\"text\":\"Rule {r}\"}},\"properties\":{{\"security-severity\":\"{}.5\"}}}}", r % 10)?;
    }
    write!(out, "]}}}},\"results\":[")?;
    let mut written = 0usize;
    let mut i = 0usize;
    while written < mib * 1024 * 1024 {
        let rec = format!(
            "{}{{\"ruleId\":\"R{}\",\"level\":\"{}\",\"message\":{{\"text\":\"Finding {i}: something unsafe happens here with the value from the request\"}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":\"src/module_{}/file_{}.py\"}},\"region\":{{\"startLine\":{},\"endLine\":{},\"snippet\":{{\"text\":\"    value = handler(request.args[{i}])\"}}}}}}}}],\"partialFingerprints\":{{\"primaryLocationLineHash\":\"{:016x}:1\"}}}}",
            if i > 0 { "," } else { "" },
            i % 200,
            levels[i % 3],
            i % 97,
            i % 1013,
            i % 900 + 1,
            i % 900 + 2,
            i.wrapping_mul(2_654_435_761)
        );
        out.write_all(rec.as_bytes())?;
        written += rec.len();
        i += 1;
    }
    write!(out, "]}}]}}")?;
    out.flush()
}
