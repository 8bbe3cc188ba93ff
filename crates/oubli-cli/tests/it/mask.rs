//! `oubli mask` and `oubli unmask` when they succeed.

use snapbox::str;

use crate::support::{
    CUSTOMERS_DETERMINISTIC_POLICY, Env, SMALL_CSV, SMALL_POLICY, Table, big_customers,
    customers_csv, customers_policy, is_b64url, is_hex,
};

/// The demo files copied into a fresh directory, with a master key `k`.
fn demo_env() -> (Env, String) {
    let env = Env::new();
    env.write("customers.csv", customers_csv());
    env.write("customers.policy.toml", customers_policy());
    let id = env.new_key("k");
    (env, id)
}

const DEMO_MASK: [&str; 8] = [
    "mask",
    "customers.csv",
    "-o",
    "masked.csv",
    "--policy",
    "customers.policy.toml",
    "--key",
    "k",
];

const DEMO_UNMASK: [&str; 8] = [
    "unmask",
    "masked.csv",
    "-o",
    "restored.csv",
    "--policy",
    "customers.policy.toml",
    "--key",
    "k",
];

fn small_env() -> Env {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env
}

fn stdout_of(assert: &snapbox::cmd::OutputAssert) -> Vec<u8> {
    assert.get_output().stdout.clone()
}

fn stderr_of(assert: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).expect("UTF-8 stderr")
}

