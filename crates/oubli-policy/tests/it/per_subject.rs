//! `per_subject` and `vault` on `encrypt` / `encrypt_random`: parsing, binding
//! (a vault must be attached; unmask does not need the subject column), and
//! the worker's round trip through the vault's keys.

use std::sync::Arc;

use oubli_policy::{Direction, Plan, PolicyErrorKind, Transform, ValueError};
use oubli_vault::{Keyring, NewKeys, SubjectError, Vault};

use crate::common::{header, key, policy, policy_err};

const TEXT: &str = r#"version = 1
[columns]
id    = { transform = "hash" }
email = { transform = "encrypt", per_subject = "id", vault = "v.vault" }
notes = { transform = "encrypt_random", domain = "n", prefix = "n:", per_subject = "id" }
"#;

#[test]
fn parses_per_subject_and_vault() {
    let p = policy(TEXT);
    let email = &p.columns[1].rule;
    let ps = email.per_subject.as_ref().unwrap();
    assert_eq!(
        (ps.column.as_str(), ps.vault.as_deref(), ps.line),
        ("id", Some("v.vault"), 4)
    );
    assert_eq!(email.subject.as_deref(), Some("id"));
    assert!(matches!(email.transform, Transform::Encrypt { .. }));
    let notes = p.columns[2].rule.per_subject.as_ref().unwrap();
    assert_eq!(notes.vault, None);
    assert_eq!(p.per_subject_columns().count(), 2);
    assert!(p.columns[0].rule.per_subject.is_none());
}

#[test]
fn refuses_misplaced_keys() {
    let e =
        policy_err("version = 1\n[columns]\na = { transform = \"hash\", per_subject = \"b\" }\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("per_subject")));
    assert!(
        matches!(*e.kind, PolicyErrorKind::NotForTransform { .. }),
        "{e}"
    );
    let e = policy_err("version = 1\n[columns]\na = { transform = \"encrypt\", vault = \"v\" }\n");
    assert_eq!(e.key.as_deref(), Some("vault"));
    assert!(e.to_string().contains("only with `per_subject"), "{e}");
    let e =
        policy_err("version = 1\n[columns]\na = { transform = \"encrypt\", per_subject = \"\" }\n");
    assert_eq!(e.key.as_deref(), Some("per_subject"));
    let e =
        policy_err("version = 1\n[columns]\na = { transform = \"encrypt\", per_subject = 3 }\n");
    assert!(matches!(*e.kind, PolicyErrorKind::WrongType { .. }), "{e}");
}

#[test]
fn binding_needs_a_vault_and_the_subject_column() {
    let p = policy(TEXT);
    let names = header(&["id", "email", "notes"]);
    let e = Plan::new(&p, &names, Direction::Mask).unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("per_subject")));
    assert!(matches!(*e.kind, PolicyErrorKind::NoVault));

    let m = key(1);
    let mut p = policy(TEXT);
    p.use_vault(Arc::new(Keyring::new(Vault::new(&m), &m, NewKeys::Create)));
    let e = Plan::new(&p, &header(&["email", "notes"]), Direction::Mask).unwrap_err();
    assert!(
        matches!(
            *e.kind,
            PolicyErrorKind::MissingColumn { .. } | PolicyErrorKind::MissingSubject { .. }
        ),
        "{e}"
    );
    let plan = Plan::new(&p, &names, Direction::Mask).unwrap();
    assert_eq!((plan.subject_of(1), plan.subject_of(2)), (Some(0), Some(0)));
}

#[test]
fn worker_round_trip_and_forget() {
    let m = key(2);
    let ring = Arc::new(Keyring::new(Vault::new(&m), &m, NewKeys::Create));
    let mut p = policy(TEXT);
    p.use_vault(Arc::clone(&ring));
    let names = header(&["id", "email", "notes"]);
    let plan = Plan::new(&p, &names, Direction::Mask).unwrap();
    let mut w = plan.worker(&m);
    let mut tokens = Vec::new();
    for (id, email, note) in [
        ("a", "a@x.org", "one"),
        ("b", "b@x.org", "two"),
        ("a", "a@x.org", ""),
    ] {
        let (mut e, mut n) = (String::new(), String::new());
        w.apply_row(1, email, Some(id), &mut e).unwrap();
        w.apply_row(2, note, Some(id), &mut n).unwrap();
        tokens.push((e, n));
    }
    assert_eq!(tokens[0].0, tokens[2].0, "deterministic within a subject");
    assert!(tokens[1].1.starts_with("n:"));
    assert_eq!(tokens[2].1, "", "empty stays empty");
    assert_eq!(ring.created(), 2);
    // Without the subject: the engine's bug, reported as such.
    let mut out = String::new();
    assert!(matches!(
        w.apply(1, "x", &mut out),
        Err(ValueError::NoSubject)
    ));

    // Unmask: the header of masked data need not hold the subject column.
    let mut vault = Vault::parse(&ring.read().to_bytes(), &m, "v").unwrap();
    vault.forget(ring.tag("b"), "2026-11-22T10:00:00Z");
    let mut p = policy(&TEXT.replace(
        r#"id    = { transform = "hash" }"#,
        r#"id    = { transform = "drop" }"#,
    ));
    p.use_vault(Arc::new(Keyring::new(vault, &m, NewKeys::Never)));
    let plan = Plan::new(&p, &header(&["email", "notes"]), Direction::Unmask).unwrap();
    let mut u = plan.worker(&m);
    let mut out = String::new();
    u.apply(0, &tokens[0].0, &mut out).unwrap();
    assert_eq!(out, "a@x.org");
    out.clear();
    u.apply(1, &tokens[0].1, &mut out).unwrap();
    assert_eq!(out, "one");
    out.clear();
    let err = u.apply(0, &tokens[1].0, &mut out).unwrap_err();
    assert!(
        matches!(err, ValueError::Subject(SubjectError::Forgotten { .. })),
        "{err}"
    );
    assert!(err.to_string().starts_with("subject forgotten"), "{err}");
}
