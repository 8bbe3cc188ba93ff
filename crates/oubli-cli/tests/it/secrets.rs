//! Secrets audit (issue 8, SECURITY.md): no key material in any output of any
//! command (stdout, stderr, `--json`, output files, the ledger, receipts,
//! certificates); keys are never taken as argument values; key files are
//! private; the process never writes a core dump.
//!
//! `Env` already checks every command's stdout and stderr for pieces of the
//! key files' payloads; these tests add the raw key bytes, the signing key's
//! seed and every HKDF subkey, in hex, base64 and raw form, in every file a
//! job writes.

use std::collections::HashSet;
use std::io::Read as _;
use std::path::Path;
use std::process::Stdio;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use oubli_core::subkey::{Purpose, derive};
use oubli_core::{AnyKey, parse_key_file};

use crate::support::{Env, SMALL_CSV, SMALL_POLICY, Table, customers_csv, customers_policy};

/// Every secret of the directory's keys `k` (master) and `sk` (signing): the key
/// bytes, the signing key's PKCS#8 document and seed, and the master key's
/// subkeys for every purpose in every domain the policy names.
fn secrets(env: &Env, domains: &[String]) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    let AnyKey::Master(master) = parse_key_file(&env.read_string("k")).unwrap() else {
        panic!("k is a master key")
    };
    all.push(master.expose_secret().to_vec());
    for purpose in Purpose::ALL {
        for domain in domains {
            all.push(derive::<64>(&master, purpose, domain).to_vec());
        }
    }
    let line = env.key_line("sk");
    let payload = line.split_once(':').unwrap().1;
    let raw = URL_SAFE_NO_PAD.decode(payload).unwrap();
    let pkcs8 = raw[..raw.len() - 4].to_vec();
    // The seed: the last 32 bytes of a v1 document, the 32 after the inner
    // OCTET STRING header of a v2 one (16-byte prefix either way).
    all.push(pkcs8[16..48].to_vec());
    all.push(pkcs8);
    all
}

/// The domains of a policy, plus the ones oubli uses on its own.
fn domains(policy: &[u8]) -> Vec<String> {
    let mut all: Vec<String> = ["default", "erase", "vault"].map(str::to_owned).to_vec();
    let policy = oubli_policy::Policy::parse(std::str::from_utf8(policy).unwrap(), "p").unwrap();
    for column in &policy.columns {
        if !all.contains(&column.rule.domain) {
            all.push(column.rule.domain.clone());
        }
    }
    all
}

/// Every 8-byte piece of the secrets, and every 16-character piece of their
/// base64 and base64url forms, for lookups in one pass over an output.
struct Pieces {
    raw: HashSet<[u8; 8]>,
    encoded: HashSet<[u8; 16]>,
}

fn pieces(secrets: &[Vec<u8>]) -> Pieces {
    let mut raw = HashSet::new();
    let mut encoded = HashSet::new();
    for secret in secrets {
        raw.extend(secret.windows(8).map(|w| <[u8; 8]>::try_from(w).unwrap()));
        for text in [
            STANDARD.encode(secret),
            STANDARD_NO_PAD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
        ] {
            encoded.extend(
                text.as_bytes()
                    .windows(16)
                    .map(|w| <[u8; 16]>::try_from(w).unwrap()),
            );
        }
    }
    Pieces { raw, encoded }
}

/// Panics if `bytes` holds an 8-byte piece of a secret raw or as hex (either
/// case), or a 16-character piece of its base64 or base64url.
fn assert_clean(what: &str, bytes: &[u8], secrets: &[Vec<u8>]) {
    assert_clean_pieces(what, bytes, &pieces(secrets));
}

fn assert_clean_pieces(what: &str, bytes: &[u8], pieces: &Pieces) {
    for w in bytes.windows(8) {
        assert!(
            !pieces.raw.contains(<&[u8; 8]>::try_from(w).unwrap()),
            "{what} holds raw key bytes"
        );
    }
    for w in bytes.windows(16) {
        assert!(
            !pieces.encoded.contains(<&[u8; 16]>::try_from(w).unwrap()),
            "{what} holds key bytes as base64"
        );
        if w.iter().all(u8::is_ascii_hexdigit) {
            let decoded: [u8; 8] = hex::decode(w).unwrap().try_into().unwrap();
            assert!(
                !pieces.raw.contains(&decoded),
                "{what} holds key bytes as hex"
            );
        }
    }
}

