//! The comparison of a base and a head spec: operations, parameters, request bodies, responses,
//! security and schemas, each change a [`Change`] under a catalogue rule, located at the head
//! spec's line (a removal at the nearest surviving parent in head).
//!
//! Direction matters: what the server accepts (request side) must not shrink, what clients may
//! receive (response side) must not grow or lose promised fields. Schemas are compared after
//! following `$ref`s, ignoring key order and annotations, so an inline schema replaced by an
//! equal `$ref` is no change. Recursive schemas are safe: each (base, head, side) pair is
//! compared once per operation and descent stops at [`MAX_DEPTH`].

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use gates_core::rules::Rule;

use crate::rules;
use crate::spec::{At, Spec, Value, V};

/// How deep schema comparison descends (properties, items, compositions) before it stops.
pub const MAX_DEPTH: usize = 48;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One change between base and head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The rule it falls under.
    pub rule: &'static Rule,
    /// `GET /path`, when the change belongs to an operation.
    pub op: Option<String>,
    /// What changed, naming the spot.
    pub message: String,
    /// The head file it is located in.
    pub file: String,
    /// The 1-based line in that file.
    pub line: u32,
    /// The GraphQL schema coordinate (`Type.field`, `Type.field(arg:)`) of a GraphQL change.
    pub coordinate: Option<String>,
    /// The peer tool's own name for the change (graphql-inspector's `FIELD_REMOVED`).
    pub tool_rule: Option<&'static str>,
}

/// Which side of the exchange a schema is on, and what it describes: it picks the rule ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    ReqParam,
    ReqParamProp,
    ReqBody,
    ReqProp,
    RespBody,
    RespProp,
}

impl Side {
    fn prefix(self) -> &'static str {
        match self {
            Side::ReqParam => "request-parameter",
            Side::ReqParamProp => "request-parameter-property",
            Side::ReqBody => "request-body",
            Side::ReqProp => "request-property",
            Side::RespBody => "response-body",
            Side::RespProp => "response-property",
        }
    }
    fn request(self) -> bool {
        !matches!(self, Side::RespBody | Side::RespProp)
    }
    fn child(self) -> Side {
        match self {
            Side::ReqParam | Side::ReqParamProp => Side::ReqParamProp,
            Side::ReqBody | Side::ReqProp => Side::ReqProp,
            Side::RespBody | Side::RespProp => Side::RespProp,
        }
    }
}

struct Cmp<'a> {
    base: &'a Spec,
    head: &'a Spec,
    today: &'a str,
    /// `deprecation-grace-days`, and the earliest x-sunset it allows for a thing deprecated
    /// today.
    grace: Option<(u32, String)>,
    out: Vec<Change>,
    op: Option<String>,
    memo: HashSet<(usize, usize, Side)>,
    /// [`equal`]'s answers for node pairs, across operations: GitHub's REST description
    /// shares each component schema among hundreds of operations.
    same: RefCell<Same>,
}

/// Compare `base` with `head`; `today` (YYYY-MM-DD) decides whether an x-sunset has passed.
pub fn compare(base: &Spec, head: &Spec, today: &str) -> Vec<Change> {
    compare_with_grace(base, head, today, None)
}

/// [`compare`] under a deprecation grace period of `grace_days` (`deprecation-grace-days`):
/// what is deprecated in this change must name an x-sunset at least that many days after
/// `today`, and a deprecated thing without an x-sunset may not be removed (nothing shows its
/// grace period has passed). Without one, removing a deprecated thing without an x-sunset is
/// INFO, as in oasdiff.
pub fn compare_with_grace(
    base: &Spec,
    head: &Spec,
    today: &str,
    grace_days: Option<u32>,
) -> Vec<Change> {
    let grace = grace_days.map(|n| {
        let earliest = today
            .parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.checked_add(jiff::Span::new().days(i64::from(n))).ok())
            .map_or_else(|| today.to_string(), |d| d.to_string());
        (n, earliest)
    });
    let mut c = Cmp {
        base,
        head,
        today,
        grace,
        out: Vec::new(),
        op: None,
        memo: HashSet::new(),
        same: RefCell::new(Same::default()),
    };
    c.paths();
    c.webhooks();
    c.global_security();
    c.out
}

/// A path template with its parameter names blanked: `/books/{}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
        .collect()
}

fn is_deprecated(v: &Value) -> bool {
    v.flag("deprecated")
}

/// What removing a thing amounts to, by its deprecation and x-sunset in base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    /// It was not deprecated.
    Live,
    /// Deprecated, but its sunset has not come: the message says why.
    Early(&'static str),
    /// Deprecated and past its sunset (or with no sunset and no grace period to keep).
    Retired,
}

impl<'a> Cmp<'a> {
    fn emit(&mut self, id: &str, at: (usize, u32), message: String) {
        let Some(rule) = rules::rule(id) else {
            debug_assert!(false, "rule {id} is not in the catalogue");
            return;
        };
        let message = match &self.op {
            Some(op) => format!("{op}: {message}"),
            None => message,
        };
        self.out.push(Change {
            rule,
            op: self.op.clone(),
            message,
            file: self.head.docs[at.0].path.clone(),
            line: at.1,
            coordinate: None,
            tool_rule: None,
        });
    }

    /// [`equal`] from the top, remembered.
    fn equal(&self, b: At<'a>, h: At<'a>) -> bool {
        equal(self.base, b, self.head, h, 0, &mut self.same.borrow_mut())
    }

