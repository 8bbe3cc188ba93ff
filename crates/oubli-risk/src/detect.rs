//! Value and header detectors of the scan. Each value detector looks at one
//! trimmed value; each is a heuristic with documented limits (`docs/RISK.md`).

use std::net::IpAddr;

/// `local@domain.tld`: one `@`, a local part without spaces (64 characters
/// at most), a domain of at least two dot-separated labels of letters,
/// digits and hyphens, ending in a top-level domain of two letters or more.
pub(crate) fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.chars().count() > 64
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '@')
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(|l| label_ok(l))
        && (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
            || tld.starts_with("xn--"))
}

/// What an IBAN check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Iban {
    /// Not shaped like an IBAN.
    No,
    /// Shaped like one (country code, two check digits, 11 to 30 letters and
    /// digits; spaces ignored) but the check digits are wrong.
    Shape,
    /// Shaped like one, and the ISO 13616 mod-97 check passes.
    Valid,
}

/// ISO 13616: spaces ignored, 15 to 34 characters, two letters, two digits,
/// then letters and digits; valid if the number formed by moving the first
/// four characters to the end (letters as 10 to 35) is 1 modulo 97.
pub(crate) fn iban(v: &str) -> Iban {
    let compact: Vec<u8> = v.bytes().filter(|&b| b != b' ').collect();
    let shaped = (15..=34).contains(&compact.len())
        && compact[..2].iter().all(u8::is_ascii_alphabetic)
        && compact[2..4].iter().all(u8::is_ascii_digit)
        && compact[4..].iter().all(u8::is_ascii_alphanumeric);
    if !shaped {
        return Iban::No;
    }
    let mut rest = 0u32;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        rest = if b.is_ascii_digit() {
            (rest * 10 + u32::from(b - b'0')) % 97
        } else {
            (rest * 100 + u32::from(b.to_ascii_uppercase() - b'A') + 10) % 97
        };
    }
    if rest == 1 { Iban::Valid } else { Iban::Shape }
}

/// A payment card number: 13 to 19 digits, optionally grouped by single
/// spaces or hyphens, starting with 2 to 6 (the major networks' ranges), with
/// a valid Luhn check digit. (A random number passes Luhn one time in ten, so
/// one match means little; a column where most values match means a lot.)
pub(crate) fn is_card(v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty()
        || !b[0].is_ascii_digit()
        || !b[b.len() - 1].is_ascii_digit()
        || !b
            .iter()
            .all(|&c| c.is_ascii_digit() || c == b' ' || c == b'-')
        || b.windows(2)
            .any(|w| !w[0].is_ascii_digit() && !w[1].is_ascii_digit())
    {
        return false;
    }
    let digits: Vec<u32> = b
        .iter()
        .filter(|c| c.is_ascii_digit())
        .map(|&c| u32::from(c - b'0'))
        .collect();
    if !(13..=19).contains(&digits.len()) || !(2..=6).contains(&digits[0]) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A US social security number written `AAA-GG-SSSS`, with the numbers the
/// SSA never issues excluded (area 000, 666 or 900–999; group 00; serial
/// 0000). Nine digits without hyphens are not counted (too many other
/// numbers look like that).
pub(crate) fn is_ssn(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 11 || b[3] != b'-' || b[6] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..3) && digits(4..6) && digits(7..11)) {
        return false;
    }
    let area = &v[0..3];
    area != "000"
        && area != "666"
        && !area.starts_with('9')
        && &v[4..6] != "00"
        && &v[7..11] != "0000"
}

/// An IPv4 (dotted quad) or IPv6 address, as the standard library parses them.
pub(crate) fn is_ip(v: &str) -> bool {
    v.parse::<IpAddr>().is_ok()
}

/// The shape of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateShape {
    pub(crate) year: u32,
    /// Year first (`1989-03-08`, `1989/03/08`); otherwise year last
    /// (`08/03/1989`, `08.03.1989`, `3/8/1989`).
    pub(crate) year_first: bool,
    /// Followed by a time (`T10:30`, ` 10:30:00Z`…).
    pub(crate) time: bool,
}

