//! Writes a large, valid ledger quickly (no fsync per entry), for the `log verify`
//! benchmark: `cargo run --release -p oubli-ledger --example big_ledger -- DIR N`.
//! Prints the verifier key on stdout. The entries look like real `mask` entries.

use std::io::{BufWriter, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::SigningKey;
use oubli_ledger::Checkpoint;
use oubli_ledger::merkle::{CompactRange, leaf_hash};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: big_ledger DIR N")?);
    let n: u64 = args.next().ok_or("usage: big_ledger DIR N")?.parse()?;
    std::fs::create_dir_all(&dir)?;
    let key = SigningKey::generate()?;
    let origin = "bench.example/ledger";
    let mut out =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("entries.jsonl"))?);
    let mut range = CompactRange::new();
    for seq in 0..n {
        let mut map = serde_json::Map::new();
        map.insert("seq".into(), seq.into());
        map.insert("prev".into(), STANDARD.encode(range.root()).into());
        let body = serde_json::json!({
            "type": "mask", "time": "2026-11-22T10:00:00Z", "tool": "oubli", "tool_version": "0.1.0",
            "operator": "bench", "host": "bench-host", "result": "ok", "started": "2026-11-22T09:59:58Z",
            "input": {"name": format!("exports/customers-{seq}.csv"), "bytes": 1_048_576 + seq, "sha256": format!("{:064x}", seq)},
            "output": {"name": format!("shared/customers-{seq}.csv"), "bytes": 2_097_152 + seq, "sha256": format!("{:064x}", seq + 1)},
            "policy_sha256": format!("{:064x}", 7), "key_id": "5f0c1e2d3a4b6978", "rows": 10_000,
            "columns": [
                {"name": "customer_id", "transform": "hash", "values": 10_000},
                {"name": "email", "transform": "hash", "values": 10_000},
                {"name": "phone", "transform": "fpe", "values": 9_876},
                {"name": "city", "transform": "keep", "values": 0},
            ],
        });
        if let serde_json::Value::Object(fields) = body {
            map.extend(fields);
        }
        let line = serde_json::Value::Object(map).to_string();
        range.push(leaf_hash(line.as_bytes()));
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let checkpoint = Checkpoint {
        origin: origin.to_owned(),
        size: range.size(),
        root: range.root(),
    };
    std::fs::write(dir.join("checkpoint"), checkpoint.sign(&key)?)?;
    println!("{}", key.verifier_key(origin)?);
    Ok(())
}
