//! How the Actions runner finds workflow commands in a step's output, for tests that prove no
//! report text becomes one.
//!
//! Modelled on actions/runner's `ActionCommandManager`: both stdout and stderr lines are read;
//! a line is a command when, after .NET `TrimStart`, it starts with `::name` (the v2 form), or
//! when it holds the legacy `##[name` form anywhere; `::stop-commands::TOKEN` suspends every
//! command until `::TOKEN::`. Stricter than the runner where that is safer for a test: any name
//! counts as a command, registered or not.

use gates_core::commands::is_dotnet_whitespace;

/// One command the runner would act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// `error`, `add-mask`, ...
    pub name: String,
    /// The text after the properties, unescaped as the runner does.
    pub data: String,
    /// The line it came from.
    pub line: String,
}

/// Every command in one stream, in order, with stop-commands honoured.
pub fn commands(stream: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut stop: Option<String> = None;
    // StreamReader.ReadLine splits on \n, \r and \r\n.
    for line in stream.split(['\n', '\r']) {
        let Some(cmd) = parse_v2(line).or_else(|| parse_legacy(line)) else {
            continue;
        };
        match &stop {
            Some(token) => {
                if cmd.name.eq_ignore_ascii_case(token) {
                    stop = None;
                }
            }
            None if cmd.name == "stop-commands" => stop = Some(cmd.data.clone()),
            None => out.push(cmd),
        }
    }
    out
}

fn parse_v2(line: &str) -> Option<Command> {
    let rest = line
        .trim_start_matches(is_dotnet_whitespace)
        .strip_prefix("::")?;
    let end = rest.find("::")?;
    let head = &rest[..end];
    let name = head.split(' ').next().unwrap_or_default();
    if name.is_empty() {
        return None;
    }
    Some(Command {
        name: name.to_string(),
        data: unescape(&rest[end + 2..]),
        line: line.to_string(),
    })
}

fn parse_legacy(line: &str) -> Option<Command> {
    let start = line.find("##[")?;
    let rest = &line[start + 3..];
    let end = rest.find(']')?;
    let name = rest[..end].split([' ', ';']).next().unwrap_or_default();
    if name.is_empty() {
        return None;
    }
    Some(Command {
        name: name.to_string(),
        data: rest[end + 1..].to_string(),
        line: line.to_string(),
    })
}

fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// Commands a gate may legitimately send; anything else found in its output was injected.
pub const GATE_COMMANDS: &[&str] = &["error", "warning", "notice", "group", "endgroup"];

/// Panic when a stream holds a command a gate never sends, or an annotation whose message
/// begins with `marker` (text a hostile report tried to turn into its own annotation).
pub fn assert_inert(what: &str, stream: &str, marker: &str) {
    for c in commands(stream) {
        assert!(
            GATE_COMMANDS.contains(&c.name.as_str()),
            "{what}: the runner would run `{}` from line {:?}",
            c.name,
            c.line
        );
        assert!(
            !c.data.starts_with(marker),
            "{what}: injected annotation from line {:?}",
            c.line
        );
    }
}

/// [`assert_inert`] on both streams of a gate's run, which must have judged (0, 1) or stopped
/// (2); returns whether it judged.
pub fn assert_run_inert(what: &str, out: &std::process::Output) -> bool {
    assert_inert(
        &format!("{what} stdout"),
        &String::from_utf8_lossy(&out.stdout),
        MARKER,
    );
    assert_inert(
        &format!("{what} stderr"),
        &String::from_utf8_lossy(&out.stderr),
        MARKER,
    );
    match out.status.code() {
        Some(0 | 1) => true,
        Some(2) => false,
        c => panic!("{what}: exit {c:?}"),
    }
}

/// What a hostile report puts in its text: every form that could start a command on either
/// stream, behind [`MARKER`].
pub const HOSTILE: &str = "\n::PWNED::a\r::PWNED::b ##[PWNED]c \u{85}::PWNED::d %0A::PWNED::e \u{202e}x\n::error::PWNED\n ##[add-mask]PWNED";

