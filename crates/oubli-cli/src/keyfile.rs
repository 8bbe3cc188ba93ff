//! Reading and writing key files: permissions, `create_new`, and the checks that
//! come before a key is parsed.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

use anyhow::{Context as _, bail};
use oubli_core::{AnyKey, KeyError, MasterKey, SigningKey, parse_key_file};
use zeroize::Zeroizing;

use crate::error::Hint as _;

/// Key files are tiny; a large file is not a key file.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Reads any key file after checking that only its owner can read it.
pub(crate) fn read_any(path: &Path) -> anyhow::Result<AnyKey> {
    if looks_like_a_key(path) {
        // Never echo it: the message would put the key in logs and terminals.
        return Err(anyhow::anyhow!(
            "the key file path given looks like a key itself, not the path of a key file"
        ))
        .hint("keys are read from files only: save the key in a file (mode 0600) and pass its path; consider this key exposed (shell history, process list)");
    }
    let file =
        fs_err::File::open(path).hint("pass the path of a key file made by `oubli key new`")?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        bail!("key file {} is not a regular file", path.display());
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(anyhow::anyhow!(
            "key file {} can be read by group or others (mode {mode:04o})",
            path.display()
        ))
        .hint(format!("make it private with `chmod 600 {}`, and consider the key exposed if others could read it", path.display()));
    }
    if meta.len() > MAX_KEY_FILE {
        bail!(
            "{} is too large to be a key file ({} bytes)",
            path.display(),
            meta.len()
        );
    }
    let mut text = Zeroizing::new(String::new());
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_KEY_FILE), &mut text)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    parse_key_file(&text).map_err(|e| {
        let hint = match e {
            KeyError::UnknownVersion { .. } => {
                "upgrade oubli to a version that reads this key file"
            }
            KeyError::NotAKeyLine { .. }
            | KeyError::NoKeyLine
            | KeyError::SeveralKeyLines { .. } => {
                "pass a key file made by `oubli key new`, unchanged"
            }
            _ => "restore the key file from your backup; a damaged key cannot be repaired",
        };
        anyhow::Error::new(e)
            .context(format!("cannot use key file {}", path.display()))
            .context(crate::error::hint_marker(hint))
    })
}

/// A "path" that is in fact a key line (`OUBLI-KEY-1:…`, `OUBLI-SIGNING-KEY-1:…`,
/// any version) pasted where the path of a key file belongs, and not a file.
fn looks_like_a_key(path: &Path) -> bool {
    let text = path.to_string_lossy();
    let text = text.trim();
    text.starts_with("OUBLI-")
        && text
            .split_once(':')
            .is_some_and(|(label, payload)| label.contains("KEY-") && !payload.is_empty())
        && !path.exists()
}

/// Reads a master key file.
pub(crate) fn read_master(path: &Path) -> anyhow::Result<MasterKey> {
    match read_any(path)? {
        AnyKey::Master(key) => Ok(key),
        AnyKey::Signing(_) => Err(anyhow::anyhow!(
            "{} is a signing key, not a master key",
            path.display()
        ))
        .hint("pass the master key made by `oubli key new -o FILE` (without --signing)"),
    }
}

/// Reads a signing key file.
pub(crate) fn read_signing(path: &Path) -> anyhow::Result<SigningKey> {
    match read_any(path)? {
        AnyKey::Signing(key) => Ok(key),
        AnyKey::Master(_) => Err(anyhow::anyhow!(
            "{} is a master key, not a signing key",
            path.display()
        ))
        .hint("pass a signing key made by `oubli key new --signing -o FILE`"),
    }
}

/// Writes a new key file: mode 0600, never over an existing file, synced to disk.
pub(crate) fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(anyhow::anyhow!("{} already exists; a key file is never overwritten", path.display()))
                .hint("choose another file name, or delete the old key yourself if you are sure it is no longer needed");
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot create key file {}", path.display()));
        }
    };
    // The umask may have been stricter; never looser than 0600.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let result = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write key file {}", path.display()));
    if result.is_err() {
        // Leave no half-written key behind.
        let _ = std::fs::remove_file(path);
    }
    result?;
    crate::output::sync_parent(path);
    Ok(())
}
