//! A gate that winds down itself on cancellation (`tests/it/cancel.rs`): it says it started, waits
//! for the request, then returns its own cancelled error, saying what it released.

use std::io::Write;

use gates_core::cli::{CommonArgs, GateId};

/// A gate that waits to be cancelled.
#[derive(clap::Parser, Debug)]
struct Cli {
    /// Ignore the request (to test the grace period's end).
    #[arg(long)]
    stubborn: bool,
    #[command(flatten)]
    common: CommonArgs,
}

const WINDING: GateId = GateId {
    name: "winding",
    binary: "winding-gate",
};

gates_core::gate_main!(Cli, WINDING, run);

fn run(
    cli: &Cli,
    _: &gates_core::ActionsEnv,
    _: &gates_core::EmitOptions,
    stdout: &mut std::io::StdoutLock<'static>,
) -> Result<gates_core::ExitStatus, gates_core::InputError> {
    // Set before it says it started: the test's signal comes after that line.
    gates_core::cancel::wind_down();
    let _ = writeln!(stdout, "started");
    let _ = stdout.flush();
    for _ in 0..600 {
        if gates_core::cancel::requested() && !cli.stubborn {
            return Err(gates_core::cancel::cancelled(
                "the example's lock was released",
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(gates_core::ExitStatus::Success)
}
