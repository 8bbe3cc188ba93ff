//! `Worker::apply` with a fixed key, in both directions.

use oubli_core::transform::{FpeError, TokenError};
use oubli_policy::{Direction, ValueError};

use crate::common::{apply, key, ok, plan, worker};

const EMAIL: &str = r#"version = 1
[columns]
email = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
"#;

#[test]
fn hash_normalises_before_hashing() {
    let mut w = worker(EMAIL, &["email"], Direction::Mask, 1);
    let a = ok(&mut w, 0, " Alice@Example.ORG ");
    let b = ok(&mut w, 0, "alice@example.org");
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_ne!(a, ok(&mut w, 0, "bob@example.org"));

    // Without normalisation the variants differ.
    let raw = "version = 1\n[columns]\nemail = { transform = \"hash\", domain = \"customer\" }\n";
    let mut w = worker(raw, &["email"], Direction::Mask, 1);
    assert_eq!(
        ok(&mut w, 0, "alice@example.org"),
        b,
        "same key and domain: same pseudonym"
    );
    assert_ne!(ok(&mut w, 0, " Alice@Example.ORG "), b);
}

#[test]
fn domains_make_pseudonyms_linkable_or_not() {
    let text = r#"version = 1
[columns]
a = { transform = "hash", domain = "customer" }
b = { transform = "hash", domain = "customer" }
c = { transform = "hash", domain = "supplier" }
d = { transform = "hash" }
"#;
    let mut w = worker(text, &["a", "b", "c", "d"], Direction::Mask, 1);
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| ok(&mut w, i, "alice"));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    // The same policy in another run (another plan, another worker) gives the same output.
    let mut again = worker(text, &["d", "c", "b", "a"], Direction::Mask, 1);
    assert_eq!(ok(&mut again, 3, "alice"), a);
    // Another key: unlinkable.
    let mut other = worker(text, &["a", "b", "c", "d"], Direction::Mask, 2);
    assert_ne!(ok(&mut other, 0, "alice"), a);
}

#[test]
fn hash_parameters() {
    let text = r#"version = 1
[columns]
a = { transform = "hash", length = 12, prefix = "pid_" }
b = { transform = "hash", encoding = "base32" }
c = { transform = "hash", encoding = "base64url", length = 10 }
d = { transform = "hash" }
"#;
    let mut w = worker(text, &["a", "b", "c", "d"], Direction::Mask, 3);
    let full = ok(&mut w, 3, "x");
    let a = ok(&mut w, 0, "x");
    assert_eq!(a, format!("pid_{}", &full[..12]));
    let b = ok(&mut w, 1, "x");
    assert_eq!(b.len(), 52);
    assert!(
        b.bytes()
            .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c))
    );
    let c = ok(&mut w, 2, "x");
    assert_eq!(c.len(), 10);
    assert!(
        c.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[test]
fn empty_values_stay_empty_by_default() {
    let text = r#"version = 1
[columns]
h = { transform = "hash", prefix = "p" }
e = { transform = "encrypt", prefix = "p" }
r = { transform = "encrypt_random" }
f = { transform = "fpe", alphabet = "digits" }
m = { transform = "mask", normalise = ["trim"] }
t = { transform = "hash", normalise = ["trim"] }
g = { transform = "hash", normalise = ["digits_only"] }
"#;
    let names = ["h", "e", "r", "f", "m", "t", "g"];
    let mut w = worker(text, &names, Direction::Mask, 1);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(ok(&mut w, i, ""), "", "column {name}");
    }
    // Empty after normalisation is empty too.
    assert_eq!(ok(&mut w, 4, " \t "), "");
    assert_eq!(ok(&mut w, 5, " \u{a0}\u{3000} "), "");
    assert_eq!(ok(&mut w, 6, "n/a"), "");
    // And unmask leaves empty values empty.
    let mut u = worker(text, &names, Direction::Unmask, 1);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(ok(&mut u, i, ""), "", "column {name}");
    }
}

#[test]
fn empty_transform_transforms_empty_values() {
    let text = r#"version = 1
[columns]
h = { transform = "hash", empty = "transform", prefix = "p_" }
e = { transform = "encrypt", empty = "transform" }
r = { transform = "encrypt_random", empty = "transform" }
t = { transform = "hash", empty = "transform", normalise = ["trim"] }
"#;
    let names = ["h", "e", "r", "t"];
    let mut w = worker(text, &names, Direction::Mask, 1);
    let h = ok(&mut w, 0, "");
    assert_eq!(h.len(), 2 + 64);
    assert!(h.starts_with("p_"));
    // The same as the hash of a value that normalises to "".
    assert_eq!(ok(&mut w, 3, "   "), h[2..]);
    let e = ok(&mut w, 1, "");
    let r = ok(&mut w, 2, "");
    assert!(!e.is_empty() && !r.is_empty());
    let mut u = worker(text, &names, Direction::Unmask, 1);
    assert_eq!(ok(&mut u, 1, &e), "");
    assert_eq!(ok(&mut u, 2, &r), "");
}

