//! `oubli mask` and `oubli unmask`.

use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use oubli_core::{MasterKey, SigningKey};
pub(crate) use oubli_csv::Direction;
use oubli_csv::{CsvOptions, MaskReport};
use oubli_ledger::Ledger;
use oubli_ledger::entry::{ColumnEvidence, FileEvidence, MaskEntry};
use oubli_policy::{Policy, RiskPolicy};
use sha2::{Digest as _, Sha256};

use super::evidence::{Digest, HashingReader, HashingWriter, header, hex};
use super::mask_risk::{self, Checked, Layout, RiskCheckFailed};
use super::now_rfc3339;
use crate::cli::{Format, JobArgs};
use crate::error::{Exit, Hint as _};
use crate::keyfile;
use crate::output::Output;
use crate::progress::Progress;

/// The format of a job's input: `--format`, else its extension (`-` is CSV).
fn job_format(args: &JobArgs) -> anyhow::Result<Format> {
    let by_extension = || match Path::new(&args.input).extension().and_then(|e| e.to_str()) {
        _ if args.input == "-" => Ok(Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("csv") => Ok(Format::Csv),
        Some(e) if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") => {
            Ok(Format::Tsv)
        }
        Some(e) if e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq") => {
            Ok(Format::Parquet)
        }
        _ => Err(anyhow::anyhow!(
            "cannot tell the format of {} from its extension",
            args.input
        ))
        .hint("pass --format csv or --format tsv"),
    };
    match args.format {
        Some(f) => Ok(f),
        None => by_extension(),
    }
}

/// Which engine runs a job.
enum Engine {
    /// CSV or TSV, with its delimiter and threads.
    Csv(CsvOptions),
    /// Parquet (options are made in [`execute_parquet`]).
    Parquet,
}

/// The engine of a job, with the checks that need neither key nor policy.
fn job_engine(args: &JobArgs) -> anyhow::Result<Engine> {
    let format = job_format(args)?;
    if format != Format::Parquet {
        if args.compression.is_some() || args.row_group_size.is_some() {
            return Err(anyhow::anyhow!(
                "--compression and --row-group-size apply to Parquet output only"
            ))
            .hint("leave them out for CSV and TSV");
        }
        return csv_options(args, format).map(Engine::Csv);
    }
    if args.delimiter.is_some() {
        return Err(anyhow::anyhow!(
            "--delimiter applies to CSV and TSV, not Parquet"
        ))
        .hint("leave out --delimiter");
    }
    if let Some(codec) = &args.compression {
        oubli_parquet::parse_compression(codec)
            .map_err(|e| anyhow::anyhow!("--compression {e}"))?;
    }
    if args.input == "-" {
        return Err(anyhow::anyhow!(
            "Parquet input cannot be read from stdin: a Parquet file's footer is at its end, so oubli needs a seekable file"
        ))
        .hint("save the data to a file and pass its path as INPUT");
    }
    if args.output == "-" && io::IsTerminal::is_terminal(&io::stdout()) {
        return Err(anyhow::anyhow!(
            "refusing to write binary Parquet to a terminal"
        ))
        .hint("pass -o FILE, or redirect stdout to a file or a pipe");
    }
    Ok(Engine::Parquet)
}

/// The delimiter and threads of a CSV or TSV job.
fn csv_options(args: &JobArgs, format: Format) -> anyhow::Result<CsvOptions> {
    let default_delimiter = match format {
        Format::Tsv => b'\t',
        Format::Csv | Format::Parquet => b',',
    };
    let delimiter = match args.delimiter.as_deref() {
        None => default_delimiter,
        Some("tab" | "\\t" | "\t") => b'\t',
        Some(d @ ("\"" | "\n" | "\r")) => {
            return Err(anyhow::anyhow!(
                "--delimiter {d:?} cannot be used: quotes and line breaks have their own meaning in CSV"
            ))
            .hint("pass a character such as `;` or `|`, or `tab`");
        }
        Some(d) if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
        Some(d) => {
            return Err(anyhow::anyhow!(
                "--delimiter `{d}` is not a single ASCII character"
            ))
            .hint("pass one character such as `;` or `|`, or `tab`");
        }
    };
    let threads = match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    Ok(CsvOptions {
        delimiter,
        threads,
        ..CsvOptions::default()
    })
}

