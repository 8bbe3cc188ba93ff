//! `Policy::parse`: what a valid policy turns into, and the parameter matrix.

use std::fs;

use oubli_core::canonical::Normalisation;
use oubli_core::transform::{Alphabet, HashEncoding};
use oubli_policy::{EmptyValues, FpeFallback, Policy, PolicyErrorKind, Transform, Unlisted};

use crate::common::{policy, policy_err, testdata};

fn good(name: &str) -> Policy {
    let text = fs::read_to_string(testdata().join("policy/good").join(name)).unwrap();
    Policy::parse(&text, name).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn dotted_tables() {
    let p = good("dotted.toml");
    assert_eq!(p.unlisted, Unlisted::Error);
    assert_eq!(p.unlisted_line, None);
    let names: Vec<_> = p
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.line))
        .collect();
    assert_eq!(
        names,
        [("email", 4), ("iban", 11), ("first name", 16), ("city", 21)]
    );

    let email = &p.columns[0].rule;
    assert_eq!(email.domain, "customer");
    assert_eq!(
        email.normalise,
        [
            Normalisation::Trim,
            Normalisation::Lowercase,
            Normalisation::Nfc
        ]
    );
    assert_eq!(email.empty, EmptyValues::Keep);
    match &email.transform {
        Transform::Hash {
            encoding,
            length,
            prefix,
        } => {
            assert_eq!(*encoding, HashEncoding::Base64Url);
            assert_eq!(*length, Some(16), "length = 0x10");
            assert_eq!(prefix, "");
        }
        t => panic!("{t:?}"),
    }
    match &p.columns[1].rule.transform {
        Transform::Fpe { alphabet, fallback } => {
            assert_eq!(*alphabet, Alphabet::parse("upper_alphanumeric").unwrap());
            assert_eq!(*fallback, FpeFallback::Redact);
        }
        t => panic!("{t:?}"),
    }
    match &p.columns[2].rule.transform {
        Transform::Mask {
            keep_first,
            keep_last,
            mask,
            skip,
        } => {
            assert_eq!(
                (*keep_first, *keep_last, *mask, skip.as_str()),
                (1, 0, '•', "")
            );
        }
        t => panic!("{t:?}"),
    }
    assert!(matches!(p.columns[3].rule.transform, Transform::Keep));
}

#[test]
fn inline_tables() {
    let p = good("inline.toml");
    assert_eq!(p.unlisted, Unlisted::Error);
    assert_eq!(p.unlisted_line, Some(3));
    let names: Vec<_> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "customer_id",
            "email",
            "note",
            "card",
            "phone",
            "ssn",
            "comment",
            "city"
        ]
    );
    let t: Vec<_> = p.columns.iter().map(|c| c.rule.transform.name()).collect();
    assert_eq!(
        t,
        [
            "encrypt",
            "hash",
            "encrypt_random",
            "fpe",
            "mask",
            "drop",
            "redact",
            "keep"
        ]
    );
    assert!(
        matches!(&p.columns[0].rule.transform, Transform::Encrypt { prefix } if prefix == "cid_")
    );
    assert!(matches!(
        p.columns[1].rule.transform,
        Transform::Hash {
            length: Some(16),
            encoding: HashEncoding::Hex,
            ..
        }
    ));
    assert_eq!(p.columns[2].rule.empty, EmptyValues::Transform);
    assert_eq!(p.columns[2].rule.domain, "notes");
    assert!(matches!(
        p.columns[3].rule.transform,
        Transform::Fpe {
            fallback: FpeFallback::Keep,
            ..
        }
    ));
    assert!(
        matches!(&p.columns[4].rule.transform, Transform::Mask { keep_first: 0, keep_last: 2, mask: '*', skip } if skip == " +")
    );
    assert!(
        matches!(&p.columns[6].rule.transform, Transform::Redact { value } if value == "[redacted]")
    );
}