#[test]
fn redact_writes_the_constant_for_every_value() {
    let text = r#"version = 1
[columns]
a = { transform = "redact", value = "[redacted]" }
b = { transform = "redact" }
"#;
    let mut w = worker(text, &["a", "b"], Direction::Mask, 1);
    for v in ["secret", "", " "] {
        assert_eq!(ok(&mut w, 0, v), "[redacted]", "{v:?}");
        assert_eq!(ok(&mut w, 1, v), "", "{v:?}");
    }
    // Unmask copies the constant.
    let mut u = worker(text, &["a", "b"], Direction::Unmask, 1);
    assert_eq!(ok(&mut u, 0, "[redacted]"), "[redacted]");
}

#[test]
fn mask() {
    let text = r#"version = 1
[columns]
card = { transform = "mask", keep_last = 4, skip = "-" }
name = { transform = "mask", keep_first = 1, char = "•", normalise = ["trim"] }
zip = { transform = "mask", keep_first = 3, keep_last = 2 }
all = { transform = "mask" }
"#;
    let mut w = worker(text, &["card", "name", "zip", "all"], Direction::Mask, 1);
    assert_eq!(ok(&mut w, 0, "4111-1111-1111-1234"), "****-****-****-1234");
    assert_eq!(ok(&mut w, 1, "  Émile "), "É••••");
    assert_eq!(
        ok(&mut w, 2, "abcd"),
        "****",
        "no longer than keep_first + keep_last: all masked"
    );
    assert_eq!(ok(&mut w, 2, "750012"), "750*12");
    assert_eq!(ok(&mut w, 3, "héllo"), "*****");
}

const SHORT: &str = r#"version = 1
[columns]
keep = { transform = "fpe", alphabet = "digits", fallback = "keep" }
redact = { transform = "fpe", alphabet = "digits", fallback = "redact" }
error = { transform = "fpe", alphabet = "digits", fallback = "error" }
default = { transform = "fpe", alphabet = "digits" }
"#;

#[test]
fn fpe_fallback_for_short_values() {
    let names = ["keep", "redact", "error", "default"];
    for direction in [Direction::Mask, Direction::Unmask] {
        let mut w = worker(SHORT, &names, direction, 1);
        assert_eq!(ok(&mut w, 0, "123"), "123");
        assert_eq!(
            ok(&mut w, 0, "1-2-3-4-5"),
            "1-2-3-4-5",
            "5 digits with separators"
        );
        assert_eq!(ok(&mut w, 1, "123"), "");
        for column in [2, 3] {
            let mut out = String::from("before|");
            let err = w.apply(column, "123", &mut out).unwrap_err();
            assert_eq!(
                err,
                ValueError::Fpe(FpeError::TooShort { found: 3, min: 6 })
            );
            assert!(
                err.to_string().contains("set `fallback` in the policy"),
                "{err}"
            );
            assert_eq!(out, "before|", "nothing written on error");
        }
        // Long enough values are encrypted whatever the fallback.
        let out = ok(&mut w, 0, "123456");
        assert_eq!(out.len(), 6);
        assert_ne!(out, "123456");
        assert_eq!(ok(&mut w, 1, "123456"), out, "same key and domain");
    }
}

#[test]
fn fpe_keeps_the_format() {
    let text = r#"version = 1
[columns]
card = { transform = "fpe", alphabet = "digits", domain = "card" }
iban = { transform = "fpe", alphabet = "upper_alphanumeric" }
"#;
    let mut w = worker(text, &["card", "iban"], Direction::Mask, 1);
    let card = ok(&mut w, 0, "4111 1111-1111 1111");
    assert_eq!(card.len(), 19);
    for (a, b) in card.chars().zip("4111 1111-1111 1111".chars()) {
        assert_eq!(a.is_ascii_digit(), b.is_ascii_digit());
        if !b.is_ascii_digit() {
            assert_eq!(a, b);
        }
    }
    let iban = ok(&mut w, 1, "DE89 3704 0044 0532 0130 00");
    assert_eq!(iban.len(), 27);
    assert!(
        iban.chars()
            .all(|c| c == ' ' || c.is_ascii_digit() || c.is_ascii_uppercase())
    );
}

