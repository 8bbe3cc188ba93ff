//! Erasing data subjects' rows from a CSV or Parquet file (GDPR Art. 17):
//! every row whose column holds one of the subjects is removed; every other
//! byte of a CSV file is kept exactly, in order (every other row of a Parquet
//! file value for value, see `parquet.rs`); the output is re-read to verify
//! that no subject remains; `--in-place` replaces the file without ever leaving
//! its name without a complete version, then shreds the old version.
//!
//! ## Matching
//!
//! - **As text** ([`Subjects::as_text`]): a row matches when its field,
//!   trimmed of leading and trailing Unicode white space, equals a subject
//!   line trimmed the same way. Nothing else is normalised (case matters).
//! - **Through a policy** ([`Subjects::through_policy`]): each subject goes
//!   through the column's normalisations and transform exactly as `oubli
//!   mask` did (`hash`, `encrypt` and `fpe` are deterministic), and a row
//!   matches when its field *is* that pseudonym or token, byte for byte. So
//!   erasure reaches masked copies. `encrypt_random` (a fresh token every
//!   time), `mask` and `redact` (many values give one output) cannot be
//!   matched and are refused; a `keep` column is matched as text.
//!
//! The identifier *as matched* (trimmed, or canonicalised by the column's
//! normalisations) is what a subject tag is computed over
//! (`docs/CONSTRUCTIONS.md` §5).
//!
//! ## In place (crash safety)
//!
//! 1. the new version is written to `.oubli-*.tmp` beside the file, synced,
//!    and re-read for verification;
//! 2. the original is moved aside and the new version moved into place in
//!    one atomic step: `renameat2(RENAME_EXCHANGE)` swaps the two names, so
//!    the original name holds the old file until it holds the new one, and
//!    the old version is then under the `.oubli-*.tmp` name;
//! 3. the directory is synced;
//! 4. the old version is shredded (overwritten, read back, renamed,
//!    truncated, unlinked).
//!
//! A crash at any point leaves the original name holding either the old or
//! the new file, complete. What may be left beside it is one `.oubli-*.tmp`
//! — an unfinished new version, or the old version — always a file of its
//! own (never a second name of the live file); the next oubli job that
//! writes in that directory shreds it (`cleanup::remove_stale`), or `oubli
//! shred` removes it by hand. A file system that cannot exchange two names atomically (NFS,
//! vfat) is refused before anything changes: write to another file instead.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csv::ByteRecord;
use oubli_core::MasterKey;
use oubli_core::canonical::canonicalise;
use oubli_core::tag::{SubjectTag, SubjectTagger};
use oubli_csv::{CsvError, CsvOptions, RowError, RowFilter, RowOutcome};
use oubli_policy::{Direction, Plan, Policy, Transform, ValueError};
use rustix::fs::{Mode, OFlags, RenameFlags};
use sha2::{Digest as _, Sha256};

use crate::shred::{ShredOptions, ShredReport, shred_file_at};
use crate::{cleanup, fault};

