//! Known-answer vectors (from `testdata/vectors/generate_vault.py`), the
//! damage and tamper suite of the file format, the file operations and the
//! shared keyring.

use std::collections::HashMap;
use std::sync::Arc;

use oubli_core::MasterKey;
use oubli_core::tag::{SubjectTag, SubjectTagger};

use crate::cipher::{Mode, SubjectCipher};
use crate::error::{SubjectError, VaultError};
use crate::file::VaultFile;
use crate::keyring::{Keyring, NewKeys};
use crate::vault::{DataKey, ForgetOutcome, Record, Vault};

/// The vector format of `testdata/vectors/README.md`: blocks of
/// `name = value` lines.
fn cases(text: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let mut fields = HashMap::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !fields.is_empty() {
                out.push(std::mem::take(&mut fields));
            }
            continue;
        }
        let (k, v) = line
            .split_once(" = ")
            .or_else(|| line.strip_suffix(" =").map(|k| (k, "")))
            .unwrap_or_else(|| panic!("not `name = value`: {line:?}"));
        assert!(
            fields.insert(k.to_owned(), v.to_owned()).is_none(),
            "{k} twice"
        );
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    unhex(s).try_into().expect("length")
}

fn master(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

fn tag(bytes: &str) -> SubjectTag {
    SubjectTag::from_bytes(arr(bytes))
}

#[test]
fn wrap_vectors() {
    let all = cases(include_str!("../../../testdata/vectors/vault.txt"));
    let wraps: Vec<_> = all.iter().filter(|c| c.contains_key("wrapped")).collect();
    assert!(wraps.len() >= 8, "{} wrap cases", wraps.len());
    for c in wraps {
        let master = MasterKey::from_bytes(arr(&c["master_hex"]));
        let t = tag(&c["tag_hex"]);
        assert_eq!(
            SubjectTagger::new(&master).tag(&unhex(&c["identifier_hex"])),
            t,
            "{}",
            c["case"]
        );
        let vault = Vault::new(&master);
        let key = DataKey::from_bytes(arr(&c["data_key_hex"]));
        let wrapped = vault
            .wrapper()
            .wrap_with_nonce(&t, &key, arr(&c["nonce_hex"]));
        use base64::Engine as _;
        let got = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wrapped);
        assert_eq!(got, c["wrapped"], "{}", c["case"]);
        let back = vault.wrapper().unwrap(&t, &wrapped).expect("unwraps");
        assert_eq!(back.expose_secret(), key.expose_secret());
        // Tamper checks: a flipped bit anywhere, another tag, another master key.
        for i in 0..wrapped.len() {
            let mut flipped = wrapped;
            flipped[i] ^= 1 << (i % 8);
            assert!(vault.wrapper().unwrap(&t, &flipped).is_none(), "byte {i}");
        }
        let mut other = *t.as_bytes();
        other[0] ^= 1;
        assert!(
            vault
                .wrapper()
                .unwrap(&SubjectTag::from_bytes(other), &wrapped)
                .is_none()
        );
        let mut mk: [u8; 32] = arr(&c["master_hex"]);
        mk[31] ^= 0x80;
        let other_vault = Vault::new(&MasterKey::from_bytes(mk));
        assert!(other_vault.wrapper().unwrap(&t, &wrapped).is_none());
    }
}

