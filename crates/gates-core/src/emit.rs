//! Send an outcome to every channel: result file, step outputs, job summary, log or terminal.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::commands::Commands;
use crate::{
    annotations, outputs, result_file, summary, terminal, ActionsEnv, InputError, Level, Outcome,
};

/// How the outcome is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// GitHub workflow commands inside Actions, the terminal report elsewhere.
    #[default]
    Auto,
    /// Workflow commands.
    Github,
    /// The terminal report.
    Human,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Format::Auto),
            "github" => Ok(Format::Github),
            "human" => Ok(Format::Human),
            _ => Err(format!("{s:?} is not auto, github or human")),
        }
    }
}

/// Report an error that stops a gate: on stderr, and as an error annotation inside Actions.
#[allow(clippy::print_stderr, clippy::print_stdout)]
pub fn report_error(env: &ActionsEnv, binary: &str, message: &str) {
    eprintln!("error: {message}");
    if env.in_actions() {
        let title = format!("{binary} could not run");
        let props = crate::commands::AnnotationProps {
            title: Some(&title),
            ..Default::default()
        };
        println!(
            "{}",
            crate::commands::annotation(Level::Error, &props, message)
        );
    }
}

/// The body of a gate's `main`: read the environment, run, report an error as exit 2.
pub fn run_main(
    binary: &str,
    run: impl FnOnce(
        &ActionsEnv,
        &mut io::StdoutLock<'static>,
    ) -> Result<crate::ExitStatus, crate::InputError>,
) -> std::process::ExitCode {
    let env = ActionsEnv::from_process();
    let mut stdout = io::stdout().lock();
    let status = run(&env, &mut stdout).unwrap_or_else(|e| {
        report_error(&env, binary, &e.to_string());
        crate::ExitStatus::Error
    });
    let _ = stdout.flush();
    status.into()
}

/// Where the outcome goes besides stdout.
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Write the result file here.
    pub result: Option<PathBuf>,
    /// Printing style.
    pub format: Format,
    /// Colour the terminal report (callers decide from the TTY and `NO_COLOR`).
    pub color: bool,
}

impl EmitOptions {
    /// Options for a run: colour follows the terminal and `NO_COLOR`.
    pub fn new(result: Option<PathBuf>, format: Format, env: &ActionsEnv) -> Self {
        EmitOptions {
            result,
            format,
            color: want_color(env),
        }
    }
}

/// Emit the outcome. The result file is written first and atomically; outputs are appended in a
/// single write; the log comes last. An error names the file that could not be written.
pub fn emit(
    outcome: &Outcome,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) -> Result<(), InputError> {
    if let Some(path) = &opts.result {
        result_file::write(path, outcome).map_err(|e| {
            InputError::new(
                path,
                format!("cannot write the result file: {e}"),
                "check the path and free space",
            )
        })?;
    }
    let in_actions = env.in_actions();
    if in_actions {
        if let Some(path) = env.output_file() {
            let mut all: Vec<(&str, String)> =
                vec![("verdict", outcome.verdict.as_str().to_string())];
            all.extend(outcome.outputs.iter().map(|(k, v)| (*k, v.clone())));
            if let Some(r) = &opts.result {
                all.push(("result", r.display().to_string()));
            }
            outputs::append(&path, &all)?;
        }
        if let Some(path) = env.summary_file() {
            summary::append(&path, outcome)?;
        }
    }
    let github = match opts.format {
        Format::Auto => in_actions,
        Format::Github => true,
        Format::Human => false,
    };
    let printed = if github {
        print_github(outcome, stdout)
    } else {
        terminal::render(stdout, outcome, terminal::Style { color: opts.color })
    };
    // A closed pipe (`| head`) is not an error worth exit 2.
    match printed {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(InputError::new(
            "(stdout)",
            format!("cannot print: {e}"),
            "check where the output goes",
        )),
        _ => Ok(()),
    }
}

fn print_github(outcome: &Outcome, stdout: &mut impl Write) -> io::Result<()> {
    let mut cmd = Commands::new(stdout);
    let mut log = vec![format!(
        "{} {}",
        outcome.verdict.as_str().to_uppercase(),
        outcome.title
    )];
    log.extend(outcome.reasons.iter().map(|r| format!("  - {r}")));
    log.extend(outcome.notes.iter().cloned());
    cmd.untrusted_block(log.iter().map(String::as_str))?;
    let sel = annotations::select(&outcome.findings);
    for f in &sel.shown {
        cmd.annotate(f.level, &annotations::props(f), &f.message)?;
    }
    if sel.omitted > 0 {
        cmd.annotate(
            Level::Notice,
            &Default::default(),
            &annotations::overflow_message(sel.omitted),
        )?;
    }
    Ok(())
}

/// True when colour should be used on stdout.
pub fn want_color(env: &ActionsEnv) -> bool {
    use std::io::IsTerminal;
    !env.no_color() && io::stdout().is_terminal()
}
