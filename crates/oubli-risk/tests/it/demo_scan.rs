//! The scan of the demo data, `testdata/customers.csv`: every personal
//! column is masked, no value of the file appears in the suggested policy,
//! and the policy loads and binds to the file's header as it is.

use oubli_policy::{Direction, Plan, Policy};
use oubli_risk::{Kind, Scan, Scanner};

use crate::repo_file;

/// The demo file's header and rows (fields as bytes).
fn demo() -> (Vec<String>, Vec<Vec<Vec<u8>>>) {
    let file = std::fs::File::open(repo_file("../../testdata/customers.csv")).unwrap();
    let mut records = oubli_csv::Records::new(file, b',').unwrap();
    let header = records.header().to_vec();
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    while records.read_record(&mut record).unwrap() {
        rows.push(record.iter().map(<[u8]>::to_vec).collect());
    }
    (header, rows)
}

fn scan_demo() -> (Vec<String>, Vec<Vec<Vec<u8>>>, Scan) {
    let (header, rows) = demo();
    let mut scanner = Scanner::new(&header);
    for row in &rows {
        scanner.add(row.iter().map(Vec::as_slice));
    }
    let scan = scanner.finish();
    (header, rows, scan)
}

#[test]
fn every_personal_column_is_masked() {
    let (_, rows, scan) = scan_demo();
    assert_eq!(scan.rows, rows.len() as u64);
    let found: Vec<(&str, Kind, &str)> = scan
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind, c.transform()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "customer_id",
                Kind::Identifier,
                r#"{ transform = "hash", domain = "customer_id" }"#
            ),
            (
                "email",
                Kind::Email,
                r#"{ transform = "hash", domain = "email", normalise = ["trim", "lowercase"] }"#
            ),
            ("full_name", Kind::PersonName, r#"{ transform = "redact" }"#),
            (
                "phone",
                Kind::Phone,
                r#"{ transform = "fpe", alphabet = "digits", domain = "phone", fallback = "redact" }"#
            ),
            (
                "iban",
                Kind::Iban,
                r#"{ transform = "encrypt", domain = "iban" }"#
            ),
            (
                "birth_date",
                Kind::DateOfBirth,
                r#"{ transform = "mask", keep_first = 4, skip = "-/." }"#
            ),
            (
                "zip",
                Kind::Postcode,
                r#"{ transform = "mask", keep_first = 2, skip = " -" }"#
            ),
            // Kept, with a comment: a city and a sign-up date are
            // quasi-identifiers at most (measure them with `oubli risk`), and
            // an amount is not personal on its own.
            ("city", Kind::Text, r#"{ transform = "keep" }"#),
            ("signup_date", Kind::Date, r#"{ transform = "keep" }"#),
            ("amount", Kind::Number, r#"{ transform = "keep" }"#),
            ("notes", Kind::FreeText, r#"{ transform = "redact" }"#),
        ]
    );
    // How sure: the share of matching values is in every detector's comment.
    let note = |name: &str| {
        scan.columns
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .note()
            .to_owned()
    };
    assert!(
        note("email").contains("100% of 60 non-empty sampled values"),
        "{}",
        note("email")
    );
    assert!(
        note("phone").contains("100% of 59 non-empty sampled values"),
        "{}",
        note("phone")
    );
    // The demo IBANs are made up: their check digits fail, and the comment says so.
    assert!(
        note("iban").contains("mod-97 check digits valid for 0%"),
        "{}",
        note("iban")
    );
    assert!(
        note("full_name").contains("by the column's name; values match: 100% of 60"),
        "{}",
        note("full_name")
    );
    assert!(
        note("customer_id").contains("60 distinct of 60"),
        "{}",
        note("customer_id")
    );
}

#[test]
fn no_value_of_the_file_appears_in_the_policy() {
    let (_, rows, scan) = scan_demo();
    let policy = scan.suggested_policy("testdata/customers.csv", true);
    let mut checked = 0;
    for row in &rows {
        for field in row {
            let field = String::from_utf8(field.clone()).unwrap();
            // The field as it is, trimmed, and each of its lines.
            let mut pieces = vec![field.as_str(), field.trim()];
            pieces.extend(field.lines());
            for piece in pieces {
                if piece.chars().count() >= 4 {
                    checked += 1;
                    assert!(
                        !policy.contains(piece),
                        "the value `{piece}` appears in:\n{policy}"
                    );
                }
            }
        }
    }
    assert!(checked > 600, "{checked}");
}

#[test]
fn the_policy_loads_and_binds_to_the_header_as_it_is() {
    let (header, _, scan) = scan_demo();
    let text = scan.suggested_policy("testdata/customers.csv", true);
    let policy = Policy::parse(&text, "suggested.toml").unwrap();
    let plan = Plan::new(&policy, &header, Direction::Mask).unwrap();
    let transforms: Vec<&str> = plan.columns().iter().map(|c| c.transform_name()).collect();
    assert_eq!(
        transforms,
        [
            "hash", "hash", "redact", "fpe", "encrypt", "mask", "mask", "keep", "keep", "keep",
            "redact"
        ]
    );
    // Fail-closed: a column the policy does not name stops the job.
    let mut wider = header.clone();
    wider.push("ssn".into());
    assert!(Plan::new(&policy, &wider, Direction::Mask).is_err());
    assert!(text.starts_with(
        "# Policy suggested by `oubli scan` from all 60 rows of testdata/customers.csv.\n"
    ));
    assert!(text.contains("\nversion = 1\nunlisted = \"error\""));
}

#[test]
#[ignore = "prints the suggested policy; run with --ignored --nocapture"]
fn print_the_demo_policy() {
    let (_, _, scan) = scan_demo();
    println!("{}", scan.suggested_policy("testdata/customers.csv", true));
}
