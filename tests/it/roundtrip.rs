//! Property: masking then unmasking a CSV table restores every reversible
//! column exactly, whatever the values, the transforms, the thread count and
//! the chunk size; the irreversible columns have the documented shape.

use oubli_core::MasterKey;
use oubli_core::canonical::{Normalisation, canonicalise};
use oubli_core::transform::{HashEncoding, Pseudonymiser};
use oubli_csv::Direction;
use proptest::prelude::*;

use crate::common::{read_csv, run, toml_str, write_csv};

/// The transform of one generated column.
#[derive(Debug, Clone)]
enum Col {
    Encrypt {
        domain: String,
        prefix: String,
        empty_transform: bool,
    },
    EncryptRandom {
        domain: String,
        prefix: String,
        empty_transform: bool,
    },
    /// `fpe` with the `digits` alphabet; with `fallback = "keep"` values are
    /// arbitrary, otherwise they hold at least 6 digits.
    Fpe {
        domain: String,
        fallback_keep: bool,
    },
    Keep,
    Hash {
        domain: String,
        trim_lowercase: bool,
        empty_transform: bool,
    },
    Mask {
        keep_first: usize,
        keep_last: usize,
        skip: String,
    },
    Redact {
        value: String,
    },
    Drop,
}

impl Col {
    fn reversible(&self) -> bool {
        matches!(
            self,
            Col::Encrypt { .. } | Col::EncryptRandom { .. } | Col::Fpe { .. }
        )
    }

    /// The policy entry (the part after `name = `).
    fn toml(&self) -> String {
        let empty = |t: bool| if t { "transform" } else { "keep" };
        match self {
            Col::Encrypt {
                domain,
                prefix,
                empty_transform,
            } => format!(
                r#"{{ transform = "encrypt", domain = {}, prefix = {}, empty = "{}" }}"#,
                toml_str(domain),
                toml_str(prefix),
                empty(*empty_transform)
            ),
            Col::EncryptRandom {
                domain,
                prefix,
                empty_transform,
            } => format!(
                r#"{{ transform = "encrypt_random", domain = {}, prefix = {}, empty = "{}" }}"#,
                toml_str(domain),
                toml_str(prefix),
                empty(*empty_transform)
            ),
            Col::Fpe {
                domain,
                fallback_keep,
            } => format!(
                r#"{{ transform = "fpe", alphabet = "digits", domain = {}, fallback = "{}" }}"#,
                toml_str(domain),
                if *fallback_keep { "keep" } else { "error" }
            ),
            Col::Keep => r#"{ transform = "keep" }"#.to_owned(),
            Col::Hash {
                domain,
                trim_lowercase,
                empty_transform,
            } => format!(
                r#"{{ transform = "hash", domain = {}, normalise = [{}], empty = "{}" }}"#,
                toml_str(domain),
                if *trim_lowercase {
                    r#""trim", "lowercase""#
                } else {
                    ""
                },
                empty(*empty_transform)
            ),
            Col::Mask {
                keep_first,
                keep_last,
                skip,
            } => format!(
                r#"{{ transform = "mask", keep_first = {keep_first}, keep_last = {keep_last}, skip = {} }}"#,
                toml_str(skip)
            ),
            Col::Redact { value } => {
                format!(r#"{{ transform = "redact", value = {} }}"#, toml_str(value))
            }
            Col::Drop => r#"{ transform = "drop" }"#.to_owned(),
        }
    }
}

fn domain() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("default".to_owned()),
        "[a-z]{1,8}",
        "[a-zA-Z0-9 _/.é中-]{1,10}",
    ]
}

fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z_:]{1,5}", "[a-z_:,\"é 😀]{0,4}"]
}

