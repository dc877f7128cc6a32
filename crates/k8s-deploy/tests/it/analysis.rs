//! Analysis from Argo Rollouts AnalysisTemplates against gates-testkit's fake Prometheus:
//! each limit and kind of answer, baselines, the address override, credentials, and the
//! template errors a user sees with their file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gates_testkit::prometheus::{Answer, FakePrometheus};
use k8s_deploy::analysis::{self, Auth, Baseline, Run, Settings, Template, Verdict};
use tokio::time::Instant;

const HEADER: &str = "apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: t
spec:
  args:
    - name: service
  metrics:
";

/// A template of `metrics` (YAML indented under `spec.metrics`), written to `dir`.
fn template(dir: &Path, metrics: &str) -> PathBuf {
    let path = dir.join("analysis.yml");
    std::fs::write(&path, format!("{HEADER}{metrics}")).unwrap();
    path
}

/// One metric with `extra` lines (already indented by six spaces) and `query`.
fn metric(name: &str, extra: &str, query: &str) -> String {
    format!(
        "    - name: {name}\n{extra}      provider:\n        prometheus:\n          query: '{query}'\n"
    )
}

fn settings(prom: &FakePrometheus) -> Settings {
    Settings {
        args: BTreeMap::from([("service".to_string(), "gateway".to_string())]),
        prometheus_url: Some(prom.url().to_string()),
        auth: Auth::None,
    }
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

async fn analyse(path: &Path, s: &Settings) -> Run {
    let t = Template::load(path).unwrap();
    let b = analysis::baseline(&t, s).await.unwrap();
    analysis::run(&t, s, &b, "step 2 (40%)", deadline())
        .await
        .unwrap()
}

fn verdicts(run: &Run) -> Vec<Verdict> {
    run.measurements.iter().map(|m| m.verdict).collect()
}

const ERROR_RATE: &str = "rate(errors{service=\"{{args.service}}\"}[1m])";
const FILLED: &str = "rate(errors{service=\"gateway\"}[1m])";

#[tokio::test]
async fn a_metric_succeeds_over_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let prom = FakePrometheus::start();
    prom.on_exact(FILLED, [Answer::value(0.01), Answer::value(0.02)]);
    let p = template(
        dir.path(),
        &metric(
            "error-rate",
            "      interval: 50ms\n      count: 3\n      successCondition: result[0] < 0.05\n",
            ERROR_RATE,
        ),
    );
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert!(run.passed() && run.reason.is_none());
    assert_eq!(verdicts(&run), [Verdict::Successful; 3]);
    assert_eq!(run.measurements[0].query, FILLED);
    assert_eq!(run.measurements[0].value, "[0.01]");
    assert_eq!(run.measurements[2].value, "[0.02]");
    assert_eq!(run.phase, "step 2 (40%)");
    assert_eq!(prom.queries(), [FILLED; 3]);
}

#[tokio::test]
async fn a_failure_over_the_failure_limit_fails_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::value(0.01), Answer::value(0.09)]);
    let p = template(
        dir.path(),
        &metric(
            "error-rate",
            "      interval: 50ms\n      count: 5\n      successCondition: result[0] < 0.05\n",
            ERROR_RATE,
        ),
    );
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Failed);
    assert_eq!(verdicts(&run), [Verdict::Successful, Verdict::Failed]);
    let reason = run.reason.unwrap();
    assert!(
        reason.contains("error-rate")
            && reason.contains("[0.09]")
            && reason.contains("failureLimit (0)"),
        "{reason}"
    );
}

#[tokio::test]
async fn the_failure_limit_allows_one_failure_but_not_two() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "      interval: 50ms\n      count: 3\n      failureLimit: 1\n      failureCondition: result[0] >= 0.05\n";
    let p = template(dir.path(), &metric("error-rate", extra, ERROR_RATE));
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::value(0.09), Answer::value(0.01)]);
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(
        verdicts(&run),
        [Verdict::Failed, Verdict::Successful, Verdict::Successful]
    );

    let prom = FakePrometheus::start();
    prom.on_containing(
        "errors",
        [Answer::value(0.09), Answer::value(0.01), Answer::value(0.2)],
    );
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Failed);
    assert_eq!(
        verdicts(&run),
        [Verdict::Failed, Verdict::Successful, Verdict::Failed]
    );
}

