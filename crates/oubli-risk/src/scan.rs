//! The PII scan: per-column statistics over sampled rows, a decision per
//! column, and the suggested policy.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash as _, Hasher as _};

use crate::detect::{self, Iban, Number, Postcode};

/// Rows `oubli scan` samples by default: the first 1000.
pub const DEFAULT_SCAN_ROWS: u64 = 1000;

/// A column "is" a kind when at least this share of its non-empty sampled
/// values match the kind's validating detector (email, IBAN, card, SSN, IP,
/// phone).
const VALIDATED_SHARE: f64 = 0.5;
/// … or this share for the looser detectors (dates, postcodes without a
/// header hint, names without a header hint, UUIDs).
const SHAPE_SHARE: f64 = 0.8;

/// What a column holds, as far as the scan can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Email addresses.
    Email,
    /// Phone numbers.
    Phone,
    /// IBANs (bank account numbers).
    Iban,
    /// Payment card numbers.
    PaymentCard,
    /// IPv4 or IPv6 addresses.
    IpAddress,
    /// US social security numbers.
    Ssn,
    /// Dates of birth.
    DateOfBirth,
    /// Other dates.
    Date,
    /// Postcodes.
    Postcode,
    /// Person names.
    PersonName,
    /// Postal addresses (by the column name).
    Address,
    /// Free text.
    FreeText,
    /// Identifiers: customer numbers, user names, UUIDs.
    Identifier,
    /// Some values of a personal kind among others.
    Mixed,
    /// No non-empty value in the sample.
    Empty,
    /// Mostly not UTF-8 text.
    Unreadable,
    /// Numbers.
    Number,
    /// Other text.
    Text,
}

impl Kind {
    /// What the kind is, in the plural, for a comment.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Email => "email addresses",
            Kind::Phone => "phone numbers",
            Kind::Iban => "IBANs",
            Kind::PaymentCard => "payment card numbers",
            Kind::IpAddress => "IP addresses",
            Kind::Ssn => "US social security numbers",
            Kind::DateOfBirth => "dates of birth",
            Kind::Date => "dates",
            Kind::Postcode => "postcodes",
            Kind::PersonName => "person names",
            Kind::Address => "addresses",
            Kind::FreeText => "free text",
            Kind::Identifier => "identifiers",
            Kind::Mixed => "mixed values",
            Kind::Empty => "no values",
            Kind::Unreadable => "values that are not UTF-8 text",
            Kind::Number => "numbers",
            Kind::Text => "text",
        }
    }

    /// Whether the suggested policy transforms the column (every kind but
    /// dates, numbers and other text, which are kept).
    pub fn is_masked(self) -> bool {
        !matches!(self, Kind::Date | Kind::Number | Kind::Text)
    }
}

/// Statistics of one column over the sampled rows. Holds no value: only
/// counts, 64-bit hashes of the values (for the distinct count) and the
/// range of years seen in dates.
#[derive(Debug, Clone, Default)]
struct Stats {
    non_empty: u64,
    not_utf8: u64,
    chars: u64,
    email: u64,
    phone: u64,
    iban_shape: u64,
    iban_valid: u64,
    card: u64,
    ssn: u64,
    ip: u64,
    uuid: u64,
    date: u64,
    date_year_first: u64,
    date_year_last: u64,
    date_time: u64,
    years: Option<(u32, u32)>,
    postcode_strong: u64,
    postcode_digits: u64,
    name: u64,
    name_multi: u64,
    text: u64,
    long_text: u64,
    integer: u64,
    decimal: u64,
    token: u64,
    /// `Some(n)` while every non-empty value has `n` characters.
    same_length: Option<Option<usize>>,
    distinct: HashSet<u64>,
}

