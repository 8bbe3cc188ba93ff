//! Shredding files and directory trees: overwrite, verify by reading back,
//! scrub the name, truncate, unlink, sync the directory — and say honestly
//! what could not be verified.
//!
//! Every file system call on the object being destroyed goes through a
//! directory file descriptor and the object's name in it (`openat`,
//! `renameat2`, `unlinkat` with `O_NOFOLLOW` / `AT_SYMLINK_NOFOLLOW`), so a
//! symlink is never followed, and a tree is walked without ever leaving it
//! through a symlink swapped in during the walk.
//!
//! ## Per regular file
//!
//! 1. open `O_RDWR | O_NOFOLLOW`; `fstat` must show a regular file;
//! 2. optionally SHA-256 of its content (the evidence of what was destroyed);
//! 3. `passes` overwrites of the *allocated* length (the size rounded up to
//!    the block size, or the allocated blocks if more: slack and preallocated
//!    blocks too) with a stream from ChaCha12 under a fresh 256-bit key from
//!    the OS CSPRNG per pass, then optionally one pass of zeros; `fdatasync`
//!    after each pass;
//! 4. verification: the page cache is dropped for the file
//!    (`POSIX_FADV_DONTNEED`, so the read comes from the device where the
//!    kernel honours it) and the last pass is read back and compared;
//! 5. truncate to 0 (or, for a file with other hard links, back to its
//!    size: the other names keep the overwritten content), `fdatasync`;
//! 6. rename to random names of the same length, `renames` times, syncing
//!    the directory after each (scrubs the name from the directory);
//! 7. unlink and sync the directory.
//!
//! The result is `verified` only when the read-back matched **and**
//! [`Storage::assess`](crate::storage::Storage::assess) says an in-place
//! overwrite reaches the old blocks there; otherwise `not-verifiable` with
//! the reasons (or `failed`).

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io;
use std::ops::ControlFlow;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{FileExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use rand::{RngCore as _, SeedableRng as _, rngs::StdRng};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};
use sha2::{Digest as _, Sha256};

use crate::storage::{self, RECOMMENDATION, Storage};

/// Size of the blocks written and read.
const BLOCK: usize = 1 << 20;

/// How to shred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredOptions {
    /// Random passes (at least 1).
    pub passes: u32,
    /// A final pass of zeros after the random ones.
    pub zero: bool,
    /// Record the SHA-256 of each file's content before it is overwritten.
    pub content_hash: bool,
    /// Descend into directories (depth first) and remove them too.
    pub recursive: bool,
    /// Report what would be destroyed; write nothing.
    pub dry_run: bool,
    /// Renames to random names before the unlink.
    pub renames: u32,
}

impl Default for ShredOptions {
    fn default() -> Self {
        ShredOptions {
            passes: 1,
            zero: false,
            content_hash: true,
            recursive: false,
            dry_run: false,
            renames: 3,
        }
    }
}

impl ShredOptions {
    /// The passes, in order.
    pub fn pattern(&self) -> Vec<Pattern> {
        let mut p = vec![Pattern::Random; self.passes.max(1) as usize];
        if self.zero {
            p.push(Pattern::Zero);
        }
        p
    }
}

/// What one overwrite pass writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A CSPRNG stream (ChaCha12, fresh OS-random key per pass).
    Random,
    /// Zeros.
    Zero,
}

impl Pattern {
    /// `random` or `zero`.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Random => "random",
            Pattern::Zero => "zero",
        }
    }
}

/// What a path turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A regular file.
    File,
    /// A symbolic link (removed as a link; its target is never touched).
    Symlink,
    /// A directory.
    Directory,
    /// A named pipe (refused).
    Fifo,
    /// A Unix socket (refused).
    Socket,
    /// A block device (refused: oubli shreds files, not devices).
    BlockDevice,
    /// A character device (refused).
    CharDevice,
    /// Nothing (it does not exist, or vanished).
    Missing,
}

