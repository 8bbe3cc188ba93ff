//! `generalise`: dates to a period, numbers to bins, strings to a prefix, or a
//! value to a level of an ARX-style hierarchy (`docs/CONSTRUCTIONS.md` §4, `generalise`).
//! No key: generalisation is not keyed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::transform::calendar::{Decimal, civil_from_days, iso_week, parse_date};

/// Why a value could not be anonymised. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnonymiseError {
    /// Not a date or timestamp.
    #[error("the value is not a date (YYYY-MM-DD) or an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS…)")]
    NotADate,
    /// Not a decimal number.
    #[error("the value is not a decimal number (or is too large)")]
    NotANumber,
    /// A value the hierarchy file has no row for.
    #[error(
        "the value is not in the hierarchy file `{file}`; add a row for it, or set `missing = \"*\"` to replace such values"
    )]
    NotInHierarchy {
        /// The hierarchy file, as the policy names it.
        file: String,
    },
    /// The result would leave the range oubli writes.
    #[error("the result is out of range ({0})")]
    OutOfRange(&'static str),
    /// `unique = true` and two different values got the same fake.
    #[error(
        "two different values got the same fake from dictionary `{dictionary}` ({entries} entries) and the policy says `unique = true`; use a larger dictionary, or remove `unique`"
    )]
    FakeCollision {
        /// The dictionary's name.
        dictionary: String,
        /// Its number of entries.
        entries: usize,
    },
}

/// The period a date is generalised to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `1984`.
    Year,
    /// `1984-Q2`.
    Quarter,
    /// `1984-05`.
    Month,
    /// ISO 8601 week, `1984-W19` (the week-numbering year, which can differ
    /// from the calendar year in the first and last days of a year).
    Week,
}

impl Period {
    /// Names in policy files.
    pub const NAMES: [(&'static str, Period); 4] = [
        ("year", Period::Year),
        ("quarter", Period::Quarter),
        ("month", Period::Month),
        ("week", Period::Week),
    ];

    /// The period named `name` in a policy.
    pub fn named(name: &str) -> Option<Period> {
        Period::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
    }
}

/// An ARX-style generalisation hierarchy: one row per value,
/// `value;level1;level2;…`. Its `Debug` shows the file and size, not the rows.
#[derive(Clone, PartialEq, Eq)]
pub struct Hierarchy {
    file: String,
    rows: HashMap<String, Box<[String]>>,
    /// The fewest levels any row has.
    levels: usize,
}

impl std::fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hierarchy")
            .field("file", &self.file)
            .field("values", &self.rows.len())
            .field("levels", &self.levels)
            .finish()
    }
}

/// Why a hierarchy file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    /// A row with fewer levels than the policy asks for.
    #[error(
        "line {line}: the row has {found} level(s) after the value, and the policy asks for level {level}"
    )]
    TooFewLevels {
        /// 1-based line in the file.
        line: usize,
        /// Levels found.
        found: usize,
        /// Level asked for.
        level: usize,
    },
    /// A value listed twice.
    #[error("line {line}: the value is already listed on line {first}")]
    Duplicate {
        /// 1-based line of the second row.
        line: usize,
        /// 1-based line of the first.
        first: usize,
    },
    /// No rows at all.
    #[error("the file has no rows")]
    Empty,
}

impl Hierarchy {
    /// Parses a hierarchy file's text: lines of `;`-separated fields, the first
    /// being the value; empty lines are skipped; a trailing `\r` is ignored.
    /// Every row must have at least `level` fields after the value.
    pub fn parse(file: &str, text: &str, level: usize) -> Result<Hierarchy, HierarchyError> {
        let mut rows = HashMap::new();
        let mut first_line = HashMap::new();
        let mut levels = usize::MAX;
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let mut fields = line.split(';');
            let value = fields.next().unwrap_or_default().to_owned();
            let rest: Box<[String]> = fields.map(str::to_owned).collect();
            if rest.len() < level {
                return Err(HierarchyError::TooFewLevels {
                    line: line_no,
                    found: rest.len(),
                    level,
                });
            }
            if let Some(first) = first_line.get(&value) {
                return Err(HierarchyError::Duplicate {
                    line: line_no,
                    first: *first,
                });
            }
            levels = levels.min(rest.len());
            first_line.insert(value.clone(), line_no);
            rows.insert(value, rest);
        }
        if rows.is_empty() {
            return Err(HierarchyError::Empty);
        }
        Ok(Hierarchy {
            file: file.to_owned(),
            rows,
            levels,
        })
    }

    /// The generalisation of `value` at `level` (1 = the first after the value).
    pub fn get(&self, value: &str, level: usize) -> Option<&str> {
        let row = self.rows.get(value)?;
        row.get(level.checked_sub(1)?).map(String::as_str)
    }

    /// The number of values listed.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no value is listed (never, for a parsed hierarchy).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The fewest levels any row has.
    pub fn levels(&self) -> usize {
        self.levels
    }
}

