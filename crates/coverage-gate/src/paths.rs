//! Turning the paths reports contain into repository paths.
//!
//! Reports come from other machines and containers. In order: normalise separators, apply
//! `--path-map` prefixes, join `<source>` roots, strip this checkout's root, then match by the
//! longest unique suffix against `git ls-files`. Windows-looking paths compare case-insensitively.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A `FROM=TO` prefix rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMap {
    /// Prefix as the report writes it (after `\` → `/`).
    pub from: String,
    /// Replacement, repository-relative or absolute.
    pub to: String,
}

impl std::str::FromStr for PathMap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (from, to) = s
            .split_once('=')
            .ok_or_else(|| format!("path map {s:?} is not FROM=TO"))?;
        if from.is_empty() {
            return Err(format!("path map {s:?} has an empty FROM"));
        }
        Ok(PathMap {
            from: normalize(from),
            to: normalize(to),
        })
    }
}

/// The checkout's files, for suffix matching.
#[derive(Debug, Default)]
pub struct RepoIndex {
    files: HashSet<String>,
    by_name: HashMap<String, Vec<String>>,
}

impl RepoIndex {
    /// Index the given repository-relative paths.
    pub fn new(files: impl IntoIterator<Item = String>) -> Self {
        let mut idx = RepoIndex::default();
        for f in files {
            let name = f.rsplit('/').next().unwrap_or(&f).to_ascii_lowercase();
            idx.by_name.entry(name).or_default().push(f.clone());
            idx.files.insert(f);
        }
        idx
    }

    /// `git ls-files` of the repository at `root`; `None` outside a repository.
    pub fn from_git(root: &Path) -> Option<Self> {
        let out = Command::new("git")
            .args(["-c", "core.quotePath=false", "ls-files", "-z"])
            .current_dir(root)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Some(Self::new(
            text.split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        ))
    }

