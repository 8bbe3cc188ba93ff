//! `oubli risk` (CSV, TSV or Parquet), and the CSV/TSV input it shares with
//! `oubli scan`.

use std::io::{self, Read, Write as _};
use std::path::Path;
use std::time::Instant;

use anyhow::bail;
use oubli_risk::{Attributes, DEFAULT_K, RiskCounter, RiskError, RiskReport};

use crate::cli::{Format, RiskArgs};
use crate::error::{Exit, Hint as _};
use crate::progress::Progress;

/// A CSV or TSV input, opened, its header read.
pub(super) struct Table {
    /// How messages name the input: its path, or `stdin`.
    pub(super) name: String,
    /// Its size in bytes, if a file.
    pub(super) size: Option<u64>,
    pub(super) records: oubli_csv::Records<Box<dyn Read + Send>>,
}

/// Opens INPUT (`-` for stdin) as CSV or TSV: `--format`, else the extension.
pub(super) fn open_table(
    input: &str,
    format: Option<Format>,
    delimiter: Option<&str>,
) -> anyhow::Result<Table> {
    let format = input_format(input, format)?;
    let delimiter = match (format, delimiter) {
        (Format::Parquet, _) => {
            bail!("internal error: a Parquet input reached the CSV reader");
        }
        (Format::Tsv, None) => b'\t',
        (Format::Csv, None) => b',',
        (_, Some("tab" | "\\t" | "\t")) => b'\t',
        (_, Some(d @ ("\"" | "\n" | "\r"))) => {
            return Err(anyhow::anyhow!(
                "--delimiter {d:?} cannot be used: quotes and line breaks have their own meaning in CSV"
            ))
            .hint("pass a character such as `;` or `|`, or `tab`");
        }
        (_, Some(d)) if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
        (_, Some(d)) => {
            return Err(anyhow::anyhow!(
                "--delimiter `{d}` is not a single ASCII character"
            ))
            .hint("pass one character such as `;` or `|`, or `tab`");
        }
    };
    let (reader, size, name): (Box<dyn Read + Send>, _, _) = if input == "-" {
        (Box::new(io::stdin()), None, "stdin".to_owned())
    } else {
        let (file, len) = super::job::open_input(input)?;
        (Box::new(file), Some(len), input.to_owned())
    };
    let records = oubli_csv::Records::new(reader, delimiter).map_err(|e| input_error(e, &name))?;
    Ok(Table {
        name,
        size,
        records,
    })
}

/// The format of INPUT: `--format`, else its extension (`-` is CSV).
pub(super) fn input_format(input: &str, format: Option<Format>) -> anyhow::Result<Format> {
    Ok(match format {
        Some(f) => f,
        None if input == "-" => Format::Csv,
        None => match Path::new(input).extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            Some(e) if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") => {
                Format::Tsv
            }
            Some(e) if e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq") => {
                Format::Parquet
            }
            _ => {
                return Err(anyhow::anyhow!(
                    "cannot tell the format of {input} from its extension"
                ))
                .hint("pass --format csv, --format tsv or --format parquet");
            }
        },
    })
}

/// An engine error prefixed with the input's name: `data.csv: line 7: …`.
pub(super) fn input_error(
    e: oubli_csv::CsvError<std::convert::Infallible>,
    name: &str,
) -> anyhow::Error {
    anyhow::Error::new(InputError {
        name: name.to_owned(),
        error: e,
    })
}

#[derive(Debug)]
struct InputError {
    name: String,
    error: oubli_csv::CsvError<std::convert::Infallible>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.error)
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

/// Runs `oubli risk`.
pub(crate) fn run(args: &RiskArgs, quiet: bool) -> anyhow::Result<Exit> {
    let started = Instant::now();
    if input_format(&args.input, args.format)? == Format::Parquet {
        return run_parquet(args, quiet, started);
    }
    let Table {
        name,
        size,
        mut records,
    } = open_table(&args.input, args.format, args.delimiter.as_deref())?;
    let attributes = resolve(records.header(), args)?;
    let mut counter = RiskCounter::for_attributes(&attributes);
    let progress = Progress::new(size, quiet);
    let mut record = csv::ByteRecord::new();
    loop {
        match records.read_record(&mut record) {
            Ok(true) => counter.add_record(&attributes, &record),
            Ok(false) => break,
            Err(e) => {
                progress.finish();
                return Err(input_error(e, &name));
            }
        }
        if counter.records().is_multiple_of(16_384) {
            progress.update(records.bytes_read());
        }
    }
    progress.finish();
    report(args, &name, &counter, records.bytes_read(), started)
}

