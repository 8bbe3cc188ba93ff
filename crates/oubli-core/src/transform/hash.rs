//! `hash`: HMAC-SHA256 pseudonyms under the `hash` subkey.
//!
//! The hot path is a hand-rolled HMAC over SHA-256's compression function
//! (`sha2::compress256`, SHA-NI where the CPU has it): the inner and outer states
//! after the keyed pad blocks are computed once per pseudonymiser, so a short field
//! (up to 55 bytes) costs exactly two compressions, with no allocation and no
//! re-keying. It is checked against RFC 4231 and against the `hmac` crate on random
//! keys and messages.

use std::fmt;
use std::str::FromStr;

use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::MasterKey;
use crate::subkey::{Purpose, derive};

/// How the 32-byte MAC is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashEncoding {
    /// Lowercase hexadecimal, 64 characters.
    #[default]
    Hex,
    /// RFC 4648 base32, uppercase, unpadded, 52 characters.
    Base32,
    /// RFC 4648 base64url, unpadded, 43 characters.
    Base64Url,
}

impl HashEncoding {
    /// All encodings.
    pub const ALL: [HashEncoding; 3] = [
        HashEncoding::Hex,
        HashEncoding::Base32,
        HashEncoding::Base64Url,
    ];

    /// Name in policy files.
    pub fn name(self) -> &'static str {
        match self {
            HashEncoding::Hex => "hex",
            HashEncoding::Base32 => "base32",
            HashEncoding::Base64Url => "base64url",
        }
    }

    /// Characters in the full encoding of a 32-byte MAC.
    pub fn full_len(self) -> usize {
        match self {
            HashEncoding::Hex => 64,
            HashEncoding::Base32 => 52,
            HashEncoding::Base64Url => 43,
        }
    }
}

impl fmt::Display for HashEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashEncoding {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashEncoding::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or(())
    }
}

/// SHA-256's block size in bytes.
const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104) with its key already absorbed: the SHA-256 states after
/// the `key ⊕ ipad` and `key ⊕ opad` blocks. Cloning it is copying 64 bytes; the
/// states are as secret as the key and are zeroized on drop.
#[derive(Clone)]
pub struct HmacSha256 {
    inner: [u32; 8],
    outer: [u32; 8],
}

/// SHA-256's initial hash value (FIPS 180-4 §5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

impl HmacSha256 {
    /// Absorbs `key` (of any length: keys longer than a block are hashed first, as
    /// RFC 2104 says).
    pub fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; BLOCK];
        if key.len() > BLOCK {
            padded[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let pads = |byte: u8| {
            let mut block = padded.map(|k| k ^ byte);
            let mut state = SHA256_IV;
            compress(&mut state, &block);
            block.zeroize();
            state
        };
        let (inner, outer) = (pads(0x36), pads(0x5c));
        padded.zeroize();
        HmacSha256 { inner, outer }
    }

    /// HMAC-SHA256(key, message).
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut tag = [0u8; 32];
        for (bytes, word) in tag.chunks_exact_mut(4).zip(self.mac_words(message)) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        tag
    }

    /// HMAC-SHA256(key, message) as SHA-256's eight state words (the tag is their
    /// big-endian bytes).
    fn mac_words(&self, message: &[u8]) -> [u32; 8] {
        // Inner hash: the full blocks of the message, then one final block with the
        // padding and the bit length (counting the ipad block), or two when fewer
        // than 9 bytes are left for them.
        let mut state = self.inner;
        let mut blocks = message.chunks_exact(BLOCK);
        for block in &mut blocks {
            let block: &[u8; BLOCK] = block
                .try_into()
                .unwrap_or_else(|_| unreachable!("chunks_exact"));
            compress(&mut state, block);
        }
        let rest = blocks.remainder();
        let mut last = [0u8; BLOCK];
        last[..rest.len()].copy_from_slice(rest);
        last[rest.len()] = 0x80;
        if rest.len() >= BLOCK - 8 {
            compress(&mut state, &last);
            last = [0u8; BLOCK];
        }
        let bits = (BLOCK as u64 + message.len() as u64).wrapping_mul(8);
        last[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut state, &last);
        // Outer hash: one block, the inner digest with its padding and length
        // (64 + 32 bytes = 768 bits).
        let mut block = [0u8; BLOCK];
        for (bytes, word) in block.chunks_exact_mut(4).zip(state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[BLOCK - 8..].copy_from_slice(&768u64.to_be_bytes());
        let mut state = self.outer;
        compress(&mut state, &block);
        state
    }
}

