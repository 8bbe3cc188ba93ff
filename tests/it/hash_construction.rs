//! The `hash` output of the whole CSV pipeline, checked against an independent
//! computation of `docs/CONSTRUCTIONS.md` §2–4 with the RustCrypto crates.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use oubli_core::MasterKey;
use oubli_csv::Direction;
use sha2::Sha256;

use crate::common::{policy, read_csv, run_ok, write_csv};

const MASTER: [u8; 32] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
];

/// §2: `subkey("hash", domain, 32)`: HKDF-SHA256, no salt, info `oubli/v1/hash/<domain>`.
fn hash_subkey(master: &[u8; 32], domain: &str) -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(None, master);
    let mut okm = [0u8; 32];
    hk.expand(format!("oubli/v1/hash/{domain}").as_bytes(), &mut okm)
        .expect("32 bytes is a valid HKDF length");
    okm
}

/// §3 `trim` then `lowercase`: Unicode `White_Space` trim, full lowercase.
fn trim_lowercase(value: &str) -> String {
    value.trim().to_lowercase()
}

/// §4: `hex(HMAC-SHA256(subkey, canonical bytes))`.
fn pseudonym(master: &[u8; 32], domain: &str, canonical: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&hash_subkey(master, domain))
        .expect("HMAC takes any key length");
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

const VALUES: [&str; 8] = [
    " Alice@Example.ORG ",
    "alice@example.org",
    "\tBOB@EXAMPLE.org\r\n",
    "\u{2003}Zoë,\"Q\"@例え.JP\u{3000}",
    "İstanbul ΣΟΦΙΑ",
    "\u{85}ÅNGSTRÖM\u{A0}",
    "x",
    "plain",
];

#[test]
fn hash_column_matches_an_independent_hkdf_hmac() {
    let text = r#"
version = 1
[columns]
id = { transform = "keep" }
email = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
short = { transform = "hash", domain = "e-mail/v2", normalise = ["trim", "lowercase"], length = 20, prefix = "cust_" }
"#;
    let rows: Vec<Vec<String>> = VALUES
        .iter()
        .enumerate()
        .map(|(i, v)| vec![i.to_string(), (*v).to_owned(), (*v).to_owned()])
        .collect();
    let header = ["id", "email", "short"].map(str::to_owned);
    let input = write_csv(&header, &rows, true);
    let out = read_csv(&run_ok(
        &input,
        &policy(text),
        Direction::Mask,
        &MasterKey::from_bytes(MASTER),
        3,
        2,
    ));

    let expected_email: Vec<String> = VALUES
        .iter()
        .map(|v| pseudonym(&MASTER, "customer", &trim_lowercase(v)))
        .collect();
    let expected_short: Vec<String> = VALUES
        .iter()
        .map(|v| {
            let full = pseudonym(&MASTER, "e-mail/v2", &trim_lowercase(v));
            format!("cust_{}", &full[..20])
        })
        .collect();
    assert_eq!(
        out.column("id"),
        (0..VALUES.len()).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(out.column("email"), expected_email);
    assert_eq!(out.column("short"), expected_short);
    // The normalisation makes these two link.
    assert_eq!(expected_email[0], expected_email[1]);
}

#[test]
fn hash_of_empty_and_whitespace_values() {
    let text = r#"
version = 1
[columns]
kept = { transform = "hash", domain = "d", normalise = ["trim", "lowercase"] }
transformed = { transform = "hash", domain = "d", normalise = ["trim", "lowercase"], empty = "transform" }
"#;
    let values = ["", "   ", "\u{2028}", "A "];
    let rows: Vec<Vec<String>> = values
        .iter()
        .map(|v| vec![(*v).to_owned(), (*v).to_owned()])
        .collect();
    let header = ["kept", "transformed"].map(str::to_owned);
    let out = read_csv(&run_ok(
        &write_csv(&header, &rows, false),
        &policy(text),
        Direction::Mask,
        &MasterKey::from_bytes(MASTER),
        2,
        1,
    ));
    let of_empty = pseudonym(&MASTER, "d", "");
    let of_a = pseudonym(&MASTER, "d", "a");
    assert_eq!(out.column("kept"), ["", "", "", of_a.as_str()]);
    assert_eq!(
        out.column("transformed"),
        [
            of_empty.as_str(),
            of_empty.as_str(),
            of_empty.as_str(),
            of_a.as_str()
        ]
    );
}
