//! The native JSON reports of the scanners, read leniently (fields drift between versions) but
//! refused when they are not the report they claim to be.

use serde_json::Value;

use super::{hash, s, secret_rule, Ctx};
use crate::fingerprint::text_digest;
use crate::model::{Finding, Kind, Name, Package, Report, Severity, Unread};

fn sev_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "error" => Some(Severity::High),
        "medium" | "moderate" | "warning" => Some(Severity::Medium),
        "low" | "negligible" | "note" => Some(Severity::Low),
        "info" | "informational" | "undefined" | "experiment" | "inventory" | "none" => {
            Some(Severity::Info)
        }
        _ => None,
    }
}

fn unknown(tool: &str) -> (Severity, String) {
    (Severity::Unknown, format!("{tool} gives no severity"))
}

fn line(v: &Value) -> Option<u32> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n > 0)
}

fn ids(primary: &str, aliases: Option<&Value>) -> Vec<String> {
    let mut out = vec![primary.to_ascii_uppercase()];
    for a in aliases
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let a = a.to_ascii_uppercase();
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn dependency(
    ctx: &Ctx<'_>,
    tool: &str,
    id: &str,
    severity: (Severity, String),
    pkg: Package,
    aliases: Option<&Value>,
    title: String,
    path: Option<Name>,
) -> Finding {
    let mut f = ctx.finding(tool, id, severity.0, &severity.1);
    f.kind = Kind::Dependency;
    f.message = format!(
        "{} {} is affected by {id}{}",
        pkg.name,
        pkg.version,
        if title.is_empty() {
            String::new()
        } else {
            format!(": {title}")
        }
    );
    if !title.is_empty() {
        f.title = ctx.name(&title);
    }
    f.ids = ids(id, aliases);
    f.package = Some(Box::new(pkg));
    f.path = path;
    f
}

/// Bandit `-f json`. Its `errors` name files it could not read: they are kept in
/// [`Report::unread`], with the findings of the files it did read.
pub fn bandit(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut unread = Vec::new();
    for e in v["errors"].as_array().into_iter().flatten() {
        match e["filename"].as_str().filter(|f| !f.is_empty()) {
            Some(file) => unread.push(Unread {
                path: ctx.repo_path(file),
                reason: s(e, "reason").to_string(),
            }),
            // An error about no file in particular: the whole scan is in doubt.
            None => return Err(format!("Bandit reported an error: {e}")),
        }
    }
    // `# nosec` findings are left out of `results` and counted in `skipped_tests`.
    let hidden = v["metrics"]["_totals"]["skipped_tests"]
        .as_u64()
        .unwrap_or(0);
    let mut r = Report {
        tools: vec!["bandit".into()],
        hidden_suppressed: hidden,
        unread,
        ..Default::default()
    };
    for x in v["results"].as_array().ok_or("no results array")? {
        let word = s(x, "issue_severity");
        let (sev, src) = sev_word(word).map_or_else(
            || unknown("bandit"),
            |s| (s, format!("Bandit issue_severity {word}")),
        );
        let mut f = ctx.finding("bandit", s(x, "test_id"), sev, &src);
        f.title = ctx.name(s(x, "test_name"));
        f.message = s(x, "issue_text").to_string();
        f.path = Some(ctx.repo_path(s(x, "filename")));
        f.start_line = line(&x["line_number"]);
        f.end_line = x["line_range"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(line)
            .or(f.start_line);
        // `code` is the flagged lines and their context, each after its number: keep the flagged
        // lines (`line_range`), so edits nearby do not make the finding look new.
        let range: Vec<u64> = x["line_range"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        f.flagged_text = x["code"].as_str().and_then(|c| {
            let flagged = c
                .lines()
                .filter_map(|l| {
                    let t = l.trim_start();
                    let digits =
                        t.len() - t.trim_start_matches(|ch: char| ch.is_ascii_digit()).len();
                    let n: u64 = t[..digits].parse().ok()?;
                    (range.is_empty() || range.contains(&n)).then(|| t[digits..].trim().to_string())
                })
                .collect::<Vec<_>>()
                .join("\n");
            text_digest(&flagged)
        });
        r.findings.push(f);
    }
    Ok(r)
}

/// Semgrep `--json`. An error about one file puts it in [`Report::unread`]; any other error
/// (a bad rule) fails the report; warnings (`warn`, a file parsed in part) do not count.
/// `nosemgrep` findings arrive as `is_ignored`.
pub fn semgrep(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["semgrep".into()],
        ..Default::default()
    };
    for e in v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"].as_str() != Some("warn"))
    {
        let message = s(e, "message");
        match e["path"].as_str().filter(|p| !p.is_empty()) {
            Some(file) => r.unread.push(Unread {
                path: ctx.repo_path(file),
                reason: message.to_string(),
            }),
            None => return Err(format!("Semgrep reported an error: {message}")),
        }
    }
    for x in v["results"].as_array().ok_or("no results array")? {
        let word = x["extra"]["severity"].as_str().unwrap_or("");
        // Semgrep documents ERROR/WARNING/INFO as High/Medium/Low, and its SARIF writes INFO
        // as `note`: one scan counts the same in both formats.
        let sev = if word.eq_ignore_ascii_case("info") {
            Some(Severity::Low)
        } else {
            sev_word(word)
        };
        let (sev, src) = sev.map_or_else(
            || unknown("semgrep"),
            |s| (s, format!("Semgrep severity {word}")),
        );
        let rule = s(x, "check_id");
        let mut f = ctx.finding("semgrep", rule, sev, &src);
        f.message = x["extra"]["message"].as_str().unwrap_or("").to_string();
        f.title = ctx.name(rule.rsplit('.').next().unwrap_or(rule));
        f.path = Some(ctx.repo_path(s(x, "path")));
        f.start_line = line(&x["start"]["line"]);
        f.end_line = line(&x["end"]["line"]);
        let lines = x["extra"]["lines"]
            .as_str()
            .filter(|l| *l != "requires login");
        if secret_rule(rule) {
            f.kind = Kind::Secret;
            f.secret_hash = Some(hash(&format!("{rule}\0{}", lines.unwrap_or(""))));
            f.message = f.title.to_string();
        } else {
            f.flagged_text = lines.and_then(text_digest);
        }
        if x["extra"]["is_ignored"].as_bool() == Some(true) {
            f.suppressed = Some(ctx.name("nosemgrep"));
        }
        r.findings.push(f);
    }
    Ok(r)
}

/// Checkov `-o json`: one object, or a list with one per framework. Parsing errors fail the run;
/// `skipped_checks` are native suppressions.
pub fn checkov(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let parts: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        o => vec![o],
    };
    let mut r = Report {
        tools: vec!["checkov".into()],
        ..Default::default()
    };
    for part in parts {
        let errors = part["summary"]["parsing_errors"].as_u64().unwrap_or(0);
        if errors > 0 {
            return Err(format!(
                "Checkov could not parse {errors} file(s) ({})",
                part["check_type"].as_str().unwrap_or("?")
            ));
        }
        for (list, skipped) in [("failed_checks", false), ("skipped_checks", true)] {
            for x in part["results"][list].as_array().into_iter().flatten() {
                let (sev, src) = match x["severity"].as_str().and_then(sev_word) {
                    Some(s) => (
                        s,
                        format!("Checkov severity {}", x["severity"].as_str().unwrap_or("")),
                    ),
                    None => unknown("checkov"),
                };
                let mut f = ctx.finding("checkov", s(x, "check_id"), sev, &src);
                f.title = ctx.name(s(x, "check_name"));
                f.message = format!("{} ({})", s(x, "check_name"), s(x, "resource"));
                // Checkov writes repository paths with a leading `/` (relative to the scanned root).
                let p = x["repo_file_path"]
                    .as_str()
                    .or_else(|| x["file_path"].as_str())
                    .unwrap_or("");
                let p = ctx.repo_path(p);
                f.path = Some(
                    if ctx.root.join(p.trim_start_matches('/')).exists()
                        || !std::path::Path::new(&*p).exists()
                    {
                        ctx.name(p.trim_start_matches('/'))
                    } else {
                        p
                    },
                );
                f.start_line = x["file_line_range"][0]
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n > 0);
                f.end_line = x["file_line_range"][1]
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n > 0);
                // The resource is the stable identity of an IaC finding; its lines move.
                f.flagged_text = text_digest(&format!(
                    "{}\0{}",
                    s(x, "resource"),
                    x["code_block"]
                        .as_array()
                        .map(|b| b
                            .iter()
                            .filter_map(|l| l[1].as_str())
                            .map(str::trim)
                            .collect::<Vec<_>>()
                            .join("\n"))
                        .unwrap_or_default()
                ));
                if skipped {
                    f.suppressed = Some(ctx.name(&format!(
                        "checkov:skip{}",
                        x["check_result"]["suppress_comment"]
                            .as_str()
                            .map(|c| format!(": {c}"))
                            .unwrap_or_default()
                    )));
                }
                r.findings.push(f);
            }
        }
    }
    Ok(r)
}

