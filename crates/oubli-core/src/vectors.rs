//! Reader for the known-answer vector files in `testdata/vectors/` (format in
//! that folder's README), and the tests that run them.
//!
//! Every test loops over every case of its file and also asserts that the file has
//! at least as many cases as it had when the test was written, so that an emptied or
//! truncated file fails instead of passing vacuously.

use std::collections::HashMap;

mod anon;

/// One test case: `name = value` lines.
pub(crate) struct Case {
    fields: HashMap<String, String>,
}

impl Case {
    pub(crate) fn str(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("case `{}` has no field `{name}`", self.name()))
    }

    pub(crate) fn opt(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub(crate) fn bytes(&self, name: &str) -> Vec<u8> {
        let value = self.str(&format!("{name}_hex"));
        hex::decode(value).unwrap_or_else(|e| {
            panic!(
                "case `{}`: field `{name}_hex` is not hex ({e})",
                self.name()
            )
        })
    }

    pub(crate) fn text(&self, name: &str) -> String {
        String::from_utf8(self.bytes(name)).unwrap_or_else(|_| {
            panic!(
                "case `{}`: field `{name}_hex` is not UTF-8 text",
                self.name()
            )
        })
    }

    pub(crate) fn name(&self) -> &str {
        self.fields.get("case").map_or("?", String::as_str)
    }
}

/// Parses a vector file. Panics on anything that is not the documented format, so
/// that a malformed file cannot silently drop cases or fields.
pub(crate) fn parse(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut fields: HashMap<String, String> = HashMap::new();
    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !fields.is_empty() {
                cases.push(Case {
                    fields: std::mem::take(&mut fields),
                });
            }
            continue;
        }
        // `name = value`; an empty value may be written `name = ` or `name =`.
        let (name, value) = match line.split_once(" = ") {
            Some(pair) => pair,
            None => match line.strip_suffix(" =") {
                Some(name) => (name, ""),
                None => panic!("vector line {}: not `name = value`: {line:?}", i + 1),
            },
        };
        let name = name.trim();
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace),
            "vector line {}: bad field name {name:?}",
            i + 1
        );
        if fields.is_empty() {
            assert_eq!(
                name,
                "case",
                "vector line {}: a block must start with `case = …`",
                i + 1
            );
        }
        let previous = fields.insert(name.to_owned(), value.to_owned());
        assert!(
            previous.is_none(),
            "vector line {}: field `{name}` repeated in one case",
            i + 1
        );
    }
    cases
}

/// Parses `text` and checks that it has at least `min` cases.
fn load(file: &str, text: &str, min: usize) -> Vec<Case> {
    let cases = parse(text);
    assert!(
        cases.len() >= min,
        "{file}: {} cases, expected at least {min}",
        cases.len()
    );
    cases
}

/// A 32-byte master key from the case's `<name>_hex` field.
fn master_key(case: &Case, name: &str) -> crate::MasterKey {
    let bytes: [u8; 32] = case
        .bytes(name)
        .try_into()
        .unwrap_or_else(|_| panic!("case `{}`: `{name}_hex` is not 32 bytes", case.name()));
    crate::MasterKey::from_bytes(bytes)
}

/// The same key with one bit flipped.
fn other_key(key: &crate::MasterKey) -> crate::MasterKey {
    let mut bytes = *key.expose_secret();
    bytes[0] ^= 1;
    crate::MasterKey::from_bytes(bytes)
}

/// A comma-separated list of normalisations, or `none`.
fn normalisations(case: &Case) -> Vec<crate::canonical::Normalisation> {
    let spec = case.str("normalise");
    if spec == "none" {
        return Vec::new();
    }
    spec.split(',')
        .map(|n| {
            n.parse()
                .unwrap_or_else(|e| panic!("case `{}`: {e}", case.name()))
        })
        .collect()
}

fn canonical(case: &Case, raw: &str) -> String {
    let (mut out, mut scratch) = (String::new(), String::new());
    crate::canonical::canonicalise(raw, &normalisations(case), &mut out, &mut scratch);
    out
}

