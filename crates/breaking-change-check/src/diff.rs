//! The comparison of a base and a head spec: operations, parameters, request bodies, responses,
//! security and schemas, each change a [`Change`] under a catalogue rule, located at the head
//! spec's line (a removal at the nearest surviving parent in head).
//!
//! Direction matters: what the server accepts (request side) must not shrink, what clients may
//! receive (response side) must not grow or lose promised fields. Schemas are compared after
//! following `$ref`s, ignoring key order and annotations, so an inline schema replaced by an
//! equal `$ref` is no change. Recursive schemas are safe: each (base, head, side) pair is
//! compared once per operation and descent stops at [`MAX_DEPTH`].
//!
//! Each OpenAPI change also names its spot by JSON pointer ([`Change::pointer`], the node its
//! line is taken from) and, for a removal, the removed thing's pointer in base
//! ([`Change::base_pointer`]). A node reached through a `$ref` is named by the pointer of the
//! definition the reference ends at (`/components/schemas/Pet/properties/name`), as its line
//! is: so the pointer of a node does not depend on the path that reached it, and a schema pair
//! compared once per operation (the memo) reports what any other path to it would have. The
//! comparison keeps only a trail of steps (key, index or reference, linked to their parent);
//! the text is built when a change is emitted.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use gates_core::rules::Rule;

use crate::pointer;
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
    /// The JSON pointer (RFC 6901) of the spot in `file` that `line` is taken from, for an
    /// OpenAPI change (a removal: the nearest surviving parent in head). For a Swagger 2.0 file
    /// it is the OpenAPI 3 form the file is read as (`/components/schemas/Pet` for
    /// `/definitions/Pet`).
    pub pointer: Option<String>,
    /// For a removal, the removed thing's JSON pointer in the base document that held it (the
    /// member removed: a `$ref`d property is named in the `properties` that listed it).
    pub base_pointer: Option<String>,
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

/// A node's JSON pointer, kept as a step on the [`Trail`] (its index) until a change needs it
/// as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct P(u32);

impl P {
    /// The document's root, the empty pointer.
    const ROOT: P = P(u32::MAX);
}

/// One step from a node to its child.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    /// A mapping member.
    Key(&'a str),
    /// A sequence item.
    Index(usize),
    /// A `$ref` followed: its fragment (`/components/schemas/Pet`) names the node afresh.
    Ref(&'a str),
}

/// The steps taken to the nodes being compared, each linked to its parent: pushing one is all
/// a descent costs, and the text of a pointer is built only for the changes emitted.
#[derive(Debug, Default)]
struct Trail<'a> {
    steps: Vec<(P, Step<'a>)>,
}

impl<'a> Trail<'a> {
    fn push(&mut self, parent: P, step: Step<'a>) -> P {
        self.steps.push((parent, step));
        P(self.steps.len() as u32 - 1)
    }

    /// The member `key` of the node at `p`.
    fn key(&mut self, p: P, key: &'a str) -> P {
        self.push(p, Step::Key(key))
    }

    /// Item `i` of the sequence at `p`.
    fn index(&mut self, p: P, i: usize) -> P {
        self.push(p, Step::Index(i))
    }

    /// [`Spec::deref`], and the pointer of the node it ends at: that of the definition the
    /// last `$ref` names (where its line is), or `n`'s own when it is no reference.
    fn deref(&mut self, spec: &'a Spec, n: Node<'a>) -> Node<'a> {
        match spec.deref_naming(n.at) {
            (at, None) => Node { at, p: n.p },
            (at, Some(r)) => {
                let fragment = r.split_once('#').map_or("", |(_, f)| f);
                Node {
                    at,
                    p: self.push(P::ROOT, Step::Ref(fragment)),
                }
            }
        }
    }

    /// The member `key` of `n`, as it is written (no `$ref` followed).
    fn child(&mut self, n: Node<'a>, key: &'a str) -> Option<Node<'a>> {
        let v = n.v.get(key)?;
        Some(Node {
            at: At { doc: n.doc, v },
            p: self.key(n.p, key),
        })
    }

    /// The member `key` of `n` whose value `v` the caller has in hand, `$ref`s followed.
    fn entry(&mut self, spec: &'a Spec, n: Node<'a>, key: &'a str, v: &'a Value) -> Node<'a> {
        let c = Node {
            at: At { doc: n.doc, v },
            p: self.key(n.p, key),
        };
        self.deref(spec, c)
    }

    /// The pointer at `p` as text.
    fn text(&self, p: P) -> String {
        let mut steps = Vec::new();
        let mut cur = p;
        while cur != P::ROOT {
            let (parent, step) = self.steps[cur.0 as usize];
            steps.push(step);
            cur = parent;
        }
        let mut out = String::new();
        for step in steps.iter().rev() {
            match step {
                Step::Key(k) => pointer::push_token(&mut out, k),
                Step::Index(i) => pointer::push_index(&mut out, *i),
                Step::Ref(f) => pointer::push_fragment(&mut out, f),
            }
        }
        out
    }

    /// Forget the steps from `mark` on (those of an operation compared).
    fn truncate(&mut self, mark: usize) {
        self.steps.truncate(mark);
    }
}

