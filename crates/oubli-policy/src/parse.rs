//! Parsing the TOML policy file with a span for every key, so that every error
//! names its line.

use std::ops::Range;

use oubli_core::canonical::Normalisation;
use oubli_core::transform::{Alphabet, HashEncoding};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::{
    ColumnRule, EmptyValues, FpeFallback, PerSubject, Policy, Rule, Transform, Unlisted,
};

mod anon;
mod risk;

const TOP_KEYS: &[&str] = &["version", "unlisted", "columns", "risk"];
const TRANSFORMS: &[&str] = &[
    "hash",
    "encrypt",
    "encrypt_random",
    "fpe",
    "mask",
    "redact",
    "drop",
    "keep",
    "generalise",
    "date_shift",
    "noise",
    "fake",
];
const ALL_COLUMN_KEYS: &[&str] = &[
    "transform",
    "domain",
    "normalise",
    "empty",
    "encoding",
    "length",
    "prefix",
    "alphabet",
    "custom_alphabet",
    "fallback",
    "keep_first",
    "keep_last",
    "char",
    "skip",
    "value",
    "per_subject",
    "vault",
];

/// The keys a transform takes, besides `transform`.
fn keys_of(transform: &str) -> &'static [&'static str] {
    match transform {
        "hash" => &[
            "domain",
            "normalise",
            "empty",
            "encoding",
            "length",
            "prefix",
        ],
        "encrypt" | "encrypt_random" => &[
            "domain",
            "normalise",
            "empty",
            "prefix",
            "per_subject",
            "vault",
        ],
        "fpe" => &[
            "domain",
            "normalise",
            "alphabet",
            "custom_alphabet",
            "fallback",
        ],
        "mask" => &["normalise", "keep_first", "keep_last", "char", "skip"],
        "redact" => &["value"],
        other => anon::keys_of(other),
    }
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(
        &self,
        span: &Range<usize>,
        column: Option<&str>,
        key: Option<&str>,
        kind: PolicyErrorKind,
    ) -> PolicyError {
        PolicyError {
            file: self.file.to_owned(),
            line: Some(self.line(span)),
            column: column.map(str::to_owned),
            key: key.map(str::to_owned),
            kind: Box::new(kind),
        }
    }
}

impl Policy {
    /// Parses and validates a policy file's text. `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
        let cx = Ctx { text, file };
        let root = DeTable::parse(text).map_err(|e| PolicyError {
            file: file.to_owned(),
            line: e.span().map(|s| cx.line(&s)),
            column: None,
            key: None,
            kind: Box::new(PolicyErrorKind::Syntax(e.message().trim().to_owned())),
        })?;
        let root = root.get_ref();

        // The version decides how the rest is read, so it is checked first.
        match root.iter().find(|(k, _)| *k.get_ref() == "version") {
            Some((_, value)) => {
                let v = int(&cx, value, None, "version")?;
                if v != 1 {
                    return Err(cx.err(
                        &value.span(),
                        None,
                        Some("version"),
                        PolicyErrorKind::BadValue(format!(
                            "policy format version {v} is not supported; this oubli reads version 1"
                        )),
                    ));
                }
            }
            None => {
                return Err(PolicyError {
                    file: file.to_owned(),
                    line: None,
                    column: None,
                    key: None,
                    kind: Box::new(PolicyErrorKind::MissingKey("version")),
                });
            }
        }