/// Everything that can stop an erase. Nothing has replaced the input when
/// one of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EraseError {
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The CSV input could not be read (or the column is missing).
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: CsvError<NoSuchColumn>,
    },
    /// The Parquet input or output could not be read or written.
    #[error("{path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: oubli_csv::BoxError,
    },
    /// The column's type has no canonical text oubli can match.
    #[error(
        "column `{column}` has type {type_name}, which erase cannot match yet (strings, integers and booleans can be matched)"
    )]
    UnsupportedColumnType {
        /// The column.
        column: String,
        /// Its Arrow type.
        type_name: String,
    },
    /// A line of the subjects file is not UTF-8.
    #[error("line {line} of the subjects file is not UTF-8 text")]
    SubjectsNotUtf8 {
        /// 1-based line.
        line: usize,
    },
    /// The subjects file holds no identifier.
    #[error(
        "the subjects file names no subject (one identifier per line; empty lines are skipped)"
    )]
    NoSubjects,
    /// The policy does not name the column.
    #[error("the policy does not name column `{0}`")]
    NotInPolicy(String),
    /// The column's transform cannot be matched.
    #[error("column `{column}` is masked with `{transform}`, which cannot be matched: {why}")]
    Unmatchable {
        /// The column.
        column: String,
        /// Its transform.
        transform: &'static str,
        /// Why.
        why: &'static str,
    },
    /// A subject could not be transformed with the column's policy.
    #[error("line {line} of the subjects file cannot be transformed as column `{column}` is")]
    SubjectTransform {
        /// 1-based line of the subjects file.
        line: usize,
        /// The column.
        column: String,
        /// Why.
        source: ValueError,
    },
    /// The input is not a regular file (or, in place, is a symbolic link).
    #[error(
        "{0} is not a regular file (in place, name the file itself, not a symbolic link to it)"
    )]
    NotAFile(PathBuf),
    /// The output exists and `force` was not given.
    #[error("output {0} already exists")]
    OutputExists(PathBuf),
    /// The output is the input (use in-place).
    #[error("output {0} is the input file")]
    SameFile(PathBuf),
    /// In place on a file with other hard links would leave the old rows
    /// under the other names, or shred them.
    #[error(
        "{path} has {links} hard links: replacing it in place would leave the other names with the old rows"
    )]
    HardLinked {
        /// The file.
        path: PathBuf,
        /// Its link count.
        links: u64,
    },
    /// The re-read found subjects or a wrong row count: nothing was replaced.
    #[error(
        "verification failed: the new version has {remaining} row(s) of the subjects left and {rows} rows ({expected} expected); the input was not replaced"
    )]
    Verification {
        /// Rows of the subjects found.
        remaining: u64,
        /// Rows found.
        rows: u64,
        /// Rows expected.
        expected: u64,
    },
    /// The file system cannot exchange two names atomically.
    #[error(
        "cannot replace {path} in place atomically on this file system (renameat2 RENAME_EXCHANGE: {source}); it was not changed"
    )]
    NoAtomicReplace {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// The input has no such column.
#[derive(Debug, thiserror::Error)]
#[error("the input has no column `{column}` (its columns: {available})")]
pub struct NoSuchColumn {
    /// The column asked for.
    pub column: String,
    /// The header's columns.
    pub available: String,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> EraseError + '_ {
    move |source| EraseError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How a field is compared with the subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// Trimmed text equals the trimmed subject.
    Text,
    /// The field equals the subject's pseudonym or token exactly.
    Transformed {
        /// `hash`, `encrypt` or `fpe`.
        transform: &'static str,
    },
}

impl MatchMode {
    /// How it is described in ledger entries.
    pub fn describe(self) -> String {
        match self {
            MatchMode::Text => "text: trimmed field equals trimmed identifier".to_owned(),
            MatchMode::Transformed { transform } => format!(
                "policy: field equals the identifier's `{transform}` output (column normalisations, then transform)"
            ),
        }
    }
}

/// The subjects to erase, ready for matching.
#[derive(Debug)]
pub struct Subjects {
    /// Identifiers as matched (trimmed or canonical), distinct, in file order.
    identifiers: Vec<String>,
    /// What to look for in the column → index into `identifiers`.
    needles: HashMap<Vec<u8>, usize>,
    mode: MatchMode,
}

/// The subject lines: 1-based line number and text without its line ending.
fn lines(text: &[u8]) -> Result<Vec<(usize, &str)>, EraseError> {
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line =
            std::str::from_utf8(line).map_err(|_| EraseError::SubjectsNotUtf8 { line: i + 1 })?;
        out.push((i + 1, line));
    }
    Ok(out)
}

impl Subjects {
    /// Subjects matched as text: one identifier per line, trimmed; empty
    /// lines skipped; duplicates counted once.
    pub fn as_text(text: &[u8]) -> Result<Subjects, EraseError> {
        let mut subjects = Subjects {
            identifiers: Vec::new(),
            needles: HashMap::new(),
            mode: MatchMode::Text,
        };
        for (_, line) in lines(text)? {
            let id = line.trim();
            if !id.is_empty() {
                subjects.add(id.to_owned(), id.as_bytes().to_vec());
            }
        }
        subjects.non_empty()
    }

