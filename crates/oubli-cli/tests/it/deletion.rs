//! `oubli shred`, `oubli sweep` and `oubli erase`, end to end, with the
//! evidence ledger.

use std::fs;
use std::process::Command as StdCommand;
use std::time::{Duration, SystemTime};

use oubli_core::tag::SubjectTagger;
use oubli_core::{AnyKey, parse_key_file};
use serde_json::Value;

use crate::support::{CUSTOMERS_DETERMINISTIC_POLICY, Env, customers_csv};

const ORIGIN: &str = "example.com/deletion-test";

/// An Env with a signing key `s.key`, a ledger `L` created with a fixed
/// origin, its verifier key in `L.pub`, and a master key `k`.
fn ledger_env() -> Env {
    let env = Env::new();
    env.new_signing_key("s.key");
    let out = env
        .oubli(&[
            "log",
            "init",
            "L",
            "--origin",
            ORIGIN,
            "--signing-key",
            "s.key",
        ])
        .code(0);
    env.write("L.pub", out.get_output().stdout.clone());
    env.new_key("k");
    env
}

/// The ledger's entries, parsed.
fn entries(env: &Env) -> Vec<Value> {
    env.read_string("L/entries.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON entry"))
        .collect()
}

fn verifies(env: &Env) {
    env.oubli(&["log", "verify", "L", "--public-key", "L.pub"])
        .code(0);
}

fn stderr_of(a: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn stdout_of(a: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn shred_files_a_tree_links_and_failures_one_entry_each() {
    let env = ledger_env();
    env.write("a.txt", "secret a\n");
    env.write("outside.txt", "outside the tree\n");
    env.mkdir("tree");
    env.mkdir("tree/x");
    env.write("tree/x/y.txt", "nested\n");
    std::os::unix::fs::symlink("../outside.txt", env.path("tree/link")).unwrap();
    env.write("hl1", "shared inode ".repeat(100));
    fs::hard_link(env.path("hl1"), env.path("hl2")).unwrap();
    // The FIFO lives outside the test directory (reading the directory's
    // files after each command would block on it).
    let elsewhere = tempfile::tempdir().unwrap();
    let fifo = elsewhere.path().join("pipe");
    assert!(
        StdCommand::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();

    let out = env
        .oubli(&[
            "shred",
            "a.txt",
            "hl1",
            fifo,
            "missing.txt",
            "-r",
            "tree",
            "--ledger",
            "L",
            "--signing-key",
            "s.key",
            "--zero",
        ])
        .code(2)
        .stdout_eq("");
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "error: cannot shred {fifo}: refused: a named pipe"
        )),
        "{err}"
    );
    assert!(
        err.contains("error: cannot shred missing.txt: it does not exist"),
        "{err}"
    );
    assert!(
        err.contains("shredded a.txt (9 bytes, random+zero)"),
        "{err}"
    );
    assert!(err.contains("2 path(s) could not be shredded"), "{err}");

    assert!(!env.exists("a.txt") && !env.exists("hl1") && !env.exists("tree"));
    assert_eq!(env.read_string("outside.txt"), "outside the tree\n");
    assert_eq!(
        env.read("hl2"),
        vec![0u8; 1300],
        "the other name sees the zero pass"
    );
    assert!(fs::symlink_metadata(fifo).is_ok());

    verifies(&env);
    let entries = entries(&env);
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "a.txt",
            "hl1",
            fifo,
            "missing.txt",
            "tree/link",
            "tree/x/y.txt",
            "tree/x",
            "tree"
        ]
    );
    for e in &entries {
        assert_eq!(e["type"], "shred");
        assert_eq!(e["command"], "shred");
        let result = e["result"].as_str().unwrap();
        assert!(
            ["verified", "not-verifiable", "failed"].contains(&result),
            "{e}"
        );
        assert!(!e["caveats"].as_array().unwrap().is_empty() || result == "failed");
    }
    assert_eq!(entries[0]["kind"], "file");
    assert_eq!(entries[0]["pattern"], serde_json::json!(["random", "zero"]));
    assert_eq!(entries[0]["verification"]["result"], "matched");
    assert!(crate::support::is_hex(
        entries[0]["sha256"].as_str().unwrap(),
        64
    ));
    assert_eq!(entries[1]["link_count"], 2);
    assert_eq!(entries[2]["kind"], "fifo");
    assert_eq!(entries[2]["result"], "failed");
    assert_eq!(entries[3]["result"], "failed");
    assert_eq!(entries[4]["kind"], "symlink");
    assert_eq!(entries[4]["method"], "unlink");
    assert_eq!(entries[7]["kind"], "directory");
    if entries[0]["result"] == "not-verifiable" {
        assert!(
            entries[0]["recommendation"]
                .as_str()
                .unwrap()
                .contains("crypto-shredding")
        );
        assert!(!entries[0]["reasons"].as_array().unwrap().is_empty());
    }
    let text = env.read_string("L/entries.jsonl");
    assert!(!text.contains("Clear\"") && !text.contains("\"Purge"));
}