impl ObjectKind {
    /// The name written to ledger entries.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::File => "file",
            ObjectKind::Symlink => "symlink",
            ObjectKind::Directory => "directory",
            ObjectKind::Fifo => "fifo",
            ObjectKind::Socket => "socket",
            ObjectKind::BlockDevice => "block-device",
            ObjectKind::CharDevice => "char-device",
            ObjectKind::Missing => "missing",
        }
    }

    fn from_file_type(t: FileType) -> ObjectKind {
        match t {
            FileType::RegularFile => ObjectKind::File,
            FileType::Symlink => ObjectKind::Symlink,
            FileType::Directory => ObjectKind::Directory,
            FileType::Fifo => ObjectKind::Fifo,
            FileType::Socket => ObjectKind::Socket,
            FileType::BlockDevice => ObjectKind::BlockDevice,
            FileType::CharacterDevice => ObjectKind::CharDevice,
            FileType::Unknown => ObjectKind::Missing,
        }
    }
}

/// The read-back of the last pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBack {
    /// Not done (not a file, dry run, or failed before).
    NotRun,
    /// Nothing was allocated, so nothing was overwritten.
    Empty,
    /// Every byte read back equals the last pass.
    Matched,
    /// The first byte that differs.
    Mismatch {
        /// Its offset.
        offset: u64,
    },
}

impl ReadBack {
    /// The name written to ledger entries.
    pub fn name(self) -> &'static str {
        match self {
            ReadBack::NotRun => "not-run",
            ReadBack::Empty => "empty",
            ReadBack::Matched => "matched",
            ReadBack::Mismatch { .. } => "mismatch",
        }
    }
}

/// The result for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Overwritten, read back correctly, on storage where an in-place
    /// overwrite reaches the old blocks; removed.
    Verified,
    /// Done (overwritten and read back, or a link or directory removed), but
    /// the storage does not let anyone verify that the old blocks are gone.
    NotVerifiable,
    /// Refused or failed part-way (see the error).
    Failed,
    /// Dry run: would be shredded.
    WouldShred,
}

impl Outcome {
    /// `verified`, `not-verifiable`, `failed`, `would-shred`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::NotVerifiable => "not-verifiable",
            Outcome::Failed => "failed",
            Outcome::WouldShred => "would-shred",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened to one path: the evidence for one ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredReport {
    /// The path (as given, joined with the names below it).
    pub path: PathBuf,
    /// What it was.
    pub kind: ObjectKind,
    /// Its size before (bytes; a symlink's is the length of its target).
    pub bytes: u64,
    /// Bytes overwritten per pass (the allocated length).
    pub overwritten_bytes: u64,
    /// SHA-256 of the content before the overwrite, if asked for.
    pub sha256: Option<[u8; 32]>,
    /// The passes written.
    pub passes: Vec<Pattern>,
    /// The read-back of the last pass.
    pub read_back: ReadBack,
    /// Hard links to the file before (1 for a plain file).
    pub link_count: u64,
    /// The storage it was on, if probed.
    pub storage: Option<Storage>,
    /// Renames done before the unlink.
    pub renames: u32,
    /// Whether the name is gone.
    pub removed: bool,
    /// The result.
    pub outcome: Outcome,
    /// Why the result is `not-verifiable` (empty otherwise).
    pub reasons: Vec<String>,
    /// What holds even so.
    pub caveats: Vec<String>,
    /// What to do instead, where the overwrite cannot be verified.
    pub recommendation: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The name it was left under if it failed after a rename.
    pub left_as: Option<PathBuf>,
}

impl ShredReport {
    fn new(path: PathBuf, kind: ObjectKind) -> ShredReport {
        ShredReport {
            path,
            kind,
            bytes: 0,
            overwritten_bytes: 0,
            sha256: None,
            passes: Vec::new(),
            read_back: ReadBack::NotRun,
            link_count: 0,
            storage: None,
            renames: 0,
            removed: false,
            outcome: Outcome::Failed,
            reasons: Vec::new(),
            caveats: Vec::new(),
            recommendation: None,
            error: None,
            left_as: None,
        }
    }