#[test]
fn mixed_styles_and_unlisted_drop() {
    let p = good("mixed.toml");
    assert_eq!(p.unlisted, Unlisted::Drop);
    let names: Vec<_> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["email", "phone", "card"]);
    assert!(
        matches!(&p.columns[2].rule.transform, Transform::Fpe { alphabet, .. } if alphabet.radix() == 10)
    );
}

#[test]
fn empty_columns_table_is_valid() {
    let p = good("minimal.toml");
    assert!(p.columns.is_empty());
    assert_eq!(p.unlisted, Unlisted::Keep);
}

#[test]
fn defaults() {
    let p = good("all_defaults.toml");
    for c in &p.columns {
        assert_eq!(c.rule.domain, "default", "{}", c.name);
        assert!(c.rule.normalise.is_empty());
        assert_eq!(c.rule.empty, EmptyValues::Keep);
    }
    let t = |i: usize| &p.columns[i].rule.transform;
    assert!(
        matches!(t(0), Transform::Hash { encoding: HashEncoding::Hex, length: None, prefix } if prefix.is_empty())
    );
    assert!(matches!(t(1), Transform::Encrypt { prefix } if prefix.is_empty()));
    assert!(matches!(t(2), Transform::EncryptRandom { prefix } if prefix.is_empty()));
    assert!(matches!(
        t(3),
        Transform::Fpe {
            fallback: FpeFallback::Error,
            ..
        }
    ));
    assert!(
        matches!(t(4), Transform::Mask { keep_first: 0, keep_last: 0, mask: '*', skip } if skip.is_empty())
    );
    assert!(matches!(t(5), Transform::Redact { value } if value.is_empty()));
    assert!(matches!(t(6), Transform::Drop));
    assert!(matches!(t(7), Transform::Keep));
    assert_eq!(p.rule("e").unwrap().name, "e");
    assert!(p.rule("z").is_none());
}

/// A sample value for every column key.
const SAMPLES: &[(&str, &str)] = &[
    ("domain", "\"d\""),
    ("normalise", "[\"trim\"]"),
    ("empty", "\"transform\""),
    ("encoding", "\"base32\""),
    ("length", "16"),
    ("prefix", "\"p_\""),
    ("alphabet", "\"digits\""),
    ("custom_alphabet", "\"01\""),
    ("fallback", "\"keep\""),
    ("keep_first", "1"),
    ("keep_last", "2"),
    ("char", "\"#\""),
    ("skip", "\"-\""),
    ("value", "\"x\""),
];

/// The keys each transform takes besides `transform` (docs/POLICY.md).
const TAKES: &[(&str, &[&str])] = &[
    (
        "hash",
        &[
            "domain",
            "normalise",
            "empty",
            "encoding",
            "length",
            "prefix",
        ],
    ),
    ("encrypt", &["domain", "normalise", "empty", "prefix"]),
    (
        "encrypt_random",
        &["domain", "normalise", "empty", "prefix"],
    ),
    (
        "fpe",
        &[
            "domain",
            "normalise",
            "alphabet",
            "custom_alphabet",
            "fallback",
        ],
    ),
    (
        "mask",
        &["normalise", "keep_first", "keep_last", "char", "skip"],
    ),
    ("redact", &["value"]),
    ("drop", &[]),
    ("keep", &[]),
];

#[test]
fn parameter_matrix() {
    for (transform, takes) in TAKES {
        for (k, v) in SAMPLES {
            let base = if *transform == "fpe" && *k != "alphabet" && *k != "custom_alphabet" {
                ", alphabet = \"digits\""
            } else {
                ""
            };
            let text = format!(
                "version = 1\n[columns]\nc = {{ transform = \"{transform}\"{base}, {k} = {v} }}\n"
            );
            let result = Policy::parse(&text, "m.toml");
            if takes.contains(k) {
                let p = result.unwrap_or_else(|e| panic!("{transform} must take {k}: {e}"));
                assert_eq!(p.columns[0].rule.transform.name(), *transform);
            } else {
                let e = result.expect_err(&format!("{transform} must refuse {k}"));
                assert_eq!(e.line, Some(3));
                assert_eq!(e.column.as_deref(), Some("c"));
                assert_eq!(e.key.as_deref(), Some(*k));
                assert!(
                    matches!(*e.kind, PolicyErrorKind::NotForTransform { .. }),
                    "{transform}/{k}: {e}"
                );
            }
        }
    }
}

