//! A ledger verifies only if it is the genuine history: the genuine entries
//! file and checkpoint (and optionally a trusted earlier checkpoint) with
//! fuzzer-chosen edits are written to a ledger directory and verified; if the
//! verification passes, the entries are exactly the first `size` genuine lines
//! and the ledger extends the trusted checkpoint.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oubli_fuzz::{Edit, apply_edits, genuine};
use oubli_ledger::Ledger;
use oubli_ledger::ledger::{CHECKPOINT, ENTRIES};

#[derive(Debug, Arbitrary)]
struct Input {
    /// Which genuine checkpoint to start from (default: the last).
    checkpoint: Option<u8>,
    /// A trusted checkpoint the auditor saved.
    trusted: Option<u8>,
    entry_edits: Vec<Edit>,
    checkpoint_edits: Vec<Edit>,
    trusted_edits: Vec<Edit>,
}

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|input: Input| {
    let g = genuine();
    let n = g.checkpoints.len();
    let mut entries = g.entries.clone();
    apply_edits(&mut entries, &input.entry_edits);
    let mut checkpoint = g.checkpoints[input.checkpoint.map_or(n - 1, |c| usize::from(c) % n)]
        .clone()
        .into_bytes();
    apply_edits(&mut checkpoint, &input.checkpoint_edits);
    let trusted = input.trusted.map(|t| {
        let mut bytes = g.checkpoints[usize::from(t) % n].clone().into_bytes();
        apply_edits(&mut bytes, &input.trusted_edits);
        String::from_utf8_lossy(&bytes).into_owned()
    });

    let dir = dir().path();
    std::fs::write(dir.join(ENTRIES), &entries).expect("write");
    std::fs::write(dir.join(CHECKPOINT), &checkpoint).expect("write");
    let ledger = Ledger::new(dir);
    let Ok(Ok(verified)) = ledger.verify(&g.verifier, trusted.as_deref()) else {
        return;
    };
    let size = usize::try_from(verified.checkpoint.size).expect("small");
    let lines: Vec<&[u8]> = entries.split_inclusive(|b| *b == b'\n').collect();
    assert_eq!(
        lines.len(),
        size,
        "a verified ledger holds uncovered entries"
    );
    for (line, genuine) in lines.iter().zip(&g.lines) {
        assert_eq!(
            &line[..line.len() - 1],
            &genuine[..],
            "an altered entry verifies"
        );
    }
    if let Some(t) = verified.trusted_size {
        assert!(t <= verified.checkpoint.size);
    }
    // Each verified entry has a receipt that verifies.
    for i in 0..size as u64 {
        let receipt = ledger.receipt(i).expect("a verified ledger gives receipts");
        receipt
            .verify(&g.verifier)
            .expect("a receipt of a verified ledger verifies");
    }
});
