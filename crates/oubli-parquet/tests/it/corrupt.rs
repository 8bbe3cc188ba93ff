//! Corrupt, truncated and non-Parquet inputs are errors naming the file, never
//! panics, and leave no output.

use std::io::Write as _;

use super::fixture::all_types;
use super::*;

const KEEP_ALL: &str = "version = 1\nunlisted = \"keep\"\n[columns]\n";

/// Decodes (and hashes) `email`, the second column; copies the others.
const HASH_EMAIL: &str =
    "version = 1\nunlisted = \"keep\"\n[columns]\nemail = { transform = \"hash\" }\n";

/// Masks `bytes` as a Parquet file; returns the error (the test fails if the
/// job succeeds) and checks the output stayed empty.
fn fails(bytes: &[u8]) -> ParquetError {
    fails_with(bytes, KEEP_ALL)
}

fn fails_with(bytes: &[u8], policy_text: &str) -> ParquetError {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    std::fs::write(&input, bytes).unwrap();
    let output = dir.path("out.parquet");
    let result = run(
        &input,
        &output,
        &policy(policy_text),
        Direction::Mask,
        &options(2),
    );
    let error = result.expect_err("a corrupt file must fail");
    assert!(
        error.to_string().starts_with("in.parquet: "),
        "names the file: {error}"
    );
    error
}

fn valid_file() -> Vec<u8> {
    let dir = Dir::new();
    let path = dir.path("ok.parquet");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(100))
        .build();
    write(&path, &[all_types()], Some(props));
    std::fs::read(&path).unwrap()
}

#[test]
fn zero_bytes() {
    assert!(matches!(fails(b""), ParquetError::NotParquet { .. }));
}

#[test]
fn random_bytes() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert!(matches!(fails(&bytes), ParquetError::NotParquet { .. }));
    // Random bytes that end with the magic: the footer length is nonsense.
    let mut with_magic = bytes.clone();
    with_magic.extend_from_slice(&[0x10, 0, 0, 0]);
    with_magic.extend_from_slice(b"PAR1");
    fails(&with_magic);
}

#[test]
fn csv_is_not_parquet() {
    assert!(matches!(
        fails(b"id,name\n1,ada\n"),
        ParquetError::NotParquet { .. }
    ));
    assert!(matches!(fails(b"PAR1"), ParquetError::NotParquet { .. }));
}

#[test]
fn wrong_magic() {
    let mut bytes = valid_file();
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(b"PARX");
    assert!(matches!(fails(&bytes), ParquetError::NotParquet { .. }));
}

#[test]
fn footer_cut() {
    let bytes = valid_file();
    for cut in [1, 8, 100] {
        assert!(matches!(
            fails(&bytes[..bytes.len() - cut]),
            ParquetError::NotParquet { .. }
        ));
    }
}

#[test]
fn truncated_file() {
    let bytes = valid_file();
    let half = &bytes[..bytes.len() / 2];
    fails(half);
}

#[test]
fn data_pages_overwritten_keep_the_footer() {
    // The footer is intact, the column chunks are garbage: the error names a row
    // group, and comes from the reader (or a caught panic), never a crash. (Kept
    // columns are copied as encoded bytes, not decoded: the column read is the
    // transformed one.)
    let bytes = valid_file();
    let footer_len =
        u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap()) as usize;
    let data_end = bytes.len() - 8 - footer_len;
    for (seed, stride) in [(1u8, 7usize), (0xff, 3), (0x55, 1)] {
        let mut broken = bytes.clone();
        for (i, b) in broken[4..data_end].iter_mut().enumerate() {
            if i % stride == 0 {
                *b = seed.wrapping_mul(i as u8);
            }
        }
        match fails_with(&broken, HASH_EMAIL) {
            ParquetError::Read { row_group, .. } | ParquetError::RowCount { row_group, .. } => {
                assert!(row_group < 3);
            }
            ParquetError::Panic { row_group, .. } => assert!(row_group.is_some()),
            other => panic!("unexpected error: {other}"),
        }
    }
}

#[test]
fn a_job_that_fails_midway_reports_the_first_error() {
    // Row group 1 is corrupt; row group 0 is fine.
    let bytes = valid_file();
    let dir = Dir::new();
    let path = dir.path("in.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let metadata = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&std::fs::File::open(&path).unwrap())
        .unwrap();
    let group = metadata.row_group(1);
    let (start, len) = group.columns()[1].byte_range();
    let mut broken = bytes.clone();
    for b in &mut broken[start as usize..(start + len) as usize] {
        *b = 0xA5;
    }
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&broken).unwrap();
    drop(file);
    let output = dir.path("out.parquet");
    let error = run(
        &path,
        &output,
        &policy(HASH_EMAIL),
        Direction::Mask,
        &options(3),
    )
    .unwrap_err();
    match error {
        ParquetError::Read { row_group, .. } => assert_eq!(row_group, 1),
        ParquetError::Panic { row_group, .. } => assert_eq!(row_group, Some(1)),
        other => panic!("unexpected error: {other}"),
    }
}