    fn fail(mut self, error: impl fmt::Display) -> ShredReport {
        self.outcome = Outcome::Failed;
        self.error = Some(error.to_string());
        self
    }

    /// Sets the verdict from the storage and the read-back.
    fn conclude(&mut self) {
        let assessment = self.storage.as_ref().map(Storage::assess);
        let (in_place, mut reasons, caveats) = match assessment {
            Some(a) => (a.in_place, a.reasons, a.caveats),
            None => (
                false,
                vec!["the storage could not be probed".to_owned()],
                vec![storage::PARTIAL_SANITIZATION.to_owned()],
            ),
        };
        self.caveats = caveats;
        match self.kind {
            ObjectKind::Symlink => {
                reasons.insert(
                    0,
                    "a symbolic link is removed, not overwritten: the target path it held may remain in file system metadata (its target was not touched)".to_owned(),
                );
            }
            ObjectKind::Directory => {
                reasons.insert(
                    0,
                    "a directory is removed, not overwritten: the names it held may remain in file system metadata".to_owned(),
                );
            }
            _ => {}
        }
        if self.link_count > 1 {
            self.caveats.push(format!(
                "the file had {} hard links: the other {} name(s) still exist and now hold the overwrite pattern",
                self.link_count,
                self.link_count - 1
            ));
        }
        let read_ok = matches!(self.read_back, ReadBack::Matched | ReadBack::Empty);
        self.outcome = if self.kind == ObjectKind::File && read_ok && in_place {
            Outcome::Verified
        } else {
            Outcome::NotVerifiable
        };
        if self.outcome == Outcome::NotVerifiable {
            self.reasons = reasons;
            self.recommendation = Some(RECOMMENDATION.to_owned());
        }
    }
}

/// How many paths ended in each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// `verified`.
    pub verified: u64,
    /// `not-verifiable`.
    pub not_verifiable: u64,
    /// `failed`.
    pub failed: u64,
    /// `would-shred` (dry run).
    pub would_shred: u64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Verified => self.verified += 1,
            Outcome::NotVerifiable => self.not_verifiable += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::WouldShred => self.would_shred += 1,
        }
    }
}

/// Where reports go, and whether the caller asked to stop.
struct Sink<'a> {
    report: &'a mut dyn FnMut(ShredReport) -> ControlFlow<()>,
    tally: Tally,
    stopped: bool,
}

impl Sink<'_> {
    fn emit(&mut self, r: ShredReport) {
        self.tally.add(r.outcome);
        if (self.report)(r).is_break() {
            self.stopped = true;
        }
    }
}

/// Shreds every path in order (directories depth first with `recursive`),
/// calling `report` once per file, link and directory as soon as it is done,
/// so that evidence is recorded as the work goes. A failure on one path is
/// reported and the others are still processed. If `report` returns
/// `Break` (say, the evidence could not be recorded), nothing more is
/// touched.
pub fn shred(
    paths: &[PathBuf],
    options: &ShredOptions,
    report: &mut dyn FnMut(ShredReport) -> ControlFlow<()>,
) -> Tally {
    let mut sink = Sink {
        report,
        tally: Tally::default(),
        stopped: false,
    };
    for path in paths {
        if sink.stopped {
            break;
        }
        shred_path(path, options, &mut sink);
    }
    sink.tally
}

