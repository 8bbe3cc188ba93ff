//! `oubli scan`: sample the first rows, print a suggested policy.

use std::io::{self, Write as _};

use anyhow::Context as _;
use oubli_policy::{Direction, Plan, Policy};
use oubli_risk::Scanner;

use super::risk::{Table, input_error, input_format, open_parquet, open_table};
use crate::cli::{Format, ScanArgs};
use crate::error::Exit;

/// Runs `oubli scan`.
pub(crate) fn run(args: &ScanArgs, quiet: bool) -> anyhow::Result<Exit> {
    let (name, header, scanner, whole_input) =
        if input_format(&args.input, args.format)? == Format::Parquet {
            sample_parquet(args)?
        } else {
            sample_csv(args)?
        };
    let scan = scanner.finish();
    let text = scan.suggested_policy(&name, whole_input);

    // The suggestion must load as it is: a failure here is a bug in oubli.
    let policy = Policy::parse(&text, "the suggested policy")
        .context("internal error: the suggested policy does not load; please report this")?;
    Plan::new(&policy, &header, Direction::Mask).context(
        "internal error: the suggested policy does not fit the header; please report this",
    )?;

    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    if !quiet {
        let masked = scan.columns.iter().filter(|c| c.kind.is_masked()).count();
        eprintln!(
            "scanned {} {} of {name}: {masked} of {} column{} masked, {} kept; review the policy before use",
            if whole_input { "all" } else { "the first" },
            rows(scan.rows),
            scan.columns.len(),
            if scan.columns.len() == 1 { "" } else { "s" },
            scan.columns.len() - masked,
        );
    }
    Ok(Exit::Ok)
}

fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// What a sample gives: the input's name, its columns, the scanner that saw
/// the sampled rows, and whether they were the whole input.
type Sample = (String, Vec<String>, Scanner, bool);

/// The first `--rows` records of a CSV or TSV input.
fn sample_csv(args: &ScanArgs) -> anyhow::Result<Sample> {
    let Table {
        name, mut records, ..
    } = open_table(&args.input, args.format, args.delimiter.as_deref())?;
    let header = records.header().to_vec();
    let mut scanner = Scanner::new(&header);
    let mut record = csv::ByteRecord::new();
    let mut whole_input = false;
    while scanner.rows() < args.rows {
        if !records
            .read_record(&mut record)
            .map_err(|e| input_error(e, &name))?
        {
            whole_input = true;
            break;
        }
        scanner.add(record.iter());
    }
    if !whole_input {
        // One record more tells whether the sample was the whole input; an
        // error there is outside the sample and not reported.
        whole_input = matches!(records.read_record(&mut record), Ok(false));
    }
    Ok((name, header, scanner, whole_input))
}

/// The first `--rows` rows of a Parquet file, every top-level column through
/// its canonical text (NULL as an empty value); nothing past them is decoded.
fn sample_parquet(args: &ScanArgs) -> anyhow::Result<Sample> {
    let (file, _) = open_parquet(&args.input, args.delimiter.as_deref())?;
    let name = args.input.clone();
    let header = oubli_parquet::top_level_columns(file.file(), &name)?;
    let total = oubli_parquet::row_count(file.file(), &name)?;
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let limit = usize::try_from(args.rows).unwrap_or(usize::MAX);
    let mut scanner = Scanner::new(&header);
    oubli_parquet::rows::for_each_first_row(file.file(), &name, &columns, Some(limit), |row| {
        scanner.add((0..row.len()).map(|i| {
            let field = &row[i];
            if field == oubli_parquet::rows::NULL_TEXT {
                &[][..]
            } else {
                field
            }
        }));
    })?;
    let whole_input = scanner.rows() >= total;
    Ok((name, header, scanner, whole_input))
}
