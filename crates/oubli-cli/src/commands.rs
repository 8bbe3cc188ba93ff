//! The commands: each turns parsed arguments into calls to the library crates.

use std::io::{self, Read, Write as _};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use oubli_core::{AnyKey, MasterKey, SigningKey};
use oubli_csv::{CsvOptions, Direction, MaskReport};
use oubli_policy::Policy;
use sha2::{Digest as _, Sha256};

use crate::cli::{Cli, Command, Format, JobArgs, KeyCommand};
use crate::error::{Exit, Hint as _};
use crate::keyfile;
use crate::output::Output;
use crate::progress::Progress;

/// Runs one command.
pub(crate) fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Key(cmd) => key(cmd, cli.quiet),
        Command::Mask(args) => job(&args, Direction::Mask, cli.quiet),
        Command::Unmask(args) => job(&args, Direction::Unmask, cli.quiet),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn key(cmd: KeyCommand, quiet: bool) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    match cmd {
        KeyCommand::New { output, signing } => {
            let (text, id) = if signing {
                let key = SigningKey::generate()?;
                (key.to_key_file(&now_rfc3339()), key.id())
            } else {
                let key = MasterKey::generate()?;
                (key.to_key_file(&now_rfc3339()), key.id().to_string())
            };
            keyfile::write_new(&output, &text)?;
            if !quiet {
                let kind = if signing { "signing key" } else { "master key" };
                eprintln!(
                    "wrote {kind} {id} to {} (mode 0600); keep it secret and back it up",
                    output.display()
                );
            }
        }
        KeyCommand::Public { file, name } => {
            let key = keyfile::read_signing(&file)?;
            let verifier = key.verifier_key(&name)?;
            writeln!(stdout, "{verifier}")?;
        }
        KeyCommand::Id { file } => match keyfile::read_any(&file)? {
            AnyKey::Master(key) => writeln!(stdout, "{}", key.id())?,
            AnyKey::Signing(key) => writeln!(stdout, "{}", key.id())?,
        },
    }
    Ok(Exit::Ok)
}

/// The input format and delimiter a job uses.
fn csv_options(args: &JobArgs) -> anyhow::Result<CsvOptions> {
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
    let format = match args.format {
        Some(f) => f,
        None => by_extension()?,
    };
    let default_delimiter = match format {
        Format::Csv => b',',
        Format::Tsv => b'\t',
        Format::Parquet => {
            return Err(anyhow::anyhow!(
                "Parquet input is not supported by this version of oubli yet"
            ))
            .hint("convert the file to CSV for now");
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

fn job(args: &JobArgs, direction: Direction, quiet: bool) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let options = csv_options(args)?;
    let key = keyfile::read_master(&args.key)?;
    let policy_text = fs_err::read_to_string(&args.policy)
        .with_context(|| "cannot read the policy")
        .hint("pass the policy file with --policy FILE")?;
    let policy_name = args.policy.display().to_string();
    let policy = Policy::parse(&policy_text, &policy_name)?;
    let policy_sha256 = Sha256::digest(policy_text.as_bytes());

    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if args.input == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let file = fs_err::File::open(&args.input)
            .context("cannot open the input")
            .hint("check the path of INPUT")?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            bail!("input {} is a directory; name a file", args.input);
        }
        (Box::new(file), Some(meta.len()))
    };
    let output = Output::create(&args.output, &args.input, args.force)?;
    let mut writer = output.writer()?;
    let progress = Progress::new(size, quiet);

    let result = oubli_csv::mask(
        input,
        &mut writer,
        &policy,
        direction,
        &key,
        &options,
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
    let target = output.target().map(Path::to_path_buf);
    output.commit()?;
    summarise(
        args,
        direction,
        &report,
        &key,
        &policy_sha256,
        started,
        target.as_deref(),
        quiet,
    )?;
    Ok(Exit::Ok)
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
    key: &MasterKey,
    policy_sha256: &[u8],
    started: Instant,
    target: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    let verb = match direction {
        Direction::Mask => "mask",
        Direction::Unmask => "unmask",
    };
    let mut by_transform: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for column in report.plan.columns() {
        by_transform
            .entry(column.transform_name())
            .or_default()
            .push(&column.name);
    }
    if args.json {
        let policy_hex: String = policy_sha256.iter().map(|b| format!("{b:02x}")).collect();
        let line = serde_json::json!({
            "format": "oubli.summary/1",
            "command": verb,
            "input": args.input,
            "output": args.output,
            "rows": report.summary.records,
            "bytes_read": report.summary.bytes_read,
            "columns": by_transform,
            "key_id": key.id().to_string(),
            "policy_sha256": policy_hex,
            "threads": args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from),
            "seconds": (seconds * 1000.0).round() / 1000.0,
        });
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
            "{verb}ed {} rows ({}) in {seconds:.2} s, {:.1} MB/s, key {} → {}",
            report.summary.records,
            columns.join(", "),
            if seconds > 0.0 { mb / seconds } else { 0.0 },
            key.id(),
            target.map_or("stdout".into(), |p| p.display().to_string()),
        );
    }
    Ok(())
}
