//! The policy's `[risk]` check on the output of `oubli mask` (`docs/RISK.md`
//! §3). The masked output is read back from its temporary file (the engines
//! write serialized rows, not values), measured with the counter of `oubli
//! risk`, and then published, refused, or rewritten without the records of the
//! classes that fail and measured again.

use std::fmt;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use oubli_ledger::entry::{ColumnEvidence, RiskEvidence};
use oubli_policy::{OnViolation, RiskPolicy};
use oubli_risk::{Attributes, RiskCounter, RiskError, RiskReport};

use super::risk::{json_report, plural, table_report};
use crate::cli::JobArgs;
use crate::output::Output;
use crate::progress::Progress;

/// How the output is read back.
#[derive(Debug, Clone, Copy)]
pub(super) enum Layout {
    /// CSV or TSV with this delimiter; `threads` filter records.
    Csv {
        /// The output's delimiter (the input's).
        delimiter: u8,
        /// Worker threads of the suppressing pass.
        threads: usize,
    },
    /// Parquet.
    Parquet,
}

/// A check that passed, as written or after suppression.
#[derive(Debug)]
pub(super) struct Checked {
    /// For the ledger entry.
    pub(super) evidence: RiskEvidence,
    /// The `oubli.risk/1` object of the published output, with the policy's
    /// thresholds and the suppression counts (for `--json`).
    pub(super) json: serde_json::Value,
}

/// A check that failed with `on_violation = "fail"`: nothing is published and
/// the job exits 1. The report has been printed.
#[derive(Debug)]
pub(super) struct RiskCheckFailed {
    /// For the ledger entry.
    pub(super) evidence: RiskEvidence,
    /// Rows masked.
    pub(super) rows: u64,
    /// Each input column and its transform.
    pub(super) columns: Vec<ColumnEvidence>,
    message: String,
}

impl fmt::Display for RiskCheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RiskCheckFailed {}

/// The counter after a pass over the output.
struct Measured {
    counter: RiskCounter,
    report: RiskReport,
    /// Records and classes that fail k (or l).
    violating: (u64, u64),
    bytes: u64,
}

