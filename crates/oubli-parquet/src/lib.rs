//! Streaming, multi-core masking of Parquet files with an oubli policy.
//!
//! `oubli-parquet` reads a Parquet file one row group at a time with the `parquet`
//! crate's Arrow reader, applies an [`oubli_policy::Plan`] to every column the
//! policy names, and writes a new Parquet file with the `ArrowWriter`. The same
//! logical value gets the same pseudonym as in a CSV file: a typed value is
//! transformed as its **canonical text** (an `int64` 42 hashes like the CSV
//! field `42`). See `docs/PARQUET.md` for the user-facing reference.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, StringArray};
//! use oubli_core::MasterKey;
//! use oubli_parquet::{Direction, ParquetOptions, mask};
//! use oubli_policy::Policy;
//!
//! // A small Parquet file.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("customers.parquet");
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(Int64Array::from(vec![42, 7])) as _),
//!     ("city", Arc::new(StringArray::from(vec!["Paris", "Lyon"])) as _),
//! ])?;
//! let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path)?, batch.schema(), None)?;
//! w.write(&batch)?;
//! w.close()?;
//!
//! let policy = Policy::parse(r#"
//! version = 1
//! [columns]
//! id   = { transform = "hash", domain = "customer" }
//! city = { transform = "keep" }
//! "#, "policy.toml")?;
//! let key = MasterKey::from_bytes([7; 32]);
//! let mut out = Vec::new();
//! let report = mask(std::fs::File::open(&path)?, &mut out, &policy, Direction::Mask, &key,
//!                   &ParquetOptions::default(), &|_rows| {})?;
//! assert_eq!(report.rows, 2);
//! assert_eq!(report.values_per_column, vec![2, 0]); // two ids hashed, city copied
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Addressing
//!
//! The policy names columns by their path. A top-level field the policy names is
//! one column whatever its type (`keep`, `drop` and `redact` then apply to the
//! whole field, nested or not; a kept nested field passes through untouched).
//! A nested field the policy does not name is replaced by its leaves, by dotted
//! path: `address.zip` for a struct's child, `orders.sku` for the `sku` of every
//! element of a list of structs, `tags` for the elements of a list of strings,
//! `attrs.key` / `attrs.value` for a map. The policy is then bound to these paths
//! by [`oubli_policy::Plan::new`], so unlisted and missing columns are reported
//! exactly as for CSV. A value transform on a whole struct or map (or a list of
//! them) is a policy error naming the column and its type, before any output.
//!
//! # Types and canonical text
//!
//! | Arrow type | canonical text | `hash`/`encrypt`/`encrypt_random`/`fpe` | `mask` |
//! |---|---|---|---|
//! | `int8`…`int64`, `uint8`…`uint64` | plain decimal, `-` for negatives | yes | no |
//! | `float16/32/64` | Python `repr`: shortest round-trip (`0.1`, `1.0`, `1e-05`, `1e+16`, `nan`, `inf`) | yes | no |
//! | `bool` | `true` / `false` | yes | no |
//! | `string`, `large_string`, `string_view`, dictionary of strings | the string | yes | yes |
//! | `binary`, `large_binary`, `binary_view`, `fixed_size_binary`, dictionary of binary | lowercase hex | yes | no |
//! | `decimal32/64/128/256(p, s)` | plain decimal with exactly `s` fraction digits (`12.30`) | yes | no |
//! | `date32`, `date64` | `YYYY-MM-DD` (a `date64` that is not whole days: as a naive timestamp in ms) | yes | no |
//! | `time32[s/ms]`, `time64[us/ns]` | `HH:MM:SS` with 0/3/6/9 fraction digits | yes | no |
//! | `timestamp[unit, tz]` | `YYYY-MM-DDTHH:MM:SS[.f]` in UTC with 0/3/6/9 fraction digits, then `Z` if the column has a time zone (an instant); no `Z` without one (a wall-clock time) | yes | no |
//! | `duration[unit]` | plain decimal count of the unit | yes | no |
//! | `null` | (always NULL) | yes | no |
//! | intervals, unions, list views, run-end encoded | none: `keep`, `drop` and `redact` only | no | no |
//!
//! Years outside 0000–9999 are written with a sign and at least four digits
//! (`+10000-01-01`). NULL stays NULL for every transform. `hash`, `encrypt`,
//! `encrypt_random`, `fpe` and `mask` write a `string` column (`large_string`
//! for `large_string`/`large_binary` inputs): FF1 on an integer keeps the digits
//! but may produce leading zeros and numbers beyond the type's range, so its
//! output is text too. `redact` without `value` writes NULLs of the column's own
//! type (the field becomes nullable); with a `value`, that value parsed as the
//! column's type (a policy error if it does not parse).
//!
//! # Writing: splicing or re-encoding
//!
//! By default the output has exactly the input's row groups, and a top-level
//! field the policy keeps whole is **spliced**: its encoded column chunks are
//! copied from the input byte for byte (same codec, encodings, statistics), and
//! only the fields that change are read, decoded, transformed and encoded (with
//! the input's codec for each of their columns). An all-`keep` job is a copy.
//! Page indexes and bloom filters of copied chunks are not carried over, and a
//! copied chunk is not decoded, so damage inside a kept column's pages is copied
//! rather than detected (the footer, and every column that is transformed, is
//! fully checked). With [`ParquetOptions::compression`] or
//! [`ParquetOptions::row_group_size`], every column is decoded and re-encoded by
//! the `ArrowWriter` instead.
//!
//! When masking, the output columns of `hash`, `encrypt`, `encrypt_random` and
//! `fpe` (random-looking, nearly all distinct) are written without dictionary
//! encoding, and uncompressed where their codec would be Snappy or LZ4, which
//! find no repeats in such text (Gzip, Brotli and Zstd are kept, and so is a
//! codec chosen with [`ParquetOptions::compression`]). Other columns get the
//! writer's defaults.
//!
//! # Threading
//!
//! [`mask`] reads the footer and binds the policy on the calling thread, then,
//! inside [`std::thread::scope`]: one **reader** thread decodes the columns that
//! change, row group by row group, into record batches of at most
//! [`ParquetOptions::batch_size`] rows; `threads` **workers**, each with its own
//! [`oubli_policy::Worker`], transform batches and, when splicing, also encode
//! them: each changed field has its own column writers, which take the batches
//! in file order, one worker at a time, so different fields of consecutive
//! batches are encoded in parallel; the **calling thread** writes each row
//! group (copied chunks and encoded ones) strictly in input order. With
//! [`ParquetOptions::compression`] or [`ParquetOptions::row_group_size`] the
//! calling thread encodes with the `ArrowWriter`, batch by batch. The output is
//! the same for any number of threads (except `encrypt_random`, whose nonces
//! are random). A panic inside the `parquet` or `arrow` crates (which some
//! corrupt files cause) is caught and returned as [`ParquetError::Panic`]
//! naming the file and row group.
//!
//! # Memory
//!
//! At most `2 × threads + 3` batches exist at once (the reader takes a credit
//! from the writer for each batch). The encoded pages of a row group's changed
//! columns must be held until the row group ends; beyond
//! [`ParquetOptions::spill_threshold`] bytes (32 MiB) in all, they go to
//! unlinked temporary files in [`ParquetOptions::spill_dir`] and are read back
//! when the row group is written. Memory is therefore bounded by the batch size
//! and the threshold, never by the row-group or file size; the temporary files
//! hold encoded output columns of the row groups being written: masked values
//! when masking, but the restored values when unmasking (point
//! `spill_dir` at storage fit for them).
//!
//! # Output file
//!
//! The output keeps the input's key-value metadata (the Arrow schema entry is
//! rewritten for the new types), field metadata (less the Arrow extension-type
//! keys of transformed fields, which the provenance records), per-column codec
//! and row-group boundaries, and adds an `oubli.provenance` entry
//! ([`provenance`]): tool version, direction, key id, policy SHA-256 and each
//! column's transform and original type, never a key or a value. `unmask` reads
//! it to parse decrypted text back into each column's original type (without it,
//! restored columns are strings).