/// Runs `oubli mask` or `oubli unmask`.
pub(crate) fn run(args: &JobArgs, direction: Direction, quiet: bool) -> anyhow::Result<Exit> {
    let started_at = now_rfc3339();
    let started = Instant::now();
    let engine = job_engine(args)?;
    let key = keyfile::read_master(&args.key)?;
    let policy_text = fs_err::read_to_string(&args.policy)
        .context("cannot read the policy")
        .hint("pass the policy file with --policy FILE")?;
    let mut policy = Policy::parse(&policy_text, &args.policy.display().to_string())?;
    // Hierarchy and dictionary files are relative to the policy file's directory.
    let policy_dir = args.policy.parent().unwrap_or(std::path::Path::new(""));
    // Each is recorded with its hash: it decides the output as much as the
    // policy file does.
    let mut policy_files = Vec::new();
    policy.load_files(&mut |path| {
        let text = fs_err::read_to_string(policy_dir.join(path))?;
        if !policy_files.iter().any(|f: &FileEvidence| f.name == path) {
            policy_files.push(FileEvidence {
                name: path.to_owned(),
                bytes: text.len() as u64,
                sha256: hex(&Sha256::digest(text.as_bytes())),
            });
        }
        Ok(text)
    })?;
    // Per-subject columns: the vault's keys (mask holds its lock to the end).
    super::vault::open_for_job(args, &mut policy, &key, direction, quiet)?;
    let policy_sha256 = hex(&Sha256::digest(policy_text.as_bytes()));
    let ledger = open_ledger(args)?;
    // `unmask` restores data: a re-identification check has no meaning there.
    let risk = match direction {
        Direction::Mask => policy.risk.as_ref(),
        Direction::Unmask => None,
    };

    let mut input_digest = Digest::default();
    let mut output_digest = Digest::default();
    let logged = ledger.is_some();
    let result = match &engine {
        Engine::Csv(options) => execute(
            args,
            direction,
            quiet,
            options,
            &key,
            &policy,
            risk,
            logged.then_some(&mut input_digest),
            logged.then_some(&mut output_digest),
        ),
        Engine::Parquet => execute_parquet(
            args,
            direction,
            quiet,
            &key,
            &policy,
            &policy_sha256,
            risk,
            logged.then_some(&mut input_digest),
            logged.then_some(&mut output_digest),
        ),
    };

    let mut entry_index = None;
    let risk_failed = result
        .as_ref()
        .err()
        .and_then(|e| e.downcast_ref::<RiskCheckFailed>());
    if let Some((ledger, signing_key)) = &ledger {
        let entry = MaskEntry {
            header: header(
                verb(direction),
                args.operator.as_deref(),
                if result.is_ok() { "ok" } else { "failed" },
            ),
            started: started_at,
            input: input_digest.evidence(&args.input),
            output: result.is_ok().then(|| output_digest.evidence(&args.output)),
            policy_sha256: policy_sha256.clone(),
            policy_files,
            key_id: key.id().to_string(),
            rows: match (&result, risk_failed) {
                (Ok(done), _) => done.report.summary.records,
                (Err(_), Some(failed)) => failed.rows,
                (Err(_), None) => 0,
            },
            columns: match (&result, risk_failed) {
                (Ok(done), _) => columns_evidence(&done.report),
                (Err(_), Some(failed)) => failed.columns.clone(),
                (Err(_), None) => Vec::new(),
            },
            risk: match (&result, risk_failed) {
                (Ok(done), _) => done.risk.as_ref().map(|c| c.evidence.clone()),
                (Err(_), Some(failed)) => Some(failed.evidence.clone()),
                (Err(_), None) => None,
            },
            vault: super::vault::evidence(&policy, direction),
            error: match (&result, risk_failed) {
                (Err(_), Some(failed)) => Some(failed.to_string()),
                (result, _) => result.as_ref().err().map(crate::error::one_line),
            },
        };
        let appended = ledger.append(&entry, signing_key);
        match (&result, appended) {
            (_, Ok(appended)) => entry_index = Some(appended.index),
            (Ok(_), Err(e)) => {
                return Err(anyhow::Error::new(e))
                    .context(format!(
                        "the output was written, but the job could not be recorded in the ledger {}",
                        ledger.dir().display()
                    ))
                    .hint("fix the ledger (`oubli log verify`, `oubli log repair`), then run the job again with --force");
            }
            (Err(_), Err(e)) => {
                crate::error::render(
                    &anyhow::Error::new(e)
                        .context("the failed job could not be recorded in the ledger"),
                );
            }
        }
    }
    let done = match result {
        Ok(done) => done,
        Err(e) if risk_failed.is_some() => {
            // The check ran and failed: exit 1, like `oubli risk --k`.
            crate::error::render(&e);
            return Ok(Exit::CheckFailed);
        }
        Err(e) => return Err(e),
    };
    summarise(
        args,
        direction,
        &done.report,
        done.risk.as_ref(),
        &key,
        &policy_sha256,
        started,
        entry_index,
        quiet,
    )?;
    super::vault::report(&policy, quiet);
    Ok(Exit::Ok)
}

