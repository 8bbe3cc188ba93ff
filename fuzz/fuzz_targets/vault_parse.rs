//! The crypto-shredding vault file: arbitrary bytes parse or are refused (no
//! panic); a genuine vault with fuzzer-chosen edits parses only if its content
//! is exactly the genuine content (the whole-file MAC and the per-line checks
//! catch every other edit), so a forgotten subject's key cannot be brought
//! back, nor a key moved to another subject, by editing the file.
//!
//! Input: `[mode, edits…]`; mode 0 parses the rest of the input as a vault file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oubli_core::MasterKey;
use oubli_core::tag::SubjectTagger;
use oubli_fuzz::{Edit, apply_edits};
use oubli_vault::Vault;

fn master() -> MasterKey {
    MasterKey::from_bytes([11; 32])
}

/// A vault with four keys and two forgotten subjects.
fn genuine() -> &'static [u8] {
    static GENUINE: OnceLock<Vec<u8>> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let key = master();
        let tagger = SubjectTagger::new(&key);
        let mut vault = Vault::new(&key);
        for id in ["a@example.org", "b@example.org", "c", "d", "e", "f"] {
            vault.create(tagger.tag(id.as_bytes())).expect("create");
        }
        vault.forget(tagger.tag(b"c"), "2026-11-22T10:00:00Z");
        vault.forget(tagger.tag(b"e"), "2026-11-22T10:00:01Z");
        vault.to_bytes()
    })
}

fuzz_target!(|input: (u8, Vec<Edit>, Vec<u8>)| {
    let (mode, edits, raw) = input;
    let key = master();
    if mode == 0 {
        if let Ok(vault) = Vault::parse(&raw, &key, "fuzz.vault") {
            // What parses writes back to something that parses the same.
            let again = Vault::parse(&vault.to_bytes(), &key, "fuzz.vault").expect("round trip");
            assert_eq!(again.to_bytes(), vault.to_bytes());
        }
        return;
    }
    let genuine = genuine();
    let mut bytes = genuine.to_vec();
    apply_edits(&mut bytes, &edits);
    match Vault::parse(&bytes, &key, "fuzz.vault") {
        Ok(vault) => assert_eq!(
            vault.to_bytes(),
            genuine,
            "an edited vault parses with other content"
        ),
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.contains("fuzz.vault"), "{shown}");
        }
    }
});
