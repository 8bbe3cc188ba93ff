//! The test-only crash hook.
//!
//! Crash safety (`erase --in-place`) is tested by killing the process at
//! named points and checking the files it leaves. With the
//! `fault-injection` feature (or in this crate's unit tests), each
//! [`point`] checks the environment variable `OUBLI_TEST_FAULT`; if it names
//! the point, the process sends itself `SIGKILL` — no destructor runs, no
//! temporary file is cleaned up, exactly like a crash or `kill -9`. Without
//! the feature, `point` is an empty inline function and the variable is
//! never read, so release builds carry no hook.
//!
//! Points: `erase-during-write`, `erase-before-exchange`, `erase-after-exchange`,
//! `erase-after-dir-sync`, `shred-before-unlink`.

/// The environment variable naming the point to crash at.
pub const FAULT_ENV: &str = "OUBLI_TEST_FAULT";

/// Crashes here if `OUBLI_TEST_FAULT` names `name` (test builds only).
#[cfg(any(test, feature = "fault-injection"))]
pub(crate) fn point(name: &str) {
    if std::env::var_os(FAULT_ENV).is_some_and(|v| v == name) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

/// Does nothing: the hook is compiled in only for tests.
#[cfg(not(any(test, feature = "fault-injection")))]
#[inline(always)]
pub(crate) fn point(_name: &str) {}
