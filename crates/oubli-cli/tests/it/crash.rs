//! Crash safety: `oubli` killed with a real `SIGKILL` at random moments (a
//! seeded delay drawn over the length of a complete run), and the files it
//! leaves checked after every kill:
//!
//! - `mask`: the output is absent or complete (byte for byte the reference
//!   run's output);
//! - `erase --in-place`: the file under its name is the complete old or the
//!   complete new version;
//! - `shred`: the file is still there under its name (its size, or empty once
//!   overwritten and truncated) or gone; a name it was left under mid-rename
//!   holds no byte of the old content;
//! - the ledger of every one of these verifies, or reports an interrupted
//!   append (a torn last line, or entries the checkpoint does not cover yet)
//!   that `oubli log repair` repairs, after which it verifies;
//! - the next run in the directory shreds the temporary files that the killed
//!   runs left (`.oubli-<pid>-<host>-*.tmp`, see `oubli_erase::cleanup`), so
//!   none is left after it.
//!
//! Two or more concurrent appenders to one ledger: no fork, no lost entry.
//!
//! The default runs kill each command a handful of times; the `#[ignore]`d
//! `*_long` variants kill hundreds of times (`cargo test -p oubli-cli --test it
//! crash -- --ignored`). `OUBLI_CRASH_SEED` and `OUBLI_CRASH_KILLS` override
//! the seed and the number of kills.

use std::collections::BTreeSet;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{CUSTOMERS_DETERMINISTIC_POLICY, Env, big_customers};

