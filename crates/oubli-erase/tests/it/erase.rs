//! Erasing subjects' rows from CSV.

use std::fs;
use std::path::{Path, PathBuf};

use oubli_core::MasterKey;
use oubli_core::tag::SubjectTagger;
use oubli_csv::{CsvOptions, Direction};
use oubli_erase::erase::{
    DataFormat, Destination, EraseError, EraseOptions, MatchMode, Subjects, erase_file,
};
use oubli_erase::shred::{Outcome, ShredOptions};
use oubli_policy::Policy;
use proptest::prelude::*;

use crate::names;

fn options(column: &str, threads: usize) -> EraseOptions {
    EraseOptions {
        column: column.to_owned(),
        format: DataFormat::Csv,
        csv: CsvOptions {
            threads,
            chunk_records: 3,
            ..CsvOptions::default()
        },
        shred: ShredOptions::default(),
    }
}

fn customers() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/customers.csv")).unwrap()
}

/// The input's lines (header first), without those whose `column`-th
/// comma-separated field is in `gone` (the demo data has no quoted commas
/// in its first two columns).
fn without(input: &[u8], column: usize, gone: &[&str]) -> Vec<u8> {
    let text = std::str::from_utf8(input).unwrap();
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let field = line.split(',').nth(column).unwrap_or("").trim();
        if i == 0 || !gone.contains(&field) {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

const GONE: [&str; 3] = [
    "fatima.mensah68@example.org",
    "ingrid.garcía37@example.org",
    "liam.chen39@example.org",
];

fn subjects_file(ids: &[&str]) -> Vec<u8> {
    let mut s = String::new();
    for id in ids {
        s.push_str(&format!("  {id} \r\n\n"));
    }
    s.push_str("nobody@example.org\n");
    s.into_bytes()
}

#[test]
fn exactly_the_subjects_rows_are_gone_and_the_rest_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.csv");
    let output = dir.path().join("out.csv");
    let data = customers();
    fs::write(&input, &data).unwrap();
    let subjects = Subjects::as_text(&subjects_file(&GONE)).unwrap();
    assert_eq!(subjects.len(), 4);
    assert_eq!(subjects.mode(), MatchMode::Text);
    for threads in [1, 2, 3] {
        let _ = fs::remove_file(&output);
        let report = erase_file(
            &input,
            Destination::File {
                path: &output,
                force: false,
            },
            &subjects,
            &options("email", threads),
            &|_| {},
        )
        .unwrap();
        assert_eq!(fs::read(&output).unwrap(), without(&data, 1, &GONE));
        assert_eq!(report.rows_before, 60);
        assert_eq!(report.rows_after, 57);
        assert_eq!(report.removed, [1, 1, 1, 0]);
        assert_eq!(report.verification.remaining, 0);
        assert_eq!(report.verification.rows, 57);
        assert!(report.old_version.is_none());
        assert_eq!(fs::read(&input).unwrap(), data, "-o leaves the input alone");
        assert_eq!(report.input.bytes, data.len() as u64);
    }
}

#[test]
fn in_place_replaces_the_file_and_shreds_the_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.csv");
    let data = customers();
    fs::write(&input, &data).unwrap();
    let subjects = Subjects::as_text(&subjects_file(&GONE)).unwrap();
    let report = erase_file(
        &input,
        Destination::InPlace,
        &subjects,
        &options("email", 2),
        &|_| {},
    )
    .unwrap();
    assert_eq!(fs::read(&input).unwrap(), without(&data, 1, &GONE));
    let old = report.old_version.expect("the old version was shredded");
    assert!(old.removed, "{old:?}");
    assert_ne!(old.outcome, Outcome::Failed);
    assert_eq!(old.sha256, Some(report.input.sha256));
    assert_eq!(
        names(dir.path()),
        ["c.csv"],
        "no temporary or old version left"
    );
}

#[test]
fn in_place_refuses_a_hard_linked_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.csv");
    fs::write(&input, customers()).unwrap();
    fs::hard_link(&input, dir.path().join("other.csv")).unwrap();
    let subjects = Subjects::as_text(b"liam.chen39@example.org").unwrap();
    let err = erase_file(
        &input,
        Destination::InPlace,
        &subjects,
        &options("email", 1),
        &|_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, EraseError::HardLinked { links: 2, .. }),
        "{err}"
    );
    assert_eq!(fs::read(&input).unwrap(), customers());
    assert_eq!(names(dir.path()), ["c.csv", "other.csv"]);
}

