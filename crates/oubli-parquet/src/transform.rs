//! Applying the compiled nodes to one record batch, on one worker thread.

use std::sync::Arc;

use arrow_array::builder::GenericStringBuilder;
use arrow_array::cast::AsArray as _;
use arrow_array::{
    Array, ArrayRef, FixedSizeListArray, GenericListArray, MapArray, OffsetSizeTrait, RecordBatch,
    RecordBatchOptions, StructArray, UInt32Array, new_null_array,
};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use oubli_core::MasterKey;
use oubli_policy::{Plan, Worker};

use crate::error::BoxError;
use crate::schema::{Node, Output, ValueSpec};
use crate::text::{TextBuilder, TextColumn, text_builder};

/// Why a batch could not be transformed, before the pipeline adds the file, row
/// group and row.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// A value of header column `column`, at row `index` of the batch.
    Value {
        index: usize,
        column: usize,
        source: BoxError,
    },
    /// Arrow refused to build an output column.
    Build { column: usize, source: ArrowError },
}

impl BatchError {
    /// Maps an element index to the row of the list that holds it.
    fn through_offsets<O: OffsetSizeTrait>(self, offsets: &[O]) -> BatchError {
        match self {
            BatchError::Value {
                index,
                column,
                source,
            } => {
                let row = offsets
                    .partition_point(|o| o.as_usize() <= index)
                    .saturating_sub(1);
                BatchError::Value {
                    index: row,
                    column,
                    source,
                }
            }
            other => other,
        }
    }

    fn through_fixed(self, size: usize) -> BatchError {
        match self {
            BatchError::Value {
                index,
                column,
                source,
            } => BatchError::Value {
                index: index / size.max(1),
                column,
                source,
            },
            other => other,
        }
    }
}

/// One worker thread's state: its [`Worker`], reusable buffers, and counts.
#[derive(Debug)]
pub(crate) struct BatchTransformer {
    worker: Worker,
    /// Values transformed per header column (non-empty values, as in CSV).
    pub(crate) counts: Vec<u64>,
    /// Output bytes of each column in the previous batch, to pre-size builders.
    last_bytes: Vec<usize>,
    text: String,
    out: String,
    arena: String,
    /// The batch's columns by the input's top-level index, where the row's
    /// subject values are found.
    roots: Vec<Option<ArrayRef>>,
    subject_text: String,
}

impl BatchTransformer {
    pub(crate) fn new(plan: &Plan, key: &MasterKey) -> BatchTransformer {
        let n = plan.columns().len();
        BatchTransformer {
            worker: plan.worker(key),
            counts: vec![0; n],
            last_bytes: vec![0; n],
            text: String::new(),
            out: String::new(),
            arena: String::new(),
            roots: Vec::new(),
            subject_text: String::new(),
        }
    }

    /// Transforms one batch. `batch_roots` is the input's top-level index of
    /// each column of `batch`, and `node_roots` that of each node's column.
    pub(crate) fn batch(
        &mut self,
        nodes: &[&Node],
        node_roots: &[usize],
        batch_roots: &[usize],
        schema: &SchemaRef,
        batch: &RecordBatch,
    ) -> Result<RecordBatch, BatchError> {
        self.roots.clear();
        for (&root, array) in batch_roots.iter().zip(batch.columns()) {
            if self.roots.len() <= root {
                self.roots.resize(root + 1, None);
            }
            self.roots[root] = Some(Arc::clone(array));
        }
        let missing = || BatchError::Build {
            column: usize::MAX,
            source: ArrowError::InvalidArgumentError("a column of the plan was not read".into()),
        };
        let mut columns = Vec::with_capacity(schema.fields().len());
        for (node, &root) in nodes.iter().zip(node_roots) {
            let array = self
                .roots
                .get(root)
                .cloned()
                .flatten()
                .ok_or_else(missing)?;
            if let Some(out) = self.node(node, &array)? {
                columns.push(out);
            }
        }
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        RecordBatch::try_new_with_options(Arc::clone(schema), columns, &options).map_err(|source| {
            BatchError::Build {
                column: usize::MAX,
                source,
            }
        })
    }