/// A column with another action is copied by `apply`, and `apply` appends.
#[test]
fn apply_copies_other_columns_and_appends() {
    let text = "version = 1\nunlisted = \"keep\"\n[columns]\nk = { transform = \"keep\" }\nh = { transform = \"hash\" }\n";
    let mut w = worker(text, &["k", "u", "h"], Direction::Mask, 1);
    assert_eq!(ok(&mut w, 0, " As Is "), " As Is ");
    assert_eq!(ok(&mut w, 1, " As Is "), " As Is ");
    assert_eq!(ok(&mut w, 7, "out of range"), "out of range");
    let mut out = String::from("a,");
    w.apply(2, "x", &mut out).unwrap();
    assert_eq!(out.len(), 2 + 64);
    assert!(out.starts_with("a,"));
}

const REVERSIBLE: &str = r#"version = 1
[columns]
id = { transform = "encrypt", domain = "customer", prefix = "cid_" }
note = { transform = "encrypt_random", domain = "notes" }
card = { transform = "fpe", alphabet = "digits", domain = "card" }
email = { transform = "hash", normalise = ["trim", "lowercase"] }
phone = { transform = "mask", keep_last = 2 }
ssn = { transform = "drop" }
city = { transform = "keep" }
"#;

#[test]
fn mask_then_unmask_round_trip() {
    let input = [
        "C-1001",
        "Allergic to pénicilline; call 📞",
        "4111-1111-1111-1111",
        "a@b.org",
        "0612345678",
        "123-45-6789",
        "Lyon",
    ];
    let mask_plan = plan(
        REVERSIBLE,
        &["id", "note", "card", "email", "phone", "ssn", "city"],
        Direction::Mask,
    );
    let masked_header = mask_plan.output_header();
    assert_eq!(
        masked_header,
        ["id", "note", "card", "email", "phone", "city"]
    );
    let mut w = mask_plan.worker(&key(9));
    let masked: Vec<String> = mask_plan
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action != oubli_policy::ColumnAction::Drop)
        .map(|(i, _)| ok(&mut w, i, input[i]))
        .collect();
    assert!(masked[0].starts_with("cid_"));
    assert_ne!(masked[1], input[1]);
    assert_eq!(masked[2].len(), input[2].len());
    assert_ne!(masked[2], input[2]);
    assert_eq!(masked[4], "********78");
    assert_eq!(masked[5], "Lyon");

    let names: Vec<&str> = masked_header.iter().map(String::as_str).collect();
    let unmask_plan = plan(REVERSIBLE, &names, Direction::Unmask);
    let mut u = unmask_plan.worker(&key(9));
    let back: Vec<String> = masked
        .iter()
        .enumerate()
        .map(|(i, v)| ok(&mut u, i, v))
        .collect();
    assert_eq!(back[..3], input[..3]);
    // Irreversible columns come back as they were masked.
    assert_eq!(back[3..], masked[3..]);
    assert_eq!(unmask_plan.output_header(), masked_header);
}

#[test]
fn encrypt_is_deterministic_and_encrypt_random_is_not() {
    let mut w = worker(
        REVERSIBLE,
        &["id", "note", "card", "email", "phone", "ssn", "city"],
        Direction::Mask,
        9,
    );
    assert_eq!(ok(&mut w, 0, "C-1001"), ok(&mut w, 0, "C-1001"));
    assert_ne!(ok(&mut w, 1, "x"), ok(&mut w, 1, "x"));
    let mut other = worker(
        REVERSIBLE,
        &["id", "note", "card", "email", "phone", "ssn", "city"],
        Direction::Mask,
        9,
    );
    assert_eq!(
        ok(&mut other, 0, "C-1001"),
        ok(&mut w, 0, "C-1001"),
        "same key, another worker"
    );
}

#[test]
fn unmask_returns_the_canonical_value() {
    let text = "version = 1\n[columns]\ne = { transform = \"encrypt\", normalise = [\"trim\", \"lowercase\"] }\n";
    let mut w = worker(text, &["e"], Direction::Mask, 1);
    let token = ok(&mut w, 0, "  Alice@Example.ORG");
    assert_eq!(token, ok(&mut w, 0, "alice@example.org"));
    let mut u = worker(text, &["e"], Direction::Unmask, 1);
    assert_eq!(ok(&mut u, 0, &token), "alice@example.org");
    // Unmask does not normalise the token.
    let err = apply(&mut u, 0, &format!(" {token}")).unwrap_err();
    assert!(
        matches!(err, ValueError::Token(TokenError::Malformed { .. })),
        "{err}"
    );
}

const TOKENS: &str = r#"version = 1
[columns]
e = { transform = "encrypt", domain = "customer" }
r = { transform = "encrypt_random", domain = "customer" }
"#;

