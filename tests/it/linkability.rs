//! Linkability across files (`docs/POLICY.md` §6): same key and domain link,
//! another domain or key does not; `encrypt` is deterministic, `encrypt_random`
//! is not.

use oubli_csv::Direction;

use crate::common::{key, policy, read_csv, run_ok, write_csv};

const CUSTOMERS: [&str; 4] = [
    "alice@example.org",
    "bob@example.org",
    "carol, \"c\"\nexample",
    "zoë@例え.jp",
];

/// File A: `id,customer` with the customers in order.
fn file_a() -> Vec<u8> {
    let rows: Vec<Vec<String>> = CUSTOMERS
        .iter()
        .enumerate()
        .map(|(i, c)| vec![i.to_string(), (*c).to_owned()])
        .collect();
    write_csv(&["id".to_owned(), "customer".to_owned()], &rows, false)
}

/// File B: another layout (`client` first, extra column), reversed order, CRLF.
fn file_b() -> Vec<u8> {
    let rows: Vec<Vec<String>> = CUSTOMERS
        .iter()
        .rev()
        .map(|c| vec![(*c).to_owned(), "x".to_owned()])
        .collect();
    write_csv(&["client".to_owned(), "other".to_owned()], &rows, true)
}

fn hash_policy_a(domain: &str) -> String {
    format!(
        "version = 1\n[columns]\nid = {{ transform = \"keep\" }}\ncustomer = {{ transform = \"hash\", domain = \"{domain}\" }}\n"
    )
}

fn hash_policy_b(domain: &str) -> String {
    format!(
        "version = 1\nunlisted = \"keep\"\n[columns]\nclient = {{ transform = \"hash\", domain = \"{domain}\" }}\n"
    )
}

fn reversed(mut v: Vec<String>) -> Vec<String> {
    v.reverse();
    v
}

#[test]
fn same_key_and_domain_link_across_files() {
    let k = key(1);
    let a = read_csv(&run_ok(
        &file_a(),
        &policy(&hash_policy_a("customer")),
        Direction::Mask,
        &k,
        2,
        1,
    ))
    .column("customer");
    let b = read_csv(&run_ok(
        &file_b(),
        &policy(&hash_policy_b("customer")),
        Direction::Mask,
        &k,
        3,
        2,
    ))
    .column("client");
    assert_eq!(a.len(), CUSTOMERS.len());
    assert_eq!(
        a,
        reversed(b),
        "same key and domain must give the same pseudonyms"
    );
    // Distinct values give distinct pseudonyms.
    let mut unique = a.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), a.len());
}

#[test]
fn other_domain_or_key_does_not_link() {
    let base = read_csv(&run_ok(
        &file_a(),
        &policy(&hash_policy_a("customer")),
        Direction::Mask,
        &key(1),
        1,
        7,
    ))
    .column("customer");
    let other_domain = read_csv(&run_ok(
        &file_b(),
        &policy(&hash_policy_b("supplier")),
        Direction::Mask,
        &key(1),
        1,
        7,
    ))
    .column("client");
    let other_key = read_csv(&run_ok(
        &file_b(),
        &policy(&hash_policy_b("customer")),
        Direction::Mask,
        &key(2),
        1,
        7,
    ))
    .column("client");
    for (label, other) in [("domain", other_domain), ("key", other_key)] {
        for p in &other {
            assert!(
                !base.contains(p),
                "another {label} gave a pseudonym of the base run: {p}"
            );
        }
    }
}

#[test]
fn encrypt_is_deterministic_and_encrypt_random_is_not() {
    let text = "version = 1\n[columns]\n\
                det = { transform = \"encrypt\", domain = \"customer\" }\n\
                rnd = { transform = \"encrypt_random\", domain = \"customer\" }\n";
    let rows: Vec<Vec<String>> = CUSTOMERS
        .iter()
        .chain(CUSTOMERS.iter())
        .map(|c| vec![(*c).to_owned(), (*c).to_owned()])
        .collect();
    let input = write_csv(&["det".to_owned(), "rnd".to_owned()], &rows, false);
    let p = policy(text);
    let k = key(3);
    let first = read_csv(&run_ok(&input, &p, Direction::Mask, &k, 2, 3));
    let second = read_csv(&run_ok(&input, &p, Direction::Mask, &k, 4, 1));
    let n = CUSTOMERS.len();

    let det = first.column("det");
    // Equal values in one file, and across runs, give equal tokens.
    assert_eq!(det[..n], det[n..]);
    assert_eq!(det, second.column("det"));
    // Different values give different tokens.
    let mut unique = det[..n].to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), n);

    // encrypt_random: every token differs, within a file and across runs.
    let mut rnd = first.column("rnd");
    rnd.extend(second.column("rnd"));
    let mut unique = rnd.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), rnd.len(), "encrypt_random repeated a token");
    for t in &rnd {
        assert!(!det.contains(t));
    }

    // Both still unmask to the values.
    let back = read_csv(&run_ok(
        &write_csv(&first.header, &first.rows, false),
        &p,
        Direction::Unmask,
        &k,
        3,
        2,
    ));
    assert_eq!(back.rows, rows);
}

#[test]
fn encrypt_tokens_link_across_files_only_within_a_domain() {
    let k = key(4);
    let text = |domain: &str| {
        format!(
            "version = 1\nunlisted = \"drop\"\n[columns]\ncustomer = {{ transform = \"encrypt\", domain = \"{domain}\" }}\n"
        )
    };
    let a = read_csv(&run_ok(
        &file_a(),
        &policy(&text("customer")),
        Direction::Mask,
        &k,
        1,
        1,
    ))
    .column("customer");
    let b_input = write_csv(
        &["customer".to_owned()],
        &CUSTOMERS
            .iter()
            .map(|c| vec![(*c).to_owned()])
            .collect::<Vec<_>>(),
        true,
    );
    let b = read_csv(&run_ok(
        &b_input,
        &policy(&text("customer")),
        Direction::Mask,
        &k,
        2,
        2,
    ))
    .column("customer");
    let c = read_csv(&run_ok(
        &b_input,
        &policy(&text("other")),
        Direction::Mask,
        &k,
        2,
        2,
    ))
    .column("customer");
    assert_eq!(a, b);
    for t in &c {
        assert!(!a.contains(t));
    }
}
