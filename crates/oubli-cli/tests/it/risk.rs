//! `oubli risk` and `oubli scan`: exit codes 0 (measured; check passed), 1 (the
//! `--k` check ran and failed) and 2 (usage and input errors), the JSON keys,
//! the table, and the scan's policy loading into `oubli mask` as it is.

use snapbox::str;

use crate::support::{Env, Table, customers_csv};

/// `crates/oubli-risk/tests/fixtures/patients.csv`: 500 rows whose figures
/// were computed independently by `crates/oubli-risk/tests/independent_risk.py`.
fn patients_csv() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../oubli-risk/tests/fixtures/patients.csv"),
    )
    .expect("read the patients fixture")
}

fn env_with(name: &str, contents: impl AsRef<[u8]>) -> Env {
    let env = Env::new();
    env.write(name, contents);
    env
}

fn stdout_json(assert: &snapbox::cmd::OutputAssert) -> serde_json::Value {
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8");
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).expect("JSON")
}

fn stdout_string(assert: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8")
}

#[test]
fn json_keys_and_figures_equal_the_independent_computation() {
    let env = env_with("patients.csv", patients_csv());
    // `independent_risk.py … --quasi zip3 --sensitive diagnosis --k 100` gave
    // records 500, classes 9, k 11, l 4; with --k 11 no class is smaller.
    let assert = env
        .oubli(&[
            "risk",
            "patients.csv",
            "--quasi",
            "zip3",
            "--sensitive",
            "diagnosis",
            "--k",
            "11",
            "--json",
        ])
        .code(0)
        .stderr_eq("");
    let json = stdout_json(&assert);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "format",
            "input",
            "quasi",
            "sensitive",
            "records",
            "classes",
            "k",
            "k_threshold",
            "records_below_k",
            "classes_below_k",
            "share_below_k",
            "l",
            "max_risk",
            "avg_risk",
            "histogram",
            "check",
            "bytes_read",
            "seconds",
        ]
    );
    assert_eq!(json["format"], "oubli.risk/1");
    assert_eq!(json["quasi"], serde_json::json!(["zip3"]));
    assert_eq!(json["sensitive"], "diagnosis");
    assert_eq!(json["records"], 500);
    assert_eq!(json["classes"], 9);
    assert_eq!(json["k"], 11);
    assert_eq!(json["k_threshold"], 11);
    assert_eq!(json["records_below_k"], 0);
    assert_eq!(json["l"], 4);
    assert!((json["max_risk"].as_f64().unwrap() - 1.0 / 11.0).abs() < 1e-12);
    assert!((json["avg_risk"].as_f64().unwrap() - 9.0 / 500.0).abs() < 1e-12);
    assert_eq!(json["check"], "passed");
    assert_eq!(json["bytes_read"], patients_csv().len());
    assert_eq!(
        json["histogram"][7],
        serde_json::json!({"sizes": "100+", "min": 100, "max": null, "classes": 2, "records": 309})
    );
    assert_eq!(json["histogram"].as_array().unwrap().len(), 8);
}

