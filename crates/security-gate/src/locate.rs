//! Dependency findings name their manifest but no line. When the manifest is in the checkout,
//! the line that names the package is found, so the annotation lands on it (and a diff filter
//! can tell whether the change touched it).

use std::collections::HashMap;
use std::path::Path;

use crate::model::{Finding, Kind, Name};

/// Manifests larger than this are not searched (lockfiles of that size are generated).
const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

/// Give dependency findings without a line the line of their package in their manifest.
pub fn manifest_lines(findings: &mut [Finding], root: &Path) {
    let mut files: HashMap<Name, Option<String>> = HashMap::new();
    for f in findings
        .iter_mut()
        .filter(|f| f.kind == Kind::Dependency && f.start_line.is_none())
    {
        let (Some(path), Some(pkg)) = (&f.path, &f.package) else {
            continue;
        };
        let text = files
            .entry(path.clone())
            .or_insert_with(|| read_small(&root.join(path.trim_start_matches('/'))));
        if let Some(n) = text
            .as_deref()
            .and_then(|t| package_line(t, &pkg.name, &pkg.version))
        {
            f.start_line = Some(n);
            f.end_line = Some(n);
        }
    }
}

fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The first line naming the package with its version on the same line (`PyYAML==5.3`) or the
/// next (`name = "time"` then `version = "0.1.45"` in Cargo.lock, `"node_modules/x": {` then
/// `"version"` in package-lock.json); else the first line naming it (`"lodash": "^4.17.0"`).
/// Names compare as registries compare them: case and `-`/`_`/`.` folded.
pub fn package_line(text: &str, name: &str, version: &str) -> Option<u32> {
    let want = fold(name);
    let mut first = None;
    let mut named_above = false;
    for (n, line) in (1u32..).zip(text.lines()) {
        let (mut named, mut versioned) = (false, false);
        for t in line
            .split(|c: char| !(c.is_alphanumeric() || "-_.@/".contains(c)))
            .filter(|t| !t.is_empty())
        {
            // npm lockfiles name packages by path: `node_modules/@scope/name`.
            let t = t.strip_prefix("node_modules/").unwrap_or(t);
            named |= fold(t) == want;
            versioned |= !version.is_empty() && t == version;
        }
        match (named, versioned) {
            (true, true) => return Some(n),
            (false, true) if named_above => return Some(n - 1),
            (true, false) if first.is_none() => first = Some(n),
            _ => {}
        }
        named_above = named;
    }
    first
}

fn fold(s: &str) -> String {
    s.to_lowercase().replace(['_', '.'], "-")
}

#[cfg(test)]
mod tests {
    use super::package_line;

    #[test]
    fn finds_the_line_that_names_the_package() {
        let req = "# pinned\nrequests==2.25.0\nPyYAML==5.3  # loader\nyaml-utils==1.0\n";
        assert_eq!(package_line(req, "pyyaml", "5.3"), Some(3));
        assert_eq!(package_line(req, "Requests", "2.25.0"), Some(2));
        assert_eq!(package_line(req, "yaml_utils", ""), Some(4));
        assert_eq!(package_line(req, "yaml", "5.3"), None);
        let pkg = "{\n  \"dependencies\": {\n    \"@types/node\": \"^20\",\n    \"lodash\": \"^4.17.0\"\n  }\n}\n";
        assert_eq!(package_line(pkg, "lodash", "4.17.20"), Some(4));
        assert_eq!(package_line(pkg, "@types/node", "20.1.0"), Some(3));
        // Lockfiles: the entry (version on the next line) wins over an earlier mention.
        let lock = "[[package]]\nname = \"chrono\"\nversion = \"0.4.0\"\ndependencies = [\n \"time\",\n]\n\n[[package]]\nname = \"time\"\nversion = \"0.1.45\"\n";
        assert_eq!(package_line(lock, "time", "0.1.45"), Some(9));
        assert_eq!(package_line(lock, "time", "9"), Some(5));
        let npm = "{\n  \"packages\": {\n    \"node_modules/lodash\": {\n      \"version\": \"4.17.20\"\n    }\n  }\n}\n";
        assert_eq!(package_line(npm, "lodash", "4.17.20"), Some(3));
    }
}
