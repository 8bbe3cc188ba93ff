//! HKDF-SHA256 subkeys (`docs/CONSTRUCTIONS.md` §2).
//!
//! `subkey(purpose, domain, L) = HKDF-SHA256(IKM = master key, salt = none,
//! info = "oubli/v1/" + purpose + "/" + domain, L)`.

use std::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::MasterKey;

/// What a subkey is for. Each purpose has its own key space, so that no two
/// transforms ever share key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Keyed pseudonyms (`hash`).
    Hash,
    /// Deterministic encryption (`encrypt`, AES-256-SIV).
    Siv,
    /// Randomised encryption (`encrypt_random`, AES-256-GCM).
    Gcm,
    /// Format-preserving encryption (`fpe`, FF1).
    Ff1,
    /// Per-subject date offsets (`date_shift`).
    Shift,
    /// Reproducible numeric noise (`noise`).
    Noise,
    /// Dictionary fakes (`fake`).
    Fake,
    /// Keyed tags of data subjects in ledger entries.
    Tag,
}

impl Purpose {
    /// Every purpose, in the order of the contract.
    pub const ALL: [Purpose; 8] = [
        Purpose::Hash,
        Purpose::Siv,
        Purpose::Gcm,
        Purpose::Ff1,
        Purpose::Shift,
        Purpose::Noise,
        Purpose::Fake,
        Purpose::Tag,
    ];

    /// The label used in the HKDF `info` string.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Hash => "hash",
            Purpose::Siv => "siv",
            Purpose::Gcm => "gcm",
            Purpose::Ff1 => "ff1",
            Purpose::Shift => "shift",
            Purpose::Noise => "noise",
            Purpose::Fake => "fake",
            Purpose::Tag => "tag",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The HKDF `info` string of a subkey.
pub fn info(purpose: Purpose, domain: &str) -> String {
    format!("oubli/v1/{}/{}", purpose.label(), domain)
}

/// Derives the `N`-byte subkey for `purpose` and `domain`.
///
/// # Panics
/// Never for the sizes oubli uses (`N` ≤ 255 × 32 is HKDF-SHA256's limit, checked at
/// compile time).
pub fn derive<const N: usize>(
    master: &MasterKey,
    purpose: Purpose,
    domain: &str,
) -> Zeroizing<[u8; N]> {
    const { assert!(N <= 255 * 32, "HKDF-SHA256 output is limited to 8160 bytes") };
    let hk = Hkdf::<Sha256>::new(None, master.expose_secret());
    let mut okm = Zeroizing::new([0u8; N]);
    // Cannot fail: the length is within HKDF's limit (asserted above).
    let _ = hk.expand(info(purpose, domain).as_bytes(), okm.as_mut_slice());
    okm
}

/// HKDF-SHA256 with no salt, for lengths only known at run time (test vectors).
pub fn derive_vec(
    master: &MasterKey,
    purpose: Purpose,
    domain: &str,
    len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    let hk = Hkdf::<Sha256>::new(None, master.expose_secret());
    let mut okm = Zeroizing::new(vec![0u8; len]);
    hk.expand(info(purpose, domain).as_bytes(), &mut okm).ok()?;
    Some(okm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869 Appendix A.3: SHA-256, zero-length salt and info. This is the
    /// "no salt" case oubli relies on (salt = 32 zero bytes).
    #[test]
    fn rfc5869_test_case_3() {
        let ikm = [0x0bu8; 22];
        let hk = Hkdf::<Sha256>::new(None, &ikm);
        let mut okm = [0u8; 42];
        hk.expand(&[], &mut okm).unwrap();
        assert_eq!(
            hex::encode(okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        );
    }

    /// RFC 5869 Appendix A.1: SHA-256 with salt and info.
    #[test]
    fn rfc5869_test_case_1() {
        let ikm = [0x0bu8; 22];
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let hk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
        let mut okm = [0u8; 42];
        hk.expand(&info, &mut okm).unwrap();
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn purposes_and_domains_separate_keys() {
        let key = MasterKey::from_bytes([7u8; 32]);
        let a = derive::<32>(&key, Purpose::Hash, "default");
        let b = derive::<32>(&key, Purpose::Hash, "customer");
        let c = derive::<32>(&key, Purpose::Gcm, "default");
        assert_ne!(*a, *b);
        assert_ne!(*a, *c);
        assert_eq!(*a, *derive::<32>(&key, Purpose::Hash, "default"));
    }
}
