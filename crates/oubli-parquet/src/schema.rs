//! Addressing (which columns the policy sees, by dotted path) and the compiled
//! tree of what happens to every node of the Arrow schema.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, FieldRef, Fields, Metadata, Schema, SchemaRef};
use oubli_policy::{
    ColumnAction, Direction, Plan, Policy, PolicyError, PolicyErrorKind, Transform,
};

use crate::ParquetError;
use crate::provenance::{ColumnProvenance, Provenance};
use crate::text::{has_canonical_text, is_string, parse_value_type_name, text_builder, type_name};

/// Field metadata keys that give a field an Arrow extension type; they cannot
/// stay on a field whose storage type oubli changes.
const EXTENSION_PREFIX: &str = "ARROW:extension:";

/// How the policy sees the schema: the columns it addresses, and where they are.
#[derive(Debug)]
pub(crate) struct Addressed {
    /// One per top-level field.
    pub(crate) shapes: Vec<Shape>,
    /// The columns as the policy names them, in file order: the "header" that
    /// is bound to the policy.
    pub(crate) columns: Vec<Column>,
}

/// One column as the policy sees it.
#[derive(Debug)]
pub(crate) struct Column {
    /// Dotted path.
    pub(crate) path: String,
}

/// Where a node of the schema sits in the addressing.
#[derive(Debug)]
pub(crate) enum Shape {
    /// A column of the header (index into [`Addressed::columns`]).
    Column(usize),
    /// A struct the policy does not name: one shape per child.
    Struct(Vec<Shape>),
    /// A list (or large or fixed-size list) the policy does not name: its element.
    List(Box<Shape>),
    /// A map the policy does not name: its keys and its values.
    Map(Box<Shape>, Box<Shape>),
}

fn is_nested(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Struct(_)
            | DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::Map(..)
    )
}

/// Builds the header: a top-level field the policy names is one column whatever
/// its type; otherwise a nested field is replaced by its leaves (`address.zip`;
/// a list's elements have the list's path, `orders.sku`, `tags`; a map's are
/// `attrs.key` and `attrs.value`), recursively.
pub(crate) fn address(
    schema: &Schema,
    policy: &Policy,
    file: &str,
) -> Result<Addressed, ParquetError> {
    let mut columns = Vec::new();
    let shapes = schema
        .fields()
        .iter()
        .map(|f| visit(f.name().clone(), f, policy, &mut columns))
        .collect();
    let mut seen = HashSet::with_capacity(columns.len());
    for column in &columns {
        if !seen.insert(column.path.as_str()) {
            return Err(ParquetError::AmbiguousPath {
                file: file.to_owned(),
                path: column.path.clone(),
            });
        }
    }
    Ok(Addressed { shapes, columns })
}

fn visit(path: String, field: &FieldRef, policy: &Policy, columns: &mut Vec<Column>) -> Shape {
    let leaf = |path: String, columns: &mut Vec<Column>| {
        columns.push(Column { path });
        Shape::Column(columns.len() - 1)
    };
    if policy.rule(&path).is_some() || !is_nested(field.data_type()) {
        return leaf(path, columns);
    }
    match field.data_type() {
        DataType::Struct(children) if !children.is_empty() => Shape::Struct(
            children
                .iter()
                .map(|c| visit(format!("{path}.{}", c.name()), c, policy, columns))
                .collect(),
        ),
        DataType::List(element)
        | DataType::LargeList(element)
        | DataType::FixedSizeList(element, _) => {
            Shape::List(Box::new(visit(path, element, policy, columns)))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => Shape::Map(
                Box::new(visit(
                    format!("{path}.{}", kv[0].name()),
                    &kv[0],
                    policy,
                    columns,
                )),
                Box::new(visit(
                    format!("{path}.{}", kv[1].name()),
                    &kv[1],
                    policy,
                    columns,
                )),
            ),
            _ => leaf(path, columns),
        },
        _ => leaf(path, columns),
    }
}

