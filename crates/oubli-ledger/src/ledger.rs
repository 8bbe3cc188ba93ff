//! The ledger directory: `entries.jsonl`, the signed `checkpoint`, and the
//! locked, durable append that keeps them in step.
//!
//! ## Layout (contract)
//!
//! - `entries.jsonl`: one JSON object per line, each ending in `\n`. The leaf
//!   of entry *i* is `SHA-256(0x00 || line i without its newline)`.
//! - `checkpoint`: the latest C2SP checkpoint (`origin`, size, root), signed as
//!   a C2SP signed note by the ledger's Ed25519 key under the name `origin`.
//! - `state`: a cache of the tree's right edge so that appends do not reread
//!   the entries. It is not evidence: it is checked against the signed
//!   checkpoint before use and rebuilt from the entries when it does not match.
//! - `lock`: taken exclusively for every append and repair.
//!
//! Every entry starts with `"seq"` (its zero-based index) and `"prev"` (the
//! base64 root of the entries before it), so that a verifier can name the
//! first entry that was altered, removed or reordered.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::{SigningKey, VerifierKey};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::merkle::{self, CompactRange, Hash};
use crate::receipt::Receipt;

/// File names inside a ledger directory.
pub const ENTRIES: &str = "entries.jsonl";
/// The signed checkpoint.
pub const CHECKPOINT: &str = "checkpoint";
const STATE: &str = "state";
const LOCK: &str = "lock";

/// An operational error: the ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// An I/O error on a file of the ledger.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The directory holds no ledger.
    #[error("{0} is not an oubli ledger (no `checkpoint` file); create one with `oubli log init`")]
    NotALedger(PathBuf),
    /// `init` on a directory that already holds a ledger.
    #[error("{0} already holds a ledger")]
    AlreadyExists(PathBuf),
    /// The signing key is not the ledger's key.
    #[error(
        "the signing key is not this ledger's key: its checkpoint does not verify with it ({0})"
    )]
    WrongKey(CheckpointError),
    /// The ledger must be repaired (torn write) or checked before appending.
    #[error("{0}")]
    NeedsAttention(Failure),
    /// An origin that cannot be a signed-note key name.
    #[error("invalid origin `{0}`: it must be non-empty, without spaces or `+`")]
    InvalidOrigin(String),
    /// The entry is not a JSON object.
    #[error("a ledger entry must serialize to a JSON object")]
    NotAnObject,
    /// No such entry.
    #[error("the ledger has {size} entries; there is no entry {index}")]
    NoSuchEntry {
        /// The index asked for.
        index: u64,
        /// Entries in the ledger.
        size: u64,
    },
}

