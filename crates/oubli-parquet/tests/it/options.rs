//! Codec and row groups: kept from the input unless overridden.

use arrow_array::{Int64Array, RecordBatch, StringArray};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::*;

fn batch(rows: usize) -> RecordBatch {
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..rows as i64)) as _,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("name {i}")),
            )) as _,
        ),
        (
            "city",
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("city {}", i % 5)),
            )) as _,
        ),
    ])
    .unwrap()
}

const POLICY: &str = r#"
version = 1
[columns]
id = { transform = "hash" }
name = { transform = "keep" }
city = { transform = "encrypt" }
"#;

fn codecs(meta: &ParquetMetaData) -> Vec<Compression> {
    meta.row_group(0)
        .columns()
        .iter()
        .map(|c| c.compression())
        .collect()
}

fn row_groups(meta: &ParquetMetaData) -> Vec<i64> {
    meta.row_groups().iter().map(|g| g.num_rows()).collect()
}

fn input(dir: &Dir) -> PathBuf {
    let path = dir.path("in.parquet");
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_compression(
            ColumnPath::from("id"),
            Compression::ZSTD(ZstdLevel::default()),
        )
        .set_column_compression(ColumnPath::from("city"), Compression::UNCOMPRESSED)
        .set_max_row_group_row_count(Some(100))
        .build();
    write(&path, &[batch(250)], Some(props));
    path
}

#[test]
fn codec_and_row_groups_are_kept() {
    let dir = Dir::new();
    let input = input(&dir);
    let output = dir.path("out.parquet");
    let options = ParquetOptions {
        batch_size: 32,
        ..options(2)
    };
    run(&input, &output, &policy(POLICY), Direction::Mask, &options).unwrap();
    let (_, meta) = read(&output);
    assert_eq!(
        codecs(&meta),
        vec![
            Compression::ZSTD(ZstdLevel::default()),
            Compression::SNAPPY,
            Compression::UNCOMPRESSED
        ]
    );
    assert_eq!(row_groups(&meta), vec![100, 100, 50]);
}

#[test]
fn codec_and_row_groups_can_be_overridden() {
    let dir = Dir::new();
    let input = input(&dir);
    let output = dir.path("out.parquet");
    let options = ParquetOptions {
        compression: Some(oubli_parquet::parse_compression("gzip:6").unwrap()),
        row_group_size: Some(64),
        batch_size: 50,
        ..options(3)
    };
    run(&input, &output, &policy(POLICY), Direction::Mask, &options).unwrap();
    let (batch, meta) = read(&output);
    assert_eq!(batch.num_rows(), 250);
    assert!(
        codecs(&meta)
            .iter()
            .all(|c| matches!(c, Compression::GZIP(_)))
    );
    assert_eq!(row_groups(&meta), vec![64, 64, 64, 58]);
}

#[test]
fn codec_names() {
    use oubli_parquet::parse_compression as p;
    assert_eq!(p("snappy"), Ok(Compression::SNAPPY));
    assert_eq!(p("ZSTD"), Ok(Compression::ZSTD(ZstdLevel::default())));
    assert_eq!(
        p("zstd:3"),
        Ok(Compression::ZSTD(ZstdLevel::try_new(3).unwrap()))
    );
    assert_eq!(p("none"), Ok(Compression::UNCOMPRESSED));
    assert_eq!(p("lz4"), Ok(Compression::LZ4_RAW));
    assert!(matches!(p("brotli:5"), Ok(Compression::BROTLI(_))));
    assert!(p("zstd:99").is_err());
    assert!(p("snappy:1").is_err());
    assert!(
        p("lzo")
            .unwrap_err()
            .contains("expected uncompressed, snappy")
    );
}

#[test]
fn every_codec_reads_and_writes() {
    for codec in ["uncompressed", "snappy", "gzip", "brotli", "zstd", "lz4"] {
        let dir = Dir::new();
        let path = dir.path("in.parquet");
        let props = WriterProperties::builder()
            .set_compression(oubli_parquet::parse_compression(codec).unwrap())
            .build();
        write(&path, &[batch(10)], Some(props));
        let output = dir.path("out.parquet");
        run(
            &path,
            &output,
            &policy(POLICY),
            Direction::Mask,
            &options(1),
        )
        .unwrap();
        let (out, meta) = read(&output);
        assert_eq!(out.num_rows(), 10, "{codec}");
        assert_eq!(
            codecs(&meta)[1],
            oubli_parquet::parse_compression(codec).unwrap(),
            "{codec}"
        );
    }
}