    /// Subjects matched through `column`'s rule in `policy` under `key`:
    /// each identifier is canonicalised and transformed as `oubli mask`
    /// does, and rows whose field equals the result match.
    pub fn through_policy(
        text: &[u8],
        policy: &Policy,
        column: &str,
        key: &MasterKey,
    ) -> Result<Subjects, EraseError> {
        let rule = policy
            .rule(column)
            .ok_or_else(|| EraseError::NotInPolicy(column.to_owned()))?;
        let unmatchable = |why| EraseError::Unmatchable {
            column: column.to_owned(),
            transform: rule.rule.transform.name(),
            why,
        };
        let transform = match &rule.rule.transform {
            _ if rule.rule.per_subject.is_some() => {
                return Err(unmatchable(
                    "it is encrypted under each subject's own key, which needs the subject column and the vault; to remove a subject from every copy, use `oubli forget`",
                ));
            }
            Transform::Keep => return Subjects::as_text(text),
            Transform::Hash { .. } | Transform::Encrypt { .. } | Transform::Fpe { .. } => {
                rule.rule.transform.name()
            }
            Transform::EncryptRandom { .. } => {
                return Err(unmatchable(
                    "randomised encryption gives a different token for the same value every time; unmask the data first, or erase from the unmasked original",
                ));
            }
            Transform::Mask { .. } | Transform::Redact { .. } => {
                return Err(unmatchable(
                    "many different values give the same output, so a row cannot be attributed to one subject",
                ));
            }
            Transform::Drop => {
                return Err(unmatchable("the column is not in the masked data"));
            }
            Transform::Generalise(_)
            | Transform::DateShift { .. }
            | Transform::Noise(_)
            | Transform::Fake { .. } => {
                return Err(unmatchable(
                    "an anonymising transform gives the same output for different values, or depends on other columns of the row, so a row cannot be attributed to one subject",
                ));
            }
        };
        // A policy of this one column, bound to a header of this one column.
        let single = Policy {
            columns: vec![rule.clone()],
            risk: None,
            ..policy.clone()
        };
        let plan = Plan::new(&single, &[column.to_owned()], Direction::Mask)
            .map_err(|_| EraseError::NotInPolicy(column.to_owned()))?;
        let mut worker = plan.worker(key);
        let mut subjects = Subjects {
            identifiers: Vec::new(),
            needles: HashMap::new(),
            mode: MatchMode::Transformed { transform },
        };
        let (mut canonical, mut scratch, mut out) = (String::new(), String::new(), String::new());
        for (line, raw) in lines(text)? {
            canonicalise(raw, &rule.rule.normalise, &mut canonical, &mut scratch);
            if canonical.trim().is_empty() {
                continue;
            }
            out.clear();
            worker
                .apply(0, raw, &mut out)
                .map_err(|source| EraseError::SubjectTransform {
                    line,
                    column: column.to_owned(),
                    source,
                })?;
            subjects.add(canonical.clone(), out.as_bytes().to_vec());
        }
        subjects.non_empty()
    }

    fn add(&mut self, identifier: String, needle: Vec<u8>) {
        if self.needles.contains_key(&needle) {
            return;
        }
        self.needles.insert(needle, self.identifiers.len());
        self.identifiers.push(identifier);
    }

    fn non_empty(self) -> Result<Subjects, EraseError> {
        if self.identifiers.is_empty() {
            Err(EraseError::NoSubjects)
        } else {
            Ok(self)
        }
    }

    /// Number of distinct subjects.
    pub fn len(&self) -> usize {
        self.identifiers.len()
    }

    /// Whether there are none (never, once built).
    pub fn is_empty(&self) -> bool {
        self.identifiers.is_empty()
    }

    /// How fields are compared.
    pub fn mode(&self) -> MatchMode {
        self.mode
    }

    /// The keyed tag of each subject, in the order of [`Subjects::len`]'s
    /// indexes (`docs/CONSTRUCTIONS.md` §5).
    pub fn tags(&self, tagger: &SubjectTagger) -> Vec<SubjectTag> {
        self.identifiers
            .iter()
            .map(|id| tagger.tag(id.as_bytes()))
            .collect()
    }

    /// The subject a field belongs to, if any.
    pub fn find(&self, field: &[u8]) -> Option<usize> {
        match self.mode {
            MatchMode::Text => {
                let text = std::str::from_utf8(field).ok()?.trim();
                self.needles.get(text.as_bytes()).copied()
            }
            MatchMode::Transformed { .. } => self.needles.get(field).copied(),
        }
    }
}

