//! A gate that winds down itself on cancellation (`tests/cancel.rs`): it says it started, waits
//! for the request, then returns its own cancelled error, saying what it released.

use std::io::Write;

use gates_core::cli::{CommonArgs, GateCli, GateId};

/// A gate that waits to be cancelled.
#[derive(clap::Parser, Debug)]
struct Cli {
    /// Ignore the request (to test the grace period's end).
    #[arg(long)]
    stubborn: bool,
    #[command(flatten)]
    common: CommonArgs,
}

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

const GATE: GateId = GateId {
    name: "winding",
    binary: "winding-gate",
};

fn main() -> std::process::ExitCode {
    gates_core::cancel::wind_down();
    gates_core::cli::main(GATE, |cli: &Cli, _, _, stdout| {
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
    })
}