    fn removal(&self, v: &Value) -> Removal {
        if !is_deprecated(v) {
            return Removal::Live;
        }
        match v.get_str("x-sunset") {
            Some(s) if s > self.today => Removal::Early("removed before its sunset date"),
            Some(_) => Removal::Retired,
            None if self.grace.is_some() => Removal::Early(
                "removed, but it was deprecated without an x-sunset: nothing shows its deprecation-grace-days have passed",
            ),
            None => Removal::Retired,
        }
    }

    /// With a grace period configured, a thing deprecated in this change must name its
    /// x-sunset at least that many days ahead, so its removal can be judged later.
    fn check_sunset(&mut self, v: &Value, at: (usize, u32), ids: [&str; 2], what: &str) {
        let Some((days, earliest)) = self.grace.clone() else {
            return;
        };
        match v.get_str("x-sunset") {
            None => self.emit(
                ids[0],
                at,
                format!("{what} deprecated without an x-sunset (deprecation-grace-days: {days} needs one, {earliest} or later)"),
            ),
            Some(s) if s.parse::<jiff::civil::Date>().is_err() => self.emit(
                ids[0],
                at,
                format!("{what} deprecated with x-sunset `{s}`, which is not a YYYY-MM-DD date"),
            ),
            Some(s) if s < earliest.as_str() => self.emit(
                ids[1],
                at,
                format!("{what} deprecated with x-sunset {s}, less than the {days} deprecation-grace-days away (earliest {earliest})"),
            ),
            Some(_) => {}
        }
    }

    fn paths(&mut self) {
        let (b, h) = (self.base.root(), self.head.root());
        let bp = b.v.get("paths");
        let hp = h.v.get("paths");
        let hline = hp.map_or(h.v.line, |p| p.line);
        let bentries: &'a [(String, Value)] = bp.map_or(&[], |p| p.entries());
        let hentries: &'a [(String, Value)] = hp.map_or(&[], |p| p.entries());
        let mut matched = HashSet::new();
        for (path, bitem) in bentries {
            let bitem = self.base.deref(At { doc: 0, v: bitem });
            let hfound = hentries
                .iter()
                .find(|(p, _)| p == path)
                .or_else(|| hentries.iter().find(|(p, _)| shape(p) == shape(path)));
            match hfound {
                None => {
                    for m in METHODS {
                        if let Some(op) = bitem.v.get(m) {
                            self.op = Some(format!("{} {path}", m.to_uppercase()));
                            let (id, what) = match self.removal(op) {
                                Removal::Live => (
                                    "api-path-removed-without-deprecation",
                                    "removed without deprecation",
                                ),
                                Removal::Early(why) => ("api-path-removed-before-sunset", why),
                                Removal::Retired => (
                                    "api-path-removed-with-deprecation",
                                    "removed after deprecation",
                                ),
                            };
                            self.emit(id, (0, hline), format!("path {what}"));
                        }
                    }
                }
                Some((hpath, hitem)) => {
                    matched.insert(hpath.clone());
                    let hitem = self.head.deref(At { doc: 0, v: hitem });
                    self.path_item(path, hpath, bitem, hitem);
                }
            }
        }
        for (path, hitem) in hentries {
            if matched.contains(path) {
                continue;
            }
            let hitem = self.head.deref(At { doc: 0, v: hitem });
            for m in METHODS {
                if let Some(op) = hitem.v.get(m) {
                    self.op = Some(format!("{} {path}", m.to_uppercase()));
                    self.emit(
                        "endpoint-added",
                        (hitem.doc, op.line),
                        "operation added".into(),
                    );
                }
            }
        }
        self.op = None;
    }

    fn path_item(&mut self, bpath: &str, hpath: &str, bitem: At<'a>, hitem: At<'a>) {
        for m in METHODS {
            self.op = Some(format!("{} {hpath}", m.to_uppercase()));
            self.memo.clear();
            match (bitem.v.get(m), hitem.v.get(m)) {
                (Some(bop), None) => {
                    let (id, what) = match self.removal(bop) {
                        Removal::Live => (
                            "api-removed-without-deprecation",
                            "removed without deprecation",
                        ),
                        Removal::Early(why) => ("api-removed-before-sunset", why),
                        Removal::Retired => {
                            ("api-removed-with-deprecation", "removed after deprecation")
                        }
                    };
                    self.op = Some(format!("{} {bpath}", m.to_uppercase()));
                    self.emit(id, (hitem.doc, hitem.v.line), format!("operation {what}"));
                }
                (None, Some(hop)) => self.emit(
                    "endpoint-added",
                    (hitem.doc, hop.line),
                    "operation added".into(),
                ),
                (Some(bop), Some(hop)) => self.operation(
                    bpath,
                    hpath,
                    bitem,
                    hitem,
                    At {
                        doc: bitem.doc,
                        v: bop,
                    },
                    At {
                        doc: hitem.doc,
                        v: hop,
                    },
                ),
                (None, None) => {}
            }
        }
    }

