//! Unmask failures: a wrong key, an altered token. Each names the line where
//! the record starts (physical lines, quoted line breaks included), the record
//! and the column.

use oubli_core::MasterKey;
use oubli_core::transform::TokenError;
use oubli_csv::{CsvError, Direction};
use oubli_policy::{PolicyError, ValueError};

use crate::common::{chain, key, policy, read_csv, run, run_ok, write_csv};

/// The `ValueError` behind a `CsvError::Row`, with line, record and column name.
fn row_error(error: &CsvError<PolicyError>) -> (u64, u64, &str, &ValueError) {
    match error {
        CsvError::Row {
            line,
            record,
            column_name,
            source,
            ..
        } => {
            let value = source
                .downcast_ref::<ValueError>()
                .unwrap_or_else(|| panic!("the source is not a ValueError: {}", chain(error)));
            (*line, *record, column_name.as_str(), value)
        }
        other => panic!("expected CsvError::Row, got {}", chain(other)),
    }
}

const POLICY: &str = r#"
version = 1
[columns]
id = { transform = "keep" }
note = { transform = "keep" }
"secret value" = { transform = "encrypt", domain = "s" }
random = { transform = "encrypt_random", domain = "r", prefix = "tok_" }
"#;

/// Masked input whose record 1 spans lines 2–4 (a quoted LF and a quoted
/// CRLF), has an empty secret (no token) and record 2 starts on line 5.
fn input() -> Vec<u8> {
    let header = ["id", "note", "secret value", "random"].map(str::to_owned);
    let rows = vec![
        vec![
            "1".to_owned(),
            "first line\nsecond, \"line\"\r\nthird".to_owned(),
            String::new(),
            String::new(),
        ],
        vec![
            "2".to_owned(),
            "plain".to_owned(),
            "s2".to_owned(),
            "r2".to_owned(),
        ],
        vec![
            "3".to_owned(),
            "x".to_owned(),
            "s3".to_owned(),
            "r3".to_owned(),
        ],
    ];
    write_csv(&header, &rows, false)
}

#[test]
fn wrong_key_names_both_key_ids_the_line_and_the_column() {
    let p = policy(POLICY);
    let (right, wrong) = (key(10), key(11));
    let masked = run_ok(&input(), &p, Direction::Mask, &right, 2, 1);
    // Sanity: the right key unmasks.
    let back = read_csv(&run_ok(&masked, &p, Direction::Unmask, &right, 2, 1));
    assert_eq!(back.column("secret value"), ["", "s2", "s3"]);
    assert_eq!(back.column("random"), ["", "r2", "r3"]);

    for (threads, chunk) in [(1, 1), (3, 1), (2, 4096)] {
        let error = run(&masked, &p, Direction::Unmask, &wrong, threads, chunk)
            .expect_err("unmask with another key must fail");
        let message = chain(&error);
        let right_id = right.id().short().to_string();
        let wrong_id = wrong.id().short().to_string();
        assert_eq!(right_id.len(), 8);
        assert_ne!(right_id, wrong_id);
        assert!(message.contains(&right_id), "{message}");
        assert!(message.contains(&wrong_id), "{message}");
        assert!(message.contains("line 5"), "{message}");
        assert!(message.contains("`secret value`"), "{message}");

        let (line, record, column, value) = row_error(&error);
        assert_eq!((line, record, column), (5, 2, "secret value"), "{message}");
        assert_eq!(
            value,
            &ValueError::Token(TokenError::WrongKey {
                token_key: right.id().short(),
                given_key: wrong.id().short(),
            })
        );
    }
}

#[test]
fn wrong_key_on_encrypt_random_column() {
    let text = r#"
version = 1
unlisted = "keep"
[columns]
random = { transform = "encrypt_random", domain = "r", prefix = "tok_" }
"#;
    let p = policy(text);
    let (right, wrong) = (key(20), key(21));
    let header = ["note", "random"].map(str::to_owned);
    let rows = vec![
        vec!["a\n\n\nb".to_owned(), String::new()],
        vec!["c".to_owned(), "v".to_owned()],
    ];
    let masked = run_ok(
        &write_csv(&header, &rows, true),
        &p,
        Direction::Mask,
        &right,
        1,
        1,
    );
    let error = run(&masked, &p, Direction::Unmask, &wrong, 2, 1).expect_err("wrong key");
    let message = chain(&error);
    assert!(
        message.contains(&right.id().short().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&wrong.id().short().to_string()),
        "{message}"
    );
    let (line, record, column, _) = row_error(&error);
    assert_eq!((line, record, column), (6, 2, "random"), "{message}");
}

