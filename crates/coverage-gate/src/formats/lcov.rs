//! LCOV tracefiles (geninfo, lcov 2.x, istanbul, llvm-cov, coverage.py, gcovr, coverlet).
//!
//! `LF`/`LH`/`BRF`/`BRH` summaries are ignored and recomputed. A file's `SF` block may repeat
//! (several `TN:` sections, concatenated files): hits add up and a branch is taken if any block
//! took it, as lcov itself merges them.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;

use crate::model::{FileCoverage, LineCov, Report};

#[derive(Default)]
struct FileAcc {
    /// (line, hits) in file order; sorted and combined at the end (a Vec is a third of a map's
    /// memory on big tracefiles).
    lines: Vec<(u32, u64)>,
    /// (line, hash of block and branch id, taken); sorted and combined at the end, so the hot
    /// path allocates nothing per branch.
    branches: Vec<(u32, u64, u64)>,
    /// function name → hits
    functions: HashMap<String, u64>,
}

impl FileAcc {
    fn absorb(&mut self, other: FileAcc) {
        self.lines.extend(other.lines);
        self.branches.extend(other.branches);
        for (k, h) in other.functions {
            let e = self.functions.entry(k).or_default();
            *e = e.saturating_add(h);
        }
    }
}

/// FNV-1a over the block and branch ids (which may contain commas).
fn branch_id(block: &str, branch: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in block.bytes().chain([0xff]).chain(branch.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn flush(files: &mut BTreeMap<String, FileAcc>, current: &mut Option<(String, FileAcc)>) {
    if let Some((name, acc)) = current.take() {
        match files.get_mut(&name) {
            Some(existing) => existing.absorb(acc),
            None => {
                files.insert(name, acc);
            }
        }
    }
}

pub fn parse<R: BufRead>(mut input: R, path: &Path) -> Result<Report, InputError> {
    let mut files: BTreeMap<String, FileAcc> = BTreeMap::new();
    // The SF block being read, kept out of the map so records are not a lookup each.
    let mut current: Option<(String, FileAcc)> = None;
    let mut line = String::new();
    let mut n: u64 = 0;
    let mut records = 0usize;
    loop {
        line.clear();
        let read = input
            .read_line(&mut line)
            .map_err(|e| InputError::io(path, &e).at(n + 1, None))?;
        if read == 0 {
            break;
        }
        n += 1;
        let l = line
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{feff}');
        if l.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            InputError::new(
                path,
                format!("{what}: {:?}", truncate(l)),
                "the tracefile is damaged; regenerate it with your coverage tool",
            )
            .at(n, None)
        };
        if l == "end_of_record" {
            flush(&mut files, &mut current);
            continue;
        }
        let Some((key, value)) = l.split_once(':') else {
            return Err(bad("not an LCOV record"));
        };
        if key == "SF" {
            flush(&mut files, &mut current);
            current = Some((value.to_string(), FileAcc::default()));
            records += 1;
            continue;
        }
        if matches!(
            key,
            "TN" | "VER" | "LF" | "LH" | "BRF" | "BRH" | "FNF" | "FNH" | "MCF" | "MCH" | "MCDC"
        ) {
            continue;
        }
        if !key.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("not an LCOV record"));
        }
        let Some((_, file)) = current.as_mut() else {
            return Err(bad("record outside an SF block"));
        };
        match key {
            "DA" => {
                let mut parts = value.splitn(3, ',');
                let ln = parts
                    .next()
                    .and_then(super::parse_line)
                    .ok_or_else(|| bad("DA line number is not a line"))?;
                let hits = parts
                    .next()
                    .and_then(super::parse_count)
                    .ok_or_else(|| bad("DA count is not a non-negative number"))?;
                file.lines.push((ln, hits));
            }
            "BRDA" => {
                // line,[e|f|U]block,branch,taken — the branch id may itself contain commas.
                let (ln, rest) = value
                    .split_once(',')
                    .ok_or_else(|| bad("BRDA needs line,block,branch,taken"))?;
                let (block, rest) = rest
                    .split_once(',')
                    .ok_or_else(|| bad("BRDA needs line,block,branch,taken"))?;
                let (branch, taken) = rest
                    .rsplit_once(',')
                    .ok_or_else(|| bad("BRDA needs line,block,branch,taken"))?;
                let ln =
                    super::parse_line(ln).ok_or_else(|| bad("BRDA line number is not a line"))?;
                let taken = if taken.trim() == "-" {
                    0
                } else {
                    super::parse_count(taken)
                        .ok_or_else(|| bad("BRDA taken count is not a number or -"))?
                };
                file.branches.push((ln, branch_id(block, branch), taken));
            }
            "FN" => {
                // FN:start[,end],name — the name is what follows the last numeric field.
                let mut fields = value.splitn(3, ',');
                let _start = fields.next();
                let second = fields.next().unwrap_or("");
                let name = match fields.next() {
                    Some(rest) if second.trim().parse::<u32>().is_ok() => rest.to_string(),
                    Some(rest) => format!("{second},{rest}"),
                    None => second.to_string(),
                };
                file.functions.entry(name).or_default();
            }
            "FNDA" => {
                let (count, name) = value
                    .split_once(',')
                    .ok_or_else(|| bad("FNDA needs count,name"))?;
                let hits = super::parse_count(count)
                    .ok_or_else(|| bad("FNDA count is not a non-negative number"))?;
                let e = file.functions.entry(name.to_string()).or_default();
                *e = e.saturating_add(hits);
            }
            "FNA" => {
                let mut parts = value.splitn(3, ',');
                let (Some(_index), Some(count), Some(name)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad("FNA needs index,count,name"));
                };
                let hits = super::parse_count(count)
                    .ok_or_else(|| bad("FNA count is not a non-negative number"))?;
                let e = file.functions.entry(name.to_string()).or_default();
                *e = e.saturating_add(hits);
            }
            // Records added by later lcov versions are skipped rather than refused.
            _ => {}
        }
    }
    flush(&mut files, &mut current);
    if records == 0 {
        return Err(InputError::new(
            path,
            "no SF records: not an LCOV tracefile",
            "pass --format to choose the right format",
        ));
    }
    let mut report = Report::default();
    for (name, acc) in files {
        let mut fc = FileCoverage::default();
        // Repeated DA records of a line (repeated SF blocks) add up, as lcov merges them.
        let mut lines = acc.lines;
        lines.sort_unstable_by_key(|&(ln, _)| ln);
        for (ln, hits) in lines {
            let e = fc.lines.entry(ln).or_default();
            e.hits = e.hits.saturating_add(hits);
        }
        let mut branches = acc.branches;
        branches.sort_unstable_by_key(|&(ln, id, _)| (ln, id));
        // Repeated SF blocks list a branch again: it is taken if any block took it.
        branches.dedup_by(|later, kept| {
            let same = later.0 == kept.0 && later.1 == kept.1;
            if same {
                kept.2 = kept.2.saturating_add(later.2);
            }
            same
        });
        for (ln, _, taken) in branches {
            // Branch-only lines (istanbul's JSX) carry no DA; lcov counts their branches but not
            // the line, and so do we.
            let e = fc.lines.entry(ln).or_insert(LineCov {
                branch_only: true,
                ..Default::default()
            });
            e.branches_total += 1;
            e.branches_covered += u32::from(taken > 0);
        }
        fc.functions = acc.functions.into_iter().collect();
        report.files.insert(name, fc);
    }
    Ok(report)
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// lcov 2.2 records (FNL/FNA, exception and named branches with commas, MCDC) as geninfo 2.x
    /// documents them (linux-test-project/lcov docs/man/geninfo.rst, TRACEFILE FORMAT); Debian
    /// ships lcov 1.16, so there is no 2.x tool here to make a fixture with.
    #[test]
    fn lcov_2_records() {
        let text = "TN:\nVER:v1\nSF:src/a.c\nFNL:0,3,9\nFNA:0,2,main\nFNL:1,12\nFNA:1,0,helper(int, char)\nFNF:2\nFNH:1\n\
            BRDA:4,0,jump to the b label, true,1\nBRDA:4,0,jump to the b label, false,0\nBRDA:5,e0,0,-\n\
            MCDC:4,2,t,1,0,a && b\nDA:3,2\nDA:4,2\nDA:5,0\nLF:3\nLH:2\nend_of_record\n";
        let r = parse(text.as_bytes(), Path::new("t.info")).unwrap();
        let f = &r.files["src/a.c"];
        assert_eq!((f.lines().covered, f.lines().total), (2, 3));
        assert_eq!((f.branches().covered, f.branches().total), (1, 3));
        assert_eq!((f.functions().covered, f.functions().total), (1, 2));
    }

    #[test]
    fn repeated_sf_blocks_add_hits_and_union_branches() {
        let text = "SF:a.c\nDA:1,0\nBRDA:1,0,0,0\nBRDA:1,0,1,-\nend_of_record\nSF:a.c\nDA:1,3\nBRDA:1,0,0,2\nBRDA:1,0,1,0\nend_of_record\n";
        let r = parse(text.as_bytes(), Path::new("t.info")).unwrap();
        let l = r.files["a.c"].lines[&1];
        assert_eq!((l.hits, l.branches_covered, l.branches_total), (3, 1, 2));
    }
}
