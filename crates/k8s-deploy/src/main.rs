//! `k8s-deploy`: the command line.

use std::io::Write;

use gates_core::cli::CommonArgs;
use gates_core::emit::{self, EmitOptions};
use gates_core::error::Origin;
use gates_core::{ActionsEnv, ExitStatus, InputError};
use k8s_deploy::cluster::Cluster;
use k8s_deploy::config::DeployConfig;
use k8s_deploy::gate::{self, RenderOptions};
use k8s_deploy::images::Substitution;
use k8s_deploy::lint::Settings;
use k8s_deploy::lock::Lock;
use k8s_deploy::template::Vars;
use k8s_deploy::{manifest, rules};

/// Render Kubernetes manifests (files, directories, `-` for stdin; `${VAR}` templates; image
/// substitution) and lint them, each finding on its manifest line.
///
/// Commands: `lint` checks the manifests (no cluster needed); `render` prints them as they
/// would be applied (Secret values redacted); `plan` lints them and asks the cluster what
/// applying would do (a server-side dry run of every object, diffed with the live one);
/// `rules` lists the rules.
///
/// Exit codes: 0 pass or warnings, 1 lint errors or objects the server refuses, 2 the gate could
/// not run (a manifest that does not parse, an undefined variable, an --image that matched
/// nothing, a kind the cluster does not serve, the API server unreachable).
#[derive(clap::Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    /// What to do.
    #[arg(value_enum)]
    command: Command,
    /// Manifest files, directories (their .yaml/.yml/.json files) or globs; `-` reads stdin.
    #[arg(value_name = "MANIFESTS")]
    manifests: Vec<String>,
    /// Namespace of the objects that name none; an object naming another one is an error.
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Replace the image of every container whose repository is NAME (repeatable), e.g.
    /// `org/app=ghcr.io/org/app:1.2`; REF without a tag keeps the manifest's tag.
    #[arg(long, value_name = "NAME=REF")]
    image: Vec<String>,
    /// A template variable (repeatable); the environment is the fallback.
    #[arg(long, value_name = "KEY=VALUE")]
    var: Vec<String>,
    /// Write the lint's findings as SARIF here (for github/codeql-action/upload-sarif).
    #[arg(long, value_name = "FILE")]
    sarif: Option<std::path::PathBuf>,
    /// The kubeconfig context to use (default: its current context).
    #[arg(long)]
    context: Option<String>,
    /// The field manager of server-side apply.
    #[arg(long, default_value = "gates-k8s-deploy")]
    field_manager: String,
    /// Take over fields another field manager owns instead of stopping on the conflict.
    #[arg(long)]
    force_conflicts: bool,
    /// One deadline for all the rollouts `deploy` waits for (`90s`, `10m`, `1h`).
    #[arg(long, default_value = "10m", value_parser = parse_timeout)]
    timeout: std::time::Duration,
    /// How long `deploy` waits for another deploy of the namespace to release its lock.
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    lock_timeout: std::time::Duration,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// Check the manifests against the lint's rules.
    Lint,
    /// Print the rendered manifests.
    Render,
    /// Lint, then plan on the cluster: what applying would create, change or leave.
    Plan,
    /// Lint, apply every object (server-side apply, dependency order), then wait for every
    /// workload's rollout under one --timeout, failing fast on fatal pod states. Nothing is
    /// rolled back yet.
    Deploy,
    /// List the lint's rules.
    Rules,
}

gates_core::gate_main!(Cli, name = "k8s-deploy", binary = "k8s-deploy", run);

/// `90s`, `10m`, `1h30m` as a duration.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} is not a duration: write e.g. 90s, 10m or 1h"))
}

/// A rollout's change of state, one line in the log as it happens. The object's name comes
/// from the manifests: printed inert, never as a workflow command.
fn progress(m: &manifest::Manifest, status: &k8s_deploy::rollout::Status) {
    use k8s_deploy::rollout::Status;
    let what = match status {
        Status::Waiting(w) => format!("waiting: {w}"),
        Status::Done => "rolled out".into(),
        Status::Failed(why) => format!("failed: {why}"),
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{}",
            gates_core::commands::inert(&format!("{}: {what}", m.id()))
        );
    }
}

/// A template variable from the process environment: the documented fallback of `--var`
/// (ActionsEnv keeps only the runner's own variables).
fn process_var(name: &str) -> Option<String> {
    #[allow(clippy::disallowed_methods)]
    std::env::var(name).ok()
}