/// A calendar date with a four-digit year (1800–2199) and the same separator
/// twice (`-`, `/` or `.`), year first or last, optionally followed by a
/// time after `T` or a space. Month names and two-digit years are not
/// recognised.
pub(crate) fn date(v: &str) -> Option<DateShape> {
    let (day_part, time_part) = match v.find(['T', ' ']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let sep = day_part.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
    let parts: Vec<&str> = day_part.split(char::from(sep)).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |p: &str| p.parse::<u32>().ok();
    let (year, a, b, year_first) = match (parts[0].len(), parts[1].len(), parts[2].len()) {
        (4, 1..=2, 1..=2) => (n(parts[0])?, n(parts[1])?, n(parts[2])?, true),
        (1..=2, 1..=2, 4) => (n(parts[2])?, n(parts[0])?, n(parts[1])?, false),
        _ => return None,
    };
    if !(1800..2200).contains(&year) {
        return None;
    }
    // Year first: month then day. Year last: day/month or month/day.
    let plausible = if year_first {
        (1..=12).contains(&a) && (1..=31).contains(&b)
    } else {
        (1..=31).contains(&a) && (1..=12).contains(&b)
            || (1..=12).contains(&a) && (1..=31).contains(&b)
    };
    if !plausible {
        return None;
    }
    let time = match time_part {
        None => false,
        Some(t) => {
            if !is_time(t) {
                return None;
            }
            true
        }
    };
    Some(DateShape {
        year,
        year_first,
        time,
    })
}

/// `H:MM` or `HH:MM`, then seconds, fractions, a zone (`Z`, `+01:00`,
/// ` UTC`) in any mix of digits and `:.,+-Z` and spaces.
fn is_time(t: &str) -> bool {
    let t = t
        .strip_suffix("UTC")
        .or_else(|| t.strip_suffix("GMT"))
        .unwrap_or(t);
    let b = t.as_bytes();
    let colon = match b.iter().position(|&c| c == b':') {
        Some(i @ 1..=2) => i,
        _ => return false,
    };
    b[..colon].iter().all(u8::is_ascii_digit)
        && b.len() >= colon + 3
        && b[colon + 1..colon + 3].iter().all(u8::is_ascii_digit)
        && b[colon + 3..]
            .iter()
            .all(|&c| c.is_ascii_digit() || b":.,+-Z ".contains(&c))
}

/// A phone number: 8 to 15 digits (E.164 allows 15), written with a leading
/// `+` or with separators (spaces, `-`, `.`, `/`, parentheses), and not a
/// date, a US SSN, an IP address or a decimal number. Bare digit strings are
/// not counted: most of them are other numbers.
pub(crate) fn is_phone(v: &str) -> bool {
    let b = v.as_bytes();
    let body = v.strip_prefix('+').unwrap_or(v).as_bytes();
    if body.is_empty()
        || !body
            .iter()
            .all(|&c| c.is_ascii_digit() || b" -./()".contains(&c))
    {
        return false;
    }
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    let separated = body.iter().any(|c| !c.is_ascii_digit());
    if !(8..=15).contains(&digits) || !(b[0] == b'+' || separated) {
        return false;
    }
    date(v).is_none() && !is_ssn(v) && !is_ip(v) && number(v) != Some(Number::Decimal)
}

/// How strongly a value looks like a postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Postcode {
    /// A format with letters or a separator, specific enough on its own.
    Strong,
    /// Four or five digits: a postcode in many countries, but also a year,
    /// an amount, a count… Counted only when the column's name says postcode.
    Digits,
}

