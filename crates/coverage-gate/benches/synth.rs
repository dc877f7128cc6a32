//! Synthetic reports of a chosen size, shaped like coverage.py's Cobertura and geninfo's LCOV.

use std::io::Write;

/// Write a Cobertura report of about `bytes` bytes: files of 400 lines, every 7th line a branch,
/// about 70% of lines hit.
pub fn cobertura(out: &mut impl Write, bytes: usize) -> std::io::Result<()> {
    writeln!(out, "<?xml version=\"1.0\" ?>\n<coverage version=\"7.0\" timestamp=\"1\" lines-valid=\"0\" lines-covered=\"0\" line-rate=\"0\" branch-rate=\"0\" complexity=\"0\">\n<sources><source>/home/runner/work/app/app</source></sources>\n<packages>")?;
    let mut written = 0usize;
    let mut file = 0usize;
    while written < bytes {
        let mut chunk = format!("<package name=\"pkg{file}\" line-rate=\"0.7\" branch-rate=\"0.5\" complexity=\"0\"><classes><class name=\"m{file}.py\" filename=\"src/pkg{}/module_{file}.py\" complexity=\"0\" line-rate=\"0.7\" branch-rate=\"0.5\"><methods/><lines>\n", file / 50);
        for line in 1..=400u32 {
            let hits = u32::from((line as usize * 7 + file) % 10 < 7);
            if line % 7 == 0 {
                chunk.push_str(&format!("<line number=\"{line}\" hits=\"{hits}\" branch=\"true\" condition-coverage=\"50% (1/2)\" missing-branches=\"{}\"/>\n", line + 2));
            } else {
                chunk.push_str(&format!("<line number=\"{line}\" hits=\"{hits}\"/>\n"));
            }
        }
        chunk.push_str("</lines></class></classes></package>\n");
        out.write_all(chunk.as_bytes())?;
        written += chunk.len();
        file += 1;
    }
    writeln!(out, "</packages>\n</coverage>")
}

/// Write an LCOV tracefile of about `bytes` bytes.
pub fn lcov(out: &mut impl Write, bytes: usize) -> std::io::Result<()> {
    let mut written = 0usize;
    let mut file = 0usize;
    while written < bytes {
        let mut chunk = format!(
            "TN:\nSF:/home/runner/work/app/app/src/file_{file}.c\nFN:1,f{file}\nFNDA:1,f{file}\n"
        );
        for line in 1..=400u32 {
            let hits = u32::from((line as usize * 7 + file) % 10 < 7);
            chunk.push_str(&format!("DA:{line},{hits}\n"));
            if line % 7 == 0 {
                chunk.push_str(&format!("BRDA:{line},0,0,{hits}\nBRDA:{line},0,1,-\n"));
            }
        }
        chunk.push_str("end_of_record\n");
        out.write_all(chunk.as_bytes())?;
        written += chunk.len();
        file += 1;
    }
    Ok(())
}
