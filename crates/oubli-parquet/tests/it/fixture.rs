//! A record batch with a column of every type the engine handles, nulls
//! included, and the policies the tests run on it.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{
    Int32Builder, LargeListBuilder, ListBuilder, MapBuilder, StringBuilder, StructBuilder,
};
use arrow_array::types::Int8Type;
use arrow_array::*;
use arrow_buffer::i256;
use arrow_schema::{DataType, Field, Fields, IntervalUnit, Schema, TimeUnit};

/// Rows in the fixture.
pub(crate) const ROWS: usize = 300;

/// Field metadata the tests expect to be carried over.
pub(crate) fn comment(text: &str) -> HashMap<String, String> {
    HashMap::from([("comment".to_owned(), text.to_owned())])
}

fn opt<T>(i: usize, value: T) -> Option<T> {
    (i % 7 != 3).then_some(value)
}

/// Every type, `ROWS` rows, a NULL every seventh row in nullable columns.
pub(crate) fn all_types() -> RecordBatch {
    let n = ROWS;
    let idx = 0..n;
    let mut columns: Vec<(Field, ArrayRef)> = Vec::new();
    let mut add = |field: Field, array: ArrayRef| columns.push((field, array));

    add(
        Field::new("customer_id", DataType::Int64, false)
            .with_metadata(comment("the customer's id")),
        Arc::new(Int64Array::from_iter_values(
            idx.clone().map(|i| 1000 + i as i64 * 37 - 5000),
        )),
    );
    add(
        Field::new("email", DataType::Utf8, true),
        Arc::new(StringArray::from_iter(
            idx.clone().map(|i| opt(i, format!("User{i}@Example.org"))),
        )),
    );
    add(
        Field::new("i8", DataType::Int8, true),
        Arc::new(Int8Array::from_iter(
            idx.clone().map(|i| opt(i, (i as i64 % 256 - 128) as i8)),
        )),
    );
    add(
        Field::new("i16", DataType::Int16, true),
        Arc::new(Int16Array::from_iter(
            idx.clone().map(|i| opt(i, (i as i16).wrapping_mul(257))),
        )),
    );
    add(
        Field::new("i32", DataType::Int32, true),
        Arc::new(Int32Array::from_iter(idx.clone().map(|i| {
            opt(i, if i == 1 { i32::MIN } else { i as i32 * -99_991 })
        }))),
    );
    add(
        Field::new("u8", DataType::UInt8, true),
        Arc::new(UInt8Array::from_iter(
            idx.clone().map(|i| opt(i, (i % 256) as u8)),
        )),
    );
    add(
        Field::new("u16", DataType::UInt16, true),
        Arc::new(UInt16Array::from_iter(
            idx.clone().map(|i| opt(i, (i * 211) as u16)),
        )),
    );
    add(
        Field::new("u32", DataType::UInt32, true),
        Arc::new(UInt32Array::from_iter(
            idx.clone().map(|i| opt(i, u32::MAX - i as u32)),
        )),
    );
    add(
        Field::new("account_no", DataType::UInt64, true),
        Arc::new(UInt64Array::from_iter(idx.clone().map(|i| {
            opt(
                i,
                if i == 2 {
                    u64::MAX
                } else {
                    1_234_567_890 + i as u64 * 7919
                },
            )
        }))),
    );
    add(
        Field::new("f16", DataType::Float16, true),
        Arc::new(Float16Array::from_iter(
            idx.clone().map(|i| opt(i, half_of(i as f32 * 0.25 - 3.0))),
        )),
    );
    add(
        Field::new("f32", DataType::Float32, true),
        Arc::new(Float32Array::from_iter(idx.clone().map(|i| {
            opt(
                i,
                match i {
                    1 => f32::INFINITY,
                    2 => -0.0,
                    _ => i as f32 / 10.0,
                },
            )
        }))),
    );
    add(
        Field::new("amount", DataType::Float64, true),
        Arc::new(Float64Array::from_iter(idx.clone().map(|i| {
            opt(
                i,
                match i {
                    1 => f64::NEG_INFINITY,
                    2 => 1e300,
                    4 => 1.5e-7,
                    _ => i as f64 * 1.1,
                },
            )
        }))),
    );
    add(
        Field::new("active", DataType::Boolean, true),
        Arc::new(BooleanArray::from_iter(
            idx.clone().map(|i| opt(i, i % 2 == 0)),
        )),
    );
    add(
        Field::new("notes", DataType::LargeUtf8, true),
        Arc::new(LargeStringArray::from_iter(idx.clone().map(|i| {
            opt(
                i,
                if i == 5 {
                    String::new()
                } else {
                    format!("note {i} — été")
                },
            )
        }))),
    );
    add(
        Field::new("city", DataType::Utf8View, true).with_metadata(comment("where")),
        Arc::new(StringViewArray::from_iter(idx.clone().map(|i| {
            opt(
                i,
                ["Paris", "Lyon", "a city with a rather long name"][i % 3].to_owned(),
            )
        }))),
    );
    add(
        Field::new(
            "status",
            DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8)),
            true,
        ),
        Arc::new(
            idx.clone()
                .map(|i| opt(i, ["new", "active", "closed"][i % 3]))
                .collect::<DictionaryArray<Int8Type>>(),
        ),
    );
    add(
        Field::new("phone", DataType::Utf8, true),
        Arc::new(StringArray::from_iter(idx.clone().map(|i| {
            opt(
                i,
                format!(
                    "+33 6 {:02} {:02} {:02} {:02}",
                    i % 100,
                    (i * 7) % 100,
                    12,
                    34
                ),
            )
        }))),
    );
    add(
        Field::new("blob", DataType::Binary, true),
        Arc::new(BinaryArray::from_iter(idx.clone().map(|i| {
            opt(i, vec![(i % 256) as u8, 0, 255, 7][..i % 5].to_vec())
        }))),
    );
    add(
        Field::new("large_blob", DataType::LargeBinary, true),
        Arc::new(LargeBinaryArray::from_iter(
            idx.clone().map(|i| opt(i, vec![1u8, 2, (i % 256) as u8])),
        )),
    );
    add(
        Field::new("blob_view", DataType::BinaryView, true),
        Arc::new(BinaryViewArray::from_iter(
            idx.clone().map(|i| opt(i, vec![9u8; i % 20])),
        )),
    );
    add(
        Field::new("uuid", DataType::FixedSizeBinary(16), true),
        Arc::new(
            FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                idx.clone().map(|i| opt(i, [(i % 256) as u8; 16])),
                16,
            )
            .unwrap(),
        ),
    );
    add(
        Field::new("price", DataType::Decimal128(10, 2), true),
        Arc::new(Decimal128Array::from_iter(
            idx.clone().map(|i| opt(i, i as i128 * 1234 - 5)),
        ))
        .with_precision_and_scale_arc(10, 2),
    );
    add(
        Field::new("big", DataType::Decimal256(40, 5), true),
        Arc::new(Decimal256Array::from_iter(idx.clone().map(|i| {
            opt(
                i,
                i256::from_i128(i as i128 * 10_i128.pow(30) + 1)
                    * i256::from_i128(if i % 2 == 0 { 1 } else { -1 }),
            )
        })))
        .with_precision_and_scale_arc256(40, 5),
    );
    add(
        Field::new("birth_date", DataType::Date32, true),
        Arc::new(Date32Array::from_iter(
            idx.clone().map(|i| opt(i, -25_000 + i as i32 * 97)),
        )),
    );
    add(
        Field::new("d64", DataType::Date64, true),
        Arc::new(Date64Array::from_iter(
            idx.clone().map(|i| opt(i, (i as i64 - 100) * 86_400_000)),
        )),
    );
    add(
        Field::new("t32s", DataType::Time32(TimeUnit::Second), true),
        Arc::new(Time32SecondArray::from_iter(
            idx.clone().map(|i| opt(i, (i * 287) as i32 % 86_400)),
        )),
    );
    add(
        Field::new("t32ms", DataType::Time32(TimeUnit::Millisecond), true),
        Arc::new(Time32MillisecondArray::from_iter(
            idx.clone()
                .map(|i| opt(i, (i * 287_123) as i32 % 86_400_000)),
        )),
    );
    add(
        Field::new("t64us", DataType::Time64(TimeUnit::Microsecond), true),
        Arc::new(Time64MicrosecondArray::from_iter(
            idx.clone()
                .map(|i| opt(i, i as i64 * 287_123_457 % 86_400_000_000)),
        )),
    );
    add(
        Field::new("t64ns", DataType::Time64(TimeUnit::Nanosecond), true),
        Arc::new(Time64NanosecondArray::from_iter(idx.clone().map(|i| {
            opt(i, i as i64 * 287_123_457_891 % 86_400_000_000_000)
        }))),
    );
    add(
        Field::new("ts_s", DataType::Timestamp(TimeUnit::Second, None), true),
        Arc::new(TimestampSecondArray::from_iter(
            idx.clone()
                .map(|i| opt(i, 1_700_000_000 - i as i64 * 10_000_000)),
        )),
    );
    add(
        Field::new(
            "ts_ms",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Arc::new(
            TimestampMillisecondArray::from_iter(
                idx.clone()
                    .map(|i| opt(i, 1_700_000_000_123 + i as i64 * 3_600_001)),
            )
            .with_timezone("UTC"),
        ),
    );
    add(
        Field::new(
            "ts_us",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            true,
        ),
        Arc::new(TimestampMicrosecondArray::from_iter(
            idx.clone().map(|i| opt(i, -1 - i as i64 * 1_000_003)),
        )),
    );
    add(
        Field::new(
            "ts_ns",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("Europe/Paris".into())),
            true,
        ),
        Arc::new(
            TimestampNanosecondArray::from_iter(
                idx.clone()
                    .map(|i| opt(i, 1_700_000_000_123_456_789 + i as i64)),
            )
            .with_timezone("Europe/Paris"),
        ),
    );
    add(
        Field::new("wait", DataType::Duration(TimeUnit::Millisecond), true),
        Arc::new(DurationMillisecondArray::from_iter(
            idx.clone().map(|i| opt(i, i as i64 * 1001 - 3)),
        )),
    );
    add(
        Field::new("period", DataType::Interval(IntervalUnit::YearMonth), true),
        Arc::new(IntervalYearMonthArray::from_iter(
            idx.clone().map(|i| opt(i, i as i32)),
        )),
    );
    add(
        Field::new("nothing", DataType::Null, true),
        Arc::new(NullArray::new(n)),
    );

    // list<int64>, named as a whole by the policies.
    let mut scores = ListBuilder::new(arrow_array::builder::Int64Builder::new());
    for i in idx.clone() {
        if i % 11 == 4 {
            scores.append_null();
        } else {
            for k in 0..(i % 4) {
                scores
                    .values()
                    .append_option(opt(i + k, (i * 10 + k) as i64));
            }
            scores.append(true);
        }
    }
    let scores = scores.finish();
    add(
        Field::new("scores", scores.data_type().clone(), true),
        Arc::new(scores),
    );

    // large_list<utf8>: its elements are addressed as `tags`.
    let mut tags = LargeListBuilder::new(StringBuilder::new());
    for i in idx.clone() {
        if i % 13 == 6 {
            tags.append_null();
        } else {
            for k in 0..(i % 3) {
                tags.values()
                    .append_option(opt(i + k, format!("tag{}", (i + k) % 17)));
            }
            tags.append(true);
        }
    }
    let tags = tags.finish();
    add(
        Field::new("tags", tags.data_type().clone(), true),
        Arc::new(tags),
    );

    // struct<zip, city, geo: struct<lat, lon>>.
    let geo_fields = Fields::from(vec![
        Field::new("lat", DataType::Float64, true),
        Field::new("lon", DataType::Float64, true),
    ]);
    let address_fields = Fields::from(vec![
        Field::new("zip", DataType::Utf8, true).with_metadata(comment("postcode")),
        Field::new("city", DataType::Utf8, true),
        Field::new("geo", DataType::Struct(geo_fields.clone()), true),
    ]);
    let zip = StringArray::from_iter(idx.clone().map(|i| opt(i + 1, format!("{:05}", 75000 + i))));
    let acity = StringArray::from_iter(idx.clone().map(|i| opt(i + 2, format!("City {}", i % 9))));
    let lat = Float64Array::from_iter(idx.clone().map(|i| opt(i, 48.0 + i as f64 / 1000.0)));
    let lon = Float64Array::from_iter(idx.clone().map(|i| opt(i, 2.0 - i as f64 / 1000.0)));
    let geo = StructArray::new(
        geo_fields,
        vec![Arc::new(lat) as ArrayRef, Arc::new(lon) as ArrayRef],
        None,
    );
    let address_nulls = arrow_buffer::NullBuffer::from_iter(idx.clone().map(|i| i % 17 != 8));
    let address = StructArray::new(
        address_fields.clone(),
        vec![Arc::new(zip) as ArrayRef, Arc::new(acity), Arc::new(geo)],
        Some(address_nulls),
    );
    add(
        Field::new("address", DataType::Struct(address_fields), true)
            .with_metadata(comment("postal address")),
        Arc::new(address),
    );

    // list<struct<sku, qty>>: `orders.sku`, `orders.qty`.
    let order_fields = Fields::from(vec![
        Field::new("sku", DataType::Utf8, true),
        Field::new("qty", DataType::Int32, true),
    ]);
    let mut orders = ListBuilder::new(StructBuilder::new(
        order_fields.clone(),
        vec![
            Box::new(StringBuilder::new()) as Box<dyn arrow_array::builder::ArrayBuilder>,
            Box::new(Int32Builder::new()),
        ],
    ));
    for i in idx.clone() {
        if i % 19 == 9 {
            orders.append_null();
            continue;
        }
        for k in 0..(i % 3) {
            let s = orders.values();
            s.field_builder::<StringBuilder>(0)
                .unwrap()
                .append_option(opt(i + k, format!("SKU-{:04}", (i * 3 + k) % 1000)));
            s.field_builder::<Int32Builder>(1)
                .unwrap()
                .append_value((k + 1) as i32);
            s.append(true);
        }
        orders.append(true);
    }
    let orders = orders.finish();
    add(
        Field::new("orders", orders.data_type().clone(), true),
        Arc::new(orders),
    );

    // map<utf8, utf8>: `attrs.keys`, `attrs.values`.
    let mut attrs = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for i in idx.clone() {
        if i % 23 == 10 {
            attrs.append(false).unwrap();
            continue;
        }
        for k in 0..(i % 3) {
            attrs.keys().append_value(format!("k{k}"));
            attrs
                .values()
                .append_option(opt(i + k, format!("v{i}-{k}")));
        }
        attrs.append(true).unwrap();
    }
    let attrs = attrs.finish();
    add(
        Field::new("attrs", attrs.data_type().clone(), true),
        Arc::new(attrs),
    );

    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    let schema = Schema::new(fields).with_metadata(HashMap::from([(
        "origin".to_owned(),
        "oubli tests".to_owned(),
    )]));
    RecordBatch::try_new(Arc::new(schema), arrays).unwrap()
}

