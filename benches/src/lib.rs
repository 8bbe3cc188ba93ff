//! Benchmarks of oubli.
//!
//! * `benches/transforms.rs` and `benches/csv.rs`: criterion micro-benchmarks
//!   (`cargo bench -p oubli-benches`).
//! * `large.sh`: the large-dataset benchmark of the `oubli` binary, which writes
//!   `docs/PERFORMANCE.md` (`bash benches/large.sh [SIZE_MB] [OUT_DIR]`).
//!
//! This library holds what both share: [`Customers`], a fast, deterministic
//! generator of synthetic customer records (10 columns of realistic personal
//! data), used by the `gen_customers` binary and by the CSV micro-benchmark.
//!
//! ```
//! use oubli_benches::Customers;
//!
//! let mut rows = Customers::new(42);
//! let mut out = Vec::new();
//! rows.write_header(&mut out);
//! rows.write_row(&mut out);
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.starts_with("customer_id,email,full_name,phone,iban,"));
//! assert_eq!(text.lines().count(), 2);
//! ```

#![forbid(unsafe_code)]

/// The generated columns, in order.
pub const COLUMNS: [&str; 10] = [
    "customer_id",
    "email",
    "full_name",
    "phone",
    "iban",
    "birth_date",
    "zip",
    "city",
    "signup_date",
    "amount",
];

const FIRST_NAMES: &[&str] = &[
    "Rafael", "Fatima", "Björn", "Liam", "Sofia", "Noah", "Amélie", "Lukas", "Emma", "Mateo",
    "Zoë", "Oliver", "Chloé", "Elias", "Léa", "Jonas", "Maja", "Hugo", "Ingrid", "Yusuf", "Aisha",
    "Søren", "Chiara", "Pedro", "Hanna", "Łukasz", "Nora", "Émile", "Julia", "Tomás", "Mia",
    "Kenji", "Priya", "Olga", "Ahmed", "Clara", "Dmitri", "Elena", "Felix", "Grace",
];

const LAST_NAMES: &[&str] = &[
    "Berg",
    "Mensah",
    "O'Brien",
    "Chen",
    "Rossi",
    "Müller",
    "Dubois",
    "García",
    "Nowak",
    "Jansen",
    "Kowalski",
    "Novák",
    "Silva",
    "Schmidt",
    "Martin",
    "Andersson",
    "Nielsen",
    "Bianchi",
    "Fernández",
    "Wagner",
    "Lefèvre",
    "Ivanova",
    "Papadopoulos",
    "Yilmaz",
    "Kim",
    "Smith",
    "Jones",
    "Van der Berg",
    "Haddad",
    "Okafor",
    "Costa",
    "Horváth",
    "Lindqvist",
    "Moreau",
    "Romano",
    "Svensson",
    "Tanaka",
    "Weber",
    "Zieliński",
    "Núñez",
];

const EMAIL_DOMAINS: &[&str] = &[
    "example.org",
    "example.com",
    "example.net",
    "mail.example",
    "post.example",
];

/// A country: phone format, IBAN shape, and cities with their postcode shape.
struct Country {
    /// ISO 3166 code, used as the IBAN country code.
    code: &'static str,
    /// Phone pattern: `#` is a random digit, everything else is copied.
    phone: &'static str,
    /// Digits of the IBAN's BBAN (all-digit BBANs only, for simplicity).
    bban_digits: usize,
    /// `(city, postcode pattern)`; `#` is a random digit.
    cities: &'static [(&'static str, &'static str)],
}

