//! Integration tests of the Parquet engine: files built here, masked, read back.

mod anon;
mod corrupt;
mod fixture;
mod fuzz_regressions;
mod options;
mod parity;
mod policy;
mod roundtrip;
mod types;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use oubli_core::MasterKey;
use oubli_parquet::provenance::{PROVENANCE_KEY, Provenance};
use oubli_parquet::{Direction, ParquetError, ParquetOptions, ParquetReport};
use oubli_policy::Policy;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;

/// The key every test uses.
pub(crate) fn key() -> MasterKey {
    MasterKey::from_bytes([0x42; 32])
}

pub(crate) fn policy(text: &str) -> Policy {
    Policy::parse(text, "policy.toml").unwrap_or_else(|e| panic!("bad test policy: {e}"))
}

/// Writes `batches` to `path` as one Parquet file.
pub(crate) fn write(path: &Path, batches: &[RecordBatch], properties: Option<WriterProperties>) {
    let file = File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), properties).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.close().unwrap();
}

/// Reads a whole Parquet file back as one batch, with its footer.
pub(crate) fn read(path: &Path) -> (RecordBatch, Arc<ParquetMetaData>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let metadata = Arc::clone(builder.metadata());
    let schema = Arc::clone(builder.schema());
    let batches: Vec<RecordBatch> = builder.build().unwrap().collect::<Result<_, _>>().unwrap();
    let batch = arrow_select::concat::concat_batches(&schema, &batches).unwrap();
    (batch, metadata)
}

/// The provenance recorded in a file's footer.
pub(crate) fn provenance(metadata: &ParquetMetaData) -> Provenance {
    let json = metadata
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == PROVENANCE_KEY))
        .and_then(|kv| kv.value.clone())
        .expect("the output has oubli.provenance");
    Provenance::parse(&json).unwrap()
}

pub(crate) fn options(threads: usize) -> ParquetOptions {
    ParquetOptions {
        threads,
        policy_sha256: "ab".repeat(32),
        input_name: "in.parquet".to_owned(),
        ..ParquetOptions::default()
    }
}

/// Runs a job from `input` to `output`.
pub(crate) fn run(
    input: &Path,
    output: &Path,
    policy: &Policy,
    direction: Direction,
    options: &ParquetOptions,
) -> Result<ParquetReport, ParquetError> {
    let out = File::create(output).unwrap();
    oubli_parquet::mask(
        File::open(input).unwrap(),
        std::io::BufWriter::new(out),
        policy,
        direction,
        &key(),
        options,
        &|_| {},
    )
}

/// A temporary directory and paths in it.
pub(crate) struct Dir(tempfile::TempDir);

impl Dir {
    pub(crate) fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}
