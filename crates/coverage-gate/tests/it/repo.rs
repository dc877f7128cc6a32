//! A real git repository built for a test: `fixtures/projects/python` committed on `main`, a
//! feature branch with the change in `pr_change/`, and coverage.py run on it.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A scratch repository; removed on drop.
pub struct Repo {
    _dir: TempDir,
    /// Its work tree.
    pub path: PathBuf,
    /// `main`'s commit.
    pub base_sha: String,
    /// The feature branch's commit.
    pub head_sha: String,
}

pub use gates_testkit::cmd::run;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "__pycache__" || name == ".coverage" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

impl Repo {
    /// Build the repository with the feature branch checked out and `coverage.xml` written.
    pub fn python_pr() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop-repo");
        copy_dir(&crate::fixtures().join("projects/python"), &path);
        std::fs::write(
            path.join(".gitignore"),
            "__pycache__/\n.coverage\ncoverage.xml\ncoverage.json\n*.lcov\n",
        )
        .unwrap();
        gates_testkit::cmd::git_init(&path);
        let git = |args: &[&str]| run(&path, "git", args);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "base"]);
        let base_sha = git(&["rev-parse", "HEAD"]).trim().to_string();
        git(&["checkout", "-q", "-b", "feature"]);
        let change = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/pr_change");
        std::fs::copy(change.join("pricing.py"), path.join("shop/pricing.py")).unwrap();
        std::fs::copy(change.join("shipping.py"), path.join("shop/shipping.py")).unwrap();
        std::fs::copy(
            change.join("test_change.py"),
            path.join("tests/test_change.py"),
        )
        .unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "change"]);
        let head_sha = git(&["rev-parse", "HEAD"]).trim().to_string();
        run(
            &path,
            "coverage",
            &["run", "--branch", "-m", "unittest", "-q"],
        );
        run(&path, "coverage", &["xml", "-q", "-o", "coverage.xml"]);
        Repo {
            _dir: dir,
            path,
            base_sha,
            head_sha,
        }
    }

    /// Check out GitHub's test merge of the feature into main, as `refs/pull/N/merge` would be.
    pub fn checkout_test_merge(&self) {
        run(
            &self.path,
            "git",
            &["checkout", "-q", "-b", "pr-merge", &self.base_sha],
        );
        run(
            &self.path,
            "git",
            &[
                "merge",
                "-q",
                "--no-ff",
                "-m",
                "Merge feature into main",
                "feature",
            ],
        );
    }
}