#![forbid(unsafe_code)]

mod error;
mod pipeline;
mod positional;
pub mod provenance;
pub mod rows;
mod schema;
mod sink;
mod text;
mod transform;

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use oubli_core::MasterKey;
pub use oubli_policy::Direction;
use oubli_policy::{Plan, Policy};
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{ArrowWriter, ProjectionMask};
pub use parquet::basic::Compression;
use parquet::basic::{BrotliLevel, GzipLevel, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

pub use error::{BoxError, ParquetError};
use provenance::{PROVENANCE_FORMAT, PROVENANCE_KEY, Provenance};
pub use text::{ParseError, type_name};

/// The default number of rows per record batch.
pub const DEFAULT_BATCH_SIZE: usize = 65_536;

/// How to run a job.
#[derive(Debug, Clone)]
pub struct ParquetOptions {
    /// Worker threads transforming batches (default: the available
    /// parallelism). `0` is treated as `1`.
    pub threads: usize,
    /// The output's codec for every column; `None` keeps each column's input codec.
    pub compression: Option<Compression>,
    /// Rows per output row group; `None` keeps the input's row groups.
    pub row_group_size: Option<usize>,
    /// SHA-256 (hex) of the policy file, recorded in the provenance.
    pub policy_sha256: String,
    /// The input's name in error messages.
    pub input_name: String,
    /// Rows per record batch (default [`DEFAULT_BATCH_SIZE`]); a row group is
    /// read in batches of at most this many rows.
    pub batch_size: usize,
    /// Bytes of encoded pages held in memory (over all the changed columns of
    /// the row groups being written) before pages are spilled to temporary
    /// files; default [`SPILL_THRESHOLD`]. A row group's encoded pages must be
    /// held until the row group ends, so this bounds memory whatever the
    /// row-group size.
    pub spill_threshold: usize,
    /// Where spilled pages go; `None` is the system's temporary directory
    /// (`TMPDIR`). The files are unlinked as they are created, so nothing is
    /// left behind, even by a crash.
    pub spill_dir: Option<std::path::PathBuf>,
}

/// The default [`ParquetOptions::spill_threshold`]: 32 MiB.
pub const SPILL_THRESHOLD: usize = 32 * 1024 * 1024;

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            compression: None,
            row_group_size: None,
            policy_sha256: String::new(),
            input_name: "input".to_owned(),
            batch_size: DEFAULT_BATCH_SIZE,
            spill_threshold: SPILL_THRESHOLD,
            spill_dir: None,
        }
    }
}