#[test]
fn vault_file_vectors() {
    let all = cases(include_str!("../../../testdata/vectors/vault.txt"));
    let files: Vec<_> = all.iter().filter(|c| c.contains_key("file_hex")).collect();
    assert!(files.len() >= 3, "{} file cases", files.len());
    for c in files {
        let master = MasterKey::from_bytes(arr(&c["master_hex"]));
        let bytes = unhex(&c["file_hex"]);
        let vault = Vault::parse(&bytes, &master, "vector").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            vault.to_bytes(),
            bytes,
            "{}: byte-exact round trip",
            c["case"]
        );
        let tagger = SubjectTagger::new(&master);
        let subjects: Vec<Vec<u8>> = c["subjects_hex"]
            .split(',')
            .filter(|s| !s.is_empty())
            .map(unhex)
            .collect();
        let keys: Vec<Vec<u8>> = c["data_keys_hex"]
            .split(',')
            .filter(|s| !s.is_empty())
            .map(unhex)
            .collect();
        assert_eq!(vault.records().len(), subjects.len());
        let forgotten = unhex(&c["forgotten_hex"]);
        for (s, k) in subjects.iter().zip(&keys) {
            match vault.get(&tagger.tag(s)) {
                Some(Record::Key { key, .. }) => {
                    assert_ne!(s, &forgotten);
                    assert_eq!(key.expose_secret().as_slice(), k.as_slice());
                }
                Some(Record::Forgotten { time }) => {
                    assert_eq!(s, &forgotten);
                    assert_eq!(time, "2026-11-22T10:00:00Z");
                }
                None => panic!("{}: subject missing", c["case"]),
            }
        }
    }
}

#[test]
fn per_subject_token_vectors() {
    let all = cases(include_str!("../../../testdata/vectors/per_subject.txt"));
    assert!(all.len() >= 48, "{} token cases", all.len());
    for c in &all {
        let master = MasterKey::from_bytes(arr(&c["master_hex"]));
        let mode = match c["transform"].as_str() {
            "encrypt" => Mode::Deterministic,
            "encrypt_random" => Mode::Randomised,
            t => panic!("transform {t}"),
        };
        let domain = String::from_utf8(unhex(&c["domain_hex"])).unwrap();
        let prefix = String::from_utf8(unhex(&c["prefix_hex"])).unwrap();
        let t = tag(&c["tag_hex"]);
        let mut vault = Vault::new(&master);
        vault.insert_key(t, DataKey::from_bytes(arr(&c["data_key_hex"])), [0; 12]);
        let keyring = Arc::new(Keyring::new(vault, &master, NewKeys::Never));
        let mut cipher = SubjectCipher::new(keyring, &master, mode, &domain, &prefix, "subject");
        let nonces = match mode {
            Mode::Deterministic => [[0; 12]; 2],
            Mode::Randomised => [arr(&c["inner_nonce_hex"]), arr(&c["outer_nonce_hex"])],
        };
        let input = unhex(&c["input_hex"]);
        let mut token = String::new();
        cipher.encrypt_with(
            &t,
            &DataKey::from_bytes(arr(&c["data_key_hex"])),
            &input,
            nonces,
            &mut token,
        );
        assert_eq!(token, c["token"], "{}", c["case"]);
        // A fresh cipher (empty cache) opens Python's token through the vault.
        let mut back = Vec::new();
        cipher.decrypt(&c["token"], &mut back).unwrap();
        assert_eq!(back, input, "{}", c["case"]);
        // Tamper: one base64url character of the payload changed.
        let mut raw = c["token"].clone().into_bytes();
        let i = raw.len() - 3;
        raw[i] = if raw[i] == b'A' { b'B' } else { b'A' };
        back.clear();
        assert!(
            cipher
                .decrypt(std::str::from_utf8(&raw).unwrap(), &mut back)
                .is_err(),
            "{}",
            c["case"]
        );
    }
}

fn sample_vault(master: &MasterKey) -> (Vault, Vec<SubjectTag>) {
    let tagger = SubjectTagger::new(master);
    let mut vault = Vault::new(master);
    let tags: Vec<SubjectTag> = ["a", "b", "c", "d"]
        .iter()
        .map(|s| tagger.tag(s.as_bytes()))
        .collect();
    for t in &tags {
        vault.create(*t).unwrap();
    }
    assert_eq!(
        vault.forget(tags[1], "2026-11-22T10:00:00Z"),
        ForgetOutcome::Destroyed
    );
    (vault, tags)
}

#[test]
fn every_single_byte_change_is_an_error() {
    let m = master(3);
    let (vault, _) = sample_vault(&m);
    let bytes = vault.to_bytes();
    Vault::parse(&bytes, &m, "v").unwrap();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x20] {
            let mut damaged = bytes.clone();
            damaged[i] ^= bit;
            if damaged[i] == b'\n' && bytes[i] == b'\n' {
                continue;
            }
            let r = Vault::parse(&damaged, &m, "v");
            assert!(r.is_err(), "byte {i} ^ {bit:#x} was accepted");
        }
    }
}

