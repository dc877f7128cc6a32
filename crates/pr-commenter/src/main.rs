//! `pr-commenter`: parse the flags, run the commenter (`pr_commenter::run`), report a failure
//! as every gate does.

use std::process::ExitCode;

use gates_core::cli::GateId;
use gates_core::{ActionsEnv, ExitStatus};
use pr_commenter::Cli;

const GATE: GateId = GateId {
    name: "pr-comment",
    binary: "pr-commenter",
};

fn main() -> ExitCode {
    let cli: Cli = match gates_core::cli::parse(GATE) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let env = ActionsEnv::from_process();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let status = match runtime.block_on(pr_commenter::run(&cli, &env)) {
        Ok(()) => ExitStatus::Success,
        Err(f) => {
            let err = f.into_input_error();
            // No result file: the commenter judges nothing, but its failure is seen everywhere.
            let opts = gates_core::EmitOptions::new(None, gates_core::emit::Format::Auto, &env);
            gates_core::emit::fail(GATE, &err, &env, &opts, &mut std::io::stdout().lock());
            ExitStatus::Error
        }
    };
    status.into()
}