/// What happens to one node of the schema, for every batch.
#[derive(Debug)]
pub(crate) enum Node {
    /// Passed through untouched.
    Keep,
    /// Left out.
    Drop,
    /// `redact` without a value: NULLs of the column's type.
    Null(DataType),
    /// `redact` with a value: that value (a one-element array) in every row.
    Constant(ArrayRef),
    /// Each value goes through the worker.
    Value(ValueSpec),
    /// A struct with at least one changed child; `fields` are the output's.
    Struct {
        /// One per input child (dropped ones are [`Node::Drop`]).
        children: Vec<Node>,
        /// The output struct's fields.
        fields: Fields,
    },
    /// A list whose elements change; `field` is the output element field.
    List {
        /// What happens to the elements.
        element: Box<Node>,
        /// The output element field.
        field: FieldRef,
    },
    /// A map whose keys or values change; `entries` is the output entries field.
    Map {
        /// What happens to the keys.
        key: Box<Node>,
        /// What happens to the values.
        value: Box<Node>,
        /// The output entries field (a struct of key and value).
        entries: FieldRef,
    },
}

impl Node {
    /// Adds the top-level columns that hold the subjects of this node's
    /// value transforms.
    pub(crate) fn subject_roots(&self, out: &mut std::collections::BTreeSet<usize>) {
        match self {
            Node::Value(spec) => out.extend(spec.subject.as_ref().and_then(|at| at.first())),
            Node::Struct { children, .. } => {
                for child in children {
                    child.subject_roots(out);
                }
            }
            Node::List { element, .. } => element.subject_roots(out),
            Node::Map { key, value, .. } => {
                key.subject_roots(out);
                value.subject_roots(out);
            }
            Node::Keep | Node::Drop | Node::Null(_) | Node::Constant(_) => {}
        }
    }
}

/// A column whose values go through [`oubli_policy::Worker::apply`].
#[derive(Debug)]
pub(crate) struct ValueSpec {
    /// Index of the column in the header (and the plan).
    pub(crate) column: usize,
    /// The output column's type.
    pub(crate) output: Output,
    /// Whether equal inputs may give different outputs (`encrypt_random`), so
    /// that a dictionary's values must not be transformed once for all rows.
    pub(crate) random: bool,
    /// Where the row's subject value is ([`Plan::subject_of`]): the child
    /// indices from the batch's top-level column down through structs.
    pub(crate) subject: Option<Vec<usize>>,
}

/// The type a transformed column is written as.
#[derive(Debug, Clone)]
pub(crate) enum Output {
    /// `string`.
    Utf8,
    /// `large_string` (for large string and binary inputs).
    LargeUtf8,
    /// Parsed back into a type (`unmask` with provenance).
    Typed {
        /// The type.
        data_type: DataType,
        /// Whether the field is nullable (empty text becomes NULL).
        nullable: bool,
    },
}

/// The compiled job: per top-level field node, the output schema, and the
/// provenance of each column.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) nodes: Vec<Node>,
    pub(crate) schema: SchemaRef,
    pub(crate) columns: BTreeMap<String, ColumnProvenance>,
}

struct Compiler<'a> {
    policy: &'a Policy,
    plan: &'a Plan,
    addressed: &'a Addressed,
    provenance: Option<&'a Provenance>,
    columns: BTreeMap<String, ColumnProvenance>,
    /// For each header column with one value per row (not inside a list or
    /// map), its child indices from the top level and its type.
    row_aligned: Vec<Option<(Vec<usize>, DataType)>>,
}

/// Fills `out` with where each row-aligned header column is (see
/// [`Compiler::row_aligned`]).
fn row_aligned(
    shape: &Shape,
    field: &Field,
    at: &mut Vec<usize>,
    out: &mut [Option<(Vec<usize>, DataType)>],
) {
    match (shape, field.data_type()) {
        (Shape::Column(i), data_type) => {
            if let Some(slot) = out.get_mut(*i) {
                *slot = Some((at.clone(), data_type.clone()));
            }
        }
        (Shape::Struct(shapes), DataType::Struct(children)) => {
            for (n, (shape, child)) in shapes.iter().zip(children).enumerate() {
                at.push(n);
                row_aligned(shape, child, at, out);
                at.pop();
            }
        }
        // Elements of lists and maps are not one per row.
        _ => {}
    }
}

