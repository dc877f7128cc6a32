//! SARIF 2.1.0 from any tool. Level: `result.level`, else the rule's
//! `defaultConfiguration.level`, else `warning`; the rule's numeric `security-severity` wins and
//! is banded as GitHub bands it. `kind` other than `fail` is not a finding; `suppressions` with
//! status absent or `accepted` suppress; several runs per file.
//!
//! Logs run to hundreds of megabytes: results are read one at a time, borrowing their text from
//! the input where they can, and everything a rule decides (id, title, severity and why) is
//! worked out once per rule, not once per result.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{secret_rule, Ctx};
use crate::fingerprint::text_digest;
use crate::model::{Finding, Kind, Name, Report, Severity};

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
    properties: Option<Unique<Value>>,
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
struct Snippet<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(borrow)]
    rule_id: Option<Cow<'a, str>>,
    rule_index: Option<usize>,
    #[serde(borrow)]
    rule: Option<RuleRef<'a>>,
    #[serde(borrow)]
    level: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    message: Option<Message>,
    #[serde(borrow, default)]
    locations: Vec<Location<'a>>,
    #[serde(borrow, default)]
    suppressions: Vec<Suppression<'a>>,
    #[serde(borrow)]
    baseline_state: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    partial_fingerprints: PartialFingerprints<'a>,
}

#[derive(Deserialize)]
struct RuleRef<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    index: Option<usize>,
}

#[derive(Deserialize, Default)]
struct PartialFingerprints<'a> {
    #[serde(rename = "primaryLocationLineHash", borrow)]
    primary_location_line_hash: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(borrow)]
    physical_location: Option<PhysicalLocation<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    #[serde(borrow)]
    artifact_location: Option<ArtifactLocation<'a>>,
    #[serde(borrow)]
    region: Option<Region<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri_base_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: Option<u32>,
    end_line: Option<u32>,
    #[serde(borrow)]
    snippet: Option<Snippet<'a>>,
}

#[derive(Deserialize)]
struct Suppression<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    justification: Option<Cow<'a, str>>,
}

/// `originalUriBaseIds`: base id to its URI.
type Bases = HashMap<String, BaseUri>;

/// An object read as a map whose keys must differ: with a key twice, a reader may take either
/// value, so the log is refused (`serde` keeps the last silently).
struct Unique<V>(HashMap<String, V>);

impl<V> std::ops::Deref for Unique<V> {
    type Target = HashMap<String, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Unique<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = Unique<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique<V>, A::Error> {
                let mut out = HashMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let v = map.next_value()?;
                    out.insert(key, v);
                }
                Ok(Unique(out))
            }
        }
        d.deserialize_map(V_(std::marker::PhantomData))
    }
}

/// Refuse a key seen before in the same object (`what` names the object).
fn once<E: de::Error>(seen: &mut Vec<String>, key: &str, what: &str) -> Result<(), E> {
    if seen.iter().any(|k| k == key) {
        return Err(E::custom(format!("duplicate key `{key}` in {what}")));
    }
    seen.push(key.to_string());
    Ok(())
}

#[derive(Deserialize)]
struct BaseUri {
    uri: Option<String>,
}

/// The standard levels, their severity, and the reason shown for it.
const LEVELS: [(&str, Severity); 4] = [
    ("error", Severity::High),
    ("warning", Severity::Medium),
    ("note", Severity::Low),
    ("none", Severity::Info),
];

/// What a rule decides for its results, worked out once.
struct RuleInfo {
    id: Option<Name>,
    title: Option<Name>,
    secret: bool,
    /// From a numeric `security-severity`, which wins over levels.
    by_score: Option<(Severity, Name)>,
    default_level: Option<String>,
}

/// The rules of one run, for resolving results.
struct Conv {
    tool: Name,
    rules: Vec<RuleInfo>,
    by_id: HashMap<String, usize>,
    /// The standard levels' severities and reasons, interned once.
    levels: Vec<(&'static str, Severity, Name)>,
    /// No level anywhere: SARIF's default, warning.
    default: (Severity, Name),
}

impl Conv {
    fn new(tool: &Tool, ctx: &Ctx<'_>) -> Self {
        let rules: Vec<RuleInfo> = tool
            .driver
            .rules
            .iter()
            .chain(tool.extensions.iter().flat_map(|e| e.rules.iter()))
            .map(|r| {
                let score = r
                    .properties
                    .as_ref()
                    .and_then(|p| p.get("security-severity"))
                    .and_then(|v| {
                        v.as_str()
                            .and_then(|s| s.trim().parse::<f64>().ok())
                            .or_else(|| v.as_f64())
                    });
                let tagged_secret = r
                    .properties
                    .as_ref()
                    .and_then(|p| p.get("tags"))
                    .is_some_and(|t| t.to_string().to_lowercase().contains("secret"));
                RuleInfo {
                    id: r.id.as_deref().map(|i| ctx.name(i)),
                    title: r
                        .short_description
                        .as_ref()
                        .and_then(|m| m.text.as_deref())
                        .or(r.name.as_deref())
                        .map(|t| ctx.name(t)),
                    secret: tagged_secret || r.id.as_deref().is_some_and(secret_rule),
                    by_score: score.and_then(|sc| {
                        Severity::from_cvss(sc)
                            .map(|sev| (sev, ctx.name(&format!("security-severity {sc}"))))
                    }),
                    default_level: r
                        .default_configuration
                        .as_ref()
                        .and_then(|c| c.level.clone()),
                }
            })
            .collect();
        let by_id = rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((r.id.as_deref()?.to_string(), i)))
            .collect();
        Conv {
            tool: ctx.name(&tool.driver.name.to_lowercase()),
            rules,
            by_id,
            levels: LEVELS
                .iter()
                .map(|(l, s)| (*l, *s, ctx.name(&format!("SARIF level {l}"))))
                .collect(),
            default: (Severity::Medium, ctx.name("SARIF default level warning")),
        }
    }

