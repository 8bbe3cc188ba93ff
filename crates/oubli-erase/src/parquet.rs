//! Erasing subjects' rows from a Parquet file.
//!
//! The input is read one batch at a time with the `parquet` crate's Arrow
//! reader; each batch is filtered with a mask of the rows to keep
//! (`arrow-select`), and written with `ArrowWriter` under the input's Arrow
//! schema, its key-value metadata (other than the embedded `ARROW:schema`,
//! which the writer rewrites) and the compression of its first column chunk.
//! Kept rows are identical value for value and in order; the bytes of the
//! file differ (row groups and pages are rewritten), so the evidence records
//! the SHA-256 of both files.
//!
//! The column is matched through its canonical text (`docs/CONSTRUCTIONS.md`
//! §3): strings as they are, integers in plain decimal, booleans
//! `true`/`false`; a NULL never matches. Masked columns (`hash`, `encrypt`,
//! `fpe` output) are strings. Other types are refused before anything is
//! written.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::cast::AsArray as _;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;

use crate::erase::{EraseError, FileDigest, Hashing, Streamed, Subjects, Verification};

/// Rows per batch read.
const BATCH_ROWS: usize = 8192;

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> EraseError + '_ {
    move |e| EraseError::Parquet {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}

fn arrow_err(path: &Path) -> impl FnOnce(arrow_schema::ArrowError) -> EraseError + '_ {
    move |e| EraseError::Parquet {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> EraseError + '_ {
    move |source| EraseError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether erase can match a column of this type.
fn matchable(t: &DataType) -> bool {
    match t {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => true,
        DataType::Dictionary(_, value) => {
            matches!(**value, DataType::Utf8 | DataType::LargeUtf8)
        }
        _ => false,
    }
}

/// For each row of `array`, the subject it belongs to (calls `found`), in
/// row order; returns the keep mask.
fn matches(
    array: &dyn Array,
    subjects: &Subjects,
    mut found: impl FnMut(usize),
) -> Result<BooleanArray, arrow_schema::ArrowError> {
    let mut keep = Vec::with_capacity(array.len());
    let mut buf = String::new();
    let mut check = |text: Option<&[u8]>| {
        let hit = text.and_then(|t| subjects.find(t));
        if let Some(i) = hit {
            found(i);
        }
        keep.push(hit.is_none());
    };
    macro_rules! ints {
        ($t:ty) => {{
            let a = array.as_primitive::<$t>();
            for i in 0..a.len() {
                if a.is_null(i) {
                    check(None);
                } else {
                    buf.clear();
                    let _ = write!(buf, "{}", a.value(i));
                    check(Some(buf.as_bytes()));
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            for i in 0..a.len() {
                check((!a.is_null(i)).then(|| a.value(i).as_bytes()));
            }
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            for i in 0..a.len() {
                check((!a.is_null(i)).then(|| a.value(i).as_bytes()));
            }
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            for i in 0..a.len() {
                check((!a.is_null(i)).then(|| a.value(i).as_bytes()));
            }
        }
        DataType::Boolean => {
            let a = array.as_boolean();
            for i in 0..a.len() {
                let text: &[u8] = if a.value(i) { b"true" } else { b"false" };
                check((!a.is_null(i)).then_some(text));
            }
        }
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        DataType::Dictionary(_, _) => {
            // Decode through a cast to plain strings (the dictionary's values).
            let plain = arrow_cast_to_utf8(array)?;
            let a = plain.as_string::<i64>();
            for i in 0..a.len() {
                check((!a.is_null(i)).then(|| a.value(i).as_bytes()));
            }
        }
        other => {
            return Err(arrow_schema::ArrowError::InvalidArgumentError(format!(
                "type {other} cannot be matched"
            )));
        }
    }
    Ok(BooleanArray::from(keep))
}

/// A dictionary of strings, decoded to a `large_string` array.
fn arrow_cast_to_utf8(array: &dyn Array) -> Result<Arc<dyn Array>, arrow_schema::ArrowError> {
    let dict = array.as_any_dictionary();
    let keys = dict.normalized_keys();
    let values = dict.values();
    let mut builder = arrow_array::builder::LargeStringBuilder::new();
    let strings: Vec<Option<String>> = match values.data_type() {
        DataType::Utf8 => values
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect(),
        DataType::LargeUtf8 => values
            .as_string::<i64>()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect(),
        other => {
            return Err(arrow_schema::ArrowError::InvalidArgumentError(format!(
                "dictionary of {other} cannot be matched"
            )));
        }
    };
    for (i, key) in keys.iter().enumerate() {
        if array.is_null(i) {
            builder.append_null();
        } else {
            builder.append_option(strings.get(*key).cloned().flatten());
        }
    }
    Ok(Arc::new(builder.finish()))
}

/// Index of the top-level column `name`, checked to be matchable.
fn column(schema: &arrow_schema::Schema, name: &str) -> Result<usize, EraseError> {
    let index = schema.index_of(name).map_err(|_| EraseError::Csv {
        path: Default::default(),
        source: oubli_csv::CsvError::Header(crate::erase::NoSuchColumn {
            column: name.to_owned(),
            available: schema
                .fields()
                .iter()
                .map(|f| format!("`{}`", f.name()))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    })?;
    let t = schema.field(index).data_type();
    if !matchable(t) {
        return Err(EraseError::UnsupportedColumnType {
            column: name.to_owned(),
            type_name: t.to_string(),
        });
    }
    Ok(index)
}

/// SHA-256 and length of a file, read once.
fn digest_file(path: &Path) -> Result<FileDigest, EraseError> {
    let mut h = Hashing::new(File::open(path).map_err(io_err(path))?);
    io::copy(&mut h, &mut io::sink()).map_err(io_err(path))?;
    Ok(h.digest())
}

/// Streams the kept rows of the Parquet file `input` into `temp`.
pub(crate) fn stream(
    input: &Path,
    temp: &tempfile::NamedTempFile,
    subjects: &Subjects,
    column_name: &str,
    counts: &Arc<[AtomicU64]>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Streamed, EraseError> {
    let input_digest = digest_file(input)?;
    let file = File::open(input).map_err(io_err(input))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_err(input))?;
    let schema = builder.schema().clone();
    let index = column(&schema, column_name).map_err(|e| with_path(e, input))?;
    let metadata = builder.metadata().clone();
    let rows_before = u64::try_from(metadata.file_metadata().num_rows()).unwrap_or(0);
    let compression = metadata
        .row_groups()
        .first()
        .and_then(|rg| rg.columns().first())
        .map(|c| c.compression());
    let key_values = metadata.file_metadata().key_value_metadata().map(|kv| {
        kv.iter()
            .filter(|k| k.key != "ARROW:schema")
            .cloned()
            .collect::<Vec<_>>()
    });
    let mut props = WriterProperties::builder().set_key_value_metadata(key_values);
    if let Some(c) = compression {
        props = props.set_compression(c);
    }
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_err(input))?;

    let mut out = Hashing::new(BufWriter::with_capacity(
        1 << 20,
        temp.as_file().try_clone().map_err(io_err(temp.path()))?,
    ));
    out.fault_after_first_write = true;
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props.build()))
        .map_err(parquet_err(temp.path()))?;
    let mut local = vec![0u64; subjects.len()];
    let (mut read, mut kept) = (0u64, 0u64);
    for batch in reader {
        let batch: RecordBatch = batch.map_err(arrow_err(input))?;
        let keep = matches(batch.column(index).as_ref(), subjects, |i| local[i] += 1)
            .map_err(arrow_err(input))?;
        let filtered =
            arrow_select::filter::filter_record_batch(&batch, &keep).map_err(arrow_err(input))?;
        read += batch.num_rows() as u64;
        kept += filtered.num_rows() as u64;
        if filtered.num_rows() > 0 {
            writer.write(&filtered).map_err(parquet_err(temp.path()))?;
        }
        progress(read);
    }
    writer.close().map_err(parquet_err(temp.path()))?;
    out.flush().map_err(io_err(temp.path()))?;
    for (total, n) in counts.iter().zip(&local) {
        total.fetch_add(*n, Ordering::Relaxed);
    }
    if read != rows_before {
        return Err(EraseError::Parquet {
            path: input.to_path_buf(),
            source: format!("read {read} rows, the footer says {rows_before}").into(),
        });
    }
    Ok(Streamed {
        rows_before,
        kept,
        input: input_digest,
        output: out.digest(),
    })
}

fn with_path(e: EraseError, path: &Path) -> EraseError {
    match e {
        EraseError::Csv { source, .. } => EraseError::Csv {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    }
}

/// Re-reads the new version: its rows, the subjects' rows left, and its
/// bytes' hash against what was written.
pub(crate) fn verify(
    path: &Path,
    subjects: &Subjects,
    column_name: &str,
    written: FileDigest,
) -> Result<Verification, EraseError> {
    if digest_file(path)? != written {
        return Err(EraseError::Io {
            path: path.to_path_buf(),
            source: io::Error::other("the new version reads back different from what was written"),
        });
    }
    let file = File::open(path).map_err(io_err(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_err(path))?;
    let index = column(builder.schema(), column_name).map_err(|e| with_path(e, path))?;
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_err(path))?;
    let (mut rows, mut remaining) = (0u64, 0u64);
    for batch in reader {
        let batch = batch.map_err(arrow_err(path))?;
        matches(batch.column(index).as_ref(), subjects, |_| remaining += 1)
            .map_err(arrow_err(path))?;
        rows += batch.num_rows() as u64;
    }
    Ok(Verification { rows, remaining })
}
