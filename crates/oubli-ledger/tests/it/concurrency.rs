//! Concurrent appends: separate `Ledger` values (so separate opens of `lock`)
//! in threads and in processes.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use oubli_core::SigningKey;
use oubli_ledger::Ledger;
use serde_json::{Value, json};

use crate::common::{Fixture, ORIGIN};

/// Set in a child process: the ledger directory to append to.
const CHILD_DIR: &str = "OUBLI_LEDGER_IT_CHILD_DIR";
/// Set in a child process: its name in the entries.
const CHILD_WHO: &str = "OUBLI_LEDGER_IT_CHILD_WHO";
/// The key the processes share.
const SEED: [u8; 32] = [0x5a; 32];
const PER_WRITER: u64 = 25;

fn append_many(dir: &Path, key: &SigningKey, who: &str) {
    let ledger = Ledger::new(dir);
    for k in 0..PER_WRITER {
        ledger
            .append(&json!({"type": "note", "who": who, "k": k}), key)
            .unwrap();
    }
}

/// Every writer's entries landed once, `seq` runs 0.., and the ledger verifies.
fn check(f: &Fixture, writers: &[String]) {
    let lines = f.lines();
    let total = writers.len() as u64 * PER_WRITER;
    assert_eq!(lines.len() as u64, total);
    let mut seen = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seq"], i as u64);
        assert!(
            seen.insert((
                v["who"].as_str().unwrap().to_owned(),
                v["k"].as_u64().unwrap()
            )),
            "duplicate {line}"
        );
    }
    let expected: BTreeSet<_> = writers
        .iter()
        .flat_map(|w| (0..PER_WRITER).map(move |k| (w.clone(), k)))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(f.verify().unwrap().checkpoint.size, total);
}

#[test]
fn four_threads_append_25_entries_each() {
    let f = Fixture::new(0);
    let writers: Vec<String> = (0..4).map(|t| format!("thread-{t}")).collect();
    thread::scope(|s| {
        for who in &writers {
            let (dir, key) = (f.dir.path(), &f.key);
            s.spawn(move || append_many(dir, key, who));
        }
    });
    check(&f, &writers);
}

#[test]
fn two_processes_and_two_threads_append_concurrently() {
    let f = Fixture::with_key(SigningKey::from_seed(&SEED).unwrap(), 0);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|p| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "concurrency::child_appender",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR, f.dir.path())
                .env(CHILD_WHO, format!("process-{p}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut writers: Vec<String> = (0..2).map(|p| format!("process-{p}")).collect();
    thread::scope(|s| {
        for t in 0..2 {
            let (dir, key) = (f.dir.path(), &f.key);
            s.spawn(move || append_many(dir, key, &format!("thread-{t}")));
        }
    });
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a child process failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    writers.extend((0..2).map(|t| format!("thread-{t}")));
    check(&f, &writers);
}

/// The body of a child process of the test above; a no-op otherwise.
#[test]
fn child_appender() {
    let (Ok(dir), Ok(who)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_WHO)) else {
        return;
    };
    let key = SigningKey::from_seed(&SEED).unwrap();
    assert_eq!(Ledger::new(&dir).origin().unwrap(), ORIGIN);
    append_many(Path::new(&dir), &key, &who);
}

/// An auditor verifying a ledger (or taking a receipt) while a job appends to it.
#[test]
fn verify_and_receipt_during_appends_never_fail() {
    let f = Fixture::new(1);
    let done = AtomicBool::new(false);
    let mut failures = Vec::new();
    let mut verified = 0;
    thread::scope(|s| {
        s.spawn(|| {
            let ledger = Ledger::new(f.dir.path());
            for k in 0..200 {
                ledger
                    .append(&json!({"type": "note", "k": k}), &f.key)
                    .unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) {
            match f.ledger.verify(&f.verifier, None).unwrap() {
                Ok(_) => verified += 1,
                Err(failure) => failures.push(format!("verify: {failure}")),
            }
            if let Err(e) = f.ledger.receipt(0) {
                failures.push(format!("receipt: {e}"));
            }
        }
    });
    assert!(
        failures.is_empty(),
        "{verified} verifications passed; {} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
}