/// Checks every file under `dir` except the key files.
fn assert_tree_clean(root: &Path, rel: &Path, secrets: &Pieces) -> usize {
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let rel = rel.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            checked += assert_tree_clean(root, &rel, secrets);
        } else if rel != Path::new("k") && rel != Path::new("sk") {
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            assert_clean_pieces(&rel.display().to_string(), &bytes, secrets);
            checked += 1;
        }
    }
    checked
}

#[test]
fn no_key_material_in_outputs_json_ledger_receipts_or_certificates() {
    let env = Env::new();
    env.write("customers.csv", customers_csv());
    env.write("p.toml", customers_policy());
    env.new_key("k");
    env.new_signing_key("sk");
    let email = Table::parse(&customers_csv(), b',').strings("email")[0].clone();
    env.write("subjects.txt", format!("{email}\n"));
    env.write("junk.txt", "to be shredded\n");
    let mut outputs = Vec::new();
    let mut run = |args: &[&str]| {
        let assert = env.oubli(args).code(0);
        let output = assert.get_output();
        outputs.push((args.join(" "), output.stdout.clone(), output.stderr.clone()));
    };
    let ledger = ["--ledger", "L", "--signing-key", "sk"];
    run(&[
        "log",
        "init",
        "L",
        "--origin",
        "example.com/audit",
        "--signing-key",
        "sk",
    ]);
    let job = |verb: &'static str, input: &'static str, output: &'static str| {
        let mut args = vec![verb, input, "-o", output, "--policy", "p.toml"];
        args.extend(["--key", "k", "--json"]);
        args.extend(ledger);
        args
    };
    run(&job("mask", "customers.csv", "masked.csv"));
    run(&job("unmask", "masked.csv", "restored.csv"));
    let mut erase = vec![
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
    ];
    erase.extend(ledger);
    run(&erase);
    let mut shred = vec!["shred", "junk.txt", "--json"];
    shred.extend(ledger);
    run(&shred);
    run(&["log", "show", "L", "--json"]);
    run(&["log", "show", "L"]);
    run(&["log", "checkpoint", "L"]);
    run(&["log", "receipt", "L", "--entry", "0", "-o", "r0.tlog-proof"]);
    run(&[
        "log",
        "certificate",
        "L",
        "--entry",
        "2",
        "--format",
        "json",
    ]);
    run(&["log", "certificate", "L", "--entry", "2"]);
    run(&["key", "id", "k"]);
    run(&["key", "public", "sk"]);

    let secrets = secrets(&env, &domains(&customers_policy()));
    for (line, stdout, stderr) in &outputs {
        assert_clean(&format!("stdout of `oubli {line}`"), stdout, &secrets);
        assert_clean(&format!("stderr of `oubli {line}`"), stderr, &secrets);
    }
    // masked.csv, restored.csv, erased.csv, L/entries.jsonl, L/checkpoint,
    // L/state, r0.tlog-proof, …
    let checked = assert_tree_clean(env.path("").as_path(), Path::new(""), &pieces(&secrets));
    assert!(checked >= 8, "only {checked} files were checked");
    assert!(env.read_string("L/entries.jsonl").lines().count() >= 4);
}

