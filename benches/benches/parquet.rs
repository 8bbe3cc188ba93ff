//! The Parquet side: the canonical text of typed Arrow values (what a keyed
//! transform reads from an `int64`, a `date32`, a timestamp, a decimal…), and a
//! 10,000-row file of the generated customers through `oubli_parquet::mask`
//! with an all-`keep` policy, three `hash` columns, and `hash` on the typed
//! columns, on one worker thread.
//!
//! `cargo bench -p oubli-benches --bench parquet` (criterion; short runs). The
//! input is a snappy file in a temporary directory, read from the page cache;
//! the output goes to memory.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use arrow_array::types::{Date32Type, Decimal128Type, TimestampMicrosecondType};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, PrimitiveArray, RecordBatch, StringArray,
};
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use oubli_core::MasterKey;
use oubli_parquet::{Direction, ParquetOptions, for_each_canonical_text, mask};
use oubli_policy::Policy;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const ROWS: usize = 10_000;

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn days(date: &str) -> i32 {
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).unwrap()
}

/// The generated customers as one record batch: text columns as `utf8`,
/// `birth_date` as `date32`, `signup_date` as a UTC microsecond timestamp,
/// `amount` as `decimal128(12, 2)`, plus `customer_no` (`int64`), `score`
/// (`float64`) and `active` (`boolean`).
fn customers_batch() -> RecordBatch {
    let data = oubli_benches::customers_csv(42, ROWS);
    let mut reader = csv::Reader::from_reader(&data[..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let text = |i: usize| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r[i].to_owned()),
        ))
    };
    let birth: PrimitiveArray<Date32Type> = rows.iter().map(|r| Some(days(&r[5]))).collect();
    let signup: PrimitiveArray<TimestampMicrosecondType> = rows
        .iter()
        .map(|r| Some(i64::from(days(&r[8])) * 86_400_000_000 + 37_512_250_000))
        .collect();
    let amount: PrimitiveArray<Decimal128Type> = rows
        .iter()
        .map(|r| Some(r[9].replace('.', "").parse::<i128>().unwrap()))
        .collect();
    let amount = amount.with_precision_and_scale(12, 2).unwrap();
    let numbers: Int64Array = (0..ROWS as i64).map(|i| Some(1_000_001 + i)).collect();
    let scores: Float64Array = (0..ROWS).map(|i| Some(i as f64 * 0.37 + 0.125)).collect();
    let active: BooleanArray = (0..ROWS).map(|i| Some(i % 3 != 0)).collect();
    RecordBatch::try_from_iter([
        ("customer_id", text(0)),
        ("email", text(1)),
        ("full_name", text(2)),
        ("phone", text(3)),
        ("iban", text(4)),
        ("birth_date", Arc::new(birth) as ArrayRef),
        ("zip", text(6)),
        ("city", text(7)),
        (
            "signup_date",
            Arc::new(signup.with_timezone("UTC")) as ArrayRef,
        ),
        ("amount", Arc::new(amount) as ArrayRef),
        ("customer_no", Arc::new(numbers) as ArrayRef),
        ("score", Arc::new(scores) as ArrayRef),
        ("active", Arc::new(active) as ArrayRef),
    ])
    .unwrap()
}

/// Per-value cost of the canonical text of each typed column.
fn canonical_text(c: &mut Criterion) {
    let batch = customers_batch();
    let mut g = c.benchmark_group("parquet_canonical_text");
    g.throughput(Throughput::Elements(ROWS as u64));
    for name in [
        "email",
        "customer_no",
        "birth_date",
        "signup_date",
        "amount",
        "score",
        "active",
    ] {
        let array = batch.column_by_name(name).unwrap();
        let mut bytes = 0usize;
        assert!(for_each_canonical_text(array.as_ref(), |t| bytes += t.map_or(0, str::len)));
        assert!(bytes > 0);
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut total = 0usize;
                for_each_canonical_text(black_box(array.as_ref()), |t| {
                    total += t.map_or(0, str::len);
                });
                total
            });
        });
    }
    g.finish();
}

fn policy(hashed: &[&str], columns: &[&str]) -> Policy {
    let mut text = String::from("version = 1\n[columns]\n");
    for name in columns {
        let transform = if hashed.contains(name) {
            "transform = \"hash\", domain = \"customer\""
        } else {
            "transform = \"keep\""
        };
        text.push_str(&format!("{name} = {{ {transform} }}\n"));
    }
    Policy::parse(&text, "bench.policy.toml").unwrap()
}

/// A 10,000-row file through the policy, one worker thread.
fn parquet_mask(c: &mut Criterion) {
    let batch = customers_batch();
    let columns: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.parquet");
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let key = MasterKey::from_bytes([7; 32]);
    let jobs = [
        ("keep_all", policy(&[], &columns)),
        (
            "hash_3",
            policy(&["customer_id", "email", "phone"], &columns),
        ),
        (
            "hash_typed_3",
            policy(&["birth_date", "signup_date", "amount"], &columns),
        ),
    ];
    let options = ParquetOptions {
        threads: 1,
        ..ParquetOptions::default()
    };
    let mut out = Vec::with_capacity(4 << 20);
    let mut g = c.benchmark_group("parquet_mask_10k_rows");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sampling_mode(SamplingMode::Flat);
    for (name, policy) in &jobs {
        g.bench_with_input(BenchmarkId::new(*name, "threads_1"), policy, |b, policy| {
            b.iter(|| {
                out.clear();
                let input = std::fs::File::open(&path).unwrap();
                let report = mask(
                    input,
                    &mut out,
                    policy,
                    Direction::Mask,
                    &key,
                    &options,
                    &|_| {},
                )
                .unwrap();
                assert_eq!(report.rows, ROWS as u64);
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = canonical_text, parquet_mask
}
criterion_main!(benches);
