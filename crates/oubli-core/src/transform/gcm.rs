//! `encrypt_random`: AES-256-GCM with a random 96-bit nonce under the `gcm` subkey.

use std::fmt;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand::RngCore;

use super::{TokenError, open_token, seal_token};
use crate::subkey::{Purpose, derive};
use crate::{MasterKey, ShortKeyId};

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Randomised, reversible encryption: equal values give different tokens.
pub struct RandomisedCipher {
    gcm: Aes256Gcm,
    domain: String,
    prefix: String,
    key_id: ShortKeyId,
    buf: Vec<u8>,
}

impl RandomisedCipher {
    /// A cipher for `domain`; tokens start with `prefix`.
    pub fn new(key: &MasterKey, domain: &str, prefix: &str) -> Self {
        let subkey = derive::<32>(key, Purpose::Gcm, domain);
        RandomisedCipher {
            gcm: Aes256Gcm::new(subkey.as_slice().into()),
            domain: domain.to_owned(),
            prefix: prefix.to_owned(),
            key_id: key.id().short(),
            buf: Vec::new(),
        }
    }

    /// Appends the token of `plaintext` to `out`, with a fresh nonce from the
    /// thread's CSPRNG (ChaCha12, seeded and periodically reseeded from the OS).
    pub fn encrypt(&mut self, plaintext: &[u8], out: &mut String) {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        self.encrypt_with_nonce(nonce, plaintext, out);
    }

    pub(crate) fn encrypt_with_nonce(
        &mut self,
        nonce: [u8; NONCE_LEN],
        plaintext: &[u8],
        out: &mut String,
    ) {
        self.buf.clear();
        self.buf.extend_from_slice(&nonce);
        self.buf.extend_from_slice(plaintext);
        let tag = self
            .gcm
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                self.domain.as_bytes(),
                &mut self.buf[NONCE_LEN..],
            )
            .unwrap_or_else(|_| {
                unreachable!("plaintexts of a CSV field are far below GCM's 64 GiB limit")
            });
        self.buf.extend_from_slice(&tag);
        seal_token(&self.prefix, self.key_id, &self.buf, out);
    }

    /// Decrypts `token` and appends the plaintext to `out`.
    pub fn decrypt(&mut self, token: &str, out: &mut Vec<u8>) -> Result<(), TokenError> {
        open_token(
            token,
            &self.prefix,
            self.key_id,
            NONCE_LEN + TAG_LEN,
            &mut self.buf,
        )?;
        let (nonce, rest) = self.buf.split_at_mut(NONCE_LEN);
        let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
        self.gcm
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                self.domain.as_bytes(),
                body,
                (&*tag).into(),
            )
            .map_err(|_| TokenError::DecryptionFailed)?;
        out.extend_from_slice(body);
        Ok(())
    }
}

impl fmt::Debug for RandomisedCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomisedCipher")
            .field("domain", &self.domain)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomised_round_trip() {
        let key = MasterKey::from_bytes([5; 32]);
        let mut c = RandomisedCipher::new(&key, "notes", "r:");
        let (mut a, mut b) = (String::new(), String::new());
        c.encrypt(b"same", &mut a);
        c.encrypt(b"same", &mut b);
        assert_ne!(a, b, "fresh nonce per value");
        let mut back = Vec::new();
        c.decrypt(&a, &mut back).unwrap();
        assert_eq!(back, b"same");
        // Flip one bit of the payload: authentication must fail.
        let mut raw = a.clone().into_bytes();
        let last = raw.len() - 2;
        raw[last] = if raw[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(raw).unwrap();
        back.clear();
        assert_eq!(
            c.decrypt(&tampered, &mut back),
            Err(TokenError::DecryptionFailed)
        );
    }

    #[test]
    fn fixed_nonce_is_deterministic() {
        let key = MasterKey::from_bytes([5; 32]);
        let mut c = RandomisedCipher::new(&key, "notes", "");
        let (mut a, mut b) = (String::new(), String::new());
        c.encrypt_with_nonce([1; 12], b"x", &mut a);
        c.encrypt_with_nonce([1; 12], b"x", &mut b);
        assert_eq!(a, b);
    }
}
