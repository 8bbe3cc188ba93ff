//! `encrypt`: deterministic AES-256-SIV (RFC 5297) under the `siv` subkey.

use std::fmt;

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;

use super::{TokenError, open_token, seal_token};
use crate::subkey::{Purpose, derive};
use crate::{MasterKey, ShortKeyId};

const TAG_LEN: usize = 16;

/// Deterministic, reversible encryption: equal values in a domain give equal tokens.
///
/// `&mut self` because the SIV state is reused between values; build one per thread.
pub struct DeterministicCipher {
    siv: Aes256Siv,
    domain: String,
    prefix: String,
    key_id: ShortKeyId,
    buf: Vec<u8>,
}

impl DeterministicCipher {
    /// A cipher for `domain`; tokens start with `prefix`.
    pub fn new(key: &MasterKey, domain: &str, prefix: &str) -> Self {
        let subkey = derive::<64>(key, Purpose::Siv, domain);
        DeterministicCipher {
            siv: Aes256Siv::new(subkey.as_slice().into()),
            domain: domain.to_owned(),
            prefix: prefix.to_owned(),
            key_id: key.id().short(),
            buf: Vec::new(),
        }
    }

    /// Appends the token of `plaintext` to `out`.
    pub fn encrypt(&mut self, plaintext: &[u8], out: &mut String) {
        self.buf.clear();
        self.buf.resize(TAG_LEN, 0);
        self.buf.extend_from_slice(plaintext);
        let (tag_space, body) = self.buf.split_at_mut(TAG_LEN);
        let tag = self
            .siv
            .encrypt_in_place_detached([self.domain.as_bytes()], body)
            .unwrap_or_else(|_| unreachable!("one associated-data header is within SIV's limit"));
        tag_space.copy_from_slice(&tag);
        seal_token(&self.prefix, self.key_id, &self.buf, out);
    }

    /// Decrypts `token` and appends the plaintext to `out`.
    pub fn decrypt(&mut self, token: &str, out: &mut Vec<u8>) -> Result<(), TokenError> {
        open_token(token, &self.prefix, self.key_id, TAG_LEN, &mut self.buf)?;
        let (tag, body) = self.buf.split_at_mut(TAG_LEN);
        self.siv
            .decrypt_in_place_detached([self.domain.as_bytes()], body, (&*tag).into())
            .map_err(|_| TokenError::DecryptionFailed)?;
        out.extend_from_slice(body);
        Ok(())
    }
}

impl fmt::Debug for DeterministicCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeterministicCipher")
            .field("domain", &self.domain)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use aes_siv::siv::Aes128Siv;

    use super::*;

    /// RFC 5297 Appendix A.1 (deterministic AEAD, one AD component) through the
    /// same `Siv` implementation, with its AES-128 instance.
    #[test]
    fn rfc5297_a1() {
        let key = hex::decode("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
            .unwrap();
        let ad = hex::decode("101112131415161718191a1b1c1d1e1f2021222324252627").unwrap();
        let pt = hex::decode("112233445566778899aabbccddee").unwrap();
        let mut siv = Aes128Siv::new(key.as_slice().into());
        let ct = siv.encrypt([&ad], &pt).unwrap();
        assert_eq!(
            hex::encode(&ct),
            "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c"
        );
        let mut flipped = ct.clone();
        flipped[3] ^= 1;
        assert!(siv.decrypt([&ad], &flipped).is_err());
        assert_eq!(siv.decrypt([&ad], &ct).unwrap(), pt);
    }

    /// RFC 5297 Appendix A.2 (nonce-based, three AD components).
    #[test]
    fn rfc5297_a2() {
        let key = hex::decode("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f")
            .unwrap();
        let ad1 = hex::decode(
            "00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100",
        )
        .unwrap();
        let ad2 = hex::decode("102030405060708090a0").unwrap();
        let nonce = hex::decode("09f911029d74e35bd84156c5635688c0").unwrap();
        let pt = hex::decode("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553").unwrap();
        let mut siv = Aes128Siv::new(key.as_slice().into());
        let ct = siv.encrypt([&ad1, &ad2, &nonce], &pt).unwrap();
        assert_eq!(
            hex::encode(ct),
            "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d"
        );
    }

    #[test]
    fn round_trip_and_wrong_key() {
        let key = MasterKey::from_bytes([9; 32]);
        let mut c = DeterministicCipher::new(&key, "iban", "");
        let mut tok = String::new();
        c.encrypt("DE89 3704 0044 0532 0130 00".as_bytes(), &mut tok);
        assert!(tok.starts_with(&key.id().short().to_string()));
        let mut again = String::new();
        c.encrypt("DE89 3704 0044 0532 0130 00".as_bytes(), &mut again);
        assert_eq!(tok, again, "deterministic");
        let mut back = Vec::new();
        c.decrypt(&tok, &mut back).unwrap();
        assert_eq!(back, "DE89 3704 0044 0532 0130 00".as_bytes());

        let other = MasterKey::from_bytes([10; 32]);
        let mut c2 = DeterministicCipher::new(&other, "iban", "");
        assert!(matches!(
            c2.decrypt(&tok, &mut back),
            Err(TokenError::WrongKey { .. })
        ));
        let mut other_domain = DeterministicCipher::new(&key, "customer", "");
        assert_eq!(
            other_domain.decrypt(&tok, &mut back),
            Err(TokenError::DecryptionFailed)
        );
    }
}
