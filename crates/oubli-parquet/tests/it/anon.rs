//! Row context in the Parquet engine: `date_shift` and `noise` read their
//! subject from another column of the same row, kept, dropped, nested in a
//! struct or dictionary-encoded, on both the splice path (kept columns copied)
//! and the re-encoding path, with several threads and small batches.

use std::sync::Arc;

use arrow_array::cast::AsArray as _;
use arrow_array::types::{Date32Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, Date32Array, DictionaryArray, Int64Array, RecordBatch, StringArray,
    StructArray,
};
use arrow_schema::{DataType, Field};
use oubli_core::transform::DateShifter;
use oubli_parquet::{Direction, ParquetError};

use crate::{Dir, key, options, policy, read, run, write};

const ROWS: usize = 500;

fn subject(i: usize) -> String {
    format!("S{}", i % 37)
}

/// `person {id, name}`, `visit` (date32), `note` (dictionary of date strings),
/// `pay` (int64), `sid` (dictionary-encoded subject).
fn input() -> RecordBatch {
    let ids: Vec<String> = (0..ROWS).map(subject).collect();
    let person = StructArray::from(vec![
        (
            Arc::new(Field::new("id", DataType::Utf8, false)),
            Arc::new(StringArray::from(ids.clone())) as ArrayRef,
        ),
        (
            Arc::new(Field::new("name", DataType::Utf8, false)),
            Arc::new(StringArray::from(vec!["x"; ROWS])) as ArrayRef,
        ),
    ]);
    let base = 19_723; // 2024-01-01
    let visit = Date32Array::from(
        (0..ROWS)
            .map(|i| base + (i % 50) as i32)
            .collect::<Vec<_>>(),
    );
    let note: DictionaryArray<Int32Type> = (0..ROWS)
        .map(|i| {
            if i % 2 == 0 {
                "2024-01-01"
            } else {
                "2024-06-30"
            }
        })
        .collect();
    let sid: DictionaryArray<Int32Type> = ids.iter().map(String::as_str).collect();
    let pay = Int64Array::from((0..ROWS).map(|i| 1000 + i as i64).collect::<Vec<_>>());
    RecordBatch::try_from_iter([
        ("person", Arc::new(person) as ArrayRef),
        ("visit", Arc::new(visit) as _),
        ("note", Arc::new(note) as _),
        ("pay", Arc::new(pay) as _),
        ("sid", Arc::new(sid) as _),
    ])
    .unwrap()
}

const POLICY: &str = r#"version = 1
[columns]
"person.id"   = { transform = "keep" }
"person.name" = { transform = "drop" }
visit = { transform = "date_shift", max_days = 90, subject = "person.id" }
note  = { transform = "date_shift", max_days = 90, subject = "sid" }
pay   = { transform = "noise", absolute = 50, subject = "sid" }
sid   = { transform = "drop" }
"#;

#[test]
fn subjects_from_struct_and_dictionary_columns() {
    let dir = Dir::new();
    let batch = input();
    write(&dir.path("in.parquet"), std::slice::from_ref(&batch), None);
    let shifter = DateShifter::new(&key(), "default", 90);
    let p = policy(POLICY);
    let mut outputs = Vec::new();
    for (name, mut opts) in [("splice", options(3)), ("reencode", options(2))] {
        opts.batch_size = 64;
        if name == "reencode" {
            opts.row_group_size = Some(100);
        }
        let out = dir.path(&format!("{name}.parquet"));
        run(&dir.path("in.parquet"), &out, &p, Direction::Mask, &opts).unwrap();
        let (b, _) = read(&out);
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["person", "visit", "note", "pay"], "{name}");
        let visit = b.column(1).as_primitive::<Date32Type>();
        let note = b.column(2);
        let note = arrow_cast_strings(note);
        let pay = b.column(3).as_primitive::<Int64Type>();
        let input_visit = batch.column(1).as_primitive::<Date32Type>();
        let mut pay_noise = std::collections::HashMap::new();
        for (i, note) in note.iter().enumerate() {
            let offset = shifter.offset(subject(i).as_bytes());
            assert_eq!(
                i64::from(visit.value(i)),
                i64::from(input_visit.value(i)) + offset,
                "{name}, row {i}"
            );
            // The dictionary-encoded `note` column is shifted per row, by its
            // row's subject (not once per dictionary value).
            let expected_note = {
                let mut out = String::new();
                let v = if i % 2 == 0 {
                    "2024-01-01"
                } else {
                    "2024-06-30"
                };
                shifter.apply(v, subject(i).as_bytes(), &mut out).unwrap();
                out
            };
            assert_eq!(*note, expected_note, "{name}, row {i}");
            let noise = pay.value(i) - (1000 + i as i64);
            assert!(noise.abs() <= 50);
            assert_eq!(*pay_noise.entry(subject(i)).or_insert(noise), noise);
        }
        outputs.push((visit.clone(), note, pay.clone()));
    }
    assert_eq!(outputs[0].0, outputs[1].0);
    assert_eq!(outputs[0].1, outputs[1].1);
    assert_eq!(outputs[0].2, outputs[1].2);
}

fn arrow_cast_strings(array: &ArrayRef) -> Vec<String> {
    match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap().to_owned())
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|v| v.unwrap().to_owned())
            .collect(),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn a_subject_inside_a_list_is_refused() {
    let dir = Dir::new();
    let tags = arrow_array::ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), Some(2)]),
        Some(vec![Some(3)]),
    ]);
    let batch = RecordBatch::try_from_iter([
        ("tags", Arc::new(tags) as ArrayRef),
        (
            "visit",
            Arc::new(Date32Array::from(vec![19_723, 19_724])) as _,
        ),
    ])
    .unwrap();
    write(&dir.path("in.parquet"), &[batch], None);
    let p = policy(
        "version = 1\n[columns]\ntags = { transform = \"keep\" }\nvisit = { transform = \"date_shift\", max_days = 3, subject = \"tags\" }\n",
    );
    let e = run(
        &dir.path("in.parquet"),
        &dir.path("out.parquet"),
        &p,
        Direction::Mask,
        &options(1),
    )
    .unwrap_err();
    let ParquetError::Policy(e) = e else {
        panic!("{e}")
    };
    assert_eq!(e.line, Some(4));
    assert!(
        e.to_string()
            .contains("the subject column `tags` must have one value per row"),
        "{e}"
    );
    // The caller's writer got nothing: the policy is refused before any output.
    assert_eq!(std::fs::metadata(dir.path("out.parquet")).unwrap().len(), 0);
}
