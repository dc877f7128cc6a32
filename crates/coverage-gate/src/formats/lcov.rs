//! LCOV tracefiles (geninfo, lcov 2.x, istanbul, llvm-cov, coverage.py, gcovr, coverlet).
//!
//! `LF`/`LH`/`BRF`/`BRH` summaries are ignored and recomputed. A file's `SF` block may repeat
//! (several `TN:` sections, concatenated files): hits add up and a branch is taken if any block
//! took it, as lcov itself merges them.

use std::io::BufRead;
use std::path::Path;

use gates_core::InputError;

use crate::model::{FileCoverage, Files, Functions, LineCov, Lines, Report};

/// One SF block of the tracefile (or several of one file, once combined).
#[derive(Default)]
struct FileEntry {
    /// The one copy of the file's name: blocks are combined by sorting on it at the end, so
    /// no map holds a second copy (it was a fifth of a big report's memory).
    name: Box<str>,
    coverage: FileCoverage,
    /// The file's branch ids (a hash of block and branch id, the low bit set when taken),
    /// ordered by line and id in step with the branch totals of `coverage`'s lines. Kept only
    /// while reading, to union a file's repeated SF blocks exactly as lcov does.
    branch_ids: Box<[u64]>,
}

/// (line, hits) of a `DA` record.
type LineRecord = (u32, u64);
/// (line, branch id with the low bit set when taken) of a `BRDA` record.
type BranchRecord = (u32, u64);

/// The SF block being read. Its buffers are reused from block to block, so a record
/// allocates nothing unless it names a new function.
#[derive(Default)]
struct Block {
    /// The name of the file the block is about (its SF).
    file: Option<Box<str>>,
    /// (line, hits) in file order.
    lines: Vec<(u32, u64)>,
    /// (line, branch id) in file order.
    branches: Vec<(u32, u64)>,
    /// Function name → hits, in the model's form, so it moves into the file as it is.
    functions: Functions,
    /// Scratch for the block's merged lines.
    merged: Vec<(u32, LineCov)>,
}

/// FNV-1a over the block and branch ids (which may contain commas), with the low bit left for
/// "taken".
fn branch_id(block: &[u8], branch: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in block.iter().chain(&[0xff]).chain(branch) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & !1
}

impl FileEntry {
    /// Add one block's sorted, deduplicated lines and branches to what the file has: hits add
    /// up, and a branch is taken if any block took it (lcov's union by branch id).
    fn absorb(
        &mut self,
        lines: &[(u32, u64)],
        branches: &[(u32, u64)],
        scratch: &mut Vec<(u32, LineCov)>,
    ) {
        if self.coverage.lines.is_empty() && self.branch_ids.is_empty() {
            merge_lines(lines, branches, scratch);
            self.coverage.lines = Lines::from_sorted(scratch.iter().copied());
            self.branch_ids = branches.iter().map(|&(_, id)| id).collect();
            return;
        }
        // The earlier branches are rebuilt from their ids, which follow the lines.
        let (mut all_lines, mut all_branches) = self.records();
        all_lines.extend_from_slice(lines);
        all_lines.sort_by_key(|&(ln, _)| ln);
        all_branches.extend_from_slice(branches);
        all_branches.sort_unstable();
        dedup_branches(&mut all_branches);
        merge_lines(&all_lines, &all_branches, scratch);
        self.coverage.lines = Lines::from_sorted(scratch.iter().copied());
        self.branch_ids = all_branches.iter().map(|&(_, id)| id).collect();
    }

    /// Take in a later block of the same file.
    fn absorb_entry(&mut self, later: FileEntry, scratch: &mut Vec<(u32, LineCov)>) {
        let (lines, branches) = later.records();
        self.absorb(&lines, &branches, scratch);
        for (name, hits) in later.coverage.functions.iter() {
            self.coverage.functions.record_add(name, hits);
        }
    }

