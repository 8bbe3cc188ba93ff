//! The vault on disk: created once, read whole, rewritten atomically under an
//! exclusive lock.
//!
//! - **Lock**: `<vault>.lock` beside the vault, `flock`ed exclusively by every
//!   writer (`vault init`, `mask` with per-subject keys for the whole job,
//!   `forget`). Readers (`unmask`) take no lock: a rename is atomic, so they
//!   see one complete version.
//! - **Save** (new keys): the new version is written to `.<vault>.oubli-*.tmp`
//!   in the vault's directory (mode 0600), `fsync`ed, renamed over the vault,
//!   and the directory is `fsync`ed.
//! - **Replace** (forget): the same, but the names are swapped in one atomic
//!   step (`renameat2(RENAME_EXCHANGE)`), so the old version — which holds the
//!   destroyed keys — stays reachable under the temporary name until the
//!   caller shreds it, and is never a second name of the live vault.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use oubli_core::MasterKey;
use rustix::fs::{Mode, OFlags, RenameFlags};
use sha2::{Digest as _, Sha256};

use crate::error::VaultError;
use crate::vault::Vault;

/// A vault file by its path.
#[derive(Debug, Clone)]
pub struct VaultFile {
    path: PathBuf,
}

/// An exclusive lock on a vault, held until dropped.
#[derive(Debug)]
pub struct VaultLock {
    _file: File,
}

/// A vault read from its file.
#[derive(Debug)]
pub struct Loaded {
    /// The vault.
    pub vault: Vault,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// Its size.
    pub bytes: u64,
}

