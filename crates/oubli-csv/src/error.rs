//! Error types: the public [`CsvError`] and [`RowError`], and the internal
//! [`Failure`] that travels between pipeline threads.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// The error type boxed inside [`RowError`] and [`CsvError::Row`].
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A [`RowMapper`](crate::RowMapper) failure: which input column failed, and why.
#[derive(Debug)]
pub struct RowError {
    /// The 0-based index of the input column whose value could not be mapped.
    pub column: usize,
    /// Why the value could not be mapped.
    pub source: BoxError,
}

impl RowError {
    /// Builds a `RowError` for the 0-based input `column`.
    pub fn new(column: usize, source: impl Into<BoxError>) -> Self {
        Self {
            column,
            source: source.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot map column {}", self.column + 1)
    }
}

impl StdError for RowError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// Everything that can stop [`run`](crate::run).
///
/// `E` is the error type of the `prepare` callback. Line numbers are 1-based
/// and count physical lines of the input (the header is line 1); a record
/// that contains quoted line breaks spans several lines and is reported at
/// the line where it starts. Record numbers are 1-based data rows (the header
/// is not counted). Column numbers in messages are 1-based, column indexes
/// in fields are 0-based.
///
/// Like most error types built on `std::error::Error`, a message does not
/// repeat the text of its [`source`](std::error::Error::source): print the
/// whole chain (for example with `anyhow`'s `{:#}`) to show the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError<E> {
    /// The `prepare` callback refused the input header.
    #[error(transparent)]
    Header(E),
    /// The input has no header row (it is empty or only blank lines).
    #[error("the input is empty; a header row is required")]
    MissingHeader,
    /// A column name in the header is not valid UTF-8.
    #[error(
        "the name of column {} in the header is not valid utf-8; save the file as utf-8",
        .column + 1
    )]
    HeaderNotUtf8 {
        /// 0-based index of the column.
        column: usize,
    },
    /// Two header columns have the same name.
    #[error(
        "the header names column \"{name}\" twice (columns {} and {}); column names must be unique",
        .first + 1,
        .second + 1
    )]
    DuplicateHeader {
        /// The repeated name.
        name: String,
        /// 0-based index of the first occurrence.
        first: usize,
        /// 0-based index of the second occurrence.
        second: usize,
    },
    /// The `prepare` callback returned an empty output header.
    #[error("the output header has no columns; at least one output column is required")]
    NoOutputColumns,
    /// The delimiter in [`CsvOptions`](crate::CsvOptions) cannot be used.
    #[error(
        "the delimiter {:?} cannot be used; choose a byte other than a double quote, CR or LF",
        char::from(*.delimiter)
    )]
    InvalidDelimiter {
        /// The rejected delimiter byte.
        delimiter: u8,
    },
    /// A record does not have as many fields as the header.
    #[error(
        "line {line}: record {record} has {found} fields, the header has {expected}; every row needs the same number of fields (quote fields that contain the delimiter)"
    )]
    Ragged {
        /// Line where the record starts.
        line: u64,
        /// 1-based data record number.
        record: u64,
        /// Number of fields in the header.
        expected: usize,
        /// Number of fields in the record.
        found: usize,
    },
    /// The input is not CSV the parser can handle (for example a record so
    /// large that a quote was probably never closed).
    #[error("line {line}: {message}")]
    Parse {
        /// Line where the offending record starts.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// The row mapper failed on one value.
    #[error(
        "line {line}: record {record}: column `{column_name}` (column {}): cannot transform the value",
        .column + 1
    )]
    Row {
        /// Line where the record starts.
        line: u64,
        /// 1-based data record number.
        record: u64,
        /// 0-based index of the input column that failed.
        column: usize,
        /// Name of that input column (empty if the mapper named a column
        /// index the header does not have).
        column_name: String,
        /// Why the mapper failed.
        source: BoxError,
    },
    /// The row mapper produced a record whose width differs from the output
    /// header (a bug in the mapper).
    #[error(
        "line {line}: record {record}: the row mapper produced {found} fields but the output header has {expected}; this is a bug in the row mapper"
    )]
    OutputWidth {
        /// Line where the input record starts.
        line: u64,
        /// 1-based data record number.
        record: u64,
        /// Number of columns in the output header.
        expected: usize,
        /// Number of fields the mapper produced.
        found: usize,
    },
    /// The row mapper panicked on a record (a bug in the mapper).
    #[error(
        "line {line}: record {record}: the row mapper panicked: {message}; this is a bug, please report it"
    )]
    MapperPanic {
        /// Line where the record starts.
        line: u64,
        /// 1-based data record number.
        record: u64,
        /// The panic message.
        message: String,
    },
    /// Another pipeline thread panicked (the mapper factory, the progress
    /// callback, or the pipeline itself).
    #[error("a pipeline thread panicked: {message}; this is a bug, please report it")]
    ThreadPanic {
        /// Which thread and the panic message.
        message: String,
    },
    /// Reading the input failed.
    #[error("cannot read the input")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("cannot write the output")]
    Write(#[source] io::Error),
}

/// A failure found by a pipeline thread, before it is given column names and
/// turned into a [`CsvError`].
#[derive(Debug)]
pub(crate) enum Failure {
    Ragged {
        line: u64,
        record: u64,
        expected: usize,
        found: usize,
    },
    Parse {
        line: u64,
        message: String,
    },
    Row {
        line: u64,
        record: u64,
        error: RowError,
    },
    OutputWidth {
        line: u64,
        record: u64,
        expected: usize,
        found: usize,
    },
    MapperPanic {
        line: u64,
        record: u64,
        message: String,
    },
    ThreadPanic {
        message: String,
    },
    Read(io::Error),
    Write(io::Error),
}

impl Failure {
    /// Converts to the public error, naming columns from the input header.
    pub(crate) fn into_error<E>(self, header: &[String]) -> CsvError<E> {
        match self {
            Failure::Ragged {
                line,
                record,
                expected,
                found,
            } => CsvError::Ragged {
                line,
                record,
                expected,
                found,
            },
            Failure::Parse { line, message } => CsvError::Parse { line, message },
            Failure::Row {
                line,
                record,
                error,
            } => CsvError::Row {
                line,
                record,
                column: error.column,
                column_name: header.get(error.column).cloned().unwrap_or_default(),
                source: error.source,
            },
            Failure::OutputWidth {
                line,
                record,
                expected,
                found,
            } => CsvError::OutputWidth {
                line,
                record,
                expected,
                found,
            },
            Failure::MapperPanic {
                line,
                record,
                message,
            } => CsvError::MapperPanic {
                line,
                record,
                message,
            },
            Failure::ThreadPanic { message } => CsvError::ThreadPanic { message },
            Failure::Read(e) => CsvError::Read(e),
            Failure::Write(e) => CsvError::Write(e),
        }
    }
}

/// Extracts the message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}
