//! Writes a deterministic synthetic customers CSV of (at least) a given size.
//!
//! ```text
//! gen_customers BYTES [SEED] > customers.csv
//! ```
//!
//! Rows are written until the output reaches `BYTES` bytes (the last row is
//! complete, so the file is at most one row longer). The same `BYTES` and `SEED`
//! (default 42) always give the same file. The number of data rows is printed
//! on stderr as `rows=N bytes=M`.

#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use oubli_benches::Customers;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [bytes] => bytes.parse::<u64>().ok().map(|b| (b, 42)),
        [bytes, seed] => bytes.parse::<u64>().ok().zip(seed.parse::<u64>().ok()),
        _ => None,
    };
    let Some((target, seed)) = parsed else {
        eprintln!("usage: gen_customers BYTES [SEED] > FILE");
        return ExitCode::from(2);
    };
    match generate(target, seed) {
        Ok((rows, bytes)) => {
            eprintln!("rows={rows} bytes={bytes}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_customers: {e}");
            ExitCode::from(2)
        }
    }
}

fn generate(target: u64, seed: u64) -> std::io::Result<(u64, u64)> {
    let mut customers = Customers::new(seed);
    let mut stdout = std::io::stdout().lock();
    let mut buf = Vec::with_capacity(1 << 20);
    customers.write_header(&mut buf);
    let (mut rows, mut written) = (0u64, 0u64);
    while written + (buf.len() as u64) < target {
        customers.write_row(&mut buf);
        rows += 1;
        if buf.len() >= (1 << 20) - 512 {
            stdout.write_all(&buf)?;
            written += buf.len() as u64;
            buf.clear();
        }
    }
    stdout.write_all(&buf)?;
    written += buf.len() as u64;
    stdout.flush()?;
    Ok((rows, written))
}
