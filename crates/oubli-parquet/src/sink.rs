//! Where transformed batches go: the `ArrowWriter` (when the output's codec or
//! row groups are overridden), or the splicing writer, which copies the encoded
//! column chunks of wholly kept columns from the input byte for byte and encodes
//! only the columns that change.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::RecordBatch;
use arrow_schema::{FieldRef, Schema, SchemaRef};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowRowGroupWriterFactory, PageKey, PageStore, PageStoreArgs,
    PageStoreFactory,
};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError as PqError;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};

use crate::pipeline::ChunkSink;
use crate::positional::PositionalFile;

/// Receives the transformed batches, in file order.
pub(crate) trait BatchSink {
    /// Writes `batch`, which belongs to input row group `row_group` and is its
    /// last batch if `ends_row_group`.
    fn write(
        &mut self,
        batch: &RecordBatch,
        row_group: usize,
        ends_row_group: bool,
    ) -> Result<(), PqError>;
}

/// Re-encodes everything with the `ArrowWriter`.
pub(crate) struct ArrowSink<W: Write + Send> {
    pub(crate) writer: ArrowWriter<W>,
    /// End an output row group wherever an input row group ends.
    pub(crate) flush_per_row_group: bool,
}

impl<W: Write + Send> BatchSink for ArrowSink<W> {
    fn write(
        &mut self,
        batch: &RecordBatch,
        _row_group: usize,
        ends_row_group: bool,
    ) -> Result<(), PqError> {
        self.writer.write(batch)?;
        if ends_row_group && self.flush_per_row_group {
            self.writer.flush()?;
        }
        Ok(())
    }
}

/// One top-level field of the output, in order.
pub(crate) enum Part {
    /// Kept whole: these input leaf columns are copied.
    Copied(Vec<usize>),
    /// Changed: encoded from the transformed batches (their next column).
    Encoded,
}

/// Copies kept columns' chunks and writes the encoded chunks of the others
/// (which the pipeline's workers encode in parallel, with writers from
/// [`encoder_factory`]), row group by row group; the output has exactly the
/// input's row groups.
pub(crate) struct SpliceSink<'a, W: Write + Send> {
    file: SerializedFileWriter<W>,
    /// The output fields that are encoded (the batches' schema).
    encoded: SchemaRef,
    parts: Vec<Part>,
    input: &'a PositionalFile,
    metadata: &'a ParquetMetaData,
}

impl<'a, W: Write + Send> SpliceSink<'a, W> {
    /// `root` is the output's Parquet schema: the input's own nodes for kept
    /// fields, converted nodes for changed ones.
    pub(crate) fn new(
        output: W,
        root: TypePtr,
        encoded: SchemaRef,
        parts: Vec<Part>,
        properties: Arc<WriterProperties>,
        input: &'a PositionalFile,
        metadata: &'a ParquetMetaData,
    ) -> Result<Self, PqError> {
        let file = SerializedFileWriter::new(output, root, properties)?;
        Ok(SpliceSink {
            file,
            encoded,
            parts,
            input,
            metadata,
        })
    }

