//! `oubli erase`: remove data subjects' rows from a CSV file.

use std::io::{self, Read as _, Write as _};
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use oubli_core::MasterKey;
use oubli_core::tag::SubjectTagger;
use oubli_csv::CsvOptions;
use oubli_erase::erase::{
    DataFormat, Destination, EraseError, EraseOptions, EraseReport, Subjects, erase_file,
};
use oubli_erase::shred::{Outcome, ShredOptions};
use oubli_ledger::entry::{
    EraseEntry, FileEvidence, OldVersionEvidence, SubjectEvidence, VerificationEvidence,
};
use oubli_policy::Policy;
use sha2::{Digest as _, Sha256};

use super::evidence::{header, hex};
use super::now_rfc3339;
use super::shred::{open_ledger, shred_evidence};
use crate::cli::{EraseArgs, Format};
use crate::error::{Exit, Hint as _};
use crate::keyfile;
use crate::progress::Progress;

/// How subject tags are made (recorded in every erase entry).
const TAG_CONSTRUCTION: &str = "hex(HMAC-SHA256(subkey(\"tag\", \"erase\", 32), identifier as matched)); docs/CONSTRUCTIONS.md section 5";

/// How the new version is checked.
const REREAD_METHOD: &str = "the new version is re-read from its file and parsed; every row's column is matched against every subject, the row count and SHA-256 are compared with what was written";