/// Gitleaks JSON (a list). `Secret` and `Match` are read only to hash them.
pub fn gitleaks(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["gitleaks".into()],
        ..Default::default()
    };
    for x in v.as_array().ok_or("not a list")? {
        let mut f = ctx.finding(
            "gitleaks",
            s(x, "RuleID"),
            Severity::High,
            "gitleaks: secrets are high",
        );
        f.kind = Kind::Secret;
        f.title = ctx.name(s(x, "Description"));
        f.message = format!("{} detected", s(x, "Description"));
        f.path = Some(ctx.repo_path(s(x, "File")));
        f.start_line = line(&x["StartLine"]);
        f.end_line = line(&x["EndLine"]).or(f.start_line);
        f.secret_hash = Some(hash(s(x, "Secret")));
        r.findings.push(f);
    }
    Ok(r)
}

/// TruffleHog v3 JSON lines. Verified secrets are critical, unverified high.
pub fn trufflehog(text: &str, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["trufflehog".into()],
        ..Default::default()
    };
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let x: Value = serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?;
        if x.get("DetectorName").is_none() {
            // Log lines TruffleHog mixes into stdout (level/msg) are not findings.
            continue;
        }
        let verified = x["Verified"].as_bool() == Some(true);
        let (sev, src) = if verified {
            (
                Severity::Critical,
                "TruffleHog: verified secret".to_string(),
            )
        } else {
            (Severity::High, "TruffleHog: unverified secret".to_string())
        };
        let mut f = ctx.finding("trufflehog", s(&x, "DetectorName"), sev, &src);
        f.kind = Kind::Secret;
        f.title = ctx.name(&format!("{} secret", s(&x, "DetectorName")));
        f.message = format!(
            "{} secret{}",
            s(&x, "DetectorName"),
            if verified { " (verified live)" } else { "" }
        );
        let data = x["SourceMetadata"]["Data"]
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or(Value::Null);
        f.path = data["file"].as_str().map(|p| ctx.repo_path(p));
        f.start_line = line(&data["line"]);
        f.end_line = f.start_line;
        let raw = x["RawV2"]
            .as_str()
            .filter(|s| !s.is_empty())
            .or_else(|| x["Raw"].as_str())
            .unwrap_or("");
        f.secret_hash = Some(hash(raw));
        r.findings.push(f);
    }
    Ok(r)
}