/// What a value is generalised to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generalisation {
    /// A date or timestamp to the period that holds it.
    Date(Period),
    /// A number to the bin `[origin + k·width, origin + (k+1)·width)` that holds it.
    Width {
        /// Bin width (> 0).
        width: Decimal,
        /// A bin boundary (default 0).
        origin: Decimal,
    },
    /// A number to the interval between explicit breaks (strictly increasing):
    /// `(-inf, b0)`, `[b0, b1)`, …, `[bn, +inf)`.
    Breaks(Vec<Decimal>),
    /// A string to its first characters (Unicode scalar values).
    Prefix(usize),
    /// A value to a level of a hierarchy.
    Hierarchy {
        /// The hierarchy.
        table: Arc<Hierarchy>,
        /// The level (1 = the first after the value).
        level: usize,
        /// What a value missing from the hierarchy becomes (`None`: an error).
        missing: Option<String>,
    },
}

/// Applies a [`Generalisation`].
#[derive(Debug, Clone)]
pub struct Generaliser {
    how: Generalisation,
}

impl Generaliser {
    /// A generaliser.
    pub fn new(how: Generalisation) -> Generaliser {
        Generaliser { how }
    }

    /// Appends the generalisation of `value` to `out`.
    pub fn apply(&self, value: &str, out: &mut String) -> Result<(), AnonymiseError> {
        match &self.how {
            Generalisation::Date(period) => {
                let date = parse_date(value).ok_or(AnonymiseError::NotADate)?;
                let (year, month, _) = civil_from_days(date.days);
                let _ = match period {
                    Period::Year => write!(out, "{year:04}"),
                    Period::Quarter => write!(out, "{year:04}-Q{}", (month - 1) / 3 + 1),
                    Period::Month => write!(out, "{year:04}-{month:02}"),
                    Period::Week => {
                        let (year, week) = iso_week(date.days);
                        write!(out, "{year:04}-W{week:02}")
                    }
                };
            }
            Generalisation::Width { width, origin } => {
                let x = Decimal::parse(value).ok_or(AnonymiseError::NotANumber)?;
                let k = x.bin(*origin, *width).ok_or(AnonymiseError::NotANumber)?;
                let lo = Decimal::bin_start(*origin, *width, k);
                let hi = k
                    .checked_add(1)
                    .and_then(|k| Decimal::bin_start(*origin, *width, k));
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    return Err(AnonymiseError::NotANumber);
                };
                out.push('[');
                lo.write(out);
                out.push_str(", ");
                hi.write(out);
                out.push(')');
            }
            Generalisation::Breaks(breaks) => {
                let x = Decimal::parse(value).ok_or(AnonymiseError::NotANumber)?;
                // The number of breaks ≤ x.
                let mut below = 0;
                for b in breaks {
                    if x.less_than(*b).ok_or(AnonymiseError::NotANumber)? {
                        break;
                    }
                    below += 1;
                }
                match below {
                    0 => out.push_str("(-inf"),
                    n => {
                        out.push('[');
                        breaks[n - 1].write(out);
                    }
                }
                out.push_str(", ");
                match breaks.get(below) {
                    Some(b) => b.write(out),
                    None => out.push_str("+inf"),
                }
                out.push(')');
            }
            Generalisation::Prefix(n) => {
                let end = value.char_indices().nth(*n).map_or(value.len(), |(i, _)| i);
                out.push_str(&value[..end]);
            }
            Generalisation::Hierarchy {
                table,
                level,
                missing,
            } => match (table.get(value, *level), missing) {
                (Some(g), _) => out.push_str(g),
                (None, Some(m)) => out.push_str(m),
                (None, None) => {
                    return Err(AnonymiseError::NotInHierarchy {
                        file: table.file.clone(),
                    });
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(how: Generalisation, value: &str) -> Result<String, AnonymiseError> {
        let mut out = String::new();
        Generaliser::new(how).apply(value, &mut out).map(|()| out)
    }

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn dates() {
        let cases = [
            (Period::Year, "1984-05-09", "1984"),
            (Period::Quarter, "1984-05-09", "1984-Q2"),
            (Period::Quarter, "1984-12-31", "1984-Q4"),
            (Period::Month, "1984-05-09T23:10:00+02:00", "1984-05"),
            (Period::Week, "1984-05-09", "1984-W19"),
            (Period::Week, "2005-01-01", "2004-W53"),
            (Period::Week, "2008-12-29T00:00:00Z", "2009-W01"),
        ];
        for (p, v, want) in cases {
            assert_eq!(run(Generalisation::Date(p), v).unwrap(), want, "{v}");
        }
        assert_eq!(
            run(Generalisation::Date(Period::Year), "09/05/1984"),
            Err(AnonymiseError::NotADate)
        );
    }

    #[test]
    fn bins() {
        let w = |v| {
            run(
                Generalisation::Width {
                    width: d("10"),
                    origin: d("0"),
                },
                v,
            )
        };
        assert_eq!(w("37").unwrap(), "[30, 40)");
        assert_eq!(w("40").unwrap(), "[40, 50)");
        assert_eq!(w("-1").unwrap(), "[-10, 0)");
        assert_eq!(w("37.5").unwrap(), "[30, 40)");
        assert_eq!(w("forty"), Err(AnonymiseError::NotANumber));
        let w = |v| {
            run(
                Generalisation::Width {
                    width: d("2.5"),
                    origin: d("1"),
                },
                v,
            )
        };
        assert_eq!(w("4.4").unwrap(), "[3.5, 6)");
        let b = |v| run(Generalisation::Breaks(vec![d("0"), d("18"), d("65")]), v);
        assert_eq!(b("-3").unwrap(), "(-inf, 0)");
        assert_eq!(b("0").unwrap(), "[0, 18)");
        assert_eq!(b("17.99").unwrap(), "[0, 18)");
        assert_eq!(b("18").unwrap(), "[18, 65)");
        assert_eq!(b("65").unwrap(), "[65, +inf)");
        assert_eq!(b("1e3").unwrap(), "[65, +inf)");
    }

    proptest::proptest! {
        /// Every number falls in the bin it is written as: lo ≤ x < hi, hi − lo = width,
        /// and lo − origin is a multiple of the width.
        #[test]
        fn bins_hold_their_value(
            x in -1_000_000_000i64..1_000_000_000,
            frac in 0u32..1000,
            width in 1i64..100_000,
            width_frac in 0u32..100,
            origin in -1000i64..1000,
        ) {
            let x = d(&format!("{x}.{frac:03}"));
            let width = d(&format!("{width}.{width_frac:02}"));
            let origin = Decimal::from_int(origin);
            let label = run(Generalisation::Width { width, origin }, &x.to_string()).unwrap();
            let inner = label.strip_prefix('[').and_then(|l| l.strip_suffix(')')).unwrap();
            let (lo, hi) = inner.split_once(", ").unwrap();
            let (lo, hi) = (d(lo), d(hi));
            proptest::prop_assert!(!x.less_than(lo).unwrap());
            proptest::prop_assert!(x.less_than(hi).unwrap());
            proptest::prop_assert_eq!(Decimal::bin_start(lo, width, 1), Some(hi));
            let k = lo.bin(origin, width).unwrap();
            proptest::prop_assert_eq!(Decimal::bin_start(origin, width, k), Some(lo));
        }

        /// Periods agree with each other: the month's year is the year, the
        /// quarter holds the month.
        #[test]
        fn periods_agree(days in -719_528i64..2_932_896) {
            let mut date = String::new();
            proptest::prop_assume!(crate::transform::calendar::write_date(days, &mut date));
            let year = run(Generalisation::Date(Period::Year), &date).unwrap();
            let month = run(Generalisation::Date(Period::Month), &date).unwrap();
            let quarter = run(Generalisation::Date(Period::Quarter), &date).unwrap();
            proptest::prop_assert_eq!(&month[..4], year.as_str());
            proptest::prop_assert_eq!(&date[..7], month.as_str());
            let m: u32 = month[5..].parse().unwrap();
            proptest::prop_assert_eq!(quarter, format!("{year}-Q{}", (m - 1) / 3 + 1));
            let week = run(Generalisation::Date(Period::Week), &date).unwrap();
            let wy: i64 = week[..4].parse().unwrap();
            let y: i64 = year.parse().unwrap();
            proptest::prop_assert!((wy - y).abs() <= 1);
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(run(Generalisation::Prefix(3), "75011").unwrap(), "750");
        assert_eq!(run(Generalisation::Prefix(3), "Zü").unwrap(), "Zü");
        assert_eq!(run(Generalisation::Prefix(2), "Zürich").unwrap(), "Zü");
    }

    #[test]
    fn hierarchies() {
        let text = "Paris;Île-de-France;France;*\r\nLyon;Auvergne-Rhône-Alpes;France;*\n\n";
        let table = Arc::new(Hierarchy::parse("cities.csv", text, 2).unwrap());
        assert_eq!(table.len(), 2);
        assert_eq!(table.levels(), 3);
        let h = |level, missing: Option<&str>, v| {
            run(
                Generalisation::Hierarchy {
                    table: Arc::clone(&table),
                    level,
                    missing: missing.map(str::to_owned),
                },
                v,
            )
        };
        assert_eq!(h(1, None, "Lyon").unwrap(), "Auvergne-Rhône-Alpes");
        assert_eq!(h(2, None, "Paris").unwrap(), "France");
        assert_eq!(h(3, None, "Paris").unwrap(), "*");
        assert!(matches!(
            h(2, None, "Nice"),
            Err(AnonymiseError::NotInHierarchy { .. })
        ));
        assert_eq!(h(2, Some("*"), "Nice").unwrap(), "*");
        assert_eq!(
            Hierarchy::parse("h", "a;b\nc\n", 1),
            Err(HierarchyError::TooFewLevels {
                line: 2,
                found: 0,
                level: 1
            })
        );
        assert_eq!(
            Hierarchy::parse("h", "a;b\n\na;c\n", 1),
            Err(HierarchyError::Duplicate { line: 3, first: 1 })
        );
        assert_eq!(Hierarchy::parse("h", "\n", 1), Err(HierarchyError::Empty));
    }
}
