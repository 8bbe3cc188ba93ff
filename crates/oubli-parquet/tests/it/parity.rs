//! The same logical value gets the same pseudonym in Parquet and in CSV: the
//! Parquet values are hashed and encrypted through their canonical text, which
//! this test writes by hand in a CSV file and masks with the CSV engine.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::cast::AsArray as _;
use arrow_array::types::Int32Type;
use arrow_array::*;
use arrow_schema::{DataType, Field, Fields, TimeUnit};
use oubli_csv::CsvOptions;

use super::*;

/// The policy, the same for both engines (the CSV header names the nested leaf
/// by its dotted path too).
const POLICY: &str = r#"
version = 1
[columns]
customer_id = { transform = "hash", domain = "customer", length = 20, prefix = "cust_" }
email = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
birth_date = { transform = "hash", domain = "dob" }
amount = { transform = "hash" }
ratio = { transform = "hash" }
price = { transform = "hash" }
seen = { transform = "hash" }
local = { transform = "hash" }
active = { transform = "hash" }
small = { transform = "hash" }
raw = { transform = "hash" }
status = { transform = "hash" }
"address.zip" = { transform = "hash", domain = "zip" }
iban = { transform = "encrypt", domain = "iban" }
phone = { transform = "fpe", alphabet = "digits" }
"#;

/// Each row's canonical text, as a person would write it in a CSV file.
const CSV: &str = "\
customer_id,email,birth_date,amount,ratio,price,seen,local,active,small,raw,status,address.zip,iban,phone
42,  Alice@Example.ORG ,2024-01-01,42.5,0.1,12.30,2023-11-14T22:13:20.123Z,1969-12-31T23:59:59.999999,true,7,00ff10,gold,75001,FR7630006000011234567890189,0612345678
-7,bob@example.org,1900-02-28,1e+16,1e-05,-0.05,1970-01-01T00:00:00.000Z,2000-01-01T00:00:00.000000,false,255,,silver,02100,DE89370400440532013000,+33 6 12 34 56 78
";

fn parquet_batch() -> RecordBatch {
    let address_fields = Fields::from(vec![Field::new("zip", DataType::Utf8, true)]);
    let address = StructArray::new(
        address_fields.clone(),
        vec![Arc::new(StringArray::from(vec!["75001", "02100"])) as ArrayRef],
        None,
    );
    let mut status = StringDictionaryBuilder::<Int32Type>::new();
    status.append_value("gold");
    status.append_value("silver");
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("customer_id", Arc::new(Int64Array::from(vec![42, -7]))),
        (
            "email",
            Arc::new(StringArray::from(vec![
                "  Alice@Example.ORG ",
                "bob@example.org",
            ])),
        ),
        (
            "birth_date",
            Arc::new(Date32Array::from(vec![19_723, -25_509])),
        ),
        ("amount", Arc::new(Float64Array::from(vec![42.5, 1e16]))),
        ("ratio", Arc::new(Float32Array::from(vec![0.1f32, 1e-5]))),
        (
            "price",
            Arc::new(
                Decimal128Array::from(vec![1230, -5])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "seen",
            Arc::new(
                TimestampMillisecondArray::from(vec![1_700_000_000_123, 0]).with_timezone("UTC"),
            ),
        ),
        (
            "local",
            Arc::new(TimestampMicrosecondArray::from(vec![
                -1,
                946_684_800_000_000,
            ])),
        ),
        ("active", Arc::new(BooleanArray::from(vec![true, false]))),
        ("small", Arc::new(UInt8Array::from(vec![7, 255]))),
        (
            "raw",
            Arc::new(BinaryArray::from(vec![&[0u8, 255, 16][..], &[][..]])),
        ),
        ("status", Arc::new(status.finish())),
        ("address", Arc::new(address)),
        (
            "iban",
            Arc::new(StringArray::from(vec![
                "FR7630006000011234567890189",
                "DE89370400440532013000",
            ])),
        ),
        (
            "phone",
            Arc::new(StringArray::from(vec!["0612345678", "+33 6 12 34 56 78"])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    assert_eq!(
        batch.schema().field_with_name("local").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, None)
    );
    batch
}

#[test]
fn typed_values_get_the_csv_pseudonyms() {
    let dir = Dir::new();
    let input = dir.path("in.parquet");
    write(&input, &[parquet_batch()], None);
    let policy = policy(POLICY);
    let output = dir.path("out.parquet");
    run(&input, &output, &policy, Direction::Mask, &options(2)).unwrap();
    let (masked, _) = read(&output);

    let mut csv_out = Vec::new();
    oubli_csv::mask(
        CSV.as_bytes(),
        &mut csv_out,
        &policy,
        Direction::Mask,
        &key(),
        &CsvOptions::default(),
        &|_| {},
    )
    .unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_out.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();

    for (c, name) in header.iter().enumerate() {
        let column = match name.split_once('.') {
            Some((parent, child)) => {
                let s = masked.column_by_name(parent).unwrap().as_struct().clone();
                s.column_by_name(child).unwrap().clone()
            }
            None => masked.column_by_name(name).unwrap().clone(),
        };
        let column = column.as_string::<i32>();
        for (r, row) in rows.iter().enumerate() {
            assert_eq!(column.value(r), &row[c], "column {name}, row {r}");
        }
    }
    // The pseudonyms are not the values.
    assert!(rows[0][0].starts_with("cust_") && rows[0][0].len() == 25);
    // An empty binary value stays empty, like an empty CSV field.
    assert_eq!(&rows[1][10], "");
}
