//! Routing and the verbs: get, list, watch, create, replace, patch, apply and delete, with the
//! API server's bookkeeping (resourceVersion, generation, managed fields, dry runs).

use serde_json::{json, Value};

use super::discovery::{self, ResourceType};
use super::status::{self, ApiError};
use super::store::{self, Key, Selector, State};
use super::{apply, patch, schema, table, watch, Reply, Request};

/// Answer one request.
pub fn route(s: &mut State, req: &Request, raw: &str) -> Reply {
    match route_inner(s, req, raw) {
        Ok(r) => r,
        Err(e) => e.into(),
    }
}

fn ok(v: Value) -> Result<Reply, ApiError> {
    Ok(Reply::Json(200, v, Vec::new()))
}

fn route_inner(s: &mut State, req: &Request, raw: &str) -> Result<Reply, ApiError> {
    let path = req.path.trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let not_found = || {
        status::failure(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        )
    };
    match segs.as_slice() {
        ["version"] => return ok(discovery::version()),
        ["healthz"] | ["readyz"] | ["livez"] => return Ok(Reply::Text(200, "ok".into())),
        ["api"] | ["apis"] if req.accept.contains("as=APIGroupDiscoveryList") => {
            let body = discovery::aggregated(&s.types, segs[0] == "api");
            let ct = (
                "Content-Type".to_string(),
                discovery::AGGREGATED.to_string(),
            );
            return Ok(Reply::Json(200, body, vec![ct]));
        }
        ["api"] => return ok(discovery::core_versions(&s.addr)),
        ["apis"] => return ok(discovery::group_list(&s.types)),
        ["api", v] => {
            return discovery::resource_list(&s.types, "", v).map_or_else(|| Err(not_found()), ok)
        }
        ["apis", g] => return discovery::group(&s.types, g).map_or_else(|| Err(not_found()), ok),
        ["apis", g, v] => {
            return discovery::resource_list(&s.types, g, v).map_or_else(|| Err(not_found()), ok)
        }
        ["openapi", "v3"] => return ok(discovery::openapi_index(&s.types)),
        ["openapi", "v3", "api", v] => {
            return discovery::openapi_gv(&s.types, "", v).map_or_else(|| Err(not_found()), ok)
        }
        ["openapi", "v3", "apis", g, v] => {
            return discovery::openapi_gv(&s.types, g, v).map_or_else(|| Err(not_found()), ok)
        }
        _ => {}
    }
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] if !rest.is_empty() => ("", *v, rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ => return Err(not_found()),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, more @ ..] if *plural != "status" && *plural != "finalize" => (
            Some(ns.to_string()),
            std::iter::once(*plural)
                .chain(more.iter().copied())
                .collect::<Vec<_>>(),
        ),
        _ => (None, rest.to_vec()),
    };
    let typ = s
        .type_by_plural(group, version, rest[0])
        .ok_or_else(not_found)?;
    let name = rest.get(1).map(|n| n.to_string());
    let sub = rest.get(2).map(|n| n.to_string());
    if rest.len() > 3
        || (typ.namespaced && namespace.is_none() && name.is_some())
        || (!typ.namespaced && namespace.is_some())
        || sub
            .as_ref()
            .is_some_and(|sb| !typ.subresources.contains(sb))
    {
        return Err(not_found());
    }
    let t = Target {
        typ,
        namespace,
        name,
        sub,
    };
    let verb = match (req.method.as_str(), &t.name) {
        ("GET", Some(_)) => "get",
        ("GET", None) if req.param("watch").is_some_and(|w| w == "1" || w == "true") => "watch",
        ("GET", None) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", Some(_)) => "delete",
        _ => "deletecollection",
    };
    let resource = match &t.sub {
        Some(sub) => format!("{}/{sub}", t.typ.plural),
        None => t.typ.plural.clone(),
    };
    // Anyone may ask what they may do.
    if t.typ.kind == "SelfSubjectAccessReview" && req.method == "POST" {
        return access_review(s, req);
    }
    if s.is_denied(verb, &resource) {
        return Err(forbidden(&t, verb, &resource));
    }
    match (req.method.as_str(), &t.name) {
        ("GET", Some(_)) => get(s, &t, req),
        ("GET", None) => list(s, &t, req),
        ("POST", None) => create(s, &t, req),
        ("PUT", Some(_)) => replace(s, &t, req),
        ("PATCH", Some(_)) => patch_verb(s, &t, req, raw),
        ("DELETE", Some(_)) => delete(s, &t, req),
        ("DELETE", None) => delete_collection(s, &t, req),
        _ => Err(status::failure(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            None,
        )),
    }
}

