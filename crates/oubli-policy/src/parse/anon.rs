//! The anonymising transforms' parameters (`docs/POLICY.md`): `generalise`,
//! `date_shift`, `noise`, `fake`.

use std::ops::Range;
use std::sync::Arc;

use oubli_core::transform::{
    Decimal, Dictionary, MAX_SHIFT_DAYS, NoiseDistribution, NoiseScale, Period,
};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Ctx, bad, in_file_order, int, string, wrong_type};
use crate::anon::{DictionarySource, Generalise, NoiseRule, PolicyFile};
use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::Transform;

/// Their own keys (all transforms' keys are listed in `ALL_COLUMN_KEYS`).
pub(super) const KEYS: &[&str] = &[
    "to",
    "width",
    "origin",
    "breaks",
    "hierarchy",
    "level",
    "missing",
    "max_days",
    "subject",
    "absolute",
    "relative",
    "distribution",
    "dictionary",
    "unique",
];

/// The keys each transform takes, besides `transform`.
pub(super) fn keys_of(transform: &str) -> &'static [&'static str] {
    match transform {
        "generalise" => &[
            "normalise",
            "empty",
            "to",
            "width",
            "origin",
            "breaks",
            "keep_first",
            "hierarchy",
            "level",
            "missing",
        ],
        "date_shift" => &["domain", "normalise", "empty", "max_days", "subject"],
        "noise" => &[
            "domain",
            "normalise",
            "empty",
            "absolute",
            "relative",
            "distribution",
            "subject",
        ],
        "fake" => &["domain", "normalise", "empty", "dictionary", "unique"],
        _ => &[],
    }
}

type Value<'t, 'i> = &'t Spanned<DeValue<'i>>;

/// The entry's value for `key`.
fn get<'t, 'i>(entry: &'t DeTable<'i>, key: &str) -> Option<Value<'t, 'i>> {
    entry
        .iter()
        .find(|(k, _)| *k.get_ref() == key)
        .map(|(_, v)| v)
}

/// The `subject` column of `date_shift` and `noise`.
pub(super) fn subject(
    cx: &Ctx<'_>,
    col: Option<&str>,
    entry: &DeTable<'_>,
) -> Result<Option<String>, PolicyError> {
    let Some(v) = get(entry, "subject") else {
        return Ok(None);
    };
    let s = string(cx, v, col, "subject")?;
    if s.is_empty() {
        return Err(bad(
            cx,
            v,
            col,
            "subject",
            "name the input column that identifies each row's data subject".into(),
        ));
    }
    Ok(Some(s.to_owned()))
}

