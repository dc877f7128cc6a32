//! `pr-commenter`: parse the flags, run the commenter (`pr_commenter::run`), report a failure
//! as every gate does.

use std::process::ExitCode;

use gates_core::cli::{CommonArgs, GateId};
use gates_core::ExitStatus;
use pr_commenter::Cli;

const GATE: GateId = gates_core::cli::PR_COMMENT;

fn main() -> ExitCode {
    let cli: Cli = match gates_core::cli::parse(GATE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // No result file: the commenter judges nothing, but its failure (a panic and a cancelled
    // job too) is seen everywhere, as every gate's.
    gates_core::emit::run_main(GATE, &CommonArgs::default(), |env, _, _| {
        gates_core::emit::block_on(pr_commenter::run(&cli, env))?
            .map_err(|f| f.into_input_error())?;
        Ok(ExitStatus::Success)
    })
}
