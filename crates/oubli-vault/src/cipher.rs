//! Per-subject encryption: `encrypt` / `encrypt_random` with `per_subject`.
//!
//! ## Token format (version 1, `docs/CRYPTO-SHREDDING.md`)
//!
//! `token = prefix || short key id (8 hex) || "." || b64url(outer)`
//!
//! - `inner`: the value under the subject's data key `dk`, with the keys
//!   `HKDF-SHA256(IKM = dk, no salt, info = "oubli/v1/" + purpose + "/" +
//!   domain)` — the subkey construction with the data key in place of the
//!   master key:
//!   - `encrypt`: AES-256-SIV, 64-byte key (`siv`), AD = `[domain]`;
//!     `inner = SIV tag (16) || ciphertext`;
//!   - `encrypt_random`: AES-256-GCM, 32-byte key (`gcm`), random 96-bit
//!     nonce, AD = domain; `inner = nonce || ciphertext || GCM tag`.
//! - `outer`: `tag (32 bytes) || inner` under the master key's subkey of the
//!   same purpose and domain as a plain token, AD = `"per-subject:" + domain`
//!   (so a per-subject token never opens as a plain one and vice versa):
//!   - `encrypt`: AES-256-SIV, `outer = SIV tag || ciphertext`;
//!   - `encrypt_random`: AES-256-GCM, `outer = nonce || ciphertext || GCM tag`.
//!
//! The subject's tag, which `unmask` needs to find the data key, travels
//! *inside* the outer encryption: without the master key two tokens of one
//! subject cannot be linked (a per-subject token links no more than a plain
//! one). After `forget`, the outer layer still opens and names the tag, but the
//! inner one cannot be opened by anyone.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use oubli_core::subkey::{Purpose, derive, info};
use oubli_core::tag::SubjectTag;
use oubli_core::transform::{Aes256SivAead, TokenError};
use oubli_core::{MasterKey, ShortKeyId};
use rand::RngCore as _;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::SubjectError;
use crate::keyring::Keyring;
use crate::vault::{DataKey, TagHash};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Per-worker cache of per-subject ciphers; cleared when full so memory
/// stays bounded whatever the number of subjects.
const CACHE_LIMIT: usize = 4096;

/// Which of the two reversible encryptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `encrypt`: AES-256-SIV, equal values of one subject give equal tokens.
    Deterministic,
    /// `encrypt_random`: AES-256-GCM with random nonces.
    Randomised,
}

/// One of the two AEADs with its key and associated data.
enum Aead {
    Siv(Box<Aes256SivAead>),
    Gcm {
        cipher: Box<Aes256Gcm>,
        ad: Box<[u8]>,
    },
}

impl Aead {
    /// AES-256-SIV under `key` (K1 ‖ K2) with the associated data `ad`.
    fn siv(key: &[u8; 64], ad: &[u8]) -> Aead {
        Aead::Siv(Box::new(Aes256SivAead::new(key, &[ad])))
    }

    /// AES-256-GCM under `key` with the associated data `ad`.
    fn gcm(key: &[u8; 32], ad: &[u8]) -> Aead {
        Aead::Gcm {
            cipher: Box::new(Aes256Gcm::new(key.into())),
            ad: ad.into(),
        }
    }

    /// Appends the sealed form of `plaintext` to `out` (`nonce` is ignored
    /// by SIV).
    fn seal(&mut self, nonce: [u8; NONCE_LEN], plaintext: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            Aead::Siv(siv) => {
                out.resize(start + TAG_LEN, 0);
                out.extend_from_slice(plaintext);
                let (head, body) = out.split_at_mut(start + TAG_LEN);
                head[start..].copy_from_slice(&siv.seal(body));
            }
            Aead::Gcm { cipher, ad } => {
                out.extend_from_slice(&nonce);
                out.extend_from_slice(plaintext);
                let tag = cipher
                    .encrypt_in_place_detached(
                        Nonce::from_slice(&nonce),
                        ad,
                        &mut out[start + NONCE_LEN..],
                    )
                    .unwrap_or_else(|_| unreachable!("values are far below GCM's limit"));
                out.extend_from_slice(&tag);
            }
        }
    }

    /// Opens `sealed` in place; returns the plaintext's range in it.
    fn open(&mut self, sealed: &mut [u8]) -> Result<std::ops::Range<usize>, TokenError> {
        let short = || TokenError::Malformed {
            reason: "it is too short",
        };
        match self {
            Aead::Siv(siv) => {
                if sealed.len() < TAG_LEN {
                    return Err(short());
                }
                let (tag, body) = sealed.split_at_mut(TAG_LEN);
                let mut iv = [0u8; TAG_LEN];
                iv.copy_from_slice(tag);
                siv.open(&iv, body)?;
                Ok(TAG_LEN..sealed.len())
            }
            Aead::Gcm { cipher, ad } => {
                if sealed.len() < NONCE_LEN + TAG_LEN {
                    return Err(short());
                }
                let len = sealed.len();
                let (nonce, rest) = sealed.split_at_mut(NONCE_LEN);
                let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
                cipher
                    .decrypt_in_place_detached(Nonce::from_slice(nonce), ad, body, (&*tag).into())
                    .map_err(|_| TokenError::DecryptionFailed)?;
                Ok(NONCE_LEN..len - TAG_LEN)
            }
        }
    }
}

