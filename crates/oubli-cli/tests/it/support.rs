//! Shared helpers: one temporary working directory per test, running `oubli` in it,
//! and the checks every test relies on: no key material is ever printed, and a
//! failed command leaves the directory exactly as it found it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use snapbox::cmd::{Command, OutputAssert};

/// The repository's `testdata/` directory.
pub(crate) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The demo input, `testdata/customers.csv`.
pub(crate) fn customers_csv() -> Vec<u8> {
    fs::read(testdata().join("customers.csv")).expect("read testdata/customers.csv")
}

/// The demo policy, `testdata/customers.policy.toml`.
pub(crate) fn customers_policy() -> Vec<u8> {
    fs::read(testdata().join("customers.policy.toml")).expect("read the demo policy")
}

/// The demo policy with `notes` encrypted deterministically, so that two runs
/// give byte-identical output.
pub(crate) const CUSTOMERS_DETERMINISTIC_POLICY: &str = r#"version = 1
[columns]
customer_id = { transform = "hash", domain = "customer", length = 20, prefix = "cust_" }
email       = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
full_name   = { transform = "redact" }
phone       = { transform = "fpe", alphabet = "digits", domain = "phone" }
iban        = { transform = "encrypt", domain = "iban" }
birth_date  = { transform = "mask", keep_first = 4, skip = "-" }
zip         = { transform = "mask", keep_first = 2, skip = " -" }
city        = { transform = "keep" }
signup_date = { transform = "keep" }
amount      = { transform = "keep" }
notes       = { transform = "encrypt", domain = "notes" }
"#;

/// The demo rows repeated `times` times under one header (`times` × 60 rows).
pub(crate) fn big_customers(times: usize) -> Vec<u8> {
    let data = customers_csv();
    let header_end = data
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line")
        + 1;
    let mut out = data[..header_end].to_vec();
    for _ in 0..times {
        out.extend_from_slice(&data[header_end..]);
    }
    out
}

/// A small input and the policy for it: `a` kept, `b` hashed.
pub(crate) const SMALL_CSV: &str = "a,b\n1,x\n2,y\n";
pub(crate) const SMALL_POLICY: &str = r#"version = 1
[columns]
a = { transform = "keep" }
b = { transform = "hash" }
"#;

/// One entry of a directory listing, as compared before and after a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    File { mode: u32, bytes: Vec<u8> },
    Dir { mode: u32 },
    Symlink(PathBuf),
}

/// Everything under a directory, by relative path.
pub(crate) type State = BTreeMap<PathBuf, Entry>;

/// A command that ran, and what it printed.
#[derive(Debug)]
struct Run {
    line: String,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// A test's working directory. Every command run through it is recorded, and
/// its stdout and stderr are checked against every key line found in the
/// directory, after the command and again when the test ends.
#[derive(Debug)]
pub(crate) struct Env {
    dir: tempfile::TempDir,
    /// Every command run.
    runs: RefCell<Vec<Run>>,
    /// Every key payload seen in the directory so far.
    secrets: RefCell<BTreeSet<String>>,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("create a temporary directory"),
            runs: RefCell::default(),
            secrets: RefCell::default(),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        fs::write(self.path(name), contents).expect("write a test file");
    }

    /// Writes a file with mode 0600, as a key file must be.
    pub(crate) fn write_private(&self, name: &str, contents: impl AsRef<[u8]>) {
        self.write(name, contents);
        self.chmod(name, 0o600);
    }

    pub(crate) fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub(crate) fn read_string(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("UTF-8")
    }

    pub(crate) fn exists(&self, name: &str) -> bool {
        self.path(name).symlink_metadata().is_ok()
    }

    pub(crate) fn mode(&self, name: &str) -> u32 {
        fs::metadata(self.path(name))
            .expect("metadata")
            .permissions()
            .mode()
            & 0o7777
    }

    pub(crate) fn chmod(&self, name: &str, mode: u32) {
        fs::set_permissions(self.path(name), fs::Permissions::from_mode(mode)).expect("chmod");
    }

    pub(crate) fn mkdir(&self, name: &str) {
        fs::create_dir(self.path(name)).expect("mkdir");
    }

    /// `oubli`, run in this directory, without the key environment variables of
    /// the environment the tests run in.
    pub(crate) fn cmd(&self) -> Command {
        Command::new(env!("CARGO_BIN_EXE_oubli"))
            .current_dir(self.dir.path())
            .env_remove("OUBLI_KEY_FILE")
            .env_remove("OUBLI_SIGNING_KEY_FILE")
            .timeout(std::time::Duration::from_secs(300))
    }

