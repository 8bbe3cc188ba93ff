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
    /// `mask`, `unmask`, `repair`, `shred`, `erase`, later `forget`.
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
    /// The files the policy names (hierarchies, dictionaries), as they were
    /// read: the path as written in the policy, bytes and SHA-256. Absent
    /// when the policy names none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_files: Vec<FileEvidence>,
    /// The master key's id.
    pub key_id: String,
    /// Data rows processed.
    pub rows: u64,
    /// Each input column and its transform.
    pub columns: Vec<ColumnEvidence>,
    /// The re-identification check of the policy's `[risk]` section (absent
    /// without one, and when the job failed before the check ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskEvidence>,
    /// The vault of per-subject encryption columns (absent without any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<VaultEvidence>,
    /// Why the job failed (`result` = `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The re-identification check of a `mask` job's output (the policy's
/// `[risk]` section, `docs/RISK.md` §3). The figures (`records` to
/// `avg_risk`) are those of the output as last checked: the published output
/// for `passed` and `suppressed`, the refused one for `failed`. Never holds a
/// value: names, counts and ratios only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskEvidence {
    /// The quasi-identifier columns, in the policy's order.
    pub quasi_identifiers: Vec<String>,
    /// The sensitive attribute, if the policy names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<String>,
    /// The policy's `k`.
    pub k_required: u64,
    /// The policy's `l`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l_required: Option<u64>,
    /// The policy's `on_violation`: `fail` or `suppress`.
    pub on_violation: String,
    /// `passed` (the output met the check as written), `suppressed` (records
    /// were removed, and the rest met it), or `failed` (nothing published).
    pub outcome: String,
    /// Records checked.
    pub records: u64,
    /// Equivalence classes over the quasi-identifiers.
    pub classes: u64,
    /// The smallest class's size (`null` without records).
    pub k_achieved: Option<u64>,
    /// The smallest number of distinct sensitive values in a class (absent
    /// without a sensitive attribute, or without records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l_achieved: Option<u64>,
    /// Records in classes that fail the check (0 unless `failed`).
    pub records_violating: u64,
    /// Classes that fail the check (0 unless `failed`).
    pub classes_violating: u64,
    /// Highest prosecutor re-identification risk, 1 / `k_achieved`.
    pub max_risk: Option<serde_json::Number>,
    /// Average prosecutor risk, `classes` / `records`.
    pub avg_risk: Option<serde_json::Number>,
    /// Records removed by `suppress` (0 otherwise).
    pub records_suppressed: u64,
    /// Classes removed by `suppress` (0 otherwise).
    pub classes_suppressed: u64,
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

/// How a result was checked, and what the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationEvidence {
    /// What was done to check.
    pub method: String,
    /// What it found (`matched`, `mismatch`, `not-run`, `empty`; for an
    /// erase `verified` or `failed`).
    pub result: String,
}

/// The storage under a shredded file, as oubli could see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageEvidence {
    /// The file system (`ext4`, `xfs`, `btrfs`, `tmpfs`, … or `unknown`).
    pub file_system: String,
    /// Its `statfs` `f_type`, hex (`0xef53`).
    pub statfs_type: String,
    /// How it places rewritten data: `in-place`, `copy-on-write`,
    /// `log-structured`, `network`, `memory`, `layered`, `read-only`, `unknown`.
    pub class: String,
    /// The block device's kernel name (`sda`, `vda`, `nvme0n1`), if resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `disk`, `raid`, `virtual`, `flash`, `loop`, `device-mapper`, `memory`,
    /// `network`, `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_kind: Option<String>,
    /// The device's `queue/rotational` flag, if readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotational: Option<bool>,
}

/// What was done to one file, symlink or directory, and how it was checked
/// (the body of a `shred` entry, and of an erase's `old_version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShredEvidence {
    /// The path as given (joined with the names below it for `-r`).
    pub path: String,
    /// `file`, `symlink`, `directory`, or what was refused (`fifo`,
    /// `socket`, `block-device`, `char-device`), or `missing`.
    pub kind: String,
    /// Its size before, in bytes.
    pub bytes: u64,
    /// SHA-256 (hex) of the content before the overwrite (absent with
    /// `--content-hash none` and for non-files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `overwrite` for files, `unlink` for links and directories, `none`
    /// when refused or nothing was done.
    pub method: String,
    /// The passes written, in order (`random`, `zero`).
    pub pattern: Vec<String>,
    /// Bytes written per pass: the allocated length.
    pub overwritten_bytes: u64,
    /// The read-back of the last pass.
    pub verification: VerificationEvidence,
    /// Hard links to the file before (other names keep the overwritten inode).
    pub link_count: u64,
    /// Renames to random names before the unlink.
    pub renames: u32,
    /// Whether the name is gone.
    pub removed: bool,
    /// The storage, if it was probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageEvidence>,
    /// Why the result is `not-verifiable`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What holds even so (an overwrite is never a Clear or Purge).
    pub caveats: Vec<String>,
    /// What to do instead where the overwrite cannot be verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    /// The random name a file was left under after a failure part-way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_as: Option<String>,
    /// Why it failed or was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a sweep shredded a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionEvidence {
    /// The directory swept.
    pub directory: String,
    /// The retention (`--older-than`, as given).
    pub older_than: String,
    /// The `--glob` pattern, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
}

