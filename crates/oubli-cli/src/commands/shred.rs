//! `oubli shred` and `oubli sweep`.

use std::io::{self, Write as _};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Context as _;
use oubli_core::SigningKey;
use oubli_erase::shred::{ObjectKind, Outcome, ShredOptions, ShredReport, shred};
use oubli_erase::sweep::{SweepOptions, parse_age, sweep};
use oubli_ledger::Ledger;
use oubli_ledger::entry::{
    RetentionEvidence, ShredEntry, ShredEvidence, StorageEvidence, VerificationEvidence,
};

use super::evidence::{header, hex};
use crate::cli::{ContentHash, DeletionLedgerArgs, ShredArgs, ShredHow, SweepArgs};
use crate::error::{Exit, Hint as _};
use crate::keyfile;

/// How the last pass is checked (recorded in every shred entry).
pub(crate) const READ_BACK_METHOD: &str =
    "read-back of the last pass after fdatasync and POSIX_FADV_DONTNEED, compared byte for byte";

/// Runs `oubli shred`.
pub(crate) fn run_shred(args: &ShredArgs, quiet: bool) -> anyhow::Result<Exit> {
    let options = shred_options(&args.how, args.recursive);
    let mut recorder = Recorder::open(&args.how, "shred", None, quiet)?;
    let tally = shred(&args.paths, &options, &mut |r| recorder.record(r));
    recorder.finish(tally.failed, tally.not_verifiable)
}

/// Runs `oubli sweep`.
pub(crate) fn run_sweep(args: &SweepArgs, quiet: bool) -> anyhow::Result<Exit> {
    let older_than = parse_age(&args.older_than)
        .ok_or_else(|| anyhow::anyhow!("--older-than `{}` is not an age", args.older_than))
        .hint("give a number and a unit: 30d, 12h, 90m, 2w or 45s")?;
    let glob = args
        .glob
        .as_deref()
        .map(glob::Pattern::new)
        .transpose()
        .with_context(|| {
            format!(
                "--glob `{}` is not a valid pattern",
                args.glob.as_deref().unwrap_or_default()
            )
        })
        .hint("use `*`, `?` and `[abc]`; `**/` matches any directories")?;
    if !args.dir.is_dir() {
        return Err(anyhow::anyhow!("{} is not a directory", args.dir.display()))
            .hint("name the directory to sweep");
    }
    let options = SweepOptions {
        older_than,
        glob,
        shred: shred_options(&args.how, false),
    };
    let retention = RetentionEvidence {
        directory: args.dir.display().to_string(),
        older_than: args.older_than.clone(),
        glob: args.glob.clone(),
    };
    let mut recorder = Recorder::open(&args.how, "sweep", Some(retention), quiet)?;
    let tally = sweep(&args.dir, &options, SystemTime::now(), &mut |r| {
        recorder.record(r)
    })
    .with_context(|| format!("cannot walk {}", args.dir.display()))?;
    if tally == Default::default() && !quiet {
        eprintln!(
            "nothing to sweep: no file under {} is older than {}",
            args.dir.display(),
            args.older_than
        );
    }
    recorder.finish(tally.failed, tally.not_verifiable)
}

fn shred_options(how: &ShredHow, recursive: bool) -> ShredOptions {
    ShredOptions {
        passes: how.passes,
        zero: how.zero,
        content_hash: how.content_hash == ContentHash::Sha256,
        recursive,
        dry_run: how.dry_run,
        ..ShredOptions::default()
    }
}

/// The ledger and its signing key, checked before anything is destroyed.
pub(crate) fn open_ledger(
    args: &DeletionLedgerArgs,
) -> anyhow::Result<Option<(Ledger, SigningKey)>> {
    let Some(dir) = &args.ledger else {
        return Ok(None);
    };
    let Some(key_path) = &args.signing_key else {
        return Err(anyhow::anyhow!("--ledger needs the ledger's signing key"))
            .hint("pass --signing-key FILE or set OUBLI_SIGNING_KEY_FILE; make one with `oubli key new --signing -o FILE`");
    };
    let signing_key = keyfile::read_signing(key_path)?;
    let ledger = Ledger::new(dir);
    ledger
        .open_or_create(&signing_key)
        .with_context(|| format!("cannot use the ledger {}", dir.display()))?;
    Ok(Some((ledger, signing_key)))
}

/// Writes each report as it comes: a ledger entry, a line on stderr (or a
/// JSON line on stdout), and remembers the first ledger failure.
struct Recorder<'a> {
    how: &'a ShredHow,
    command: &'static str,
    retention: Option<RetentionEvidence>,
    ledger: Option<(Ledger, SigningKey)>,
    quiet: bool,
    entries: Vec<u64>,
    ledger_error: Option<anyhow::Error>,
}