    fn operation(
        &mut self,
        bpath: &str,
        hpath: &str,
        bitem: At<'a>,
        hitem: At<'a>,
        bop: At<'a>,
        hop: At<'a>,
    ) {
        let here = (hop.doc, hop.v.line);
        match (is_deprecated(bop.v), is_deprecated(hop.v)) {
            (false, true) => {
                let id = if hop.v.get("x-sunset").is_some() {
                    "endpoint-deprecated-with-sunset"
                } else {
                    "endpoint-deprecated"
                };
                self.emit(id, here, "operation deprecated".into());
                self.check_sunset(
                    hop.v,
                    here,
                    ["api-deprecated-sunset-missing", "api-sunset-date-too-small"],
                    "operation",
                );
            }
            (true, false) => self.emit("endpoint-reactivated", here, "no longer deprecated".into()),
            (true, true) if bop.v.get("x-sunset").is_some() && hop.v.get("x-sunset").is_none() => {
                self.emit(
                    "sunset-deleted",
                    here,
                    "x-sunset removed from a deprecated operation".into(),
                )
            }
            _ => {}
        }
        let unstable = matches!(bop.v.get_str("x-stability-level"), Some("alpha" | "draft"));
        self.security(bop.v.get("security"), hop.v.get("security"), here, false);
        self.parameters(bpath, hpath, bitem, hitem, bop, hop, unstable);
        self.request_body(bop, hop);
        self.responses(bop, hop);
    }