/// Postcode formats, one character class per position: `A` a letter, `9` a
/// digit, `X` either, `_` an optional space, anything else itself. Letters
/// are matched in either case.
const POSTCODE_FORMATS: &[&str] = &[
    // United Kingdom (outward code, inward code)
    "A9_9AA",
    "A99_9AA",
    "A9A_9AA",
    "AA9_9AA",
    "AA99_9AA",
    "AA9A_9AA",
    // Canada
    "A9A_9A9",
    // Netherlands
    "9999_AA",
    // Ireland (Eircode; with its space, as codes like `K001000` are common)
    "A99 XXXX",
    "A9W XXXX",
    // Poland, Portugal, Sweden / Czechia / Slovakia / Greece, US ZIP+4, Brazil, Japan
    "99-999",
    "9999-999",
    "999 99",
    "99999-9999",
    "99999-999",
    "999-9999",
];

/// A postcode in one of [`POSTCODE_FORMATS`], or four or five digits.
pub(crate) fn postcode(v: &str) -> Option<Postcode> {
    let b = v.as_bytes();
    if (4..=5).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        return Some(Postcode::Digits);
    }
    POSTCODE_FORMATS
        .iter()
        .any(|f| matches_format(f.as_bytes(), b))
        .then_some(Postcode::Strong)
}

fn matches_format(format: &[u8], v: &[u8]) -> bool {
    match (format.split_first(), v.split_first()) {
        (None, None) => true,
        (Some((b'_', rest)), _) => {
            v.first() == Some(&b' ') && matches_format(rest, &v[1..]) || matches_format(rest, v)
        }
        (Some((&f, rest)), Some((&c, vrest))) => {
            let ok = match f {
                b'A' => c.is_ascii_alphabetic(),
                b'9' => c.is_ascii_digit(),
                b'X' => c.is_ascii_alphanumeric(),
                other => c.eq_ignore_ascii_case(&other),
            };
            ok && matches_format(rest, vrest)
        }
        _ => false,
    }
}

/// Lower-case words that may sit inside a name (`Van der Berg`, `da Silva`).
const NAME_PARTICLES: &[&str] = &[
    "al", "bin", "binti", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du",
    "e", "el", "la", "le", "ten", "ter", "van", "von", "y", "zu",
];

/// The number of words if `v` looks like a person's name: 1 to 5 words of
/// letters (and `-`, `'`, `’`, `.`), no digits, the first and last
/// capitalised, the others capitalised or particles such as `van`, `de`.
pub(crate) fn name_words(v: &str) -> Option<usize> {
    let chars = v.chars().count();
    if !(2..=60).contains(&chars) {
        return None;
    }
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return None;
    }
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    for (i, w) in words.iter().enumerate() {
        if !w
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
            || !w.chars().any(char::is_alphabetic)
        {
            return None;
        }
        let edge = i == 0 || i == words.len() - 1;
        if !(capitalised(w) || !edge && NAME_PARTICLES.contains(&w.to_lowercase().as_str())) {
            return None;
        }
    }
    Some(words.len())
}

/// A UUID: 8-4-4-4-12 hexadecimal digits.
pub(crate) fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Number {
    /// Digits, with an optional sign.
    Integer,
    /// Digits, a `.` or `,`, digits, with an optional sign.
    Decimal,
}

/// An integer or a decimal number (no thousands separators, no exponent).
pub(crate) fn number(v: &str) -> Option<Number> {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match v.split_once(['.', ',']) {
        None if digits(v) => Some(Number::Integer),
        Some((int, frac)) if digits(int) && digits(frac) => Some(Number::Decimal),
        _ => None,
    }
}

/// One word of at most 64 characters, of letters, digits and `-_.:/#`:
/// the shape of codes, references and identifiers.
pub(crate) fn is_token(v: &str) -> bool {
    let n = v.chars().count();
    (1..=64).contains(&n)
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '#'))
}

/// What a column's name suggests. Names are split into lower-case words at
/// non-alphanumeric characters and camelCase boundaries, trailing digits
/// ignored (`customerId2` → `customer`, `id`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HeaderHints {
    pub(crate) email: bool,
    pub(crate) phone: bool,
    pub(crate) iban: bool,
    pub(crate) card: bool,
    pub(crate) ip: bool,
    pub(crate) ssn: bool,
    pub(crate) birth: bool,
    pub(crate) name: bool,
    pub(crate) address: bool,
    pub(crate) postcode: bool,
    pub(crate) free_text: bool,
    pub(crate) identifier: bool,
    /// Special categories of personal data (GDPR Art. 9): health, religion…
    pub(crate) special: bool,
    /// A typical quasi-identifier: age, sex, gender, nationality…
    pub(crate) quasi: bool,
}

