//! Secrets audit (issue 8): no key material (master key, signing key, any HKDF
//! subkey) in the `Debug` output or error messages of the core's types, in any
//! of the forms a leak would take (hex, decimal byte lists, base64).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oubli_core::subkey::{Purpose, derive};
use oubli_core::tag::SubjectTagger;
use oubli_core::transform::{
    Alphabet, DateShifter, DeterministicCipher, FormatPreservingCipher, HashEncoding, Masker,
    Pseudonymiser, RandomisedCipher,
};
use oubli_core::{AnyKey, MasterKey, SigningKey, parse_key_file};

/// Key bytes that no formatting of other values produces by accident.
fn key_bytes() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
}

/// Panics if `shown` holds any 8-byte piece of `secret` as hex (either case) or
/// as a decimal byte list, or a 16-character piece of its base64 / base64url.
fn assert_no_secret(what: &str, shown: &str, secret: &[u8]) {
    for piece in secret.windows(8) {
        let hex: String = piece.iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            !shown.to_lowercase().contains(&hex),
            "{what} shows key bytes as hex: {shown}"
        );
        let decimal = format!("{piece:?}");
        let decimal = &decimal[1..decimal.len() - 1];
        assert!(
            !shown.contains(decimal),
            "{what} shows key bytes as a list: {shown}"
        );
    }
    for encoded in [STANDARD.encode(secret), URL_SAFE_NO_PAD.encode(secret)] {
        for piece in encoded.as_bytes().windows(16) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !shown.contains(piece),
                "{what} shows key bytes as base64: {shown}"
            );
        }
    }
}

/// Every secret derived from the master key: the key and its subkeys for the
/// domains used below.
fn secrets(key: &MasterKey) -> Vec<Vec<u8>> {
    let mut all = vec![key.expose_secret().to_vec()];
    for purpose in Purpose::ALL {
        for domain in ["default", "customer", oubli_core::tag::ERASE_DOMAIN] {
            all.push(derive::<64>(key, purpose, domain).to_vec());
        }
    }
    all
}

fn check(what: &str, shown: &str, secrets: &[Vec<u8>]) {
    for secret in secrets {
        assert_no_secret(what, shown, secret);
    }
}

#[test]
fn master_key_debug_shows_only_its_id() {
    let key = MasterKey::from_bytes(key_bytes());
    let shown = format!("{key:?} {key:#?}");
    assert!(shown.contains(&key.id().to_string()));
    check("MasterKey", &shown, &secrets(&key));
}

#[test]
fn signing_key_debug_shows_only_its_id() {
    let key = SigningKey::from_seed(&key_bytes()).unwrap();
    let shown = format!("{key:?} {key:#?}");
    assert_no_secret("SigningKey", &shown, &key_bytes());
    // The PKCS#8 document too (as the key file holds it).
    let file = key.to_key_file("now");
    let line = file.lines().last().unwrap();
    let payload = line.split_once(':').unwrap().1;
    for piece in payload.as_bytes().windows(16) {
        assert!(!shown.contains(std::str::from_utf8(piece).unwrap()));
    }
    let any = parse_key_file(&file).unwrap();
    let shown = format!("{any:?}");
    assert!(matches!(any, AnyKey::Signing(_)));
    assert_no_secret("AnyKey::Signing", &shown, &key_bytes());
}

#[test]
fn parsed_master_key_debug_shows_no_key() {
    let key = MasterKey::from_bytes(key_bytes());
    let file = key.to_key_file("now");
    let any = parse_key_file(&file).unwrap();
    let shown = format!("{any:?} {any:#?}");
    check("AnyKey::Master", &shown, &secrets(&key));
    // Nor any piece of the key file's payload.
    let payload = file.lines().last().unwrap().split_once(':').unwrap().1;
    for piece in payload.as_bytes().windows(16) {
        assert!(
            !shown.contains(std::str::from_utf8(piece).unwrap()),
            "{shown}"
        );
    }
}