fn run(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    if cli.command == Command::Rules {
        for r in rules::CATALOGUE.rules {
            InputError::printed(writeln!(
                stdout,
                "{:<40} {:<5} {}",
                r.id,
                r.level.name(),
                r.doc
            ))?;
        }
        return Ok(ExitStatus::Success);
    }
    if cli.manifests.is_empty() {
        return Err(InputError::new(
            Origin::command_line(),
            "no manifests given",
            "name the manifest files or directories, or `-` for stdin",
        ));
    }
    let cwd = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let config_path = cli.common.config_path(&cwd);
    let cfg = DeployConfig::load(&config_path, cli.common.config_required())?;
    let levels = gates_core::rules::Levels::new(
        &rules::CATALOGUE,
        &cfg.levels,
        &config_path,
        &cli.common.levels,
    )?;
    let vars = Vars::new(&cli.var, &process_var)
        .map_err(|e| InputError::new(Origin::Flag("--var".into()), e, "fix the flag"))?;
    let images = cfg
        .images
        .iter()
        .chain(&cli.image)
        .map(|e| Substitution::parse(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new(Origin::Flag("--image".into()), e, "fix the flag"))?;
    let rendered = gate::render(
        &RenderOptions {
            inputs: &cli.manifests,
            vars: &vars,
            images: &images,
            namespace: cli.namespace.as_deref().or(cfg.namespace.as_deref()),
        },
        &mut std::io::stdin().lock(),
    )?;
    if cli.command == Command::Render {
        InputError::printed(stdout.write_all(manifest::render(&rendered.manifests).as_bytes()))?;
        return Ok(ExitStatus::Success);
    }
    let settings = match cfg.production_namespaces {
        Some(production_namespaces) => Settings {
            production_namespaces,
        },
        None => Settings::default(),
    };
    let event = env.event()?;
    let mut outcome = gate::lint_outcome(
        &rendered,
        &settings,
        &levels,
        cli.common.informational,
        env.context(event.as_ref()),
    );
    if cli.command == Command::Deploy {
        let lint_failed = outcome.verdict == gates_core::Verdict::Fail;
        let context = env.context(event.as_ref());
        let holder = context
            .run_url
            .clone()
            .unwrap_or_else(|| format!("k8s-deploy process {}", std::process::id()));
        let lock_namespace = cli.namespace.clone().or(cfg.namespace.clone());
        if !lint_failed {
            let settings = k8s_deploy::plan::ApplySettings {
                field_manager: cli.field_manager.clone(),
                force_conflicts: cli.force_conflicts,
            };
            let (applied, rollouts) = runtime()?.block_on(async {
                let cluster = Cluster::connect(cli.context.as_deref()).await?;
                let namespace = lock_namespace.unwrap_or_else(|| cluster.default_namespace.clone());
                let lock = Lock::acquire(
                    &cluster,
                    &namespace,
                    &holder,
                    cli.timeout + std::time::Duration::from_secs(600),
                    cli.lock_timeout,
                )
                .await?;
                let deployed = async {
                    let applied =
                        k8s_deploy::deploy::apply(&cluster, &rendered.manifests, &settings).await?;
                    // The progress lines fold into one group of the job's log.
                    let grouped = env.in_actions();
                    #[allow(clippy::print_stderr)]
                    if grouped {
                        eprintln!("::group::k8s-deploy: rollouts");
                    }
                    let rollouts = k8s_deploy::deploy::wait(
                        &cluster,
                        &rendered.manifests,
                        &applied,
                        cli.timeout,
                        &mut progress,
                    )
                    .await;
                    #[allow(clippy::print_stderr)]
                    if grouped {
                        eprintln!("::endgroup::");
                    }
                    Ok::<_, InputError>((applied, rollouts?))
                }
                .await;
                // Released whatever happened, so the next deploy need not wait it out.
                let released = lock.release().await;
                let deployed = deployed?;
                released?;
                Ok::<_, InputError>(deployed)
            })?;
            k8s_deploy::deploy_summary::add(
                &mut outcome,
                &rendered,
                &applied,
                &rollouts,
                cli.common.informational,
            );
        } else {
            outcome
                .notes
                .push("nothing was applied: the lint found errors".into());
        }
    }
    if cli.command == Command::Plan {
        let settings = k8s_deploy::plan::ApplySettings {
            field_manager: cli.field_manager.clone(),
            force_conflicts: cli.force_conflicts,
        };
        let plan = runtime()?.block_on(async {
            let cluster = Cluster::connect(cli.context.as_deref()).await?;
            k8s_deploy::plan::plan(&cluster, &rendered.manifests, &settings).await
        })?;
        k8s_deploy::plan_summary::add(&mut outcome, &rendered, &plan, cli.common.informational);
    }
    if let Some(path) = &cli.sarif {
        let warnings = k8s_deploy::sarif_out::write(path, &outcome.findings)
            .map_err(|e| InputError::write(path, &e))?;
        outcome
            .notes
            .extend(warnings.into_iter().map(|w| format!("warning: SARIF: {w}")));
        outcome.outputs.push(("sarif", path.display().to_string()));
    }
    gates_core::drop_in_background(rendered);
    emit::emit(&outcome, env, opts, stdout)?;
    Ok(outcome.exit_status())
}

/// The runtime the cluster commands run on: one thread is enough, the time is the server's.
fn runtime() -> Result<tokio::runtime::Runtime, InputError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError::io("(tokio runtime)", &e))
}
