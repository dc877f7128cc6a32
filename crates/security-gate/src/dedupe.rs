//! Cross-tool dedupe: the same advisory for the same package, found by several scanners, counts
//! once. Advisories are the same when their id sets (CVE, GHSA, OSV, RUSTSEC, PYSEC aliases)
//! overlap.

use crate::fingerprint::package_key;
use crate::model::{Finding, Kind};

/// Merge duplicate dependency findings; the survivor keeps the highest severity, every alias and
/// every reporting tool.
pub fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if f.kind != Kind::Dependency {
            out.push(f);
            continue;
        }
        let key = f.package.as_ref().map(package_key);
        let same = out.iter_mut().find(|o| {
            o.kind == Kind::Dependency
                && o.package.as_ref().map(package_key) == key
                && o.ids.iter().any(|i| f.ids.contains(i))
        });
        match same {
            Some(o) => {
                if f.severity < o.severity {
                    o.severity = f.severity;
                    o.severity_source = format!("{} (via {})", f.severity_source, f.tool);
                }
                for i in f.ids {
                    if !o.ids.contains(&i) {
                        o.ids.push(i);
                    }
                }
                for t in f.reported_by {
                    if !o.reported_by.contains(&t) {
                        o.reported_by.push(t);
                    }
                }
                if o.suppressed.is_none() {
                    o.suppressed = f.suppressed;
                }
            }
            None => out.push(f),
        }
    }
    out
}