    /// Severity and why: the rule's score, else the level (the result's, else the rule's).
    fn severity(
        &self,
        rule: Option<&RuleInfo>,
        level: Option<&str>,
        ctx: &Ctx<'_>,
    ) -> (Severity, Name) {
        if let Some(s) = rule.and_then(|r| r.by_score.clone()) {
            return s;
        }
        match level.or_else(|| rule.and_then(|r| r.default_level.as_deref())) {
            None => self.default.clone(),
            Some(l) => match self.levels.iter().find(|(name, ..)| *name == l) {
                Some((_, sev, why)) => (*sev, why.clone()),
                None => (Severity::Medium, ctx.name(&format!("SARIF level {l}"))),
            },
        }
    }
}

/// The repository path of a result's artifact, resolved against `originalUriBaseIds`.
fn result_path(a: &ArtifactLocation<'_>, bases: &Bases, ctx: &Ctx<'_>) -> Option<Name> {
    let uri = a.uri.as_deref()?;
    let base = a
        .uri_base_id
        .as_deref()
        .and_then(|b| bases.get(b))
        .and_then(|b| b.uri.as_deref());
    Some(match base {
        Some(b) if !uri.contains("://") => {
            ctx.repo_path(&format!("{}/{}", b.trim_end_matches('/'), uri))
        }
        _ => ctx.repo_path(uri),
    })
}

/// One result as a finding; `None` when it is not a failure or is absent from this run.
fn convert(r: SarifResult<'_>, conv: &Conv, bases: &Bases, ctx: &Ctx<'_>) -> Option<Finding> {
    // pass, notApplicable, informational, review, open: not a failure.
    if r.kind.as_deref().is_some_and(|k| k != "fail")
        || r.baseline_state.as_deref() == Some("absent")
    {
        return None;
    }
    let index = r.rule_index.or(r.rule.as_ref().and_then(|x| x.index));
    let by_index = index.and_then(|i| conv.rules.get(i));
    let named = r
        .rule_id
        .as_deref()
        .or_else(|| r.rule.as_ref().and_then(|x| x.id.as_deref()));
    let rule = by_index.or_else(|| {
        named
            .and_then(|id| conv.by_id.get(id))
            .map(|&i| &conv.rules[i])
    });
    let rule_id: Name = match (named, rule.and_then(|x| x.id.as_ref())) {
        (Some(n), Some(id)) if **id == *n => id.clone(),
        (Some(n), _) => ctx.name(n),
        (None, Some(id)) => id.clone(),
        (None, None) => ctx.name("(no rule)"),
    };
    let (severity, source) = conv.severity(rule, r.level.as_deref(), ctx);
    let is_secret = match rule {
        Some(x) if x.id.as_ref() == Some(&rule_id) => x.secret,
        _ => secret_rule(&rule_id) || rule.is_some_and(|x| x.secret),
    };
    let mut f = Finding::code(conv.tool.clone(), rule_id, severity, source);
    if let Some(t) = rule.and_then(|x| x.title.clone()) {
        f.title = t;
    }
    f.message = r.message.and_then(|m| m.text).unwrap_or_default();
    let pl = r
        .locations
        .first()
        .and_then(|l| l.physical_location.as_ref());
    f.path = pl
        .and_then(|p| p.artifact_location.as_ref())
        .and_then(|a| result_path(a, bases, ctx));
    let region = pl.and_then(|p| p.region.as_ref());
    if let Some(reg) = region {
        f.start_line = reg.start_line;
        f.end_line = reg.end_line.or(reg.start_line);
    }
    let snippet = region
        .and_then(|r| r.snippet.as_ref())
        .and_then(|s| s.text.as_deref());
    if is_secret {
        f.kind = Kind::Secret;
        // The snippet of a secret rule is the secret: never kept; its hash identifies it.
        f.secret_hash = Some(super::hash(&format!(
            "{}\0{}\0{}",
            f.rule,
            f.path.as_deref().unwrap_or(""),
            snippet.unwrap_or("")
        )));
        f.message = f.title.to_string();
    } else {
        // Without a snippet, the producer's own line hash stands in for the flagged text.
        f.flagged_text = snippet.and_then(text_digest).or_else(|| {
            r.partial_fingerprints
                .primary_location_line_hash
                .as_deref()
                .and_then(text_digest)
        });
    }
    if let Some(s) = r
        .suppressions
        .iter()
        .find(|s| matches!(s.status.as_deref(), None | Some("accepted")))
    {
        f.suppressed = Some(ctx.name(&format!(
            "SARIF suppression ({}){}",
            s.kind.as_deref().unwrap_or("external"),
            s.justification
                .as_deref()
                .map(|j| format!(": {j}"))
                .unwrap_or_default()
        )));
    }
    Some(f)
}