/// A new version written in place of the old.
#[derive(Debug)]
pub struct Saved {
    /// SHA-256 of the new file.
    pub sha256: [u8; 32],
    /// Its size.
    pub bytes: u64,
    /// Where the old version now is (only [`VaultFile::replace`]): the caller
    /// must shred it.
    pub old_version: Option<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> VaultError + '_ {
    move |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl VaultFile {
    /// The vault at `path`.
    pub fn new(path: impl Into<PathBuf>) -> VaultFile {
        VaultFile { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The lock file: `<vault>.lock` beside it.
    pub fn lock_path(&self) -> PathBuf {
        self.beside(std::ffi::OsStr::new(&format!("{}.lock", self.name())))
    }

    /// `name` in the vault's directory, as a path relative to the same base
    /// as the vault's.
    fn beside(&self, name: &std::ffi::OsStr) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join(name),
            _ => PathBuf::from(name),
        }
    }

    /// Prefix of the temporary files beside the vault.
    fn temp_prefix(&self) -> String {
        format!(".{}.oubli-", self.name())
    }

    /// Creates an empty vault for `master`; never overwrites anything.
    pub fn init(&self, master: &MasterKey) -> Result<Saved, VaultError> {
        if self.path.symlink_metadata().is_ok() {
            return Err(VaultError::Exists(self.path.clone()));
        }
        let file = self.open_lock()?;
        file.lock().map_err(io_err(&self.lock_path()))?;
        let lock = VaultLock { _file: file };
        let bytes = Vault::new(master).to_bytes();
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    VaultError::Exists(self.path.clone())
                } else {
                    io_err(&self.path)(e)
                }
            })?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(io_err(&self.path))?;
        self.sync_dir()?;
        drop(lock);
        Ok(Saved {
            sha256: Sha256::digest(&bytes).into(),
            bytes: bytes.len() as u64,
            old_version: None,
        })
    }

    /// Takes the exclusive lock, waiting for another writer to finish.
    pub fn lock(&self) -> Result<VaultLock, VaultError> {
        let file = self.open_existing_lock()?;
        file.lock().map_err(io_err(&self.lock_path()))?;
        Ok(VaultLock { _file: file })
    }

    /// Takes the exclusive lock if no one holds it.
    pub fn try_lock(&self) -> Result<Option<VaultLock>, VaultError> {
        let file = self.open_existing_lock()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(VaultLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(&self.lock_path())(e)),
        }
    }

    /// The lock file, created if missing; the vault itself must exist (so
    /// that a mistyped vault path leaves no lock file behind).
    fn open_existing_lock(&self) -> Result<File, VaultError> {
        std::fs::symlink_metadata(&self.path).map_err(io_err(&self.path))?;
        self.open_lock()
    }

    fn open_lock(&self) -> Result<File, VaultError> {
        let path = self.lock_path();
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io_err(&path))
    }

    /// Reads and checks the vault (see [`Vault::parse`]).
    pub fn load(&self, master: &MasterKey) -> Result<Loaded, VaultError> {
        let bytes = std::fs::read(&self.path).map_err(io_err(&self.path))?;
        let vault = Vault::parse(&bytes, master, &self.path.display().to_string())?;
        Ok(Loaded {
            vault,
            sha256: Sha256::digest(&bytes).into(),
            bytes: bytes.len() as u64,
        })
    }

    /// Checks that the vault is a regular file (not a symlink) and returns
    /// its link count.
    fn check_regular(&self) -> Result<u64, VaultError> {
        let meta = std::fs::symlink_metadata(&self.path).map_err(io_err(&self.path))?;
        if !meta.file_type().is_file() {
            return Err(VaultError::NotAFile(self.path.clone()));
        }
        Ok(meta.nlink())
    }

    /// Writes `vault` as the new version (rename over the old one).
    pub fn save(&self, _lock: &VaultLock, vault: &Vault) -> Result<Saved, VaultError> {
        self.check_regular()?;
        let (temp, bytes) = self.write_temp(vault)?;
        temp.persist(&self.path)
            .map_err(|e| io_err(&self.path)(e.error))?;
        self.sync_dir()?;
        Ok(Saved {
            sha256: Sha256::digest(&bytes).into(),
            bytes: bytes.len() as u64,
            old_version: None,
        })
    }

    /// Writes `vault` as the new version, keeping the old one under a
    /// temporary name for the caller to shred ([`Saved::old_version`]).
    /// Refuses a vault with other hard links (they would keep the old
    /// version) and file systems that cannot swap names atomically.
    pub fn replace(&self, _lock: &VaultLock, vault: &Vault) -> Result<Saved, VaultError> {
        let links = self.check_regular()?;
        if links > 1 {
            return Err(VaultError::HardLinked {
                path: self.path.clone(),
                links,
            });
        }
        let (temp, bytes) = self.write_temp(vault)?;
        let dir = self.dir();
        let dirfd = rustix::fs::open(
            &dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io_err(&dir)(e.into()))?;
        let temp_name = temp.path().file_name().unwrap_or_default().to_os_string();
        let name = self.path.file_name().unwrap_or_default();
        rustix::fs::renameat_with(&dirfd, &temp_name, &dirfd, name, RenameFlags::EXCHANGE)
            .map_err(|e| VaultError::NoAtomicReplace {
                path: self.path.clone(),
                source: e.into(),
            })?;
        // The temporary name now holds the old version: keep it for the shred.
        temp.into_temp_path()
            .keep()
            .map_err(|e| io_err(&self.path)(e.error))?;
        let old = self.beside(&temp_name);
        rustix::fs::fsync(&dirfd).map_err(|e| io_err(&dir)(e.into()))?;
        Ok(Saved {
            sha256: Sha256::digest(&bytes).into(),
            bytes: bytes.len() as u64,
            old_version: Some(old),
        })
    }

    /// Temporary files of this vault left by an interrupted write or forget
    /// (`.<vault>.oubli-*.tmp`): old versions or unfinished new ones, to be
    /// shredded.
    pub fn leftovers(&self) -> Vec<PathBuf> {
        let prefix = self.temp_prefix();
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return Vec::new();
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with(&prefix) && name.ends_with(".tmp")
            })
            .map(|e| self.beside(&e.file_name()))
            .collect();
        found.sort();
        found
    }

    fn write_temp(&self, vault: &Vault) -> Result<(tempfile::NamedTempFile, Vec<u8>), VaultError> {
        let dir = self.dir();
        let mut temp = tempfile::Builder::new()
            .prefix(&self.temp_prefix())
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io_err(&dir))?;
        let bytes = vault.to_bytes();
        temp.write_all(&bytes)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(io_err(temp.path()))?;
        Ok((temp, bytes))
    }

    fn sync_dir(&self) -> Result<(), VaultError> {
        let dir = self.dir();
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&dir))
    }
}
