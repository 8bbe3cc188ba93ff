//! Consistency with checkpoints an auditor saved earlier.

use oubli_core::SigningKey;
use serde_json::json;

use crate::common::Fixture;

#[test]
fn checkpoints_saved_at_0_1_3_8_are_extended_at_20() {
    let mut f = Fixture::new(0);
    let mut saved = Vec::new();
    for size in 0..20u64 {
        if [0, 1, 3, 8].contains(&size) {
            saved.push((size, f.ledger.checkpoint_text().unwrap()));
        }
        f.extend([size]);
    }
    for (size, text) in &saved {
        let verified = f.verify_trusted(text).unwrap();
        assert_eq!(verified.trusted_size, Some(*size));
        assert_eq!(verified.checkpoint.size, 20);
    }
    assert_eq!(f.verify().unwrap().trusted_size, None);
}

#[test]
fn every_earlier_checkpoint_is_extended() {
    let f = Fixture::new(33);
    for (size, text) in f.checkpoints.iter().enumerate() {
        let verified = f
            .verify_trusted(text)
            .unwrap_or_else(|e| panic!("trusted size {size}: {e}"));
        assert_eq!(verified.trusted_size, Some(size as u64));
    }
}

/// Ledger B shares A's first 6 entries: A's checkpoints up to size 6 are
/// extended by B, the later ones are forks.
#[test]
fn a_fork_is_caught_by_every_later_trusted_checkpoint() {
    let seed = [3u8; 32];
    let a = Fixture::with_key(SigningKey::from_seed(&seed).unwrap(), 12);
    let mut b = Fixture::with_key(SigningKey::from_seed(&seed).unwrap(), 6);
    for i in 6..12 {
        b.push(&json!({"type": "note", "n": 9000 + i, "text": "another history"}));
    }
    assert_eq!(a.lines()[..6], b.lines()[..6]);
    assert!(b.verify().is_ok());
    for (size, text) in a.checkpoints.iter().enumerate() {
        let result = b.verify_trusted(text);
        if size <= 6 {
            assert!(result.is_ok(), "size {size}: {result:?}");
        } else {
            assert_eq!(
                result.unwrap_err(),
                oubli_ledger::Failure::Forked {
                    trusted: size as u64
                },
                "size {size}"
            );
        }
    }
}