/// Shreds one path given by the user.
fn shred_path(path: &Path, options: &ShredOptions, report: &mut Sink<'_>) {
    let Some(name) = path.file_name() else {
        report.emit(
            ShredReport::new(path.to_path_buf(), ObjectKind::Missing)
                .fail("name a file or directory itself (not `/`, `.` or `..`)"),
        );
        return;
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = match open_dir_path(parent) {
        Ok(dir) => dir,
        Err(e) => {
            report.emit(
                ShredReport::new(path.to_path_buf(), ObjectKind::Missing).fail(format!(
                    "cannot open its directory {}: {e}",
                    parent.display()
                )),
            );
            return;
        }
    };
    shred_entry(&dir, name, path, options, report);
}

/// Opens a directory by path (symlinks in the path are the caller's choice).
fn open_dir_path(path: &Path) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// `lstat` of `name` in `dir`.
fn lstat_at(dir: &OwnedFd, name: &OsStr) -> io::Result<Lstat> {
    let st = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(Lstat::from(&st))
}

/// The fields of `struct stat` oubli uses, with one width on every target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lstat {
    pub(crate) kind: ObjectKind,
    pub(crate) size: u64,
    pub(crate) nlink: u64,
    pub(crate) dev: u64,
}

impl From<&rustix::fs::Stat> for Lstat {
    // The widths of these fields differ between targets.
    #[allow(clippy::unnecessary_cast, trivial_numeric_casts)]
    fn from(st: &rustix::fs::Stat) -> Lstat {
        Lstat {
            kind: ObjectKind::from_file_type(FileType::from_raw_mode(st.st_mode as _)),
            size: st.st_size as u64,
            nlink: st.st_nlink as u64,
            dev: st.st_dev as u64,
        }
    }
}

/// Shreds `name` in `dir`, whatever it is.
fn shred_entry(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    options: &ShredOptions,
    report: &mut Sink<'_>,
) {
    if report.stopped {
        return;
    }
    let st = match lstat_at(dir, name) {
        Ok(st) => st,
        Err(e) => {
            report
                .emit(ShredReport::new(path.to_path_buf(), ObjectKind::Missing).fail(vanished(&e)));
            return;
        }
    };
    match st.kind {
        ObjectKind::File => report.emit(shred_file_at(dir, name, path, options, None)),
        ObjectKind::Symlink => report.emit(remove_at(dir, name, path, st, options)),
        ObjectKind::Directory if options.recursive => {
            shred_dir(dir, name, path, st, options, report);
        }
        ObjectKind::Directory => report.emit(
            ShredReport::new(path.to_path_buf(), ObjectKind::Directory)
                .fail("is a directory; pass -r to shred it and everything in it"),
        ),
        kind => report.emit(refused(path, kind)),
    }
}

fn refused(path: &Path, kind: ObjectKind) -> ShredReport {
    let what = match kind {
        ObjectKind::Fifo => "a named pipe (FIFO)",
        ObjectKind::Socket => "a socket",
        ObjectKind::BlockDevice => "a block device",
        ObjectKind::CharDevice => "a character device",
        _ => "not a regular file",
    };
    ShredReport::new(path.to_path_buf(), kind).fail(format!(
        "refused: {what} holds no data of its own to overwrite; oubli shreds regular files, symlinks and directories only"
    ))
}

fn vanished(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        "it does not exist (or vanished before it could be shredded)".to_owned()
    } else {
        e.to_string()
    }
}

/// Depth first: everything inside, then the directory itself.
fn shred_dir(
    parent: &OwnedFd,
    name: &OsStr,
    path: &Path,
    st: Lstat,
    options: &ShredOptions,
    report: &mut Sink<'_>,
) {
    let opened = rustix::fs::openat(
        parent,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    );
    let dir = match opened {
        Ok(fd) => fd,
        Err(e) => {
            report.emit(
                ShredReport::new(path.to_path_buf(), ObjectKind::Directory)
                    .fail(format!("cannot open the directory: {}", io::Error::from(e))),
            );
            return;
        }
    };
    let mut names = match list(&dir) {
        Ok(names) => names,
        Err(e) => {
            report.emit(
                ShredReport::new(path.to_path_buf(), ObjectKind::Directory)
                    .fail(format!("cannot list the directory: {e}")),
            );
            return;
        }
    };
    names.sort();
    for child in &names {
        shred_entry(&dir, child, &path.join(child), options, report);
    }
    if report.stopped {
        return;
    }
    if !options.dry_run {
        match list(&dir) {
            Ok(left) if !left.is_empty() => {
                report.emit(
                    ShredReport::new(path.to_path_buf(), ObjectKind::Directory).fail(format!(
                        "not removed: {} entr{} in it could not be shredded",
                        left.len(),
                        if left.len() == 1 { "y" } else { "ies" }
                    )),
                );
                return;
            }
            Ok(_) => {}
            Err(e) => {
                report.emit(
                    ShredReport::new(path.to_path_buf(), ObjectKind::Directory)
                        .fail(format!("cannot list the directory: {e}")),
                );
                return;
            }
        }
    }
    drop(dir);
    report.emit(remove_at(parent, name, path, st, options));
}