/// Words that make a `…name` column something other than a person's name.
const NOT_PERSON: &[&str] = &[
    "app",
    "bank",
    "brand",
    "business",
    "category",
    "city",
    "column",
    "company",
    "country",
    "dataset",
    "department",
    "dept",
    "device",
    "domain",
    "event",
    "field",
    "file",
    "group",
    "host",
    "item",
    "model",
    "org",
    "organisation",
    "organization",
    "product",
    "project",
    "region",
    "role",
    "schema",
    "server",
    "service",
    "sheet",
    "shop",
    "state",
    "store",
    "street",
    "table",
    "tag",
    "team",
    "type",
    "user",
];

/// Who an identifier may identify (`customer_number`, `patientId`).
const SUBJECTS: &[&str] = &[
    "account",
    "citizen",
    "client",
    "contract",
    "customer",
    "employee",
    "insurance",
    "loyalty",
    "member",
    "national",
    "patient",
    "person",
    "policy",
    "social",
    "student",
    "subscriber",
    "tax",
    "user",
    "voter",
];

pub(crate) fn header_hints(name: &str) -> HeaderHints {
    let words = header_words(name);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let subject = has(SUBJECTS)
        || words
            .iter()
            .any(|w| SUBJECTS.iter().any(|s| *w == format!("{s}id")));
    let reference = has(&[
        "number",
        "no",
        "nr",
        "num",
        "ref",
        "reference",
        "code",
        "id",
    ]);
    let email = has(&["email", "mail", "emailaddress"]);
    let ip = has(&["ip", "ipaddress", "ipv4", "ipv6"]);
    HeaderHints {
        email,
        phone: has(&[
            "phone",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "cellphone",
            "fax",
            "msisdn",
            "phonenumber",
        ]),
        iban: has(&["iban"]),
        card: has(&["creditcard", "pan", "ccnumber"])
            || has(&["card", "cc"]) && has(&["number", "no", "nr", "num"]),
        ip,
        ssn: has(&["ssn", "socialsecurity"]) || has(&["social"]) && has(&["security"]),
        birth: has(&[
            "dob",
            "birth",
            "birthday",
            "birthdate",
            "born",
            "dateofbirth",
        ]),
        name: has(&[
            "name",
            "names",
            "fullname",
            "firstname",
            "lastname",
            "surname",
            "forename",
            "givenname",
            "familyname",
            "middlename",
            "maidenname",
            "nickname",
            "displayname",
        ]) && !has(NOT_PERSON),
        address: has(&["address", "addr", "street", "streetaddress", "addressline"])
            && !email
            && !ip
            && !has(&["mac"]),
        postcode: has(&["zip", "zipcode", "postcode", "postal", "postalcode", "plz"]),
        free_text: has(&[
            "notes",
            "note",
            "comment",
            "comments",
            "description",
            "desc",
            "remarks",
            "remark",
            "message",
            "msg",
            "text",
            "memo",
            "feedback",
            "body",
            "details",
            "reason",
            "summary",
            "observation",
            "observations",
            "narrative",
            "freetext",
        ]),
        identifier: has(&[
            "id",
            "uuid",
            "guid",
            "identifier",
            "username",
            "userid",
            "login",
            "handle",
            "passport",
            "licence",
            "license",
            "nino",
            "mac",
            "imei",
        ]) || has(&["user", "login", "screen"]) && has(&["name"])
            || subject && reference
            || words
                .iter()
                .any(|w| SUBJECTS.iter().any(|s| *w == format!("{s}id"))),
        special: has(&[
            "diagnosis",
            "diagnoses",
            "health",
            "medical",
            "medication",
            "disease",
            "condition",
            "religion",
            "religious",
            "ethnicity",
            "ethnic",
            "race",
            "disability",
            "sexuality",
            "orientation",
            "union",
            "political",
            "politics",
            "biometric",
            "genetic",
            "pregnancy",
        ]),
        quasi: has(&[
            "age",
            "sex",
            "gender",
            "nationality",
            "citizenship",
            "occupation",
            "profession",
            "marital",
            "education",
            "income",
            "salary",
            "city",
            "town",
            "region",
            "country",
        ]),
    }
}

