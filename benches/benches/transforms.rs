//! Per-value cost of each transform through the public API, and of one whole
//! policy row through `Worker::apply`.
//!
//! `cargo bench -p oubli-benches --bench transforms` (criterion; short runs:
//! 20 samples, ~3 s each). Every iteration processes one value (or one row for
//! `policy/worker_row`) into a reused output buffer, so the figures are the
//! steady-state per-value cost with no allocation. `reference/*` is the `fpe`
//! crate's big-number FF1, which oubli's native FF1 replaced.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oubli_core::MasterKey;
use oubli_core::canonical::{Normalisation, canonicalise};
use oubli_core::transform::{
    Alphabet, DateShifter, Decimal, DeterministicCipher, Dictionary, Faker, FormatPreservingCipher,
    Generalisation, Generaliser, HashEncoding, Masker, NoiseDistribution, NoiseScale, Noiser,
    Period, Pseudonymiser, RandomisedCipher,
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
    g.bench_function("hash_hex64_short", |b| {
        b.iter(|| {
            out.clear();
            hex.apply(black_box(b"C1000001"), &mut out);
        });
    });
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

    let b32 = Pseudonymiser::new(&key, "customer", HashEncoding::Base32, None, "");
    g.bench_function("hash_base32", |b| {
        b.iter(|| {
            out.clear();
            b32.apply(black_box(EMAIL.as_bytes()), &mut out);
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

    let mut token = String::new();
    card.encrypt(CARD, &mut token).unwrap();
    g.bench_function("fpe_ff1_card16_decrypt", |b| {
        b.iter(|| {
            out.clear();
            card.decrypt(black_box(&token), &mut out).unwrap();
        });
    });
    assert_eq!(out, CARD);
    let upper = Alphabet::named("upper_alphanumeric").unwrap();
    let mut iban = FormatPreservingCipher::new(&key, "iban", upper);
    g.bench_function("fpe_ff1_iban_upper_alphanumeric", |b| {
        b.iter(|| {
            out.clear();
            iban.encrypt(black_box(IBAN), &mut out).unwrap();
        });
    });
    // 60 digits: past the fixed-width cut-off (56 digits), the big-number path.
    let long = "1234567890".repeat(6);
    let mut long_cipher = FormatPreservingCipher::new(&key, "long", digits());
    g.bench_function("fpe_ff1_60_digits_bignum", |b| {
        b.iter(|| {
            out.clear();
            long_cipher.encrypt(black_box(&long), &mut out).unwrap();
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

/// The anonymising transforms (`generalise`, `date_shift`, `noise`, `fake`).
fn anonymise(c: &mut Criterion) {
    let key = key();
    let mut g = c.benchmark_group("anonymise");
    g.throughput(Throughput::Elements(1));
    let mut out = String::with_capacity(64);
    let cases = [
        (
            "generalise_date_to_year",
            Generalisation::Date(Period::Year),
            "1987-04-12",
        ),
        (
            "generalise_date_to_week",
            Generalisation::Date(Period::Week),
            "1987-04-12",
        ),
        (
            "generalise_number_width",
            Generalisation::Width {
                width: Decimal::parse("500").unwrap(),
                origin: Decimal::parse("0").unwrap(),
            },
            "1863.80",
        ),
        ("generalise_prefix", Generalisation::Prefix(3), "75011"),
    ];
    for (name, how, value) in cases {
        let generaliser = Generaliser::new(how);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                generaliser.apply(black_box(value), &mut out).unwrap();
            });
        });
    }
    let shifter = DateShifter::new(&key, "customer", 30);
    g.bench_function("date_shift", |b| {
        b.iter(|| {
            out.clear();
            shifter
                .apply(black_box("2021-09-30"), black_box(b"C1000001"), &mut out)
                .unwrap();
        });
    });
    let noiser = Noiser::new(
        &key,
        "amount",
        NoiseScale::Relative(0.05),
        NoiseDistribution::Laplace,
    );
    g.bench_function("noise_laplace", |b| {
        b.iter(|| {
            out.clear();
            noiser
                .apply(black_box("1863.80"), black_box(b"C1000001"), &mut out)
                .unwrap();
        });
    });
    let names = Arc::new(Dictionary::built_in("first_names").unwrap());
    let faker = Faker::new(&key, "name", names, None);
    g.bench_function("fake_first_name", |b| {
        b.iter(|| {
            out.clear();
            faker.apply(black_box(b"Amelie"), &mut out).unwrap();
        });
    });
    g.finish();
}

/// The `fpe` crate's FF1 on the same 16-digit value (what `fpe_ff1_card16` cost
/// before oubli's native FF1).
fn reference(c: &mut Criterion) {
    use fpe::ff1::{FF1, FlexibleNumeralString};
    let ff1 = FF1::<aes::Aes256>::new(&[7; 32], 10).unwrap();
    let card: Vec<u16> = CARD.bytes().map(|b| u16::from(b - b'0')).collect();
    let mut g = c.benchmark_group("reference");
    g.throughput(Throughput::Elements(1));
    g.bench_function("fpe_crate_ff1_card16", |b| {
        b.iter(|| {
            let x = FlexibleNumeralString::from(black_box(card.clone()));
            ff1.encrypt(b"card", &x).unwrap()
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
    targets = transforms, anonymise, reference, policy_row
}
criterion_main!(benches);