const COUNTRIES: &[Country] = &[
    Country {
        code: "FR",
        phone: "+33 1 ## ## ## ##",
        bban_digits: 23,
        cities: &[
            ("Paris", "750##"),
            ("Lyon", "6900#"),
            ("Marseille", "130##"),
        ],
    },
    Country {
        code: "DE",
        phone: "+49 30 ########",
        bban_digits: 18,
        cities: &[("Berlin", "10###"), ("München", "80###"), ("Köln", "50###")],
    },
    Country {
        code: "ES",
        phone: "+34 91 ### ## ##",
        bban_digits: 20,
        cities: &[
            ("Madrid", "280##"),
            ("Barcelona", "080##"),
            ("Sevilla", "410##"),
        ],
    },
    Country {
        code: "IT",
        phone: "+39 06 #### ####",
        bban_digits: 23,
        cities: &[("Roma", "001##"), ("Milano", "201##")],
    },
    Country {
        code: "BE",
        phone: "+32 2 ### ## ##",
        bban_digits: 12,
        cities: &[("Bruxelles", "1###"), ("Antwerpen", "2###")],
    },
    Country {
        code: "NL",
        phone: "+31 20 ### ####",
        bban_digits: 14,
        cities: &[("Amsterdam", "10## AB"), ("Rotterdam", "30## CD")],
    },
    Country {
        code: "PL",
        phone: "+48 22 ### ## ##",
        bban_digits: 24,
        cities: &[("Warszawa", "00-###"), ("Kraków", "30-###")],
    },
    Country {
        code: "CH",
        phone: "+41 44 ### ## ##",
        bban_digits: 17,
        cities: &[("Zürich", "80##"), ("Genève", "12##")],
    },
    Country {
        code: "GB",
        phone: "+44 20 7946 ####",
        bban_digits: 18,
        cities: &[("London", "SW1A #AA"), ("Manchester", "M# 1AE")],
    },
    Country {
        code: "US",
        phone: "+1 415 555 ####",
        bban_digits: 0,
        // A field with the delimiter: the CSV writer must quote it, and the
        // all-keep job must still reproduce it byte for byte.
        cities: &[("San Francisco", "941##"), ("Washington, D.C.", "200##")],
    },
];

/// SplitMix64: tiny, fast, and fully deterministic from its seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the tiny modulo bias does not matter here.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn digit(&mut self) -> u8 {
        b'0' + self.below(10) as u8
    }
}

/// Deterministic generator of customer records: the same seed always gives
/// the same bytes. Rows are LF-terminated; a field is quoted only when it
/// must be (so a CSV writer reproduces them exactly).
#[derive(Debug, Clone)]
pub struct Customers {
    rng: Rng,
    next_id: u64,
    /// Email local parts (`first.last`, lowercase, letters only) per name pair,
    /// computed once so that the hot loop does not lowercase.
    email_names: Vec<String>,
    scratch: Vec<u8>,
}

impl Customers {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Customers {
        let mut email_names = Vec::with_capacity(FIRST_NAMES.len() * LAST_NAMES.len());
        for first in FIRST_NAMES {
            for last in LAST_NAMES {
                let local: String = format!("{first}.{last}")
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == '.')
                    .collect();
                email_names.push(local);
            }
        }
        Customers {
            rng: Rng(seed),
            next_id: 1_000_001,
            email_names,
            scratch: Vec::with_capacity(64),
        }
    }

    /// Appends the header row to `out`.
    pub fn write_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(COLUMNS.join(",").as_bytes());
        out.push(b'\n');
    }

    /// Appends one data row to `out`.
    pub fn write_row(&mut self, out: &mut Vec<u8>) {
        let rng = &mut self.rng;
        // customer_id: sequential, so unique.
        out.push(b'C');
        push_u64(out, self.next_id);
        self.next_id += 1;
        out.push(b',');

        // email, full_name
        let fi = rng.below(FIRST_NAMES.len() as u64) as usize;
        let li = rng.below(LAST_NAMES.len() as u64) as usize;
        out.extend_from_slice(self.email_names[fi * LAST_NAMES.len() + li].as_bytes());
        push_u64(out, rng.below(100));
        out.push(b'@');
        out.extend_from_slice(rng.pick(EMAIL_DOMAINS).as_bytes());
        out.push(b',');
        out.extend_from_slice(FIRST_NAMES[fi].as_bytes());
        out.push(b' ');
        out.extend_from_slice(LAST_NAMES[li].as_bytes());
        out.push(b',');

        // phone
        let country = rng.pick(COUNTRIES);
        push_pattern(out, rng, country.phone);
        out.push(b',');

        // iban: valid mod-97 check digits, printed in groups of four; empty
        // for US customers (about a tenth of the rows).
        if country.bban_digits > 0 {
            let bban = &mut self.scratch;
            bban.clear();
            for _ in 0..country.bban_digits {
                bban.push(rng.digit());
            }
            let check = 98 - iban_mod97(bban, country.code.as_bytes());
            let mut iban = Vec::with_capacity(4 + bban.len());
            iban.extend_from_slice(country.code.as_bytes());
            iban.push(b'0' + (check / 10) as u8);
            iban.push(b'0' + (check % 10) as u8);
            iban.extend_from_slice(bban);
            for (i, group) in iban.chunks(4).enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend_from_slice(group);
            }
        }
        out.push(b',');

        // birth_date
        push_date(out, rng, 1940, 2006);
        out.push(b',');

        // zip, city
        let (city, zip) = *rng.pick(country.cities);
        push_pattern(out, rng, zip);
        out.push(b',');
        if city.contains(',') {
            out.push(b'"');
            out.extend_from_slice(city.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(city.as_bytes());
        }
        out.push(b',');

        // signup_date
        push_date(out, rng, 2015, 2025);
        out.push(b',');

        // amount: 0.00 to 9999.99
        let cents = rng.below(1_000_000);
        push_u64(out, cents / 100);
        out.push(b'.');
        out.push(b'0' + (cents % 100 / 10) as u8);
        out.push(b'0' + (cents % 10) as u8);
        out.push(b'\n');
    }
}

