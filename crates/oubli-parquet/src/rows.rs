//! Reading a Parquet file's rows back as canonical text, and copying a file
//! without some of its rows: the `[risk]` check that `oubli mask` runs on its
//! own output (`docs/RISK.md` §3). The values are read through the same
//! canonical text as the transforms ([`crate`] docs), so a class is the same
//! in a Parquet output as in the CSV output of the same data.

use std::fs::File;
use std::io::Write;
use std::ops::Index;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;

use crate::error::{ParquetError, panic_message};
use crate::text::{TextColumn, type_name};
use crate::{DEFAULT_BATCH_SIZE, ParquetOptions, writer_properties};

/// How a NULL reads in a [`RowText`]: the byte `0xFF`, which never occurs in
/// UTF-8 (and so in no canonical text), so that NULL is a value of its own,
/// apart from the empty string.
pub const NULL_TEXT: &[u8] = b"\xff";

/// The canonical text of the named columns of one row, in the order they were
/// named. Index it with the column's position in that list.
#[derive(Debug, Clone, Copy)]
pub struct RowText<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl RowText<'_> {
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether no column was named.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl Index<usize> for RowText<'_> {
    type Output = [u8];

    fn index(&self, column: usize) -> &[u8] {
        let start = if column == 0 {
            0
        } else {
            self.ends[column - 1]
        };
        &self.bytes[start..self.ends[column]]
    }
}

/// What [`filter_rows`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilteredRows {
    /// Rows read.
    pub rows: u64,
    /// Rows written.
    pub kept: u64,
}

