//! A gate that takes its time, for the cancellation test (`tests/cancel.rs`): it says it started,
//! then sleeps far longer than the test waits.

use std::io::Write;

use gates_core::cli::{CommonArgs, GateCli, GateId};

/// A gate that sleeps.
#[derive(clap::Parser, Debug)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

const GATE: GateId = GateId {
    name: "slow",
    binary: "slow-gate",
};

fn main() -> std::process::ExitCode {
    gates_core::cli::main(GATE, |_: &Cli, _, _, stdout| {
        let _ = writeln!(stdout, "started");
        let _ = stdout.flush();
        std::thread::sleep(std::time::Duration::from_secs(60));
        Ok(gates_core::ExitStatus::Success)
    })
}
