//! Streaming, multi-core, order-preserving CSV record pipeline.
//!
//! `oubli-csv` reads CSV (RFC 4180) from any [`Read`], maps every data record
//! to an output record with a user-supplied [`RowMapper`] on several worker
//! threads, and writes the results to any [`Write`] in input order. It knows
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
use pipeline::Plan;
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
    if matches!(delimiter, b'"' | b'\r' | b'\n') {
        return Err(CsvError::InvalidDelimiter { delimiter });
    }
    let mut source = RecordReader::new(input, delimiter);
    let header = source
        .read_header()
        .map_err(|f| f.into_error::<E>(&[]))?
        .ok_or(CsvError::MissingHeader)?;
    let names = header_names(&header.fields)?;

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

    let plan = Plan {
        threads: options.threads,
        chunk_records: options.chunk_records,
        delimiter,
        terminator: header.terminator,
        output_width: prepared.output_header.len(),
        make_mapper: &prepared.make_mapper,
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

/// Decodes and checks the header's column names.
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