#[test]
fn damage_names_the_line_and_record() {
    let m = master(3);
    let (vault, tags) = sample_vault(&m);
    let text = String::from_utf8(vault.to_bytes()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Change a hex digit in the middle of each record's tag (checksum no longer matches).
    for (n, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("key ") || l.starts_with("forgotten "))
    {
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let pos = line.find(' ').unwrap() + 30;
        let mut b = changed[n].clone().into_bytes();
        b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
        changed[n] = String::from_utf8(b).unwrap();
        let damaged = changed.join("\n") + "\n";
        let err = Vault::parse(damaged.as_bytes(), &m, "v.vault").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("v.vault: line {}: the record of subject ", n + 1)),
            "{msg}"
        );
        assert!(msg.contains("damaged"), "{msg}");
    }
    // A removed record (a whole valid line): the MAC catches it.
    let key_line = lines.iter().position(|l| l.starts_with("key ")).unwrap();
    let mut removed: Vec<&str> = lines.clone();
    removed.remove(key_line);
    let err = Vault::parse((removed.join("\n") + "\n").as_bytes(), &m, "v").unwrap_err();
    assert!(matches!(err, VaultError::Altered { .. }), "{err}");
    assert!(err.to_string().contains("removed"), "{err}");
    // A tombstone removed: same (so a forgotten subject cannot silently come back).
    let tomb = lines
        .iter()
        .position(|l| l.starts_with("forgotten "))
        .unwrap();
    let mut removed: Vec<&str> = lines.clone();
    removed.remove(tomb);
    assert!(matches!(
        Vault::parse((removed.join("\n") + "\n").as_bytes(), &m, "v"),
        Err(VaultError::Altered { .. })
    ));
    // Truncated, appended, reordered.
    let cut = &text.as_bytes()[..text.len() - 10];
    assert!(
        Vault::parse(cut, &m, "v")
            .unwrap_err()
            .to_string()
            .contains("truncated")
    );
    let no_end = lines[..lines.len() - 1].join("\n") + "\n";
    assert!(
        Vault::parse(no_end.as_bytes(), &m, "v")
            .unwrap_err()
            .to_string()
            .contains("truncated")
    );
    let appended = text.clone() + &lines[3..4].join("") + "\n";
    assert!(
        Vault::parse(appended.as_bytes(), &m, "v")
            .unwrap_err()
            .to_string()
            .contains("after the `end`")
    );
    let mut swapped: Vec<&str> = lines.clone();
    swapped.swap(3, 4);
    assert!(matches!(
        Vault::parse((swapped.join("\n") + "\n").as_bytes(), &m, "v"),
        Err(VaultError::Altered { .. })
    ));
    // A key record moved to another subject's tag, checksum recomputed: GCM's AD catches it.
    let key_line = lines[key_line];
    let fields: Vec<&str> = key_line.split(' ').collect();
    let other = tags
        .iter()
        .map(ToString::to_string)
        .find(|t| t != fields[1])
        .unwrap();
    let body = format!("key {other} {}", fields[2]);
    let sum = crate::vault::hex(&<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes())[..4]);
    let moved = text.replace(key_line, &format!("{body} {sum}"));
    let err = Vault::parse(moved.as_bytes(), &m, "v").unwrap_err();
    assert!(
        err.to_string().contains("cannot be unwrapped")
            || err.to_string().contains("second record"),
        "{err}"
    );
    // Not a vault at all.
    assert!(matches!(
        Vault::parse(b"hello\n", &m, "v"),
        Err(VaultError::NotAVault { .. })
    ));
}

#[test]
fn wrong_master_key_is_named() {
    let (vault, _) = sample_vault(&master(3));
    let err = Vault::parse(&vault.to_bytes(), &master(4), "v.vault").unwrap_err();
    match &err {
        VaultError::WrongKey {
            vault_key,
            given_key,
            ..
        } => {
            assert_eq!(vault_key, &master(3).id().to_string());
            assert_eq!(given_key, &master(4).id().to_string());
        }
        other => panic!("{other}"),
    }
}