/// The names in a directory, without `.` and `..`.
fn list(dir: &OwnedFd) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(dir)? {
        let entry = entry?;
        let bytes = entry.file_name().to_bytes();
        if bytes != b"." && bytes != b".." {
            names.push(OsStr::from_bytes(bytes).to_os_string());
        }
    }
    Ok(names)
}

/// Removes a symlink or an (empty) directory: renames, unlink, sync.
fn remove_at(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    st: Lstat,
    options: &ShredOptions,
) -> ShredReport {
    let mut r = ShredReport::new(path.to_path_buf(), st.kind);
    r.bytes = st.size;
    r.link_count = st.nlink;
    r.storage = Some(storage::probe(dir, st.dev));
    if options.dry_run {
        r.conclude();
        r.outcome = Outcome::WouldShred;
        return r;
    }
    let mut current = name.to_os_string();
    if let Err(e) = scrub_name(dir, &mut current, options.renames, &mut r) {
        return r.fail(format!("cannot rename it: {e}"));
    }
    let flags = if st.kind == ObjectKind::Directory {
        AtFlags::REMOVEDIR
    } else {
        AtFlags::empty()
    };
    if let Err(e) = rustix::fs::unlinkat(dir, &current, flags) {
        let e = io::Error::from(e);
        return r.fail(format!("cannot remove it: {e}"));
    }
    r.left_as = None;
    r.removed = true;
    if let Err(e) = rustix::fs::fsync(dir) {
        r.caveats.push(format!(
            "the directory could not be synced after the removal ({})",
            io::Error::from(e)
        ));
    }
    r.conclude();
    r
}

/// Renames `current` in `dir` to fresh random names of the same length,
/// `times` times, syncing the directory after each. Updates `current`.
///
/// An oubli temporary file (`.oubli-<pid>-<host>-<random>.tmp`) keeps its
/// prefix and suffix and only its random part changes, so that if the process
/// is killed mid-shred, the file is still recognisable as one and the next
/// run's clean-up finishes the job (see `cleanup.rs`).
fn scrub_name(
    dir: &OwnedFd,
    current: &mut OsString,
    times: u32,
    r: &mut ShredReport,
) -> io::Result<()> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let (keep_start, keep_end) = crate::cleanup::temp_name_frame(current.as_bytes());
    let len = current.as_bytes().len().clamp(1, 255);
    for _ in 0..times {
        let mut attempts = 0;
        loop {
            let mut rng = rand::rng();
            let name: Vec<u8> = (0..len)
                .map(|i| {
                    if i < keep_start || i >= len - keep_end {
                        current.as_bytes()[i]
                    } else {
                        ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()]
                    }
                })
                .collect();
            let next = OsStr::from_bytes(&name).to_os_string();
            match rename_noreplace(dir, current, &next) {
                Ok(()) => {
                    *current = next;
                    r.renames += 1;
                    r.left_as = Some(r.path.with_file_name(&*current));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                    attempts += 1;
                }
                Err(e) => return Err(e),
            }
        }
        rustix::fs::fsync(dir)?;
    }
    Ok(())
}