/// `mask` or `unmask`.
fn verb(direction: Direction) -> &'static str {
    match direction {
        Direction::Mask => "mask",
        Direction::Unmask => "unmask",
    }
}

/// The ledger and its signing key, checked before the job runs.
fn open_ledger(args: &JobArgs) -> anyhow::Result<Option<(Ledger, SigningKey)>> {
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

fn columns_evidence(report: &MaskReport) -> Vec<ColumnEvidence> {
    report
        .plan
        .columns()
        .iter()
        .zip(report.values.iter().copied().chain(std::iter::repeat(0)))
        .map(|(c, values)| ColumnEvidence {
            name: c.name.clone(),
            transform: c.transform_name().to_owned(),
            values,
        })
        .collect()
}

/// What a job that ran to the end did.
struct Done {
    report: MaskReport,
    /// The `[risk]` check, if the policy has one (`mask` only).
    risk: Option<Checked>,
}

/// The job's output (a temporary file until committed) and a writer over it
/// that hashes what it writes when the job is logged. With `spool`, stdout is
/// held in a temporary file too, so that it can be checked first.
fn open_output<'d>(
    args: &JobArgs,
    digest: Option<&'d mut Digest>,
    spool: bool,
) -> anyhow::Result<(Output, Box<dyn Write + Send + 'd>)> {
    let create = if spool {
        Output::create_spooled
    } else {
        Output::create
    };
    let output = create(
        &args.output,
        &args.input,
        &[&args.key, &args.policy],
        args.force,
    )?;
    let writer = output.writer()?;
    let writer: Box<dyn Write + Send + 'd> = match digest {
        Some(digest) => Box::new(HashingWriter::new(writer, digest)),
        None => writer,
    };
    Ok((output, writer))
}

/// Reads, transforms and writes; the output is in place when this returns `Ok`.
#[allow(clippy::too_many_arguments)]
fn execute(
    args: &JobArgs,
    direction: Direction,
    quiet: bool,
    options: &CsvOptions,
    key: &MasterKey,
    policy: &Policy,
    risk: Option<&RiskPolicy>,
    input_digest: Option<&mut Digest>,
    mut output_digest: Option<&mut Digest>,
) -> anyhow::Result<Done> {
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if args.input == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let (file, len) = open_input(&args.input)?;
        (Box::new(file), Some(len))
    };
    let input: Box<dyn Read + Send + '_> = match input_digest {
        Some(digest) => Box::new(HashingReader::new(input, digest)),
        None => input,
    };
    let (mut output, mut writer) = open_output(
        args,
        output_digest.as_deref_mut(),
        risk.is_some() || policy.vault.is_some(),
    )?;
    let progress = Progress::new(size, quiet);
    let result = oubli_csv::mask(
        input,
        &mut writer,
        policy,
        direction,
        key,
        options,
        &|bytes| {
            progress.update(bytes);
        },
    );
    progress.finish();
    let report = result.map_err(|e| describe_input_error(e, &args.input))?;
    writer.flush().with_context(|| {
        format!(
            "cannot write {}",
            output
                .target()
                .map_or("stdout".into(), |p| p.display().to_string())
        )
    })?;
    drop(writer);
    let checked = match risk {
        Some(risk) => {
            let layout = Layout::Csv {
                delimiter: options.delimiter,
                threads: options.threads,
            };
            let checked = mask_risk::check(
                &mut output,
                risk,
                layout,
                args,
                quiet,
                report.summary.records,
                || columns_evidence(&report),
            )?;
            rehash(&output, &checked, output_digest)?;
            Some(checked)
        }
        None => None,
    };
    // New subject keys are saved before the output that uses them appears.
    super::vault::persist(policy)?;
    output.commit()?;
    Ok(Done {
        report,
        risk: checked,
    })
}

