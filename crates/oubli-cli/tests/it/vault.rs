//! Crypto-shredding end to end: `oubli vault`, `mask`/`unmask` with
//! `per_subject` columns, `oubli forget`, and the ledger's `forget` entry
//! (`docs/CRYPTO-SHREDDING.md`).

use std::fs;
use std::process::Command as StdCommand;

use oubli_core::tag::SubjectTagger;
use oubli_core::{AnyKey, parse_key_file};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::support::{Env, Table, customers_csv};

const ORIGIN: &str = "example.com/vault-test";

/// `email` and `notes` encrypted under each customer's own key.
const POLICY: &str = r#"version = 1
unlisted = "keep"
[columns]
customer_id = { transform = "hash", domain = "customer", length = 20, prefix = "cust_" }
email       = { transform = "encrypt", domain = "email", per_subject = "customer_id", vault = "V.vault" }
notes       = { transform = "encrypt_random", domain = "notes", per_subject = "customer_id", vault = "V.vault" }
"#;

/// An Env with a ledger `L` (verifier key `L.pub`, signing key `s.key`), a
/// master key `k`, the demo data `c.csv`, the policy `p.toml` and an empty
/// vault `V.vault`.
fn vault_env() -> Env {
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
    env.write("c.csv", customers_csv());
    env.write("p.toml", POLICY);
    env.oubli(&["vault", "init", "V.vault", "--key", "k"])
        .code(0)
        .stdout_eq("");
    env
}

fn entries(env: &Env) -> Vec<Value> {
    env.read_string("L/entries.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON entry"))
        .collect()
}

fn stderr_of(a: &snapbox::cmd::OutputAssert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn mask(env: &Env, input: &str, output: &str, extra: &[&str]) -> snapbox::cmd::OutputAssert {
    let mut args = vec![
        "mask",
        input,
        "-o",
        output,
        "--policy",
        "p.toml",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
    ];
    args.extend_from_slice(extra);
    env.oubli(&args)
}

fn unmask_args<'a>(input: &'a str, output: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "unmask", input, "-o", output, "--policy", "p.toml", "--key", "k",
    ];
    args.extend_from_slice(extra);
    args
}

fn forget(env: &Env, subjects: &str) -> snapbox::cmd::OutputAssert {
    env.write("subjects.txt", subjects);
    env.oubli(&[
        "forget",
        "--vault",
        "V.vault",
        "--subjects",
        "subjects.txt",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "s.key",
    ])
}