/// `customerId2` → `customer`, `id`; `first name` → `first`, `name`.
fn header_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if c.is_uppercase() && prev_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.extend(c.to_lowercase());
            prev_lower = c.is_lowercase() || c.is_numeric();
        } else {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    for w in &mut words {
        let trimmed = w.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if trimmed > 0 {
            w.truncate(trimmed);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for v in [
            "a@b.co",
            "rafael.berg31@example.org",
            "björn.o@exämple.de",
            "x+y@sub.d-e.org",
        ] {
            assert!(is_email(v), "{v}");
        }
        for v in [
            "a@b",
            "@b.co",
            "a b@c.org",
            "a@b..org",
            "a@@b.org",
            "a@b.c",
            "a@-b.org",
            "a@b.c0m",
        ] {
            assert!(!is_email(v), "{v}");
        }
    }

    #[test]
    fn ibans() {
        // The example IBANs of the ISO 13616 registry.
        assert_eq!(iban("GB82 WEST 1234 5698 7654 32"), Iban::Valid);
        assert_eq!(iban("DE89370400440532013000"), Iban::Valid);
        assert_eq!(iban("fr1420041010050500013m02606"), Iban::Valid);
        assert_eq!(iban("GB82 WEST 1234 5698 7654 33"), Iban::Shape);
        assert_eq!(iban("ES95 0593 1022 6336 0286 21"), Iban::Shape);
        assert_eq!(iban("GB82 WEST"), Iban::No);
        assert_eq!(iban("1234567890123456"), Iban::No);
    }

    #[test]
    fn cards() {
        for v in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "5500-0000-0000-0004",
            "378282246310005",
        ] {
            assert!(is_card(v), "{v}");
        }
        for v in [
            "4111111111111112",
            "1111111111111117",
            "4111  1111 1111 1111",
            "411111111111",
            "-4111111111111111",
        ] {
            assert!(!is_card(v), "{v}");
        }
    }

    #[test]
    fn ssns() {
        assert!(is_ssn("123-45-6789"));
        for v in [
            "000-45-6789",
            "666-45-6789",
            "912-45-6789",
            "123-00-6789",
            "123-45-0000",
            "123456789",
            "123-456-789",
        ] {
            assert!(!is_ssn(v), "{v}");
        }
    }

    #[test]
    fn ips() {
        for v in ["192.168.0.1", "::1", "2001:db8::8a2e:370:7334"] {
            assert!(is_ip(v), "{v}");
        }
        for v in ["256.1.1.1", "1.2.3", "2001:db8:::1"] {
            assert!(!is_ip(v), "{v}");
        }
    }

    #[test]
    fn dates() {
        let d = |year, year_first, time| {
            Some(DateShape {
                year,
                year_first,
                time,
            })
        };
        assert_eq!(date("1989-03-08"), d(1989, true, false));
        assert_eq!(date("1989/3/8"), d(1989, true, false));
        assert_eq!(date("08.03.1989"), d(1989, false, false));
        assert_eq!(date("12/31/1999"), d(1999, false, false));
        assert_eq!(date("2024-05-23T10:30:00Z"), d(2024, true, true));
        assert_eq!(date("2024-05-23 10:30:00.123+02:00"), d(2024, true, true));
        assert_eq!(date("2024-05-23 10:30 UTC"), d(2024, true, true));
        for v in [
            "1989-13-08",
            "1989-03-32",
            "31/31/1999",
            "89-03-08",
            "1989-03/08",
            "2024-05-23 lunch",
            "1989-03-08-01",
            "1700-01-01",
            "12345",
        ] {
            assert_eq!(date(v), None, "{v}");
        }
    }

    #[test]
    fn phones() {
        for v in [
            "+44 20 7946 0641",
            "+4420794606",
            "(020) 7946-0641",
            "020.7946.0641",
            "06 12 34 56 78",
        ] {
            assert!(is_phone(v), "{v}");
        }
        for v in [
            "2079460641",
            "1989-03-08",
            "123-45-6789",
            "192.168.100.1",
            "1234567.89",
            "+44 20",
            "+44 20 7946 0641 1234 5678",
            "1100-148",
        ] {
            assert!(!is_phone(v), "{v}");
        }
    }

    #[test]
    fn postcodes() {
        for v in [
            "SW1A 1AA",
            "sw1a1aa",
            "M1 1AE",
            "K1A 0B1",
            "1095 AB",
            "D02 X285",
            "00-950",
            "1100-148",
            "114 55",
            "12345-6789",
        ] {
            assert_eq!(postcode(v), Some(Postcode::Strong), "{v}");
        }
        for v in ["1050", "75011", "00184"] {
            assert_eq!(postcode(v), Some(Postcode::Digits), "{v}");
        }
        for v in ["SW1A 1A", "123", "123456", "AB-123", "Berlin"] {
            assert_eq!(postcode(v), None, "{v}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(name_words("Rafael Berg"), Some(2));
        assert_eq!(name_words("Oskar Van der Berg"), Some(4));
        assert_eq!(name_words("Björn O'Brien"), Some(2));
        assert_eq!(name_words("Zoë Jean-Luc Da Silva"), Some(4));
        assert_eq!(name_words("Warszawa"), Some(1));
        for v in [
            "prefers email",
            "VIP, renewal due",
            "R2 D2",
            "van Berg",
            "Berg van",
            "A",
        ] {
            assert_eq!(name_words(v), None, "{v}");
        }
    }

    #[test]
    fn numbers_tokens_uuids() {
        assert_eq!(number("1863.80"), Some(Number::Decimal));
        assert_eq!(number("-12,5"), Some(Number::Decimal));
        assert_eq!(number("42"), Some(Number::Integer));
        assert_eq!(number("1.2.3"), None);
        assert_eq!(number("."), None);
        assert!(is_token("C100001") && is_token("a-b_c.d:e/f#1"));
        assert!(!is_token("two words") && !is_token(""));
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
    }

    #[test]
    fn headers() {
        assert_eq!(header_words("customerId2"), ["customer", "id"]);
        assert_eq!(header_words("First Name"), ["first", "name"]);
        assert_eq!(header_words("DateOfBirth"), ["date", "of", "birth"]);
        let h = header_hints;
        assert!(h("customer_id").identifier && h("customerid").identifier && h("ID").identifier);
        assert!(h("account_number").identifier && !h("amount").identifier && !h("paid").identifier);
        assert!(h("full_name").name && h("Surname").name && h("firstName").name);
        assert!(!h("product_name").name && !h("file name").name && !h("user_name").name);
        assert!(h("user_name").identifier && h("username").identifier);
        assert!(h("birth_date").birth && h("DOB").birth && h("DateOfBirth").birth);
        assert!(h("zip").postcode && h("postal_code").postcode && h("PLZ").postcode);
        assert!(h("notes").free_text && h("Comment").free_text);
        assert!(
            h("home_address").address && !h("email_address").address && h("email_address").email
        );
        assert!(h("ssn").ssn && h("Social Security Number").ssn);
        assert!(h("card_number").card && !h("card_type").card);
        assert!(h("mobile").phone && h("ip_addr").ip);
        assert!(h("Diagnosis").special && h("religion").special && !h("amount").special);
        assert!(h("age_band").quasi && h("Gender").quasi && h("city").quasi);
        assert_eq!(h("signup_amount"), HeaderHints::default());
        assert_eq!(h("signup_date"), HeaderHints::default());
    }
}
