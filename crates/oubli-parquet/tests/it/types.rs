//! Masking a file with every type under a policy that mixes every transform.

use arrow_array::cast::AsArray as _;
use arrow_array::types::{Int16Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::fixture::{MIXED, ROWS, all_types, comment};
use super::*;

/// Writes the fixture with file metadata, masks it with `MIXED`, and returns the
/// input and output as read back, the output's footer and the report.
fn masked(
    threads: usize,
) -> (
    RecordBatch,
    RecordBatch,
    Arc<ParquetMetaData>,
    ParquetReport,
) {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(128))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "owner".into(),
            "team-a".to_owned(),
        )]))
        .build();
    write(&input, &[all_types()], Some(props));
    let (orig, _) = read(&input);
    let output = dir.path("out.parquet");
    let options = ParquetOptions {
        batch_size: 32,
        ..options(threads)
    };
    let report = run(&input, &output, &policy(MIXED), Direction::Mask, &options).unwrap();
    let (out, meta) = read(&output);
    (orig, out, meta, report)
}

#[test]
fn kept_columns_are_identical() {
    let (orig, out, _, _) = masked(2);
    // Every column the policy keeps (named or unlisted), nested ones included.
    for name in [
        "i8",
        "u8",
        "u16",
        "u32",
        "f16",
        "f32",
        "active",
        "large_blob",
        "blob_view",
        "uuid",
        "big",
        "d64",
        "t32s",
        "t32ms",
        "t64us",
        "t64ns",
        "ts_s",
        "ts_us",
        "ts_ns",
        "wait",
        "period",
        "nothing",
        "scores",
    ] {
        let (i, field) = orig
            .schema()
            .column_with_name(name)
            .map(|(i, f)| (i, f.clone()))
            .unwrap();
        let out_field = out.schema().field_with_name(name).unwrap().clone();
        assert_eq!(
            out_field, field,
            "{name}: field (type, nullability, metadata)"
        );
        assert_eq!(
            out.column_by_name(name).unwrap().as_ref(),
            orig.column(i).as_ref(),
            "{name}: values"
        );
    }
}

