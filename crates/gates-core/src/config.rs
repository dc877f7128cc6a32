//! `.github/gates.yml`: one section per gate, read strictly so a typo is an error with a line
//! number instead of a silently ignored setting.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::InputError;

/// The default location of the config file, relative to the repository root.
pub const DEFAULT_PATH: &str = ".github/gates.yml";

/// Where a gate run from `cwd` looks for its config by default: [`DEFAULT_PATH`] at the root of
/// the checkout holding `cwd` (or in `cwd` outside git), so every gate finds the same file from
/// any subdirectory.
pub fn default_path(cwd: &Path) -> std::path::PathBuf {
    crate::git::git_root(cwd)
        .unwrap_or_else(|| cwd.to_path_buf())
        .join(DEFAULT_PATH)
}

/// A gate's settings as layers: its defaults, under the config file's section, under the flags
/// (a partial config built from the command line). Each gate's config type says once, in
/// [`Layered::update`], how a higher layer lies on a lower one; [`layer`] is the one order.
pub trait Layered: Default {
    /// Lay `over` on `self`: each setting `over` gives replaces ours (an `Option` that is
    /// `Some`, a switch that is on); lists and maps add up.
    fn update(&mut self, over: Self);
}

/// Defaults < `file` (the section, when there is one) < `flags`: every gate's settings in one
/// order.
pub fn layer<T: Layered>(file: Option<T>, flags: T) -> T {
    let mut settings = file.unwrap_or_default();
    settings.update(flags);
    settings
}

/// Top-level sections the suite knows, one per gate ([`crate::cli::GATES`]); any other key is a
/// mistake.
pub fn sections() -> impl Iterator<Item = &'static str> + Clone {
    SECTIONS.iter().copied()
}

/// [`sections`] as serde's error for an unknown key wants them.
const SECTIONS: [&str; crate::cli::GATES.len()] = {
    let mut names = [""; crate::cli::GATES.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = crate::cli::GATES[i].name;
        i += 1;
    }
    names
};

/// Read `section` of the config file at `path`. `Ok(None)` when the file or the section is
/// absent (an absent file is an error only when `required`).
pub fn load_section<T: DeserializeOwned>(
    path: &Path,
    section: &str,
    required: bool,
) -> Result<Option<T>, InputError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(InputError::io(path, &e)),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    check_shape(path, &text)?;
    let de = serde_yaml::Deserializer::from_str(&text);
    SectionSeed::<T> { section, _t: PhantomData }.deserialize(de).map_err(|e| {
        let err = InputError::new(
            path,
            friendly(&e.to_string()),
            format!("fix the setting; the keys of section `{section}` are in schemas/config/{section}.schema.json and in {section}/README.md of the gates repository (top-level sections: {})", sections().collect::<Vec<_>>().join(", ")),
        );
        match e.location() {
            Some(loc) => err.at(loc.line() as u64, Some(loc.column() as u64)),
            None => err,
        }
    })
}

/// serde's wording made to read like the suite's own: the location (already in the error's
/// `file:line:col`) is dropped, and a type mismatch says what to write instead
/// (`"80%" is not a number: write 80`).
pub fn friendly(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i)
            if message[i + 9..]
                .split_once(" column ")
                .is_some_and(|(l, c)| {
                    l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit())
                }) =>
        {
            &message[..i]
        }
        _ => message,
    };
    let Some(at) = message.find("invalid type: ") else {
        return message.to_string();
    };
    let (prefix, rest) = message.split_at(at);
    let rest = &rest["invalid type: ".len()..];
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let whole = matches!(
        expected,
        "u64" | "u32" | "u16" | "u8" | "usize" | "i64" | "i32"
    );
    let number = whole || matches!(expected, "f64" | "f32");
    let value = found
        .strip_prefix("string ")
        .or_else(|| found.strip_prefix("floating point "))
        .or_else(|| found.strip_prefix("integer "))
        .map(|v| v.trim_matches(|c| c == '"' || c == '`'));
    match (number, value) {
        (true, Some(v)) => {
            let kind = if whole { "a whole number" } else { "a number" };
            let bare = v.trim().trim_end_matches('%').trim();
            let hint = match bare.parse::<f64>() {
                Ok(n) if n.is_finite() && (!whole || n.fract() == 0.0) => format!("write {bare}"),
                _ if whole => "write a count such as 0 or 5".to_string(),
                _ => "write a number such as 80 (a percentage is written without %)".to_string(),
            };
            format!("{prefix}{v} is not {kind}: {hint}")
        }
        (true, None) => format!("{prefix}{found} is not a number"),
        _ => format!("{prefix}{found} where {expected} was expected"),
    }
}