    /// Runs a command and checks that its output holds no key material.
    pub(crate) fn run(&self, cmd: Command) -> OutputAssert {
        let mut line = format!("{cmd:?}");
        if line.len() > 500 {
            let mut end = 500;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
        }
        let assert = cmd.assert();
        let output = assert.get_output();
        self.record(line, output.stdout.clone(), output.stderr.clone());
        assert
    }

    /// Records a command's output (for commands not run through [`Env::run`]) and
    /// checks it holds no key material.
    pub(crate) fn record(&self, line: String, stdout: Vec<u8>, stderr: Vec<u8>) {
        self.collect_secrets();
        check_no_secret(&self.secrets.borrow(), &line, &stdout, &stderr);
        self.runs.borrow_mut().push(Run {
            line,
            stdout,
            stderr,
        });
    }

    /// `oubli ARGS…`.
    pub(crate) fn oubli(&self, args: &[&str]) -> OutputAssert {
        self.run(self.cmd().args(args))
    }

    /// Runs a command that must fail: exit code 2, nothing on stdout, and the
    /// directory exactly as before (no output, no temporary file, input
    /// unchanged). The caller checks stderr.
    pub(crate) fn fails_with(&self, cmd: Command) -> OutputAssert {
        let before = self.state();
        let assert = self.run(cmd).code(2).stdout_eq("");
        self.assert_state(&before);
        assert
    }

    /// `oubli ARGS…`, which must fail as [`Env::fails_with`] says.
    pub(crate) fn fails(&self, args: &[&str]) -> OutputAssert {
        self.fails_with(self.cmd().args(args))
    }

    /// `oubli key new -q -o NAME`; returns the key id.
    pub(crate) fn new_key(&self, name: &str) -> String {
        self.oubli(&["key", "new", "-q", "-o", name])
            .code(0)
            .stdout_eq("")
            .stderr_eq("");
        self.key_id(name)
    }

    /// `oubli key new --signing -q -o NAME`; returns the key id.
    pub(crate) fn new_signing_key(&self, name: &str) -> String {
        self.oubli(&["key", "new", "--signing", "-q", "-o", name])
            .code(0)
            .stdout_eq("")
            .stderr_eq("");
        self.key_id(name)
    }

    /// `oubli key id NAME`.
    pub(crate) fn key_id(&self, name: &str) -> String {
        let assert = self.oubli(&["key", "id", name]).code(0).stderr_eq("");
        let id = String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8");
        let id = id.strip_suffix('\n').expect("one line").to_owned();
        assert!(is_hex(&id, 16), "key id {id:?} is not 16 hex characters");
        id
    }

    /// The `OUBLI-…:` line of a key file.
    pub(crate) fn key_line(&self, name: &str) -> String {
        self.read_string(name)
            .lines()
            .find(|l| l.starts_with("OUBLI-"))
            .expect("a key line")
            .to_owned()
    }

    /// Everything under the directory.
    pub(crate) fn state(&self) -> State {
        let mut state = State::new();
        walk(self.dir.path(), Path::new(""), &mut state);
        state
    }

    /// Panics, naming the differences, if the directory is not as it was.
    pub(crate) fn assert_state(&self, before: &State) {
        let after = self.state();
        if after == *before {
            return;
        }
        let added: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        let removed: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
            .map(|(k, _)| k)
            .collect();
        panic!(
            "the command changed its directory: added {added:?}, removed {removed:?}, changed {changed:?}"
        );
    }

    /// Panics if an `.oubli-*.tmp` file is left anywhere in the directory.
    pub(crate) fn assert_no_temp_files(&self) {
        let temps: Vec<_> = self
            .state()
            .into_keys()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(".oubli-"))
            })
            .collect();
        assert!(temps.is_empty(), "temporary files left behind: {temps:?}");
    }

    /// Adds every key payload in the directory's small files to the secrets.
    fn collect_secrets(&self) {
        let mut secrets = self.secrets.borrow_mut();
        for (_, entry) in self.state() {
            let Entry::File { bytes, .. } = entry else {
                continue;
            };
            if bytes.len() > 64 * 1024 {
                continue;
            }
            for line in String::from_utf8_lossy(&bytes).lines() {
                let line = line.trim();
                if let Some((prefix, payload)) = line.split_once(':') {
                    let payload = payload.trim();
                    if prefix.starts_with("OUBLI-") && payload.len() >= 16 {
                        secrets.insert(payload.to_owned());
                    }
                }
            }
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        // Key files written or changed after a command ran are checked too.
        self.collect_secrets();
        let secrets = self.secrets.borrow();
        for run in self.runs.borrow().iter() {
            check_no_secret(&secrets, &run.line, &run.stdout, &run.stderr);
        }
    }
}