/// After records were suppressed, the output's digest is that of the
/// rewritten file.
fn rehash(output: &Output, checked: &Checked, digest: Option<&mut Digest>) -> anyhow::Result<()> {
    let (Some(digest), Some(path)) = (digest, output.temp_path()) else {
        return Ok(());
    };
    if checked.evidence.records_suppressed == 0 {
        return Ok(());
    }
    *digest = Digest::default();
    let mut hashing = HashingReader::new(
        fs_err::File::open(path).context("cannot read the output back")?,
        digest,
    );
    io::copy(&mut hashing, &mut io::sink()).context("cannot read the output back")?;
    Ok(())
}

/// [`execute`] for Parquet: the input must be a file (the reader seeks), so its
/// digest for the ledger is computed by reading it once more.
#[allow(clippy::too_many_arguments)]
fn execute_parquet(
    args: &JobArgs,
    direction: Direction,
    quiet: bool,
    key: &MasterKey,
    policy: &Policy,
    policy_sha256: &str,
    risk: Option<&RiskPolicy>,
    input_digest: Option<&mut Digest>,
    mut output_digest: Option<&mut Digest>,
) -> anyhow::Result<Done> {
    let file = fs_err::File::open(&args.input)
        .context("cannot open the input")
        .hint("check the path of INPUT")?;
    let size = file.metadata()?.len();
    if file.metadata()?.is_dir() {
        bail!("input {} is a directory; name a file", args.input);
    }
    let file = file.into_file();
    if let Some(digest) = input_digest {
        let mut hashing = HashingReader::new(
            fs_err::File::open(&args.input).context("cannot open the input")?,
            digest,
        );
        io::copy(&mut hashing, &mut io::sink())
            .with_context(|| format!("cannot read {}", args.input))?;
    }
    let (mut output, mut writer) = open_output(
        args,
        output_digest.as_deref_mut(),
        risk.is_some() || policy.vault.is_some(),
    )?;
    let options = oubli_parquet::ParquetOptions {
        threads: match args.threads {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        },
        compression: match &args.compression {
            Some(codec) => {
                Some(oubli_parquet::parse_compression(codec).map_err(anyhow::Error::msg)?)
            }
            None => None,
        },
        row_group_size: args
            .row_group_size
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        policy_sha256: policy_sha256.to_owned(),
        input_name: args.input.clone(),
        ..oubli_parquet::ParquetOptions::default()
    };
    // The progress bar counts input bytes; rows are turned into bytes in
    // proportion to the file's row count.
    let total_rows = oubli_parquet::row_count(&file, &args.input).unwrap_or(0);
    let progress = Progress::new(Some(size), quiet);
    let result = oubli_parquet::mask(
        file,
        &mut writer,
        policy,
        direction,
        key,
        &options,
        &|rows| {
            if total_rows > 0 {
                progress
                    .update((u128::from(rows) * u128::from(size) / u128::from(total_rows)) as u64);
            }
        },
    );
    progress.finish();
    let report = result.map_err(|e| match e {
        oubli_parquet::ParquetError::Policy(policy_error) => anyhow::Error::new(policy_error),
        other => anyhow::Error::new(other),
    })?;
    writer.flush().with_context(|| {
        format!(
            "cannot write {}",
            output
                .target()
                .map_or("stdout".into(), |p| p.display().to_string())
        )
    })?;
    drop(writer);
    // The CSV report's shape, so that the summary and the ledger entry are
    // written by the same code for both formats.
    let report = MaskReport {
        summary: oubli_csv::Summary {
            records: report.rows,
            bytes_read: size,
            had_bom: false,
            terminator: oubli_csv::Terminator::Lf,
        },
        plan: report.plan,
        values: report.values_per_column,
    };
    let checked = match risk {
        Some(risk) => {
            let checked = mask_risk::check(
                &mut output,
                risk,
                Layout::Parquet,
                args,
                quiet,
                report.summary.records,
                || columns_evidence(&report),
            )?;
            rehash(&output, &checked, output_digest)?;
            Some(checked)
        }
        None => None,
    };
    // New subject keys are saved before the output that uses them appears.
    super::vault::persist(policy)?;
    output.commit()?;
    Ok(Done {
        report,
        risk: checked,
    })
}

