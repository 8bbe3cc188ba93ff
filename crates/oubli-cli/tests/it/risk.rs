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
    env.fails(&["risk", "data.parquet", "--quasi", "a"])
        .stderr_eq(str![[r#"
error: `oubli risk` reads CSV and TSV; Parquet input is not supported yet
hint: export the columns to CSV first

"#]]);
    env.fails(&["risk", "missing.csv", "--quasi", "a"]);
    env.fails(&["risk", "in.csv", "--quasi", "a", "--k", "0"]);
    env.fails(&["risk", "in.csv", "--quasi", "a", "--delimiter", "\""]);
    let assert = env.fails(&["risk", "in.csv"]);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--quasi <COLUMNS>"), "{stderr}");
    env.fails(&["scan", "data.parquet"]).stderr_eq(str![[r#"
error: `oubli scan` reads CSV and TSV; Parquet input is not supported yet
hint: export the columns to CSV first

"#]]);
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