/// `oubli risk` of a Parquet file: only the named top-level columns are
/// decoded, each value compared through its canonical text (as `[risk]` reads
/// a Parquet output, `docs/RISK.md` §3).
fn run_parquet(args: &RiskArgs, quiet: bool, started: Instant) -> anyhow::Result<Exit> {
    let (file, len) = open_parquet(&args.input, args.delimiter.as_deref())?;
    let name = args.input.as_str();
    let header = oubli_parquet::top_level_columns(file.file(), name)?;
    resolve(&header, args)?;
    let (columns, attributes) = projection(&args.quasi, args.sensitive.as_deref())?;
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut counter = RiskCounter::for_attributes(&attributes);
    // Progress in bytes (as for CSV), estimated from the rows read.
    let rows = oubli_parquet::row_count(file.file(), name)?.max(1);
    let progress = Progress::new(Some(len), quiet);
    oubli_parquet::rows::for_each_row(file.file(), name, &names, |row| {
        counter.add_record(&attributes, &row);
        if counter.records().is_multiple_of(16_384) {
            let done = u128::from(len) * u128::from(counter.records()) / u128::from(rows);
            progress.update(u64::try_from(done).unwrap_or(u64::MAX));
        }
    })?;
    progress.finish();
    report(args, name, &counter, len, started)
}

/// Opens INPUT, a Parquet file, for `risk` or `scan`: a named file (its
/// footer is at its end, so not stdin), without `--delimiter`.
pub(super) fn open_parquet(
    input: &str,
    delimiter: Option<&str>,
) -> anyhow::Result<(fs_err::File, u64)> {
    if input == "-" {
        bail!(
            "Parquet cannot be read from stdin (its footer is at the end of the file); name the file"
        );
    }
    if delimiter.is_some() {
        bail!("--delimiter is for CSV and TSV input; {input} is Parquet");
    }
    super::job::open_input(input)
}

/// The columns a Parquet pass decodes (the quasi-identifiers, then the
/// sensitive attribute) and their roles among them. The names were already
/// checked against the file's columns.
pub(super) fn projection(
    quasi: &[String],
    sensitive: Option<&str>,
) -> anyhow::Result<(Vec<String>, Attributes)> {
    let columns: Vec<String> = quasi
        .iter()
        .cloned()
        .chain(sensitive.map(str::to_owned))
        .collect();
    let attributes = Attributes::resolve(&columns, quasi, sensitive)
        .map_err(|e| anyhow::anyhow!("internal error: the columns to measure: {e}"))?;
    Ok((columns, attributes))
}

/// The quasi-identifiers and the sensitive attribute among `header`.
fn resolve(header: &[String], args: &RiskArgs) -> anyhow::Result<Attributes> {
    Attributes::resolve(header, &args.quasi, args.sensitive.as_deref()).map_err(|e| {
        let hint = match e {
            RiskError::UnknownColumn { .. } | RiskError::NoQuasiIdentifiers => {
                "name columns exactly as in the header (case and spaces count), quasi-identifiers separated by commas"
            }
            _ => "name each column once: the quasi-identifiers with --quasi, the sensitive attribute with --sensitive",
        };
        anyhow::Error::new(e).context(crate::error::hint_marker(hint))
    })
}

/// Prints the report of `counter` and checks `--k`.
fn report(
    args: &RiskArgs,
    name: &str,
    counter: &RiskCounter,
    bytes_read: u64,
    started: Instant,
) -> anyhow::Result<Exit> {
    let report = counter.report(args.k.unwrap_or(DEFAULT_K));
    let check = args.k.map(|_| report.meets_k());

    let mut stdout = io::stdout().lock();
    if args.json {
        let line = json_report(
            &args.quasi,
            args.sensitive.as_deref(),
            name,
            &report,
            check,
            bytes_read,
            started,
        );
        writeln!(stdout, "{line}")?;
    } else {
        let table = table_report(&args.quasi, args.sensitive.as_deref(), &report, check, None);
        stdout.write_all(table.as_bytes())?;
    }
    stdout.flush()?;

    if check == Some(false) {
        let n = report.k_threshold;
        let k = report.k.unwrap_or(0);
        let error = anyhow::anyhow!(
            "k-anonymity check failed: the smallest equivalence class has {k} record{}, fewer than --k {n}; {} record{} ({}) {} in {} class{} smaller than {n}",
            plural(k),
            report.records_below_k,
            plural(report.records_below_k),
            percent(report.share_below_k().unwrap_or(0.0)),
            if report.records_below_k == 1 { "is" } else { "are" },
            report.classes_below_k,
            if report.classes_below_k == 1 { "" } else { "es" },
        )
        .context(crate::error::hint_marker(
            "coarsen the quasi-identifiers (for example `mask` a date down to its year) or leave some out, then measure the output again",
        ));
        crate::error::render(&error);
        return Ok(Exit::CheckFailed);
    }
    Ok(Exit::Ok)
}