    fn security(&mut self, b: Option<&Value>, h: Option<&Value>, here: (usize, u32), global: bool) {
        let reqs =
            |v: Option<&Value>| -> BTreeMap<BTreeSet<String>, BTreeMap<String, BTreeSet<String>>> {
                v.map(|s| s.items())
                    .unwrap_or(&[])
                    .iter()
                    .map(|alt| {
                        let schemes: BTreeMap<String, BTreeSet<String>> = alt
                            .entries()
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.items()
                                        .iter()
                                        .filter_map(|s| s.str().map(str::to_string))
                                        .collect(),
                                )
                            })
                            .collect();
                        (schemes.keys().cloned().collect(), schemes)
                    })
                    .collect()
            };
        let (br, hr) = (reqs(b), reqs(h));
        let line = h.map_or(here.1, |v| v.line);
        let (added, removed) = if global {
            ("api-global-security-added", "api-global-security-removed")
        } else {
            ("api-security-added", "api-security-removed")
        };
        for (names, scopes) in &hr {
            match br.get(names) {
                None => self.emit(
                    added,
                    (here.0, line),
                    format!("security requirement {} added", join(names)),
                ),
                Some(bs) if !global => {
                    for (scheme, s) in scopes {
                        let old = bs.get(scheme).cloned().unwrap_or_default();
                        for gone in old.difference(s) {
                            self.emit(
                                "api-security-scope-removed",
                                (here.0, line),
                                format!("scope `{gone}` removed from security scheme `{scheme}`"),
                            );
                        }
                        for new in s.difference(&old) {
                            self.emit(
                                "api-security-scope-added",
                                (here.0, line),
                                format!("scope `{new}` added to security scheme `{scheme}`"),
                            );
                        }
                    }
                }
                Some(_) => {}
            }
        }
        for names in br.keys() {
            if !hr.contains_key(names) {
                self.emit(
                    removed,
                    (here.0, line),
                    format!("security requirement {} removed", join(names)),
                );
            }
        }
    }

    fn global_security(&mut self) {
        let (b, h) = (self.base.root(), self.head.root());
        self.op = None;
        self.security(
            b.v.get("security"),
            h.v.get("security"),
            (0, h.v.line),
            true,
        );
    }

    fn webhooks(&mut self) {
        let (b, h) = (self.base.root(), self.head.root());
        self.op = None;
        let bw = b.v.get("webhooks");
        let hw = h.v.get("webhooks");
        let line = hw.map_or(h.v.line, |w| w.line);
        for (name, _) in bw.map_or(&[][..], |w| w.entries()) {
            if hw.and_then(|w| w.get(name)).is_none() {
                self.emit(
                    "webhook-removed",
                    (0, line),
                    format!("webhook `{name}` removed"),
                );
            }
        }
        for (name, v) in hw.map_or(&[][..], |w| w.entries()) {
            if bw.and_then(|w| w.get(name)).is_none() {
                self.emit(
                    "webhook-added",
                    (0, v.line),
                    format!("webhook `{name}` added"),
                );
            }
        }
    }

    /// The effective parameters of an operation, keyed by (in, name) — path parameters by their
    /// position in the template, so a rename is recognised — with whether each came from the
    /// path item.
    fn params(
        spec: &'a Spec,
        path: &str,
        item: At<'a>,
        op: At<'a>,
    ) -> BTreeMap<(String, String), (At<'a>, bool)> {
        let names = path_params(path);
        let mut out = BTreeMap::new();
        for (src, from_item) in [(item, true), (op, false)] {
            for p in src.v.get("parameters").map_or(&[][..], |p| p.items()) {
                let p = spec.deref(At { doc: src.doc, v: p });
                let (Some(inn), Some(name)) = (p.v.get_str("in"), p.v.get_str("name")) else {
                    continue;
                };
                let key = if inn == "path" {
                    match names.iter().position(|n| *n == name) {
                        Some(i) => format!("#{i}"),
                        None => name.to_string(),
                    }
                } else if inn == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_string()
                };
                out.insert((inn.to_string(), key), (p, from_item));
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn parameters(
        &mut self,
        bpath: &str,
        hpath: &str,
        bitem: At<'a>,
        hitem: At<'a>,
        bop: At<'a>,
        hop: At<'a>,
        unstable: bool,
    ) {
        let bp = Self::params(self.base, bpath, bitem, bop);
        let hp = Self::params(self.head, hpath, hitem, hop);
        let opline = (hop.doc, hop.v.line);
        for (key, (b, _)) in &bp {
            let name = b.v.get_str("name").unwrap_or("");
            if hp.contains_key(key) || unstable {
                continue;
            }
            let what = format!("{} parameter `{name}`", key.0);
            match self.removal(b.v) {
                Removal::Live => self.emit(
                    "request-parameter-removed",
                    opline,
                    format!("{what} removed"),
                ),
                Removal::Early(why) => self.emit(
                    "request-parameter-removed-before-sunset",
                    opline,
                    format!("{what} {why}"),
                ),
                Removal::Retired => self.emit(
                    "request-parameter-removed-with-deprecation",
                    opline,
                    format!("{what} removed after deprecation"),
                ),
            }
        }
        for (key, (h, from_item)) in &hp {
            let name = h.v.get_str("name").unwrap_or("");
            let what = format!("{} parameter `{name}`", key.0);
            let here = (h.doc, h.v.line);
            let required = h.v.flag("required");
            let Some((b, _)) = bp.get(key) else {
                let id = match (key.0 == "path", from_item, required) {
                    (true, _, _) => "new-request-path-parameter",
                    (false, true, true) => {
                        "new-required-request-default-parameter-to-existing-path"
                    }
                    (false, true, false) => {
                        "new-optional-request-default-parameter-to-existing-path"
                    }
                    (false, false, true) => "new-required-request-parameter",
                    (false, false, false) => "new-optional-request-parameter",
                };
                self.emit(id, here, format!("{what} added"));
                continue;
            };
            let bname = b.v.get_str("name").unwrap_or("");
            if key.0 == "path" && bname != name {
                self.emit(
                    "request-path-parameter-renamed",
                    here,
                    format!("path parameter `{bname}` renamed to `{name}`"),
                );
            }
            match (b.v.flag("required"), required) {
                (false, true) => self.emit(
                    "request-parameter-became-required",
                    here,
                    format!("{what} became required"),
                ),
                (true, false) if key.0 != "path" => self.emit(
                    "request-parameter-became-optional",
                    here,
                    format!("{what} became optional"),
                ),
                _ => {}
            }
            match (is_deprecated(b.v), is_deprecated(h.v)) {
                (false, true) => {
                    self.emit(
                        "request-parameter-deprecated",
                        here,
                        format!("{what} deprecated"),
                    );
                    self.check_sunset(
                        h.v,
                        here,
                        [
                            "request-parameter-deprecated-sunset-missing",
                            "request-parameter-sunset-date-too-small",
                        ],
                        &what,
                    );
                }
                (true, true) if b.v.get("x-sunset").is_some() && h.v.get("x-sunset").is_none() => {
                    self.emit(
                        "request-parameter-sunset-deleted",
                        here,
                        format!("x-sunset removed from deprecated {what}"),
                    )
                }
                _ => {}
            }
            let schema = |p: &At<'a>| {
                p.v.get("schema")
                    .or_else(|| {
                        p.v.get("content")
                            .and_then(|c| c.entries().first())
                            .and_then(|(_, mt)| mt.get("schema"))
                    })
                    .map(|s| At { doc: p.doc, v: s })
            };
            if let (Some(bs), Some(hs)) = (schema(b), schema(h)) {
                self.schema(bs, hs, Side::ReqParam, &what, 0);
            }
        }
    }

    fn request_body(&mut self, bop: At<'a>, hop: At<'a>) {
        let here = (hop.doc, hop.v.line);
        let b = bop
            .v
            .get("requestBody")
            .map(|v| self.base.deref(At { doc: bop.doc, v }));
        let h = hop
            .v
            .get("requestBody")
            .map(|v| self.head.deref(At { doc: hop.doc, v }));
        match (b, h) {
            (None, Some(h)) if h.v.flag("required") => self.emit(
                "request-body-added-required",
                (h.doc, h.v.line),
                "required request body added".into(),
            ),
            (Some(_), None) => {
                self.emit("request-body-removed", here, "request body removed".into())
            }
            (Some(b), Some(h)) => {
                let hl = (h.doc, h.v.line);
                match (b.v.flag("required"), h.v.flag("required")) {
                    (false, true) => self.emit(
                        "request-body-became-required",
                        hl,
                        "request body became required".into(),
                    ),
                    (true, false) => self.emit(
                        "request-body-became-optional",
                        hl,
                        "request body became optional".into(),
                    ),
                    _ => {}
                }
                self.content(b, h, Side::ReqBody, "request body");
            }
            _ => {}
        }
    }

    fn content(&mut self, b: At<'a>, h: At<'a>, side: Side, label: &str) {
        let bc = b.v.get("content").map_or(&[][..], |c| c.entries());
        let hc_node = h.v.get("content");
        let hc = hc_node.map_or(&[][..], |c| c.entries());
        let line = (h.doc, hc_node.map_or(h.v.line, |c| c.line));
        let added: Vec<&String> = hc
            .iter()
            .filter(|(k, _)| bc.iter().all(|(b, _)| b != k))
            .map(|(k, _)| k)
            .collect();
        for (mt, bm) in bc {
            match hc.iter().find(|(k, _)| k == mt) {
                None => {
                    let general = mt
                        .split_once('+')
                        .map(|(ty, sfx)| format!("{}/{sfx}", ty.split('/').next().unwrap_or("")));
                    let (id, what) = match (side.request(), general) {
                        (true, _) => (
                            "request-body-media-type-removed",
                            format!("{label} media type `{mt}` removed"),
                        ),
                        (false, Some(g)) if added.contains(&&g) => (
                            "response-media-type-name-generalized",
                            format!("media type `{mt}` replaced by the more general `{g}`"),
                        ),
                        (false, _) => (
                            "response-media-type-removed",
                            format!("{label} media type `{mt}` removed"),
                        ),
                    };
                    self.emit(id, line, what);
                }
                Some((_, hm)) => {
                    if let (Some(bs), Some(hs)) = (bm.get("schema"), hm.get("schema")) {
                        self.schema(
                            At { doc: b.doc, v: bs },
                            At { doc: h.doc, v: hs },
                            side,
                            &format!("{label} {mt}"),
                            0,
                        );
                    }
                }
            }
        }
    }

    fn responses(&mut self, bop: At<'a>, hop: At<'a>) {
        let Some(br) = bop.v.get("responses") else {
            return;
        };
        let hr = hop.v.get("responses");
        let line = (hop.doc, hr.map_or(hop.v.line, |r| r.line));
        for (status, b) in br.entries() {
            let b = self.base.deref(At { doc: bop.doc, v: b });
            let Some(h) = hr.and_then(|r| r.get(status)) else {
                let (id, what) = if status.starts_with('2') {
                    ("response-success-status-removed", "success")
                } else {
                    ("response-non-success-status-removed", "non-success")
                };
                self.emit(id, line, format!("{what} response `{status}` removed"));
                continue;
            };
            let h = self.head.deref(At { doc: hop.doc, v: h });
            let hh = h.v.get("headers");
            for (name, bh) in b.v.get("headers").map_or(&[][..], |x| x.entries()) {
                if hh
                    .and_then(|x| {
                        x.entries()
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    })
                    .is_none()
                {
                    let bh = self.base.deref(At { doc: b.doc, v: bh });
                    let id = if bh.v.flag("required") {
                        "required-response-header-removed"
                    } else {
                        "optional-response-header-removed"
                    };
                    self.emit(
                        id,
                        (h.doc, h.v.line),
                        format!("response `{status}` header `{name}` removed"),
                    );
                }
            }
            self.content(b, h, Side::RespBody, &format!("response `{status}`"));
        }
    }

    fn schema(&mut self, b: At<'a>, h: At<'a>, side: Side, what: &str, depth: usize) {
        let b = self.base.deref(b);
        let h = self.head.deref(h);
        if depth > MAX_DEPTH
            || !self.memo.insert((
                b.v as *const Value as usize,
                h.v as *const Value as usize,
                side,
            ))
            || self.equal(b, h)
        {
            return;
        }
        let p = side.prefix();
        let id = |s: &str| format!("{p}-{s}");
        let here = (h.doc, h.v.line);
        let at_key = |k: &str| (h.doc, h.v.get(k).map_or(h.v.line, |x| x.line));
        // Wrapped into a oneOf: one finding, the branches are not compared further.
        if b.v.get("oneOf").is_none() && h.v.get("oneOf").is_some() && b.v.get("type").is_some() {
            self.emit(
                &id("wrapped-in-one-of"),
                at_key("oneOf"),
                format!("{what}: wrapped in a oneOf"),
            );
            return;
        }
        let (bt, bn) = types(b.v);
        let (ht, hn) = types(h.v);
        if !bt.is_empty() && !ht.is_empty() && bt != ht {
            let widened = ht.is_superset(&bt) || (bt.contains("integer") && ht.contains("number"));
            let array_of = ht.contains("array")
                && h.v.get("items").is_some_and(|i| {
                    let it = self.head.deref(At { doc: h.doc, v: i });
                    let (t, _) = types(it.v);
                    // A form-exploded query array of plain strings takes any scalar value.
                    let any_scalar = side == Side::ReqParam && t.len() == 1 && t.contains("string");
                    (t.is_superset(&bt) || any_scalar)
                        && it.v.get("enum").is_none()
                        && it.v.get("pattern").is_none()
                        && it.v.get("maxLength").is_none()
                        && it.v.get("maximum").is_none()
                });
            let msg = format!("{what}: type {} changed to {}", join(&bt), join(&ht));
            if side.request() {
                if widened || array_of {
                    if rules::rule(&id("type-generalized")).is_some() {
                        self.emit(&id("type-generalized"), at_key("type"), msg);
                    }
                } else if side == Side::ReqParamProp {
                    self.emit(&id("type-specialized"), at_key("type"), msg);
                } else {
                    self.emit(&id("type-changed"), at_key("type"), msg);
                }
            } else if !bt.is_superset(&ht) {
                self.emit(&id("type-changed"), at_key("type"), msg);
            }
        }
        if side.request() && bn && !hn {
            self.emit(
                &id("became-not-nullable"),
                here,
                format!("{what}: no longer nullable"),
            );
        }
        if !side.request() && !bn && hn {
            self.emit(
                &id("became-nullable"),
                here,
                format!("{what}: became nullable"),
            );
        }
        let enum_of = |v: &Value| -> Option<BTreeSet<String>> {
            v.get("enum").map(|e| {
                e.items()
                    .iter()
                    .filter_map(|x| x.str().map(str::to_string))
                    .collect()
            })
        };
        match (enum_of(b.v), enum_of(h.v)) {
            (Some(be), Some(he)) => {
                for gone in be.difference(&he) {
                    self.emit(
                        &id("enum-value-removed"),
                        at_key("enum"),
                        format!("{what}: enum value `{gone}` removed"),
                    );
                }
                if !side.request() {
                    for new in he.difference(&be) {
                        self.emit(
                            &id("enum-value-added"),
                            at_key("enum"),
                            format!("{what}: enum value `{new}` added"),
                        );
                    }
                }
            }
            (None, Some(_)) if side.request() => self.emit(
                &id("became-enum"),
                at_key("enum"),
                format!("{what}: restricted to an enum"),
            ),
            _ => {}
        }
        if side.request() {
            self.bounds(b.v, h.v, side, what, h.doc);
            let any = |p: &str| matches!(p, ".*" | "^.*$" | "^(?:.*)$" | "(.*)");
            match (b.v.get_str("pattern"), h.v.get_str("pattern")) {
                (None, Some(hp)) if !any(hp) => self.emit(
                    &id("pattern-added"),
                    at_key("pattern"),
                    format!("{what}: pattern `{hp}` added"),
                ),
                (Some(bp), Some(hp)) if bp != hp && !any(hp) => self.emit(
                    &id("pattern-changed"),
                    at_key("pattern"),
                    format!("{what}: pattern `{bp}` changed to `{hp}`"),
                ),
                (Some(bp), None) => self.emit(
                    &id("pattern-removed"),
                    here,
                    format!("{what}: pattern `{bp}` removed"),
                ),
                _ => {}
            }
            if side == Side::ReqParam
                && b.v.get("default").is_some()
                && h.v.get("default").is_some()
                && !self.equal(
                    At {
                        doc: b.doc,
                        v: b.v.get("default").unwrap_or(b.v),
                    },
                    At {
                        doc: h.doc,
                        v: h.v.get("default").unwrap_or(h.v),
                    },
                )
            {
                self.emit(
                    &id("default-value-changed"),
                    at_key("default"),
                    format!("{what}: default value changed"),
                );
            }
        }
        self.compositions(b, h, side, what, depth);
        self.properties(b, h, side, what, depth);
        if let (Some(bi), Some(hi)) = (b.v.get("items"), h.v.get("items")) {
            // oasdiff reports a parameter's items under the parameter's own ids.
            let items_side = if side == Side::ReqParam {
                side
            } else {
                side.child()
            };
            self.schema(
                At { doc: b.doc, v: bi },
                At { doc: h.doc, v: hi },
                items_side,
                &format!("{what} items"),
                depth + 1,
            );
        }
    }

    fn bounds(&mut self, b: &Value, h: &Value, side: Side, what: &str, doc: usize) {
        let p = side.prefix();
        let num = |v: &Value, k: &str| v.get_str(k).and_then(|s| s.parse::<f64>().ok());
        // 3.0 spells an exclusive bound as a flag beside it, 3.1 as the bound itself.
        let bound = |v: &Value, k: &str, ex: &str| -> Option<(f64, bool)> {
            match (num(v, k), v.get_str(ex)) {
                (Some(n), Some("true")) => Some((n, true)),
                (Some(n), _) => Some((n, false)),
                (None, Some(e)) => e.parse::<f64>().ok().map(|n| (n, true)),
                _ => None,
            }
        };
        let line = |k: &str| (doc, h.get(k).map_or(h.line, |x| x.line));
        match (
            bound(b, "maximum", "exclusiveMaximum"),
            bound(h, "maximum", "exclusiveMaximum"),
        ) {
            (Some(bm), Some(hm)) if hm.0 < bm.0 || (hm.0 == bm.0 && hm.1 && !bm.1) => self.emit(
                &format!("{p}-max-decreased"),
                line("maximum"),
                format!("{what}: maximum decreased from {} to {}", bm.0, hm.0),
            ),
            (None, Some(hm)) => self.emit(
                &format!("{p}-max-set"),
                line("maximum"),
                format!("{what}: maximum {} set", hm.0),
            ),
            _ => {}
        }
        match (
            bound(b, "minimum", "exclusiveMinimum"),
            bound(h, "minimum", "exclusiveMinimum"),
        ) {
            (Some(bm), Some(hm)) if hm.0 > bm.0 || (hm.0 == bm.0 && hm.1 && !bm.1) => self.emit(
                &format!("{p}-min-increased"),
                line("minimum"),
                format!("{what}: minimum increased from {} to {}", bm.0, hm.0),
            ),
            (None, Some(hm)) => self.emit(
                &format!("{p}-min-set"),
                line("minimum"),
                format!("{what}: minimum {} set", hm.0),
            ),
            _ => {}
        }
        for (k, name, tighter_if_less) in [
            ("maxLength", "max-length-decreased", true),
            ("minLength", "min-length-increased", false),
            ("maxItems", "max-items-decreased", true),
            ("minItems", "min-items-increased", false),
        ] {
            match (num(b, k), num(h, k)) {
                (Some(bv), Some(hv))
                    if (tighter_if_less && hv < bv) || (!tighter_if_less && hv > bv) =>
                {
                    self.emit(
                        &format!("{p}-{name}"),
                        line(k),
                        format!("{what}: {k} changed from {bv} to {hv}"),
                    )
                }
                (None, Some(hv)) if k == "maxLength" => self.emit(
                    &format!("{p}-max-length-set"),
                    line(k),
                    format!("{what}: maxLength {hv} set"),
                ),
                _ => {}
            }
        }
    }

    fn compositions(&mut self, b: At<'a>, h: At<'a>, side: Side, what: &str, _depth: usize) {
        let p = side.prefix();
        for (key, name) in [
            ("oneOf", "one-of"),
            ("anyOf", "any-of"),
            ("allOf", "all-of"),
        ] {
            let bb: Vec<At> =
                b.v.get(key)
                    .map_or(&[][..], |x| x.items())
                    .iter()
                    .map(|v| At { doc: b.doc, v })
                    .collect();
            let hb: Vec<At> =
                h.v.get(key)
                    .map_or(&[][..], |x| x.items())
                    .iter()
                    .map(|v| At { doc: h.doc, v })
                    .collect();
            let line = (h.doc, h.v.get(key).map_or(h.v.line, |x| x.line));
            let in_head = |c: &Self, x: &At<'a>| hb.iter().any(|y| c.equal(*x, *y));
            let in_base = |c: &Self, y: &At<'a>| bb.iter().any(|x| c.equal(*x, *y));
            let removed = bb.iter().filter(|x| !in_head(self, x)).count();
            // A head subschema equal to the whole base schema is the base itself, wrapped.
            let added: Vec<At> = hb
                .iter()
                .filter(|y| !(in_base(self, y) || (key == "allOf" && self.equal(b, **y))))
                .copied()
                .collect();
            if key == "allOf" {
                if !side.request() {
                    continue;
                }
                for y in &added {
                    let y = self.head.deref(*y);
                    let annotation_only = y.v.entries().iter().all(|(k, _)| {
                        matches!(
                            k.as_str(),
                            "title"
                                | "description"
                                | "example"
                                | "examples"
                                | "deprecated"
                                | "externalDocs"
                        ) || k.starts_with("x-")
                    });
                    let id = if annotation_only {
                        format!("{p}-all-of-added-annotation-only")
                    } else {
                        format!("{p}-all-of-added")
                    };
                    self.emit(&id, line, format!("{what}: allOf subschema added"));
                }
                if removed > 0 {
                    self.emit(
                        &format!("{p}-all-of-removed"),
                        line,
                        format!("{what}: {removed} allOf subschema(s) removed"),
                    );
                }
            } else if side.request() && removed > 0 && !hb.is_empty() {
                self.emit(
                    &format!("{p}-{name}-removed"),
                    line,
                    format!("{what}: {removed} {key} alternative(s) removed"),
                );
            } else if !side.request() && !added.is_empty() && !bb.is_empty() {
                self.emit(
                    &format!("{p}-{name}-added"),
                    line,
                    format!("{what}: {} {key} alternative(s) added", added.len()),
                );
            }
        }
    }

    fn properties(&mut self, b: At<'a>, h: At<'a>, side: Side, what: &str, depth: usize) {
        // Properties and `required` merged over allOf: wrapping a schema in an allOf with
        // another one moves properties without removing them.
        let (bp, brq) = view(self.base, b, 0);
        let (hp, hrq) = view(self.head, h, 0);
        let hp_node = h.v.get("properties");
        let parent = (h.doc, hp_node.map_or(h.v.line, |x| x.line));
        let request = side.request();
        let flag =
            |spec: &Spec, doc: usize, v: &Value, k: &str| spec.deref(At { doc, v }).v.flag(k);
        for (name, bv) in &bp {
            let pw = format!("{what} property `{name}`");
            match hp.iter().find(|(k, _)| k == name) {
                None => {
                    let pre = if request { "request" } else { "response" };
                    let live = if request {
                        (!flag(self.base, bv.doc, bv.v, "readOnly"))
                            .then_some("request-property-removed")
                    } else if flag(self.base, bv.doc, bv.v, "writeOnly") {
                        None
                    } else if brq.contains(name) {
                        Some("response-required-property-removed")
                    } else {
                        Some("response-optional-property-removed")
                    };
                    if let Some(live) = live {
                        match self.removal(self.base.deref(*bv).v) {
                            Removal::Live => self.emit(live, parent, format!("{pw} removed")),
                            Removal::Early(why) => self.emit(
                                &format!("{pre}-property-removed-before-sunset"),
                                parent,
                                format!("{pw} {why}"),
                            ),
                            Removal::Retired => self.emit(
                                &format!("{pre}-property-removed-with-deprecation"),
                                parent,
                                format!("{pw} removed after deprecation"),
                            ),
                        }
                    }
                }
                Some((_, hv)) => {
                    let hd = self.head.deref(*hv);
                    let bd = self.base.deref(*bv);
                    let here = (hd.doc, hv.v.line);
                    let pre = if request { "request" } else { "response" };
                    match (brq.contains(name), hrq.contains(name)) {
                        (false, true) if request && !hd.v.flag("readOnly") => self.emit(
                            "request-property-became-required",
                            here,
                            format!("{pw} became required"),
                        ),
                        (true, false) if request => self.emit(
                            "request-property-became-optional",
                            here,
                            format!("{pw} became optional"),
                        ),
                        (true, false) if !hd.v.flag("writeOnly") => self.emit(
                            "response-property-became-optional",
                            here,
                            format!("{pw} became optional"),
                        ),
                        (false, true) if !request => self.emit(
                            "response-property-became-required",
                            here,
                            format!("{pw} became required"),
                        ),
                        _ => {}
                    }
                    if !is_deprecated(bd.v) && is_deprecated(hd.v) {
                        let id = if hd.v.get("x-sunset").is_some() {
                            format!("{pre}-property-deprecated-with-sunset")
                        } else {
                            format!("{pre}-property-deprecated")
                        };
                        self.emit(&id, here, format!("{pw} deprecated"));
                        self.check_sunset(
                            hd.v,
                            here,
                            [
                                &format!("{pre}-property-deprecated-sunset-missing"),
                                &format!("{pre}-property-sunset-date-too-small"),
                            ],
                            &pw,
                        );
                    }
                    self.schema(*bv, *hv, side.child(), &pw, depth + 1);
                }
            }
        }
        for (name, hv) in &hp {
            if bp.iter().any(|(k, _)| k == name) {
                continue;
            }
            let hd = self.head.deref(*hv);
            let here = (hd.doc, hv.v.line);
            let pw = format!("{what} property `{name}`");
            let required = hrq.contains(name);
            if request {
                if hd.v.flag("readOnly") {
                    continue;
                }
                let id = match (required, hd.v.get("default").is_some()) {
                    (true, true) => "new-required-request-property-with-default",
                    (true, false) => "new-required-request-property",
                    _ => "new-optional-request-property",
                };
                self.emit(id, here, format!("{pw} added"));
            } else if !hd.v.flag("writeOnly") {
                let id = if required {
                    "response-required-property-added"
                } else {
                    "response-optional-property-added"
                };
                self.emit(id, here, format!("{pw} added"));
            }
        }
    }
}

