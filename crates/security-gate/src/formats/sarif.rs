//! SARIF 2.1.0 from any tool. Level: `result.level`, else the rule's
//! `defaultConfiguration.level`, else `warning`; the rule's numeric `security-severity` wins and
//! is banded as GitHub bands it. `kind` other than `fail` is not a finding; `suppressions` with
//! status absent or `accepted` suppress; several runs per file.

use std::collections::HashMap;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{secret_rule, Ctx};
use crate::model::{Finding, Kind, Report, Severity};

#[derive(Deserialize)]
struct Tool {
    driver: Component,
    #[serde(default)]
    extensions: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    name: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: Option<String>,
    name: Option<String>,
    short_description: Option<Message>,
    default_configuration: Option<Config>,
    properties: Option<HashMap<String, Value>>,
}

#[derive(Deserialize)]
struct Config {
    level: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    level: Option<String>,
    kind: Option<String>,
    message: Option<Message>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    suppressions: Vec<Suppression>,
    baseline_state: Option<String>,
    #[serde(default)]
    partial_fingerprints: HashMap<String, String>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: Option<String>,
    uri_base_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<u32>,
    end_line: Option<u32>,
    snippet: Option<Message>,
}

#[derive(Deserialize)]
struct Suppression {
    kind: Option<String>,
    status: Option<String>,
    justification: Option<String>,
}

fn level_severity(level: &str) -> Option<Severity> {
    match level {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::Info),
        _ => None,
    }
}

/// The rules of one run, for resolving results.
struct Conv<'t> {
    tool: String,
    rules: Vec<&'t Rule>,
    by_id: HashMap<&'t str, &'t Rule>,
}

impl<'t> Conv<'t> {
    fn new(tool: &'t Tool) -> Self {
        let rules: Vec<&Rule> = tool
            .driver
            .rules
            .iter()
            .chain(tool.extensions.iter().flat_map(|e| e.rules.iter()))
            .collect();
        let by_id = rules
            .iter()
            .filter_map(|r| Some((r.id.as_deref()?, *r)))
            .collect();
        Conv {
            tool: tool.driver.name.to_lowercase(),
            rules,
            by_id,
        }
    }
}

/// One result as a finding; `None` when it is not a failure or is absent from this run.
fn convert(
    r: &SarifResult,
    conv: &Conv<'_>,
    bases: &HashMap<String, ArtifactLocation>,
    ctx: &Ctx<'_>,
) -> Option<Finding> {
    // pass, notApplicable, informational, review, open: not a failure.
    if r.kind.as_deref().is_some_and(|k| k != "fail") {
        return None;
    }
    let index = r.rule_index.or(r.rule.as_ref().and_then(|x| x.index));
    let rule_id = r
        .rule_id
        .clone()
        .or_else(|| r.rule.as_ref().and_then(|x| x.id.clone()))
        .or_else(|| {
            index
                .and_then(|i| conv.rules.get(i))
                .and_then(|x| x.id.clone())
        })
        .unwrap_or_else(|| "(no rule)".into());
    let rule = index
        .and_then(|i| conv.rules.get(i).copied())
        .or_else(|| conv.by_id.get(rule_id.as_str()).copied());
    let score = rule
        .and_then(|x| x.properties.as_ref())
        .and_then(|p| p.get("security-severity"))
        .and_then(|v| {
            v.as_str()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .or_else(|| v.as_f64())
        });
    let level = r.level.clone().or_else(|| {
        rule.and_then(|x| x.default_configuration.as_ref())
            .and_then(|c| c.level.clone())
    });
    let (severity, source) = match (score.and_then(Severity::from_cvss), &level) {
        (Some(s), _) => (
            s,
            format!("security-severity {}", score.unwrap_or_default()),
        ),
        (None, Some(l)) => (
            level_severity(l).unwrap_or(Severity::Medium),
            format!("SARIF level {l}"),
        ),
        (None, None) => (Severity::Medium, "SARIF default level warning".to_string()),
    };
    let is_secret = secret_rule(&rule_id)
        || rule
            .and_then(|x| x.properties.as_ref())
            .and_then(|p| p.get("tags"))
            .is_some_and(|t| t.to_string().to_lowercase().contains("secret"));
    let mut f = Finding::code(&conv.tool, &rule_id, severity, source);
    f.title = rule
        .and_then(|x| {
            x.short_description
                .as_ref()
                .and_then(|m| m.text.clone())
                .or_else(|| x.name.clone())
        })
        .unwrap_or_else(|| rule_id.clone());
    f.message = r
        .message
        .as_ref()
        .and_then(|m| m.text.clone())
        .unwrap_or_default();
    if let Some(pl) = r
        .locations
        .first()
        .and_then(|l| l.physical_location.as_ref())
    {
        if let Some(a) = &pl.artifact_location {
            let base = a
                .uri_base_id
                .as_ref()
                .and_then(|b| bases.get(b))
                .and_then(|b| b.uri.clone());
            f.path = a.uri.as_deref().map(|u| {
                ctx.repo_path(&match &base {
                    Some(b) if !u.contains("://") => {
                        format!("{}/{}", b.trim_end_matches('/'), u)
                    }
                    _ => u.to_string(),
                })
            });
        }
        if let Some(reg) = &pl.region {
            f.start_line = reg.start_line;
            f.end_line = reg.end_line.or(reg.start_line);
            if !is_secret {
                f.snippet = reg.snippet.as_ref().and_then(|s| s.text.clone());
            }
        }
    }
    if is_secret {
        f.kind = Kind::Secret;
        // The snippet of a secret rule is the secret: never kept; its hash identifies it.
        let snippet = r
            .locations
            .first()
            .and_then(|l| l.physical_location.as_ref())
            .and_then(|p| p.region.as_ref())
            .and_then(|r| r.snippet.as_ref())
            .and_then(|s| s.text.as_deref())
            .unwrap_or("");
        f.secret_hash = Some(super::hash(&format!(
            "{rule_id}\0{}\0{snippet}",
            f.path.as_deref().unwrap_or("")
        )));
        f.message = f.title.clone();
    }
    // Without a snippet, the producer's own line hash stands in for the flagged text.
    if f.snippet.is_none() && !is_secret {
        f.snippet = r
            .partial_fingerprints
            .get("primaryLocationLineHash")
            .cloned();
    }
    if r.baseline_state.as_deref() == Some("absent") {
        return None;
    }
    if let Some(s) = r
        .suppressions
        .iter()
        .find(|s| matches!(s.status.as_deref(), None | Some("accepted")))
    {
        f.suppressed = Some(format!(
            "SARIF suppression ({}){}",
            s.kind.as_deref().unwrap_or("external"),
            s.justification
                .as_deref()
                .map(|j| format!(": {j}"))
                .unwrap_or_default()
        ));
    }
    Some(f)
}