/// Panics if any 16-character piece of a key payload appears in the output.
fn check_no_secret(secrets: &BTreeSet<String>, line: &str, stdout: &[u8], stderr: &[u8]) {
    for (stream, bytes) in [("stdout", stdout), ("stderr", stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for secret in secrets {
            for piece in secret.as_bytes().windows(16) {
                let piece = std::str::from_utf8(piece).expect("key payloads are ASCII");
                assert!(
                    !text.contains(piece),
                    "key material `{piece}` appears on the {stream} of {line}"
                );
            }
        }
    }
}

fn walk(root: &Path, rel: &Path, state: &mut State) {
    let dir = root.join(rel);
    for entry in fs::read_dir(&dir).expect("read_dir") {
        let entry = entry.expect("dir entry");
        let rel = rel.join(entry.file_name());
        let path = root.join(&rel);
        let meta = fs::symlink_metadata(&path).expect("metadata");
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            state.insert(rel, Entry::Symlink(fs::read_link(&path).expect("readlink")));
        } else if meta.is_dir() {
            state.insert(rel.clone(), Entry::Dir { mode });
            walk(root, &rel, state);
        } else {
            let bytes = fs::read(&path).expect("read");
            state.insert(rel, Entry::File { mode, bytes });
        }
    }
}

pub(crate) fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn is_b64url(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A parsed CSV file: header and records, fields as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<Vec<u8>>>,
}

impl Table {
    /// Parses RFC 4180 data (quotes, doubled quotes, CRLF or LF, a leading BOM).
    pub(crate) fn parse(data: &[u8], delimiter: u8) -> Table {
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let mut records = parse_records(data, delimiter);
        assert!(!records.is_empty(), "no header");
        let header = records
            .remove(0)
            .into_iter()
            .map(|f| String::from_utf8(f).expect("UTF-8 header"))
            .collect::<Vec<_>>();
        for (i, row) in records.iter().enumerate() {
            assert_eq!(row.len(), header.len(), "record {} is ragged", i + 1);
        }
        Table {
            header,
            rows: records,
        }
    }

    /// The values of one column, in row order.
    pub(crate) fn column(&self, name: &str) -> Vec<Vec<u8>> {
        let i = self
            .header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[i].clone()).collect()
    }

    /// The values of one column as text.
    pub(crate) fn strings(&self, name: &str) -> Vec<String> {
        self.column(name)
            .into_iter()
            .map(|v| String::from_utf8(v).expect("UTF-8 value"))
            .collect()
    }
}

fn parse_records(data: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = Vec::new();
    let mut in_quotes = false;
    let mut field_start = true;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        i += 1;
        if in_quotes {
            if b == b'"' {
                if data.get(i) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(b);
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                in_quotes = true;
                field_start = false;
            }
            b'\r' if data.get(i) == Some(&b'\n') => {}
            b'\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                field_start = true;
            }
            _ if b == delimiter => {
                record.push(std::mem::take(&mut field));
                field_start = true;
            }
            _ => {
                field.push(b);
                field_start = false;
            }
        }
    }
    assert!(!in_quotes, "unterminated quoted field");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

// The helpers' own checks must bite.

#[test]
#[should_panic(expected = "appears on the stderr of fake")]
fn secret_check_catches_a_printed_key_piece() {
    let env = Env::new();
    env.new_key("k");
    let line = env.key_line("k");
    let piece = &line[20..40];
    env.record(
        "fake".into(),
        Vec::new(),
        format!("oops {piece}\n").into_bytes(),
    );
}

#[test]
#[should_panic(expected = "added [\"left-over.tmp\"]")]
fn state_check_catches_a_new_file() {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    let before = env.state();
    env.write("left-over.tmp", "x");
    env.assert_state(&before);
}

#[test]
#[should_panic(expected = "changed [\"in.csv\"]")]
fn state_check_catches_a_changed_file() {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    let before = env.state();
    env.write("in.csv", "a,b\n");
    env.assert_state(&before);
}

#[test]
#[should_panic(expected = "temporary files left behind")]
fn temp_check_catches_a_left_over_temporary_file() {
    let env = Env::new();
    env.write(".oubli-abc123.tmp", "x");
    env.assert_no_temp_files();
}

#[test]
fn csv_parser_reads_quotes_and_line_breaks() {
    let table = Table::parse(b"\xEF\xBB\xBFa,b\r\n\"x,\"\"y\"\"\",\"1\n2\"\r\n,\n", b',');
    assert_eq!(table.header, ["a", "b"]);
    assert_eq!(
        table.rows,
        [
            vec![b"x,\"y\"".to_vec(), b"1\n2".to_vec()],
            vec![Vec::new(), Vec::new()]
        ]
    );
}