/// Why a ledger does not verify. Every variant names where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The checkpoint is missing, malformed, or not signed by the key.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(CheckpointError),
    /// The last line has no newline: an append was interrupted.
    #[error("entry {index} (line {}) is incomplete: an append was interrupted (a torn write); run `oubli log repair` to cut it", .index + 1)]
    Torn {
        /// Index of the incomplete entry.
        index: u64,
    },
    /// A line that is not a JSON object with `seq` and `prev`.
    #[error("entry {index} (line {}) is not a valid ledger entry: {reason}", .index + 1)]
    Malformed {
        /// Index of the bad entry.
        index: u64,
        /// What is wrong.
        reason: String,
    },
    /// An entry whose `seq` is not its position.
    #[error("entry at line {} has seq {found}, expected {index}: {}", .index + 1, if *.found > *.index { "entries were removed or reordered before it" } else { "entries were duplicated or reordered" })]
    Sequence {
        /// Its position.
        index: u64,
        /// The seq it carries.
        found: u64,
    },
    /// An entry's content changed: the `prev` of the entry after it (the
    /// witness) no longer matches. For entry 0 the witness is itself: its
    /// `prev` must be the root of the empty tree.
    #[error("entry {altered} (line {}) was altered: {}", .altered + 1, if *.witness == *.altered { "its `prev` is not the root of the empty tree".to_owned() } else { format!("entry {witness} records a different history") })]
    Altered {
        /// The first entry whose content changed.
        altered: u64,
        /// The entry whose `prev` exposed it.
        witness: u64,
    },
    /// The entries up to the checkpoint's size do not hash to its root.
    #[error("the entries do not match the signed checkpoint (size {size}): {detail}")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
        /// Which entry, if it can be told.
        detail: String,
    },
    /// Fewer entries than the checkpoint covers.
    #[error(
        "the ledger was truncated: the signed checkpoint covers {checkpoint} entries but only {found} remain"
    )]
    Truncated {
        /// Entries the checkpoint covers.
        checkpoint: u64,
        /// Entries present.
        found: u64,
    },
    /// More entries than the checkpoint covers.
    #[error("{} not covered by the signed checkpoint (size {checkpoint}): an append was interrupted or entries were added without the signing key; run `oubli log repair`", if *.found == *.checkpoint + 1 { format!("entry {checkpoint} is") } else { format!("entries {checkpoint} to {} are", .found - 1) })]
    Uncovered {
        /// Entries the checkpoint covers.
        checkpoint: u64,
        /// Entries present.
        found: u64,
    },
    /// Smaller than a checkpoint the auditor trusted.
    #[error(
        "the ledger was rolled back: its checkpoint has {found} entries, the trusted checkpoint {trusted}"
    )]
    RolledBack {
        /// Size of the trusted checkpoint.
        trusted: u64,
        /// Size now.
        found: u64,
    },
    /// Not an extension of the trusted checkpoint.
    #[error(
        "the ledger is not an extension of the trusted checkpoint (size {trusted}): its first {trusted} entries differ (a fork or a rewritten history)"
    )]
    Forked {
        /// Size of the trusted checkpoint.
        trusted: u64,
    },
    /// The checkpoint given as trusted does not verify with the key.
    #[error("the trusted checkpoint does not verify: {0}")]
    Trusted(CheckpointError),
    /// The trusted checkpoint is for another log.
    #[error("the trusted checkpoint is for log `{trusted}`, this ledger is `{found}`")]
    OtherLog {
        /// Origin of the trusted checkpoint.
        trusted: String,
        /// Origin of this ledger.
        found: String,
    },
}

/// The result of a verification that held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
    /// Size of the trusted checkpoint that was checked, if any.
    pub trusted_size: Option<u64>,
}

/// What an append produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Index of the new entry.
    pub index: u64,
    /// The new checkpoint.
    pub checkpoint: Checkpoint,
}

