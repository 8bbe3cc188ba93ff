//! Removing oubli's temporary files when it is interrupted (SIGINT,
//! SIGTERM), and after it crashed.
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
//!
//! ## After a crash (`SIGKILL`, power loss)
//!
//! No handler runs on `SIGKILL`, so the *next* run cleans up instead. Every
//! temporary file is named `.oubli-<pid>-<host>-<random>.tmp` ([`temp_prefix`]):
//! the process id of its creator and 8 hex digits naming the host (a hash of
//! the host name, so that a directory shared between machines or containers is
//! never cleaned on behalf of a process that runs elsewhere). Before a command
//! creates a temporary file in a directory, [`remove_stale`] shreds and removes
//! the ones there that this host made and whose creator is no longer running.
//! A stale file may hold the old version of a file that `erase --in-place` was
//! replacing, so it is shredded (one random pass, read back, renamed,
//! unlinked), not merely unlinked. A file whose creator's process id was
//! reused by a running process is left for a later run; temporary files of
//! older versions of oubli (`.oubli-<random>.tmp`) are never touched.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

static REGISTRY: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static CRITICAL: AtomicUsize = AtomicUsize::new(0);

/// The start of the name of every temporary file this process creates:
/// `.oubli-<pid>-<host>-` (see the module documentation); the rest is random
/// characters and `.tmp`.
pub fn temp_prefix() -> String {
    format!(".oubli-{}-{}-", std::process::id(), host_tag())
}

/// The suffix of every temporary file.
pub const TEMP_SUFFIX: &str = ".tmp";