/// Compiles the plan against the schema. Every check that can fail on the
/// policy happens here, before any output.
pub(crate) fn compile(
    schema: &Schema,
    addressed: &Addressed,
    plan: &Plan,
    policy: &Policy,
    provenance: Option<&Provenance>,
    provenance_key: &str,
) -> Result<Compiled, ParquetError> {
    let mut aligned = vec![None; addressed.columns.len()];
    for (n, (shape, field)) in addressed.shapes.iter().zip(schema.fields()).enumerate() {
        row_aligned(shape, field, &mut vec![n], &mut aligned);
    }
    let mut compiler = Compiler {
        policy,
        plan,
        addressed,
        provenance,
        columns: BTreeMap::new(),
        row_aligned: aligned,
    };
    let mut nodes = Vec::with_capacity(schema.fields().len());
    let mut fields = Vec::with_capacity(schema.fields().len());
    for (shape, field) in addressed.shapes.iter().zip(schema.fields()) {
        let (node, out) = compiler.compile(shape, field)?;
        nodes.push(node);
        fields.extend(out);
    }
    let mut metadata = schema.metadata().clone();
    metadata.remove(provenance_key);
    Ok(Compiled {
        nodes,
        schema: Arc::new(Schema::new_with_metadata(fields, metadata)),
        columns: compiler.columns,
    })
}