/// The inner cipher of one subject for `mode` and `domain`.
fn inner_cipher(mode: Mode, key: &DataKey, domain: &str) -> Aead {
    let hk = Hkdf::<Sha256>::new(None, key.expose_secret());
    // 64 bytes are far below HKDF-SHA256's limit.
    let expand = |purpose, okm: &mut [u8]| {
        let _ = hk.expand(info(purpose, domain).as_bytes(), okm);
    };
    match mode {
        Mode::Deterministic => {
            let mut okm = Zeroizing::new([0u8; 64]);
            expand(Purpose::Siv, &mut okm[..]);
            Aead::siv(&okm, domain.as_bytes())
        }
        Mode::Randomised => {
            let mut okm = Zeroizing::new([0u8; 32]);
            expand(Purpose::Gcm, &mut okm[..]);
            Aead::gcm(&okm, domain.as_bytes())
        }
    }
}

/// The inner cipher of `tag` from `cache`, made (with the key `key` gives)
/// if not there.
fn cached<'c>(
    cache: &'c mut HashMap<SubjectTag, Aead, TagHash>,
    mode: Mode,
    domain: &str,
    tag: &SubjectTag,
    key: impl FnOnce() -> Result<DataKey, SubjectError>,
) -> Result<&'c mut Aead, SubjectError> {
    if !cache.contains_key(tag) {
        let key = key()?;
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(*tag, inner_cipher(mode, &key, domain));
    }
    Ok(cache
        .get_mut(tag)
        .unwrap_or_else(|| unreachable!("inserted above")))
}

/// Encrypts values under their subject's data key, and decrypts such tokens.
/// One per column per worker thread; the keys come from the shared
/// [`Keyring`].
pub struct SubjectCipher {
    mode: Mode,
    keyring: Arc<Keyring>,
    outer: Aead,
    domain: String,
    prefix: String,
    key_id: String,
    subject_column: String,
    cache: HashMap<SubjectTag, Aead, TagHash>,
    buf: Vec<u8>,
    inner: Vec<u8>,
}

impl SubjectCipher {
    /// A cipher for values of `domain` whose subject is in `subject_column`;
    /// tokens start with `prefix`.
    pub fn new(
        keyring: Arc<Keyring>,
        master: &MasterKey,
        mode: Mode,
        domain: &str,
        prefix: &str,
        subject_column: &str,
    ) -> SubjectCipher {
        let outer_ad = format!("per-subject:{domain}");
        let outer = match mode {
            Mode::Deterministic => Aead::siv(
                &derive::<64>(master, Purpose::Siv, domain),
                outer_ad.as_bytes(),
            ),
            Mode::Randomised => Aead::gcm(
                &derive::<32>(master, Purpose::Gcm, domain),
                outer_ad.as_bytes(),
            ),
        };
        SubjectCipher {
            mode,
            keyring,
            outer,
            domain: domain.to_owned(),
            prefix: prefix.to_owned(),
            key_id: master.id().short().to_string(),
            subject_column: subject_column.to_owned(),
            cache: HashMap::default(),
            buf: Vec::new(),
            inner: Vec::new(),
        }
    }

    /// The subject column.
    pub fn subject_column(&self) -> &str {
        &self.subject_column
    }