fn col() -> impl Strategy<Value = Col> {
    prop_oneof![
        (domain(), prefix(), any::<bool>()).prop_map(|(domain, prefix, empty_transform)| {
            Col::Encrypt {
                domain,
                prefix,
                empty_transform,
            }
        }),
        (domain(), prefix(), any::<bool>()).prop_map(|(domain, prefix, empty_transform)| {
            Col::EncryptRandom {
                domain,
                prefix,
                empty_transform,
            }
        }),
        (domain(), any::<bool>()).prop_map(|(domain, fallback_keep)| Col::Fpe {
            domain,
            fallback_keep
        }),
        Just(Col::Keep),
        (domain(), any::<bool>(), any::<bool>()).prop_map(
            |(domain, trim_lowercase, empty_transform)| Col::Hash {
                domain,
                trim_lowercase,
                empty_transform,
            }
        ),
        (
            0usize..4,
            0usize..4,
            prop_oneof![Just(String::new()), Just("-@. ".to_owned())]
        )
            .prop_map(|(keep_first, keep_last, skip)| Col::Mask {
                keep_first,
                keep_last,
                skip,
            }),
        any::<String>().prop_map(|value| Col::Redact { value }),
        Just(Col::Drop),
    ]
}

/// Arbitrary UTF-8, biased towards what CSV finds hard.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[\",\r\n ;'a-zA-Z0-9é中😀\u{0}\t\u{FEFF}]{0,12}",
        1 => Just(String::new()),
        1 => Just("\"".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("  Mixed Case  ".to_owned()),
    ]
}

/// At least 6 ASCII digits interleaved with arbitrary non-digit text.
fn fpe_value() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((0u8..10, "[^0-9]{0,3}"), 6..=20),
        "[^0-9]{0,3}",
    )
        .prop_map(|(parts, tail)| {
            let mut s = String::new();
            for (digit, text) in parts {
                s.push_str(&text);
                s.push(char::from(b'0' + digit));
            }
            s.push_str(&tail);
            s
        })
}

fn values_for(col: &Col, rows: usize) -> BoxedStrategy<Vec<String>> {
    match col {
        Col::Fpe {
            fallback_keep: false,
            ..
        } => prop::collection::vec(fpe_value(), rows).boxed(),
        Col::Fpe {
            fallback_keep: true,
            ..
        } => prop::collection::vec(prop_oneof![fpe_value(), value()], rows).boxed(),
        _ => prop::collection::vec(value(), rows).boxed(),
    }
}

/// A generated table: column names, transforms and values (column-major).
#[derive(Debug, Clone)]
struct Case {
    names: Vec<String>,
    cols: Vec<Col>,
    values: Vec<Vec<String>>,
    rows: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..=50,
        prop::collection::vec((col(), "[ ,\"a-zé\n]{0,3}"), 1..=6),
    )
        .prop_flat_map(|(rows, cols)| {
            let mut cols: Vec<(Col, String)> = cols;
            // At least one column must reach the output.
            if cols.iter().all(|(c, _)| matches!(c, Col::Drop)) {
                cols[0].0 = Col::Keep;
            }
            let names: Vec<String> = cols
                .iter()
                .enumerate()
                .map(|(i, (_, suffix))| format!("c{i}{suffix}"))
                .collect();
            let cols: Vec<Col> = cols.into_iter().map(|(c, _)| c).collect();
            let values: Vec<BoxedStrategy<Vec<String>>> =
                cols.iter().map(|c| values_for(c, rows)).collect();
            (Just(names), Just(cols), values, Just(rows))
        })
        .prop_map(|(names, cols, values, rows)| Case {
            names,
            cols,
            values,
            rows,
        })
}