#[test]
fn shred_dry_run_lists_and_writes_nothing() {
    let env = ledger_env();
    env.write("a.txt", "keep");
    env.mkdir("d");
    env.write("d/b.txt", "keep too");
    let before = env.state();
    let out = env
        .oubli(&[
            "shred",
            "--dry-run",
            "-r",
            "a.txt",
            "d",
            "--ledger",
            "L",
            "--signing-key",
            "s.key",
        ])
        .code(0);
    env.assert_state(&before);
    let listed = stdout_of(&out);
    assert!(listed.contains("would shred a.txt (4 bytes)"), "{listed}");
    assert!(listed.contains("would shred d/b.txt"), "{listed}");
    assert!(listed.contains("would shred d (directory)"), "{listed}");
}

#[test]
fn shred_json_and_content_hash_none() {
    let env = Env::new();
    env.write("a.txt", "x");
    let out = env
        .oubli(&[
            "shred",
            "a.txt",
            "--json",
            "--content-hash",
            "none",
            "--passes",
            "2",
        ])
        .code(0);
    let line: Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
    assert_eq!(line["path"], "a.txt");
    assert!(line.get("sha256").is_none());
    assert_eq!(line["pattern"], serde_json::json!(["random", "random"]));
    assert!(!env.exists("a.txt"));
}

#[test]
fn shred_needs_the_signing_key_before_touching_anything() {
    let env = Env::new();
    env.write("a.txt", "x");
    let out = env.fails(&["shred", "a.txt", "--ledger", "L"]);
    assert!(stderr_of(&out).contains("--ledger needs the ledger's signing key"));
}

#[test]
fn sweep_shreds_only_expired_files_with_retention_evidence() {
    let env = ledger_env();
    env.mkdir("data");
    for (name, days) in [
        ("data/old.csv", 40),
        ("data/new.csv", 1),
        ("data/old.txt", 90),
    ] {
        env.write(name, name);
        fs::File::options()
            .write(true)
            .open(env.path(name))
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(days * 86_400))
            .unwrap();
    }
    env.oubli(&[
        "sweep",
        "data",
        "--older-than",
        "30d",
        "--glob",
        "*.csv",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
    ])
    .code(0);
    assert!(!env.exists("data/old.csv"));
    assert!(env.exists("data/new.csv") && env.exists("data/old.txt"));
    verifies(&env);
    let entries = entries(&env);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["command"], "sweep");
    assert_eq!(entries[0]["retention"]["older_than"], "30d");
    assert_eq!(entries[0]["retention"]["glob"], "*.csv");
    let out = env.fails(&["sweep", "data", "--older-than", "soon"]);
    assert!(stderr_of(&out).contains("is not an age"));
}

const SUBJECTS: [&str; 3] = [
    "fatima.mensah68@example.org",
    "ingrid.garcía37@example.org",
    "C100004",
];