fn half_of(v: f32) -> <arrow_array::types::Float16Type as arrow_array::ArrowPrimitiveType>::Native {
    <arrow_array::types::Float16Type as arrow_array::ArrowPrimitiveType>::Native::from_f32(v)
}

trait WithPrecision {
    fn with_precision_and_scale_arc(self, p: u8, s: i8) -> ArrayRef;
    fn with_precision_and_scale_arc256(self, p: u8, s: i8) -> ArrayRef;
}

impl WithPrecision for Arc<Decimal128Array> {
    fn with_precision_and_scale_arc(self, p: u8, s: i8) -> ArrayRef {
        Arc::new((*self).clone().with_precision_and_scale(p, s).unwrap())
    }
    fn with_precision_and_scale_arc256(self, _: u8, _: i8) -> ArrayRef {
        unreachable!()
    }
}

impl WithPrecision for Arc<Decimal256Array> {
    fn with_precision_and_scale_arc(self, _: u8, _: i8) -> ArrayRef {
        unreachable!()
    }
    fn with_precision_and_scale_arc256(self, p: u8, s: i8) -> ArrayRef {
        Arc::new((*self).clone().with_precision_and_scale(p, s).unwrap())
    }
}

/// The top-level columns of the fixture whose values have a canonical text
/// (everything but the interval, the nested columns and the list).
pub(crate) const PRIMITIVES: &[&str] = &[
    "customer_id",
    "email",
    "i8",
    "i16",
    "i32",
    "u8",
    "u16",
    "u32",
    "account_no",
    "f16",
    "f32",
    "amount",
    "active",
    "notes",
    "city",
    "status",
    "phone",
    "blob",
    "large_blob",
    "blob_view",
    "uuid",
    "price",
    "big",
    "birth_date",
    "d64",
    "t32s",
    "t32ms",
    "t64us",
    "t64ns",
    "ts_s",
    "ts_ms",
    "ts_us",
    "ts_ns",
    "wait",
    "nothing",
];