/// Replaces the character at `at` (an ASCII position) of `token` with another
/// base64url character.
fn alter(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn altered_token_fails_at_its_row() {
    let p = policy(POLICY);
    let k = key(30);
    let header = ["id", "note", "secret value", "random"].map(str::to_owned);
    let rows: Vec<Vec<String>> = (0..40)
        .map(|i| {
            vec![
                i.to_string(),
                if i % 5 == 0 { "two\nlines" } else { "one" }.to_owned(),
                format!("secret {i}"),
                format!("random {i}"),
            ]
        })
        .collect();
    let masked = read_csv(&run_ok(
        &write_csv(&header, &rows, false),
        &p,
        Direction::Mask,
        &k,
        3,
        2,
    ));

    for (column, target, at) in [
        ("secret value", 0usize, 12usize),
        ("secret value", 17, 9),
        ("random", 23, 20),
        ("random", 39, 14),
        ("secret value", 39, 25),
    ] {
        let c = masked.col(column).unwrap();
        let mut altered = masked.clone();
        altered.rows[target][c] = alter(&altered.rows[target][c], at);
        let altered_bytes = write_csv(&altered.header, &altered.rows, false);
        // Physical line where record `target + 1` starts: the header, then one
        // line per record plus one per record with a quoted line break.
        let line = 2 + target as u64 + (0..target).filter(|i| i % 5 == 0).count() as u64;

        for (threads, chunk) in [(1, 1), (4, 3), (2, 7)] {
            let error = run(&altered_bytes, &p, Direction::Unmask, &k, threads, chunk)
                .expect_err("an altered token must not unmask");
            let message = chain(&error);
            let (l, record, name, value) = row_error(&error);
            assert_eq!(
                (l, record, name),
                (line, target as u64 + 1, column),
                "{message}"
            );
            assert_eq!(
                value,
                &ValueError::Token(TokenError::DecryptionFailed),
                "{message}"
            );
        }
    }
    // The unaltered file unmasks.
    let back = read_csv(&run_ok(
        &write_csv(&masked.header, &masked.rows, false),
        &p,
        Direction::Unmask,
        &k,
        4,
        3,
    ));
    assert_eq!(back.rows, rows);
}

#[test]
fn altered_token_with_a_bad_key_id_or_prefix_is_malformed() {
    let p = policy(POLICY);
    let k: MasterKey = key(40);
    let header = ["id", "note", "secret value", "random"].map(str::to_owned);
    let rows: Vec<Vec<String>> = (0..5)
        .map(|i| {
            vec![
                i.to_string(),
                "n".to_owned(),
                format!("s{i}"),
                format!("r{i}"),
            ]
        })
        .collect();
    let masked = read_csv(&run_ok(
        &write_csv(&header, &rows, false),
        &p,
        Direction::Mask,
        &k,
        1,
        1,
    ));
    let r = masked.col("random").unwrap();
    let mut altered = masked.clone();
    // Drop the `tok_` prefix of record 4.
    altered.rows[3][r] = altered.rows[3][r]["tok_".len()..].to_owned();
    let error = run(
        &write_csv(&altered.header, &altered.rows, false),
        &p,
        Direction::Unmask,
        &k,
        2,
        1,
    )
    .expect_err("a token without its prefix");
    let message = chain(&error);
    let (line, record, name, value) = row_error(&error);
    assert_eq!((line, record, name), (5, 4, "random"), "{message}");
    assert!(
        matches!(value, ValueError::Token(TokenError::Malformed { .. })),
        "{message}"
    );
    assert!(message.contains("prefix"), "{message}");
}