#[test]
fn empty_file() {
    let dir = Dir::new();
    let path = dir.path("in.parquet");
    let b = batch(0);
    let writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        b.schema(),
        None,
    )
    .unwrap();
    writer.close().unwrap();
    let output = dir.path("out.parquet");
    let report = run(
        &path,
        &output,
        &policy(POLICY),
        Direction::Mask,
        &options(2),
    )
    .unwrap();
    assert_eq!(report.rows, 0);
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&output).unwrap(),
    )
    .unwrap();
    assert_eq!(
        builder.schema().field(0).data_type(),
        &arrow_schema::DataType::Utf8
    );
}

#[test]
fn progress_reports_rows() {
    let dir = Dir::new();
    let input = input(&dir);
    let output = dir.path("out.parquet");
    let seen = std::sync::Mutex::new(Vec::new());
    let options = ParquetOptions {
        batch_size: 40,
        ..options(2)
    };
    oubli_parquet::mask(
        File::open(&input).unwrap(),
        File::create(&output).unwrap(),
        &policy(POLICY),
        Direction::Mask,
        &key(),
        &options,
        &|rows| seen.lock().unwrap().push(rows),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&250));
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        oubli_parquet::row_count(&File::open(&input).unwrap(), "in").unwrap(),
        250
    );
}

#[test]
fn keep_all_copies_the_column_chunks() {
    let dir = Dir::new();
    let input = input(&dir);
    let output = dir.path("out.parquet");
    let policy = policy("version = 1\nunlisted = \"keep\"\n[columns]\n");
    let report = run(&input, &output, &policy, Direction::Mask, &options(2)).unwrap();
    assert_eq!(report.rows, 250);
    let (original, meta_in) = read(&input);
    let (copy, meta_out) = read(&output);
    assert_eq!(copy.columns(), original.columns());
    assert_eq!(copy.schema().fields(), original.schema().fields());
    assert_eq!(row_groups(&meta_out), row_groups(&meta_in));
    for (g_in, g_out) in meta_in.row_groups().iter().zip(meta_out.row_groups()) {
        for (c_in, c_out) in g_in.columns().iter().zip(g_out.columns()) {
            assert_eq!(c_in.compressed_size(), c_out.compressed_size());
            assert_eq!(c_in.compression(), c_out.compression());
            assert_eq!(c_in.statistics(), c_out.statistics());
        }
    }
    assert!(
        provenance(&meta_out)
            .columns
            .values()
            .all(|c| c.transform == "keep")
    );
}

/// Kept columns are copied (spliced) by the writer thread while the reader
/// thread decodes the changed ones from the same file: with many row groups
/// the two read at the same time, and each must get its own bytes (they once
/// shared one file offset and read each other's data: "the file is truncated
/// or corrupt" on a sound file, found by the 1 GiB benchmark).
#[test]
fn spliced_and_decoded_columns_read_concurrently() {
    let dir = Dir::new();
    let path = dir.path("many-groups.parquet");
    let rows = 60_000;
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(500))
        .set_dictionary_enabled(false)
        .build();
    let input = batch(rows);
    write(&path, std::slice::from_ref(&input), Some(props));
    let policy = policy(
        r#"
version = 1
[columns]
id = { transform = "hash" }
name = { transform = "keep" }
city = { transform = "keep" }
"#,
    );
    for threads in [1, 2, 3] {
        for _ in 0..2 {
            let output = dir.path("out.parquet");
            run(&path, &output, &policy, Direction::Mask, &options(threads)).unwrap();
            let (batch, meta) = read(&output);
            assert_eq!(meta.num_row_groups(), rows / 500);
            assert_eq!(batch.column(1), input.column(1), "threads {threads}");
            assert_eq!(batch.column(2), input.column(2), "threads {threads}");
        }
    }
}
