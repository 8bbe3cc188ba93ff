//! Dates, timestamps and exact decimal numbers as `generalise`, `date_shift`
//! and `noise` read them (`docs/CONSTRUCTIONS.md` §4, anonymising transforms).
//!
//! Dates are proleptic Gregorian, years 0000 to 9999, counted in days from
//! 1970-01-01 (H. Hinnant's `days_from_civil`).

use std::fmt::Write as _;

/// A date, or a timestamp split into its date and the text after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateText<'a> {
    /// Days since 1970-01-01.
    pub(crate) days: i64,
    /// The text after `YYYY-MM-DD`: empty for a date, else the time part of a
    /// timestamp (`T12:00:00Z`, ` 12:00:00.25+02:00`) exactly as written.
    pub(crate) rest: &'a str,
}

/// Reads `YYYY-MM-DD`, or an RFC 3339 timestamp `YYYY-MM-DD(T|t| )HH:MM[:SS[.f…]]`
/// with an optional `Z`/`z` or `±HH:MM` offset (the offset may be left out,
/// as in the Parquet canonical text of timestamps without a time zone).
pub(crate) fn parse_date(value: &str) -> Option<DateText<'_>> {
    let b = value.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let rest = &value[10..];
    if !rest.is_empty() && !valid_time(rest.as_bytes()) {
        return None;
    }
    Some(DateText {
        days: days_from_civil(i64::from(year), month, day),
        rest,
    })
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `(T|t| )HH:MM[:SS[.f…]][Z|z|±HH:MM]`.
fn valid_time(b: &[u8]) -> bool {
    let two = |at: usize, max: u32| b.get(at..at + 2).and_then(digits).is_some_and(|n| n <= max);
    if !matches!(b.first(), Some(b'T' | b't' | b' ')) || !two(1, 23) || b.get(3) != Some(&b':') {
        return false;
    }
    if !two(4, 59) {
        return false;
    }
    let mut i = 6;
    if b.get(i) == Some(&b':') {
        // 60: a leap second.
        if !two(i + 1, 60) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', _, _, b':', _, _] => two(i + 1, 23) && two(i + 4, 59),
        _ => false,
    }
}

pub(crate) fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: (year, month, day).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes the date `days` after 1970-01-01 as `YYYY-MM-DD`, or returns `false`
/// if its year is outside 0000..=9999.
pub(crate) fn write_date(days: i64, out: &mut String) -> bool {
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return false;
    }
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    true
}

/// The ISO 8601 week of a date: (week-numbering year, week 1..=53).
pub(crate) fn iso_week(days: i64) -> (i64, u32) {
    // 1970-01-01 was a Thursday; Monday = 0.
    let weekday = (days + 3).rem_euclid(7);
    // A week belongs to the year of its Thursday.
    let thursday = days - weekday + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, u32::try_from(week).unwrap_or(1))
}

/// An exact decimal number: `mantissa × 10^-scale`. Equality is by value
/// (`1.10 == 1.1`).
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// The same number without trailing fraction zeros.
    fn normalised(self) -> Decimal {
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        Decimal {
            mantissa: m,
            scale: s,
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        let (a, b) = (self.normalised(), other.normalised());
        a.mantissa == b.mantissa && a.scale == b.scale
    }
}

impl Eq for Decimal {}

/// The largest scale kept (digits after the point).
const MAX_SCALE: u32 = 30;