    /// The file's data back as (line, hits) and (line, branch id) records.
    fn records(&self) -> (Vec<LineRecord>, Vec<BranchRecord>) {
        let mut branches: Vec<BranchRecord> = Vec::with_capacity(self.branch_ids.len());
        let mut ids = self.branch_ids.iter();
        let mut lines: Vec<LineRecord> = Vec::with_capacity(self.coverage.lines.len());
        for (ln, l) in self.coverage.lines.iter() {
            if !l.branch_only {
                lines.push((ln, u64::from(l.hits)));
            }
            branches.extend(
                ids.by_ref()
                    .take(l.branches_total as usize)
                    .map(|&id| (ln, id)),
            );
        }
        (lines, branches)
    }
}

/// A branch listed twice (same line and id) is taken if either listing was.
fn dedup_branches(branches: &mut Vec<(u32, u64)>) {
    branches.dedup_by(|later, kept| {
        let same = later.0 == kept.0 && later.1 >> 1 == kept.1 >> 1;
        kept.1 |= later.1 & u64::from(same);
        same
    });
}

/// Entries per chunk of [`Reader::chunks`].
const CHUNK: usize = 4096;

#[derive(Default)]
struct Reader {
    /// One entry per SF block, in file order, in chunks of [`CHUNK`]: one list grown by
    /// doubling holds up to twice its entries' memory, and three times while it is copied.
    chunks: Vec<Vec<FileEntry>>,
    block: Block,
    records: usize,
}

/// A part's entries, sorted by name with each file's blocks combined.
struct Sorted {
    files: Vec<FileEntry>,
    records: usize,
}