#[test]
fn output_checks() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.csv");
    fs::write(&input, customers()).unwrap();
    let subjects = Subjects::as_text(b"liam.chen39@example.org").unwrap();
    let to = |path: &Path, force| {
        erase_file(
            &input,
            Destination::File { path, force },
            &subjects,
            &options("email", 1),
            &|_| {},
        )
    };
    assert!(matches!(
        to(&input, true).unwrap_err(),
        EraseError::SameFile(_)
    ));
    let existing = dir.path().join("exists.csv");
    fs::write(&existing, b"x").unwrap();
    assert!(matches!(
        to(&existing, false).unwrap_err(),
        EraseError::OutputExists(_)
    ));
    to(&existing, true).unwrap();
    let err = erase_file(
        &input,
        Destination::InPlace,
        &subjects,
        &options("mail", 1),
        &|_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("no column `mail`"), "{err}");
    assert_eq!(names(dir.path()), ["c.csv", "exists.csv"]);
    assert!(matches!(
        Subjects::as_text(b"\n  \n").unwrap_err(),
        EraseError::NoSubjects
    ));
    assert!(matches!(
        Subjects::as_text(b"ok\n\xff\n").unwrap_err(),
        EraseError::SubjectsNotUtf8 { line: 2 }
    ));
}

const POLICY: &str = r#"version = 1
[columns]
customer_id = { transform = "hash", domain = "customer", length = 20, prefix = "cust_" }
email       = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
full_name   = { transform = "redact" }
phone       = { transform = "fpe", alphabet = "digits", domain = "phone" }
iban        = { transform = "encrypt", domain = "iban" }
birth_date  = { transform = "mask", keep_first = 4, skip = "-" }
zip         = { transform = "mask", keep_first = 2, skip = " -" }
city        = { transform = "keep" }
signup_date = { transform = "keep" }
amount      = { transform = "keep" }
notes       = { transform = "encrypt_random", domain = "notes" }
"#;

fn mask(data: &[u8], policy: &Policy, key: &MasterKey) -> Vec<u8> {
    let mut out = Vec::new();
    oubli_csv::mask(
        data,
        &mut out,
        policy,
        Direction::Mask,
        key,
        &CsvOptions::default(),
        &|_| {},
    )
    .unwrap();
    out
}

/// `--match-policy`: erasing the subjects from the masked copy removes the
/// same rows as erasing them from the original (checked on every column
/// but the randomised one, which cannot be compared).
#[test]
fn erasure_reaches_a_masked_copy() {
    let dir = tempfile::tempdir().unwrap();
    let key = MasterKey::from_bytes([9; 32]);
    let policy = Policy::parse(POLICY, "p.toml").unwrap();
    let data = customers();
    let masked_path = dir.path().join("masked.csv");
    let masked = mask(&data, &policy, &key);
    fs::write(&masked_path, &masked).unwrap();
    // Identifiers as written in some other system: case and spaces differ.
    let ids = b" Fatima.Mensah68@EXAMPLE.org\nliam.chen39@example.org \nnobody@example.org\n";
    for (column, subject_lines) in [
        ("email", &ids[..]),
        ("customer_id", &b"C100002\nC100004\nC999999\n"[..]),
        (
            "iban",
            &b"IT70 4633 5514 2252 6409 96\nES43 3020 8815 9289 2097 93\nXX00\n"[..],
        ),
        (
            "phone",
            &b"+44 20 7946 0267\n+44 20 7946 0778\n+44 20 7946 0000\n"[..],
        ),
    ] {
        let subjects = Subjects::through_policy(subject_lines, &policy, column, &key).unwrap();
        assert!(matches!(subjects.mode(), MatchMode::Transformed { .. }));
        let out = dir.path().join(format!("erased-{column}.csv"));
        let report = erase_file(
            &masked_path,
            Destination::File {
                path: &out,
                force: false,
            },
            &subjects,
            &options(column, 2),
            &|_| {},
        )
        .unwrap();
        assert_eq!(report.removed, [1, 1, 0], "column {column}");
        // Same rows as the original minus C100002 and C100004, masked.
        let expected = mask(&without(&data, 0, &["C100002", "C100004"]), &policy, &key);
        let strip_notes = |csv: &[u8]| -> Vec<String> {
            std::str::from_utf8(csv)
                .unwrap()
                .lines()
                .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_owned())
                .collect()
        };
        assert_eq!(
            strip_notes(&fs::read(&out).unwrap()),
            strip_notes(&expected),
            "{column}"
        );
    }
    // The tag of a subject is over its canonical form.
    let subjects = Subjects::through_policy(ids, &policy, "email", &key).unwrap();
    let tagger = SubjectTagger::new(&key);
    assert_eq!(
        subjects.tags(&tagger)[0],
        tagger.tag(b"fatima.mensah68@example.org")
    );
}

