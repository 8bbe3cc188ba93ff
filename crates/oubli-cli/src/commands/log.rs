//! `oubli log …`: create, verify and inspect an evidence ledger.

use std::io::{self, Write as _};
use std::path::Path;

use anyhow::Context as _;
use oubli_core::VerifierKey;
use oubli_ledger::entry::RepairEntry;
use oubli_ledger::{Ledger, Receipt};

use super::evidence::header;
use crate::cli::LogCommand;
use crate::error::{Exit, Hint as _};
use crate::keyfile;
use crate::output::Output;

/// Runs `oubli log …`.
pub(crate) fn run(cmd: LogCommand, quiet: bool) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    match cmd {
        LogCommand::Init {
            dir,
            origin,
            signing_key,
        } => {
            let key = keyfile::read_signing(&signing_key)?;
            let origin = origin.unwrap_or_else(oubli_ledger::ledger::default_origin);
            let ledger = Ledger::new(&dir);
            ledger
                .init(&origin, &key)
                .with_context(|| format!("cannot create a ledger in {}", dir.display()))?;
            let verifier = key.verifier_key(&origin)?;
            writeln!(stdout, "{verifier}")?;
            if !quiet {
                eprintln!(
                    "created ledger {} with origin `{origin}`; give auditors its verifier key (printed above)",
                    dir.display()
                );
            }
            Ok(Exit::Ok)
        }
        LogCommand::Verify {
            dir,
            public_key,
            trusted,
        } => {
            let verifier = read_verifier(&public_key)?;
            let trusted = trusted
                .map(|p| fs_err::read_to_string(&p).context("cannot read the trusted checkpoint"))
                .transpose()?;
            let ledger = Ledger::new(&dir);
            match ledger
                .verify(&verifier, trusted.as_deref())
                .with_context(|| format!("cannot read the ledger {}", dir.display()))?
            {
                Ok(verified) => {
                    let cp = &verified.checkpoint;
                    let extends = verified
                        .trusted_size
                        .map(|t| format!(", and it extends the trusted checkpoint of size {t}"))
                        .unwrap_or_default();
                    writeln!(
                        stdout,
                        "ledger {} verifies: origin `{}`, {} entries, root {}{extends}",
                        dir.display(),
                        cp.origin,
                        cp.size,
                        super::evidence::hex(&cp.root)
                    )?;
                    Ok(Exit::Ok)
                }
                Err(failure) => {
                    crate::error::render(
                        &anyhow::Error::new(failure)
                            .context(format!("ledger {} does not verify", dir.display())),
                    );
                    Ok(Exit::CheckFailed)
                }
            }
        }
        LogCommand::Show { dir, json } => {
            let ledger = Ledger::new(&dir);
            if !ledger.exists() {
                return Err(oubli_ledger::LedgerError::NotALedger(dir).into());
            }
            ledger.for_each_entry(|line| -> anyhow::Result<()> {
                if json {
                    writeln!(stdout, "{line}")?;
                } else {
                    writeln!(stdout, "{}", describe(line))?;
                }
                Ok(())
            })?;
            Ok(Exit::Ok)
        }
        LogCommand::Checkpoint { dir } => {
            let text = Ledger::new(&dir).checkpoint_text()?;
            stdout.write_all(text.as_bytes())?;
            Ok(Exit::Ok)
        }
        LogCommand::Receipt {
            dir,
            entry,
            output,
            force,
        } => {
            let receipt = Ledger::new(&dir).receipt(entry)?;
            let out = Output::create(&output, "-", &[], force)?;
            let mut writer = out.writer()?;
            writer.write_all(receipt.to_text().as_bytes())?;
            writer.flush()?;
            drop(writer);
            out.commit()?;
            if !quiet && output != "-" {
                eprintln!("wrote the receipt of entry {entry} to {output}");
            }
            Ok(Exit::Ok)
        }
        LogCommand::VerifyReceipt { file, public_key } => {
            let verifier = read_verifier(&public_key)?;
            let text = fs_err::read_to_string(&file).context("cannot read the receipt")?;
            let verified =
                Receipt::parse(&text).and_then(|r| r.verify(&verifier).map(|cp| (r, cp)));
            match verified {
                Ok((receipt, checkpoint)) => {
                    stdout.write_all(&receipt.entry)?;
                    writeln!(stdout)?;
                    if !quiet {
                        eprintln!(
                            "receipt verifies: entry {} is in ledger `{}` (signed checkpoint of {} entries)",
                            receipt.index, checkpoint.origin, checkpoint.size
                        );
                    }
                    Ok(Exit::Ok)
                }
                Err(e) => {
                    crate::error::render(
                        &anyhow::Error::new(e)
                            .context(format!("receipt {} does not verify", file.display())),
                    );
                    Ok(Exit::CheckFailed)
                }
            }
        }
        LogCommand::Certificate { dir, entry, format } => {
            let receipt = Ledger::new(&dir).receipt(entry).with_context(|| {
                format!("cannot read entry {entry} of the ledger {}", dir.display())
            })?;
            let text = super::certificate::render(&receipt, format)?;
            stdout.write_all(text.as_bytes())?;
            Ok(Exit::Ok)
        }
        LogCommand::Repair {
            dir,
            signing_key,
            operator,
        } => {
            let key = keyfile::read_signing(&signing_key)?;
            let ledger = Ledger::new(&dir);
            let repaired = ledger
                .repair(&key, |report| RepairEntry {
                    header: header("repair", operator.as_deref(), "ok"),
                    removed_bytes: report.removed_bytes,
                    removed_sha256: report.removed_sha256.clone(),
                    signed_entries: report.signed_entries,
                })
                .with_context(|| format!("cannot repair the ledger {}", dir.display()))?;
            if !quiet {
                match repaired {
                    Some(appended) => {
                        eprintln!("repaired the ledger; recorded as entry {}", appended.index)
                    }
                    None => eprintln!("nothing to repair"),
                }
            }
            Ok(Exit::Ok)
        }
    }
}