/// Trivy JSON (schema 2): vulnerabilities, misconfigurations and secrets of every target.
/// Findings Trivy suppressed (`.trivyignore`, VEX, Rego) are listed only under
/// `--show-suppressed`, as `ExperimentalModifiedFindings`: they count as suppressed, with
/// Trivy's status, source and statement as the reason.
pub fn trivy(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["trivy".into()],
        ..Default::default()
    };
    for t in v["Results"].as_array().into_iter().flatten() {
        let list = |key: &str| t[key].as_array().into_iter().flatten();
        for (kind, x) in list("Vulnerabilities")
            .map(|x| ("vulnerability", x))
            .chain(list("Misconfigurations").map(|x| ("misconfiguration", x)))
            .chain(list("Secrets").map(|x| ("secret", x)))
        {
            r.findings.extend(trivy_finding(ctx, t, kind, x));
        }
        for m in list("ExperimentalModifiedFindings") {
            let Some(mut f) = trivy_finding(ctx, t, s(m, "Type"), &m["Finding"]) else {
                continue;
            };
            let statement = s(m, "Statement");
            f.suppressed = Some(ctx.name(&format!(
                "Trivy {} ({}){}",
                s(m, "Status"),
                s(m, "Source"),
                if statement.is_empty() {
                    String::new()
                } else {
                    format!(": {statement}")
                }
            )));
            r.findings.push(f);
        }
    }
    Ok(r)
}

