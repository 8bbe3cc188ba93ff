//! `encrypt`: deterministic AES-256-SIV (RFC 5297) under the `siv` subkey.
//!
//! S2V and CTR are written here on the `aes` block cipher so that the parts that
//! do not depend on the value (both key schedules, the CMAC subkeys, and S2V over
//! the zero block and the domain) are computed once per cipher.

use std::fmt;

use aes::Aes256;
use aes::cipher::consts::U16;
use aes::cipher::{Block, BlockEncrypt, BlockSizeUser, KeyInit};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{TokenError, open_token, seal_token};
use crate::subkey::{Purpose, derive};
use crate::{MasterKey, ShortKeyId};

const TAG_LEN: usize = 16;

/// Deterministic, reversible encryption: equal values in a domain give equal tokens.
///
/// `&mut self` because the SIV state is reused between values; build one per thread.
pub struct DeterministicCipher {
    siv: Siv<Aes256>,
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
            siv: Siv::new(subkey.as_slice(), &[domain.as_bytes()]),
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
        tag_space.copy_from_slice(&self.siv.seal(body));
        seal_token(&self.prefix, self.key_id, &self.buf, out);
    }

    /// Decrypts `token` and appends the plaintext to `out`.
    pub fn decrypt(&mut self, token: &str, out: &mut Vec<u8>) -> Result<(), TokenError> {
        open_token(token, &self.prefix, self.key_id, TAG_LEN, &mut self.buf)?;
        let (tag, body) = self.buf.split_at_mut(TAG_LEN);
        let mut siv = [0u8; TAG_LEN];
        siv.copy_from_slice(tag);
        self.siv.open(&siv, body)?;
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

/// AES-256-SIV (RFC 5297) under a caller's 64-byte key, with the associated
/// data fixed when it is made: S2V over the zero block and every AD component,
/// and both AES key schedules, are computed once. For keys that are not subkeys
/// of the master key (the vault's per-subject data keys); the CMAC subkeys and
/// the S2V state are zeroized on drop, the AES key schedules by `aes`.
pub struct Aes256SivAead(Siv<Aes256>);

impl Aes256SivAead {
    /// A cipher for `key` (K1 || K2) and the associated-data components `ad`.
    pub fn new(key: &[u8; 64], ad: &[&[u8]]) -> Self {
        Aes256SivAead(Siv::new(key, ad))
    }

    /// Encrypts `data` in place and returns the 16-byte synthetic IV (the tag).
    pub fn seal(&mut self, data: &mut [u8]) -> [u8; TAG_LEN] {
        self.0.seal(data)
    }

    /// Decrypts `data` in place if `tag` authenticates it under this key and
    /// associated data; on failure `data` is zeroed and nothing is released.
    pub fn open(&mut self, tag: &[u8; TAG_LEN], data: &mut [u8]) -> Result<(), TokenError> {
        self.0.open(tag, data)
    }
}

impl fmt::Debug for Aes256SivAead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aes256SivAead").finish_non_exhaustive()
    }
}

/// AES-SIV (RFC 5297) with the S2V state for a fixed list of associated-data
/// components computed once: the CMAC of the zero block and of the domain, which
/// `aes-siv` recomputes per value, and both AES key schedules, which `aes-siv`
/// re-expands for CTR per value. Checked against RFC 5297 A.1 and A.2 and against
/// the `aes-siv` crate on random inputs.
struct Siv<C> {
    /// K1: the CMAC key (first half of the SIV key), and its subkeys.
    mac: C,
    k1: u128,
    k2: u128,
    /// K2: the CTR key (second half).
    ctr: C,
    /// S2V's `D` after the zero block and every associated-data component.
    d: u128,
    /// `T` for messages of 16 bytes or more (`M xorend D`).
    scratch: Vec<u8>,
}

fn dbl(x: u128) -> u128 {
    (x << 1) ^ (if x >> 127 == 1 { 0x87 } else { 0 })
}

