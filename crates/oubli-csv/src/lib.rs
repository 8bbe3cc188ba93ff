//! Streaming, multi-core, order-preserving CSV record pipeline.
//!
//! `oubli-csv` reads CSV (RFC 4180) from any [`Read`], maps every data record
//! to an output record with a user-supplied [`RowMapper`] on several worker
//! threads, and writes the results to any [`Write`] in input order
//! ([`run`]). [`filter`] instead leaves out the records a [`RowFilter`]
//! skips and copies every other byte of the input unchanged. It knows
//! nothing about cryptography or masking policies: the caller decides, from
//! the input header, what the output header is and how each row is mapped
//! (see [`run`]).
//!
//! # Format
//!
//! * Quoted fields, doubled quotes (`""`), line breaks inside quoted fields,
//!   and CRLF or LF line endings are accepted. Fields are bytes
//!   ([`csv::ByteRecord`]); only the header must be UTF-8.
//! * A header row is required, its column names must be unique, and every
//!   record must have as many fields as the header: a ragged row is an error
//!   naming its line, never silently fixed. Blank lines are skipped.
//! * A UTF-8 byte order mark is accepted (it is not part of the first column
//!   name) and written back if the input had one.
//! * The output uses the input's delimiter and line terminator (CRLF if the
//!   header line ends with CRLF, otherwise LF), and quotes a field only when
//!   it must (it contains the delimiter, a quote, CR or LF). An empty field
//!   stays empty.
//!
//! # Threading model
//!
//! [`run`] parses the header on the calling thread and calls `prepare` with
//! it before anything is written. Then, inside [`std::thread::scope`]:
//!
//! * one **reader** thread parses records into chunks of
//!   [`CsvOptions::chunk_records`] records and reports progress;
//! * [`CsvOptions::threads`] **workers**, each owning one mapper made by
//!   `make_mapper`, map a chunk and serialize it into a byte buffer;
//! * the **calling thread** writes those buffers strictly in input order,
//!   keeping early finishers in a small reorder buffer.
//!
//! The output is byte-for-byte the same for any number of threads and any
//! chunk size. The first error in input order wins: if record 10 is ragged
//! and the mapper fails on record 50, the error names record 10. On an error
//! every thread stops promptly and [`run`] returns it; output written so far
//! is left in the writer, so the caller should discard it. A panic in a
//! mapper becomes [`CsvError::MapperPanic`].
//!
//! # Memory
//!
//! Every chunk travels with one of `2 × threads + 1` output buffers, and the
//! reader waits for a buffer before it reads a chunk, so at most that many
//! chunks exist at once (queued, being mapped, or waiting to be written in
//! order). Memory is therefore about `(2 × threads + 1) × chunk size` (input
//! records plus serialized output), whatever the input size. Record and
//! output buffers are recycled, so the steady state does not allocate per
//! chunk. A single record larger than [`MAX_RECORD_BYTES`] is rejected (it
//! usually means a quote was never closed).
//!
//! # Example
//!
//! ```
//! use oubli_csv::{CsvOptions, Prepared, RowError, RowMapper, run};
//!
//! /// Upper-cases the second column and drops the third.
//! struct Shout;
//!
//! impl RowMapper for Shout {
//!     fn map_row(
//!         &mut self,
//!         input: &csv::ByteRecord,
//!         out: &mut csv::ByteRecord,
//!     ) -> Result<(), RowError> {
//!         out.push_field(&input[0]);
//!         out.push_field(&input[1].to_ascii_uppercase());
//!         Ok(())
//!     }
//! }
//!
//! let input = "id,name,secret\r\n1,ada,x\r\n2,\"grace, h\",y\r\n";
//! let mut output = Vec::new();
//! let options = CsvOptions { threads: 2, ..CsvOptions::default() };
//! let summary = run(
//!     input.as_bytes(),
//!     &mut output,
//!     &options,
//!     |header: &[String]| -> Result<_, std::io::Error> {
//!         Ok(Prepared {
//!             output_header: header[..2].to_vec(),
//!             make_mapper: || Shout,
//!         })
//!     },
//!     &|_bytes_read| {},
//! )?;
//! assert_eq!(output, b"id,name\r\n1,ADA\r\n2,\"GRACE, H\"\r\n");
//! assert_eq!(summary.records, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

