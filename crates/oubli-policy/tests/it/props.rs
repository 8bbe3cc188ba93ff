//! Property tests: mask then unmask gives the (canonical) value back.

use oubli_policy::{Direction, Worker};
use proptest::prelude::*;

use crate::common::{ok, worker};

const POLICY: &str = r#"version = 1
[columns]
e = { transform = "encrypt", domain = "customer" }
r = { transform = "encrypt_random", domain = "customer" }
et = { transform = "encrypt", empty = "transform", prefix = "t:" }
rt = { transform = "encrypt_random", empty = "transform", prefix = "t:" }
f = { transform = "fpe", alphabet = "digits", domain = "card" }
h = { transform = "hash", normalise = ["trim", "lowercase"] }
"#;

const NAMES: [&str; 6] = ["e", "r", "et", "rt", "f", "h"];

fn workers() -> (Worker, Worker) {
    (
        worker(POLICY, &NAMES, Direction::Mask, 5),
        worker(POLICY, &NAMES, Direction::Unmask, 5),
    )
}

proptest! {
    #[test]
    fn encrypt_round_trips_any_text(value in any::<String>()) {
        let (mut m, mut u) = workers();
        for (column, name) in NAMES.iter().enumerate().take(4) {
            let token = ok(&mut m, column, &value);
            prop_assert!(token.is_ascii(), "tokens are ASCII: {token:?}");
            prop_assert_eq!(ok(&mut u, column, &token), value.as_str(), "column {}", name);
        }
    }

    #[test]
    fn fpe_round_trips_digits_with_separators(value in "([0-9][ ./-]{0,2}){6,40}") {
        let (mut m, mut u) = workers();
        let token = ok(&mut m, 4, &value);
        prop_assert_eq!(token.len(), value.len());
        for (a, b) in token.chars().zip(value.chars()) {
            prop_assert_eq!(a.is_ascii_digit(), b.is_ascii_digit());
            if !b.is_ascii_digit() {
                prop_assert_eq!(a, b);
            }
        }
        prop_assert_eq!(ok(&mut u, 4, &token), value);
    }

    #[test]
    fn hash_ignores_case_and_surrounding_space(value in "[a-zA-Z0-9@._-]{1,40}", pad in "[ \t]{0,3}") {
        let (mut m, _) = workers();
        let plain = ok(&mut m, 5, &value.to_ascii_lowercase());
        let noisy = ok(&mut m, 5, &format!("{pad}{}{pad}", value.to_ascii_uppercase()));
        prop_assert_eq!(plain, noisy);
    }
}
