//! The entries oubli writes (contract, documented in `docs/LEDGER.md`).
//!
//! Every entry is a JSON object on one line. The ledger puts `seq` and `prev`
//! first; then come the fields of [`Header`], then the fields of the entry's
//! type. Data subjects never appear in clear: an entry names files, columns,
//! counts and keyed tags, never values.

use serde::Serialize;

/// Fields every entry carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// `mask`, `unmask`, `repair`, later `shred`, `erase`, `forget`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the entry was written (RFC 3339, UTC).
    pub time: String,
    /// Always `oubli`.
    pub tool: String,
    /// oubli's version.
    pub tool_version: String,
    /// Who ran the job (`--operator`, or the user name).
    pub operator: String,
    /// The host it ran on.
    pub host: String,
    /// `ok`, `failed`, `verified` or `not-verifiable`.
    pub result: String,
}

/// A file a job read or wrote, by name and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEvidence {
    /// The path as given on the command line (`-` for stdin/stdout).
    pub name: String,
    /// Bytes read or written.
    pub bytes: u64,
    /// SHA-256 (hex) of those bytes.
    pub sha256: String,
}

/// What happened to one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnEvidence {
    /// The column name.
    pub name: String,
    /// The transform applied (`keep`, `hash`, …).
    pub transform: String,
    /// Values transformed (non-empty values for value transforms; 0 for `keep`/`drop`).
    pub values: u64,
}

/// A `mask` or `unmask` job (ISO/IEC 27002 8.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskEntry {
    /// Common fields (`type` is `mask` or `unmask`).
    #[serde(flatten)]
    pub header: Header,
    /// When the job started (RFC 3339, UTC).
    pub started: String,
    /// The input.
    pub input: FileEvidence,
    /// The output (absent when the job failed before writing it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<FileEvidence>,
    /// SHA-256 (hex) of the policy file.
    pub policy_sha256: String,
    /// The master key's id.
    pub key_id: String,
    /// Data rows processed.
    pub rows: u64,
    /// Each input column and its transform.
    pub columns: Vec<ColumnEvidence>,
    /// Why the job failed (`result` = `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A `log repair` (recorded after the repair).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairEntry {
    /// Common fields (`type` is `repair`).
    #[serde(flatten)]
    pub header: Header,
    /// Bytes of an incomplete last line that were cut.
    pub removed_bytes: u64,
    /// SHA-256 (hex) of the bytes cut, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_sha256: Option<String>,
    /// Complete entries the checkpoint did not cover and now does.
    pub signed_entries: u64,
}