use std::fmt;
use std::io::{Read, Write};

mod error;
mod masking;
mod pipeline;
mod reader;

pub use error::{BoxError, CsvError, RowError};
pub use masking::{MaskReport, NotUtf8, PolicyMapper, mask};
pub use oubli_policy::Direction;
pub use reader::MAX_RECORD_BYTES;

use error::Failure;
use pipeline::{FilterStage, MapStage, Plan};
use reader::RecordReader;

/// Maps one input record to one output record. One instance per worker
/// thread, so it may keep mutable state (buffers, caches) without locking.
///
/// Closures `FnMut(&ByteRecord, &mut ByteRecord) -> Result<(), RowError>`
/// implement it too.
pub trait RowMapper: Send {
    /// Appends the output fields for `input` to `out` (which the caller has
    /// cleared). `out` must end up with exactly as many fields as the output
    /// header. On error, return a [`RowError`] naming the 0-based input
    /// column that failed.
    fn map_row(
        &mut self,
        input: &csv::ByteRecord,
        out: &mut csv::ByteRecord,
    ) -> Result<(), RowError>;
}

impl<T> RowMapper for T
where
    T: FnMut(&csv::ByteRecord, &mut csv::ByteRecord) -> Result<(), RowError> + Send,
{
    fn map_row(
        &mut self,
        input: &csv::ByteRecord,
        out: &mut csv::ByteRecord,
    ) -> Result<(), RowError> {
        self(input, out)
    }
}

/// What a [`RowFilter`] decides for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    /// The record is written, byte for byte as it was read.
    Keep,
    /// The record is left out.
    Skip,
}

/// Decides, for each data record, whether it stays. One instance per worker
/// thread, like [`RowMapper`]. Used by [`filter`].
///
/// Closures `FnMut(&ByteRecord) -> Result<RowOutcome, RowError>` implement it
/// too.
pub trait RowFilter: Send {
    /// Keep or skip `input`. On error, return a [`RowError`] naming the
    /// 0-based input column that could not be read.
    fn filter_row(&mut self, input: &csv::ByteRecord) -> Result<RowOutcome, RowError>;
}

impl<T> RowFilter for T
where
    T: FnMut(&csv::ByteRecord) -> Result<RowOutcome, RowError> + Send,
{
    fn filter_row(&mut self, input: &csv::ByteRecord) -> Result<RowOutcome, RowError> {
        self(input)
    }
}

/// How to read and process the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter, used for input and output (default `b','`). Must not
    /// be a double quote, CR or LF.
    pub delimiter: u8,
    /// Number of worker threads mapping records (default: the available
    /// parallelism). `0` is treated as `1`.
    pub threads: usize,
    /// Records per chunk handed to a worker (default 4096). `0` is treated
    /// as `1`.
    pub chunk_records: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            chunk_records: 4096,
        }
    }
}

/// What the `prepare` callback of [`run`] returns: the output header and a
/// factory that makes one [`RowMapper`] per worker thread.
pub struct Prepared<F> {
    /// Column names of the output, written as its header row.
    pub output_header: Vec<String>,
    /// Called once on each worker thread to make that worker's mapper.
    pub make_mapper: F,
}

impl<F> fmt::Debug for Prepared<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("output_header", &self.output_header)
            .finish_non_exhaustive()
    }
}

/// A line terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Terminator {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n`.
    CrLf,
}

impl Terminator {
    /// The terminator's bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Terminator::Lf => b"\n",
            Terminator::CrLf => b"\r\n",
        }
    }
}

