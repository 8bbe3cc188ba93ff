//! Removing oubli's temporary files when it is interrupted (SIGINT,
//! SIGTERM).
//!
//! A temporary file is [`register`]ed while it exists; the returned guard
//! unregisters it when dropped (after a commit, or after `tempfile` deleted
//! it on an error path). [`install`] starts one thread that waits for
//! SIGINT or SIGTERM (through `signal-hook`, no `unsafe` here), removes
//! every registered file, and exits with status 128 + the signal number
//! (130, 143), as a shell reports a process killed by that signal.
//!
//! A [`Critical`] section delays that: `erase --in-place` holds one from the
//! moment the new version replaces the old one until the old version is
//! shredded, so an interruption never leaves the old version unshredded
//! under a temporary name, nor deletes it unshredded. A second signal
//! during a critical section is not needed and not acted on; `SIGKILL`
//! cannot be caught (see `fault.rs` for how crashes are tested).
//!
//! Small window: a file created but not yet registered when the signal
//! arrives is not removed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

static REGISTRY: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static CRITICAL: AtomicUsize = AtomicUsize::new(0);

/// Keeps a temporary file registered for removal on a signal; dropping it
/// unregisters the file (it does not delete it).
#[derive(Debug)]
pub struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut r) = REGISTRY.lock() {
            r.retain(|(id, _)| *id != self.0);
        }
    }
}

/// Registers `path` for removal if the process is interrupted.
pub fn register(path: &Path) -> Registered {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut r) = REGISTRY.lock() {
        r.push((id, path.to_path_buf()));
    }
    Registered(id)
}

/// While alive, an interruption waits (the work in the section finishes).
#[derive(Debug)]
pub struct Critical(());

impl Critical {
    /// Enters a critical section.
    pub fn enter() -> Critical {
        CRITICAL.fetch_add(1, Ordering::SeqCst);
        Critical(())
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        CRITICAL.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The registered paths (for tests).
pub fn registered() -> Vec<PathBuf> {
    REGISTRY
        .lock()
        .map(|r| r.iter().map(|(_, p)| p.clone()).collect())
        .unwrap_or_default()
}

/// Starts the thread that removes the registered files on SIGINT or
/// SIGTERM and exits. Call once, early in `main`.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("oubli-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                while CRITICAL.load(Ordering::SeqCst) > 0 {
                    std::thread::sleep(Duration::from_millis(20));
                }
                // Held until exit: nothing can register a new file meanwhile.
                let registry = REGISTRY.lock();
                if let Ok(paths) = &registry {
                    for (_, path) in paths.iter() {
                        let _ = std::fs::remove_file(path);
                    }
                }
                eprintln!("oubli: interrupted; temporary files removed");
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_unregister() {
        let a = register(Path::new("/tmp/a-test-path"));
        assert!(registered().contains(&PathBuf::from("/tmp/a-test-path")));
        drop(a);
        assert!(!registered().contains(&PathBuf::from("/tmp/a-test-path")));
    }
}