/// A ledger directory.
#[derive(Debug, Clone)]
pub struct Ledger {
    dir: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The origin of a ledger created by a first append without `log init`:
/// `oubli.ledger/` and 16 random hex characters, unique without coordination.
pub fn default_origin() -> String {
    let random: [u8; 8] = rand::random();
    format!(
        "oubli.ledger/{}",
        random
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

impl Ledger {
    /// The ledger in `dir` (not checked until used).
    pub fn new(dir: impl Into<PathBuf>) -> Ledger {
        Ledger { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the directory holds a ledger.
    pub fn exists(&self) -> bool {
        self.path(CHECKPOINT).exists()
    }

    /// Creates a ledger with `origin`: an empty entries file and a signed
    /// checkpoint of size 0.
    pub fn init(&self, origin: &str, key: &SigningKey) -> Result<Checkpoint, LedgerError> {
        if key.verifier_key(origin).is_err() {
            return Err(LedgerError::InvalidOrigin(origin.to_owned()));
        }
        fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let _lock = self.lock()?;
        if self.exists() || self.path(ENTRIES).metadata().is_ok_and(|m| m.len() > 0) {
            return Err(LedgerError::AlreadyExists(self.dir.clone()));
        }
        let entries = self.path(ENTRIES);
        File::create(&entries)
            .and_then(|f| f.sync_all())
            .map_err(io_err(&entries))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size: 0,
            root: merkle::empty_root(),
        };
        self.write_checkpoint(&checkpoint, key)?;
        self.write_state(&CompactRange::new(), 0);
        Ok(checkpoint)
    }

    /// Checks, before a job runs, that `key` can append to this ledger: creates
    /// the ledger with [`default_origin`] if the directory holds none, otherwise
    /// verifies its checkpoint with the key. Returns the current checkpoint.
    pub fn open_or_create(&self, key: &SigningKey) -> Result<Checkpoint, LedgerError> {
        if !self.exists() {
            match self.init(&default_origin(), key) {
                Err(LedgerError::AlreadyExists(_)) => {} // created meanwhile by another job
                other => return other,
            }
        }
        // Refuse now, before the job runs, what the append would refuse then.
        let _lock = self.lock_shared();
        let checkpoint = self.own_checkpoint(key)?;
        let path = self.path(ENTRIES);
        let mut file = File::open(&path).map_err(io_err(&path))?;
        self.right_edge(&mut file, &checkpoint)?;
        Ok(checkpoint)
    }

    /// The right edge of the tree and the length of the entries file, after
    /// checking that the entries are exactly those the checkpoint covers: from
    /// the `state` cache when it matches the checkpoint and the file's length,
    /// else by reading every entry.
    fn right_edge(
        &self,
        file: &mut File,
        checkpoint: &Checkpoint,
    ) -> Result<(CompactRange, u64), LedgerError> {
        let path = self.path(ENTRIES);
        let len = file.metadata().map_err(io_err(&path))?.len();
        match self.read_state() {
            Some((range, bytes))
                if range.size() == checkpoint.size
                    && range.root() == checkpoint.root
                    && bytes == len =>
            {
                Ok((range, len))
            }
            _ => {
                let scan = scan(file, &path, None)?;
                if let Some(failure) = scan.failure {
                    return Err(LedgerError::NeedsAttention(failure));
                }
                check_against(&scan, checkpoint).map_err(LedgerError::NeedsAttention)?;
                Ok((scan.range, len))
            }
        }
    }

    /// The current checkpoint, verified with the ledger's own signing key.
    fn own_checkpoint(&self, key: &SigningKey) -> Result<Checkpoint, LedgerError> {
        let text = self.read_checkpoint_text()?;
        let origin = self.origin()?;
        let verifier = key
            .verifier_key(&origin)
            .map_err(|_| LedgerError::InvalidOrigin(origin.clone()))?;
        Checkpoint::open(&text, &verifier).map_err(LedgerError::WrongKey)
    }

    fn lock(&self) -> Result<File, LedgerError> {
        let path = self.path(LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        file.lock().map_err(io_err(&path))?;
        Ok(file)
    }

    /// A shared lock for readers, so that they never see an append half done
    /// (entry written, checkpoint not yet). Best effort: a read-only copy of a
    /// ledger without a lock file is read without one.
    fn lock_shared(&self) -> Option<File> {
        let file = File::open(self.path(LOCK)).ok()?;
        file.lock_shared().ok()?;
        Some(file)
    }

    fn read_checkpoint_text(&self) -> Result<String, LedgerError> {
        let path = self.path(CHECKPOINT);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(LedgerError::NotALedger(self.dir.clone()))
            }
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// The signed checkpoint, verbatim.
    pub fn checkpoint_text(&self) -> Result<String, LedgerError> {
        self.read_checkpoint_text()
    }

    /// The ledger's origin (from its checkpoint, unverified).
    pub fn origin(&self) -> Result<String, LedgerError> {
        let text = self.read_checkpoint_text()?;
        Ok(text.split('\n').next().unwrap_or_default().to_owned())
    }

    fn write_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        key: &SigningKey,
    ) -> Result<(), LedgerError> {
        let signed = checkpoint.sign(key).map_err(LedgerError::WrongKey)?;
        let tmp = self.path("checkpoint.tmp");
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(signed.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, self.path(CHECKPOINT))?;
            File::open(&self.dir)?.sync_all()
        })();
        result.map_err(io_err(&self.path(CHECKPOINT)))
    }

    /// Saves the tree's right edge (a cache; failures are ignored).
    fn write_state(&self, range: &CompactRange, bytes: u64) {
        let state = serde_json::json!({
            "size": range.size(),
            "bytes": bytes,
            "peaks": range.peaks().iter().map(|p| STANDARD.encode(p)).collect::<Vec<_>>(),
        });
        let tmp = self.path("state.tmp");
        if fs::write(&tmp, state.to_string()).is_ok() {
            let _ = fs::rename(&tmp, self.path(STATE));
        }
    }

    fn read_state(&self) -> Option<(CompactRange, u64)> {
        let text = fs::read_to_string(self.path(STATE)).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let size = v.get("size")?.as_u64()?;
        let bytes = v.get("bytes")?.as_u64()?;
        let peaks = v
            .get("peaks")?
            .as_array()?
            .iter()
            .map(|p| STANDARD.decode(p.as_str()?).ok()?.try_into().ok())
            .collect::<Option<Vec<Hash>>>()?;
        Some((CompactRange::from_parts(size, peaks)?, bytes))
    }

    /// Appends `entry` (any value that serializes to a JSON object), with `seq`
    /// and `prev` put first, then signs a new checkpoint. Durable when it returns.
    pub fn append<T: Serialize>(
        &self,
        entry: &T,
        key: &SigningKey,
    ) -> Result<Appended, LedgerError> {
        let body = match serde_json::to_value(entry) {
            Ok(Value::Object(map)) => map,
            _ => return Err(LedgerError::NotAnObject),
        };
        let _lock = self.lock()?;
        let checkpoint = self.own_checkpoint(key)?;

        let entries_path = self.path(ENTRIES);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&entries_path)
            .map_err(io_err(&entries_path))?;
        let (range, len) = self.right_edge(&mut file, &checkpoint)?;

        let mut map = Map::new();
        map.insert("seq".into(), Value::from(range.size()));
        map.insert("prev".into(), Value::from(STANDARD.encode(range.root())));
        for (k, v) in body {
            if k != "seq" && k != "prev" {
                map.insert(k, v);
            }
        }
        let mut line = Value::Object(map).to_string();
        let mut range = range;
        range.push(merkle::leaf_hash(line.as_bytes()));
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(io_err(&entries_path))?;
        let next = Checkpoint {
            origin: checkpoint.origin,
            size: range.size(),
            root: range.root(),
        };
        self.write_checkpoint(&next, key)?;
        self.write_state(&range, len + line.len() as u64);
        Ok(Appended {
            index: next.size - 1,
            checkpoint: next,
        })
    }

    /// Verifies the whole ledger with the log's public key, and, given a
    /// checkpoint an auditor saved earlier, that the ledger extends it.
    ///
    /// `Ok(Err(failure))` is a ledger that does not verify; `Err` an I/O error.
    pub fn verify(
        &self,
        verifier: &VerifierKey,
        trusted: Option<&str>,
    ) -> Result<Result<Verified, Failure>, LedgerError> {
        let _lock = self.lock_shared();
        let text = self.read_checkpoint_text()?;
        let checkpoint = match Checkpoint::open(&text, verifier) {
            Ok(c) => c,
            Err(e) => return Ok(Err(Failure::Checkpoint(e))),
        };
        let trusted = match trusted {
            None => None,
            Some(text) => {
                // Another log's checkpoint is named as such, before its signature
                // (made by another key) is checked.
                let body = crate::note::parse(text)
                    .ok()
                    .and_then(|(body, _)| Checkpoint::parse_body(body).ok());
                if let Some(other) = body.filter(|b| b.origin != checkpoint.origin) {
                    return Ok(Err(Failure::OtherLog {
                        trusted: other.origin,
                        found: checkpoint.origin,
                    }));
                }
                match Checkpoint::open(text, verifier) {
                    Ok(t) => Some(t),
                    Err(e) => return Ok(Err(Failure::Trusted(e))),
                }
            }
        };
        let entries_path = self.path(ENTRIES);
        let mut file = File::open(&entries_path).map_err(io_err(&entries_path))?;
        let scan = scan(&mut file, &entries_path, None)?;
        if let Some(failure) = scan.failure {
            return Ok(Err(failure));
        }
        if let Err(failure) = check_against(&scan, &checkpoint) {
            return Ok(Err(failure));
        }
        if let Some(trusted) = &trusted {
            if trusted.size > checkpoint.size {
                return Ok(Err(Failure::RolledBack {
                    trusted: trusted.size,
                    found: checkpoint.size,
                }));
            }
            let consistent = usize::try_from(trusted.size)
                .ok()
                .and_then(|m| {
                    if m == 0 {
                        Some(Vec::new())
                    } else {
                        merkle::consistency_proof(&scan.leaves, m)
                    }
                })
                .is_some_and(|proof| {
                    merkle::verify_consistency(
                        trusted.size,
                        checkpoint.size,
                        &trusted.root,
                        &checkpoint.root,
                        &proof,
                    )
                });
            if !consistent {
                return Ok(Err(Failure::Forked {
                    trusted: trusted.size,
                }));
            }
        }
        Ok(Ok(Verified {
            trusted_size: trusted.map(|t| t.size),
            checkpoint,
        }))
    }

    /// Calls `f` with each entry's line (without its newline), in order, holding
    /// one line in memory at a time. For `log show`.
    pub fn for_each_entry<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let _lock = self.lock_shared();
        let path = self.path(ENTRIES);
        let file = File::open(&path).map_err(io_err(&path))?;
        for line in BufReader::new(file).lines() {
            f(&line.map_err(io_err(&path))?)?;
        }
        Ok(())
    }