impl Reader {
    fn record(&mut self, path: &Path, n: u64, raw: &[u8]) -> Result<(), InputError> {
        let l = raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw);
        if l.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let bad = |what: &str| {
            InputError::new(
                path,
                format!("{what}: {:?}", truncate(&String::from_utf8_lossy(l))),
                "the tracefile is damaged; regenerate it with your coverage tool",
            )
            .at(n, None)
        };
        if l == b"end_of_record" {
            self.flush();
            return Ok(());
        }
        let Some(colon) = memchr::memchr(b':', l) else {
            return Err(bad("not an LCOV record"));
        };
        let (key, value) = (&l[..colon], &l[colon + 1..]);
        let text = |v| std::str::from_utf8(v).map_err(|_| bad("not UTF-8 text"));
        match key {
            b"DA" => {
                let block = self.open(&bad)?;
                let mut parts = value.splitn(3, |&b| b == b',');
                let ln = parts
                    .next()
                    .and_then(line_number)
                    .ok_or_else(|| bad("DA line number is not a line"))?;
                let hits = parts
                    .next()
                    .and_then(count)
                    .ok_or_else(|| bad("DA count is not a non-negative number"))?;
                block.lines.push((ln, hits));
            }
            b"BRDA" => {
                let block = self.open(&bad)?;
                // line,[e|f|U]block,branch,taken — the branch id may itself contain commas.
                let need = || bad("BRDA needs line,block,branch,taken");
                let (ln, rest) = split_once(value, b',').ok_or_else(need)?;
                let (blk, rest) = split_once(rest, b',').ok_or_else(need)?;
                let (branch, taken) = rsplit_once(rest, b',').ok_or_else(need)?;
                let ln = line_number(ln).ok_or_else(|| bad("BRDA line number is not a line"))?;
                let taken = if taken.trim_ascii() == b"-" {
                    0
                } else {
                    count(taken).ok_or_else(|| bad("BRDA taken count is not a number or -"))?
                };
                block
                    .branches
                    .push((ln, branch_id(blk, branch) | u64::from(taken > 0)));
            }
            b"SF" => {
                self.flush();
                self.block.file = Some(text(value)?.into());
                self.records += 1;
            }
            b"FN" => {
                let block = self.open(&bad)?;
                // FN:start[,end],name — the name is what follows the last numeric field.
                let value = text(value)?;
                let after_start = value.split_once(',').map_or("", |(_, rest)| rest);
                let name = match after_start.split_once(',') {
                    Some((second, rest)) if second.trim().parse::<u32>().is_ok() => rest,
                    _ => after_start,
                };
                block.functions.record_add(name, 0);
            }
            b"FNDA" | b"FNA" => {
                let block = self.open(&bad)?;
                let value = text(value)?;
                let (hits, name) = if key == b"FNDA" {
                    value
                        .split_once(',')
                        .ok_or_else(|| bad("FNDA needs count,name"))?
                } else {
                    let mut parts = value.splitn(3, ',');
                    let (Some(_index), Some(hits), Some(name)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        return Err(bad("FNA needs index,count,name"));
                    };
                    (hits, name)
                };
                let hits = super::parse_count(hits).ok_or_else(|| {
                    bad(if key == b"FNDA" {
                        "FNDA count is not a non-negative number"
                    } else {
                        "FNA count is not a non-negative number"
                    })
                })?;
                block.functions.record_add(name, hits);
            }
            b"TN" | b"VER" | b"LF" | b"LH" | b"BRF" | b"BRH" | b"FNF" | b"FNH" | b"MCF"
            | b"MCH" | b"MCDC" => {}
            _ if !key.iter().all(u8::is_ascii_uppercase) => return Err(bad("not an LCOV record")),
            // Records added by later lcov versions are skipped rather than refused.
            _ => {
                self.open(&bad)?;
            }
        }
        Ok(())
    }

    /// The open block, or the error for a record outside one.
    fn open(&mut self, bad: &dyn Fn(&str) -> InputError) -> Result<&mut Block, InputError> {
        match self.block.file {
            Some(_) => Ok(&mut self.block),
            None => Err(bad("record outside an SF block")),
        }
    }

    /// End the open block: its records become one entry of its file.
    fn flush(&mut self) {
        let Some(name) = self.block.file.take() else {
            return;
        };
        let b = &mut self.block;
        // Repeated DA records of a line add up, as lcov merges them.
        if !b.lines.is_sorted_by_key(|&(ln, _)| ln) {
            b.lines.sort_by_key(|&(ln, _)| ln);
        }
        if !b.branches.is_sorted() {
            b.branches.sort_unstable();
        }
        dedup_branches(&mut b.branches);
        let mut entry = FileEntry {
            name,
            ..Default::default()
        };
        entry.absorb(&b.lines, &b.branches, &mut b.merged);
        entry.coverage.functions = std::mem::take(&mut b.functions);
        entry.coverage.functions.shrink_to_fit();
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(entry),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(entry);
                self.chunks.push(chunk);
            }
        }
        b.lines.clear();
        b.branches.clear();
    }

    /// The files in name order, each file's blocks combined as lcov unions repeated blocks.
    fn finish(self) -> Sorted {
        let mut files = Vec::with_capacity(self.chunks.iter().map(Vec::len).sum());
        // Each chunk is freed as it is moved: the entries are never held twice.
        for chunk in self.chunks {
            files.extend(chunk);
        }
        // Unstable, so no scratch list: combining blocks is commutative (hits add, branches
        // and functions union), so the order of a file's blocks does not matter.
        if !files.is_sorted_by(|a, b| a.name <= b.name) {
            files.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        }
        let mut scratch = Vec::new();
        // `dedup_by` hands the later entry first; it is moved into the kept one.
        files.dedup_by(|later, kept| {
            let same = later.name == kept.name;
            if same {
                kept.absorb_entry(std::mem::take(later), &mut scratch);
            }
            same
        });
        Sorted {
            files,
            records: self.records,
        }
    }
}

