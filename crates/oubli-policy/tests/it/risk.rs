//! The `[risk]` section: what it parses to, and its binding to a header.

use std::fs;

use oubli_policy::{Direction, OnViolation, Plan, Policy, PolicyErrorKind, RiskColumn};

use crate::common::{header, policy, policy_err, testdata};

fn column(name: &str, line: usize) -> RiskColumn {
    RiskColumn {
        name: name.to_owned(),
        line,
    }
}

#[test]
fn good_fixture_parses_to_the_model() {
    let text = fs::read_to_string(testdata().join("policy/good/risk.toml")).unwrap();
    let p = Policy::parse(&text, "risk.toml").unwrap_or_else(|e| panic!("{e}"));
    let risk = p.risk.expect("a [risk] section");
    assert_eq!(risk.line, 5);
    assert_eq!(
        risk.quasi_identifiers,
        [column("birth_year", 6), column("zip", 6), column("sex", 6)]
    );
    assert_eq!(risk.quasi_names(), ["birth_year", "zip", "sex"]);
    assert_eq!(risk.k, 5);
    assert_eq!(risk.on_violation, OnViolation::Suppress);
    assert_eq!(risk.sensitive, Some(column("diagnosis", 9)));
    assert_eq!(risk.l, Some(2));
}

#[test]
fn defaults_and_absence() {
    let p = policy("version = 1\n[columns]\nzip = { transform = \"keep\" }\n");
    assert!(p.risk.is_none());
    let p = policy(
        "version = 1\n[columns]\nzip = { transform = \"mask\", keep_first = 2 }\n[risk]\nquasi_identifiers = [\"zip\"]\nk = 0x10\n",
    );
    let risk = p.risk.unwrap();
    assert_eq!(
        (risk.k, risk.on_violation, risk.l),
        (16, OnViolation::Fail, None)
    );
    assert_eq!(risk.sensitive, None);
    assert_eq!(OnViolation::Fail.name(), "fail");
    assert_eq!(OnViolation::Suppress.name(), "suppress");
    // An inline table works as well as a [risk] header.
    let p = policy(
        "version = 1\nrisk = { quasi_identifiers = [\"zip\"], k = 2, on_violation = \"suppress\" }\n[columns]\nzip = { transform = \"keep\" }\n",
    );
    assert_eq!(p.risk.unwrap().on_violation, OnViolation::Suppress);
}

/// A column of an `unlisted = "keep"` policy is checked against the header
/// when the plan is bound (for `mask` only: `unmask` ignores `[risk]`).
#[test]
fn binding_checks_unlisted_columns_against_the_header() {
    let text = "version = 1\nunlisted = \"keep\"\n[columns]\nid = { transform = \"hash\" }\n[risk]\nquasi_identifiers = [\n  \"zip\",\n  \"age\",\n]\nsensitive = \"diagnosis\"\nk = 3\n";
    let p = policy(text);
    let ok = Plan::new(
        &p,
        &header(&["id", "zip", "age", "diagnosis"]),
        Direction::Mask,
    );
    assert!(ok.is_ok(), "{ok:?}");

    let e = Plan::new(&p, &header(&["id", "zip", "diagnosis"]), Direction::Mask).unwrap_err();
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(8), Some("age"), Some("quasi_identifiers")),
        "{e}"
    );
    assert_eq!(
        *e.kind,
        PolicyErrorKind::MissingColumn {
            available: "`id`, `zip`, `diagnosis`".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "policy.toml:8: column `age`: key `quasi_identifiers`: the input has no such column (its columns are: `id`, `zip`, `diagnosis`)"
    );

    let e = Plan::new(&p, &header(&["id", "zip", "age"]), Direction::Mask).unwrap_err();
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(10), Some("diagnosis"), Some("sensitive")),
        "{e}"
    );

    // Unmask restores data; the check does not apply and binds without them.
    assert!(Plan::new(&p, &header(&["id"]), Direction::Unmask).is_ok());
}

/// Every column the check reads is validated against [columns] in the file,
/// whatever the order of the sections.
#[test]
fn risk_before_columns_is_checked_against_them() {
    let e = policy_err(
        "version = 1\n[risk]\nquasi_identifiers = [\"age\"]\nk = 2\n[columns]\nage = { transform = \"drop\" }\n",
    );
    assert_eq!(
        (e.line, e.column.as_deref(), e.key.as_deref()),
        (Some(3), Some("age"), Some("quasi_identifiers")),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("the policy drops this column (line 6)"),
        "{e}"
    );
}
