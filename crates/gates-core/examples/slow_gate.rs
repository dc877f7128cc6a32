//! A gate that takes its time, for the cancellation test (`tests/it/cancel.rs`): it says it started,
//! then sleeps far longer than the test waits.

use std::io::Write;

use gates_core::cli::{CommonArgs, GateId};

/// A gate that sleeps.
#[derive(clap::Parser, Debug)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

const SLOW: GateId = GateId {
    name: "slow",
    binary: "slow-gate",
};

gates_core::gate_main!(Cli, SLOW, run);

fn run(
    _: &Cli,
    _: &gates_core::ActionsEnv,
    _: &gates_core::EmitOptions,
    stdout: &mut std::io::StdoutLock<'static>,
) -> Result<gates_core::ExitStatus, gates_core::InputError> {
    let _ = writeln!(stdout, "started");
    let _ = stdout.flush();
    std::thread::sleep(std::time::Duration::from_secs(60));
    Ok(gates_core::ExitStatus::Success)
}