/// Lines sorted by number (repeats add up) and branches sorted by line, as one sorted list of
/// measurements into `out`.
fn merge_lines(lines: &[(u32, u64)], branches: &[(u32, u64)], out: &mut Vec<(u32, LineCov)>) {
    out.clear();
    let mut b = branches.iter().peekable();
    let mut push_branches = |out: &mut Vec<(u32, LineCov)>, upto: u32| {
        while let Some(&&(ln, id)) = b.peek() {
            if ln > upto {
                break;
            }
            b.next();
            // Branch-only lines (istanbul's JSX) carry no DA; lcov counts their branches but
            // not the line, and so do we.
            if out.last().is_none_or(|&(n, _)| n != ln) {
                out.push((ln, LineCov::branch_only()));
            }
            let e = &mut out.last_mut().expect("pushed above").1;
            e.branches_total += 1;
            e.branches_covered += (id & 1) as u32;
        }
    };
    for &(ln, hits) in lines {
        match out.last_mut() {
            Some((n, e)) if *n == ln => e.add_hits(hits),
            _ => {
                push_branches(out, ln - 1);
                out.push((ln, LineCov::ran(hits)));
            }
        }
        push_branches(out, ln);
    }
    push_branches(out, u32::MAX);
}

fn split_once(s: &[u8], c: u8) -> Option<(&[u8], &[u8])> {
    let i = memchr::memchr(c, s)?;
    Some((&s[..i], &s[i + 1..]))
}

fn rsplit_once(s: &[u8], c: u8) -> Option<(&[u8], &[u8])> {
    let i = memchr::memrchr(c, s)?;
    Some((&s[..i], &s[i + 1..]))
}

/// A count: plain digits directly, anything else (floats, exponents) as the other formats
/// read counts.
fn count(s: &[u8]) -> Option<u64> {
    match digits(s) {
        Some(v) => Some(v),
        None => super::parse_count(std::str::from_utf8(s).ok()?),
    }
}

fn line_number(s: &[u8]) -> Option<u32> {
    match digits(s) {
        Some(v) => u32::try_from(v).ok().filter(|&n| n > 0),
        None => super::parse_line(std::str::from_utf8(s).ok()?),
    }
}

/// 1 to 19 ASCII digits (never overflowing u64); `None` sends the caller to the general parse.
fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// Parse a tracefile from a reader.
pub fn parse<R: BufRead>(input: R, path: &Path) -> Result<Report, InputError> {
    report(read(input, path)?.finish(), path)
}

/// The blocks of `input`, not yet combined by file.
fn read<R: BufRead>(input: R, path: &Path) -> Result<Reader, InputError> {
    let mut r = Reader::default();
    gates_core::input::each_line(path, input, |n, l| r.record(path, n, l))?;
    r.flush();
    Ok(r)
}

fn report(r: Sorted, path: &Path) -> Result<Report, InputError> {
    if r.records == 0 {
        return Err(InputError::new(
            path,
            "no SF records: not an LCOV tracefile",
            "pass --format to choose the right format",
        ));
    }
    // Sorted and unique already; collected in place (the branch ids go, their work done).
    let files = r
        .files
        .into_iter()
        .map(|f| (f.name.into_string(), f.coverage))
        .collect();
    Ok(Report {
        files: Files::from_sorted(files),
        ..Default::default()
    })
}

/// Below this size a tracefile is read on one thread (splitting costs more than it saves).
pub const PARALLEL_FROM: u64 = 8 << 20;