impl Decimal {
    /// Reads a decimal number: an optional sign, digits with an optional
    /// fraction, and an optional exponent (`-12`, `3.50`, `.5`, `1e+16`,
    /// `2.5E-3`). `None` for anything else, or if it does not fit 38 digits.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (number, exponent) = match body.find(['e', 'E']) {
            Some(at) => {
                let e = &body[at + 1..];
                let digits_only = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits_only.is_empty() || !digits_only.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (&body[..at], e.parse::<i32>().ok()?)
            }
            None => (body, 0),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(b - b'0'))?;
        }
        if negative {
            mantissa = -mantissa;
        }
        let mut scale = i64::try_from(frac.len()).ok()? - i64::from(exponent);
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        let mut d = Decimal {
            mantissa,
            scale: u32::try_from(scale).ok()?,
        };
        while d.scale > MAX_SCALE {
            if d.mantissa % 10 != 0 {
                return None;
            }
            d.mantissa /= 10;
            d.scale -= 1;
        }
        Some(d)
    }

    /// An integer.
    pub fn from_int(n: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(n),
            scale: 0,
        }
    }

    /// The mantissa at `scale` (≥ the number's own scale), if it fits.
    fn at_scale(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// `floor((self - origin) / width)`, exactly; `width` > 0.
    pub(crate) fn bin(self, origin: Decimal, width: Decimal) -> Option<i128> {
        let scale = self.scale.max(origin.scale).max(width.scale);
        let x = self.at_scale(scale)?.checked_sub(origin.at_scale(scale)?)?;
        let w = width.at_scale(scale)?;
        (w > 0).then(|| x.div_euclid(w))
    }

    /// `origin + k × width`, exactly.
    pub(crate) fn bin_start(origin: Decimal, width: Decimal, k: i128) -> Option<Decimal> {
        let scale = origin.scale.max(width.scale);
        let m = origin
            .at_scale(scale)?
            .checked_add(width.at_scale(scale)?.checked_mul(k)?)?;
        Some(Decimal { mantissa: m, scale })
    }

    /// Whether `self` < `other` (`None` if they cannot be compared exactly in 38 digits).
    pub fn less_than(self, other: Decimal) -> Option<bool> {
        let scale = self.scale.max(other.scale);
        Some(self.at_scale(scale)? < other.at_scale(scale)?)
    }

    /// Whether the number is greater than zero.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    /// Writes the number in plain decimal, without trailing zeros in the
    /// fraction (`30`, `2.5`, `-0.125`).
    pub fn write(self, out: &mut String) {
        let Decimal {
            mantissa: m,
            scale: s,
        } = self.normalised();
        if m < 0 {
            out.push('-');
        }
        let digits = m.unsigned_abs().to_string();
        let s = s as usize;
        if s == 0 {
            out.push_str(&digits);
        } else if digits.len() > s {
            let (a, b) = digits.split_at(digits.len() - s);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', s - digits.len()));
            out.push_str(&digits);
        }
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.write(&mut s);
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(0, 1, 1), -719_528);
        for days in (-719_528..=2_932_896).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_dates_and_timestamps() {
        let d = parse_date("1984-05-09").unwrap();
        assert_eq!((d.days, d.rest), (days_from_civil(1984, 5, 9), ""));
        for ok in [
            "2024-02-29",
            "2024-02-29T12:00:00Z",
            "2024-02-29T12:00:00.123456789+02:00",
            "2024-02-29 23:59:60",
            "2024-02-29t00:00z",
            "2024-02-29T00:00:00",
        ] {
            assert!(parse_date(ok).is_some(), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "1984-13-01",
            "1984-5-9",
            "84-05-09",
            "1984-05-09T",
            "1984-05-09T24:00",
            "1984-05-09T12:00:00.",
            "1984-05-09T12:00:00+2:00",
            "1984-05-09 ",
            "1984/05/09",
            "",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn iso_weeks() {
        // ISO 8601 edge cases: the week of 1 January can belong to the year before.
        let w = |y, m, d| iso_week(days_from_civil(y, m, d));
        assert_eq!(w(2005, 1, 1), (2004, 53));
        assert_eq!(w(2007, 1, 1), (2007, 1));
        assert_eq!(w(2008, 12, 29), (2009, 1));
        assert_eq!(w(2010, 1, 3), (2009, 53));
        assert_eq!(w(1984, 5, 9), (1984, 19));
    }

    #[test]
    fn decimals() {
        let d = |s| Decimal::parse(s).unwrap();
        assert_eq!(d("37.50").to_string(), "37.5");
        assert_eq!(d("-0.125").to_string(), "-0.125");
        assert_eq!(d("1e+3").to_string(), "1000");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("2.5E-3").to_string(), "0.0025");
        for bad in ["", "-", ".", "1.2.3", "1e", "abc", "1 ", "nan", "inf"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(d("37").bin(d("0"), d("10")), Some(3));
        assert_eq!(d("-1").bin(d("0"), d("10")), Some(-1));
        assert_eq!(d("0.3").bin(d("0.1"), d("0.1")), Some(2));
        assert_eq!(
            Decimal::bin_start(d("0.1"), d("0.1"), 2)
                .unwrap()
                .to_string(),
            "0.3"
        );
    }
}
