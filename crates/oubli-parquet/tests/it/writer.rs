//! The writer side: encodings and codecs of transformed columns, parallel
//! encoding and spilling (the output never depends on threads or spilling).

use arrow_array::{Int64Array, RecordBatch, StringArray};
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::WriterProperties;

use super::*;

fn batch(rows: usize) -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..rows as i64)) as _,
        ),
        (
            "email",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("user{i}@example.org")),
            )) as _,
        ),
        (
            "city",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("city {}", i % 5)),
            )) as _,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("name {i}")),
            )) as _,
        ),
    ])
    .unwrap()
}

const POLICY: &str = r#"
version = 1
[columns]
id = { transform = "hash", domain = "customer" }
email = { transform = "encrypt" }
city = { transform = "mask", keep_first = 1 }
name = { transform = "keep" }
"#;

fn input(dir: &Dir, rows: usize, group: usize) -> PathBuf {
    let path = dir.path("in.parquet");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(group))
        .build();
    write(&path, &[batch(rows)], Some(props));
    path
}

fn dictionary(meta: &ParquetMetaData, column: usize) -> bool {
    meta.row_group(0)
        .column(column)
        .encodings()
        .any(|e| e == Encoding::RLE_DICTIONARY || e == Encoding::PLAIN_DICTIONARY)
}

#[test]
fn unique_outputs_are_plain_and_not_snappy() {
    let dir = Dir::new();
    let input = input(&dir, 500, 200);
    let output = dir.path("out.parquet");
    run(
        &input,
        &output,
        &policy(POLICY),
        Direction::Mask,
        &options(2),
    )
    .unwrap();
    let (batch, meta) = read(&output);
    assert_eq!(batch.num_rows(), 500);
    let column = |i: usize| meta.row_group(0).column(i);
    // hash and encrypt: no dictionary, and Snappy is not worth it on random text.
    for i in [0, 1] {
        assert!(!dictionary(&meta, i), "column {i} has a dictionary");
        assert_eq!(column(i).compression(), Compression::UNCOMPRESSED);
    }
    // mask keeps repeats: dictionary and the input's codec.
    assert!(dictionary(&meta, 2));
    assert_eq!(column(2).compression(), Compression::SNAPPY);
    // kept: copied as it was.
    assert!(dictionary(&meta, 3));
    assert_eq!(column(3).compression(), Compression::SNAPPY);

    // A codec the user asks for is used everywhere; still no dictionary.
    let chosen = dir.path("chosen.parquet");
    let options = ParquetOptions {
        compression: Some(Compression::SNAPPY),
        ..options(2)
    };
    run(&input, &chosen, &policy(POLICY), Direction::Mask, &options).unwrap();
    let (again, meta) = read(&chosen);
    assert_eq!(again, batch);
    for i in 0..4 {
        assert_eq!(
            meta.row_group(0).column(i).compression(),
            Compression::SNAPPY
        );
    }
    assert!(!dictionary(&meta, 0) && !dictionary(&meta, 1));
    assert!(dictionary(&meta, 2));
}

#[test]
fn unmask_keeps_dictionaries() {
    let dir = Dir::new();
    let input = input(&dir, 300, 300);
    let masked = dir.path("masked.parquet");
    let restored = dir.path("restored.parquet");
    let policy = policy(POLICY);
    run(&input, &masked, &policy, Direction::Mask, &options(1)).unwrap();
    run(&masked, &restored, &policy, Direction::Unmask, &options(1)).unwrap();
    let (batch, meta) = read(&restored);
    let (original, _) = read(&input);
    assert_eq!(batch.column(1), original.column(1), "email decrypted");
    // The decrypted column is ordinary text again: the writer's defaults.
    assert!(dictionary(&meta, 1));
}

#[test]
fn threads_and_spilling_do_not_change_the_bytes() {
    let dir = Dir::new();
    // Several row groups, each of several batches, and a last short group.
    let input = input(&dir, 2_500, 700);
    let policy = policy(POLICY);
    let spill = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in [1, 2, 3] {
        for spill_threshold in [SPILL_DEFAULT, 0, 5_000] {
            let output = dir.path(&format!("out-{threads}-{spill_threshold}.parquet"));
            let options = ParquetOptions {
                batch_size: 64,
                spill_threshold,
                spill_dir: Some(spill.path().to_owned()),
                ..options(threads)
            };
            let report = run(&input, &output, &policy, Direction::Mask, &options).unwrap();
            assert_eq!(report.rows, 2_500);
            assert_eq!(report.values_per_column, vec![2_500, 2_500, 2_500, 0]);
            outputs.push(std::fs::read(&output).unwrap());
        }
    }
    for (i, output) in outputs.iter().enumerate() {
        assert!(output == &outputs[0], "output {i} differs from the first");
    }
    let (batch, meta) = read(&dir.path("out-2-0.parquet"));
    assert_eq!(batch.num_rows(), 2_500);
    let groups: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, vec![700, 700, 700, 400]);
    // Spill files are unlinked as they are made: nothing is left behind.
    assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
}

#[test]
fn a_spill_directory_that_does_not_exist_is_an_error() {
    let dir = Dir::new();
    let input = input(&dir, 300, 300);
    let output = dir.path("out.parquet");
    let options = ParquetOptions {
        spill_threshold: 0,
        spill_dir: Some(dir.path("missing")),
        ..options(2)
    };
    let error = run(&input, &output, &policy(POLICY), Direction::Mask, &options).unwrap_err();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(e) = source {
        message = format!("{message}: {e}");
        source = e.source();
    }
    assert!(
        message.contains("temporary file"),
        "unexpected message: {message}"
    );
}

const SPILL_DEFAULT: usize = oubli_parquet::SPILL_THRESHOLD;

#[test]
fn the_first_error_in_file_order_wins_with_parallel_encoding() {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    let cards: Vec<String> = (0..2_000)
        .map(|i| {
            if i == 500 || i == 1_500 {
                "12".into()
            } else {
                format!("{i:08}")
            }
        })
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("n", Arc::new(Int64Array::from_iter_values(0..2_000)) as _),
        ("card", Arc::new(StringArray::from_iter_values(cards)) as _),
    ])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(300))
        .build();
    write(&input, &[batch], Some(props));
    let text = "version = 1\n[columns]\nn = { transform = \"hash\" }\ncard = { transform = \"fpe\", alphabet = \"digits\" }\n";
    for threads in [1, 2, 4] {
        for _ in 0..5 {
            let options = ParquetOptions {
                batch_size: 16,
                spill_threshold: 1_000,
                ..options(threads)
            };
            let output = dir.path("out.parquet");
            let error = run(&input, &output, &policy(text), Direction::Mask, &options).unwrap_err();
            assert_eq!(
                error.to_string(),
                "in.parquet: row group 1, row 501: column `card`: cannot transform the value"
            );
        }
    }
}