/// The properties of a schema with those of its allOf subschemas (bounded depth), and the
/// union of their `required` lists.
type View<'s> = (Vec<(String, At<'s>)>, BTreeSet<String>);

fn view<'s>(spec: &'s Spec, at: At<'s>, depth: usize) -> View<'s> {
    let at = spec.deref(at);
    let mut props: Vec<(String, At<'s>)> = Vec::new();
    let mut req = BTreeSet::new();
    if depth > 8 {
        return (props, req);
    }
    for (k, v) in at.v.get("properties").map_or(&[][..], |x| x.entries()) {
        props.push((k.clone(), At { doc: at.doc, v }));
    }
    req.extend(
        at.v.get("required")
            .map_or(&[][..], |r| r.items())
            .iter()
            .filter_map(|x| x.str().map(str::to_string)),
    );
    for br in at.v.get("allOf").map_or(&[][..], |x| x.items()) {
        let (p, r) = view(spec, At { doc: at.doc, v: br }, depth + 1);
        for (k, v) in p {
            if !props.iter().any(|(x, _)| *x == k) {
                props.push((k, v));
            }
        }
        req.extend(r);
    }
    (props, req)
}

/// The declared types without `null`, and whether null is allowed (3.0 `nullable: true` or a
/// 3.1 type array holding `null`).
fn types(v: &Value) -> (BTreeSet<String>, bool) {
    let mut t: BTreeSet<String> = match v.get("type") {
        Some(x) => match &x.v {
            V::Str(s) => [s.clone()].into(),
            V::Seq(s) => s
                .iter()
                .filter_map(|x| x.str().map(str::to_string))
                .collect(),
            V::Map(_) => BTreeSet::new(),
        },
        None => BTreeSet::new(),
    };
    let null = t.remove("null") || v.flag("nullable");
    (t, null)
}

fn join(s: &BTreeSet<String>) -> String {
    s.iter().map(String::as_str).collect::<Vec<_>>().join("|")
}

/// Keys that do not change what a schema accepts or promises.
fn annotation(k: &str) -> bool {
    matches!(
        k,
        "description" | "title" | "example" | "examples" | "externalDocs" | "$comment" | "summary"
    )
}

/// Whether two nodes mean the same, following `$ref`s, ignoring key order and annotations,
/// and treating `required`, `enum` and `type` lists as sets. Past the depth bound (a recursive
/// schema) they count as equal: what lies below was compared at the levels above.
fn equal(bs: &Spec, b: At, hs: &Spec, h: At, depth: usize, same: &mut Same) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let b = bs.deref(b);
    let h = hs.deref(h);
    if let (V::Str(x), V::Str(y)) = (&b.v.v, &h.v.v) {
        return x == y;
    }
    let key = (b.v as *const Value as usize, h.v as *const Value as usize);
    // Starting deeper only stops sooner (counting more as equal): a pair equal from depth d
    // is equal from any deeper start, one unequal from d unequal from any shallower one.
    match same.get(&key) {
        Some(&(true, d)) if depth >= d => return true,
        Some(&(false, d)) if depth <= d => return false,
        _ => {}
    }
    let answer = equal_nodes(bs, b, hs, h, depth, same);
    same.insert(key, (answer, depth));
    answer
}