pub(super) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `12.3%`.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// The `--json` line (`oubli.risk/1`). `oubli mask` prints it too, for a
/// policy's `[risk]` check.
pub(super) fn json_report(
    quasi: &[String],
    sensitive: Option<&str>,
    name: &str,
    report: &RiskReport,
    check: Option<bool>,
    bytes_read: u64,
    started: Instant,
) -> serde_json::Value {
    let histogram: Vec<serde_json::Value> = report
        .histogram
        .iter()
        .map(|b| {
            serde_json::json!({
                "sizes": b.label(),
                "min": b.min,
                "max": b.max,
                "classes": b.classes,
                "records": b.records,
            })
        })
        .collect();
    serde_json::json!({
        "format": "oubli.risk/1",
        "input": name,
        "quasi": quasi,
        "sensitive": sensitive,
        "records": report.records,
        "classes": report.classes,
        "k": report.k,
        "k_threshold": report.k_threshold,
        "records_below_k": report.records_below_k,
        "classes_below_k": report.classes_below_k,
        "share_below_k": report.share_below_k(),
        "l": report.l,
        "max_risk": report.max_risk(),
        "avg_risk": report.avg_risk(),
        "histogram": histogram,
        "check": check.map(|passed| if passed { "passed" } else { "failed" }),
        "bytes_read": bytes_read,
        "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    })
}

/// The human report: a compact table. `l_check` is the l-diversity threshold
/// of a policy's `[risk]` check and whether it was met.
pub(super) fn table_report(
    quasi: &[String],
    sensitive: Option<&str>,
    report: &RiskReport,
    check: Option<bool>,
    l_check: Option<(u64, bool)>,
) -> String {
    let none = || "-".to_owned();
    let mut rows: Vec<(String, String, String)> = vec![
        ("records".into(), report.records.to_string(), String::new()),
        (
            "equivalence classes".into(),
            report.classes.to_string(),
            format!("over {}", quasi.join(", ")),
        ),
        (
            "k (smallest class)".into(),
            report.k.map_or_else(none, |k| k.to_string()),
            String::new(),
        ),
        (
            format!("records in classes < {}", report.k_threshold),
            report.records_below_k.to_string(),
            report.share_below_k().map_or_else(String::new, |s| {
                format!(
                    "{} of records, in {} class{}",
                    percent(s),
                    report.classes_below_k,
                    if report.classes_below_k == 1 {
                        ""
                    } else {
                        "es"
                    }
                )
            }),
        ),
    ];
    if let Some(sensitive) = sensitive {
        rows.push((
            "l (distinct-value diversity)".into(),
            report.l.map_or_else(none, |l| l.to_string()),
            format!("of {sensitive}"),
        ));
    }
    rows.push((
        "highest risk".into(),
        report.max_risk().map_or_else(none, |r| format!("{r:.4}")),
        "1 / k".into(),
    ));
    rows.push((
        "average risk".into(),
        report.avg_risk().map_or_else(none, |r| format!("{r:.4}")),
        "classes / records".into(),
    ));
    if let Some(passed) = check {
        rows.push((
            format!("k-anonymity with k = {}", report.k_threshold),
            if passed { "passed" } else { "failed" }.into(),
            String::new(),
        ));
    }
    if let Some((l, passed)) = l_check {
        rows.push((
            format!("l-diversity with l = {l}"),
            if passed { "passed" } else { "failed" }.into(),
            String::new(),
        ));
    }
    let label_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value, note) in &rows {
        let line = format!("{label:<label_width$}  {value:>value_width$}  {note}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if report.records > 0 {
        out.push_str("\nclass size   classes   records\n");
        for bucket in report.histogram.iter().filter(|b| b.classes > 0) {
            out.push_str(&format!(
                "{:<10} {:>9} {:>9}\n",
                bucket.label(),
                bucket.classes,
                bucket.records
            ));
        }
    }
    out
}
