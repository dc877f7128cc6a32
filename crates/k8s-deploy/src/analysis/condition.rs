//! `successCondition` and `failureCondition`: expr-lang expressions, as Argo Rollouts
//! evaluates them (github.com/expr-lang/expr), through the `expr-lang` crate, a Rust
//! implementation of the same language with Go-compatible semantics. The environment is
//! Argo's: `result`, `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`; plus our
//! `baseline`, the same query measured once before the deploy.

use std::sync::LazyLock;

use expr::{Context, Environment, Program, Value};

/// A condition as written, with its line.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The expression, args not yet filled in.
    pub text: String,
    /// Its line in the template.
    pub line: u32,
}

/// The functions of Argo's condition environment that expr-lang lacks.
static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_function("isNaN", |c| Ok(Value::Bool(float(&c.args, 0)?.is_nan())));
    env.add_function("isInf", |c| {
        Ok(Value::Bool(float(&c.args, 0)?.is_infinite()))
    });
    env.add_function("asFloat", |c| match c.args.first() {
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|e| expr::Error::ExprError(format!("asFloat({s:?}): {e}"))),
        _ => Ok(Value::Float(float(&c.args, 0)?)),
    });
    env.add_function("asInt", |c| match c.args.first() {
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|e| expr::Error::ExprError(format!("asInt({s:?}): {e}"))),
        _ => Ok(Value::Integer(float(&c.args, 0)? as i64)),
    });
    env.add_function("isNil", |c| {
        Ok(Value::Bool(matches!(
            c.args.first(),
            None | Some(Value::Nil)
        )))
    });
    // default(value, fallback): the fallback for nil (Argo's default()).
    env.add_function("default", |c| match c.args.as_slice() {
        [Value::Nil, fallback] => Ok(fallback.clone()),
        [v, _] => Ok(v.clone()),
        _ => Err(expr::Error::ExprError(
            "default() takes two arguments".into(),
        )),
    });
    env
});

fn float(args: &[Value], i: usize) -> expr::Result<f64> {
    match args.get(i) {
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Integer(n)) => Ok(*n as f64),
        Some(v) => Err(expr::Error::ExprError(format!(
            "expected a number, got {v}"
        ))),
        None => Err(expr::Error::ExprError(
            "a number argument is missing".into(),
        )),
    }
}

impl Condition {
    /// Check that `text` parses (every `{{...}}` stands for a number until args are known).
    pub fn parse(text: &str, line: u32) -> Result<Condition, String> {
        let probe = super::fill(text, &|_| Some("0".into())).unwrap_or_else(|_| text.to_string());
        compile(&probe)?;
        Ok(Condition {
            text: text.to_string(),
            line,
        })
    }

    /// Whether it reads `baseline`.
    pub fn uses_baseline(&self) -> bool {
        identifiers(&self.text).any(|(id, _)| id == "baseline")
    }

    /// Whether it deals with no data itself: it calls `len`, `isNaN`, `isNil` or `default`.
    pub fn handles_no_data(&self) -> bool {
        identifiers(&self.text)
            .any(|(id, call)| call && matches!(id, "len" | "isNaN" | "isNil" | "default"))
    }
}

/// A condition with its args filled in, ready to run.
pub struct Compiled(Program);

/// Compile an expression whose args are filled in.
pub fn compile(text: &str) -> Result<Compiled, String> {
    expr::compile(text).map(Compiled).map_err(|e| match e {
        expr::Error::PestError(_) => parse_error(&e.to_string()),
        _ => one_line(&e.to_string()),
    })
}

/// pest's drawing of a parse error (` --> 1:12 | ... = expected value`) as one line: `at
/// column 12: expected value`.
fn parse_error(drawn: &str) -> String {
    let column = drawn
        .split_once("--> ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|lc| lc.split(':').nth(1))
        .map(|c| format!("at column {c}: "))
        .unwrap_or_default();
    let what = drawn
        .rsplit_once("= ")
        .map_or_else(|| one_line(drawn), |(_, w)| one_line(w));
    format!("{column}{what}")
}

impl Compiled {
    /// Evaluate with `result` (and `baseline`): a boolean, or why not.
    pub fn eval(&self, result: &Value, baseline: Option<&Value>) -> Result<bool, String> {
        let mut ctx = Context::default();
        ctx.insert("result", result.clone());
        if let Some(b) = baseline {
            ctx.insert("baseline", b.clone());
        }
        match ENV.run(&self.0, &ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("expected a boolean, got {other}")),
            Err(e) => Err(one_line(&e.to_string())),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The identifiers of an expression outside string literals, each with whether a `(` follows.
fn identifiers(text: &str) -> impl Iterator<Item = (&str, bool)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' || c == b'\'' || c == b'`' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let preceded_by_dot = start > 0 && bytes[start - 1] == b'.';
            let call = text[i..].trim_start().starts_with('(');
            if !preceded_by_dot {
                out.push((&text[start..i], call));
            }
        } else {
            i += 1;
        }
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, result: Value) -> Result<bool, String> {
        compile(text)?.eval(&result, Some(&Value::Array(vec![Value::Float(0.2)])))
    }

    #[test]
    fn argo_s_documented_conditions_evaluate() {
        let v = || Value::Array(vec![Value::Float(0.031), Value::Float(0.02)]);
        assert_eq!(eval("result[0] < 0.05", v()), Ok(true));
        assert_eq!(eval("all(result, {# < 0.05})", v()), Ok(true));
        assert_eq!(eval("len(result) == 0 || result[0] > 0.5", v()), Ok(false));
        assert_eq!(
            eval("not (result[0] >= 0.05) && result[1] * 2 < 0.05", v()),
            Ok(true)
        );
        assert_eq!(
            eval(
                "isNaN(result[0])",
                Value::Array(vec![Value::Float(f64::NAN)])
            ),
            Ok(true)
        );
        assert_eq!(
            eval("result <= 2 * baseline[0]", Value::Float(0.3)),
            Ok(true)
        );
        assert_eq!(
            eval("asFloat(\"0.5\") > result", Value::Float(0.3)),
            Ok(true)
        );
        assert!(eval("result[0]", v()).is_err());
        assert!(compile("result[0] <").is_err());
    }

    #[test]
    fn the_identifiers_outside_strings_are_found() {
        let c = Condition::parse("len(result) == 0 || \"baseline\" == 'x'", 1).unwrap();
        assert!(c.handles_no_data());
        assert!(!c.uses_baseline());
        assert!(Condition::parse("result[0] <= 2 * baseline[0]", 1)
            .unwrap()
            .uses_baseline());
    }
}