/// What a successful [`run`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Number of data records (the header is not counted).
    pub records: u64,
    /// Number of input bytes read, BOM included.
    pub bytes_read: u64,
    /// Whether the input started with a UTF-8 BOM (the output then does too).
    pub had_bom: bool,
    /// The input's line terminator, also used for the output.
    pub terminator: Terminator,
}

/// Streams `input` to `output`, mapping every data record.
///
/// 1. The header row is read and checked (present, UTF-8, unique names), then
///    `prepare` is called with it before anything is written. Its error is
///    returned as [`CsvError::Header`].
/// 2. The output header (preceded by a BOM if the input had one) is written.
/// 3. Data records are mapped by `options.threads` workers, each using its
///    own mapper from `make_mapper`, and written in input order.
///
/// `progress` is called from the reader thread with the number of input
/// bytes consumed so far, once per chunk and once at the end; keep it cheap.
///
/// `output` is flushed at the end. On error, part of the output may already
/// be written: discard it.
///
/// # Errors
///
/// See [`CsvError`]; the first error in input order is reported.
pub fn run<R, W, F, M, E>(
    input: R,
    mut output: W,
    options: &CsvOptions,
    prepare: impl FnOnce(&[String]) -> Result<Prepared<F>, E>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, CsvError<E>>
where
    R: Read + Send,
    W: Write,
    F: Fn() -> M + Sync,
    M: RowMapper,
    E: std::error::Error + Send + Sync + 'static,
{
    let delimiter = options.delimiter;
    let (source, header, names) = open_source(input, delimiter, false)?;

    let prepared = prepare(&names).map_err(CsvError::Header)?;
    if prepared.output_header.is_empty() {
        return Err(CsvError::NoOutputColumns);
    }

    let mut head = pipeline::output_writer(delimiter, header.terminator, Vec::new());
    head.write_record(&prepared.output_header)
        .and_then(|()| head.flush().map_err(csv::Error::from))
        .map_err(|e| CsvError::Write(std::io::Error::other(e)))?;
    if header.had_bom {
        output.write_all(b"\xEF\xBB\xBF").map_err(CsvError::Write)?;
    }
    output.write_all(head.get_ref()).map_err(CsvError::Write)?;

    let terminator = header.terminator;
    let width = prepared.output_header.len();
    let make_mapper = &prepared.make_mapper;
    let make_stage = || MapStage::new(make_mapper(), delimiter, terminator, width);
    let plan = Plan {
        threads: options.threads,
        chunk_records: options.chunk_records,
        make_stage: &make_stage,
        progress,
    };
    let totals = pipeline::run_pipeline(source, &mut output, &plan)
        .map_err(|f: Failure| f.into_error(&names))?;
    output.flush().map_err(CsvError::Write)?;
    Ok(Summary {
        records: totals.records,
        bytes_read: totals.bytes,
        had_bom: header.had_bom,
        terminator: header.terminator,
    })
}

/// What a successful [`filter`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    /// Records read (all of them), bytes read, and the input's framing.
    pub summary: Summary,
    /// Records kept (written).
    pub kept: u64,
}

