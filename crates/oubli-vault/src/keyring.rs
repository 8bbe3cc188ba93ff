//! The vault's keys during a job, shared by every worker thread.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use oubli_core::MasterKey;
use oubli_core::tag::{SubjectTag, SubjectTagger};

use crate::error::{SubjectError, VaultError};
use crate::file::{Saved, VaultFile, VaultLock};
use crate::vault::{DataKey, Record, Vault};

/// Whether a job may add keys to the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKeys {
    /// Never (`unmask`): a subject without a key is an error.
    Never,
    /// A subject seen for the first time gets a new key; a forgotten subject
    /// stops the job (`mask`).
    Create,
    /// Also a forgotten subject gets a new key (`mask
    /// --allow-new-after-forget`); each is reported.
    CreateAfterForget,
}

/// The vault of a running job: looked up (and, for `mask`, added to) by every
/// worker thread at once.
pub struct Keyring {
    tagger: SubjectTagger,
    vault: RwLock<Vault>,
    new_keys: NewKeys,
    created: AtomicU64,
    renewed: Mutex<BTreeSet<SubjectTag>>,
    redact_forgotten: bool,
    redacted: AtomicU64,
    file: Option<BoundFile>,
    saved: Mutex<Option<Saved>>,
}

/// The vault file a job's keyring was loaded from, with the writer's lock.
#[derive(Debug)]
struct BoundFile {
    file: VaultFile,
    lock: Option<VaultLock>,
    sha256: [u8; 32],
}

impl Keyring {
    /// The keys of `vault` (made for `master`) for one job.
    pub fn new(vault: Vault, master: &MasterKey, new_keys: NewKeys) -> Keyring {
        Keyring {
            tagger: SubjectTagger::new(master),
            vault: RwLock::new(vault),
            new_keys,
            created: AtomicU64::new(0),
            renewed: Mutex::new(BTreeSet::new()),
            redact_forgotten: false,
            redacted: AtomicU64::new(0),
            file: None,
            saved: Mutex::new(None),
        }
    }

    /// The keyring of a vault loaded from `file` (whose bytes had SHA-256
    /// `sha256`), holding the writers' `lock` if the job may add keys.
    pub fn bound_to(
        mut self,
        file: VaultFile,
        lock: Option<VaultLock>,
        sha256: [u8; 32],
    ) -> Keyring {
        self.file = Some(BoundFile { file, lock, sha256 });
        self
    }

    /// The vault file, if bound.
    pub fn file(&self) -> Option<&VaultFile> {
        self.file.as_ref().map(|b| &b.file)
    }

    /// SHA-256 of the vault file as loaded, if bound.
    pub fn loaded_sha256(&self) -> Option<[u8; 32]> {
        self.file.as_ref().map(|b| b.sha256)
    }

    /// Saves the vault if this job made keys: call it after the output is
    /// complete and before it is published, so that no published token's key
    /// can be lost. Does nothing (and returns `None`) otherwise.
    pub fn persist(&self) -> Result<Option<Saved>, VaultError> {
        let (Some(bound), true) = (&self.file, self.created() > 0) else {
            return Ok(None);
        };
        let Some(lock) = &bound.lock else {
            return Err(VaultError::Io {
                path: bound.file.lock_path(),
                source: std::io::Error::other("new keys but no writer's lock was taken"),
            });
        };
        let saved = bound.file.save(lock, &self.read())?;
        let copy = Saved {
            sha256: saved.sha256,
            bytes: saved.bytes,
            old_version: None,
        };
        *self.saved.lock().unwrap_or_else(|p| p.into_inner()) = Some(saved);
        Ok(Some(copy))
    }

    /// SHA-256 of the vault as [`Keyring::persist`] saved it, if it did.
    pub fn saved_sha256(&self) -> Option<[u8; 32]> {
        self.saved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.sha256)
    }

    /// `unmask --forgotten redact`: a forgotten subject's token decrypts to
    /// an empty value (counted) instead of stopping the job.
    pub fn redacting_forgotten(mut self) -> Keyring {
        self.redact_forgotten = true;
        self
    }

    /// Whether forgotten subjects' tokens are redacted.
    pub fn redacts_forgotten(&self) -> bool {
        self.redact_forgotten
    }

    /// Counts one redacted token.
    pub(crate) fn count_redacted(&self) {
        self.redacted.fetch_add(1, Ordering::Relaxed);
    }

    /// Tokens of forgotten subjects output empty (`--forgotten redact`).
    pub fn redacted(&self) -> u64 {
        self.redacted.load(Ordering::Relaxed)
    }

    /// The tag of a subject (its identifier as matched: trimmed), the same
    /// as `oubli erase` and `oubli forget` compute (`docs/CONSTRUCTIONS.md` §5).
    pub fn tag(&self, subject: &str) -> SubjectTag {
        self.tagger.tag(subject.trim().as_bytes())
    }

    /// The data key of `tag` for encryption: made now if the subject has
    /// none and the job may add keys.
    pub fn key_for_mask(&self, tag: &SubjectTag) -> Result<DataKey, SubjectError> {
        {
            let vault = self.read();
            match vault.get(tag) {
                Some(Record::Key { key, .. }) => return Ok(key.duplicate()),
                Some(Record::Forgotten { time }) if self.new_keys != NewKeys::CreateAfterForget => {
                    return Err(match self.new_keys {
                        NewKeys::Never => SubjectError::Forgotten {
                            tag: short(tag),
                            time: time.clone(),
                        },
                        _ => SubjectError::ForgottenInInput {
                            tag: short(tag),
                            time: time.clone(),
                        },
                    });
                }
                None if self.new_keys == NewKeys::Never => {
                    return Err(SubjectError::UnknownSubject { tag: short(tag) });
                }
                _ => {}
            }
        }
        let mut vault = self.vault.write().unwrap_or_else(|p| p.into_inner());
        // Another thread may have made it meanwhile.
        let was_forgotten = match vault.get(tag) {
            Some(Record::Key { key, .. }) => return Ok(key.duplicate()),
            Some(Record::Forgotten { .. }) => true,
            None => false,
        };
        let key = vault.create(*tag).map_err(|_| SubjectError::Random)?;
        self.created.fetch_add(1, Ordering::Relaxed);
        if was_forgotten {
            self.renewed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(*tag);
        }
        Ok(key)
    }

    /// The data key of `tag` for decryption; never makes one.
    pub fn key_for_unmask(&self, tag: &SubjectTag) -> Result<DataKey, SubjectError> {
        match self.read().get(tag) {
            Some(Record::Key { key, .. }) => Ok(key.duplicate()),
            Some(Record::Forgotten { time }) => Err(SubjectError::Forgotten {
                tag: short(tag),
                time: time.clone(),
            }),
            None => Err(SubjectError::UnknownSubject { tag: short(tag) }),
        }
    }

    /// Keys made by this job (including renewed ones).
    pub fn created(&self) -> u64 {
        self.created.load(Ordering::Relaxed)
    }

    /// Forgotten subjects that got a new key (`--allow-new-after-forget`).
    pub fn renewed(&self) -> Vec<SubjectTag> {
        self.renewed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect()
    }

    /// The vault as it is now (to save it).
    pub fn read(&self) -> RwLockReadGuard<'_, Vault> {
        self.vault.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("new_keys", &self.new_keys)
            .field("created", &self.created())
            .finish_non_exhaustive()
    }
}

/// The first 16 hex characters of a tag, for messages.
pub(crate) fn short(tag: &SubjectTag) -> String {
    tag.to_string()[..16].to_owned()
}