/// Where the new version goes.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// A new file (replaced only with `force`).
    File {
        /// Its path.
        path: &'a Path,
        /// Replace it if it exists.
        force: bool,
    },
    /// Replace the input, crash-safely, then shred the old version.
    InPlace,
}

/// The format of the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataFormat {
    /// CSV or TSV (`csv` options give the delimiter): kept rows byte for byte.
    #[default]
    Csv,
    /// Apache Parquet: kept rows value for value, schema and key-value
    /// metadata kept, written with the input's compression.
    Parquet,
}

impl DataFormat {
    /// `csv` or `parquet`.
    pub fn name(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Parquet => "parquet",
        }
    }
}

/// How to erase.
#[derive(Debug, Clone)]
pub struct EraseOptions {
    /// The column holding the subjects' identifiers.
    pub column: String,
    /// The dataset's format.
    pub format: DataFormat,
    /// Delimiter and threads (CSV).
    pub csv: CsvOptions,
    /// How the old version is shredded (in place). Its content hash is the
    /// input's, computed while reading it.
    pub shred: ShredOptions,
}

/// Bytes and SHA-256 of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDigest {
    /// Bytes.
    pub bytes: u64,
    /// SHA-256.
    pub sha256: [u8; 32],
}

/// What the re-read of the new version found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// Data rows in the new version.
    pub rows: u64,
    /// Rows of the subjects in it (0 when verified).
    pub remaining: u64,
}

/// What an erase did: the evidence for one ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EraseReport {
    /// Data rows before.
    pub rows_before: u64,
    /// Data rows after.
    pub rows_after: u64,
    /// Rows removed per subject, indexed as [`Subjects::tags`].
    pub removed: Vec<u64>,
    /// The input (the old version).
    pub input: FileDigest,
    /// The new version.
    pub output: FileDigest,
    /// Where the new version is.
    pub output_path: PathBuf,
    /// The re-read.
    pub verification: Verification,
    /// The shred of the old version (in place).
    pub old_version: Option<ShredReport>,
}

/// Erases the subjects' rows from the CSV or Parquet file `input`.
pub fn erase_file(
    input: &Path,
    destination: Destination<'_>,
    subjects: &Subjects,
    options: &EraseOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<EraseReport, EraseError> {
    let source = File::open(input).map_err(io_err(input))?;
    let meta = source.metadata().map_err(io_err(input))?;
    if !meta.is_file() {
        return Err(EraseError::NotAFile(input.to_path_buf()));
    }
    let (dir, target) = match destination {
        Destination::InPlace => {
            // Replacing a symlink's name would leave its target untouched.
            if std::fs::symlink_metadata(input).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(EraseError::NotAFile(input.to_path_buf()));
            }
            if meta.nlink() > 1 {
                return Err(EraseError::HardLinked {
                    path: input.to_path_buf(),
                    links: meta.nlink(),
                });
            }
            (parent(input), input.to_path_buf())
        }
        Destination::File { path, force } => {
            match std::fs::metadata(path) {
                Ok(out) if out.dev() == meta.dev() && out.ino() == meta.ino() => {
                    return Err(EraseError::SameFile(path.to_path_buf()));
                }
                Ok(_) if !force => return Err(EraseError::OutputExists(path.to_path_buf())),
                _ => {}
            }
            (parent(path), path.to_path_buf())
        }
    };
    let temp = tempfile::Builder::new()
        .prefix(&cleanup::temp_prefix())
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io_err(&dir))?;
    // Removed if oubli is interrupted (SIGINT/SIGTERM) before it is used.
    let registered = cleanup::register(temp.path());

    // 1. Stream the kept rows into the temporary file; 2. verify by
    //    re-reading it.
    let counts: Arc<[AtomicU64]> = (0..subjects.len()).map(|_| AtomicU64::new(0)).collect();
    let streamed = match options.format {
        DataFormat::Csv => stream_csv(source, input, &temp, subjects, options, &counts, progress)?,
        DataFormat::Parquet => {
            drop(source);
            crate::parquet::stream(input, &temp, subjects, &options.column, &counts, progress)?
        }
    };
    temp.as_file().sync_all().map_err(io_err(temp.path()))?;
    let removed: Vec<u64> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let (output, input_digest) = (streamed.output, streamed.input);
    let verification = match options.format {
        DataFormat::Csv => verify(temp.path(), subjects, options, output)?,
        DataFormat::Parquet => {
            crate::parquet::verify(temp.path(), subjects, &options.column, output)?
        }
    };
    if verification.remaining != 0 || verification.rows != streamed.kept {
        return Err(EraseError::Verification {
            remaining: verification.remaining,
            rows: verification.rows,
            expected: streamed.kept,
        });
    }
    let mut report = EraseReport {
        rows_before: streamed.rows_before,
        rows_after: streamed.kept,
        removed,
        input: input_digest,
        output,
        output_path: target.clone(),
        verification,
        old_version: None,
    };

    match destination {
        Destination::File { force, .. } => {
            let persisted = if force {
                temp.persist(&target).map(drop)
            } else {
                temp.persist_noclobber(&target).map(drop)
            };
            persisted.map_err(|e| EraseError::Io {
                path: target.clone(),
                source: e.error,
            })?;
            sync_dir(&dir);
            drop(registered);
        }
        Destination::InPlace => {
            // An interruption from here waits until the old version is shredded.
            let _critical = cleanup::Critical::enter();
            drop(registered);
            report.old_version = Some(replace_in_place(
                input,
                &dir,
                temp,
                &meta,
                input_digest,
                options,
            )?);
        }
    }
    Ok(report)
}

