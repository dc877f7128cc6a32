//! `k8s-deploy`: the command line.

use std::io::Write;

use gates_core::cli::CommonArgs;
use gates_core::emit::{self, EmitOptions};
use gates_core::error::Origin;
use gates_core::{ActionsEnv, ExitStatus, InputError};
use k8s_deploy::cluster::Cluster;
use k8s_deploy::config::DeployConfig;
use k8s_deploy::gate::{self, RenderOptions};
use k8s_deploy::github_deployment::{Finish, Record};
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
    /// The release: its inventory (`k8s-deploy.<release>`, a Secret in the namespace) records
    /// what it applied and its last known-good set.
    #[arg(long, default_value = "default", value_parser = parse_release)]
    release: String,
    /// Delete the objects the release applied before that the manifests no longer hold (after
    /// a deploy whose rollouts and checks passed; `plan` lists them).
    #[arg(long)]
    prune: bool,
    /// A URL to GET after every rollout is done (repeatable); a failure rolls back.
    #[arg(long, value_name = "URL")]
    health: Vec<String>,
    /// The status the --health URLs must answer (default: any 2xx).
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(100..600))]
    health_status: Option<u16>,
    /// Attempts per --health URL (backoff 1 s, 2 s, 4 s, … up to 10 s between them).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    health_attempts: u32,
    /// How `deploy` replaces the workloads: `rolling` (each workload's own update strategy),
    /// `blue-green` (a second slot, `<name>-blue` / `<name>-green`, verified behind a preview
    /// Service before the Services switch to it) or `canary` (a `<name>-canary` beside the
    /// stable track takes --steps of the traffic through an HTTPRoute or an ingress-nginx
    /// canary Ingress, checked at each step).
    #[arg(long, value_enum, default_value_t = Strategy::Rolling)]
    strategy: Strategy,
    /// Blue-green: the preview Service's name (when one Service routes to the workloads;
    /// default `<service>-preview`).
    #[arg(long, value_name = "NAME")]
    preview_service: Option<String>,
    /// Blue-green: a URL that reaches the new slot through the preview Service, to GET once it
    /// is ready and before the pre-promotion analysis (repeatable); a failure never switches.
    #[arg(long, value_name = "URL")]
    preview_health: Vec<String>,
    /// Blue-green: switch as soon as the new slot is ready; `false` stops before the switch for
    /// `promote` or `reject`.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "true|false")]
    auto_promote: bool,
    /// Blue-green: how long the old slot keeps running after the switch before it is scaled to
    /// zero (`0s` at once).
    #[arg(long, default_value = "30s", value_parser = parse_delay)]
    scale_down_delay: std::time::Duration,
    /// Canary: the canary's share of the traffic at each step, in percent, increasing.
    #[arg(long, value_name = "PERCENT,...", default_value = "20,40,60,80", value_parser = parse_steps)]
    steps: Steps,
    /// Canary: how long each step runs before its health checks and analysis (`0s`, `2m`).
    #[arg(long, default_value = "1m", value_parser = parse_delay)]
    pause: std::time::Duration,
    /// An Argo Rollouts AnalysisTemplate (YAML) whose Prometheus metrics decide: after the
    /// rollouts and health checks (rolling), before and after the switch (blue-green), or at
    /// each step (canary). A failure rolls back.
    #[arg(long, value_name = "FILE")]
    analysis: Option<std::path::PathBuf>,
    /// A value for one of the template's args (repeatable); `service`, `namespace`, `slot`,
    /// `weight`, `stable-hash` and `canary-hash` are filled in by the deploy when not given.
    #[arg(long, value_name = "NAME=VALUE")]
    analysis_arg: Vec<String>,
    /// The Prometheus the analysis queries, instead of the template's `address` (an in-cluster
    /// address the runner cannot reach). Credentials: PROMETHEUS_TOKEN, or PROMETHEUS_USERNAME
    /// and PROMETHEUS_PASSWORD, from the environment.
    #[arg(long, value_name = "URL")]
    prometheus_url: Option<String>,
    /// The GitHub environment `deploy` is recorded in as a GitHub deployment (default: the
    /// namespace).
    #[arg(long, value_name = "NAME")]
    environment: Option<String>,
    /// Where the deployed environment is reached: the `environment-url` output, and the link
    /// of the GitHub deployment's success.
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    environment_url: Option<String>,
    /// Record `deploy` as a GitHub deployment of the commit (statuses in_progress, then success
    /// or failure; the one it replaced inactive; a paused one finished by promote or reject):
    /// `auto` when in Actions with GITHUB_TOKEN, `true`, or `false`. A job with `environment:`
    /// gets one from GitHub: use `false` there.
    #[arg(long, default_value = "auto", value_name = "auto|true|false")]
    github_deployment: k8s_deploy::github_deployment::Mode,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    /// Apply the new version over the old; each workload rolls by its own strategy.
    Rolling,
    /// Deploy the idle slot, verify it, switch the Services' selectors, scale the old slot down.
    BlueGreen,
    /// Step a canary through --steps of the traffic, checking each; then promote it.
    Canary,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// Check the manifests against the lint's rules.
    Lint,
    /// Print the rendered manifests.
    Render,
    /// Lint, then plan on the cluster: what applying would create, change or leave.
    Plan,
    /// Lint, plan, apply every object (server-side apply, dependency order), wait for every
    /// workload's rollout under one --timeout (failing fast on fatal pod states), check
    /// --health; then record the set as known-good (and --prune), or roll back to the last
    /// known-good set.
    Deploy,
    /// Re-apply the release's last known-good set and wait for it.
    Rollback,
    /// Switch a blue-green deploy paused before its switch (`--auto-promote false`), check
    /// --health, and scale the old slot down.
    Promote,
    /// Scale a paused blue-green deploy's slot down and re-apply the known-good set.
    Reject,
    /// List the lint's rules.
    Rules,
}

