//! What a change touched, from local git: the base to compare with, and the lines added or
//! modified since it. Shared by the gates that look only at changed lines.
//!
//! The base is `--base`, else the pull request's base (diffed from its merge-base with HEAD, or
//! from the merge's first parent when the checkout is GitHub's `refs/pull/N/merge`), else a
//! push's `before`. The diff runs from that commit to the working tree, which is what
//! diff-cover's default (committed + staged + unstaged) amounts to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::event::Event;
use crate::InputError;

/// Changed (added or modified) line numbers per repository path.
pub type ChangedLines = BTreeMap<String, BTreeSet<u32>>;

/// The commit patch coverage is measured against, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// Commit id.
    pub sha: String,
    /// One line saying where it came from.
    pub how: String,
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The text of `path` (relative to the repository root `root`, `/`-separated) in commit `sha`,
/// read from git's object store (no checkout needed); `None` when the commit has no such file.
/// A commit the clone does not have, or git failing, is an error, never "no such file".
pub fn file_at(root: &Path, sha: &str, path: &str) -> Result<Option<String>, InputError> {
    let out = Command::new("git")
        .args(["cat-file", "blob", &format!("{sha}:{path}")])
        .current_dir(root)
        .output()
        .map_err(|e| InputError::new(root, format!("cannot run git: {e}"), "install git"))?;
    if out.status.success() {
        return String::from_utf8(out.stdout).map(Some).map_err(|_| {
            InputError::new(
                path,
                format!("not UTF-8 at {sha}"),
                "store the file as UTF-8",
            )
        });
    }
    // The one failure that means "no such file" is a commit that exists without it.
    if resolve_commit(root, sha).is_none() {
        return Err(missing_commit(root, "commit", sha));
    }
    let listed = git(root, &["ls-tree", "--name-only", sha, "--", path]).map_err(|e| {
        InputError::new(
            root,
            format!("git ls-tree {sha} failed: {e}"),
            "check the clone",
        )
    })?;
    match listed.trim().is_empty() {
        true => Ok(None),
        false => Err(InputError::new(
            path,
            format!(
                "git cannot read it at {sha}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            "check that it is a file in that commit (not a directory or a submodule)",
        )),
    }
}

/// The top of the git work tree containing `dir`, if any.
pub fn git_root(dir: &Path) -> Option<std::path::PathBuf> {
    // With no `.git` above and no GIT_DIR, git would only say there is no repository: known
    // without spawning it, which was half of a small report's run outside a checkout.
    let dir_abs = std::path::absolute(dir).ok()?;
    let marked = dir_abs.ancestors().any(|d| d.join(".git").exists());
    // The git it would spawn reads this process's environment, not an ActionsEnv.
    #[allow(clippy::disallowed_methods)]
    let git_dir = std::env::var_os("GIT_DIR");
    if !marked && git_dir.is_none() {
        return None;
    }
    git(dir, &["rev-parse", "--show-toplevel"])
        .ok()
        .map(|s| std::path::PathBuf::from(s.trim()))
}

fn resolve_commit(root: &Path, rev: &str) -> Option<String> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .map(|s| s.trim().to_string())
}

fn missing_commit(root: &Path, what: &str, rev: &str) -> InputError {
    let shallow =
        git(root, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s.trim() == "true");
    let why = if shallow {
        "this clone is shallow and does not contain it"
    } else {
        "it is not in this clone"
    };
    InputError::new(
        root,
        format!("cannot tell what the change touched: {what} {rev} is unknown ({why})"),
        format!("check out with actions/checkout `fetch-depth: 0`, or fetch it before this step: `{}` (add `--deepen=<n>` until the merge-base is present)", fetch_command(root, rev)),
    )
}

/// The fetch that brings `rev` into the clone. A remote-tracking name (`origin/main`) is
/// fetched as its branch into that ref: `git fetch origin origin/main` fails.
fn fetch_command(root: &Path, rev: &str) -> String {
    let remotes = git(root, &["remote"]).unwrap_or_default();
    for remote in remotes.lines().map(str::trim).filter(|r| !r.is_empty()) {
        if let Some(branch) = rev.strip_prefix(remote).and_then(|b| b.strip_prefix('/')) {
            return format!("git fetch --no-tags {remote} {branch}:refs/remotes/{remote}/{branch}");
        }
    }
    format!("git fetch --no-tags origin {rev}")
}

