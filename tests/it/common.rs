//! Helpers shared by the end-to-end tests: CSV in memory, policy text, runs.

use std::error::Error;

use oubli_core::MasterKey;
use oubli_csv::{CsvError, CsvOptions, Direction, MaskReport};
use oubli_policy::{Policy, PolicyError};

/// A master key whose 32 bytes are all `byte`.
pub(crate) fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

/// `s` as a TOML basic string (quoted, with every control character escaped),
/// usable as a value or as a quoted key.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses a policy, panicking with the error and the text if it is refused.
pub(crate) fn policy(text: &str) -> Policy {
    Policy::parse(text, "policy.toml")
        .unwrap_or_else(|e| panic!("policy refused: {e}\n--- policy ---\n{text}"))
}

/// Writes `header` and `rows` as CSV with the `csv` crate.
pub(crate) fn write_csv<S: AsRef<str>>(header: &[S], rows: &[Vec<S>], crlf: bool) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    writer
        .write_record(header.iter().map(AsRef::as_ref))
        .unwrap();
    for row in rows {
        writer.write_record(row.iter().map(AsRef::as_ref)).unwrap();
    }
    writer.into_inner().unwrap()
}

/// A CSV table read back with the `csv` crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    /// Index of the column called `name`.
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The values of the column called `name`, in row order.
    pub(crate) fn column(&self, name: &str) -> Vec<String> {
        let i = self
            .col(name)
            .unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.header));
        self.rows.iter().map(|r| r[i].clone()).collect()
    }
}

/// Parses CSV bytes (UTF-8) with the `csv` crate: strict widths, no trimming.
pub(crate) fn read_csv(bytes: &[u8]) -> Table {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = reader
        .headers()
        .expect("output header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.expect("output record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Runs `oubli_csv::mask` over an in-memory input.
pub(crate) fn run(
    input: &[u8],
    policy: &Policy,
    direction: Direction,
    key: &MasterKey,
    threads: usize,
    chunk_records: usize,
) -> Result<(Vec<u8>, MaskReport), CsvError<PolicyError>> {
    let mut output = Vec::new();
    let options = CsvOptions {
        delimiter: b',',
        threads,
        chunk_records,
    };
    let report = oubli_csv::mask(
        input,
        &mut output,
        policy,
        direction,
        key,
        &options,
        &|_| {},
    )?;
    Ok((output, report))
}

/// Like [`run`], panicking on error with the whole error chain.
pub(crate) fn run_ok(
    input: &[u8],
    policy: &Policy,
    direction: Direction,
    key: &MasterKey,
    threads: usize,
    chunk_records: usize,
) -> Vec<u8> {
    match run(input, policy, direction, key, threads, chunk_records) {
        Ok((output, _)) => output,
        Err(e) => panic!("{direction:?} failed: {}", chain(&e)),
    }
}

/// An error and all its sources, joined with `: `.
pub(crate) fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
