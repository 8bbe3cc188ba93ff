//! The anonymising transforms through the plan: `generalise`, `date_shift`,
//! `noise`, `fake`, with row context (subjects) and the files they name.

use std::collections::HashSet;

use oubli_core::transform::AnonymiseError;
use oubli_policy::{Direction, Plan, Policy, PolicyErrorKind, ValueError, Worker};

use crate::common::{apply, header, key, ok, plan, policy, worker};

fn row(w: &mut Worker, column: usize, value: &str, subject: &str) -> String {
    let mut out = String::new();
    w.apply_row(column, value, Some(subject), &mut out)
        .unwrap_or_else(|e| panic!("{value:?}: {e}"));
    out
}

/// Days since 1970-01-01 of the date at the start of `s` (test helper, by
/// counting from a known date with chrono-free arithmetic).
fn days(s: &str) -> i64 {
    let (y, m, d): (i64, i64, i64) = (
        s[0..4].parse().unwrap(),
        s[5..7].parse().unwrap(),
        s[8..10].parse().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

#[test]
fn generalise_modes_through_the_worker() {
    let text = r#"
version = 1
[columns]
birth = { transform = "generalise", to = "year" }
visit = { transform = "generalise", to = "week" }
age   = { transform = "generalise", breaks = [0, 18, 65] }
income = { transform = "generalise", width = 10000, origin = 5000 }
zip   = { transform = "generalise", keep_first = 3, normalise = ["trim"] }
"#;
    let names = ["birth", "visit", "age", "income", "zip"];
    let mut w = worker(text, &names, Direction::Mask, 1);
    assert_eq!(ok(&mut w, 0, "1984-05-09"), "1984");
    assert_eq!(ok(&mut w, 1, "2005-01-01T10:00:00Z"), "2004-W53");
    assert_eq!(ok(&mut w, 2, "17"), "[0, 18)");
    assert_eq!(ok(&mut w, 2, "-1"), "(-inf, 0)");
    assert_eq!(ok(&mut w, 2, "70"), "[65, +inf)");
    assert_eq!(ok(&mut w, 3, "27500"), "[25000, 35000)");
    assert_eq!(ok(&mut w, 4, " 75011"), "750");
    // An empty value stays empty; a bad one is a value error.
    assert_eq!(ok(&mut w, 0, ""), "");
    assert_eq!(
        apply(&mut w, 0, "09/05/1984"),
        Err(ValueError::Anonymise(AnonymiseError::NotADate))
    );
    assert_eq!(
        apply(&mut w, 2, "seventeen"),
        Err(ValueError::Anonymise(AnonymiseError::NotANumber))
    );
    // No key: the output does not depend on it.
    let mut other = worker(text, &names, Direction::Mask, 2);
    assert_eq!(ok(&mut other, 3, "27500"), "[25000, 35000)");
}

fn hierarchy_policy(missing: &str) -> Policy {
    let mut p = policy(&format!(
        "version = 1\n[columns]\ncity = {{ transform = \"generalise\", hierarchy = \"h/cities.csv\", level = 2{missing} }}\n"
    ));
    p.load_files(&mut |path| {
        assert_eq!(path, "h/cities.csv");
        Ok("Paris;Île-de-France;France\nLyon;Auvergne-Rhône-Alpes;France\n".to_owned())
    })
    .unwrap();
    p
}

#[test]
fn hierarchy_levels_and_missing_values() {
    let p = hierarchy_policy("");
    assert_eq!(p.files(), ["h/cities.csv"]);
    let plan = Plan::new(&p, &header(&["city"]), Direction::Mask).unwrap();
    let mut w = plan.worker(&key(1));
    assert_eq!(ok(&mut w, 0, "Lyon"), "France");
    let e = apply(&mut w, 0, "Nice").unwrap_err();
    assert!(
        e.to_string()
            .contains("not in the hierarchy file `h/cities.csv`"),
        "{e}"
    );
    let p = hierarchy_policy(", missing = \"*\"");
    let plan = Plan::new(&p, &header(&["city"]), Direction::Mask).unwrap();
    assert_eq!(ok(&mut plan.worker(&key(1)), 0, "Nice"), "*");
}

#[test]
fn policy_files_must_be_loaded_and_valid() {
    let text = "version = 1\n[columns]\n\ncity = { transform = \"generalise\", hierarchy = \"cities.csv\", level = 2 }\nname = { transform = \"fake\", dictionary = \"names.txt\" }\n";
    // Not loaded: the plan refuses rather than copying or guessing.
    let e = Plan::new(&policy(text), &header(&["city", "name"]), Direction::Mask).unwrap_err();
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(4), Some("city"), Some("hierarchy"))
    );
    // A row with too few levels names the hierarchy file's line.
    let mut p = policy(text);
    let e = p
        .load_files(&mut |path| {
            Ok(match path {
                "cities.csv" => "Paris;IDF;France\nLyon;ARA\n".to_owned(),
                _ => "Ada\n".to_owned(),
            })
        })
        .unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("hierarchy")));
    assert!(
        e.to_string()
            .contains("hierarchy file `cities.csv`: line 2:"),
        "{e}"
    );
    // An unreadable file names it.
    let mut p = policy(text);
    let e = p
        .load_files(&mut |path| match path {
            "cities.csv" => Ok("Paris;IDF;France\n".to_owned()),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            )),
        })
        .unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("dictionary")));
    assert!(
        e.to_string()
            .contains("cannot read the dictionary file `names.txt`: no such file"),
        "{e}"
    );
    // A duplicate dictionary entry.
    let mut p = policy(text);
    let e = p
        .load_files(&mut |path| {
            Ok(match path {
                "cities.csv" => "Paris;IDF;France\n".to_owned(),
                _ => "Ada\nGrace\nAda\n".to_owned(),
            })
        })
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("line 3: the entry is already listed on line 1"),
        "{e}"
    );
}