    fn node(&mut self, node: &Node, array: &ArrayRef) -> Result<Option<ArrayRef>, BatchError> {
        let len = array.len();
        Ok(Some(match node {
            Node::Keep => Arc::clone(array),
            Node::Drop => return Ok(None),
            Node::Null(data_type) => new_null_array(data_type, len),
            Node::Constant(value) => {
                let indices = UInt32Array::from(vec![0u32; len]);
                arrow_select::take::take(value.as_ref(), &indices, None).map_err(|source| {
                    BatchError::Build {
                        column: usize::MAX,
                        source,
                    }
                })?
            }
            Node::Value(spec) => self.values(spec, array)?,
            Node::Struct { children, fields } => {
                let input = array.as_struct();
                let mut out = Vec::with_capacity(fields.len());
                for (child, column) in children.iter().zip(input.columns()) {
                    if let Some(a) = self.node(child, column)? {
                        out.push(a);
                    }
                }
                let s = StructArray::try_new(fields.clone(), out, input.nulls().cloned()).map_err(
                    |source| BatchError::Build {
                        column: usize::MAX,
                        source,
                    },
                )?;
                Arc::new(s)
            }
            Node::List { element, field } => match array.data_type() {
                DataType::List(_) => self.list::<i32>(element, field, array)?,
                DataType::LargeList(_) => self.list::<i64>(element, field, array)?,
                DataType::FixedSizeList(_, size) => {
                    let input = array.as_fixed_size_list();
                    let size_usize = usize::try_from(*size).unwrap_or(0);
                    let values = self
                        .node(element, input.values())
                        .map_err(|e| e.through_fixed(size_usize))?
                        .unwrap_or_else(|| Arc::clone(input.values()));
                    let l = FixedSizeListArray::try_new(
                        Arc::clone(field),
                        *size,
                        values,
                        input.nulls().cloned(),
                    )
                    .map_err(|source| BatchError::Build {
                        column: usize::MAX,
                        source,
                    })?;
                    Arc::new(l)
                }
                _ => Arc::clone(array),
            },
            Node::Map {
                key,
                value,
                entries,
            } => {
                let input = array.as_map();
                let offsets = input.offsets();
                let kv = input.entries();
                let keys = self
                    .node(key, kv.column(0))
                    .map_err(|e| e.through_offsets(offsets))?
                    .unwrap_or_else(|| Arc::clone(kv.column(0)));
                let values = self
                    .node(value, kv.column(1))
                    .map_err(|e| e.through_offsets(offsets))?
                    .unwrap_or_else(|| Arc::clone(kv.column(1)));
                let DataType::Struct(fields) = entries.data_type() else {
                    unreachable!("map entries are a struct");
                };
                let build = |source| BatchError::Build {
                    column: usize::MAX,
                    source,
                };
                let kv =
                    StructArray::try_new(fields.clone(), vec![keys, values], kv.nulls().cloned())
                        .map_err(build)?;
                let DataType::Map(_, sorted) = array.data_type() else {
                    unreachable!("checked by as_map");
                };
                let m = MapArray::try_new(
                    Arc::clone(entries),
                    offsets.clone(),
                    kv,
                    input.nulls().cloned(),
                    *sorted,
                )
                .map_err(build)?;
                Arc::new(m)
            }
        }))
    }

    fn list<O: OffsetSizeTrait>(
        &mut self,
        element: &Node,
        field: &arrow_schema::FieldRef,
        array: &ArrayRef,
    ) -> Result<ArrayRef, BatchError> {
        let input = array.as_list::<O>();
        let values = self
            .node(element, input.values())
            .map_err(|e| e.through_offsets(input.offsets()))?
            .unwrap_or_else(|| Arc::clone(input.values()));
        let l = GenericListArray::<O>::try_new(
            Arc::clone(field),
            input.offsets().clone(),
            values,
            input.nulls().cloned(),
        )
        .map_err(|source| BatchError::Build {
            column: usize::MAX,
            source,
        })?;
        Ok(Arc::new(l))
    }

