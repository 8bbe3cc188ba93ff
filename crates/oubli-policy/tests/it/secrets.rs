//! Secrets audit (issue 8): a `Worker` holds every keyed transform of a plan
//! (HMAC states, cipher keys, FF1 and date-shift keys…); its `Debug` output,
//! and the plan's, show none of the master key or its HKDF subkeys.

use oubli_core::MasterKey;
use oubli_core::subkey::{Purpose, derive};
use oubli_policy::{Direction, Plan, Policy};

/// One column per transform; the anonymising ones are added when this build's
/// policy format knows them.
const BASE: &str = r#"version = 1
[columns]
h  = { transform = "hash", domain = "customer" }
e  = { transform = "encrypt", domain = "customer" }
r  = { transform = "encrypt_random", domain = "customer" }
f  = { transform = "fpe", alphabet = "digits", domain = "customer" }
m  = { transform = "mask", keep_first = 1 }
x  = { transform = "redact" }
k  = { transform = "keep" }
"#;

const MORE: &[&str] = &[
    r#"g  = { transform = "generalise", to = "year" }"#,
    r#"d  = { transform = "date_shift", max_days = 30, subject = "h", domain = "customer" }"#,
    r#"n  = { transform = "noise", absolute = 5, subject = "h", domain = "customer" }"#,
    r#"fk = { transform = "fake", dictionary = "first_names", domain = "customer" }"#,
];

fn key_bytes() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(29).wrapping_add(3))
}

fn assert_no_secret(shown: &str, secret: &[u8]) {
    for piece in secret.windows(8) {
        let hex: String = piece.iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            !shown.to_lowercase().contains(&hex),
            "key bytes as hex in {shown}"
        );
        let list = format!("{piece:?}");
        assert!(
            !shown.contains(&list[1..list.len() - 1]),
            "key bytes as a list in {shown}"
        );
    }
}

#[test]
fn worker_and_plan_debug_show_no_key_material() {
    let mut text = BASE.to_owned();
    for entry in MORE {
        let candidate = format!("{text}{entry}\n");
        if Policy::parse(&candidate, "p.toml").is_ok() {
            text = candidate;
        }
    }
    let policy = Policy::parse(&text, "p.toml").unwrap();
    let header: Vec<String> = policy.columns.iter().map(|c| c.name.clone()).collect();
    let key = MasterKey::from_bytes(key_bytes());
    let mut secrets = vec![key.expose_secret().to_vec()];
    for purpose in Purpose::ALL {
        for domain in ["default", "customer"] {
            secrets.push(derive::<64>(&key, purpose, domain).to_vec());
        }
    }
    for direction in [Direction::Mask, Direction::Unmask] {
        let plan = Plan::new(&policy, &header, direction).unwrap();
        let mut worker = plan.worker(&key);
        // Use it, so that lazily built state exists too.
        let mut out = String::new();
        for i in 0..header.len() {
            out.clear();
            let _ = worker.apply(i, "2024-05-06", &mut out);
        }
        let shown = format!("{plan:?} {plan:#?} {worker:?} {worker:#?} {policy:?}");
        for secret in &secrets {
            assert_no_secret(&shown, secret);
        }
    }
}
