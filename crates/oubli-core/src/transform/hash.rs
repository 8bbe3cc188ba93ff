//! `hash`: HMAC-SHA256 pseudonyms under the `hash` subkey.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

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

/// Keyed, irreversible pseudonyms: `prefix || encode(HMAC-SHA256(subkey, value))[..length]`.
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
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
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(subkey.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        Pseudonymiser {
            mac,
            encoding,
            length: length.unwrap_or(usize::MAX).min(encoding.full_len()),
            prefix: prefix.to_owned(),
        }
    }

    /// Appends the pseudonym of `canonical` to `out`.
    pub fn apply(&self, canonical: &[u8], out: &mut String) {
        let mut mac = self.mac.clone();
        mac.update(canonical);
        let tag = mac.finalize().into_bytes();
        out.push_str(&self.prefix);
        let start = out.len();
        match self.encoding {
            HashEncoding::Hex => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for b in tag {
                    out.push(HEX[usize::from(b >> 4)] as char);
                    out.push(HEX[usize::from(b & 0x0f)] as char);
                }
            }
            HashEncoding::Base32 => out.push_str(&data_encoding::BASE32_NOPAD.encode(&tag)),
            HashEncoding::Base64Url => URL_SAFE_NO_PAD.encode_string(tag, out),
        }
        // Every encoding is ASCII, so any cut is a character boundary.
        out.truncate(start + self.length);
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

    /// RFC 4231 test cases 1, 2, 3 and 6 (HMAC-SHA256), through the same `Hmac`
    /// type the pseudonymiser uses.
    #[test]
    fn rfc4231() {
        let cases: [(&[u8], &[u8], &str); 4] = [
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
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, data, expected) in cases {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
            mac.update(data);
            assert_eq!(hex::encode(mac.finalize().into_bytes()), expected);
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