#[test]
fn forget_outcomes_and_debug_redaction() {
    let m = master(5);
    let (mut vault, tags) = sample_vault(&m);
    assert_eq!(
        vault.forget(tags[1], "2030-01-01T00:00:00Z"),
        ForgetOutcome::AlreadyForgotten
    );
    // The first date stays.
    assert!(
        matches!(vault.get(&tags[1]), Some(Record::Forgotten { time }) if time == "2026-11-22T10:00:00Z")
    );
    let new = SubjectTagger::new(&m).tag(b"never seen");
    assert_eq!(
        vault.forget(new, "2026-11-22T10:00:00Z"),
        ForgetOutcome::NoKey
    );
    assert_eq!((vault.keys(), vault.forgotten()), (3, 2));
    // Nothing secret in Debug: no data key bytes, no wrapped bytes as hex.
    let Some(Record::Key { key, .. }) = vault.get(&tags[0]) else {
        panic!()
    };
    let secret = crate::vault::hex(key.expose_secret());
    let debug = format!("{vault:?} {key:?}");
    assert!(!debug.contains(&secret));
    assert!(debug.contains("DataKey(..)"));
    // The vault file holds tags, never identifiers.
    let text = String::from_utf8(vault.to_bytes()).unwrap();
    assert!(!text.contains("never seen"));
}

#[test]
fn keyring_creates_refuses_and_renews() {
    let m = master(6);
    let (vault, _) = sample_vault(&m);
    let bytes = vault.to_bytes();
    let ring = Keyring::new(Vault::parse(&bytes, &m, "v").unwrap(), &m, NewKeys::Create);
    let a = ring.key_for_mask(&ring.tag("a")).unwrap();
    let a2 = ring.key_for_mask(&ring.tag("  a ")).unwrap();
    assert_eq!(
        a.expose_secret(),
        a2.expose_secret(),
        "subjects are trimmed"
    );
    assert_eq!(ring.created(), 0);
    assert!(matches!(
        ring.key_for_mask(&ring.tag("b")),
        Err(SubjectError::ForgottenInInput { .. })
    ));
    ring.key_for_mask(&ring.tag("e")).unwrap();
    assert_eq!(ring.created(), 1);

    let renew = Keyring::new(
        Vault::parse(&bytes, &m, "v").unwrap(),
        &m,
        NewKeys::CreateAfterForget,
    );
    renew.key_for_mask(&renew.tag("b")).unwrap();
    assert_eq!(renew.renewed(), vec![renew.tag("b")]);

    let read = Keyring::new(Vault::parse(&bytes, &m, "v").unwrap(), &m, NewKeys::Never);
    assert!(matches!(
        read.key_for_unmask(&read.tag("b")),
        Err(SubjectError::Forgotten { .. })
    ));
    assert!(matches!(
        read.key_for_unmask(&read.tag("zzz")),
        Err(SubjectError::UnknownSubject { .. })
    ));
}