/// The demo data without the rows of fatima, ingrid (by email) or whose
/// `column`-th field is listed.
fn without(data: &[u8], column: usize, gone: &[&str]) -> Vec<u8> {
    let text = std::str::from_utf8(data).unwrap();
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let field = line.split(',').nth(column).unwrap_or("");
        if i == 0 || !gone.contains(&field) {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

#[test]
fn erase_removes_the_rows_and_logs_only_tags() {
    let env = ledger_env();
    env.write("customers.csv", customers_csv());
    env.write(
        "subjects.txt",
        format!("{}\n{}\nnobody@example.org\n", SUBJECTS[0], SUBJECTS[1]),
    );
    let out = env
        .oubli(&[
            "erase",
            "customers.csv",
            "--subjects",
            "subjects.txt",
            "--column",
            "email",
            "-o",
            "erased.csv",
            "--key",
            "k",
            "--ledger",
            "L",
            "--signing-key",
            "s.key",
        ])
        .code(0)
        .stdout_eq("");
    assert!(stderr_of(&out).contains("erased 2 rows of 3 subject(s) (1 not found)"));
    assert_eq!(
        env.read("erased.csv"),
        without(&customers_csv(), 1, &SUBJECTS[..2])
    );
    assert_eq!(env.read("customers.csv"), customers_csv());
    verifies(&env);
    let ledger_text = env.read_string("L/entries.jsonl");
    for id in SUBJECTS.iter().take(2).chain(&["nobody@example.org"]) {
        assert!(!ledger_text.contains(id), "{id} appears in the ledger");
    }
    let entry = &entries(&env)[0];
    assert_eq!(entry["type"], "erase");
    assert_eq!(entry["result"], "verified");
    assert_eq!(entry["rows_before"], 60);
    assert_eq!(entry["rows_removed"], 2);
    assert_eq!(entry["verification"]["result"], "verified");
    // The tags are HMAC-SHA256 under subkey("tag", "erase") of the identifiers.
    let AnyKey::Master(key) = parse_key_file(&env.read_string("k")).unwrap() else {
        panic!("a master key")
    };
    let tagger = SubjectTagger::new(&key);
    let tag = |id: &str| tagger.tag(id.as_bytes()).to_string();
    let subjects = entry["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 3);
    for (id, removed) in [
        (SUBJECTS[0], 1),
        (SUBJECTS[1], 1),
        ("nobody@example.org", 0),
    ] {
        assert!(
            subjects
                .iter()
                .any(|s| s["tag"] == tag(id) && s["removed"] == removed),
            "{id}"
        );
    }
    assert_eq!(
        entry["subjects_not_found"],
        serde_json::json!([tag("nobody@example.org")])
    );
}

#[test]
fn erase_with_a_ledger_needs_the_key() {
    let env = ledger_env();
    env.write("customers.csv", customers_csv());
    env.write("subjects.txt", "C100004\n");
    let out = env.fails(&[
        "erase",
        "customers.csv",
        "--subjects",
        "subjects.txt",
        "--column",
        "customer_id",
        "--in-place",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
    ]);
    assert!(stderr_of(&out).contains("--ledger needs --key"));
    let out = env.fails(&[
        "erase",
        "customers.csv",
        "--subjects",
        "subjects.txt",
        "--column",
        "nope",
        "-o",
        "x.csv",
    ]);
    assert!(
        stderr_of(&out).contains("no column `nope`"),
        "{}",
        stderr_of(&out)
    );
    env.write("p.toml", crate::support::customers_policy());
    let out = env.fails(&[
        "erase",
        "customers.csv",
        "--subjects",
        "subjects.txt",
        "--column",
        "notes",
        "-o",
        "x.csv",
        "--match-policy",
        "p.toml",
        "--key",
        "k",
    ]);
    assert!(
        stderr_of(&out).contains("cannot be matched"),
        "{}",
        stderr_of(&out)
    );
    env.write("d.parquet", "PAR1");
    let out = env.fails(&[
        "erase",
        "d.parquet",
        "--subjects",
        "subjects.txt",
        "--column",
        "c",
        "--in-place",
    ]);
    assert!(stderr_of(&out).contains("d.parquet"), "{}", stderr_of(&out));
}

#[test]
fn erase_through_the_policy_reaches_a_masked_copy_in_place() {
    let env = ledger_env();
    env.write("customers.csv", customers_csv());
    env.write("p.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    env.oubli(&[
        "mask",
        "customers.csv",
        "-o",
        "masked.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    env.write(
        "ids.txt",
        " Fatima.Mensah68@EXAMPLE.org\nliam.chen39@example.org\n",
    );
    env.oubli(&[
        "erase",
        "masked.csv",
        "--subjects",
        "ids.txt",
        "--column",
        "email",
        "--in-place",
        "--match-policy",
        "p.toml",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
    ])
    .code(0);
    // Masking the original without those rows gives the same file.
    env.write(
        "expected-source.csv",
        without(&customers_csv(), 0, &["C100002", "C100004"]),
    );
    env.oubli(&[
        "mask",
        "expected-source.csv",
        "-o",
        "expected.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "-q",
    ])
    .code(0);
    assert_eq!(env.read("masked.csv"), env.read("expected.csv"));
    env.assert_no_temp_files();
    verifies(&env);
    let entry = &entries(&env)[0];
    assert_eq!(entry["in_place"], true);
    assert_eq!(entry["rows_removed"], 2);
    assert!(entry["matching"].as_str().unwrap().contains("`hash`"));
    assert!(crate::support::is_hex(
        entry["match_policy_sha256"].as_str().unwrap(),
        64
    ));
    let old = &entry["old_version"];
    assert_eq!(old["removed"], true);
    assert_eq!(old["sha256"], entry["input"]["sha256"]);
    assert!(["verified", "not-verifiable"].contains(&old["result"].as_str().unwrap()));
    assert_eq!(entry["result"], old["result"]);
}

/// `--in-place` killed (SIGKILL) at each injected point: the file under its
/// name is always the complete old or the complete new version, and what is
/// left beside it is only oubli's own `.oubli-*` files, which `oubli shred`
/// then removes.
#[test]
fn erase_in_place_survives_a_crash_at_every_step() {
    let old = customers_csv();
    let new = without(&old, 1, &SUBJECTS[..2]);
    for (point, expect_new) in [
        ("erase-during-write", false),
        ("erase-before-exchange", false),
        ("erase-after-exchange", true),
        ("erase-after-dir-sync", true),
        ("shred-before-unlink", true),
    ] {
        let env = Env::new();
        env.write("customers.csv", &old);
        env.write(
            "subjects.txt",
            format!("{}\n{}\n", SUBJECTS[0], SUBJECTS[1]),
        );
        let output = env
            .cmd()
            .env("OUBLI_TEST_FAULT", point)
            .args([
                "erase",
                "customers.csv",
                "--subjects",
                "subjects.txt",
                "--column",
                "email",
                "--in-place",
            ])
            .output()
            .unwrap();
        env.record(format!("erase at {point}"), output.stdout, output.stderr);
        assert!(
            !output.status.success() && output.status.code().is_none(),
            "{point}: the process was not killed ({:?})",
            output.status
        );
        let now = env.read("customers.csv");
        if expect_new {
            assert!(now == new, "{point}: not the complete new version");
        } else {
            assert!(now == old, "{point}: not the complete old version");
        }
        let left: Vec<String> = fs::read_dir(env.path(""))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "customers.csv" && n != "subjects.txt")
            .collect();
        for name in &left {
            assert!(
                name.starts_with(".oubli-") || point == "shred-before-unlink",
                "{point}: {name}"
            );
        }
        // Clean up what the crash left behind.
        let mut args = vec!["shred"];
        args.extend(left.iter().map(String::as_str));
        if !left.is_empty() {
            env.oubli(&args).code(0);
        }
        assert_eq!(
            fs::read_dir(env.path("")).unwrap().count(),
            2,
            "{point}: left-overs remain"
        );
        // And the erase, run again, completes.
        env.oubli(&[
            "erase",
            "customers.csv",
            "--subjects",
            "subjects.txt",
            "--column",
            "email",
            "--in-place",
            "-q",
        ])
        .code(0);
        assert_eq!(env.read("customers.csv"), new, "{point}");
    }
}

#[test]
fn a_certificate_for_each_deletion_entry_type_carries_a_receipt_that_verifies() {
    let env = ledger_env();
    env.write("old.txt", "old data");
    env.write("customers.csv", customers_csv());
    env.write("subjects.txt", "C100004\n");
    env.oubli(&[
        "shred",
        "old.txt",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
        "-q",
    ])
    .code(0);
    env.oubli(&[
        "erase",
        "customers.csv",
        "--subjects",
        "subjects.txt",
        "--column",
        "customer_id",
        "--in-place",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
        "-q",
    ])
    .code(0);
    for (entry, kind) in [("0", "shred"), ("1", "erase")] {
        let out = env
            .oubli(&["log", "certificate", "L", "--entry", entry])
            .code(0);
        let text = stdout_of(&out);
        for needle in [
            "CERTIFICATE OF SANITIZATION",
            "NIST SP 800-88r2 §4.6",
            "Operator:",
            "Location (host):",
            "Method type:          partial sanitization",
            "Tool:                 oubli ",
            "Verification method:",
            "Verification result:",
            "Validation (to be completed by a second person)",
            "Signature:",
        ] {
            assert!(
                text.contains(needle),
                "{kind}: {needle} missing from\n{text}"
            );
        }
        assert!(
            !text.contains("C100004"),
            "the subject appears in the certificate"
        );
        let receipt = text
            .split_once("`oubli log verify-receipt FILE --public-key PUB`.\n\n")
            .unwrap()
            .1;
        env.write(&format!("{kind}.proof"), receipt);
        env.oubli(&[
            "log",
            "verify-receipt",
            &format!("{kind}.proof"),
            "--public-key",
            "L.pub",
        ])
        .code(0);
        let out = env
            .oubli(&[
                "log",
                "certificate",
                "L",
                "--entry",
                entry,
                "--format",
                "json",
            ])
            .code(0);
        let json: Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
        assert_eq!(json["format"], "oubli.certificate/1");
        assert_eq!(
            json["sanitization"]["tool"],
            format!("oubli {}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(json["validation"]["signature"], "");
        assert!(
            json["receipt"]
                .as_str()
                .unwrap()
                .starts_with("c2sp.org/tlog-proof")
        );
    }
    env.write("p.toml", crate::support::SMALL_POLICY);
    env.write("in.csv", crate::support::SMALL_CSV);
    env.oubli(&[
        "mask",
        "in.csv",
        "-o",
        "m.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
        "-q",
    ])
    .code(0);
    let out = env.fails(&["log", "certificate", "L", "--entry", "2"]);
    assert!(stderr_of(&out).contains("certificates of sanitization are for deletion entries"));
}

/// SIGTERM or SIGINT while `erase` writes its temporary file: the file is
/// removed, the input is complete (old, or new if the signal came during the
/// replacement, which finishes first), and the exit status is 128 + signal.
#[test]
fn erase_interrupted_by_a_signal_leaves_no_temporary_file() {
    for (signal, status) in [("-TERM", 143), ("-INT", 130)] {
        let env = Env::new();
        let old = crate::support::big_customers(3000);
        env.write("big.csv", &old);
        env.write("subjects.txt", format!("{}\n", SUBJECTS[0]));
        let mut child = StdCommand::new(env!("CARGO_BIN_EXE_oubli"))
            .current_dir(env.path(""))
            .args([
                "erase",
                "big.csv",
                "--subjects",
                "subjects.txt",
                "--column",
                "email",
                "--in-place",
                "--threads",
                "1",
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let mut signalled = false;
        while started.elapsed() < Duration::from_secs(60) {
            let temp = fs::read_dir(env.path("")).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".oubli-")
            });
            if temp {
                let ok = StdCommand::new("kill")
                    .args([signal, &child.id().to_string()])
                    .status()
                    .unwrap()
                    .success();
                signalled = ok;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let exit = child.wait().unwrap();
        let names: Vec<String> = fs::read_dir(env.path(""))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(".oubli-")),
            "{signal}: left {names:?}"
        );
        let now = env.read("big.csv");
        let new_lines = now.split(|&b| b == b'\n').count();
        assert!(
            now == old || new_lines < old.split(|&b| b == b'\n').count(),
            "{signal}: input damaged"
        );
        if signalled && exit.code() != Some(0) {
            assert_eq!(exit.code(), Some(status), "{signal}");
        }
    }
}

#[test]
fn erase_from_parquet_in_place_with_the_ledger() {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, RecordBatch, StringArray};

    let env = ledger_env();
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as Arc<dyn Array>,
        ),
        (
            "email",
            Arc::new(StringArray::from(vec![
                "ada@example.org",
                "bob@example.org",
                "ada@example.org",
                "cy@example.org",
            ])) as _,
        ),
    ])
    .unwrap();
    let file = fs::File::create(env.path("people.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    env.write("subjects.txt", "ada@example.org\n");
    let out = env
        .oubli(&[
            "erase",
            "people.parquet",
            "--subjects",
            "subjects.txt",
            "--column",
            "email",
            "--in-place",
            "--key",
            "k",
            "--ledger",
            "L",
            "--signing-key",
            "s.key",
        ])
        .code(0);
    assert!(
        stderr_of(&out).contains("erased 2 rows of 1 subject(s)"),
        "{}",
        stderr_of(&out)
    );
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        fs::File::open(env.path("people.parquet")).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let ids: Vec<i64> = reader
        .flat_map(|b| {
            let b = b.unwrap();
            let ids = b
                .column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone();
            ids.values().to_vec()
        })
        .collect();
    assert_eq!(ids, [2, 4]);
    env.assert_no_temp_files();
    verifies(&env);
    let entry = &entries(&env)[0];
    assert_eq!(entry["format"], "parquet");
    assert_eq!(entry["rows_removed"], 2);
    assert!(!env.read_string("L/entries.jsonl").contains("ada@"));
}
