//! Secret keys, their public identities, and the key-file format
//! (`docs/CONSTRUCTIONS.md` §1).
//!
//! Secrets ([`MasterKey`], [`SigningKey`]) have no `Clone`, `PartialEq` or
//! `Serialize`, a `Debug` that prints only the key id, and are zeroized on drop.
//! Reading secret bytes goes through the greppable [`MasterKey::expose_secret`].
//! Public values ([`KeyId`], [`VerifierKey`]) are separate types.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Version line prefix of a master key file.
pub const MASTER_KEY_PREFIX: &str = "OUBLI-KEY-1:";
/// Version line prefix of a signing key file.
pub const SIGNING_KEY_PREFIX: &str = "OUBLI-SIGNING-KEY-1:";
/// Default signer name in C2SP verifier keys.
pub const DEFAULT_SIGNER_NAME: &str = "oubli";

const CHECKSUM_LEN: usize = 4;

/// The public identity of a master key: `HKDF-SHA256(key, info = "oubli/v1/key-id", L = 8)`.
///
/// Safe to print, to log, to record in a ledger and to embed in tokens.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The 8 bytes of the id.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The short id embedded in tokens: the first 4 bytes, as 8 lowercase hex characters.
    pub fn short(&self) -> ShortKeyId {
        ShortKeyId([self.0[0], self.0[1], self.0[2], self.0[3]])
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The first 4 bytes of a [`KeyId`]; tokens of reversible transforms carry it as
/// 8 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShortKeyId(pub(crate) [u8; 4]);

impl ShortKeyId {
    /// Length of the hex form.
    pub const HEX_LEN: usize = 8;

    /// Writes the 8 hex characters into `out`.
    pub(crate) fn push_hex(&self, out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for b in self.0 {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }

    /// Parses exactly 8 lowercase hex characters.
    pub fn from_hex(s: &[u8]) -> Option<Self> {
        fn nibble(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            }
        }
        if s.len() != Self::HEX_LEN {
            return None;
        }
        let mut out = [0u8; 4];
        for (i, pair) in s.chunks_exact(2).enumerate() {
            out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(ShortKeyId(out))
    }
}

impl fmt::Display for ShortKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(Self::HEX_LEN);
        self.push_hex(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for ShortKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortKeyId({self})")
    }
}

/// A 256-bit master key: the root of every keyed transform.
pub struct MasterKey {
    bytes: Box<[u8; 32]>,
    id: KeyId,
}

impl MasterKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Result<MasterKey, KeyError> {
        let mut bytes = Box::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut_slice())
            .map_err(|_| KeyError::Random)?;
        Ok(Self::from_boxed(bytes))
    }

    /// Wraps existing key bytes (test vectors, key files).
    pub fn from_bytes(mut bytes: [u8; 32]) -> MasterKey {
        let key = Self::from_boxed(Box::new(bytes));
        bytes.zeroize();
        key
    }

    fn from_boxed(bytes: Box<[u8; 32]>) -> MasterKey {
        let mut id = [0u8; 8];
        let hk = hkdf::Hkdf::<Sha256>::new(None, bytes.as_slice());
        // 8 bytes is far below HKDF-SHA256's output limit.
        let _ = hk.expand(b"oubli/v1/key-id", &mut id);
        MasterKey {
            bytes,
            id: KeyId(id),
        }
    }

    /// The key's public id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The secret key bytes. Every use is a place to review.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key file text (§1): comment header and the `OUBLI-KEY-1:` line.
    pub fn to_key_file(&self, created: &str) -> Zeroizing<String> {
        let line = encode_key_line(MASTER_KEY_PREFIX, self.bytes.as_slice());
        Zeroizing::new(format!(
            "# oubli master key: keep secret\n# created: {created}\n# key-id: {}\n{}\n",
            self.id,
            line.as_str()
        ))
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// An Ed25519 signing key (ring), kept as its PKCS#8 document.
pub struct SigningKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: Ed25519KeyPair,
}

