//! The `[risk]` section (`docs/POLICY.md` §8).

use std::ops::Range;

use toml::de::DeTable;

use super::{Ctx, bad, in_file_order, int, string, wrong_type};
use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::{ColumnRule, Transform, Unlisted};
use crate::risk::{OnViolation, RiskColumn, RiskPolicy};

const KEYS: &[&str] = &["quasi_identifiers", "k", "on_violation", "sensitive", "l"];

/// Parses the section's table; `at` is the span of its `risk` key.
pub(super) fn parse_risk(
    cx: &Ctx<'_>,
    at: &Range<usize>,
    table: &DeTable<'_>,
) -> Result<RiskPolicy, PolicyError> {
    let mut quasi: Option<Vec<RiskColumn>> = None;
    let mut k = None;
    let mut on_violation = OnViolation::default();
    let mut sensitive = None;
    let mut l = None;
    for (key, value) in in_file_order(table) {
        let name: &str = key.get_ref();
        match name {
            "quasi_identifiers" => {
                let items = value
                    .get_ref()
                    .as_array()
                    .ok_or_else(|| wrong_type(cx, value, None, name, "an array of column names"))?;
                let mut columns: Vec<RiskColumn> = Vec::new();
                for item in items.iter() {
                    let column = string(cx, item, None, name)?;
                    if columns.iter().any(|c| c.name == column) {
                        return Err(bad(
                            cx,
                            item,
                            Some(column),
                            name,
                            "this quasi-identifier is named twice".into(),
                        ));
                    }
                    columns.push(RiskColumn {
                        name: column.to_owned(),
                        line: cx.line(&item.span()),
                    });
                }
                if columns.is_empty() {
                    return Err(bad(
                        cx,
                        value,
                        None,
                        name,
                        "name at least one quasi-identifier column".into(),
                    ));
                }
                quasi = Some(columns);
            }
            "k" | "l" => {
                let n = int(cx, value, None, name)?;
                let n = u64::try_from(n).ok().filter(|n| *n >= 2).ok_or_else(|| {
                    let what = if name == "k" {
                        "every class has at least 1 record"
                    } else {
                        "every class has at least 1 distinct sensitive value"
                    };
                    bad(
                        cx,
                        value,
                        None,
                        name,
                        format!("{n} is below 2 ({what} anyway); use 2 or more"),
                    )
                })?;
                if name == "k" {
                    k = Some(n);
                } else {
                    l = Some((n, key.span()));
                }
            }
            "on_violation" => {
                on_violation = match string(cx, value, None, name)? {
                    "fail" => OnViolation::Fail,
                    "suppress" => OnViolation::Suppress,
                    other => {
                        return Err(bad(
                            cx,
                            value,
                            None,
                            name,
                            format!("`{other}` is not one of \"fail\", \"suppress\""),
                        ));
                    }
                };
            }
            "sensitive" => {
                sensitive = Some(RiskColumn {
                    name: string(cx, value, None, name)?.to_owned(),
                    line: cx.line(&value.span()),
                });
            }
            _ => {
                return Err(cx.err(
                    &key.span(),
                    None,
                    Some(name),
                    PolicyErrorKind::UnknownKey {
                        expected: KEYS.join(", "),
                    },
                ));
            }
        }
    }
    let missing =
        |key: &'static str| cx.err(at, None, Some("risk"), PolicyErrorKind::MissingKey(key));
    let quasi_identifiers = quasi.ok_or_else(|| missing("quasi_identifiers"))?;
    let k = k.ok_or_else(|| missing("k"))?;
    if let Some(s) = &sensitive
        && quasi_identifiers.iter().any(|q| q.name == s.name)
    {
        return Err(PolicyError {
            line: Some(s.line),
            ..cx.err(
                at,
                Some(&s.name),
                Some("sensitive"),
                PolicyErrorKind::BadValue(
                    "the sensitive attribute is also a quasi-identifier (its diversity within a class would always be 1)".into(),
                ),
            )
        });
    }
    let l = match (l, &sensitive) {
        (Some((_, span)), None) => {
            return Err(cx.err(
                &span,
                None,
                Some("l"),
                PolicyErrorKind::BadValue(
                    "l-diversity needs the sensitive attribute: add `sensitive = \"<column>\"`"
                        .into(),
                ),
            ));
        }
        (l, _) => l.map(|(n, _)| n),
    };
    Ok(RiskPolicy {
        line: cx.line(at),
        quasi_identifiers,
        k,
        on_violation,
        sensitive,
        l,
    })
}

/// Checks the section against `[columns]` and `unlisted`: every column the
/// check reads must be in the output. With `unlisted = "keep"` a column the
/// policy does not name may still be in the input; [`RiskPolicy::bind`]
/// checks that against the header.
pub(super) fn check_columns(
    cx: &Ctx<'_>,
    risk: &RiskPolicy,
    columns: &[ColumnRule],
    unlisted: Unlisted,
) -> Result<(), PolicyError> {
    let named = risk
        .quasi_identifiers
        .iter()
        .map(|c| (c, "quasi_identifiers"))
        .chain(risk.sensitive.iter().map(|c| (c, "sensitive")));
    for (column, key) in named {
        let problem = match (columns.iter().find(|r| r.name == column.name), unlisted) {
            (Some(rule), _) if matches!(rule.rule.transform, Transform::Drop) => format!(
                "the policy drops this column (line {}), so the output has no such column to measure; measure the columns the output keeps",
                rule.line
            ),
            (Some(_), _) | (None, Unlisted::Keep) => continue,
            (None, Unlisted::Error) => {
                "this column is not named under [columns]; a quasi-identifier or sensitive attribute must be an output column (add it under [columns])".to_owned()
            }
            (None, Unlisted::Drop) => {
                "this column is not named under [columns], and `unlisted = \"drop\"` leaves it out of the output (add it under [columns])".to_owned()
            }
        };
        return Err(PolicyError {
            file: cx.file.to_owned(),
            line: Some(column.line),
            column: Some(column.name.clone()),
            key: Some(key.to_owned()),
            kind: Box::new(PolicyErrorKind::BadValue(problem)),
        });
    }
    Ok(())
}