/// What a job did.
#[derive(Debug)]
pub struct ParquetReport {
    /// Rows read (and written).
    pub rows: u64,
    /// Row groups of the input.
    pub row_groups: usize,
    /// The plan the job ran: each column as the policy addresses it (dotted
    /// paths for nested leaves) and its transform.
    pub plan: Plan,
    /// For each column of the plan, the number of values transformed
    /// (non-empty, non-NULL values of transformed columns; 0 for the others).
    pub values_per_column: Vec<u64>,
}

/// Parses a codec name for [`ParquetOptions::compression`]: `uncompressed`
/// (or `none`), `snappy`, `lz4` (LZ4_RAW), `gzip[:LEVEL]`, `brotli[:LEVEL]`,
/// `zstd[:LEVEL]`; case does not matter.
///
/// # Errors
///
/// A message naming the accepted codecs.
pub fn parse_compression(text: &str) -> Result<Compression, String> {
    let lower = text.to_ascii_lowercase();
    let (name, level) = match lower.split_once([':', '=']) {
        Some((n, l)) => (n, Some(l)),
        None => (lower.as_str(), None),
    };
    let level = |max: u32| -> Result<Option<u32>, String> {
        match level {
            None => Ok(None),
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| *l <= max)
                .map(Some)
                .ok_or_else(|| format!("`{text}`: the level must be an integer from 0 to {max}")),
        }
    };
    let bad = |e: parquet::errors::ParquetError| format!("`{text}`: {e}");
    Ok(match name {
        "uncompressed" | "none" if level(0)?.is_none() => Compression::UNCOMPRESSED,
        "snappy" if level(0)?.is_none() => Compression::SNAPPY,
        "lz4" | "lz4_raw" if level(0)?.is_none() => Compression::LZ4_RAW,
        "gzip" => Compression::GZIP(match level(10)? {
            Some(l) => GzipLevel::try_new(l).map_err(bad)?,
            None => GzipLevel::default(),
        }),
        "brotli" => Compression::BROTLI(match level(11)? {
            Some(l) => BrotliLevel::try_new(l).map_err(bad)?,
            None => BrotliLevel::default(),
        }),
        "zstd" => Compression::ZSTD(match level(22)? {
            Some(l) => ZstdLevel::try_new(l as i32).map_err(bad)?,
            None => ZstdLevel::default(),
        }),
        _ => {
            return Err(format!(
                "`{text}` is not a codec (expected uncompressed, snappy, lz4, gzip, brotli or zstd, with an optional `:LEVEL` for the last three)"
            ));
        }
    })
}