/// 8 hex digits naming this host: FNV-1a of its host name (not a secret, not a
/// security boundary: it only keeps one machine from cleaning another's files).
fn host_tag() -> String {
    let name = std::fs::read("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim_ascii();
    let mut hash: u32 = 0x811c_9dc5;
    for &b in name {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// The creator's process id, if `name` is a temporary file of oubli made on
/// this host (`.oubli-<pid>-<host>-<random>.tmp`).
fn temp_owner(name: &str, host: &str) -> Option<i32> {
    let rest = name.strip_prefix(".oubli-")?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = rest.splitn(3, '-');
    let pid = parts.next()?;
    let (tag, random) = (parts.next()?, parts.next()?);
    if tag != host || random.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// For a shred's renames: how many leading and trailing bytes of `name` to
/// keep so that an oubli temporary file stays recognisable (`(0, 0)` for any
/// other name): everything but the random part.
pub(crate) fn temp_name_frame(name: &[u8]) -> (usize, usize) {
    let Some(text) = std::str::from_utf8(name).ok() else {
        return (0, 0);
    };
    let Some(rest) = text
        .strip_prefix(".oubli-")
        .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
    else {
        return (0, 0);
    };
    let mut parts = rest.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(pid), Some(host), Some(random))
            if !pid.is_empty()
                && pid.bytes().all(|b| b.is_ascii_digit())
                && host.len() == 8
                && !random.is_empty() =>
        {
            (
                name.len() - random.len() - TEMP_SUFFIX.len(),
                TEMP_SUFFIX.len(),
            )
        }
        _ => (0, 0),
    }
}

/// Whether a process with this id exists (possibly another user's).
fn is_running(pid: i32) -> bool {
    let Some(pid) = rustix::process::Pid::from_raw(pid) else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

/// A temporary file left by an oubli process that is no longer running.
#[derive(Debug)]
pub struct StaleTemp {
    /// Its path.
    pub path: PathBuf,
    /// The process that created it.
    pub pid: i32,
    /// `None` if it was shredded and removed, otherwise why not.
    pub error: Option<String>,
}

/// Shreds and removes, in `dir`, the temporary files of oubli processes of
/// this host that are no longer running (see the module documentation).
/// Best effort: a directory that cannot be listed yields nothing.
pub fn remove_stale(dir: &Path) -> Vec<StaleTemp> {
    let host = host_tag();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<(std::ffi::OsString, i32)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let pid = temp_owner(name.to_str()?, &host)?;
            (u32::try_from(pid).ok() != Some(me) && !is_running(pid)).then_some((name, pid))
        })
        .collect();
    if stale.is_empty() {
        return Vec::new();
    }
    stale.sort();
    let dirfd = match rustix::fs::open(
        dir,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(_) => return Vec::new(),
    };
    let options = crate::shred::ShredOptions {
        content_hash: false,
        ..crate::shred::ShredOptions::default()
    };
    stale
        .into_iter()
        .map(|(name, pid)| {
            let path = dir.join(&name);
            let report = crate::shred::shred_file_at(&dirfd, &name, &path, &options, None);
            let error = if report.removed {
                None
            } else {
                Some(report.error.unwrap_or_else(|| "not removed".to_owned()))
            };
            StaleTemp { path, pid, error }
        })
        .collect()
}

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
    // A file size limit (`ulimit -f`, RLIMIT_FSIZE) must make the write fail
    // with EFBIG, which the job reports and cleans up after, rather than kill
    // the process (SIGXFSZ's default action) with a temporary file left over.
    signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    )?;
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
    fn a_shred_keeps_a_temporary_file_recognisable() {
        let name = b".oubli-123-0a1b2c3d-XyZ789.tmp";
        assert_eq!(temp_name_frame(name), (20, 4));
        assert_eq!(&name[..20], b".oubli-123-0a1b2c3d-");
        assert_eq!(temp_name_frame(b"customers.csv"), (0, 0));
        assert_eq!(temp_name_frame(b".oubli-AbC123.tmp"), (0, 0));
    }

    #[test]
    fn temp_names_carry_pid_and_host() {
        let host = host_tag();
        let prefix = temp_prefix();
        let name = format!("{prefix}AbC123{TEMP_SUFFIX}");
        assert_eq!(
            temp_owner(&name, &host),
            i32::try_from(std::process::id()).ok()
        );
        assert_eq!(temp_owner(".oubli-AbC123.tmp", &host), None);
        assert_eq!(temp_owner(".oubli-12-00000000-x.tmp", "ffffffff"), None);
        assert_eq!(temp_owner(".oubli-12-ffffffff-.tmp", "ffffffff"), None);
        assert_eq!(temp_owner(".oubli-1x-ffffffff-a.tmp", "ffffffff"), None);
        assert_eq!(temp_owner(".oubli-12-ffffffff-a.tmp", "ffffffff"), Some(12));
    }

    #[test]
    fn stale_temps_of_dead_processes_are_shredded_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let host = host_tag();
        // A process that has exited: its id is free (until reused).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = format!(".oubli-{dead}-{host}-Zz9{TEMP_SUFFIX}");
        let live = format!("{}Yy8{TEMP_SUFFIX}", temp_prefix());
        let other_host = format!(
            ".oubli-{dead}-{}-Xx7{TEMP_SUFFIX}",
            if host == "00000000" {
                "00000001"
            } else {
                "00000000"
            }
        );
        let old_style = ".oubli-Ww6abc.tmp".to_owned();
        for name in [&stale, &live, &other_host, &old_style] {
            std::fs::write(dir.path().join(name), b"personal data").unwrap();
        }
        let removed = remove_stale(dir.path());
        if is_running(i32::try_from(dead).unwrap()) {
            return; // The id was reused at once: nothing to check.
        }
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert_eq!(removed[0].path, dir.path().join(&stale));
        assert!(removed[0].error.is_none(), "{removed:?}");
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![live, other_host, old_style];
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn guards_unregister() {
        let a = register(Path::new("/tmp/a-test-path"));
        assert!(registered().contains(&PathBuf::from("/tmp/a-test-path")));
        drop(a);
        assert!(!registered().contains(&PathBuf::from("/tmp/a-test-path")));
    }
}
