//! `perf-gate`: the command line.

use std::io::Write;
use std::path::PathBuf;

use gates_core::cli::CommonArgs;
use gates_core::emit::{self, EmitOptions};
use gates_core::{ActionsEnv, ExitStatus, InputError};
use perf_gate::compare::Settings;
use perf_gate::config::PerfConfig;
use perf_gate::gate::{self, HistoryInput, Inputs};
use perf_gate::model::Format;

/// Gate performance reports: k6-style limits (`p(95) < 500ms`) on load tests and benchmarks
/// (k6, locust, pytest-benchmark, hyperfine, criterion, Google Benchmark, Go, JMH,
/// BenchmarkDotNet, github-action-benchmark, Bencher), and regressions against a baseline
/// report or a history, judged by a significance test.
///
/// Exit codes: 0 pass or warn, 1 a limit failed, a benchmark regressed or a comparison was
/// inconclusive, 2 the gate could not run (a bad report, a threshold the report cannot answer).
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Reports, directories holding them, or globs (expanded by the gate). A benchmark in
    /// several reports (interleaved rounds) is pooled. `-` reads one from stdin.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<String>,
    /// Report format; recognised from the content by default.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A limit, `metric[{tag:value,...}]: stat op value[unit][, ...]`; one per flag, repeat it.
    #[arg(long, value_name = "THRESHOLD")]
    threshold: Vec<String>,
    /// The same benchmarks' reports from the base commit (files, directories or globs); one per
    /// flag. A benchmark in several reports (interleaved rounds) is pooled.
    #[arg(long, value_name = "REPORT")]
    baseline: Vec<String>,
    /// Largest allowed significant worsening, in percent (default 10).
    #[arg(long, value_name = "PCT")]
    max_regression: Option<f64>,
    /// Significance level of the regression tests (default 0.05).
    #[arg(long, value_name = "P")]
    alpha: Option<f64>,
    /// A history file to compare with (when no --baseline is given) and append this run to;
    /// created when missing.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Runs the history keeps (default 100, at most 1000).
    #[arg(long, value_name = "N")]
    history_keep: Option<usize>,
    /// Which way is better for the benchmarks a name or glob matches, `PATTERN=lower` or
    /// `PATTERN=higher`, where the unit and format do not say it right; repeat it.
    #[arg(long, value_name = "PATTERN=lower|higher")]
    direction: Vec<String>,
    #[command(flatten)]
    common: CommonArgs,
}

gates_core::gate_main!(Cli, gates_core::cli::PERF, run);

fn run(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    let flag = gates_core::error::Origin::command_line();
    let root = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let config_path = cli.common.config_path(&root);
    let file: Option<PerfConfig> = gates_core::config::load_section(
        &config_path,
        gates_core::cli::PERF.name,
        cli.common.config_required(),
    )?;
    // The flags' settings as a partial config, laid on the file's. Thresholds and directions
    // are gathered beside it: each keeps where it was written, for its error messages.
    let flags = PerfConfig {
        max_regression: cli.max_regression,
        alpha: cli.alpha,
        history_keep: cli.history_keep,
        informational: cli.common.informational,
        ..PerfConfig::default()
    };
    let cfg = gates_core::config::layer(file, flags);
    let mut thresholds = Vec::new();
    for t in &cfg.thresholds {
        for one in perf_gate::threshold::parse(t, &config_path)? {
            thresholds.push((one, config_path.clone()));
        }
    }
    for t in &cli.threshold {
        // A multi-line action input arrives as one flag per line.
        for line in t.lines().map(str::trim).filter(|l| !l.is_empty()) {
            for one in perf_gate::threshold::parse(line, gate::flag_origin())? {
                thresholds.push((one, gate::flag_origin().to_path_buf()));
            }
        }
    }
    let max_regression = cfg.max_regression.unwrap_or(10.0);
    if !(0.0..=1000.0).contains(&max_regression) {
        return Err(InputError::new(
            flag.clone(),
            "--max-regression must be a percentage from 0 to 1000",
            "write e.g. --max-regression 10",
        ));
    }
    let alpha = cfg.alpha.unwrap_or(0.05);
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(InputError::new(
            flag.clone(),
            "--alpha must be above 0 and below 1",
            "write e.g. --alpha 0.05",
        ));
    }
    let keep = cfg.history_keep.unwrap_or(perf_gate::history::DEFAULT_KEEP);
    if !(1..=perf_gate::history::MAX_KEEP).contains(&keep) {
        return Err(InputError::new(
            flag.clone(),
            format!(
                "--history-keep must be from 1 to {}",
                perf_gate::history::MAX_KEEP
            ),
            "write e.g. --history-keep 100",
        ));
    }
    let event = env.event()?;
    let context = env.context(event.as_ref());
    let history = cli.history.as_ref().map(|path| HistoryInput {
        path: path.clone(),
        keep,
        commit: context.sha.clone().unwrap_or_else(|| "unknown".into()),
        run: perf_gate::history::run_id(env),
    });
    let mut directions = Vec::new();
    for d in &cli.direction {
        let (pattern, way) = d.rsplit_once('=').unwrap_or((d, ""));
        let way = match way.trim() {
            "lower" => perf_gate::model::Direction::LowerIsBetter,
            "higher" => perf_gate::model::Direction::HigherIsBetter,
            _ => {
                return Err(InputError::new(
                    flag.clone(),
                    format!("--direction {d:?} is not PATTERN=lower or PATTERN=higher"),
                    "write e.g. --direction 'BM_Throughput*=higher'",
                ))
            }
        };
        directions.push(gate::DirectionOverride::new(
            pattern.trim(),
            way,
            std::path::Path::new("--direction"),
        )?);
    }
    for (pattern, way) in &cfg.direction {
        directions.push(gate::DirectionOverride::new(pattern, *way, &config_path)?);
    }
    let inputs = Inputs {
        reports: gates_core::input::reports(&cli.reports)?,
        format: cli.format,
        thresholds,
        baseline: gates_core::input::expand(&cli.baseline)?,
        settings: Settings {
            alpha,
            max_regression: max_regression / 100.0,
            ..Settings::default()
        },
        levels: gates_core::rules::Levels::new(
            &perf_gate::rules::CATALOGUE,
            &cfg.levels,
            &config_path,
            &cli.common.levels,
        )?,
        directions,
        history,
    };
    let eval = gate::evaluate(&inputs)?;
    // Written before the outcome, so a history that cannot be written is the run's error.
    if let Some(h) = &eval.history {
        h.updated.write(&h.path)?;
    }
    let outcome = perf_gate::render::outcome(&eval, cfg.informational, context);
    gates_core::drop_in_background(eval);
    emit::emit(&outcome, env, opts, stdout)?;
    Ok(outcome.exit_status())
}
