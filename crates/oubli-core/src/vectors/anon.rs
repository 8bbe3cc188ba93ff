//! Known answers for `generalise`, `date_shift`, `noise` and `fake`
//! (`testdata/vectors/generate_anon.py`).

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{load, master_key};
use crate::transform::{
    AnonymiseError, DateShifter, Decimal, Dictionary, Faker, Generalisation, Generaliser,
    Hierarchy, NoiseDistribution, NoiseScale, Noiser, Period,
};

fn error_name(e: &AnonymiseError) -> &'static str {
    match e {
        AnonymiseError::NotADate => "not-a-date",
        AnonymiseError::NotANumber => "not-a-number",
        AnonymiseError::NotInHierarchy { .. } => "not-in-hierarchy",
        AnonymiseError::OutOfRange(_) => "out-of-range",
        AnonymiseError::FakeCollision { .. } => "fake-collision",
    }
}

#[test]
fn generalise_vectors() {
    let cases = load(
        "generalise.txt",
        include_str!("../../../../testdata/vectors/generalise.txt"),
        46,
    );
    for case in &cases {
        let param = case.str("param");
        let d = |s: &str| Decimal::parse(s).unwrap_or_else(|| panic!("{}: {s}", case.name()));
        let how = match case.str("mode") {
            "to" => Generalisation::Date(Period::named(param).unwrap()),
            "width" => Generalisation::Width {
                width: d(param),
                origin: d(case.str("origin")),
            },
            "breaks" => Generalisation::Breaks(param.split(',').map(d).collect()),
            "keep_first" => Generalisation::Prefix(param.parse().unwrap()),
            "hierarchy" => {
                let level = param.parse().unwrap();
                Generalisation::Hierarchy {
                    table: Arc::new(
                        Hierarchy::parse("h.csv", &case.text("hierarchy"), level).unwrap(),
                    ),
                    level,
                    missing: case.opt("missing_hex").map(|_| case.text("missing")),
                }
            }
            other => panic!("{}: mode {other}", case.name()),
        };
        let mut out = String::new();
        let result = Generaliser::new(how).apply(&case.text("input"), &mut out);
        match case.opt("error") {
            Some(expected) => {
                let e = result.expect_err(case.name());
                assert_eq!(error_name(&e), expected, "{}", case.name());
            }
            None => {
                result.unwrap_or_else(|e| panic!("{}: {e}", case.name()));
                assert_eq!(out, case.text("output"), "{}", case.name());
            }
        }
    }
}

#[test]
fn date_shift_vectors() {
    let cases = load(
        "date_shift.txt",
        include_str!("../../../../testdata/vectors/date_shift.txt"),
        12,
    );
    for case in &cases {
        let key = master_key(case, "key");
        let shifter = DateShifter::new(
            &key,
            &case.text("domain"),
            case.str("max_days").parse().unwrap(),
        );
        let subject = case.bytes("subject");
        assert_eq!(
            shifter.offset(&subject).to_string(),
            case.str("offset"),
            "{}",
            case.name()
        );
        let mut out = String::new();
        shifter
            .apply(&case.text("input"), &subject, &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name()));
        assert_eq!(out, case.text("output"), "{}", case.name());
        // Tamper check: another key gives another offset for some subject.
        let other = super::other_key(&key);
        let moved = (0..32u8).any(|i| {
            DateShifter::new(&other, &case.text("domain"), 30).offset(&[i])
                != DateShifter::new(&key, &case.text("domain"), 30).offset(&[i])
        });
        assert!(moved, "{}", case.name());
    }
}

#[test]
fn noise_vectors() {
    let cases = load(
        "noise.txt",
        include_str!("../../../../testdata/vectors/noise.txt"),
        15,
    );
    for case in &cases {
        let key = master_key(case, "key");
        let amount: f64 = case.str("amount").parse().unwrap();
        let scale = match case.str("scale") {
            "absolute" => NoiseScale::Absolute(amount),
            "relative" => NoiseScale::Relative(amount),
            other => panic!("{other}"),
        };
        let distribution = NoiseDistribution::named(case.str("distribution")).unwrap();
        let noiser = Noiser::new(&key, &case.text("domain"), scale, distribution);
        let seed = case.bytes("seed");
        let unit: f64 = case.str("unit").parse().unwrap();
        assert_eq!(noiser.unit(&seed), unit, "{}", case.name());
        let mut out = String::new();
        noiser
            .apply(&case.text("input"), &seed, &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name()));
        assert_eq!(out, case.text("output"), "{}", case.name());
    }
}

#[test]
fn fake_vectors() {
    let cases = load(
        "fake.txt",
        include_str!("../../../../testdata/vectors/fake.txt"),
        11,
    );
    let files = [
        (
            "first_names",
            include_str!("../../dictionaries/first_names.txt"),
        ),
        (
            "last_names",
            include_str!("../../dictionaries/last_names.txt"),
        ),
        ("cities", include_str!("../../dictionaries/cities.txt")),
    ];
    for case in &cases {
        let name = case.str("dictionary");
        let (_, text) = files.iter().find(|(n, _)| *n == name).unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(text.as_bytes())),
            case.str("dictionary_sha256"),
            "{}: the built-in dictionary changed",
            case.name()
        );
        let dictionary = Arc::new(Dictionary::built_in(name).unwrap());
        assert_eq!(dictionary.len().to_string(), case.str("entries"));
        let index: usize = case.str("index").parse().unwrap();
        assert_eq!(dictionary.entries()[index], case.text("output"));
        let key = master_key(case, "key");
        let faker = Faker::new(&key, &case.text("domain"), dictionary, None);
        let mut out = String::new();
        faker.apply(&case.bytes("input"), &mut out).unwrap();
        assert_eq!(out, case.text("output"), "{}", case.name());
    }
}