        let mut version = None;
        let mut unlisted = (Unlisted::Error, None);
        let mut columns = None;
        let mut risk = None;
        for (key, value) in in_file_order(root) {
            let name: &str = key.get_ref();
            let span = key.span();
            match name {
                "version" => version = Some(1),
                "unlisted" => {
                    let v = string(&cx, value, None, name)?;
                    let mode = match v {
                        "error" => Unlisted::Error,
                        "keep" => Unlisted::Keep,
                        "drop" => Unlisted::Drop,
                        other => {
                            return Err(bad(
                                &cx,
                                value,
                                None,
                                name,
                                format!("`{other}` is not one of \"error\", \"keep\", \"drop\""),
                            ));
                        }
                    };
                    unlisted = (mode, Some(cx.line(&span)));
                }
                "columns" => {
                    let table = value
                        .get_ref()
                        .as_table()
                        .ok_or_else(|| wrong_type(&cx, value, None, name, "a table"))?;
                    columns = Some(parse_columns(&cx, table)?);
                }
                "risk" => {
                    let table = value
                        .get_ref()
                        .as_table()
                        .ok_or_else(|| wrong_type(&cx, value, None, name, "a table"))?;
                    risk = Some(risk::parse_risk(&cx, &span, table)?);
                }
                _ => {
                    return Err(cx.err(
                        &span,
                        None,
                        Some(name),
                        PolicyErrorKind::UnknownKey {
                            expected: TOP_KEYS.join(", "),
                        },
                    ));
                }
            }
        }
        let missing = |k: &'static str| PolicyError {
            file: file.to_owned(),
            line: None,
            column: None,
            key: None,
            kind: Box::new(PolicyErrorKind::MissingKey(k)),
        };
        let version = version.ok_or_else(|| missing("version"))?;
        let columns = columns.ok_or_else(|| missing("columns"))?;
        if let Some(risk) = &risk {
            risk::check_columns(&cx, risk, &columns, unlisted.0)?;
        }
        Ok(Policy {
            file: file.to_owned(),
            version,
            unlisted: unlisted.0,
            unlisted_line: unlisted.1,
            risk,
            columns,
            vault: None,
        })
    }
}

fn parse_columns(cx: &Ctx<'_>, table: &DeTable<'_>) -> Result<Vec<ColumnRule>, PolicyError> {
    let mut rules = Vec::new();
    for (key, value) in in_file_order(table) {
        let column: &str = key.get_ref();
        let line = cx.line(&key.span());
        let entry = value.get_ref().as_table().ok_or_else(|| {
            wrong_type(
                cx,
                value,
                Some(column),
                "columns",
                "an inline table such as { transform = \"keep\" }",
            )
        })?;
        let mut rule = parse_rule(cx, column, &key.span(), entry)?;
        if let Some(per_subject) = parse_per_subject(cx, column, entry)? {
            rule.subject = Some(per_subject.column.clone());
            rule.per_subject = Some(per_subject);
        }
        rules.push(ColumnRule {
            name: column.to_owned(),
            line,
            rule,
        });
    }
    Ok(rules)
}

/// `per_subject` and `vault` of an `encrypt` / `encrypt_random` entry (the
/// transform has already checked that only these transforms take them).
fn parse_per_subject(
    cx: &Ctx<'_>,
    column: &str,
    entry: &DeTable<'_>,
) -> Result<Option<PerSubject>, PolicyError> {
    let col = Some(column);
    let get = |k: &str| {
        entry
            .iter()
            .find(|(key, _)| *key.get_ref() == k)
            .map(|(_, v)| v)
    };
    let vault = match get("vault") {
        Some(v) => {
            let path = string(cx, v, col, "vault")?;
            if path.is_empty() || path.contains('\0') {
                return Err(bad(cx, v, col, "vault", "the vault path is empty".into()));
            }
            Some((path.to_owned(), cx.line(&v.span())))
        }
        None => None,
    };
    match get("per_subject") {
        Some(v) => {
            let subject = string(cx, v, col, "per_subject")?;
            if subject.is_empty() {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "per_subject",
                    "name the column that holds each row's data subject".into(),
                ));
            }
            Ok(Some(PerSubject {
                column: subject.to_owned(),
                vault: vault.as_ref().map(|(p, _)| p.clone()),
                line: cx.line(&v.span()),
            }))
        }
        None => match (vault, get("vault")) {
            (Some(_), Some(v)) => Err(bad(
                cx,
                v,
                col,
                "vault",
                "`vault` is used only with `per_subject = \"<subject column>\"`".into(),
            )),
            _ => Ok(None),
        },
    }
}