/// Runs `oubli erase`.
pub(crate) fn run(args: &EraseArgs, quiet: bool) -> anyhow::Result<Exit> {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let (format, csv) = csv_options(args)?;
    if args.ledger.ledger.is_some() && args.key.is_none() {
        return Err(anyhow::anyhow!(
            "--ledger needs --key: erased subjects are recorded only as keyed tags, never in clear"
        ))
        .hint("pass the master key with --key FILE (or OUBLI_KEY_FILE)");
    }
    if args.match_policy.is_some() && args.key.is_none() {
        return Err(anyhow::anyhow!(
            "--match-policy needs --key: the subjects are transformed with the column's keyed transform"
        ))
        .hint("pass the master key the data was masked with, with --key FILE");
    }
    let key: Option<MasterKey> = args.key.as_deref().map(keyfile::read_master).transpose()?;
    let subjects_text = fs_err::read(&args.subjects)
        .context("cannot read the subjects file")
        .hint("pass a file with one identifier per line with --subjects FILE")?;
    let (subjects, policy_sha256) = match (&args.match_policy, &key) {
        (Some(path), Some(key)) => {
            let text = fs_err::read_to_string(path).context("cannot read the match policy")?;
            let policy = Policy::parse(&text, &path.display().to_string())?;
            let subjects = Subjects::through_policy(&subjects_text, &policy, &args.column, key)
                .map_err(erase_error)?;
            (subjects, Some(hex(&Sha256::digest(text.as_bytes()))))
        }
        _ => (
            Subjects::as_text(&subjects_text).map_err(erase_error)?,
            None,
        ),
    };
    drop(subjects_text);
    let ledger = open_ledger(&args.ledger)?;

    let destination = match &args.output {
        Some(path) => Destination::File {
            path,
            force: args.force,
        },
        None => Destination::InPlace,
    };
    let options = EraseOptions {
        column: args.column.clone(),
        format,
        csv,
        shred: ShredOptions::default(),
    };
    // The directory the new version is written in: what a crashed run may
    // have left there is shredded first.
    let temp_dir = args.output.as_deref().unwrap_or(&args.input).parent();
    crate::output::clean_stale_temps(match temp_dir {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    });
    let size = std::fs::metadata(&args.input).ok().map(|m| m.len());
    let progress = Progress::new(size, quiet);
    let result = erase_file(&args.input, destination, &subjects, &options, &|bytes| {
        progress.update(bytes);
    });
    progress.finish();

    let in_place = args.output.is_none();
    let input_name = args.input.display().to_string();
    let output_name = args
        .output
        .as_ref()
        .map_or_else(|| input_name.clone(), |p| p.display().to_string());
    let (result_name, caveats, old_failed) = match &result {
        Ok(report) => verdict(report, in_place, &input_name),
        Err(_) => ("failed", Vec::new(), false),
    };

    let mut entry_index = None;
    if let Some((ledger, signing_key)) = &ledger {
        let key = key
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked above: --ledger needs --key"));
        let tagger = SubjectTagger::new(key);
        let tags = subjects.tags(&tagger);
        let removed = result
            .as_ref()
            .map_or_else(|_| vec![0; tags.len()], |r| r.removed.clone());
        let mut by_tag: Vec<SubjectEvidence> = tags
            .iter()
            .zip(&removed)
            .map(|(t, &n)| SubjectEvidence {
                tag: t.to_string(),
                removed: n,
            })
            .collect();
        by_tag.sort_by(|a, b| a.tag.cmp(&b.tag));
        let not_found = by_tag
            .iter()
            .filter(|s| s.removed == 0)
            .map(|s| s.tag.clone())
            .collect();
        let entry = EraseEntry {
            header: header("erase", args.ledger.operator.as_deref(), result_name),
            started: started_at,
            format: format.name().to_owned(),
            input: match &result {
                Ok(r) => FileEvidence {
                    name: input_name.clone(),
                    bytes: r.input.bytes,
                    sha256: hex(&r.input.sha256),
                },
                Err(_) => file_evidence(&args.input),
            },
            output: result.as_ref().ok().map(|r| FileEvidence {
                name: output_name.clone(),
                bytes: r.output.bytes,
                sha256: hex(&r.output.sha256),
            }),
            in_place,
            column: args.column.clone(),
            matching: subjects.mode().describe(),
            match_policy_sha256: policy_sha256,
            key_id: key.id().to_string(),
            tag_construction: TAG_CONSTRUCTION.to_owned(),
            rows_before: result.as_ref().map_or(0, |r| r.rows_before),
            rows_after: result.as_ref().map_or(0, |r| r.rows_after),
            rows_removed: result.as_ref().map_or(0, |r| r.rows_before - r.rows_after),
            subjects: by_tag,
            subjects_not_found: not_found,
            verification: VerificationEvidence {
                method: REREAD_METHOD.to_owned(),
                result: match &result {
                    Ok(_) => "verified".to_owned(),
                    Err(EraseError::Verification { .. }) => "failed".to_owned(),
                    Err(_) => "not-run".to_owned(),
                },
            },
            old_version: result.as_ref().ok().and_then(|r| {
                r.old_version.as_ref().map(|old| OldVersionEvidence {
                    result: old.outcome.name().to_owned(),
                    shred: shred_evidence(old),
                })
            }),
            caveats: caveats.clone(),
            error: result.as_ref().err().map(|e| format!("{e}")),
        };
        match (ledger.append(&entry, signing_key), &result) {
            (Ok(appended), _) => entry_index = Some(appended.index),
            (Err(e), Ok(_)) => {
                return Err(anyhow::Error::new(e))
                    .context(format!(
                        "the rows were erased, but the erase could not be recorded in the ledger {}",
                        ledger.dir().display()
                    ))
                    .hint("fix the ledger (`oubli log verify`, `oubli log repair`); the erase itself is done");
            }
            (Err(e), Err(_)) => crate::error::render(
                &anyhow::Error::new(e)
                    .context("the failed erase could not be recorded in the ledger"),
            ),
        }
    }

    let report = result.map_err(erase_error)?;
    summarise(
        args,
        &report,
        &subjects,
        result_name,
        &caveats,
        entry_index,
        started,
        quiet,
    )?;
    if old_failed {
        let old = report.old_version.as_ref();
        crate::error::render(
            &anyhow::anyhow!(
                "the new version is in place, but its old version could not be shredded: {}",
                old.and_then(|o| o.error.as_deref())
                    .unwrap_or("unknown error")
            )
            .context(format!(
                "{} still holds the erased rows",
                old.and_then(|o| o.left_as.as_ref())
                    .map_or_else(|| "the old version".to_owned(), |p| p.display().to_string())
            )),
        );
        return Ok(Exit::Error);
    }
    Ok(Exit::Ok)
}

/// The entry's result and caveats, and whether the old version's shred failed.
fn verdict(report: &EraseReport, in_place: bool, input: &str) -> (&'static str, Vec<String>, bool) {
    let mut caveats = Vec::new();
    if !in_place {
        caveats.push(format!(
            "{input} was not modified and still holds the subjects' rows: shred or replace it when the erased copy has taken its place"
        ));
        return ("verified", caveats, false);
    }
    match report.old_version.as_ref().map(|o| o.outcome) {
        Some(Outcome::Verified) | None => ("verified", caveats, false),
        Some(Outcome::NotVerifiable | Outcome::WouldShred) => {
            caveats.push(
                "the rows are gone from the file (verified by re-reading it), but the overwrite of its old version could not be verified on this storage (see old_version.reasons)".to_owned(),
            );
            ("not-verifiable", caveats, false)
        }
        Some(Outcome::Failed) => {
            caveats
                .push("the old version could not be shredded: it still holds the rows".to_owned());
            ("failed", caveats, true)
        }
    }
}

