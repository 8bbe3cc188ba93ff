//! `oubli vault init|show`, and the vault of a `mask` / `unmask` job with
//! `per_subject` columns (`docs/CRYPTO-SHREDDING.md`).

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oubli_core::MasterKey;
use oubli_ledger::entry::VaultEvidence;
use oubli_policy::{Direction, Policy};
use oubli_vault::{Keyring, NewKeys, VaultError, VaultFile, VaultLock};

use super::evidence::hex;
use crate::cli::{Forgotten, JobArgs, VaultCommand};
use crate::error::{Exit, Hint as _};
use crate::keyfile;

/// Runs `oubli vault …`.
pub(crate) fn run(cmd: VaultCommand, quiet: bool) -> anyhow::Result<Exit> {
    match cmd {
        VaultCommand::Init { file, key } => {
            let key = keyfile::read_master(&key)?;
            let vault = VaultFile::new(&file);
            vault.init(&key).map_err(|e| vault_error(e, &file))?;
            if !quiet {
                eprintln!(
                    "created the empty vault {} for master key {} (lock file {})",
                    file.display(),
                    key.id(),
                    vault.lock_path().display()
                );
            }
            Ok(Exit::Ok)
        }
        VaultCommand::Show { file, key, json } => {
            let key = keyfile::read_master(&key)?;
            let vault = VaultFile::new(&file);
            let loaded = vault.load(&key).map_err(|e| vault_error(e, &file))?;
            let leftovers = vault.leftovers();
            if json {
                let line = serde_json::json!({
                    "format": "oubli.vault/1",
                    "vault": file.display().to_string(),
                    "key_id": loaded.vault.key_id().to_string(),
                    "keys": loaded.vault.keys(),
                    "forgotten": loaded.vault.forgotten(),
                    "bytes": loaded.bytes,
                    "sha256": hex(&loaded.sha256),
                    "leftovers": leftovers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                });
                writeln!(io::stdout().lock(), "{line}")?;
            } else {
                writeln!(
                    io::stdout().lock(),
                    "vault {}: master key {}, {} subject key(s), {} forgotten subject(s), sha256 {}",
                    file.display(),
                    loaded.vault.key_id(),
                    loaded.vault.keys(),
                    loaded.vault.forgotten(),
                    hex(&loaded.sha256)
                )?;
            }
            for path in &leftovers {
                eprintln!(
                    "warning: {} is left over from an interrupted write or forget and may hold destroyed keys: shred it (`oubli shred {}`), or run `oubli forget` again",
                    path.display(),
                    path.display()
                );
            }
            Ok(Exit::Ok)
        }
    }
}

/// A vault error, with what to do about it.
pub(crate) fn vault_error(e: VaultError, path: &Path) -> anyhow::Error {
    let hint = match &e {
        VaultError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => Some(format!(
            "create the vault first with `oubli vault init {} --key FILE`, or check its path",
            path.display()
        )),
        VaultError::Exists(_) => {
            Some("a vault is never overwritten: choose another name, or use the existing vault".into())
        }
        VaultError::WrongKey { .. } => {
            Some("pass the master key the vault was created with (`oubli key id FILE` prints a key's id)".into())
        }
        VaultError::Damaged { .. } | VaultError::Altered { .. } | VaultError::NotAVault { .. } => Some(
            "restore the vault from a copy made after the last `oubli forget`; never edit a vault by hand".into(),
        ),
        VaultError::HardLinked { .. } => {
            Some("remove the other names of the vault file first (they are copies of its keys)".into())
        }
        VaultError::NotAFile(_) => Some("pass the path of the vault file itself".into()),
        VaultError::NoAtomicReplace { .. } => Some(
            "keep the vault on a local file system that supports renameat2 (ext4, xfs, btrfs, tmpfs)".into(),
        ),
        VaultError::Io { .. } | VaultError::Random => None,
    };
    let error = anyhow::Error::new(e);
    match hint {
        Some(h) => Err::<(), _>(error).hint(h).unwrap_err(),
        None => error,
    }
}

/// Waits for the writers' lock, saying so if another job holds it.
pub(crate) fn lock(vault: &VaultFile, quiet: bool) -> anyhow::Result<VaultLock> {
    if let Some(lock) = vault.try_lock().map_err(|e| vault_error(e, vault.path()))? {
        return Ok(lock);
    }
    if !quiet {
        eprintln!(
            "waiting for another oubli job to release the vault {}…",
            vault.path().display()
        );
    }
    vault.lock().map_err(|e| vault_error(e, vault.path()))
}

/// The vault path of a job: `--vault`, else the policy's `vault` (relative
/// to the policy file's directory). All per-subject columns must use one vault.
fn job_vault_path(args: &JobArgs, policy: &Policy) -> anyhow::Result<Option<PathBuf>> {
    let columns: Vec<_> = policy.per_subject_columns().collect();
    if columns.is_empty() {
        return Ok(None);
    }
    if let Some(path) = &args.vault {
        return Ok(Some(path.clone()));
    }
    let base = match args.policy.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut chosen: Option<(PathBuf, &str)> = None;
    for (column, per_subject) in &columns {
        let Some(vault) = &per_subject.vault else {
            return Err(anyhow::anyhow!(
                "{}:{}: column `{}` is encrypted per subject, but names no vault",
                policy.file,
                per_subject.line,
                column.name
            ))
            .hint("add `vault = \"<file>\"` to the column's entry, or pass --vault FILE");
        };
        let path = if base == Path::new(".") {
            PathBuf::from(vault)
        } else {
            base.join(vault)
        };
        match &chosen {
            None => chosen = Some((path, &column.name)),
            Some((first, name)) if *first != path => {
                return Err(anyhow::anyhow!(
                    "{}: columns `{name}` and `{}` name different vaults ({} and {}); one job uses one vault",
                    policy.file,
                    column.name,
                    first.display(),
                    path.display()
                ))
                .hint("name the same vault in every per_subject column, or pass --vault FILE");
            }
            Some(_) => {}
        }
    }
    Ok(chosen.map(|(p, _)| p))
}