impl SigningKey {
    /// A new key pair from the operating system's CSPRNG.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let doc =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| KeyError::Random)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// A key pair from a 32-byte RFC 8032 seed (test vectors, other tools' keys),
    /// held as the PKCS#8 v1 document of that seed (RFC 8410).
    pub fn from_seed(seed: &[u8; 32]) -> Result<SigningKey, KeyError> {
        const PKCS8_V1_PREFIX: [u8; 16] = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        let mut doc = Zeroizing::new(Vec::with_capacity(48));
        doc.extend_from_slice(&PKCS8_V1_PREFIX);
        doc.extend_from_slice(seed);
        Self::from_pkcs8(&doc)
    }

    /// Parses a PKCS#8 v1 or v2 Ed25519 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| KeyError::InvalidSigningKey)?;
        Ok(SigningKey {
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            pair,
        })
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// `hex(SHA-256(public key)[0..8])`.
    pub fn id(&self) -> String {
        hex_lower(&Sha256::digest(self.public_key())[..8])
    }

    /// The C2SP verifier key for this key under `name`.
    pub fn verifier_key(&self, name: &str) -> Result<VerifierKey, KeyError> {
        VerifierKey::new(name, self.public_key())
    }

    /// An Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }

    /// The key file text (§1).
    pub fn to_key_file(&self, created: &str) -> Zeroizing<String> {
        let line = encode_key_line(SIGNING_KEY_PREFIX, &self.pkcs8);
        let public = self
            .verifier_key(DEFAULT_SIGNER_NAME)
            .map(|v| v.to_string())
            .unwrap_or_default();
        Zeroizing::new(format!(
            "# oubli signing key: keep secret\n# created: {created}\n# public-key: {public}\n{}\n",
            line.as_str()
        ))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// A C2SP signed-note verifier key: `<name>+<hex key hash>+<base64(0x01 || public key)>`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_hash: [u8; 4],
    public: [u8; 32],
}

/// Signature type byte of Ed25519 in C2SP signed notes.
const ALG_ED25519: u8 = 0x01;

impl VerifierKey {
    /// The verifier key of `public` under `name` (no whitespace, no `+`, not empty).
    pub fn new(name: &str, public: [u8; 32]) -> Result<VerifierKey, KeyError> {
        if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
            return Err(KeyError::InvalidName(name.to_owned()));
        }
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update([b'\n', ALG_ED25519]);
        h.update(public);
        let digest = h.finalize();
        let key_hash = [digest[0], digest[1], digest[2], digest[3]];
        Ok(VerifierKey {
            name: name.to_owned(),
            key_hash,
            public,
        })
    }

    /// The signer name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key hash that signature lines start with.
    pub fn key_hash(&self) -> [u8; 4] {
        self.key_hash
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.public)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut blob = [0u8; 33];
        blob[0] = ALG_ED25519;
        blob[1..].copy_from_slice(&self.public);
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex_lower(&self.key_hash),
            STANDARD.encode(blob)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || KeyError::InvalidVerifierKey;
        let s = s.trim();
        let mut parts = s.splitn(3, '+');
        let (name, hash, blob) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let blob = STANDARD.decode(blob).map_err(|_| bad())?;
        if blob.len() != 33 || blob[0] != ALG_ED25519 {
            return Err(bad());
        }
        let mut public = [0u8; 32];
        public.copy_from_slice(&blob[1..]);
        let key = VerifierKey::new(name, public)?;
        if hash != hex_lower(&key.key_hash) {
            return Err(bad());
        }
        Ok(key)
    }
}

/// A key read from a key file: either kind, so that callers can say which one
/// they expected.
#[derive(Debug)]
pub enum AnyKey {
    /// An `OUBLI-KEY-1` master key.
    Master(MasterKey),
    /// An `OUBLI-SIGNING-KEY-1` signing key.
    Signing(SigningKey),
}

