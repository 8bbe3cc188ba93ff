//! The bad-input suite: every case of `testdata/bad-input/cases.toml` (how to
//! add one: `testdata/bad-input/README.md`) runs the real `oubli` binary in a
//! fresh directory and checks, besides the case's own exit code and message
//! fragment, what must hold for every bad input:
//!
//! - one clear message: stderr starts with `error:` (exit 2, or 1 for a check
//!   that ran and failed) and holds exactly one `error:` line;
//! - no panic (`panicked`, `RUST_BACKTRACE`, `internal error`);
//! - the directory exactly as before: no output, no partial output, no
//!   `.oubli-*.tmp`, every input byte for byte unchanged (only the paths the
//!   case names under `changes` may differ);
//! - nothing on stdout unless the case says what.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::OnceLock;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use snapbox::cmd::Command;
use toml::Value;

use crate::support::{Entry, Env, testdata};

/// The suite's directory.
fn suite_dir() -> PathBuf {
    testdata().join("bad-input")
}

/// Key files made once and copied into every case's directory: `k` and `k2`
/// (master keys), `sk` (signing key).
fn keys() -> &'static Vec<(&'static str, Vec<u8>)> {
    static KEYS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let env = Env::new();
        env.new_key("k");
        env.new_key("k2");
        env.new_signing_key("sk");
        ["k", "k2", "sk"]
            .into_iter()
            .map(|n| (n, env.read(n)))
            .collect()
    })
}

/// Decodes the escapes of a case's file contents (written as TOML literal
/// strings): `\n`, `\r`, `\t`, `\\`, `\xHH` (any byte, so invalid UTF-8 can
/// be written), `\u{FEFF}` (a character as UTF-8).
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next().map(|(_, c)| c) {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex = text.get(i + 2..i + 4).expect("\\x needs two hex digits");
                out.push(u8::from_str_radix(hex, 16).expect("\\xHH"));
                chars.next();
                chars.next();
            }
            Some('u') => {
                let rest = &text[i + 2..];
                let end = rest.find('}').expect("\\u{...}");
                let code = u32::from_str_radix(&rest[1..end], 16).expect("\\u{HEX}");
                let c = char::from_u32(code).expect("a character");
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                for _ in 0..end + 1 {
                    chars.next();
                }
            }
            other => panic!("unknown escape \\{other:?} in {text:?}"),
        }
    }
    out
}

fn str_of<'a>(table: &'a toml::Table, key: &str) -> Option<&'a str> {
    table.get(key).map(|v| {
        v.as_str()
            .unwrap_or_else(|| panic!("`{key}` must be a string"))
    })
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|v| v.as_str().expect("a list of strings").to_owned())
            .collect(),
        _ => panic!("expected a string or a list of strings"),
    }
}

/// Undoes `chattr +i` when a case ends, so that the directory can be removed.
struct Immutable(Vec<PathBuf>);

impl Drop for Immutable {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(p)
                .status();
        }
    }
}

