//! Receipts (C2SP tlog-proof) cannot be forged: a genuine receipt with
//! fuzzer-chosen edits, or arbitrary text, verifies only if it proves an entry
//! of the genuine ledger at its true index.
//!
//! Input: `[mode, edits…]`: mode 0 parses the rest as a receipt; otherwise
//! the genuine receipt of entry `mode % N` is edited.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oubli_fuzz::{Edit, GENUINE_ENTRIES, apply_edits, genuine, receipt_is_genuine};
use oubli_ledger::Receipt;

fuzz_target!(|input: (u8, Vec<Edit>, String)| {
    let (mode, edits, raw) = input;
    let g = genuine();
    let text = if mode == 0 {
        raw
    } else {
        let mut bytes = g.receipts[usize::from(mode) % GENUINE_ENTRIES]
            .clone()
            .into_bytes();
        apply_edits(&mut bytes, &edits);
        match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return,
        }
    };
    let Ok(receipt) = Receipt::parse(&text) else {
        return;
    };
    // Writing it back gives a receipt that parses to the same thing.
    assert_eq!(
        Receipt::parse(&receipt.to_text()).expect("round trip"),
        receipt
    );
    if let Ok(checkpoint) = receipt.verify(&g.verifier) {
        assert!(
            receipt_is_genuine(&receipt),
            "a receipt for something the ledger does not hold verifies: index {}",
            receipt.index
        );
        assert!(receipt.index < checkpoint.size);
    }
});