/// Streams `input` to `output`, leaving out the data records that the
/// filter skips; everything else is copied **byte for byte**: the header
/// line and BOM, every kept record with its quoting and line ending exactly
/// as in the input, and the trailing line ending or blank lines at the end
/// of the input.
///
/// A record's bytes start right after the previous record's last parsed
/// byte, so the line ending that separates it from the previous record (and
/// any blank lines before it) goes with it. As a result, skipping records
/// never merges two lines and never leaves a blank line behind, and the
/// output's last line ends as the input's last line did.
///
/// `prepare` is called with the header (checked as for [`run`]) before
/// anything is written, and returns a factory that makes one [`RowFilter`]
/// per worker thread. Records are filtered on `options.threads` workers and
/// written in input order, so the output is the same for any number of
/// threads. Memory is bounded as for [`run`], plus the raw bytes of the
/// chunks in flight.
///
/// # Errors
///
/// See [`CsvError`]; the first error in input order is reported. On error,
/// part of the output may already be written: discard it.
pub fn filter<R, W, F, G, E>(
    input: R,
    mut output: W,
    options: &CsvOptions,
    prepare: impl FnOnce(&[String]) -> Result<F, E>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Filtered, CsvError<E>>
where
    R: Read + Send,
    W: Write,
    F: Fn() -> G + Sync,
    G: RowFilter,
    E: std::error::Error + Send + Sync + 'static,
{
    let delimiter = options.delimiter;
    let (mut source, header, names) = open_source(input, delimiter, true)?;
    let make_filter = prepare(&names).map_err(CsvError::Header)?;

    // The header exactly as read (BOM included).
    let mut head = Vec::new();
    source.swap_raw(&mut head);
    output.write_all(&head).map_err(CsvError::Write)?;

    let make_stage = || FilterStage {
        filter: make_filter(),
    };
    let plan = Plan {
        threads: options.threads,
        chunk_records: options.chunk_records,
        make_stage: &make_stage,
        progress,
    };
    let totals = pipeline::run_pipeline(source, &mut output, &plan)
        .map_err(|f: Failure| f.into_error(&names))?;
    output.flush().map_err(CsvError::Write)?;
    Ok(Filtered {
        summary: Summary {
            records: totals.records,
            bytes_read: totals.bytes,
            had_bom: header.had_bom,
            terminator: header.terminator,
        },
        kept: totals.kept,
    })
}

/// Reads the data records of a CSV input one at a time on the calling
/// thread, for consumers that only look at the data (statistics, sampling)
/// and write nothing back.
///
/// It parses exactly as [`run`] does (same header checks, ragged rows, blank
/// lines, BOM, record size limit) and reuses the caller's record, so the
/// steady state does not allocate. Errors are [`CsvError`]s with
/// `E = Infallible` (there is no `prepare` callback).
///
/// ```
/// let input = "city,age\nParis,41\n\"Saint-\nDenis\",7\n";
/// let mut records = oubli_csv::Records::new(input.as_bytes(), b',')?;
/// assert_eq!(records.header(), ["city", "age"]);
/// let mut record = csv::ByteRecord::new();
/// let mut ages = Vec::new();
/// while records.read_record(&mut record)? {
///     ages.push(record[1].to_vec());
/// }
/// assert_eq!(ages, [b"41".to_vec(), b"7".to_vec()]);
/// assert_eq!(records.records_read(), 2);
/// # Ok::<(), oubli_csv::CsvError<std::convert::Infallible>>(())
/// ```
#[derive(Debug)]
pub struct Records<R> {
    source: RecordReader<R>,
    names: Vec<String>,
    records: u64,
}

impl<R: Read> Records<R> {
    /// Reads and checks the header row (present, UTF-8, unique names).
    ///
    /// # Errors
    ///
    /// [`CsvError::InvalidDelimiter`], [`CsvError::MissingHeader`],
    /// [`CsvError::HeaderNotUtf8`], [`CsvError::DuplicateHeader`],
    /// [`CsvError::Parse`] or [`CsvError::Read`].
    pub fn new(input: R, delimiter: u8) -> Result<Self, CsvError<std::convert::Infallible>> {
        if matches!(delimiter, b'"' | b'\r' | b'\n') {
            return Err(CsvError::InvalidDelimiter { delimiter });
        }
        let mut source = RecordReader::new(input, delimiter);
        let header = source
            .read_header()
            .map_err(|f| f.into_error(&[]))?
            .ok_or(CsvError::MissingHeader)?;
        let names = header_names(&header.fields)?;
        Ok(Self {
            source,
            names,
            records: 0,
        })
    }

    /// The column names, in input order.
    pub fn header(&self) -> &[String] {
        &self.names
    }

    /// Reads the next data record into `record` (its position is set: line,
    /// byte and 1-based record number). Returns `Ok(false)` at the end of
    /// the input.
    ///
    /// # Errors
    ///
    /// [`CsvError::Ragged`], [`CsvError::Parse`] or [`CsvError::Read`]; the
    /// input cannot be read further after an error.
    pub fn read_record(
        &mut self,
        record: &mut csv::ByteRecord,
    ) -> Result<bool, CsvError<std::convert::Infallible>> {
        let more = self
            .source
            .read_record(record)
            .map_err(|f| f.into_error(&self.names))?;
        self.records += u64::from(more);
        Ok(more)
    }

    /// Data records read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Input bytes consumed so far, BOM included.
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_consumed()
    }
}

