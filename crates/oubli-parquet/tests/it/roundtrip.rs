//! `unmask` restores every column and type exactly.

use arrow_array::RecordBatch;
use arrow_schema::DataType;

use super::fixture::{PRIMITIVES, all_types};
use super::*;

/// A reversible transform on every column that has values: each primitive
/// column, nested leaves, list elements and map keys and values.
fn reversible_policy() -> String {
    let mut text = String::from("version = 1\n[columns]\n");
    for (i, name) in PRIMITIVES.iter().enumerate() {
        let rule = match *name {
            "account_no" | "phone" => r#"{ transform = "fpe", alphabet = "digits", domain = "d" }"#,
            "i32" => r#"{ transform = "fpe", alphabet = "digits", fallback = "keep" }"#,
            _ if i % 2 == 0 => r#"{ transform = "encrypt", domain = "x" }"#,
            _ => r#"{ transform = "encrypt_random", domain = "y" }"#,
        };
        text.push_str(&format!("{name} = {rule}\n"));
    }
    text.push_str(
        r#"period = { transform = "keep" }
scores = { transform = "encrypt" }
tags = { transform = "encrypt_random" }
"address.zip" = { transform = "encrypt" }
"address.city" = { transform = "encrypt_random", empty = "transform" }
"address.geo.lat" = { transform = "encrypt" }
"address.geo.lon" = { transform = "fpe", alphabet = "digits", fallback = "keep" }
"orders.sku" = { transform = "encrypt_random" }
"orders.qty" = { transform = "encrypt" }
"attrs.key" = { transform = "encrypt" }
"attrs.value" = { transform = "encrypt" }
"#,
    );
    text
}

fn assert_same(restored: &RecordBatch, orig: &RecordBatch) {
    assert_eq!(restored.num_columns(), orig.num_columns());
    for (i, field) in orig.schema().fields().iter().enumerate() {
        assert_eq!(
            restored.schema().field(i),
            field.as_ref(),
            "field {}",
            field.name()
        );
        assert_eq!(
            restored.column(i).as_ref(),
            orig.column(i).as_ref(),
            "values of {}",
            field.name()
        );
    }
}

#[test]
fn unmask_restores_every_column_and_type() {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    write(&input, &[all_types()], None);
    let (orig, _) = read(&input);
    let policy = policy(&reversible_policy());
    let masked = dir.path("masked.parquet");
    // Default: kept columns spliced, the others encoded; with a codec given,
    // everything goes through the ArrowWriter.
    for (threads, codec) in [(1, None), (3, Some("zstd"))] {
        let options = ParquetOptions {
            batch_size: 50,
            compression: codec.map(|c| oubli_parquet::parse_compression(c).unwrap()),
            ..options(threads)
        };
        run(&input, &masked, &policy, Direction::Mask, &options).unwrap();
        let (m, meta) = read(&masked);
        // Everything transformed is now text; nothing in clear.
        for name in PRIMITIVES {
            let want = match *name {
                "notes" | "large_blob" => DataType::LargeUtf8,
                _ => DataType::Utf8,
            };
            assert_eq!(
                m.schema().field_with_name(name).unwrap().data_type(),
                &want,
                "{name}"
            );
        }
        assert_eq!(
            provenance(&meta).columns["scores"].original_type,
            "list<item: int64>"
        );
        let restored_path = dir.path("restored.parquet");
        let report = run(
            &masked,
            &restored_path,
            &policy,
            Direction::Unmask,
            &options,
        )
        .unwrap();
        assert_eq!(report.rows, orig.num_rows() as u64);
        let (restored, restored_meta) = read(&restored_path);
        assert_same(&restored, &orig);
        assert_eq!(provenance(&restored_meta).direction, "unmask");
    }
}

#[test]
fn unmask_without_provenance_gives_strings() {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    let batch = RecordBatch::try_from_iter([(
        "n",
        Arc::new(arrow_array::Int64Array::from(vec![
            Some(42),
            None,
            Some(-7),
        ])) as _,
    )])
    .unwrap();
    write(&input, &[batch], None);
    let policy = policy("version = 1\n[columns]\nn = { transform = \"encrypt\" }\n");
    let masked = dir.path("m.parquet");
    run(&input, &masked, &policy, Direction::Mask, &options(1)).unwrap();
    // Strip the provenance by rewriting the masked file without it.
    let (m, _) = read(&masked);
    let bare = dir.path("bare.parquet");
    write(&bare, &[m], None);
    let out = dir.path("out.parquet");
    run(&bare, &out, &policy, Direction::Unmask, &options(1)).unwrap();
    let (restored, _) = read(&out);
    let n = restored.column(0);
    assert_eq!(n.data_type(), &DataType::Utf8);
    let n = arrow_array::cast::AsArray::as_string::<i32>(n.as_ref());
    assert_eq!(
        n.iter().collect::<Vec<_>>(),
        vec![Some("42"), None, Some("-7")]
    );
}