    /// All entries' lines (without newlines), in memory: for small ledgers and
    /// tests; see [`Ledger::for_each_entry`].
    pub fn entries(&self) -> Result<Vec<String>, LedgerError> {
        let mut lines = Vec::new();
        self.for_each_entry(|line| {
            lines.push(line.to_owned());
            Ok::<(), LedgerError>(())
        })?;
        Ok(lines)
    }

    /// A receipt for entry `index` against the current checkpoint.
    pub fn receipt(&self, index: u64) -> Result<Receipt, LedgerError> {
        let _lock = self.lock_shared();
        let checkpoint_text = self.read_checkpoint_text()?;
        let (body, _) = crate::note::parse(&checkpoint_text)
            .map_err(|e| LedgerError::NeedsAttention(Failure::Checkpoint(e.into())))?;
        let checkpoint = Checkpoint::parse_body(body)
            .map_err(|e| LedgerError::NeedsAttention(Failure::Checkpoint(e)))?;
        let path = self.path(ENTRIES);
        let mut file = File::open(&path).map_err(io_err(&path))?;
        let scan = scan(&mut file, &path, Some(index))?;
        if let Some(failure) = scan.failure {
            return Err(LedgerError::NeedsAttention(failure));
        }
        check_against(&scan, &checkpoint).map_err(LedgerError::NeedsAttention)?;
        if index >= checkpoint.size {
            return Err(LedgerError::NoSuchEntry {
                index,
                size: checkpoint.size,
            });
        }
        let i = usize::try_from(index).unwrap_or(usize::MAX);
        let proof = merkle::inclusion_proof(&scan.leaves, i).unwrap_or_default();
        Ok(Receipt {
            entry: scan.kept.unwrap_or_default(),
            index,
            proof,
            checkpoint: checkpoint_text,
        })
    }