    /// Whether every output field is copied (nothing to decode).
    pub(crate) fn copies_everything(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Copied(_)))
    }

    /// Writes row group `row_group`: copied chunks and `chunks`, the encoded
    /// ones (one per leaf of the encoded fields, in order).
    pub(crate) fn write_row_group(
        &mut self,
        row_group: usize,
        chunks: Vec<ArrowColumnChunk>,
    ) -> Result<(), PqError> {
        let mut chunks = chunks.into_iter();
        let group = self.metadata.row_group(row_group);
        let rows = u64::try_from(group.num_rows()).unwrap_or(0);
        let fields = self.encoded_fields_cursor();
        let mut writer = self.file.next_row_group()?;
        for (part, field) in self.parts.iter().zip(fields) {
            match part {
                Part::Copied(leaves) => {
                    for &leaf in leaves {
                        let column = group.column(leaf);
                        writer.append_column(
                            self.input,
                            ColumnCloseResult {
                                bytes_written: u64::try_from(column.compressed_size()).unwrap_or(0),
                                rows_written: rows,
                                metadata: column.clone(),
                                bloom_filter: None,
                                column_index: None,
                                offset_index: None,
                            },
                        )?;
                    }
                }
                Part::Encoded => {
                    let Some(field) = field else {
                        return Err(PqError::General("an encoded field is missing".into()));
                    };
                    for _ in 0..leaf_count(&field) {
                        let chunk = chunks.next().ok_or_else(|| {
                            PqError::General(format!("no data for column `{}`", field.name()))
                        })?;
                        chunk.append_to_row_group(&mut writer)?;
                    }
                }
            }
        }
        writer.close()?;
        Ok(())
    }

    /// For each part, the encoded field it stands for (`None` for copies).
    fn encoded_fields_cursor(&self) -> Vec<Option<FieldRef>> {
        let mut fields = self.encoded.fields().iter();
        self.parts
            .iter()
            .map(|p| match p {
                Part::Copied(_) => None,
                Part::Encoded => fields.next().cloned(),
            })
            .collect()
    }

    /// Writes the footer and returns the output.
    pub(crate) fn finish(mut self) -> Result<W, PqError> {
        self.file.flush()?;
        self.file.into_inner()
    }
}

/// The number of Parquet leaf columns of an Arrow field.
pub(crate) fn leaf_count(field: &arrow_schema::Field) -> usize {
    use arrow_schema::DataType;
    match field.data_type() {
        DataType::Struct(children) => children.iter().map(|c| leaf_count(c)).sum(),
        DataType::List(e)
        | DataType::LargeList(e)
        | DataType::FixedSizeList(e, _)
        | DataType::ListView(e)
        | DataType::LargeListView(e)
        | DataType::Map(e, _) => leaf_count(e),
        DataType::Dictionary(_, value) => {
            leaf_count(&arrow_schema::Field::new("", (**value).clone(), true))
        }
        DataType::RunEndEncoded(_, values) => leaf_count(values),
        _ => 1,
    }
}

impl<W: Write + Send> ChunkSink for SpliceSink<'_, W> {
    fn write_row_group(
        &mut self,
        row_group: usize,
        chunks: Vec<ArrowColumnChunk>,
    ) -> Result<(), PqError> {
        SpliceSink::write_row_group(self, row_group, chunks)
    }
}

/// The column-writer factory of the encoded fields (`encoded_nodes`, the
/// batches' schema `encoded`): a schema of just their nodes gives the same
/// column descriptors (paths and levels) as the full output schema.
pub(crate) fn encoder_factory(
    encoded_nodes: Vec<TypePtr>,
    encoded: SchemaRef,
    properties: Arc<WriterProperties>,
    pages: Arc<dyn PageStoreFactory>,
) -> Result<ArrowRowGroupWriterFactory, PqError> {
    let shadow_root = Arc::new(
        Type::group_type_builder("arrow_schema")
            .with_fields(encoded_nodes)
            .build()?,
    );
    let shadow = SerializedFileWriter::new(std::io::sink(), shadow_root, properties)?;
    Ok(ArrowRowGroupWriterFactory::new(&shadow, encoded).with_page_store_factory(pages))
}

/// The output's Parquet schema for the splicing writer, and the nodes of the
/// encoded fields: a kept field keeps its input node (so that its chunks can be
/// copied), a changed field gets the node the Arrow writer would give it.
pub(crate) fn splice_schema(
    input_root: &Type,
    output_fields: &[(Option<usize>, FieldRef)],
) -> Result<(TypePtr, Vec<TypePtr>), PqError> {
    let converter = parquet::arrow::ArrowSchemaConverter::new();
    let mut nodes = Vec::with_capacity(output_fields.len());
    let mut encoded = Vec::new();
    for (kept_input_index, field) in output_fields {
        match kept_input_index {
            Some(i) => nodes.push(Arc::clone(&input_root.get_fields()[*i])),
            None => {
                let descriptor = converter.convert(&Schema::new(vec![Arc::clone(field)]))?;
                let node = Arc::clone(&descriptor.root_schema().get_fields()[0]);
                encoded.push(Arc::clone(&node));
                nodes.push(node);
            }
        }
    }
    let root = Type::group_type_builder(input_root.name())
        .with_fields(nodes)
        .build()?;
    Ok((Arc::new(root), encoded))
}