/// The eight lowercase hex digits of `word`, most significant first, by SWAR: the
/// nibbles are spread one per byte, then `'0'` is added, and `'a' − '0' − 10` more
/// to the nibbles above 9.
fn hex_word(word: u32) -> [u8; 8] {
    let mut n = u64::from(word);
    n = (n | (n << 16)) & 0x0000_FFFF_0000_FFFF;
    n = (n | (n << 8)) & 0x00FF_00FF_00FF_00FF;
    n = (n | (n << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    let letters = ((n + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (n + 0x3030_3030_3030_3030 + letters * 39).to_be_bytes()
}

impl Drop for HmacSha256 {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSha256(..)")
    }
}

/// Keyed, irreversible pseudonyms: `prefix || encode(HMAC-SHA256(subkey, value))[..length]`.
pub struct Pseudonymiser {
    mac: HmacSha256,
    encoding: HashEncoding,
    length: usize,
    prefix: String,
}

impl Pseudonymiser {
    /// A pseudonymiser for `domain`. `length` is clamped to `8..=encoding.full_len()`
    /// by policy validation; here it is only capped at the full length.
    pub fn new(
        key: &MasterKey,
        domain: &str,
        encoding: HashEncoding,
        length: Option<usize>,
        prefix: &str,
    ) -> Self {
        let subkey = derive::<32>(key, Purpose::Hash, domain);
        Pseudonymiser {
            mac: HmacSha256::new(subkey.as_slice()),
            encoding,
            length: length.unwrap_or(usize::MAX).min(encoding.full_len()),
            prefix: prefix.to_owned(),
        }
    }

    /// Appends the pseudonym of `canonical` to `out`.
    pub fn apply(&self, canonical: &[u8], out: &mut String) {
        let words = self.mac.mac_words(canonical);
        // Encoded on the stack, copied once; every encoding is ASCII, so any cut is
        // a character boundary.
        let mut buf = [0u8; 64];
        let text = match self.encoding {
            HashEncoding::Hex => {
                for (digits, word) in buf.chunks_exact_mut(8).zip(words) {
                    digits.copy_from_slice(&hex_word(word));
                }
                std::str::from_utf8(&buf).unwrap_or_else(|_| unreachable!("hex is ASCII"))
            }
            HashEncoding::Base32 | HashEncoding::Base64Url => {
                let table = if self.encoding == HashEncoding::Base32 {
                    &data_encoding::BASE32_NOPAD
                } else {
                    &data_encoding::BASE64URL_NOPAD
                };
                let mut tag = [0u8; 32];
                for (bytes, word) in tag.chunks_exact_mut(4).zip(words) {
                    bytes.copy_from_slice(&word.to_be_bytes());
                }
                table.encode_mut_str(&tag, &mut buf[..self.encoding.full_len()])
            }
        };
        out.reserve(self.prefix.len() + self.length);
        out.push_str(&self.prefix);
        out.push_str(&text[..self.length]);
    }
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonymiser")
            .field("encoding", &self.encoding)
            .field("length", &self.length)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (HMAC-SHA256) through the hand-rolled
    /// HMAC: short and long keys (131 bytes, hashed first), one-block and
    /// multi-block messages.
    #[test]
    fn rfc4231() {
        let case7 = b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
        let key4: Vec<u8> = (1..=25).collect();
        let cases: [(&[u8], &[u8], &str); 6] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 20],
                &[0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                &key4,
                &[0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &[0xaa; 131],
                case7,
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (key, data, expected) in cases {
            let mac = HmacSha256::new(key);
            assert_eq!(hex::encode(mac.mac(data)), expected);
            let mut tampered = data.to_vec();
            tampered[0] ^= 1;
            assert_ne!(hex::encode(mac.mac(&tampered)), expected);
        }
    }

    /// Every message length around the padding boundaries (55/56 bytes, 64, 119/120,
    /// 128) and key lengths around the block size, against the `hmac` crate.
    #[test]
    fn padding_boundaries_match_the_hmac_crate() {
        for key_len in [0, 1, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
            let ours = HmacSha256::new(&key);
            for len in 0..=200 {
                let msg: Vec<u8> = (0..len).map(|i| (i * 13 + key_len) as u8).collect();
                assert_eq!(
                    ours.mac(&msg),
                    reference(&key, &msg),
                    "key {key_len}, msg {len}"
                );
            }
        }
    }

    fn reference(key: &[u8], msg: &[u8]) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(msg);
        mac.finalize().into_bytes().into()
    }

    proptest::proptest! {
        #[test]
        fn matches_the_hmac_crate(
            key in proptest::collection::vec(proptest::num::u8::ANY, 0..150),
            msg in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        ) {
            proptest::prop_assert_eq!(HmacSha256::new(&key).mac(&msg), reference(&key, &msg));
        }
    }

    #[test]
    fn hex_words() {
        for word in [
            0,
            1,
            9,
            10,
            15,
            0xdead_beef,
            0x0123_4567,
            0x89ab_cdef,
            u32::MAX,
        ] {
            assert_eq!(hex_word(word), *format!("{word:08x}").as_bytes());
        }
        for word in (0..=u32::MAX).step_by(65_521) {
            assert_eq!(hex_word(word), *format!("{word:08x}").as_bytes());
        }
    }

    #[test]
    fn encodings_and_lengths() {
        let key = MasterKey::from_bytes([3; 32]);
        let mut hex_out = String::new();
        Pseudonymiser::new(&key, "default", HashEncoding::Hex, None, "")
            .apply(b"alice", &mut hex_out);
        assert_eq!(hex_out.len(), 64);
        let mut short = String::new();
        Pseudonymiser::new(&key, "default", HashEncoding::Hex, Some(12), "c_")
            .apply(b"alice", &mut short);
        assert_eq!(short, format!("c_{}", &hex_out[..12]));
        for enc in HashEncoding::ALL {
            let mut out = String::new();
            Pseudonymiser::new(&key, "default", enc, None, "").apply(b"alice", &mut out);
            assert_eq!(out.len(), enc.full_len(), "{enc}");
        }
    }
}