/// SplitMix64: a small, seeded generator, so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = std::env::var("OUBLI_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x6f75_626c_6921);
        Rng(seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A delay in `[0, max]`.
    fn delay(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}

fn kills(default: usize) -> usize {
    std::env::var("OUBLI_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The binary under test: `OUBLI_CRASH_BIN` if set (for long runs, a copy
/// that a concurrent `cargo build` cannot replace midway), else the one cargo
/// built for these tests.
fn bin() -> String {
    std::env::var("OUBLI_CRASH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_oubli").to_owned())
}

/// `oubli` in the test's directory, for running to completion (as `Env::cmd`).
fn cmd(env: &Env) -> snapbox::cmd::Command {
    snapbox::cmd::Command::new(bin())
        .current_dir(env.path("."))
        .env_remove("OUBLI_KEY_FILE")
        .env_remove("OUBLI_SIGNING_KEY_FILE")
        .env_remove("OUBLI_TEST_FAULT")
        .timeout(Duration::from_secs(300))
}

/// `oubli ARGS…`, which must succeed.
fn ok(env: &Env, args: &[&str]) -> snapbox::cmd::OutputAssert {
    env.run(cmd(env).args(args)).code(0)
}

/// `oubli ARGS…` in the test's directory, as a plain `std` command (it is
/// killed, not asserted on).
fn oubli(env: &Env, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(env.path("."))
        .args(args)
        .env_remove("OUBLI_KEY_FILE")
        .env_remove("OUBLI_SIGNING_KEY_FILE")
        .env_remove("OUBLI_TEST_FAULT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// Killed by our `SIGKILL` before it finished.
    Killed,
    /// Finished (with this exit code) before the kill.
    Finished(i32),
}

/// Spawns `cmd`, sends `SIGKILL` after `delay`, and reports how it ended. Its
/// output is checked for key material like every other command's. A run that
/// finishes first updates `took`, the estimate of a complete run's length
/// that the delays are drawn over (a machine's load changes while the test
/// runs).
fn kill_after(env: &Env, mut cmd: Command, delay: Duration, took: &mut Duration) -> Ended {
    let line = format!("{cmd:?} killed after {delay:?}");
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn oubli");
    while start.elapsed() < delay {
        if child.try_wait().expect("poll oubli").is_some() {
            *took = (*took + start.elapsed()) / 2;
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // `Child::kill` is SIGKILL on Unix; it fails only if the child was reaped.
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait for oubli");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{line}: a panic:\n{stderr}");
    env.record(line, output.stdout, output.stderr);
    match output.status.code() {
        Some(code) => Ended::Finished(code),
        None => Ended::Killed,
    }
}

/// Runs `oubli ARGS…` to completion and returns the time it took; it must succeed.
fn complete(env: &Env, args: &[&str]) -> Duration {
    let start = Instant::now();
    ok(env, args);
    start.elapsed()
}

/// The names in the test's directory.
fn names(env: &Env) -> BTreeSet<String> {
    fs::read_dir(env.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn temp_files(env: &Env) -> Vec<String> {
    names(env)
        .into_iter()
        .filter(|n| n.starts_with(".oubli-"))
        .collect()
}

/// A ledger `L` with its verifier key in `L.pub`, a signing key `sk` and a
/// master key `k`.
fn ledger_env() -> Env {
    let env = Env::new();
    ok(&env, &["key", "new", "--signing", "-q", "-o", "sk"]);
    ok(&env, &["key", "new", "-q", "-o", "k"]);
    let out = ok(
        &env,
        &[
            "log",
            "init",
            "L",
            "--origin",
            "example.com/crash",
            "--signing-key",
            "sk",
        ],
    );
    env.write("L.pub", out.get_output().stdout.clone());
    env
}

/// After a kill: the ledger verifies, or shows an interrupted append that
/// `log repair` repairs, after which it verifies. Returns whether a repair was
/// needed.
fn ledger_survives(env: &Env, context: &str) -> bool {
    let verify = || {
        env.run(cmd(env).args(["log", "verify", "L", "--public-key", "L.pub"]))
            .get_output()
            .clone()
    };
    let out = verify();
    match out.status.code() {
        Some(0) => false,
        Some(1) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("an append was interrupted"),
                "{context}: the ledger fails verification for another reason than an interrupted append:\n{stderr}"
            );
            assert_eq!(
                stderr.lines().filter(|l| l.starts_with("error:")).count(),
                1,
                "{context}: one message:\n{stderr}"
            );
            ok(env, &["log", "repair", "L", "--signing-key", "sk", "-q"]);
            let again = verify();
            assert_eq!(
                again.status.code(),
                Some(0),
                "{context}: after `log repair` the ledger still fails:\n{}",
                String::from_utf8_lossy(&again.stderr)
            );
            true
        }
        other => panic!(
            "{context}: log verify exited {other:?}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The ledger's entries.
fn entries(env: &Env) -> Vec<Value> {
    env.read_string("L/entries.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an entry is JSON"))
        .collect()
}

/// What a series of kills did, for the failure messages and the report.
#[derive(Debug, Default)]
struct Tally {
    killed: usize,
    finished: usize,
    temps_left: usize,
    repairs: usize,
}

fn mask_args(output: &str) -> Vec<&str> {
    vec![
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
        "--threads",
        "2",
    ]
}

fn mask_killed(kills: usize) -> Tally {
    let env = ledger_env();
    env.write("in.csv", big_customers(40));
    env.write("p.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    let mut took = complete(&env, &mask_args("ref.csv"));
    let reference = env.read("ref.csv");
    let input = env.read("in.csv");
    let mut rng = Rng::new(1);
    let mut tally = Tally::default();
    for i in 0..kills {
        let delay = rng.delay(took.mul_f64(1.2));
        let ended = kill_after(&env, oubli(&env, &mask_args("out.csv")), delay, &mut took);
        let context = format!("mask kill {i} after {delay:?} ({ended:?})");
        match ended {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "{context}");
                tally.finished += 1;
            }
        }
        if env.exists("out.csv") {
            assert!(
                env.read("out.csv") == reference,
                "{context}: a partial output"
            );
            fs::remove_file(env.path("out.csv")).unwrap();
        }
        assert!(env.read("in.csv") == input, "{context}: the input changed");
        tally.temps_left += temp_files(&env).len();
        if ledger_survives(&env, &context) {
            tally.repairs += 1;
        }
    }
    // The next run shreds what the killed runs left, and says so.
    let stale = temp_files(&env).len();
    let out = ok(&env, &mask_args("final.csv"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(
        stderr.matches("note: shredded ./.oubli-").count(),
        stale,
        "{stderr}"
    );
    assert!(env.read("final.csv") == reference);
    env.assert_no_temp_files();
    assert!(!ledger_survives(&env, "after the final run"));
    tally
}

#[test]
fn mask_killed_at_random_moments() {
    let tally = mask_killed(kills(6));
    eprintln!("mask: {tally:?}");
}

#[test]
#[ignore = "long: hundreds of kills"]
fn mask_killed_at_random_moments_long() {
    let tally = mask_killed(kills(300));
    eprintln!("mask (long): {tally:?}");
}

const SUBJECTS: &str = "fatima.mensah68@example.org\nC100004\n";

fn erase_args() -> Vec<&'static str> {
    vec![
        "erase",
        "in.csv",
        "--subjects",
        "s.txt",
        "--column",
        "email",
        "--in-place",
        "--ledger",
        "L",
        "--signing-key",
        "sk",
        "--key",
        "k",
        "--threads",
        "2",
    ]
}

fn erase_killed(kills: usize) -> Tally {
    let env = ledger_env();
    let old = big_customers(40);
    env.write("in.csv", &old);
    env.write("s.txt", SUBJECTS);
    // The reference new version, written beside (the input is left as it is).
    complete(
        &env,
        &[
            "erase",
            "in.csv",
            "--subjects",
            "s.txt",
            "--column",
            "email",
            "-o",
            "new.csv",
            "-q",
        ],
    );
    let new = env.read("new.csv");
    assert!(new.len() < old.len(), "the subjects are in the input");
    let mut took = complete(&env, &erase_args());
    assert!(env.read("in.csv") == new);
    let mut rng = Rng::new(2);
    let mut tally = Tally::default();
    for i in 0..kills {
        env.write("in.csv", &old);
        let delay = rng.delay(took.mul_f64(1.2));
        let ended = kill_after(&env, oubli(&env, &erase_args()), delay, &mut took);
        let context = format!("erase kill {i} after {delay:?} ({ended:?})");
        match ended {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "{context}");
                tally.finished += 1;
            }
        }
        let now = env.read("in.csv");
        assert!(
            now == old || now == new,
            "{context}: the file is neither the complete old nor the complete new version ({} bytes)",
            now.len()
        );
        if let Ended::Finished(_) = ended {
            assert!(now == new, "{context}");
        }
        tally.temps_left += temp_files(&env).len();
        if ledger_survives(&env, &context) {
            tally.repairs += 1;
        }
    }
    // The next run shreds what the killed runs left (new versions, and old
    // versions that were swapped out but not yet shredded).
    env.write("in.csv", &old);
    complete(&env, &erase_args());
    assert!(env.read("in.csv") == new);
    env.assert_no_temp_files();
    let expected: BTreeSet<String> = ["L", "L.pub", "in.csv", "k", "new.csv", "s.txt", "sk"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names(&env), expected, "left-overs beside the file");
    assert!(!ledger_survives(&env, "after the final run"));
    tally
}

#[test]
fn erase_in_place_killed_at_random_moments() {
    let tally = erase_killed(kills(6));
    eprintln!("erase --in-place: {tally:?}");
}

#[test]
#[ignore = "long: hundreds of kills"]
fn erase_in_place_killed_at_random_moments_long() {
    let tally = erase_killed(kills(300));
    eprintln!("erase --in-place (long): {tally:?}");
}

/// Bytes that mark the content to be destroyed.
const MARKER: &[u8] = b"PERSONAL-DATA-0123456789-";

fn victim() -> Vec<u8> {
    MARKER.repeat(1024 * 1024 / MARKER.len())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn shred_killed(kills: usize) -> Tally {
    let env = ledger_env();
    env.mkdir("d");
    let data = victim();
    env.write("d/victim.bin", &data);
    let shred = [
        "shred",
        "d/victim.bin",
        "--ledger",
        "L",
        "--signing-key",
        "sk",
        "-q",
    ];
    let mut took = complete(&env, &shred);
    assert!(!env.exists("d/victim.bin"));
    let mut rng = Rng::new(3);
    let mut tally = Tally::default();
    for i in 0..kills {
        env.write("d/victim.bin", &data);
        let delay = rng.delay(took.mul_f64(1.2));
        let ended = kill_after(&env, oubli(&env, &shred), delay, &mut took);
        let context = format!("shred kill {i} after {delay:?} ({ended:?})");
        match ended {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "{context}");
                tally.finished += 1;
            }
        }
        // Whatever is in `d`: the file under its name, at its size, or a
        // name it was left under mid-rename, already overwritten.
        let left: Vec<String> = fs::read_dir(env.path("d"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.len() <= 1, "{context}: {left:?}");
        for name in &left {
            let bytes = env.read(&format!("d/{name}"));
            if name == "victim.bin" {
                // Untouched, overwritten (the overwrite covers the allocated
                // length: the file may have grown to the end of its last
                // block), or overwritten and truncated, not yet renamed.
                assert!(
                    bytes.is_empty()
                        || (bytes.len() >= data.len() && bytes.len() < data.len() + 64 * 1024),
                    "{context}: victim.bin has {} bytes",
                    bytes.len()
                );
            } else {
                assert!(
                    !contains(&bytes, MARKER),
                    "{context}: {name}, a renamed left-over, still holds the old content"
                );
                tally.temps_left += 1;
            }
            // Shredding it again finishes the job.
            ok(&env, &["shred", &format!("d/{name}"), "-q"]);
        }
        assert_eq!(fs::read_dir(env.path("d")).unwrap().count(), 0, "{context}");
        if ledger_survives(&env, &context) {
            tally.repairs += 1;
        }
    }
    tally
}

#[test]
fn shred_killed_at_random_moments() {
    let tally = shred_killed(kills(6));
    eprintln!("shred: {tally:?}");
}

#[test]
#[ignore = "long: hundreds of kills"]
fn shred_killed_at_random_moments_long() {
    let tally = shred_killed(kills(300));
    eprintln!("shred (long): {tally:?}");
}

/// Small, quick appends: most of each run is the ledger's own work.
fn append_killed(kills: usize) -> Tally {
    let env = ledger_env();
    env.write("in.csv", "a,b\n1,x\n");
    env.write(
        "p.toml",
        "version = 1\n[columns]\na = { transform = \"keep\" }\nb = { transform = \"hash\" }\n",
    );
    let args = |out: &'static str| {
        vec![
            "mask",
            "in.csv",
            "-o",
            out,
            "--policy",
            "p.toml",
            "--key",
            "k",
            "--ledger",
            "L",
            "--signing-key",
            "sk",
            "--force",
            "-q",
        ]
    };
    let mut took = complete(&env, &args("ref.csv"));
    let mut rng = Rng::new(4);
    let mut tally = Tally::default();
    for i in 0..kills {
        let before = entries(&env).len();
        let delay = rng.delay(took.mul_f64(1.1));
        let ended = kill_after(&env, oubli(&env, &args("out.csv")), delay, &mut took);
        let context = format!("append kill {i} after {delay:?} ({ended:?})");
        match ended {
            Ended::Killed => tally.killed += 1,
            Ended::Finished(code) => {
                assert_eq!(code, 0, "{context}");
                tally.finished += 1;
            }
        }
        if ledger_survives(&env, &context) {
            tally.repairs += 1;
        }
        let after = entries(&env);
        // One job entry at most, plus one repair entry if a repair was needed.
        assert!(
            after.len() >= before && after.len() <= before + 2,
            "{context}: {before} entries before, {} after",
            after.len()
        );
        if let Ended::Finished(_) = ended {
            assert!(
                after.len() > before,
                "{context}: a finished job's entry was lost"
            );
        }
        for (seq, entry) in after.iter().enumerate() {
            assert_eq!(entry["seq"], seq as u64, "{context}");
        }
    }
    complete(&env, &args("final.csv"));
    env.assert_no_temp_files();
    tally
}

#[test]
fn ledger_append_killed_at_random_moments() {
    let tally = append_killed(kills(8));
    eprintln!("ledger append: {tally:?}");
}

#[test]
#[ignore = "long: hundreds of kills"]
fn ledger_append_killed_at_random_moments_long() {
    let tally = append_killed(kills(400));
    eprintln!("ledger append (long): {tally:?}");
}

/// `jobs` mask jobs started at once on one ledger: every one is recorded once,
/// in one chain (no fork), and the ledger verifies.
fn concurrent_appenders(jobs: usize, rounds: usize) {
    let env = ledger_env();
    env.write("in.csv", "a,b\n1,x\n2,y\n");
    env.write(
        "p.toml",
        "version = 1\n[columns]\na = { transform = \"keep\" }\nb = { transform = \"hash\" }\n",
    );
    let mut expected = Vec::new();
    for round in 0..rounds {
        let outputs: Vec<String> = (0..jobs).map(|j| format!("out-{round}-{j}.csv")).collect();
        let children: Vec<_> = outputs
            .iter()
            .map(|out| {
                oubli(
                    &env,
                    &[
                        "mask",
                        "in.csv",
                        "-o",
                        out,
                        "--policy",
                        "p.toml",
                        "--key",
                        "k",
                        "--ledger",
                        "L",
                        "--signing-key",
                        "sk",
                        "-q",
                        "--threads",
                        "1",
                    ],
                )
                .spawn()
                .expect("spawn")
            })
            .collect();
        // Wait for all before looking at the directory.
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for (output, out) in outs.into_iter().zip(&outputs) {
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(output.status.success(), "{out}: {stderr}");
            env.record(format!("mask -o {out}"), output.stdout, output.stderr);
        }
        expected.extend(outputs);
        let seen = ok(&env, &["log", "checkpoint", "L"]);
        env.write(&format!("seen-{round}"), seen.get_output().stdout.clone());
    }
    ok(&env, &["log", "verify", "L", "--public-key", "L.pub"]);
    // Every checkpoint an auditor could have kept is extended by the final
    // ledger: no fork, no rollback.
    for round in 0..rounds {
        let seen = format!("seen-{round}");
        ok(
            &env,
            &[
                "log",
                "verify",
                "L",
                "--public-key",
                "L.pub",
                "--trusted",
                &seen,
            ],
        );
    }
    let entries = entries(&env);
    assert_eq!(
        entries.len(),
        expected.len(),
        "an entry was lost or duplicated"
    );
    let mut recorded: Vec<String> = entries
        .iter()
        .map(|e| {
            e["output"]["name"]
                .as_str()
                .unwrap_or_else(|| panic!("an output name in {e}"))
                .to_owned()
        })
        .collect();
    recorded.sort();
    expected.sort();
    assert_eq!(recorded, expected);
    for (seq, entry) in entries.iter().enumerate() {
        assert_eq!(entry["seq"], seq as u64);
    }
    let checkpoint = env.read_string("L/checkpoint");
    assert!(
        checkpoint.contains(&format!("\n{}\n", entries.len())),
        "the checkpoint covers every entry: {checkpoint}"
    );
}

#[test]
fn concurrent_appenders_lose_no_entry_and_never_fork() {
    concurrent_appenders(6, 2);
}

#[test]
#[ignore = "long: many concurrent appenders"]
fn concurrent_appenders_lose_no_entry_and_never_fork_long() {
    concurrent_appenders(12, 25);
}
