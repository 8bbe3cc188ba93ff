//! Shared fixtures: ledgers of numbered note entries, raw access to the files,
//! and an RFC 9162 tree hash written independently of `oubli_ledger::merkle`.

use std::fs;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::{SigningKey, VerifierKey};
use oubli_ledger::ledger::{CHECKPOINT, ENTRIES};
use oubli_ledger::{Failure, Ledger, Verified};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The origin of the test ledgers.
pub(crate) const ORIGIN: &str = "example.com/oubli-test";

/// The entry a fixture appends at position `i`: a number it can edit in place.
pub(crate) fn note(i: u64) -> Value {
    json!({"type": "note", "n": 1000 + i, "text": format!("entry {i}")})
}

/// A ledger in a temporary directory, with the checkpoint seen at every size.
pub(crate) struct Fixture {
    pub(crate) dir: TempDir,
    pub(crate) ledger: Ledger,
    pub(crate) key: SigningKey,
    pub(crate) verifier: VerifierKey,
    /// `checkpoints[k]` is the signed checkpoint text at size `k`.
    pub(crate) checkpoints: Vec<String>,
}

impl Fixture {
    /// A fresh ledger with a fresh key and `n` entries `note(0..n)`.
    pub(crate) fn new(n: u64) -> Fixture {
        Fixture::with_key(SigningKey::generate().unwrap(), n)
    }

    /// A fresh ledger signed by `key`, with `n` entries `note(0..n)`.
    pub(crate) fn with_key(key: SigningKey, n: u64) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path());
        ledger.init(ORIGIN, &key).unwrap();
        let verifier = key.verifier_key(ORIGIN).unwrap();
        let mut fixture = Fixture {
            checkpoints: vec![ledger.checkpoint_text().unwrap()],
            dir,
            ledger,
            key,
            verifier,
        };
        fixture.extend(0..n);
        fixture
    }

    /// Appends `note(i)` for each `i`, recording each checkpoint.
    pub(crate) fn extend(&mut self, range: impl IntoIterator<Item = u64>) {
        for i in range {
            self.push(&note(i));
        }
    }

    /// Appends one entry, recording the checkpoint.
    pub(crate) fn push(&mut self, body: &Value) {
        let appended = self.ledger.append(body, &self.key).unwrap();
        assert_eq!(appended.index as usize, self.checkpoints.len() - 1);
        self.checkpoints
            .push(self.ledger.checkpoint_text().unwrap());
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn entries_path(&self) -> PathBuf {
        self.path(ENTRIES)
    }

    pub(crate) fn checkpoint_path(&self) -> PathBuf {
        self.path(CHECKPOINT)
    }

    pub(crate) fn entries_bytes(&self) -> Vec<u8> {
        fs::read(self.entries_path()).unwrap()
    }

    /// The complete lines of `entries.jsonl`, without their newlines.
    pub(crate) fn lines(&self) -> Vec<String> {
        let text = fs::read_to_string(self.entries_path()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "torn file");
        text.lines().map(str::to_owned).collect()
    }

    /// Replaces `entries.jsonl` with `lines`, each followed by a newline.
    pub(crate) fn write_lines(&self, lines: &[String]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        fs::write(self.entries_path(), text).unwrap();
    }

    /// Appends raw bytes to `entries.jsonl`.
    pub(crate) fn append_raw(&self, bytes: &[u8]) {
        use std::io::Write as _;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.entries_path())
            .unwrap();
        f.write_all(bytes).unwrap();
    }

    pub(crate) fn write_checkpoint(&self, text: &str) {
        fs::write(self.checkpoint_path(), text).unwrap();
    }

    /// Starts over in the same directory with the same key and origin: an
    /// empty ledger (what someone holding the key could do to fork it).
    pub(crate) fn restart(&mut self) {
        self.wipe();
        self.ledger.init(ORIGIN, &self.key).unwrap();
        self.checkpoints = vec![self.ledger.checkpoint_text().unwrap()];
    }

    /// Removes the ledger's files so that `init` can start over in the same place.
    pub(crate) fn wipe(&self) {
        for name in [ENTRIES, CHECKPOINT, "state"] {
            let _ = fs::remove_file(self.path(name));
        }
    }

    pub(crate) fn verify(&self) -> Result<Verified, Failure> {
        self.ledger.verify(&self.verifier, None).unwrap()
    }

    pub(crate) fn verify_trusted(&self, trusted: &str) -> Result<Verified, Failure> {
        self.ledger.verify(&self.verifier, Some(trusted)).unwrap()
    }

    /// The line the ledger would write next for `body`, computed by hand.
    pub(crate) fn next_line(&self, body: &Value) -> String {
        let lines = self.lines();
        let mut all = lines.clone();
        all.push(body.to_string());
        rechain(&mut all);
        all.pop().unwrap()
    }
}

/// `SHA-256(0x00 || data)`, independently of the crate.
pub(crate) fn leaf(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 9162 MTH over leaf hashes, independently of the crate.
pub(crate) fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(mth(&leaves[..k]));
            h.update(mth(&leaves[k..]));
            h.finalize().into()
        }
    }
}

/// The base64 root of `lines`.
pub(crate) fn root_b64(lines: &[String]) -> String {
    let leaves: Vec<_> = lines.iter().map(|l| leaf(l.as_bytes())).collect();
    STANDARD.encode(mth(&leaves))
}

/// Rewrites `seq` and `prev` of every line so that the chain is consistent
/// again (what someone rewriting history without the key would do).
pub(crate) fn rechain(lines: &mut [String]) {
    for i in 0..lines.len() {
        let prev = root_b64(&lines[..i]);
        let old: Map<String, Value> = serde_json::from_str(&lines[i]).unwrap();
        let mut map = Map::new();
        map.insert("seq".into(), Value::from(i as u64));
        map.insert("prev".into(), Value::from(prev));
        for (k, v) in old {
            if k != "seq" && k != "prev" {
                map.insert(k, v);
            }
        }
        lines[i] = Value::Object(map).to_string();
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Changes the last digit of the `"n":` value of a note line (still valid JSON).
pub(crate) fn edit_digit(line: &str) -> String {
    let at = line.find("\"n\":").expect("a note line") + 4;
    let end = at + line[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let mut bytes = line.as_bytes().to_vec();
    bytes[end - 1] = if bytes[end - 1] == b'9' {
        b'8'
    } else {
        bytes[end - 1] + 1
    };
    String::from_utf8(bytes).unwrap()
}