#[test]
fn unmatchable_columns_are_refused() {
    let key = MasterKey::from_bytes([9; 32]);
    let policy = Policy::parse(POLICY, "p.toml").unwrap();
    for column in ["notes", "full_name", "zip"] {
        let err = Subjects::through_policy(b"x\n", &policy, column, &key).unwrap_err();
        assert!(
            matches!(err, EraseError::Unmatchable { .. }),
            "{column}: {err}"
        );
    }
    assert!(matches!(
        Subjects::through_policy(b"x\n", &policy, "nope", &key).unwrap_err(),
        EraseError::NotInPolicy(_)
    ));
    // A kept column is matched as text.
    let s = Subjects::through_policy(b" Berlin \n", &policy, "city", &key).unwrap();
    assert_eq!(s.mode(), MatchMode::Text);
    assert_eq!(s.find(b"Berlin"), Some(0));
    // FPE of a value too short for FF1 is an error naming the line.
    let err = Subjects::through_policy(b"123456\n12\n", &policy, "phone", &key).unwrap_err();
    assert!(
        matches!(err, EraseError::SubjectTransform { line: 2, .. }),
        "{err}"
    );
}

fn quote(field: &str, always: bool) -> String {
    if always || field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Erase removes exactly the listed subjects' rows: every other row is
    /// byte-identical and in order, whatever the quoting and line endings.
    #[test]
    fn erase_removes_exactly_the_listed_rows(
        rows in proptest::collection::vec((0..8u8, "[a-z ,\"\n]{0,6}", any::<bool>()), 0..60),
        listed in proptest::collection::btree_set(0..8u8, 0..8),
        crlf in any::<bool>(),
        threads in 1..4usize,
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let listed: Vec<String> = listed.iter().map(|i| format!("id{i}")).collect();
        let mut input = format!("note,id{end}");
        let mut expected = input.clone();
        for (id, note, q) in &rows {
            let id = format!("id{id}");
            let line = format!("{},{}{end}", quote(note, *q), quote(&format!(" {id}"), *q));
            input.push_str(&line);
            if !listed.contains(&id) {
                expected.push_str(&line);
            }
        }
        let mut subjects_text = listed.join("\n");
        subjects_text.push_str("\nnever\n");
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("in.csv");
        fs::write(&path, &input).unwrap();
        let subjects = Subjects::as_text(subjects_text.as_bytes()).unwrap();
        let report = erase_file(&path, Destination::InPlace, &subjects, &options("id", threads), &|_| {}).unwrap();
        prop_assert_eq!(fs::read_to_string(&path).unwrap(), expected);
        prop_assert_eq!(report.rows_before, rows.len() as u64);
        prop_assert_eq!(report.removed.iter().sum::<u64>(), report.rows_before - report.rows_after);
        prop_assert_eq!(names(dir.path()), ["in.csv"]);
    }
}

#[test]
fn in_place_refuses_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.csv");
    fs::write(&input, customers()).unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("c.csv", &link).unwrap();
    let subjects = Subjects::as_text(b"liam.chen39@example.org").unwrap();
    let err = erase_file(
        &link,
        Destination::InPlace,
        &subjects,
        &options("email", 1),
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(err, EraseError::NotAFile(_)), "{err}");
    assert_eq!(fs::read(&input).unwrap(), customers());
}

mod parquet_files {
    use std::sync::Arc;

    use arrow_array::{
        Array, Float64Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    };
    use oubli_core::transform::{HashEncoding, Pseudonymiser};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;

    use super::*;

    fn batch(ids: &[i64], emails: &[Option<&str>]) -> RecordBatch {
        let notes: Vec<String> = ids.iter().map(|i| format!("note {i}")).collect();
        RecordBatch::try_from_iter([
            (
                "id",
                Arc::new(Int64Array::from(ids.to_vec())) as Arc<dyn Array>,
            ),
            ("email", Arc::new(StringArray::from(emails.to_vec())) as _),
            (
                "note",
                Arc::new(LargeStringArray::from_iter_values(notes)) as _,
            ),
            (
                "score",
                Arc::new(Float64Array::from_iter_values(
                    ids.iter().map(|&i| i as f64 / 2.0),
                )) as _,
            ),
        ])
        .unwrap()
    }

