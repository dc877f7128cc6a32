//! Send an outcome to every channel: result file, step outputs, job summary, log or terminal.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::cli::{CommonArgs, GateId};
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

/// Print an error that stops a gate on stderr: inert inside Actions (the runner reads stderr for
/// commands too), free of terminal escapes elsewhere.
#[allow(clippy::print_stderr)]
pub fn report_error(env: &ActionsEnv, message: &str) {
    let text = format!("error: {message}");
    if env.in_actions() {
        eprintln!("{}", crate::commands::inert(&text));
    } else {
        eprintln!("{}", terminal::sanitize_lines(&text));
    }
}

/// End a run that could not do its job: the result file says `error` (replaced atomically),
/// outputs say `verdict=error`, one `::error` annotation and a summary section say why, and the
/// message goes to stderr. Channels that fail here are reported, not retried.
pub fn fail(
    gate: GateId,
    err: &InputError,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
) {
    let context = env.context(env.event().ok().flatten().as_ref());
    let outcome = Outcome::could_not_run(gate, err, context);
    let emitted = emit_channels(&outcome, env, opts, stdout, true);
    let _ = stdout.flush();
    report_error(env, &err.to_string());
    if let Err(e) = emitted {
        report_error(env, &e.to_string());
    }
}

/// The body of a gate's `main`: read the environment, run, emit the outcome; an error is an
/// outcome too (see [`fail`]), and exit 2.
pub fn run_main(
    gate: GateId,
    common: &CommonArgs,
    run: impl FnOnce(
        &ActionsEnv,
        &EmitOptions,
        &mut io::StdoutLock<'static>,
    ) -> Result<crate::ExitStatus, InputError>,
) -> std::process::ExitCode {
    let env = ActionsEnv::from_process();
    let opts = EmitOptions {
        annotations: common.annotations,
        ..EmitOptions::new(common.result.clone(), common.print, &env)
    };
    on_cancel(gate, &env, &opts);
    let mut stdout = io::stdout().lock();
    let panicked = on_panic();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(&env, &opts, &mut stdout)
    }))
    .unwrap_or_else(|_| {
        let what = panicked.lock().map(|m| m.clone()).unwrap_or_default();
        Err(InputError::new(
            crate::error::Origin::Internal,
            format!("the gate stopped on a bug of its own: {what}"),
            "this run decided nothing: report it with the command line and the input (or what it looks like)",
        ))
    });
    crate::input::remove_spooled_stdin();
    let status = result.unwrap_or_else(|e| {
        fail(gate, &e, &env, &opts, &mut stdout);
        crate::ExitStatus::Error
    });
    let _ = stdout.flush();
    status.into()
}

/// Run `future` to its end on a current-thread tokio runtime: the one way gates run async code
/// (clients of a cluster, of GitHub). A runtime that cannot start is an error, not a panic.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, InputError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            InputError::new(
                crate::error::Origin::Internal,
                format!("cannot start the async runtime: {e}"),
                "the machine may be out of threads or file descriptors: run the job again",
            )
        })?;
    Ok(runtime.block_on(future))
}

/// A panic is a bug of the gate, yet the run still ends in an `error` outcome ([`run_main`]
/// catches it). The default hook would print its message raw to stderr, where the runner reads
/// workflow commands and the message may quote a report: the message and its place are kept
/// for the outcome instead, which prints them inert.
fn on_panic() -> std::sync::Arc<std::sync::Mutex<String>> {
    let kept = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let slot = kept.clone();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut s) = slot.lock() {
            *s = format!("{message}{place}");
        }
    }));
    kept
}

/// A cancelled job (the runner sends SIGINT, then SIGTERM) still ends in a result: the error
/// outcome "cancelled" is written to every channel and the gate exits 2, so no result file or
/// output is left saying nothing, or pass. Main holds stdout, so the annotation goes to stderr,
/// which the runner reads for workflow commands too. A handler that cannot be installed (another
/// one is) leaves the default behaviour. A gate that winds down itself ([`crate::cancel`]) gets
/// the first signal as a request.
fn on_cancel(gate: GateId, env: &ActionsEnv, opts: &EmitOptions) {
    let (env, opts) = (env.clone(), opts.clone());
    let _ = ctrlc::set_handler(move || {
        if crate::cancel::on_signal() {
            // The gate winds down itself; if it does not in time, end as below anyway.
            let (env, opts) = (env.clone(), opts.clone());
            std::thread::spawn(move || {
                std::thread::sleep(crate::cancel::GRACE);
                cancelled(gate, &env, &opts);
            });
            return;
        }
        cancelled(gate, &env, &opts);
    });
}