/// `renameat2(RENAME_NOREPLACE)`, or a checked plain rename where the file
/// system does not support the flag.
fn rename_noreplace(dir: &OwnedFd, from: &OsStr, to: &OsStr) -> io::Result<()> {
    match rustix::fs::renameat_with(dir, from, dir, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            if rustix::fs::statat(dir, to, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
                return Err(io::ErrorKind::AlreadyExists.into());
            }
            Ok(rustix::fs::renameat(dir, from, dir, to)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// One pass's stream: its pattern and, for a random pass, the key that
/// regenerates it for the read-back.
struct Pass {
    pattern: Pattern,
    seed: [u8; 32],
}

impl Pass {
    fn new(pattern: Pattern) -> Pass {
        Pass {
            pattern,
            seed: rand::random(),
        }
    }

    fn stream(&self) -> Option<StdRng> {
        (self.pattern == Pattern::Random).then(|| StdRng::from_seed(self.seed))
    }
}

fn fill(buf: &mut [u8], stream: &mut Option<StdRng>) {
    match stream {
        Some(rng) => rng.fill_bytes(buf),
        None => buf.fill(0),
    }
}

/// Shreds the regular file `name` in `dir`. `known_sha256` is the content
/// hash when the caller has it already (erase's old version).
pub(crate) fn shred_file_at(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    options: &ShredOptions,
    known_sha256: Option<[u8; 32]>,
) -> ShredReport {
    let mut r = ShredReport::new(path.to_path_buf(), ObjectKind::File);
    r.sha256 = known_sha256;
    let flags = if options.dry_run {
        OFlags::RDONLY
    } else {
        OFlags::RDWR
    };
    let opened = rustix::fs::openat(
        dir,
        name,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
        Mode::empty(),
    );
    let file = match opened {
        Ok(fd) => File::from(fd),
        Err(rustix::io::Errno::LOOP) => {
            return r.fail("it became a symbolic link while being shredded; not followed");
        }
        Err(e) => {
            let e = io::Error::from(e);
            return r.fail(format!("cannot open it for writing: {}", vanished(&e)));
        }
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return r.fail(format!("cannot stat it: {e}")),
    };
    if !meta.file_type().is_file() {
        return refused(
            path,
            ObjectKind::from_file_type(FileType::from_raw_mode(meta.mode())),
        );
    }
    r.bytes = meta.len();
    r.link_count = meta.nlink();
    r.storage = Some(storage::probe(&file, meta.dev()));
    let block = meta.blksize().max(512);
    let rounded = meta.len().div_ceil(block) * block;
    r.overwritten_bytes = rounded.max(meta.blocks() * 512);
    if options.dry_run {
        r.conclude();
        r.outcome = Outcome::WouldShred;
        return r;
    }
    if options.content_hash && r.sha256.is_none() {
        match hash_file(&file, meta.len()) {
            Ok(h) => r.sha256 = Some(h),
            Err(e) => return r.fail(format!("cannot read it to hash its content: {e}")),
        }
    }
    let passes: Vec<Pass> = options.pattern().into_iter().map(Pass::new).collect();
    for (i, pass) in passes.iter().enumerate() {
        if let Err(e) = overwrite(&file, r.overwritten_bytes, pass) {
            return r.fail(format!(
                "pass {} of {} ({}) failed: {e}",
                i + 1,
                passes.len(),
                pass.pattern.name()
            ));
        }
        r.passes.push(pass.pattern);
    }
    if let Some(last) = passes.last() {
        r.read_back = match read_back(&file, r.overwritten_bytes, last) {
            Ok(result) => result,
            Err(e) => return r.fail(format!("cannot read the last pass back: {e}")),
        };
        if let ReadBack::Mismatch { offset } = r.read_back {
            return r.fail(format!(
                "the read-back differs from the last pass at byte {offset}: the overwrite did not reach the storage as written"
            ));
        }
    }
    // Other names keep the file: leave them its length (and the overwrite).
    let keep = if r.link_count > 1 { r.bytes } else { 0 };
    if let Err(e) = file.set_len(keep).and_then(|()| file.sync_data()) {
        return r.fail(format!("cannot truncate it: {e}"));
    }
    drop(file);
    let mut current = name.to_os_string();
    if let Err(e) = scrub_name(dir, &mut current, options.renames, &mut r) {
        return r.fail(format!("overwritten, but cannot rename it: {e}"));
    }
    crate::fault::point("shred-before-unlink");
    if let Err(e) = rustix::fs::unlinkat(dir, &current, AtFlags::empty()) {
        let e = io::Error::from(e);
        return r.fail(format!("overwritten, but cannot remove it: {e}"));
    }
    r.left_as = None;
    r.removed = true;
    if let Err(e) = rustix::fs::fsync(dir) {
        r.caveats.push(format!(
            "the directory could not be synced after the unlink ({})",
            io::Error::from(e)
        ));
    }
    r.conclude();
    r
}

fn hash_file(file: &File, len: u64) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BLOCK];
    let mut offset = 0u64;
    loop {
        let n = file.read_at(&mut buf, offset)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        offset += n as u64;
    }
    if offset != len {
        return Err(io::Error::other(format!(
            "it changed size while being read ({len} bytes before, {offset} read)"
        )));
    }
    Ok(hasher.finalize().into())
}

fn overwrite(file: &File, len: u64, pass: &Pass) -> io::Result<()> {
    let mut buf = vec![0u8; BLOCK];
    let mut stream = pass.stream();
    let mut offset = 0u64;
    while offset < len {
        let n = usize::try_from(len - offset).map_or(BLOCK, |left| left.min(BLOCK));
        fill(&mut buf[..n], &mut stream);
        file.write_all_at(&buf[..n], offset)?;
        offset += n as u64;
    }
    file.sync_data()
}

fn read_back(file: &File, len: u64, pass: &Pass) -> io::Result<ReadBack> {
    if len == 0 {
        return Ok(ReadBack::Empty);
    }
    // Drop the clean pages so the read comes from the device, where the
    // kernel honours the advice (best effort: not every file system does).
    let _ = rustix::fs::fadvise(file.as_fd(), 0, None, rustix::fs::Advice::DontNeed);
    let mut expected = vec![0u8; BLOCK];
    let mut got = vec![0u8; BLOCK];
    let mut stream = pass.stream();
    let mut offset = 0u64;
    while offset < len {
        let n = usize::try_from(len - offset).map_or(BLOCK, |left| left.min(BLOCK));
        fill(&mut expected[..n], &mut stream);
        file.read_exact_at(&mut got[..n], offset)?;
        if let Some(i) = expected[..n]
            .iter()
            .zip(&got[..n])
            .position(|(a, b)| a != b)
        {
            return Ok(ReadBack::Mismatch {
                offset: offset + i as u64,
            });
        }
        offset += n as u64;
    }
    Ok(ReadBack::Matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_of_a_pass_is_reproducible_and_passes_differ() {
        let a = Pass::new(Pattern::Random);
        let b = Pass::new(Pattern::Random);
        let (mut x, mut y, mut z) = ([0u8; 64], [0u8; 64], [0u8; 64]);
        fill(&mut x, &mut a.stream());
        fill(&mut y, &mut a.stream());
        fill(&mut z, &mut b.stream());
        assert_eq!(x, y);
        assert_ne!(x, z);
        let mut zeros = [1u8; 8];
        fill(&mut zeros, &mut Pass::new(Pattern::Zero).stream());
        assert_eq!(zeros, [0; 8]);
    }

    #[test]
    fn pattern_lists_random_passes_then_zero() {
        let o = ShredOptions {
            passes: 2,
            zero: true,
            ..ShredOptions::default()
        };
        assert_eq!(
            o.pattern(),
            [Pattern::Random, Pattern::Random, Pattern::Zero]
        );
    }
}
