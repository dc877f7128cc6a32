//! What every gate's command line shares: the common flags, and parsing that fails the same way
//! as any other error (exit 2, inert text inside Actions, an `error` result file).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::emit::{self, Format};
use crate::{ActionsEnv, InputError};

/// Flags every gate takes; `#[command(flatten)]` them into the gate's own struct.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommonArgs {
    /// Write the result file (gates-result/v1 JSON) here.
    #[arg(long, value_name = "PATH")]
    pub result: Option<PathBuf>,
    /// Config file; default `.github/gates.yml` at the repository root, when present.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Never fail: failed rules become warnings.
    #[arg(long)]
    pub informational: bool,
    /// How to print: `github` (workflow commands), `human` (a readable report), or `auto`
    /// (github inside GitHub Actions, human elsewhere).
    #[arg(long, default_value = "auto", value_name = "auto|github|human")]
    pub print: Format,
    /// The most severe level annotations are shown at (`off`: none); the job summary and the
    /// result file keep every finding at its own level. coverage-gate also annotates uncovered
    /// changed lines at this level (default warning).
    #[arg(long, value_name = "LEVEL")]
    pub annotations: Option<crate::annotations::Setting>,
    /// Rule levels (`--allow/--warn/--deny <RULE>`).
    #[command(flatten)]
    pub levels: crate::rules::LevelArgs,
}

impl CommonArgs {
    /// The config file: `--config`, else `.github/gates.yml` at the repository root of `cwd`.
    pub fn config_path(&self, cwd: &std::path::Path) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| crate::config::default_path(cwd))
    }

    /// Whether the config file must exist (it was named with `--config`).
    pub fn config_required(&self) -> bool {
        self.config.is_some()
    }
}

/// `--comment`, for the gates that post their own sticky pull-request comment: flatten it
/// beside [`CommonArgs`]. The one way to post is `gates_github::comment_outcome`; a gate without
/// a GitHub client leaves the comment to pr-commenter, which reads its result file.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CommentArgs {
    /// Also post the result as this gate's own sticky PR comment (its id is the gate's name);
    /// needs `GITHUB_TOKEN` with `pull-requests: write`. Failing to comment only warns.
    #[arg(long)]
    pub comment: bool,
}

/// A gate's identity: its name in result files and config, and its binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateId {
    /// `coverage`, `security`, ...
    pub name: &'static str,
    /// `coverage-gate`, `security-gate`, ...
    pub binary: &'static str,
}

/// Every gate of the suite, in the order their results are shown (pr-comment, which judges
/// nothing, last): the one list of gate names. Config sections, result-file `gate` names and the
/// comment's order come from it.
pub const GATES: &[GateId] = &[
    COVERAGE,
    SECURITY,
    PERF,
    BREAKING_CHANGE,
    K8S_DEPLOY,
    PR_COMMENT,
];

/// coverage-gate.
pub const COVERAGE: GateId = GateId {
    name: "coverage",
    binary: "coverage-gate",
};
/// security-gate.
pub const SECURITY: GateId = GateId {
    name: "security",
    binary: "security-gate",
};
/// perf-gate.
pub const PERF: GateId = GateId {
    name: "perf",
    binary: "perf-gate",
};
/// breaking-change-check.
pub const BREAKING_CHANGE: GateId = GateId {
    name: "breaking-change",
    binary: "breaking-change-check",
};
/// k8s-deploy.
pub const K8S_DEPLOY: GateId = GateId {
    name: "k8s-deploy",
    binary: "k8s-deploy",
};
/// pr-commenter.
pub const PR_COMMENT: GateId = GateId {
    name: "pr-comment",
    binary: "pr-commenter",
};

/// A gate's command line: its clap struct with [`CommonArgs`] flattened in.
pub trait GateCli: clap::Parser {
    /// The flattened common flags.
    fn common(&self) -> &CommonArgs;
}

