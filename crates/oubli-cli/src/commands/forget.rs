//! `oubli forget`: destroy data subjects' keys in a vault (cryptographic
//! erase, NIST SP 800-88r2 §3.2), shred the vault's old version, record it.

use std::io::{self, Write as _};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use oubli_core::tag::{SubjectTag, SubjectTagger};
use oubli_erase::erase::{EraseError, Subjects};
use oubli_erase::shred::{Outcome, ShredOptions, ShredReport, shred};
use oubli_ledger::entry::{ForgetEntry, ForgottenSubject, OldVersionEvidence, VersionEvidence};
use oubli_vault::{ForgetOutcome, VaultFile};

use super::evidence::{header, hex};
use super::now_rfc3339;
use super::shred::{open_ledger, shred_evidence};
use super::vault::{lock, vault_error};
use crate::cli::ForgetArgs;
use crate::error::{Exit, Hint as _};
use crate::keyfile;

/// How subject tags are made (the same as `erase`'s).
const TAG_CONSTRUCTION: &str = "hex(HMAC-SHA256(subkey(\"tag\", \"erase\", 32), identifier as matched: trimmed)); docs/CONSTRUCTIONS.md section 5";

/// What a forget does.
const METHOD: &str = "cryptographic erase (NIST SP 800-88r2 section 3.2): each subject's 256-bit data key is removed from the vault and replaced by a tombstone; the new vault replaces the old one atomically (renameat2 RENAME_EXCHANGE) and the old version, which held the wrapped keys, is shredded; every value encrypted under these keys (AES-256-SIV / AES-256-GCM, docs/CRYPTO-SHREDDING.md) can no longer be decrypted, in any copy";

/// The conditions of a cryptographic erase that oubli cannot check.
fn conditions() -> Vec<String> {
    vec![
        "cryptographic erase reaches only values encrypted under these keys: plaintext copies of the subjects' data (the unmasked source, unmasked or decrypted copies, exports, caches, logs) are not touched and must be erased separately (oubli erase, oubli shred)".to_owned(),
        "every other copy of the vault (backups, snapshots, replicas, copies in version control) still holds these keys, wrapped under the master key: destroy those made before this forget, or they restore the keys".to_owned(),
        "no copy of the data keys may exist outside the vault: no key escrow, and no process that read the vault may still hold the keys in memory".to_owned(),
        "the master key unwraps every copy of the vault: protect it as long as any old vault copy may exist".to_owned(),
    ]
}