fn parse_rule(
    cx: &Ctx<'_>,
    column: &str,
    at: &Range<usize>,
    entry: &DeTable<'_>,
) -> Result<Rule, PolicyError> {
    let col = Some(column);
    let transform_value = entry
        .iter()
        .find(|(k, _)| *k.get_ref() == "transform")
        .map(|(_, v)| v)
        .ok_or_else(|| cx.err(at, col, None, PolicyErrorKind::MissingKey("transform")))?;
    let name = string(cx, transform_value, col, "transform")?;
    if !TRANSFORMS.contains(&name) {
        return Err(cx.err(
            &transform_value.span(),
            col,
            Some("transform"),
            PolicyErrorKind::UnknownTransform {
                name: name.to_owned(),
                expected: TRANSFORMS.join(", "),
            },
        ));
    }
    let allowed = keys_of(name);
    for (key, _) in in_file_order(entry) {
        let k: &str = key.get_ref();
        if k == "transform" || allowed.contains(&k) {
            continue;
        }
        let kind = if ALL_COLUMN_KEYS.contains(&k) || anon::KEYS.contains(&k) {
            PolicyErrorKind::NotForTransform {
                transform: TRANSFORMS
                    .iter()
                    .find(|t| **t == name)
                    .copied()
                    .unwrap_or("keep"),
                expected: if allowed.is_empty() {
                    "no parameters".into()
                } else {
                    allowed.join(", ")
                },
            }
        } else {
            PolicyErrorKind::UnknownKey {
                expected: std::iter::once("transform")
                    .chain(allowed.iter().copied())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        };
        return Err(cx.err(&key.span(), col, Some(k), kind));
    }

    let get = |k: &str| {
        entry
            .iter()
            .find(|(key, _)| *key.get_ref() == k)
            .map(|(_, v)| v)
    };
    let opt_string = |k: &str| -> Result<Option<String>, PolicyError> {
        get(k)
            .map(|v| string(cx, v, col, k).map(str::to_owned))
            .transpose()
    };
    let opt_count = |k: &str| -> Result<Option<usize>, PolicyError> {
        get(k)
            .map(|v| {
                let n = int(cx, v, col, k)?;
                usize::try_from(n).map_err(|_| {
                    bad(
                        cx,
                        v,
                        col,
                        k,
                        format!("{n} is negative; expected 0 or more"),
                    )
                })
            })
            .transpose()
    };

    let domain = match get("domain") {
        Some(v) => {
            let d = string(cx, v, col, "domain")?;
            if d.is_empty() || d.chars().any(char::is_control) {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "domain",
                    "a domain is a non-empty label without control characters".into(),
                ));
            }
            d.to_owned()
        }
        None => "default".to_owned(),
    };

    let mut normalise = Vec::new();
    if let Some(v) = get("normalise") {
        let items = v
            .get_ref()
            .as_array()
            .ok_or_else(|| wrong_type(cx, v, col, "normalise", "an array of strings"))?;
        for item in items.iter() {
            let s = string(cx, item, col, "normalise")?;
            let n: Normalisation =
                s.parse()
                    .map_err(|e: oubli_core::canonical::UnknownNormalisation| {
                        bad(cx, item, col, "normalise", e.to_string())
                    })?;
            normalise.push(n);
        }
    }

    let empty = match get("empty") {
        Some(v) => match string(cx, v, col, "empty")? {
            "keep" => EmptyValues::Keep,
            "transform" => EmptyValues::Transform,
            other => {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "empty",
                    format!("`{other}` is not one of \"keep\", \"transform\""),
                ));
            }
        },
        None => EmptyValues::Keep,
    };

    let prefix = opt_string("prefix")?.unwrap_or_default();
    let transform = match name {
        "keep" => Transform::Keep,
        "drop" => Transform::Drop,
        "redact" => Transform::Redact {
            value: opt_string("value")?.unwrap_or_default(),
        },
        "hash" => {
            let encoding = match get("encoding") {
                Some(v) => {
                    let s = string(cx, v, col, "encoding")?;
                    s.parse::<HashEncoding>().map_err(|()| {
                        bad(
                            cx,
                            v,
                            col,
                            "encoding",
                            format!("`{s}` is not one of \"hex\", \"base32\", \"base64url\""),
                        )
                    })?
                }
                None => HashEncoding::Hex,
            };
            let length = opt_count("length")?;
            if let (Some(n), Some(v)) = (length, get("length"))
                && !(8..=encoding.full_len()).contains(&n)
            {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "length",
                    format!(
                        "{n} is outside 8..={} (the full {} length); shorter pseudonyms collide too often",
                        encoding.full_len(),
                        encoding.name()
                    ),
                ));
            }
            Transform::Hash {
                encoding,
                length,
                prefix,
            }
        }
        "encrypt" => Transform::Encrypt { prefix },
        "encrypt_random" => Transform::EncryptRandom { prefix },
        "fpe" => {
            let alphabet = match (get("alphabet"), get("custom_alphabet")) {
                (Some(v), None) => {
                    let name = string(cx, v, col, "alphabet")?;
                    Alphabet::named(name).ok_or_else(|| {
                        let names = Alphabet::NAMES.map(|(n, _)| n).join(", ");
                        let message = format!(
                            "`{name}` is not a named alphabet ({names}); for other characters use `custom_alphabet = \"...\"`"
                        );
                        bad(cx, v, col, "alphabet", message)
                    })?
                }
                (None, Some(v)) => Alphabet::custom(string(cx, v, col, "custom_alphabet")?)
                    .map_err(|e| bad(cx, v, col, "custom_alphabet", e.to_string()))?,
                (Some(_), Some(v)) => {
                    let message =
                        "give either `alphabet` or `custom_alphabet`, not both".to_owned();
                    return Err(bad(cx, v, col, "custom_alphabet", message));
                }
                (None, None) => {
                    return Err(cx.err(at, col, None, PolicyErrorKind::MissingKey("alphabet")));
                }
            };
            let fallback = match get("fallback") {
                Some(v) => match string(cx, v, col, "fallback")? {
                    "error" => FpeFallback::Error,
                    "keep" => FpeFallback::Keep,
                    "redact" => FpeFallback::Redact,
                    other => {
                        return Err(bad(
                            cx,
                            v,
                            col,
                            "fallback",
                            format!("`{other}` is not one of \"error\", \"keep\", \"redact\""),
                        ));
                    }
                },
                None => FpeFallback::Error,
            };
            Transform::Fpe { alphabet, fallback }
        }
        "mask" => {
            let mask = match get("char") {
                Some(v) => {
                    let s = string(cx, v, col, "char")?;
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => c,
                        _ => {
                            return Err(bad(
                                cx,
                                v,
                                col,
                                "char",
                                format!("`{s}` is not exactly one character"),
                            ));
                        }
                    }
                }
                None => '*',
            };
            Transform::Mask {
                keep_first: opt_count("keep_first")?.unwrap_or(0),
                keep_last: opt_count("keep_last")?.unwrap_or(0),
                mask,
                skip: opt_string("skip")?.unwrap_or_default(),
            }
        }
        "generalise" | "date_shift" | "noise" | "fake" => {
            anon::transform(cx, col, at, name, entry)?
        }
        _ => unreachable!("checked against TRANSFORMS above"),
    };
    Ok(Rule {
        transform,
        normalise,
        domain,
        empty,
        subject: anon::subject(cx, col, entry)?,
        per_subject: None,
    })
}

