//! Binding a policy to an input header: `Plan::new`.

use oubli_policy::{ColumnAction, Direction, Plan, PolicyErrorKind};

use crate::common::{header, plan, policy};

const THREE: &str = r#"version = 1
[columns]
email = { transform = "hash" }
city = { transform = "keep" }
"#;

fn actions(plan: &Plan) -> Vec<(&str, ColumnAction, &'static str)> {
    plan.columns()
        .iter()
        .map(|c| (c.name.as_str(), c.action, c.transform_name()))
        .collect()
}

#[test]
fn unlisted_column_is_an_error_by_default() {
    let err = Plan::new(
        &policy(THREE),
        &header(&["email", "zip", "city"]),
        Direction::Mask,
    )
    .unwrap_err();
    assert_eq!(err.file, "policy.toml");
    assert_eq!(err.column.as_deref(), Some("zip"));
    assert_eq!(err.line, None, "no `unlisted` line to point at");
    assert_eq!(*err.kind, PolicyErrorKind::Unlisted { key: "zip".into() });
    let shown = err.to_string();
    assert!(shown.starts_with(
        "policy.toml: column `zip`: the input has this column but the policy does not name it"
    ));
    assert!(shown.contains("zip = { transform = \"keep\" }"), "{shown}");
    assert!(
        shown.contains("`unlisted = \"keep\"` or `\"drop\"`"),
        "{shown}"
    );
}

#[test]
fn unlisted_error_points_at_an_explicit_unlisted_line() {
    let text = "version = 1\nunlisted = \"error\"\n[columns]\nemail = { transform = \"hash\" }\n";
    let err = Plan::new(&policy(text), &header(&["email", "zip"]), Direction::Mask).unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(
        err.to_string().starts_with("policy.toml:2: column `zip`: "),
        "{err}"
    );
}

#[test]
fn unlisted_error_also_applies_to_unmask() {
    let err = Plan::new(
        &policy(THREE),
        &header(&["email", "zip", "city"]),
        Direction::Unmask,
    )
    .unwrap_err();
    assert_eq!(err.column.as_deref(), Some("zip"));
}

#[test]
fn unlisted_keep_copies_the_column() {
    let text =
        format!("{THREE}\n").replacen("version = 1\n", "version = 1\nunlisted = \"keep\"\n", 1);
    let p = policy(&text);
    assert_eq!(p.unlisted_line, Some(2));
    for direction in [Direction::Mask, Direction::Unmask] {
        let plan = Plan::new(&p, &header(&["zip", "email", "city"]), direction).unwrap();
        assert_eq!(
            actions(&plan),
            [
                ("zip", ColumnAction::Copy, "keep"),
                (
                    "email",
                    if direction == Direction::Mask {
                        ColumnAction::Transform
                    } else {
                        ColumnAction::Copy
                    },
                    "hash"
                ),
                ("city", ColumnAction::Copy, "keep"),
            ]
        );
        assert!(plan.columns()[0].rule.is_none());
        assert_eq!(plan.output_header(), ["zip", "email", "city"]);
    }
}

#[test]
fn unlisted_drop_removes_the_column_on_mask_and_copies_it_on_unmask() {
    let text = THREE.replacen("version = 1\n", "version = 1\nunlisted = \"drop\"\n", 1);
    let masked = plan(&text, &["zip", "email", "notes", "city"], Direction::Mask);
    assert_eq!(
        actions(&masked),
        [
            ("zip", ColumnAction::Drop, "drop"),
            ("email", ColumnAction::Transform, "hash"),
            ("notes", ColumnAction::Drop, "drop"),
            ("city", ColumnAction::Copy, "keep"),
        ]
    );
    assert_eq!(masked.output_header(), ["email", "city"]);
    // Masked data no longer has the unlisted columns; any that are there are copied.
    let unmasked = plan(&text, &["email", "extra", "city"], Direction::Unmask);
    assert_eq!(unmasked.columns()[1].action, ColumnAction::Copy);
    assert_eq!(unmasked.output_header(), ["email", "extra", "city"]);
}