fn tagger(env: &Env) -> SubjectTagger {
    match parse_key_file(&env.read_string("k")).unwrap() {
        AnyKey::Master(k) => SubjectTagger::new(&k),
        AnyKey::Signing(_) => unreachable!(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn verifies(env: &Env) {
    env.oubli(&["log", "verify", "L", "--public-key", "L.pub"])
        .code(0);
}

/// The row indexes of the given customer ids in the demo data.
fn rows_of(original: &Table, ids: &[&str]) -> Vec<usize> {
    original
        .strings("customer_id")
        .iter()
        .enumerate()
        .filter(|(_, id)| ids.contains(&id.as_str()))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn mask_unmask_forget_and_every_copy_is_shredded() {
    let env = vault_env();
    let original = Table::parse(&customers_csv(), b',');
    let subjects: std::collections::BTreeSet<String> =
        original.strings("customer_id").into_iter().collect();

    // 1. mask: one new key per subject, saved before the output appears.
    let out = mask(&env, "c.csv", "m.csv", &[]).code(0);
    assert!(stderr_of(&out).contains(&format!("{} new subject key(s) saved", subjects.len())));
    let masked = Table::parse(&env.read("m.csv"), b',');
    for (token, plain) in masked
        .strings("email")
        .iter()
        .zip(original.strings("email"))
    {
        assert!(token.contains('.') && !token.contains(&plain), "{token}");
    }
    let entry = &entries(&env)[0];
    assert_eq!(entry["type"], "mask");
    assert_eq!(entry["vault"]["keys_created"], subjects.len());
    assert_eq!(
        entry["vault"]["sha256_after"],
        sha256_hex(&env.read("V.vault"))
    );
    // A masked copy shared before the forget.
    fs::copy(env.path("m.csv"), env.path("partner.csv")).unwrap();

    // 2. unmask: every value back.
    env.oubli(&unmask_args("m.csv", "u.csv", &[])).code(0);
    let back = Table::parse(&env.read("u.csv"), b',');
    assert_eq!(back.column("email"), original.column("email"));
    assert_eq!(back.column("notes"), original.column("notes"));

    // 3. forget two subjects (identifiers as written in the data, padded).
    let gone = ["C100001", "C100003"];
    let vault_before = env.read("V.vault");
    let out = forget(&env, "  C100001 \n\nC100003\nC100001\n").code(0);
    let err = stderr_of(&out);
    assert!(
        err.contains("forgot 2 subject(s) in V.vault: 2 key(s) destroyed"),
        "{err}"
    );
    assert!(err.contains("backups, snapshots"), "{err}");

    // The ledger entry: tags only, hashes before/after, the §3.2 conditions.
    let all = entries(&env);
    let entry = all.last().unwrap();
    assert_eq!(entry["type"], "forget");
    assert_eq!(entry["count"], 2);
    assert_eq!(entry["keys_remaining"], subjects.len() - 2);
    let t = tagger(&env);
    let mut expected: Vec<String> = gone
        .iter()
        .map(|id| t.tag(id.as_bytes()).to_string())
        .collect();
    expected.sort();
    let got: Vec<String> = entry["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["outcome"], "destroyed");
            s["tag"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(entry["vault_before"]["sha256"], sha256_hex(&vault_before));
    assert_eq!(
        entry["vault_after"]["sha256"],
        sha256_hex(&env.read("V.vault"))
    );
    let caveats = entry["caveats"].to_string();
    for needle in ["plaintext copies", "backups", "escrow"] {
        assert!(caveats.contains(needle), "{caveats}");
    }
    assert!(entry["old_version"]["removed"].as_bool().unwrap());
    assert!(matches!(
        entry["result"].as_str().unwrap(),
        "verified" | "not-verifiable"
    ));
    let ledger_text = env.read_string("L/entries.jsonl");
    for id in gone {
        assert!(!ledger_text.contains(id), "identifier {id} in the ledger");
    }
    verifies(&env);

    // Its certificate of sanitization: a cryptographic erase, the subjects by
    // tag, no identifier, and a receipt that verifies with the public key.
    let seq = (all.len() - 1).to_string();
    let out = env
        .oubli(&["log", "certificate", "L", "--entry", &seq])
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("Method type:          cryptographic erase (NIST SP 800-88r2 §3.2)"),
        "{text}"
    );
    assert!(
        text.contains("Technique:            2 data key(s) destroyed"),
        "{text}"
    );
    for tag in &expected {
        assert!(text.contains(&format!("    {tag}  destroyed")), "{text}");
    }
    for id in gone {
        assert!(!text.contains(id), "identifier {id} in the certificate");
    }
    let receipt = text
        .split_once("`oubli log verify-receipt FILE --public-key PUB`.\n\n")
        .unwrap()
        .1;
    env.write("forget.proof", receipt);
    env.oubli(&[
        "log",
        "verify-receipt",
        "forget.proof",
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
            &seq,
            "--format",
            "json",
        ])
        .code(0);
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        json["target"]["vault_sha256_before"],
        sha256_hex(&vault_before)
    );
    assert_eq!(json["sanitization"]["result"], entry["result"]);
    assert!(
        json["sanitization"]["caveats"]
            .to_string()
            .contains("escrow")
    );

    // The old vault is gone: no leftover file, and its bytes are nowhere.
    let names: Vec<String> = fs::read_dir(env.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("V.vault"))
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["V.vault", "V.vault.lock"]);
    for (path, entry) in env.state() {
        if let crate::support::Entry::File { bytes, .. } = entry {
            assert_ne!(
                bytes,
                vault_before,
                "{} holds the old vault",
                path.display()
            );
        }
    }

    // 4. unmask of the copy made before the forget: fails, naming the row and column.
    let first = rows_of(&original, &gone)[0];
    let out = env.fails(&unmask_args("partner.csv", "u2.csv", &[]));
    let err = stderr_of(&out);
    assert!(err.contains("subject forgotten"), "{err}");
    assert!(err.contains(&format!("line {}", first + 2)), "{err}");
    assert!(err.contains("`email`"), "{err}");

    // 5. --forgotten redact: exactly those subjects' values are empty.
    let out = env
        .oubli(&unmask_args(
            "partner.csv",
            "u3.csv",
            &["--forgotten", "redact"],
        ))
        .code(0);
    let redacted_rows = rows_of(&original, &gone);
    let back = Table::parse(&env.read("u3.csv"), b',');
    let mut expected_count = 0;
    for col in ["email", "notes"] {
        for (i, (got, want)) in back
            .column(col)
            .iter()
            .zip(original.column(col))
            .enumerate()
        {
            if redacted_rows.contains(&i) {
                assert!(got.is_empty(), "row {i} {col}");
                expected_count += usize::from(!want.is_empty());
            } else {
                assert_eq!(got, &want, "row {i} {col}");
            }
        }
    }
    assert!(
        stderr_of(&out).contains(&format!(
            "note: {expected_count} value(s) of forgotten subjects"
        )),
        "{}",
        stderr_of(&out)
    );

    // 6. a later mask refuses to make their keys again; the vault is unchanged.
    let vault_now = env.read("V.vault");
    let before = env.state();
    let out = mask(&env, "c.csv", "m2.csv", &[]).code(2);
    let err = stderr_of(&out);
    assert!(err.contains("was forgotten"), "{err}");
    assert!(err.contains("--allow-new-after-forget"), "{err}");
    assert!(!env.exists("m2.csv"));
    assert_eq!(env.read("V.vault"), vault_now);
    let _ = before;
    env.assert_no_temp_files();

    // 7. --allow-new-after-forget: new keys, said on stderr and in the ledger.
    let out = mask(
        &env,
        "c.csv",
        "m3.csv",
        &["--allow-new-after-forget", "--quiet"],
    )
    .code(0);
    let err = stderr_of(&out);
    assert!(
        err.contains("2 forgotten subject(s) got a new key"),
        "{err}"
    );
    let entry = entries(&env).last().unwrap().clone();
    let mut renewed: Vec<String> = entry["vault"]["renewed_after_forget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    renewed.sort();
    assert_eq!(renewed, expected);
    env.oubli(&unmask_args("m3.csv", "u4.csv", &[])).code(0);
    let back = Table::parse(&env.read("u4.csv"), b',');
    assert_eq!(back.column("email"), original.column("email"));
    // The old copy stays undecryptable for them: the new key is another key.
    env.fails(&unmask_args("partner.csv", "u5.csv", &[]));
    verifies(&env);
}

/// Parquet: mask with per-subject keys, unmask, forget one subject, unmask
/// again; the subject column is `id` with the transform `subject_transform`.
fn parquet_round_trip(subject_transform: &str) {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, RecordBatch, StringArray};

    let env = vault_env();
    env.write(
        "p.toml",
        format!(
            "version = 1\n[columns]\nid = {{ transform = \"{subject_transform}\" }}\nemail = {{ transform = \"encrypt\", per_subject = \"id\", vault = \"V.vault\" }}\n"
        ),
    );
    let emails = vec![
        "ada@example.org",
        "bob@example.org",
        "ada2@example.org",
        "cy@example.org",
    ];
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from(vec![1, 2, 1, 3])) as Arc<dyn Array>,
        ),
        ("email", Arc::new(StringArray::from(emails.clone())) as _),
    ])
    .unwrap();
    let file = fs::File::create(env.path("people.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let read_emails = |name: &str| -> Vec<String> {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            fs::File::open(env.path(name)).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        reader
            .flat_map(|b| {
                let b = b.unwrap();
                let col = b.column_by_name("email").unwrap();
                let s = col.as_any().downcast_ref::<StringArray>().unwrap();
                (0..s.len())
                    .map(|i| s.value(i).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    mask(&env, "people.parquet", "m.parquet", &[]).code(0);
    assert_eq!(entries(&env)[0]["vault"]["keys_created"], 3);
    let tokens = read_emails("m.parquet");
    assert!(tokens.iter().all(|t| t.contains('.')));
    env.oubli(&unmask_args("m.parquet", "u.parquet", &[]))
        .code(0);
    assert_eq!(read_emails("u.parquet"), emails);

    // The same subject as CSV gives the same tag: forget "1" by its text.
    forget(&env, "1\n").code(0);
    let out = env.fails(&unmask_args("m.parquet", "u2.parquet", &[]));
    assert!(
        stderr_of(&out).contains("subject forgotten"),
        "{}",
        stderr_of(&out)
    );
    env.oubli(&unmask_args(
        "m.parquet",
        "u3.parquet",
        &["--forgotten", "redact"],
    ))
    .code(0);
    assert_eq!(
        read_emails("u3.parquet"),
        ["", "bob@example.org", "", "cy@example.org"]
    );
    verifies(&env);
}

#[test]
fn parquet_per_subject_with_a_hashed_subject() {
    parquet_round_trip("hash");
}

#[test]
fn parquet_per_subject_with_a_kept_subject() {
    parquet_round_trip("keep");
}

#[test]
fn damaged_vault_is_an_error_naming_the_line() {
    let env = vault_env();
    mask(&env, "c.csv", "m.csv", &[]).code(0);
    let text = env.read_string("V.vault");
    // Change one character in the middle of the 5th line (a record).
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = &mut lines[4];
    let pos = line.len() / 2;
    let c = line.as_bytes()[pos];
    let repl = if c == b'A' { "B" } else { "A" };
    line.replace_range(pos..=pos, repl);
    env.write("V.vault", lines.join("\n") + "\n");
    let out = env.fails(&unmask_args("m.csv", "u.csv", &[]));
    let err = stderr_of(&out);
    assert!(err.contains("V.vault: line 5:"), "{err}");
    assert!(err.contains("hint: restore the vault"), "{err}");
    let out = mask(&env, "c.csv", "m2.csv", &[]).code(2);
    assert!(stderr_of(&out).contains("line 5"), "{}", stderr_of(&out));
    assert!(!env.exists("m2.csv"));

    // A whole record removed (a valid line): the MAC catches it.
    lines = text.lines().map(str::to_owned).collect();
    lines.remove(4);
    env.write("V.vault", lines.join("\n") + "\n");
    let err = stderr_of(&env.fails(&unmask_args("m.csv", "u.csv", &[])));
    assert!(err.contains("MAC does not match"), "{err}");
    // Forget refuses too, and leaves the damaged file as it is.
    let damaged = env.read("V.vault");
    env.write("subjects.txt", "C100001\n");
    env.fails(&[
        "forget",
        "--vault",
        "V.vault",
        "--subjects",
        "subjects.txt",
        "--key",
        "k",
    ]);
    assert_eq!(env.read("V.vault"), damaged);
}

#[test]
fn wrong_master_key_and_missing_vault() {
    let env = vault_env();
    let id = env.key_id("k");
    let other = env.new_key("k2");
    let err = stderr_of(&env.fails(&[
        "unmask", "c.csv", "-o", "u.csv", "--policy", "p.toml", "--key", "k2",
    ]));
    assert!(
        err.contains(&format!(
            "V.vault belongs to master key {id}, but the key given has id {other}"
        )),
        "{err}"
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "c.csv",
        "-o",
        "m.csv",
        "--policy",
        "p.toml",
        "--key",
        "k",
        "--vault",
        "nope.vault",
    ]));
    assert!(err.contains("nope.vault"), "{err}");
    assert!(err.contains("oubli vault init nope.vault"), "{err}");
    // The output is never the vault, even with --force.
    let err = stderr_of(&env.fails(&[
        "mask", "c.csv", "-o", "V.vault", "--force", "--policy", "p.toml", "--key", "k",
    ]));
    assert!(err.contains("is the job's vault"), "{err}");
    // `vault init` never overwrites.
    let err = stderr_of(&env.fails(&["vault", "init", "V.vault", "--key", "k"]));
    assert!(err.contains("already exists"), "{err}");
    // No vault anywhere: the policy without `vault`, no --vault.
    env.write(
        "p2.toml",
        "version = 1\nunlisted = \"keep\"\n[columns]\nemail = { transform = \"encrypt\", per_subject = \"customer_id\" }\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask", "c.csv", "-o", "m.csv", "--policy", "p2.toml", "--key", "k",
    ]));
    assert!(err.contains("names no vault"), "{err}");
    // --vault takes precedence over the policy's vault.
    env.oubli(&["vault", "init", "W.vault", "--key", "k"])
        .code(0);
    env.oubli(&[
        "mask", "c.csv", "-o", "m.csv", "--policy", "p.toml", "--key", "k", "--vault", "W.vault",
        "-q",
    ])
    .code(0);
    let show = env
        .oubli(&["vault", "show", "W.vault", "--key", "k", "--json"])
        .code(0);
    let v: Value = serde_json::from_slice(&show.get_output().stdout).unwrap();
    assert!(v["keys"].as_u64().unwrap() > 0);
    let show = env
        .oubli(&["vault", "show", "V.vault", "--key", "k", "--json"])
        .code(0);
    let v: Value = serde_json::from_slice(&show.get_output().stdout).unwrap();
    assert_eq!(v["keys"], 0);
    assert_eq!(v["key_id"], id);
}

