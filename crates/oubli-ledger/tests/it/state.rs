//! The `state` cache is not evidence: whatever it holds, appends stay correct.

use std::fs;

use oubli_ledger::{Failure, LedgerError};
use serde_json::{Value, json};

use crate::common::{Fixture, edit_digit, note};

fn state(f: &Fixture) -> Value {
    serde_json::from_str(&fs::read_to_string(f.path("state")).unwrap()).unwrap()
}

/// After an append, the cache describes the ledger as it is.
fn assert_state_current(f: &Fixture) {
    let s = state(f);
    let size = f.lines().len() as u64;
    assert_eq!(s["size"], size);
    assert_eq!(s["bytes"], f.entries_bytes().len() as u64);
    assert_eq!(
        s["peaks"].as_array().unwrap().len() as u32,
        size.count_ones()
    );
}

#[test]
fn the_state_cache_follows_appends() {
    let mut f = Fixture::new(0);
    assert_eq!(state(&f), json!({"size": 0, "bytes": 0, "peaks": []}));
    for i in 0..9 {
        f.extend([i]);
        assert_state_current(&f);
    }
}

#[test]
fn a_missing_state_is_rebuilt() {
    let mut f = Fixture::new(6);
    fs::remove_file(f.path("state")).unwrap();
    f.extend(6..8);
    assert_state_current(&f);
    assert_eq!(f.verify().unwrap().checkpoint.size, 8);
}

#[test]
fn a_corrupt_state_is_ignored() {
    let corruptions: [&str; 8] = [
        "",
        "not json",
        "{\"size\":",
        "[]",
        "{\"size\":6,\"bytes\":0}",
        // Wrong number of peaks for the size.
        "{\"size\":6,\"bytes\":1,\"peaks\":[]}",
        // Peaks that are not 32-byte hashes.
        "{\"size\":1,\"bytes\":1,\"peaks\":[\"AAAA\"]}",
        "{\"size\":-1,\"bytes\":1,\"peaks\":[]}",
    ];
    for corrupt in corruptions {
        let mut f = Fixture::new(6);
        fs::write(f.path("state"), corrupt).unwrap();
        f.extend(6..9);
        assert_state_current(&f);
        assert_eq!(f.verify().unwrap().checkpoint.size, 9, "{corrupt}");
    }
}

/// A cache that matches the checkpoint's size and the file's length but holds
/// other peaks (another history) does not match the signed root: rebuilt.
#[test]
fn a_forged_state_is_ignored() {
    let mut f = Fixture::new(6);
    let mut s = state(&f);
    s["peaks"][0] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        [7u8; 32]
    ));
    fs::write(f.path("state"), s.to_string()).unwrap();
    f.extend(6..9);
    assert_state_current(&f);
    assert_eq!(f.verify().unwrap().checkpoint.size, 9);
}

#[test]
fn a_stale_state_is_ignored() {
    let mut f = Fixture::new(5);
    let old = fs::read(f.path("state")).unwrap();
    f.extend(5..10);
    fs::write(f.path("state"), &old).unwrap();
    f.extend(10..12);
    assert_state_current(&f);
    assert_eq!(f.verify().unwrap().checkpoint.size, 12);
    // A stale state after a rollback of the checkpoint alone is no help either.
    fs::write(f.path("state"), &old).unwrap();
    f.write_checkpoint(&f.checkpoints[5].clone());
    let err = f.ledger.append(&note(12), &f.key).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NeedsAttention(Failure::Uncovered {
                checkpoint: 5,
                found: 12
            })
        ),
        "{err:?}"
    );
}

/// The cache lets an append skip rereading the entries, so an edit that keeps
/// the file's length goes unnoticed by `append`; but the new checkpoint is
/// computed from the cached (original) tree, so the edit stays evident.
#[test]
fn append_does_not_launder_a_same_length_edit() {
    let mut f = Fixture::new(10);
    let mut lines = f.lines();
    let original = lines[5].clone();
    lines[5] = edit_digit(&lines[5]);
    f.write_lines(&lines);
    f.extend([10]);
    assert_eq!(
        f.verify().unwrap_err(),
        Failure::Altered {
            altered: 5,
            witness: 6
        }
    );
    // Restoring the original entry (from a backup) makes the ledger whole.
    let mut restored = f.lines();
    restored[5] = original;
    f.write_lines(&restored);
    assert_eq!(f.verify().unwrap().checkpoint.size, 11);

    // Without the cache, the same edit is refused before anything is written.
    let f = Fixture::new(10);
    let mut lines = f.lines();
    lines[5] = edit_digit(&lines[5]);
    f.write_lines(&lines);
    fs::remove_file(f.path("state")).unwrap();
    let err = f.ledger.append(&note(10), &f.key).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NeedsAttention(Failure::Altered {
                altered: 5,
                witness: 6
            })
        ),
        "{err:?}"
    );
}
