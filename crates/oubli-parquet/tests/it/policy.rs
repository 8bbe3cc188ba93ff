//! Policy errors (before any output) and value errors (naming row group, row
//! and column).

use arrow_array::{Int64Array, RecordBatch, StringArray};
use oubli_policy::PolicyErrorKind;
use parquet::file::properties::WriterProperties;

use super::fixture::all_types;
use super::*;

/// Masks the fixture with `text`; returns the error and checks that nothing
/// was written.
fn refused(text: &str) -> ParquetError {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    write(&input, &[all_types()], None);
    let output = dir.path("out.parquet");
    let error = run(&input, &output, &policy(text), Direction::Mask, &options(2)).unwrap_err();
    assert_eq!(
        std::fs::metadata(&output).unwrap().len(),
        0,
        "no output on a policy error"
    );
    error
}

fn message(text: &str) -> String {
    let error = refused(&format!(
        "version = 1\nunlisted = \"keep\"\n[columns]\n{text}\n"
    ));
    assert!(matches!(error, ParquetError::Policy(_)), "{error}");
    error.to_string()
}

#[test]
fn value_transforms_on_whole_nested_columns_are_refused() {
    let m = message(r#"address = { transform = "hash" }"#);
    assert!(m.starts_with("policy.toml:4: column `address`: key `transform`: `hash` cannot apply to a whole `struct<zip: string, city: string, geo: struct<lat: double, lon: double>>` column"), "{m}");
    assert!(
        m.contains("`address.zip`, `address.city`, `address.geo.lat`"),
        "{m}"
    );
    let m = message(r#"orders = { transform = "encrypt" }"#);
    assert!(
        m.contains("whole `struct<sku: string, qty: int32>` column"),
        "{m}"
    );
    let m = message(r#"attrs = { transform = "fpe", alphabet = "digits" }"#);
    assert!(
        m.contains("column `attrs`") && m.contains("map<string, string>"),
        "{m}"
    );
    // keep, drop and redact apply to whole nested columns.
    for t in ["keep", "drop", "redact"] {
        let dir = Dir::new();
        let input = dir.path("in.parquet");
        write(&input, &[all_types()], None);
        let text = format!(
            "version = 1\nunlisted = \"keep\"\n[columns]\naddress = {{ transform = \"{t}\" }}\norders = {{ transform = \"{t}\" }}\nattrs = {{ transform = \"{t}\" }}\n"
        );
        run(
            &input,
            &dir.path("o.parquet"),
            &policy(&text),
            Direction::Mask,
            &options(1),
        )
        .unwrap();
    }
}

#[test]
fn type_mismatches_are_refused() {
    let m = message(r#"customer_id = { transform = "mask", keep_first = 1 }"#);
    assert!(
        m.contains("`mask` applies to string columns only, and this column is `int64`"),
        "{m}"
    );
    let m = message(r#"period = { transform = "hash" }"#);
    assert!(
        m.contains("`month_interval` column (values of this type have no canonical text)"),
        "{m}"
    );
    let m = message(r#"customer_id = { transform = "redact", value = "abc" }"#);
    assert!(m.contains("the `redact` value cannot be written in this column: the text is not a valid `int64` value"), "{m}");
    let m = message(r#"price = { transform = "redact", value = "1.234" }"#);
    assert!(m.contains("`decimal128(10, 2)`"), "{m}");
    let m = message(r#"scores = { transform = "redact", value = "1" }"#);
    assert!(m.contains("needs a column of a single value type"), "{m}");
    let m = message(r#""attrs.key" = { transform = "drop" }"#);
    assert!(
        m.contains("column `attrs.key`") && m.contains("drop the whole map"),
        "{m}"
    );
    let m = message(r#""attrs.key" = { transform = "redact" }"#);
    assert!(m.contains("map keys cannot be NULL"), "{m}");
}

#[test]
fn binding_errors_come_from_the_policy_crate() {
    // Unlisted nested leaves are named by their dotted path.
    let error = refused("version = 1\n[columns]\ncustomer_id = { transform = \"keep\" }\n");
    let ParquetError::Policy(e) = error else {
        panic!()
    };
    assert_eq!(e.column.as_deref(), Some("email"));
    assert!(matches!(*e.kind, PolicyErrorKind::Unlisted { .. }));
    let error = refused(
        "version = 1\nunlisted = \"drop\"\n[columns]\n\"address.country\" = { transform = \"keep\" }\n",
    );
    let ParquetError::Policy(e) = error else {
        panic!()
    };
    assert!(
        matches!(&*e.kind, PolicyErrorKind::MissingColumn { available } if available.contains("`address.zip`") && available.contains("`orders.sku`"))
    );
}

#[test]
fn dropping_every_leaf_drops_the_parent() {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    write(&input, &[all_types()], None);
    let output = dir.path("out.parquet");
    let text = "version = 1\nunlisted = \"keep\"\n[columns]\n\"orders.sku\" = { transform = \"drop\" }\n\"orders.qty\" = { transform = \"drop\" }\n";
    run(&input, &output, &policy(text), Direction::Mask, &options(1)).unwrap();
    let (out, _) = read(&output);
    assert!(out.schema().field_with_name("orders").is_err());
    assert!(out.schema().field_with_name("address").is_ok());
}

fn two_groups(dir: &Dir) -> PathBuf {
    let input = dir.path("in.parquet");
    let ids: Vec<String> = (0..20)
        .map(|i| {
            if i == 14 {
                "12".into()
            } else {
                format!("{:08}", i)
            }
        })
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("n", Arc::new(Int64Array::from_iter_values(0..20)) as _),
        ("card", Arc::new(StringArray::from_iter_values(ids)) as _),
    ])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(10))
        .build();
    write(&input, &[batch], Some(props));
    input
}

#[test]
fn value_errors_name_the_row_group_row_and_column() {
    let dir = Dir::new();
    let input = two_groups(&dir);
    let text = "version = 1\n[columns]\nn = { transform = \"keep\" }\ncard = { transform = \"fpe\", alphabet = \"digits\" }\n";
    let output = dir.path("out.parquet");
    let options = ParquetOptions {
        batch_size: 3,
        ..options(2)
    };
    let error = run(&input, &output, &policy(text), Direction::Mask, &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "in.parquet: row group 1, row 15: column `card`: cannot transform the value"
    );
    let ParquetError::Value { source, .. } = &error else {
        panic!()
    };
    assert!(
        !source.to_string().contains("12"),
        "no value in messages: {source}"
    );
}

#[test]
fn unmask_with_another_key_fails_on_the_first_token() {
    let dir = Dir::new();
    let input = two_groups(&dir);
    let text = "version = 1\n[columns]\nn = { transform = \"encrypt\" }\ncard = { transform = \"keep\" }\n";
    let masked = dir.path("m.parquet");
    run(&input, &masked, &policy(text), Direction::Mask, &options(2)).unwrap();
    let output = dir.path("out.parquet");
    let error = oubli_parquet::mask(
        File::open(&masked).unwrap(),
        File::create(&output).unwrap(),
        &policy(text),
        Direction::Unmask,
        &MasterKey::from_bytes([9; 32]),
        &options(2),
        &|_| {},
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("in.parquet: row group 0, row 1: column `n`"),
        "{error}"
    );
}

#[test]
fn a_decrypted_value_that_is_not_of_the_type_is_an_error() {
    // Mask an int64 column as text, then claim in the provenance it was a date.
    let dir = Dir::new();
    let input = two_groups(&dir);
    let text = "version = 1\n[columns]\nn = { transform = \"encrypt\" }\ncard = { transform = \"keep\" }\n";
    let masked = dir.path("m.parquet");
    run(&input, &masked, &policy(text), Direction::Mask, &options(1)).unwrap();
    let (batch, meta) = read(&masked);
    let mut p = provenance(&meta);
    p.columns.get_mut("n").unwrap().original_type = "date32[day]".into();
    let forged = dir.path("forged.parquet");
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "oubli.provenance".into(),
            serde_json::to_string(&p).unwrap(),
        )]))
        .build();
    write(&forged, &[batch], Some(props));
    let error = run(
        &forged,
        &dir.path("o.parquet"),
        &policy(text),
        Direction::Unmask,
        &options(1),
    )
    .unwrap_err();
    let chain = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(
        chain.ends_with("the text is not a valid `date32[day]` value (expected YYYY-MM-DD)"),
        "{chain}"
    );
}