#[test]
fn concurrent_forgets_both_take_effect() {
    let env = vault_env();
    mask(&env, "c.csv", "m.csv", &["-q"]).code(0);
    env.write("s1.txt", "C100001\nC100002\n");
    env.write("s2.txt", "C100003\nC100004\n");
    let spawn = |subjects: &str| {
        StdCommand::new(env!("CARGO_BIN_EXE_oubli"))
            .current_dir(env.path("."))
            .env_remove("OUBLI_KEY_FILE")
            .env_remove("OUBLI_SIGNING_KEY_FILE")
            .args([
                "forget",
                "--vault",
                "V.vault",
                "--subjects",
                subjects,
                "--key",
                "k",
                "--ledger",
                "L",
                "--signing-key",
                "s.key",
                "-q",
            ])
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("s1.txt"), spawn("s2.txt"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let show = env
        .oubli(&["vault", "show", "V.vault", "--key", "k", "--json"])
        .code(0);
    let v: Value = serde_json::from_slice(&show.get_output().stdout).unwrap();
    assert_eq!(v["forgotten"], 4, "both forgets took effect: {v}");
    assert_eq!(v["leftovers"].as_array().unwrap().len(), 0);
    let forgets: Vec<Value> = entries(&env)
        .into_iter()
        .filter(|e| e["type"] == "forget")
        .collect();
    assert_eq!(forgets.len(), 2);
    // One ran after the other: the second's "before" is the first's "after".
    assert_eq!(forgets[1]["vault_before"], forgets[0]["vault_after"]);
    verifies(&env);
    let out = env
        .oubli(&unmask_args(
            "m.csv",
            "u.csv",
            &["--forgotten", "redact", "-q"],
        ))
        .code(0);
    let _ = out;
    let back = Table::parse(&env.read("u.csv"), b',');
    let original = Table::parse(&customers_csv(), b',');
    let gone = rows_of(&original, &["C100001", "C100002", "C100003", "C100004"]);
    for (i, v) in back.column("email").iter().enumerate() {
        assert_eq!(v.is_empty(), gone.contains(&i), "row {i}");
    }
}

#[test]
fn policy_errors_name_the_line() {
    let env = vault_env();
    env.write(
        "bad.toml",
        "version = 1\n[columns]\nemail = { transform = \"hash\", per_subject = \"customer_id\" }\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask", "c.csv", "-o", "m.csv", "--policy", "bad.toml", "--key", "k",
    ]));
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(err.contains("per_subject"), "{err}");
    env.write(
        "bad.toml",
        "version = 1\nunlisted = \"keep\"\n[columns]\nemail = { transform = \"encrypt\", per_subject = \"nobody\", vault = \"V.vault\" }\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask", "c.csv", "-o", "m.csv", "--policy", "bad.toml", "--key", "k",
    ]));
    assert!(err.contains("`nobody`"), "{err}");
    // `erase --match-policy` cannot match a per-subject column: it says to forget.
    let err = stderr_of(&env.fails(&[
        "erase",
        "c.csv",
        "--subjects",
        "c.csv",
        "--column",
        "email",
        "-o",
        "e.csv",
        "--match-policy",
        "p.toml",
        "--key",
        "k",
    ]));
    assert!(err.contains("oubli forget"), "{err}");
    // A blank subject: the error names the row and the subject column.
    env.write(
        "blank.csv",
        "customer_id,email\nC1,a@example.org\n  ,b@example.org\n",
    );
    env.write(
        "p3.toml",
        "version = 1\n[columns]\ncustomer_id = { transform = \"keep\" }\nemail = { transform = \"encrypt\", per_subject = \"customer_id\", vault = \"V.vault\" }\n",
    );
    let err = stderr_of(&env.fails(&[
        "mask",
        "blank.csv",
        "-o",
        "m.csv",
        "--policy",
        "p3.toml",
        "--key",
        "k",
    ]));
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("`customer_id` is empty"), "{err}");
}

