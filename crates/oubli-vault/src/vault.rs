//! The vault in memory, and its file format.
//!
//! ## Wire format (version 1, documented in `docs/CRYPTO-SHREDDING.md`)
//!
//! UTF-8 text, `\n` line endings, no other whitespace than single spaces:
//!
//! ```text
//! OUBLI-VAULT-1
//! # oubli vault: one data key per data subject, wrapped under master key <id>. Do not edit.
//! key-id <16 hex: the master key id>
//! key <tag: 64 hex> <b64url(nonce 12 || AES-256-GCM ciphertext 32 || GCM tag 16)> <check>
//! forgotten <tag: 64 hex> <RFC 3339 UTC time> <check>
//! end <number of key and forgotten records> <mac: 64 hex>
//! ```
//!
//! - records are sorted by tag, at most one per tag;
//! - `check` = the first 4 bytes of SHA-256 of the line up to (not including)
//!   its last space, as 8 hex characters: names a damaged line;
//! - the data key is wrapped with AES-256-GCM under `subkey("gcm", "vault",
//!   32)`, a fresh random 96-bit nonce, AD = the 32 tag bytes;
//! - `mac` = HMAC-SHA256(`subkey("tag", "vault", 32)`, every byte of the file
//!   before the `end` line): catches a removed, added, reordered or edited
//!   record, and a tombstone turned back into nothing;
//! - nothing may follow the `end` line.

use std::collections::HashMap;
use std::fmt;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oubli_core::subkey::{Purpose, derive};
use oubli_core::tag::SubjectTag;
use oubli_core::transform::HmacSha256;
use oubli_core::{KeyId, MasterKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::VaultError;

/// The magic first line.
pub const MAGIC: &str = "OUBLI-VAULT-1";
/// The subkey domain of the wrapping key (`gcm`) and of the vault MAC (`tag`).
pub const VAULT_DOMAIN: &str = "vault";

const NONCE_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;
/// Length of a wrapped data key: nonce, ciphertext, GCM tag.
pub const WRAPPED_LEN: usize = NONCE_LEN + 32 + GCM_TAG_LEN;

/// One subject's random 256-bit data key. Its `Debug` shows nothing of it; it
/// is zeroized on drop.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Result<DataKey, VaultError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut_slice())
            .map_err(|_| VaultError::Random)?;
        Ok(DataKey(bytes))
    }

    /// A key from known bytes (test vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    /// The secret key bytes. Every use is a place to review.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// A copy (zeroized on drop like the original), handed to a worker
    /// thread so that it does not hold the vault's lock.
    pub fn duplicate(&self) -> DataKey {
        DataKey(Zeroizing::new(*self.0))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// What the vault holds for one subject.
#[derive(Debug)]
pub enum Record {
    /// A live data key, and its wrapped form as stored.
    Key {
        /// The key.
        key: DataKey,
        /// `nonce || ciphertext || tag`, as in the file.
        wrapped: [u8; WRAPPED_LEN],
    },
    /// A tombstone: the key was destroyed at `time` (RFC 3339, UTC).
    Forgotten {
        /// When.
        time: String,
    },
}

/// What [`Vault::forget`] did for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgetOutcome {
    /// The data key was destroyed and a tombstone left.
    Destroyed,
    /// The subject had been forgotten before; nothing changed.
    AlreadyForgotten,
    /// The vault had no key for the subject; a tombstone was left so that no
    /// key is made for it later without `--allow-new-after-forget`.
    NoKey,
}

impl ForgetOutcome {
    /// `destroyed`, `already-forgotten`, `no-key`.
    pub fn name(self) -> &'static str {
        match self {
            ForgetOutcome::Destroyed => "destroyed",
            ForgetOutcome::AlreadyForgotten => "already-forgotten",
            ForgetOutcome::NoKey => "no-key",
        }
    }
}

/// Wraps and unwraps data keys under the master key's `gcm`/`vault` subkey.
pub(crate) struct Wrapper {
    gcm: Aes256Gcm,
    mac: HmacSha256,
}

