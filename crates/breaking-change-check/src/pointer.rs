//! JSON pointers (RFC 6901) into a spec document: `/paths/~1pets/get/parameters/0`, where a
//! key's `~` is written `~0` and its `/` is written `~1`. A finding names the spot it is about
//! by one ([`crate::diff::Change::pointer`]); the ignore file can key an entry by one.

use std::fmt::Write;

/// Append `token` to `out` as one reference token: `/`, then the key with `~` -> `~0` and
/// `/` -> `~1` (in that order, so a written `~1` stays two characters).
pub fn push_token(out: &mut String, token: &str) {
    out.push('/');
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for ch in token.chars() {
        match ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Append an array index as a reference token.
pub fn push_index(out: &mut String, index: usize) {
    // Writing to a String cannot fail.
    let _ = write!(out, "/{index}");
}

/// One reference token read back: `~1` -> `/`, then `~0` -> `~` (the reverse order of
/// [`push_token`], so `~01` is the key `~1`).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Append the pointer in a `$ref`'s fragment (`#/components/schemas/Pet`, with the URI
/// percent-encoding a `$ref` may use for `{`, `}` and the like) in the canonical form
/// [`push_token`] writes, so a schema reached through a reference is named as its definition
/// is, however the reference spelled it.
pub fn push_fragment(out: &mut String, fragment: &str) {
    if fragment.is_empty() {
        return;
    }
    for raw in fragment.strip_prefix('/').unwrap_or(fragment).split('/') {
        push_token(out, &unescape(&percent_decode(raw)));
    }
}

/// `%XX` escapes decoded (a URI fragment's spelling); anything malformed is kept as written.
fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('%') {
        return s.into();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_or_else(|_| s.into(), Into::into)
}

/// The pointer an ignore entry gives, checked and in canonical form: RFC 6901's
/// `/paths/~1pets/get`, or the `$ref` (URI fragment) form `#/paths/~1pets/get`. The root
/// (`""`, `#`) is refused (it would accept every change of the rule), as is a `~` not followed
/// by `0` or `1` (RFC 6901 gives it no meaning).
pub fn parse(written: &str) -> Result<String, String> {
    let (body, fragment) = match written.strip_prefix('#') {
        Some(rest) => (rest, true),
        None => (written, false),
    };
    if body.is_empty() {
        return Err("the pointer names the whole document; name the spot it is about".into());
    }
    if !body.starts_with('/') {
        return Err(format!(
            "pointer {written:?} does not start with `/` (write it as `/paths/~1pets/get`)"
        ));
    }
    for raw in body[1..].split('/') {
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return Err(format!(
                    "pointer {written:?}: `~` is written `~0` and `/` in a key `~1`"
                ));
            }
        }
    }
    if !fragment {
        return Ok(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    push_fragment(&mut out, body);
    Ok(out)
}

/// Whether `pointer` is `entry` or lies under it. The prefix is taken on whole reference
/// tokens: `/paths/~1pets` covers `/paths/~1pets/get` but not `/paths/~1pets~1{id}`.
pub fn covers(entry: &str, pointer: &str) -> bool {
    match pointer.strip_prefix(entry) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(t: &str) -> String {
        let mut s = String::new();
        push_token(&mut s, t);
        s
    }

    #[test]
    fn keys_are_escaped_as_rfc_6901_says() {
        assert_eq!(token("pets"), "/pets");
        assert_eq!(token("/pets/{id}"), "/~1pets~1{id}");
        assert_eq!(token("a~b"), "/a~0b");
        // `~` first: the key `~1` is `~01`, not `~1` (which would read back as `/`).
        assert_eq!(token("~1"), "/~01");
        assert_eq!(token("application/json"), "/application~1json");
        assert_eq!(token(""), "/");
        let mut s = String::new();
        push_index(&mut s, 12);
        assert_eq!(s, "/12");
    }

    #[test]
    fn escaping_round_trips() {
        for key in ["~1", "~0", "a/b~c", "/~/", "~~//", "plain", "%7B"] {
            assert_eq!(unescape(&token(key)[1..]), key, "{key}");
        }
    }

    #[test]
    fn a_refs_fragment_is_read_in_canonical_form() {
        let frag = |f: &str| {
            let mut s = String::new();
            push_fragment(&mut s, f);
            s
        };
        assert_eq!(frag("/components/schemas/Pet"), "/components/schemas/Pet");
        assert_eq!(
            frag("/paths/~1pets~1%7Bid%7D/get"),
            "/paths/~1pets~1{id}/get"
        );
        // A percent-encoded `/` inside a key is still a key's `/`.
        assert_eq!(frag("/a%2Fb"), "/a~1b");
        assert_eq!(frag("/a%zz"), "/a%zz");
        assert_eq!(frag(""), "");
    }

    #[test]
    fn entries_are_checked_and_canonical() {
        assert_eq!(
            parse("/paths/~1pets/get").as_deref(),
            Ok("/paths/~1pets/get")
        );
        assert_eq!(
            parse("#/paths/~1pets~1%7Bid%7D").as_deref(),
            Ok("/paths/~1pets~1{id}")
        );
        assert!(parse("").is_err());
        assert!(parse("#").is_err());
        assert!(parse("paths/~1pets").is_err());
        assert!(parse("/paths/~2pets").is_err());
        assert!(parse("/paths/pets~").is_err());
    }

    #[test]
    fn an_entry_covers_its_spot_and_what_lies_under_it_on_token_boundaries() {
        let p = "/paths/~1pets/get/parameters/0";
        assert!(covers(p, p));
        assert!(covers("/paths/~1pets/get", p));
        assert!(covers("/paths/~1pets", p));
        assert!(!covers("/paths/~1pe", p));
        assert!(!covers("/paths/~1pets/get/parameters/0/schema", p));
        assert!(!covers("/paths/~1pets", "/paths/~1pets~1{id}/get"));
        assert!(!covers(
            "/components/schemas/Pet",
            "/components/schemas/Pets"
        ));
        assert!(covers(
            "/components/schemas/Pet",
            "/components/schemas/Pet/properties/name"
        ));
    }
}