/// Why a key or key file was refused. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The OS random generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// No key line in the file.
    #[error(
        "no key line found (expected a line starting with `{MASTER_KEY_PREFIX}` or `{SIGNING_KEY_PREFIX}`)"
    )]
    NoKeyLine,
    /// More than one non-comment line.
    #[error("line {line}: unexpected second key line; a key file holds exactly one key")]
    SeveralKeyLines {
        /// 1-based line number.
        line: usize,
    },
    /// A line that is not a key line at all.
    #[error(
        "line {line} is not a key line (expected a line starting with `{MASTER_KEY_PREFIX}` or `{SIGNING_KEY_PREFIX}`)"
    )]
    NotAKeyLine {
        /// 1-based line number.
        line: usize,
    },
    /// A version line this oubli does not know.
    #[error(
        "line {line}: unsupported key file version `{found}` (this oubli reads `{MASTER_KEY_PREFIX}` and `{SIGNING_KEY_PREFIX}`); a newer oubli may read it"
    )]
    UnknownVersion {
        /// 1-based line number.
        line: usize,
        /// The version label, up to the `:` (never key material).
        found: String,
    },
    /// The payload is not base64url.
    #[error("line {line}: the key is not valid base64url; the key file is damaged")]
    Encoding {
        /// 1-based line number.
        line: usize,
    },
    /// The payload has the wrong length.
    #[error(
        "line {line}: the key has {found} bytes, expected {expected}; the key file is damaged or truncated"
    )]
    Length {
        /// 1-based line number.
        line: usize,
        /// Decoded length.
        found: usize,
        /// Expected length.
        expected: usize,
    },
    /// The checksum does not match.
    #[error(
        "line {line}: the key's checksum does not match; the key file is damaged or was mistyped"
    )]
    Checksum {
        /// 1-based line number.
        line: usize,
    },
    /// The PKCS#8 document is not an Ed25519 key.
    #[error("the signing key is not a valid Ed25519 PKCS#8 key")]
    InvalidSigningKey,
    /// A signer name with whitespace or `+`.
    #[error("invalid signer name `{0}`: it must be non-empty, without spaces or `+`")]
    InvalidName(String),
    /// A verifier key line that does not parse.
    #[error(
        "not a valid Ed25519 verifier key (expected `<name>+<8 hex>+<base64>`, as printed by `oubli key public`)"
    )]
    InvalidVerifierKey,
}

/// Parses a key file's text (§1). The caller checks file permissions.
pub fn parse_key_file(text: &str) -> Result<AnyKey, KeyError> {
    let mut found: Option<(usize, &str)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if found.is_some() {
            return Err(KeyError::SeveralKeyLines { line: i + 1 });
        }
        found = Some((i + 1, line));
    }
    let (line_no, line) = found.ok_or(KeyError::NoKeyLine)?;
    if let Some(payload) = line.strip_prefix(MASTER_KEY_PREFIX) {
        let bytes = decode_key_payload(line_no, payload, Some(32))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(AnyKey::Master(MasterKey::from_bytes(key)))
    } else if let Some(payload) = line.strip_prefix(SIGNING_KEY_PREFIX) {
        let bytes = decode_key_payload(line_no, payload, None)?;
        Ok(AnyKey::Signing(SigningKey::from_pkcs8(&bytes)?))
    } else {
        // `OUBLI-KEY-2:`, `OUBLI-SIGNING-KEY-7:`…: a version this oubli does not know.
        // Anything else is not a key line (and may be key material: never echoed).
        let label = line
            .split_once(':')
            .map(|(label, _)| label)
            .unwrap_or_default();
        let versioned = label
            .strip_prefix("OUBLI-")
            .and_then(|rest| rest.rsplit_once("KEY-"))
            .is_some_and(|(kind, version)| {
                (kind.is_empty() || kind.ends_with('-'))
                    && kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'-')
                    && !version.is_empty()
                    && version.bytes().all(|b| b.is_ascii_digit())
            });
        if versioned {
            Err(KeyError::UnknownVersion {
                line: line_no,
                found: label.to_owned(),
            })
        } else {
            Err(KeyError::NotAKeyLine { line: line_no })
        }
    }
}

fn decode_key_payload(
    line: usize,
    payload: &str,
    len: Option<usize>,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let raw = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| KeyError::Encoding { line })?,
    );
    if let Some(expected) = len {
        if raw.len() != expected + CHECKSUM_LEN {
            return Err(KeyError::Length {
                line,
                found: raw.len().saturating_sub(CHECKSUM_LEN),
                expected,
            });
        }
    } else if raw.len() <= CHECKSUM_LEN {
        return Err(KeyError::Length {
            line,
            found: 0,
            expected: 48,
        });
    }
    let (body, checksum) = raw.split_at(raw.len() - CHECKSUM_LEN);
    let digest = Sha256::digest(body);
    if !bool::from(digest[..CHECKSUM_LEN].ct_eq(checksum)) {
        return Err(KeyError::Checksum { line });
    }
    Ok(Zeroizing::new(body.to_vec()))
}