/// The marker [`assert_inert`] looks for.
pub const MARKER: &str = "PWNED";

/// A copy of a real report with [`HOSTILE`] appended to every text field: every string of a
/// JSON document, every attribute value and text node of XML (escaped, so the parser hands the
/// raw characters to the gate), and every line of a line-based format (where a line break
/// damages the report, which the error path must then survive just as well).
pub fn hostile_variant(bytes: &[u8]) -> Vec<u8> {
    if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        poison(&mut v);
        return serde_json::to_vec(&v).unwrap();
    }
    let text = String::from_utf8_lossy(bytes);
    if text.trim_start().starts_with('<') {
        let escaped: String = HOSTILE
            .chars()
            .map(|c| match c {
                '\n' => "&#10;".to_string(),
                '\r' => "&#13;".to_string(),
                c => c.to_string(),
            })
            .collect();
        // Attribute values: `="..."` gets the payload before its closing quote.
        let mut out = String::with_capacity(text.len() * 2);
        let mut rest: &str = &text;
        while let Some(i) = rest.find("=\"") {
            let Some(j) = rest[i + 2..].find('"') else {
                break;
            };
            let value = &rest[i + 2..i + 2 + j];
            out.push_str(&rest[..i + 2 + j]);
            // Numbers stay numbers, or every report would only reach the error path.
            if value.parse::<f64>().is_err() {
                out.push_str(&escaped);
            }
            out.push('"');
            rest = &rest[i + 3 + j..];
        }
        out.push_str(rest);
        return out.into_bytes();
    }
    let flat = HOSTILE.replace(['\n', '\r'], " ");
    text.lines()
        .map(|l| match l.ends_with(|c: char| c.is_ascii_digit()) {
            true => format!("{l}\n"),
            false => format!("{l}{flat}\n"),
        })
        .collect::<String>()
        .into_bytes()
}

/// Panic when an error, as a gate reports it inside Actions (the error outcome on stdout, the
/// message on stderr), would give the runner a command a gate never sends. The property the
/// parsers' fuzz targets and their stable stand-ins check on every input they reject.
pub fn assert_error_inert(err: &gates_core::InputError) {
    let gate = gates_core::cli::GateId {
        name: "test",
        binary: "test-gate",
    };
    let env = gates_core::ActionsEnv::from_vars([("GITHUB_ACTIONS", "true")]);
    let outcome = gates_core::Outcome::could_not_run(gate, err, Default::default());
    let opts = gates_core::EmitOptions::new(None, gates_core::emit::Format::Github, &env);
    let mut stdout = Vec::new();
    gates_core::emit(&outcome, &env, &opts, &mut stdout).unwrap();
    let stderr = gates_core::commands::inert(&format!("error: {err}"));
    for (what, stream) in [
        ("stdout", String::from_utf8_lossy(&stdout).into_owned()),
        ("stderr", stderr),
    ] {
        for c in commands(&stream) {
            assert!(
                GATE_COMMANDS.contains(&c.name.as_str()),
                "{what}: the runner would run `{}` from {:?} (error: {err})",
                c.name,
                c.line
            );
        }
    }
}

fn poison(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => s.push_str(HOSTILE),
        serde_json::Value::Array(a) => a.iter_mut().for_each(poison),
        serde_json::Value::Object(o) => o.values_mut().for_each(poison),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_commands_the_way_the_runner_does() {
        let s = "x\n\u{85} ::add-mask::a\rtext ##[set-output name=x]y\n::stop-commands::t\n::error::hidden\n::t::\n::warning::seen%0Aline";
        let names: Vec<String> = commands(s).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["add-mask", "set-output", "warning"]);
        assert_eq!(commands("::warning::a%0Ab")[0].data, "a\nb");
    }
}