/// 403 as RBAC words it.
fn forbidden(t: &Target, verb: &str, resource: &str) -> ApiError {
    let subject = match &t.name {
        Some(n) => format!("{} \"{n}\"", t.typ.qualified()),
        None => t.typ.qualified(),
    };
    let scope = match &t.namespace {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None if t.typ.namespaced => String::new(),
        None => " at the cluster scope".to_string(),
    };
    status::failure(
        403,
        "Forbidden",
        &format!(
            "{subject} is forbidden: User \"fake\" cannot {verb} resource \"{resource}\" in API \
             group \"{}\"{scope}",
            t.typ.group
        ),
        Some(status::details(
            t.name.as_deref().unwrap_or_default(),
            &t.typ.group,
            &t.typ.plural,
        )),
    )
}

/// `kubectl auth can-i` and its kind: allowed unless [`State::denied`] says otherwise.
fn access_review(s: &State, req: &Request) -> Result<Reply, ApiError> {
    let mut review = body_of(req)?;
    let attrs = &review["spec"]["resourceAttributes"];
    let verb = attrs["verb"].as_str().unwrap_or_default();
    let mut resource = attrs["resource"].as_str().unwrap_or_default().to_string();
    if let Some(sub) = attrs["subresource"].as_str().filter(|x| !x.is_empty()) {
        resource = format!("{resource}/{sub}");
    }
    let allowed = !s.is_denied(verb, &resource);
    review["status"] = if allowed {
        json!({"allowed": true, "reason": "the fake allows it"})
    } else {
        // RBAC denies without a reason; kubectl prints a bare "no".
        json!({"allowed": false})
    };
    Ok(Reply::Json(201, review, Vec::new()))
}

/// What a resource path names.
struct Target {
    typ: ResourceType,
    namespace: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

impl Target {
    fn key(&self) -> Key {
        (
            self.typ.group.clone(),
            self.typ.kind.clone(),
            self.namespace.clone().unwrap_or_default(),
            self.name.clone().unwrap_or_default(),
        )
    }