#[test]
fn keyed_transforms_debug_shows_no_key_material() {
    let key = MasterKey::from_bytes(key_bytes());
    let all = secrets(&key);
    let shown = [
        format!(
            "{:?}",
            Pseudonymiser::new(&key, "customer", HashEncoding::Hex, Some(16), "p_")
        ),
        format!("{:?}", DeterministicCipher::new(&key, "customer", "t_")),
        format!("{:?}", RandomisedCipher::new(&key, "customer", "")),
        format!(
            "{:?}",
            FormatPreservingCipher::new(&key, "customer", Alphabet::named("digits").unwrap())
        ),
        format!("{:?}", SubjectTagger::new(&key)),
        format!("{:?}", DateShifter::new(&key, "customer", 30)),
        format!("{:?}", Masker::new(1, 1, '*', "")),
    ];
    for (i, text) in shown.iter().enumerate() {
        check(&format!("transform {i}"), text, &all);
        // Alternate form too.
        assert!(!text.is_empty());
    }
}

#[test]
fn key_file_errors_never_echo_the_payload() {
    let key = MasterKey::from_bytes(key_bytes());
    let file = key.to_key_file("now");
    let line = file.lines().last().unwrap().to_owned();
    let payload = line.split_once(':').unwrap().1.to_owned();
    let damaged = [
        // One character changed: checksum.
        format!(
            "OUBLI-KEY-1:{}{}",
            &payload[..10],
            if &payload[10..11] == "A" { "B" } else { "A" }
        ) + &payload[11..],
        // Truncated: length.
        format!("OUBLI-KEY-1:{}", &payload[..payload.len() - 4]),
        // Not base64url.
        format!("OUBLI-KEY-1:{}!", &payload),
        // Unknown version.
        format!("OUBLI-KEY-9:{payload}"),
        // Not a key line at all (a pasted payload).
        payload.clone(),
        format!("X{line}"),
        // Two key lines.
        format!("{line}\n{line}"),
        // A signing key line with a master key's payload.
        format!("OUBLI-SIGNING-KEY-1:{payload}"),
    ];
    for text in damaged {
        let err = parse_key_file(&text).expect_err("damaged key files are refused");
        let shown = format!("{err} {err:?}");
        for piece in payload.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !shown.contains(piece),
                "the error for {text:?} echoes the key: {shown}"
            );
        }
        assert_no_secret("KeyError", &shown, &key_bytes());
    }
}

#[test]
fn token_errors_never_show_keys_or_plaintext() {
    let key = MasterKey::from_bytes(key_bytes());
    let other = MasterKey::from_bytes([0x42; 32]);
    let mut token = String::new();
    DeterministicCipher::new(&key, "customer", "").encrypt(b"alice@example.org", &mut token);
    let mut out = Vec::new();
    let err = DeterministicCipher::new(&other, "customer", "")
        .decrypt(&token, &mut out)
        .expect_err("another key's token does not decrypt");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("alice"), "{shown}");
    check("TokenError", &shown, &secrets(&key));
    check("TokenError", &shown, &secrets(&other));
    // Decryption under the wrong key leaves nothing of the plaintext behind.
    assert!(out.is_empty() || !out.windows(5).any(|w| w == b"alice"));
}

#[test]
#[should_panic(expected = "as hex")]
fn the_check_catches_hex() {
    let shown = format!("Key {{ bytes: {} }}", hex::encode(&key_bytes()[4..20]));
    assert_no_secret("leaky", &shown, &key_bytes());
}

#[test]
#[should_panic(expected = "as a list")]
fn the_check_catches_a_derived_debug() {
    let shown = format!("Key {{ bytes: {:?} }}", key_bytes());
    assert_no_secret("leaky", &shown, &key_bytes());
}

#[test]
#[should_panic(expected = "as base64")]
fn the_check_catches_base64() {
    let shown = URL_SAFE_NO_PAD.encode(key_bytes());
    assert_no_secret("leaky", &shown, &key_bytes());
}
