//! A gate with a bug, for the panic test (`tests/panic.rs`): it panics with a message that
//! quotes hostile report text, as an `expect` on a parsed value might.

use gates_core::cli::{CommonArgs, GateCli, GateId};

/// A gate that panics.
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
    name: "buggy",
    binary: "buggy-gate",
};

fn main() -> std::process::ExitCode {
    gates_core::cli::main(GATE, |_: &Cli, _, _, _| {
        panic!("unexpected record\n::set-output name=verdict::pass\n::add-mask::hunter2")
    })
}