/// The transform `name` (`generalise`, `date_shift`, `noise` or `fake`) with its parameters; `at` is
/// the span of the column's key (for missing keys).
pub(super) fn transform(
    cx: &Ctx<'_>,
    col: Option<&str>,
    at: &Range<usize>,
    name: &str,
    entry: &DeTable<'_>,
) -> Result<Transform, PolicyError> {
    let missing = |key: &'static str| cx.err(at, col, None, PolicyErrorKind::MissingKey(key));
    match name {
        "generalise" => generalise(cx, col, at, entry).map(Transform::Generalise),
        "date_shift" => {
            let v = get(entry, "max_days").ok_or_else(|| missing("max_days"))?;
            let n = int(cx, v, col, "max_days")?;
            let max_days = u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_SHIFT_DAYS).contains(n))
                .ok_or_else(|| {
                    bad(
                        cx,
                        v,
                        col,
                        "max_days",
                        format!(
                            "{n} is outside 1..={MAX_SHIFT_DAYS}; a shift of 0 days would leave the dates as they are"
                        ),
                    )
                })?;
            if get(entry, "subject").is_none() {
                return Err(missing("subject"));
            }
            Ok(Transform::DateShift { max_days })
        }
        "noise" => {
            let scale = match (get(entry, "absolute"), get(entry, "relative")) {
                (Some(v), None) => NoiseScale::Absolute(positive(cx, v, col, "absolute")?),
                (None, Some(v)) => NoiseScale::Relative(positive(cx, v, col, "relative")?),
                (Some(a), Some(r)) => {
                    let later = if a.span().start > r.span().start {
                        (a, "absolute")
                    } else {
                        (r, "relative")
                    };
                    return Err(bad(
                        cx,
                        later.0,
                        col,
                        later.1,
                        "give either `absolute` or `relative`, not both".into(),
                    ));
                }
                (None, None) => {
                    return Err(cx.err(
                        at,
                        col,
                        None,
                        PolicyErrorKind::BadValue(
                            "`noise` needs its size: `absolute = 5` (the same for every value) or `relative = 0.1` (a fraction of each value)".into(),
                        ),
                    ));
                }
            };
            let distribution = match get(entry, "distribution") {
                None => NoiseDistribution::default(),
                Some(v) => {
                    let s = string(cx, v, col, "distribution")?;
                    NoiseDistribution::named(s).ok_or_else(|| {
                        bad(
                            cx,
                            v,
                            col,
                            "distribution",
                            format!("`{s}` is not one of \"uniform\", \"laplace\""),
                        )
                    })?
                }
            };
            Ok(Transform::Noise(NoiseRule {
                scale,
                distribution,
            }))
        }
        "fake" => {
            let v = get(entry, "dictionary").ok_or_else(|| missing("dictionary"))?;
            let s = string(cx, v, col, "dictionary")?;
            let dictionary = match Dictionary::built_in(s) {
                Some(d) => DictionarySource::BuiltIn(Arc::new(d)),
                None if s.is_empty() || s.contains('\0') => {
                    return Err(bad(
                        cx,
                        v,
                        col,
                        "dictionary",
                        format!(
                            "name a built-in dictionary ({}) or a file",
                            Dictionary::BUILT_IN.join(", ")
                        ),
                    ));
                }
                None => DictionarySource::File(PolicyFile::new(s, cx.line(&v.span()))),
            };
            let unique = match get(entry, "unique") {
                None => false,
                Some(v) => v
                    .get_ref()
                    .as_bool()
                    .ok_or_else(|| wrong_type(cx, v, col, "unique", "a boolean"))?,
            };
            Ok(Transform::Fake { dictionary, unique })
        }
        _ => unreachable!("called for the transforms of this module only"),
    }
}

const MODES: &[&str] = &["to", "width", "breaks", "keep_first", "hierarchy"];