    fn not_found(&self) -> ApiError {
        let name = self.name.as_deref().unwrap_or_default();
        status::not_found(
            &self.typ.qualified(),
            name,
            &self.typ.group,
            &self.typ.plural,
        )
    }
}

fn get(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let obj = s
        .objects
        .get(&t.key())
        .cloned()
        .ok_or_else(|| t.not_found())?;
    match t.sub.as_deref() {
        Some("scale") => ok(scale_of(&obj)),
        Some("log") => {
            let ns = t.namespace.clone().unwrap_or_default();
            let name = t.name.clone().unwrap_or_default();
            let text = s.ctl.logs.get(&(ns, name)).cloned().unwrap_or_else(|| {
                let image = obj["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or("app");
                format!("started {image}\n")
            });
            let text = match req.param("tailLines").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => {
                    let lines: Vec<&str> = text.lines().collect();
                    let from = lines.len().saturating_sub(n);
                    lines[from..].iter().map(|l| format!("{l}\n")).collect()
                }
                None => text,
            };
            Ok(Reply::Text(200, text))
        }
        _ => {
            if wants_table(req) {
                return ok(table::table(&t.typ, &[obj], s.rv));
            }
            ok(obj)
        }
    }
}

fn wants_table(req: &Request) -> bool {
    req.accept.contains("as=Table")
}

fn list(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let selector = Selector::parse(
        &req.param("labelSelector").unwrap_or_default(),
        &req.param("fieldSelector").unwrap_or_default(),
    )
    .map_err(|e| status::bad_request(&e))?;
    if req.param("watch").is_some_and(|w| w == "1" || w == "true") {
        return watch::start(s, &t.typ, t.namespace.clone(), selector, req).map(Reply::Watch);
    }
    let items: Vec<Value> = s
        .of_kind(&t.typ.group, &t.typ.kind, t.namespace.as_deref())
        .into_iter()
        .filter(|o| selector.matches(o))
        .collect();
    if wants_table(req) {
        return ok(table::table(&t.typ, &items, s.rv));
    }
    ok(json!({
        "kind": format!("{}List", t.typ.kind), "apiVersion": t.typ.api_version(),
        "metadata": {"resourceVersion": s.rv.to_string()},
        "items": items,
    }))
}

/// Options every write carries.
pub struct WriteOpts {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldValidation=Strict`.
    pub strict: bool,
    /// The field manager.
    pub manager: String,
    /// `status`, `scale` or none.
    pub sub: Option<String>,
}

fn opts(req: &Request, sub: Option<String>) -> WriteOpts {
    let manager = req.param("fieldManager").unwrap_or_else(|| {
        let ua = req.user_agent.split('/').next().unwrap_or_default();
        if ua.is_empty() {
            "unknown".into()
        } else {
            ua.to_string()
        }
    });
    WriteOpts {
        dry_run: req.is_dry_run(),
        strict: req.param("fieldValidation").is_some_and(|v| v == "Strict"),
        manager,
        sub,
    }
}

fn body_of(req: &Request) -> Result<Value, ApiError> {
    if req.body.is_none()
        && req
            .content_type
            .starts_with("application/vnd.kubernetes.protobuf")
    {
        // kubectl's typed commands send protobuf; only a few kinds' messages are known.
        return Err(status::failure(
            415,
            "UnsupportedMediaType",
            "the fake API server reads protobuf bodies only of Namespace, ConfigMap, Secret, ServiceAccount and SelfSubjectAccessReview",
            None,
        ));
    }
    match &req.body {
        Some(b) if b.is_object() => Ok(b.clone()),
        _ => Err(status::bad_request(
            "the body of the request was in an unknown format - accepted media types include: \
             application/json, application/yaml",
        )),
    }
}

fn check_identity(t: &Target, obj: &mut Value) -> Result<(), ApiError> {
    let av = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let kind = obj["kind"].as_str().unwrap_or_default().to_string();
    if (!av.is_empty() && av != t.typ.api_version()) || (!kind.is_empty() && kind != t.typ.kind) {
        return Err(status::bad_request(&format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            t.typ.api_version()
        )));
    }
    obj["apiVersion"] = json!(t.typ.api_version());
    obj["kind"] = json!(t.typ.kind);
    let meta = store::meta_mut(obj);
    match (&t.namespace, meta.get("namespace").and_then(Value::as_str)) {
        (Some(ns), Some(body_ns)) if ns != body_ns => return Err(status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        (Some(ns), _) => {
            meta.insert("namespace".into(), json!(ns));
        }
        (None, _) => {
            meta.remove("namespace");
        }
    }
    if let (Some(name), Some(body_name)) = (&t.name, meta.get("name").and_then(Value::as_str)) {
        if name != body_name {
            return Err(status::bad_request(&format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
    }
    if let Some(name) = &t.name {
        meta.insert("name".into(), json!(name));
    }
    Ok(())
}

fn namespace_exists(s: &State, t: &Target) -> Result<(), ApiError> {
    if let Some(ns) = &t.namespace {
        let key = (
            String::new(),
            "Namespace".to_string(),
            String::new(),
            ns.clone(),
        );
        if !s.objects.contains_key(&key) {
            return Err(status::not_found("namespaces", ns, "", "namespaces"));
        }
    }
    Ok(())
}

fn create(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let mut obj = body_of(req)?;
    check_identity(t, &mut obj)?;
    let meta = store::meta_mut(&mut obj);
    if meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .is_empty()
    {
        let Some(prefix) = meta
            .get("generateName")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            let e = status::Cause::new(
                "FieldValueRequired",
                "metadata.name",
                "Required value: name or generateName is required",
            );
            return Err(status::invalid(&t.typ.kind, &t.typ.group, "", &[e]));
        };
        let suffix = s.suffix();
        store::meta_mut(&mut obj).insert("name".into(), json!(format!("{prefix}{suffix}")));
    }
    if obj["metadata"]["resourceVersion"]
        .as_str()
        .is_some_and(|r| !r.is_empty())
    {
        return Err(status::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    namespace_exists(s, t)?;
    let key = store::key_of(&obj);
    if s.objects.contains_key(&key) {
        return Err(status::already_exists(
            &t.typ.qualified(),
            &key.3,
            &t.typ.group,
            &t.typ.plural,
        ));
    }
    let o = opts(req, None);
    let (stored, warnings) = commit(s, &t.typ, None, obj, &o, Managed::Update)?;
    Ok(Reply::Json(201, stored, warnings))
}

fn replace(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let old = s
        .objects
        .get(&t.key())
        .cloned()
        .ok_or_else(|| t.not_found())?;
    let mut obj = body_of(req)?;
    if t.sub.as_deref() == Some("scale") {
        let replicas = obj["spec"]["replicas"].clone();
        let mut new = old.clone();
        new["spec"]["replicas"] = replicas;
        let o = opts(req, t.sub.clone());
        let (stored, w) = commit(s, &t.typ, Some(&old), new, &o, Managed::Update)?;
        return Ok(Reply::Json(200, scale_of(&stored), w));
    }
    check_identity(t, &mut obj)?;
    precondition(t, &old, &obj)?;
    let o = opts(req, t.sub.clone());
    let (stored, w) = commit(s, &t.typ, Some(&old), obj, &o, Managed::Update)?;
    Ok(Reply::Json(200, stored, w))
}

fn precondition(t: &Target, old: &Value, new: &Value) -> Result<(), ApiError> {
    let want = new["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if !want.is_empty()
        && want
            != old["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default()
    {
        let name = t.name.as_deref().unwrap_or_default();
        return Err(status::conflict(
            &t.typ.qualified(),
            name,
            &t.typ.group,
            &t.typ.plural,
        ));
    }
    Ok(())
}

fn patch_verb(s: &mut State, t: &Target, req: &Request, raw: &str) -> Result<Reply, ApiError> {
    let ct = req
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let old = s.objects.get(&t.key()).cloned();
    if ct == "application/apply-patch+yaml" || ct == "application/apply-patch+json" {
        let Some(manager) = req.param("fieldManager").filter(|m| !m.is_empty()) else {
            return Err(status::bad_request(
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is \
                 required for apply patch",
            ));
        };
        let mut cfg: Value = serde_json::from_str(raw)
            .or_else(|_| serde_yaml::from_str(raw))
            .map_err(|e| status::bad_request(&format!("error decoding YAML: {e}")))?;
        if !cfg.is_object() {
            return Err(status::bad_request(
                "the apply configuration is not an object",
            ));
        }
        if t.sub.as_deref() != Some("status") {
            if let Some(m) = cfg.as_object_mut() {
                m.remove("status");
            }
        }
        check_identity(t, &mut cfg)?;
        match &old {
            // A resourceVersion in the configuration is a precondition.
            Some(o) => precondition(t, o, &cfg)?,
            None => namespace_exists(s, t)?,
        }
        let force = req.param("force").is_some_and(|f| f == "true");
        let mut o = opts(req, t.sub.clone());
        o.manager = manager;
        let base = old.clone().unwrap_or_else(|| {
            json!({"apiVersion": cfg["apiVersion"], "kind": cfg["kind"], "metadata": {
                "name": cfg["metadata"]["name"], "namespace": cfg["metadata"]["namespace"]}})
        });
        let (merged, managed) = apply::apply(
            &base,
            &cfg,
            &o.manager,
            &t.typ.api_version(),
            force,
            o.sub.as_deref(),
            &s.now(),
        )
        .map_err(|conflicts| apply::conflict_error(&conflicts, &t.typ.api_version()))?;
        let mut merged = merged;
        if old.is_none() {
            strip_nulls(store::meta_mut(&mut merged));
        }
        let code = if old.is_some() { 200 } else { 201 };
        let (stored, w) = commit(s, &t.typ, old.as_ref(), merged, &o, Managed::Set(managed))?;
        return Ok(Reply::Json(code, stored, w));
    }
    let old = old.ok_or_else(|| t.not_found())?;
    let body = req
        .body
        .clone()
        .ok_or_else(|| status::bad_request("empty patch"))?;
    let base = if t.sub.as_deref() == Some("scale") {
        scale_of(&old)
    } else {
        old.clone()
    };
    let patched = match ct.as_str() {
        "application/json-patch+json" => patch::json_patch(&base, &body).map_err(|e| {
            status::failure(422, "Invalid", &format!("the server rejected our request due to an error in our request: {e}"), None)
        })?,
        "application/merge-patch+json" => patch::merge(&base, &body),
        "application/strategic-merge-patch+json" => patch::strategic(&base, &body),
        other => {
            return Err(status::failure(
                415,
                "UnsupportedMediaType",
                &format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {other})"),
                None,
            ))
        }
    };
    let o = opts(req, t.sub.clone());
    if t.sub.as_deref() == Some("scale") {
        let mut new = old.clone();
        new["spec"]["replicas"] = patched["spec"]["replicas"].clone();
        let (stored, w) = commit(s, &t.typ, Some(&old), new, &o, Managed::Update)?;
        return Ok(Reply::Json(200, scale_of(&stored), w));
    }
    let mut patched = patched;
    check_identity(t, &mut patched)?;
    precondition(t, &old, &patched)?;
    let (stored, w) = commit(s, &t.typ, Some(&old), patched, &o, Managed::Update)?;
    Ok(Reply::Json(200, stored, w))
}

fn strip_nulls(m: &mut serde_json::Map<String, Value>) {
    m.retain(|_, v| !v.is_null());
}

/// How managedFields change with a write.
pub enum Managed {
    /// An Update by `opts.manager`: it takes the fields it changed.
    Update,
    /// Server-side apply computed the entries.
    Set(Value),
}

/// Admit and store a write: status rules, defaulting, validation, metadata bookkeeping,
/// managed fields, dry run. Returns the object and `Warning` headers.
pub fn commit(
    s: &mut State,
    typ: &ResourceType,
    old: Option<&Value>,
    mut new: Value,
    o: &WriteOpts,
    managed: Managed,
) -> Result<(Value, Vec<(String, String)>), ApiError> {
    new["apiVersion"] = json!(typ.api_version());
    new["kind"] = json!(typ.kind);
    if o.sub.as_deref() == Some("status") {
        let mut base = old.cloned().unwrap_or_else(|| new.clone());
        base["status"] = new["status"].clone();
        if let Some(m) = base["metadata"].as_object_mut() {
            m.insert(
                "managedFields".into(),
                new["metadata"]["managedFields"].clone(),
            );
        }
        new = base;
    } else if typ.has_status() {
        match old.map(|o| o["status"].clone()).filter(|st| !st.is_null()) {
            Some(st) => new["status"] = st,
            None => {
                if let Some(m) = new.as_object_mut() {
                    m.remove("status");
                }
            }
        }
    }
    if new["metadata"]["managedFields"].is_null() {
        if let Some(m) = new["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
    }
    if let (Some(old), "Service") = (old, typ.kind.as_str()) {
        // An update that leaves out the allocated addresses keeps them, as the server's
        // Service registry does.
        for f in ["clusterIP", "clusterIPs"] {
            if new["spec"][f].is_null() && !old["spec"][f].is_null() {
                new["spec"][f] = old["spec"][f].clone();
            }
        }
    }
    schema::default(&mut new, typ, s);
    let mut causes = schema::validate(&new, typ);
    if let Some(old) = old {
        causes.extend(schema::validate_update(old, &new, typ));
    }
    if !causes.is_empty() {
        let name = new["metadata"]["name"].as_str().unwrap_or_default();
        return Err(status::invalid(&typ.kind, &typ.group, name, &causes));
    }
    let mut warnings = Vec::new();
    let unknown = schema::unknown_fields(&new, typ);
    if !unknown.is_empty() {
        if o.strict {
            let causes: Vec<status::Cause> = unknown
                .iter()
                .map(|f| {
                    status::Cause::new(
                        "FieldValueInvalid",
                        f,
                        &format!("Invalid value: unknown field \"{f}\""),
                    )
                })
                .collect();
            let name = new["metadata"]["name"].as_str().unwrap_or_default();
            return Err(status::invalid(&typ.kind, &typ.group, name, &causes));
        }
        for f in &unknown {
            schema::remove_field(&mut new, f);
            warnings.push((
                "Warning".into(),
                format!("299 - \"unknown field \\\"{f}\\\"\""),
            ));
        }
    }
    if typ.kind == "CustomResourceDefinition" {
        let names = new["spec"]["names"].clone();
        new["status"] = json!({
            "acceptedNames": names, "storedVersions": [new["spec"]["versions"][0]["name"]],
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": s.now()},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": s.now()},
            ],
        });
    }
    match old {
        Some(old) => {
            let meta = store::meta_mut(&mut new);
            for f in ["uid", "creationTimestamp", "generation", "resourceVersion"] {
                meta.insert(f.into(), old["metadata"][f].clone());
            }
            for f in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
                match &old["metadata"][f] {
                    Value::Null => meta.remove(f),
                    v => meta.insert(f.into(), v.clone()),
                };
            }
            if spec_of(old) != spec_of(&new) {
                let g = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                store::meta_mut(&mut new).insert("generation".into(), json!(g));
            }
        }
        None => {
            new = s.stamp_new(new);
        }
    }
    let now = s.now();
    match managed {
        Managed::Set(entries) => {
            store::meta_mut(&mut new).insert("managedFields".into(), entries);
        }
        // A write that sets managedFields itself (kubectl's client-side-to-server-side
        // upgrade does) has them as given.
        Managed::Update
            if old.is_some_and(|old| {
                !new["metadata"]["managedFields"].is_null()
                    && new["metadata"]["managedFields"] != old["metadata"]["managedFields"]
            }) => {}
        Managed::Update => apply::record_update(
            old,
            &mut new,
            &o.manager,
            &typ.api_version(),
            o.sub.as_deref(),
            &now,
        ),
    }
    if let Some(old) = old {
        if *old == new {
            return Ok((new, warnings));
        }
    }
    if o.dry_run {
        if old.is_none() {
            store::meta_mut(&mut new).remove("resourceVersion");
        }
        return Ok((new, warnings));
    }
    let done = !new["metadata"]["deletionTimestamp"].is_null()
        && new["metadata"]["finalizers"]
            .as_array()
            .is_none_or(|f| f.is_empty());
    let stored = s.write(new);
    after_write(s, &stored);
    if done {
        // The last finalizer is gone: the deletion completes.
        delete_cascading(s, &store::key_of(&stored), "Background");
    }
    Ok((stored, warnings))
}

/// Everything but metadata and status: what the generation counts changes of.
fn spec_of(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    v
}

/// Side effects of a stored object: a CRD serves its kind.
pub fn after_write(s: &mut State, obj: &Value) {
    if obj["kind"] == "CustomResourceDefinition" && obj["apiVersion"] == "apiextensions.k8s.io/v1" {
        for t in discovery::from_crd(obj) {
            s.types.retain(|e| {
                !(e.group == t.group && e.version == t.version && e.plural == t.plural)
            });
            s.types.push(t);
        }
    }
}

fn scale_of(obj: &Value) -> Value {
    let m = &obj["metadata"];
    let selector = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|l| {
            l.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
            "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"]},
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

fn delete(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let key = t.key();
    let obj = s.objects.get(&key).cloned().ok_or_else(|| t.not_found())?;
    let policy = req
        .param("propagationPolicy")
        .or_else(|| {
            req.body
                .as_ref()
                .and_then(|b| b["propagationPolicy"].as_str().map(str::to_string))
        })
        .unwrap_or_else(|| "Background".into());
    let details = json!({"name": key.3, "group": t.typ.group, "kind": t.typ.plural, "uid": obj["metadata"]["uid"]});
    if req.is_dry_run() {
        return ok(obj);
    }
    let finalizers = obj["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    if finalizers {
        // Finalizers hold the object, marked for deletion, until they are removed.
        if obj["metadata"]["deletionTimestamp"].is_null() {
            let mut marked = obj.clone();
            let meta = store::meta_mut(&mut marked);
            meta.insert("deletionTimestamp".into(), json!(store::now()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            return ok(s.write(marked));
        }
        return ok(obj);
    }
    delete_cascading(s, &key, &policy);
    if t.typ.kind == "Pod" {
        // Pods answer with the object, as a graceful delete does.
        return ok(obj);
    }
    ok(status::success(details))
}

fn delete_collection(s: &mut State, t: &Target, req: &Request) -> Result<Reply, ApiError> {
    let selector = Selector::parse(
        &req.param("labelSelector").unwrap_or_default(),
        &req.param("fieldSelector").unwrap_or_default(),
    )
    .map_err(|e| status::bad_request(&e))?;
    let items: Vec<Value> = s
        .of_kind(&t.typ.group, &t.typ.kind, t.namespace.as_deref())
        .into_iter()
        .filter(|o| selector.matches(o))
        .collect();
    if !req.is_dry_run() {
        for o in &items {
            delete_cascading(s, &store::key_of(o), "Background");
        }
    }
    ok(
        json!({"kind": format!("{}List", t.typ.kind), "apiVersion": t.typ.api_version(),
        "metadata": {"resourceVersion": s.rv.to_string()}, "items": items}),
    )
}

/// Remove an object; `Orphan` strips the owner reference from its dependents, any other
/// policy deletes them too. A namespace takes its objects along, a CRD its kind.
pub fn delete_cascading(s: &mut State, key: &Key, policy: &str) -> Option<Value> {
    let obj = s.remove(key)?;
    let uid = obj["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for dep in s.owned_by(&uid) {
        if policy == "Orphan" {
            if let Some(mut d) = s.objects.get(&dep).cloned() {
                if let Some(refs) = d["metadata"]["ownerReferences"].as_array_mut() {
                    refs.retain(|r| r["uid"] != uid.as_str());
                }
                s.write(d);
            }
        } else {
            delete_cascading(s, &dep, policy);
        }
    }
    if key.1 == "Namespace" && key.0.is_empty() {
        let inside: Vec<Key> = s.objects.keys().filter(|k| k.2 == key.3).cloned().collect();
        for k in inside {
            s.remove(&k);
        }
    }
    if key.1 == "CustomResourceDefinition" {
        let gone = discovery::from_crd(&obj);
        s.types.retain(|t| !gone.contains(t));
        for t in gone {
            let keys: Vec<Key> = s
                .objects
                .keys()
                .filter(|k| k.0 == t.group && k.1 == t.kind)
                .cloned()
                .collect();
            for k in keys {
                s.remove(&k);
            }
        }
    }
    Some(obj)
}
