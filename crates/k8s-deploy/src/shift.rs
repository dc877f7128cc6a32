//! What the strategies that shift traffic step by step (blue-green, canary) share: the
//! analysis with its baseline, a pause the job can cancel, scaling a Deployment to zero, the
//! objects of a pass as applied, and one log line per step.

use std::time::Duration;

use gates_core::InputError;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::analysis;
use crate::cluster::{api_error, retrying, Cluster};
use crate::deploy;
use crate::inventory::KnownGood;
use crate::manifest;
use crate::plan::ApplySettings;
use crate::release::{self, Options, Pass};

/// The args a deploy fills in for an analysis: the namespace, then `extra` (`service`, the
/// slot or the canary's weight).
pub(crate) type Fill = Vec<(&'static str, String)>;

/// Log `line` of the `strategy`'s steps as it happens, and keep it in `steps`. Names come from
/// the manifests: printed inert.
pub(crate) fn step(strategy: &str, steps: &mut Vec<String>, line: String) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{}",
            gates_core::commands::inert(&format!("{strategy}: {line}"))
        );
    }
    steps.push(line);
}

/// The analysis of a deploy that shifts traffic: its baseline (taken before anything
/// changes, through the live Services) and its runs.
pub(crate) struct Checks {
    spec: Option<std::sync::Arc<release::AnalysisSpec>>,
    baseline: analysis::Baseline,
    /// The baseline (when measured), then every run, in order.
    pub runs: Vec<analysis::Run>,
}

impl Checks {
    /// The baseline with the args `fill`, when there is an analysis.
    pub async fn new(
        opts: &Options,
        fill: &[(&'static str, String)],
    ) -> Result<Checks, InputError> {
        let mut checks = Checks {
            spec: opts.analysis.clone(),
            baseline: analysis::Baseline::default(),
            runs: Vec::new(),
        };
        if let Some(spec) = &checks.spec {
            let (baseline, shown) = spec.baseline(&with_namespace(opts, fill)).await?;
            checks.baseline = baseline;
            checks.runs.extend(shown);
        }
        Ok(checks)
    }

    /// Run the `phase` analysis with the args `fill`: why it stops the deploy, if it does.
    pub async fn analyse(
        &mut self,
        phase: &str,
        fill: &[(&'static str, String)],
        opts: &Options,
    ) -> Result<Option<String>, InputError> {
        let Some(spec) = &self.spec else {
            return Ok(None);
        };
        let run = spec
            .run(
                &self.baseline,
                phase,
                &with_namespace(opts, fill),
                opts.timeout,
            )
            .await?;
        let failure = release::analysis_failure(&run);
        self.runs.push(run);
        Ok(failure)
    }
}

/// `stable-hash` and `canary-hash`: the `pod-template-hash` of Deployments `stable` (the pods
/// serving now) and `latest` (the new ones), the values Argo Rollouts' `podTemplateHashValue`
/// (`Stable`, `Latest`) gives a template, so one template tells the new pods' series from the
/// old ones' with or without the controller. Without `latest` (a baseline, taken before the
/// new pods serve) both are the stable pods'. Asked only when there is an analysis; a hash
/// that cannot be told is left out.
pub(crate) async fn hash_args(
    cluster: &Cluster,
    opts: &Options,
    namespace: Option<&str>,
    stable: &str,
    latest: Option<&str>,
) -> Fill {
    let mut out = Vec::new();
    if opts.analysis.is_none() {
        return out;
    }
    let ns = namespace.unwrap_or(&opts.namespace);
    let stable = deploy::pod_template_hash(cluster, ns, stable).await;
    let latest = match latest {
        Some(name) => deploy::pod_template_hash(cluster, ns, name).await,
        None => stable.clone(),
    };
    out.extend(stable.map(|h| ("stable-hash", h)));
    out.extend(latest.map(|h| ("canary-hash", h)));
    out
}

/// Which of the routed Services `routed` the analysis measures (their canary or preview
/// copies are in the same order): the one `--analysis-arg service=` names, or the first. A
/// name none of them has is refused before anything changes: the deploy measures its own copy
/// of a routed Service, and could only guess which.
pub(crate) fn measured(opts: &Options, routed: &[String]) -> Result<usize, InputError> {
    let given = opts
        .analysis
        .as_ref()
        .and_then(|a| a.settings.args.get("service"));
    let Some(given) = given else { return Ok(0) };
    routed.iter().position(|s| s == given).ok_or_else(|| {
        InputError::new(
            gates_core::error::Origin::Flag("--analysis-arg".into()),
            format!(
                "service={given} names none of the Services this deploy routes ({}): a canary step or a blue-green preview is measured through its own copy of one of them",
                routed.join(", ")
            ),
            "name one of those Services, or leave service out (the first is measured)",
        )
    })
}

/// `fill` after the release's namespace.
fn with_namespace(opts: &Options, fill: &[(&'static str, String)]) -> Fill {
    let mut out = vec![("namespace", opts.namespace.clone())];
    out.extend(fill.iter().cloned());
    out
}

/// The namespace the server placed object `kind` `name` of `pass` in.
pub(crate) fn applied_namespace(pass: &Pass, kind: &str, name: &str) -> Option<String> {
    pass.applied
        .iter()
        .map(|a| &a.object)
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .and_then(|o| o["metadata"]["namespace"].as_str())
        .map(str::to_string)
}

/// Wait `delay`, stopping early when the job is cancelled; `state` says what is left running
/// then.
pub(crate) async fn pause(delay: Duration, state: &str) -> Result<(), InputError> {
    let end = Instant::now() + delay;
    while Instant::now() < end {
        if gates_core::cancel::requested() {
            return Err(gates_core::cancel::cancelled(state));
        }
        tokio::time::sleep_until(end.min(Instant::now() + Duration::from_millis(200))).await;
    }
    Ok(())
}

/// Scale Deployment `name` to zero by server-side apply of the object as it was applied (from
/// `good`, else the live object's spec), forcing `replicas` away from an autoscaler that owned
/// it. `None` when there is no such Deployment.
pub(crate) async fn scale_down(
    cluster: &mut Cluster,
    opts: &Options,
    good: Option<&KnownGood>,
    namespace: Option<&str>,
    name: &str,
    deadline: Instant,
) -> Result<Option<Value>, InputError> {
    let recorded = good.and_then(|g| {
        g.objects
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name)
            .cloned()
    });
    let mut object = match recorded {
        Some(o) => o,
        None => {
            let Some(target) = cluster.resolve("apps/v1", "Deployment", namespace) else {
                return Ok(None);
            };
            let api = cluster.api(&target);
            let Some(live) = retrying(|| api.get_opt(name))
                .await
                .map_err(|e| api_error(&e, &format!("reading Deployment {name}")))?
            else {
                return Ok(None);
            };
            crate::slots::as_it_runs(&serde_json::to_value(live).expect("an object serialises"))
        }
    };
    object["spec"]["replicas"] = json!(0);
    let manifests = manifest::rendered("(scale-down)", std::slice::from_ref(&object))?;
    let settings = ApplySettings {
        field_manager: opts.settings.field_manager.clone(),
        force_conflicts: true,
    };
    deploy::apply(cluster, &manifests, &settings, deadline).await?;
    Ok(Some(object))
}