const SHIFT: &str = r#"
version = 1
[columns]
patient = { transform = "hash" }
visit   = { transform = "date_shift", max_days = 30, subject = "patient" }
"#;

#[test]
fn date_shift_keeps_intervals_within_a_subject_and_differs_between_subjects() {
    let names = ["patient", "visit"];
    let p = plan(SHIFT, &names, Direction::Mask);
    assert_eq!(p.subject_of(1), Some(0));
    assert_eq!(p.subject_of(0), None);
    let mut w = p.worker(&key(1));
    let a = row(&mut w, 1, "2024-01-10", "P1");
    let b = row(&mut w, 1, "2024-03-05T09:30:00Z", "P1");
    assert_eq!(days(&b) - days(&a), days("2024-03-05") - days("2024-01-10"));
    assert!(b.ends_with("T09:30:00Z"), "{b}");
    assert!((days(&a) - days("2024-01-10")).abs() <= 30);
    // Different subjects get (mostly) different offsets.
    let offsets: HashSet<i64> = (0..50)
        .map(|i| days(&row(&mut w, 1, "2024-01-10", &format!("P{i}"))) - days("2024-01-10"))
        .collect();
    assert!(offsets.len() > 20, "{offsets:?}");
    // Reproducible with the same key; another key or domain gives other offsets.
    let mut again = plan(SHIFT, &names, Direction::Mask).worker(&key(1));
    assert_eq!(row(&mut again, 1, "2024-01-10", "P1"), a);
    let shifted = |text: &str, k: u8| -> Vec<String> {
        let mut w = plan(text, &names, Direction::Mask).worker(&key(k));
        (0..20)
            .map(|i| row(&mut w, 1, "2024-01-10", &format!("P{i}")))
            .collect()
    };
    let base = shifted(SHIFT, 1);
    assert_ne!(base, shifted(SHIFT, 2));
    let other_domain = SHIFT.replace(
        "subject = \"patient\"",
        "subject = \"patient\", domain = \"trial-2\"",
    );
    assert_ne!(base, shifted(&other_domain, 1));
    // Without a subject the worker refuses rather than guessing.
    assert_eq!(apply(&mut w, 1, "2024-01-10"), Err(ValueError::NoSubject));
}

#[test]
fn subject_column_must_be_in_the_input() {
    let e = Plan::new(
        &policy(SHIFT),
        &header(&["visit", "patient_id"]),
        Direction::Mask,
    )
    .unwrap_err();
    // `patient` itself is missing first; a policy that names only `visit`:
    assert_eq!(e.column.as_deref(), Some("patient"));
    let text = "version = 1\nunlisted = \"keep\"\n[columns]\nvisit = { transform = \"date_shift\", max_days = 3, subject = \"patient\" }\n";
    let e = Plan::new(
        &policy(text),
        &header(&["visit", "patient_id"]),
        Direction::Mask,
    )
    .unwrap_err();
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(4), Some("visit"), Some("subject"))
    );
    assert!(matches!(*e.kind, PolicyErrorKind::MissingSubject { .. }));
    assert!(
        e.to_string()
            .contains("the subject column `patient` is not in the input"),
        "{e}"
    );
    // A dropped subject column still works.
    let text = "version = 1\n[columns]\npatient = { transform = \"drop\" }\nvisit = { transform = \"date_shift\", max_days = 3, subject = \"patient\" }\n";
    let p = plan(text, &["patient", "visit"], Direction::Mask);
    assert_eq!(p.output_header(), ["visit"]);
    assert_eq!(p.subject_of(1), Some(0));
}