/// Why a SARIF log could not be read, and where (1-based) when known.
#[derive(Debug)]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// Line.
    pub line: Option<usize>,
    /// Column.
    pub column: Option<usize>,
}

/// Results are converted one at a time while the log is read (SARIF logs run to hundreds of
/// megabytes); a run whose `tool` comes after its `results` is buffered instead.
pub fn parse(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Report, Error> {
    let mut report = Report::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut has_runs = false;
    let res = LogSeed {
        ctx,
        report: &mut report,
        has_runs: &mut has_runs,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    res.map_err(|e| Error {
        // serde_json appends " at line L column C"; the position is kept apart.
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
        line: Some(e.line()),
        column: Some(e.column()),
    })?;
    if !has_runs {
        // Another tool's JSON read as SARIF: nothing would be found in it.
        return Err(Error {
            message: "the log has no `runs`".into(),
            line: None,
            column: None,
        });
    }
    Ok(report)
}

struct LogSeed<'a, 'c> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
    has_runs: &'a mut bool,
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
        let mut seen = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            once(&mut seen, &key, "the log")?;
            match key.as_str() {
                "version" => {
                    let v: String = map.next_value()?;
                    if v != "2.1.0" {
                        return Err(de::Error::custom(format!(
                            "SARIF version {v:?} is not 2.1.0"
                        )));
                    }
                }
                "runs" => {
                    *self.has_runs = true;
                    map.next_value_seed(RunsSeed {
                        ctx: self.ctx,
                        report: &mut *self.report,
                    })?
                }
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
        let mut bases = Bases::new();
        let mut buffered: Vec<SarifResult<'de>> = Vec::new();
        // Results streamed before `originalUriBaseIds` was seen: (finding index, result uri, base id).
        let mut unresolved: Vec<(usize, String, String)> = Vec::new();
        let mut seen = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            // A second `results` or `originalUriBaseIds` would be read against the wrong one.
            once(&mut seen, &key, "a run")?;
            match key.as_str() {
                "tool" => tool = Some(map.next_value()?),
                "originalUriBaseIds" => bases = map.next_value::<Unique<BaseUri>>()?.0,
                "results" => match &tool {
                    Some(t) => {
                        let conv = Conv::new(t, self.ctx);
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
        let conv = Conv::new(&tool, self.ctx);
        self.report.tools.push(conv.tool.to_string());
        for r in buffered {
            if let Some(f) = convert(r, &conv, &bases, self.ctx) {
                self.report.findings.push(f);
            }
        }
        for (i, uri, base) in unresolved {
            if let Some(b) = bases.get(&base).and_then(|b| b.uri.as_deref()) {
                self.report.findings[i].path = Some(self.ctx.repo_path(&format!(
                    "{}/{}",
                    b.trim_end_matches('/'),
                    uri
                )));
            }
        }
        Ok(())
    }
}

struct ResultsSeed<'a, 'c> {
    ctx: &'a Ctx<'c>,
    report: &'a mut Report,
    conv: &'a Conv,
    bases: &'a Bases,
    unresolved: &'a mut Vec<(usize, String, String)>,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of results")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<SarifResult<'de>>()? {
            // A base id not declared yet may come later in the run: remember the raw URI.
            let pending = r
                .locations
                .first()
                .and_then(|l| l.physical_location.as_ref())
                .and_then(|p| p.artifact_location.as_ref())
                .and_then(|a| match (a.uri.as_deref(), a.uri_base_id.as_deref()) {
                    (Some(uri), Some(base))
                        if !self.bases.contains_key(base) && !uri.contains("://") =>
                    {
                        Some((uri.to_string(), base.to_string()))
                    }
                    _ => None,
                });
            let Some(f) = convert(r, self.conv, self.bases, self.ctx) else {
                continue;
            };
            if let Some((uri, base)) = pending {
                self.unresolved
                    .push((self.report.findings.len(), uri, base));
            }
            self.report.findings.push(f);
        }
        Ok(())
    }
}