/// A gate's `GATE` constant, its [`GateCli`] impl (the clap struct must have a flattened
/// `common: CommonArgs` field) and its `main`, which is [`main`] with `run`:
///
/// ```ignore
/// gates_core::gate_main!(Cli, gates_core::cli::PERF, run);
/// ```
///
/// A gate that talks to services (a cluster, an API) writes `async run`: its `run` is an async
/// fn, run by [`main_async`].
#[macro_export]
macro_rules! gate_main {
    ($cli:ty, $gate:path, async $run:path) => {
        $crate::gate_main!(@gate $cli, $gate);

        fn main() -> std::process::ExitCode {
            $crate::cli::main_async(GATE, $run)
        }
    };
    ($cli:ty, $gate:path, $run:path) => {
        $crate::gate_main!(@gate $cli, $gate);

        fn main() -> std::process::ExitCode {
            $crate::cli::main(GATE, $run)
        }
    };
    (@gate $cli:ty, $gate:path) => {
        const GATE: $crate::cli::GateId = $gate;

        impl $crate::cli::GateCli for $cli {
            fn common(&self) -> &$crate::cli::CommonArgs {
                &self.common
            }
        }
    };
}

/// The whole `main` of a gate: parse the flags, run, emit the outcome (an error is one too).
pub fn main<C: GateCli>(
    gate: GateId,
    run: impl FnOnce(
        &C,
        &ActionsEnv,
        &emit::EmitOptions,
        &mut std::io::StdoutLock<'static>,
    ) -> Result<crate::ExitStatus, InputError>,
) -> ExitCode {
    let cli: C = match parse(gate) {
        Ok(c) => c,
        Err(code) => return code,
    };
    emit::run_main(gate, cli.common(), |env, opts, stdout| {
        run(&cli, env, opts, stdout)
    })
}

/// [`main`] for an async `run`: it runs on one thread of a tokio runtime (the time is the
/// services', not this process's), inside [`emit::run_main`], so a panic or a cancellation still
/// ends in a written result.
pub fn main_async<C: GateCli>(
    gate: GateId,
    run: impl AsyncFnOnce(
        &C,
        &ActionsEnv,
        &emit::EmitOptions,
        &mut std::io::StdoutLock<'static>,
    ) -> Result<crate::ExitStatus, InputError>,
) -> ExitCode {
    let cli: C = match parse(gate) {
        Ok(c) => c,
        Err(code) => return code,
    };
    emit::run_main(gate, cli.common(), |env, opts, stdout| {
        emit::block_on(run(&cli, env, opts, stdout))?
    })
}

/// Parse the process's arguments. `--help` and `--version` print and exit 0; a bad flag is
/// reported like any error that stops a gate, with a result file when `--result` was given.
pub fn parse<C: clap::Parser>(gate: GateId) -> Result<C, ExitCode> {
    parse_from(
        gate,
        std::env::args_os().collect(),
        &ActionsEnv::from_process(),
    )
}

/// [`parse`] over given arguments and environment.
pub fn parse_from<C: clap::Parser>(
    gate: GateId,
    args: Vec<OsString>,
    env: &ActionsEnv,
) -> Result<C, ExitCode> {
    match C::try_parse_from(&args) {
        Ok(c) => Ok(c),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            // clap's first line says what is wrong; the rest (a tip, the usage) is the help.
            let text = e.render().to_string();
            let text = text.trim().strip_prefix("error: ").unwrap_or(&text);
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let what = lines.next().unwrap_or("bad arguments").to_string();
            let mut help: Vec<&str> = lines
                .filter(|l| !l.starts_with("For more information"))
                .collect();
            let more = format!("run {} --help", gate.binary);
            help.push(&more);
            let err = InputError::new(crate::error::Origin::command_line(), what, help.join("; "));
            let opts = emit::EmitOptions::new(result_flag(&args), Format::Auto, env);
            emit::fail(gate, &err, env, &opts, &mut std::io::stdout().lock());
            Err(crate::ExitStatus::Error.into())
        }
    }
}

/// The value of `--result` in arguments clap could not parse.
fn result_flag(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--result" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|a| a.strip_prefix("--result=")) {
            return Some(PathBuf::from(v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_flag_is_found_in_both_spellings_and_not_after_the_separator() {
        let a = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            result_flag(&a(&["g", "--result", "r.json"])),
            Some("r.json".into())
        );
        assert_eq!(
            result_flag(&a(&["g", "--result=r.json"])),
            Some("r.json".into())
        );
        assert_eq!(result_flag(&a(&["g", "--", "--result", "x"])), None);
    }
}