impl Compiler<'_> {
    fn error(&self, path: &str, message: String) -> ParquetError {
        ParquetError::Policy(PolicyError {
            file: self.policy.file.clone(),
            line: self.policy.rule(path).map(|r| r.line),
            column: Some(path.to_owned()),
            key: Some("transform".to_owned()),
            kind: Box::new(PolicyErrorKind::BadValue(message)),
        })
    }

    fn record(
        &mut self,
        index: usize,
        original: &DataType,
        metadata: Option<BTreeMap<String, String>>,
    ) {
        let planned = &self.plan.columns()[index];
        self.columns.insert(
            planned.name.clone(),
            ColumnProvenance {
                transform: planned.transform_name().to_owned(),
                original_type: type_name(original),
                original_metadata: metadata,
            },
        );
    }

    /// The node for `field` at `shape`, and the output field (`None` if dropped).
    fn compile(
        &mut self,
        shape: &Shape,
        field: &FieldRef,
    ) -> Result<(Node, Option<FieldRef>), ParquetError> {
        match shape {
            Shape::Column(index) => self.column(*index, field),
            Shape::Struct(shapes) => {
                let DataType::Struct(children) = field.data_type() else {
                    unreachable!("a struct shape is built from a struct field");
                };
                let mut nodes = Vec::with_capacity(shapes.len());
                let mut out = Vec::with_capacity(shapes.len());
                for (shape, child) in shapes.iter().zip(children) {
                    let (node, f) = self.compile(shape, child)?;
                    nodes.push(node);
                    out.extend(f);
                }
                if nodes.iter().all(|n| matches!(n, Node::Drop)) {
                    return Ok((Node::Drop, None));
                }
                if nodes.iter().all(|n| matches!(n, Node::Keep)) {
                    return Ok((Node::Keep, Some(Arc::clone(field))));
                }
                let fields = Fields::from(out);
                let out = rebuild(field, DataType::Struct(fields.clone()), field.is_nullable());
                Ok((
                    Node::Struct {
                        children: nodes,
                        fields,
                    },
                    Some(out),
                ))
            }
            Shape::List(shape) => {
                let element = list_element(field);
                let (node, out) = self.compile(shape, &element)?;
                match (node, out) {
                    (Node::Drop, _) | (_, None) => Ok((Node::Drop, None)),
                    (Node::Keep, _) => Ok((Node::Keep, Some(Arc::clone(field)))),
                    (node, Some(out)) => {
                        let list = rebuild(
                            field,
                            with_element(field.data_type(), &out),
                            field.is_nullable(),
                        );
                        Ok((
                            Node::List {
                                element: Box::new(node),
                                field: out,
                            },
                            Some(list),
                        ))
                    }
                }
            }
            Shape::Map(key_shape, value_shape) => {
                let DataType::Map(entries, sorted) = field.data_type() else {
                    unreachable!("a map shape is built from a map field");
                };
                let DataType::Struct(kv) = entries.data_type() else {
                    unreachable!("a map shape is built from a map of a struct");
                };
                let (key, key_out) = self.compile(key_shape, &kv[0])?;
                let (value, value_out) = self.compile(value_shape, &kv[1])?;
                let (Some(key_out), Some(value_out)) = (key_out, value_out) else {
                    let path = self.first_path(if matches!(key, Node::Drop) {
                        key_shape
                    } else {
                        value_shape
                    });
                    return Err(self.error(
                        &path,
                        "the keys and values of a map cannot be dropped on their own; drop the whole map (name it in the policy)".to_owned(),
                    ));
                };
                if matches!(key, Node::Null(_)) {
                    let path = self.first_path(key_shape);
                    return Err(self.error(
                        &path,
                        "map keys cannot be NULL; give `redact` a `value`, or use `hash`"
                            .to_owned(),
                    ));
                }
                if matches!((&key, &value), (Node::Keep, Node::Keep)) {
                    return Ok((Node::Keep, Some(Arc::clone(field))));
                }
                let entries_out = rebuild(
                    entries,
                    DataType::Struct(Fields::from(vec![key_out, value_out])),
                    entries.is_nullable(),
                );
                let map = rebuild(
                    field,
                    DataType::Map(Arc::clone(&entries_out), *sorted),
                    field.is_nullable(),
                );
                Ok((
                    Node::Map {
                        key: Box::new(key),
                        value: Box::new(value),
                        entries: entries_out,
                    },
                    Some(map),
                ))
            }
        }
    }

    /// The path of the first column under `shape`, for messages.
    fn first_path(&self, shape: &Shape) -> String {
        match shape {
            Shape::Column(i) => self.addressed.columns[*i].path.clone(),
            Shape::Struct(shapes) => shapes
                .first()
                .map(|s| self.first_path(s))
                .unwrap_or_default(),
            Shape::List(s) => self.first_path(s),
            Shape::Map(k, _) => self.first_path(k),
        }
    }

    fn column(
        &mut self,
        index: usize,
        field: &FieldRef,
    ) -> Result<(Node, Option<FieldRef>), ParquetError> {
        let planned = &self.plan.columns()[index];
        let path = planned.name.clone();
        match planned.action {
            ColumnAction::Copy => {
                self.record(index, field.data_type(), None);
                return Ok((Node::Keep, Some(Arc::clone(field))));
            }
            ColumnAction::Drop => {
                self.record(index, field.data_type(), None);
                return Ok((Node::Drop, None));
            }
            ColumnAction::Transform => {}
        }
        let Some(rule) = planned.rule.clone() else {
            unreachable!("only policy columns are transformed");
        };
        let transform = rule.transform.name();
        if let Transform::Redact { value } = &rule.transform {
            self.record(index, field.data_type(), None);
            if value.is_empty() {
                let out = rebuild(field, field.data_type().clone(), true);
                return Ok((Node::Null(field.data_type().clone()), Some(out)));
            }
            let Some(mut builder) = text_builder(field.data_type(), 1, field.is_nullable()) else {
                return Err(self.error(
                    &path,
                    format!(
                        "`redact` with a `value` needs a column of a single value type, and this column is `{}`; leave out `value` to write NULLs",
                        type_name(field.data_type())
                    ),
                ));
            };
            if let Err(e) = builder.append(Some(value)) {
                return Err(self.error(
                    &path,
                    format!("the `redact` value cannot be written in this column: {e}"),
                ));
            }
            return Ok((Node::Constant(builder.finish()), Some(Arc::clone(field))));
        }
        let subject = self.subject(index, field, &path)?;
        // A value transform: through the list layers to the values.
        match field.data_type() {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                let element = list_element(field);
                let (node, out) = self.value(index, &element, &path, transform, &rule.transform)?;
                // The provenance names the column's own type (a list).
                if let Some(recorded) = self.columns.get_mut(&path) {
                    recorded.original_type = type_name(field.data_type());
                }
                let list = rebuild(
                    field,
                    with_element(field.data_type(), &out),
                    field.is_nullable(),
                );
                Ok((
                    Node::List {
                        element: Box::new(node),
                        field: out,
                    },
                    Some(list),
                ))
            }
            _ => {
                let (mut node, out) =
                    self.value(index, field, &path, transform, &rule.transform)?;
                if let Node::Value(spec) = &mut node {
                    spec.subject = subject;
                }
                Ok((node, Some(out)))
            }
        }
    }

    /// Where the subject of header column `index` is, if its transform has one.
    /// Both the column and its subject must have one value per row.
    fn subject(
        &self,
        index: usize,
        field: &Field,
        path: &str,
    ) -> Result<Option<Vec<usize>>, ParquetError> {
        let Some(subject) = self.plan.subject_of(index) else {
            return Ok(None);
        };
        let subject_path = &self.addressed.columns[subject].path;
        if self.row_aligned[index].is_none() || is_nested(field.data_type()) {
            return Err(self.error(
                path,
                "a transform with a `subject` needs one value per row; it cannot apply inside or to a list or map".to_owned(),
            ));
        }
        match &self.row_aligned[subject] {
            Some((at, data_type)) if has_canonical_text(data_type) => Ok(Some(at.clone())),
            _ => Err(self.error(
                path,
                format!(
                    "the subject column `{subject_path}` must have one value per row and a canonical text (a top-level or struct field of a single value type, not inside a list or map)"
                ),
            )),
        }
    }

    /// A value transform on `field` (an element of a list for lists of
    /// primitives, recursively).
    fn value(
        &mut self,
        index: usize,
        field: &FieldRef,
        path: &str,
        transform: &str,
        rule: &Transform,
    ) -> Result<(Node, FieldRef), ParquetError> {
        let data_type = field.data_type();
        if let DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) = data_type
        {
            let element = list_element(field);
            let (node, out) = self.value(index, &element, path, transform, rule)?;
            let list = rebuild(field, with_element(data_type, &out), field.is_nullable());
            return Ok((
                Node::List {
                    element: Box::new(node),
                    field: out,
                },
                list,
            ));
        }
        if is_nested(data_type) {
            let leaves = leaf_paths(path, data_type);
            return Err(self.error(
                path,
                format!(
                    "`{transform}` cannot apply to a whole `{}` column; name its leaves instead (e.g. {})",
                    type_name(data_type),
                    leaves
                        .iter()
                        .take(3)
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !has_canonical_text(data_type) {
            return Err(self.error(
                path,
                format!(
                    "`{transform}` cannot apply to a `{}` column (values of this type have no canonical text); use `keep`, `drop` or `redact`",
                    type_name(data_type)
                ),
            ));
        }
        let direction = self.plan.direction();
        if direction == Direction::Mask
            && matches!(rule, Transform::Mask { .. })
            && !is_string(data_type)
        {
            return Err(self.error(
                path,
                format!(
                    "`mask` applies to string columns only, and this column is `{}`; use `hash`, `encrypt`, `fpe` or `redact`",
                    type_name(data_type)
                ),
            ));
        }
        let keeps_type = match direction {
            Direction::Mask => anonymised_type(rule, data_type).map_err(|m| self.error(path, m))?,
            Direction::Unmask => false,
        };
        let random = matches!(rule, Transform::EncryptRandom { .. });
        let (output, out_field) = match direction {
            Direction::Mask if keeps_type => {
                // `date_shift` and `noise` write values of the column's own type.
                self.record(index, data_type, None);
                (
                    Output::Typed {
                        data_type: data_type.clone(),
                        nullable: field.is_nullable(),
                    },
                    Arc::clone(field),
                )
            }
            Direction::Mask => {
                let (kept, removed) = split_extension(field);
                self.record(index, data_type, (!removed.is_empty()).then_some(removed));
                let output = if matches!(data_type, DataType::LargeUtf8 | DataType::LargeBinary) {
                    Output::LargeUtf8
                } else {
                    Output::Utf8
                };
                let out_type = match output {
                    Output::LargeUtf8 => DataType::LargeUtf8,
                    _ => DataType::Utf8,
                };
                let out =
                    Field::new(field.name(), out_type, field.is_nullable()).with_metadata(kept);
                (output, Arc::new(out))
            }
            Direction::Unmask => {
                self.record(index, data_type, None);
                let recorded = self
                    .provenance
                    .and_then(|p| p.columns.get(path))
                    .filter(|_| is_string(data_type));
                match recorded {
                    Some(column) => {
                        let Some(restored) = parse_value_type_name(&column.original_type)
                            .filter(|t| text_builder(t, 0, true).is_some())
                        else {
                            return Err(self.error(
                                path,
                                format!(
                                    "the file's provenance says this column was `{}`, a type oubli cannot restore",
                                    column.original_type
                                ),
                            ));
                        };
                        let mut metadata = field.metadata().clone();
                        if let Some(original) = &column.original_metadata {
                            metadata.extend(original.clone());
                        }
                        let out = Field::new(field.name(), restored.clone(), field.is_nullable())
                            .with_metadata(metadata);
                        (
                            Output::Typed {
                                data_type: restored,
                                nullable: field.is_nullable(),
                            },
                            Arc::new(out),
                        )
                    }
                    None => {
                        // No provenance: the values are strings.
                        let output = match data_type {
                            DataType::LargeUtf8 | DataType::LargeBinary => Output::LargeUtf8,
                            _ => Output::Utf8,
                        };
                        let out_type = match output {
                            Output::LargeUtf8 => DataType::LargeUtf8,
                            _ => DataType::Utf8,
                        };
                        let (kept, _) = split_extension(field);
                        let out = Field::new(field.name(), out_type, field.is_nullable())
                            .with_metadata(kept);
                        (output, Arc::new(out))
                    }
                }
            }
        };
        Ok((
            Node::Value(ValueSpec {
                column: index,
                output,
                random,
                subject: None,
            }),
            out_field,
        ))
    }
}

/// Whether an anonymising transform fits a column of `data_type`, and whether
/// its output keeps that type (`date_shift` on dates and timestamps, `noise`
/// on numbers) rather than becoming a string column.
fn anonymised_type(rule: &Transform, data_type: &DataType) -> Result<bool, String> {
    let is_date = matches!(
        data_type,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
    );
    let is_number = matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    );
    let string = is_string(data_type);
    let refuse = |what: &str, takes: &str| {
        Err(format!(
            "`{what}` applies to {takes} columns, and this column is `{}`",
            type_name(data_type)
        ))
    };
    match rule {
        Transform::DateShift { .. } if is_date => Ok(true),
        Transform::DateShift { .. } if !string => {
            refuse("date_shift", "date, timestamp and string")
        }
        Transform::Noise(_) if is_number => Ok(true),
        Transform::Noise(_) if !string => refuse("noise", "number and string"),
        Transform::Generalise(oubli_policy::Generalise::Date(_)) if !is_date && !string => {
            refuse("generalise` with `to", "date, timestamp and string")
        }
        Transform::Generalise(
            oubli_policy::Generalise::Width { .. } | oubli_policy::Generalise::Breaks(_),
        ) if !is_number && !string => {
            refuse("generalise` with `width` or `breaks", "number and string")
        }
        _ => Ok(false),
    }
}

/// The field's metadata without, and with only, the extension-type keys.
fn split_extension(field: &Field) -> (Metadata, BTreeMap<String, String>) {
    let mut kept = Metadata::default();
    let mut removed = BTreeMap::new();
    for (k, v) in field.metadata() {
        if k.starts_with(EXTENSION_PREFIX) {
            removed.insert(k.clone(), v.clone());
        } else {
            kept.insert(k.clone(), v.clone());
        }
    }
    (kept, removed)
}

/// `field` with another type and nullability, same name and metadata.
fn rebuild(field: &Field, data_type: DataType, nullable: bool) -> FieldRef {
    Arc::new(Field::new(field.name(), data_type, nullable).with_metadata(field.metadata().clone()))
}

fn list_element(field: &Field) -> FieldRef {
    match field.data_type() {
        DataType::List(e) | DataType::LargeList(e) | DataType::FixedSizeList(e, _) => Arc::clone(e),
        _ => unreachable!("called on lists only"),
    }
}

/// The list type `data_type` (same kind) with another element field.
fn with_element(data_type: &DataType, element: &FieldRef) -> DataType {
    match data_type {
        DataType::List(_) => DataType::List(Arc::clone(element)),
        DataType::LargeList(_) => DataType::LargeList(Arc::clone(element)),
        DataType::FixedSizeList(_, n) => DataType::FixedSizeList(Arc::clone(element), *n),
        other => other.clone(),
    }
}

/// The dotted leaf paths under `path`, for hints.
fn leaf_paths(path: &str, data_type: &DataType) -> Vec<String> {
    match data_type {
        DataType::Struct(children) => children
            .iter()
            .flat_map(|c| leaf_paths(&format!("{path}.{}", c.name()), c.data_type()))
            .collect(),
        DataType::List(e) | DataType::LargeList(e) | DataType::FixedSizeList(e, _) => {
            leaf_paths(path, e.data_type())
        }
        DataType::Map(entries, _) => leaf_paths(path, entries.data_type()),
        _ => vec![path.to_owned()],
    }
}