impl Wrapper {
    pub(crate) fn new(master: &MasterKey) -> Wrapper {
        let subkey = derive::<32>(master, Purpose::Gcm, VAULT_DOMAIN);
        Wrapper {
            gcm: Aes256Gcm::new(subkey.as_slice().into()),
            mac: HmacSha256::new(derive::<32>(master, Purpose::Tag, VAULT_DOMAIN).as_slice()),
        }
    }

    pub(crate) fn wrap(
        &self,
        tag: &SubjectTag,
        key: &DataKey,
    ) -> Result<[u8; WRAPPED_LEN], VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| VaultError::Random)?;
        Ok(self.wrap_with_nonce(tag, key, nonce))
    }

    pub(crate) fn wrap_with_nonce(
        &self,
        tag: &SubjectTag,
        key: &DataKey,
        nonce: [u8; NONCE_LEN],
    ) -> [u8; WRAPPED_LEN] {
        let mut out = [0u8; WRAPPED_LEN];
        out[..NONCE_LEN].copy_from_slice(&nonce);
        out[NONCE_LEN..NONCE_LEN + 32].copy_from_slice(key.expose_secret());
        let gcm_tag = self
            .gcm
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                tag.as_bytes(),
                &mut out[NONCE_LEN..NONCE_LEN + 32],
            )
            .unwrap_or_else(|_| unreachable!("32 bytes are within GCM's limit"));
        out[NONCE_LEN + 32..].copy_from_slice(&gcm_tag);
        out
    }

    pub(crate) fn unwrap(&self, tag: &SubjectTag, wrapped: &[u8; WRAPPED_LEN]) -> Option<DataKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&wrapped[NONCE_LEN..NONCE_LEN + 32]);
        self.gcm
            .decrypt_in_place_detached(
                Nonce::from_slice(&wrapped[..NONCE_LEN]),
                tag.as_bytes(),
                key.as_mut_slice(),
                wrapped[NONCE_LEN + 32..].into(),
            )
            .ok()?;
        Some(DataKey(key))
    }

    fn mac(&self, bytes: &[u8]) -> [u8; 32] {
        self.mac.mac(bytes)
    }
}

impl fmt::Debug for Wrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wrapper").finish_non_exhaustive()
    }
}

/// The vault in memory: every subject's record, by tag.
#[derive(Debug)]
pub struct Vault {
    key_id: KeyId,
    wrapper: Wrapper,
    /// By tag; written sorted by tag.
    records: HashMap<SubjectTag, Record, TagHash>,
}

/// Hashes a [`SubjectTag`] by its first 8 bytes. A tag is an HMAC under a
/// secret key, so its bytes are uniform and cannot be chosen by whoever
/// controls the identifiers: no need for SipHash's flood resistance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TagHash;

impl std::hash::BuildHasher for TagHash {
    type Hasher = TagHasher;

    fn build_hasher(&self) -> TagHasher {
        TagHasher(0)
    }
}