/// Opens the vault of a job with per-subject columns and attaches its keys
/// to the policy. `mask` holds the writers' lock until the process ends, so
/// that no `forget` or other `mask` changes the vault under it; `unmask`
/// reads one complete version without a lock.
pub(crate) fn open_for_job(
    args: &JobArgs,
    policy: &mut Policy,
    key: &MasterKey,
    direction: Direction,
    quiet: bool,
) -> anyhow::Result<()> {
    if direction == Direction::Mask && args.forgotten != Forgotten::Error {
        return Err(anyhow::anyhow!("--forgotten applies to unmask only"))
            .hint("leave out --forgotten");
    }
    if direction == Direction::Unmask && args.allow_new_after_forget {
        return Err(anyhow::anyhow!(
            "--allow-new-after-forget applies to mask only"
        ))
        .hint("leave out --allow-new-after-forget");
    }
    let Some(path) = job_vault_path(args, policy)? else {
        if args.vault.is_some() {
            return Err(anyhow::anyhow!(
                "--vault was given, but no column of the policy is encrypted per subject"
            ))
            .hint("add `per_subject = \"<subject column>\"` to an `encrypt` or `encrypt_random` column, or leave out --vault");
        }
        return Ok(());
    };
    let file = VaultFile::new(&path);
    // Never write the job's output over its vault or the vault's lock file.
    if args.output != "-" {
        use std::os::unix::fs::MetadataExt as _;
        let out = Path::new(&args.output);
        let same = |p: &Path| match (std::fs::metadata(out), std::fs::metadata(p)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => out == p,
        };
        if same(&path) || same(&file.lock_path()) {
            return Err(anyhow::anyhow!(
                "output {} is the job's vault {}",
                out.display(),
                path.display()
            ))
            .hint("write to another file");
        }
    }
    let lock = match direction {
        Direction::Mask => Some(lock(&file, quiet)?),
        Direction::Unmask => None,
    };
    let loaded = file.load(key).map_err(|e| vault_error(e, &path))?;
    let new_keys = match (direction, args.allow_new_after_forget) {
        (Direction::Unmask, _) => NewKeys::Never,
        (Direction::Mask, false) => NewKeys::Create,
        (Direction::Mask, true) => NewKeys::CreateAfterForget,
    };
    let mut keyring = Keyring::new(loaded.vault, key, new_keys);
    if direction == Direction::Unmask && args.forgotten == Forgotten::Redact {
        keyring = keyring.redacting_forgotten();
    }
    let keyring = keyring.bound_to(file, lock, loaded.sha256);
    policy.use_vault(Arc::new(keyring));
    Ok(())
}

/// Saves the keys a `mask` job made, before its output is published.
pub(crate) fn persist(policy: &Policy) -> anyhow::Result<()> {
    if let Some(keyring) = &policy.vault {
        keyring.persist().map_err(|e| {
            let path = keyring
                .file()
                .map_or_else(PathBuf::new, |f| f.path().to_path_buf());
            vault_error(e, &path).context(
                "the new subject keys could not be saved: the output was not published (its tokens could never be decrypted)",
            )
        })?;
    }
    Ok(())
}

/// The vault evidence of a job's ledger entry.
pub(crate) fn evidence(policy: &Policy, direction: Direction) -> Option<VaultEvidence> {
    let keyring = policy.vault.as_ref()?;
    Some(VaultEvidence {
        path: keyring
            .file()
            .map_or_else(String::new, |f| f.path().display().to_string()),
        sha256_before: keyring.loaded_sha256().map(|h| hex(&h)).unwrap_or_default(),
        sha256_after: keyring.saved_sha256().map(|h| hex(&h)),
        keys_created: keyring.created(),
        renewed_after_forget: keyring.renewed().iter().map(ToString::to_string).collect(),
        forgotten_redacted: (direction == Direction::Unmask && keyring.redacts_forgotten())
            .then(|| keyring.redacted()),
    })
}

/// Notes on stderr: keys made, forgotten subjects renewed or redacted.
pub(crate) fn report(policy: &Policy, quiet: bool) {
    let Some(keyring) = &policy.vault else {
        return;
    };
    let path = keyring
        .file()
        .map_or_else(String::new, |f| f.path().display().to_string());
    let renewed = keyring.renewed();
    if !renewed.is_empty() {
        // Said even with --quiet: a forgotten subject's data is back.
        eprintln!(
            "warning: {} forgotten subject(s) got a new key (--allow-new-after-forget): their new values in this output can be decrypted again; tags: {}",
            renewed.len(),
            renewed
                .iter()
                .map(|t| t.to_string()[..16].to_owned() + "…")
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if keyring.redacts_forgotten() && keyring.redacted() > 0 {
        eprintln!(
            "note: {} value(s) of forgotten subjects were output empty (--forgotten redact)",
            keyring.redacted()
        );
    }
    if !quiet && keyring.created() > 0 {
        eprintln!(
            "vault {path}: {} new subject key(s) saved",
            keyring.created()
        );
    }
}
