//! The independent known-answer vectors of `testdata/vectors/`, run through the
//! whole policy path: a policy text written from each case's parameters, parsed,
//! bound to a one-column header, applied by a `Worker`. This checks that every
//! policy key reaches the construction it configures.

use std::collections::HashMap;
use std::fs;

use oubli_core::MasterKey;
use oubli_core::transform::{FpeError, TokenError};
use oubli_policy::{Direction, Plan, Policy, ValueError, Worker};

use crate::common::{header, testdata, toml_str};

type Case = HashMap<String, String>;

fn cases(file: &str) -> Vec<Case> {
    let text = fs::read_to_string(testdata().join("vectors").join(file)).unwrap();
    let mut cases = Vec::new();
    let mut case = Case::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if line.trim().is_empty() {
            if !case.is_empty() {
                cases.push(std::mem::take(&mut case));
            }
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .or_else(|| line.split_once(" ="))
            .unwrap_or_else(|| panic!("{file}: {line:?}"));
        case.insert(name.to_owned(), value.to_owned());
    }
    if !case.is_empty() {
        cases.push(case);
    }
    assert!(!cases.is_empty(), "{file} has no cases");
    cases
}

fn text(case: &Case, name: &str) -> String {
    let hex = case
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {case:?}"));
    String::from_utf8(hex::decode(hex).unwrap()).unwrap()
}

/// The case's master key (`mask` cases have none: any key will do).
fn master(case: &Case) -> MasterKey {
    match case.get("key_hex") {
        Some(k) => MasterKey::from_bytes(hex::decode(k).unwrap().try_into().unwrap()),
        None => MasterKey::from_bytes([0; 32]),
    }
}

fn workers(entry: &str, case: &Case) -> (Worker, Worker) {
    let policy_text = format!("version = 1\n[columns]\nc = {{ {entry} }}\n");
    let policy = Policy::parse(&policy_text, "vector.toml")
        .unwrap_or_else(|e| panic!("{}: {e}\n{policy_text}", case["case"]));
    let key = master(case);
    let w = |d| Plan::new(&policy, &header(&["c"]), d).unwrap().worker(&key);
    (w(Direction::Mask), w(Direction::Unmask))
}

fn run(w: &mut Worker, value: &str) -> Result<String, ValueError> {
    let mut out = String::new();
    w.apply(0, value, &mut out).map(|()| out)
}

#[test]
fn hash_vectors() {
    let cases = cases("hash.txt");
    for case in &cases {
        let mut entry = format!(
            "transform = \"hash\", domain = {}",
            toml_str(&text(case, "domain_hex"))
        );
        if case["normalise"] != "none" {
            let list: Vec<String> = case["normalise"].split(',').map(toml_str).collect();
            entry += &format!(", normalise = [{}]", list.join(", "));
        }
        entry += &format!(", encoding = {}", toml_str(&case["encoding"]));
        if case["length"] != "full" {
            entry += &format!(", length = {}", case["length"]);
        }
        entry += &format!(", prefix = {}", toml_str(&text(case, "prefix_hex")));
        let (mut m, _) = workers(&entry, case);
        assert_eq!(
            run(&mut m, &text(case, "input_hex")).unwrap(),
            text(case, "output_hex"),
            "{}",
            case["case"]
        );
    }
    assert!(cases.len() >= 40);
}

/// The policy key and value of the case's alphabet: `alphabet = "<name>"` for a
/// named one, `custom_alphabet = "<characters>"` for a custom one.
fn fpe_alphabet(case: &Case) -> String {
    match case["alphabet"].as_str() {
        "custom" => format!(
            "custom_alphabet = {}",
            toml_str(&text(case, "alphabet_hex"))
        ),
        named => format!("alphabet = {}", toml_str(named)),
    }
}

#[test]
fn fpe_vectors() {
    for case in &cases("fpe.txt") {
        let entry = format!(
            "transform = \"fpe\", domain = {}, {}",
            toml_str(&text(case, "domain_hex")),
            fpe_alphabet(case)
        );
        let (mut m, mut u) = workers(&entry, case);
        let (input, output) = (text(case, "input_hex"), text(case, "output_hex"));
        assert_eq!(run(&mut m, &input).unwrap(), output, "{}", case["case"]);
        assert_eq!(run(&mut u, &output).unwrap(), input, "{}", case["case"]);
    }
}

#[test]
fn fpe_short_vectors() {
    for case in &cases("fpe_short.txt") {
        let entry = format!(
            "transform = \"fpe\", domain = {}, {}",
            toml_str(&text(case, "domain_hex")),
            fpe_alphabet(case)
        );
        let input = text(case, "input_hex");
        let found: usize = case["n"].parse().unwrap();
        let (mut m, mut u) = workers(&entry, case);
        for w in [&mut m, &mut u] {
            match run(w, &input) {
                Err(ValueError::Fpe(FpeError::TooShort { found: f, .. })) => {
                    assert_eq!(f, found, "{}", case["case"])
                }
                other => panic!("{}: {other:?}", case["case"]),
            }
        }
        let (mut m, mut u) = workers(&format!("{entry}, fallback = \"keep\""), case);
        assert_eq!(run(&mut m, &input).unwrap(), input);
        assert_eq!(run(&mut u, &input).unwrap(), input);
        let (mut m, _) = workers(&format!("{entry}, fallback = \"redact\""), case);
        assert_eq!(run(&mut m, &input).unwrap(), "");
    }
}

#[test]
fn mask_vectors() {
    for case in &cases("mask.txt") {
        let entry = format!(
            "transform = \"mask\", keep_first = {}, keep_last = {}, char = {}, skip = {}",
            case["keep_first"],
            case["keep_last"],
            toml_str(&text(case, "char_hex")),
            toml_str(&text(case, "skip_hex"))
        );
        let (mut m, _) = workers(&entry, case);
        assert_eq!(
            run(&mut m, &text(case, "input_hex")).unwrap(),
            text(case, "output_hex"),
            "{}",
            case["case"]
        );
    }
}

#[test]
fn encrypt_vectors() {
    for case in &cases("encrypt.txt") {
        let entry = format!(
            "transform = \"encrypt\", domain = {}, prefix = {}, empty = \"transform\"",
            toml_str(&text(case, "domain_hex")),
            toml_str(&text(case, "prefix_hex"))
        );
        let (mut m, mut u) = workers(&entry, case);
        let (input, token) = (text(case, "input_hex"), text(case, "token_hex"));
        assert_eq!(run(&mut m, &input).unwrap(), token, "{}", case["case"]);
        assert_eq!(run(&mut u, &token).unwrap(), input, "{}", case["case"]);
        assert_eq!(
            run(&mut u, &text(case, "tampered_token_hex")),
            Err(ValueError::Token(TokenError::DecryptionFailed)),
            "{}",
            case["case"]
        );
    }
}

#[test]
fn encrypt_random_vectors() {
    for case in &cases("encrypt_random.txt") {
        let entry = format!(
            "transform = \"encrypt_random\", domain = {}, prefix = {}, empty = \"transform\"",
            toml_str(&text(case, "domain_hex")),
            toml_str(&text(case, "prefix_hex"))
        );
        let (_, mut u) = workers(&entry, case);
        let (input, token) = (text(case, "input_hex"), text(case, "token_hex"));
        assert_eq!(run(&mut u, &token).unwrap(), input, "{}", case["case"]);
        assert_eq!(
            run(&mut u, &text(case, "tampered_token_hex")),
            Err(ValueError::Token(TokenError::DecryptionFailed)),
            "{}",
            case["case"]
        );
    }
}