/// An erase error, with a hint where one helps.
fn erase_error(e: EraseError) -> anyhow::Error {
    let hint = match &e {
        EraseError::OutputExists(_) => Some("pass --force to replace it, or choose another output"),
        EraseError::SameFile(_) => Some("to rewrite the file itself, use --in-place instead of -o"),
        EraseError::HardLinked { .. } => {
            Some("write the result elsewhere with -o OUTPUT, or remove the other links first")
        }
        EraseError::Unmatchable { .. } => Some(
            "erase from the unmasked original, or from a copy masked with `hash`, `encrypt` or `fpe`",
        ),
        EraseError::NotInPolicy(_) => Some(
            "pass the policy the data was masked with, and the masked column's name with --column",
        ),
        EraseError::Csv {
            source: oubli_csv::CsvError::Header(_),
            ..
        } => Some("name the column that holds the identifiers with --column"),
        EraseError::NoSubjects => Some("write one identifier per line in the subjects file"),
        EraseError::NoAtomicReplace { .. } => {
            Some("write the result to another file with -o OUTPUT")
        }
        _ => None,
    };
    match hint {
        Some(h) => Err::<(), _>(anyhow::Error::new(e)).hint(h).unwrap_err(),
        None => anyhow::Error::new(e),
    }
}

/// Name, size and SHA-256 of a file, read again (for failed jobs).
fn file_evidence(path: &Path) -> FileEvidence {
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    if let Ok(mut f) = std::fs::File::open(path) {
        let mut buf = vec![0u8; 1 << 20];
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
    }
    FileEvidence {
        name: path.display().to_string(),
        bytes,
        sha256: hex(&hasher.finalize()),
    }
}

fn csv_options(args: &EraseArgs) -> anyhow::Result<(DataFormat, CsvOptions)> {
    let ext = args
        .input
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match (args.format, ext.as_deref()) {
        (Some(f), _) => f,
        (None, Some("csv")) => Format::Csv,
        (None, Some("tsv" | "tab")) => Format::Tsv,
        (None, Some("parquet" | "pq")) => Format::Parquet,
        _ => {
            return Err(anyhow::anyhow!(
                "cannot tell the format of {} from its extension",
                args.input.display()
            ))
            .hint("pass --format csv or --format tsv");
        }
    };
    let default_delimiter = match format {
        Format::Csv => b',',
        Format::Tsv => b'\t',
        Format::Parquet => {
            if args.delimiter.is_some() {
                return Err(anyhow::anyhow!(
                    "--delimiter applies to CSV and TSV, not Parquet"
                ))
                .hint("leave out --delimiter");
            }
            b','
        }
    };
    let delimiter = match args.delimiter.as_deref() {
        None => default_delimiter,
        Some("tab" | "\\t" | "\t") => b'\t',
        Some(d) if d.len() == 1 && d.is_ascii() && d != "\"" && d != "\n" && d != "\r" => {
            d.as_bytes()[0]
        }
        Some(d) => {
            return Err(anyhow::anyhow!(
                "--delimiter `{d}` is not a single ASCII character"
            ))
            .hint("pass one character such as `;` or `|`, or `tab`");
        }
    };
    let data_format = if format == Format::Parquet {
        DataFormat::Parquet
    } else {
        DataFormat::Csv
    };
    Ok((
        data_format,
        CsvOptions {
            delimiter,
            threads: args.threads.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                usize::from,
            ),
            ..CsvOptions::default()
        },
    ))
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    args: &EraseArgs,
    report: &EraseReport,
    subjects: &Subjects,
    result: &str,
    caveats: &[String],
    entry: Option<u64>,
    started: Instant,
    quiet: bool,
) -> anyhow::Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    let removed = report.rows_before - report.rows_after;
    let not_found = report.removed.iter().filter(|&&n| n == 0).count();
    if args.json {
        let line = serde_json::json!({
            "format": "oubli.summary/1",
            "command": "erase",
            "input": args.input.display().to_string(),
            "output": report.output_path.display().to_string(),
            "in_place": args.output.is_none(),
            "rows_before": report.rows_before,
            "rows_after": report.rows_after,
            "rows_removed": removed,
            "subjects": subjects.len(),
            "subjects_not_found": not_found,
            "result": result,
            "old_version": report.old_version.as_ref().map(|o| o.outcome.name()),
            "ledger_entry": entry,
            "bytes_read": report.input.bytes,
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
        writeln!(io::stdout().lock(), "{line}")?;
    } else if !quiet {
        eprintln!(
            "erased {removed} rows of {} subject(s) ({not_found} not found) from {} → {}; re-read {} rows: no subject left",
            subjects.len(),
            args.input.display(),
            report.output_path.display(),
            report.verification.rows,
        );
        if let Some(old) = &report.old_version {
            eprintln!(
                "old version: {}{}",
                old.outcome,
                old.reasons
                    .first()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            );
        }
        for c in caveats {
            eprintln!("note: {c}");
        }
        if let Some(i) = entry {
            eprintln!("recorded as entry {i} ({result})");
        }
    }
    Ok(())
}
