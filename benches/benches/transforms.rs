//! Per-value cost of each transform through the public API, and of one whole
//! policy row through `Worker::apply`.
//!
//! `cargo bench -p oubli-benches --bench transforms` (criterion; short runs:
//! 20 samples, ~3 s each). Every iteration processes one value (or one row for
//! `policy/worker_row`) into a reused output buffer, so the figures are the
//! steady-state per-value cost with no allocation.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oubli_core::MasterKey;
use oubli_core::canonical::{Normalisation, canonicalise};
use oubli_core::transform::{
    Alphabet, DeterministicCipher, FormatPreservingCipher, HashEncoding, Masker, Pseudonymiser,
    RandomisedCipher,
};
use oubli_policy::{ColumnAction, Direction, Plan, Policy};

const EMAIL: &str = "amelie.lefevre42@example.org";
const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";
const CARD: &str = "4111111111111111";
const PHONE: &str = "442079460641";

fn key() -> MasterKey {
    MasterKey::from_bytes([7; 32])
}

fn transforms(c: &mut Criterion) {
    let key = key();
    let mut g = c.benchmark_group("transform");
    g.throughput(Throughput::Elements(1));
    let mut out = String::with_capacity(256);

    let hex = Pseudonymiser::new(&key, "customer", HashEncoding::Hex, None, "");
    g.bench_function("hash_hex64", |b| {
        b.iter(|| {
            out.clear();
            hex.apply(black_box(EMAIL.as_bytes()), &mut out);
        });
    });
    let short = Pseudonymiser::new(&key, "customer", HashEncoding::Base64Url, Some(20), "cust_");
    g.bench_function("hash_base64url20_prefix", |b| {
        b.iter(|| {
            out.clear();
            short.apply(black_box(EMAIL.as_bytes()), &mut out);
        });
    });

    let mut siv = DeterministicCipher::new(&key, "iban", "");
    g.bench_function("encrypt_siv", |b| {
        b.iter(|| {
            out.clear();
            siv.encrypt(black_box(IBAN.as_bytes()), &mut out);
        });
    });
    let mut token = String::new();
    siv.encrypt(IBAN.as_bytes(), &mut token);
    let mut plain = Vec::with_capacity(64);
    g.bench_function("decrypt_siv", |b| {
        b.iter(|| {
            plain.clear();
            siv.decrypt(black_box(&token), &mut plain).unwrap();
        });
    });
    assert_eq!(plain, IBAN.as_bytes());

    let mut gcm = RandomisedCipher::new(&key, "notes", "");
    g.bench_function("encrypt_random_gcm", |b| {
        b.iter(|| {
            out.clear();
            gcm.encrypt(black_box(IBAN.as_bytes()), &mut out);
        });
    });

    let digits = || Alphabet::named("digits").unwrap();
    let mut card = FormatPreservingCipher::new(&key, "card", digits());
    g.bench_function("fpe_ff1_card16", |b| {
        b.iter(|| {
            out.clear();
            card.encrypt(black_box(CARD), &mut out).unwrap();
        });
    });
    let mut phone = FormatPreservingCipher::new(&key, "phone", digits());
    g.bench_function("fpe_ff1_phone12", |b| {
        b.iter(|| {
            out.clear();
            phone.encrypt(black_box(PHONE), &mut out).unwrap();
        });
    });

    let masker = Masker::new(0, 4, '*', "-");
    g.bench_function("mask_card", |b| {
        b.iter(|| {
            out.clear();
            masker.apply(black_box("4111-1111-1111-1234"), &mut out);
        });
    });

    let steps = [Normalisation::Trim, Normalisation::Lowercase];
    let mut scratch = String::with_capacity(64);
    g.bench_function("canonicalise_trim_lowercase", |b| {
        b.iter(|| {
            canonicalise(
                black_box("  Amelie.Lefevre42@Example.ORG "),
                &steps,
                &mut out,
                &mut scratch,
            );
        });
    });
    g.finish();
}

/// The demo policy (`testdata/customers.policy.toml`) for the 10 generated columns.
const POLICY: &str = r#"
version = 1
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
"#;

fn policy_row(c: &mut Criterion) {
    let policy = Policy::parse(POLICY, "bench.policy.toml").unwrap();
    let header: Vec<String> = oubli_benches::COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let plan = Plan::new(&policy, &header, Direction::Mask).unwrap();
    let transformed: Vec<usize> = plan
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action == ColumnAction::Transform)
        .map(|(i, _)| i)
        .collect();
    let row = [
        "C1000001",
        "amelie.lefevre42@example.org",
        "Amélie Lefèvre",
        "+33 1 23 45 67 89",
        IBAN,
        "1987-04-12",
        "75011",
        "Paris",
        "2021-09-30",
        "1863.80",
    ];
    let key = key();
    let mut worker = plan.worker(&key);
    let mut out = String::with_capacity(256);

    let mut g = c.benchmark_group("policy");
    g.throughput(Throughput::Elements(1));
    g.bench_function("worker_row", |b| {
        b.iter(|| {
            for &i in &transformed {
                out.clear();
                worker.apply(i, black_box(row[i]), &mut out).unwrap();
                black_box(&out);
            }
        });
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = transforms, policy_row
}
criterion_main!(benches);
