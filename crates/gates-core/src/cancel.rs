//! Cancellation a gate winds down itself. By default a cancelled job (SIGINT, then SIGTERM from
//! the runner) ends at once in an `error` result ([`crate::emit::run_main`]). A gate holding
//! something outside the process (a deploy lock, a half-done rollout) calls [`wind_down`]: the
//! first signal then only sets [`requested`], the gate stops what it waits for, releases what it
//! holds and returns its own error with [`crate::error::Origin::Cancelled`]. A second signal, or
//! a gate that is not done within [`GRACE`], still ends the process with the cancelled result,
//! so the runner's kill never finds it silent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static WINDS_DOWN: AtomicBool = AtomicBool::new(false);
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// How long a gate that winds down itself has after the first signal. The runner sends SIGTERM
/// 7.5 s after SIGINT and kills 2.5 s later: within that, whatever signal came first.
pub const GRACE: Duration = Duration::from_secs(6);

/// This gate handles the first cancellation signal itself (see the module's text).
pub fn wind_down() {
    WINDS_DOWN.store(true, Ordering::SeqCst);
}

/// Whether the job was cancelled and the gate should stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// What the signal handler does now: `true` when the gate winds down itself (the first signal
/// of a gate that asked to), `false` when the process must end at once.
pub(crate) fn on_signal() -> bool {
    WINDS_DOWN.load(Ordering::SeqCst) && !REQUESTED.swap(true, Ordering::SeqCst)
}

/// The error a gate returns when it stopped on [`requested`]: `what` says what it did before
/// stopping (e.g. "the lock was released; 1 of 2 rollouts was done").
pub fn cancelled(what: &str) -> crate::InputError {
    crate::InputError::new(
        crate::error::Origin::Cancelled,
        format!("the job was cancelled (SIGINT or SIGTERM): {what}"),
        "run the job again; nothing this run decided was kept",
    )
}
