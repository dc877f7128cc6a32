//! `${VAR}` templates in manifests, in strict mode: every variable must be defined (by `--var`
//! or the environment), `${VAR:-default}` gives a fallback and `$$` is a literal `$`. Only
//! scalar values are rewritten, after YAML has split the document, so a value can never add
//! keys, objects or documents; a lone `$` (Kubernetes' own `$(VAR)` in commands) stays as it is.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Where variables come from: `--var` first, then the environment.
pub struct Vars<'a> {
    flags: BTreeMap<String, String>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Vars<'a> {
    /// Variables from `KEY=VALUE` flags over `env`. A flag without `=` or with a bad name is
    /// refused, naming it.
    pub fn new(
        flags: &[String],
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Result<Vars<'a>, String> {
        let mut map = BTreeMap::new();
        for f in flags {
            let Some((k, v)) = f.split_once('=') else {
                return Err(format!("--var {f:?} has no `=`: write --var NAME=VALUE"));
            };
            if !valid_name(k) {
                return Err(format!(
                    "--var {k:?} is not a variable name: use letters, digits and `_`, not starting with a digit"
                ));
            }
            map.insert(k.to_string(), v.to_string());
        }
        Ok(Vars { flags: map, env })
    }

    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.flags.get(name) {
            Some(v) => Some(Cow::Borrowed(v)),
            None => (self.env)(name).map(Cow::Owned),
        }
    }

    /// `text` with its templates filled in; what is wrong otherwise (an undefined variable, an
    /// unclosed `${`).
    pub fn expand<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, String> {
        if !text.contains('$') {
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(a) = after.strip_prefix('$') {
                out.push('$');
                rest = a;
            } else if let Some(body) = after.strip_prefix('{') {
                let Some(end) = body.find('}') else {
                    return Err(format!(
                        "`${{` without a closing `}}` in {text:?}: close it, or write `$${{` for a literal `${{`"
                    ));
                };
                let expr = &body[..end];
                let (name, default) = match expr.split_once(":-") {
                    Some((n, d)) => (n, Some(d)),
                    None => (expr, None),
                };
                if !valid_name(name) {
                    return Err(format!(
                        "`${{{expr}}}` is not a variable: names are letters, digits and `_` (write `$${{` for a literal `${{`)"
                    ));
                }
                match (self.get(name), default) {
                    (Some(v), _) => out.push_str(&v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => {
                        return Err(format!(
                            "the variable {name} is not defined: give --var {name}=VALUE, set it in the environment, or write ${{{name}:-default}}"
                        ))
                    }
                }
                rest = &body[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }
}

fn valid_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "FROM_ENV").then(|| "e".to_string())
    }

    #[test]
    fn variables_come_from_flags_then_the_environment() {
        let flags = vec!["TAG=v1".to_string(), "FROM_ENV=flag".to_string()];
        let v = Vars::new(&flags, &env).unwrap();
        assert_eq!(v.expand("app:${TAG}").unwrap(), "app:v1");
        assert_eq!(v.expand("${FROM_ENV}").unwrap(), "flag", "a flag wins");
        let v = Vars::new(&[], &env).unwrap();
        assert_eq!(v.expand("${FROM_ENV}-${MISSING:-d}").unwrap(), "e-d");
        assert_eq!(
            v.expand("$$HOME $(POD_IP) $${X} 5$").unwrap(),
            "$HOME $(POD_IP) ${X} 5$"
        );
        assert!(matches!(v.expand("plain").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn strict_mode_names_what_is_missing() {
        let v = Vars::new(&[], &env).unwrap();
        let e = v.expand("${NOPE}").unwrap_err();
        assert!(e.contains("NOPE is not defined"), "{e}");
        assert!(v.expand("${OPEN").unwrap_err().contains("closing"));
        assert!(v.expand("${a-b}").unwrap_err().contains("not a variable"));
        assert!(Vars::new(&["X".into()], &env)
            .err()
            .unwrap()
            .contains("no `=`"));
        assert!(Vars::new(&["1X=a".into()], &env).is_err());
    }
}