#[test]
fn parser_reads_the_documented_format() {
    let cases = parse(
        "# comment\n# another\n\ncase = a = b\nx_hex = 00ff\nempty_hex = \nbare_hex =\n\n\n\ncase = second\n",
    );
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].name(), "a = b");
    assert_eq!(cases[0].bytes("x"), [0x00, 0xff]);
    assert_eq!(cases[0].str("empty_hex"), "");
    assert_eq!(cases[0].bytes("empty"), b"");
    assert_eq!(cases[0].str("bare_hex"), "");
    assert_eq!(cases[0].text("bare"), "");
    assert_eq!(cases[0].opt("missing"), None);
    assert_eq!(cases[1].name(), "second");
    assert_eq!(cases[1].fields.len(), 1);
    assert!(parse("# only comments\n\n").is_empty());
}

#[test]
#[should_panic(expected = "not `name = value`")]
fn parser_refuses_lines_without_equals() {
    parse("case = x\ngarbage\n");
}

#[test]
#[should_panic(expected = "repeated")]
fn parser_refuses_repeated_fields() {
    parse("case = x\na = 1\na = 2\n");
}

/// §1: master key lines and ids, signing keys and verifier keys.
#[test]
fn keys() {
    use crate::{AnyKey, SigningKey, VerifierKey, parse_key_file};

    let cases = load(
        "keys.txt",
        include_str!("../../../testdata/vectors/keys.txt"),
        7,
    );
    let (mut masters, mut signers) = (0, 0);
    for case in &cases {
        let n = case.name();
        if case.opt("key_hex").is_some() {
            masters += 1;
            let key = master_key(case, "key");
            assert_eq!(key.id().to_string(), case.str("key_id"), "{n}: key id");
            assert_eq!(
                key.id().short().to_string(),
                case.str("short_key_id"),
                "{n}: short key id"
            );
            match parse_key_file(case.str("key_line")) {
                Ok(AnyKey::Master(parsed)) => assert_eq!(
                    parsed.expose_secret(),
                    key.expose_secret(),
                    "{n}: parsed key line"
                ),
                other => panic!("{n}: key line parsed as {other:?}"),
            }
            let file = key.to_key_file("x");
            let lines: Vec<&str> = file
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect();
            assert_eq!(lines, [case.str("key_line")], "{n}: key file line");
            assert!(
                file.contains(&format!("# key-id: {}\n", case.str("key_id"))),
                "{n}: key file header"
            );
        } else {
            signers += 1;
            let seed = case.bytes("seed");
            let public = case.bytes("public_key");
            let pkcs8 = case.bytes("pkcs8");
            // The vector's PKCS#8 document holds the seed and public key it lists.
            assert_eq!(pkcs8.len(), 83, "{n}: PKCS#8 v2 length");
            assert_eq!(&pkcs8[16..48], seed.as_slice(), "{n}: seed in PKCS#8");
            assert_eq!(&pkcs8[51..], public.as_slice(), "{n}: public key in PKCS#8");

            let key =
                SigningKey::from_pkcs8(&pkcs8).unwrap_or_else(|e| panic!("{n}: from_pkcs8: {e}"));
            assert_eq!(key.public_key().as_slice(), public, "{n}: public key");
            assert_eq!(key.id(), case.str("signing_key_id"), "{n}: signing key id");
            let name = case.str("name");
            let verifier = key
                .verifier_key(name)
                .unwrap_or_else(|e| panic!("{n}: verifier_key: {e}"));
            assert_eq!(
                verifier.to_string(),
                case.str("verifier_key"),
                "{n}: verifier key"
            );

            let line = case.str("signing_key_line");
            match parse_key_file(line) {
                Ok(AnyKey::Signing(parsed)) => {
                    assert_eq!(parsed.public_key().as_slice(), public, "{n}: parsed line");
                }
                other => panic!("{n}: signing key line parsed as {other:?}"),
            }
            let file = key.to_key_file("x");
            let lines: Vec<&str> = file
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .collect();
            assert_eq!(lines, [line], "{n}: signing key file line");

            let parsed: VerifierKey = case
                .str("verifier_key")
                .parse()
                .unwrap_or_else(|e| panic!("{n}: verifier key does not parse: {e}"));
            assert_eq!(parsed, verifier, "{n}: verifier key round trip");
            assert_eq!(parsed.name(), name, "{n}: verifier key name");
            assert_eq!(parsed.public_key().as_slice(), public, "{n}: verifier pk");
            let message = format!("oubli vector {n}\n");
            let mut signature = key.sign(message.as_bytes());
            assert!(
                parsed.verify(message.as_bytes(), &signature),
                "{n}: signature does not verify"
            );
            assert!(
                !parsed.verify(b"another message\n", &signature),
                "{n}: signature verifies another message"
            );
            signature[10] ^= 0x04;
            assert!(
                !parsed.verify(message.as_bytes(), &signature),
                "{n}: flipped signature verifies"
            );
        }
    }
    assert!(
        masters >= 3 && signers >= 4,
        "keys.txt: {masters} master, {signers} signing cases"
    );
}

