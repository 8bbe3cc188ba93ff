//! What can go wrong with a vault file, and with one value's per-subject key.

use std::io;
use std::path::PathBuf;

use oubli_core::transform::TokenError;

/// Why a vault could not be created, read or written.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A file system call failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// `vault init` on a path that exists.
    #[error("{0} already exists; a vault is never overwritten")]
    Exists(PathBuf),
    /// The first line is not the vault's magic line.
    #[error("{file}: not an oubli vault (the first line is not `OUBLI-VAULT-1`)")]
    NotAVault {
        /// The file.
        file: String,
    },
    /// One line is damaged: it names the line and, where it can, the record.
    #[error("{file}: line {line}: {reason}")]
    Damaged {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The vault was made under another master key.
    #[error(
        "{file} belongs to master key {vault_key}, but the key given has id {given_key}; use the master key the vault was created with"
    )]
    WrongKey {
        /// The file.
        file: String,
        /// The key id in the vault.
        vault_key: String,
        /// The key id of the key given.
        given_key: String,
    },
    /// The whole-file check failed though every line is well formed.
    #[error("{file}: {reason}")]
    Altered {
        /// The file.
        file: String,
        /// What the check found.
        reason: String,
    },
    /// Rewriting a vault that has other hard links would leave the old keys
    /// under the other names.
    #[error(
        "{path} has {links} hard links: the other names would keep the old version with the destroyed keys"
    )]
    HardLinked {
        /// The vault.
        path: PathBuf,
        /// Its link count.
        links: u64,
    },
    /// The file system cannot swap two names atomically (`renameat2
    /// RENAME_EXCHANGE`), which `forget` needs to keep the old version
    /// reachable for its shred.
    #[error(
        "cannot replace {path} atomically on this file system (renameat2 RENAME_EXCHANGE: {source}); the vault was not changed"
    )]
    NoAtomicReplace {
        /// The vault.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The vault path is a symbolic link or not a regular file.
    #[error("{0} is not a regular file (name the vault file itself, not a symbolic link to it)")]
    NotAFile(PathBuf),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

/// Why one value could not be encrypted or decrypted under its subject's key.
///
/// Names no subject and no value: the caller adds the row and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    /// The row's subject column is empty or NULL.
    #[error("the row has no subject: its subject column `{column}` is empty")]
    NoSubject {
        /// The subject column.
        column: String,
    },
    /// The subject was forgotten (`oubli forget`): its data key is destroyed.
    #[error("subject forgotten: the data key of subject {tag}… was destroyed on {time}")]
    Forgotten {
        /// The first 16 hex characters of the subject's tag.
        tag: String,
        /// When it was forgotten.
        time: String,
    },
    /// A forgotten subject appeared in the data of a `mask` job.
    #[error(
        "subject {tag}… was forgotten on {time}: refusing to create a new key for it (pass --allow-new-after-forget to do so on purpose)"
    )]
    ForgottenInInput {
        /// The first 16 hex characters of the subject's tag.
        tag: String,
        /// When it was forgotten.
        time: String,
    },
    /// The token names a subject the vault has no record of.
    #[error(
        "the vault has no key for subject {tag}…: the token was made with another vault, or the vault was replaced by an older copy"
    )]
    UnknownSubject {
        /// The first 16 hex characters of the subject's tag.
        tag: String,
    },
    /// The token itself is malformed, made with another key, or altered.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A new data key could not be made.
    #[error("the operating system's random number generator failed")]
    Random,
}
