//! `oubli log …` and `--ledger` on `mask`/`unmask`: the evidence ledger as the
//! user and the auditor see it.

use snapbox::str;

use crate::support::{Env, SMALL_CSV, SMALL_POLICY, is_hex};

/// A directory with a master key `k`, a signing key `sk`, the small input and
/// policy, and a ledger `L` with origin `example.com/audit`; its verifier key is
/// in `pub`.
fn ledger_env() -> Env {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env.new_signing_key("sk");
    let assert = env
        .oubli(&[
            "log",
            "init",
            "L",
            "--origin",
            "example.com/audit",
            "--signing-key",
            "sk",
        ])
        .code(0)
        .stderr_eq(str![[r#"
created ledger L with origin `example.com/audit`; give auditors its verifier key (printed above)

"#]]);
    let verifier = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(verifier.starts_with("example.com/audit+"), "{verifier}");
    env.write("pub", verifier);
    env
}

fn mask_logged<'a>(output: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "mask",
        "in.csv",
        "-o",
        output,
        "--policy",
        "p.toml",
        "--key",
        "k",
        "--ledger",
        "L",
        "--signing-key",
        "sk",
        "--operator",
        "alice",
        "-q",
    ];
    args.extend_from_slice(extra);
    args
}

fn entries(env: &Env) -> Vec<serde_json::Value> {
    env.read_string("L/entries.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_masking_job_is_recorded_and_verifies() {
    let env = ledger_env();
    env.oubli(&mask_logged("out.csv", &[]))
        .code(0)
        .stdout_eq("");
    let e = &entries(&env)[0];
    assert_eq!(e["seq"], 0);
    assert_eq!(e["type"], "mask");
    assert_eq!(e["result"], "ok");
    assert_eq!(e["operator"], "alice");
    assert_eq!(e["rows"], 2);
    assert_eq!(e["input"]["name"], "in.csv");
    assert_eq!(e["input"]["bytes"], SMALL_CSV.len());
    let input_sha = e["input"]["sha256"].as_str().unwrap();
    let output_sha = e["output"]["sha256"].as_str().unwrap();
    assert!(is_hex(input_sha, 64) && is_hex(output_sha, 64));
    assert_ne!(input_sha, output_sha);
    assert_eq!(e["output"]["bytes"], env.read("out.csv").len());
    assert_eq!(e["key_id"], env.key_id("k"));
    assert_eq!(
        e["columns"],
        serde_json::json!([
            {"name": "a", "transform": "keep", "values": 0},
            {"name": "b", "transform": "hash", "values": 2},
        ])
    );
    // No value of the data, masked or not, is in the ledger.
    let text = env.read_string("L/entries.jsonl");
    let out = env.read_string("out.csv");
    for cell in ["x", "y"]
        .iter()
        .map(|s| format!("\"{s}\""))
        .chain(out.lines().skip(1).map(|l| l[2..].to_owned()))
    {
        assert!(!text.contains(&cell), "{cell} in the ledger");
    }
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(0)
        .stderr_eq("")
        .stdout_eq(str![[r#"
ledger L verifies: origin `example.com/audit`, 1 entries, root [..]

"#]]);
}

#[test]
fn a_failed_job_is_recorded_as_failed() {
    let env = ledger_env();
    env.write("ragged.csv", "a,b\n1,x\n2\n");
    env.oubli(&[
        "mask", "ragged.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "--ledger", "L",
        "--signing-key", "sk",
    ])
    .code(2)
    .stderr_eq(str![[r#"
error: ragged.csv: line 3: record 2 has 1 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
    assert!(!env.exists("out.csv"));
    let e = &entries(&env)[0];
    assert_eq!(e["result"], "failed");
    assert!(e.get("output").is_none());
    assert!(e["error"].as_str().unwrap().contains("line 3"));
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(0);
}

#[test]
fn tampering_fails_verification_with_exit_1() {
    let env = ledger_env();
    for i in 0..3 {
        env.oubli(&mask_logged(&format!("out{i}.csv"), &[])).code(0);
    }
    env.oubli(&["log", "checkpoint", "L"]).code(0);
    let text = env.read_string("L/entries.jsonl");
    env.write(
        "L/entries.jsonl",
        text.replacen("\"rows\":2", "\"rows\":3", 1),
    );
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(1)
        .stdout_eq("")
        .stderr_eq(str![[r#"
error: ledger L does not verify
caused by: entry 0 (line 1) was altered: entry 1 records a different history

"#]]);
    // Truncation after the auditor saved a checkpoint.
    env.write("L/entries.jsonl", text.clone());
    let saved = env
        .oubli(&["log", "checkpoint", "L"])
        .code(0)
        .get_output()
        .stdout
        .clone();
    env.write("seen", saved);
    let first_two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    env.write("L/entries.jsonl", first_two);
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(1)
        .stderr_eq(str![[r#"
error: ledger L does not verify
caused by: the ledger was truncated: the signed checkpoint covers 3 entries but only 2 remain

"#]]);
    // Verified with another key.
    env.new_signing_key("other");
    let other = env
        .oubli(&["key", "public", "other", "--name", "example.com/audit"])
        .code(0)
        .get_output()
        .stdout
        .clone();
    env.write("other.pub", other);
    env.write("L/entries.jsonl", text);
    env.oubli(&[
        "log",
        "verify",
        "L",
        "--public-key",
        "other.pub",
        "--trusted",
        "seen",
    ])
    .code(1)
    .stderr_eq(str![[r#"
error: ledger L does not verify
caused by: the checkpoint does not verify: the note has no signature by key `example.com/audit+[..]`

"#]]);
    env.oubli(&["log", "verify", "L", "--public-key", "pub", "--trusted", "seen"])
        .code(0)
        .stdout_eq(str![[r#"
ledger L verifies: origin `example.com/audit`, 3 entries, root [..], and it extends the trusted checkpoint of size 3

"#]]);
}

#[test]
fn a_receipt_proves_one_entry_alone() {
    let env = ledger_env();
    for i in 0..5 {
        env.oubli(&mask_logged(&format!("out{i}.csv"), &[])).code(0);
    }
    env.oubli(&["log", "receipt", "L", "--entry", "3", "-o", "r3.tlog-proof"])
        .code(0);
    assert!(
        env.read_string("r3.tlog-proof")
            .starts_with("c2sp.org/tlog-proof@v1\nextra ")
    );
    let line3 = env
        .read_string("L/entries.jsonl")
        .lines()
        .nth(3)
        .unwrap()
        .to_owned();
    env.oubli(&[
        "log",
        "verify-receipt",
        "r3.tlog-proof",
        "--public-key",
        "pub",
    ])
    .code(0)
    .stdout_eq(format!("{line3}\n"))
    .stderr_eq(str![[r#"
receipt verifies: entry 3 is in ledger `example.com/audit` (signed checkpoint of 5 entries)

"#]]);
    let receipt = env.read_string("r3.tlog-proof");
    env.write("bad.tlog-proof", receipt.replacen("index 3", "index 2", 1));
    env.oubli(&["log", "verify-receipt", "bad.tlog-proof", "--public-key", "pub"])
        .code(1)
        .stderr_eq(str![[r#"
error: receipt bad.tlog-proof does not verify
caused by: the inclusion proof does not match the signed checkpoint: the entry or the proof was altered

"#]]);
    env.fails(&["log", "receipt", "L", "--entry", "5", "-o", "r5"])
        .stderr_eq(str![[r#"
error: the ledger has 5 entries; there is no entry 5

"#]]);
}

#[test]
fn a_torn_write_is_refused_then_repaired() {
    let env = ledger_env();
    env.oubli(&mask_logged("out0.csv", &[])).code(0);
    let text = env.read_string("L/entries.jsonl");
    env.write(
        "L/entries.jsonl",
        format!("{text}{{\"seq\":1,\"prev\":\"AAAA"),
    );
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(1)
        .stderr_eq(str![[r#"
error: ledger L does not verify
caused by: entry 1 (line 2) is incomplete: an append was interrupted (a torn write); run `oubli log repair` to cut it

"#]]);
    env.oubli(&mask_logged("out1.csv", &[]))
        .code(2)
        .stderr_eq(str![[r#"
error: cannot use the ledger L
caused by: entry 1 (line 2) is incomplete: an append was interrupted (a torn write); run `oubli log repair` to cut it

"#]]);
    assert!(
        !env.exists("out1.csv"),
        "the job does not run when it cannot be recorded"
    );
    env.oubli(&[
        "log",
        "repair",
        "L",
        "--signing-key",
        "sk",
        "--operator",
        "bob",
    ])
    .code(0)
    .stderr_eq(str![[r#"
repaired the ledger; recorded as entry 1

"#]]);
    let repair = &entries(&env)[1];
    assert_eq!(repair["type"], "repair");
    assert_eq!(repair["removed_bytes"], 21);
    env.oubli(&["log", "verify", "L", "--public-key", "pub"])
        .code(0);
    env.oubli(&mask_logged("out1.csv", &[])).code(0);
    env.oubli(&["log", "show", "L"]).code(0).stdout_eq(str![[r#"
     0  [..]  mask     ok              alice in.csv → out0.csv (2 rows, key [..])
     1  [..]  repair   ok              bob cut 21 bytes, signed 0 entries
     2  [..]  mask     ok              alice in.csv → out1.csv (2 rows, key [..])

"#]]);
}

#[test]
fn ledger_usage_errors() {
    let env = ledger_env();
    env.fails(&["mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", "k", "--ledger", "L"])
        .stderr_eq(str![[r#"
error: --ledger needs the ledger's signing key
hint: pass --signing-key FILE or set OUBLI_SIGNING_KEY_FILE; make one with `oubli key new --signing -o FILE`

"#]]);
    env.new_signing_key("sk2");
    env.fails(&mask_logged("out.csv", &[]).into_iter().map(|a| if a == "sk" { "sk2" } else { a }).collect::<Vec<_>>())
        .stderr_eq(str![[r#"
error: cannot use the ledger L
caused by: the signing key is not this ledger's key: its checkpoint does not verify with it (the note has no signature by key `example.com/audit+[..]`)

"#]]);
    env.fails(&[
        "log",
        "init",
        "L",
        "--origin",
        "example.com/again",
        "--signing-key",
        "sk",
    ])
    .stderr_eq(str![[r#"
error: cannot create a ledger in L
caused by: L already holds a ledger

"#]]);
    env.fails(&["log", "show", "nowhere"]).stderr_eq(str![[r#"
error: nowhere is not an oubli ledger (no `checkpoint` file); create one with `oubli log init`

"#]]);
}

#[test]
fn first_append_creates_a_ledger_with_the_default_origin() {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env.new_signing_key("sk");
    env.oubli(
        &mask_logged("out.csv", &[])
            .into_iter()
            .map(|a| if a == "L" { "fresh" } else { a })
            .collect::<Vec<_>>(),
    )
    .code(0);
    let checkpoint = env.read_string("fresh/checkpoint");
    let origin = checkpoint.lines().next().unwrap();
    assert!(
        origin.starts_with("oubli.ledger/") && is_hex(&origin["oubli.ledger/".len()..], 16),
        "{origin}"
    );
    let public = env
        .oubli(&["key", "public", "sk", "--name", origin])
        .code(0)
        .get_output()
        .stdout
        .clone();
    env.write("pub", public);
    env.oubli(&["log", "verify", "fresh", "--public-key", "pub"])
        .code(0);
}