/// The header's index of `column`.
pub(crate) fn column_index(header: &[String], column: &str) -> Result<usize, NoSuchColumn> {
    header
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| NoSuchColumn {
            column: column.to_owned(),
            available: header
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// What streaming the kept rows produced.
pub(crate) struct Streamed {
    pub(crate) rows_before: u64,
    pub(crate) kept: u64,
    pub(crate) input: FileDigest,
    pub(crate) output: FileDigest,
}

/// Streams the kept rows of a CSV input into `temp`, byte for byte.
fn stream_csv(
    source: File,
    input: &Path,
    temp: &tempfile::NamedTempFile,
    subjects: &Subjects,
    options: &EraseOptions,
    counts: &Arc<[AtomicU64]>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Streamed, EraseError> {
    let mut input_hash = Hashing::new(source);
    let mut output_hash = Hashing::new(BufWriter::with_capacity(
        1 << 20,
        temp.as_file().try_clone().map_err(io_err(temp.path()))?,
    ));
    output_hash.fault_after_first_write = true;
    let filtered = oubli_csv::filter(
        &mut input_hash,
        &mut output_hash,
        &options.csv,
        |header: &[String]| {
            let column = column_index(header, &options.column)?;
            Ok(move || SubjectFilter::new(subjects, column, Arc::clone(counts), false))
        },
        progress,
    )
    .map_err(|source| EraseError::Csv {
        path: input.to_path_buf(),
        source,
    })?;
    output_hash.flush().map_err(io_err(temp.path()))?;
    Ok(Streamed {
        rows_before: filtered.summary.records,
        kept: filtered.kept,
        input: input_hash.digest(),
        output: output_hash.digest(),
    })
}

/// Re-reads the new version: counts its rows and the subjects' rows left,
/// and checks that its bytes hash to what was written.
fn verify(
    path: &Path,
    subjects: &Subjects,
    options: &EraseOptions,
    written: FileDigest,
) -> Result<Verification, EraseError> {
    let file = File::open(path).map_err(io_err(path))?;
    let counts: Arc<[AtomicU64]> = (0..subjects.len()).map(|_| AtomicU64::new(0)).collect();
    let mut reread = Hashing::new(file);
    let filtered = oubli_csv::filter(
        &mut reread,
        io::sink(),
        &options.csv,
        |header: &[String]| {
            let column = column_index(header, &options.column)?;
            let counts = &counts;
            Ok(move || SubjectFilter::new(subjects, column, Arc::clone(counts), true))
        },
        &|_| {},
    )
    .map_err(|source| EraseError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    if reread.digest() != written {
        return Err(EraseError::Io {
            path: path.to_path_buf(),
            source: io::Error::other("the new version reads back different from what was written"),
        });
    }
    Ok(Verification {
        rows: filtered.summary.records,
        remaining: counts.iter().map(|c| c.load(Ordering::Relaxed)).sum(),
    })
}

/// Steps 2–5 of the in-place protocol (see the module documentation).
fn replace_in_place(
    input: &Path,
    dir: &Path,
    temp: tempfile::NamedTempFile,
    original: &std::fs::Metadata,
    input_digest: FileDigest,
    options: &EraseOptions,
) -> Result<ShredReport, EraseError> {
    // The new version gets the original's permissions (and owner, if we may).
    let _ = temp
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(original.mode() & 0o7777));
    let _ = std::os::unix::fs::fchown(temp.as_file(), Some(original.uid()), Some(original.gid()));
    let dirfd: OwnedFd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io_err(dir)(e.into()))?;
    let name = input.file_name().unwrap_or_default();
    let temp_name = temp.path().file_name().unwrap_or_default().to_os_string();
    fault::point("erase-before-exchange");
    // One atomic step: the name holds the old file until it holds the new
    // one, and the old one is then under the temporary file's name (its own
    // inode: shredding it can never touch the new version).
    rustix::fs::renameat_with(&dirfd, &temp_name, &dirfd, name, RenameFlags::EXCHANGE).map_err(
        |e| EraseError::NoAtomicReplace {
            path: input.to_path_buf(),
            source: e.into(),
        },
    )?;
    // From here the temporary name holds the old version: keep it for the
    // shred rather than letting it be unlinked unshredded.
    let old_path = temp.into_temp_path().keep().unwrap_or_default();
    let old_name = old_path.file_name().unwrap_or_default().to_os_string();
    fault::point("erase-after-exchange");
    rustix::fs::fsync(&dirfd).map_err(|e| io_err(dir)(e.into()))?;
    fault::point("erase-after-dir-sync");

    let shred_options = ShredOptions {
        content_hash: false,
        recursive: false,
        dry_run: false,
        ..options.shred.clone()
    };
    Ok(shred_file_at(
        &dirfd,
        &old_name,
        &dir.join(&old_name),
        &shred_options,
        Some(input_digest.sha256),
    ))
}

/// Keeps or skips rows by their subject, counting each subject's rows; the
/// counts are added to `shared` when the filter is dropped, so the hot loop
/// touches no shared memory.
struct SubjectFilter<'a> {
    subjects: &'a Subjects,
    column: usize,
    counts: Vec<u64>,
    shared: Arc<[AtomicU64]>,
    /// Count matches but keep them (verification).
    keep_matches: bool,
}

impl<'a> SubjectFilter<'a> {
    fn new(
        subjects: &'a Subjects,
        column: usize,
        shared: Arc<[AtomicU64]>,
        keep_matches: bool,
    ) -> SubjectFilter<'a> {
        SubjectFilter {
            subjects,
            column,
            counts: vec![0; subjects.len()],
            shared,
            keep_matches,
        }
    }
}