    /// Repairs what an interrupted append leaves behind: cuts a torn last line
    /// and signs entries the checkpoint does not cover yet (if they chain
    /// correctly), then records the repair as an entry. Returns `None` when
    /// there was nothing to repair.
    pub fn repair<T: Serialize>(
        &self,
        key: &SigningKey,
        make_entry: impl FnOnce(&RepairReport) -> T,
    ) -> Result<Option<Appended>, LedgerError> {
        let lock = self.lock()?;
        let checkpoint = self.own_checkpoint(key)?;
        let path = self.path(ENTRIES);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let mut scan = scan(&mut file, &path, None)?;
        let mut report = RepairReport::default();
        let torn = matches!(scan.failure, Some(Failure::Torn { .. }));
        if let Some(failure) = scan.failure.take().filter(|_| !torn) {
            // Anything but a torn last line is not the trace of a crash: refuse
            // to touch it.
            return Err(LedgerError::NeedsAttention(failure));
        }
        // Check the complete entries before changing anything.
        match check_against(&scan, &checkpoint) {
            Ok(()) => {}
            Err(Failure::Uncovered {
                checkpoint: covered,
                found,
            }) => {
                report.signed_entries = found - covered;
            }
            Err(other) => return Err(LedgerError::NeedsAttention(other)),
        }
        if torn {
            let cut = scan.torn_bytes.take().unwrap_or_default();
            report.removed_bytes = cut.len() as u64;
            report.removed_sha256 = Some(
                Sha256::digest(&cut)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            );
            file.set_len(scan.complete_bytes)
                .and_then(|()| file.sync_all())
                .map_err(io_err(&path))?;
        }
        if report.removed_bytes == 0 && report.signed_entries == 0 {
            return Ok(None);
        }
        if report.signed_entries > 0 {
            let next = Checkpoint {
                origin: checkpoint.origin.clone(),
                size: scan.range.size(),
                root: scan.range.root(),
            };
            self.write_checkpoint(&next, key)?;
        }
        self.write_state(&scan.range, scan.complete_bytes);
        drop(file);
        drop(lock);
        self.append(&make_entry(&report), key).map(Some)
    }
}

/// What `repair` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Bytes of the torn last line that were cut.
    pub removed_bytes: u64,
    /// SHA-256 (hex) of the bytes cut.
    pub removed_sha256: Option<String>,
    /// Complete entries that were not covered by the checkpoint and are now.
    pub signed_entries: u64,
}

