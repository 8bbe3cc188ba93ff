//! Receipts: C2SP tlog-proof with the entry line as `extra`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::SigningKey;
use oubli_ledger::checkpoint::CheckpointError;
use oubli_ledger::note::NoteError;
use oubli_ledger::{LedgerError, Receipt, ReceiptError};

use crate::common::{Fixture, ORIGIN, leaf, mth};

const HEADER: &str = "c2sp.org/tlog-proof@v1\nextra ";

#[test]
fn every_receipt_of_ledgers_of_1_to_17_entries_verifies_and_round_trips() {
    let mut f = Fixture::new(0);
    for size in 1..=17u64 {
        f.extend([size - 1]);
        let lines = f.lines();
        for i in 0..size {
            let receipt = f.ledger.receipt(i).unwrap();
            assert_eq!(receipt.index, i);
            assert_eq!(
                receipt.entry,
                lines[i as usize].as_bytes(),
                "the entry line without its newline"
            );
            assert_eq!(
                receipt.checkpoint, f.checkpoints[size as usize],
                "the signed checkpoint, verbatim"
            );
            let checkpoint = receipt
                .verify(&f.verifier)
                .unwrap_or_else(|e| panic!("receipt {i} of {size}: {e}"));
            assert_eq!(checkpoint.size, size);

            let text = receipt.to_text();
            assert!(text.starts_with(HEADER), "{text}");
            assert!(text.ends_with(&receipt.checkpoint));
            let parsed = Receipt::parse(&text).unwrap();
            assert_eq!(parsed, receipt);
            parsed.verify(&f.verifier).unwrap();

            // Another index: never included at the same place.
            for j in (0..=size).filter(|&j| j != i) {
                let moved = Receipt {
                    index: j,
                    ..receipt.clone()
                };
                assert_eq!(
                    moved.verify(&f.verifier),
                    Err(ReceiptError::NotIncluded),
                    "entry {i} at index {j} of {size}"
                );
            }
        }
        let err = f.ledger.receipt(size).unwrap_err();
        assert!(
            matches!(err, LedgerError::NoSuchEntry { index, size: s } if index == size && s == size),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("the ledger has {size} entries; there is no entry {size}")
        );
    }
}

#[test]
fn receipt_text_layout() {
    let f = Fixture::new(5);
    let receipt = f.ledger.receipt(2).unwrap();
    let text = receipt.to_text();
    let (head, checkpoint) = text.split_once("\n\n").unwrap();
    assert_eq!(checkpoint, f.ledger.checkpoint_text().unwrap());
    let lines: Vec<&str> = head.split('\n').collect();
    assert_eq!(lines[0], "c2sp.org/tlog-proof@v1");
    assert_eq!(
        STANDARD
            .decode(lines[1].strip_prefix("extra ").unwrap())
            .unwrap(),
        f.lines()[2].as_bytes()
    );
    assert_eq!(lines[2], "index 2");
    // Entry 2 of 5: sibling leaf 3, then the root of leaves 0..2, then leaf 4.
    let leaves: Vec<_> = f.lines().iter().map(|l| leaf(l.as_bytes())).collect();
    let expected = [leaves[3], mth(&leaves[..2]), leaves[4]];
    assert_eq!(
        lines[3..],
        expected
            .iter()
            .map(|h| STANDARD.encode(h))
            .collect::<Vec<_>>()
    );
}

#[test]
fn altered_receipts_do_not_verify() {
    let f = Fixture::new(11);
    let good = f.ledger.receipt(6).unwrap();
    good.verify(&f.verifier).unwrap();

    // The entry (extra).
    let mut r = good.clone();
    let digit = r.entry.iter().rposition(u8::is_ascii_digit).unwrap();
    r.entry[digit] = if r.entry[digit] == b'9' {
        b'8'
    } else {
        r.entry[digit] + 1
    };
    assert_eq!(r.verify(&f.verifier), Err(ReceiptError::NotIncluded));
    // Another entry of the same ledger, at this index.
    let r = Receipt {
        entry: f.lines()[5].clone().into_bytes(),
        ..good.clone()
    };
    assert_eq!(r.verify(&f.verifier), Err(ReceiptError::NotIncluded));

    // The index.
    for index in [0, 5, 7, 10, 11, u64::MAX] {
        let r = Receipt {
            index,
            ..good.clone()
        };
        assert_eq!(
            r.verify(&f.verifier),
            Err(ReceiptError::NotIncluded),
            "index {index}"
        );
    }

    // Each proof line; a line dropped; a line added; lines swapped.
    for k in 0..good.proof.len() {
        let mut r = good.clone();
        r.proof[k][0] ^= 1;
        assert_eq!(
            r.verify(&f.verifier),
            Err(ReceiptError::NotIncluded),
            "proof line {k}"
        );
        let mut r = good.clone();
        r.proof.remove(k);
        assert_eq!(
            r.verify(&f.verifier),
            Err(ReceiptError::NotIncluded),
            "proof line {k} dropped"
        );
    }
    let mut r = good.clone();
    r.proof.push([0; 32]);
    assert_eq!(r.verify(&f.verifier), Err(ReceiptError::NotIncluded));
    let mut r = good.clone();
    r.proof.swap(0, 1);
    assert_eq!(r.verify(&f.verifier), Err(ReceiptError::NotIncluded));

    // The checkpoint: edited, another (validly signed) checkpoint of the same
    // ledger, signed by another key.
    let r = Receipt {
        checkpoint: good.checkpoint.replacen("\n11\n", "\n12\n", 1),
        ..good.clone()
    };
    assert!(matches!(
        r.verify(&f.verifier),
        Err(ReceiptError::Checkpoint(CheckpointError::Note(
            NoteError::BadSignature(_)
        )))
    ));
    let r = Receipt {
        checkpoint: f.checkpoints[10].clone(),
        ..good.clone()
    };
    assert_eq!(r.verify(&f.verifier), Err(ReceiptError::NotIncluded));
    let other = SigningKey::generate().unwrap();
    let forged = Receipt {
        checkpoint: f.verify().unwrap().checkpoint.sign(&other).unwrap(),
        ..good.clone()
    };
    assert!(matches!(
        forged.verify(&f.verifier),
        Err(ReceiptError::Checkpoint(_))
    ));
    // ... which does verify with the other key: a receipt proves only what the
    // verifier key the auditor holds says.
    forged.verify(&other.verifier_key(ORIGIN).unwrap()).unwrap();

    // Another key or name for a good receipt.
    let wrong = SigningKey::generate()
        .unwrap()
        .verifier_key(ORIGIN)
        .unwrap();
    assert!(matches!(
        good.verify(&wrong),
        Err(ReceiptError::Checkpoint(CheckpointError::Note(
            NoteError::NoSignature(_)
        )))
    ));
    let renamed = f.key.verifier_key("example.com/another-log").unwrap();
    assert!(matches!(
        good.verify(&renamed),
        Err(ReceiptError::Checkpoint(_))
    ));
}