#[test]
fn demo_masks_and_unmasks() {
    let (env, id) = demo_env();
    let input = env.read("customers.csv");
    env.oubli(&DEMO_MASK).code(0).stdout_eq("").stderr_eq(str![[r#"
masked 60 rows (1 date_shift, 1 encrypt, 1 encrypt_random, 1 fpe, 1 generalise, 2 hash, 2 keep, 1 mask, 1 redact) in [..] s, [..] MB/s, key [..] → masked.csv

"#]]);
    env.assert_no_temp_files();
    assert_eq!(
        env.read("customers.csv"),
        input,
        "the input is never modified"
    );

    let original = Table::parse(&input, b',');
    let masked = Table::parse(&env.read("masked.csv"), b',');
    assert_eq!(masked.header, original.header);
    assert_eq!(masked.rows.len(), 60);

    // Kept columns are identical, row by row: the output is in input order.
    for column in ["city", "amount"] {
        assert_eq!(masked.column(column), original.column(column), "{column}");
    }
    for v in masked.strings("customer_id") {
        let hash = v.strip_prefix("cust_").expect("the prefix");
        assert!(is_hex(hash, 20), "{v:?}");
    }
    for (m, o) in masked
        .strings("email")
        .iter()
        .zip(original.strings("email"))
    {
        assert!(is_hex(m, 64), "{m:?}");
        assert_ne!(*m, o);
    }
    // Hashes are a function of the (normalised) value: distinct ids, distinct pseudonyms.
    let mut ids = masked.strings("customer_id");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    assert!(masked.strings("full_name").iter().all(String::is_empty));
    let short_id = &id[..8];
    for (m, o) in masked.strings("iban").iter().zip(original.strings("iban")) {
        let token = m.strip_prefix(short_id).expect("the short key id");
        assert!(is_b64url(token), "{m:?}");
        assert_ne!(*m, o);
    }
    for (m, o) in masked
        .strings("notes")
        .iter()
        .zip(original.strings("notes"))
    {
        if o.is_empty() {
            assert!(m.is_empty(), "an empty value stays empty");
        } else {
            assert!(
                is_b64url(m.strip_prefix(short_id).expect("short id")),
                "{m:?}"
            );
        }
    }
    let mut changed = 0;
    for (m, o) in masked
        .strings("phone")
        .iter()
        .zip(original.strings("phone"))
    {
        // FF1 keeps the format: same length, separators in place.
        assert_eq!(m.len(), o.len());
        for (a, b) in m.chars().zip(o.chars()) {
            assert_eq!(a.is_ascii_digit(), b.is_ascii_digit(), "{m:?} / {o:?}");
            if !b.is_ascii_digit() {
                assert_eq!(a, b);
            }
        }
        changed += usize::from(m != &o);
    }
    assert!(changed > 50, "phone numbers are encrypted");
    for (m, o) in masked
        .strings("birth_date")
        .iter()
        .zip(original.strings("birth_date"))
    {
        assert_eq!(*m, o[..4], "generalised to the year");
    }
    // date_shift: each customer's signup date moves by at most 30 days.
    for (m, o) in masked
        .strings("signup_date")
        .iter()
        .zip(original.strings("signup_date"))
    {
        assert_eq!(m.len(), 10, "{m:?}");
        assert!(
            (epoch_days(m) - epoch_days(&o)).abs() <= 30,
            "{m:?} / {o:?}"
        );
    }

    env.oubli(&DEMO_UNMASK).code(0).stdout_eq("").stderr_eq(str![[r#"
unmasked 60 rows (1 date_shift, 1 encrypt, 1 encrypt_random, 1 fpe, 1 generalise, 2 hash, 2 keep, 1 mask, 1 redact) in [..] s, [..] MB/s, key [..] → restored.csv

"#]]);
    env.assert_no_temp_files();
    let restored = Table::parse(&env.read("restored.csv"), b',');
    assert_eq!(restored.header, original.header);
    for column in ["iban", "notes", "phone", "city", "amount"] {
        assert_eq!(restored.column(column), original.column(column), "{column}");
    }
    // Irreversible columns are copied from the masked data.
    for column in [
        "customer_id",
        "email",
        "full_name",
        "birth_date",
        "zip",
        "signup_date",
    ] {
        assert_eq!(restored.column(column), masked.column(column), "{column}");
    }
}

#[test]
fn kept_columns_keep_their_bytes() {
    let (env, _) = demo_env();
    env.oubli(&DEMO_MASK).code(0);
    // The demo's kept columns never need quoting: compare the raw bytes.
    let raw = |data: Vec<u8>| -> Vec<String> {
        String::from_utf8(data)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("C1") || l.starts_with("cust_"))
            .map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                // city and amount are fields 8 and 10; none of the fields
                // before them holds a comma or a quote.
                assert!(!fields[..10].concat().contains('"'), "{l}");
                format!("{},{}", fields[7], fields[9])
            })
            .collect()
    };
    let before = raw(env.read("customers.csv"));
    let after = raw(env.read("masked.csv"));
    assert_eq!(before.len(), after.len());
    assert_eq!(before, after);
}

#[test]
fn quoted_values_and_line_breaks_in_kept_columns_survive() {
    let env = Env::new();
    env.new_key("k");
    env.write(
        "in.csv",
        "a,b\n\"q\"\"uote\",x\n\"multi\nline\",y\n\"c,omma\",z\n,w\n",
    );
    env.write("p.toml", SMALL_POLICY);
    env.oubli(&[
        "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = Table::parse(&env.read("out.csv"), b',');
    assert_eq!(
        out.column("a"),
        vec![
            b"q\"uote".to_vec(),
            b"multi\nline".to_vec(),
            b"c,omma".to_vec(),
            b"".to_vec()
        ]
    );
}

/// Masks `big` with `threads` threads, returning the output bytes.
fn mask_big(env: &Env, threads: &str, output: &str) -> Vec<u8> {
    env.oubli(&[
        "mask",
        "big.csv",
        "-o",
        output,
        "--policy",
        "det.toml",
        "--key",
        "k",
        "--threads",
        threads,
        "-q",
    ])
    .code(0)
    .stderr_eq("");
    env.read(output)
}

#[test]
fn deterministic_output_does_not_depend_on_threads() {
    let env = Env::new();
    env.new_key("k");
    // 9,000 rows: more than two chunks of 4,096 records.
    env.write("big.csv", big_customers(150));
    env.write("det.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    let one = mask_big(&env, "1", "one.csv");
    let four = mask_big(&env, "4", "four.csv");
    assert!(one == four, "--threads 1 and --threads 4 differ");
    let again = mask_big(&env, "3", "three.csv");
    assert!(one == again, "--threads 3 differs");
    let table = Table::parse(&one, b',');
    assert_eq!(table.rows.len(), 9000);
    // Input order: the kept column `amount` is the input's, row by row.
    let input = Table::parse(&env.read("big.csv"), b',');
    assert_eq!(table.column("amount"), input.column("amount"));
    env.assert_no_temp_files();
}

#[test]
fn encrypt_random_differs_between_runs_and_unmasks() {
    let (env, _) = demo_env();
    env.oubli(&DEMO_MASK).code(0);
    let mut again = DEMO_MASK;
    again[3] = "masked2.csv";
    env.oubli(&again).code(0);
    let a = Table::parse(&env.read("masked.csv"), b',');
    let b = Table::parse(&env.read("masked2.csv"), b',');
    assert_eq!(
        a.column("iban"),
        b.column("iban"),
        "encrypt is deterministic"
    );
    assert_ne!(
        a.column("notes"),
        b.column("notes"),
        "encrypt_random is not"
    );
    let mut unmask = DEMO_UNMASK;
    unmask[1] = "masked2.csv";
    env.oubli(&unmask).code(0);
    let restored = Table::parse(&env.read("restored.csv"), b',');
    let original = Table::parse(&env.read("customers.csv"), b',');
    assert_eq!(restored.column("notes"), original.column("notes"));
}

#[test]
fn stdin_and_stdout() {
    let (env, _) = demo_env();
    env.oubli(&DEMO_MASK).code(0);
    let file_output = env.read("masked.csv");

    let det_args = |input: &str, output: &str| {
        vec![
            "mask".to_owned(),
            input.to_owned(),
            "-o".to_owned(),
            output.to_owned(),
            "--policy".to_owned(),
            "det.toml".to_owned(),
            "--key".to_owned(),
            "k".to_owned(),
        ]
    };
    env.write("det.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    env.oubli(
        &det_args("customers.csv", "det.csv")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .code(0);
    let expected = env.read("det.csv");

    // stdin to stdout.
    let assert = env
        .run(
            env.cmd()
                .args(det_args("-", "-"))
                .stdin(env.read("customers.csv")),
        )
        .code(0)
        .stderr_eq(str![[r#"
masked 60 rows (2 encrypt, 1 fpe, 2 hash, 3 keep, 2 mask, 1 redact) in [..] s, [..] MB/s, key [..] → stdout

"#]]);
    assert!(
        stdout_of(&assert) == expected,
        "stdin/stdout output differs"
    );

    // A file to stdout, stdin to a file.
    let assert = env
        .run(env.cmd().args(det_args("customers.csv", "-")))
        .code(0);
    assert!(stdout_of(&assert) == expected);
    env.run(
        env.cmd()
            .args(det_args("-", "from-stdin.csv"))
            .stdin(env.read("customers.csv")),
    )
    .code(0)
    .stdout_eq("");
    assert_eq!(env.read("from-stdin.csv"), expected);

    // unmask from stdin to stdout restores the demo's reversible columns.
    let assert = env
        .run(
            env.cmd()
                .args([
                    "unmask",
                    "-",
                    "-o",
                    "-",
                    "--policy",
                    "customers.policy.toml",
                    "--key",
                    "k",
                    "-q",
                ])
                .stdin(file_output),
        )
        .code(0)
        .stderr_eq("");
    let restored = Table::parse(&stdout_of(&assert), b',');
    let original = Table::parse(&env.read("customers.csv"), b',');
    for column in ["iban", "notes", "phone", "city", "amount"] {
        assert_eq!(restored.column(column), original.column(column), "{column}");
    }
    env.assert_no_temp_files();
}

#[test]
fn tsv_by_extension() {
    let env = Env::new();
    env.new_key("k");
    env.write("in.tsv", "a\tb\n1\tx, with a comma\n2\ty\n");
    env.write("p.toml", SMALL_POLICY);
    env.oubli(&[
        "mask", "in.tsv", "-o", "out.tsv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = env.read_string("out.tsv");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "a\tb");
    for (line, a) in lines[1..].iter().zip(["1", "2"]) {
        let (first, hash) = line.split_once('\t').expect("a tab");
        assert_eq!(first, a);
        assert!(is_hex(hash, 64), "{line:?}");
    }

    // --format tsv on a file without the extension gives the same output.
    env.write("in.txt", env.read("in.tsv"));
    env.oubli(&[
        "mask", "in.txt", "-o", "out2.tsv", "--policy", "p.toml", "--key", "k", "-q", "--format",
        "tsv",
    ])
    .code(0);
    assert_eq!(env.read("out2.tsv"), env.read("out.tsv"));
}

#[test]
fn semicolon_delimiter() {
    let env = small_env();
    env.write("semi.csv", "a;b\n\"1;5\";x\n2,5;y\n");
    env.oubli(&[
        "mask",
        "semi.csv",
        "-o",
        "out.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "--delimiter",
        ";",
        "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = env.read("out.csv");
    let table = Table::parse(&out, b';');
    assert_eq!(table.header, ["a", "b"]);
    assert_eq!(table.strings("a"), ["1;5", "2,5"]);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("a;b\n\"1;5\";"), "{text}");
    assert!(text.contains("\n2,5;"), "{text}");

    // The same values as with commas.
    env.oubli(&[
        "mask",
        "in.csv",
        "-o",
        "comma.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    let comma = Table::parse(&env.read("comma.csv"), b',');
    assert_eq!(table.column("b"), comma.column("b"));
}

#[test]
fn crlf_input_gives_crlf_output() {
    let env = small_env();
    env.write("crlf.csv", "a,b\r\n1,x\r\n\"2\r\n3\",y\r\n");
    env.oubli(&[
        "mask", "crlf.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = env.read("out.csv");
    assert!(
        out.starts_with(b"a,b\r\n1,"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    assert!(out.ends_with(b"\r\n"));
    // Every record ends with CRLF: the line break inside the quoted value is the
    // input's own.
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(text.matches("\r\n").count(), 4, "{text:?}");
    assert_eq!(text.matches('\n').count(), 4, "{text:?}");
    let table = Table::parse(&out, b',');
    assert_eq!(table.column("a"), [b"1".to_vec(), b"2\r\n3".to_vec()]);

    // The same pseudonyms as with LF.
    env.oubli(&[
        "mask", "in.csv", "-o", "lf.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0);
    let lf = Table::parse(&env.read("lf.csv"), b',');
    assert_eq!(table.column("b"), lf.column("b"));
}

#[test]
fn lf_input_gives_lf_output() {
    let env = small_env();
    env.oubli(&[
        "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0);
    assert!(!env.read("out.csv").contains(&b'\r'));
}

#[test]
fn bom_is_preserved() {
    let env = small_env();
    env.write("bom.csv", b"\xEF\xBB\xBFa,b\n1,x\n");
    env.oubli(&[
        "mask", "bom.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = env.read("out.csv");
    assert!(
        out.starts_with(b"\xEF\xBB\xBFa,b\n1,"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(out.windows(3).filter(|w| w == b"\xEF\xBB\xBF").count(), 1);

    // No BOM in, no BOM out.
    env.oubli(&[
        "mask",
        "in.csv",
        "-o",
        "plain.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    assert!(env.read("plain.csv").starts_with(b"a,b\n"));
}

#[test]
fn json_summary() {
    let (env, id) = demo_env();
    let mut args = DEMO_MASK.to_vec();
    args.push("--json");
    let assert = env.oubli(&args).code(0).stderr_eq("");
    let stdout = String::from_utf8(stdout_of(&assert)).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout:?}");
    assert!(stdout.ends_with('\n'));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["format"], "oubli.summary/1");
    assert_eq!(json["command"], "mask");
    assert_eq!(json["rows"], 60);
    assert_eq!(
        json["columns"],
        serde_json::json!({
            "date_shift": ["signup_date"],
            "encrypt": ["iban"],
            "encrypt_random": ["notes"],
            "fpe": ["phone"],
            "generalise": ["birth_date"],
            "hash": ["customer_id", "email"],
            "keep": ["city", "amount"],
            "mask": ["zip"],
            "redact": ["full_name"],
        })
    );
    assert_eq!(json["key_id"], id.as_str());
    let sha = json["policy_sha256"].as_str().expect("a string");
    assert!(is_hex(sha, 64), "{sha:?}");
    let seconds = json["seconds"].as_f64().expect("a number");
    assert!(seconds >= 0.0);

    // unmask, and the same policy gives the same digest.
    let mut args = DEMO_UNMASK.to_vec();
    args.push("--json");
    let assert = env.oubli(&args).code(0).stderr_eq("");
    let json2: serde_json::Value = serde_json::from_slice(&stdout_of(&assert)).expect("JSON");
    assert_eq!(json2["command"], "unmask");
    assert_eq!(json2["rows"], 60);
    assert_eq!(json2["policy_sha256"], json["policy_sha256"]);
    assert_eq!(json2["key_id"], json["key_id"]);
}

#[test]
fn json_summary_goes_to_stderr_when_the_output_is_stdout() {
    let env = small_env();
    let assert = env
        .oubli(&[
            "mask", "in.csv", "-o", "-", "--policy", "p.toml", "--key", "k", "--json",
        ])
        .code(0);
    let stdout = stdout_of(&assert);
    let table = Table::parse(&stdout, b',');
    assert_eq!(table.rows.len(), 2, "stdout holds only the CSV");
    let stderr = stderr_of(&assert);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stderr).expect("JSON");
    assert_eq!(json["format"], "oubli.summary/1");
    assert_eq!(json["rows"], 2);
    assert_eq!(
        json["columns"],
        serde_json::json!({"hash": ["b"], "keep": ["a"]})
    );
}

#[test]
fn quiet_prints_nothing() {
    let (env, _) = demo_env();
    let mut args = DEMO_MASK.to_vec();
    args.push("--quiet");
    env.oubli(&args).code(0).stdout_eq("").stderr_eq("");
    let mut args = DEMO_UNMASK.to_vec();
    args.push("-q");
    env.oubli(&args).code(0).stdout_eq("").stderr_eq("");
    assert!(env.exists("restored.csv"));
}

#[test]
fn summary_line_on_stderr() {
    let env = small_env();
    let id = env.key_id("k");
    let assert = env
        .oubli(&[
            "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k",
        ])
        .code(0)
        .stdout_eq("")
        .stderr_eq(str![[r#"
masked 2 rows (1 hash, 1 keep) in [..] s, [..] MB/s, key [..] → out.csv

"#]]);
    let stderr = stderr_of(&assert);
    assert!(stderr.contains(&format!(", key {id} → ")), "{stderr}");
}

#[test]
fn header_only_input_gives_header_only_output() {
    let env = small_env();
    env.write("header.csv", "a,b\n");
    env.oubli(&[
        "mask",
        "header.csv",
        "-o",
        "out.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
    ])
    .code(0)
    .stdout_eq("")
    .stderr_eq(str![[r#"
masked 0 rows (1 hash, 1 keep) in [..] s, [..] MB/s, key [..] → out.csv

"#]]);
    assert_eq!(env.read("out.csv"), b"a,b\n");
}

#[test]
fn unlisted_drop_round_trip() {
    let env = Env::new();
    env.new_key("k");
    env.write("in.csv", "a,secret,b,extra\n1,s,x,e\n");
    env.write(
        "p.toml",
        "version = 1\nunlisted = \"drop\"\n[columns]\na = { transform = \"keep\" }\nsecret = { transform = \"drop\" }\nb = { transform = \"encrypt\" }\n",
    );
    env.oubli(&[
        "mask", "in.csv", "-o", "m.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0);
    let masked = Table::parse(&env.read("m.csv"), b',');
    assert_eq!(masked.header, ["a", "b"]);
    env.oubli(&[
        "unmask", "m.csv", "-o", "u.csv", "--policy", "p.toml", "--key", "k", "-q",
    ])
    .code(0);
    assert_eq!(env.read("u.csv"), b"a,b\n1,x\n");
}

#[test]
fn invalid_utf8_in_a_kept_column_passes_through() {
    let env = small_env();
    env.write("latin1.csv", b"a,b\nZ\xfcrich,x\n");
    env.oubli(&[
        "mask",
        "latin1.csv",
        "-o",
        "out.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0)
    .stderr_eq("");
    let out = env.read("out.csv");
    assert!(out.starts_with(b"a,b\nZ\xfcrich,"), "{out:?}");
    let table = Table::parse(&out, b',');
    assert_eq!(table.column("a"), [b"Z\xfcrich".to_vec()]);
}

#[test]
fn force_replaces_an_existing_output() {
    let env = small_env();
    env.write("out.csv", "old\n");
    env.oubli(&[
        "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "--force", "-q",
    ])
    .code(0)
    .stdout_eq("")
    .stderr_eq("");
    let table = Table::parse(&env.read("out.csv"), b',');
    assert_eq!(table.header, ["a", "b"]);
    assert_eq!(table.rows.len(), 2);
    env.assert_no_temp_files();
}

// ---------------------------------------------------------------------------
// Anonymising transforms: generalise, date_shift, noise, fake (CSV and Parquet)
// ---------------------------------------------------------------------------

/// Days since 1970-01-01 of the `YYYY-MM-DD` at the start of `s`.
fn epoch_days(s: &str) -> i64 {
    let (y, m, d): (i64, i64, i64) = (
        s[0..4].parse().unwrap(),
        s[5..7].parse().unwrap(),
        s[8..10].parse().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

const ANON_CSV: &str = "patient,birth,visit,city,region,pay,name\n\
P1,1984-05-09,2024-01-10,Lyon,Lyon,50000,Ada\n\
P2,1990-12-31,2024-02-01T08:00:00Z,Paris,Paris,42000,Grace\n\
P1,1984-05-09,2024-03-05,Paris,Paris,51000,Ada\n\
P3,2001-01-01,2023-12-31,Lyon,Lyon,39000.50,Emmy\n";

const ANON_POLICY: &str = r#"version = 1
[columns]
patient = { transform = "hash", domain = "patient", length = 12 }
birth   = { transform = "generalise", to = "year" }
visit   = { transform = "date_shift", max_days = 60, subject = "patient", domain = "trial" }
city    = { transform = "fake", dictionary = "cities" }
region  = { transform = "generalise", hierarchy = "geo/regions.csv", level = 2 }
pay     = { transform = "noise", absolute = 500, subject = "patient" }
name    = { transform = "fake", dictionary = "names.txt" }
"#;

/// The policy in `pol/`, with its hierarchy and dictionary relative to it.
fn anon_env() -> Env {
    let env = Env::new();
    env.new_key("k");
    env.write("in.csv", ANON_CSV);
    env.mkdir("pol");
    env.mkdir("pol/geo");
    env.write("pol/p.toml", ANON_POLICY);
    env.write(
        "pol/geo/regions.csv",
        "Lyon;Auvergne-Rhône-Alpes;France\nParis;Île-de-France;France\n",
    );
    env.write(
        "pol/names.txt",
        "# test names\nAlba\nBruno\nCarla\nDario\nElsa\nFabio\nGiulia\nHugo\nIrene\nJonas\n",
    );
    env
}

fn anon_mask(env: &Env, input: &str, output: &str) -> snapbox::cmd::OutputAssert {
    env.oubli(&[
        "mask",
        input,
        "-o",
        output,
        "--policy",
        "pol/p.toml",
        "--key",
        "k",
        "-q",
    ])
}

#[test]
fn anonymising_transforms_on_csv() {
    let env = anon_env();
    anon_mask(&env, "in.csv", "m.csv").code(0).stderr_eq("");
    let t = Table::parse(&env.read("m.csv"), b',');
    assert_eq!(
        t.header,
        ["patient", "birth", "visit", "city", "region", "pay", "name"]
    );
    assert_eq!(t.strings("birth"), ["1984", "1990", "1984", "2001"]);
    assert_eq!(t.strings("region"), ["France"; 4]);
    // date_shift: P1's two visits keep their interval; the timestamp keeps its time.
    let visits = t.strings("visit");
    assert_eq!(
        epoch_days(&visits[2]) - epoch_days(&visits[0]),
        epoch_days("2024-03-05") - epoch_days("2024-01-10")
    );
    assert!((epoch_days(&visits[0]) - epoch_days("2024-01-10")).abs() <= 60);
    assert!(visits[1].ends_with("T08:00:00Z"), "{}", visits[1]);
    // noise: integers stay integers, decimals keep their digits; P1 gets the
    // same noise on both rows (seeded by the subject).
    let pay = t.strings("pay");
    let p: Vec<i64> = pay[..3].iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(p[2] - 51000, p[0] - 50000);
    assert!((p[0] - 50000).abs() <= 500);
    assert!(
        pay[3].split_once('.').is_some_and(|(_, f)| f.len() == 2),
        "{}",
        pay[3]
    );
    // fake: built-in and file dictionaries; the same input, the same fake.
    let names = t.strings("name");
    assert_eq!(names[0], names[2]);
    assert!(
        [
            "Alba", "Bruno", "Carla", "Dario", "Elsa", "Fabio", "Giulia", "Hugo", "Irene", "Jonas"
        ]
        .contains(&names[1].as_str())
    );
    let cities = t.strings("city");
    assert_eq!(cities[1], cities[2]);
    // Reproducible: the same key gives the same file.
    anon_mask(&env, "in.csv", "again.csv").code(0);
    assert_eq!(env.read("m.csv"), env.read("again.csv"));
    // Another key moves the dates and the fakes.
    env.new_key("k2");
    env.oubli(&[
        "mask",
        "in.csv",
        "-o",
        "k2.csv",
        "--policy",
        "pol/p.toml",
        "--key",
        "k2",
        "-q",
    ])
    .code(0);
    assert_ne!(env.read("m.csv"), env.read("k2.csv"));
    // Unmask copies the irreversible columns.
    env.oubli(&[
        "unmask",
        "m.csv",
        "-o",
        "u.csv",
        "--policy",
        "pol/p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    assert_eq!(env.read("u.csv"), env.read("m.csv"));
}

/// The ledger records the files the policy names, with their hashes: a
/// changed hierarchy changes the output, so it must change the evidence too.
#[test]
fn ledger_records_the_hierarchy_and_dictionary_files() {
    use sha2::{Digest as _, Sha256};

    let env = anon_env();
    env.new_signing_key("s.key");
    env.oubli(&[
        "log",
        "init",
        "L",
        "--origin",
        "example.org/policy-files",
        "--signing-key",
        "s.key",
    ])
    .code(0);
    // Masks INPUT with POLICY into OUTPUT, recording in the ledger; returns
    // the entry.
    let mask = |input: &str, policy: &str, output: &str| {
        env.oubli(&[
            "mask",
            input,
            "-o",
            output,
            "--policy",
            policy,
            "--key",
            "k",
            "--ledger",
            "L",
            "--signing-key",
            "s.key",
            "-q",
        ])
        .code(0);
        let entries = env.read_string("L/entries.jsonl");
        serde_json::from_str::<serde_json::Value>(entries.lines().last().unwrap()).unwrap()
    };
    let file = |name: &str| {
        let bytes = env.read(&format!("pol/{name}"));
        serde_json::json!({
            "name": name,
            "bytes": bytes.len(),
            "sha256": hex::encode(Sha256::digest(&bytes)),
        })
    };
    let first = mask("in.csv", "pol/p.toml", "m1.csv");
    assert_eq!(
        first["policy_files"],
        serde_json::json!([file("geo/regions.csv"), file("names.txt")])
    );
    env.write(
        "pol/geo/regions.csv",
        "Lyon;Auvergne-Rhône-Alpes;FR\nParis;Île-de-France;FR\n",
    );
    let second = mask("in.csv", "pol/p.toml", "m2.csv");
    assert_eq!(second["policy_sha256"], first["policy_sha256"]);
    assert_ne!(second["policy_files"][0], first["policy_files"][0]);
    assert_eq!(second["policy_files"][0], file("geo/regions.csv"));
    assert_ne!(env.read("m1.csv"), env.read("m2.csv"));
    // A policy that names no file records none.
    env.write("plain.toml", crate::support::SMALL_POLICY);
    env.write("small.csv", crate::support::SMALL_CSV);
    let last = mask("small.csv", "plain.toml", "s.csv");
    assert!(last.get("policy_files").is_none(), "{last}");
}

#[test]
fn anonymising_value_errors_name_row_and_column() {
    let env = anon_env();
    // A value missing from the hierarchy.
    env.write(
        "nice.csv",
        "patient,birth,visit,city,region,pay,name\nP1,1984-05-09,2024-01-10,Nice,Nice,1,Ada\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "nice.csv",
        "-o",
        "o.csv",
        "--policy",
        "pol/p.toml",
        "--key",
        "k",
    ]));
    assert!(err.contains("column `region`"), "{err}");
    assert!(err.contains("record 1"), "{err}");
    assert!(
        err.contains("not in the hierarchy file `geo/regions.csv`"),
        "{err}"
    );
    assert!(!err.contains("Nice"), "a value in an error: {err}");
    // An unparseable date.
    env.write(
        "baddate.csv",
        "patient,birth,visit,city,region,pay,name\nP1,09/05/1984,2024-01-10,Lyon,Lyon,1,Ada\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "baddate.csv",
        "-o",
        "o.csv",
        "--policy",
        "pol/p.toml",
        "--key",
        "k",
    ]));
    assert!(
        err.contains("column `birth`") && err.contains("not a date"),
        "{err}"
    );
    // `unique = true`: eleven distinct names into ten entries must collide.
    let mut rows = String::from("patient,birth,visit,city,region,pay,name\n");
    for i in 0..11 {
        rows.push_str(&format!("P{i},1984-05-09,2024-01-10,Lyon,Lyon,1,N{i}\n"));
    }
    env.write("many.csv", rows);
    env.write(
        "pol/unique.toml",
        ANON_POLICY.replace(
            "dictionary = \"names.txt\" }",
            "dictionary = \"names.txt\", unique = true }",
        ),
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "many.csv",
        "-o",
        "o.csv",
        "--policy",
        "pol/unique.toml",
        "--key",
        "k",
    ]));
    assert!(
        err.contains("column `name`") && err.contains("unique = true"),
        "{err}"
    );
}

#[test]
fn anonymising_policy_errors() {
    let env = anon_env();
    // The subject column is not in the input.
    env.write(
        "pol/nosubject.toml",
        ANON_POLICY.replace(
            "subject = \"patient\", domain",
            "subject = \"patient_id\", domain",
        ),
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "in.csv",
        "-o",
        "o.csv",
        "--policy",
        "pol/nosubject.toml",
        "--key",
        "k",
    ]));
    assert!(
        err.contains("nosubject.toml:5: column `visit`: key `subject`: the subject column `patient_id` is not in the input"),
        "{err}"
    );
    // A missing hierarchy file.
    env.write(
        "pol/nofile.toml",
        ANON_POLICY.replace("geo/regions.csv", "geo/missing.csv"),
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "in.csv",
        "-o",
        "o.csv",
        "--policy",
        "pol/nofile.toml",
        "--key",
        "k",
    ]));
    assert!(
        err.contains("nofile.toml:7: column `region`: key `hierarchy`: cannot read the hierarchy file `geo/missing.csv`"),
        "{err}"
    );
}

#[test]
fn anonymising_transforms_on_parquet_keep_types() {
    use std::sync::Arc;

    use arrow_array::types::TimestampMicrosecondType;
    use arrow_array::{Array, Date32Array, Int64Array, PrimitiveArray, RecordBatch, StringArray};

    let env = anon_env();
    let d = |s: &str| i32::try_from(epoch_days(s)).unwrap();
    let ts = PrimitiveArray::<TimestampMicrosecondType>::from(vec![
        1_704_844_800_000_000i64, // 2024-01-10T00:00:00Z
        1_706_774_400_000_000,
        1_709_596_800_000_000, // 2024-03-05T00:00:00Z
    ])
    .with_timezone("UTC");
    let batch = RecordBatch::try_from_iter([
        (
            "patient",
            Arc::new(Int64Array::from(vec![1, 2, 1])) as Arc<dyn Array>,
        ),
        (
            "birth",
            Arc::new(Date32Array::from(vec![
                d("1984-05-09"),
                d("1990-12-31"),
                d("1984-05-09"),
            ])) as _,
        ),
        (
            "visit",
            Arc::new(Date32Array::from(vec![
                d("2024-01-10"),
                d("2024-02-01"),
                d("2024-03-05"),
            ])) as _,
        ),
        ("seen", Arc::new(ts) as _),
        (
            "pay",
            Arc::new(Int64Array::from(vec![50000, 42000, 51000])) as _,
        ),
        (
            "city",
            Arc::new(StringArray::from(vec!["Lyon", "Paris", "Paris"])) as _,
        ),
    ])
    .unwrap();
    let file = std::fs::File::create(env.path("in.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    env.write(
        "pol/pq.toml",
        r#"version = 1
[columns]
patient = { transform = "keep" }
birth   = { transform = "generalise", to = "quarter" }
visit   = { transform = "date_shift", max_days = 60, subject = "patient" }
seen    = { transform = "date_shift", max_days = 60, subject = "patient" }
pay     = { transform = "noise", absolute = 500, subject = "patient" }
city    = { transform = "fake", dictionary = "cities" }
"#,
    );
    env.oubli(&[
        "mask",
        "in.parquet",
        "-o",
        "m.parquet",
        "--policy",
        "pol/pq.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(env.path("m.parquet")).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let b = &batches[0];
    let col = |name: &str| b.column(b.schema().index_of(name).unwrap()).clone();
    // generalise writes strings; date_shift and noise keep the column's type.
    let birth = col("birth");
    let birth = birth.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(birth.value(0), "1984-Q2");
    assert_eq!(birth.value(1), "1990-Q4");
    let visit = col("visit");
    let visit = visit
        .as_any()
        .downcast_ref::<Date32Array>()
        .expect("date32 kept");
    assert_eq!(
        visit.value(2) - visit.value(0),
        d("2024-03-05") - d("2024-01-10")
    );
    let seen = col("seen");
    let seen = seen
        .as_any()
        .downcast_ref::<PrimitiveArray<TimestampMicrosecondType>>()
        .expect("timestamp kept");
    // The timestamps of subject 1 move by the same whole days as its dates.
    let shift_days = i64::from(visit.value(0) - d("2024-01-10"));
    assert_eq!(
        seen.value(0),
        1_704_844_800_000_000 + shift_days * 86_400_000_000
    );
    assert_eq!(
        seen.value(2) - seen.value(0),
        1_709_596_800_000_000 - 1_704_844_800_000_000
    );
    let pay = col("pay");
    let pay = pay
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("int64 kept");
    assert_eq!(pay.value(2) - 51000, pay.value(0) - 50000);
    // The same subject value gives the same offset in CSV and Parquet: the
    // subject is the canonical text (`1`).
    env.write(
        "one.csv",
        "patient,birth,visit,seen,pay,city\n1,1984-05-09,2024-01-10,2024-01-10T00:00:00.000000Z,50000,Lyon\n",
    );
    env.oubli(&[
        "mask",
        "one.csv",
        "-o",
        "one.m.csv",
        "--policy",
        "pol/pq.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    let t = Table::parse(&env.read("one.m.csv"), b',');
    assert_eq!(
        epoch_days(&t.strings("visit")[0]) - epoch_days("2024-01-10"),
        shift_days
    );
    assert_eq!(t.strings("pay")[0], pay.value(0).to_string());
    assert_eq!(t.strings("birth")[0], "1984-Q2");

    // A transform that does not fit the column's type is refused before output.
    env.write(
        "pol/badtype.toml",
        "version = 1\nunlisted = \"keep\"\n[columns]\ncity = { transform = \"noise\", absolute = 1 }\nbirth = { transform = \"noise\", absolute = 1 }\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "in.parquet",
        "-o",
        "bad.parquet",
        "--policy",
        "pol/badtype.toml",
        "--key",
        "k",
    ]));
    assert!(
        err.contains("badtype.toml:5: column `birth`")
            && err.contains("`noise` applies to number and string columns"),
        "{err}"
    );
}