#[tokio::test]
async fn no_data_is_inconclusive_and_fails_unless_the_inconclusive_limit_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let strict = "      interval: 50ms\n      count: 2\n      successCondition: result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", strict, ERROR_RATE));
    for no_data in [Answer::Empty, Answer::value(f64::NAN)] {
        let prom = FakePrometheus::start();
        prom.on_containing("errors", [no_data.clone(), Answer::value(0.01)]);
        let run = analyse(&p, &settings(&prom)).await;
        assert_eq!(run.verdict, Verdict::Failed, "{no_data:?}");
        assert_eq!(verdicts(&run), [Verdict::Inconclusive]);
        assert!(run
            .reason
            .as_deref()
            .unwrap()
            .contains("inconclusive (1) > inconclusiveLimit (0)"));
        let shown = &run.measurements[0].value;
        assert!(shown == "no data" || shown == "[NaN]", "{shown}");
    }

    let lenient = "      interval: 50ms\n      count: 2\n      inconclusiveLimit: 1\n      successCondition: result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", lenient, ERROR_RATE));
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::Empty, Answer::value(0.01)]);
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(verdicts(&run), [Verdict::Inconclusive, Verdict::Successful]);
}

#[tokio::test]
async fn a_condition_that_handles_no_data_itself_decides() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "      successCondition: len(result) == 0 || result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", extra, ERROR_RATE));
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::Empty]);
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(verdicts(&run), [Verdict::Successful]);
}

#[tokio::test]
async fn a_scalar_result_is_the_float_and_several_series_an_array() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = metric(
        "ratio",
        "      successCondition: result < 0.05\n",
        "scalar(x)",
    ) + &metric(
        "per-pod",
        "      successCondition: all(result, {# < 0.05})\n",
        "per_pod",
    );
    let p = template(dir.path(), &metrics);
    let prom = FakePrometheus::start();
    prom.on_exact("scalar(x)", [Answer::Scalar(0.01)]);
    prom.on_exact(
        "per_pod",
        [Answer::series(&[
            (&[("pod", "a")], 0.031),
            (&[("pod", "b")], 0.02),
        ])],
    );
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    let mut values: Vec<&str> = run.measurements.iter().map(|m| m.value.as_str()).collect();
    values.sort();
    assert_eq!(values, ["0.01", "[0.031, 0.02]"]);

    let prom = FakePrometheus::start();
    prom.on_exact("scalar(x)", [Answer::Scalar(0.01)]);
    prom.on_exact("per_pod", [Answer::values(&[0.031, 0.2])]);
    assert_eq!(analyse(&p, &settings(&prom)).await.verdict, Verdict::Failed);
}

#[tokio::test]
async fn prometheus_down_is_an_error_after_the_consecutive_error_limit() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "      interval: 50ms\n      count: 3\n      consecutiveErrorLimit: 2\n      successCondition: result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", extra, ERROR_RATE));
    let down = FakePrometheus::start();
    let mut s = settings(&down);
    drop(down);
    let run = analyse(&p, &s).await;
    assert_eq!(run.verdict, Verdict::Error);
    assert_eq!(verdicts(&run), [Verdict::Error; 3]);
    assert!(
        run.measurements[0]
            .value
            .starts_with("Prometheus did not answer"),
        "{}",
        run.measurements[0].value
    );
    assert!(run
        .reason
        .unwrap()
        .contains("consecutive errors (3) > consecutiveErrorLimit (2)"));

    // An API error counts the same; a good answer in between resets the streak.
    let prom = FakePrometheus::start();
    prom.on_containing(
        "errors",
        [
            Answer::execution_error("many-to-many matching not allowed"),
            Answer::value(0.01),
            Answer::unavailable(),
            Answer::value(0.01),
            Answer::value(0.01),
        ],
    );
    s.prometheus_url = Some(prom.url().into());
    let run = analyse(&p, &s).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(
        run.measurements[0].value,
        "Prometheus answered HTTP 422: execution: many-to-many matching not allowed"
    );
    assert_eq!(run.measurements.len(), 5);
}

