//! `RiskCounter` on `tests/fixtures/patients.csv` (500 rows; empty values,
//! quoted commas and line breaks, `F` and `F ` as distinct values) against
//! `tests/independent_risk.py`, a group-by with Python's csv module that
//! shares no code with oubli.
//!
//! Each `EXPECTED_*` below is that script's JSON output, pasted as it
//! printed it (only reformatted), from the command line in its comment.

use oubli_risk::{Attributes, RiskCounter, RiskReport, SizeBucket};

use crate::repo_file;

/// The figures of one run of the script.
struct Expected {
    quasi: &'static [&'static str],
    sensitive: Option<&'static str>,
    k_threshold: u64,
    records: u64,
    classes: u64,
    k: u64,
    records_below_k: u64,
    classes_below_k: u64,
    l: Option<u64>,
    max_risk: f64,
    avg_risk: f64,
    /// (classes, records) per bucket 1, 2, 3-4, 5-9, 10-19, 20-49, 50-99, 100+.
    histogram: [(u64, u64); 8],
}

/// `independent_risk.py tests/fixtures/patients.csv --quasi age_band,zip3,sex --sensitive diagnosis --k 5`
const EXPECTED_AGE_ZIP_SEX: Expected = Expected {
    quasi: &["age_band", "zip3", "sex"],
    sensitive: Some("diagnosis"),
    k_threshold: 5,
    records: 500,
    classes: 98,
    k: 1,
    records_below_k: 148,
    classes_below_k: 71,
    l: Some(1),
    max_risk: 1.0,
    avg_risk: 0.19599999999999987,
    histogram: [
        (27, 27),
        (21, 42),
        (23, 79),
        (12, 83),
        (9, 123),
        (6, 146),
        (0, 0),
        (0, 0),
    ],
};

/// `independent_risk.py tests/fixtures/patients.csv --quasi age_band,zip3,sex`
const EXPECTED_NO_SENSITIVE: Expected = Expected {
    quasi: &["age_band", "zip3", "sex"],
    sensitive: None,
    k_threshold: 2,
    records: 500,
    classes: 98,
    k: 1,
    records_below_k: 27,
    classes_below_k: 27,
    l: None,
    max_risk: 1.0,
    avg_risk: 0.19599999999999987,
    histogram: [
        (27, 27),
        (21, 42),
        (23, 79),
        (12, 83),
        (9, 123),
        (6, 146),
        (0, 0),
        (0, 0),
    ],
};

/// `independent_risk.py tests/fixtures/patients.csv --quasi zip3 --sensitive diagnosis --k 100`
const EXPECTED_ZIP: Expected = Expected {
    quasi: &["zip3"],
    sensitive: Some("diagnosis"),
    k_threshold: 100,
    records: 500,
    classes: 9,
    k: 11,
    records_below_k: 191,
    classes_below_k: 7,
    l: Some(4),
    max_risk: 0.09090909090909091,
    avg_risk: 0.01799999999999996,
    histogram: [
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (3, 36),
        (3, 100),
        (1, 55),
        (2, 309),
    ],
};

/// `independent_risk.py tests/fixtures/patients.csv --quasi age_band,zip3 --sensitive sex --k 3`
const EXPECTED_AGE_ZIP: Expected = Expected {
    quasi: &["age_band", "zip3"],
    sensitive: Some("sex"),
    k_threshold: 3,
    records: 500,
    classes: 48,
    k: 1,
    records_below_k: 14,
    classes_below_k: 11,
    l: Some(1),
    max_risk: 1.0,
    avg_risk: 0.09600000000000022,
    histogram: [
        (8, 8),
        (3, 6),
        (11, 41),
        (11, 67),
        (10, 153),
        (3, 115),
        (2, 110),
        (0, 0),
    ],
};

/// Streams the fixture through `oubli_csv::Records` into a counter.
fn measure(quasi: &[&str], sensitive: Option<&str>, k: u64) -> RiskReport {
    let file = std::fs::File::open(repo_file("tests/fixtures/patients.csv")).unwrap();
    let mut records = oubli_csv::Records::new(file, b',').unwrap();
    let attributes = Attributes::resolve(records.header(), quasi, sensitive).unwrap();
    let mut counter = RiskCounter::for_attributes(&attributes);
    let mut record = csv::ByteRecord::new();
    while records.read_record(&mut record).unwrap() {
        counter.add_record(&attributes, &record);
    }
    counter.report(k)
}

fn check(e: &Expected) {
    let r = measure(e.quasi, e.sensitive, e.k_threshold);
    let what = format!("quasi {:?}, sensitive {:?}", e.quasi, e.sensitive);
    assert_eq!(r.records, e.records, "{what}");
    assert_eq!(r.classes, e.classes, "{what}");
    assert_eq!(r.k, Some(e.k), "{what}");
    assert_eq!(r.k_threshold, e.k_threshold, "{what}");
    assert_eq!(r.records_below_k, e.records_below_k, "{what}");
    assert_eq!(r.classes_below_k, e.classes_below_k, "{what}");
    assert_eq!(r.l, e.l, "{what}");
    // Python sums 1/size over records; oubli divides classes by records.
    assert!((r.max_risk().unwrap() - e.max_risk).abs() < 1e-12, "{what}");
    assert!((r.avg_risk().unwrap() - e.avg_risk).abs() < 1e-12, "{what}");
    let histogram: Vec<(u64, u64)> = r.histogram.iter().map(|b| (b.classes, b.records)).collect();
    assert_eq!(histogram, e.histogram, "{what}");
    let labels: Vec<String> = r.histogram.iter().map(SizeBucket::label).collect();
    assert_eq!(
        labels,
        ["1", "2", "3-4", "5-9", "10-19", "20-49", "50-99", "100+"]
    );
}

#[test]
fn three_quasi_identifiers_with_sensitive() {
    check(&EXPECTED_AGE_ZIP_SEX);
}

#[test]
fn three_quasi_identifiers_without_sensitive() {
    check(&EXPECTED_NO_SENSITIVE);
}

#[test]
fn one_quasi_identifier_with_diverse_classes() {
    check(&EXPECTED_ZIP);
}

#[test]
fn two_quasi_identifiers_with_sex_as_sensitive() {
    check(&EXPECTED_AGE_ZIP);
}

/// The script's output, if Python 3 is installed: the pasted values are
/// still what it prints. Skipped (passes) without `python3`.
#[test]
fn the_script_still_prints_the_pasted_values() {
    let script = repo_file("tests/independent_risk.py");
    let fixture = repo_file("tests/fixtures/patients.csv");
    let Ok(output) = std::process::Command::new("python3")
        .arg(&script)
        .arg(&fixture)
        .args(["--quasi", "zip3", "--sensitive", "diagnosis", "--k", "100"])
        .output()
    else {
        eprintln!("python3 not found: skipped");
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = String::from_utf8(output.stdout).unwrap();
    for part in [
        r#""records": 500"#,
        r#""classes": 9"#,
        r#""k": 11"#,
        r#""records_below_k": 191"#,
        r#""classes_below_k": 7"#,
        r#""l": 4"#,
        r#"{"min": 100, "max": null, "classes": 2, "records": 309}"#,
    ] {
        assert!(json.contains(part), "{part} not in {json}");
    }
}
