//! Known answers: the bytes of entries, leaves, checkpoints and receipts,
//! computed independently of the crate, and the examples of `docs/LEDGER.md`
//! regenerated from a fixed key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::SigningKey;
use oubli_ledger::entry::{ColumnEvidence, FileEvidence, Header, MaskEntry, RepairEntry};
use oubli_ledger::{Ledger, merkle};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{Fixture, ORIGIN, hex, leaf, mth, root_b64};

/// Base64 of SHA-256(""), the root of the empty tree.
const EMPTY_ROOT: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

#[test]
fn leaf_hash_is_sha256_of_0x00_and_the_line() {
    let f = Fixture::new(7);
    for line in f.lines() {
        let mut h = Sha256::new();
        h.update([0x00]);
        h.update(line.as_bytes());
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(merkle::leaf_hash(line.as_bytes()), expected);
    }
    assert_eq!(STANDARD.encode(merkle::empty_root()), EMPTY_ROOT);
    // Node: SHA-256(0x01 || left || right).
    let (l, r) = ([1u8; 32], [2u8; 32]);
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(l);
    h.update(r);
    assert_eq!(merkle::node_hash(&l, &r), <[u8; 32]>::from(h.finalize()));
}

#[test]
fn entries_start_with_seq_and_prev() {
    let f = Fixture::new(7);
    let lines = f.lines();
    assert!(
        lines[0].starts_with(&format!(
            "{{\"seq\":0,\"prev\":\"{EMPTY_ROOT}\",\"type\":\"note\","
        )),
        "{}",
        lines[0]
    );
    for (i, line) in lines.iter().enumerate() {
        let prefix = format!("{{\"seq\":{i},\"prev\":\"{}\",", root_b64(&lines[..i]));
        assert!(line.starts_with(&prefix), "{line}");
        assert_eq!(
            *line,
            format!(
                "{prefix}\"type\":\"note\",\"n\":{},\"text\":\"entry {i}\"}}",
                1000 + i
            )
        );
    }
    // `seq` and `prev` given by the caller are replaced.
    let appended = f
        .ledger
        .append(
            &json!({"seq": 99, "prev": "forged", "type": "note"}),
            &f.key,
        )
        .unwrap();
    assert_eq!(appended.index, 7);
    assert_eq!(
        f.lines()[7],
        format!(
            "{{\"seq\":7,\"prev\":\"{}\",\"type\":\"note\"}}",
            root_b64(&lines)
        )
    );
}

#[test]
fn checkpoint_body_and_signature_line() {
    let f = Fixture::new(0);
    let text = f.ledger.checkpoint_text().unwrap();
    assert!(
        text.starts_with(&format!("{ORIGIN}\n0\n{EMPTY_ROOT}\n\n\u{2014} {ORIGIN} ")),
        "{text}"
    );

    let f = Fixture::new(7);
    let leaves: Vec<_> = f.lines().iter().map(|l| leaf(l.as_bytes())).collect();
    let body = format!("{ORIGIN}\n7\n{}\n", STANDARD.encode(mth(&leaves)));
    let text = f.ledger.checkpoint_text().unwrap();
    let sig_line = text
        .strip_prefix(&format!("{body}\n"))
        .expect("body, blank line, signature");
    let sig_b64 = sig_line
        .strip_prefix(&format!("\u{2014} {ORIGIN} "))
        .unwrap()
        .strip_suffix('\n')
        .unwrap();
    assert!(!sig_b64.contains('\n'), "one signature line");
    let blob = STANDARD.decode(sig_b64).unwrap();
    assert_eq!(blob.len(), 4 + 64);
    // Key hash: SHA-256(name || 0x0A || 0x01 || public key)[..4].
    let mut h = Sha256::new();
    h.update(ORIGIN.as_bytes());
    h.update([0x0a, 0x01]);
    h.update(f.key.public_key());
    assert_eq!(blob[..4], h.finalize()[..4]);
    assert!(
        f.verifier.verify(body.as_bytes(), &blob[4..]),
        "Ed25519 over the body"
    );
    // The verifier key string.
    let vkey = f.verifier.to_string();
    assert_eq!(
        vkey,
        format!(
            "{ORIGIN}+{}+{}",
            hex(&blob[..4]),
            STANDARD.encode([&[0x01][..], &f.key.public_key()[..]].concat())
        )
    );
    assert_eq!(f.ledger.origin().unwrap(), ORIGIN);
}

// ---------------------------------------------------------------------------
// The examples of docs/LEDGER.md.

/// The example ledger's origin.
const EXAMPLE_ORIGIN: &str = "example.com/privacy-ledger";

fn sha(label: &str) -> String {
    hex(&Sha256::digest(label.as_bytes()))
}

fn header(kind: &str, time: &str, result: &str) -> Header {
    Header {
        kind: kind.into(),
        time: time.into(),
        tool: "oubli".into(),
        tool_version: "0.1.0".into(),
        operator: "alice".into(),
        host: "etl-01".into(),
        result: result.into(),
    }
}

fn column(name: &str, transform: &str, values: u64) -> ColumnEvidence {
    ColumnEvidence {
        name: name.into(),
        transform: transform.into(),
        values,
    }
}