/// Writes `table` as the Parquet file `path` of `env`, in row groups of
/// `group` rows, each column made by `array` from its name and values.
fn write_parquet(
    env: &Env,
    path: &str,
    table: &Table,
    group: usize,
    array: impl Fn(&str, Vec<String>) -> std::sync::Arc<dyn arrow_array::Array>,
) {
    let columns: Vec<(&str, std::sync::Arc<dyn arrow_array::Array>)> = table
        .header
        .iter()
        .map(|name| (name.as_str(), array(name, table.strings(name))))
        .collect();
    let batch = arrow_array::RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(env.path(path)).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Parquet input: the same figures as the CSV it was made from (`id` as an
/// integer, the rest as strings: values are compared through their canonical
/// text), in several row groups; errors name the file.
#[test]
fn parquet_input_gives_the_figures_of_the_same_csv() {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};

    let env = env_with("patients.csv", patients_csv());
    let table = Table::parse(&patients_csv(), b',');
    write_parquet(&env, "patients.parquet", &table, 128, |name, values| {
        if name == "id" {
            Arc::new(Int64Array::from_iter_values(
                values.iter().map(|v| v.parse::<i64>().unwrap()),
            ))
        } else {
            Arc::new(StringArray::from(values))
        }
    });

    for (quasi, sensitive) in [
        ("age_band,zip3,sex", Some("diagnosis")),
        ("zip3", Some("diagnosis")),
        ("sex,age_band", None),
        ("id,sex", None),
    ] {
        let figures = |input: &str| {
            let mut args = vec!["risk", input, "--quasi", quasi, "--k", "5", "--json"];
            if let Some(s) = sensitive {
                args.extend(["--sensitive", s]);
            }
            let mut json = stdout_json(&env.oubli(&args));
            let object = json.as_object_mut().unwrap();
            for volatile in ["input", "bytes_read", "seconds"] {
                object.remove(volatile);
            }
            json
        };
        let csv = figures("patients.csv");
        assert_eq!(csv["records"], 500);
        assert_eq!(figures("patients.parquet"), csv, "--quasi {quasi}");
    }

    env.fails(&["risk", "patients.parquet", "--quasi", "zip"])
        .stderr_eq(str![[r#"
error: quasi-identifier column `zip` is not in the input (its columns are: `id`, `age_band`, `zip3`, `sex`, `diagnosis`)
hint: name columns exactly as in the header (case and spaces count), quasi-identifiers separated by commas

"#]]);
    env.fails(&["risk", "-", "--format", "parquet", "--quasi", "zip3"])
        .stderr_eq(str![[r#"
error: Parquet cannot be read from stdin (its footer is at the end of the file); name the file

"#]]);
    env.write("broken.parquet", "PAR1 not really");
    let out = env.fails(&["risk", "broken.parquet", "--quasi", "a"]);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: broken.parquet: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn without_k_and_sensitive_the_check_and_l_are_null() {
    let env = env_with("patients.csv", patients_csv());
    let assert = env
        .oubli(&[
            "risk",
            "patients.csv",
            "--quasi",
            "age_band,zip3",
            "--quasi",
            "sex",
            "--json",
        ])
        .code(0)
        .stderr_eq("");
    let json = stdout_json(&assert);
    // `independent_risk.py … --quasi age_band,zip3,sex`.
    assert_eq!(
        (json["records"].as_u64(), json["classes"].as_u64()),
        (Some(500), Some(98))
    );
    assert_eq!(
        (json["k"].as_u64(), json["k_threshold"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(json["records_below_k"], 27);
    assert_eq!(
        json["quasi"],
        serde_json::json!(["age_band", "zip3", "sex"])
    );
    assert!(json["l"].is_null() && json["sensitive"].is_null() && json["check"].is_null());
}

#[test]
fn a_failed_k_check_exits_1_with_the_report_and_says_why() {
    let env = env_with("patients.csv", patients_csv());
    let args = [
        "risk",
        "patients.csv",
        "--quasi",
        "age_band,zip3,sex",
        "--sensitive",
        "diagnosis",
        "--k",
        "5",
    ];
    // `independent_risk.py … --k 5`: 148 records in 71 classes below 5.
    let expected_stderr = str![[r#"
error: k-anonymity check failed: the smallest equivalence class has 1 record, fewer than --k 5; 148 records (29.6%) are in 71 classes smaller than 5
hint: coarsen the quasi-identifiers (for example `mask` a date down to its year) or leave some out, then measure the output again

"#]];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let assert = env
        .oubli(&with_json)
        .code(1)
        .stderr_eq(expected_stderr.clone());
    let json = stdout_json(&assert);
    assert_eq!(json["check"], "failed");
    assert_eq!((json["k"].as_u64(), json["l"].as_u64()), (Some(1), Some(1)));
    assert_eq!(json["records_below_k"], 148);
    assert_eq!(json["classes_below_k"], 71);

    env.oubli(&args)
        .code(1)
        .stderr_eq(expected_stderr)
        .stdout_eq(str![[r#"
records                          500
equivalence classes               98  over age_band, zip3, sex
k (smallest class)                 1
records in classes < 5           148  29.6% of records, in 71 classes
l (distinct-value diversity)       1  of diagnosis
highest risk                  1.0000  1 / k
average risk                  0.1960  classes / records
k-anonymity with k = 5        failed

class size   classes   records
1                 27        27
2                 21        42
3-4               23        79
5-9               12        83
10-19              9       123
20-49              6       146

"#]]);
}

#[test]
fn tsv_stdin_and_delimiters() {
    let env = Env::new();
    env.write("t.tsv", "a\tb\n1\tx\n1\ty\n2\tx\n");
    env.write("semi.txt", "a;b\n1;x\n1;y\n2;x\n");
    let k = |assert: snapbox::cmd::OutputAssert| stdout_json(&assert)["k"].as_u64();
    assert_eq!(
        k(env
            .oubli(&["risk", "t.tsv", "--quasi", "a", "--json"])
            .code(0)),
        Some(1)
    );
    assert_eq!(
        k(env
            .oubli(&[
                "risk",
                "semi.txt",
                "--format",
                "csv",
                "--delimiter",
                ";",
                "--quasi",
                "b",
                "--json"
            ])
            .code(0)),
        Some(1)
    );
    let assert = env
        .run(
            env.cmd()
                .args(["risk", "-", "--quasi", "b", "--k", "2", "--json"])
                .stdin("b\nx\nx\ny\ny\n"),
        )
        .code(0);
    let json = stdout_json(&assert);
    assert_eq!(
        (json["input"].as_str(), json["k"].as_u64()),
        (Some("stdin"), Some(2))
    );
    assert_eq!(json["check"], "passed");
}

#[test]
fn a_header_without_records_measures_nothing_and_passes() {
    let env = env_with("empty.csv", "a,b\n");
    env.oubli(&["risk", "empty.csv", "--quasi", "a", "--k", "5"])
        .code(0)
        .stderr_eq("")
        .stdout_eq(str![[r#"
records                      0
equivalence classes          0  over a
k (smallest class)           -
records in classes < 5       0
highest risk                 -  1 / k
average risk                 -  classes / records
k-anonymity with k = 5  passed

"#]]);
}

#[test]
fn usage_and_input_errors_exit_2() {
    let env = env_with("in.csv", "a,b,c\n1,2,3\n");
    env.write("ragged.csv", "a,b\n1,2\n3\n");
    env.write("data.parquet", "PAR1");
    env.fails(&["risk", "in.csv", "--quasi", "a,B"]).stderr_eq(str![[r#"
error: quasi-identifier column `B` is not in the input (its columns are: `a`, `b`, `c`)
hint: name columns exactly as in the header (case and spaces count), quasi-identifiers separated by commas

"#]]);
    env.fails(&["risk", "in.csv", "--quasi", "a", "--sensitive", "d"])
        .stderr_eq(str![[r#"
error: sensitive column `d` is not in the input (its columns are: `a`, `b`, `c`)
hint: name columns exactly as in the header (case and spaces count), quasi-identifiers separated by commas

"#]]);
    env.fails(&["risk", "in.csv", "--quasi", "a,b", "--sensitive", "b"])
        .stderr_eq(str![[r#"
error: column `b` cannot be both a quasi-identifier and the sensitive attribute
hint: name each column once: the quasi-identifiers with --quasi, the sensitive attribute with --sensitive

"#]]);
    env.fails(&["risk", "in.csv", "--quasi", "a,a"]).stderr_eq(str![[r#"
error: quasi-identifier column `a` is named twice
hint: name each column once: the quasi-identifiers with --quasi, the sensitive attribute with --sensitive

"#]]);
    env.fails(&["risk", "ragged.csv", "--quasi", "a"]).stderr_eq(str![[r#"
error: ragged.csv: line 3: record 2 has 1 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
    env.fails(&["risk", "data.parquet", "--quasi", "a"]);
    env.fails(&["risk", "missing.csv", "--quasi", "a"]);
    env.fails(&["risk", "in.csv", "--quasi", "a", "--k", "0"]);
    env.fails(&["risk", "in.csv", "--quasi", "a", "--delimiter", "\""]);
    let assert = env.fails(&["risk", "in.csv"]);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--quasi <COLUMNS>"), "{stderr}");
    let out = env.fails(&["scan", "data.parquet"]);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: data.parquet: "), "{stderr}");
    env.fails(&["scan", "in.csv", "--rows", "0"]);
}

#[test]
fn scan_suggests_a_policy_that_masks_the_demo_without_showing_a_value() {
    let env = env_with("customers.csv", customers_csv());
    let assert = env
        .oubli(&["scan", "customers.csv"])
        .code(0)
        .stderr_eq(str![[r#"
scanned all 60 rows of customers.csv: 8 of 11 columns masked, 3 kept; review the policy before use

"#]]);
    let policy = stdout_string(&assert);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let table = Table::parse(&customers_csv(), b',');
    for row in &table.rows {
        for field in row {
            let field = String::from_utf8(field.clone()).unwrap();
            for piece in [field.as_str(), field.trim()] {
                if piece.chars().count() >= 4 {
                    assert!(
                        !policy.contains(piece),
                        "`{piece}` appears in the policy:\n{policy}"
                    );
                    assert!(!stderr.contains(piece), "`{piece}` appears on stderr");
                }
            }
        }
    }
    let entries: Vec<&str> = policy
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = {"))
        .collect();
    assert_eq!(
        entries,
        [
            r#"customer_id = { transform = "hash", domain = "customer_id" }"#,
            r#"email       = { transform = "hash", domain = "email", normalise = ["trim", "lowercase"] }"#,
            r#"full_name   = { transform = "redact" }"#,
            r#"phone       = { transform = "fpe", alphabet = "digits", domain = "phone", fallback = "redact" }"#,
            r#"iban        = { transform = "encrypt", domain = "iban" }"#,
            r#"birth_date  = { transform = "mask", keep_first = 4, skip = "-/." }"#,
            r#"zip         = { transform = "mask", keep_first = 2, skip = " -" }"#,
            r#"city        = { transform = "keep" }"#,
            r#"signup_date = { transform = "keep" }"#,
            r#"amount      = { transform = "keep" }"#,
            r#"notes       = { transform = "redact" }"#,
        ]
    );

    // The suggestion runs as it is, and its output is measurably coarser.
    env.write("suggested.toml", &policy);
    env.new_key("k");
    env.oubli(&[
        "mask",
        "customers.csv",
        "-o",
        "masked.csv",
        "--policy",
        "suggested.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0)
    .stderr_eq("");
    let masked = Table::parse(&env.read("masked.csv"), b',');
    assert!(
        masked
            .strings("birth_date")
            .iter()
            .all(|d| d.len() == 10 && d.ends_with("-**-**"))
    );
    assert!(masked.strings("full_name").iter().all(String::is_empty));
    let before = stdout_json(
        &env.oubli(&[
            "risk",
            "customers.csv",
            "--quasi",
            "birth_date,zip",
            "--json",
        ])
        .code(0),
    );
    let after = stdout_json(
        &env.oubli(&["risk", "masked.csv", "--quasi", "birth_date,zip", "--json"])
            .code(0),
    );
    assert_eq!(before["classes"], 60);
    assert!(after["classes"].as_u64().unwrap() < 60, "{after}");
}

/// A nested Parquet column cannot be a quasi-identifier or be scanned: the
/// error names the file and the column, and nothing panics.
#[test]
fn nested_parquet_columns_are_named_in_the_error() {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, RecordBatch, StringArray, StructArray};

    let env = Env::new();
    let address = StructArray::try_from(vec![(
        "zip",
        Arc::new(StringArray::from(vec!["75011", "69001"])) as Arc<dyn Array>,
    )])
    .unwrap();
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from(vec![1, 2])) as Arc<dyn Array>,
        ),
        ("address", Arc::new(address) as Arc<dyn Array>),
    ])
    .unwrap();
    let file = std::fs::File::create(env.path("nested.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    for args in [
        &["risk", "nested.parquet", "--quasi", "address"][..],
        &["risk", "nested.parquet", "--quasi", "address.zip"][..],
        &["scan", "nested.parquet"][..],
    ] {
        let out = env.fails(args);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("address"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The top-level primitive column alone is measured.
    env.oubli(&["risk", "nested.parquet", "--quasi", "id", "--json"])
        .code(0);
}

/// The demo data as Parquet (every column a string, a few NULLs where the
/// CSV has empty fields): the same suggestion as for the CSV, in samples of
/// the first rows too, and no value shown.
#[test]
fn scan_of_parquet_suggests_what_the_csv_gets() {
    use std::sync::Arc;

    use arrow_array::StringArray;

    let env = env_with("customers.csv", customers_csv());
    let table = Table::parse(&customers_csv(), b',');
    write_parquet(&env, "customers.parquet", &table, 16, |_, values| {
        Arc::new(StringArray::from_iter(
            values.into_iter().map(|v| (!v.is_empty()).then_some(v)),
        ))
    });

    for rows in ["60", "20"] {
        let policy_of = |input: &str| {
            let out = env.oubli(&["scan", input, "--rows", rows, "-q"]).code(0);
            stdout_string(&out).replace(input, "INPUT")
        };
        let csv = policy_of("customers.csv");
        let parquet = policy_of("customers.parquet");
        assert_eq!(parquet, csv, "--rows {rows}");
        for row in &table.rows {
            for field in row {
                let field = String::from_utf8(field.clone()).unwrap();
                if field.trim().chars().count() >= 4 {
                    assert!(!parquet.contains(field.trim()), "`{field}` in the policy");
                }
            }
        }
    }
    env.fails(&["scan", "-", "--format", "parquet"])
        .stderr_eq(str![[r#"
error: Parquet cannot be read from stdin (its footer is at the end of the file); name the file

"#]]);
    for args in [
        &["scan", "customers.parquet", "--delimiter", ";"][..],
        &[
            "risk",
            "customers.parquet",
            "--quasi",
            "zip",
            "--delimiter",
            ";",
        ][..],
    ] {
        env.fails(args).stderr_eq(str![[r#"
error: --delimiter is for CSV and TSV input; customers.parquet is Parquet

"#]]);
    }
    env.write("customers.dat", customers_csv());
    env.fails(&["scan", "customers.dat"]).stderr_eq(str![[r#"
error: cannot tell the format of customers.dat from its extension
hint: pass --format csv, --format tsv or --format parquet

"#]]);
}

#[test]
fn scan_samples_the_first_rows_and_quotes_names() {
    let env = Env::new();
    env.write(
        "odd.csv",
        "\"first name\",e-mail,\"a.b\",\"\"\nAda,ada@example.org,1,\nGrace,grace@example.org,2,\nAlan,alan@example.org,3,\n",
    );
    let assert = env.oubli(&["scan", "odd.csv", "--rows", "2"]).code(0);
    let policy = stdout_string(&assert);
    assert!(
        policy
            .starts_with("# Policy suggested by `oubli scan` from the first 2 rows of odd.csv.\n"),
        "{policy}"
    );
    for line in [
        r#""first name" = { transform = "redact" }"#,
        r#"e-mail       = { transform = "hash", domain = "email", normalise = ["trim", "lowercase"] }"#,
        r#""a.b"        = { transform = "keep" }"#,
        r#"""           = { transform = "redact" }"#,
    ] {
        assert!(
            policy.lines().any(|l| l == line),
            "no line {line} in:\n{policy}"
        );
    }
    for value in ["Ada", "Grace", "Alan", "example"] {
        assert!(!policy.contains(value), "{value} in {policy}");
    }
    env.write("p.toml", &policy);
    env.new_key("k");
    env.oubli(&[
        "mask", "odd.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0);
    // From stdin, the whole input: all rows.
    let assert = env
        .run(env.cmd().args(["scan", "-", "-q"]).stdin("x\n1\n"))
        .code(0)
        .stderr_eq("");
    assert!(
        stdout_string(&assert)
            .starts_with("# Policy suggested by `oubli scan` from all 1 row of stdin.\n")
    );
}

// ---------------------------------------------------------------------------
// `[risk]` in the policy: the check `oubli mask` runs on its own output.
// ---------------------------------------------------------------------------

/// Twelve visits. Masked by [`VISITS_COLUMNS`] (birth date cut to its year,
/// postcode to its first two digits), the output's classes over
/// (birth_date, zip, sex), worked out by hand, are:
///
/// | class                   | rows                | size | distinct diagnoses |
/// |-------------------------|---------------------|------|--------------------|
/// | (1980-**-**, 75***, F)  | P01, P02, P03, P04  | 4    | 3 (flu, cold, asthma) |
/// | (1975-**-**, 69***, M)  | P05, P06, P07, P12  | 4    | 2 (flu, cold)      |
/// | (1990-**-**, 13***, F)  | P08, P09            | 2    | 2 (cold, flu)      |
/// | (1962-**-**, 33***, M)  | P10                 | 1    | 1 (cold)           |
/// | (1980-**-**, 75***, M)  | P11                 | 1    | 1 (flu)            |
///
/// On the input every record is unique on these columns: the check must
/// measure the output.
const VISITS: &str = "\
patient,birth_date,zip,sex,diagnosis
P01,1980-03-14,75011,F,flu
P02,1980-07-02,75019,F,cold
P03,1980-11-30,75002,F,flu
P04,1980-01-09,75015,F,asthma
P05,1975-05-05,69001,M,flu
P06,1975-08-21,69003,M,flu
P07,1975-12-12,69007,M,flu
P08,1990-02-28,13001,F,cold
P09,1990-06-17,13008,F,flu
P10,1962-04-04,33000,M,cold
P11,1980-09-09,75020,M,flu
P12,1975-10-10,69002,M,cold
";

const VISITS_COLUMNS: &str = r#"version = 1
[columns]
patient    = { transform = "hash", domain = "patient" }
birth_date = { transform = "mask", keep_first = 4, skip = "-" }
zip        = { transform = "mask", keep_first = 2 }
sex        = { transform = "keep" }
diagnosis  = { transform = "keep" }
"#;

/// `VISITS_COLUMNS` with a `[risk]` section made of `risk` lines.
fn visits_policy(risk: &str) -> String {
    format!("{VISITS_COLUMNS}[risk]\n{risk}")
}

/// A directory with `visits.csv`, a key `k`, `plain.toml` (no `[risk]`) and
/// `plain.csv`, the output of masking without a check.
fn visits_env() -> Env {
    let env = env_with("visits.csv", VISITS);
    env.new_key("k");
    env.write("plain.toml", VISITS_COLUMNS);
    env.oubli(&[
        "mask",
        "visits.csv",
        "-o",
        "plain.csv",
        "--policy",
        "plain.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    env
}

/// The lines of `plain.csv` (the header, then data rows) for these patients.
fn plain_rows(env: &Env, patients: &[usize]) -> String {
    let plain = env.read_string("plain.csv");
    let lines: Vec<&str> = plain.lines().collect();
    let mut out = format!("{}\n", lines[0]);
    for p in patients {
        out.push_str(lines[*p]);
        out.push('\n');
    }
    out
}

fn stderr_string(assert: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).expect("UTF-8")
}

fn mask_args<'a>(input: &'a str, output: &'a str, policy: &'a str) -> Vec<&'a str> {
    vec![
        "mask", input, "-o", output, "--policy", policy, "--key", "k",
    ]
}

#[test]
fn risk_check_that_passes_publishes_the_output_unchanged() {
    let env = visits_env();
    // Cut to "19**-**-**", all twelve birth dates are one class: k = 12
    // exactly meets k = 12 (while on the input every date is unique).
    env.write(
        "p.toml",
        visits_policy("quasi_identifiers = [\"birth_date\"]\nk = 12\n")
            .replace("keep_first = 4, skip", "keep_first = 2, skip"),
    );
    let assert = env
        .oubli(&mask_args("visits.csv", "out.csv", "p.toml"))
        .code(0);
    let stderr = stderr_string(&assert);
    assert!(
        stderr.contains("risk: k = 12 over birth_date in 12 records (policy: k = 12): passed\n"),
        "{stderr}"
    );
    let out = Table::parse(&env.read("out.csv"), b',');
    assert_eq!(out.rows.len(), 12);
    assert!(out.strings("birth_date").iter().all(|d| d == "19**-**-**"));
    env.assert_no_temp_files();

    // k = 13 cannot be met by 12 records.
    env.write(
        "p13.toml",
        env.read_string("p.toml").replace("k = 12", "k = 13"),
    );
    env.oubli(&mask_args("visits.csv", "out13.csv", "p13.toml"))
        .code(1);
    assert!(!env.exists("out13.csv"));
}

#[test]
fn risk_check_that_fails_leaves_no_output_exits_1_and_shows_the_report() {
    let env = visits_env();
    env.write(
        "p.toml",
        visits_policy(
            "quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nk = 3\non_violation = \"fail\"\n",
        ),
    );
    let before = env.state();
    let assert = env
        .oubli(&mask_args("visits.csv", "out.csv", "p.toml"))
        .code(1)
        .stdout_eq("");
    env.assert_state(&before);
    // 12 records, 5 classes, k = 1; below 3: the classes of sizes 2, 1 and 1.
    assert.stderr_eq(str![[r#"
records                     12
equivalence classes          5  over birth_date, zip, sex
k (smallest class)           1
records in classes < 3       4  33.3% of records, in 3 classes
highest risk            1.0000  1 / k
average risk            0.4167  classes / records
k-anonymity with k = 3  failed

class size   classes   records
1                  2         2
2                  1         2
3-4                2         8
error: the masked output fails the policy's [risk] check (k = 3): the smallest equivalence class over birth_date, zip, sex has 1 record; 4 records are in 3 classes that fail; nothing was written
hint: generalise the quasi-identifiers further (for example `mask` a postcode down to its first digits), or set `on_violation = "suppress"` under [risk] to leave those records out

"#]]);

    // With --json: the `oubli risk --json` object on stdout, nothing written.
    let assert = env
        .oubli(&[
            "mask",
            "visits.csv",
            "-o",
            "out.csv",
            "--policy",
            "p.toml",
            "--key",
            "k",
            "--json",
        ])
        .code(1);
    let json = stdout_json(&assert);
    assert_eq!(json["format"], "oubli.risk/1");
    assert_eq!(
        json["quasi"],
        serde_json::json!(["birth_date", "zip", "sex"])
    );
    assert_eq!(
        (&json["records"], &json["classes"], &json["k"]),
        (
            &serde_json::json!(12),
            &serde_json::json!(5),
            &serde_json::json!(1)
        )
    );
    assert_eq!(json["records_below_k"], 4);
    assert_eq!(json["classes_below_k"], 3);
    assert_eq!(json["check"], "failed");
    assert_eq!(json["outcome"], "failed");
    assert!(!env.exists("out.csv"));

    // To stdout: nothing reaches it.
    env.oubli(&mask_args("visits.csv", "-", "p.toml"))
        .code(1)
        .stdout_eq("");
    env.assert_state(&before);
}

#[test]
fn risk_suppress_removes_exactly_the_small_classes_and_rechecks() {
    let env = visits_env();
    env.write(
        "p.toml",
        visits_policy(
            "quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nsensitive = \"diagnosis\"\nk = 3\non_violation = \"suppress\"\n",
        ),
    );
    let assert = env
        .oubli(&mask_args("visits.csv", "out.csv", "p.toml"))
        .code(0);
    let stderr = stderr_string(&assert);
    // P08, P09 (size 2), P10 and P11 (size 1): 4 records in 3 classes.
    assert!(
        stderr.starts_with(
            "risk: suppressed 4 records in 3 classes that failed k = 3; re-checked: k = 4, l = 2 over birth_date, zip, sex in 8 records (policy: k = 3): passed\n"
        ),
        "{stderr}"
    );
    // The output is the plain masked output without those four rows, byte
    // for byte.
    assert_eq!(
        env.read_string("out.csv"),
        plain_rows(&env, &[1, 2, 3, 4, 5, 6, 7, 12])
    );
    env.assert_no_temp_files();

    // `oubli risk` on the output agrees.
    let json = stdout_json(
        &env.oubli(&[
            "risk",
            "out.csv",
            "--quasi",
            "birth_date,zip,sex",
            "--sensitive",
            "diagnosis",
            "--k",
            "3",
            "--json",
        ])
        .code(0),
    );
    assert_eq!(
        (
            &json["records"],
            &json["classes"],
            &json["k"],
            &json["l"],
            &json["records_below_k"]
        ),
        (
            &serde_json::json!(8),
            &serde_json::json!(2),
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(0)
        )
    );

    // With l = 3 as well, (1975, 69, M) has only flu and cold: P01–P04 alone
    // remain; 8 records in 4 classes are suppressed. To stdout, with --json
    // (the summary then goes to stderr).
    env.write(
        "l.toml",
        visits_policy(
            "quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nsensitive = \"diagnosis\"\nk = 2\nl = 3\non_violation = \"suppress\"\n",
        ),
    );
    let assert = env
        .oubli(&[
            "mask",
            "visits.csv",
            "-o",
            "-",
            "--policy",
            "l.toml",
            "--key",
            "k",
            "--json",
        ])
        .code(0);
    assert_eq!(stdout_string(&assert), plain_rows(&env, &[1, 2, 3, 4]));
    let summary: serde_json::Value =
        serde_json::from_str(stderr_string(&assert).trim_end()).expect("one JSON line");
    assert_eq!(summary["format"], "oubli.summary/1");
    let risk = &summary["risk"];
    assert_eq!(risk["outcome"], "suppressed");
    assert_eq!(risk["records_suppressed"], 8);
    assert_eq!(risk["classes_suppressed"], 4);
    assert_eq!(risk["records"], 4);
    assert_eq!(risk["classes"], 1);
    assert_eq!(risk["k"], 4);
    assert_eq!(risk["l"], 3);
    assert_eq!(risk["l_threshold"], 3);
}

/// The same checks on Parquet: the values are read back through their
/// canonical text, and the filtered copy keeps the file's metadata.
#[test]
fn risk_check_on_parquet_output() {
    use std::sync::Arc;

    use arrow_array::{Array, RecordBatch, StringArray};

    let env = visits_env();
    let table = Table::parse(VISITS.as_bytes(), b',');
    let columns: Vec<(&str, Arc<dyn Array>)> = table
        .header
        .iter()
        .map(|name| {
            let values = StringArray::from(table.strings(name));
            (name.as_str(), Arc::new(values) as Arc<dyn Array>)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(env.path("visits.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    env.write(
        "fail.toml",
        visits_policy("quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nk = 3\n"),
    );
    env.oubli(&mask_args("visits.parquet", "fail.parquet", "fail.toml"))
        .code(1);
    assert!(!env.exists("fail.parquet"));
    env.assert_no_temp_files();

    env.write(
        "p.toml",
        visits_policy(
            "quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nk = 3\non_violation = \"suppress\"\n",
        ),
    );
    let assert = env
        .oubli(&mask_args("visits.parquet", "out.parquet", "p.toml"))
        .code(0);
    assert!(
        stderr_string(&assert).starts_with("risk: suppressed 4 records in 3 classes"),
        "{}",
        stderr_string(&assert)
    );
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(env.path("out.parquet")).unwrap(),
    )
    .unwrap();
    let metadata = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned();
    assert!(
        metadata
            .unwrap_or_default()
            .iter()
            .any(|kv| kv.key == "oubli.provenance"),
        "the filtered copy keeps the provenance"
    );
    let mut patients = Vec::new();
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let column = batch.column_by_name("patient").unwrap();
        let strings = column.as_any().downcast_ref::<StringArray>().unwrap();
        patients.extend(strings.iter().map(|s| s.unwrap().to_owned()));
    }
    // The same pseudonyms as the CSV job's, for the same eight patients.
    let plain = Table::parse(
        plain_rows(&env, &[1, 2, 3, 4, 5, 6, 7, 12]).as_bytes(),
        b',',
    );
    assert_eq!(patients, plain.strings("patient"));
    env.assert_no_temp_files();
}

#[test]
fn risk_report_is_in_the_ledger_entry_and_verifies() {
    use sha2::{Digest as _, Sha256};

    let env = visits_env();
    env.new_signing_key("sk");
    let init = env
        .oubli(&["log", "init", "L", "--signing-key", "sk"])
        .code(0);
    env.write("pub", &init.get_output().stdout);
    let ledger = ["--ledger", "L", "--signing-key", "sk", "-q"];
    env.write(
        "fail.toml",
        visits_policy("quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nk = 3\n"),
    );
    env.write(
        "suppress.toml",
        visits_policy(
            "quasi_identifiers = [\"birth_date\", \"zip\", \"sex\"]\nsensitive = \"diagnosis\"\nk = 3\non_violation = \"suppress\"\n",
        ),
    );
    let mut args = mask_args("visits.csv", "fail.csv", "fail.toml");
    args.extend(ledger);
    env.oubli(&args).code(1);
    let mut args = mask_args("visits.csv", "out.csv", "suppress.toml");
    args.extend(ledger);
    env.oubli(&args).code(0);

    let entries: Vec<serde_json::Value> = env
        .read_string("L/entries.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    let failed = &entries[0];
    assert_eq!(failed["result"], "failed");
    assert_eq!(failed["rows"], 12);
    assert!(failed.get("output").is_none());
    assert_eq!(
        failed["risk"],
        serde_json::json!({
            "quasi_identifiers": ["birth_date", "zip", "sex"],
            "k_required": 3,
            "on_violation": "fail",
            "outcome": "failed",
            "records": 12,
            "classes": 5,
            "k_achieved": 1,
            "records_violating": 4,
            "classes_violating": 3,
            "max_risk": 1.0,
            "avg_risk": 5.0 / 12.0,
            "records_suppressed": 0,
            "classes_suppressed": 0,
        })
    );
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("the masked output fails the policy's [risk] check (k = 3)"),
        "{}",
        failed["error"]
    );

    let ok = &entries[1];
    assert_eq!(ok["result"], "ok");
    assert_eq!(ok["rows"], 12);
    assert_eq!(
        ok["risk"],
        serde_json::json!({
            "quasi_identifiers": ["birth_date", "zip", "sex"],
            "sensitive": "diagnosis",
            "k_required": 3,
            "on_violation": "suppress",
            "outcome": "suppressed",
            "records": 8,
            "classes": 2,
            "k_achieved": 4,
            "l_achieved": 2,
            "records_violating": 0,
            "classes_violating": 0,
            "max_risk": 0.25,
            "avg_risk": 0.25,
            "records_suppressed": 4,
            "classes_suppressed": 3,
        })
    );
    // The recorded output is the published (suppressed) file.
    let published = env.read("out.csv");
    assert_eq!(ok["output"]["bytes"], published.len());
    assert_eq!(
        ok["output"]["sha256"],
        format!("{:x}", Sha256::digest(&published))
    );
    // No value of the data in the ledger.
    let text = env.read_string("L/entries.jsonl");
    for value in ["P01", "1980-03-14", "75011", "asthma"] {
        assert!(!text.contains(value), "{value} in the ledger");
    }
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(0);
}

#[test]
fn risk_policy_errors_exit_2_before_any_output() {
    let env = visits_env();
    // An unlisted column kept by `unlisted = "keep"` must still be in the input.
    env.write(
        "p.toml",
        "version = 1\nunlisted = \"keep\"\n[columns]\npatient = { transform = \"hash\" }\n[risk]\nquasi_identifiers = [\"sex\", \"age\"]\nk = 2\n",
    );
    env.fails(&mask_args("visits.csv", "out.csv", "p.toml"))
        .stderr_eq(str![[r#"
error: p.toml:6: column `age`: key `quasi_identifiers`: the input has no such column (its columns are: `patient`, `birth_date`, `zip`, `sex`, `diagnosis`)

"#]]);
    // `unmask` ignores [risk]: masked data restores as usual.
    env.write(
        "p.toml",
        visits_policy("quasi_identifiers = [\"sex\"]\nk = 6\n"),
    );
    env.oubli(&mask_args("visits.csv", "out.csv", "p.toml"))
        .code(0);
    let mut args = mask_args("out.csv", "back.csv", "p.toml");
    args[0] = "unmask";
    env.oubli(&args).code(0);
}
