//! Synthetic SARIF for benchmarks: one run, 200 rules with `security-severity`, results with
//! a message, a location, a snippet and a partial fingerprint, until `bytes` are written.

use std::io::Write;

/// Write a SARIF log of about `bytes` bytes.
pub fn sarif(out: &mut impl Write, bytes: usize) -> std::io::Result<()> {
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
    while written < bytes {
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