/// Why there is no change to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoChange {
    /// The directory is not in a git checkout.
    NotInGit,
    /// No `--base`, and the event names none (no event, or one that is neither a pull request
    /// nor a push with a previous commit).
    NoBase,
    /// A push that created its branch, and the default branch (named here when the payload
    /// does) is not in the clone to compare with.
    NewBranch(Option<String>),
}

impl NoChange {
    /// In words, with what to do.
    pub fn reason(&self) -> String {
        match self {
            NoChange::NotInGit => "not in a git checkout".into(),
            NoChange::NoBase => "no base to compare with: no pull request event and no push with a previous commit; pass --base <REV>".into(),
            NoChange::NewBranch(Some(b)) => format!("this push created the branch, so it has no previous commit, and the default branch {b} is not in this clone to compare with: check out with fetch-depth: 0, or pass --base origin/{b}"),
            NoChange::NewBranch(None) => "this push created the branch, so it has no previous commit, and the payload names no default branch: pass --base <REV>".into(),
        }
    }
}

/// The change a run looks at: the base chosen in the checkout at `root` (`git_root` of `dir`;
/// see `choose_base`) and the lines changed since it. An explicit base outside a git checkout
/// is an error.
pub fn change(
    root: Option<&Path>,
    dir: &Path,
    explicit: Option<&str>,
    event: Option<&Event>,
    github_ref: Option<&str>,
) -> Result<Result<(Base, ChangedLines), NoChange>, InputError> {
    let Some(root) = root else {
        return match explicit {
            Some(_) => Err(InputError::new(
                dir,
                "--base needs a git checkout, and this directory is not in one",
                "run the gate inside the repository's checkout",
            )),
            None => Ok(Err(NoChange::NotInGit)),
        };
    };
    let Some(base) = choose_base(root, explicit, event, github_ref)? else {
        return Ok(Err(match event.filter(|e| e.is_new_branch_push()) {
            Some(e) => NoChange::NewBranch(e.default_branch().map(str::to_string)),
            None => NoChange::NoBase,
        }));
    };
    let changed = changed_lines(root, &base.sha)?;
    Ok(Ok((base, changed)))
}