/// A policy that mixes every transform, nested leaves and list elements.
pub(crate) const MIXED: &str = r#"
version = 1
unlisted = "keep"

[columns]
customer_id = { transform = "hash", domain = "customer" }
email = { transform = "hash", domain = "email", normalise = ["trim", "lowercase"] }
birth_date = { transform = "hash", domain = "dob" }
i32 = { transform = "encrypt", domain = "n" }
amount = { transform = "encrypt_random" }
account_no = { transform = "fpe", alphabet = "digits", domain = "acct" }
phone = { transform = "fpe", alphabet = "digits", domain = "phone" }
notes = { transform = "mask", keep_first = 2 }
city = { transform = "mask", keep_last = 1 }
status = { transform = "hash", domain = "status" }
price = { transform = "redact" }
i16 = { transform = "redact", value = "-1" }
ts_ms = { transform = "redact", value = "2000-01-01T00:00:00Z" }
blob = { transform = "drop" }
"address.zip" = { transform = "mask", keep_first = 2 }
"address.geo" = { transform = "redact" }
"orders.sku" = { transform = "hash", domain = "sku", length = 12 }
"orders.qty" = { transform = "drop" }
tags = { transform = "encrypt", domain = "tags" }
"attrs.value" = { transform = "hash", domain = "attrs" }
period = { transform = "keep" }
"#;
