//! Shared pieces of oubli's fuzz targets: byte edits chosen by the fuzzer,
//! a genuine signed ledger to tamper with, TOML string quoting.
//!
//! Nothing here is part of oubli; the targets are in `fuzz_targets/`.

#![forbid(unsafe_code)]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use oubli_core::{SigningKey, VerifierKey};
use oubli_ledger::{Ledger, Receipt};

/// One edit of a byte string; positions wrap around the string's length, so
/// every edit applies to every input.
#[derive(Debug, Clone, Arbitrary)]
pub enum Edit {
    /// Flip one bit.
    Flip {
        /// Position.
        at: u16,
        /// Bit (0..8).
        bit: u8,
    },
    /// Overwrite one byte.
    Set {
        /// Position.
        at: u16,
        /// New value.
        byte: u8,
    },
    /// Insert bytes.
    Insert {
        /// Position.
        at: u16,
        /// What to insert.
        bytes: Vec<u8>,
    },
    /// Delete up to `len` bytes.
    Delete {
        /// Position.
        at: u16,
        /// How many.
        len: u8,
    },
    /// Cut the string at a position.
    Truncate {
        /// Position.
        at: u16,
    },
    /// Copy line `from` over line `to` (lines end with `\n`).
    CopyLine {
        /// Source line.
        from: u8,
        /// Replaced line.
        to: u8,
    },
    /// Swap two lines.
    SwapLines {
        /// First line.
        a: u8,
        /// Second line.
        b: u8,
    },
    /// Remove a line.
    RemoveLine {
        /// The line.
        line: u8,
    },
}

/// Applies `edits` in order.
pub fn apply_edits(bytes: &mut Vec<u8>, edits: &[Edit]) {
    for edit in edits {
        let pos = |at: u16, len: usize| usize::from(at) % (len + 1);
        match edit {
            Edit::Flip { at, bit } => {
                if !bytes.is_empty() {
                    let i = usize::from(*at) % bytes.len();
                    bytes[i] ^= 1 << (bit % 8);
                }
            }
            Edit::Set { at, byte } => {
                if !bytes.is_empty() {
                    let i = usize::from(*at) % bytes.len();
                    bytes[i] = *byte;
                }
            }
            Edit::Insert { at, bytes: new } => {
                let i = pos(*at, bytes.len());
                bytes.splice(i..i, new.iter().copied());
            }
            Edit::Delete { at, len } => {
                let i = pos(*at, bytes.len());
                let end = (i + usize::from(*len)).min(bytes.len());
                bytes.drain(i..end);
            }
            Edit::Truncate { at } => {
                let i = pos(*at, bytes.len());
                bytes.truncate(i);
            }
            Edit::CopyLine { from, to } => edit_lines(bytes, |lines| {
                if !lines.is_empty() {
                    let n = lines.len();
                    lines[usize::from(*to) % n] = lines[usize::from(*from) % n].clone();
                }
            }),
            Edit::SwapLines { a, b } => edit_lines(bytes, |lines| {
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.swap(usize::from(*a) % n, usize::from(*b) % n);
                }
            }),
            Edit::RemoveLine { line } => edit_lines(bytes, |lines| {
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.remove(usize::from(*line) % n);
                }
            }),
        }
    }
}

fn edit_lines(bytes: &mut Vec<u8>, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    f(&mut lines);
    *bytes = lines.concat();
}

/// A TOML basic string holding `s` exactly.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The origin (and signer name) of the genuine ledger.
pub const ORIGIN: &str = "fuzz.example/ledger";

/// A genuine ledger, made once per process with a fixed key (Ed25519 is
/// deterministic, so the bytes are the same in every run).
#[derive(Debug)]
pub struct Genuine {
    /// The signing key.
    pub key: SigningKey,
    /// Its verifier key under [`ORIGIN`].
    pub verifier: VerifierKey,
    /// The entries file.
    pub entries: Vec<u8>,
    /// Each entry's line, without its newline.
    pub lines: Vec<Vec<u8>>,
    /// `checkpoints[k]`: the signed checkpoint after `k` entries.
    pub checkpoints: Vec<String>,
    /// `receipts[i]`: the receipt of entry `i` against the last checkpoint.
    pub receipts: Vec<String>,
}

/// Entries in the genuine ledger.
pub const GENUINE_ENTRIES: usize = 6;

