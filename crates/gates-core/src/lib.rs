//! Shared model and output channels of the gates suite.
//!
//! Every gate parses its reports into its own model, applies its policy and produces an
//! [`Outcome`]. This crate turns that outcome into everything a user sees: workflow-command
//! annotations within GitHub's budget, step outputs, the job summary, the result file and a
//! readable terminal report. It never touches the network.

pub mod annotations;
pub mod cancel;
pub mod cli;
pub mod commands;
pub mod config;
pub mod emit;
pub mod env;
pub mod error;
pub mod event;
pub mod files;
pub mod git;
pub mod input;
pub mod markdown;
pub mod outcome;
pub mod outputs;
pub mod random;
pub mod result_file;
pub mod rules;
pub mod sarif;
pub mod summary;
pub mod terminal;
pub mod text;
pub mod yaml;

pub use emit::{emit, EmitOptions};
pub use env::ActionsEnv;
pub use error::{ExitStatus, InputError};
pub use outcome::{Check, Context, Finding, Level, Outcome, Section, Verdict};

/// Free `value` on a thread of its own: a large parsed report (millions of nodes or samples)
/// takes tens of milliseconds to free piece by piece, time the gate's answer need not wait
/// for. When the process exits first, the operating system reclaims it whole.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// `a()` and `b()` at once, `a` on a second thread and `b` on this one: the two sides of a
/// comparison (base and head) parse side by side. A panic in `a` resumes here.
pub fn side_by_side<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        (
            a.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            b,
        )
    })
}

#[cfg(test)]
mod tests {
    /// Both results come back in order, and a panic on the second thread is this thread's.
    #[test]
    fn side_by_side_returns_both_and_resumes_a_panic() {
        let here = std::thread::current().id();
        let (a, b) = super::side_by_side(
            || std::thread::current().id(),
            || std::thread::current().id(),
        );
        assert_ne!(a, here, "a runs on a second thread");
        assert_eq!(b, here, "b runs on this one");
        let caught = std::panic::catch_unwind(|| super::side_by_side(|| panic!("in a"), || 1));
        let msg = caught.unwrap_err();
        assert_eq!(msg.downcast_ref::<&str>(), Some(&"in a"));
    }
}
