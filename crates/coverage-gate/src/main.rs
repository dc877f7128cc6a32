//! `coverage-gate`: the command line. Parses flags, builds the inputs, runs the gate, emits.

use std::io::Write;
use std::path::{Path, PathBuf};

// Parser threads allocate side by side; with the system allocator they queued on the
// process's memory map (every 128 KiB of heap growth, every fresh page).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use coverage_gate::config::{AnnotationLevel, CoverageConfig};
use coverage_gate::formats::Format;
use coverage_gate::gate::{self, Inputs};
use coverage_gate::paths::PathMap;
use coverage_gate::policy::Policy;
use gates_core::cli::{CommentArgs, CommonArgs};
use gates_core::emit::{self, EmitOptions};
use gates_core::error::Origin;
use gates_core::{ActionsEnv, ExitStatus, InputError};

/// Gate coverage reports: overall, patch (changed lines), per-path and against a baseline.
///
/// Exit codes: 0 pass or warn, 1 a rule failed, 2 the gate could not run.
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Coverage reports: files, directories or globs, any supported format, merged; `-` reads
    /// one from stdin.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<String>,
    /// Report format: auto (recognised from the content), cobertura, lcov, jacoco,
    /// coveragepy-json, go, istanbul-final, istanbul-summary, clover, llvm-cov, opencover,
    /// simplecov.
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    format: FormatArg,
    /// Measure patch coverage against this revision (its merge-base with HEAD). Default: the
    /// pull request's base from the event payload.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Minimum line coverage, percent.
    #[arg(long, value_name = "PCT")]
    min_lines: Option<f64>,
    /// Minimum branch coverage, percent.
    #[arg(long, value_name = "PCT")]
    min_branches: Option<f64>,
    /// Minimum function coverage, percent.
    #[arg(long, value_name = "PCT")]
    min_functions: Option<f64>,
    /// Minimum coverage of changed coverable lines, percent.
    #[arg(long, value_name = "PCT")]
    min_patch: Option<f64>,
    /// The base branch's result file, for the delta and the baseline rules.
    #[arg(long, value_name = "RESULT_FILE")]
    baseline: Option<PathBuf>,
    /// When the --baseline file does not exist (a first run, an expired artifact), note it and
    /// go on without the baseline rules instead of exit 2.
    #[arg(long)]
    baseline_optional: bool,
    /// Largest allowed drop of line coverage against --baseline, in percentage points.
    #[arg(long, value_name = "POINTS")]
    max_drop: Option<f64>,
    /// Fail when there are more uncovered lines than in --baseline.
    #[arg(long)]
    uncovered_must_not_increase: bool,
    /// Rewrite report paths that start with FROM to start with TO (repeatable).
    #[arg(long, value_name = "FROM=TO")]
    path_map: Vec<String>,
    /// Leave files matching this glob out of every number (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    #[command(flatten)]
    comment: CommentArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// `--format`: `auto` or one of [`Format`]'s names.
#[derive(Debug, Clone, Copy)]
struct FormatArg(Option<Format>);

impl std::str::FromStr for FormatArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        use clap::ValueEnum;
        if s == "auto" {
            return Ok(FormatArg(None));
        }
        Format::from_str(s, false)
            .map(|f| FormatArg(Some(f)))
            .map_err(|_| {
                let names: Vec<String> = Format::value_variants()
                    .iter()
                    .filter_map(|f| Some(f.to_possible_value()?.get_name().to_string()))
                    .collect();
                format!(
                    "unknown format {s:?}; use auto or one of: {}",
                    names.join(", ")
                )
            })
    }
}

gates_core::gate_main!(Cli, gates_core::cli::COVERAGE, run);

fn run(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    let cwd = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let missing_baseline = cli
        .baseline
        .as_ref()
        .filter(|b| cli.baseline_optional && !b.exists());
    let mut inputs = build_inputs(cli, &cwd, missing_baseline.is_some())?;
    if missing_baseline.is_some() {
        inputs.baseline = None;
    }
    let mut outcome = gate::run(&inputs, env)?;
    if let Some(b) = missing_baseline {
        outcome.notes.push(format!(
            "note: baseline {} not found (--baseline-optional): the baseline rules were not checked",
            b.display()
        ));
    }
    // The annotations' setting from the config too, when no flag gave one.
    let opts = EmitOptions {
        annotations: inputs.policy.annotations_setting,
        ..opts.clone()
    };
    emit::emit(&outcome, env, &opts, stdout)?;
    if cli.comment.comment {
        gates_github::comment_outcome(gates_core::cli::COVERAGE, &outcome, env, stdout);
    }
    Ok(outcome.exit_status())
}

fn build_inputs(cli: &Cli, cwd: &Path, no_baseline: bool) -> Result<Inputs, InputError> {
    let flag = Origin::command_line();
    let config_path = cli.common.config_path(cwd);
    let file = CoverageConfig::load(&config_path, cli.common.config_required())?;
    // The flags as a partial config, laid on the file's.
    let flags = CoverageConfig {
        min_lines: cli.min_lines,
        min_branches: cli.min_branches,
        min_functions: cli.min_functions,
        min_patch: cli.min_patch,
        max_drop: cli.max_drop,
        uncovered_must_not_increase: cli.uncovered_must_not_increase,
        path_map: cli.path_map.clone(),
        exclude: cli.exclude.clone(),
        informational: cli.common.informational,
        annotations: cli.common.annotations.map(AnnotationLevel::from),
        ..CoverageConfig::default()
    };
    let cfg = gates_core::config::layer(Some(file), flags);
    // The file was checked when loaded; what is wrong now came from a flag.
    cfg.validate(&flag)?;
    if (cfg.max_drop.is_some() || cfg.uncovered_must_not_increase)
        && cli.baseline.is_none()
        && !no_baseline
    {
        return Err(InputError::new(
            flag.clone(),
            "max-drop and uncovered-must-not-increase need --baseline",
            "pass the base branch's result file with --baseline",
        ));
    }
    let path_maps = cfg
        .path_map
        .iter()
        .map(|m| {
            m.parse::<PathMap>().map_err(|e| {
                InputError::new(
                    Origin::Flag("--path-map".into()),
                    e,
                    "write --path-map FROM=TO, e.g. /build/src=src",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Inputs {
        reports: {
            let mut files = Vec::new();
            for p in gates_core::input::reports(&cli.reports)? {
                match p.is_dir() {
                    true => files.extend(coverage_gate::formats::reports_in(&p)?),
                    false => files.push(p),
                }
            }
            files
        },
        format: cli.format.0,
        base: cli.base.clone(),
        baseline: cli.baseline.clone(),
        policy: Policy {
            levels: gates_core::rules::Levels::new(
                &coverage_gate::policy::rules::CATALOGUE,
                &cfg.levels,
                &config_path,
                &cli.common.levels,
            )?,
            ..Policy::from_config(&cfg)
        },
        path_maps,
        cwd: cwd.to_path_buf(),
    })
}