    /// Appends the token of `plaintext`, whose row's subject is `subject`, to
    /// `out`. Makes the subject's key if it has none (see [`Keyring`]).
    pub fn encrypt(
        &mut self,
        subject: &str,
        plaintext: &[u8],
        out: &mut String,
    ) -> Result<(), SubjectError> {
        if subject.trim().is_empty() {
            return Err(SubjectError::NoSubject {
                column: self.subject_column.clone(),
            });
        }
        let tag = self.keyring.tag(subject);
        let nonces = match self.mode {
            Mode::Deterministic => [[0; NONCE_LEN]; 2],
            Mode::Randomised => {
                let mut n = [[0u8; NONCE_LEN]; 2];
                rand::rng().fill_bytes(&mut n[0]);
                rand::rng().fill_bytes(&mut n[1]);
                n
            }
        };
        cached(&mut self.cache, self.mode, &self.domain, &tag, || {
            self.keyring.key_for_mask(&tag)
        })?;
        self.seal(&tag, plaintext, nonces, out);
        Ok(())
    }

    /// The token of `plaintext` with the cipher of `tag` already cached and
    /// the given nonces (inner, outer; ignored for SIV).
    fn seal(
        &mut self,
        tag: &SubjectTag,
        plaintext: &[u8],
        nonces: [[u8; NONCE_LEN]; 2],
        out: &mut String,
    ) {
        let inner = self
            .cache
            .get_mut(tag)
            .unwrap_or_else(|| unreachable!("the caller cached it"));
        self.inner.clear();
        self.inner.extend_from_slice(tag.as_bytes());
        inner.seal(nonces[0], plaintext, &mut self.inner);
        self.buf.clear();
        self.outer.seal(nonces[1], &self.inner, &mut self.buf);
        out.push_str(&self.prefix);
        out.push_str(&self.key_id);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&self.buf, out);
    }

    /// Decrypts `token` and appends the value to `out`. A forgotten
    /// subject's token is [`SubjectError::Forgotten`].
    pub fn decrypt(&mut self, token: &str, out: &mut Vec<u8>) -> Result<(), SubjectError> {
        let rest = token
            .strip_prefix(&self.prefix)
            .ok_or(TokenError::Malformed {
                reason: "it does not start with the column's prefix",
            })?;
        let (id, body) =
            rest.split_once('.')
                .filter(|(id, _)| id.len() == 8)
                .ok_or(TokenError::Malformed {
                    reason: "it is not a per-subject token (`<key id>.<payload>`)",
                })?;
        if id != self.key_id {
            return Err(SubjectError::Token(
                match ShortKeyId::from_hex(id.as_bytes()) {
                    Some(token_key) => TokenError::WrongKey {
                        token_key,
                        given_key: ShortKeyId::from_hex(self.key_id.as_bytes())
                            .unwrap_or_else(|| unreachable!("our own id is 8 hex characters")),
                    },
                    None => TokenError::Malformed {
                        reason: "it does not carry a key id",
                    },
                },
            ));
        }
        self.buf.clear();
        URL_SAFE_NO_PAD
            .decode_vec(body, &mut self.buf)
            .map_err(|_| TokenError::Malformed {
                reason: "it is not base64url",
            })?;
        let range = self.outer.open(&mut self.buf)?;
        let opened = &self.buf[range];
        if opened.len() < 32 {
            return Err(TokenError::DecryptionFailed.into());
        }
        let mut tag = [0u8; 32];
        tag.copy_from_slice(&opened[..32]);
        let tag = SubjectTag::from_bytes(tag);
        self.inner.clear();
        self.inner.extend_from_slice(&opened[32..]);
        let inner = match cached(&mut self.cache, self.mode, &self.domain, &tag, || {
            self.keyring.key_for_unmask(&tag)
        }) {
            Err(SubjectError::Forgotten { .. }) if self.keyring.redacts_forgotten() => {
                self.keyring.count_redacted();
                return Ok(());
            }
            other => other?,
        };
        let range = inner.open(&mut self.inner)?;
        out.extend_from_slice(&self.inner[range]);
        Ok(())
    }

    /// [`SubjectCipher::encrypt`] with a known data key and nonces, for the
    /// known-answer vectors.
    #[cfg(test)]
    pub(crate) fn encrypt_with(
        &mut self,
        tag: &SubjectTag,
        key: &DataKey,
        plaintext: &[u8],
        nonces: [[u8; NONCE_LEN]; 2],
        out: &mut String,
    ) {
        self.cache
            .insert(*tag, inner_cipher(self.mode, key, &self.domain));
        self.seal(tag, plaintext, nonces, out);
    }
}

impl fmt::Debug for SubjectCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectCipher")
            .field("mode", &self.mode)
            .field("domain", &self.domain)
            .field("key_id", &self.key_id)
            .field("subject_column", &self.subject_column)
            .finish_non_exhaustive()
    }
}