#[test]
fn error_fields_are_structured() {
    let e = policy_err("version = 1\n[columns]\nemail = { transform = \"hash\", length = 4 }\n");
    assert_eq!(
        (
            e.file.as_str(),
            e.line,
            e.column.as_deref(),
            e.key.as_deref()
        ),
        ("policy.toml", Some(3), Some("email"), Some("length"))
    );
    assert!(matches!(*e.kind, PolicyErrorKind::BadValue(_)));

    let e = policy_err("version = 1\nversion2 = 1\n[columns]\n");
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(2), None, Some("version2"))
    );
    assert!(matches!(*e.kind, PolicyErrorKind::UnknownKey { .. }));

    let e = policy_err("version = 1\n[columns]\nx = { transform = \"fake\" }\n");
    assert_eq!(*e.kind, PolicyErrorKind::MissingKey("dictionary"));

    let e = policy_err("[columns]\n");
    assert_eq!(*e.kind, PolicyErrorKind::MissingKey("version"));
    assert_eq!(e.to_string(), "policy.toml: missing required key `version`");

    let e = policy_err("version = 1\n[columns]\nx = { transform = \"keep\", domain = 3 }\n");
    assert!(
        matches!(
            *e.kind,
            PolicyErrorKind::NotForTransform {
                transform: "keep",
                ..
            }
        ),
        "{e}"
    );

    let e = policy_err("version = 1\n[columns]\nx = { transform = \"hash\", prefix = 3 }\n");
    assert_eq!(
        *e.kind,
        PolicyErrorKind::WrongType {
            expected: "a string",
            found: "integer"
        }
    );
}

#[test]
fn hash_length_bounds_follow_the_encoding() {
    for (encoding, full) in [("hex", 64), ("base32", 52), ("base64url", 43)] {
        for (length, ok) in [
            (7, false),
            (8, true),
            (full, true),
            (full + 1, false),
            (0, false),
        ] {
            let text = format!(
                "version = 1\n[columns]\nc = {{ transform = \"hash\", encoding = \"{encoding}\", length = {length} }}\n"
            );
            assert_eq!(
                Policy::parse(&text, "p.toml").is_ok(),
                ok,
                "{encoding} length {length}"
            );
        }
    }
}

#[test]
fn normalisations_keep_their_order() {
    let p = policy(
        "version = 1\n[columns]\nc = { transform = \"hash\", normalise = [\"digits_only\", \"nfc\", \"trim\", \"lowercase\", \"trim\"] }\n",
    );
    use Normalisation::*;
    assert_eq!(
        p.columns[0].rule.normalise,
        [DigitsOnly, Nfc, Trim, Lowercase, Trim]
    );
    let p = policy("version = 1\n[columns]\nc = { transform = \"mask\", normalise = [] }\n");
    assert!(p.columns[0].rule.normalise.is_empty());
}

#[test]
fn integers_in_any_toml_notation() {
    for v in ["1", "+1", "0x1", "0o1", "0b1"] {
        assert_eq!(
            policy(&format!("version = {v}\n[columns]\n")).version,
            1,
            "{v}"
        );
    }
    let p = policy(
        "version = 1\n[columns]\nc = { transform = \"mask\", keep_first = 1_0, keep_last = 0 }\n",
    );
    assert!(matches!(
        p.columns[0].rule.transform,
        Transform::Mask {
            keep_first: 10,
            keep_last: 0,
            ..
        }
    ));
}

#[test]
fn crlf_and_bom() {
    let e = policy_err(
        "\u{feff}version = 1\r\n[columns]\r\n\r\nc = { transform = \"hash\", length = 4 }\r\n",
    );
    assert_eq!(e.line, Some(4));
}