#[test]
fn schema_and_metadata() {
    let (orig, out, meta, report) = masked(2);
    let schema = out.schema();
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    // Transformed columns are strings; redact keeps the type; drop removes.
    for name in [
        "customer_id",
        "email",
        "birth_date",
        "i32",
        "amount",
        "account_no",
        "phone",
        "city",
        "status",
    ] {
        assert_eq!(ty(name), DataType::Utf8, "{name}");
    }
    assert_eq!(ty("notes"), DataType::LargeUtf8);
    assert_eq!(ty("price"), DataType::Decimal128(10, 2));
    assert!(schema.field_with_name("price").unwrap().is_nullable());
    assert_eq!(ty("i16"), DataType::Int16);
    assert!(schema.field_with_name("blob").is_err());
    // Field metadata of transformed columns is kept too.
    assert_eq!(
        schema.field_with_name("customer_id").unwrap().metadata(),
        &comment("the customer's id")
    );
    // Nested: address.zip masked (metadata kept), address.geo redacted to NULL,
    // orders lost `qty`, tags elements encrypted, attrs values hashed.
    let DataType::Struct(address) = ty("address") else {
        panic!()
    };
    assert_eq!(address.len(), 3);
    assert_eq!(address[0].data_type(), &DataType::Utf8);
    assert_eq!(address[0].metadata(), &comment("postcode"));
    assert_eq!(
        schema.field_with_name("address").unwrap().metadata(),
        &comment("postal address")
    );
    let DataType::List(order) = ty("orders") else {
        panic!()
    };
    let DataType::Struct(order_fields) = order.data_type() else {
        panic!()
    };
    assert_eq!(order_fields.len(), 1);
    assert_eq!(order_fields[0].name(), "sku");
    let DataType::LargeList(tag) = ty("tags") else {
        panic!()
    };
    assert_eq!(tag.data_type(), &DataType::Utf8);
    assert_eq!(out.num_rows(), ROWS);
    assert_eq!(report.rows, ROWS as u64);
    assert_eq!(report.row_groups, 3);
    assert_eq!(meta.num_row_groups(), 3);

    // Key-value metadata: carried, plus the provenance; the schema's too.
    let kv = meta.file_metadata().key_value_metadata().unwrap();
    assert!(
        kv.iter()
            .any(|kv| kv.key == "owner" && kv.value.as_deref() == Some("team-a"))
    );
    assert_eq!(
        schema.metadata().get("origin").map(String::as_str),
        Some("oubli tests")
    );
    assert_eq!(
        orig.schema().metadata().get("origin").map(String::as_str),
        Some("oubli tests")
    );

    let p = provenance(&meta);
    assert_eq!(p.format, "oubli.provenance/1");
    assert_eq!(p.direction, "mask");
    assert_eq!(p.key_id, key().id().to_string());
    assert_eq!(p.policy_sha256, "ab".repeat(32));
    assert_eq!(p.tool_version, env!("CARGO_PKG_VERSION"));
    let col = |path: &str| {
        let c = &p.columns[path];
        (c.transform.as_str(), c.original_type.as_str())
    };
    assert_eq!(col("customer_id"), ("hash", "int64"));
    assert_eq!(col("birth_date"), ("hash", "date32[day]"));
    assert_eq!(col("amount"), ("encrypt_random", "double"));
    assert_eq!(col("account_no"), ("fpe", "uint64"));
    assert_eq!(col("price"), ("redact", "decimal128(10, 2)"));
    assert_eq!(col("blob"), ("drop", "binary"));
    assert_eq!(col("address.zip"), ("mask", "string"));
    assert_eq!(
        col("address.geo"),
        ("redact", "struct<lat: double, lon: double>")
    );
    assert_eq!(col("orders.sku"), ("hash", "string"));
    assert_eq!(col("tags"), ("encrypt", "large_list<item: string>"));
    assert_eq!(col("ts_ns"), ("keep", "timestamp[ns, tz=Europe/Paris]"));
    assert_eq!(
        col("status"),
        ("hash", "dictionary<values=string, indices=int8, ordered=0>")
    );
    assert_eq!(p.columns.len(), report.plan.columns().len());
    // Never a value in the provenance.
    let json = meta
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .find(|kv| kv.key == "oubli.provenance")
        .unwrap()
        .value
        .clone()
        .unwrap();
    assert!(!json.contains("Example.org") && !json.contains("SKU-"));
}

