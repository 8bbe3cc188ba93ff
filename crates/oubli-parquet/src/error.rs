//! The engine's error type.

use oubli_policy::PolicyError;

/// The error type boxed inside [`ParquetError::Value`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can stop [`mask`](crate::mask).
///
/// Row groups are numbered from 0, as in the Parquet footer and in pyarrow;
/// rows from 1, counted over the whole file. A message does not repeat the text
/// of its [`source`](std::error::Error::source): print the whole chain to show
/// the cause. No message ever contains a value of the data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParquetError {
    /// The policy does not fit the file (an unlisted or missing column, or a
    /// transform that cannot apply to a column's type). Nothing was written.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The file's footer cannot be read: it is empty, truncated, corrupt or not
    /// Parquet at all.
    #[error(
        "{file}: not a readable Parquet file (it is empty, truncated, corrupt, or not Parquet)"
    )]
    NotParquet {
        /// The input's name.
        file: String,
        /// What the Parquet reader said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Two columns of the file have the same dotted path, so the policy cannot
    /// name them apart.
    #[error(
        "{file}: two columns have the path `{path}`; the policy cannot tell them apart (rename one)"
    )]
    AmbiguousPath {
        /// The input's name.
        file: String,
        /// The path named twice.
        path: String,
    },
    /// The `oubli.provenance` metadata of a file to unmask cannot be read.
    #[error("{file}: the `oubli.provenance` metadata is not valid: {message}")]
    Provenance {
        /// The input's name.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// A row group cannot be read or decoded.
    #[error(
        "{file}: row group {row_group}: cannot read the data (the file is truncated or corrupt)"
    )]
    Read {
        /// The input's name.
        file: String,
        /// 0-based row group.
        row_group: usize,
        /// What the Parquet reader said.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A row group has fewer or more rows than its footer says.
    #[error(
        "{file}: row group {row_group}: the footer says {expected} rows, the data has {found} (the file is corrupt)"
    )]
    RowCount {
        /// The input's name.
        file: String,
        /// 0-based row group.
        row_group: usize,
        /// Rows per the footer.
        expected: u64,
        /// Rows decoded.
        found: u64,
    },
    /// One value could not be transformed (an `fpe` value too short, a token
    /// that does not decrypt, a decrypted text that is not of the column's type).
    #[error(
        "{file}: row group {row_group}, row {row}: column `{column}`: cannot transform the value"
    )]
    Value {
        /// The input's name.
        file: String,
        /// 0-based row group.
        row_group: usize,
        /// 1-based row in the file.
        row: u64,
        /// The column's dotted path.
        column: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// Building a transformed column failed (a bug, or a batch too large for
    /// 32-bit string offsets).
    #[error("{file}: row group {row_group}: cannot build the output column `{column}`")]
    Build {
        /// The input's name.
        file: String,
        /// 0-based row group.
        row_group: usize,
        /// The column's dotted path.
        column: String,
        /// What Arrow said.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// Writing the output failed.
    #[error("cannot write the Parquet output")]
    Write(#[source] parquet::errors::ParquetError),
    /// Writing the output failed.
    #[error("cannot write the Parquet output")]
    Io(#[source] std::io::Error),
    /// A column that a `[risk]` check reads cannot be read as text
    /// ([`crate::rows`]).
    #[error("{file}: column `{column}`: {reason}")]
    RiskColumn {
        /// The file's name.
        file: String,
        /// The column.
        column: String,
        /// Why.
        reason: String,
    },
    /// A file being read back ([`crate::rows`]) cannot be decoded.
    #[error("{file}: cannot read the data back (the file is truncated or corrupt)")]
    ReadBack {
        /// The file's name.
        file: String,
        /// What Arrow said.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// The Parquet or Arrow library panicked, usually on a corrupt file.
    #[error("{file}: {}the Parquet reader failed: {message} (the file is probably corrupt)", .row_group.map(|g| format!("row group {g}: ")).unwrap_or_default())]
    Panic {
        /// The input's name.
        file: String,
        /// 0-based row group, where known.
        row_group: Option<usize>,
        /// The panic message.
        message: String,
    },
}

/// Extracts the message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}
