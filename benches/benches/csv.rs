//! The CSV engine end to end in memory: a chunk of 10,000 generated customer
//! rows (about 1.3 MB) through `oubli_csv::mask`, with an all-`keep` policy,
//! one `hash` column and three `hash` columns, on 1 and 2 worker threads.
//!
//! `cargo bench -p oubli-benches --bench csv` (criterion; throughput in input
//! bytes per second). The output goes to `io::sink()`, so this measures
//! parsing, mapping, serialising and the thread hand-offs, not the disk.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use oubli_core::MasterKey;
use oubli_csv::{CsvOptions, Direction, mask};
use oubli_policy::Policy;

const ROWS: usize = 10_000;

/// `columns` = `transform` for the named columns, every other column `keep`.
fn policy(hashed: &[&str]) -> Policy {
    let mut text = String::from("version = 1\n[columns]\n");
    for name in oubli_benches::COLUMNS {
        if hashed.contains(&name) {
            text.push_str(&format!(
                "{name} = {{ transform = \"hash\", domain = \"customer\" }}\n"
            ));
        } else {
            text.push_str(&format!("{name} = {{ transform = \"keep\" }}\n"));
        }
    }
    Policy::parse(&text, "bench.policy.toml").unwrap()
}

fn csv_mask(c: &mut Criterion) {
    let data = oubli_benches::customers_csv(42, ROWS);
    let key = MasterKey::from_bytes([7; 32]);
    let jobs = [
        ("keep_all", policy(&[])),
        ("hash_1", policy(&["email"])),
        ("hash_3", policy(&["customer_id", "email", "phone"])),
    ];

    // The all-keep job must reproduce its input byte for byte.
    let mut copy = Vec::with_capacity(data.len());
    let options = CsvOptions {
        threads: 2,
        ..CsvOptions::default()
    };
    let report = mask(
        &data[..],
        &mut copy,
        &jobs[0].1,
        Direction::Mask,
        &key,
        &options,
        &|_| {},
    )
    .unwrap();
    assert_eq!(report.summary.records, ROWS as u64);
    assert!(copy == data, "an all-keep job changed its input");

    let mut g = c.benchmark_group("csv_mask_10k_rows");
    g.throughput(Throughput::Bytes(data.len() as u64));
    // Each iteration takes ~10 ms: flat sampling keeps 20 samples within ~3 s.
    g.sampling_mode(SamplingMode::Flat);
    for (name, policy) in &jobs {
        for threads in [1, 2] {
            let options = CsvOptions {
                threads,
                ..CsvOptions::default()
            };
            g.bench_with_input(
                BenchmarkId::new(*name, format!("threads_{threads}")),
                &options,
                |b, options| {
                    b.iter(|| {
                        mask(
                            black_box(&data[..]),
                            std::io::sink(),
                            policy,
                            Direction::Mask,
                            &key,
                            options,
                            &|_| {},
                        )
                        .unwrap()
                    });
                },
            );
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = csv_mask
}
criterion_main!(benches);
