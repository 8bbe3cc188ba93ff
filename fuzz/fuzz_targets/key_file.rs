//! The key file and verifier key parsers: any text is a key or an error; an
//! error never echoes the key line; a key that parses writes back a file that
//! parses to the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oubli_core::{
    AnyKey, KeyError, MASTER_KEY_PREFIX, SIGNING_KEY_PREFIX, VerifierKey, parse_key_file,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_key_file(text) {
        Ok(AnyKey::Master(key)) => {
            let file = key.to_key_file("2026-11-22T10:00:00Z");
            let Ok(AnyKey::Master(back)) = parse_key_file(&file) else {
                panic!("a written master key file does not parse back");
            };
            assert_eq!(back.expose_secret(), key.expose_secret());
            assert_eq!(back.id(), key.id());
            assert!(!format!("{key:?}").contains(&file.lines().last().unwrap_or_default()[12..]));
        }
        Ok(AnyKey::Signing(key)) => {
            let file = key.to_key_file("2026-11-22T10:00:00Z");
            let Ok(AnyKey::Signing(back)) = parse_key_file(&file) else {
                panic!("a written signing key file does not parse back");
            };
            assert_eq!(back.public_key(), key.public_key());
            let vk = key.verifier_key("fuzz").expect("a valid name");
            assert!(vk.verify(b"m", &back.sign(b"m")));
        }
        Err(e) => {
            // No payload of a key line is ever echoed. The version label of an
            // unknown version is (it is `OUBLI-…KEY-<digits>`, never key material);
            // text that every message of its kind says is not an echo.
            let mut shown = e.to_string();
            if let KeyError::UnknownVersion { found, .. } = &e {
                shown = shown.replace(found.as_str(), "");
            }
            let fixed = [
                KeyError::NoKeyLine,
                KeyError::NotAKeyLine { line: 1 },
                KeyError::SeveralKeyLines { line: 1 },
                KeyError::Encoding { line: 1 },
                KeyError::Checksum { line: 1 },
                KeyError::Length {
                    line: 1,
                    found: 1,
                    expected: 32,
                },
                KeyError::InvalidSigningKey,
                KeyError::UnknownVersion {
                    line: 1,
                    found: String::new(),
                },
            ]
            .map(|k| k.to_string())
            .join("\n");
            // Compared with every number replaced by `#`, so that a line that
            // quotes a message with another line number ("line 4: …") counts
            // as fixed text too.
            let fixed = digits_as_hash(&fixed);
            for line in text.lines() {
                let line = line.trim();
                let payload = line
                    .strip_prefix(MASTER_KEY_PREFIX)
                    .or_else(|| line.strip_prefix(SIGNING_KEY_PREFIX))
                    .or_else(|| (!line.starts_with('#')).then_some(line));
                let is_fixed = |p: &str| {
                    let p = digits_as_hash(p);
                    p.len() >= 8 && fixed.contains(&p)
                };
                if let Some(p) = payload.filter(|p| p.len() >= 8 && !is_fixed(p)) {
                    assert!(!shown.contains(p), "the error echoes key material: {shown}");
                }
            }
        }
    }
    if let Ok(vk) = text.parse::<VerifierKey>() {
        let again: VerifierKey = vk
            .to_string()
            .parse()
            .expect("a printed verifier key parses");
        assert_eq!(again, vk);
    }
});

/// `s` with every run of ASCII digits replaced by one `#`.
fn digits_as_hash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}