/// See [`TagHash`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl std::hash::Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
    }

    fn write_usize(&mut self, _: usize) {
        // The length prefix of the tag's byte array: always 32.
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Vault {
    /// An empty vault for `master`.
    pub fn new(master: &MasterKey) -> Vault {
        Vault {
            key_id: master.id(),
            wrapper: Wrapper::new(master),
            records: HashMap::default(),
        }
    }

    /// The master key id the vault belongs to.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The record of `tag`, if any.
    pub fn get(&self, tag: &SubjectTag) -> Option<&Record> {
        self.records.get(tag)
    }

    /// Number of live keys.
    pub fn keys(&self) -> usize {
        self.records
            .values()
            .filter(|r| matches!(r, Record::Key { .. }))
            .count()
    }

    /// Number of tombstones.
    pub fn forgotten(&self) -> usize {
        self.records.len() - self.keys()
    }

    /// Makes a new data key for `tag` (replacing a tombstone, if any) and
    /// returns it.
    pub fn create(&mut self, tag: SubjectTag) -> Result<DataKey, VaultError> {
        let key = DataKey::generate()?;
        let wrapped = self.wrapper.wrap(&tag, &key)?;
        let copy = key.duplicate();
        self.records.insert(tag, Record::Key { key, wrapped });
        Ok(copy)
    }

    /// Destroys `tag`'s data key (if any) and leaves a tombstone dated `time`.
    pub fn forget(&mut self, tag: SubjectTag, time: &str) -> ForgetOutcome {
        let tombstone = Record::Forgotten {
            time: time.to_owned(),
        };
        match self.records.insert(tag, tombstone) {
            Some(Record::Key { .. }) => ForgetOutcome::Destroyed,
            Some(previous @ Record::Forgotten { .. }) => {
                // Keep the first date.
                self.records.insert(tag, previous);
                ForgetOutcome::AlreadyForgotten
            }
            None => ForgetOutcome::NoKey,
        }
    }

    /// The file text (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(200 + self.records.len() * 170);
        out.push_str(MAGIC);
        out.push('\n');
        out.push_str(&format!(
            "# oubli vault: one data key per data subject, wrapped under master key {}. Do not edit.\n",
            self.key_id
        ));
        out.push_str(&format!("key-id {}\n", self.key_id));
        let mut line = String::with_capacity(200);
        let mut sorted: Vec<(&SubjectTag, &Record)> = self.records.iter().collect();
        sorted.sort_unstable_by_key(|(tag, _)| *tag);
        for (tag, record) in sorted {
            line.clear();
            match record {
                Record::Key { wrapped, .. } => {
                    line.push_str("key ");
                    line.push_str(&tag.to_string());
                    line.push(' ');
                    URL_SAFE_NO_PAD.encode_string(wrapped, &mut line);
                }
                Record::Forgotten { time } => {
                    line.push_str("forgotten ");
                    line.push_str(&tag.to_string());
                    line.push(' ');
                    line.push_str(time);
                }
            }
            out.push_str(&line);
            out.push(' ');
            out.push_str(&check(&line));
            out.push('\n');
        }
        let mac = self.wrapper.mac(out.as_bytes());
        out.push_str(&format!("end {} {}\n", self.records.len(), hex(&mac)));
        out.into_bytes()
    }

    /// Reads a vault file's bytes, checking every line, every wrapped key and
    /// the whole-file MAC. `file` names the vault in errors.
    pub fn parse(bytes: &[u8], master: &MasterKey, file: &str) -> Result<Vault, VaultError> {
        let damaged = |line: usize, reason: String| VaultError::Damaged {
            file: file.to_owned(),
            line,
            reason,
        };
        if !bytes.starts_with(MAGIC.as_bytes()) || bytes.get(MAGIC.len()) != Some(&b'\n') {
            return Err(VaultError::NotAVault {
                file: file.to_owned(),
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            damaged(line, "not UTF-8 text".to_owned())
        })?;
        let mut vault = Vault::new(master);
        let mut key_id_seen = false;
        let mut offset = 0usize;
        let mut end: Option<(usize, usize, &str)> = None;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let number = i + 1;
            let start = offset;
            offset += raw.len();
            let Some(line) = raw.strip_suffix('\n') else {
                return Err(damaged(
                    number,
                    "the file ends in the middle of a line (truncated)".to_owned(),
                ));
            };
            if end.is_some() {
                return Err(damaged(
                    number,
                    "data after the `end` line (the vault was appended to)".to_owned(),
                ));
            }
            if number == 1 || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["key-id", id] => {
                    if key_id_seen || number > 3 {
                        return Err(damaged(
                            number,
                            "a second or misplaced `key-id` line".into(),
                        ));
                    }
                    key_id_seen = true;
                    if *id != vault.key_id.to_string() {
                        if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return Err(VaultError::WrongKey {
                                file: file.to_owned(),
                                vault_key: (*id).to_owned(),
                                given_key: vault.key_id.to_string(),
                            });
                        }
                        return Err(damaged(
                            number,
                            "the key id is not 16 hex characters".into(),
                        ));
                    }
                }
                [kind @ ("key" | "forgotten"), tag_hex, value, sum] => {
                    if !key_id_seen {
                        return Err(damaged(number, "a record before the `key-id` line".into()));
                    }
                    let body = &line[..line.len() - sum.len() - 1];
                    let tag_short = tag_hex.get(..16).unwrap_or(tag_hex);
                    if check(body).as_bytes().ct_eq(sum.as_bytes()).unwrap_u8() != 1 {
                        return Err(damaged(
                            number,
                            format!(
                                "the record of subject {tag_short}… is damaged (its checksum does not match)"
                            ),
                        ));
                    }
                    let tag = parse_tag(tag_hex).ok_or_else(|| {
                        damaged(number, "the subject tag is not 64 hex characters".into())
                    })?;
                    if vault.records.contains_key(&tag) {
                        return Err(damaged(
                            number,
                            format!("a second record of subject {tag_short}…"),
                        ));
                    }
                    let record = if *kind == "key" {
                        let wrapped: [u8; WRAPPED_LEN] = URL_SAFE_NO_PAD
                            .decode(value)
                            .ok()
                            .and_then(|v| v.try_into().ok())
                            .ok_or_else(|| {
                                damaged(
                                    number,
                                    format!(
                                        "the wrapped key of subject {tag_short}… is not {WRAPPED_LEN} bytes of base64url"
                                    ),
                                )
                            })?;
                        let key = vault.wrapper.unwrap(&tag, &wrapped).ok_or_else(|| {
                            damaged(
                                number,
                                format!(
                                    "the key of subject {tag_short}… cannot be unwrapped: the record was altered (with its checksum recomputed) or moved to another subject"
                                ),
                            )
                        })?;
                        Record::Key { key, wrapped }
                    } else {
                        if !plausible_time(value) {
                            return Err(damaged(
                                number,
                                format!("the tombstone of subject {tag_short}… has no valid time"),
                            ));
                        }
                        Record::Forgotten {
                            time: (*value).to_owned(),
                        }
                    };
                    vault.records.insert(tag, record);
                }
                ["end", count, _mac] => end = Some((number, start, *count)),
                _ => {
                    return Err(damaged(
                        number,
                        format!(
                            "not a vault line (expected `key`, `forgotten` or `end`): `{}`",
                            line.chars().take(24).collect::<String>()
                        ),
                    ));
                }
            }
        }
        let Some((end_line, end_start, count)) = end else {
            return Err(VaultError::Altered {
                file: file.to_owned(),
                reason: "the vault has no `end` line: it was truncated".to_owned(),
            });
        };
        if !key_id_seen {
            return Err(damaged(2, "the `key-id` line is missing".into()));
        }
        let mac_hex = text[end_start..]
            .trim_end_matches('\n')
            .rsplit(' ')
            .next()
            .unwrap_or_default();
        let expected = hex(&vault.wrapper.mac(&bytes[..end_start]));
        if expected.as_bytes().ct_eq(mac_hex.as_bytes()).unwrap_u8() != 1 {
            return Err(VaultError::Altered {
                file: file.to_owned(),
                reason: format!(
                    "line {end_line}: the vault's MAC does not match: records were removed, added, reordered or edited since oubli wrote it"
                ),
            });
        }
        if count.parse::<usize>().ok() != Some(vault.records.len()) {
            return Err(damaged(
                end_line,
                format!(
                    "the `end` line counts {count} records, the file holds {}",
                    vault.records.len()
                ),
            ));
        }
        Ok(vault)
    }

    /// Inserts a known key (test vectors).
    #[cfg(test)]
    pub(crate) fn insert_key(&mut self, tag: SubjectTag, key: DataKey, nonce: [u8; NONCE_LEN]) {
        let wrapped = self.wrapper.wrap_with_nonce(&tag, &key, nonce);
        self.records.insert(tag, Record::Key { key, wrapped });
    }

    #[cfg(test)]
    pub(crate) fn wrapper(&self) -> &Wrapper {
        &self.wrapper
    }

    #[cfg(test)]
    pub(crate) fn records(&self) -> &HashMap<SubjectTag, Record, TagHash> {
        &self.records
    }
}

/// The 8-hex-character line check.
fn check(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes())[..4])
}

fn parse_tag(s: &str) -> Option<SubjectTag> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
        let nibble = |c: u8| if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
        bytes[i] = (nibble(pair[0]) << 4) | nibble(pair[1]);
    }
    Some(SubjectTag::from_bytes(bytes))
}

/// `YYYY-MM-DDTHH:MM:SSZ`, digits where digits go.
fn plausible_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}