#[test]
fn altered_receipt_texts_do_not_verify() {
    let f = Fixture::new(9);
    let text = f.ledger.receipt(4).unwrap().to_text();
    let lines: Vec<&str> = text.split('\n').collect();
    let edit = |k: usize, with: &str| {
        let mut l = lines.clone();
        l[k] = with;
        l.join("\n")
    };
    // extra: the line of entry 3 instead.
    let extra = format!("extra {}", STANDARD.encode(f.lines()[3].as_bytes()));
    let index3 = "index 3";
    let zero = STANDARD.encode([0u8; 32]);
    for (what, altered) in [
        ("extra", edit(1, &extra)),
        ("index", edit(2, index3)),
        ("proof line", edit(3, &zero)),
    ] {
        let r = Receipt::parse(&altered).unwrap();
        assert_eq!(
            r.verify(&f.verifier),
            Err(ReceiptError::NotIncluded),
            "{what}"
        );
    }
    // The extra line and the index with both entry 3: a true receipt of entry 3
    // needs entry 3's proof, which differs.
    let both = edit(1, &extra).replacen("index 4", "index 3", 1);
    assert!(Receipt::parse(&both).unwrap().verify(&f.verifier).is_err());

    // Malformed texts are refused by the parser.
    let malformed = [
        text.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
        text.replacen("index 4", "index 04", 1),
        text.replacen("index 4", "index -4", 1),
        text.replacen("index 4", "index", 1),
        edit(1, "extra !!!"),
        edit(3, "not base64 of 32 bytes"),
        edit(3, &STANDARD.encode([0u8; 31])),
        lines[..3].join("\n"),
        // Without `extra` an oubli receipt carries nothing to check.
        {
            let mut l = lines.clone();
            l.remove(1);
            l.join("\n")
        },
    ];
    for m in &malformed {
        assert!(
            matches!(Receipt::parse(m), Err(ReceiptError::Malformed(_))),
            "{m}"
        );
    }
}

#[test]
fn receipt_of_the_first_entry_of_a_one_entry_ledger_has_no_proof_lines() {
    let f = Fixture::new(1);
    let r = f.ledger.receipt(0).unwrap();
    assert!(r.proof.is_empty());
    let text = r.to_text();
    assert!(
        text.starts_with(&format!(
            "{HEADER}{}\nindex 0\n\n{ORIGIN}\n1\n",
            STANDARD.encode(f.lines()[0].as_bytes())
        )),
        "{text}"
    );
    Receipt::parse(&text).unwrap().verify(&f.verifier).unwrap();
}

#[test]
fn receipts_of_an_empty_ledger_and_a_damaged_one() {
    let f = Fixture::new(0);
    assert!(matches!(
        f.ledger.receipt(0),
        Err(LedgerError::NoSuchEntry { index: 0, size: 0 })
    ));

    // A receipt is not issued from entries that do not match the checkpoint.
    let f = Fixture::new(4);
    let mut lines = f.lines();
    lines[3] = crate::common::edit_digit(&lines[3]);
    f.write_lines(&lines);
    assert!(matches!(
        f.ledger.receipt(0),
        Err(LedgerError::NeedsAttention(_))
    ));
}

/// A receipt stays valid as the ledger grows: it proves inclusion in the
/// checkpoint it carries, and that checkpoint is consistent with later ones.
#[test]
fn old_receipts_stay_valid_as_the_ledger_grows() {
    let mut f = Fixture::new(3);
    let old = f.ledger.receipt(1).unwrap();
    f.extend(3..30);
    old.verify(&f.verifier).unwrap();
    f.verify_trusted(&old.checkpoint).unwrap();
    let new = f.ledger.receipt(1).unwrap();
    assert_eq!(new.entry, old.entry);
    assert_ne!(new.checkpoint, old.checkpoint);
    new.verify(&f.verifier).unwrap();
}
