//! Cross-tool dedupe: the same advisory for the same package, found by several scanners, counts
//! once. Advisories are the same when their id sets (CVE, GHSA, OSV, RUSTSEC, PYSEC aliases)
//! overlap.

use std::collections::HashMap;

use crate::fingerprint::package_key;
use crate::model::{Finding, Kind};

/// Merge duplicate dependency findings; the survivor (the first reported) keeps the highest
/// severity, every alias and every reporting tool.
pub fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // (package key, advisory id) → the earliest finding in `out` carrying it: one lookup per id,
    // not a scan of every earlier finding (image scans report tens of thousands).
    let mut index: HashMap<((String, String, String), String), usize> = HashMap::new();
    for f in findings {
        if f.kind != Kind::Dependency {
            out.push(f);
            continue;
        }
        let Some(key) = f.package.as_deref().map(package_key) else {
            out.push(f);
            continue;
        };
        let same = f
            .ids
            .iter()
            .filter_map(|id| index.get(&(key.clone(), id.clone())).copied())
            .min();
        let at = match same {
            Some(at) => {
                let o = &mut out[at];
                if f.severity < o.severity {
                    o.severity = f.severity;
                    o.severity_source = format!("{} (via {})", f.severity_source, f.tool).into();
                }
                for i in &f.ids {
                    if !o.ids.contains(i) {
                        o.ids.push(i.clone());
                    }
                }
                for t in f.reported_by() {
                    if !o.reported_by().any(|x| x == t) {
                        o.also_reported_by.push(t.into());
                    }
                }
                if o.suppressed.is_none() {
                    o.suppressed = f.suppressed;
                }
                at
            }
            None => {
                out.push(f);
                out.len() - 1
            }
        };
        for id in &out[at].ids {
            index
                .entry((key.clone(), id.clone()))
                .and_modify(|i| *i = (*i).min(at))
                .or_insert(at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Package, Severity};

    fn advisory(tool: &str, ids: &[&str], severity: Severity) -> Finding {
        let mut f = Finding::code(tool.into(), ids[0].into(), severity, "test".into());
        f.kind = Kind::Dependency;
        f.ids = ids.iter().map(|i| i.to_string()).collect();
        f.package = Some(Box::new(Package {
            ecosystem: "pip".into(),
            name: "Requests_Lib".into(),
            version: "1.0".into(),
        }));
        f
    }

    #[test]
    fn overlapping_aliases_merge_into_the_first_report() {
        let mut other_package = advisory("grype", &["CVE-1"], Severity::Low);
        other_package.package.as_mut().unwrap().version = "2.0".into();
        let mut pypi_spelling = advisory("osv", &["PYSEC-9", "CVE-2"], Severity::High);
        pypi_spelling.package.as_mut().unwrap().name = "requests-lib".into();
        let out = dedupe(vec![
            advisory("trivy", &["CVE-1"], Severity::Medium),
            advisory("grype", &["GHSA-2"], Severity::Low),
            advisory("osv", &["GHSA-2", "CVE-1"], Severity::Critical),
            advisory("pip-audit", &["GHSA-2"], Severity::Low),
            other_package,
            pypi_spelling,
            advisory("safety", &["CVE-2"], Severity::Low),
        ]);
        let summary: Vec<(Vec<&str>, Vec<&str>, Severity)> = out
            .iter()
            .map(|f| {
                (
                    f.ids.iter().map(String::as_str).collect(),
                    f.reported_by().collect(),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                // osv's finding joins trivy's (first to carry CVE-1) and brings GHSA-2, so
                // pip-audit's joins it too; grype's GHSA-2 finding came before and stays.
                (
                    vec!["CVE-1", "GHSA-2"],
                    vec!["trivy", "osv", "pip-audit"],
                    Severity::Critical
                ),
                (vec!["GHSA-2"], vec!["grype"], Severity::Low),
                (vec!["CVE-1"], vec!["grype"], Severity::Low),
                (
                    vec!["PYSEC-9", "CVE-2"],
                    vec!["osv", "safety"],
                    Severity::High
                ),
            ]
        );
        assert_eq!(&*out[0].severity_source, "test (via osv)");
    }
}