impl RowFilter for SubjectFilter<'_> {
    fn filter_row(&mut self, input: &ByteRecord) -> Result<RowOutcome, RowError> {
        match input.get(self.column).and_then(|f| self.subjects.find(f)) {
            Some(i) => {
                self.counts[i] += 1;
                Ok(if self.keep_matches {
                    RowOutcome::Keep
                } else {
                    RowOutcome::Skip
                })
            }
            None => Ok(RowOutcome::Keep),
        }
    }
}

impl Drop for SubjectFilter<'_> {
    fn drop(&mut self) {
        for (total, n) in self.shared.iter().zip(&self.counts) {
            total.fetch_add(*n, Ordering::Relaxed);
        }
    }
}

/// A reader or writer that hashes and counts what passes through it.
pub(crate) struct Hashing<T> {
    inner: T,
    hasher: Sha256,
    bytes: u64,
    /// Test hook: crash after the first write (`erase-during-write`).
    pub(crate) fault_after_first_write: bool,
}

impl<T> Hashing<T> {
    pub(crate) fn new(inner: T) -> Hashing<T> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            fault_after_first_write: false,
        }
    }

    pub(crate) fn digest(&self) -> FileDigest {
        FileDigest {
            bytes: self.bytes,
            sha256: self.hasher.clone().finalize().into(),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        if self.fault_after_first_write && self.bytes > 0 {
            self.inner.flush()?;
            fault::point("erase-during-write");
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