gates_core::gate_main!(Cli, gates_core::cli::K8S_DEPLOY, async run);

/// `90s`, `10m`, `1h30m` as a duration.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} is not a duration: write e.g. 90s, 10m or 1h"))
}

/// A delay that may be zero: `0s`, `30s`, `5m`.
fn parse_delay(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .ok_or_else(|| format!("{s:?} is not a duration: write e.g. 0s, 30s or 5m"))
}

/// The canary's weights, in percent.
#[derive(Clone, Debug)]
struct Steps(Vec<u32>);

/// Canary weights: `20,40,60,80`, each 1 to 100, increasing.
fn parse_steps(s: &str) -> Result<Steps, String> {
    let steps: Vec<u32> = s
        .split(',')
        .map(|w| w.trim().trim_end_matches('%').parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{s:?} is not a list of percentages: write e.g. 20,40,60,80"))?;
    let increasing = steps.windows(2).all(|w| w[0] < w[1]);
    match !steps.is_empty() && increasing && steps.iter().all(|w| (1..=100).contains(w)) {
        true => Ok(Steps(steps)),
        false => Err(format!(
            "{s:?}: the weights must be percentages from 1 to 100, increasing"
        )),
    }
}

/// An http(s) URL with a host.
fn parse_url(s: &str) -> Result<String, String> {
    k8s_deploy::health::valid(s).map(|()| s.to_string())
}

/// A release name: it names a Secret, so a DNS subdomain's characters.
fn parse_release(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric());
    match ok {
        true => Ok(s.to_string()),
        false => Err(format!(
            "{s:?} is not a release name: use lowercase letters, digits, `-` and `.`"
        )),
    }
}

