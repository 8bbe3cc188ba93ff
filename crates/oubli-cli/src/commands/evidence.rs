//! What a job records about itself: content hashes of what it read and wrote,
//! and who ran it where.

use std::io::{self, Read, Write};

use oubli_ledger::entry::{FileEvidence, Header};
use sha2::{Digest as _, Sha256};

/// A reader that hashes and counts what passes through it.
#[derive(Debug)]
pub(crate) struct HashingReader<'a, R> {
    inner: R,
    digest: &'a mut Digest,
}

/// SHA-256 and length of a byte stream.
#[derive(Debug, Default)]
pub(crate) struct Digest {
    hasher: Sha256,
    bytes: u64,
}

impl Digest {
    /// The evidence for a file named `name`.
    pub(crate) fn evidence(&self, name: &str) -> FileEvidence {
        FileEvidence {
            name: name.to_owned(),
            bytes: self.bytes,
            sha256: hex(&self.hasher.clone().finalize()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
    }
}

impl<'a, R> HashingReader<'a, R> {
    pub(crate) fn new(inner: R, digest: &'a mut Digest) -> Self {
        HashingReader { inner, digest }
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }
}

/// A writer that hashes and counts what passes through it.
#[derive(Debug)]
pub(crate) struct HashingWriter<'a, W> {
    inner: W,
    digest: &'a mut Digest,
}

impl<'a, W> HashingWriter<'a, W> {
    pub(crate) fn new(inner: W, digest: &'a mut Digest) -> Self {
        HashingWriter { inner, digest }
    }
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The header of a ledger entry written now.
pub(crate) fn header(kind: &str, operator: Option<&str>, result: &str) -> Header {
    Header {
        kind: kind.to_owned(),
        time: super::now_rfc3339(),
        tool: "oubli".to_owned(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        operator: operator.map_or_else(user_name, str::to_owned),
        host: host_name(),
        result: result.to_owned(),
    }
}

/// The user running oubli: `$USER`, `$LOGNAME`, or `uid N`.
fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            use std::os::unix::fs::MetadataExt as _;
            std::fs::metadata("/proc/self")
                .map_or_else(|_| "unknown".to_owned(), |m| format!("uid {}", m.uid()))
        })
}

/// The host name (Linux: `/proc/sys/kernel/hostname`; else `$HOSTNAME`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
