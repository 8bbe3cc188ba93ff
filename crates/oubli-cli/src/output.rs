//! Where a job's output goes: a temporary file beside the target, renamed into
//! place only when the job succeeded, or stdout.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tempfile::NamedTempFile;

use crate::error::Hint as _;

/// A job's output, not yet visible under its final name.
#[derive(Debug)]
pub(crate) enum Output {
    /// Standard output (`-`): written as it goes; a failure may leave partial data
    /// in the pipe, which the exit code reports.
    Stdout,
    /// A temporary file in the target's directory.
    File {
        temp: NamedTempFile,
        target: PathBuf,
        replace: bool,
        /// Removes `temp` if the process is interrupted (SIGINT, SIGTERM).
        _interrupt: oubli_erase::cleanup::Registered,
    },
    /// Standard output, held in a temporary file (in the system's temporary
    /// directory) until the job's checks pass (`[risk]`): nothing reaches
    /// stdout unless the job succeeds.
    Spooled {
        temp: NamedTempFile,
        /// Removes `temp` if the process is interrupted.
        _interrupt: oubli_erase::cleanup::Registered,
    },
}

impl Output {
    /// Checks the target and creates the temporary file. Refuses an empty name,
    /// an existing output without `force`, and an output that is the input or
    /// one of the job's other files (`protect`: key, policy…), even with `force`.
    pub(crate) fn create(
        target: &str,
        input: &str,
        protect: &[&Path],
        force: bool,
    ) -> anyhow::Result<Output> {
        if target == "-" {
            return Ok(Output::Stdout);
        }
        if target.is_empty() {
            return Err(anyhow::anyhow!("the output name is empty"))
                .hint("pass -o FILE, or -o - for stdout");
        }
        let target = PathBuf::from(target);
        match std::fs::metadata(&target) {
            Ok(meta) => {
                if meta.is_dir() {
                    bail!("output {} is a directory; name a file", target.display());
                }
                let same = |path: &Path| {
                    std::fs::metadata(path)
                        .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
                };
                if input != "-" && same(Path::new(input)) {
                    return Err(anyhow::anyhow!(
                        "output {} is the input file",
                        target.display()
                    ))
                    .hint("write to another file; oubli never modifies its input");
                }
                if let Some(path) = protect.iter().find(|p| same(p)) {
                    return Err(anyhow::anyhow!(
                        "output {} is the job's own file {}",
                        target.display(),
                        path.display()
                    ))
                    .hint("write to another file");
                }
                if !force {
                    return Err(anyhow::anyhow!(
                        "output {} already exists",
                        target.display()
                    ))
                    .hint("pass --force to replace it, or choose another output");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot check output {}", target.display()));
            }
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        clean_stale_temps(&dir);
        let temp = tempfile::Builder::new()
            .prefix(&oubli_erase::cleanup::temp_prefix())
            .suffix(".tmp")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
            .hint("check that the output directory exists and is writable")?;
        let interrupt = oubli_erase::cleanup::register(temp.path());
        Ok(Output::File {
            temp,
            target,
            replace: force,
            _interrupt: interrupt,
        })
    }

    /// [`Output::create`], except that stdout (`-`) is spooled
    /// ([`Output::Spooled`]) so that the output can be read back before
    /// anything is published.
    pub(crate) fn create_spooled(
        target: &str,
        input: &str,
        protect: &[&Path],
        force: bool,
    ) -> anyhow::Result<Output> {
        if target != "-" {
            return Output::create(target, input, protect, force);
        }
        let dir = std::env::temp_dir();
        let (temp, interrupt) = new_temp(&dir)?;
        Ok(Output::Spooled {
            temp,
            _interrupt: interrupt,
        })
    }

    /// The temporary file the output is written to (`None` for stdout).
    pub(crate) fn temp_path(&self) -> Option<&Path> {
        match self {
            Output::Stdout => None,
            Output::File { temp, .. } | Output::Spooled { temp, .. } => Some(temp.path()),
        }
    }

    /// A new empty temporary file beside the output's, to write a replacement
    /// of its content into (see [`Output::replace_temp`]).
    pub(crate) fn sibling_temp(
        &self,
    ) -> anyhow::Result<(NamedTempFile, oubli_erase::cleanup::Registered)> {
        let dir = self
            .temp_path()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        new_temp(&dir)
    }

    /// Makes `temp` (from [`Output::sibling_temp`]) the output's content; the
    /// previous temporary file is deleted.
    pub(crate) fn replace_temp(
        &mut self,
        new: NamedTempFile,
        registered: oubli_erase::cleanup::Registered,
    ) {
        match self {
            Output::Stdout => {}
            Output::File {
                temp, _interrupt, ..
            }
            | Output::Spooled { temp, _interrupt } => {
                *temp = new;
                *_interrupt = registered;
            }
        }
    }

    /// A buffered writer over the output.
    pub(crate) fn writer(&self) -> anyhow::Result<Box<dyn Write + Send>> {
        Ok(match self {
            Output::Stdout => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
            Output::File { temp, .. } | Output::Spooled { temp, .. } => Box::new(
                BufWriter::with_capacity(1 << 16, temp.as_file().try_clone()?),
            ),
        })
    }

    /// Makes the output durable and visible under its name. Dropping an
    /// `Output` without committing deletes the temporary file.
    pub(crate) fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout => Ok(()),
            Output::Spooled { temp, _interrupt } => {
                let mut stdout = io::stdout().lock();
                io::copy(&mut temp.reopen()?, &mut stdout)?;
                stdout.flush()?;
                Ok(())
            }
            Output::File {
                temp,
                target,
                replace,
                _interrupt,
            } => {
                temp.as_file()
                    .sync_all()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                let persisted = if replace {
                    temp.persist(&target).map(drop)
                } else {
                    temp.persist_noclobber(&target).map(drop)
                };
                persisted.map_err(|e| e.error).with_context(|| {
                    format!("cannot move the output into place at {}", target.display())
                })?;
                sync_parent(&target);
                Ok(())
            }
        }
    }

    /// The final path, if a file.
    pub(crate) fn target(&self) -> Option<&Path> {
        match self {
            Output::Stdout | Output::Spooled { .. } => None,
            Output::File { target, .. } => Some(target),
        }
    }
}

/// A new temporary file in `dir`, removed on SIGINT/SIGTERM.
fn new_temp(dir: &Path) -> anyhow::Result<(NamedTempFile, oubli_erase::cleanup::Registered)> {
    clean_stale_temps(dir);
    let temp = tempfile::Builder::new()
        .prefix(&oubli_erase::cleanup::temp_prefix())
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
        .hint("check that the output directory exists and is writable")?;
    let interrupt = oubli_erase::cleanup::register(temp.path());
    Ok((temp, interrupt))
}

/// Fsyncs the directory holding `path`, so that a rename or a new file survives a
/// crash. Best effort: some file systems refuse to sync directories.
pub(crate) fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Shreds the temporary files that crashed oubli processes left in `dir`
/// (`oubli_erase::cleanup::remove_stale`), saying so on stderr.
pub(crate) fn clean_stale_temps(dir: &Path) {
    for stale in oubli_erase::cleanup::remove_stale(dir) {
        match stale.error {
            None => eprintln!(
                "note: shredded {}, a temporary file left by oubli process {} that is no longer running",
                stale.path.display(),
                stale.pid
            ),
            Some(e) => eprintln!(
                "warning: cannot remove {}, a temporary file left by oubli process {}: {e}",
                stale.path.display(),
                stale.pid
            ),
        }
    }
}