/// Remembered [`equal`] answers: (base node, head node) -> (equal, the depth it was asked at).
type Same = HashMap<(usize, usize), (bool, usize)>;

fn equal_nodes(bs: &Spec, b: At, hs: &Spec, h: At, depth: usize, same: &mut Same) -> bool {
    match (&b.v.v, &h.v.v) {
        (V::Str(x), V::Str(y)) => x == y,
        (V::Seq(x), V::Seq(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(x, y)| {
                    equal(
                        bs,
                        At { doc: b.doc, v: x },
                        hs,
                        At { doc: h.doc, v: y },
                        depth + 1,
                        same,
                    )
                })
        }
        (V::Map(x), V::Map(y)) => {
            let xs: BTreeMap<&str, &Value> = x
                .iter()
                .filter(|(k, _)| !annotation(k))
                .map(|(k, v)| (k.as_str(), v))
                .collect();
            let ys: BTreeMap<&str, &Value> = y
                .iter()
                .filter(|(k, _)| !annotation(k))
                .map(|(k, v)| (k.as_str(), v))
                .collect();
            xs.len() == ys.len()
                && xs.iter().all(|(k, xv)| match ys.get(k) {
                    None => false,
                    Some(yv) if matches!(*k, "required" | "enum" | "type") => {
                        let set = |v: &Value| -> BTreeSet<String> {
                            match &v.v {
                                V::Seq(s) => s
                                    .iter()
                                    .filter_map(|i| i.str().map(str::to_string))
                                    .collect(),
                                V::Str(s) => [s.clone()].into(),
                                V::Map(_) => BTreeSet::new(),
                            }
                        };
                        set(xv) == set(yv)
                    }
                    Some(yv) => equal(
                        bs,
                        At { doc: b.doc, v: xv },
                        hs,
                        At { doc: h.doc, v: yv },
                        depth + 1,
                        same,
                    ),
                })
        }
        _ => false,
    }
}