/// §1: damaged master key lines are refused with the right error, which never
/// repeats the payload.
#[test]
fn keyfile_negative() {
    use crate::{KeyError, parse_key_file};

    let cases = load(
        "keyfile_negative.txt",
        include_str!("../../../testdata/vectors/keyfile_negative.txt"),
        12,
    );
    for case in &cases {
        let n = case.name();
        let line = case.str("line");
        let err = match parse_key_file(line) {
            Ok(key) => panic!("{n}: accepted as {key:?}"),
            Err(e) => e,
        };
        let expected = case.str("error");
        let matches = match expected {
            "checksum" => matches!(err, KeyError::Checksum { .. }),
            "version" => matches!(err, KeyError::UnknownVersion { .. }),
            "length" => matches!(err, KeyError::Length { .. }),
            "encoding" => matches!(err, KeyError::Encoding { .. }),
            other => panic!("{n}: unknown error kind `{other}`"),
        };
        assert!(matches, "{n}: expected {expected}, got {err:?}");
        let payload = line.split_once(':').map_or(line, |(_, p)| p);
        assert!(!payload.is_empty(), "{n}: empty payload");
        let shown = err.to_string();
        assert!(
            !shown.contains(payload),
            "{n}: error message shows the payload: {shown}"
        );
        assert!(
            !format!("{err:?}").contains(payload),
            "{n}: error Debug shows the payload"
        );
    }
}

/// §2: HKDF-SHA256 subkeys.
#[test]
fn subkeys() {
    use crate::subkey::{Purpose, derive_vec};

    let cases = load(
        "subkeys.txt",
        include_str!("../../../testdata/vectors/subkeys.txt"),
        30,
    );
    for case in &cases {
        let n = case.name();
        let key = master_key(case, "key");
        let label = case.str("purpose");
        let purpose = Purpose::ALL
            .into_iter()
            .find(|p| p.label() == label)
            .unwrap_or_else(|| panic!("{n}: unknown purpose `{label}`"));
        let length: usize = case.str("length").parse().expect("length");
        let okm = derive_vec(&key, purpose, &case.text("domain"), length)
            .unwrap_or_else(|| panic!("{n}: derive_vec refused length {length}"));
        assert_eq!(hex::encode(okm.as_slice()), case.str("okm_hex"), "{n}");
    }
}

/// §3: normalisations, applied in order.
#[test]
fn normalise() {
    let cases = load(
        "normalise.txt",
        include_str!("../../../testdata/vectors/normalise.txt"),
        17,
    );
    for case in &cases {
        assert_eq!(
            canonical(case, &case.text("input")),
            case.text("output"),
            "{}",
            case.name()
        );
    }
}