/// `(BBAN || country letters as numbers || "00") mod 97`, per ISO 13616.
fn iban_mod97(bban: &[u8], country: &[u8]) -> u32 {
    let mut r: u32 = 0;
    for &d in bban {
        r = (r * 10 + u32::from(d - b'0')) % 97;
    }
    for &c in country {
        r = (r * 100 + u32::from(c - b'A') + 10) % 97;
    }
    (r * 100) % 97
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_pattern(out: &mut Vec<u8>, rng: &mut Rng, pattern: &str) {
    for &b in pattern.as_bytes() {
        out.push(if b == b'#' { rng.digit() } else { b });
    }
}

fn push_date(out: &mut Vec<u8>, rng: &mut Rng, first_year: u64, last_year: u64) {
    const DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let year = first_year + rng.below(last_year - first_year + 1);
    let month = rng.below(12);
    let day = 1 + rng.below(DAYS[month as usize]);
    push_u64(out, year);
    out.push(b'-');
    push_two(out, month + 1);
    out.push(b'-');
    push_two(out, day);
}

fn push_two(out: &mut Vec<u8>, n: u64) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `rows` data rows (after a header) from seed `seed`: an in-memory CSV.
pub fn customers_csv(seed: u64, rows: usize) -> Vec<u8> {
    let mut generator = Customers::new(seed);
    let mut out = Vec::with_capacity(rows * 150);
    generator.write_header(&mut out);
    for _ in 0..rows {
        generator.write_row(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let a = customers_csv(7, 2000);
        assert_eq!(a, customers_csv(7, 2000));
        assert_ne!(a, customers_csv(8, 2000));
        let mut reader = csv::ReaderBuilder::new().from_reader(&a[..]);
        assert_eq!(reader.headers().unwrap().len(), COLUMNS.len());
        let mut n = 0;
        for record in reader.records() {
            let record = record.unwrap();
            assert_eq!(record.len(), COLUMNS.len());
            n += 1;
        }
        assert_eq!(n, 2000);
    }

    #[test]
    fn ibans_have_valid_check_digits() {
        let data = customers_csv(1, 500);
        let mut reader = csv::ReaderBuilder::new().from_reader(&data[..]);
        let mut checked = 0;
        for record in reader.records() {
            let iban: String = record.unwrap()[4].chars().filter(|c| *c != ' ').collect();
            if iban.is_empty() {
                continue;
            }
            // Move the first four characters to the end, letters to numbers, mod 97 == 1.
            let moved = format!("{}{}", &iban[4..], &iban[..4]);
            let mut r = 0u32;
            for c in moved.chars() {
                let v = c.to_digit(36).unwrap();
                r = if v < 10 {
                    (r * 10 + v) % 97
                } else {
                    (r * 100 + v) % 97
                };
            }
            assert_eq!(r, 1, "{iban}");
            checked += 1;
        }
        assert!(checked > 400);
    }
}