/// A node being compared and its pointer. It derefs to its [`At`], so that its document and
/// node read as `n.doc` and `n.v`, as before pointers were kept.
#[derive(Debug, Clone, Copy)]
struct Node<'a> {
    at: At<'a>,
    p: P,
}

impl<'a> std::ops::Deref for Node<'a> {
    type Target = At<'a>;
    fn deref(&self) -> &At<'a> {
        &self.at
    }
}

impl<'a> Node<'a> {
    /// A document's root.
    fn root(spec: &'a Spec) -> Node<'a> {
        Node {
            at: spec.root(),
            p: P::ROOT,
        }
    }
}

/// Where a change is located: the head node its line is taken from (or a member `key` of it),
/// and for a removal the removed thing's place in base.
#[derive(Debug, Clone, Copy)]
struct Spot<'a> {
    doc: usize,
    line: u32,
    p: P,
    key: Option<&'a str>,
    gone: Option<P>,
}

impl<'a> Spot<'a> {
    /// At the node `n`.
    fn at(n: Node<'a>) -> Spot<'a> {
        Spot {
            doc: n.doc,
            line: n.v.line,
            p: n.p,
            key: None,
            gone: None,
        }
    }

    /// At the member `key` of `n` when it has one, else at `n` (its nearest parent).
    fn key(n: Node<'a>, key: &'a str) -> Spot<'a> {
        match n.v.get(key) {
            Some(v) => Spot {
                line: v.line,
                key: Some(key),
                ..Spot::at(n)
            },
            None => Spot::at(n),
        }
    }

    /// The same spot, for the removal of what base has at `gone`.
    fn gone(self, gone: P) -> Spot<'a> {
        Spot {
            gone: Some(gone),
            ..self
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
    /// The changes emitted, by rule, operation and spot: a spot reached twice (a property seen
    /// in an allOf's merged view and in its changed branch, a recursive schema) is one change.
    emitted: HashSet<(&'static str, Option<String>, String, Option<String>)>,
    /// [`equal`]'s answers for node pairs, across operations: GitHub's REST description
    /// shares each component schema among hundreds of operations.
    same: RefCell<Same>,
    /// The pointers of the nodes being compared.
    trail: Trail<'a>,
}

/// `deprecation-grace-days` and the earliest removal day it allows for a thing deprecated
/// `today` (YYYY-MM-DD).
pub(crate) fn grace_window(today: &str, days: u32) -> (u32, String) {
    let earliest = today
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.checked_add(jiff::Span::new().days(i64::from(days))).ok())
        .map_or_else(|| today.to_string(), |d| d.to_string());
    (days, earliest)
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
    let grace = grace_days.map(|n| grace_window(today, n));
    let mut c = Cmp {
        base,
        head,
        today,
        grace,
        out: Vec::new(),
        op: None,
        memo: HashSet::new(),
        emitted: HashSet::new(),
        same: RefCell::new(Same::default()),
        trail: Trail::default(),
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

/// An operation's parameter, `$ref`s followed.
#[derive(Debug, Clone, Copy)]
struct Param<'a> {
    node: Node<'a>,
    /// Its place in the `parameters` list that names it.
    listed: P,
    /// Whether that list is the path item's.
    from_item: bool,
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
    fn emit(&mut self, id: &str, at: Spot<'a>, message: String) {
        let Some(rule) = rules::rule(id) else {
            debug_assert!(false, "rule {id} is not in the catalogue");
            return;
        };
        let message = match &self.op {
            Some(op) => format!("{op}: {message}"),
            None => message,
        };
        let mut pointer = self.trail.text(at.p);
        if let Some(k) = at.key {
            pointer::push_token(&mut pointer, k);
        }
        let base_pointer = at.gone.map(|g| self.trail.text(g));
        let key = (
            rule.id,
            self.op.clone(),
            pointer.clone(),
            base_pointer.clone(),
        );
        if !self.emitted.insert(key) {
            return;
        }
        self.out.push(Change {
            rule,
            op: self.op.clone(),
            message,
            file: self.head.docs[at.doc].path.clone(),
            line: at.line,
            coordinate: None,
            tool_rule: None,
            pointer: Some(pointer),
            base_pointer,
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
        // A date, or the date of an RFC 3339 time; text in another form shows nothing.
        let day = |s: &str| {
            s.get(..10)
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        };
        match v.get_str("x-sunset") {
            Some(s) if day(s).is_none() => Removal::Early(
                "removed, but its x-sunset is not a YYYY-MM-DD date: nothing shows its sunset has passed",
            ),
            Some(s) if &s[..10] > self.today => Removal::Early("removed before its sunset date"),
            Some(_) => Removal::Retired,
            None if self.grace.is_some() => Removal::Early(
                "removed, but it was deprecated without an x-sunset: nothing shows its deprecation-grace-days have passed",
            ),
            None => Removal::Retired,
        }
    }

    /// With a grace period configured, a thing deprecated in this change must name its
    /// x-sunset at least that many days ahead, so its removal can be judged later.
    fn check_sunset(&mut self, v: &Value, at: Spot<'a>, ids: [&str; 2], what: &str) {
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
        let (b, h) = (Node::root(self.base), Node::root(self.head));
        // A spec without paths compares as one with none.
        let bp = self.trail.child(b, "paths").unwrap_or(b);
        let hp = self.trail.child(h, "paths").unwrap_or(h);
        let parent = Spot::key(h, "paths");
        let bentries: &'a [(String, Value)] = b.v.get("paths").map_or(&[], |p| p.entries());
        let hentries: &'a [(String, Value)] = h.v.get("paths").map_or(&[], |p| p.entries());
        let mut matched = HashSet::new();
        for (path, bitem) in bentries {
            let bitem = self.trail.entry(self.base, bp, path, bitem);
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
                            let gone = self.trail.key(bitem.p, m);
                            self.emit(id, parent.gone(gone), format!("path {what}"));
                        }
                    }
                }
                Some((hpath, hitem)) => {
                    matched.insert(hpath.clone());
                    let hitem = self.trail.entry(self.head, hp, hpath, hitem);
                    self.path_item(path, hpath, bitem, hitem);
                }
            }
        }
        for (path, hitem) in hentries {
            if matched.contains(path) {
                continue;
            }
            let hitem = self.trail.entry(self.head, hp, path, hitem);
            for m in METHODS {
                if hitem.v.get(m).is_some() {
                    self.op = Some(format!("{} {path}", m.to_uppercase()));
                    self.emit(
                        "endpoint-added",
                        Spot::key(hitem, m),
                        "operation added".into(),
                    );
                }
            }
        }
        self.op = None;
    }