/// Whether a file can be created in `dir` (root ignores permissions).
fn writable(dir: &Path) -> bool {
    let probe = dir.join(".probe");
    let ok = fs::File::create(&probe).is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// A Parquet file: `a` int64 1..=3, `b` utf8 x, y, z (written by the parquet
/// crate, a second implementation besides the one oubli reads with).
fn parquet_bytes() -> Vec<u8> {
    let batch = RecordBatch::try_from_iter(vec![
        (
            "a",
            Arc::new(Int64Array::from(vec![1, 2, 3])) as Arc<dyn Array>,
        ),
        ("b", Arc::new(StringArray::from(vec!["x", "y", "z"])) as _),
    ])
    .unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// An offset counted from the end when negative.
fn offset(len: usize, at: i64) -> usize {
    if at < 0 {
        len.checked_sub(at.unsigned_abs() as usize)
            .expect("offset before the start")
    } else {
        at as usize
    }
}

/// Runs one setup step. Returns `false` if the case cannot run here (an
/// unwritable directory where permissions cannot make one).
fn step(env: &Env, step: &toml::Table, immutable: &mut Immutable) -> bool {
    if let Some(args) = step.get("run") {
        let args = strings(args);
        let out = env.run(env.cmd().args(&args)).code(0);
        if let Some(to) = str_of(step, "stdout_to") {
            env.write(to, out.get_output().stdout.clone());
        }
    } else if let Some(name) = str_of(step, "write") {
        let content = unescape(str_of(step, "content").expect("write needs content"));
        env.write(name, content);
        if let Some(mode) = step.get("mode") {
            env.chmod(name, mode.as_integer().expect("mode") as u32);
        }
    } else if let Some(name) = str_of(step, "generate") {
        let data = match str_of(step, "kind").expect("generate needs a kind") {
            "parquet" => parquet_bytes(),
            // `a,b` then one record whose field grows past the reader's 64 MiB
            // record limit.
            "huge-field" => {
                let mut data = b"a,b\n1,".to_vec();
                data.resize(data.len() + 65 * 1024 * 1024, b'x');
                data.extend_from_slice(b"\n2,y\n");
                data
            }
            // An opening quote never closed: the rest of the file is swallowed.
            "swallowed" => {
                let mut data = b"a,b\n1,\"x\n".to_vec();
                while data.len() < 65 * 1024 * 1024 {
                    data.extend_from_slice(b"2,yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n");
                }
                data
            }
            // `rows` small records.
            "rows" => {
                let rows = step
                    .get("rows")
                    .and_then(Value::as_integer)
                    .expect("rows = N") as usize;
                let mut data = b"a,b\n".to_vec();
                for i in 0..rows {
                    writeln!(data, "{i},value{i}").unwrap();
                }
                data
            }
            other => panic!("unknown kind {other}"),
        };
        env.write(name, data);
    } else if let Some(name) = str_of(step, "edit") {
        let mut data = env.read(name);
        if let Some(n) = step.get("truncate") {
            let n = offset(data.len(), n.as_integer().expect("truncate = N"));
            data.truncate(n);
        }
        if let Some(at) = step.get("flip") {
            let at = offset(data.len(), at.as_integer().expect("flip = OFFSET"));
            data[at] ^= 0x01;
        }
        if let Some(at) = step.get("overwrite_at") {
            let at = offset(data.len(), at.as_integer().expect("overwrite_at = OFFSET"));
            let with = unescape(str_of(step, "with").expect("overwrite_at needs with"));
            data[at..at + with.len()].copy_from_slice(&with);
        }
        if let Some(pair) = step.get("replace") {
            let pair = strings(pair);
            let (from, to) = (unescape(&pair[0]), unescape(&pair[1]));
            let at = data
                .windows(from.len())
                .position(|w| w == from)
                .unwrap_or_else(|| panic!("{:?} not found in {name}", pair[0]));
            data.splice(at..at + from.len(), to);
        }
        if step.get("crlf").and_then(Value::as_bool) == Some(true) {
            let text = String::from_utf8(data).expect("UTF-8");
            data = text.replace('\n', "\r\n").into_bytes();
        }
        if let Some(tail) = str_of(step, "append") {
            data.extend_from_slice(&unescape(tail));
        }
        let mode = env.mode(name);
        env.write(name, data);
        env.chmod(name, mode);
    } else if let Some(name) = str_of(step, "copy") {
        let to = str_of(step, "to").expect("copy needs to");
        fs::copy(env.path(name), env.path(to)).expect("copy");
    } else if let Some(name) = str_of(step, "chmod") {
        env.chmod(
            name,
            step.get("mode").and_then(Value::as_integer).expect("mode") as u32,
        );
    } else if let Some(name) = str_of(step, "mkdir") {
        env.mkdir(name);
    } else if let Some(name) = str_of(step, "symlink") {
        let target = str_of(step, "target").expect("symlink needs target");
        std::os::unix::fs::symlink(target, env.path(name)).expect("symlink");
    } else if let Some(name) = str_of(step, "unwritable") {
        let path = env.path(name);
        env.chmod(name, 0o555);
        if writable(&path) {
            // Root: permissions do not stop it; an immutable directory does.
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(&path)
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                immutable.0.push(path.clone());
            }
            if !ok || writable(&path) {
                return false;
            }
        }
    } else {
        panic!("unknown step {step:?}");
    }
    true
}

/// A case's failure, with what the command printed.
struct Failed(String);

impl Failed {
    fn raise(self) -> ! {
        panic!("{}", self.0)
    }
}

/// What a case ran into, for the failure message.
fn describe(name: &str, what: &str, stdout: &[u8], stderr: &[u8]) -> String {
    format!(
        "case `{name}`: {what}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&stdout[..stdout.len().min(2000)]),
        String::from_utf8_lossy(stderr)
    )
}

/// Runs one case; returns whether it ran (not skipped).
fn run_case(case: &toml::Table) -> bool {
    let name = str_of(case, "name").expect("every case has a name");
    let env = Env::new();
    for (key, bytes) in keys() {
        env.write_private(key, bytes);
    }
    let mut immutable = Immutable(Vec::new());
    if let Some(steps) = case.get("setup") {
        for s in steps.as_array().expect("setup = [ {...}, ... ]") {
            if !step(
                &env,
                s.as_table().expect("a step is a table"),
                &mut immutable,
            ) {
                eprintln!("case `{name}`: skipped (cannot make a directory unwritable here)");
                return false;
            }
        }
    }

    let before = env.state();
    let mut cmd = if let Some(args) = case.get("args") {
        env.cmd().args(strings(args))
    } else if let Some(script) = str_of(case, "shell") {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(env.path("."))
            .env("OUBLI", env!("CARGO_BIN_EXE_oubli"))
            .env_remove("OUBLI_KEY_FILE")
            .env_remove("OUBLI_SIGNING_KEY_FILE")
            .timeout(std::time::Duration::from_secs(120))
    } else {
        panic!("case `{name}` has neither args nor shell");
    };
    if let Some(stdin) = str_of(case, "stdin") {
        cmd = cmd.stdin(unescape(stdin));
    }
    let assert = env.run(cmd);
    let output = assert.get_output();
    let (stdout, stderr) = (&output.stdout, &output.stderr);
    let text = String::from_utf8_lossy(stderr);
    let fail = |what: &str| Failed(describe(name, what, stdout, stderr)).raise();

    let exit = case
        .get("exit")
        .and_then(Value::as_integer)
        .expect("every case has an exit code");
    if output.status.code() != Some(exit as i32) {
        fail(&format!(
            "exit code {:?}, expected {exit}",
            output.status.code()
        ));
    }
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "internal error",
        "stack backtrace",
    ] {
        if text.contains(bad) {
            fail(&format!("stderr shows `{bad}`"));
        }
    }
    if let Some(fragments) = case.get("stderr") {
        for fragment in strings(fragments) {
            if !text.contains(&fragment) {
                fail(&format!("stderr lacks `{fragment}`"));
            }
        }
    }
    if exit != 0 {
        let errors = text.lines().filter(|l| l.starts_with("error:")).count();
        if !text.starts_with("error:") || errors != 1 {
            fail("stderr must start with `error:` and hold exactly one `error:` line");
        }
    }
    match case.get("stdout") {
        Some(fragments) => {
            let out = String::from_utf8_lossy(stdout);
            for fragment in strings(fragments) {
                if !out.contains(&fragment) {
                    fail(&format!("stdout lacks `{fragment}`"));
                }
            }
        }
        None if exit != 0 && !stdout.is_empty() => fail("stdout must be empty"),
        None => {}
    }

    // The directory: as before, except the paths the case names.
    let creates: Vec<PathBuf> = case
        .get("creates")
        .map(strings)
        .unwrap_or_default()
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let mut changes: Vec<PathBuf> = case
        .get("changes")
        .map(strings)
        .unwrap_or_default()
        .into_iter()
        .map(PathBuf::from)
        .collect();
    changes.extend(creates.iter().cloned());
    let after = env.state();
    let keep = |state: &crate::support::State| -> Vec<(PathBuf, Entry)> {
        state
            .iter()
            .filter(|(p, _)| !changes.iter().any(|c| p.starts_with(c)))
            .map(|(p, e)| (p.clone(), e.clone()))
            .collect()
    };
    let (b, a) = (keep(&before), keep(&after));
    if a != b {
        let names = |s: &[(PathBuf, Entry)]| s.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        let added: Vec<_> = names(&a)
            .into_iter()
            .filter(|p| !b.iter().any(|(q, _)| q == p))
            .collect();
        let removed: Vec<_> = names(&b)
            .into_iter()
            .filter(|p| !a.iter().any(|(q, _)| q == p))
            .collect();
        let changed: Vec<_> = a
            .iter()
            .filter(|(p, e)| b.iter().any(|(q, f)| q == p && f != e))
            .map(|(p, _)| p.clone())
            .collect();
        fail(&format!(
            "the directory changed: added {added:?}, removed {removed:?}, changed {changed:?}"
        ));
    }
    for path in &creates {
        if !env.exists(&path.to_string_lossy()) {
            fail(&format!("{} was not created", path.display()));
        }
    }
    env.assert_no_temp_files();
    drop(immutable);
    true
}