impl<C: BlockEncrypt + KeyInit + BlockSizeUser<BlockSize = U16>> Siv<C> {
    /// `key` is K1 || K2 (twice the AES key length).
    fn new(key: &[u8], ad: &[&[u8]]) -> Self {
        let (mac_key, ctr_key) = key.split_at(key.len() / 2);
        let mac = C::new_from_slice(mac_key)
            .unwrap_or_else(|_| unreachable!("SIV keys are twice an AES key"));
        let ctr = C::new_from_slice(ctr_key)
            .unwrap_or_else(|_| unreachable!("SIV keys are twice an AES key"));
        let k1 = dbl(ciph(&mac, 0));
        let mut siv = Siv {
            mac,
            k1,
            k2: dbl(k1),
            ctr,
            d: 0,
            scratch: Vec::new(),
        };
        let mut d = siv.cmac(&[0; 16]);
        for component in ad {
            d = dbl(d) ^ siv.cmac(component);
        }
        siv.d = d;
        siv
    }

    /// AES-CMAC (RFC 4493) under K1.
    fn cmac(&self, message: &[u8]) -> u128 {
        let mut x = 0u128;
        let last = if message.is_empty() {
            0
        } else {
            (message.len() - 1) / 16 * 16
        };
        for block in message[..last].chunks_exact(16) {
            x = ciph(&self.mac, x ^ load(block));
        }
        let rest = &message[last..];
        if rest.len() == 16 {
            ciph(&self.mac, x ^ load(rest) ^ self.k1)
        } else {
            let mut padded = [0u8; 16];
            padded[..rest.len()].copy_from_slice(rest);
            padded[rest.len()] = 0x80;
            ciph(&self.mac, x ^ u128::from_be_bytes(padded) ^ self.k2)
        }
    }

    /// S2V's last step over the message.
    fn s2v(&mut self, message: &[u8]) -> u128 {
        if message.len() >= 16 {
            let mut t = std::mem::take(&mut self.scratch);
            t.clear();
            t.extend_from_slice(message);
            let end = t.len() - 16;
            let tail = load(&t[end..]) ^ self.d;
            t[end..].copy_from_slice(&tail.to_be_bytes());
            let v = self.cmac(&t);
            self.scratch = t;
            v
        } else {
            let mut padded = [0u8; 16];
            padded[..message.len()].copy_from_slice(message);
            padded[message.len()] = 0x80;
            ciph(
                &self.mac,
                dbl(self.d) ^ u128::from_be_bytes(padded) ^ self.k1,
            )
        }
    }

    /// XORs `data` with the CTR keystream from IV `v` (bits 63 and 31 cleared).
    fn ctr(&self, v: u128, data: &mut [u8]) {
        let q = v & !((1 << 63) | (1 << 31));
        let mut counter = q;
        for chunk in data.chunks_mut(8 * 16) {
            let mut blocks: [Block<C>; 8] = Default::default();
            let n = chunk.len().div_ceil(16);
            for block in &mut blocks[..n] {
                *block = Block::<C>::from(counter.to_be_bytes());
                counter = counter.wrapping_add(1);
            }
            self.ctr.encrypt_blocks(&mut blocks[..n]);
            for (bytes, key) in chunk.chunks_mut(16).zip(&blocks) {
                for (b, k) in bytes.iter_mut().zip(key.iter()) {
                    *b ^= k;
                }
            }
        }
    }

    /// Encrypts `data` in place and returns the tag (the SIV).
    fn seal(&mut self, data: &mut [u8]) -> [u8; 16] {
        let v = self.s2v(data);
        self.ctr(v, data);
        v.to_be_bytes()
    }

    /// Decrypts `data` in place if `tag` authenticates it; on failure `data` is
    /// zeroed.
    fn open(&mut self, tag: &[u8; 16], data: &mut [u8]) -> Result<(), TokenError> {
        let v = u128::from_be_bytes(*tag);
        self.ctr(v, data);
        let expected = self.s2v(data).to_be_bytes();
        if bool::from(expected.ct_eq(tag)) {
            Ok(())
        } else {
            data.zeroize();
            Err(TokenError::DecryptionFailed)
        }
    }
}

