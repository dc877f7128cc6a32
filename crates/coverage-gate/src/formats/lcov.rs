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
    lines: BTreeMap<u32, u64>,
    /// (line, block, branch) → taken
    branches: BTreeMap<(u32, String, String), u64>,
    /// function name → hits
    functions: HashMap<String, u64>,
    /// FNL index → name, for the lcov 2.2 function records
    fn_index: HashMap<String, String>,
}

pub fn parse<R: BufRead>(mut input: R, path: &Path) -> Result<Report, InputError> {
    let mut files: BTreeMap<String, FileAcc> = BTreeMap::new();
    let mut current: Option<String> = None;
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
            current = None;
            continue;
        }
        let Some((key, value)) = l.split_once(':') else {
            return Err(bad("not an LCOV record"));
        };
        if key == "SF" {
            current = Some(value.to_string());
            files.entry(value.to_string()).or_default();
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
        let Some(file) = current.as_ref().and_then(|c| files.get_mut(c)) else {
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
                let e = file.lines.entry(ln).or_default();
                *e = e.saturating_add(hits);
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
                let e = file
                    .branches
                    .entry((ln, block.to_string(), branch.to_string()))
                    .or_default();
                *e = e.saturating_add(taken);
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
            "FNL" => {
                let (idx, _) = value
                    .split_once(',')
                    .ok_or_else(|| bad("FNL needs index,start"))?;
                file.fn_index.entry(idx.to_string()).or_default();
            }
            "FNA" => {
                let mut parts = value.splitn(3, ',');
                let (Some(idx), Some(count), Some(name)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad("FNA needs index,count,name"));
                };
                let hits = super::parse_count(count)
                    .ok_or_else(|| bad("FNA count is not a non-negative number"))?;
                file.fn_index.insert(idx.to_string(), name.to_string());
                let e = file.functions.entry(name.to_string()).or_default();
                *e = e.saturating_add(hits);
            }
            // Records added by later lcov versions are skipped rather than refused.
            _ => {}
        }
    }
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
        for (ln, hits) in acc.lines {
            fc.lines.insert(
                ln,
                LineCov {
                    hits,
                    ..Default::default()
                },
            );
        }
        for ((ln, _, _), taken) in acc.branches {
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