/// Decodes and checks the header's column names.
/// Checks the delimiter and reads the header (present, UTF-8, unique names).
/// `capture_raw` keeps each record's input bytes (for the row filter).
fn open_source<R: Read, E>(
    input: R,
    delimiter: u8,
    capture_raw: bool,
) -> Result<(RecordReader<R>, reader::HeaderInfo, Vec<String>), CsvError<E>> {
    if matches!(delimiter, b'"' | b'\r' | b'\n') {
        return Err(CsvError::InvalidDelimiter { delimiter });
    }
    let mut source = RecordReader::new(input, delimiter);
    if capture_raw {
        source.capture_raw();
    }
    let header = source
        .read_header()
        .map_err(|f| f.into_error::<E>(&[]))?
        .ok_or(CsvError::MissingHeader)?;
    let names = header_names(&header.fields)?;
    Ok((source, header, names))
}

fn header_names<E>(fields: &csv::ByteRecord) -> Result<Vec<String>, CsvError<E>> {
    let mut names = Vec::with_capacity(fields.len());
    let mut seen = std::collections::HashMap::with_capacity(fields.len());
    for (column, field) in fields.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| CsvError::HeaderNotUtf8 { column })?;
        if let Some(&first) = seen.get(name) {
            return Err(CsvError::DuplicateHeader {
                name: name.to_owned(),
                first,
                second: column,
            });
        }
        seen.insert(name, column);
        names.push(name.to_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod records_tests {
    use super::*;

    #[test]
    fn records_reads_what_run_reads() {
        let input = b"\xEF\xBB\xBFa,b\r\n\"x,\"\"y\"\"\",\"1\r\n2\"\r\n\r\n,\r\n";
        let mut records = Records::new(&input[..], b',').unwrap();
        assert_eq!(records.header(), ["a", "b"]);
        let mut record = csv::ByteRecord::new();
        assert!(records.read_record(&mut record).unwrap());
        assert_eq!(
            record,
            csv::ByteRecord::from(vec![&b"x,\"y\""[..], b"1\r\n2"])
        );
        assert_eq!(record.position().unwrap().line(), 2);
        assert!(records.read_record(&mut record).unwrap());
        assert_eq!(record, csv::ByteRecord::from(vec!["", ""]));
        assert_eq!(record.position().unwrap().line(), 5);
        assert!(!records.read_record(&mut record).unwrap());
        assert_eq!(records.records_read(), 2);
        assert_eq!(records.bytes_read(), input.len() as u64);
    }

    #[test]
    fn records_reports_header_and_ragged_errors() {
        assert!(matches!(
            Records::new(&b""[..], b','),
            Err(CsvError::MissingHeader)
        ));
        assert!(matches!(
            Records::new(&b"a,a\n"[..], b','),
            Err(CsvError::DuplicateHeader { .. })
        ));
        assert!(matches!(
            Records::new(&b"a\n"[..], b'"'),
            Err(CsvError::InvalidDelimiter { .. })
        ));
        let mut records = Records::new(&b"a,b\n1,2\n3\n"[..], b',').unwrap();
        let mut record = csv::ByteRecord::new();
        assert!(records.read_record(&mut record).unwrap());
        let err = records.read_record(&mut record).unwrap_err();
        assert!(
            matches!(
                err,
                CsvError::Ragged {
                    line: 3,
                    record: 2,
                    expected: 2,
                    found: 1
                }
            ),
            "{err:?}"
        );
    }
}