/// The genuine ledger.
pub fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let key = SigningKey::from_seed(&[7; 32]).expect("a valid seed");
        let verifier = key.verifier_key(ORIGIN).expect("a valid name");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ledger = Ledger::new(dir.path());
        ledger.init(ORIGIN, &key).expect("init");
        let mut checkpoints = vec![ledger.checkpoint_text().expect("checkpoint")];
        for i in 0..GENUINE_ENTRIES {
            let entry = serde_json::json!({
                "type": "mask",
                "time": format!("2026-11-22T10:00:0{i}Z"),
                "operator": "fuzz",
                "rows": i * 1000,
                "note": "caf\u{e9} \"quoted\" \\ \u{1F600}",
            });
            ledger.append(&entry, &key).expect("append");
            checkpoints.push(ledger.checkpoint_text().expect("checkpoint"));
        }
        let entries =
            std::fs::read(dir.path().join(oubli_ledger::ledger::ENTRIES)).expect("entries");
        let lines = entries
            .split_inclusive(|b| *b == b'\n')
            .map(|l| l[..l.len() - 1].to_vec())
            .collect();
        let receipts = (0..GENUINE_ENTRIES as u64)
            .map(|i| ledger.receipt(i).expect("receipt").to_text())
            .collect();
        Genuine {
            key,
            verifier,
            entries,
            lines,
            checkpoints,
            receipts,
        }
    })
}

/// Whether a receipt that verified proves only what the genuine ledger holds.
pub fn receipt_is_genuine(receipt: &Receipt) -> bool {
    let g = genuine();
    usize::try_from(receipt.index)
        .ok()
        .and_then(|i| g.lines.get(i))
        .is_some_and(|line| *line == receipt.entry)
}

/// Transforms the CSV targets give columns, by number: `(policy entry, round
/// trips)`. An entry that round trips gives back the input on `unmask`.
pub const CSV_TRANSFORMS: &[(&str, bool)] = &[
    (r#"transform = "keep""#, true),
    (r#"transform = "encrypt", prefix = "tok_""#, true),
    (r#"transform = "encrypt_random", domain = "notes""#, true),
    (
        r#"transform = "fpe", alphabet = "digits", fallback = "keep""#,
        true,
    ),
    (
        r#"transform = "fpe", custom_alphabet = "abcé", fallback = "keep", domain = "c""#,
        true,
    ),
    (r#"transform = "encrypt", empty = "transform""#, true),
    (r#"transform = "drop""#, false),
    (r#"transform = "hash""#, false),
    (
        r#"transform = "hash", encoding = "base32", length = 20, prefix = "h_", normalise = ["trim", "lowercase", "nfc"]"#,
        false,
    ),
    (
        r#"transform = "hash", normalise = ["digits_only"], empty = "transform", encoding = "base64url""#,
        false,
    ),
    (
        r#"transform = "fpe", alphabet = "alphanumeric", fallback = "redact""#,
        false,
    ),
    (r#"transform = "fpe", alphabet = "upper""#, false),
    (
        r#"transform = "mask", keep_first = 2, keep_last = 1, skip = "-@", char = "•""#,
        false,
    ),
    (r#"transform = "redact", value = "x""#, false),
];

/// A policy giving column `i` of `header` the transform `choice(i)` of
/// [`CSV_TRANSFORMS`]; `unlisted` for the rest.
pub fn csv_policy(header: &[String], choice: impl Fn(usize) -> usize, unlisted: &str) -> String {
    let mut policy = format!("version = 1\nunlisted = \"{unlisted}\"\n[columns]\n");
    for (i, name) in header.iter().enumerate() {
        let (entry, _) = CSV_TRANSFORMS[choice(i) % CSV_TRANSFORMS.len()];
        policy.push_str(&format!("{} = {{ {entry} }}\n", toml_string(name)));
    }
    policy
}

/// All records of a CSV text (header first), or `None` if it does not parse.
pub fn csv_records(bytes: &[u8], delimiter: u8) -> Option<Vec<Vec<Vec<u8>>>> {
    let mut records = oubli_csv::Records::new(bytes, delimiter).ok()?;
    let mut all = vec![
        records
            .header()
            .iter()
            .map(|h| h.as_bytes().to_vec())
            .collect(),
    ];
    let mut record = csv::ByteRecord::new();
    while records.read_record(&mut record).ok()? {
        all.push(record.iter().map(<[u8]>::to_vec).collect());
    }
    Some(all)
}