#[test]
fn unmask_with_another_key_names_both_key_ids() {
    let mut w = worker(TOKENS, &["e", "r"], Direction::Mask, 1);
    let mut u = worker(TOKENS, &["e", "r"], Direction::Unmask, 2);
    let given = key(2).id().short().to_string();
    let made = key(1).id().short().to_string();
    assert_ne!(given, made);
    for column in [0, 1] {
        let token = ok(&mut w, column, "alice");
        assert!(
            token.starts_with(&made),
            "token {token} carries the short key id {made}"
        );
        let err = apply(&mut u, column, &token).unwrap_err();
        match &err {
            ValueError::Token(TokenError::WrongKey {
                token_key,
                given_key,
            }) => {
                assert_eq!(token_key.to_string(), made);
                assert_eq!(given_key.to_string(), given);
            }
            e => panic!("column {column}: {e:?}"),
        }
        let shown = err.to_string();
        assert!(shown.contains(&made) && shown.contains(&given), "{shown}");
    }
}

/// FF1 tokens carry no key id: another key gives another value, silently.
#[test]
fn fpe_with_another_key_is_not_detected() {
    let text = "version = 1\n[columns]\nc = { transform = \"fpe\", alphabet = \"digits\" }\n";
    let token = ok(
        &mut worker(text, &["c"], Direction::Mask, 1),
        0,
        "4111111111111111",
    );
    let wrong = ok(&mut worker(text, &["c"], Direction::Unmask, 2), 0, &token);
    assert_eq!(wrong.len(), 16);
    assert_ne!(wrong, "4111111111111111");
}

/// Replaces the character at `at` with another base64url character.
fn flip(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_flipped_character_fails_to_decrypt() {
    let mut w = worker(TOKENS, &["e", "r"], Direction::Mask, 1);
    let mut u = worker(TOKENS, &["e", "r"], Direction::Unmask, 1);
    for column in [0, 1] {
        let token = ok(&mut w, column, "alice@example.org");
        assert_eq!(ok(&mut u, column, &token), "alice@example.org");
        // Every character of the payload (after the 8-character key id), except the
        // last, whose low bits are padding.
        for at in 8..token.len() - 1 {
            let err = apply(&mut u, column, &flip(&token, at)).unwrap_err();
            assert_eq!(
                err,
                ValueError::Token(TokenError::DecryptionFailed),
                "column {column}, position {at}"
            );
        }
        // In the key id: another key, or not a key id.
        let err = apply(&mut u, column, &flip(&token, 0)).unwrap_err();
        assert!(
            matches!(
                err,
                ValueError::Token(TokenError::WrongKey { .. } | TokenError::Malformed { .. })
            ),
            "{err}"
        );
        // Truncated.
        let err = apply(&mut u, column, &token[..20]).unwrap_err();
        assert!(matches!(err, ValueError::Token(_)), "{err}");
    }
}

#[test]
fn tokens_of_another_domain_or_column_fail() {
    let text = r#"version = 1
[columns]
a = { transform = "encrypt", domain = "customer" }
b = { transform = "encrypt", domain = "supplier" }
p = { transform = "encrypt", domain = "customer", prefix = "tok:" }
"#;
    let mut w = worker(text, &["a", "b", "p"], Direction::Mask, 1);
    let mut u = worker(text, &["a", "b", "p"], Direction::Unmask, 1);
    let a = ok(&mut w, 0, "alice");
    assert_eq!(
        apply(&mut u, 1, &a).unwrap_err(),
        ValueError::Token(TokenError::DecryptionFailed)
    );
    let p = ok(&mut w, 2, "alice");
    assert_eq!(
        p,
        format!("tok:{a}"),
        "the prefix is put in front of the same token"
    );
    assert!(matches!(
        apply(&mut u, 2, &a).unwrap_err(),
        ValueError::Token(TokenError::Malformed { .. })
    ));
    assert_eq!(ok(&mut u, 2, &p), "alice");
    assert!(matches!(
        apply(&mut u, 0, "not a token").unwrap_err(),
        ValueError::Token(TokenError::Malformed { .. })
    ));
}

/// `fallback = "keep"` leaves the canonical value, that is after `normalise`.
#[test]
fn fpe_fallback_keep_writes_the_canonical_value() {
    let text = "version = 1\n[columns]\nc = { transform = \"fpe\", alphabet = \"digits\", fallback = \"keep\", normalise = [\"trim\"] }\n";
    let mut w = worker(text, &["c"], Direction::Mask, 1);
    assert_eq!(ok(&mut w, 0, " 12 3 "), "12 3");
}