#[test]
fn noise_integers_subject_seeding_and_domains() {
    let text = r#"
version = 1
[columns]
id     = { transform = "keep" }
salary = { transform = "noise", absolute = 100, subject = "id" }
bonus  = { transform = "noise", relative = 0.1, distribution = "laplace" }
"#;
    let names = ["id", "salary", "bonus"];
    let mut w = worker(text, &names, Direction::Mask, 1);
    // With a subject: the same subject gets the same noise whatever the value.
    let a: i64 = row(&mut w, 1, "50000", "S1").parse().unwrap();
    let b: i64 = row(&mut w, 1, "60000", "S1").parse().unwrap();
    assert_eq!(a - 50000, b - 60000);
    assert!((a - 50000).abs() <= 100);
    let deltas: HashSet<i64> = (0..40)
        .map(|i| {
            row(&mut w, 1, "50000", &format!("S{i}"))
                .parse::<i64>()
                .unwrap()
                - 50000
        })
        .collect();
    assert!(deltas.len() > 20);
    // Without a subject: seeded by the value, so equal values get equal outputs.
    let x = ok(&mut w, 2, "1234.50");
    assert_eq!(x, ok(&mut w, 2, "1234.50"));
    assert_eq!(x.split_once('.').unwrap().1.len(), 2, "{x}");
    assert!(ok(&mut w, 2, "1234").parse::<i64>().is_ok());
    // Another domain: other noise.
    let other = text.replace("subject = \"id\"", "subject = \"id\", domain = \"hr\"");
    let mut v = worker(&other, &names, Direction::Mask, 1);
    let moved = (0..20).any(|i| {
        row(&mut w, 1, "50000", &format!("S{i}")) != row(&mut v, 1, "50000", &format!("S{i}"))
    });
    assert!(moved);
}

#[test]
fn fake_is_deterministic_and_unique_is_shared_across_workers() {
    let text = "version = 1\n[columns]\nname = { transform = \"fake\", dictionary = \"first_names\", domain = \"people\" }\n";
    let mut w = worker(text, &["name"], Direction::Mask, 1);
    let alice = ok(&mut w, 0, "Alice");
    assert_eq!(
        alice,
        ok(&mut worker(text, &["name"], Direction::Mask, 1), 0, "Alice")
    );
    let fakes: HashSet<String> = (0..100).map(|i| ok(&mut w, 0, &format!("p{i}"))).collect();
    assert!(fakes.len() > 50);

    let mut p = policy(
        "version = 1\n[columns]\nname = { transform = \"fake\", dictionary = \"small.txt\", unique = true }\n",
    );
    p.load_files(&mut |_| Ok("Ada\nGrace\nEmmy\n".to_owned()))
        .unwrap();
    let plan = Plan::new(&p, &header(&["name"]), Direction::Mask).unwrap();
    // Two workers of one run: one registry. Four distinct inputs into three
    // entries must collide, whichever worker sees them.
    let (mut w1, mut w2) = (plan.worker(&key(1)), plan.worker(&key(1)));
    let mut results = Vec::new();
    for (i, v) in ["a", "b", "c", "d"].iter().enumerate() {
        let w = if i % 2 == 0 { &mut w1 } else { &mut w2 };
        results.push(apply(w, 0, v));
    }
    assert!(
        results.iter().any(|r| matches!(
            r,
            Err(ValueError::Anonymise(AnonymiseError::FakeCollision { .. }))
        )),
        "{results:?}"
    );
    // The same input again is never a collision.
    let fresh = Plan::new(&p, &header(&["name"]), Direction::Mask).unwrap();
    let (mut x, mut y) = (fresh.worker(&key(1)), fresh.worker(&key(1)));
    assert_eq!(ok(&mut x, 0, "a"), ok(&mut y, 0, "a"));
}

#[test]
fn unmask_copies_the_anonymised_columns() {
    let text = r#"
version = 1
[columns]
id    = { transform = "encrypt" }
birth = { transform = "generalise", to = "year" }
visit = { transform = "date_shift", max_days = 30, subject = "id" }
pay   = { transform = "noise", absolute = 5 }
name  = { transform = "fake", dictionary = "cities" }
"#;
    let names = ["id", "birth", "visit", "pay", "name"];
    let p = plan(text, &names, Direction::Unmask);
    let mut w = p.worker(&key(1));
    for (i, v) in [(1, "1984"), (2, "2024-01-01"), (3, "17"), (4, "Lyon")] {
        assert_eq!(ok(&mut w, i, v), v);
        assert_eq!(p.columns()[i].action, oubli_policy::ColumnAction::Copy);
    }
}