#[test]
fn no_key_material_in_errors() {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env.new_signing_key("sk");
    env.new_key("other");
    // Tokens of one key, unmasked with another; a signing key where a master
    // key belongs and the reverse; a bad policy; a missing input.
    let policy =
        "version = 1\n[columns]\na = { transform = \"keep\" }\nb = { transform = \"encrypt\" }\n";
    env.write("enc.toml", policy);
    env.oubli(&[
        "mask", "in.csv", "-o", "m.csv", "--policy", "enc.toml", "--key", "k",
    ])
    .code(0);
    let mut outputs = Vec::new();
    for args in [
        &[
            "unmask", "m.csv", "-o", "u.csv", "--policy", "enc.toml", "--key", "other",
        ][..],
        &[
            "mask", "in.csv", "-o", "x.csv", "--policy", "p.toml", "--key", "sk",
        ],
        &["log", "init", "L", "--signing-key", "k"],
        &[
            "mask", "in.csv", "-o", "x.csv", "--policy", "in.csv", "--key", "k",
        ],
        &[
            "mask", "nope.csv", "-o", "x.csv", "--policy", "p.toml", "--key", "k",
        ],
        &[
            "mask",
            "in.csv",
            "-o",
            "x.csv",
            "--policy",
            "p.toml",
            "--key",
            "k",
            "--ledger",
            "L",
            "--signing-key",
            "other",
        ],
    ] {
        let assert = env.oubli(args).code(2);
        let output = assert.get_output();
        assert!(!output.stderr.is_empty());
        outputs.push((args.join(" "), output.stdout.clone(), output.stderr.clone()));
    }
    let mut secrets = secrets(&env, &domains(policy.as_bytes()));
    let AnyKey::Master(other) = parse_key_file(&env.read_string("other")).unwrap() else {
        panic!()
    };
    secrets.push(other.expose_secret().to_vec());
    for (line, stdout, stderr) in &outputs {
        assert_clean(&format!("stdout of `oubli {line}`"), stdout, &secrets);
        assert_clean(&format!("stderr of `oubli {line}`"), stderr, &secrets);
    }
}

/// A key line pasted where the path of a key file belongs (`--key`, the
/// environment variables, `--signing-key`) is refused without echoing it.
#[test]
fn a_key_given_as_a_value_is_refused_without_echo() {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env.new_signing_key("sk");
    let master = env.key_line("k");
    let signing = env.key_line("sk");
    let expected = "error: the key file path given looks like a key itself, not the path of a key file\nhint: keys are read from files only: save the key in a file (mode 0600) and pass its path; consider this key exposed (shell history, process list)\n";
    env.fails(&[
        "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", &master,
    ])
    .stderr_eq(expected);
    env.fails_with(
        env.cmd()
            .args(["mask", "in.csv", "-o", "out.csv", "--policy", "p.toml"])
            .env("OUBLI_KEY_FILE", &master),
    )
    .stderr_eq(expected);
    env.fails(&["key", "id", &master]).stderr_eq(expected);
    env.fails(&["log", "init", "L", "--signing-key", &signing])
        .stderr_eq(expected);
}

/// `--help` never prints the values of the key environment variables (a key
/// pasted into one would otherwise be echoed).
#[test]
fn help_hides_the_key_environment_variables() {
    let env = Env::new();
    env.new_key("k");
    env.new_signing_key("sk");
    for args in [
        &["mask", "--help"][..],
        &["unmask", "--help"],
        &["erase", "--help"],
        &["log", "init", "--help"],
        &["key", "public", "--help"],
    ] {
        let assert = env
            .run(
                env.cmd()
                    .args(args)
                    .env("OUBLI_KEY_FILE", env.key_line("k"))
                    .env("OUBLI_SIGNING_KEY_FILE", env.key_line("sk")),
            )
            .code(0);
        let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(help.contains("OUBLI_"), "{args:?} documents its variables");
    }
}