/// Results are converted one at a time while the log is read (SARIF logs run to hundreds of
/// megabytes); a run whose `tool` comes after its `results` is buffered instead.
pub fn parse(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut report = Report::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = LogSeed {
        ctx,
        report: &mut report,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    res.map_err(|e| {
        format!(
            "invalid SARIF at line {} column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    Ok(report)
}

struct LogSeed<'a, 'c> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a SARIF log")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: String = map.next_value()?;
                    if v != "2.1.0" {
                        return Err(de::Error::custom(format!(
                            "SARIF version {v:?} is not 2.1.0"
                        )));
                    }
                }
                "runs" => map.next_value_seed(RunsSeed {
                    ctx: self.ctx,
                    report: &mut *self.report,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RunsSeed<'a, 'c> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
}

impl<'de> DeserializeSeed<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of runs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(RunSeed {
                ctx: self.ctx,
                report: &mut *self.report,
            })?
            .is_some()
        {}
        Ok(())
    }
}

struct RunSeed<'a, 'c> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
}

impl<'de> DeserializeSeed<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a SARIF run")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut tool: Option<Tool> = None;
        let mut bases: HashMap<String, ArtifactLocation> = HashMap::new();
        let mut buffered: Vec<SarifResult> = Vec::new();
        let first = self.report.findings.len();
        // Results streamed before `originalUriBaseIds` was seen: (finding index, result uri, base id).
        let mut unresolved: Vec<(usize, String, String)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" => tool = Some(map.next_value()?),
                "originalUriBaseIds" => bases = map.next_value()?,
                "results" => match &tool {
                    Some(t) => {
                        let conv = Conv::new(t);
                        map.next_value_seed(ResultsSeed {
                            ctx: self.ctx,
                            report: &mut *self.report,
                            conv: &conv,
                            bases: &bases,
                            unresolved: &mut unresolved,
                        })?
                    }
                    None => buffered = map.next_value()?,
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let tool = tool.ok_or_else(|| de::Error::missing_field("tool"))?;
        let conv = Conv::new(&tool);
        self.report.tools.push(conv.tool.clone());
        for r in &buffered {
            if let Some(f) = convert(r, &conv, &bases, self.ctx) {
                self.report.findings.push(f);
            }
        }
        for (i, uri, base) in unresolved {
            if let Some(b) = bases.get(&base).and_then(|b| b.uri.as_deref()) {
                self.report.findings[first + i].path = Some(self.ctx.repo_path(&format!(
                    "{}/{}",
                    b.trim_end_matches('/'),
                    uri
                )));
            }
        }
        Ok(())
    }
}

struct ResultsSeed<'a, 'c, 't> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
    conv: &'a Conv<'t>,
    bases: &'a HashMap<String, ArtifactLocation>,
    unresolved: &'a mut Vec<(usize, String, String)>,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of results")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let first = self.report.findings.len();
        while let Some(r) = seq.next_element::<SarifResult>()? {
            let Some(f) = convert(&r, self.conv, self.bases, self.ctx) else {
                continue;
            };
            let loc = r
                .locations
                .first()
                .and_then(|l| l.physical_location.as_ref())
                .and_then(|p| p.artifact_location.as_ref());
            if let Some((Some(uri), Some(base))) =
                loc.map(|a| (a.uri.clone(), a.uri_base_id.clone()))
            {
                if !self.bases.contains_key(&base) && !uri.contains("://") {
                    self.unresolved
                        .push((self.report.findings.len() - first, uri, base));
                }
            }
            self.report.findings.push(f);
        }
        Ok(())
    }
}
