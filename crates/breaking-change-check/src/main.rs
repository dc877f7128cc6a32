//! `breaking-change-check`: the command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use breaking_change_check::config::BreakingConfig;
use breaking_change_check::gate::{self, FailOn, Pair};
use breaking_change_check::rules;
use breaking_change_check::source::{self, Source};
use gates_core::cli::CommonArgs;
use gates_core::emit::{self, EmitOptions};
use gates_core::{ActionsEnv, ExitStatus, InputError};

/// Compare API descriptions (Swagger 2.0, OpenAPI 3.0 / 3.1, GraphQL SDL or introspection)
/// between the base and the head of a change and fail on breaking changes, each reported on the
/// head spec's line.
///
/// Exit codes: 0 pass or warn, 1 breaking changes at or above --fail-on, 2 the gate could not
/// run (invalid YAML/JSON, a broken $ref, an unknown OpenAPI version, a missing base).
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None, subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Head spec files (the base comes from git, or from --base-file).
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Base spec files, paired with the SPECs in order.
    #[arg(long, value_name = "FILE")]
    base_file: Vec<PathBuf>,
    /// Base revision (merge-base with HEAD); default the pull request's base from the event.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Lowest level that fails the gate.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Ignore file: accepted changes by rule id and `METHOD /path`, JSON pointer into the spec
    /// or GraphQL schema coordinate, each with a reason and an optional expiry day.
    #[arg(long, value_name = "FILE")]
    ignore: Option<PathBuf>,
    /// Write the findings as SARIF here (for github/codeql-action/upload-sarif): the result
    /// file's findings on the same head lines.
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Today's date for x-sunset decisions (tests).
    #[arg(long, hide = true)]
    today: Option<String>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the rule catalogue: id, level, what it checks.
    Rules,
}

gates_core::gate_main!(Cli, gates_core::cli::BREAKING_CHANGE, run);

fn run(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    if let Some(Command::Rules) = cli.command {
        for r in rules::CATALOGUE.rules {
            InputError::printed(writeln!(
                stdout,
                "{:<72} {:<4} {}",
                r.id,
                rules::level_name(r.level),
                r.doc
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    let flag = gates_core::error::Origin::command_line();
    let cwd = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let config_path = cli.common.config_path(&cwd);
    let file = BreakingConfig::load(&config_path, cli.common.config_required())?;
    // The flags as a partial config, laid on the file's.
    let flags = BreakingConfig {
        fail_on: cli.fail_on.map(|f| match f {
            FailOn::Err => "ERR".to_string(),
            FailOn::Warn => "WARN".to_string(),
        }),
        informational: cli.common.informational,
        ..BreakingConfig::default()
    };
    let cfg = gates_core::config::layer(file, flags);
    let fail_on = match cfg.fail_on.as_deref() {
        None | Some("ERR" | "err") => FailOn::Err,
        Some("WARN" | "warn") => FailOn::Warn,
        Some(other) => {
            return Err(InputError::new(
                &config_path,
                format!("fail-on {other:?} is not ERR or WARN"),
                "write `fail-on: ERR` or `fail-on: WARN`",
            ))
        }
    };
    let levels = gates_core::rules::Levels::new(
        &rules::CATALOGUE,
        &cfg.levels,
        &config_path,
        &cli.common.levels,
    )?;
    let today = match &cli.today {
        Some(t) => t.clone(),
        None => jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    };
    let event = env.event()?;
    let (pairs, base, head) = if !cli.base_file.is_empty() {
        if cli.base_file.len() != cli.specs.len() {
            return Err(InputError::new(
                flag.clone(),
                format!(
                    "{} SPECs but {} --base-file",
                    cli.specs.len(),
                    cli.base_file.len()
                ),
                "give one --base-file per SPEC, in the same order",
            ));
        }
        // Paths as given, relative to the working directory.
        let show = |p: &Path| {
            source::relative(&cwd, p).unwrap_or_else(|| p.to_string_lossy().replace('\\', "/"))
        };
        let pairs = cli
            .specs
            .iter()
            .zip(&cli.base_file)
            .map(|(h, b)| Pair {
                head: show(h),
                base: show(b),
            })
            .collect();
        (pairs, Source::Dir(cwd.clone()), Source::Dir(cwd.clone()))
    } else {
        let Some(root) = gates_core::git::git_root(&cwd) else {
            return Err(InputError::new(
                &cwd,
                "no base: not in a git checkout and no --base-file",
                "run inside the repository, or give --base-file",
            ));
        };
        let Some(b) = gates_core::git::choose_base(
            &root,
            cli.base.as_deref(),
            event.as_ref(),
            env.get("GITHUB_REF"),
        )?
        else {
            return Err(InputError::new(
                flag.clone(),
                "no base revision to compare with",
                "give --base <REV> (e.g. origin/main), or run on a pull_request event",
            ));
        };
        let mut pairs = Vec::new();
        for s in &cli.specs {
            let rel = source::relative(&root, s).ok_or_else(|| {
                InputError::new(
                    s,
                    "the spec is outside the repository",
                    "name a file in the checkout",
                )
            })?;
            pairs.push(Pair {
                head: rel.clone(),
                base: rel,
            });
        }
        (
            pairs,
            Source::Git {
                root: root.clone(),
                sha: b.sha,
            },
            Source::Dir(root),
        )
    };
    let entries = match &cli.ignore {
        Some(p) => breaking_change_check::ignore::load(p)?,
        None => Vec::new(),
    };
    let mut eval = gate::evaluate(
        &pairs,
        &base,
        &head,
        &levels,
        &today,
        cfg.deprecation_grace_days,
    )?;
    let notes = breaking_change_check::ignore::apply(&mut eval, &entries, &today);
    let mut outcome = gate::outcome(
        &eval,
        fail_on,
        cfg.informational,
        env.context(event.as_ref()),
    );
    outcome.notes.extend(notes);
    if let Some(path) = &cli.sarif {
        let warnings = breaking_change_check::sarif_out::write(path, &outcome.findings)
            .map_err(|e| InputError::write(path, &e))?;
        outcome
            .notes
            .extend(warnings.into_iter().map(|w| format!("warning: SARIF: {w}")));
        outcome.outputs.push(("sarif", path.display().to_string()));
    }
    emit::emit(&outcome, env, opts, stdout)?;
    Ok(outcome.exit_status())
}