#[test]
fn missing_policy_column_names_the_line_and_lists_the_input_columns() {
    let text = "version = 1\nunlisted = \"keep\"\n[columns]\nemail = { transform = \"hash\" }\n\nphone = { transform = \"mask\" }\n";
    let err = Plan::new(
        &policy(text),
        &header(&["email", "city", "zip code"]),
        Direction::Mask,
    )
    .unwrap_err();
    assert_eq!(err.line, Some(6));
    assert_eq!(err.column.as_deref(), Some("phone"));
    assert_eq!(
        *err.kind,
        PolicyErrorKind::MissingColumn {
            available: "`email`, `city`, `zip code`".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "policy.toml:6: column `phone`: the input has no such column (its columns are: `email`, `city`, `zip code`)"
    );
}

#[test]
fn column_names_are_matched_exactly() {
    // No case folding or trimming of header names.
    for name in ["Email", "email ", " email"] {
        let err = Plan::new(&policy(THREE), &header(&[name, "city"]), Direction::Mask).unwrap_err();
        assert_eq!(err.column.as_deref(), Some("email"), "header {name:?}");
    }
    let text = "version = 1\n[columns]\n\"first name\" = { transform = \"keep\" }\n\"\" = { transform = \"drop\" }\n";
    let plan = plan(text, &["", "first name"], Direction::Mask);
    assert_eq!(plan.output_header(), ["first name"]);
}

#[test]
fn drop_removes_the_column_from_the_output_header() {
    let text = r#"version = 1
[columns]
ssn = { transform = "drop" }
email = { transform = "hash" }
name = { transform = "redact" }
"#;
    let plan = plan(text, &["name", "ssn", "email"], Direction::Mask);
    assert_eq!(plan.direction(), Direction::Mask);
    assert_eq!(
        actions(&plan),
        [
            ("name", ColumnAction::Transform, "redact"),
            ("ssn", ColumnAction::Drop, "drop"),
            ("email", ColumnAction::Transform, "hash"),
        ]
    );
    // Input order, not policy order.
    assert_eq!(plan.output_header(), ["name", "email"]);
}

const EVERY: &str = r#"version = 1
[columns]
h = { transform = "hash" }
e = { transform = "encrypt" }
r = { transform = "encrypt_random" }
f = { transform = "fpe", alphabet = "digits" }
m = { transform = "mask" }
x = { transform = "redact" }
d = { transform = "drop" }
k = { transform = "keep" }
"#;

#[test]
fn mask_plans_every_transform() {
    let plan = plan(
        EVERY,
        &["h", "e", "r", "f", "m", "x", "d", "k"],
        Direction::Mask,
    );
    let got: Vec<_> = plan
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    use ColumnAction::*;
    assert_eq!(
        got,
        [
            ("h", Transform),
            ("e", Transform),
            ("r", Transform),
            ("f", Transform),
            ("m", Transform),
            ("x", Transform),
            ("d", Drop),
            ("k", Copy)
        ]
    );
    assert_eq!(plan.output_header(), ["h", "e", "r", "f", "m", "x", "k"]);
    assert!(plan.columns().iter().all(|c| c.rule.is_some()));
}

#[test]
fn unmask_reverses_only_reversible_columns_and_expects_no_dropped_column() {
    // The masked header: `d` was dropped by the mask job.
    let plan = plan(
        EVERY,
        &["h", "e", "r", "f", "m", "x", "k"],
        Direction::Unmask,
    );
    assert_eq!(plan.direction(), Direction::Unmask);
    let got: Vec<_> = plan
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.action, c.transform_name()))
        .collect();
    use ColumnAction::*;
    assert_eq!(
        got,
        [
            ("h", Copy, "hash"),
            ("e", Transform, "encrypt"),
            ("r", Transform, "encrypt_random"),
            ("f", Transform, "fpe"),
            ("m", Copy, "mask"),
            ("x", Copy, "redact"),
            ("k", Copy, "keep"),
        ]
    );
    assert_eq!(plan.output_header(), ["h", "e", "r", "f", "m", "x", "k"]);

    // The mask direction does expect `d`.
    let err = Plan::new(
        &policy(EVERY),
        &header(&["h", "e", "r", "f", "m", "x", "k"]),
        Direction::Mask,
    )
    .unwrap_err();
    assert_eq!(err.column.as_deref(), Some("d"));
    assert_eq!(err.line, Some(9));

    // A dropped column that is there anyway is copied on unmask, not removed.
    let plan = crate::common::plan(
        EVERY,
        &["h", "e", "r", "f", "m", "x", "d", "k"],
        Direction::Unmask,
    );
    assert_eq!(plan.columns()[6].action, Copy);
    assert_eq!(plan.output_header().len(), 8);

    // Other missing columns are still errors on unmask.
    let err = Plan::new(
        &policy(EVERY),
        &header(&["h", "r", "f", "m", "x", "k"]),
        Direction::Unmask,
    )
    .unwrap_err();
    assert_eq!(err.column.as_deref(), Some("e"));
    assert!(matches!(*err.kind, PolicyErrorKind::MissingColumn { .. }));
}

#[test]
fn plan_holds_the_rule() {
    let text = "version = 1\n[columns]\nemail = { transform = \"hash\", domain = \"customer\", normalise = [\"trim\"] }\n";
    let plan = plan(text, &["email"], Direction::Mask);
    let rule = plan.columns()[0].rule.as_ref().unwrap();
    assert_eq!(rule.domain, "customer");
    assert_eq!(rule.normalise.len(), 1);
}

/// The hint for an unlisted column is meant to be pasted under `[columns]`, so a
/// name that needs quoting in TOML (a space, a dot, …) is quoted.
#[test]
fn unlisted_hint_is_valid_toml() {
    for name in ["first name", "a.b"] {
        let err = Plan::new(
            &policy(THREE),
            &header(&["email", "city", name]),
            Direction::Mask,
        )
        .unwrap_err();
        let shown = err.to_string();
        let hint = shown
            .split('`')
            .find(|s| s.contains("transform = \"keep\""))
            .unwrap();
        let text = format!("version = 1\n[columns]\n{hint}\n");
        let p = oubli_policy::Policy::parse(&text, "hint.toml")
            .unwrap_or_else(|e| panic!("hint {hint:?}: {e}"));
        assert_eq!(p.columns[0].name, name);
    }
}