/// Every option of every command whose name mentions a key takes a file path
/// (`FILE`, or `PUB` for a public verifier key), never a key value.
#[test]
fn no_option_takes_a_key_value() {
    let env = Env::new();
    let help = |args: &[&str]| -> String {
        let mut full = args.to_vec();
        full.push("--help");
        let assert = env.oubli(&full).code(0);
        String::from_utf8(assert.get_output().stdout.clone()).unwrap()
    };
    let commands = |text: &str| -> Vec<String> {
        text.split("Commands:")
            .nth(1)
            .map(|section| {
                section
                    .split("\n\n")
                    .next()
                    .unwrap_or_default()
                    .lines()
                    // `  name  description`; wrapped descriptions are indented more.
                    .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|c| *c != "help")
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut pending: Vec<Vec<String>> = vec![vec![]];
    let mut key_options = 0;
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = help(&args);
        for sub in commands(&text) {
            let mut next = path.clone();
            next.push(sub);
            pending.push(next);
        }
        for line in text.lines() {
            let line = line.trim_start();
            let Some(option) = line.split_whitespace().find(|w| w.starts_with("--")) else {
                continue;
            };
            if !option.contains("key") || !line.starts_with('-') {
                continue;
            }
            key_options += 1;
            let value = line
                .split_whitespace()
                .find(|w| w.starts_with('<'))
                .unwrap_or_else(|| panic!("`oubli {}`: {option} takes no value?", args.join(" ")));
            assert!(
                matches!(value, "<FILE>" | "<PUB>"),
                "`oubli {}`: {option} takes {value}, not a file path",
                args.join(" ")
            );
        }
    }
    assert!(key_options >= 10, "only {key_options} key options found");
}

/// Key files are created 0600 whatever the umask.
#[test]
fn key_files_are_private_under_a_permissive_umask() {
    let env = Env::new();
    for (name, extra) in [("k", ""), ("sk", " --signing")] {
        let script = format!("umask 000 && exec \"$0\" key new -q -o {name}{extra}");
        let out = std::process::Command::new("sh")
            .current_dir(env.path(""))
            .args(["-c", &script, env!("CARGO_BIN_EXE_oubli")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(env.mode(name), 0o600, "{name}");
    }
}

/// oubli sets its core-file size limit to 0 before it reads any key: a crash
/// never writes key material to a core dump.
#[test]
fn the_process_never_dumps_core() {
    let env = Env::new();
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    // Blocks reading stdin, with the key loaded. Started with a core limit
    // raised as far as the environment allows, so that 0 is oubli's doing.
    let script = "ulimit -S -c \"$(ulimit -H -c)\" 2>/dev/null; exec \"$0\" mask - -o out.csv --policy p.toml --key k";
    let mut child = std::process::Command::new("sh")
        .current_dir(env.path(""))
        .args(["-c", script, env!("CARGO_BIN_EXE_oubli")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let limits = format!("/proc/{}/limits", child.id());
    let comm = format!("/proc/{}/comm", child.id());
    let mut line = String::new();
    // Until the shell has become oubli and oubli has set its limit (or 5 s).
    for _ in 0..500 {
        let is_oubli = std::fs::read_to_string(&comm).is_ok_and(|c| c.trim() == "oubli");
        let text = std::fs::read_to_string(&limits).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.starts_with("Max core file size")) {
            line = l.to_owned();
            if is_oubli && l.split_whitespace().nth(5) == Some("0") {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "an empty stdin is an error: {stderr}");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.get(4..6), Some(&["0", "0"][..]), "limits: {line:?}");
}

/// The checks above can fail: each form of a leak is caught.
#[test]
fn the_audit_catches_every_form_of_a_leak() {
    let secret: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(77) ^ 0x5a).collect();
    let forms: [(Vec<u8>, &str); 4] = [
        (
            [b"x".as_slice(), &secret[3..13], b"y"].concat(),
            "raw key bytes",
        ),
        (
            format!("key: {}", hex::encode_upper(&secret[5..15])).into_bytes(),
            "as hex",
        ),
        (
            format!("\"k\":\"{}\"", STANDARD.encode(&secret)).into_bytes(),
            "as base64",
        ),
        (
            URL_SAFE_NO_PAD.encode(&secret).as_bytes()[4..24].to_vec(),
            "as base64",
        ),
    ];
    for (leak, expected) in forms {
        let caught =
            std::panic::catch_unwind(|| assert_clean("leak", &leak, std::slice::from_ref(&secret)));
        let message = caught
            .expect_err("the leak is caught")
            .downcast::<String>()
            .map(|s| *s)
            .unwrap_or_default();
        assert!(message.contains(expected), "{message}");
    }
    assert_clean("clean", b"nothing to see here, 0123456789abcdef", &[secret]);
}