    /// Transforms every value of a leaf array.
    fn values(&mut self, spec: &ValueSpec, array: &ArrayRef) -> Result<ArrayRef, BatchError> {
        let column = spec.column;
        let len = array.len();
        let mut sink = match &spec.output {
            Output::Utf8 => Sink::Utf8(GenericStringBuilder::with_capacity(
                len,
                self.last_bytes[column].max(len),
            )),
            Output::LargeUtf8 => Sink::Large(GenericStringBuilder::with_capacity(
                len,
                self.last_bytes[column].max(len),
            )),
            Output::Typed {
                data_type,
                nullable,
            } => Sink::Typed(text_builder(data_type, len, *nullable).ok_or_else(|| {
                BatchError::Build {
                    column,
                    source: ArrowError::NotYetImplemented(format!(
                        "cannot build a `{data_type}` column from text"
                    )),
                }
            })?),
        };
        let Self {
            worker,
            counts,
            text,
            out,
            arena,
            roots,
            subject_text,
            ..
        } = self;
        // The row's subject, for transforms that have one.
        let subject_array = match &spec.subject {
            None => None,
            Some(at) => {
                let mut array = at.first().and_then(|&n| roots.get(n)).cloned().flatten();
                for &n in at.iter().skip(1) {
                    array = array
                        .and_then(|a| a.as_struct_opt().and_then(|s| s.columns().get(n).cloned()));
                }
                Some(array.ok_or_else(|| BatchError::Build {
                    column,
                    source: ArrowError::InvalidArgumentError("subject column".into()),
                })?)
            }
        };
        let subjects = match &subject_array {
            None => None,
            Some(a) => Some(
                TextColumn::new(a.as_ref()).ok_or_else(|| BatchError::Build {
                    column,
                    source: ArrowError::NotYetImplemented(
                        "no canonical text for the subject".into(),
                    ),
                })?,
            ),
        };
        let fail = |index: usize, source: BoxError| BatchError::Value {
            index,
            column,
            source,
        };
        let is_dictionary = matches!(array.data_type(), DataType::Dictionary(..));
        if is_dictionary && !spec.random && subjects.is_none() {
            // Deterministic transforms: each dictionary value once, then per row.
            let dictionary = array.as_any_dictionary();
            let values = dictionary.values();
            if values.is_empty() {
                for _ in 0..len {
                    sink.append(None).map_err(|e| fail(0, e))?;
                }
            } else {
                let keys = dictionary.normalized_keys();
                let key_nulls = dictionary.keys().nulls();
                let source = TextColumn::new(values.as_ref()).ok_or_else(|| BatchError::Build {
                    column,
                    source: ArrowError::NotYetImplemented("dictionary values".into()),
                })?;
                // For each dictionary value: not yet seen, NULL, or its output span
                // and whether its canonical text was non-empty (for the counts).
                let mut spans: Vec<Option<Option<(usize, usize, bool)>>> = vec![None; values.len()];
                arena.clear();
                for (row, &k) in keys.iter().enumerate() {
                    if key_nulls.is_some_and(|n| n.is_null(row)) {
                        sink.append(None).map_err(|e| fail(row, e))?;
                        continue;
                    }
                    let span = match spans[k] {
                        Some(span) => span,
                        None => {
                            let span = match source.text(k, text) {
                                None => None,
                                Some(value) => {
                                    out.clear();
                                    worker
                                        .apply(column, value, out)
                                        .map_err(|e| fail(row, Box::new(e)))?;
                                    let start = arena.len();
                                    arena.push_str(out);
                                    Some((start, arena.len(), !value.is_empty()))
                                }
                            };
                            spans[k] = Some(span);
                            span
                        }
                    };
                    match span {
                        None => sink.append(None).map_err(|e| fail(row, e))?,
                        Some((start, end, non_empty)) => {
                            counts[column] += u64::from(non_empty);
                            sink.append(Some(&arena[start..end]))
                                .map_err(|e| fail(row, e))?;
                        }
                    }
                }
            }
        } else {
            let source = TextColumn::new(array.as_ref()).ok_or_else(|| BatchError::Build {
                column,
                source: ArrowError::NotYetImplemented(format!(
                    "no canonical text for `{}`",
                    array.data_type()
                )),
            })?;
            for i in 0..len {
                match source.text(i, text) {
                    None => sink.append(None).map_err(|e| fail(i, e))?,
                    Some(value) => {
                        if !value.is_empty() {
                            counts[column] += 1;
                        }
                        out.clear();
                        let subject = subjects
                            .as_ref()
                            .map(|s| s.text(i, subject_text).unwrap_or(""));
                        worker
                            .apply_row(column, value, subject, out)
                            .map_err(|e| fail(i, Box::new(e)))?;
                        sink.append(Some(out)).map_err(|e| fail(i, e))?;
                    }
                }
            }
        }
        let (array, bytes) = sink.finish();
        self.last_bytes[column] = bytes;
        Ok(array)
    }
}

/// Where transformed values go.
enum Sink {
    Utf8(GenericStringBuilder<i32>),
    Large(GenericStringBuilder<i64>),
    Typed(Box<dyn TextBuilder>),
}

impl Sink {
    fn append(&mut self, value: Option<&str>) -> Result<(), BoxError> {
        match self {
            Sink::Utf8(b) => {
                // Offsets are 32-bit: refuse rather than let the builder panic.
                if b.values_slice().len() + value.map_or(0, str::len) > i32::MAX as usize {
                    return Err("the transformed values of one batch exceed 2 GiB".into());
                }
                b.append_option(value);
            }
            Sink::Large(b) => b.append_option(value),
            Sink::Typed(b) => b.append(value)?,
        }
        Ok(())
    }

    /// The array, and its value bytes (to pre-size the next batch's builder).
    fn finish(self) -> (ArrayRef, usize) {
        match self {
            Sink::Utf8(mut b) => {
                let bytes = b.values_slice().len();
                (Arc::new(b.finish()), bytes)
            }
            Sink::Large(mut b) => {
                let bytes = b.values_slice().len();
                (Arc::new(b.finish()), bytes)
            }
            Sink::Typed(mut b) => (b.finish(), 0),
        }
    }
}