/// Runs `oubli forget`.
pub(crate) fn run(args: &ForgetArgs, quiet: bool) -> anyhow::Result<Exit> {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let key = keyfile::read_master(&args.key)?;
    let subjects_text = fs_err::read(&args.subjects)
        .context("cannot read the subjects file")
        .hint("pass a file with one identifier per line with --subjects FILE")?;
    let subjects = Subjects::as_text(&subjects_text).map_err(|e| match e {
        EraseError::NoSubjects => anyhow::Error::new(e).context(crate::error::hint_marker(
            "write one identifier per line in the subjects file",
        )),
        other => anyhow::Error::new(other),
    })?;
    drop(subjects_text);
    let mut tags: Vec<SubjectTag> = subjects.tags(&SubjectTagger::new(&key));
    tags.sort();
    tags.dedup();
    let ledger = open_ledger(&args.ledger)?;

    let file = VaultFile::new(&args.vault);
    let guard = lock(&file, quiet)?;
    let loaded = file.load(&key).map_err(|e| vault_error(e, &args.vault))?;
    let before = VersionEvidence {
        bytes: loaded.bytes,
        sha256: hex(&loaded.sha256),
    };
    // Old versions left by an interrupted earlier run (looked for before this
    // run adds its own).
    let leftovers = file.leftovers();
    let mut vault = loaded.vault;
    let time = now_rfc3339();
    let outcomes: Vec<(SubjectTag, ForgetOutcome)> =
        tags.iter().map(|t| (*t, vault.forget(*t, &time))).collect();
    let destroyed = outcomes
        .iter()
        .filter(|(_, o)| *o == ForgetOutcome::Destroyed)
        .count() as u64;
    let changed = outcomes
        .iter()
        .any(|(_, o)| *o != ForgetOutcome::AlreadyForgotten);

    // From the swap to the end of the shred, an interruption waits: the old
    // version must be shredded, never left or unlinked unshredded.
    let critical = oubli_erase::cleanup::Critical::enter();
    let replaced = if changed {
        file.replace(&guard, &vault)
            .map_err(|e| vault_error(e, &args.vault))
            .map(Some)
    } else {
        Ok(None)
    };

    let options = ShredOptions::default();
    let mut old_report: Option<ShredReport> = None;
    if let Ok(Some(saved)) = &replaced
        && let Some(old) = &saved.old_version
    {
        shred(std::slice::from_ref(old), &options, &mut |r| {
            old_report = Some(r);
            ControlFlow::Continue(())
        });
    }
    let mut leftover_reports = Vec::new();
    if replaced.is_ok() && !leftovers.is_empty() {
        shred(&leftovers, &options, &mut |r| {
            leftover_reports.push(r);
            ControlFlow::Continue(())
        });
    }
    drop(critical);
    drop(guard);

    let mut caveats = conditions();
    let all_shreds = old_report.iter().chain(&leftover_reports);
    let shred_failed = all_shreds.clone().any(|r| r.outcome == Outcome::Failed);
    let shred_unverifiable = all_shreds
        .clone()
        .any(|r| r.outcome == Outcome::NotVerifiable);
    let result = match (&replaced, shred_failed, shred_unverifiable) {
        (Err(_), _, _) => "failed",
        (Ok(_), true, _) => {
            caveats.insert(
                0,
                "the vault no longer holds the keys, but its old version could not be shredded: that file still holds them (see old_version)".to_owned(),
            );
            "failed"
        }
        (Ok(_), false, true) => {
            caveats.insert(
                0,
                "the keys are gone from the vault, but the overwrite of its old version could not be verified on this storage (see old_version.reasons): the old blocks may still hold the wrapped keys, readable with the master key".to_owned(),
            );
            "not-verifiable"
        }
        (Ok(_), false, false) => "verified",
    };
    if !changed {
        caveats.push(
            "every subject had been forgotten before: the vault was not rewritten (see the earlier forget entries)".to_owned(),
        );
    }
    if changed && destroyed == 0 && replaced.is_ok() {
        caveats.push(
            "no subject had a key: nothing was encrypted under their keys; tombstones now stop `mask` from making one".to_owned(),
        );
    }

    let after = match &replaced {
        Ok(Some(saved)) => Some(VersionEvidence {
            bytes: saved.bytes,
            sha256: hex(&saved.sha256),
        }),
        Ok(None) => Some(before.clone()),
        Err(_) => None,
    };
    let mut entry_index = None;
    if let Some((ledger, signing_key)) = &ledger {
        let entry = ForgetEntry {
            header: header("forget", args.ledger.operator.as_deref(), result),
            started: started_at,
            method: METHOD.to_owned(),
            vault: args.vault.display().to_string(),
            key_id: key.id().to_string(),
            tag_construction: TAG_CONSTRUCTION.to_owned(),
            vault_before: before.clone(),
            vault_after: after.clone(),
            count: if replaced.is_ok() { destroyed } else { 0 },
            subjects: outcomes
                .iter()
                .map(|(t, o)| ForgottenSubject {
                    tag: t.to_string(),
                    outcome: if replaced.is_ok() { o.name() } else { "failed" }.to_owned(),
                })
                .collect(),
            keys_remaining: vault.keys() as u64,
            old_version: old_report.as_ref().map(|r| OldVersionEvidence {
                result: r.outcome.name().to_owned(),
                shred: shred_evidence(r),
            }),
            leftovers: leftover_reports
                .iter()
                .map(|r| OldVersionEvidence {
                    result: r.outcome.name().to_owned(),
                    shred: shred_evidence(r),
                })
                .collect(),
            caveats: caveats.clone(),
            error: replaced.as_ref().err().map(crate::error::one_line),
        };
        match (ledger.append(&entry, signing_key), &replaced) {
            (Ok(appended), _) => entry_index = Some(appended.index),
            (Err(e), Ok(_)) => {
                return Err(anyhow::Error::new(e))
                    .context(format!(
                        "the subjects were forgotten, but the forget could not be recorded in the ledger {}",
                        ledger.dir().display()
                    ))
                    .hint("fix the ledger (`oubli log verify`, `oubli log repair`); the keys are destroyed");
            }
            (Err(e), Err(_)) => crate::error::render(
                &anyhow::Error::new(e)
                    .context("the failed forget could not be recorded in the ledger"),
            ),
        }
    }
    replaced?;

    let seconds = started.elapsed().as_secs_f64();
    let count = |o: ForgetOutcome| outcomes.iter().filter(|(_, x)| *x == o).count();
    if args.json {
        let line = serde_json::json!({
            "format": "oubli.summary/1",
            "command": "forget",
            "vault": args.vault.display().to_string(),
            "subjects": outcomes.len(),
            "destroyed": destroyed,
            "already_forgotten": count(ForgetOutcome::AlreadyForgotten),
            "no_key": count(ForgetOutcome::NoKey),
            "keys_remaining": vault.keys(),
            "vault_sha256_before": before.sha256,
            "vault_sha256_after": after.as_ref().map(|a| a.sha256.clone()),
            "old_version": old_report.as_ref().map(|r| r.outcome.name()),
            "result": result,
            "ledger_entry": entry_index,
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
        writeln!(io::stdout().lock(), "{line}")?;
    } else if !quiet {
        eprintln!(
            "forgot {} subject(s) in {}: {destroyed} key(s) destroyed, {} already forgotten, {} had no key; {} key(s) remain",
            outcomes.len(),
            args.vault.display(),
            count(ForgetOutcome::AlreadyForgotten),
            count(ForgetOutcome::NoKey),
            vault.keys(),
        );
        if let Some(r) = &old_report {
            eprintln!(
                "old version of the vault: {}{}",
                r.outcome,
                r.reasons
                    .first()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            );
        }
        for r in &leftover_reports {
            eprintln!(
                "left over from an earlier run: {}: {}",
                r.path.display(),
                r.outcome
            );
        }
        eprintln!(
            "note: backups, snapshots and other copies of the vault still hold these keys: destroy those made before now (docs/CRYPTO-SHREDDING.md)"
        );
        if let Some(i) = entry_index {
            eprintln!("recorded as entry {i} ({result})");
        }
    }
    if shred_failed {
        let left: Vec<PathBuf> = old_report
            .iter()
            .chain(&leftover_reports)
            .filter(|r| r.outcome == Outcome::Failed)
            .map(|r| r.left_as.clone().unwrap_or_else(|| r.path.clone()))
            .collect();
        crate::error::render(
            &anyhow::anyhow!(
                "the keys are gone from the vault, but an old version could not be shredded: {}",
                left.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .context(crate::error::hint_marker(
                "shred it with `oubli shred PATH`",
            )),
        );
        return Ok(Exit::Error);
    }
    Ok(Exit::Ok)
}