fn load(bytes: &[u8]) -> u128 {
    let mut block = [0u8; 16];
    block.copy_from_slice(bytes);
    u128::from_be_bytes(block)
}

fn ciph<C: BlockEncrypt + BlockSizeUser<BlockSize = U16>>(cipher: &C, x: u128) -> u128 {
    let mut block = Block::<C>::from(x.to_be_bytes());
    cipher.encrypt_block(&mut block);
    let mut out = [0u8; 16];
    out.copy_from_slice(&block);
    u128::from_be_bytes(out)
}

impl<C> Drop for Siv<C> {
    fn drop(&mut self) {
        self.k1.zeroize();
        self.k2.zeroize();
        self.d.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use aes::Aes128;
    use aes_siv::siv::{Aes128Siv, Aes256Siv};

    use super::*;

    /// Runs the native SIV with `ad` and returns `tag || ciphertext`, after checking
    /// that it opens again and that a flipped bit does not.
    fn native<C: BlockEncrypt + KeyInit + BlockSizeUser<BlockSize = U16>>(
        key: &[u8],
        ad: &[&[u8]],
        pt: &[u8],
    ) -> Vec<u8> {
        let mut siv = Siv::<C>::new(key, ad);
        let mut body = pt.to_vec();
        let tag = siv.seal(&mut body);
        let mut opened = body.clone();
        siv.open(&tag, &mut opened).unwrap();
        assert_eq!(opened, pt);
        let mut bad = tag;
        bad[15] ^= 1;
        let mut refused = body.clone();
        assert_eq!(
            siv.open(&bad, &mut refused),
            Err(TokenError::DecryptionFailed)
        );
        assert!(
            refused.iter().all(|&b| b == 0),
            "plaintext released on failure"
        );
        [tag.as_slice(), &body].concat()
    }

    /// RFC 5297 Appendix A.1 (deterministic AEAD, one AD component) through the
    /// native SIV with AES-128, and through the `aes-siv` crate.
    #[test]
    fn rfc5297_a1() {
        let key = hex::decode("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
            .unwrap();
        let ad = hex::decode("101112131415161718191a1b1c1d1e1f2021222324252627").unwrap();
        let pt = hex::decode("112233445566778899aabbccddee").unwrap();
        let expected = "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c";
        assert_eq!(hex::encode(native::<Aes128>(&key, &[&ad], &pt)), expected);
        let mut siv = Aes128Siv::new(key.as_slice().into());
        assert_eq!(hex::encode(siv.encrypt([&ad], &pt).unwrap()), expected);
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
        assert_eq!(
            hex::encode(native::<Aes128>(&key, &[&ad1, &ad2, &nonce], &pt)),
            "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d"
        );
    }

    /// Every message length from 0 to 300 bytes (the short-message branch, the
    /// block boundaries, CTR batches of 8 blocks) against the `aes-siv` crate.
    #[test]
    fn every_length_matches_the_aes_siv_crate() {
        let key: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
        for ad_len in [0usize, 5, 16, 40] {
            let ad: Vec<u8> = (0..ad_len).map(|i| i as u8).collect();
            let mut reference = Aes256Siv::new(key.as_slice().into());
            for len in 0..=300usize {
                let pt: Vec<u8> = (0..len).map(|i| (i * 7 + ad_len) as u8).collect();
                assert_eq!(
                    native::<Aes256>(&key, &[&ad], &pt),
                    reference.encrypt([&ad], &pt).unwrap(),
                    "ad {ad_len}, message {len}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_the_aes_siv_crate(
            key in proptest::collection::vec(proptest::num::u8::ANY, 64),
            ad in proptest::collection::vec(proptest::num::u8::ANY, 0..50),
            pt in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        ) {
            let mut reference = Aes256Siv::new(key.as_slice().into());
            proptest::prop_assert_eq!(
                native::<Aes256>(&key, &[&ad], &pt),
                reference.encrypt([&ad], &pt).unwrap()
            );
        }
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