/// `alphabet` takes only the five names: any other word, including a misspelt or
/// miscased name, is refused and points at `custom_alphabet` (a word is never
/// silently taken as the set of its letters).
#[test]
fn an_unknown_alphabet_word_is_refused() {
    for name in [
        "numbers",
        "Digits",
        "DIGITS",
        "digit",
        "alphanumerics",
        "0123456789",
        "x",
        "",
    ] {
        let e = policy_err(&format!(
            "version = 1\n[columns]\ncard = {{ transform = \"fpe\", alphabet = {} }}\n",
            crate::common::toml_str(name)
        ));
        assert_eq!(
            (e.line, e.column.as_deref(), e.key.as_deref()),
            (Some(3), Some("card"), Some("alphabet")),
            "{name}: {e}"
        );
        assert_eq!(
            *e.kind,
            PolicyErrorKind::BadValue(format!(
                "`{name}` is not a named alphabet (digits, lower, upper, upper_alphanumeric, alphanumeric); for other characters use `custom_alphabet = \"...\"`"
            )),
            "{name}"
        );
    }
    for (name, chars) in Alphabet::NAMES {
        let p = policy(&format!(
            "version = 1\n[columns]\ncard = {{ transform = \"fpe\", alphabet = \"{name}\" }}\n"
        ));
        assert!(
            matches!(&p.columns[0].rule.transform, Transform::Fpe { alphabet, .. }
                if *alphabet == Alphabet::named(name).unwrap()
                    && alphabet.radix() as usize == chars.chars().count()),
            "{name}"
        );
    }
}

/// `custom_alphabet` is the string itself, in numeral order: at least 2
/// distinct characters, never a name.
#[test]
fn custom_alphabets() {
    let p = good("custom_alphabets.toml");
    let radices: Vec<_> = p
        .columns
        .iter()
        .map(|c| match &c.rule.transform {
            Transform::Fpe { alphabet, .. } => (c.name.as_str(), alphabet.radix()),
            t => panic!("{t:?}"),
        })
        .collect();
    assert_eq!(
        radices,
        [("bits", 2), ("hexa", 16), ("greek", 24), ("word", 7)]
    );
    match &p.columns[1].rule.transform {
        Transform::Fpe { alphabet, fallback } => {
            assert_eq!(*alphabet, Alphabet::custom("0123456789abcdef").unwrap());
            assert_eq!(*fallback, FpeFallback::Keep);
        }
        t => panic!("{t:?}"),
    }

    let refused = |value: &str| {
        let e = policy_err(&format!(
            "version = 1\n[columns]\ncard = {{ transform = \"fpe\", custom_alphabet = {value} }}\n"
        ));
        assert_eq!(
            (e.line, e.column.as_deref(), e.key.as_deref()),
            (Some(3), Some("card"), Some("custom_alphabet")),
            "{value}: {e}"
        );
        e
    };
    for value in ["\"x\"", "\"\"", "\"é\""] {
        let e = refused(value);
        assert!(matches!(*e.kind, PolicyErrorKind::BadValue(_)), "{e}");
        assert!(
            e.to_string().contains("has fewer than 2 characters"),
            "{value}: {e}"
        );
    }
    for (value, repeated) in [("\"abcda\"", 'a'), ("\"digits\"", 'i'), ("\"ααβ\"", 'α')] {
        let e = refused(value);
        assert_eq!(
            *e.kind,
            PolicyErrorKind::BadValue(format!("the alphabet repeats the character `{repeated}`")),
            "{value}"
        );
    }
    let e = refused("10");
    assert_eq!(
        *e.kind,
        PolicyErrorKind::WrongType {
            expected: "a string",
            found: "integer"
        }
    );
}