/// The number of rows in a Parquet file, from its footer (for progress bars).
///
/// # Errors
///
/// [`ParquetError::NotParquet`] if the footer cannot be read.
pub fn row_count(input: &File, name: &str) -> Result<u64, ParquetError> {
    let metadata = load_metadata(input, name)?;
    Ok(u64::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0))
}

/// The names of the top-level columns of a Parquet file, in schema order,
/// from its footer.
///
/// # Errors
///
/// [`ParquetError::NotParquet`] if the footer cannot be read.
pub fn top_level_columns(input: &File, name: &str) -> Result<Vec<String>, ParquetError> {
    let metadata = load_metadata(input, name)?;
    Ok(metadata
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect())
}

fn load_metadata(input: &File, name: &str) -> Result<ArrowReaderMetadata, ParquetError> {
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        ArrowReaderMetadata::load(input, ArrowReaderOptions::new())
    }));
    match loaded {
        Ok(Ok(m)) => Ok(m),
        Ok(Err(source)) => Err(ParquetError::NotParquet {
            file: name.to_owned(),
            source,
        }),
        Err(payload) => Err(ParquetError::Panic {
            file: name.to_owned(),
            row_group: None,
            message: error::panic_message(&*payload),
        }),
    }
}

/// Masks (or unmasks) the Parquet file `input` into `output` as `policy` says.
///
/// The footer is read, the policy bound to the file's columns and every
/// transform checked against its column's type before anything is written, so
/// a policy that does not fit fails with no output. `progress` is called from
/// the reader thread with the number of rows read so far.
///
/// `input` must be a seekable file (Parquet's footer is at its end). `output`
/// receives the whole file; on error, discard what was written.
///
/// # Errors
///
/// See [`ParquetError`]; the first error in file order is reported.
pub fn mask<W: Write + Send>(
    input: File,
    output: W,
    policy: &Policy,
    direction: Direction,
    key: &MasterKey,
    options: &ParquetOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ParquetReport, ParquetError> {
    let run = catch_unwind(AssertUnwindSafe(|| {
        run(&input, output, policy, direction, key, options, progress)
    }));
    match run {
        Ok(result) => result,
        Err(payload) => Err(ParquetError::Panic {
            file: options.input_name.clone(),
            row_group: None,
            message: error::panic_message(&*payload),
        }),
    }
}

fn run<W: Write + Send>(
    input: &File,
    output: W,
    policy: &Policy,
    direction: Direction,
    key: &MasterKey,
    options: &ParquetOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ParquetReport, ParquetError> {
    let file = options.input_name.as_str();
    let metadata = load_metadata(input, file)?;
    check_chunk_ranges(metadata.metadata(), input, file)?;
    // Every read of the input from here on (the reader thread's, and the
    // writer's copies of kept column chunks) is positional: see `positional`.
    let input = &positional::PositionalFile::new(input).map_err(ParquetError::Io)?;
    let parquet = Arc::clone(metadata.metadata());
    let input_schema = Arc::clone(metadata.schema());
    let key_values: Vec<KeyValue> = parquet
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    let provenance = match direction {
        Direction::Mask => None,
        Direction::Unmask => key_values
            .iter()
            .find(|kv| kv.key == PROVENANCE_KEY)
            .and_then(|kv| kv.value.as_deref())
            .map(|json| {
                Provenance::parse(json).map_err(|message| ParquetError::Provenance {
                    file: file.to_owned(),
                    message,
                })
            })
            .transpose()?,
    };

    let addressed = schema::address(&input_schema, policy, file)?;
    let header: Vec<String> = addressed.columns.iter().map(|c| c.path.clone()).collect();
    let plan = Plan::new(policy, &header, direction)?;
    let compiled = schema::compile(
        &input_schema,
        &addressed,
        &plan,
        policy,
        provenance.as_ref(),
        PROVENANCE_KEY,
    )?;

    let record = Provenance {
        format: PROVENANCE_FORMAT.to_owned(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        direction: match direction {
            Direction::Mask => "mask",
            Direction::Unmask => "unmask",
        }
        .to_owned(),
        key_id: key.id().to_string(),
        policy_sha256: options.policy_sha256.clone(),
        columns: compiled.columns.clone(),
    };
    let mut kv: Vec<KeyValue> = key_values
        .into_iter()
        .filter(|kv| kv.key != PROVENANCE_KEY && kv.key != parquet::arrow::ARROW_SCHEMA_META_KEY)
        .collect();
    kv.push(KeyValue::new(
        PROVENANCE_KEY.to_owned(),
        record.to_json(&header),
    ));

    let properties = writer_properties(&parquet, &compiled.schema, options, kv)?;
    let properties = tune_encoded_columns(properties, &compiled, &plan, options)?;
    let pages: Arc<dyn parquet::arrow::arrow_writer::PageStoreFactory> = Arc::new(
        sink::SpillStoreFactory::new(options.spill_dir.clone(), options.spill_threshold),
    );
    let batch_size = options.batch_size.max(1);
    let all_nodes: Vec<&schema::Node> = compiled.nodes.iter().collect();
    let all_roots: Vec<usize> = (0..compiled.nodes.len()).collect();
    let mut job = pipeline::Job {
        file,
        input,
        metadata: &metadata,
        batch_size,
        threads: options.threads,
        projection: ProjectionMask::all(),
        nodes: &all_nodes,
        node_roots: &all_roots,
        batch_roots: &all_roots,
        schema: &compiled.schema,
        plan: &plan,
        key,
        progress,
    };

    let overridden = options.compression.is_some() || options.row_group_size.is_some();
    let (totals, mut output) = if overridden {
        // Every column is re-encoded: the ArrowWriter cuts the row groups.
        let writer = ArrowWriter::try_new_with_options(
            output,
            Arc::clone(&compiled.schema),
            ArrowWriterOptions::new()
                .with_properties(properties)
                .with_page_store_factory(pages),
        )
        .map_err(ParquetError::Write)?;
        let mut sink = sink::ArrowSink {
            writer,
            flush_per_row_group: options.row_group_size.is_none(),
        };
        let totals = pipeline::run(&job, pipeline::Sink::Serial(&mut sink))?;
        let output = sink.writer.into_inner().map_err(ParquetError::Write)?;
        (totals, output)
    } else {
        // Kept fields are copied as encoded chunks; only the others are read.
        let mut output_fields = Vec::new();
        let mut changed = Vec::new();
        let mut parts = Vec::new();
        let mut fields = compiled.schema.fields().iter();
        for (i, node) in compiled.nodes.iter().enumerate() {
            match node {
                schema::Node::Drop => {}
                schema::Node::Keep => {
                    let field = fields.next().cloned().ok_or_else(internal)?;
                    output_fields.push((Some(i), field));
                    let descriptor = parquet.file_metadata().schema_descr();
                    let leaves = (0..descriptor.num_columns())
                        .filter(|&leaf| descriptor.get_column_root_idx(leaf) == i)
                        .collect();
                    parts.push(sink::Part::Copied(leaves));
                }
                node => {
                    let field = fields.next().cloned().ok_or_else(internal)?;
                    output_fields.push((None, Arc::clone(&field)));
                    changed.push((i, node, field));
                    parts.push(sink::Part::Encoded);
                }
            }
        }
        let descriptor = parquet.file_metadata().schema_descr();
        let (root, encoded_nodes) = sink::splice_schema(descriptor.root_schema(), &output_fields)
            .map_err(ParquetError::Write)?;
        let mut properties = properties;
        parquet::arrow::add_encoded_arrow_schema_to_metadata(&compiled.schema, &mut properties);
        let encoded = Arc::new(arrow_schema::Schema::new(
            changed
                .iter()
                .map(|(_, _, f)| Arc::clone(f))
                .collect::<Vec<_>>(),
        ));
        let properties = Arc::new(properties);
        let factory = sink::encoder_factory(
            encoded_nodes,
            Arc::clone(&encoded),
            Arc::clone(&properties),
            pages,
        )
        .map_err(ParquetError::Write)?;
        let mut sink = sink::SpliceSink::new(
            output,
            root,
            Arc::clone(&encoded),
            parts,
            properties,
            input,
            &parquet,
        )
        .map_err(ParquetError::Write)?;
        let totals = if sink.copies_everything() {
            let mut rows = 0u64;
            for g in 0..parquet.num_row_groups() {
                sink.write_row_group(g, Vec::new())
                    .map_err(ParquetError::Write)?;
                rows += u64::try_from(parquet.row_group(g).num_rows()).unwrap_or(0);
                progress(rows);
            }
            pipeline::Totals {
                rows,
                counts: vec![0; plan.columns().len()],
            }
        } else {
            let nodes: Vec<&schema::Node> = changed.iter().map(|(_, n, _)| *n).collect();
            let node_roots: Vec<usize> = changed.iter().map(|(i, _, _)| *i).collect();
            // Read the changed columns, and the (possibly kept or dropped)
            // columns that hold their rows' subjects.
            let mut read: std::collections::BTreeSet<usize> = node_roots.iter().copied().collect();
            for node in &nodes {
                node.subject_roots(&mut read);
            }
            let batch_roots: Vec<usize> = read.into_iter().collect();
            job.projection = ProjectionMask::roots(descriptor, batch_roots.iter().copied());
            job.nodes = &nodes;
            job.node_roots = &node_roots;
            job.batch_roots = &batch_roots;
            job.schema = &encoded;
            pipeline::run(
                &job,
                pipeline::Sink::Parallel {
                    factory: &factory,
                    chunks: &mut sink,
                },
            )?
        };
        let output = sink.finish().map_err(ParquetError::Write)?;
        (totals, output)
    };
    output.flush().map_err(ParquetError::Io)?;
    Ok(ParquetReport {
        rows: totals.rows,
        row_groups: parquet.num_row_groups(),
        plan,
        values_per_column: totals.counts,
    })
}

/// Every column chunk the footer lists must lie inside the file: a kept column
/// is copied by its byte range without being decoded, and a range past the end
/// (a truncated or corrupt file) would otherwise surface as an output error.
/// Found by the `parquet_mask` fuzz target.
fn check_chunk_ranges(
    metadata: &parquet::file::metadata::ParquetMetaData,
    input: &File,
    file: &str,
) -> Result<(), ParquetError> {
    let len = input.metadata().map_err(ParquetError::Io)?.len();
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for column in group.columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or_else(|| column.data_page_offset());
            let end = u64::try_from(start)
                .ok()
                .zip(u64::try_from(column.compressed_size()).ok())
                .and_then(|(start, size)| start.checked_add(size));
            if end.is_none_or(|end| end > len) {
                return Err(ParquetError::Read {
                    file: file.to_owned(),
                    row_group: g,
                    source: parquet::errors::ParquetError::General(format!(
                        "column chunk `{}` lies outside the file ({len} bytes)",
                        column.column_path()
                    )),
                });
            }
        }
    }
    Ok(())
}

fn internal() -> ParquetError {
    ParquetError::Write(parquet::errors::ParquetError::General(
        "the output schema does not match the plan".into(),
    ))
}

/// Tunes the output columns of transforms whose values are (nearly) all
/// distinct and random-looking when masking — `hash`, `encrypt`,
/// `encrypt_random`, `fpe`:
///
/// - no dictionary encoding, which only costs time there: the writer would
///   fill a dictionary page with unique values, then fall back to plain
///   encoding for the rest of the chunk anyway;
/// - no compression where the column's codec would be Snappy or LZ4 (unless
///   the codec was chosen with [`ParquetOptions::compression`]): these codecs
///   only find repeats, which random text has none of (2–3 % smaller for hex
///   digests, at a fifth of the job's CPU time). Gzip, Brotli and Zstd, whose
///   entropy coding does shrink such text, are kept.
fn tune_encoded_columns(
    properties: WriterProperties,
    compiled: &schema::Compiled,
    plan: &Plan,
    options: &ParquetOptions,
) -> Result<WriterProperties, ParquetError> {
    if plan.direction() != Direction::Mask {
        return Ok(properties);
    }
    let mut leaves = Vec::new();
    let mut fields = compiled.schema.fields().iter();
    for node in &compiled.nodes {
        if matches!(node, schema::Node::Drop) {
            continue;
        }
        let Some(field) = fields.next() else {
            return Ok(properties);
        };
        leaf_columns(node, field, &mut leaves);
    }
    let descriptor = ArrowSchemaConverter::new()
        .convert(&compiled.schema)
        .map_err(ParquetError::Write)?;
    if descriptor.num_columns() != leaves.len() {
        // Not expected; the defaults are always correct, only slower.
        return Ok(properties);
    }
    let unique: Vec<(parquet::schema::types::ColumnPath, Compression)> = descriptor
        .columns()
        .iter()
        .zip(leaves)
        .filter(|(_, leaf)| {
            leaf.and_then(|c| plan.columns().get(c))
                .and_then(|c| c.rule.as_ref())
                .is_some_and(|rule| unique_output(&rule.transform))
        })
        .map(|(column, _)| (column.path().clone(), properties.compression(column.path())))
        .collect();
    let mut builder = properties.into_builder();
    for (path, codec) in unique {
        builder = builder.set_column_dictionary_enabled(path.clone(), false);
        let fast = matches!(
            codec,
            Compression::SNAPPY | Compression::LZ4 | Compression::LZ4_RAW
        );
        if fast && options.compression.is_none() {
            builder = builder.set_column_compression(path, Compression::UNCOMPRESSED);
        }
    }
    Ok(builder.build())
}

/// Whether a transform's outputs are (nearly) all distinct for distinct inputs.
fn unique_output(transform: &oubli_policy::Transform) -> bool {
    use oubli_policy::Transform;
    matches!(
        transform,
        Transform::Hash { .. }
            | Transform::Encrypt { .. }
            | Transform::EncryptRandom { .. }
            | Transform::Fpe { .. }
    )
}

/// For each Parquet leaf of output field `field` (produced by `node`), the
/// plan column whose values it holds (`None` if it is not transformed value
/// by value).
fn leaf_columns(node: &schema::Node, field: &arrow_schema::Field, out: &mut Vec<Option<usize>>) {
    use arrow_schema::DataType;
    use schema::Node;
    match (node, field.data_type()) {
        (Node::Drop, _) => {}
        (Node::Value(spec), _) => {
            let n = sink::leaf_count(field);
            out.extend(std::iter::repeat_n(Some(spec.column), n));
        }
        (Node::Struct { children, .. }, DataType::Struct(fields)) => {
            let mut fields = fields.iter();
            for child in children {
                if matches!(child, Node::Drop) {
                    continue;
                }
                match fields.next() {
                    Some(f) => leaf_columns(child, f, out),
                    None => return,
                }
            }
        }
        (
            Node::List { element, .. },
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _),
        ) => leaf_columns(element, f, out),
        (Node::Map { key, value, .. }, DataType::Map(entries, _)) => {
            if let DataType::Struct(kv) = entries.data_type()
                && let (Some(k), Some(v)) = (kv.first(), kv.get(1))
            {
                leaf_columns(key, k, out);
                leaf_columns(value, v, out);
            }
        }
        _ => out.extend(std::iter::repeat_n(None, sink::leaf_count(field))),
    }
}