#[tokio::test]
async fn p95_is_judged_against_the_baseline_taken_before_the_deploy() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "      interval: 50ms\n      count: 2\n      successCondition: result[0] <= 2 * baseline[0]\n";
    let p = template(
        dir.path(),
        &metric("latency-p95", extra, "histogram_quantile(0.95, x)"),
    );
    let t = Template::load(&p).unwrap();
    for (now, want) in [(0.3, Verdict::Successful), (0.5, Verdict::Failed)] {
        let prom = FakePrometheus::start();
        prom.on_containing(
            "histogram_quantile",
            [Answer::value(0.2), Answer::value(now)],
        );
        let s = settings(&prom);
        let b = analysis::baseline(&t, &s).await.unwrap();
        assert_eq!(b.measurements.len(), 1);
        assert_eq!(b.measurements[0].value, "[0.2]");
        let run = analysis::run(&t, &s, &b, "post-promotion", deadline())
            .await
            .unwrap();
        assert_eq!(
            run.verdict, want,
            "p95 {now} against a baseline of 0.2: {run:?}"
        );
    }

    // No baseline data: never a pass.
    let prom = FakePrometheus::start();
    prom.on_containing("histogram_quantile", [Answer::Empty, Answer::value(0.1)]);
    let s = settings(&prom);
    let b = analysis::baseline(&t, &s).await.unwrap();
    let run = analysis::run(&t, &s, &b, "post-promotion", deadline())
        .await
        .unwrap();
    assert_eq!(run.verdict, Verdict::Failed);
    assert_eq!(verdicts(&run), [Verdict::Inconclusive]);
    assert_eq!(run.measurements[0].value, "[0.1] (no baseline data)");
    // And the summary does not show such a baseline as a success (it once did).
    let spec = k8s_deploy::release::AnalysisSpec {
        template: t.clone(),
        settings: s.clone(),
    };
    let prom_empty = FakePrometheus::start();
    prom_empty.on_containing("histogram_quantile", [Answer::Empty]);
    let spec_empty = k8s_deploy::release::AnalysisSpec {
        settings: settings(&prom_empty),
        ..spec.clone()
    };
    let (_, shown) = spec_empty.baseline(&[]).await.unwrap();
    let shown = shown.unwrap();
    assert_eq!(shown.verdict, Verdict::Inconclusive, "{shown:?}");
    assert!(
        shown.reason.as_deref().unwrap().contains("latency-p95"),
        "{shown:?}"
    );
    let prom_data = FakePrometheus::start();
    prom_data.on_containing("histogram_quantile", [Answer::value(0.2)]);
    let spec_data = k8s_deploy::release::AnalysisSpec {
        settings: settings(&prom_data),
        ..spec
    };
    let (_, shown) = spec_data.baseline(&[]).await.unwrap();
    assert_eq!(shown.unwrap().verdict, Verdict::Successful);
    // A baseline never taken is no baseline either.
    let run = analysis::run(&t, &s, &Baseline::default(), "post-promotion", deadline())
        .await
        .unwrap();
    assert_eq!(run.verdict, Verdict::Failed);
}

#[tokio::test]
async fn the_prometheus_url_overrides_the_template_s_address() {
    let dir = tempfile::tempdir().unwrap();
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::value(0.01)]);
    let with_address = |address: &str| {
        format!("    - name: error-rate\n      successCondition: result[0] < 0.05\n      provider:\n        prometheus:\n          address: {address}\n          query: '{ERROR_RATE}'\n")
    };
    // An in-cluster address the runner cannot reach, overridden.
    let p = template(dir.path(), &with_address("http://127.0.0.1:9/"));
    let run = analyse(&p, &settings(&prom)).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(prom.requests()[0].path, "/api/v1/query");

    // Not overridden: the address is used, with its path prefix, without its query.
    let p = template(
        dir.path(),
        &with_address(&format!("{}/prometheus/?x=1", prom.url())),
    );
    let mut s = settings(&prom);
    s.prometheus_url = None;
    let run = analyse(&p, &s).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(prom.requests()[1].path, "/prometheus/api/v1/query");
    assert_eq!(prom.requests()[1].query.as_deref(), Some(FILLED));

    let p = template(dir.path(), &metric("error-rate", "", ERROR_RATE));
    let t = Template::load(&p).unwrap();
    let e = analysis::run(&t, &s, &Baseline::default(), "pre-promotion", deadline())
        .await
        .unwrap_err();
    assert!(
        e.message.contains("no Prometheus address") && e.help.contains("--prometheus-url"),
        "{e}"
    );
    assert_eq!(e.line, Some(9));
}