    /// True when the index holds `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// The one file whose path ends with the most components of `path`.
    fn by_suffix(&self, path: &str, fold_case: bool) -> Option<&str> {
        let want: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let name = want.last()?.to_ascii_lowercase();
        let candidates = self.by_name.get(&name)?;
        let eq = |a: &str, b: &str| {
            if fold_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let mut best: Option<(&str, usize)> = None;
        let mut tie = false;
        for c in candidates {
            let have: Vec<&str> = c.split('/').collect();
            let n = want
                .iter()
                .rev()
                .zip(have.iter().rev())
                .take_while(|(a, b)| eq(a, b))
                .count();
            if n == 0 {
                continue;
            }
            match best {
                Some((_, m)) if n < m => {}
                Some((_, m)) if n == m => tie = true,
                _ => {
                    best = Some((c, n));
                    tie = false;
                }
            }
        }
        if tie {
            None
        } else {
            best.map(|(c, _)| c)
        }
    }
}

/// `\` → `/`, no `./` segments, no `file://`, trimmed.
pub fn normalize(p: &str) -> String {
    if is_normal(p) {
        return p.to_string();
    }
    rebuild(p)
}

/// [`normalize`] the long way: split, drop and join.
fn rebuild(p: &str) -> String {
    let p = p.trim().trim_start_matches('\u{feff}');
    let p = p.strip_prefix("file://").unwrap_or(p);
    let p = p.replace('\\', "/");
    let mut out: Vec<&str> = Vec::new();
    for (i, seg) in p.split('/').enumerate() {
        match seg {
            "." => {}
            "" if i > 0 => {}
            ".." if out.last().is_some_and(|l| *l != ".." && !l.is_empty()) => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// True when [`normalize`] would return `p` unchanged: the common case, checked in one scan
/// instead of splitting and joining every path of a big report.
fn is_normal(p: &str) -> bool {
    let ends_trimmed = !p.starts_with(char::is_whitespace) && !p.ends_with(char::is_whitespace);
    if !ends_trimmed
        || p.starts_with('\u{feff}')
        || p.starts_with("file://")
        || memchr::memchr(b'\\', p.as_bytes()).is_some()
    {
        return false;
    }
    // One byte scan over the segments: no `.`, no `..`, no empty one after the first.
    let b = p.as_bytes();
    let mut start = 0;
    for end in memchr::memchr_iter(b'/', b).chain(std::iter::once(b.len())) {
        let seg = &b[start..end];
        if seg == b"." || seg == b".." || (start > 0 && seg.is_empty()) {
            return false;
        }
        start = end + 1;
    }
    true
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || is_windows_drive(p)
}

fn is_windows_drive(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Resolves report paths against one checkout.
#[derive(Debug)]
pub struct Resolver {
    root: String,
    index: Option<RepoIndex>,
    maps: Vec<PathMap>,
}

/// Where a report path landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the checkout, repository-relative.
    Repo(String),
    /// Not found in the checkout; the normalised report path.
    Unresolved(String),
}

impl Resolver {
    /// A resolver for the checkout at `root` (absolute), with its file index when it is a git
    /// repository.
    pub fn new(root: &Path, index: Option<RepoIndex>, maps: Vec<PathMap>) -> Self {
        Resolver {
            root: normalize(&root.to_string_lossy()),
            index,
            maps,
        }
    }

    /// The checkout root.
    pub fn root(&self) -> PathBuf {
        PathBuf::from(&self.root)
    }

    /// Resolve one report path; `sources` are the report's declared roots.
    pub fn resolve(&self, raw: &str, sources: &[String]) -> Resolved {
        let mut p = normalize(raw);
        for m in &self.maps {
            if let Some(rest) = p.strip_prefix(&m.from) {
                if rest.is_empty() || rest.starts_with('/') || m.from.ends_with('/') {
                    p = normalize(&format!("{}/{}", m.to, rest.trim_start_matches('/')));
                    break;
                }
            }
        }
        // The path itself, then under each declared source root.
        let mut rooted = Vec::new();
        if !is_absolute(&p) {
            for s in sources {
                let s = normalize(s);
                if !s.is_empty() {
                    rooted.push(normalize(&format!("{s}/{p}")));
                }
            }
        }
        let fold = raw.contains('\\') || is_windows_drive(&p);
        for c in std::iter::once(&p).chain(&rooted) {
            let rel = self.strip_root(c);
            match (&self.index, rel) {
                (Some(idx), Some(r)) if idx.contains(r) => return Resolved::Repo(r.to_string()),
                (None, Some(r)) => return Resolved::Repo(r.to_string()),
                _ => {}
            }
        }
        if let Some(idx) = &self.index {
            for c in std::iter::once(&p).chain(&rooted) {
                if let Some(hit) = idx.by_suffix(c, fold) {
                    return Resolved::Repo(hit.to_string());
                }
            }
        }
        Resolved::Unresolved(p)
    }

    fn strip_root<'a>(&self, p: &'a str) -> Option<&'a str> {
        if !is_absolute(p) {
            return Some(p);
        }
        p.strip_prefix(&self.root)?.strip_prefix('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(files: &[&str]) -> Resolver {
        Resolver::new(
            Path::new("/home/runner/work/r/r"),
            Some(RepoIndex::new(files.iter().map(|s| s.to_string()))),
            vec![],
        )
    }

    #[test]
    fn container_and_windows_prefixes_resolve_by_suffix() {
        let r = resolver(&["src/app/Utils.ts", "src/lib/calc.c", "lib/calc.c"]);
        assert_eq!(
            r.resolve("/__w/r/r/src/lib/calc.c", &[]),
            Resolved::Repo("src/lib/calc.c".into())
        );
        assert_eq!(
            r.resolve("C:\\agent\\_work\\1\\s\\SRC\\app\\utils.ts", &[]),
            Resolved::Repo("src/app/Utils.ts".into())
        );
        assert_eq!(
            r.resolve("/home/runner/work/r/r/lib/calc.c", &[]),
            Resolved::Repo("lib/calc.c".into())
        );
    }

    #[test]
    fn ambiguous_suffixes_stay_unresolved() {
        let r = resolver(&["a/x/calc.c", "b/x/calc.c"]);
        assert_eq!(
            r.resolve("/elsewhere/x/calc.c", &[]),
            Resolved::Unresolved("/elsewhere/x/calc.c".into())
        );
        assert_eq!(
            r.resolve("/elsewhere/b/x/calc.c", &[]),
            Resolved::Repo("b/x/calc.c".into())
        );
    }

    #[test]
    fn sources_and_maps_apply_before_suffix_matching() {
        let r = Resolver::new(
            Path::new("/repo"),
            Some(RepoIndex::new([
                "pkg/a.py".to_string(),
                "other/pkg/a.py".to_string(),
            ])),
            vec!["/build/src=pkg".parse().unwrap()],
        );
        assert_eq!(
            r.resolve("a.py", &["/repo/pkg".into()]),
            Resolved::Repo("pkg/a.py".into())
        );
        assert_eq!(
            r.resolve("/build/src/a.py", &[]),
            Resolved::Repo("pkg/a.py".into())
        );
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize(" .\\src\\.\\a/../b.c "), "src/b.c");
        assert_eq!(normalize("file:///x//y.c"), "/x/y.c");
    }

    /// The fast path must agree with the full normalisation on every path it takes.
    #[test]
    fn paths_taken_as_they_are_are_already_normal() {
        let mut taken = 0;
        for p in [
            "src/a.c",
            "/abs/a.c",
            "a",
            "",
            "C:/x/y.c",
            "dir/",
            "a//b",
            "./a",
            "a/./b",
            "a/..",
            "../a",
            " a",
            "a ",
            "\u{feff}a",
            "file:///a",
            "a\\b",
            "/",
            "a/b.c/",
            "a/.b/c..",
        ] {
            if is_normal(p) {
                taken += 1;
                assert_eq!(rebuild(p), p, "{p:?}");
            }
        }
        assert_eq!(taken, 6);
    }
}