/// §3 and §4 `hash`.
#[test]
fn hash() {
    use crate::transform::{HashEncoding, Pseudonymiser};

    let cases = load(
        "hash.txt",
        include_str!("../../../testdata/vectors/hash.txt"),
        42,
    );
    let mut empties = 0;
    for case in &cases {
        let n = case.name();
        let key = master_key(case, "key");
        let value = canonical(case, &case.text("input"));
        let expected = case.text("output");
        if value.is_empty() {
            empties += 1;
            assert_eq!(expected, "", "{n}: empty canonical value, non-empty output");
            continue;
        }
        let encoding: HashEncoding = case
            .str("encoding")
            .parse()
            .unwrap_or_else(|()| panic!("{n}: unknown encoding"));
        let length = match case.str("length") {
            "full" => None,
            l => Some(l.parse::<usize>().expect("length")),
        };
        let (domain, prefix) = (case.text("domain"), case.text("prefix"));
        let mut out = String::new();
        Pseudonymiser::new(&key, &domain, encoding, length, &prefix)
            .apply(value.as_bytes(), &mut out);
        assert_eq!(out, expected, "{n}");

        let mut other = String::new();
        Pseudonymiser::new(&other_key(&key), &domain, encoding, length, &prefix)
            .apply(value.as_bytes(), &mut other);
        assert_ne!(other, out, "{n}: output does not depend on the key");
    }
    assert!(empties >= 1, "hash.txt: no empty-value case");
}

/// §4 `encrypt` (AES-256-SIV).
#[test]
fn encrypt() {
    use crate::transform::{DeterministicCipher, TokenError};

    let cases = load(
        "encrypt.txt",
        include_str!("../../../testdata/vectors/encrypt.txt"),
        15,
    );
    for case in &cases {
        let n = case.name();
        let key = master_key(case, "key");
        let (domain, prefix) = (case.text("domain"), case.text("prefix"));
        let input = case.bytes("input");
        let token = case.text("token");
        let tampered = case.text("tampered_token");
        assert_ne!(token, tampered, "{n}: tampered token equals the token");

        let mut cipher = DeterministicCipher::new(&key, &domain, &prefix);
        let mut out = String::new();
        cipher.encrypt(&input, &mut out);
        assert_eq!(out, token, "{n}: encrypt");

        let mut back = Vec::new();
        cipher
            .decrypt(&token, &mut back)
            .unwrap_or_else(|e| panic!("{n}: decrypt: {e}"));
        assert_eq!(back, input, "{n}: decrypt");

        back.clear();
        assert_eq!(
            cipher.decrypt(&tampered, &mut back),
            Err(TokenError::DecryptionFailed),
            "{n}: tampered token"
        );

        let other = other_key(&key);
        let mut wrong = DeterministicCipher::new(&other, &domain, &prefix);
        assert_eq!(
            wrong.decrypt(&token, &mut back),
            Err(TokenError::WrongKey {
                token_key: key.id().short(),
                given_key: other.id().short(),
            }),
            "{n}: other master key"
        );
    }
}

/// §4 `encrypt_random` (AES-256-GCM) with the vectors' fixed nonces.
#[test]
fn encrypt_random() {
    use crate::transform::{RandomisedCipher, TokenError};

    let cases = load(
        "encrypt_random.txt",
        include_str!("../../../testdata/vectors/encrypt_random.txt"),
        10,
    );
    for case in &cases {
        let n = case.name();
        let key = master_key(case, "key");
        let (domain, prefix) = (case.text("domain"), case.text("prefix"));
        let nonce: [u8; 12] = case
            .bytes("nonce")
            .try_into()
            .unwrap_or_else(|_| panic!("{n}: nonce is not 12 bytes"));
        let input = case.bytes("input");
        let token = case.text("token");
        let tampered = case.text("tampered_token");
        assert_ne!(token, tampered, "{n}: tampered token equals the token");

        let mut cipher = RandomisedCipher::new(&key, &domain, &prefix);
        let mut out = String::new();
        cipher.encrypt_with_nonce(nonce, &input, &mut out);
        assert_eq!(out, token, "{n}: encrypt_with_nonce");

        let mut back = Vec::new();
        cipher
            .decrypt(&token, &mut back)
            .unwrap_or_else(|e| panic!("{n}: decrypt: {e}"));
        assert_eq!(back, input, "{n}: decrypt");

        back.clear();
        assert_eq!(
            cipher.decrypt(&tampered, &mut back),
            Err(TokenError::DecryptionFailed),
            "{n}: tampered token"
        );

        let other = other_key(&key);
        let mut wrong = RandomisedCipher::new(&other, &domain, &prefix);
        assert!(
            matches!(
                wrong.decrypt(&token, &mut back),
                Err(TokenError::WrongKey { .. })
            ),
            "{n}: other master key"
        );
    }
}