/// One file, symlink or directory shredded (ISO/IEC 27002 8.10). `result`:
/// `verified`, `not-verifiable` or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShredEntry {
    /// Common fields (`type` is `shred`).
    #[serde(flatten)]
    pub header: Header,
    /// The command that shredded it: `shred` or `sweep`.
    pub command: String,
    /// What was done.
    #[serde(flatten)]
    pub shred: ShredEvidence,
    /// Why (a sweep).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionEvidence>,
}

/// The shred of an erase's old version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OldVersionEvidence {
    /// `verified`, `not-verifiable` or `failed`.
    pub result: String,
    /// What was done.
    #[serde(flatten)]
    pub shred: ShredEvidence,
}

/// One subject of an erase, by keyed tag (`docs/CONSTRUCTIONS.md` §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectEvidence {
    /// `hex(HMAC-SHA256(subkey("tag", "erase"), identifier))`.
    pub tag: String,
    /// Rows removed for this subject (0: not found).
    pub removed: u64,
}

/// Data subjects' rows erased from a dataset (ISO/IEC 27002 8.10, GDPR
/// Art. 17). Subjects appear only as keyed tags. `result`: `verified` (no
/// subject left in the new version, and the old version shredded verifiably
/// or not replaced), `not-verifiable` (the rows are gone from the file but
/// the old version's overwrite could not be verified), or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EraseEntry {
    /// Common fields (`type` is `erase`).
    #[serde(flatten)]
    pub header: Header,
    /// When the job started (RFC 3339, UTC).
    pub started: String,
    /// `csv`.
    pub format: String,
    /// The input (the old version).
    pub input: FileEvidence,
    /// The new version (absent when the job failed before it was complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<FileEvidence>,
    /// Whether the new version replaced the input.
    pub in_place: bool,
    /// The column holding the identifiers.
    pub column: String,
    /// How fields were matched with the subjects.
    pub matching: String,
    /// SHA-256 (hex) of the `--match-policy` file, if one was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_policy_sha256: Option<String>,
    /// The master key's id (tags and policy transforms are under it).
    pub key_id: String,
    /// How the tags are made.
    pub tag_construction: String,
    /// Data rows before.
    pub rows_before: u64,
    /// Data rows after.
    pub rows_after: u64,
    /// Rows removed.
    pub rows_removed: u64,
    /// Every subject, by tag, with its rows removed (sorted by tag).
    pub subjects: Vec<SubjectEvidence>,
    /// The tags of the subjects no row matched.
    pub subjects_not_found: Vec<String>,
    /// The re-read of the new version.
    pub verification: VerificationEvidence,
    /// The shred of the old version (in place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<OldVersionEvidence>,
    /// Why the result is not `verified`, and what still holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
    /// Why the job failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a `mask` or `unmask` job did with the crypto-shredding vault
/// (`docs/CRYPTO-SHREDDING.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultEvidence {
    /// The vault's path, as used.
    pub path: String,
    /// SHA-256 (hex) of the vault as read.
    pub sha256_before: String,
    /// SHA-256 (hex) of the vault as saved, when the job added keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_after: Option<String>,
    /// Subject keys made by the job (first use, and renewals).
    pub keys_created: u64,
    /// Tags of forgotten subjects that got a new key
    /// (`--allow-new-after-forget`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renewed_after_forget: Vec<String>,
    /// `unmask --forgotten redact`: tokens of forgotten subjects output empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forgotten_redacted: Option<u64>,
}

/// One subject of a `forget`, by keyed tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgottenSubject {
    /// `hex(HMAC-SHA256(subkey("tag", "erase"), identifier))`, as in `erase`.
    pub tag: String,
    /// `destroyed` (its data key was destroyed), `already-forgotten`, or
    /// `no-key` (it had none: a tombstone stops one being made later).
    pub outcome: String,
}

/// The version of a file before and after a rewrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionEvidence {
    /// Bytes.
    pub bytes: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

/// Data subjects' keys destroyed in a vault: cryptographic erase (NIST SP
/// 800-88r2 §3.2) of every value encrypted under them, in every copy. Subjects
/// appear only as keyed tags. `result`: `verified` (keys gone from the vault,
/// the old version's overwrite verified), `not-verifiable` (keys gone from
/// the vault, the old version's overwrite not verifiable on this storage), or
/// `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgetEntry {
    /// Common fields (`type` is `forget`).
    #[serde(flatten)]
    pub header: Header,
    /// When the job started (RFC 3339, UTC).
    pub started: String,
    /// What was done.
    pub method: String,
    /// The vault's path, as given.
    pub vault: String,
    /// The master key's id (the vault's and the tags').
    pub key_id: String,
    /// How the tags are made.
    pub tag_construction: String,
    /// The vault before.
    pub vault_before: VersionEvidence,
    /// The vault after (absent if the job failed before writing it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_after: Option<VersionEvidence>,
    /// Subjects whose keys were destroyed by this job.
    pub count: u64,
    /// Every subject, by tag (sorted by tag).
    pub subjects: Vec<ForgottenSubject>,
    /// Live keys left in the vault.
    pub keys_remaining: u64,
    /// The shred of the vault's old version (which held the keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<OldVersionEvidence>,
    /// Shreds of old versions left by an interrupted earlier run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<OldVersionEvidence>,
    /// The conditions of a cryptographic erase the operator must still
    /// ensure, and why the result is not `verified`.
    pub caveats: Vec<String>,
    /// Why the job failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