    fn write(path: &Path, batch: &RecordBatch) {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(4))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "origin".into(),
                "test".to_owned(),
            )]))
            .build();
        let mut w =
            ArrowWriter::try_new(fs::File::create(path).unwrap(), batch.schema(), Some(props))
                .unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
    }

    fn read(path: &Path) -> (RecordBatch, parquet::file::metadata::ParquetMetaData) {
        let b = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap()).unwrap();
        let meta = (**b.metadata()).clone();
        let schema = b.schema().clone();
        let batches: Vec<RecordBatch> = b.build().unwrap().map(Result::unwrap).collect();
        (
            arrow_select::concat::concat_batches(&schema, &batches).unwrap(),
            meta,
        )
    }

    fn parquet_options(column: &str) -> EraseOptions {
        EraseOptions {
            format: DataFormat::Parquet,
            ..options(column, 1)
        }
    }

    const EMAILS: [Option<&str>; 10] = [
        Some("a@x.org"),
        Some("b@x.org"),
        None,
        Some(" a@x.org "),
        Some("c@x.org"),
        Some("d@x.org"),
        Some("b@x.org"),
        Some("e@x.org"),
        None,
        Some("f@x.org"),
    ];
    const IDS: [i64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    #[test]
    fn rows_go_values_schema_and_metadata_stay() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("d.parquet");
        write(&input, &batch(&IDS, &EMAILS));
        let out = dir.path().join("out.parquet");
        let subjects = Subjects::as_text(b"a@x.org\nb@x.org\nzzz@x.org\n").unwrap();
        let report = erase_file(
            &input,
            Destination::File {
                path: &out,
                force: false,
            },
            &subjects,
            &parquet_options("email"),
            &|_| {},
        )
        .unwrap();
        assert_eq!((report.rows_before, report.rows_after), (10, 6));
        assert_eq!(report.removed, [2, 2, 0]);
        let (got, meta) = read(&out);
        let keep = [3, 5, 6, 8, 9, 10];
        let expected = batch(
            &keep,
            &keep
                .iter()
                .map(|&i| EMAILS[i as usize - 1])
                .collect::<Vec<_>>(),
        );
        assert_eq!(got.columns(), expected.columns());
        assert_eq!(
            got.schema(),
            read(&input).0.schema(),
            "same schema and metadata"
        );
        let kv = meta.file_metadata().key_value_metadata().unwrap();
        assert!(
            kv.iter()
                .any(|k| k.key == "origin" && k.value.as_deref() == Some("test"))
        );
        assert_eq!(
            meta.row_group(0).column(0).compression(),
            Compression::ZSTD(ZstdLevel::default())
        );
        // By an integer column, in place.
        let subjects = Subjects::as_text(b"3\n10\n").unwrap();
        let report = erase_file(
            &out,
            Destination::InPlace,
            &subjects,
            &parquet_options("id"),
            &|_| {},
        )
        .unwrap();
        assert_eq!(report.removed, [1, 1]);
        assert!(report.old_version.unwrap().removed);
        let (got, _) = read(&out);
        let ids = got.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(ids.values().to_vec(), [5, 6, 8, 9]);
        assert_eq!(names(dir.path()), ["d.parquet", "out.parquet"]);
    }

    #[test]
    fn a_masked_parquet_copy_is_reached_through_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::from_bytes([9; 32]);
        let policy = Policy::parse(POLICY, "p.toml").unwrap();
        let p = Pseudonymiser::new(&key, "customer", HashEncoding::Hex, None, "");
        let masked: Vec<Option<String>> = EMAILS
            .iter()
            .map(|e| {
                e.map(|e| {
                    let mut s = String::new();
                    p.apply(e.trim().to_lowercase().as_bytes(), &mut s);
                    s
                })
            })
            .collect();
        let refs: Vec<Option<&str>> = masked.iter().map(Option::as_deref).collect();
        let input = dir.path().join("m.parquet");
        write(&input, &batch(&IDS, &refs));
        let subjects = Subjects::through_policy(b"A@X.org\n", &policy, "email", &key).unwrap();
        let report = erase_file(
            &input,
            Destination::InPlace,
            &subjects,
            &parquet_options("email"),
            &|_| {},
        )
        .unwrap();
        assert_eq!(report.removed, [2]);
        assert_eq!(report.rows_after, 8);
    }

    #[test]
    fn unmatchable_types_and_missing_columns_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("d.parquet");
        write(&input, &batch(&IDS, &EMAILS));
        let subjects = Subjects::as_text(b"0.5\n").unwrap();
        let err = erase_file(
            &input,
            Destination::InPlace,
            &subjects,
            &parquet_options("score"),
            &|_| {},
        )
        .unwrap_err();
        assert!(
            matches!(err, EraseError::UnsupportedColumnType { .. }),
            "{err}"
        );
        let err = erase_file(
            &input,
            Destination::InPlace,
            &subjects,
            &parquet_options("nope"),
            &|_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("no column `nope`"), "{err}");
        fs::write(dir.path().join("bad.parquet"), b"PAR1").unwrap();
        let err = erase_file(
            &dir.path().join("bad.parquet"),
            Destination::InPlace,
            &subjects,
            &parquet_options("id"),
            &|_| {},
        )
        .unwrap_err();
        assert!(matches!(err, EraseError::Parquet { .. }), "{err}");
        assert_eq!(names(dir.path()), ["bad.parquet", "d.parquet"]);
    }
}