/// Reads a verifier key from a file (the line `oubli log init` printed).
fn read_verifier(path: &Path) -> anyhow::Result<VerifierKey> {
    let text = fs_err::read_to_string(path)
        .context("cannot read the public key")
        .hint("pass the file holding the verifier key that `oubli log init` printed")?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    line.parse::<VerifierKey>()
        .with_context(|| format!("{} does not hold a verifier key", path.display()))
}

/// One line per entry for `log show`: seq, time, type, result, and a summary.
fn describe(line: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
        return format!("(unreadable entry) {line}");
    };
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("-").to_owned();
    let seq = v
        .get("seq")
        .and_then(serde_json::Value::as_u64)
        .map_or("-".into(), |s| s.to_string());
    let summary = match field("type").as_str() {
        "mask" | "unmask" => {
            let name = |k: &str| {
                v.get(k)
                    .and_then(|f| f.get("name"))
                    .and_then(|n| n.as_str())
                    .unwrap_or("-")
                    .to_owned()
            };
            let rows = v
                .get("rows")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            format!(
                "{} → {} ({rows} rows, key {})",
                name("input"),
                name("output"),
                field("key_id")
            )
        }
        "shred" => format!(
            "{} {} ({} bytes)",
            field("kind"),
            field("path"),
            v.get("bytes")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        ),
        "erase" => format!(
            "{} rows of {} subject(s) from {}{}",
            v.get("rows_removed")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            v.get("subjects")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len),
            v.get("input")
                .and_then(|f| f.get("name"))
                .and_then(|n| n.as_str())
                .unwrap_or("-"),
            if v.get("in_place").and_then(serde_json::Value::as_bool) == Some(true) {
                " (in place)"
            } else {
                ""
            }
        ),
        "forget" => format!(
            "{} key(s) of {} subject(s) destroyed in {}",
            v.get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            v.get("subjects")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len),
            field("vault")
        ),
        "repair" => format!(
            "cut {} bytes, signed {} entries",
            v.get("removed_bytes")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            v.get("signed_entries")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        ),
        _ => String::new(),
    };
    format!(
        "{seq:>6}  {}  {:<8} {:<15} {} {summary}",
        field("time"),
        field("type"),
        field("result"),
        field("operator")
    )
}