#[tokio::test]
async fn the_bearer_token_is_sent_and_never_shown() {
    const SENTINEL: &str = "sentinel-token-5b2e";
    let dir = tempfile::tempdir().unwrap();
    let extra = "      consecutiveErrorLimit: 0\n      successCondition: result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", extra, ERROR_RATE));
    let prom = FakePrometheus::start();
    prom.require_bearer(SENTINEL);
    prom.on_containing("errors", [Answer::value(0.01)]);
    let mut s = settings(&prom);
    s.auth = Auth::from_vars(|k| (k == "PROMETHEUS_TOKEN").then(|| SENTINEL.to_string()));
    let run = analyse(&p, &s).await;
    assert_eq!(run.verdict, Verdict::Successful, "{run:?}");
    assert_eq!(
        prom.requests()[0].authorization.as_deref(),
        Some(format!("Bearer {SENTINEL}").as_str())
    );
    for shown in [
        format!("{run:?}"),
        format!("{s:?}"),
        analysis::summary(std::slice::from_ref(&run)),
        serde_json::to_string(&run).unwrap(),
    ] {
        assert!(!shown.contains(SENTINEL), "{shown}");
    }

    // Without it, Prometheus refuses, and the run says so without a token either.
    s.auth = Auth::None;
    let run = analyse(&p, &s).await;
    assert_eq!(run.verdict, Verdict::Error);
    assert!(
        run.measurements[0].value.contains("HTTP 401"),
        "{}",
        run.measurements[0].value
    );
    assert!(run
        .reason
        .as_deref()
        .unwrap()
        .contains("consecutiveErrorLimit (0)"));
    assert_eq!(prom.requests().last().unwrap().authorization, None);

    let basic = Auth::from_vars(|k| match k {
        "PROMETHEUS_USERNAME" => Some("ops".into()),
        "PROMETHEUS_PASSWORD" => Some(SENTINEL.into()),
        _ => None,
    });
    assert!(matches!(basic, Auth::Basic { .. }));
    assert!(!format!("{basic:?}").contains(SENTINEL));
    // Sent as RFC 7617 says (base64 of `ops:` and the password), and shown nowhere.
    s.auth = basic;
    let run = analyse(&p, &s).await;
    assert_eq!(
        prom.requests().last().unwrap().authorization.as_deref(),
        Some("Basic b3BzOnNlbnRpbmVsLXRva2VuLTViMmU=")
    );
    let shown = format!("{run:?}{}", analysis::summary(std::slice::from_ref(&run)));
    assert!(
        !shown.contains(SENTINEL) && !shown.contains("b3BzOnNlbnRpbmVsLXRva2VuLTViMmU="),
        "{shown}"
    );
}

#[tokio::test]
async fn a_run_the_deadline_cuts_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "      interval: 5s\n      count: 3\n      successCondition: result[0] < 0.05\n";
    let p = template(dir.path(), &metric("error-rate", extra, ERROR_RATE));
    let prom = FakePrometheus::start();
    prom.on_containing("errors", [Answer::value(0.01)]);
    let s = settings(&prom);
    let t = Template::load(&p).unwrap();
    let soon = Instant::now() + Duration::from_millis(300);
    let run = analysis::run(&t, &s, &Baseline::default(), "pre-promotion", soon)
        .await
        .unwrap();
    assert_eq!(run.verdict, Verdict::Error);
    assert!(run
        .reason
        .unwrap()
        .contains("the deadline came after 1 of 3 measurements"));
}

#[tokio::test]
async fn the_summary_shows_every_measurement_inert() {
    let dir = tempfile::tempdir().unwrap();
    let p = template(
        dir.path(),
        &metric(
            "error-rate",
            "      successCondition: result[0] < 0.05\n",
            "x{a=\"|<b>\"}",
        ),
    );
    let prom = FakePrometheus::start();
    prom.on_containing("x{", [Answer::value(0.2)]);
    let run = analyse(&p, &settings(&prom)).await;
    let md = analysis::summary(&[run]);
    assert!(
        md.starts_with("| phase | time | metric | query | value | verdict |"),
        "{md}"
    );
    assert!(md.contains("| step 2 (40%) |"));
    assert!(md.contains("| error\\-rate? |") || md.contains("error-rate"));
    assert!(md.contains("`x{a=\"\\|<b>\"}`"), "{md}");
    assert!(md.contains("| `[0.2]` | failed |"), "{md}");
    assert!(
        md.contains("**step 2 (40%)**: analysis failed: metric error-rate failed"),
        "{md}"
    );
}

fn load_err(dir: &Path, body: &str) -> gates_core::InputError {
    let path = dir.join("bad.yml");
    std::fs::write(&path, body).unwrap();
    Template::load(&path).unwrap_err()
}