#[test]
fn values_are_transformed_and_nulls_stay_null() {
    let (orig, out, _, report) = masked(1);
    let s = |b: &RecordBatch, name: &str| b.column_by_name(name).unwrap().clone();
    // NULL stays NULL in every transformed column.
    for name in [
        "email",
        "birth_date",
        "i32",
        "amount",
        "account_no",
        "phone",
        "notes",
        "city",
        "status",
    ] {
        let (o, m) = (s(&orig, name), s(&out, name));
        for i in 0..ROWS {
            assert_eq!(o.is_null(i), m.is_null(i), "{name} row {i}");
        }
    }
    let hashed = s(&out, "customer_id");
    let hashed = hashed.as_string::<i32>();
    assert!(hashed.iter().all(|v| v.is_some_and(|v| v.len() == 64)));
    // fpe on digits: same layout, different digits.
    let phone = s(&out, "phone");
    let (op, mp) = (s(&orig, "phone"), phone);
    let (op, mp) = (op.as_string::<i32>(), mp.as_string::<i32>());
    let v0 = (op.value(0), mp.value(0));
    assert_eq!(v0.0.len(), v0.1.len());
    assert_ne!(v0.0, v0.1);
    assert!(v0.1.starts_with("+") && v0.1.chars().nth(3) == Some(' '));
    let acct = s(&out, "account_no");
    assert!(
        acct.as_string::<i32>()
            .value(0)
            .bytes()
            .all(|b| b.is_ascii_digit())
    );
    // mask keeps the first two characters.
    let notes = s(&out, "notes");
    assert_eq!(notes.as_string::<i64>().value(0), "no**********");
    assert_eq!(notes.as_string::<i64>().value(5), "", "empty stays empty");
    // redact: NULL, or the constant in the column's type on every row.
    assert_eq!(s(&out, "price").null_count(), ROWS);
    let i16s = s(&out, "i16");
    assert!(
        i16s.as_primitive::<Int16Type>()
            .iter()
            .all(|v| v == Some(-1))
    );
    let ts = s(&out, "ts_ms");
    assert!(
        ts.as_primitive::<TimestampMillisecondType>()
            .iter()
            .all(|v| v == Some(946_684_800_000))
    );
    // Dictionary: the same value gives the same pseudonym.
    let status = s(&out, "status");
    let status = status.as_string::<i32>();
    assert_eq!(status.value(0), status.value(6));
    assert_ne!(status.value(0), status.value(1));
    // Nested.
    let address = s(&out, "address");
    let address = address.as_struct();
    assert_eq!(address.column(0).as_string::<i32>().value(0), "75***");
    assert_eq!(address.column(2).null_count(), ROWS);
    let orig_address = s(&orig, "address");
    assert_eq!(address.nulls(), orig_address.nulls());
    assert_eq!(
        address.column(1).as_ref(),
        orig_address.as_struct().column(1).as_ref()
    );
    let orders = s(&out, "orders");
    let orders = orders.as_list::<i32>();
    let orig_orders = s(&orig, "orders");
    assert_eq!(orders.offsets(), orig_orders.as_list::<i32>().offsets());
    assert_eq!(orders.nulls(), orig_orders.nulls());
    let skus = orders.values().as_struct().column(0).clone();
    assert!(
        skus.as_string::<i32>()
            .iter()
            .flatten()
            .all(|v| v.len() == 12)
    );
    let tags = s(&out, "tags");
    let tags = tags.as_list::<i64>();
    let first = tags
        .values()
        .as_string::<i32>()
        .iter()
        .flatten()
        .next()
        .unwrap();
    assert!(first.len() > 20, "an encrypt token");
    let attrs = s(&out, "attrs");
    let attrs = attrs.as_map();
    let orig_attrs = s(&orig, "attrs");
    assert_eq!(attrs.keys().as_ref(), orig_attrs.as_map().keys().as_ref());
    assert!(
        attrs
            .values()
            .as_string::<i32>()
            .iter()
            .flatten()
            .all(|v| v.len() == 64)
    );
    // Counts: non-NULL, non-empty values of transformed columns.
    let count = |path: &str| {
        let i = report
            .plan
            .columns()
            .iter()
            .position(|c| c.name == path)
            .unwrap();
        report.values_per_column[i]
    };
    assert_eq!(count("customer_id"), ROWS as u64);
    let non_null = |name: &str| (ROWS - s(&orig, name).null_count()) as u64;
    assert_eq!(count("email"), non_null("email"));
    assert_eq!(count("amount"), non_null("amount"));
    assert_eq!(count("i8"), 0);
    assert_eq!(
        count("notes"),
        non_null("notes") - 1,
        "the empty note is not counted"
    );
    assert_eq!(
        count("orders.sku"),
        skus.len() as u64 - skus.null_count() as u64
    );
}

#[test]
fn threads_do_not_change_the_output() {
    // Every transform but encrypt_random is deterministic: compare all other columns.
    let (_, one, _, r1) = masked(1);
    let (_, four, _, r4) = masked(4);
    assert_eq!(one.schema(), four.schema());
    for (i, field) in one.schema().fields().iter().enumerate() {
        if field.name() != "amount" {
            assert_eq!(
                one.column(i).as_ref(),
                four.column(i).as_ref(),
                "{}",
                field.name()
            );
        }
    }
    assert_ne!(
        one.column_by_name("amount").unwrap().as_ref(),
        four.column_by_name("amount").unwrap().as_ref()
    );
    assert_eq!(r1.values_per_column, r4.values_per_column);
}