/// One Trivy finding of `kind` (its `Type` in modified findings) in target `t`; `None` for a
/// passed check or a kind this gate does not gate (licenses).
fn trivy_finding(ctx: &Ctx<'_>, t: &Value, kind: &str, x: &Value) -> Option<Finding> {
    let target = s(t, "Target");
    let word = s(x, "Severity");
    let (sev, src) = sev_word(word).map_or_else(
        || unknown("trivy"),
        |s| (s, format!("Trivy severity {word}")),
    );
    match kind {
        "vulnerability" => {
            let pkg = Package {
                ecosystem: s(t, "Type").to_string(),
                name: s(x, "PkgName").into(),
                version: s(x, "InstalledVersion").into(),
            };
            Some(dependency(
                ctx,
                "trivy",
                s(x, "VulnerabilityID"),
                (sev, src),
                pkg,
                None,
                s(x, "Title").into(),
                Some(ctx.repo_path(target)),
            ))
        }
        "misconfiguration" if x["Status"].as_str() != Some("PASS") => {
            let mut f = ctx.finding("trivy", s(x, "ID"), sev, &src);
            f.title = ctx.name(s(x, "Title"));
            f.message = s(x, "Message").into();
            f.path = Some(ctx.repo_path(target));
            f.start_line = line(&x["CauseMetadata"]["StartLine"]);
            f.end_line = line(&x["CauseMetadata"]["EndLine"]).or(f.start_line);
            f.flagged_text = text_digest(&format!(
                "{}\0{}",
                s(&x["CauseMetadata"], "Resource"),
                s(x, "Message")
            ));
            Some(f)
        }
        "secret" => {
            let mut f = ctx.finding("trivy", s(x, "RuleID"), sev, &src);
            f.kind = Kind::Secret;
            f.title = ctx.name(s(x, "Title"));
            f.message = format!("{} detected", s(x, "Title"));
            f.path = Some(ctx.repo_path(target));
            f.start_line = line(&x["StartLine"]);
            f.end_line = line(&x["EndLine"]).or(f.start_line);
            // Trivy masks the secret in `Match`; the masked line still identifies the finding.
            f.secret_hash = Some(hash(&format!("{}\0{}", s(x, "RuleID"), s(x, "Match"))));
            Some(f)
        }
        _ => None,
    }
}

/// Grype JSON: `matches[]`, and `ignoredMatches[]` (Grype's ignore rules) as suppressed.
pub fn grype(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["grype".into()],
        ..Default::default()
    };
    let ignored = v["ignoredMatches"].as_array().into_iter().flatten();
    for (m, rules) in v["matches"]
        .as_array()
        .ok_or("no matches array")?
        .iter()
        .map(|m| (m, None))
        .chain(ignored.map(|m| (m, Some(&m["appliedIgnoreRules"]))))
    {
        let vul = &m["vulnerability"];
        let word = s(vul, "severity");
        let sev = sev_word(word).map_or_else(
            || unknown("grype"),
            |s| (s, format!("Grype severity {word}")),
        );
        let a = &m["artifact"];
        let pkg = Package {
            ecosystem: s(a, "type").into(),
            name: s(a, "name").into(),
            version: s(a, "version").into(),
        };
        let aliases: Vec<Value> = m["relatedVulnerabilities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["id"].as_str())
            .map(|x| Value::String(x.into()))
            .collect();
        // Grype's locations are relative to the scanned directory, written with a leading `/`.
        let path = a["locations"][0]["path"]
            .as_str()
            .map(|p| ctx.repo_path(p.trim_start_matches('/')));
        let mut f = dependency(
            ctx,
            "grype",
            s(vul, "id"),
            sev,
            pkg,
            Some(&Value::Array(aliases)),
            s(vul, "description").chars().take(200).collect(),
            path,
        );
        if let Some(rules) = rules {
            let reasons: Vec<&str> = rules
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["reason"].as_str().filter(|r| !r.is_empty()))
                .collect();
            f.suppressed = Some(ctx.name(&format!(
                "Grype ignore rule{}",
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join("; "))
                }
            )));
        }
        r.findings.push(f);
    }
    Ok(r)
}