fn string<'v>(
    cx: &Ctx<'_>,
    v: &'v Spanned<DeValue<'_>>,
    col: Option<&str>,
    key: &str,
) -> Result<&'v str, PolicyError> {
    v.get_ref()
        .as_str()
        .ok_or_else(|| wrong_type(cx, v, col, key, "a string"))
}

fn int(
    cx: &Ctx<'_>,
    v: &Spanned<DeValue<'_>>,
    col: Option<&str>,
    key: &str,
) -> Result<i64, PolicyError> {
    let i = v
        .get_ref()
        .as_integer()
        .ok_or_else(|| wrong_type(cx, v, col, key, "an integer"))?;
    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_err(|_| {
        bad(
            cx,
            v,
            col,
            key,
            format!("integer `{}` is out of range", i.as_str()),
        )
    })
}

fn wrong_type(
    cx: &Ctx<'_>,
    v: &Spanned<DeValue<'_>>,
    col: Option<&str>,
    key: &str,
    expected: &'static str,
) -> PolicyError {
    cx.err(
        &v.span(),
        col,
        Some(key),
        PolicyErrorKind::WrongType {
            expected,
            found: v.get_ref().type_str(),
        },
    )
}

fn bad<T>(
    cx: &Ctx<'_>,
    at: &Spanned<T>,
    col: Option<&str>,
    key: &str,
    message: String,
) -> PolicyError {
    cx.err(
        &at.span(),
        col,
        Some(key),
        PolicyErrorKind::BadValue(message),
    )
}

/// A table's entries in the order they appear in the file (the parser's map is
/// sorted by key), so that the first problem reported is the first in the file.
fn in_file_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}