fn policy_text(case: &Case) -> String {
    let mut text = String::from("version = 1\n[columns]\n");
    for (name, col) in case.names.iter().zip(&case.cols) {
        text.push_str(&format!("{} = {}\n", toml_str(name), col.toml()));
    }
    text
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

fn is_lower_hex_64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn expected_hash(key: &MasterKey, domain: &str, trim_lowercase: bool, value: &str) -> String {
    let steps: &[Normalisation] = if trim_lowercase {
        &[Normalisation::Trim, Normalisation::Lowercase]
    } else {
        &[]
    };
    let (mut canonical, mut scratch) = (String::new(), String::new());
    canonicalise(value, steps, &mut canonical, &mut scratch);
    let mut out = String::new();
    Pseudonymiser::new(key, domain, HashEncoding::Hex, None, "")
        .apply(canonical.as_bytes(), &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mask_then_unmask_restores_reversible_columns(
        case in case(),
        key in any::<[u8; 32]>(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        threads in 1usize..=4,
        chunk in 1usize..=7,
        unmask_threads in 1usize..=4,
        unmask_chunk in 1usize..=7,
    ) {
        let key = MasterKey::from_bytes(key);
        let policy = crate::common::policy(&policy_text(&case));
        let rows: Vec<Vec<String>> = (0..case.rows)
            .map(|r| case.values.iter().map(|col| col[r].clone()).collect())
            .collect();
        let mut input = write_csv(&case.names, &rows, crlf);
        if bom {
            input.splice(0..0, BOM.iter().copied());
        }

        let (masked_bytes, report) = run(&input, &policy, Direction::Mask, &key, threads, chunk)
            .map_err(|e| TestCaseError::fail(format!("mask: {}", crate::common::chain(&e))))?;
        prop_assert_eq!(report.summary.records, case.rows as u64);
        prop_assert_eq!(report.summary.had_bom, bom);
        prop_assert_eq!(masked_bytes.starts_with(BOM), bom);
        let masked = read_csv(without_bom(&masked_bytes));

        let kept_names: Vec<String> = case
            .names
            .iter()
            .zip(&case.cols)
            .filter(|(_, c)| !matches!(c, Col::Drop))
            .map(|(n, _)| n.clone())
            .collect();
        prop_assert_eq!(&masked.header, &kept_names);
        prop_assert_eq!(masked.rows.len(), case.rows);

        let (unmasked_bytes, report) =
            run(&masked_bytes, &policy, Direction::Unmask, &key, unmask_threads, unmask_chunk)
                .map_err(|e| TestCaseError::fail(format!("unmask: {}", crate::common::chain(&e))))?;
        prop_assert_eq!(report.summary.records, case.rows as u64);
        prop_assert_eq!(unmasked_bytes.starts_with(BOM), bom);
        let unmasked = read_csv(without_bom(&unmasked_bytes));
        prop_assert_eq!(&unmasked.header, &kept_names);
        prop_assert_eq!(unmasked.rows.len(), case.rows);

        for ((name, col), original) in case.names.iter().zip(&case.cols).zip(&case.values) {
            if matches!(col, Col::Drop) {
                prop_assert!(masked.col(name).is_none());
                continue;
            }
            let m = masked.column(name);
            let u = unmasked.column(name);
            if col.reversible() {
                prop_assert_eq!(&u, original, "column {:?} ({:?}) not restored", name, col);
            } else {
                // Irreversible and kept columns pass through unmask unchanged.
                prop_assert_eq!(&u, &m, "unmask altered column {:?}", name);
            }
            match col {
                Col::Keep => prop_assert_eq!(&m, original),
                Col::Hash { domain, trim_lowercase, empty_transform } => {
                    for (out, inp) in m.iter().zip(original) {
                        let expected = expected_hash(&key, domain, *trim_lowercase, inp);
                        let canonical_empty = if *trim_lowercase { inp.trim().is_empty() } else { inp.is_empty() };
                        if canonical_empty && !*empty_transform {
                            prop_assert_eq!(out, "");
                        } else {
                            prop_assert!(is_lower_hex_64(out), "not a hex pseudonym: {:?}", out);
                            prop_assert_eq!(out, &expected);
                        }
                    }
                }
                Col::Redact { value } => {
                    for out in &m {
                        prop_assert_eq!(out, value);
                    }
                }
                Col::Mask { keep_first, .. } => {
                    for (out, inp) in m.iter().zip(original) {
                        prop_assert_eq!(out.chars().count(), inp.chars().count());
                        if inp.chars().count() > keep_first + 3 {
                            let head: String = inp.chars().take(*keep_first).collect();
                            prop_assert!(out.starts_with(&head));
                        }
                    }
                }
                Col::Encrypt { prefix, empty_transform, .. }
                | Col::EncryptRandom { prefix, empty_transform, .. } => {
                    for (out, inp) in m.iter().zip(original) {
                        if inp.is_empty() && !*empty_transform {
                            prop_assert_eq!(out, "");
                        } else {
                            prop_assert!(out.starts_with(prefix.as_str()));
                            prop_assert!(out.len() >= prefix.len() + 8 + 22);
                        }
                    }
                }
                Col::Fpe { .. } => {
                    for (out, inp) in m.iter().zip(original) {
                        // Non-digits stay in place; digits stay digits.
                        let shape = |s: &str| -> String {
                            s.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }).collect()
                        };
                        prop_assert_eq!(shape(out), shape(inp));
                    }
                }
                Col::Drop => unreachable!(),
            }
        }
    }
}