#[test]
fn threads_share_one_key_per_subject() {
    let m = master(7);
    let ring = Arc::new(Keyring::new(Vault::new(&m), &m, NewKeys::Create));
    let tokens: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ring = Arc::clone(&ring);
                let m = &m;
                s.spawn(move || {
                    let mut c = SubjectCipher::new(ring, m, Mode::Deterministic, "d", "", "s");
                    (0..200)
                        .map(|i| {
                            let mut t = String::new();
                            c.encrypt(&format!("subject-{}", i % 50), b"value", &mut t)
                                .unwrap();
                            t
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(ring.created(), 50);
    // Deterministic: every thread made the same token for the same subject.
    for t in &tokens[1..] {
        assert_eq!(t, &tokens[0]);
    }
    // Different subjects, same value: different tokens.
    assert_ne!(tokens[0][0], tokens[0][1]);
}

#[test]
fn forgetting_makes_tokens_irrecoverable() {
    let m = master(8);
    for mode in [Mode::Deterministic, Mode::Randomised] {
        let ring = Arc::new(Keyring::new(Vault::new(&m), &m, NewKeys::Create));
        let mut c = SubjectCipher::new(Arc::clone(&ring), &m, mode, "notes", "n:", "id");
        let mut tokens = Vec::new();
        for s in ["alice", "bob", "carol"] {
            let mut t = String::new();
            c.encrypt(s, format!("secret of {s}").as_bytes(), &mut t)
                .unwrap();
            assert!(t.starts_with(&format!("n:{}.", m.id().short())));
            assert!(!t.contains(s));
            tokens.push(t);
        }
        let mut vault = Vault::parse(&ring.read().to_bytes(), &m, "v").unwrap();
        assert_eq!(
            vault.forget(ring.tag("bob"), "2026-11-22T10:00:00Z"),
            ForgetOutcome::Destroyed
        );
        let after = Arc::new(Keyring::new(vault, &m, NewKeys::Never));
        let mut u = SubjectCipher::new(after, &m, mode, "notes", "n:", "id");
        let mut back = Vec::new();
        u.decrypt(&tokens[0], &mut back).unwrap();
        assert_eq!(back, b"secret of alice");
        assert!(matches!(
            u.decrypt(&tokens[1], &mut back),
            Err(SubjectError::Forgotten { .. })
        ));
        back.clear();
        u.decrypt(&tokens[2], &mut back).unwrap();
        assert_eq!(back, b"secret of carol");
        // A plain (non per-subject) token is refused with a clear message.
        let mut plain = oubli_core::transform::DeterministicCipher::new(&m, "notes", "n:");
        let mut p = String::new();
        plain.encrypt(b"x", &mut p);
        assert!(matches!(
            u.decrypt(&p, &mut back),
            Err(SubjectError::Token(_))
        ));
        // Empty subject: an error naming the subject column.
        let mut t = String::new();
        let err = c.encrypt("  ", b"x", &mut t).unwrap_err();
        assert!(err.to_string().contains("`id`"), "{err}");
    }
}

#[test]
fn file_init_save_replace_and_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subjects.vault");
    let m = master(9);
    let file = VaultFile::new(&path);
    let created = file.init(&m).unwrap();
    assert!(matches!(file.init(&m), Err(VaultError::Exists(_))));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let loaded = file.load(&m).unwrap();
    assert_eq!(loaded.sha256, created.sha256);
    assert_eq!(loaded.vault.keys(), 0);

    let lock = file.lock().unwrap();
    assert!(file.try_lock().unwrap().is_none(), "the lock is exclusive");
    let mut vault = loaded.vault;
    let t = SubjectTagger::new(&m).tag(b"alice");
    vault.create(t).unwrap();
    let saved = file.save(&lock, &vault).unwrap();
    assert!(saved.old_version.is_none());
    let before = std::fs::read(&path).unwrap();
    vault.forget(t, "2026-11-22T10:00:00Z");
    let replaced = file.replace(&lock, &vault).unwrap();
    let old = replaced.old_version.unwrap();
    assert_eq!(
        std::fs::read(&old).unwrap(),
        before,
        "old version kept for the shred"
    );
    assert_eq!(file.leftovers(), vec![old.clone()]);
    assert!(matches!(
        file.load(&m).unwrap().vault.get(&t),
        Some(Record::Forgotten { .. })
    ));
    std::fs::remove_file(&old).unwrap();
    drop(lock);
    assert!(file.try_lock().unwrap().is_some());

    // A hard-linked vault is refused by replace; a symlink by both.
    let link = dir.path().join("copy.vault");
    std::fs::hard_link(&path, &link).unwrap();
    let lock = file.lock().unwrap();
    assert!(matches!(
        file.replace(&lock, &vault),
        Err(VaultError::HardLinked { links: 2, .. })
    ));
    std::fs::remove_file(&link).unwrap();
    let sym = VaultFile::new(dir.path().join("sym.vault"));
    std::os::unix::fs::symlink(&path, sym.path()).unwrap();
    let sym_lock = sym.lock().unwrap();
    assert!(matches!(
        sym.save(&sym_lock, &vault),
        Err(VaultError::NotAFile(_))
    ));
    assert!(file.leftovers().is_empty());
}
