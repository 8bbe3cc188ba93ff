//! Operational errors and the small API around the ledger.

use std::fs;

use oubli_core::SigningKey;
use oubli_ledger::ledger::{CHECKPOINT, ENTRIES, default_origin};
use oubli_ledger::note;
use oubli_ledger::{Ledger, LedgerError};
use serde_json::json;

use crate::common::{Fixture, ORIGIN, note as entry};

#[test]
fn init_creates_an_empty_signed_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    let key = SigningKey::generate().unwrap();
    let ledger = Ledger::new(&sub);
    assert!(!ledger.exists());
    let checkpoint = ledger.init(ORIGIN, &key).unwrap();
    assert!(ledger.exists());
    assert_eq!((checkpoint.origin.as_str(), checkpoint.size), (ORIGIN, 0));
    assert_eq!(fs::read(sub.join(ENTRIES)).unwrap(), b"");
    assert!(
        sub.join(CHECKPOINT).exists() && sub.join("lock").exists() && sub.join("state").exists()
    );
    assert_eq!(ledger.dir(), sub);
    assert!(ledger.entries().unwrap().is_empty());
    let verified = ledger
        .verify(&key.verifier_key(ORIGIN).unwrap(), None)
        .unwrap()
        .unwrap();
    assert_eq!(verified.checkpoint, checkpoint);
}

#[test]
fn init_refuses_an_existing_ledger_and_bad_origins() {
    let f = Fixture::new(2);
    let err = f.ledger.init(ORIGIN, &f.key).unwrap_err();
    assert!(matches!(err, LedgerError::AlreadyExists(_)), "{err:?}");
    // Entries without a checkpoint are not overwritten either.
    fs::remove_file(f.checkpoint_path()).unwrap();
    assert!(matches!(
        f.ledger.init(ORIGIN, &f.key),
        Err(LedgerError::AlreadyExists(_))
    ));
    assert_eq!(f.lines().len(), 2);

    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    for origin in ["", "with space", "a+b", "tab\there"] {
        let err = ledger.init(origin, &f.key).unwrap_err();
        assert!(
            matches!(&err, LedgerError::InvalidOrigin(o) if o == origin),
            "{origin:?}: {err:?}"
        );
    }
    assert!(!ledger.exists());
}

#[test]
fn a_directory_without_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::new(dir.path());
    let key = SigningKey::generate().unwrap();
    let vkey = key.verifier_key(ORIGIN).unwrap();
    let err = ledger.append(&entry(0), &key).unwrap_err();
    assert!(matches!(err, LedgerError::NotALedger(_)), "{err:?}");
    assert!(err.to_string().contains("oubli log init"), "{err}");
    assert!(matches!(
        ledger.verify(&vkey, None),
        Err(LedgerError::NotALedger(_))
    ));
    assert!(matches!(ledger.receipt(0), Err(LedgerError::NotALedger(_))));
    assert!(matches!(
        ledger.checkpoint_text(),
        Err(LedgerError::NotALedger(_))
    ));
    assert!(matches!(
        ledger.repair(&key, |_| json!({})),
        Err(LedgerError::NotALedger(_))
    ));
    assert!(!dir.path().join(ENTRIES).exists());
}

#[test]
fn a_missing_entries_file_is_an_io_error() {
    let f = Fixture::new(2);
    fs::remove_file(f.entries_path()).unwrap();
    assert!(matches!(
        f.ledger.verify(&f.verifier, None),
        Err(LedgerError::Io { .. })
    ));
    assert!(matches!(
        f.ledger.append(&entry(2), &f.key),
        Err(LedgerError::Io { .. })
    ));
}

#[test]
fn append_refuses_non_objects_and_other_keys() {
    let f = Fixture::new(2);
    for value in [json!(5), json!("text"), json!([1, 2]), json!(null)] {
        assert!(
            matches!(
                f.ledger.append(&value, &f.key),
                Err(LedgerError::NotAnObject)
            ),
            "{value}"
        );
    }
    let other = SigningKey::generate().unwrap();
    let err = f.ledger.append(&entry(2), &other).unwrap_err();
    assert!(matches!(err, LedgerError::WrongKey(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the signing key is not this ledger's key"),
        "{err}"
    );
    assert_eq!(f.lines().len(), 2);
    assert!(f.verify().is_ok());
}

#[test]
fn appended_reports_the_index_and_the_new_checkpoint() {
    let f = Fixture::new(4);
    let appended = f.ledger.append(&entry(4), &f.key).unwrap();
    assert_eq!(appended.index, 4);
    assert_eq!(appended.checkpoint, f.verify().unwrap().checkpoint);
    assert_eq!(appended.checkpoint.size, 5);
}

#[test]
fn entries_and_origin() {
    let f = Fixture::new(3);
    assert_eq!(f.ledger.entries().unwrap(), f.lines());
    assert_eq!(f.ledger.origin().unwrap(), ORIGIN);
}

#[test]
fn default_origins_are_unique_and_usable() {
    let (a, b) = (default_origin(), default_origin());
    assert_ne!(a, b);
    let hex = a.strip_prefix("oubli.ledger/").unwrap();
    assert_eq!(hex.len(), 16);
    assert!(
        hex.bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    Ledger::new(dir.path()).init(&a, &key).unwrap();
    assert!(
        Ledger::new(dir.path())
            .verify(&key.verifier_key(&a).unwrap(), None)
            .unwrap()
            .is_ok()
    );
}

/// Cosignatures (e.g. by a witness) on the checkpoint are ignored by verify,
/// and an append replaces the checkpoint.
#[test]
fn a_cosigned_checkpoint_still_verifies() {
    let f = Fixture::new(3);
    let text = f.ledger.checkpoint_text().unwrap();
    let body = text.split_once("\n\n").unwrap().0.to_owned() + "\n";
    let witness = SigningKey::generate().unwrap();
    let cosig = note::sign(&body, "witness.example", &witness).unwrap();
    let cosigned = format!("{text}{}", cosig.split_once("\n\n").unwrap().1);
    assert_eq!(cosigned.matches('\u{2014}').count(), 2);
    f.write_checkpoint(&cosigned);
    assert!(f.verify().is_ok());
    f.verify_trusted(&cosigned).unwrap();
    f.ledger.append(&entry(3), &f.key).unwrap();
    assert!(f.verify().is_ok());
}