fn alphabet(case: &Case) -> crate::transform::Alphabet {
    use crate::transform::Alphabet;
    let result = match case.str("alphabet") {
        "custom" => Alphabet::custom(&case.text("alphabet")),
        name => {
            assert!(
                Alphabet::NAMES.iter().any(|(n, _)| *n == name),
                "case `{}`: `{name}` is not a named alphabet",
                case.name()
            );
            Alphabet::parse(name)
        }
    };
    result.unwrap_or_else(|e| panic!("case `{}`: alphabet: {e}", case.name()))
}

/// §4 `fpe` (FF1).
#[test]
fn fpe() {
    use crate::transform::FormatPreservingCipher;

    let cases = load(
        "fpe.txt",
        include_str!("../../../testdata/vectors/fpe.txt"),
        26,
    );
    let mut empties = 0;
    for case in &cases {
        let n = case.name();
        let key = master_key(case, "key");
        let input = case.text("input");
        let expected = case.text("output");
        if input.is_empty() {
            empties += 1;
            assert_eq!(expected, "", "{n}: empty value, non-empty output");
            continue;
        }
        let mut cipher = FormatPreservingCipher::new(&key, &case.text("domain"), alphabet(case));
        let mut out = String::new();
        cipher
            .encrypt(&input, &mut out)
            .unwrap_or_else(|e| panic!("{n}: encrypt: {e}"));
        assert_eq!(out, expected, "{n}: encrypt");

        let mut back = String::new();
        cipher
            .decrypt(&expected, &mut back)
            .unwrap_or_else(|e| panic!("{n}: decrypt: {e}"));
        assert_eq!(back, input, "{n}: decrypt");
    }
    assert!(empties >= 1, "fpe.txt: no empty-value case");
}

/// §4 `fpe`: values below the minimum domain size are refused.
#[test]
fn fpe_short() {
    use crate::transform::{FormatPreservingCipher, FpeError};

    let cases = load(
        "fpe_short.txt",
        include_str!("../../../testdata/vectors/fpe_short.txt"),
        11,
    );
    for case in &cases {
        let n = case.name();
        assert_eq!(case.str("error"), "too-short", "{n}: error kind");
        let key = master_key(case, "key");
        let alphabet = alphabet(case);
        let min = alphabet.min_len();
        let count: usize = case.str("n").parse().expect("n");
        assert!(count < min, "{n}: n = {count} is not below {min}");
        let input = case.text("input");
        let mut cipher = FormatPreservingCipher::new(&key, &case.text("domain"), alphabet);
        let mut out = String::new();
        assert_eq!(
            cipher.encrypt(&input, &mut out),
            Err(FpeError::TooShort { found: count, min }),
            "{n}: encrypt"
        );
        assert_eq!(
            cipher.decrypt(&input, &mut out),
            Err(FpeError::TooShort { found: count, min }),
            "{n}: decrypt"
        );
        assert!(!cipher.fits(&input), "{n}: fits");
        assert_eq!(out, "", "{n}: output written for a refused value");
    }
}

/// §4 `mask`.
#[test]
fn mask() {
    use crate::transform::Masker;

    let cases = load(
        "mask.txt",
        include_str!("../../../testdata/vectors/mask.txt"),
        22,
    );
    for case in &cases {
        let n = case.name();
        let keep_first: usize = case.str("keep_first").parse().expect("keep_first");
        let keep_last: usize = case.str("keep_last").parse().expect("keep_last");
        let char_text = case.text("char");
        let mut chars = char_text.chars();
        let (Some(mask_char), None) = (chars.next(), chars.next()) else {
            panic!("{n}: mask character `{char_text}` is not one character");
        };
        let masker = Masker::new(keep_first, keep_last, mask_char, &case.text("skip"));
        let mut out = String::new();
        masker.apply(&case.text("input"), &mut out);
        assert_eq!(out, case.text("output"), "{n}");
    }
}
