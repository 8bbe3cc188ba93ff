//! The evidence ledger: append (with its two fsyncs), verify per entry, a receipt
//! (inclusion proof) from a ledger on disk, and Merkle inclusion-proof generation
//! in memory.
//!
//! `cargo bench -p oubli-benches --bench ledger` (criterion; short runs). The
//! ledgers live in a temporary directory; `append` measures the disk's fsync as
//! much as oubli, so compare it only on the same machine.

use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use oubli_core::SigningKey;
use oubli_ledger::merkle::{CompactRange, Hash, inclusion_proof, leaf_hash};
use oubli_ledger::{Checkpoint, Ledger};

const ORIGIN: &str = "bench.example/ledger";
const ENTRIES: u64 = 10_000;

/// A `mask` entry of realistic size (about 850 bytes as a line).
fn entry(seq: u64) -> serde_json::Value {
    serde_json::json!({
        "type": "mask", "time": "2026-11-22T10:00:00Z", "tool": "oubli", "tool_version": "0.1.0",
        "operator": "bench", "host": "bench-host", "result": "ok", "started": "2026-11-22T09:59:58Z",
        "input": {"name": format!("exports/customers-{seq}.csv"), "bytes": 1_048_576 + seq, "sha256": format!("{seq:064x}")},
        "output": {"name": format!("shared/customers-{seq}.csv"), "bytes": 2_097_152 + seq, "sha256": format!("{:064x}", seq + 1)},
        "policy_sha256": format!("{:064x}", 7), "key_id": "5f0c1e2d3a4b6978", "rows": 10_000,
        "columns": [
            {"name": "customer_id", "transform": "hash", "values": 10_000},
            {"name": "email", "transform": "hash", "values": 10_000},
            {"name": "phone", "transform": "fpe", "values": 9_876},
            {"name": "city", "transform": "keep", "values": 0},
        ],
    })
}

/// Writes a valid ledger of `n` entries without an fsync per entry (as
/// `crates/oubli-ledger/examples/big_ledger.rs` does), signed by `key`.
fn write_ledger(dir: &Path, n: u64, key: &SigningKey) {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::create(dir.join("entries.jsonl")).unwrap();
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut range = CompactRange::new();
    for seq in 0..n {
        let mut map = serde_json::Map::new();
        map.insert("seq".into(), seq.into());
        map.insert("prev".into(), STANDARD.encode(range.root()).into());
        if let serde_json::Value::Object(fields) = entry(seq) {
            map.extend(fields);
        }
        let line = serde_json::Value::Object(map).to_string();
        range.push(leaf_hash(line.as_bytes()));
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    let checkpoint = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: range.size(),
        root: range.root(),
    };
    std::fs::write(dir.join("checkpoint"), checkpoint.sign(key).unwrap()).unwrap();
}

fn ledger(c: &mut Criterion) {
    let key = SigningKey::generate().unwrap();
    let verifier = key.verifier_key(ORIGIN).unwrap();
    let tmp = tempfile::tempdir().unwrap();

    let big = Ledger::new(tmp.path().join("big"));
    write_ledger(big.dir(), ENTRIES, &key);
    let verified = big.verify(&verifier, None).unwrap().unwrap();
    assert_eq!(verified.checkpoint.size, ENTRIES);

    let mut g = c.benchmark_group("ledger");
    g.sampling_mode(SamplingMode::Flat);

    // Verify: re-hash every line, rebuild the tree, check the signature.
    g.throughput(Throughput::Elements(ENTRIES));
    g.bench_function("verify_10k_entries", |b| {
        b.iter(|| big.verify(&verifier, None).unwrap().unwrap());
    });

    // A receipt reads the ledger and builds one inclusion proof.
    g.throughput(Throughput::Elements(1));
    g.bench_function("receipt_of_10k_entries", |b| {
        b.iter(|| big.receipt(black_box(ENTRIES / 3)).unwrap());
    });
    let receipt = big.receipt(ENTRIES / 3).unwrap();
    receipt.verify(&verifier).unwrap();

    // Append: serialise, one line, fsync, a signed checkpoint, fsync.
    let small = Ledger::new(tmp.path().join("append"));
    small.init(ORIGIN, &key).unwrap();
    let mut seq = 0;
    g.bench_function("append_fsync", |b| {
        b.iter(|| {
            seq += 1;
            small.append(&entry(seq), &key).unwrap()
        });
    });
    g.finish();

    // Inclusion proofs over 2^16 leaves in memory (RFC 9162 PATH).
    let leaves: Vec<Hash> = (0u32..1 << 16)
        .map(|i| leaf_hash(&i.to_be_bytes()))
        .collect();
    let mut g = c.benchmark_group("merkle");
    g.throughput(Throughput::Elements(1));
    g.bench_function("inclusion_proof_65536_leaves", |b| {
        b.iter(|| inclusion_proof(black_box(&leaves), black_box(12_345)).unwrap());
    });
    g.bench_function("leaf_hash_850_bytes", |b| {
        let line = entry(1).to_string();
        b.iter(|| leaf_hash(black_box(line.as_bytes())));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = ledger
}
criterion_main!(benches);
