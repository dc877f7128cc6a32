//! A gate with a bug, for the panic test (`tests/it/panic.rs`): it panics with a message that
//! quotes hostile report text, as an `expect` on a parsed value might.

use gates_core::cli::{CommonArgs, GateId};

/// A gate that panics.
#[derive(clap::Parser, Debug)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

const BUGGY: GateId = GateId {
    name: "buggy",
    binary: "buggy-gate",
};

gates_core::gate_main!(Cli, BUGGY, run);

fn run(
    _: &Cli,
    _: &gates_core::ActionsEnv,
    _: &gates_core::EmitOptions,
    _: &mut std::io::StdoutLock<'static>,
) -> Result<gates_core::ExitStatus, gates_core::InputError> {
    panic!("unexpected record\n::set-output name=verdict::pass\n::add-mask::hunter2")
}
