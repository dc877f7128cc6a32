//! One scan counts the same whichever of its formats is read (issue 10).

use crate::common;

use std::collections::BTreeMap;

use common::{fixture, root};
use security_gate::formats;
use security_gate::gate::count;

fn counts(name: &str) -> BTreeMap<&'static str, u64> {
    let r = formats::parse_file(
        &fixture(name),
        None,
        &root().join("fixtures/projects/insecure"),
    )
    .unwrap();
    count(r.findings.iter())
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (s.name(), n))
        .collect()
}

/// Semgrep documents ERROR/WARNING/INFO as High/Medium/Low, and its SARIF writes INFO as
/// `note` (low): its `--json` made INFO "info", so the same scan counted 1 info or 1 low.
#[test]
fn semgrep_info_is_low_in_both_of_its_formats() {
    let json = counts("semgrep.json");
    assert_eq!(json, counts("semgrep.sarif"));
    assert_eq!(
        json,
        BTreeMap::from([("high", 4), ("medium", 1), ("low", 1)])
    );
}