#[test]
fn writers_wait_for_the_vault_lock() {
    let env = vault_env();
    mask(&env, "c.csv", "m.csv", &["-q"]).code(0);
    env.write("s.txt", "C100001\n");
    // Another writer (here: this test) holds the lock.
    let held = fs::OpenOptions::new()
        .write(true)
        .open(env.path("V.vault.lock"))
        .unwrap();
    held.lock().unwrap();
    let original = env.read("V.vault");
    let child = StdCommand::new(env!("CARGO_BIN_EXE_oubli"))
        .current_dir(env.path("."))
        .env_remove("OUBLI_KEY_FILE")
        .args([
            "forget",
            "--vault",
            "V.vault",
            "--subjects",
            "s.txt",
            "--key",
            "k",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let before = env.read("V.vault");
    held.unlock().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    env.record(
        "forget (waiting)".into(),
        out.stdout.clone(),
        out.stderr.clone(),
    );
    assert!(out.status.success(), "{err}");
    assert!(
        err.starts_with("waiting for another oubli job to release the vault V.vault"),
        "{err}"
    );
    assert!(err.contains("1 key(s) destroyed"), "{err}");
    // Nothing was changed while the lock was held; then the forget ran.
    assert_eq!(before, original);
    assert_ne!(env.read("V.vault"), original);
    assert!(matches!(
        env.fails(&unmask_args("m.csv", "u.csv", &[]))
            .get_output()
            .status
            .code(),
        Some(2)
    ));
}