/// Measures the output in `output`'s temporary file and applies the policy:
/// `Ok` when the output (possibly with records suppressed) may be published.
/// `rows` and `columns` describe the masking, for a failed check's entry.
pub(super) fn check(
    output: &mut Output,
    policy: &RiskPolicy,
    layout: Layout,
    args: &JobArgs,
    quiet: bool,
    rows: u64,
    columns: impl FnOnce() -> Vec<ColumnEvidence>,
) -> anyhow::Result<Checked> {
    let started = Instant::now();
    let quasi = policy.quasi_names();
    let sensitive = policy.sensitive.as_ref().map(|s| s.name.as_str());
    let path = output
        .temp_path()
        .context("internal error: the [risk] check needs the output in a file")?
        .to_path_buf();
    let first = measure(&path, layout, policy, &args.output, quiet)?;
    let (records_violating, classes_violating) = first.violating;
    let meets_k = first.report.meets_k();
    let meets_l = |r: &RiskReport| policy.l.map(|l| (l, r.l.is_none_or(|got| got >= l)));

    if records_violating == 0 {
        let evidence = evidence(policy, &first.report, (0, 0), (0, 0), "passed");
        if !quiet && !args.json {
            eprintln!("{}", passed_line(policy, &first.report));
        }
        let json = json(policy, args, &first, "passed", (0, 0), started);
        return Ok(Checked { evidence, json });
    }

    if policy.on_violation == OnViolation::Fail {
        let evidence = evidence(policy, &first.report, first.violating, (0, 0), "failed");
        if args.json {
            let line = json(policy, args, &first, "failed", (0, 0), started);
            if args.output == "-" {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        } else {
            eprint!(
                "{}",
                table_report(
                    &quasi,
                    sensitive,
                    &first.report,
                    Some(meets_k),
                    meets_l(&first.report)
                )
            );
        }
        let k = first.report.k.unwrap_or(0);
        let message = format!(
            "the masked output fails the policy's [risk] check (k = {}{}): the smallest equivalence class over {} has {k} record{}{}; {records_violating} record{} {} in {classes_violating} class{} that fail{}; nothing was written",
            policy.k,
            policy.l.map_or_else(String::new, |l| format!(", l = {l}")),
            quasi.join(", "),
            plural(k),
            match (policy.l, first.report.l) {
                (Some(_), Some(l)) => format!(
                    ", the least diverse {l} distinct sensitive value{}",
                    plural(l)
                ),
                _ => String::new(),
            },
            plural(records_violating),
            if records_violating == 1 { "is" } else { "are" },
            if classes_violating == 1 { "" } else { "es" },
            if classes_violating == 1 { "s" } else { "" },
        );
        return Err(anyhow::Error::new(RiskCheckFailed {
            evidence,
            rows,
            columns: columns(),
            message,
        })
        .context(crate::error::hint_marker(
            "generalise the quasi-identifiers further (for example `mask` a postcode down to its first digits), or set `on_violation = \"suppress\"` under [risk] to leave those records out",
        )));
    }

    // Suppress: copy the output without the records of the failing classes.
    let (temp, registered) = output.sibling_temp()?;
    let writer = BufWriter::with_capacity(
        1 << 16,
        temp.as_file()
            .try_clone()
            .context("cannot open the temporary output")?,
    );
    let (k, l) = (policy.k, policy.l);
    let counter = &first.counter;
    let progress = Progress::new(Some(first.bytes), quiet);
    let (read, kept) = match layout {
        Layout::Csv { delimiter, threads } => {
            let options = oubli_csv::CsvOptions {
                delimiter,
                threads,
                ..oubli_csv::CsvOptions::default()
            };
            let input = File::open(&path).context("cannot read the masked output back")?;
            let filtered = oubli_csv::filter(
                input,
                writer,
                &options,
                |header: &[String]| -> Result<_, RiskError> {
                    let attributes = Attributes::resolve(header, &quasi, sensitive)?;
                    Ok(move || {
                        let attributes = attributes.clone();
                        let mut scratch = Vec::new();
                        move |record: &csv::ByteRecord| {
                            let keep = counter
                                .class_of_record(&attributes, record, &mut scratch)
                                .is_some_and(|c| c.meets(k, l));
                            Ok::<_, oubli_csv::RowError>(if keep {
                                oubli_csv::RowOutcome::Keep
                            } else {
                                oubli_csv::RowOutcome::Skip
                            })
                        }
                    })
                },
                &|bytes| progress.update(bytes),
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.output))
            .context("cannot suppress records of the masked output")?;
            (filtered.summary.records, filtered.kept)
        }
        Layout::Parquet => {
            let (columns, attributes) = parquet_columns(policy)?;
            let names: Vec<&str> = columns.iter().map(String::as_str).collect();
            let input = File::open(&path).context("cannot read the masked output back")?;
            let mut scratch = Vec::new();
            let filtered =
                oubli_parquet::rows::filter_rows(&input, &args.output, &names, writer, |row| {
                    counter
                        .class_of_record(&attributes, &row, &mut scratch)
                        .is_some_and(|c| c.meets(k, l))
                })
                .context("cannot suppress records of the masked output")?;
            (filtered.rows, filtered.kept)
        }
    };
    progress.finish();
    let suppressed = read - kept;
    if read != first.report.records || suppressed != records_violating {
        anyhow::bail!(
            "internal error: the suppressing pass read {read} records and left out {suppressed}, the check counted {} and {records_violating}; nothing was written",
            first.report.records
        );
    }
    output.replace_temp(temp, registered);

    // Re-check what will be published.
    let path = output
        .temp_path()
        .context("internal error: the output has no file")?
        .to_path_buf();
    let second = measure(&path, layout, policy, &args.output, quiet)?;
    if second.violating.0 != 0 || second.report.records != kept {
        anyhow::bail!(
            "internal error: after suppressing {suppressed} records, the re-check still finds {} records in classes that fail (of {} records); nothing was written",
            second.violating.0,
            second.report.records
        );
    }
    let suppressed = (suppressed, classes_violating);
    let evidence = evidence(policy, &second.report, (0, 0), suppressed, "suppressed");
    if !quiet && !args.json {
        eprintln!(
            "risk: suppressed {} record{} in {} class{} that failed k = {}{}; re-checked: {}",
            suppressed.0,
            plural(suppressed.0),
            suppressed.1,
            if suppressed.1 == 1 { "" } else { "es" },
            policy.k,
            policy
                .l
                .map_or_else(String::new, |l| format!(" or l = {l}")),
            passed_line(policy, &second.report).trim_start_matches("risk: ")
        );
        if kept == 0 {
            eprintln!("warning: every record was suppressed; the output holds the header only");
        }
    }
    let json = json(policy, args, &second, "suppressed", suppressed, started);
    Ok(Checked { evidence, json })
}