/// OSV-Scanner JSON: severity from the group's `max_severity` (CVSS), else the GHSA word;
/// malicious-package records (`MAL-`) are critical.
pub fn osv(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["osv-scanner".into()],
        ..Default::default()
    };
    for res in v["results"].as_array().ok_or("no results array")? {
        let source = res["source"]["path"].as_str().map(|p| ctx.repo_path(p));
        for p in res["packages"].as_array().into_iter().flatten() {
            let pk = &p["package"];
            let pkg = Package {
                ecosystem: s(pk, "ecosystem").to_lowercase(),
                name: s(pk, "name").into(),
                version: s(pk, "version").into(),
            };
            for vul in p["vulnerabilities"].as_array().into_iter().flatten() {
                let id = s(vul, "id");
                let group = p["groups"].as_array().into_iter().flatten().find(|g| {
                    g["ids"]
                        .as_array()
                        .is_some_and(|ids| ids.iter().any(|x| x.as_str() == Some(id)))
                });
                let cvss = group.and_then(|g| {
                    g["max_severity"]
                        .as_str()
                        .and_then(|x| x.parse::<f64>().ok())
                        .or_else(|| g["max_severity"].as_f64())
                });
                let sev = match (
                    cvss.and_then(Severity::from_cvss),
                    vul["database_specific"]["severity"]
                        .as_str()
                        .and_then(sev_word),
                ) {
                    (Some(s), _) => (s, format!("CVSS {}", cvss.unwrap_or_default())),
                    (None, Some(s)) => (
                        s,
                        format!(
                            "advisory severity {}",
                            vul["database_specific"]["severity"].as_str().unwrap_or("")
                        ),
                    ),
                    (None, None) if id.starts_with("MAL-") => {
                        (Severity::Critical, "malicious package".into())
                    }
                    _ => unknown("osv-scanner"),
                };
                r.findings.push(dependency(
                    ctx,
                    "osv-scanner",
                    id,
                    sev,
                    pkg.clone(),
                    Some(&vul["aliases"]),
                    s(vul, "summary").into(),
                    source.clone(),
                ));
            }
        }
    }
    Ok(r)
}

/// pip-audit JSON (`dependencies[]`, or the older bare list). No severities. Skipped
/// dependencies fail the run: they were not audited.
pub fn pip_audit(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let deps = v["dependencies"]
        .as_array()
        .or_else(|| v.as_array())
        .ok_or("no dependencies")?;
    if let Some(skip) = deps
        .iter()
        .find(|d| d.get("skip_reason").is_some_and(|s| !s.is_null()))
    {
        return Err(format!(
            "pip-audit skipped {}: {}",
            s(skip, "name"),
            s(skip, "skip_reason")
        ));
    }
    let mut r = Report {
        tools: vec!["pip-audit".into()],
        ..Default::default()
    };
    for d in deps {
        let pkg = Package {
            ecosystem: "pypi".into(),
            name: s(d, "name").to_lowercase(),
            version: s(d, "version").into(),
        };
        for vul in d["vulns"].as_array().into_iter().flatten() {
            r.findings.push(dependency(
                ctx,
                "pip-audit",
                s(vul, "id"),
                unknown("pip-audit"),
                pkg.clone(),
                Some(&vul["aliases"]),
                s(vul, "description").chars().take(200).collect(),
                None,
            ));
        }
    }
    Ok(r)
}

/// npm audit JSON, v2 (npm 7+: `vulnerabilities{}` with advisory objects in `via`) and v1
/// (`advisories{}`). One finding per package and advisory.
pub fn npm_audit(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["npm-audit".into()],
        ..Default::default()
    };
    if let Some(advisories) = v["advisories"].as_object() {
        for a in advisories.values() {
            let word = s(a, "severity");
            let sev = sev_word(word).map_or_else(
                || unknown("npm-audit"),
                |s| (s, format!("npm severity {word}")),
            );
            let id = a["github_advisory_id"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("NPM-{}", a["id"]));
            for f in a["findings"].as_array().into_iter().flatten() {
                let pkg = Package {
                    ecosystem: "npm".into(),
                    name: s(a, "module_name").into(),
                    version: s(f, "version").into(),
                };
                r.findings.push(dependency(
                    ctx,
                    "npm-audit",
                    &id,
                    sev.clone(),
                    pkg,
                    Some(&a["cves"]),
                    s(a, "title").into(),
                    Some("package-lock.json".into()),
                ));
            }
        }
        return Ok(r);
    }
    let vulns = v["vulnerabilities"]
        .as_object()
        .ok_or("no vulnerabilities object")?;
    for (name, p) in vulns {
        for via in p["via"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x.is_object())
        {
            let word = s(via, "severity");
            let sev = sev_word(word).map_or_else(
                || unknown("npm-audit"),
                |s| (s, format!("npm severity {word}")),
            );
            let url = s(via, "url");
            let id = url
                .rsplit('/')
                .next()
                .filter(|x| x.starts_with("GHSA"))
                .map(str::to_string)
                .unwrap_or_else(|| format!("NPM-{}", via["source"]));
            let version = p["nodes"]
                .as_array()
                .and_then(|n| n.first())
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let pkg = Package {
                ecosystem: "npm".into(),
                name: name.clone(),
                version: if version.is_empty() {
                    s(p, "range").into()
                } else {
                    version
                },
            };
            r.findings.push(dependency(
                ctx,
                "npm-audit",
                &id,
                sev,
                pkg,
                None,
                s(via, "title").into(),
                Some("package-lock.json".into()),
            ));
        }
    }
    Ok(r)
}