/// Parse the tracefile at `path` (`size` bytes) on every core: the file is cut after an
/// `end_of_record` line near each 1/n mark, so no block spans two parts; each part streams
/// through its own reader, and the parts' files are combined in file order (a file whose
/// blocks fall in two parts is unioned as repeated blocks are).
pub fn parse_parallel(path: &Path, size: u64, threads: usize) -> Result<Report, InputError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e: std::io::Error| InputError::io(path, &e);
    let mut cuts = vec![0u64];
    for k in 1..threads as u64 {
        match next_record_end(path, size * k / threads as u64)? {
            Some(c) if c > *cuts.last().unwrap_or(&0) && c < size => cuts.push(c),
            _ => {}
        }
    }
    cuts.push(size);
    let parts: Vec<Result<Sorted, InputError>> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                s.spawn(move || -> Result<Sorted, InputError> {
                    let mut f = std::fs::File::open(path).map_err(io)?;
                    f.seek(SeekFrom::Start(start)).map_err(io)?;
                    let reader = std::io::BufReader::with_capacity(256 * 1024, f.take(end - start));
                    let part = read(reader, path).map_err(|mut e| {
                        // Lines are counted within the part: add the lines before it.
                        if let (Some(line), true) = (e.line, start > 0) {
                            e.line = Some(line + lines_before(path, start).unwrap_or(0));
                        }
                        e
                    })?;
                    // Sorted here, on this part's thread: the whole is then one merge of
                    // sorted runs.
                    Ok(part.finish())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a parser thread panicked"))
            .collect()
    });
    let parts: Vec<Sorted> = parts.into_iter().collect::<Result<_, _>>()?;
    report(merge_parts(parts), path)
}

/// The parts' sorted files as one sorted list, a file in several parts combined as its
/// repeated blocks are.
fn merge_parts(mut parts: Vec<Sorted>) -> Sorted {
    use itertools::Itertools;
    forget_unshared_branch_ids(&mut parts);
    let records = parts.iter().map(|p| p.records).sum();
    let mut files: Vec<FileEntry> = Vec::with_capacity(parts.iter().map(|p| p.files.len()).sum());
    let mut scratch = Vec::new();
    for entry in parts
        .into_iter()
        .map(|p| p.files.into_iter())
        .kmerge_by(|a, b| a.name < b.name)
    {
        match files.last_mut() {
            Some(kept) if kept.name == entry.name => kept.absorb_entry(entry, &mut scratch),
            _ => files.push(entry),
        }
    }
    Sorted { files, records }
}

/// Free the branch ids of every file that only one part has: they serve to union a file's
/// blocks, and each part has combined its own, so only a file in several parts still needs
/// them (freed before the merged list is allocated, it is a tenth of a big report's memory).
fn forget_unshared_branch_ids(parts: &mut [Sorted]) {
    use itertools::Itertools;
    let mut shared: Vec<Vec<bool>> = parts.iter().map(|p| vec![false; p.files.len()]).collect();
    let mut previous: Option<(&str, usize, usize)> = None;
    for entry in parts
        .iter()
        .enumerate()
        .map(|(p, s)| {
            s.files
                .iter()
                .enumerate()
                .map(move |(i, e)| (&*e.name, p, i))
        })
        .kmerge_by(|a, b| a.0 < b.0)
    {
        if let Some(before) = previous.filter(|before| before.0 == entry.0) {
            shared[before.1][before.2] = true;
            shared[entry.1][entry.2] = true;
        }
        previous = Some(entry);
    }
    for (part, shared) in parts.iter_mut().zip(shared) {
        for (e, shared) in part.files.iter_mut().zip(shared) {
            if !shared {
                e.branch_ids = Box::default();
            }
        }
    }
}

/// The offset just after the first `end_of_record` line at or after `from`, if any.
fn next_record_end(path: &Path, from: u64) -> Result<Option<u64>, InputError> {
    use std::io::{Read, Seek, SeekFrom};
    const MARK: &[u8] = b"\nend_of_record";
    let io = |e: std::io::Error| InputError::io(path, &e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    // Start one byte early so a mark right at `from` is seen whole.
    let start = from.saturating_sub(1);
    f.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut window: Vec<u8> = Vec::new();
    let mut offset = start;
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(None);
        }
        window.extend_from_slice(&buf[..n]);
        if let Some(i) = memchr::memmem::find(&window, MARK) {
            let after = i + MARK.len();
            // The mark must end its line (`\n` or `\r\n`); read on until that byte is here.
            match window.get(after..) {
                Some([b'\n', ..]) => return Ok(Some(offset + after as u64 + 1)),
                Some([b'\r', b'\n', ..]) => return Ok(Some(offset + after as u64 + 2)),
                Some([] | [b'\r']) => continue,
                Some(_) => {
                    // `end_of_recordX`: not the mark; look after it.
                    let drop = after;
                    window.drain(..drop);
                    offset += drop as u64;
                }
                None => unreachable!("after is within the window"),
            }
        } else {
            // Keep the tail that could begin a mark.
            let keep = window.len().min(MARK.len());
            let drop = window.len() - keep;
            window.drain(..drop);
            offset += drop as u64;
        }
    }
}

