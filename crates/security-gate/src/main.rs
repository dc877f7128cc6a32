//! `security-gate`: the command line.

use std::io::Write;
use std::path::PathBuf;

// A report of a hundred thousand findings is a few million small allocations, made while
// other threads (the split read, the SARIF writer) allocate too: mimalloc's per-thread
// pages serve them without the system allocator's trips to the memory map.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use gates_core::cli::CommonArgs;
use gates_core::emit::{self, EmitOptions};
use gates_core::error::Origin;
use gates_core::git::{self, NoChange};
use gates_core::{ActionsEnv, ExitStatus, InputError};
use security_gate::config::{self, SecurityConfig};
use security_gate::formats::Format;
use security_gate::gate::{self, Inputs};

/// Gate security scanner reports: counted limits per severity over every scanner, new findings
/// only against the base branch, expiring suppressions, merged SARIF.
///
/// Exit codes: 0 pass or warn, 1 a limit was exceeded, 2 the gate could not run (a missing,
/// empty or unreadable report, or a scanner's own errors, unless --allow-missing).
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Scanner reports, directories holding them, or globs (expanded by the gate); `-` reads
    /// one from stdin.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<String>,
    /// Report format; recognised from the content by default.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Most findings per severity, e.g. critical=0,high=0,medium=5.
    #[arg(long, value_name = "SEV=N[,...]")]
    max: Option<String>,
    /// Most new findings per severity (needs --baseline), e.g. high=0.
    #[arg(long, value_name = "SEV=N[,...]")]
    max_new: Option<String>,
    /// The base branch's reports (or this gate's result file from it); one per flag, repeat
    /// it for several: `--baseline base/bandit.json --baseline base/semgrep.sarif`.
    #[arg(long, value_name = "REPORT_OR_RESULT")]
    baseline: Vec<PathBuf>,
    /// Suppressions file (YAML, `suppressions:` list); entries of `.github/gates.yml` apply too.
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    /// Severity for findings whose scanner gives none.
    #[arg(long, value_name = "critical|high|medium|low|info")]
    unknown_as: Option<String>,
    /// Write merged SARIF here (for github/codeql-action/upload-sarif).
    #[arg(long, value_name = "PATH")]
    sarif: Option<PathBuf>,
    /// Skip missing or unreadable reports with a warning instead of failing.
    #[arg(long)]
    allow_missing: bool,
    /// Without --baseline: count only findings on the change since --base (or the pull
    /// request's base): added, diff-context, file, or nofilter (the default).
    #[arg(long, value_enum, default_value = "nofilter")]
    diff_filter: gate::DiffFilter,
    /// Revision the change is measured from, for --diff-filter.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Today's date for suppression expiry (tests).
    #[arg(long, hide = true)]
    today: Option<String>,
    #[command(flatten)]
    common: CommonArgs,
}

gates_core::gate_main!(Cli, gates_core::cli::SECURITY, run);

fn run(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    let root = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let config_path = cli.common.config_path(&root);
    let file = SecurityConfig::load(&config_path, cli.common.config_required())?;
    // The flags as a partial config, laid on the file's.
    let levels = |flag: &Option<String>, name: &str| -> Result<_, InputError> {
        let parsed = match flag {
            Some(m) => config::parse_limits(m, &Origin::Flag(name.into()))?,
            None => Default::default(),
        };
        Ok(parsed
            .into_iter()
            .map(|(k, v)| (config::Level(k), v))
            .collect())
    };
    let flags = SecurityConfig {
        max: levels(&cli.max, "--max")?,
        max_new: levels(&cli.max_new, "--max-new")?,
        unknown_as: match cli.unknown_as.as_deref() {
            Some(s) => Some(config::Level(config::severity(
                s,
                "",
                &Origin::Flag("--unknown-as".into()),
            )?)),
            None => None,
        },
        informational: cli.common.informational,
        ..SecurityConfig::default()
    };
    let max_new_from = match cli.max_new {
        Some(_) => gate::Setting::Flag("--max-new"),
        None => gate::Setting::Config(config_path.clone()),
    };
    let cfg = gates_core::config::layer(Some(file), flags);
    let (max, max_new) = (config::limits(&cfg.max), config::limits(&cfg.max_new));
    let unknown_as = cfg.unknown_as.map(|l| l.0);
    let informational = cfg.informational;
    let today = match &cli.today {
        Some(t) => security_gate::suppress::parse_day(t).ok_or_else(|| {
            InputError::new(
                Origin::Flag("--today".into()),
                "not YYYY-MM-DD",
                "write e.g. 2026-11-23",
            )
        })?,
        None => security_gate::suppress::today(),
    };
    let event = env.event()?;
    let diff = match cli.diff_filter {
        gate::DiffFilter::Nofilter => None,
        filter => match git::change(
            git::git_root(&root).as_deref(),
            &root,
            cli.base.as_deref(),
            event.as_ref(),
            env.get("GITHUB_REF"),
        )? {
            Ok((_, changed)) => Some((filter, changed)),
            Err(NoChange::NotInGit) => {
                return Err(InputError::new(
                    &root,
                    "--diff-filter needs a git checkout",
                    "run inside the repository, or use --baseline",
                ))
            }
            Err(none) => {
                return Err(InputError::new(
                    Origin::Flag("--diff-filter".into()),
                    "needs a base",
                    none.reason(),
                ))
            }
        },
    };
    let inputs = Inputs {
        reports: gates_core::input::reports(&cli.reports)?,
        format: cli.format,
        max,
        max_new,
        max_new_from,
        levels: gates_core::rules::Levels::new(
            &security_gate::rules::CATALOGUE,
            &cfg.levels,
            &config_path,
            &cli.common.levels,
        )?,
        baseline: cli.baseline.clone(),
        suppressions: cli.suppressions.clone(),
        config: cfg,
        config_path,
        unknown_as,
        allow_missing: cli.allow_missing,
        root,
        today,
        diff,
    };
    let eval = gate::evaluate(&inputs)?;
    // The merged SARIF is written while the outcome is rendered: both only read the findings.
    let (mut outcome, sarif) = std::thread::scope(|s| {
        let sarif = cli.sarif.as_ref().map(|path| {
            let findings = &eval.findings;
            (
                path,
                s.spawn(move || security_gate::sarif_out::write(path, findings)),
            )
        });
        let outcome =
            security_gate::render::outcome(&eval, informational, env.context(event.as_ref()));
        let sarif = sarif.map(|(path, h)| {
            let written = h
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the SARIF writer panicked")));
            (path, written)
        });
        (outcome, sarif)
    });
    if let Some((path, written)) = sarif {
        let warnings = written.map_err(|e| InputError::write(path, &e))?;
        outcome
            .notes
            .extend(warnings.into_iter().map(|w| format!("warning: SARIF: {w}")));
        outcome.outputs.push(("sarif", path.display().to_string()));
    }
    emit::emit(&outcome, env, opts, stdout)?;
    let status = outcome.exit_status();
    // The process ends here: freeing hundreds of thousands of findings one by one would only
    // add to the run time.
    std::mem::forget(eval);
    std::mem::forget(outcome);
    Ok(status)
}