impl<'a> Recorder<'a> {
    fn open(
        how: &'a ShredHow,
        command: &'static str,
        retention: Option<RetentionEvidence>,
        quiet: bool,
    ) -> anyhow::Result<Recorder<'a>> {
        // A dry run writes nothing, the ledger included.
        let ledger = if how.dry_run {
            None
        } else {
            open_ledger(&how.ledger)?
        };
        Ok(Recorder {
            how,
            command,
            retention,
            ledger,
            quiet,
            entries: Vec::new(),
            ledger_error: None,
        })
    }

    fn record(&mut self, report: ShredReport) -> ControlFlow<()> {
        let evidence = shred_evidence(&report);
        if let Some((ledger, key)) = &self.ledger {
            let entry = ShredEntry {
                header: header(
                    "shred",
                    self.how.ledger.operator.as_deref(),
                    report.outcome.name(),
                ),
                command: self.command.to_owned(),
                shred: evidence.clone(),
                retention: self.retention.clone(),
            };
            match ledger.append(&entry, key) {
                Ok(appended) => self.entries.push(appended.index),
                Err(e) => {
                    self.ledger_error = Some(anyhow::Error::new(e).context(format!(
                        "{} was {}, but it could not be recorded in the ledger {}; nothing more was shredded",
                        report.path.display(),
                        if report.removed { "shredded" } else { "not shredded" },
                        ledger.dir().display()
                    )));
                    return ControlFlow::Break(());
                }
            }
        }
        self.print(&report, &evidence);
        ControlFlow::Continue(())
    }

    fn print(&self, report: &ShredReport, evidence: &ShredEvidence) {
        let path = report.path.display();
        if self.how.json {
            let mut line = serde_json::to_value(evidence).unwrap_or_default();
            if let Some(map) = line.as_object_mut() {
                map.insert("result".into(), report.outcome.name().into());
                map.insert("command".into(), self.command.into());
            }
            let _ = writeln!(io::stdout().lock(), "{line}");
            return;
        }
        if report.outcome == Outcome::Failed {
            crate::error::render(&anyhow::anyhow!(
                "cannot shred {path}: {}",
                report.error.as_deref().unwrap_or("unknown error")
            ));
            return;
        }
        let what = describe(report);
        if report.outcome == Outcome::WouldShred {
            let verdict = if report.reasons.is_empty() {
                "verifiable".to_owned()
            } else {
                format!("not verifiable: {}", report.reasons[0])
            };
            let _ = writeln!(
                io::stdout().lock(),
                "would shred {path} ({what}); {verdict}"
            );
            return;
        }
        if self.quiet {
            return;
        }
        match report.outcome {
            Outcome::Verified => eprintln!("shredded {path} ({what}): verified"),
            _ => eprintln!(
                "shredded {path} ({what}): not-verifiable: {}",
                report.reasons.first().map_or("", String::as_str)
            ),
        }
    }

    fn finish(self, failed: u64, not_verifiable: u64) -> anyhow::Result<Exit> {
        if let Some(e) = self.ledger_error {
            return Err(e).hint("fix the ledger (`oubli log verify`, `oubli log repair`), then run the command again for what is left");
        }
        if !self.quiet && !self.how.json {
            if let (Some((ledger, _)), Some(first), Some(last)) =
                (&self.ledger, self.entries.first(), self.entries.last())
            {
                eprintln!(
                    "recorded entries {first}..={last} in the ledger {}",
                    ledger.dir().display()
                );
            }
            if not_verifiable > 0 && !self.how.dry_run {
                eprintln!(
                    "hint: an overwrite could not be verified on this storage; for such data prefer crypto-shredding (keep it encrypted and destroy the key)"
                );
            }
        }
        if failed > 0 {
            if !self.quiet {
                eprintln!(
                    "{failed} path(s) could not be shredded (see the errors above); the others were processed"
                );
            }
            return Ok(Exit::Error);
        }
        Ok(Exit::Ok)
    }
}

/// `12 bytes, 1 pass` or `symlink`.
fn describe(report: &ShredReport) -> String {
    match report.kind {
        ObjectKind::File => {
            let passes = report
                .passes
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join("+");
            let mut s = format!("{} bytes", report.bytes);
            if !passes.is_empty() {
                s.push_str(&format!(", {passes}"));
            }
            if report.link_count > 1 {
                s.push_str(&format!(", {} hard links", report.link_count));
            }
            s
        }
        kind => kind.name().to_owned(),
    }
}

/// The ledger fields for one report.
pub(crate) fn shred_evidence(report: &ShredReport) -> ShredEvidence {
    let method = match (report.kind, report.outcome) {
        (_, Outcome::Failed) if report.passes.is_empty() && !report.removed => "none",
        (ObjectKind::File, _) => "overwrite",
        (ObjectKind::Symlink | ObjectKind::Directory, _) => "unlink",
        _ => "none",
    };
    ShredEvidence {
        path: report.path.display().to_string(),
        kind: report.kind.name().to_owned(),
        bytes: report.bytes,
        sha256: report.sha256.map(|h| hex(&h)),
        method: method.to_owned(),
        pattern: report.passes.iter().map(|p| p.name().to_owned()).collect(),
        overwritten_bytes: report.overwritten_bytes,
        verification: VerificationEvidence {
            method: if report.kind == ObjectKind::File {
                READ_BACK_METHOD.to_owned()
            } else {
                "none: nothing is overwritten".to_owned()
            },
            result: report.read_back.name().to_owned(),
        },
        link_count: report.link_count,
        renames: report.renames,
        removed: report.removed,
        storage: report.storage.as_ref().map(|s| StorageEvidence {
            file_system: s.file_system_name(),
            statfs_type: format!("{:#x}", s.file_system.magic),
            class: s.file_system.class.name().to_owned(),
            device: s.device.as_ref().map(|d| d.name.clone()),
            device_kind: s.device.as_ref().map(|d| d.kind.name().to_owned()),
            rotational: s.device.as_ref().and_then(|d| d.rotational),
        }),
        reasons: report.reasons.clone(),
        caveats: report.caveats.clone(),
        recommendation: report.recommendation.clone(),
        left_as: report
            .left_as
            .as_ref()
            .map(|p: &PathBuf| p.display().to_string()),
        error: report.error.clone(),
    }
}