/// Choose the base commit, or `None` when there is nothing to compare with.
pub fn choose_base(
    root: &Path,
    explicit: Option<&str>,
    event: Option<&Event>,
    github_ref: Option<&str>,
) -> Result<Option<Base>, InputError> {
    if let Some(rev) = explicit {
        let sha = resolve_commit(root, rev).ok_or_else(|| missing_commit(root, "--base", rev))?;
        let mb = git(root, &["merge-base", &sha, "HEAD"])
            .map_err(|_| missing_commit(root, "the merge-base of --base", rev))?;
        let mb = mb.trim().to_string();
        return Ok(Some(Base {
            how: format!("merge-base {} of {rev} and HEAD", short(&mb)),
            sha: mb,
        }));
    }
    if let Some(pr) = event.and_then(|e| e.pull_request.as_ref()) {
        let parents = git(root, &["rev-list", "--parents", "-n", "1", "HEAD"]).unwrap_or_default();
        let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
        if github_ref.is_some_and(|r| r.starts_with("refs/pull/") && r.ends_with("/merge"))
            && parents.len() == 2
        {
            // GitHub's test merge: its first parent is the base branch as merged into.
            return Ok(Some(Base {
                sha: parents[0].to_string(),
                how: format!("first parent of the test merge of PR #{}", pr.number),
            }));
        }
        let sha = resolve_commit(root, &pr.base.sha)
            .ok_or_else(|| missing_commit(root, "the pull request base", &pr.base.sha))?;
        let mb = git(root, &["merge-base", &sha, "HEAD"]).map_err(|_| {
            missing_commit(
                root,
                "the merge-base with the pull request base",
                &pr.base.sha,
            )
        })?;
        let mb = mb.trim().to_string();
        // The commit shown is the one diffed from, not the base branch's tip.
        return Ok(Some(Base {
            how: format!(
                "merge-base {} of HEAD and {} (tip {})",
                short(&mb),
                if pr.base.git_ref.is_empty() {
                    "the base branch"
                } else {
                    &pr.base.git_ref
                },
                short(&pr.base.sha)
            ),
            sha: mb,
        }));
    }
    if let Some(before) = event.and_then(Event::push_before) {
        let sha = resolve_commit(root, before)
            .ok_or_else(|| missing_commit(root, "the push's previous commit", before))?;
        return Ok(Some(Base {
            sha,
            how: format!("the commit before the push ({})", short(before)),
        }));
    }
    if let Some(branch) = event
        .filter(|e| e.is_new_branch_push())
        .and_then(Event::default_branch)
    {
        // A new branch has no previous commit: what it adds is what it holds beyond the
        // default branch, when that is in the clone.
        let found = [
            format!("refs/remotes/origin/{branch}"),
            format!("refs/heads/{branch}"),
        ]
        .into_iter()
        .find_map(|r| resolve_commit(root, &r));
        if let Some(tip) = found {
            if let Ok(mb) = git(root, &["merge-base", &tip, "HEAD"]) {
                let mb = mb.trim().to_string();
                return Ok(Some(Base {
                    how: format!(
                        "merge-base {} of HEAD and the default branch {branch} (tip {}): the push created the branch",
                        short(&mb),
                        short(&tip)
                    ),
                    sha: mb,
                }));
            }
        }
    }
    Ok(None)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Lines added or modified since `base`, working tree included; renames are followed, so a
/// moved file's unchanged lines do not count.
pub fn changed_lines(root: &Path, base: &str) -> Result<ChangedLines, InputError> {
    let diff = git(
        root,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            // Whatever the user's git config says (diff.noprefix, diff.mnemonicPrefix,
            // diff.relative, diff.interHunkContext), paths are b/<root-relative>.
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--no-relative",
            "--inter-hunk-context=0",
            "-M",
            "-U0",
            base,
            "--",
        ],
    )
    .map_err(|e| {
        InputError::new(
            root,
            format!("git diff {base} failed: {e}"),
            "check that the base commit is in this clone",
        )
    })?;
    Ok(parse_diff(&diff))
}

