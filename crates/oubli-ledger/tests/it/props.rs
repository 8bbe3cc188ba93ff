//! Property tests: any change to the bytes of a ledger, its checkpoint or a
//! receipt is caught.

use std::fs;
use std::sync::OnceLock;

use oubli_core::{SigningKey, VerifierKey};
use oubli_ledger::Ledger;
use oubli_ledger::ledger::{CHECKPOINT, ENTRIES};
use oubli_ledger::receipt::Receipt;
use proptest::prelude::*;

use crate::common::Fixture;

struct Base {
    entries: Vec<u8>,
    checkpoint: String,
    receipt: String,
    verifier: VerifierKey,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let f = Fixture::with_key(SigningKey::from_seed(&[9; 32]).unwrap(), 13);
        Base {
            entries: f.entries_bytes(),
            checkpoint: f.ledger.checkpoint_text().unwrap(),
            receipt: f.ledger.receipt(5).unwrap().to_text(),
            verifier: f.verifier.clone(),
        }
    })
}

/// Verifies a ledger made of these bytes.
fn verifies(entries: &[u8], checkpoint: &[u8]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(ENTRIES), entries).unwrap();
    fs::write(dir.path().join(CHECKPOINT), checkpoint).unwrap();
    match Ledger::new(dir.path()).verify(&base().verifier, None) {
        Ok(result) => result.is_ok(),
        // A checkpoint that is no longer UTF-8 cannot be read at all.
        Err(_) => false,
    }
}

#[test]
fn the_base_ledger_verifies() {
    let b = base();
    assert!(verifies(&b.entries, b.checkpoint.as_bytes()));
    assert!(
        Receipt::parse(&b.receipt)
            .unwrap()
            .verify(&b.verifier)
            .is_ok()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_byte_changed_in_the_entries_is_caught(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let b = base();
        let mut entries = b.entries.clone();
        let i = at.index(entries.len());
        entries[i] ^= xor;
        prop_assert!(!verifies(&entries, b.checkpoint.as_bytes()));
    }

    #[test]
    fn any_cut_or_addition_to_the_entries_is_caught(keep in any::<prop::sample::Index>(), extra in prop::collection::vec(any::<u8>(), 0..80)) {
        let b = base();
        let keep = keep.index(b.entries.len());
        let mut entries = b.entries[..keep].to_vec();
        entries.extend_from_slice(&extra);
        prop_assume!(entries != b.entries);
        prop_assert!(!verifies(&entries, b.checkpoint.as_bytes()));
    }

    #[test]
    fn any_byte_changed_in_the_checkpoint_is_caught(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let b = base();
        let mut checkpoint = b.checkpoint.clone().into_bytes();
        let i = at.index(checkpoint.len());
        checkpoint[i] ^= xor;
        prop_assert!(!verifies(&b.entries, &checkpoint));
    }

    #[test]
    fn any_byte_changed_in_a_receipt_is_caught(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let b = base();
        let mut text = b.receipt.clone().into_bytes();
        let i = at.index(text.len());
        text[i] ^= xor;
        let ok = String::from_utf8(text)
            .ok()
            .and_then(|t| Receipt::parse(&t).ok())
            .is_some_and(|r| r.verify(&b.verifier).is_ok());
        prop_assert!(!ok, "byte {} xor {:#04x}", i, xor);
    }
}

/// Exhaustively: every one-character substitution (printable ASCII) anywhere in
/// a signed checkpoint is refused, including the non-canonical base64 forms of
/// the signature's last characters.
#[test]
fn every_one_character_substitution_in_a_checkpoint_is_refused() {
    let b = base();
    let text = b.checkpoint.as_bytes();
    let mut accepted = Vec::new();
    for i in 0..text.len() {
        for c in b' '..=b'~' {
            if text[i] == c || !text[i].is_ascii() {
                continue;
            }
            let mut t = text.to_vec();
            t[i] = c;
            let t = String::from_utf8(t).unwrap();
            if oubli_ledger::Checkpoint::open(&t, &b.verifier).is_ok() {
                accepted.push(format!("byte {i} {:?} -> {:?}", text[i] as char, c as char));
            }
        }
    }
    assert!(accepted.is_empty(), "{accepted:?}");
}

/// Exhaustively: every one-character substitution by a base64 character in
/// the `extra`, `index` and proof lines of a receipt is refused.
#[test]
fn every_base64_substitution_in_a_receipt_head_is_refused() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    let b = base();
    let text = b.receipt.as_bytes();
    let head = b.receipt.find("\n\n").unwrap();
    let start = b.receipt.find('\n').unwrap() + 1;
    let mut accepted = Vec::new();
    for i in start..head {
        for &c in ALPHABET {
            if text[i] == c || text[i] == b'\n' {
                continue;
            }
            let mut t = text.to_vec();
            t[i] = c;
            let t = String::from_utf8(t).unwrap();
            if Receipt::parse(&t).is_ok_and(|r| r.verify(&b.verifier).is_ok()) {
                accepted.push(format!("byte {i} {:?} -> {:?}", text[i] as char, c as char));
            }
        }
    }
    assert!(accepted.is_empty(), "{accepted:?}");
}
