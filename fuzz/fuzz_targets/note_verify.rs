//! Signed notes and checkpoints cannot be forged or altered: the target signs
//! a genuine note (a checkpoint body when the fuzzer's text is not one), applies
//! fuzzer-chosen edits to its bytes, and asserts that whatever still verifies
//! says exactly what was signed, with the very signature bytes that were made.
//! (Signature lines by other keys may be added and are ignored, as the C2SP
//! signed-note spec requires: that is not an alteration of what was signed.)
//! Arbitrary text is also parsed and opened: no panic.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use oubli_fuzz::{Edit, ORIGIN, apply_edits, genuine};
use oubli_ledger::note;
use oubli_ledger::{Checkpoint, CheckpointError};

#[derive(Debug, Arbitrary)]
struct Input {
    text: String,
    size: u64,
    root: [u8; 32],
    edits: Vec<Edit>,
    raw: String,
}

fuzz_target!(|input: Input| {
    let g = genuine();
    // Arbitrary text: parse and open, no panic; whatever opens is signed by the
    // genuine key, so it must be one of the genuine checkpoints.
    let _ = note::parse(&input.raw);
    if let Ok(text) = note::open(&input.raw, &g.verifier) {
        assert!(
            g.checkpoints.iter().any(|c| c.starts_with(text)),
            "a note nobody signed verifies: {text:?}"
        );
    }
    if let Ok(cp) = Checkpoint::open(&input.raw, &g.verifier) {
        assert!(
            g.checkpoints
                .iter()
                .any(|c| Checkpoint::open(c, &g.verifier).unwrap() == cp)
        );
    }

    // A note over the fuzzer's text, or a checkpoint.
    let checkpoint = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: input.size,
        root: input.root,
    };
    let (text, signed) = match note::sign(&input.text, ORIGIN, &g.key) {
        Ok(signed) => (input.text.clone(), signed),
        Err(_) => (checkpoint.body(), checkpoint.sign(&g.key).expect("sign")),
    };
    assert_eq!(
        note::open(&signed, &g.verifier).expect("a genuine note opens"),
        text
    );
    let (_, genuine_sigs) = note::parse(&signed).expect("parses");

    let mut bytes = signed.clone().into_bytes();
    apply_edits(&mut bytes, &input.edits);
    let Ok(altered) = String::from_utf8(bytes) else {
        return;
    };
    match note::open(&altered, &g.verifier) {
        Ok(opened) => {
            assert_eq!(opened, text, "an altered note verifies with other text");
            let (_, sigs) = note::parse(&altered).expect("it opened");
            let ours: Vec<_> = sigs
                .iter()
                .filter(|s| s.name == g.verifier.name() && s.key_id == g.verifier.key_hash())
                .collect();
            assert!(!ours.is_empty());
            for sig in ours {
                assert_eq!(
                    sig.signature, genuine_sigs[0].signature,
                    "a second valid signature"
                );
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match Checkpoint::open(&altered, &g.verifier) {
        Ok(cp) => {
            let original = Checkpoint::parse_body(&text).expect("a checkpoint opened");
            assert_eq!(
                cp, original,
                "an altered checkpoint verifies with other content"
            );
        }
        Err(
            CheckpointError::Note(_)
            | CheckpointError::Malformed(_)
            | CheckpointError::WrongOrigin { .. },
        ) => {}
    }
});