fn file(name: &str, bytes: u64) -> FileEvidence {
    FileEvidence {
        name: name.into(),
        bytes,
        sha256: sha(name),
    }
}

struct Example {
    verifier_key: String,
    lines: Vec<String>,
    checkpoint: String,
    receipt: String,
    torn_bytes: usize,
}

/// A ledger with a `mask`, a failed `mask`, and a `repair` after a torn write,
/// signed by the key whose seed is the bytes 0, 1, …, 31.
fn example() -> Example {
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let key = SigningKey::from_seed(&seed).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    ledger.init(EXAMPLE_ORIGIN, &key).unwrap();
    let columns = vec![
        column("customer_id", "hash", 10_000),
        column("email", "hash", 9_987),
        column("full_name", "redact", 10_000),
        column("iban", "encrypt", 9_412),
        column("amount", "keep", 0),
    ];
    let mask = MaskEntry {
        header: header("mask", "2026-11-22T10:00:07Z", "ok"),
        started: "2026-11-22T10:00:00Z".into(),
        input: file("customers.csv", 1_843_200),
        output: Some(file("customers.masked.csv", 2_117_632)),
        policy_sha256: sha("customers.policy.toml"),
        policy_files: Vec::new(),
        key_id: "5f0c1e2d3a4b6978".into(),
        rows: 10_000,
        columns,
        risk: None,
        vault: None,
        error: None,
    };
    ledger.append(&mask, &key).unwrap();
    // A job that failed before writing its output: no `output`, an `error`.
    let failed = MaskEntry {
        header: header("mask", "2026-11-23T09:30:01Z", "failed"),
        started: "2026-11-23T09:30:00Z".into(),
        input: file("customers-2.csv", 2_048_000),
        output: None,
        policy_sha256: sha("customers.policy.toml"),
        policy_files: Vec::new(),
        key_id: "5f0c1e2d3a4b6978".into(),
        rows: 0,
        columns: Vec::new(),
        risk: None,
        vault: None,
        error: Some(
            "customers-2.csv: column `phone` is not named by the policy (unlisted = \"error\")"
                .into(),
        ),
    };
    ledger.append(&failed, &key).unwrap();
    // A crash in the middle of the next append...
    let torn = format!(
        "{{\"seq\":2,\"prev\":\"{}\",\"type\":\"mask\",\"ti",
        root_b64(&ledger.entries().unwrap())
    );
    {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("entries.jsonl"))
            .unwrap();
        f.write_all(torn.as_bytes()).unwrap();
    }
    // ... and `oubli log repair`.
    ledger
        .repair(&key, |report| RepairEntry {
            header: header("repair", "2026-11-24T08:15:00Z", "ok"),
            removed_bytes: report.removed_bytes,
            removed_sha256: report.removed_sha256.clone(),
            signed_entries: report.signed_entries,
        })
        .unwrap()
        .unwrap();
    let verifier = key.verifier_key(EXAMPLE_ORIGIN).unwrap();
    assert!(ledger.verify(&verifier, None).unwrap().is_ok());
    let receipt = ledger.receipt(2).unwrap();
    receipt.verify(&verifier).unwrap();
    Example {
        verifier_key: verifier.to_string(),
        lines: ledger.entries().unwrap(),
        checkpoint: ledger.checkpoint_text().unwrap(),
        receipt: receipt.to_text(),
        torn_bytes: torn.len(),
    }
}

/// Every example in `docs/LEDGER.md` is what oubli writes for the example key.
#[test]
fn docs_ledger_md_examples_are_real() {
    let ex = example();
    assert_eq!(ex.lines.len(), 3);
    // The worked check of §7: root = node(proof[0], leaf(entry 2)), and
    // proof[0] is the root of entries 0..2, entry 2's `prev`.
    let prev: serde_json::Value = serde_json::from_str(&ex.lines[2]).unwrap();
    let prev: [u8; 32] = STANDARD
        .decode(prev["prev"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let root = merkle::node_hash(&prev, &leaf(ex.lines[2].as_bytes()));
    assert!(
        ex.checkpoint
            .starts_with(&format!("{EXAMPLE_ORIGIN}\n3\n{}\n", STANDARD.encode(root)))
    );
    assert!(
        ex.receipt
            .contains(&format!("\nindex 2\n{}\n\n", STANDARD.encode(prev)))
    );
    assert!(ex.lines[2].contains(&format!("\"removed_bytes\":{}", ex.torn_bytes)));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/LEDGER.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let mut missing = Vec::new();
    let mut expect = |what: &str, text: &str| {
        if !doc.contains(text) {
            missing.push(format!("--- {what}:\n{text}"));
        }
    };
    expect("verifier key", &ex.verifier_key);
    for (i, line) in ex.lines.iter().enumerate() {
        expect(&format!("entry {i}"), line);
    }
    expect("checkpoint", &ex.checkpoint);
    expect("receipt", &ex.receipt);
    assert!(
        missing.is_empty(),
        "docs/LEDGER.md lacks:\n{}",
        missing.join("\n")
    );
}
