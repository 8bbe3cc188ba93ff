//! `oubli scan`: sample the first rows, print a suggested policy.

use std::io::{self, Write as _};

use anyhow::Context as _;
use oubli_policy::{Direction, Plan, Policy};
use oubli_risk::Scanner;

use super::risk::{Table, input_error, open_table};
use crate::cli::ScanArgs;
use crate::error::Exit;

/// Runs `oubli scan`.
pub(crate) fn run(args: &ScanArgs, quiet: bool) -> anyhow::Result<Exit> {
    let Table {
        name, mut records, ..
    } = open_table(&args.input, args.format, args.delimiter.as_deref(), "scan")?;
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