fn generalise(
    cx: &Ctx<'_>,
    col: Option<&str>,
    at: &Range<usize>,
    entry: &DeTable<'_>,
) -> Result<Generalise, PolicyError> {
    let modes: Vec<_> = in_file_order(entry)
        .into_iter()
        .filter(|(k, _)| MODES.contains(&k.get_ref().as_ref()))
        .collect();
    let (mode_key, v) = match modes.as_slice() {
        [] => {
            return Err(cx.err(
                at,
                col,
                None,
                PolicyErrorKind::BadValue(
                    "`generalise` needs one of `to` (dates), `width` or `breaks` (numbers), `keep_first` (strings) or `hierarchy` (a hierarchy file)".into(),
                ),
            ));
        }
        [(k, v)] => (k.get_ref().as_ref(), *v),
        [(first, _), (second, v), ..] => {
            let (first, second): (&str, &str) = (first.get_ref(), second.get_ref());
            return Err(bad(
                cx,
                v,
                col,
                second,
                format!(
                    "give only one of `to`, `width`, `breaks`, `keep_first`, `hierarchy` (found `{first}` and `{second}`)"
                ),
            ));
        }
    };
    // Keys that belong to another mode.
    for (key, needs) in [
        ("origin", "width"),
        ("level", "hierarchy"),
        ("missing", "hierarchy"),
    ] {
        if let Some(k) = get(entry, key)
            && mode_key != needs
        {
            return Err(bad(
                cx,
                k,
                col,
                key,
                format!("`{key}` is used only with `{needs}`"),
            ));
        }
    }
    Ok(match mode_key {
        "to" => {
            let s = string(cx, v, col, "to")?;
            Generalise::Date(Period::named(s).ok_or_else(|| {
                bad(
                    cx,
                    v,
                    col,
                    "to",
                    format!("`{s}` is not one of \"year\", \"quarter\", \"month\", \"week\""),
                )
            })?)
        }
        "width" => {
            let width = number(cx, v, col, "width")?;
            if !width.is_positive() {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "width",
                    format!("{width} is not greater than 0"),
                ));
            }
            let origin = match get(entry, "origin") {
                Some(o) => number(cx, o, col, "origin")?,
                None => Decimal::from_int(0),
            };
            Generalise::Width { width, origin }
        }
        "breaks" => {
            let items = v
                .get_ref()
                .as_array()
                .ok_or_else(|| wrong_type(cx, v, col, "breaks", "an array of numbers"))?;
            let mut breaks: Vec<Decimal> = Vec::new();
            for item in items.iter() {
                let b = number(cx, item, col, "breaks")?;
                if let Some(last) = breaks.last()
                    && !last.less_than(b).unwrap_or(false)
                {
                    return Err(bad(
                        cx,
                        item,
                        col,
                        "breaks",
                        format!(
                            "{b} does not come after {last}; breaks must be strictly increasing"
                        ),
                    ));
                }
                breaks.push(b);
            }
            if breaks.is_empty() {
                return Err(bad(cx, v, col, "breaks", "give at least one break".into()));
            }
            Generalise::Breaks(breaks)
        }
        "keep_first" => {
            let n = int(cx, v, col, "keep_first")?;
            let n = usize::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad(cx, v, col, "keep_first", format!("{n} is not 1 or more")))?;
            Generalise::Prefix(n)
        }
        "hierarchy" => {
            let path = string(cx, v, col, "hierarchy")?;
            if path.is_empty() || path.contains('\0') {
                return Err(bad(
                    cx,
                    v,
                    col,
                    "hierarchy",
                    "name the hierarchy file (relative to the policy file)".into(),
                ));
            }
            let l = get(entry, "level")
                .ok_or_else(|| cx.err(at, col, None, PolicyErrorKind::MissingKey("level")))?;
            let n = int(cx, l, col, "level")?;
            let level = usize::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                bad(
                    cx,
                    l,
                    col,
                    "level",
                    format!("{n} is not 1 or more (level 1 is the column after the value)"),
                )
            })?;
            let missing = get(entry, "missing")
                .map(|m| string(cx, m, col, "missing").map(str::to_owned))
                .transpose()?;
            Generalise::Hierarchy {
                file: PolicyFile::new(path, cx.line(&v.span())),
                level,
                missing,
            }
        }
        _ => unreachable!("one of MODES"),
    })
}

/// A TOML integer or finite float as an exact decimal.
fn number(
    cx: &Ctx<'_>,
    v: Value<'_, '_>,
    col: Option<&str>,
    key: &str,
) -> Result<Decimal, PolicyError> {
    match v.get_ref() {
        DeValue::Integer(_) => Ok(Decimal::from_int(int(cx, v, col, key)?)),
        DeValue::Float(f) => Decimal::parse(&f.as_str().replace('_', "")).ok_or_else(|| {
            bad(
                cx,
                v,
                col,
                key,
                format!("`{}` is not a finite number", f.as_str()),
            )
        }),
        _ => Err(wrong_type(cx, v, col, key, "a number")),
    }
}

/// A TOML integer or float that is finite and greater than zero.
fn positive(
    cx: &Ctx<'_>,
    v: Value<'_, '_>,
    col: Option<&str>,
    key: &str,
) -> Result<f64, PolicyError> {
    let x = match v.get_ref() {
        DeValue::Integer(_) => int(cx, v, col, key)? as f64,
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .unwrap_or(f64::NAN),
        _ => return Err(wrong_type(cx, v, col, key, "a number")),
    };
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(bad(
            cx,
            v,
            col,
            key,
            "expected a finite number greater than 0".into(),
        ))
    }
}