fn encode_key_line(prefix: &str, body: &[u8]) -> Zeroizing<String> {
    let mut raw = Zeroizing::new(Vec::with_capacity(body.len() + CHECKSUM_LEN));
    raw.extend_from_slice(body);
    raw.extend_from_slice(&Sha256::digest(body)[..CHECKSUM_LEN]);
    let mut line = Zeroizing::new(String::with_capacity(prefix.len() + raw.len() * 4 / 3 + 4));
    line.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(raw.as_slice(), &mut line);
    line
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_file_round_trips() {
        let key = MasterKey::generate().unwrap();
        let text = key.to_key_file("2026-11-22T10:00:00Z");
        assert!(text.contains(&format!("# key-id: {}", key.id())));
        let AnyKey::Master(back) = parse_key_file(&text).unwrap() else {
            panic!("expected a master key")
        };
        assert_eq!(back.expose_secret(), key.expose_secret());
        assert_eq!(back.id(), key.id());
    }

    #[test]
    fn signing_key_file_round_trips() {
        let key = SigningKey::generate().unwrap();
        let text = key.to_key_file("2026-11-22T10:00:00Z");
        let AnyKey::Signing(back) = parse_key_file(&text).unwrap() else {
            panic!("expected a signing key")
        };
        assert_eq!(back.public_key(), key.public_key());
        let sig = back.sign(b"hello");
        let vk = key.verifier_key("oubli").unwrap();
        assert!(vk.verify(b"hello", &sig));
        assert!(!vk.verify(b"hellO", &sig));
        assert_eq!(vk.to_string().parse::<VerifierKey>().unwrap(), vk);
    }

    /// RFC 8032 §7.1 TEST 1: the public key and signature of the empty message.
    #[test]
    fn rfc8032_test_1() {
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_seed(&seed).unwrap();
        assert_eq!(
            hex::encode(key.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"");
        assert_eq!(
            hex::encode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        let vk = key.verifier_key("oubli").unwrap();
        assert!(vk.verify(b"", &sig));
        let mut bad = sig;
        bad[0] ^= 1;
        assert!(!vk.verify(b"", &bad));
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let key = MasterKey::from_bytes([0xab; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains(&key.id().to_string()));
        assert!(!shown.to_lowercase().contains("abab"));
        assert!(!shown.contains("171, 171"));
    }

    #[test]
    fn damaged_files_are_refused() {
        let key = MasterKey::from_bytes([1; 32]);
        let text = key.to_key_file("now");
        let line = text.lines().last().unwrap().to_owned();
        // Flip one payload character.
        let mut bytes = line.clone().into_bytes();
        let i = MASTER_KEY_PREFIX.len() + 5;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let damaged = String::from_utf8(bytes).unwrap();
        assert!(matches!(
            parse_key_file(&damaged),
            Err(KeyError::Checksum { line: 1 })
        ));
        let v2 = line.replace("OUBLI-KEY-1:", "OUBLI-KEY-2:");
        assert!(matches!(
            parse_key_file(&v2),
            Err(KeyError::UnknownVersion { .. })
        ));
        assert!(matches!(
            parse_key_file("# only comments\n"),
            Err(KeyError::NoKeyLine)
        ));
        let two = format!("{line}\n{line}\n");
        assert!(matches!(
            parse_key_file(&two),
            Err(KeyError::SeveralKeyLines { line: 2 })
        ));
        // Error messages never echo the key line.
        let err = parse_key_file(&format!("XX{}", &line[2..])).unwrap_err();
        assert!(matches!(err, KeyError::NotAKeyLine { line: 1 }));
        let err = err.to_string();
        assert!(!err.contains(&line[MASTER_KEY_PREFIX.len()..]));
    }
}