/// Keeps encoded pages of the changed columns in memory while their total
/// stays under a budget shared by the whole job, and spills the rest to an
/// unlinked temporary file per column chunk (deleted when the chunk is
/// written, and by the OS if the process dies). A row group's encoded pages
/// must be held until the row group ends, so without spilling memory would
/// grow with the row-group size.
#[derive(Debug)]
pub(crate) struct SpillStoreFactory {
    /// Where temporary files go (`None`: the system's temporary directory).
    pub(crate) dir: Option<std::path::PathBuf>,
    /// Bytes that may stay resident, shared by all stores.
    pub(crate) budget: Arc<AtomicUsize>,
}

impl SpillStoreFactory {
    pub(crate) fn new(dir: Option<std::path::PathBuf>, budget: usize) -> SpillStoreFactory {
        SpillStoreFactory {
            dir,
            budget: Arc::new(AtomicUsize::new(budget)),
        }
    }
}

impl PageStoreFactory for SpillStoreFactory {
    fn create(&self, _args: &PageStoreArgs<'_>) -> Result<Box<dyn PageStore>, PqError> {
        Ok(Box::new(SpillStore {
            dir: self.dir.clone(),
            budget: Arc::clone(&self.budget),
            resident: 0,
            blobs: Vec::new(),
            file: None,
            end: 0,
        }))
    }
}

enum Blob {
    Memory(Bytes),
    /// Offset and length in the store's file.
    Disk(u64, usize),
    Taken,
}

struct SpillStore {
    dir: Option<std::path::PathBuf>,
    budget: Arc<AtomicUsize>,
    /// Bytes this store holds in memory (taken from `budget`).
    resident: usize,
    blobs: Vec<Blob>,
    file: Option<File>,
    /// Bytes written to `file`.
    end: u64,
}

impl SpillStore {
    /// Takes `n` bytes from the shared budget, if it has them.
    fn reserve(&self, n: usize) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }
}

impl PageStore for SpillStore {
    fn put(&mut self, value: Bytes) -> Result<PageKey, PqError> {
        let key = PageKey::new(self.blobs.len() as u64);
        if self.reserve(value.len()) {
            self.resident += value.len();
            self.blobs.push(Blob::Memory(value));
            return Ok(key);
        }
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let file = match &self.dir {
                    Some(dir) => tempfile::tempfile_in(dir),
                    None => tempfile::tempfile(),
                }
                .map_err(|e| {
                    PqError::General(format!("cannot create a temporary file to spill to: {e}"))
                })?;
                self.file.insert(file)
            }
        };
        file.seek(SeekFrom::Start(self.end))?;
        file.write_all(&value)?;
        self.blobs.push(Blob::Disk(self.end, value.len()));
        self.end += value.len() as u64;
        Ok(key)
    }

    fn take(&mut self, key: PageKey) -> Result<Bytes, PqError> {
        let slot = usize::try_from(key.get())
            .ok()
            .and_then(|i| self.blobs.get_mut(i))
            .ok_or_else(|| PqError::General(format!("no spilled page {}", key.get())))?;
        match std::mem::replace(slot, Blob::Taken) {
            Blob::Memory(bytes) => {
                self.resident -= bytes.len();
                self.budget.fetch_add(bytes.len(), Ordering::Relaxed);
                Ok(bytes)
            }
            Blob::Disk(offset, len) => {
                let file = self
                    .file
                    .as_mut()
                    .ok_or_else(|| PqError::General("the spill file is missing".into()))?;
                let mut buffer = vec![0u8; len];
                file.seek(SeekFrom::Start(offset))?;
                file.read_exact(&mut buffer)?;
                Ok(Bytes::from(buffer))
            }
            Blob::Taken => Err(PqError::General(format!(
                "spilled page {} was taken twice",
                key.get()
            ))),
        }
    }

    fn memory_size(&self) -> usize {
        self.resident
    }
}

impl Drop for SpillStore {
    fn drop(&mut self) {
        // Give back what was never taken (a chunk abandoned on error).
        self.budget.fetch_add(self.resident, Ordering::Relaxed);
    }
}