/// Adds the input's name to an engine error.
fn describe_input_error<E>(e: oubli_csv::CsvError<E>, input: &str) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    let name = if input == "-" { "stdin" } else { input };
    match e {
        oubli_csv::CsvError::Header(policy_error) => anyhow::Error::new(policy_error),
        other => anyhow::Error::new(InputError {
            name: name.to_owned(),
            error: Box::new(other),
        }),
    }
}

/// An engine error prefixed with the input's name: `data.csv: line 7: …`.
#[derive(Debug)]
struct InputError {
    name: String,
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.error)
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    args: &JobArgs,
    direction: Direction,
    report: &MaskReport,
    risk: Option<&Checked>,
    key: &MasterKey,
    policy_sha256: &str,
    started: Instant,
    ledger_entry: Option<u64>,
    quiet: bool,
) -> anyhow::Result<()> {
    let target = (args.output != "-").then(|| Path::new(&args.output));
    let seconds = started.elapsed().as_secs_f64();
    let verb = verb(direction);
    let mut by_transform: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for column in report.plan.columns() {
        by_transform
            .entry(column.transform_name())
            .or_default()
            .push(&column.name);
    }
    if args.json {
        let mut line = serde_json::json!({
            "format": "oubli.summary/1",
            "command": verb,
            "input": args.input,
            "output": args.output,
            "rows": report.summary.records,
            "bytes_read": report.summary.bytes_read,
            "columns": by_transform,
            "key_id": key.id().to_string(),
            "policy_sha256": policy_sha256,
            "ledger_entry": ledger_entry,
            "threads": args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
        if let (Some(checked), Some(object)) = (risk, line.as_object_mut()) {
            object.insert("risk".into(), checked.json.clone());
        }
        if target.is_some() {
            writeln!(io::stdout().lock(), "{line}")?;
        } else {
            eprintln!("{line}");
        }
    } else if !quiet {
        let columns: Vec<String> = by_transform
            .iter()
            .map(|(t, cols)| format!("{} {t}", cols.len()))
            .collect();
        let mb = report.summary.bytes_read as f64 / 1e6;
        eprintln!(
            "{verb}ed {} row{} ({}) in {seconds:.2} s, {:.1} MB/s, key {} → {}",
            report.summary.records,
            if report.summary.records == 1 { "" } else { "s" },
            columns.join(", "),
            if seconds > 0.0 { mb / seconds } else { 0.0 },
            key.id(),
            target.map_or("stdout".into(), |p| p.display().to_string()),
        );
    }
    Ok(())
}

/// Opens the input file INPUT for reading; returns it and its length. A
/// directory is refused with a message that says so.
pub(super) fn open_input(input: &str) -> anyhow::Result<(fs_err::File, u64)> {
    let file = fs_err::File::open(input)
        .context("cannot open the input")
        .hint("check the path of INPUT")?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        bail!("input {input} is a directory; name a file");
    }
    Ok((file, meta.len()))
}