impl Stats {
    fn add(&mut self, raw: &[u8]) {
        let Ok(text) = std::str::from_utf8(raw) else {
            self.non_empty += 1;
            self.not_utf8 += 1;
            self.distinct.insert(hash(raw));
            return;
        };
        let v = text.trim();
        if v.is_empty() {
            return;
        }
        self.non_empty += 1;
        self.distinct.insert(hash(raw));
        let chars = v.chars().count();
        self.chars += chars as u64;
        self.same_length = match self.same_length {
            None => Some(Some(chars)),
            Some(Some(n)) if n == chars => Some(Some(n)),
            Some(_) => Some(None),
        };
        let count = |counter: &mut u64, hit: bool| *counter += u64::from(hit);
        count(&mut self.email, detect::is_email(v));
        count(&mut self.phone, detect::is_phone(v));
        match detect::iban(v) {
            Iban::No => {}
            Iban::Shape => self.iban_shape += 1,
            Iban::Valid => {
                self.iban_shape += 1;
                self.iban_valid += 1;
            }
        }
        count(&mut self.card, detect::is_card(v));
        count(&mut self.ssn, detect::is_ssn(v));
        count(&mut self.ip, detect::is_ip(v));
        count(&mut self.uuid, detect::is_uuid(v));
        if let Some(d) = detect::date(v) {
            self.date += 1;
            count(&mut self.date_year_first, d.year_first);
            count(&mut self.date_year_last, !d.year_first);
            count(&mut self.date_time, d.time);
            self.years = Some(match self.years {
                None => (d.year, d.year),
                Some((lo, hi)) => (lo.min(d.year), hi.max(d.year)),
            });
        }
        match detect::postcode(v) {
            Some(Postcode::Strong) => self.postcode_strong += 1,
            Some(Postcode::Digits) => self.postcode_digits += 1,
            None => {}
        }
        let name_words = detect::name_words(v);
        count(&mut self.name, name_words.is_some());
        count(&mut self.name_multi, name_words.is_some_and(|n| n >= 2));
        let words = v.split_whitespace().count();
        let text = words >= 2 && name_words.is_none() && v.chars().any(char::is_alphabetic);
        count(&mut self.text, text);
        count(
            &mut self.long_text,
            text && (chars >= 40 || words >= 5 || v.contains('\n')),
        );
        match detect::number(v) {
            Some(Number::Integer) => self.integer += 1,
            Some(Number::Decimal) => self.decimal += 1,
            None => {}
        }
        count(&mut self.token, detect::is_token(v));
    }

    fn share(&self, count: u64) -> f64 {
        if self.non_empty == 0 {
            0.0
        } else {
            count as f64 / self.non_empty as f64
        }
    }

    fn distinct(&self) -> u64 {
        self.distinct.len() as u64
    }
}

fn hash(value: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Looks at sampled rows and decides, per column, what personal data it
/// holds. Feed it rows with [`Scanner::add`], then call [`Scanner::finish`].
#[derive(Debug)]
pub struct Scanner {
    names: Vec<String>,
    columns: Vec<Stats>,
    rows: u64,
    current_year: u32,
}

impl Scanner {
    /// A scanner for a table with this header.
    pub fn new(header: &[String]) -> Scanner {
        // Only used to tell birth years from other years.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Scanner {
            names: header.to_vec(),
            columns: vec![Stats::default(); header.len()],
            rows: 0,
            current_year: 1970 + (now / 31_556_952) as u32,
        }
    }

    /// Adds one row: its fields in header order (extra fields are ignored).
    pub fn add<'a>(&mut self, fields: impl IntoIterator<Item = &'a [u8]>) {
        self.rows += 1;
        for (stats, field) in self.columns.iter_mut().zip(fields) {
            stats.add(field);
        }
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Decides every column.
    pub fn finish(self) -> Scan {
        let columns = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(name, stats)| decide(name, stats, self.current_year))
            .collect();
        Scan {
            rows: self.rows,
            columns,
        }
    }
}

/// The result of a scan.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Rows sampled.
    pub rows: u64,
    /// One finding per column, in header order.
    pub columns: Vec<ColumnFinding>,
}

/// What the scan found in one column, and what it suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFinding {
    /// The column's name.
    pub name: String,
    /// What it holds.
    pub kind: Kind,
    /// Whether the column's name suggested the kind.
    pub by_name: bool,
    /// Non-empty values sampled (values of only spaces count as empty).
    pub non_empty: u64,
    /// Of those, how many match the kind's detector (`None` for kinds
    /// without a value detector: identifiers, addresses, empty columns…).
    pub matched: Option<u64>,
    /// Distinct non-empty values sampled.
    pub distinct: u64,
    transform: String,
    note: String,
}

impl ColumnFinding {
    /// The suggested policy entry: a TOML inline table.
    pub fn transform(&self) -> &str {
        &self.transform
    }