/// The result of reading the entries file once.
struct Scan {
    range: CompactRange,
    /// Root after each prefix is not kept; the root at the checkpoint's size is
    /// recomputed from `leaves` when needed.
    leaves: Vec<Hash>,
    /// The line asked for (a receipt's entry).
    kept: Option<Vec<u8>>,
    failure: Option<Failure>,
    complete_bytes: u64,
    torn_bytes: Option<Vec<u8>>,
}

fn scan(file: &mut File, path: &Path, keep: Option<u64>) -> Result<Scan, LedgerError> {
    file.seek(SeekFrom::Start(0)).map_err(io_err(path))?;
    let mut reader = BufReader::with_capacity(1 << 16, &*file);
    let mut scan = Scan {
        range: CompactRange::new(),
        leaves: Vec::new(),
        kept: None,
        failure: None,
        complete_bytes: 0,
        torn_bytes: None,
    };
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        let index = scan.range.size();
        if line.last() != Some(&b'\n') {
            scan.failure = Some(Failure::Torn { index });
            scan.torn_bytes = Some(line.clone());
            break;
        }
        line.pop();
        if let Err(failure) = check_entry(index, &line, &scan.range) {
            scan.failure = Some(failure);
            break;
        }
        let leaf = merkle::leaf_hash(&line);
        scan.range.push(leaf);
        scan.leaves.push(leaf);
        if keep == Some(index) {
            scan.kept = Some(line.clone());
        }
        scan.complete_bytes += n as u64;
    }
    Ok(scan)
}

/// The two fields the chain needs; the rest of the entry is validated as JSON
/// but not built (this is the hot loop of `verify`).
#[derive(serde::Deserialize)]
struct ChainFields<'a> {
    seq: u64,
    #[serde(borrow)]
    prev: std::borrow::Cow<'a, str>,
}

fn check_entry(index: u64, line: &[u8], range: &CompactRange) -> Result<(), Failure> {
    let (seq, prev) = match serde_json::from_slice::<ChainFields<'_>>(line) {
        Ok(fields) => (fields.seq, fields.prev),
        Err(_) => return Err(malformed(index, line)),
    };
    if seq != index {
        return Err(Failure::Sequence { index, found: seq });
    }
    let mut expected = [0u8; 44];
    let n = STANDARD
        .encode_slice(range.root(), &mut expected)
        .unwrap_or_default();
    if prev.as_bytes() != &expected[..n] {
        // The entries before this one no longer hash to what it recorded: the
        // previous entry changed (earlier ones were checked by their
        // successors). Entry 0 has no predecessor: its own `prev` changed.
        return Err(Failure::Altered {
            altered: index.saturating_sub(1),
            witness: index,
        });
    }
    Ok(())
}

/// Says precisely why a line is not a ledger entry (the slow path).
fn malformed(index: u64, line: &[u8]) -> Failure {
    let reason = match serde_json::from_slice::<Value>(line) {
        Err(e) => format!("not JSON ({e})"),
        Ok(Value::Object(object)) if object.get("seq").and_then(Value::as_u64).is_none() => {
            "no `seq`".to_owned()
        }
        Ok(Value::Object(_)) => "no `prev` (a base64 string)".to_owned(),
        Ok(_) => "not a JSON object".to_owned(),
    };
    Failure::Malformed { index, reason }
}

fn check_against(scan: &Scan, checkpoint: &Checkpoint) -> Result<(), Failure> {
    let found = scan.range.size();
    if found < checkpoint.size {
        return Err(Failure::Truncated {
            checkpoint: checkpoint.size,
            found,
        });
    }
    let covered = usize::try_from(checkpoint.size).unwrap_or(usize::MAX);
    let root = if found == checkpoint.size {
        scan.range.root()
    } else {
        merkle::root(&scan.leaves[..covered])
    };
    if root != checkpoint.root {
        let detail = if found == checkpoint.size && checkpoint.size > 0 {
            format!(
                "entry {} (the last it covers) was altered, or entries were rewritten together",
                checkpoint.size - 1
            )
        } else {
            "the entries it covers were rewritten".to_owned()
        };
        return Err(Failure::RootMismatch {
            size: checkpoint.size,
            detail,
        });
    }
    if found > checkpoint.size {
        return Err(Failure::Uncovered {
            checkpoint: checkpoint.size,
            found,
        });
    }
    Ok(())
}