/// End the process with the cancelled result on every channel.
fn cancelled(gate: GateId, env: &ActionsEnv, opts: &EmitOptions) -> ! {
    let err = crate::cancel::cancelled("the gate stopped before it finished");
    fail(gate, &err, env, opts, &mut io::stderr());
    std::process::exit(2);
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
    /// `--annotations`: cap the annotations' level, or none at all; `None` shows each finding
    /// at its own level.
    pub annotations: Option<annotations::Setting>,
}

impl EmitOptions {
    /// Options for a run: colour follows the terminal and `NO_COLOR`.
    pub fn new(result: Option<PathBuf>, format: Format, env: &ActionsEnv) -> Self {
        EmitOptions {
            result,
            format,
            color: want_color(env),
            annotations: None,
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
    emit_channels(outcome, env, opts, stdout, false)
}

/// `keep_going`: the error outcome tries every channel even when one fails (the one that made
/// the run fail usually fails again), and reports the first failure.
fn emit_channels(
    outcome: &Outcome,
    env: &ActionsEnv,
    opts: &EmitOptions,
    stdout: &mut impl Write,
    keep_going: bool,
) -> Result<(), InputError> {
    let mut first: Option<InputError> = None;
    let mut step = |r: Result<(), InputError>| -> Result<(), InputError> {
        match r {
            Err(e) if keep_going => {
                first.get_or_insert(e);
                Ok(())
            }
            r => r,
        }
    };
    // The runner's files first and the result file last: when a channel fails, the run becomes
    // an error outcome, and no result file or output is left saying `pass`.
    let in_actions = env.in_actions();
    if in_actions {
        if let Some(path) = env.summary_file() {
            step(summary::append(&path, outcome))?;
        }
        if let Some(path) = env.output_file() {
            let mut all: Vec<(&str, String)> =
                vec![("verdict", outcome.verdict.as_str().to_string())];
            all.extend(outcome.outputs.iter().map(|(k, v)| (*k, v.clone())));
            if let Some(r) = &opts.result {
                all.push(("result", r.display().to_string()));
            }
            step(outputs::append(&path, &all))?;
        }
    }
    if let Some(path) = &opts.result {
        step(result_file::write(path, outcome).map_err(|e| InputError::write(path, &e)))?;
    }
    let github = match opts.format {
        Format::Auto => in_actions,
        Format::Github => true,
        Format::Human => false,
    };
    let root = env.get("GITHUB_WORKSPACE").unwrap_or(".");
    let printed = if github {
        // A gate that could not run says so whatever the setting: the one `::error`.
        let cap = opts
            .annotations
            .filter(|_| outcome.verdict != crate::Verdict::Error);
        print_github(outcome, std::path::Path::new(root), cap, stdout)
    } else if in_actions {
        // A person asked for the readable report inside Actions: the runner still reads it for
        // commands, so it goes out as one untrusted block.
        let mut text = Vec::new();
        terminal::render(&mut text, outcome, terminal::Style { color: false }).and_then(|()| {
            let text = String::from_utf8_lossy(&text);
            Commands::new(&mut *stdout).untrusted_block(text.lines())
        })
    } else {
        terminal::render(stdout, outcome, terminal::Style { color: opts.color })
    };
    step(InputError::printed(printed))?;
    first.map_or(Ok(()), Err)
}

fn print_github(
    outcome: &Outcome,
    root: &std::path::Path,
    cap: Option<annotations::Setting>,
    stdout: &mut impl Write,
) -> io::Result<()> {
    let mut cmd = Commands::new(stdout);
    let mut log = vec![format!(
        "{} {}",
        outcome.verdict.as_str().to_uppercase(),
        outcome.title
    )];
    log.extend(outcome.reasons.iter().map(|r| format!("  - {r}")));
    log.extend(outcome.notes.iter().cloned());
    cmd.untrusted_block(log.iter().map(String::as_str))?;
    if cap == Some(annotations::Setting::Off) {
        return Ok(());
    }
    let level = |f: &crate::Finding| cap.and_then(|c| c.cap(f.level)).unwrap_or(f.level);
    let sel = annotations::select_by(&outcome.findings, level);
    let mut lines: std::collections::HashMap<&str, Option<u32>> = Default::default();
    for f in &sel.shown {
        let mut props = annotations::props(f);
        if let Some(file) = props.file {
            let n = *lines
                .entry(file)
                .or_insert_with(|| annotations::line_count(root, file));
            if let Some(n) = n {
                annotations::clamp_lines(&mut props, n);
            }
        }
        cmd.annotate(level(f), &props, &f.message)?;
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
    let conventions = ColorEnv {
        no_color: env.no_color() || anstyle_query::no_color(),
        clicolor_force: anstyle_query::clicolor_force(),
        clicolor: anstyle_query::clicolor(),
        // A Windows console sets no TERM; its ANSI mode is switched on below instead.
        term_supports_color: anstyle_query::term_supports_color() || cfg!(windows),
    };
    conventions.choose(|| {
        io::stdout().is_terminal()
            && (!cfg!(windows) || anstyle_query::windows::enable_ansi_colors() != Some(false))
    })
}

/// The colour conventions as the environment states them (read by anstyle-query, as anstream
/// reads them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColorEnv {
    /// `NO_COLOR` set and not empty (no-color.org).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` set and not `0`.
    pub clicolor_force: bool,
    /// `CLICOLOR`: `Some(false)` for `0`.
    pub clicolor: Option<bool>,
    /// `TERM` names a terminal that takes colour (not `dumb`, not unset).
    pub term_supports_color: bool,
}

impl ColorEnv {
    /// Whether to colour: `NO_COLOR` wins, then `CLICOLOR_FORCE` (a pipe too, `TERM=dumb`
    /// too), then `CLICOLOR=0` and a terminal without colour say no, and otherwise a terminal
    /// (`is_terminal`, asked only then) gets colour.
    pub fn choose(self, is_terminal: impl FnOnce() -> bool) -> bool {
        if self.no_color {
            return false;
        }
        if self.clicolor_force {
            return true;
        }
        if self.clicolor == Some(false) || !self.term_supports_color {
            return false;
        }
        is_terminal()
    }
}

#[cfg(test)]
mod tests {
    use super::ColorEnv;

    const TERMINAL: ColorEnv = ColorEnv {
        no_color: false,
        clicolor_force: false,
        clicolor: None,
        term_supports_color: true,
    };

    #[test]
    fn colour_follows_no_color_clicolor_force_clicolor_and_term_dumb() {
        let tty = || true;
        let pipe = || false;
        assert!(TERMINAL.choose(tty), "a colour terminal");
        assert!(!TERMINAL.choose(pipe), "a pipe");
        let dumb = ColorEnv {
            term_supports_color: false,
            ..TERMINAL
        };
        assert!(!dumb.choose(tty), "TERM=dumb on a terminal");
        let no_color = ColorEnv {
            no_color: true,
            ..TERMINAL
        };
        assert!(!no_color.choose(tty), "NO_COLOR on a terminal");
        let forced = ColorEnv {
            clicolor_force: true,
            ..dumb
        };
        assert!(forced.choose(pipe), "CLICOLOR_FORCE: a pipe, TERM=dumb");
        assert!(
            !ColorEnv {
                no_color: true,
                ..forced
            }
            .choose(tty),
            "NO_COLOR over CLICOLOR_FORCE"
        );
        let off = ColorEnv {
            clicolor: Some(false),
            ..TERMINAL
        };
        assert!(!off.choose(tty), "CLICOLOR=0 on a terminal");
        assert!(
            ColorEnv {
                clicolor: Some(true),
                ..TERMINAL
            }
            .choose(tty),
            "CLICOLOR=1 on a terminal"
        );
    }
}