/// The output's writer properties: the input's codec per column (matched by
/// Parquet column path) and row-group size, unless overridden.
fn writer_properties(
    input: &parquet::file::metadata::ParquetMetaData,
    output_schema: &arrow_schema::Schema,
    options: &ParquetOptions,
    key_values: Vec<KeyValue>,
) -> Result<WriterProperties, ParquetError> {
    let mut builder = WriterProperties::builder().set_key_value_metadata(Some(key_values));
    let max_rows = input
        .row_groups()
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    let row_group_size = options.row_group_size.unwrap_or(max_rows).max(1);
    builder = builder.set_max_row_group_row_count(Some(row_group_size));
    if let Some(codec) = options.compression {
        return Ok(builder.set_compression(codec).build());
    }
    // The input's codecs, by leaf path, from its first row group.
    let mut by_path: HashMap<String, Compression> = HashMap::new();
    let mut tally: Vec<(Compression, usize)> = Vec::new();
    if let Some(group) = input.row_groups().first() {
        for column in group.columns() {
            by_path.insert(column.column_path().string(), column.compression());
            match tally.iter_mut().find(|(c, _)| *c == column.compression()) {
                Some((_, n)) => *n += 1,
                None => tally.push((column.compression(), 1)),
            }
        }
    }
    // The most common codec is the default, for columns whose path changed.
    let default = tally
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map_or(Compression::SNAPPY, |(codec, _)| codec);
    builder = builder.set_compression(default);
    let descriptor = ArrowSchemaConverter::new()
        .convert(output_schema)
        .map_err(ParquetError::Write)?;
    for column in descriptor.columns() {
        if let Some(codec) = by_path.get(&column.path().string()) {
            builder = builder.set_column_compression(column.path().clone(), *codec);
        }
    }
    Ok(builder.build())
}

/// Calls `f` with the canonical text of every value of `array` (`None` for NULL);
/// `false` if its type has no canonical text. For the micro-benchmarks in
/// `benches/`: not part of the supported API.
#[doc(hidden)]
pub fn for_each_canonical_text(
    array: &dyn arrow_array::Array,
    mut f: impl FnMut(Option<&str>),
) -> bool {
    let Some(column) = text::TextColumn::new(array) else {
        return false;
    };
    let mut buf = String::new();
    for i in 0..array.len() {
        f(column.text(i, &mut buf));
    }
    true
}
