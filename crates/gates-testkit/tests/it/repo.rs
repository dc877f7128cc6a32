//! Guards on the repository's own scripts and workflows, for defects seen once and fixed:
//! `.ci/run` raced on `cmd | head -1` under pipefail, and the quality-gates workflow needed an
//! edit in three places for each gate.

use gates_testkit::cmd::workspace_root;

/// A pipe into a reader that may stop early (`head`, `grep -q`, `grep -m`) makes the writer die
/// of SIGPIPE when the reader closes first: under `set -o pipefail` the step fails, sometimes.
#[test]
fn ci_run_has_no_pipe_into_an_early_closing_reader() {
    let script = std::fs::read_to_string(workspace_root().join(".ci/run")).unwrap();
    for (n, line) in script.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or_default();
        if code.trim_start().starts_with('#') {
            continue;
        }
        for reader in [
            "| head",
            "|head",
            "| grep -q",
            "| grep -m",
            "| sed -n 1p",
            "| sed q",
        ] {
            assert!(
                !code.contains(reader),
                ".ci/run:{}: `{reader}` can race under pipefail: capture the output whole instead\n{line}",
                n + 1
            );
        }
    }
}

/// Every gate step of the quality-gates workflow writes its result under gates-results/, and
/// the verdict step reads them all from there: adding a gate is one block.
#[test]
fn quality_gates_judges_every_result_file_so_a_gate_is_one_block() {
    let text =
        std::fs::read_to_string(workspace_root().join(".github/workflows/quality-gates.yml"))
            .unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let steps = wf["jobs"]["gates"]["steps"].as_sequence().unwrap();
    let mut gates = 0;
    for step in steps {
        let uses = step["uses"].as_str().unwrap_or_default();
        if !uses.starts_with("org/gates/") || uses.starts_with("org/gates/pr-comment") {
            continue;
        }
        gates += 1;
        let result = step["with"]["result"].as_str().unwrap_or_default();
        assert!(
            result.starts_with("${{ github.workspace }}/gates-results/"),
            "{uses}: its result file must go under gates-results/ ({result:?})"
        );
        assert_eq!(
            step["continue-on-error"].as_bool(),
            Some(true),
            "{uses}: the last step judges it"
        );
    }
    assert!(gates >= 5, "coverage, security, breaking-change, perf, k8s");
    let last = steps.last().unwrap();
    let run = last["run"].as_str().unwrap();
    assert!(run.contains("gates-results/*.json"), "{run}");
    assert!(
        last.get("env").is_none(),
        "no per-gate list of verdicts to keep in step"
    );
}
