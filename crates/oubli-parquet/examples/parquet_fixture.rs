//! Writes a small typed Parquet file for demos and the CI's independent-reader
//! check: flat columns of common types, a struct, a list of structs and a list
//! of strings, with NULLs.
//!
//! ```text
//! cargo run -p oubli-parquet --example parquet_fixture -- OUT.parquet [ROWS]
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use arrow_array::builder::{Int32Builder, ListBuilder, StringBuilder, StructBuilder};
use arrow_array::{
    ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Fields};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, rows) = match args.as_slice() {
        [path] => (path.clone(), 1000),
        [path, rows] => match rows.parse() {
            Ok(rows) => (path.clone(), rows),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    match write(&path, rows) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parquet_fixture: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: parquet_fixture OUT.parquet [ROWS]");
    ExitCode::from(2)
}

fn write(path: &str, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let opt = |i: usize| i % 9 != 4;
    let ids = Int64Array::from_iter_values((0..rows).map(|i| 100_000 + i as i64));
    let emails = StringArray::from_iter(
        (0..rows).map(|i| opt(i).then(|| format!("Customer.{i}@Example.org"))),
    );
    let phones = StringArray::from_iter((0..rows).map(|i| {
        opt(i + 1).then(|| {
            format!(
                "+33 6 {:02} {:02} {:02} {:02}",
                i % 100,
                i * 7 % 100,
                i * 13 % 100,
                42
            )
        })
    }));
    let birth = Date32Array::from_iter(
        (0..rows).map(|i| opt(i + 2).then_some(-3_000 + (i as i32 * 37) % 15_000)),
    );
    let signup = TimestampMicrosecondArray::from_iter_values(
        (0..rows).map(|i| 1_600_000_000_000_000 + i as i64 * 86_400_000_123),
    )
    .with_timezone("UTC");
    let amount = Decimal128Array::from_iter(
        (0..rows).map(|i| opt(i + 3).then_some(i as i128 * 1999 % 1_000_000)),
    )
    .with_precision_and_scale(12, 2)?;

    let address_fields = Fields::from(vec![
        Field::new("zip", DataType::Utf8, true),
        Field::new("city", DataType::Utf8, true),
    ]);
    let zip = StringArray::from_iter(
        (0..rows).map(|i| opt(i).then(|| format!("{:05}", 75_000 + i % 20))),
    );
    let city = StringArray::from_iter((0..rows).map(|i| Some(["Paris", "Lyon", "Lille"][i % 3])));
    let address = StructArray::new(
        address_fields,
        vec![Arc::new(zip) as ArrayRef, Arc::new(city)],
        None,
    );

    let order_fields = Fields::from(vec![
        Field::new("sku", DataType::Utf8, true),
        Field::new("qty", DataType::Int32, true),
    ]);
    let mut orders = ListBuilder::new(StructBuilder::new(
        order_fields,
        vec![
            Box::new(StringBuilder::new()) as Box<dyn arrow_array::builder::ArrayBuilder>,
            Box::new(Int32Builder::new()),
        ],
    ));
    let mut tags = ListBuilder::new(StringBuilder::new());
    for i in 0..rows {
        for k in 0..(i % 3) {
            let s = orders.values();
            s.field_builder::<StringBuilder>(0)
                .ok_or("sku builder")?
                .append_value(format!("SKU-{:05}", (i * 7 + k) % 10_000));
            s.field_builder::<Int32Builder>(1)
                .ok_or("qty builder")?
                .append_value(k as i32 + 1);
            s.append(true);
            tags.values().append_value(format!("tag{}", (i + k) % 5));
        }
        orders.append(opt(i + 5));
        tags.append(true);
    }
    let orders = orders.finish();
    let tags = tags.finish();

    let batch = RecordBatch::try_from_iter([
        ("customer_id", Arc::new(ids) as ArrayRef),
        ("email", Arc::new(emails)),
        ("phone", Arc::new(phones)),
        ("birth_date", Arc::new(birth)),
        ("signup", Arc::new(signup)),
        ("amount", Arc::new(amount)),
        ("address", Arc::new(address)),
        ("orders", Arc::new(orders)),
        ("tags", Arc::new(tags)),
    ])?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(rows.div_ceil(3).max(1)))
        .build();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(path)?, batch.schema(), Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}