    fn path_item(&mut self, bpath: &str, hpath: &str, bitem: Node<'a>, hitem: Node<'a>) {
        for m in METHODS {
            self.op = Some(format!("{} {hpath}", m.to_uppercase()));
            self.memo.clear();
            // The steps below an operation are not needed once it is compared.
            let mark = self.trail.steps.len();
            match (self.trail.child(bitem, m), self.trail.child(hitem, m)) {
                (Some(bop), None) => {
                    let (id, what) = match self.removal(bop.v) {
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
                    self.emit(id, Spot::at(hitem).gone(bop.p), format!("operation {what}"));
                }
                (None, Some(hop)) => {
                    self.emit("endpoint-added", Spot::at(hop), "operation added".into())
                }
                (Some(bop), Some(hop)) => self.operation(bpath, hpath, bitem, hitem, bop, hop),
                (None, None) => {}
            }
            self.trail.truncate(mark);
        }
    }

    fn operation(
        &mut self,
        bpath: &str,
        hpath: &str,
        bitem: Node<'a>,
        hitem: Node<'a>,
        bop: Node<'a>,
        hop: Node<'a>,
    ) {
        let here = Spot::at(hop);
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
        self.security(bop, hop, false);
        self.security_required(bop, hop);
        self.parameters(bpath, hpath, bitem, hitem, bop, hop, unstable);
        self.request_body(bop, hop);
        self.responses(bop, hop);
    }

    /// The `security` of `bn` and `hn` (two operations, or the roots when `global`).
    fn security(&mut self, bn: Node<'a>, hn: Node<'a>, global: bool) {
        let (b, h) = (bn.v.get("security"), hn.v.get("security"));
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
        let at = Spot::key(hn, "security");
        let (added, removed) = if global {
            ("api-global-security-added", "api-global-security-removed")
        } else {
            ("api-security-added", "api-security-removed")
        };
        for (names, scopes) in &hr {
            match br.get(names) {
                None => self.emit(
                    added,
                    at,
                    format!("security requirement {} added", join(names)),
                ),
                Some(bs) if !global => {
                    for (scheme, s) in scopes {
                        let old = bs.get(scheme).cloned().unwrap_or_default();
                        for gone in old.difference(s) {
                            self.emit(
                                "api-security-scope-removed",
                                at,
                                format!("scope `{gone}` removed from security scheme `{scheme}`"),
                            );
                        }
                        for new in s.difference(&old) {
                            self.emit(
                                "api-security-scope-added",
                                at,
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
                let gone = self.trail.key(bn.p, "security");
                self.emit(
                    removed,
                    at.gone(gone),
                    format!("security requirement {} removed", join(names)),
                );
            }
        }
    }

    /// An operation anyone could call that now needs authentication: the effective security
    /// (its own `security`, else the top-level one) went from open to required. Adding an
    /// alternative to a secured operation loosens it; this tightens it.
    fn security_required(&mut self, bop: Node<'a>, hop: Node<'a>) {
        // No requirement, or an empty one (`- {}`: authentication optional), lets anyone in.
        let open = |v: Option<&Value>| {
            v.is_none_or(|s| {
                s.items().is_empty() || s.items().iter().any(|a| a.entries().is_empty())
            })
        };
        let (broot, hroot) = (Node::root(self.base), Node::root(self.head));
        let base = bop.v.get("security").or(broot.v.get("security"));
        if !open(base) {
            return;
        }
        let (own, root) = (hop.v.get("security"), hroot.v.get("security"));
        if open(own.or(root)) {
            return;
        }
        let at = match own {
            Some(_) => Spot::key(hop, "security"),
            None => Spot::key(hroot, "security"),
        };
        self.emit(
            "api-security-required",
            at,
            "anyone could call it; now it requires authentication".into(),
        );
    }

    fn global_security(&mut self) {
        self.op = None;
        self.security(Node::root(self.base), Node::root(self.head), true);
    }

    fn webhooks(&mut self) {
        let (b, h) = (Node::root(self.base), Node::root(self.head));
        self.op = None;
        let bw = b.v.get("webhooks");
        let hw = h.v.get("webhooks");
        let parent = Spot::key(h, "webhooks");
        for (name, _) in bw.map_or(&[][..], |w| w.entries()) {
            if hw.and_then(|w| w.get(name)).is_none() {
                let webhooks = self.trail.key(P::ROOT, "webhooks");
                let gone = self.trail.key(webhooks, name);
                self.emit(
                    "webhook-removed",
                    parent.gone(gone),
                    format!("webhook `{name}` removed"),
                );
            }
        }
        for (name, _) in hw.map_or(&[][..], |w| w.entries()) {
            if bw.and_then(|w| w.get(name)).is_none() {
                if let Some(w) = self.trail.child(h, "webhooks") {
                    self.emit(
                        "webhook-added",
                        Spot::key(w, name),
                        format!("webhook `{name}` added"),
                    );
                }
            }
        }
    }

    /// The effective parameters of an operation, keyed by (in, name) — path parameters by their
    /// position in the template, so a rename is recognised — with whether each came from the
    /// path item, and where it is listed (a removal names that spot in base).
    fn params(
        trail: &mut Trail<'a>,
        spec: &'a Spec,
        path: &str,
        item: Node<'a>,
        op: Node<'a>,
    ) -> BTreeMap<(String, String), Param<'a>> {
        let names = path_params(path);
        let mut out = BTreeMap::new();
        for (src, from_item) in [(item, true), (op, false)] {
            let Some(list) = trail.child(src, "parameters") else {
                continue;
            };
            for (i, p) in list.v.items().iter().enumerate() {
                let listed = trail.index(list.p, i);
                let p = trail.deref(
                    spec,
                    Node {
                        at: At {
                            doc: list.doc,
                            v: p,
                        },
                        p: listed,
                    },
                );
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
                out.insert(
                    (inn.to_string(), key),
                    Param {
                        node: p,
                        listed,
                        from_item,
                    },
                );
            }
        }
        out
    }

    /// A parameter's schema: its `schema`, or that of its (first) `content` media type.
    fn param_schema(&mut self, p: Node<'a>) -> Option<Node<'a>> {
        if let Some(s) = self.trail.child(p, "schema") {
            return Some(s);
        }
        let content = self.trail.child(p, "content")?;
        let (mt, _) = content.v.entries().first()?;
        let mt = self.trail.child(content, mt)?;
        self.trail.child(mt, "schema")
    }

    #[allow(clippy::too_many_arguments)]
    fn parameters(
        &mut self,
        bpath: &str,
        hpath: &str,
        bitem: Node<'a>,
        hitem: Node<'a>,
        bop: Node<'a>,
        hop: Node<'a>,
        unstable: bool,
    ) {
        let bp = Self::params(&mut self.trail, self.base, bpath, bitem, bop);
        let hp = Self::params(&mut self.trail, self.head, hpath, hitem, hop);
        for (key, b) in &bp {
            let name = b.node.v.get_str("name").unwrap_or("");
            if hp.contains_key(key) || unstable {
                continue;
            }
            let what = format!("{} parameter `{name}`", key.0);
            let opline = Spot::at(hop).gone(b.listed);
            let b = b.node;
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
        for (key, h) in &hp {
            let (from_item, h) = (h.from_item, h.node);
            let name = h.v.get_str("name").unwrap_or("");
            let what = format!("{} parameter `{name}`", key.0);
            let here = Spot::at(h);
            let required = h.v.flag("required");
            let Some(b) = bp.get(key).map(|b| b.node) else {
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
            if let (Some(bs), Some(hs)) = (self.param_schema(b), self.param_schema(h)) {
                self.schema(bs, hs, Side::ReqParam, &what, 0);
            }
        }
    }

    fn request_body(&mut self, bop: Node<'a>, hop: Node<'a>) {
        let here = Spot::at(hop);
        let listed = self.trail.child(bop, "requestBody");
        let b = listed.map(|b| self.trail.deref(self.base, b));
        let h = self
            .trail
            .child(hop, "requestBody")
            .map(|h| self.trail.deref(self.head, h));
        match (b, h) {
            (None, Some(h)) if h.v.flag("required") => self.emit(
                "request-body-added-required",
                Spot::at(h),
                "required request body added".into(),
            ),
            (Some(_), None) => {
                let gone = listed.map_or(bop.p, |l| l.p);
                self.emit(
                    "request-body-removed",
                    here.gone(gone),
                    "request body removed".into(),
                )
            }
            (Some(b), Some(h)) => {
                let hl = Spot::at(h);
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

    fn content(&mut self, b: Node<'a>, h: Node<'a>, side: Side, label: &str) {
        let bc = b.v.get("content").map_or(&[][..], |c| c.entries());
        let hc = h.v.get("content").map_or(&[][..], |c| c.entries());
        let line = Spot::key(h, "content");
        let added: Vec<&String> = hc
            .iter()
            .filter(|(k, _)| bc.iter().all(|(b, _)| b != k))
            .map(|(k, _)| k)
            .collect();
        // A media type that only replaces a more specific one is reported as that.
        let generalizes = |g: &str| {
            !side.request()
                && bc.iter().any(|(mt, _)| {
                    hc.iter().all(|(k, _)| k != mt)
                        && mt.split_once('+').is_some_and(|(ty, sfx)| {
                            format!("{}/{sfx}", ty.split('/').next().unwrap_or("")) == g
                        })
                })
        };
        if !bc.is_empty() {
            if let Some(content) = self.trail.child(h, "content") {
                for mt in added.iter().filter(|mt| !generalizes(mt)) {
                    let id = match side.request() {
                        true => "request-body-media-type-added",
                        false => "response-media-type-added",
                    };
                    self.emit(
                        id,
                        Spot::key(content, mt),
                        format!("{label} media type `{mt}` added"),
                    );
                }
            }
        }
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
                    let content = self.trail.key(b.p, "content");
                    let gone = self.trail.key(content, mt);
                    self.emit(id, line.gone(gone), what);
                }
                Some((hmt, hm)) => {
                    if bm.get("schema").is_none() || hm.get("schema").is_none() {
                        continue;
                    }
                    let schema = |t: &mut Trail<'a>, n: Node<'a>, mt: &'a str| {
                        let c = t.child(n, "content")?;
                        let m = t.child(c, mt)?;
                        t.child(m, "schema")
                    };
                    if let (Some(bs), Some(hs)) = (
                        schema(&mut self.trail, b, mt),
                        schema(&mut self.trail, h, hmt),
                    ) {
                        self.schema(bs, hs, side, &format!("{label} {mt}"), 0);
                    }
                }
            }
        }
    }

    fn responses(&mut self, bop: Node<'a>, hop: Node<'a>) {
        let Some(brn) = self.trail.child(bop, "responses") else {
            return;
        };
        let hrn = self.trail.child(hop, "responses");
        let line = Spot::key(hop, "responses");
        if let Some(hr) = hrn {
            for (status, _) in hr.v.entries() {
                if status.starts_with('2') && brn.v.get(status).is_none() {
                    self.emit(
                        "response-success-status-added",
                        Spot::key(hr, status),
                        format!("success response `{status}` added"),
                    );
                }
            }
        }
        for (status, b) in brn.v.entries() {
            let listed = self.trail.key(brn.p, status);
            let b = self.trail.deref(
                self.base,
                Node {
                    at: At { doc: brn.doc, v: b },
                    p: listed,
                },
            );
            let Some((hrn, h)) = hrn.and_then(|r| r.v.get(status).map(|h| (r, h))) else {
                let (id, what) = if status.starts_with('2') {
                    ("response-success-status-removed", "success")
                } else {
                    ("response-non-success-status-removed", "non-success")
                };
                self.emit(
                    id,
                    line.gone(listed),
                    format!("{what} response `{status}` removed"),
                );
                continue;
            };
            let h = self.trail.entry(self.head, hrn, status, h);
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
                    let headers = self.trail.key(b.p, "headers");
                    let gone = self.trail.key(headers, name);
                    self.emit(
                        id,
                        Spot::at(h).gone(gone),
                        format!("response `{status}` header `{name}` removed"),
                    );
                }
            }
            self.content(b, h, Side::RespBody, &format!("response `{status}`"));
        }
    }

    fn schema(&mut self, b: Node<'a>, h: Node<'a>, side: Side, what: &str, depth: usize) {
        let b = self.trail.deref(self.base, b);
        let h = self.trail.deref(self.head, h);
        if depth > MAX_DEPTH
            || !self.memo.insert((
                b.v as *const Value as usize,
                h.v as *const Value as usize,
                side,
            ))
            || self.equal(*b, *h)
        {
            return;
        }
        let p = side.prefix();
        let id = |s: &str| format!("{p}-{s}");
        let here = Spot::at(h);
        let at_key = |k: &'static str| Spot::key(h, k);
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
            // Fewer types, or integers where numbers were: a subset of the values.
            let narrowed = bt.is_superset(&ht)
                || (bt.contains("number")
                    && ht.contains("integer")
                    && ht.iter().all(|t| t == "integer" || bt.contains(t)));
            let msg = format!("{what}: type {} changed to {}", join(&bt), join(&ht));
            if side.request() {
                if widened || array_of {
                    if rules::rule(&id("type-generalized")).is_some() {
                        self.emit(&id("type-generalized"), at_key("type"), msg);
                    }
                } else if side == Side::ReqParamProp {
                    // An object parameter may travel as JSON (types strict) or as text
                    // (`params[id]=5`: anything is a string); oasdiff's three-way verdict.
                    let as_text = ht.contains("string")
                        || bt
                            .iter()
                            .all(|t| ht.contains(t) || (t == "integer" && ht.contains("number")));
                    let which = if as_text {
                        "type-changed"
                    } else {
                        "type-specialized"
                    };
                    self.emit(&id(which), at_key("type"), msg);
                } else {
                    self.emit(&id("type-changed"), at_key("type"), msg);
                }
            } else if !narrowed {
                // A response narrowed sends clients less than they handle: no break.
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
            self.bounds(b.v, h, side, what);
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
        if b.v.get("items").is_some() && h.v.get("items").is_some() {
            // oasdiff reports a parameter's items under the parameter's own ids.
            let items_side = if side == Side::ReqParam {
                side
            } else {
                side.child()
            };
            if let (Some(bi), Some(hi)) =
                (self.trail.child(b, "items"), self.trail.child(h, "items"))
            {
                self.schema(bi, hi, items_side, &format!("{what} items"), depth + 1);
            }
        }
    }

    fn bounds(&mut self, b: &Value, hn: Node<'a>, side: Side, what: &str) {
        let h = hn.v;
        let p = side.prefix();
        let num = |v: &Value, k: &str| v.get_str(k).and_then(|s| s.parse::<f64>().ok());
        // 3.0 spells an exclusive bound as a flag beside it, 3.1 as the bound itself.
        // 3.1 may write both: the tighter one is the bound.
        let bound = |v: &Value, k: &str, ex: &str| -> Option<(f64, bool)> {
            let upper = k == "maximum";
            match (num(v, k), v.get_str(ex)) {
                (Some(n), Some("true")) => Some((n, true)),
                (Some(n), Some(e)) => match e.parse::<f64>() {
                    Ok(x) if (upper && x <= n) || (!upper && x >= n) => Some((x, true)),
                    _ => Some((n, false)),
                },
                (Some(n), None) => Some((n, false)),
                (None, Some(e)) => e.parse::<f64>().ok().map(|n| (n, true)),
                _ => None,
            }
        };
        let line = |k: &'static str| Spot::key(hn, k);
        match (
            bound(b, "maximum", "exclusiveMaximum"),
            bound(h, "maximum", "exclusiveMaximum"),
        ) {
            (Some(bm), Some(hm)) if hm.0 < bm.0 || (hm.0 == bm.0 && hm.1 && !bm.1) => self.emit(
                &format!("{p}-max-decreased"),
                line("maximum"),
                match hm.0 == bm.0 {
                    true => format!("{what}: maximum {} became exclusive", hm.0),
                    false => format!("{what}: maximum decreased from {} to {}", bm.0, hm.0),
                },
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
                match hm.0 == bm.0 {
                    true => format!("{what}: minimum {} became exclusive", hm.0),
                    false => format!("{what}: minimum increased from {} to {}", bm.0, hm.0),
                },
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

    /// The alternatives of a oneOf/anyOf/allOf matched one to one, base index with head index:
    /// those that are the `same` (equal), and the `changed` pairs whose insides are compared.
    /// The same `$ref` is the same alternative (changed or not); then an equal schema; then the
    /// same `title`; then the one left on each side. An inline schema and an equal `$ref` are
    /// the same; two equal alternatives of one side stay two.
    fn match_alternatives(&self, bb: &[At<'a>], hb: &[At<'a>]) -> MatchedAlternatives {
        let (mut same, mut changed) = (Vec::new(), Vec::new());
        let mut used_b = vec![false; bb.len()];
        let mut used_h = vec![false; hb.len()];
        for (i, x) in bb.iter().enumerate() {
            let Some(r) = x.v.reference() else { continue };
            if let Some(j) = (0..hb.len()).find(|&j| !used_h[j] && hb[j].v.reference() == Some(r)) {
                (used_b[i], used_h[j]) = (true, true);
                match self.equal(*x, hb[j]) {
                    true => same.push((i, j)),
                    false => changed.push((i, j)),
                }
            }
        }
        for (i, x) in bb.iter().enumerate() {
            if used_b[i] {
                continue;
            }
            if let Some(j) = (0..hb.len()).find(|&j| !used_h[j] && self.equal(*x, hb[j])) {
                (used_b[i], used_h[j]) = (true, true);
                same.push((i, j));
            }
        }
        for (i, x) in bb.iter().enumerate() {
            let Some(t) = x.v.get_str("title").filter(|_| !used_b[i]) else {
                continue;
            };
            if let Some(j) =
                (0..hb.len()).find(|&j| !used_h[j] && hb[j].v.get_str("title") == Some(t))
            {
                (used_b[i], used_h[j]) = (true, true);
                changed.push((i, j));
            }
        }
        let left_b: Vec<usize> = (0..bb.len()).filter(|&i| !used_b[i]).collect();
        let left_h: Vec<usize> = (0..hb.len()).filter(|&j| !used_h[j]).collect();
        if let ([i], [j]) = (left_b.as_slice(), left_h.as_slice()) {
            changed.push((*i, *j));
        }
        (same, changed)
    }

    fn compositions(&mut self, b: Node<'a>, h: Node<'a>, side: Side, what: &str, depth: usize) {
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
            let line = Spot::key(h, key);
            let (same, pairs) = self.match_alternatives(&bb, &hb);
            for &(i, j) in &pairs {
                if let (Some(bn), Some(hn)) = (self.trail.child(b, key), self.trail.child(h, key)) {
                    let bx = Node {
                        at: bb[i],
                        p: self.trail.index(bn.p, i),
                    };
                    let hy = Node {
                        at: hb[j],
                        p: self.trail.index(hn.p, j),
                    };
                    let label = alternative_label(hb[j].v, j);
                    self.schema(bx, hy, side, &format!("{what} {key} {label}"), depth + 1);
                }
            }
            let matched = |i: usize, j: Option<usize>| {
                same.iter().chain(&pairs).any(|p| match j {
                    Some(j) => p.1 == j,
                    None => p.0 == i,
                })
            };
            let gone: Vec<usize> = (0..bb.len()).filter(|&i| !matched(i, None)).collect();
            // A head subschema equal to the whole base schema is the base itself, wrapped.
            let new: Vec<usize> = (0..hb.len())
                .filter(|&j| !(matched(0, Some(j)) || key == "allOf" && self.equal(*b, hb[j])))
                .collect();
            let removed = gone.len();
            let added: Vec<At> = new.iter().map(|&j| hb[j]).collect();
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

    fn properties(&mut self, b: Node<'a>, h: Node<'a>, side: Side, what: &str, depth: usize) {
        // Properties and `required` merged over allOf: wrapping a schema in an allOf with
        // another one moves properties without removing them.
        let (bp, brq) = view(&mut self.trail, self.base, b, 0);
        let (hp, hrq) = view(&mut self.trail, self.head, h, 0);
        let parent = Spot::key(h, "properties");
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
                    } else if brq.contains(*name) {
                        Some("response-required-property-removed")
                    } else {
                        Some("response-optional-property-removed")
                    };
                    if let Some(live) = live {
                        let at = parent.gone(bv.p);
                        match self.removal(self.base.deref(**bv).v) {
                            Removal::Live => self.emit(live, at, format!("{pw} removed")),
                            Removal::Early(why) => self.emit(
                                &format!("{pre}-property-removed-before-sunset"),
                                at,
                                format!("{pw} {why}"),
                            ),
                            Removal::Retired => self.emit(
                                &format!("{pre}-property-removed-with-deprecation"),
                                at,
                                format!("{pw} removed after deprecation"),
                            ),
                        }
                    }
                }
                Some((_, hv)) => {
                    let hd = self.head.deref(**hv);
                    let bd = self.base.deref(**bv);
                    // At the property as its parent lists it, whatever it refers to.
                    let here = Spot::at(*hv);
                    let pre = if request { "request" } else { "response" };
                    match (brq.contains(*name), hrq.contains(*name)) {
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
            let hd = self.head.deref(**hv);
            let here = Spot::at(*hv);
            let pw = format!("{what} property `{name}`");
            let required = hrq.contains(*name);
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

/// The properties of a schema with those of its allOf subschemas (bounded depth), each with
/// its pointer, and the union of their `required` lists.
type View<'s> = (Vec<(&'s str, Node<'s>)>, BTreeSet<String>);

fn view<'s>(trail: &mut Trail<'s>, spec: &'s Spec, n: Node<'s>, depth: usize) -> View<'s> {
    let at = trail.deref(spec, n);
    let mut props: Vec<(&'s str, Node<'s>)> = Vec::new();
    let mut req = BTreeSet::new();
    if depth > 8 {
        return (props, req);
    }
    if let Some(list) = trail.child(at, "properties") {
        for (k, v) in list.v.entries() {
            let p = trail.key(list.p, k);
            props.push((
                k,
                Node {
                    at: At { doc: at.doc, v },
                    p,
                },
            ));
        }
    }
    req.extend(
        at.v.get("required")
            .map_or(&[][..], |r| r.items())
            .iter()
            .filter_map(|x| x.str().map(str::to_string)),
    );
    let Some(all_of) = trail.child(at, "allOf") else {
        return (props, req);
    };
    for (i, br) in all_of.v.items().iter().enumerate() {
        let branch = Node {
            at: At { doc: at.doc, v: br },
            p: trail.index(all_of.p, i),
        };
        let (p, r) = view(trail, spec, branch, depth + 1);
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
/// Alternatives matched one to one (base index, head index): the equal ones, and the changed
/// ones.
type MatchedAlternatives = (Vec<(usize, usize)>, Vec<(usize, usize)>);

/// How a message names an alternative: its `$ref`'s last segment, its title, or its position.
fn alternative_label(v: &Value, index: usize) -> String {
    match v.reference().or_else(|| v.get_str("title")) {
        Some(name) => name.rsplit('/').next().unwrap_or(name).to_string(),
        None => format!("alternative {}", index + 1),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        Spec::load("openapi.yaml", &|_| Ok(text.to_string())).expect("a valid spec")
    }

    /// (rule id without the gate prefix, pointer, base pointer) of every change.
    fn pointers(base: &str, head: &str) -> Vec<(String, String, Option<String>)> {
        let mut out: Vec<_> = compare(&spec(base), &spec(head), "2026-01-01")
            .into_iter()
            .map(|c| {
                (
                    c.rule.id.trim_start_matches("breaking-change/").to_string(),
                    c.pointer.expect("an OpenAPI change has a pointer"),
                    c.base_pointer,
                )
            })
            .collect();
        out.sort();
        out
    }

    fn row(rule: &str, pointer: &str, base: Option<&str>) -> (String, String, Option<String>) {
        (rule.into(), pointer.into(), base.map(str::to_string))
    }

    /// `Pet` is recursive (`parent`) and shared by two operations: its change is named at the
    /// component each time, whichever operation, path or depth reached it.
    const SHARED: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    get:
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /pets:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses:
        '200': {description: ok}
components:
  parameters:
    Limit: {in: query, name: limit, schema: {type: integer, maximum: MAX}}
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string, maxLength: LEN}
        parent: {$ref: '#/components/schemas/Pet'}
"#;

    #[test]
    fn a_shared_recursive_schema_is_named_at_its_definition() {
        let base = SHARED.replace("MAX", "100").replace("LEN", "50");
        let head = SHARED.replace("MAX", "10").replace("LEN", "20");
        assert_eq!(
            pointers(&base, &head),
            vec![
                row(
                    "request-parameter-max-decreased",
                    "/components/parameters/Limit/schema/maximum",
                    None
                ),
                row(
                    "request-property-max-length-decreased",
                    "/components/schemas/Pet/properties/name/maxLength",
                    None
                ),
            ]
        );
    }

    #[test]
    fn a_removal_names_the_surviving_parent_in_head_and_the_removed_member_in_base() {
        let base = SHARED.replace("MAX", "10").replace("LEN", "20");
        let head = base
            .replace("        - $ref: '#/components/parameters/Limit'\n", "")
            .replace("        name: {type: string, maxLength: 20}\n", "")
            .replace("      requestBody:", "      x-body:");
        assert_eq!(
            pointers(&base, &head),
            vec![
                row(
                    "request-body-removed",
                    "/paths/~1pets/post",
                    Some("/paths/~1pets/post/requestBody")
                ),
                row(
                    "request-parameter-removed",
                    "/paths/~1pets~1{id}/get",
                    Some("/paths/~1pets~1{id}/get/parameters/1")
                ),
                // Once, though the response's `Pet` and its `parent`'s are compared as two
                // sides (body, property): both name the same spot.
                row(
                    "response-optional-property-removed",
                    "/components/schemas/Pet/properties",
                    Some("/components/schemas/Pet/properties/name")
                ),
            ]
        );
    }

    #[test]
    fn a_property_is_named_where_its_parent_lists_it_and_allof_branches_by_index() {
        let spec = |extra: &str| {
            format!(
                r#"
openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              allOf:
                - {{$ref: '#/components/schemas/Base'}}
                - type: object
                  properties:
                    tag: {{type: string}}
                    owner: {{$ref: '#/components/schemas/Owner'}}
                  {extra}
      responses:
        '200': {{description: ok}}
components:
  schemas:
    Base: {{type: object, properties: {{id: {{type: string}}}}}}
    Owner: {{type: object}}
"#
            )
        };
        let body = "/paths/~1a/post/requestBody/content/application~1json/schema";
        // The changed branch is the same branch, changed inside: its property is reported once,
        // not the branch as removed and added.
        assert_eq!(
            pointers(&spec(""), &spec("required: [owner]")),
            vec![row(
                "request-property-became-required",
                &format!("{body}/allOf/1/properties/owner"),
                None
            ),]
        );
    }

    /// A property that refers to another file is located where its parent lists it: in that
    /// parent's file, at the parent's line and pointer (the other file holds neither).
    #[test]
    fn a_property_referring_to_another_file_is_located_in_its_parents_file() {
        let spec = |required: &str| {
            let main = format!(
                "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                {required}\n                properties:\n                  owner: {{$ref: 'other.yaml#/Owner'}}\n"
            );
            Spec::load("openapi.yaml", &move |p| match p {
                "openapi.yaml" => Ok(main.clone()),
                _ => Ok("Owner: {type: object}\n".to_string()),
            })
            .expect("a valid spec")
        };
        let changes = compare(&spec(""), &spec("required: [owner]"), "2026-01-01");
        let got: Vec<_> = changes
            .iter()
            .map(|c| (c.rule.id, c.file.as_str(), c.line, c.pointer.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![(
                "breaking-change/response-property-became-required",
                "openapi.yaml",
                15,
                Some("/paths/~1a/get/responses/200/content/application~1json/schema/properties/owner")
            )]
        );
    }
}