    /// What was detected, how sure, and why this transform (no value).
    pub fn note(&self) -> &str {
        &self.note
    }
}

/// `"97.5% of 40 non-empty sampled values"`; the share is rounded down, so
/// 100% means all of them.
fn evidence(matched: u64, non_empty: u64) -> String {
    format!(
        "{} of {non_empty} non-empty sampled value{}",
        percent(matched, non_empty),
        plural(non_empty)
    )
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    let tenths = u128::from(part) * 1000 / u128::from(whole);
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Whether dated values look like birth dates: at least 10 of them, every
/// year between 120 and 14 years ago, spread over 20 years or more.
fn birth_years(s: &Stats, current_year: u32) -> bool {
    s.date >= 10
        && s.years.is_some_and(|(lo, hi)| {
            lo + 120 >= current_year && hi + 14 <= current_year && hi - lo >= 20
        })
}

/// The masking of a date of birth that keeps only its year, if the dates
/// have one format without times.
fn birth_transform(s: &Stats) -> Option<&'static str> {
    if s.date == 0 || s.date_time > 0 {
        None
    } else if s.date_year_first == s.date {
        Some(r#"{ transform = "mask", keep_first = 4, skip = "-/." }"#)
    } else if s.date_year_last == s.date {
        Some(r#"{ transform = "mask", keep_last = 4, skip = "-/." }"#)
    } else {
        None
    }
}

const REDACT: &str = r#"{ transform = "redact" }"#;
const KEEP: &str = r#"{ transform = "keep" }"#;

/// How a column was decided: the kind, the detector count behind it, and
/// whether its name said so.
struct Decision {
    kind: Kind,
    matched: Option<u64>,
    by_name: bool,
}

fn classify(name: &str, s: &Stats, current_year: u32) -> Decision {
    let hints = detect::header_hints(name);
    let d = |kind, matched: Option<u64>, by_name| Decision {
        kind,
        matched,
        by_name,
    };
    let n = s.non_empty;
    if n == 0 {
        return d(Kind::Empty, None, false);
    }
    if s.not_utf8 * 2 >= n {
        return d(Kind::Unreadable, Some(s.not_utf8), false);
    }
    // Validating detectors: the value itself proves the kind (a check digit,
    // a strict syntax). An IBAN whose check digits fail still counts when
    // the name says IBAN or nearly every value has the shape.
    let iban = if hints.iban || s.share(s.iban_shape) >= 0.9 {
        s.iban_shape
    } else {
        s.iban_valid
    };
    let validated = [
        (Kind::Ssn, s.ssn, hints.ssn),
        (Kind::PaymentCard, s.card, hints.card),
        (Kind::Iban, iban, hints.iban),
        (Kind::Email, s.email, hints.email),
        (Kind::IpAddress, s.ip, hints.ip),
        (Kind::Phone, s.phone, hints.phone),
    ];
    let mut best = validated[0];
    for candidate in validated {
        if candidate.1 > best.1 {
            best = candidate;
        }
    }
    if s.share(best.1) >= VALIDATED_SHARE {
        return d(best.0, Some(best.1), best.2);
    }
    // The column's name, when the values do not contradict it.
    for (kind, count, hinted) in validated {
        if hinted {
            return d(kind, Some(count), true);
        }
    }
    if hints.birth {
        return d(Kind::DateOfBirth, Some(s.date), true);
    }
    if hints.name {
        return d(Kind::PersonName, Some(s.name), true);
    }
    if hints.address {
        return d(Kind::Address, None, true);
    }
    if hints.postcode {
        return d(
            Kind::Postcode,
            Some(s.postcode_strong + s.postcode_digits),
            true,
        );
    }
    if hints.free_text {
        return d(Kind::FreeText, Some(s.text), true);
    }
    if hints.identifier {
        return d(Kind::Identifier, None, true);
    }
    // The values alone.
    let distinct_share = s.share(s.distinct());
    if s.share(s.date) >= SHAPE_SHARE {
        let kind = if birth_years(s, current_year) {
            Kind::DateOfBirth
        } else {
            Kind::Date
        };
        return d(kind, Some(s.date), false);
    }
    if s.share(s.postcode_strong) >= SHAPE_SHARE {
        return d(Kind::Postcode, Some(s.postcode_strong), false);
    }
    if s.share(s.uuid) >= SHAPE_SHARE {
        return d(Kind::Identifier, Some(s.uuid), false);
    }
    if s.share(s.name_multi) >= SHAPE_SHARE && distinct_share >= 0.5 {
        return d(Kind::PersonName, Some(s.name_multi), false);
    }
    let mean_chars = s.chars as f64 / n as f64;
    if s.share(s.text) >= 0.5
        && (distinct_share >= 0.5 || mean_chars >= 20.0 || s.share(s.long_text) >= 0.2)
    {
        return d(Kind::FreeText, Some(s.text), false);
    }
    let fixed_long = s.same_length.flatten().is_some_and(|len| len >= 6);
    if n >= 10
        && distinct_share >= 0.9
        && s.share(s.token) >= 0.9
        && s.share(s.decimal) < 0.5
        && (s.share(s.integer) < 0.5 || fixed_long)
    {
        return d(Kind::Identifier, Some(s.token), false);
    }
    if n >= 20 && s.share(s.name) >= 0.9 && distinct_share >= 0.8 {
        return d(Kind::PersonName, Some(s.name), false);
    }
    // A few personal values among others: a leak to stop.
    let strict_hits = s.email + s.ssn + s.iban_valid;
    let loose = [s.card, s.phone, s.ip].into_iter().max().unwrap_or(0);
    if strict_hits > 0 || s.share(loose) >= 0.05 {
        return d(Kind::Mixed, None, false);
    }
    if s.share(s.integer + s.decimal) >= 0.9 {
        return d(Kind::Number, Some(s.integer + s.decimal), false);
    }
    d(Kind::Text, None, false)
}

fn decide(name: &str, s: &Stats, current_year: u32) -> ColumnFinding {
    let Decision {
        kind,
        matched,
        by_name,
    } = classify(name, s, current_year);
    let n = s.non_empty;
    let distinct = s.distinct();
    let by = |what: &str| -> String {
        let mut text = String::from(what);
        if by_name {
            text.push_str(" (by the column's name");
            if let Some(m) = matched {
                let _ = write!(text, "; values match: {}", evidence(m, n));
            }
            text.push(')');
        } else if let Some(m) = matched {
            let _ = write!(text, " ({})", evidence(m, n));
        }
        text
    };
    let distinct_note = format!(
        "{distinct} distinct of {n} non-empty sampled value{}",
        plural(n)
    );
    let (transform, note): (String, String) = match kind {
        Kind::Email => (
            r#"{ transform = "hash", domain = "email", normalise = ["trim", "lowercase"] }"#.into(),
            format!(
                "{}. Keyed pseudonym; case and surrounding spaces ignored",
                by("email addresses")
            ),
        ),
        Kind::Phone => (
            r#"{ transform = "fpe", alphabet = "digits", domain = "phone", fallback = "redact" }"#
                .into(),
            format!(
                "{}. Digits encrypted in place (reversible); values with fewer than 6 digits are emptied",
                by("phone numbers")
            ),
        ),
        Kind::Iban => {
            let check = format!(
                "; mod-97 check digits valid for {}",
                percent(s.iban_valid, n)
            );
            (
                r#"{ transform = "encrypt", domain = "iban" }"#.into(),
                format!(
                    "{}{check}. Deterministic token (reversible, joinable)",
                    by("IBANs")
                ),
            )
        }
        Kind::PaymentCard => (
            r#"{ transform = "hash", domain = "card", normalise = ["digits_only"] }"#.into(),
            format!(
                "{} with valid Luhn check digits. Keyed pseudonym of the digits",
                by("payment card numbers")
            ),
        ),
        Kind::IpAddress => (
            r#"{ transform = "hash", domain = "ip", normalise = ["trim", "lowercase"] }"#.into(),
            format!("{}. Keyed pseudonym", by("IP addresses")),
        ),
        Kind::Ssn => (
            r#"{ transform = "hash", domain = "ssn", normalise = ["digits_only"] }"#.into(),
            format!(
                "{}. Keyed pseudonym of the digits",
                by("US social security numbers")
            ),
        ),
        Kind::DateOfBirth => {
            let why = if by_name {
                by("dates of birth")
            } else {
                format!(
                    "{}, with years that look like birth years",
                    by("dates of birth")
                )
            };
            match birth_transform(s) {
                Some(t) => (t.into(), format!("{why}. Only the year is kept")),
                None => (
                    REDACT.into(),
                    format!(
                        "{why}. Redacted: the dates have no single format whose year can be kept"
                    ),
                ),
            }
        }
        Kind::Date => (
            KEEP.into(),
            format!(
                "{}; not dates of birth by their name or years. Kept: may be a quasi-identifier, measure with `oubli risk`",
                by("dates")
            ),
        ),
        Kind::Postcode => (
            r#"{ transform = "mask", keep_first = 2, skip = " -" }"#.into(),
            format!(
                "{}. Only the first 2 characters are kept (the area)",
                by("postcodes")
            ),
        ),
        Kind::PersonName => (REDACT.into(), format!("{}. Redacted", by("person names"))),
        Kind::Address => (REDACT.into(), format!("{}. Redacted", by("addresses"))),
        Kind::FreeText => (
            REDACT.into(),
            format!(
                "{}. Redacted: free text can hold any personal data (use `encrypt_random` to keep it recoverable with the key)",
                by("free text")
            ),
        ),
        Kind::Identifier => {
            let domain = if name.is_empty() || name.chars().any(char::is_control) {
                "id".to_owned()
            } else {
                name.to_owned()
            };
            (
                format!(
                    r#"{{ transform = "hash", domain = {} }}"#,
                    toml_string(&domain)
                ),
                format!(
                    "{}; {distinct_note}. Keyed pseudonym, joinable with columns of the same domain",
                    by("identifiers")
                ),
            )
        }
        Kind::Mixed => {
            let mut seen = Vec::new();
            for (label, count) in [
                ("email addresses", s.email),
                ("US SSNs", s.ssn),
                ("IBANs", s.iban_valid),
                ("payment card numbers", s.card),
                ("phone numbers", s.phone),
                ("IP addresses", s.ip),
            ] {
                if count > 0 {
                    seen.push(format!("{label} {}", percent(count, n)));
                }
            }
            (
                REDACT.into(),
                format!(
                    "some values look personal ({} of {n} non-empty sampled value{}). Redacted to be safe; review",
                    seen.join(", "),
                    plural(n)
                ),
            )
        }
        Kind::Empty => (
            REDACT.into(),
            "no non-empty value in the sampled rows. Redacted to be safe; review".into(),
        ),
        Kind::Unreadable => (
            REDACT.into(),
            format!(
                "{}. Redacted: not inspected",
                by("values that are not UTF-8 text")
            ),
        ),
        Kind::Number => (
            KEEP.into(),
            format!("{}; nothing personal detected. Kept", by("numbers")),
        ),
        Kind::Text => (
            KEEP.into(),
            format!(
                "text, {distinct_note}; nothing personal detected. Kept: review, and measure with `oubli risk` if it may be a quasi-identifier"
            ),
        ),
    };
    let hints = detect::header_hints(name);
    let note = if kind.is_masked() {
        note
    } else if hints.special {
        format!(
            "{note}. Its name suggests a special category of personal data (GDPR Art. 9): check whether it may be shared"
        )
    } else if hints.quasi {
        format!("{note}. Its name suggests a typical quasi-identifier")
    } else {
        note
    };
    ColumnFinding {
        name: name.to_owned(),
        kind,
        by_name,
        non_empty: n,
        matched,
        distinct,
        transform,
        note,
    }
}

impl Scan {
    /// The suggested policy (docs/POLICY.md, version 1): fail-closed
    /// (`unlisted = "error"`), every column named in header order, each with
    /// a comment saying what was detected and how sure. It holds column
    /// names and counts, never a value. `source` names the input in the
    /// opening comment; `whole_input` says whether the sample was all of it.
    pub fn suggested_policy(&self, source: &str, whole_input: bool) -> String {
        let source: String = source
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let rows = self.rows;
        let sample = if whole_input {
            format!("all {rows} row{} of {source}", plural(rows))
        } else {
            format!("the first {rows} row{} of {source}", plural(rows))
        };
        let mut out = String::new();
        let _ = writeln!(out, "# Policy suggested by `oubli scan` from {sample}.");
        out.push_str(
            "# The detection is heuristic, not a guarantee: review every column before use.\n\
             # Each comment says what was detected and how sure (the share of the sampled\n\
             # non-empty values that match); no value of the input is shown.\n",
        );
        out.push_str("version = 1\n");
        out.push_str(
            "unlisted = \"error\"        # an input column not named below stops the job\n\n",
        );
        out.push_str("[columns]\n");
        let keys: Vec<String> = self.columns.iter().map(|c| toml_key(&c.name)).collect();
        let width = keys
            .iter()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .min(24);
        for (i, (column, key)) in self.columns.iter().zip(&keys).enumerate() {
            if i > 0 {
                out.push('\n');
            }
            push_comment(&mut out, &format!("{key}: {}.", column.note));
            let pad = width.saturating_sub(key.chars().count());
            let _ = writeln!(out, "{key}{} = {}", " ".repeat(pad), column.transform);
        }
        out
    }
}

/// Comment lines are wrapped to this many characters where a space allows.
const COMMENT_WIDTH: usize = 92;

/// Appends `text` as `# ` comment lines, wrapped at spaces; continuation
/// lines are indented. `text` has no line break (names are escaped).
fn push_comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.chars().count() + 1 + word.chars().count() > COMMENT_WIDTH && line.len() > 4 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// `name` as a TOML key: bare if TOML allows it, else a quoted string.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        name.to_owned()
    } else {
        toml_string(name)
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(header: &[&str], rows: &[&[&str]]) -> Scan {
        let header: Vec<String> = header.iter().map(|&h| h.to_owned()).collect();
        let mut scanner = Scanner::new(&header);
        for row in rows {
            scanner.add(row.iter().map(|f| f.as_bytes()));
        }
        scanner.finish()
    }

    fn kinds(scan: &Scan) -> Vec<Kind> {
        scan.columns.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn toml_keys_and_strings() {
        assert_eq!(toml_key("first_name-2"), "first_name-2");
        assert_eq!(toml_key("first name"), "\"first name\"");
        assert_eq!(toml_key(""), "\"\"");
        assert_eq!(toml_key("a.b"), "\"a.b\"");
        assert_eq!(toml_key("é"), "\"é\"");
        assert_eq!(toml_string("q\"\\\n\u{7f}"), "\"q\\\"\\\\\\u000A\\u007F\"");
    }

    #[test]
    fn percentages_round_down() {
        assert_eq!(percent(1, 1), "100%");
        assert_eq!(percent(999, 1000), "99.9%");
        assert_eq!(percent(1999, 2000), "99.9%");
        assert_eq!(percent(1, 3000), "0%");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(0, 0), "0%");
    }

    #[test]
    fn validated_detectors_win_over_names() {
        let s = scan(
            &["contact", "x", "card", "ip", "ssn_like", "phone"],
            &[
                &[
                    "a@b.org",
                    "GB82 WEST 1234 5698 7654 32",
                    "4111 1111 1111 1111",
                    "10.0.0.1",
                    "123-45-6789",
                    "12",
                ],
                &[
                    "c@d.org",
                    "DE89370400440532013000",
                    "5500-0000-0000-0004",
                    "::1",
                    "123-45-6780",
                    "",
                ],
            ],
        );
        assert_eq!(
            kinds(&s),
            [
                Kind::Email,
                Kind::Iban,
                Kind::PaymentCard,
                Kind::IpAddress,
                Kind::Ssn,
                Kind::Phone
            ]
        );
        assert!(!s.columns[0].by_name);
        // `phone` by its name only: 0 of 1 values match.
        assert!(s.columns[5].by_name);
        assert_eq!(s.columns[5].matched, Some(0));
        assert_eq!(s.columns[1].matched, Some(2));
    }

    #[test]
    fn value_heuristics_without_names() {
        let names = [
            "Ada Lovelace",
            "Grace Hopper",
            "Alan Turing",
            "Katherine Johnson",
            "Tim Berners-Lee",
            "Edsger Dijkstra",
            "Barbara Liskov",
            "Donald Knuth",
            "Margaret Hamilton",
            "John von Neumann",
        ];
        let rows: Vec<Vec<String>> = (0..20)
            .map(|i| {
                vec![
                    format!("{}-0{}-1{}", 1950 + i * 2, 1 + i % 9, i % 9),
                    format!("{}-0{}-1{}", 2021 + i % 3, 1 + i % 9, i % 9),
                    names[i % 10].to_owned(),
                    format!("K{:06}", 1000 + i * 7),
                    format!("{}.{:02}", 100 + i * 13, i),
                    ["red", "green", "blue"][i % 3].to_owned(),
                    format!("the customer called on day {i} about a late delivery"),
                    "SW1A 1AA".to_owned(),
                    "123e4567-e89b-12d3-a456-426614174000".replace('0', &format!("{}", i % 10)),
                    String::new(),
                    if i == 3 {
                        "x@y.org".into()
                    } else {
                        format!("v{}", i % 4)
                    },
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let s = scan(
            &[
                "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11",
            ],
            &rows,
        );
        assert_eq!(
            kinds(&s),
            [
                Kind::DateOfBirth,
                Kind::Date,
                Kind::PersonName,
                Kind::Identifier,
                Kind::Number,
                Kind::Text,
                Kind::FreeText,
                Kind::Postcode,
                Kind::Identifier,
                Kind::Empty,
                Kind::Mixed,
            ]
        );
        assert_eq!(s.columns[2].distinct, 10);
        assert_eq!(
            s.columns[0].transform(),
            r#"{ transform = "mask", keep_first = 4, skip = "-/." }"#
        );
        for c in &s.columns {
            assert_eq!(c.kind.is_masked(), c.transform() != KEEP, "{c:?}");
        }
    }

    #[test]
    fn birth_dates_by_name_keep_the_year_where_it_is() {
        let s = scan(
            &["dob", "DateOfBirth", "birthday"],
            &[
                &["08/03/1989", "1989-03-08T10:00", "1989-03-08"],
                &["31.12.1990", "1990-12-31", "31/12/1990"],
            ],
        );
        assert_eq!(kinds(&s), [Kind::DateOfBirth; 3]);
        assert_eq!(
            s.columns[0].transform(),
            r#"{ transform = "mask", keep_last = 4, skip = "-/." }"#
        );
        assert_eq!(s.columns[1].transform(), REDACT);
        assert_eq!(s.columns[2].transform(), REDACT);
    }

    #[test]
    fn kept_columns_carry_cautions_from_their_names() {
        let s = scan(
            &["diagnosis", "age", "colour"],
            &[&["flu", "41", "red"], &["cold", "42", "blue"]],
        );
        assert_eq!(kinds(&s), [Kind::Text, Kind::Number, Kind::Text]);
        assert!(
            s.columns[0].note().ends_with(
                "special category of personal data (GDPR Art. 9): check whether it may be shared"
            ),
            "{:?}",
            s.columns[0]
        );
        assert!(
            s.columns[1]
                .note()
                .ends_with("Its name suggests a typical quasi-identifier"),
            "{:?}",
            s.columns[1]
        );
        assert!(
            !s.columns[2].note().contains("Its name"),
            "{:?}",
            s.columns[2]
        );
    }

    #[test]
    fn policy_layout_quotes_names_and_never_shows_values() {
        let s = scan(
            &["first name", "e\"mail", "amount"],
            &[
                &["Ada", "secret@example.org", "12"],
                &["Grace", "other@example.org", "13"],
            ],
        );
        let policy = s.suggested_policy("in\nput.csv", true);
        assert!(
            policy.contains("from all 2 rows of in?put.csv."),
            "{policy}"
        );
        assert!(
            policy.contains("\n\"first name\" = { transform = \"redact\" }\n"),
            "{policy}"
        );
        assert!(
            policy.contains("\n\"e\\\"mail\"    = { transform = \"hash\""),
            "{policy}"
        );
        assert!(!s.columns[2].note().contains("quasi-identifier"));
        assert!(policy.contains("\n# amount: numbers (100% of 2 non-empty sampled values); nothing personal detected. Kept.\n"), "{policy}");
        assert!(
            policy
                .lines()
                .all(|l| l.chars().count() <= COMMENT_WIDTH || !l.starts_with('#')),
            "{policy}"
        );
        for value in ["Ada", "Grace", "secret", "other", "example"] {
            assert!(!policy.contains(value), "{value} in {policy}");
        }
        let p = oubli_policy::Policy::parse(&policy, "scan.toml").unwrap();
        let header: Vec<String> = ["first name", "e\"mail", "amount"]
            .map(String::from)
            .to_vec();
        oubli_policy::Plan::new(&p, &header, oubli_policy::Direction::Mask).unwrap();
    }
}