/// Parse `git diff` output into added line numbers per new path.
///
/// Hunks are read by their `@@` counts, so an added line whose text starts with `++ ` (shown as
/// `+++ ...`) is a line, not a file header; context lines (from `diff.interHunkContext` or
/// `-U`) are counted too. A path git ends with a TAB (names with spaces) loses the TAB.
pub fn parse_diff(diff: &str) -> ChangedLines {
    let mut out = ChangedLines::new();
    let mut current: Option<String> = None;
    // Lines of the current hunk still to come on the old and new side, and the next new line.
    let (mut old_left, mut new_left, mut next) = (0u32, 0u32, 0u32);
    for line in diff.lines() {
        if old_left > 0 || new_left > 0 {
            match line.as_bytes().first() {
                Some(b'+') => {
                    if let Some(path) = &current {
                        out.entry(path.clone()).or_default().insert(next);
                    }
                    next += 1;
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b'\\') => {}
                _ => {
                    next += 1;
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("+++ ") {
            let rest = rest.strip_suffix('\t').unwrap_or(rest);
            current = if rest == "/dev/null" {
                None
            } else {
                let path = unquote(rest);
                Some(path.strip_prefix("b/").map(str::to_string).unwrap_or(path))
            };
        } else if line.starts_with("diff --git ") {
            current = None;
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let mut ranges = hunk.split(' ');
            let (Some(minus), Some(plus)) = (ranges.next(), ranges.next()) else {
                continue;
            };
            let range = |r: &str| match r[1..].split_once(',') {
                Some((s, c)) => (s.parse::<u32>().unwrap_or(0), c.parse::<u32>().unwrap_or(0)),
                None => (r[1..].parse::<u32>().unwrap_or(0), 1),
            };
            (old_left, (next, new_left)) = (range(minus).1, range(plus));
        }
    }
    out
}

/// Undo git's C-style quoting of unusual path names.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::new();
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push(v as u8);
            }
            Some(o) => bytes.push(o),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_become_added_lines_and_deletions_are_ignored() {
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -3,0 +4,2 @@ def f\n+x\n+y\n@@ -10 +12 @@\n-a\n+b\n@@ -20,3 +21,0 @@\n-q\ndiff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\ndiff --git \"a/sp\\303\\251c.py\" \"b/sp\\303\\251c.py\"\n+++ \"b/sp\\303\\251c.py\"\n@@ -0,0 +1 @@\n+n\n";
        let c = parse_diff(diff);
        assert_eq!(c["a.py"].iter().copied().collect::<Vec<_>>(), [4, 5, 12]);
        assert!(!c.contains_key("gone.py"));
        assert_eq!(c["spéc.py"].len(), 1);
    }

    #[test]
    fn a_remote_tracking_base_is_fetched_as_its_branch() {
        let dir = tempfile::tempdir().unwrap();
        for args in [
            &["init", "-q"][..],
            &["remote", "add", "origin", "https://example.com/r.git"],
        ] {
            git(dir.path(), args).unwrap();
        }
        assert_eq!(
            fetch_command(dir.path(), "origin/main"),
            "git fetch --no-tags origin main:refs/remotes/origin/main"
        );
        assert_eq!(
            fetch_command(dir.path(), "4b825dc6"),
            "git fetch --no-tags origin 4b825dc6"
        );
    }

    #[test]
    fn a_file_at_a_commit_is_its_text_none_when_absent_and_an_error_when_the_commit_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/api.yaml"), "openapi: 3.0.3\n").unwrap();
        for args in [
            &["init", "-q"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "one",
            ],
        ] {
            git(dir.path(), args).unwrap();
        }
        let sha = git(dir.path(), &["rev-parse", "HEAD"]).unwrap();
        let sha = sha.trim();
        assert_eq!(
            file_at(dir.path(), sha, "docs/api.yaml")
                .unwrap()
                .as_deref(),
            Some("openapi: 3.0.3\n")
        );
        assert_eq!(file_at(dir.path(), sha, "docs/gone.yaml").unwrap(), None);
        let e = file_at(dir.path(), sha, "docs").unwrap_err();
        assert!(e.message.contains("cannot read it"), "{e:?}");
        let e = file_at(
            dir.path(),
            "0123456789abcdef0123456789abcdef01234567",
            "docs/api.yaml",
        )
        .unwrap_err();
        assert!(e.message.contains("is unknown"), "{e:?}");
    }

    #[test]
    fn an_added_line_starting_with_plus_plus_is_a_line_not_a_file_header() {
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -0,0 +1,2 @@\n+++ x\n+y\n@@ -5,0 +8 @@\n+z\n";
        let c = parse_diff(diff);
        assert_eq!(c["a.py"].iter().copied().collect::<Vec<_>>(), [1, 2, 8]);
        assert_eq!(c.len(), 1, "{c:?}");
    }

    #[test]
    fn a_file_name_with_a_space_loses_the_tab_git_ends_it_with() {
        let diff = "diff --git a/my file.py b/my file.py\nnew file mode 100644\n--- /dev/null\n+++ b/my file.py\t\n@@ -0,0 +1,2 @@\n+a\n+b\n";
        assert_eq!(parse_diff(diff)["my file.py"].len(), 2);
    }

    #[test]
    fn context_lines_between_hunks_are_counted_not_added() {
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,4 @@\n+n\n a\n-b\n+c\n c\n";
        assert_eq!(
            parse_diff(diff)["a.py"].iter().copied().collect::<Vec<_>>(),
            [1, 3]
        );
    }

    #[test]
    fn the_work_tree_is_found_from_inside_it_and_none_outside_any() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("plain");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(outside.join("a")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        let init = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .status()
            .unwrap();
        assert!(init.success());
        let root = std::fs::canonicalize(&repo).unwrap();
        let found = |d: &Path| git_root(d).map(|p| std::fs::canonicalize(p).unwrap());
        assert_eq!(found(&repo.join("src/deep")), Some(root.clone()));
        assert_eq!(found(&repo), Some(root));
        // No `.git` above (the temp dir is outside this checkout): none, without asking git.
        assert_eq!(git_root(&outside.join("a")), None);
    }
}