fn cases() -> Vec<toml::Table> {
    let text = fs::read_to_string(suite_dir().join("cases.toml")).expect("read cases.toml");
    let doc: toml::Table = toml::from_str(&text).expect("cases.toml is valid TOML");
    doc.get("case")
        .and_then(Value::as_array)
        .expect("[[case]] tables")
        .iter()
        .map(|c| c.as_table().expect("a case is a table").clone())
        .collect()
}

#[test]
fn every_case_fails_cleanly() {
    let cases = cases();
    let only = std::env::var("OUBLI_BAD_INPUT_CASE").ok();
    let mut ran = 0;
    let mut names = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        let name = str_of(case, "name").expect("a name");
        assert!(
            names.insert(name.to_owned()),
            "case `{name}` is listed twice"
        );
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(case))) {
            Ok(true) => ran += 1,
            Ok(false) => {}
            Err(e) => failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| format!("case `{name}` panicked")),
            ),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    if only.is_none() {
        assert!(cases.len() >= 50, "the suite has {} cases", cases.len());
        assert!(
            ran + 2 >= cases.len(),
            "only {ran} of {} cases ran",
            cases.len()
        );
    }
}

#[test]
fn unescape_decodes_bytes_and_characters() {
    assert_eq!(unescape(r"a,b\n\xFF\r\t\\"), b"a,b\n\xFF\r\t\\");
    assert_eq!(unescape(r"\u{FEFF}x"), "\u{FEFF}x".as_bytes());
}
