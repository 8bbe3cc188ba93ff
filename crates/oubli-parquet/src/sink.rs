//! Where transformed batches go: the `ArrowWriter` (when the output's codec or
//! row groups are overridden), or the splicing writer, which copies the encoded
//! column chunks of wholly kept columns from the input byte for byte and encodes
//! only the columns that change.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{FieldRef, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError as PqError;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};

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

/// Copies kept columns' chunks and encodes the others, row group by row group;
/// the output has exactly the input's row groups.
pub(crate) struct SpliceSink<'a, W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    /// The output fields that are encoded (the batches' schema).
    encoded: SchemaRef,
    parts: Vec<Part>,
    input: &'a File,
    metadata: &'a ParquetMetaData,
    /// The row group being encoded, and its column writers.
    current: Option<(usize, Vec<ArrowColumnWriter>)>,
}

impl<'a, W: Write + Send> SpliceSink<'a, W> {
    /// `root` is the output's Parquet schema: the input's own nodes for kept
    /// fields, converted nodes for changed ones; `encoded_nodes` are the latter.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        output: W,
        root: TypePtr,
        encoded_nodes: Vec<TypePtr>,
        encoded: SchemaRef,
        parts: Vec<Part>,
        properties: Arc<WriterProperties>,
        input: &'a File,
        metadata: &'a ParquetMetaData,
    ) -> Result<Self, PqError> {
        let file = SerializedFileWriter::new(output, root, Arc::clone(&properties))?;
        // Column writers for the changed fields alone: a schema of just their
        // nodes gives the same column descriptors (paths and levels) as the
        // full output schema.
        let shadow_root = Arc::new(
            Type::group_type_builder("arrow_schema")
                .with_fields(encoded_nodes)
                .build()?,
        );
        let shadow = SerializedFileWriter::new(std::io::sink(), shadow_root, properties)?;
        let factory = ArrowRowGroupWriterFactory::new(&shadow, Arc::clone(&encoded));
        Ok(SpliceSink {
            file,
            factory,
            encoded,
            parts,
            input,
            metadata,
            current: None,
        })
    }

    /// Whether every output field is copied (nothing to decode).
    pub(crate) fn copies_everything(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Copied(_)))
    }

    /// Writes row group `row_group`: copied chunks and the encoded ones.
    pub(crate) fn finish_row_group(&mut self, row_group: usize) -> Result<(), PqError> {
        let mut chunks = match self.current.take() {
            Some((g, writers)) if g == row_group => writers
                .into_iter()
                .map(ArrowColumnWriter::close)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter(),
            Some(_) => return Err(PqError::General("row groups out of order".into())),
            None => Vec::new().into_iter(),
        };
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
        if let Some((g, _)) = self.current {
            return Err(PqError::General(format!("row group {g} was not finished")));
        }
        self.file.flush()?;
        self.file.into_inner()
    }
}

/// The number of Parquet leaf columns of an Arrow field.
fn leaf_count(field: &arrow_schema::Field) -> usize {
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

impl<W: Write + Send> BatchSink for SpliceSink<'_, W> {
    fn write(
        &mut self,
        batch: &RecordBatch,
        row_group: usize,
        ends_row_group: bool,
    ) -> Result<(), PqError> {
        if self.current.as_ref().is_none_or(|(g, _)| *g != row_group) {
            if self.current.is_some() {
                return Err(PqError::General(
                    "a row group ended before its last batch".into(),
                ));
            }
            let writers = self.factory.create_column_writers(row_group)?;
            self.current = Some((row_group, writers));
        }
        let Some((_, writers)) = self.current.as_mut() else {
            unreachable!("set above");
        };
        let mut writers = writers.iter_mut();
        for (field, column) in self.encoded.fields().iter().zip(batch.columns()) {
            for leaf in compute_leaves(field, column)? {
                writers
                    .next()
                    .ok_or_else(|| PqError::General("more leaves than column writers".into()))?
                    .write(&leaf)?;
            }
        }
        if ends_row_group {
            self.finish_row_group(row_group)?;
        }
        Ok(())
    }
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