/// `alphabet` and `custom_alphabet` exclude each other, and `fpe` needs one.
#[test]
fn fpe_takes_exactly_one_alphabet_key() {
    for entry in [
        "alphabet = \"digits\", custom_alphabet = \"0123456789\"",
        "custom_alphabet = \"0123456789\", alphabet = \"digits\"",
        "alphabet = \"nope\", custom_alphabet = \"x\"",
    ] {
        let e = policy_err(&format!(
            "version = 1\n[columns]\ncard = {{ transform = \"fpe\", {entry} }}\n"
        ));
        assert_eq!(
            (e.line, e.column.as_deref(), e.key.as_deref()),
            (Some(3), Some("card"), Some("custom_alphabet")),
            "{entry}: {e}"
        );
        assert_eq!(
            *e.kind,
            PolicyErrorKind::BadValue(
                "give either `alphabet` or `custom_alphabet`, not both".into()
            ),
            "{entry}"
        );
    }
    let e = policy_err(
        "version = 1\n[columns]\ncity = { transform = \"keep\" }\ncard = { transform = \"fpe\", fallback = \"keep\" }\n",
    );
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(4), Some("card"), None)
    );
    assert_eq!(*e.kind, PolicyErrorKind::MissingKey("alphabet"));
    assert_eq!(
        e.to_string(),
        "policy.toml:4: column `card`: missing required key `alphabet`"
    );
}

/// The first problem reported is the first in the file, not the first by key
/// name (the TOML parser's tables are sorted by key).
#[test]
fn errors_are_reported_in_file_order() {
    // Top-level keys.
    let e = policy_err("version = 1\nzz = 1\naa = 1\n[columns]\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("zz")), "{e}");
    let e = policy_err("version = 1\nunlisted = \"ask\"\n[columns]\n[risk]\nk = 5\n");
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(2), Some("unlisted")),
        "{e}"
    );
    // Columns.
    let e = policy_err(
        "version = 1\n[columns]\nzip = { transform = \"tokenize\" }\nage = { transform = \"keep\", value = \"x\" }\n",
    );
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(3), Some("zip"), Some("transform")),
        "{e}"
    );
    let e = policy_err(
        "version = 1\ncolumns = { z = { transform = \"nope\" }, a = { transform = \"nope\" } }\n",
    );
    assert_eq!(e.column.as_deref(), Some("z"), "{e}");
    // Keys of one entry.
    let e =
        policy_err("version = 1\n[columns]\nc = { transform = \"keep\", zeta = 1, alpha = 2 }\n");
    assert_eq!(e.key.as_deref(), Some("zeta"), "{e}");
    let e = policy_err(
        "version = 1\n[columns]\nc = { transform = \"hash\", skip = \"-\", alphabet = \"digits\" }\n",
    );
    assert_eq!(e.key.as_deref(), Some("skip"), "{e}");
}

/// A policy of a newer format should be refused for its version, before anything
/// in it that this version does not know is reported.
#[test]
fn version_is_checked_first() {
    for text in [
        "version = 2\n[columns]\na = { transform = \"tokenize\" }\n",
        "version = 2\nowner = \"x\"\n[columns]\n",
        "version = 2\nunlisted = \"ask\"\n[columns]\n",
        "version = 2\n[columns]\n[risk]\nk = 5\n",
    ] {
        let e = policy_err(text);
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(1), Some("version")),
            "{text:?}: {e}"
        );
    }
    let e = policy_err("[columns]\na = { transform = \"tokenize\" }\n");
    assert_eq!(*e.kind, PolicyErrorKind::MissingKey("version"), "{e}");
}

/// `Policy::columns` is documented as "in the order of the file".
#[test]
fn one_line_columns_table_keeps_file_order() {
    let p = policy(
        "version = 1\ncolumns = { b = { transform = \"keep\" }, a = { transform = \"keep\" } }\n",
    );
    let names: Vec<_> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
}

/// The file is TOML 1.1: inline tables may span lines and end with a comma.
#[test]
fn multi_line_inline_tables() {
    let p =
        policy("version = 1\n[columns]\nemail = {\n  transform = \"hash\",\n  length = 16,\n}\n");
    assert_eq!(p.columns[0].line, 3);
    let e = policy_err(
        "version = 1\n[columns]\nemail = {\n  transform = \"hash\",\n  length = 4,\n}\n",
    );
    assert_eq!(e.line, Some(5));
}