/// One pass over the output: counts its classes.
fn measure(
    path: &Path,
    layout: Layout,
    policy: &RiskPolicy,
    name: &str,
    quiet: bool,
) -> anyhow::Result<Measured> {
    let quasi = policy.quasi_names();
    let sensitive = policy.sensitive.as_ref().map(|s| s.name.as_str());
    let file = File::open(path).context("cannot read the masked output back")?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = Progress::new(Some(size), quiet);
    let counter = match layout {
        Layout::Csv { delimiter, .. } => {
            let mut records = oubli_csv::Records::new(file, delimiter)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))
                .context("cannot read the masked output back")?;
            let attributes = Attributes::resolve(records.header(), &quasi, sensitive)
                .context("internal error: the [risk] columns are not in the output")?;
            let mut counter = RiskCounter::for_attributes(&attributes);
            let mut record = csv::ByteRecord::new();
            while records
                .read_record(&mut record)
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))
                .context("cannot read the masked output back")?
            {
                counter.add_record(&attributes, &record);
                if counter.records().is_multiple_of(16_384) {
                    progress.update(records.bytes_read());
                }
            }
            counter
        }
        Layout::Parquet => {
            let (columns, attributes) = parquet_columns(policy)?;
            let names: Vec<&str> = columns.iter().map(String::as_str).collect();
            let mut counter = RiskCounter::for_attributes(&attributes);
            oubli_parquet::rows::for_each_row(&file, name, &names, |row| {
                counter.add_record(&attributes, &row);
            })
            .context("cannot read the masked output back")?;
            counter
        }
    };
    progress.finish();
    let report = counter.report(policy.k);
    let violating = counter
        .class_stats()
        .filter(|c| !c.meets(policy.k, policy.l))
        .fold((0, 0), |(records, classes), c| {
            (records + c.records, classes + 1)
        });
    Ok(Measured {
        counter,
        report,
        violating,
        bytes: size,
    })
}

/// The columns a Parquet pass reads, and their roles among them.
fn parquet_columns(policy: &RiskPolicy) -> anyhow::Result<(Vec<String>, Attributes)> {
    let sensitive = policy.sensitive.as_ref().map(|s| s.name.as_str());
    super::risk::projection(&policy.quasi_names(), sensitive)
}

/// The entry's record of the check.
fn evidence(
    policy: &RiskPolicy,
    report: &RiskReport,
    violating: (u64, u64),
    suppressed: (u64, u64),
    outcome: &str,
) -> RiskEvidence {
    RiskEvidence {
        quasi_identifiers: policy.quasi_names(),
        sensitive: policy.sensitive.as_ref().map(|s| s.name.clone()),
        k_required: policy.k,
        l_required: policy.l,
        on_violation: policy.on_violation.name().to_owned(),
        outcome: outcome.to_owned(),
        records: report.records,
        classes: report.classes,
        k_achieved: report.k,
        l_achieved: report.l,
        records_violating: violating.0,
        classes_violating: violating.1,
        max_risk: report.max_risk().and_then(serde_json::Number::from_f64),
        avg_risk: report.avg_risk().and_then(serde_json::Number::from_f64),
        records_suppressed: suppressed.0,
        classes_suppressed: suppressed.1,
    }
}

/// `risk: k = 7 over age, zip (policy: k = 5): passed`.
fn passed_line(policy: &RiskPolicy, report: &RiskReport) -> String {
    let k = report.k.map_or_else(|| "-".to_owned(), |k| k.to_string());
    let l = match (policy.sensitive.as_ref(), report.l) {
        (Some(_), Some(l)) => format!(", l = {l}"),
        _ => String::new(),
    };
    format!(
        "risk: k = {k}{l} over {} in {} record{} (policy: k = {}{}): passed",
        policy.quasi_names().join(", "),
        report.records,
        plural(report.records),
        policy.k,
        policy.l.map_or_else(String::new, |l| format!(", l = {l}")),
    )
}

/// The `oubli.risk/1` object of `measured`, with the policy's thresholds,
/// the outcome and the suppression counts.
fn json(
    policy: &RiskPolicy,
    args: &JobArgs,
    measured: &Measured,
    outcome: &str,
    suppressed: (u64, u64),
    started: Instant,
) -> serde_json::Value {
    let quasi = policy.quasi_names();
    let sensitive = policy.sensitive.as_ref().map(|s| s.name.as_str());
    let passed = outcome != "failed";
    let mut value = json_report(
        &quasi,
        sensitive,
        &args.output,
        &measured.report,
        Some(passed),
        measured.bytes,
        started,
    );
    if let Some(object) = value.as_object_mut() {
        object.insert("l_threshold".into(), policy.l.into());
        object.insert("records_violating".into(), measured.violating.0.into());
        object.insert("classes_violating".into(), measured.violating.1.into());
        object.insert("on_violation".into(), policy.on_violation.name().into());
        object.insert("outcome".into(), outcome.into());
        object.insert("records_suppressed".into(), suppressed.0.into());
        object.insert("classes_suppressed".into(), suppressed.1.into());
    }
    value
}