/// `deserialize_with` for an optional percentage: a number from 0 to 100, checked where it is
/// read so a wrong one is reported at its line and column.
pub fn percent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<f64>::deserialize(d)?;
    match v {
        Some(p) if !(0.0..=100.0).contains(&p) => Err(serde::de::Error::custom(format!(
            "{p} is not a percentage: give a number from 0 to 100"
        ))),
        _ => Ok(v),
    }
}

/// `deserialize_with` for a list of globs, each checked where it is read.
pub fn globs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    for g in &v {
        check_glob(g).map_err(serde::de::Error::custom)?;
    }
    Ok(v)
}

/// `deserialize_with` for one glob.
pub fn glob<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let g = String::deserialize(d)?;
    check_glob(&g).map_err(serde::de::Error::custom)?;
    Ok(g)
}

fn check_glob(g: &str) -> Result<(), String> {
    globset::Glob::new(g).map(drop).map_err(|e| {
        format!("{g:?} is not a glob ({e}): write one such as src/** or **/generated/**")
    })
}

/// Deepest nesting of flow collections (`[`, `{`) a config may have.
pub const MAX_DEPTH: usize = 32;

/// Most bytes a config file may have.
pub const MAX_BYTES: usize = 1 << 20;

/// Refuse, before serde_yaml sees it, a config whose nesting would cost the square of its depth
/// to parse (100k levels took 45 s) or that is far larger than any real config.
fn check_shape(path: &Path, text: &str) -> Result<(), InputError> {
    if text.len() > MAX_BYTES {
        return Err(InputError::new(
            path,
            format!("{} bytes (at most {MAX_BYTES})", text.len()),
            "a gates config is a few dozen lines; check that this is the right file",
        ));
    }
    let (mut depth, mut quote) = (0usize, None::<u8>);
    for (i, &b) in text.as_bytes().iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q || b == b'\n' => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[' | b'{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let (line, col) = crate::error::line_col(text.as_bytes(), i);
                    return Err(InputError::new(
                        path,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                        "write lists and maps a level or two deep, as the documented keys are",
                    )
                    .at(line, Some(col)));
                }
            }
            (None, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct SectionSeed<'a, T> {
    section: &'a str,
    _t: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for SectionSeed<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SectionSeed<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a mapping of gate sections")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.section {
                // Deserialised straight from the document stream, so errors keep their position.
                found = map.next_value::<Option<T>>()?;
            } else if sections().any(|g| g == key) {
                map.next_value::<IgnoredAny>()?;
            } else {
                return Err(serde::de::Error::unknown_field(&key, &SECTIONS));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    /// Defaults < file < flags: a flag's setting wins, the file's stays where the flags give
    /// none, lists add up.
    #[test]
    fn the_flags_lie_on_the_file_which_lies_on_the_defaults() {
        #[derive(Default, Debug, PartialEq)]
        struct Demo {
            min: Option<u32>,
            max: Option<u32>,
            strict: bool,
            paths: Vec<&'static str>,
        }
        impl Layered for Demo {
            fn update(&mut self, over: Self) {
                self.min = over.min.or(self.min);
                self.max = over.max.or(self.max);
                self.strict |= over.strict;
                self.paths.extend(over.paths);
            }
        }
        let file = Demo {
            min: Some(1),
            max: Some(9),
            paths: vec!["a"],
            ..Demo::default()
        };
        let flags = Demo {
            max: Some(5),
            strict: true,
            paths: vec!["b"],
            ..Demo::default()
        };
        let want = Demo {
            min: Some(1),
            max: Some(5),
            strict: true,
            paths: vec!["a", "b"],
        };
        assert_eq!(layer(Some(file), flags), want);
        assert_eq!(layer(None, Demo::default()), Demo::default());
    }

    #[test]
    fn serde_wording_reads_like_the_suites_own() {
        assert_eq!(
            friendly("coverage.min-lines: invalid type: string \"80%\", expected f64 at line 2 column 14"),
            "coverage.min-lines: 80% is not a number: write 80"
        );
        assert_eq!(
            friendly("security.max.high: invalid type: floating point `1.5`, expected u64 at line 3 column 11"),
            "security.max.high: 1.5 is not a whole number: write a count such as 0 or 5"
        );
        assert_eq!(
            friendly("coverage.min-lines: invalid type: string \"high\", expected f64"),
            "coverage.min-lines: high is not a number: write a number such as 80 (a percentage is written without %)"
        );
        assert_eq!(
            friendly("security: unknown severity \"hgh\": use critical at line 3 column 5"),
            "security: unknown severity \"hgh\": use critical"
        );
        assert_eq!(
            friendly("coverage.exclude: invalid type: map, expected a sequence"),
            "coverage.exclude: map where a sequence was expected"
        );
    }

    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Cfg {
        min_lines: Option<f64>,
    }

    fn load(text: &str) -> Result<Option<Cfg>, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gates.yml");
        std::fs::write(&p, text).unwrap();
        load_section(&p, "coverage", false)
    }

    /// The help pointed at `schemas/gates-config.schema.json` and `docs/`, which do not exist.
    #[test]
    fn config_errors_point_at_files_that_exist() {
        let e = load("coverage:\n  min-lines: 80\n  min-lnes: 80\n").unwrap_err();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert!(
            e.help.contains("schemas/config/coverage.schema.json"),
            "{e}"
        );
        assert!(root.join("schemas/config/coverage.schema.json").is_file());
        assert!(root.join("coverage/README.md").is_file());
    }

    /// 100k nested flow sequences took 45 s in serde_yaml: refused at the line, at once.
    #[test]
    fn deeply_nested_flow_collections_are_refused_with_their_line() {
        let text = format!(
            "coverage:\n  min-lines: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = load(&text).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("nested"), "{e}");
        // Brackets inside quotes are text, and shallow nesting is fine.
        let ok = "coverage:\n  min-lines: 80 # \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\n";
        assert_eq!(
            load(ok).unwrap(),
            Some(Cfg {
                min_lines: Some(80.0)
            })
        );
    }

    #[test]
    fn reads_own_section_and_skips_other_gates() {
        let c = load("security:\n  whatever: [1, 2]\ncoverage:\n  min-lines: 80\n").unwrap();
        assert_eq!(
            c,
            Some(Cfg {
                min_lines: Some(80.0)
            })
        );
    }

    #[test]
    fn typo_in_a_key_names_the_line() {
        let e = load("coverage:\n  min-lines: 80\n  min-line: 70\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("min-line"), "{}", e.message);
    }

    #[test]
    fn unknown_section_is_an_error() {
        let e = load("coverag:\n  min-lines: 1\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("coverag"));
    }

    #[test]
    fn absent_file_or_section_is_none() {
        assert_eq!(load("perf: {}\n").unwrap(), None);
        assert_eq!(
            load_section::<Cfg>(Path::new("/nonexistent/x.yml"), "coverage", false).unwrap(),
            None
        );
        assert!(load_section::<Cfg>(Path::new("/nonexistent/x.yml"), "coverage", true).is_err());
    }
}
