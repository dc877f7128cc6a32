//! Property tests of every writer: what the runner reads back is exactly what was meant, for
//! any text a report could hold.

use gates_core::annotations::{select, PER_LEVEL};
use gates_core::commands::{
    annotation, escape_data, escape_property, AnnotationProps, MAX_MESSAGE_CHARS,
};
use gates_core::outputs;
use gates_core::summary::render;
use gates_core::text::{cap, visible};
use gates_core::{Context, Finding, Level, Outcome, Section, Verdict};
use proptest::prelude::*;

/// The runner's unescaping (actions/runner ActionCommand.cs), applied in its order.
fn unescape(s: &str, property: bool) -> String {
    let mut s = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

/// Split an annotation line the way the runner's TryParseV2 does.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.trim_start().strip_prefix("::").unwrap();
    let end = rest.find("::").unwrap();
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (cmd, props) = info.split_once(' ').unwrap_or((info, ""));
    let props = props.split(',').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap();
        (k.to_string(), unescape(v, true))
    });
    (cmd.to_string(), props.collect(), unescape(data, false))
}

proptest! {
    #[test]
    fn data_escaping_round_trips_on_one_line(s in any::<String>()) {
        let e = escape_data(&s);
        prop_assert!(!e.contains('\n') && !e.contains('\r'));
        // Bidi controls and separators come back visible, not obeyed (gates_core::text).
        prop_assert_eq!(unescape(&e, false), visible(&s));
    }

    #[test]
    fn property_escaping_round_trips_without_separators(s in any::<String>()) {
        let e = escape_property(&s);
        prop_assert!(!e.contains(',') && !e.contains(':') && !e.contains('\n'));
        prop_assert_eq!(unescape(&e, true), visible(&s));
    }

    #[test]
    fn annotations_parse_back_exactly(file in any::<String>(), title in any::<String>(), msg in any::<String>(), line in 1u32..10_000, span in 0u32..5) {
        let p = AnnotationProps { file: Some(&file), title: Some(&title), line: Some(line), end_line: Some(line + span), col: Some(3), end_column: Some(9) };
        let text = annotation(Level::Warning, &p, &msg);
        prop_assert!(!text.contains('\n'));
        let (cmd, props, data) = parse_command(&text);
        prop_assert_eq!(cmd, "warning");
        let capped = cap(&msg, MAX_MESSAGE_CHARS);
        prop_assert_eq!(data, visible(&capped));
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        prop_assert_eq!(get("file"), Some(visible(&file).into_owned()));
        prop_assert_eq!(get("title"), Some(visible(&title).into_owned()));
        prop_assert_eq!(get("col").is_some(), span == 0, "columns only on single-line annotations");
    }

    #[test]
    fn outputs_parse_back_exactly(values in proptest::collection::vec(any::<String>(), 1..5)) {
        let names = ["a", "b-c", "d_e", "f1", "verdict"];
        let pairs: Vec<(&str, String)> = names.iter().copied().zip(values.iter().cloned()).collect();
        let text = outputs::render(&pairs).unwrap();
        let back = outputs::parse(&text).unwrap();
        prop_assert_eq!(back, pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Vec<_>>());
    }

    #[test]
    fn annotation_budget_holds_for_any_mix(levels in proptest::collection::vec(0u8..3, 0..60)) {
        let findings: Vec<Finding> = levels.iter().enumerate().map(|(i, l)| Finding {
            rule: "r/x".into(), level: [Level::Error, Level::Warning, Level::Notice][*l as usize], message: i.to_string(),
            path: None, start_line: None, end_line: None, title: None, tool_rule: None, pointer: None, base_pointer: None,
        }).collect();
        let s = select(&findings);
        for l in [Level::Error, Level::Warning, Level::Notice] {
            let n = s.shown.iter().filter(|f| f.level == l).count();
            // One notice slot stays free for the overflow notice.
            let cap = if l == Level::Notice && s.omitted > 0 { PER_LEVEL - 1 } else { PER_LEVEL };
            prop_assert!(n <= cap);
        }
        prop_assert_eq!(s.shown.len() + s.omitted, findings.len());
    }

    #[test]
    fn summary_stays_within_any_budget_and_keeps_the_verdict(budget in 200usize..20_000, rows in 0usize..3000) {
        let body: String = (0..rows).map(|i| format!("| row {i} | {} |\n", "x".repeat(i % 50))).collect();
        let o = outcome(vec![
            Section { heading: "Totals".into(), body: "| a | b |\n|---|---|\n".into(), essential: true },
            Section { heading: "Everything".into(), body, essential: false },
        ]);
        let md = render(&o, budget, "see the artifact");
        prop_assert!(md.len() <= budget, "{} > {}", md.len(), budget);
        prop_assert!(md.starts_with("### ❌ Coverage"));
    }
}

fn outcome(sections: Vec<Section>) -> Outcome {
    Outcome {
        gate: "coverage".into(),
        verdict: Verdict::Fail,
        title: "Coverage: lines 10%".into(),
        reasons: vec!["lines 10% < 80%".into()],
        metrics: Default::default(),
        findings: vec![],
        sections,
        context: Context::default(),
        notes: vec![],
        outputs: vec![],
        informational: false,
    }
}

#[test]
fn over_budget_summary_drops_details_first() {
    let o = outcome(vec![
        Section {
            heading: "Totals".into(),
            body: "essential table\n".into(),
            essential: true,
        },
        Section {
            heading: "All files".into(),
            body: "y\n".repeat(10_000),
            essential: false,
        },
    ]);
    let md = render(&o, 4_000, "see the artifact");
    assert!(md.contains("essential table"));
    assert!(!md.contains("All files"));
    assert!(md.contains("see the artifact"));
}

/// Human mode printed every finding (420,006 lines for 420k): the worst MAX_FINDINGS and a count.
#[test]
fn the_terminal_report_lists_the_worst_findings_and_counts_the_rest() {
    let mut o = outcome(vec![]);
    o.findings = (0..1000)
        .map(|i| Finding {
            rule: "r".into(),
            level: Level::Warning,
            message: format!("finding {i}"),
            path: None,
            start_line: None,
            end_line: None,
            title: None,
            tool_rule: None,
            pointer: None,
            base_pointer: None,
        })
        .collect();
    let mut out = Vec::new();
    gates_core::terminal::render(&mut out, &o, gates_core::terminal::Style { color: false })
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let listed = text.lines().filter(|l| l.contains("finding ")).count();
    assert_eq!(listed, gates_core::terminal::MAX_FINDINGS);
    assert!(text.contains("finding 0") && !text.contains("finding 999"));
    assert!(text.contains("950 more findings"), "{text}");
}
