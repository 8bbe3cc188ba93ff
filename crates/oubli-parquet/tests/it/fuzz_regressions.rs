//! Inputs found by the `parquet_mask` fuzz target (`fuzz/`), replayed the way the
//! target runs them: every job returns a report or an error; nothing panics
//! past the engine and nothing aborts. The files are in `tests/data/fuzz/`.

use std::io::Write as _;

use oubli_parquet::{Compression, Direction, ParquetOptions, mask};
use oubli_policy::Policy;

use super::key;

/// The top-level primitive columns of a file, as the fuzz target finds them.
fn top_level_primitives(file: &std::fs::File) -> Vec<String> {
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(file)
    }));
    let Ok(Ok(metadata)) = loaded else {
        return Vec::new();
    };
    let schema = metadata.file_metadata().schema_descr();
    schema
        .root_schema()
        .get_fields()
        .iter()
        .filter(|f| f.is_primitive())
        .map(|f| f.name().to_owned())
        .collect()
}

/// The target's jobs: keep everything (spliced), keep everything re-encoded,
/// and hash/encrypt every top-level primitive column (mask, then unmask).
fn replay(bytes: &[u8]) -> Vec<Result<(), String>> {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    let columns = top_level_primitives(&file);
    let options = ParquetOptions {
        threads: 1,
        batch_size: 5,
        input_name: "fuzz.parquet".to_owned(),
        ..ParquetOptions::default()
    };
    let reencode = ParquetOptions {
        compression: Some(Compression::UNCOMPRESSED),
        ..options.clone()
    };
    let keep = Policy::parse("version = 1\nunlisted = \"keep\"\n[columns]\n", "p.toml").unwrap();
    let mut text = String::from("version = 1\nunlisted = \"keep\"\n[columns]\n");
    for (i, name) in columns.iter().enumerate() {
        let transform = if i % 2 == 0 { "hash" } else { "encrypt" };
        text.push_str(&format!("\"{name}\" = {{ transform = \"{transform}\" }}\n"));
    }
    let named = Policy::parse(&text, "p.toml").unwrap();
    let jobs = [
        (&keep, &options, Direction::Mask),
        (&keep, &reencode, Direction::Mask),
        (&named, &options, Direction::Mask),
        (&named, &options, Direction::Unmask),
    ];
    jobs.into_iter()
        .map(|(policy, options, direction)| {
            let mut out = Vec::new();
            let input = file.try_clone().unwrap();
            mask(input, &mut out, policy, direction, &key(), options, &|_| {})
                .map(|_| ())
                .map_err(|e| {
                    let mut shown = e.to_string();
                    let mut source = std::error::Error::source(&e);
                    while let Some(s) = source {
                        shown.push_str(&format!(": {s}"));
                        source = s.source();
                    }
                    shown
                })
        })
        .collect()
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/fuzz/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A footer whose column chunk runs past the end of the file: copying the kept
/// chunk failed as "cannot write the Parquet output", blaming the output and
/// not naming the input. Now every job names the file and its row group.
#[test]
fn chunk_past_the_end_of_the_file_is_a_read_error() {
    let results = replay(&data("crash-1cd88f1db358f428a20e278b49288dcf0181b3de"));
    for result in results {
        let error = result.expect_err("a corrupt file fails");
        assert!(
            error.starts_with("fuzz.parquet: row group 0: cannot read the data"),
            "{error}"
        );
    }
}

/// Files on which parquet 60.1 / arrow 60.1 panic while decoding ("Decoder for
/// dict should have been set", "offset + len out of bounds"): the engine catches
/// the panic and reports it as an error naming the file and row group
/// (`ParquetError::Panic`), like any other corrupt file; nothing escapes.
#[test]
fn dependency_panics_are_errors() {
    for name in ["panic-dict-decoder-37532030", "panic-bit-chunk-b1f1d583"] {
        let results = replay(&data(name));
        assert!(results.iter().any(Result::is_err), "{name}: {results:?}");
        for error in results.into_iter().filter_map(Result::err) {
            assert!(error.starts_with("fuzz.parquet: "), "{name}: {error}");
        }
    }
}