#[tokio::test]
async fn template_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |metrics: &str| load_err(dir.path(), &format!("{HEADER}{metrics}"));

    let e = bad(&metric("m", "      successCondition: result[0] <\n", "q"));
    assert_eq!(e.line, Some(10), "{e}");
    assert!(
        e.message
            .starts_with("metric m: successCondition does not parse: at column 12: expected "),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("{}:10:", dir.path().join("bad.yml").display())),
        "{e}"
    );

    let e = bad("    - name: web-check\n      provider:\n        web:\n          url: http://x\n");
    assert_eq!(
        (
            e.line,
            e.message.contains("the web provider is not supported")
        ),
        (Some(11), true),
        "{e}"
    );

    let e = bad(&metric("m", "      count: 3\n", "q"));
    assert_eq!(e.line, Some(10), "{e}");
    assert!(
        e.message
            .contains("interval must be specified when count > 1"),
        "{e}"
    );

    let e = bad(&metric("m", "      interval: 5 minutes\n", "q"));
    assert!(
        e.message.contains("is not a duration") && e.line == Some(10),
        "{e}"
    );

    let e = bad(&metric("m", "", "rate(x{job=\"{{args.job}}\"}[1m])"));
    assert!(e.message.contains("{{args.job}} names no arg"), "{e}");
    assert_eq!(e.line, Some(9));

    let e = load_err(dir.path(), "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nspec:\n  metrics:\n    - name: [unclosed\n");
    assert!(
        e.message.starts_with("not valid YAML") && e.line.is_some(),
        "{e}"
    );

    let e = load_err(dir.path(), &(HEADER.replace("    - name: service\n", "    - name: api-token\n      valueFrom:\n        secretKeyRef:\n          name: prom\n          key: token\n") + &metric("m", "", "q")));
    assert!(
        e.message.contains("valueFrom") && e.help.contains("--analysis-arg api-token=VALUE"),
        "{e}"
    );
    assert_eq!(e.line, Some(8));

    let e = load_err(dir.path(), "apiVersion: v1\nkind: ConfigMap\n");
    assert!(e.message.contains("no AnalysisTemplate here"), "{e}");

    // A missing arg value is an error before anything is asked, at the arg's line.
    let p = template(dir.path(), &metric("m", "", ERROR_RATE));
    let t = Template::load(&p).unwrap();
    let prom = FakePrometheus::start();
    let mut s = settings(&prom);
    s.args.clear();
    let e = analysis::baseline(&t, &s).await.unwrap_err();
    assert!(
        e.message.contains("arg service has no value")
            && e.help.contains("--analysis-arg service=VALUE"),
        "{e}"
    );
    assert_eq!(e.line, Some(7));
    let e = analysis::run(&t, &s, &Baseline::default(), "pre-promotion", deadline())
        .await
        .unwrap_err();
    assert_eq!(e.line, Some(7));
    assert!(prom.requests().is_empty());
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[tokio::test]
async fn the_seeds_template_and_the_ready_made_one_load_and_run() {
    for path in [
        "fixtures/k8s/seeds/rollouts/analysis-template.yaml",
        "docs/k8s-deploy-analysis.yml",
    ] {
        let t = Template::load(&repo(path)).unwrap();
        assert_eq!(
            t.arg_names().collect::<Vec<_>>(),
            ["service", "namespace"],
            "{path}"
        );
        let names: Vec<&str> = t.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["error-rate", "latency-p95"], "{path}");
        assert!(t.metrics.iter().all(|m| m.count == Some(5)
            && m.failure_limit == 1
            && m.interval == Some(Duration::from_secs(60))));
    }
    // The seeds' rollouts hold no template of their own.
    for path in [
        "fixtures/k8s/seeds/rollouts/rollout-bluegreen.yaml",
        "fixtures/k8s/seeds/rollouts/rollout-canary.yaml",
    ] {
        let e = Template::load(&repo(path)).unwrap_err();
        assert!(
            e.message.contains("no AnalysisTemplate here"),
            "{path}: {e}"
        );
    }

    // The seeds' rules with one measurement each (and no failure allowed): a healthy canary passes, a slow one fails.
    let text = std::fs::read_to_string(repo("fixtures/k8s/seeds/rollouts/analysis-template.yaml"))
        .unwrap()
        .replace(
            "      interval: 1m\n      count: 5\n      failureLimit: 1\n",
            "",
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seeds.yaml");
    std::fs::write(&path, text).unwrap();
    let t = Template::load(&path).unwrap();
    for (p95, want) in [(0.25, Verdict::Successful), (0.5, Verdict::Failed)] {
        let prom = FakePrometheus::start();
        prom.on_containing("code=~\"5..\"", [Answer::value(0.01)]);
        prom.on_containing(
            "histogram_quantile",
            [Answer::value(0.2), Answer::value(p95)],
        );
        let s = Settings {
            args: BTreeMap::from([("service".into(), "gateway-canary".into())]),
            ..settings(&prom)
        };
        let b = analysis::baseline(&t, &s).await.unwrap();
        let run = analysis::run(&t, &s, &b, "step 2 (40%)", deadline())
            .await
            .unwrap();
        assert_eq!(run.verdict, want, "{run:?}");
        assert!(prom
            .queries()
            .iter()
            .all(|q| q.contains("namespace=\"production\",service=\"gateway-canary\"")));
    }
}