/// cargo-audit JSON: vulnerabilities (severity from the CVSS vector only) and warnings.
pub fn cargo_audit(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["cargo-audit".into()],
        ..Default::default()
    };
    for x in v["vulnerabilities"]["list"]
        .as_array()
        .ok_or("no vulnerabilities.list")?
    {
        let adv = &x["advisory"];
        let sev = match adv["cvss"].as_str().and_then(cvss_vector_score) {
            Some(score) => (
                Severity::from_cvss(score).unwrap_or(Severity::Unknown),
                format!("CVSS vector score {score:.1}"),
            ),
            None => unknown("cargo-audit"),
        };
        let pkg = Package {
            ecosystem: "crates.io".into(),
            name: s(&x["package"], "name").into(),
            version: s(&x["package"], "version").into(),
        };
        r.findings.push(dependency(
            ctx,
            "cargo-audit",
            s(adv, "id"),
            sev,
            pkg,
            Some(&adv["aliases"]),
            s(adv, "title").into(),
            Some("Cargo.lock".into()),
        ));
    }
    Ok(r)
}

/// The base score of a CVSS v3.0, v3.1 or v4.0 vector (RustSec's `cvss`, which follows FIRST's
/// specifications), for scanners that give only the vector; `None` for anything else.
pub fn cvss_vector_score(vector: &str) -> Option<f64> {
    vector.trim().parse::<cvss::Cvss>().ok().map(|c| c.score())
}

/// Safety JSON: 2.x (`vulnerabilities[]` objects) and 1.x (a list of lists).
pub fn safety(v: &Value, ctx: &Ctx<'_>) -> Result<Report, String> {
    let mut r = Report {
        tools: vec!["safety".into()],
        ..Default::default()
    };
    let list = v["vulnerabilities"]
        .as_array()
        .or_else(|| v.as_array())
        .ok_or("no vulnerabilities")?;
    for x in list {
        if let Some(a) = x.as_array() {
            // [name, spec, version, advisory, id, ...]
            let get = |i: usize| a.get(i).and_then(Value::as_str).unwrap_or("").to_string();
            let pkg = Package {
                ecosystem: "pypi".into(),
                name: get(0).to_lowercase(),
                version: get(2),
            };
            r.findings.push(dependency(
                ctx,
                "safety",
                &format!("PYUP-{}", get(4)),
                unknown("safety"),
                pkg,
                None,
                get(3).chars().take(200).collect(),
                None,
            ));
            continue;
        }
        let cvss = x["severity"]["cvssv3"]["base_score"].as_f64();
        let sev = match (
            x["severity"]["cvssv3"]["base_severity"]
                .as_str()
                .and_then(sev_word),
            cvss.and_then(Severity::from_cvss),
        ) {
            (Some(s), _) => (s, "Safety CVSS v3 severity".to_string()),
            (None, Some(s)) => (s, format!("CVSS {}", cvss.unwrap_or_default())),
            _ => unknown("safety"),
        };
        let cve = x["CVE"]
            .as_str()
            .map(|c| Value::Array(vec![Value::String(c.into())]));
        let pkg = Package {
            ecosystem: "pypi".into(),
            name: s(x, "package_name").to_lowercase(),
            version: s(x, "analyzed_version").into(),
        };
        let mut f = dependency(
            ctx,
            "safety",
            &format!("PYUP-{}", s(x, "vulnerability_id")),
            sev,
            pkg,
            cve.as_ref(),
            s(x, "advisory").chars().take(200).collect(),
            None,
        );
        if x["ignored"].as_bool() == Some(true) {
            f.suppressed = Some(ctx.name(&format!(
                "safety ignore{}",
                x["ignored_reason"]
                    .as_str()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )));
        }
        r.findings.push(f);
    }
    Ok(r)
}