/// Lines before byte `end` of the file (for an error's line in a later part).
fn lines_before(path: &Path, end: u64) -> std::io::Result<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?.take(end);
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let got = f.read(&mut buf)?;
        if got == 0 {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
    }
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

    /// lcov unions a branch by its id: taken in one block and not in the other is taken, and a
    /// branch only the later block lists is added; branch-only lines survive the merge.
    #[test]
    fn repeated_sf_blocks_union_branches_by_id() {
        let text = "SF:a.c\nDA:2,1\nBRDA:2,0,0,1\nBRDA:2,0,1,0\nBRDA:3,0,0,0\nend_of_record\n\
            TN:second\nSF:a.c\nDA:2,0\nBRDA:2,0,0,0\nBRDA:2,0,1,4\nBRDA:2,0,2,0\nBRDA:3,0,0,0\nDA:1,1\nend_of_record\n";
        let r = parse(text.as_bytes(), Path::new("t.info")).unwrap();
        let f = &r.files["a.c"];
        let l = f.lines.get(2).unwrap();
        assert_eq!((l.hits, l.branches_covered, l.branches_total), (1, 2, 3));
        let only = f.lines.get(3).unwrap();
        assert!(only.branch_only);
        assert_eq!((only.branches_covered, only.branches_total), (0, 1));
        assert_eq!((f.lines().covered, f.lines().total), (2, 2));
        assert_eq!((f.branches().covered, f.branches().total), (2, 4));
    }

    #[test]
    fn repeated_sf_blocks_add_hits_and_union_branches() {
        let text = "SF:a.c\nDA:1,0\nBRDA:1,0,0,0\nBRDA:1,0,1,-\nend_of_record\nSF:a.c\nDA:1,3\nBRDA:1,0,0,2\nBRDA:1,0,1,0\nend_of_record\n";
        let r = parse(text.as_bytes(), Path::new("t.info")).unwrap();
        let l = r.files["a.c"].lines.get(1).unwrap();
        assert_eq!((l.hits, l.branches_covered, l.branches_total), (3, 1, 2));
    }

    /// Cut into parts anywhere, a tracefile parses to exactly what one pass gives: a file
    /// whose blocks fall on both sides of a cut is unioned, and an error in a later part is
    /// reported at its line in the whole file.
    #[test]
    fn parts_parse_to_what_one_pass_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.info");
        let mut text = String::new();
        for i in 0..40 {
            // a.c repeats in every block group, so every cut splits its blocks.
            text.push_str(&format!(
                "TN:\nSF:a.c\nFN:1,f{i}\nFNDA:{i},f{i}\nDA:{},1\nDA:2,{i}\nBRDA:2,0,{i},1\nend_of_record\r\nSF:b{i}.c\nDA:1,0\nend_of_record\n",
                i + 3
            ));
        }
        std::fs::write(&path, &text).unwrap();
        let one = parse(text.as_bytes(), &path).unwrap();
        for threads in [2, 3, 7] {
            let parts = parse_parallel(&path, text.len() as u64, threads).unwrap();
            assert_eq!(parts.files, one.files, "{threads} parts");
        }
        let bad = format!("{text}SF:c.c\nDA:x,1\nend_of_record\n");
        std::fs::write(&path, &bad).unwrap();
        let want = bad.lines().count() as u64 - 1;
        let e = parse_parallel(&path, bad.len() as u64, 3).unwrap_err();
        assert_eq!(e.line, Some(want), "{e:?}");
    }
}