/// Calls `each` with the canonical text of the top-level `columns` of every
/// row of the Parquet file `input` (named `name` in errors), in file order;
/// only those columns are decoded. Returns the number of rows.
///
/// # Errors
///
/// The file cannot be read, a column is not a top-level column of the file
/// (a nested leaf such as `address.zip` cannot be measured), or its type has
/// no canonical text.
pub fn for_each_row(
    input: &File,
    name: &str,
    columns: &[&str],
    each: impl FnMut(RowText<'_>),
) -> Result<u64, ParquetError> {
    for_each_first_row(input, name, columns, None, each)
}

/// [`for_each_row`] for at most the first `limit` rows (all with `None`):
/// nothing past them is decoded.
///
/// # Errors
///
/// As [`for_each_row`].
pub fn for_each_first_row(
    input: &File,
    name: &str,
    columns: &[&str],
    limit: Option<usize>,
    mut each: impl FnMut(RowText<'_>),
) -> Result<u64, ParquetError> {
    guarded(name, || {
        let builder = builder(input, name)?;
        let roots = roots(&builder, name, columns)?;
        let projection = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        let mut builder = builder
            .with_projection(projection)
            .with_batch_size(DEFAULT_BATCH_SIZE);
        if let Some(limit) = limit {
            builder = builder.with_limit(limit);
        }
        let reader = builder.build().map_err(|e| not_parquet(name, e))?;
        let mut rows = 0u64;
        let mut text = Texts::default();
        for batch in reader {
            let batch = batch.map_err(|e| read_error(name, e))?;
            // The projected batch holds the columns in file order.
            let indexes = columns
                .iter()
                .map(|c| batch.schema().index_of(c).map_err(|_| missing(name, c)))
                .collect::<Result<Vec<_>, _>>()?;
            text.rows(&batch, &indexes, name, columns, &mut each)?;
            rows += batch.num_rows() as u64;
        }
        Ok(rows)
    })
}

/// Copies the Parquet file `input` to `output` without the rows for which
/// `keep` (given the canonical text of `columns`, as in [`for_each_row`])
/// returns `false`. The copy has the input's schema, key-value metadata (the
/// `oubli.provenance` entry included), per-column codecs and row-group size;
/// kept rows are identical value for value and in order. Every column is
/// decoded and re-encoded.
///
/// # Errors
///
/// As [`for_each_row`], and errors writing `output`.
pub fn filter_rows<W: Write + Send>(
    input: &File,
    name: &str,
    columns: &[&str],
    output: W,
    mut keep: impl FnMut(RowText<'_>) -> bool,
) -> Result<FilteredRows, ParquetError> {
    guarded(name, move || {
        let builder = builder(input, name)?;
        let indexes = roots(&builder, name, columns)?;
        let metadata = Arc::clone(builder.metadata());
        let schema = Arc::clone(builder.schema());
        let key_values: Vec<KeyValue> = metadata
            .file_metadata()
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .filter(|kv| kv.key != parquet::arrow::ARROW_SCHEMA_META_KEY)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let properties =
            writer_properties(&metadata, &schema, &ParquetOptions::default(), key_values)?;
        let reader = builder
            .with_batch_size(DEFAULT_BATCH_SIZE)
            .build()
            .map_err(|e| not_parquet(name, e))?;
        let mut writer = ArrowWriter::try_new(output, Arc::clone(&schema), Some(properties))
            .map_err(ParquetError::Write)?;
        let (mut rows, mut kept) = (0u64, 0u64);
        let mut text = Texts::default();
        let mut mask = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| read_error(name, e))?;
            mask.clear();
            text.rows(&batch, &indexes, name, columns, |row| mask.push(keep(row)))?;
            let filtered = arrow_select::filter::filter_record_batch(
                &batch,
                &BooleanArray::from(std::mem::take(&mut mask)),
            )
            .map_err(|e| read_error(name, e))?;
            rows += batch.num_rows() as u64;
            kept += filtered.num_rows() as u64;
            if filtered.num_rows() > 0 {
                writer.write(&filtered).map_err(ParquetError::Write)?;
            }
        }
        let mut output = writer.into_inner().map_err(ParquetError::Write)?;
        output.flush().map_err(ParquetError::Io)?;
        Ok(FilteredRows { rows, kept })
    })
}

/// Per-row scratch space.
#[derive(Default)]
struct Texts {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    scratch: String,
}

impl Texts {
    /// Calls `each` for every row of `batch` with the text of the columns at
    /// `indexes` (named `columns`).
    fn rows(
        &mut self,
        batch: &RecordBatch,
        indexes: &[usize],
        name: &str,
        columns: &[&str],
        mut each: impl FnMut(RowText<'_>),
    ) -> Result<(), ParquetError> {
        let views = indexes
            .iter()
            .zip(columns)
            .map(|(&i, column)| {
                let array = batch.column(i).as_ref();
                TextColumn::new(array).ok_or_else(|| ParquetError::RiskColumn {
                    file: name.to_owned(),
                    column: (*column).to_owned(),
                    reason: format!(
                        "its type `{}` has no canonical text, so its values cannot be compared",
                        type_name(array.data_type())
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            self.bytes.clear();
            self.ends.clear();
            for view in &views {
                match view.text(row, &mut self.scratch) {
                    Some(t) => self.bytes.extend_from_slice(t.as_bytes()),
                    None => self.bytes.extend_from_slice(NULL_TEXT),
                }
                self.ends.push(self.bytes.len());
            }
            each(RowText {
                bytes: &self.bytes,
                ends: &self.ends,
            });
        }
        Ok(())
    }
}

fn builder(
    input: &File,
    name: &str,
) -> Result<ParquetRecordBatchReaderBuilder<File>, ParquetError> {
    let file = input.try_clone().map_err(ParquetError::Io)?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| not_parquet(name, e))
}

/// The indexes of `columns` among the file's top-level fields.
fn roots(
    builder: &ParquetRecordBatchReaderBuilder<File>,
    name: &str,
    columns: &[&str],
) -> Result<Vec<usize>, ParquetError> {
    columns
        .iter()
        .map(|c| builder.schema().index_of(c).map_err(|_| missing(name, c)))
        .collect()
}

fn missing(name: &str, column: &str) -> ParquetError {
    ParquetError::RiskColumn {
        file: name.to_owned(),
        column: column.to_owned(),
        reason: "not a top-level column of the file (a nested field's leaves cannot be measured; name top-level columns)".to_owned(),
    }
}

fn not_parquet(name: &str, source: parquet::errors::ParquetError) -> ParquetError {
    ParquetError::NotParquet {
        file: name.to_owned(),
        source,
    }
}

fn read_error(name: &str, source: arrow_schema::ArrowError) -> ParquetError {
    ParquetError::ReadBack {
        file: name.to_owned(),
        source,
    }
}

/// Runs `f`, turning a panic of the Parquet or Arrow library into an error.
fn guarded<T>(name: &str, f: impl FnOnce() -> Result<T, ParquetError>) -> Result<T, ParquetError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(ParquetError::Panic {
            file: name.to_owned(),
            row_group: None,
            message: panic_message(&*payload),
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, StringArray, StructArray};
    use arrow_schema::{DataType, Field};

    use super::*;

    /// A file with `city` (with a NULL and an empty string), `age` (int64) and
    /// `address` (a struct), two row groups, and a key-value entry.
    fn fixture() -> tempfile::NamedTempFile {
        let city: Arc<dyn Array> = Arc::new(StringArray::from(vec![
            Some("Paris"),
            None,
            Some(""),
            Some("Paris"),
        ]));
        let age: Arc<dyn Array> = Arc::new(Int64Array::from(vec![41, 7, -3, 41]));
        let zip: Arc<dyn Array> = Arc::new(StringArray::from(vec!["1", "2", "3", "4"]));
        let address: Arc<dyn Array> = Arc::new(StructArray::from(vec![(
            Arc::new(Field::new("zip", DataType::Utf8, false)),
            zip,
        )]));
        let batch =
            RecordBatch::try_from_iter([("city", city), ("age", age), ("address", address)])
                .unwrap();
        let temp = tempfile::NamedTempFile::new().unwrap();
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(2))
            .set_key_value_metadata(Some(vec![KeyValue::new("note".into(), "kept".to_owned())]))
            .build();
        let mut writer = ArrowWriter::try_new(
            temp.as_file().try_clone().unwrap(),
            batch.schema(),
            Some(properties),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        temp
    }

    fn rows_of(file: &File, columns: &[&str]) -> Vec<Vec<Vec<u8>>> {
        let mut rows = Vec::new();
        let n = for_each_row(file, "f.parquet", columns, |row| {
            rows.push((0..row.len()).map(|i| row[i].to_vec()).collect());
        })
        .unwrap();
        assert_eq!(n as usize, rows.len());
        rows
    }

    #[test]
    fn rows_read_back_as_canonical_text_with_null_apart() {
        let temp = fixture();
        let rows = rows_of(temp.as_file(), &["age", "city"]);
        let expected: Vec<Vec<Vec<u8>>> = vec![
            vec![b"41".to_vec(), b"Paris".to_vec()],
            vec![b"7".to_vec(), NULL_TEXT.to_vec()],
            vec![b"-3".to_vec(), Vec::new()],
            vec![b"41".to_vec(), b"Paris".to_vec()],
        ];
        assert_eq!(rows, expected);
    }

    #[test]
    fn filter_keeps_rows_in_order_and_the_metadata() {
        let temp = fixture();
        let out = tempfile::NamedTempFile::new().unwrap();
        let filtered = filter_rows(
            temp.as_file(),
            "f.parquet",
            &["city"],
            out.as_file().try_clone().unwrap(),
            |row| &row[0] == b"Paris",
        )
        .unwrap();
        assert_eq!(filtered, FilteredRows { rows: 4, kept: 2 });
        let rows = rows_of(out.as_file(), &["age", "city"]);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r[0] == b"41" && r[1] == b"Paris"));
        let builder = ParquetRecordBatchReaderBuilder::try_new(out.reopen().unwrap()).unwrap();
        let kv = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .unwrap();
        assert!(
            kv.iter()
                .any(|k| k.key == "note" && k.value.as_deref() == Some("kept"))
        );
        assert_eq!(builder.schema().fields().len(), 3, "every column is copied");
    }

    #[test]
    fn columns_must_be_top_level_with_canonical_text() {
        let temp = fixture();
        let e = for_each_row(temp.as_file(), "f.parquet", &["address.zip"], |_| {}).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("f.parquet: column `address.zip`: not a top-level column"),
            "{e}"
        );
        let e = for_each_row(temp.as_file(), "f.parquet", &["address"], |_| {}).unwrap_err();
        assert!(e.to_string().contains("has no canonical text"), "{e}");
    }
}