/// A rollout's change of state, one line in the log as it happens. The object's name comes
/// from the manifests: printed inert, never as a workflow command.
fn progress(m: &manifest::Manifest, status: &k8s_deploy::rollout::Status) {
    use k8s_deploy::rollout::Status;
    let what = match status {
        Status::Waiting(w) => format!("waiting: {w}"),
        Status::Done => "rolled out".into(),
        Status::Failed(why) => format!("failed: {why}"),
        Status::Paused(why) => format!("paused: {why}"),
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

async fn run(
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
    let event = env.event()?;
    if matches!(
        cli.command,
        Command::Deploy | Command::Rollback | Command::Promote | Command::Reject
    ) {
        // The lock is released and the cancellation recorded by the gate itself.
        gates_core::cancel::wind_down();
    }
    if matches!(
        cli.command,
        Command::Rollback | Command::Promote | Command::Reject
    ) {
        let context = env.context(event.as_ref());
        return on_release(cli, env, opts, context, stdout).await;
    }
    let urls = [
        ("--health", &cli.health),
        ("--preview-health", &cli.preview_health),
    ];
    for (flag, url) in urls.iter().flat_map(|(f, u)| u.iter().map(move |u| (f, u))) {
        k8s_deploy::health::valid(url).map_err(|e| {
            InputError::new(
                Origin::Flag((*flag).into()),
                e,
                "give the full URL of the check, e.g. https://api.example.com/health",
            )
        })?;
    }
    if cli.manifests.is_empty() {
        return Err(InputError::new(
            Origin::command_line(),
            "no manifests given",
            "name the manifest files or directories, or `-` for stdin",
        ));
    }
    if !cli.preview_health.is_empty() && cli.strategy != Strategy::BlueGreen {
        return Err(InputError::new(
            Origin::Flag("--preview-health".into()),
            "checks a blue-green deploy's new slot behind its preview Service; this deploy has none",
            "use --health for the checks after a rolling or canary deploy, or --strategy blue-green",
        ));
    }
    if cli.strategy == Strategy::Canary && !cli.auto_promote {
        return Err(InputError::new(
            Origin::Flag("--auto-promote".into()),
            "--auto-promote false stops a blue-green deploy before its switch; a canary is promoted by its steps' checks",
            "leave --auto-promote out with --strategy canary, or use --strategy blue-green to promote by hand",
        ));
    }
    // Before the lint and the cluster, as the health URLs: a bad template or arg is told
    // before anything runs.
    let analysis = match cli.command {
        Command::Deploy => analysis_spec(cli)?,
        _ => None,
    };
    let (cfg, levels) = settings(cli)?;
    let vars = Vars::new(&cli.var, &process_var)
        .map_err(|e| InputError::new(Origin::Flag("--var".into()), e, "fix the flag"))?;
    let images = cfg
        .images
        .iter()
        .map(|e| Substitution::parse(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new(Origin::Flag("--image".into()), e, "fix the flag"))?;
    let rendered = gate::render(
        &RenderOptions {
            inputs: &cli.manifests,
            vars: &vars,
            images: &images,
            namespace: cfg.namespace.as_deref(),
        },
        &mut std::io::stdin().lock(),
    )?;
    if cli.command == Command::Render {
        InputError::printed(stdout.write_all(manifest::render(&rendered.manifests).as_bytes()))?;
        return Ok(ExitStatus::Success);
    }
    let settings = match cfg.production_namespaces.clone() {
        Some(production_namespaces) => Settings {
            production_namespaces,
        },
        None => Settings::default(),
    };
    let mut outcome = gate::lint_outcome(
        &rendered,
        &settings,
        &levels,
        cfg.informational,
        env.context(event.as_ref()),
    );
    if cli.command == Command::Plan {
        let (planned, plan) = async {
            let cluster = connect(cli, env).await?;
            let namespace = target_namespace(&cfg, &cluster, &rendered.manifests);
            let pruning = pruning(cli, &cluster, &namespace, &rendered).await?;
            let planned = strategy_manifests(cli, &cluster, &rendered).await?;
            let plan =
                k8s_deploy::plan::plan(&cluster, &planned.manifests, &apply_settings(cli), pruning)
                    .await?;
            Ok::<_, InputError>((planned, plan))
        }
        .await?;
        k8s_deploy::plan_summary::add(&mut outcome, &planned, &plan, cfg.informational);
    }
    if cli.command == Command::Deploy {
        if outcome.verdict == gates_core::Verdict::Fail {
            outcome
                .notes
                .push("nothing was applied: the lint found errors".into());
        } else {
            let holder = holder(env, event.as_ref());
            let record_settings = record_settings(cli, &cfg);
            let recording = k8s_deploy::github_deployment::plan(env, &record_settings)?;
            let (planned, plan, report, release_error, record) = async {
                let mut cluster = connect(cli, env).await?;
                let options = release_options(
                    cli,
                    &cfg,
                    &cluster,
                    &holder,
                    &rendered.manifests,
                    env.in_actions(),
                    &analysis,
                );
                // Planned before the lock (a dry run changes nothing): the lock may create the
                // namespace, and the plan should say the deploy creates it.
                let slots = match cli.strategy {
                    Strategy::Rolling | Strategy::Canary => None,
                    Strategy::BlueGreen => Some(
                        k8s_deploy::blue_green::plan(
                            &cluster,
                            &rendered.manifests,
                            &blue_green(cli),
                        )
                        .await?,
                    ),
                };
                let pruning = pruning(cli, &cluster, &options.namespace, &rendered).await?;
                let planned = match (&slots, cli.strategy) {
                    (Some((s, _)), _) => s.all(),
                    (None, Strategy::Canary) => {
                        k8s_deploy::canary::planned(&cluster, &rendered.manifests, &canary(cli))
                            .await?
                    }
                    (None, _) => rendered.manifests.clone(),
                };
                let plan =
                    k8s_deploy::plan::plan(&cluster, &planned, &options.settings, pruning).await?;
                if !plan.rejections.is_empty() {
                    return Ok((planned, plan, None, None, Record::none(&record_settings)));
                }
                let lock = Lock::acquire(
                    &cluster,
                    &options.namespace,
                    &holder,
                    cli.timeout * 2 + std::time::Duration::from_secs(600),
                    cli.lock_timeout,
                    namespace_object(&rendered.manifests, &options.namespace)
                        .map(|ns| (&options.settings, ns)),
                )
                .await?;
                let mut record = Record::start(
                    recording,
                    &record_settings,
                    &options.namespace,
                    &cli.release,
                )
                .await;
                let options = k8s_deploy::release::Options {
                    github_deployment: record.recorded(),
                    ..options
                };
                let paused_before = k8s_deploy::github_deployment::paused(
                    &cluster,
                    &options.namespace,
                    &options.release,
                )
                .await;
                let report = match slots {
                    None if cli.strategy == Strategy::Canary => {
                        k8s_deploy::canary::deploy(
                            &mut cluster,
                            &rendered.manifests,
                            &options,
                            &canary(cli),
                            &mut progress,
                        )
                        .await
                    }
                    None => {
                        k8s_deploy::release::deploy(
                            &mut cluster,
                            rendered.manifests.clone(),
                            &options,
                            &mut progress,
                        )
                        .await
                    }
                    Some((slots, previous)) => {
                        k8s_deploy::blue_green::deploy(
                            &mut cluster,
                            slots,
                            previous,
                            &options,
                            &blue_green(cli),
                            &mut progress,
                        )
                        .await
                    }
                };
                // Released whatever happened, so the next deploy need not wait it out; a
                // failure to release does not hide what the deploy did.
                let released = lock.release().await;
                record.finish(&Finish::of(&report)).await;
                // A pause this deploy replaced is never promoted: its record goes inactive.
                let paused_after = k8s_deploy::github_deployment::paused(
                    &cluster,
                    &options.namespace,
                    &options.release,
                )
                .await;
                for gone in paused_before
                    .iter()
                    .filter(|r| !paused_after.iter().any(|a| a.id == r.id))
                {
                    record.retire(gone).await;
                }
                Ok::<_, InputError>((planned, plan, Some(report?), released.err(), record))
            }
            .await?;
            if let Some(e) = release_error {
                outcome.notes.push(lock_note(&e));
            }
            record.add_to(&mut outcome);
            let planned = gate::Rendered {
                manifests: planned,
                changes: rendered.changes.clone(),
            };
            k8s_deploy::plan_summary::add(&mut outcome, &planned, &plan, cfg.informational);
            match report {
                Some(report) => {
                    k8s_deploy::deploy_summary::add(&mut outcome, &report, cfg.informational)
                }
                None => {
                    outcome
                        .notes
                        .push("nothing was applied: the server's dry run refused objects".into());
                    outcome.outputs.retain(|(n, _)| *n != "pruned");
                    outcome.outputs.push(("pruned", "0".into()));
                }
            }
        }
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

/// `k8s-deploy rollback`, `promote` and `reject`: the release's known-good set re-applied, or
/// the paused blue-green deploy finished, under the namespace's lock. No manifests: the
/// release's inventory holds what they need.
async fn on_release(
    cli: &Cli,
    env: &ActionsEnv,
    opts: &EmitOptions,
    context: gates_core::Context,
    stdout: &mut impl Write,
) -> Result<ExitStatus, InputError> {
    use k8s_deploy::release::{Report, Rollback};
    enum Done {
        Rollback(Rollback),
        Report(Box<Report>),
    }
    let (cfg, levels) = settings(cli)?;
    let holder = holder(env, None);
    let analysis = analysis_spec(cli)?;
    let record_settings = record_settings(cli, &cfg);
    // A paused deploy's GitHub deployment is finished by promote or reject; a missing token
    // is told before anything changes.
    let recording = match cli.command {
        Command::Promote | Command::Reject => {
            k8s_deploy::github_deployment::plan(env, &record_settings)?
        }
        _ => None,
    };
    let (done, release_error) = async {
        let mut cluster = connect(cli, env).await?;
        let options = release_options(
            cli,
            &cfg,
            &cluster,
            &holder,
            &[],
            env.in_actions(),
            &analysis,
        );
        let lock = Lock::acquire(
            &cluster,
            &options.namespace,
            &holder,
            cli.timeout * 2 + cli.scale_down_delay + std::time::Duration::from_secs(600),
            cli.lock_timeout,
            None,
        )
        .await?;
        // A release of Argo Rollouts: their own pauses, promoted or aborted.
        let rollouts = match cli.command {
            Command::Promote | Command::Reject => {
                k8s_deploy::argo::resume::of_release(&cluster, &options).await
            }
            _ => Ok(Vec::new()),
        };
        let done = match cli.command {
            Command::Promote | Command::Reject if !rollouts.as_ref().is_ok_and(Vec::is_empty) => {
                let promote = cli.command == Command::Promote;
                match rollouts {
                    Ok(r) => {
                        k8s_deploy::argo::resume::resume(
                            &mut cluster,
                            &options,
                            r,
                            promote,
                            &mut progress,
                        )
                        .await
                    }
                    Err(e) => Err(e),
                }
                .map(|r| Done::Report(Box::new(r)))
            }
            Command::Rollback => {
                k8s_deploy::release::rollback(&mut cluster, &options, &mut progress)
                    .await
                    .map(Done::Rollback)
            }
            Command::Promote => k8s_deploy::blue_green::promote(
                &mut cluster,
                &options,
                &blue_green(cli),
                &mut progress,
            )
            .await
            .map(|r| Done::Report(Box::new(r))),
            _ => k8s_deploy::blue_green::reject(&mut cluster, &options, &mut progress)
                .await
                .map(|r| Done::Report(Box::new(r))),
        };
        // As for deploy: a failure to release does not hide what was done.
        let released = lock.release().await;
        Ok::<_, InputError>((done?, released.err()))
    }
    .await?;
    let manifests = match &done {
        Done::Rollback(Rollback::Done { pass, .. }) => pass.manifests.clone(),
        Done::Rollback(_) => Vec::new(),
        Done::Report(r) => r.deployed.manifests.clone(),
    };
    let rendered = gate::Rendered {
        manifests,
        changes: Vec::new(),
    };
    let mut outcome = gate::outcome(
        &rendered,
        &k8s_deploy::lint::Report::default(),
        &levels,
        cfg.informational,
        context,
    );
    match &done {
        Done::Rollback(r) => {
            k8s_deploy::deploy_summary::add_rollback(&mut outcome, r, cfg.informational)
        }
        Done::Report(r) => k8s_deploy::deploy_summary::add(&mut outcome, r, cfg.informational),
    }
    if let Some(e) = release_error {
        outcome.notes.push(lock_note(&e));
    }
    if let Done::Report(r) = &done {
        if let Some(paused) = r.github_deployment.clone() {
            let finish = match (cli.command, &r.failure) {
                (_, Some(why)) => Finish::Failed(why.clone()),
                (Command::Reject, None) => Finish::Rejected,
                (_, None) => Finish::Succeeded,
            };
            let mut record = Record::resume(recording, &record_settings, paused);
            record.finish(&finish).await;
            record.add_to(&mut outcome);
        }
    }
    emit::emit(&outcome, env, opts, stdout)?;
    Ok(outcome.exit_status())
}

/// The config (the file's section under the flags) and the rules' levels.
fn settings(cli: &Cli) -> Result<(DeployConfig, gates_core::rules::Levels), InputError> {
    let cwd = std::env::current_dir().map_err(|e| InputError::io(".", &e))?;
    let config_path = cli.common.config_path(&cwd);
    let cfg = DeployConfig::load(
        &config_path,
        cli.common.config_required(),
        flags_config(cli),
    )?;
    let levels = gates_core::rules::Levels::new(
        &rules::CATALOGUE,
        &cfg.levels,
        &config_path,
        &cli.common.levels,
    )?;
    Ok((cfg, levels))
}

/// What the flags and the config say about the GitHub deployment record.
fn record_settings(cli: &Cli, cfg: &DeployConfig) -> k8s_deploy::github_deployment::Settings {
    k8s_deploy::github_deployment::Settings {
        mode: cli.github_deployment,
        environment: cli.environment.clone(),
        environment_url: cli.environment_url.clone(),
        production_namespaces: cfg
            .production_namespaces
            .clone()
            .unwrap_or_else(|| Settings::default().production_namespaces),
    }
}

/// The note of a deploy lock that could not be released.
fn lock_note(e: &InputError) -> String {
    format!("warning: the deploy lock was not released ({e}); it expires by itself")
}

/// Who deploys: the run's URL, its job and this process, as the lock and the known-good set
/// record it (two jobs of one run, a matrix, must not share the lock).
fn holder(env: &ActionsEnv, event: Option<&gates_core::event::Event>) -> String {
    let run = env
        .context(event)
        .run_url
        .unwrap_or_else(|| "k8s-deploy".into());
    let job = env
        .get("GITHUB_JOB")
        .map(|j| format!("job {j}, "))
        .unwrap_or_default();
    format!("{run} ({job}process {})", std::process::id())
}

/// Connect to the cluster of the kubeconfig (or --context), its credentials masked in the
/// job's log first.
async fn connect(cli: &Cli, env: &ActionsEnv) -> Result<Cluster, InputError> {
    let cluster = Cluster::connect(cli.context.as_deref()).await?;
    if env.in_actions() {
        let mut log = gates_core::commands::Commands::new(std::io::stderr());
        for secret in cluster.secrets() {
            InputError::printed(log.mask(secret))?;
        }
    }
    Ok(cluster)
}

/// The flags as a partial config, laid on the file's.
fn flags_config(cli: &Cli) -> DeployConfig {
    DeployConfig {
        namespace: cli.namespace.clone(),
        images: cli.image.clone(),
        informational: cli.common.informational,
        ..DeployConfig::default()
    }
}

/// The manifests as `--strategy` applies them (blue-green: slotted for the idle slot).
async fn strategy_manifests(
    cli: &Cli,
    cluster: &Cluster,
    rendered: &gate::Rendered,
) -> Result<gate::Rendered, InputError> {
    let manifests = match cli.strategy {
        Strategy::Rolling => rendered.manifests.clone(),
        Strategy::BlueGreen => {
            k8s_deploy::blue_green::plan(cluster, &rendered.manifests, &blue_green(cli))
                .await?
                .0
                .all()
        }
        Strategy::Canary => {
            k8s_deploy::canary::planned(cluster, &rendered.manifests, &canary(cli)).await?
        }
    };
    Ok(gate::Rendered {
        manifests,
        changes: rendered.changes.clone(),
    })
}

/// The blue-green flags.
fn blue_green(cli: &Cli) -> k8s_deploy::blue_green::BlueGreen {
    k8s_deploy::blue_green::BlueGreen {
        preview_service: cli.preview_service.clone(),
        preview_health: cli.preview_health.clone(),
        auto_promote: cli.auto_promote,
        scale_down_delay: cli.scale_down_delay,
    }
}

/// The canary flags.
fn canary(cli: &Cli) -> k8s_deploy::canary::Canary {
    k8s_deploy::canary::Canary {
        steps: cli.steps.0.clone(),
        pause: cli.pause,
    }
}

fn apply_settings(cli: &Cli) -> k8s_deploy::plan::ApplySettings {
    k8s_deploy::plan::ApplySettings {
        field_manager: cli.field_manager.clone(),
        force_conflicts: cli.force_conflicts,
    }
}

/// The namespace of the lock and the inventory: `--namespace`, the config's, the one namespace
/// the manifests name, the context's.
fn target_namespace(
    cfg: &DeployConfig,
    cluster: &Cluster,
    manifests: &[manifest::Manifest],
) -> String {
    let named: std::collections::BTreeSet<&str> =
        manifests.iter().filter_map(|m| m.namespace()).collect();
    cfg.namespace
        .clone()
        .or_else(|| (named.len() == 1).then(|| named.first().unwrap().to_string()))
        .unwrap_or_else(|| cluster.default_namespace.clone())
}

/// The manifests' Namespace `namespace`, which the lock may apply first.
fn namespace_object<'m>(
    manifests: &'m [manifest::Manifest],
    namespace: &str,
) -> Option<&'m serde_json::Value> {
    manifests
        .iter()
        .find(|m| m.kind() == "Namespace" && m.name() == namespace)
        .map(|m| &m.value)
}

fn release_options(
    cli: &Cli,
    cfg: &DeployConfig,
    cluster: &Cluster,
    holder: &str,
    manifests: &[manifest::Manifest],
    in_actions: bool,
    analysis: &Option<std::sync::Arc<k8s_deploy::release::AnalysisSpec>>,
) -> k8s_deploy::release::Options {
    k8s_deploy::release::Options {
        namespace: target_namespace(cfg, cluster, manifests),
        release: cli.release.clone(),
        settings: apply_settings(cli),
        timeout: cli.timeout,
        prune: cli.prune,
        health: cli.health.clone(),
        expect: k8s_deploy::health::Expect {
            status: cli.health_status,
            attempts: cli.health_attempts,
            ..Default::default()
        },
        by: holder.to_string(),
        group_progress: in_actions,
        analysis: analysis.clone(),
        github_deployment: None,
    }
}

/// The `--analysis` template and its settings; an unreadable template or a bad
/// `--analysis-arg` stops the gate before anything is applied.
fn analysis_spec(
    cli: &Cli,
) -> Result<Option<std::sync::Arc<k8s_deploy::release::AnalysisSpec>>, InputError> {
    let Some(path) = &cli.analysis else {
        // Dropped silently, an arg or address meant for an analysis would let the deploy pass
        // unmeasured.
        let given = [
            ("--analysis-arg", !cli.analysis_arg.is_empty()),
            ("--prometheus-url", cli.prometheus_url.is_some()),
        ];
        if let Some((flag, _)) = given.into_iter().find(|(_, given)| *given) {
            return Err(InputError::new(
                Origin::Flag(flag.into()),
                "given without --analysis: there is no analysis template for it",
                "add --analysis FILE (an Argo Rollouts AnalysisTemplate), or drop the flag",
            ));
        }
        return Ok(None);
    };
    let template = k8s_deploy::analysis::Template::load(path)?;
    let mut args = std::collections::BTreeMap::new();
    for a in &cli.analysis_arg {
        let flag = || Origin::Flag("--analysis-arg".into());
        let Some((name, value)) = a.split_once('=') else {
            return Err(InputError::new(
                flag(),
                format!("{a:?} has no `=`"),
                "write --analysis-arg NAME=VALUE",
            ));
        };
        if !template.arg_names().any(|n| n == name) {
            let declared: Vec<&str> = template.arg_names().collect();
            return Err(InputError::new(
                flag(),
                format!(
                    "{} declares no arg {name:?} (its args: {})",
                    path.display(),
                    declared.join(", ")
                ),
                "check the arg's name against the template's spec.args",
            ));
        }
        args.insert(name.to_string(), value.to_string());
    }
    Ok(Some(std::sync::Arc::new(
        k8s_deploy::release::AnalysisSpec {
            template,
            settings: k8s_deploy::analysis::Settings {
                args,
                prometheus_url: cli.prometheus_url.clone(),
                auth: k8s_deploy::analysis::Auth::from_process(),
            },
        },
    )))
}

/// What `--prune` would delete: the release's objects gone from the manifests.
async fn pruning(
    cli: &Cli,
    cluster: &Cluster,
    namespace: &str,
    rendered: &gate::Rendered,
) -> Result<Vec<k8s_deploy::inventory::ObjectRef>, InputError> {
    if !cli.prune {
        return Ok(Vec::new());
    }
    let inventory =
        k8s_deploy::inventory::Inventory::read(cluster, namespace, &cli.release).await?;
    let wanted = k8s_deploy::release::wanted(cluster, &rendered.manifests);
    Ok(inventory.gone_from(&wanted))
}
