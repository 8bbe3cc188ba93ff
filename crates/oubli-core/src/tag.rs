//! Keyed tags of data subjects, for ledger entries (`docs/CONSTRUCTIONS.md` §5).
//!
//! A deletion entry must say *which* subjects were erased without naming them:
//! it carries `hex(HMAC-SHA256(subkey("tag", "erase", 32), identifier))`. The
//! holder of the master key can recompute the tag of a given identifier and
//! find it in the ledger; anyone else sees 64 opaque hex characters.
//!
//! ```
//! use oubli_core::{MasterKey, tag::SubjectTagger};
//!
//! let tagger = SubjectTagger::new(&MasterKey::from_bytes([7; 32]));
//! let tag = tagger.tag(b"alice@example.org");
//! assert_eq!(tag.to_string().len(), 64);
//! assert_eq!(tag, tagger.tag(b"alice@example.org"));
//! ```

use std::fmt;

use crate::MasterKey;
use crate::subkey::{Purpose, derive};
use crate::transform::HmacSha256;

/// The subkey domain of erasure tags.
pub const ERASE_DOMAIN: &str = "erase";

/// Makes subject tags under one master key. Holds a keyed MAC state (secret),
/// zeroized on drop: its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SubjectTagger {
    mac: HmacSha256,
}

impl SubjectTagger {
    /// A tagger with `subkey("tag", "erase", 32)` of `key`.
    pub fn new(key: &MasterKey) -> SubjectTagger {
        let subkey = derive::<32>(key, Purpose::Tag, ERASE_DOMAIN);
        SubjectTagger {
            mac: HmacSha256::new(subkey.as_slice()),
        }
    }

    /// The tag of an identifier, given as the bytes that were matched (the
    /// trimmed or canonicalised identifier, `docs/CONSTRUCTIONS.md` §5).
    pub fn tag(&self, identifier: &[u8]) -> SubjectTag {
        SubjectTag(self.mac.mac(identifier))
    }
}

impl fmt::Debug for SubjectTagger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectTagger").finish_non_exhaustive()
    }
}

/// A subject's tag: public, safe to write to a ledger. Displays as 64
/// lowercase hex characters; ordered by its bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectTag([u8; 32]);

impl SubjectTag {
    /// A tag read back from a record that stores it (a vault, a token).
    pub fn from_bytes(bytes: [u8; 32]) -> SubjectTag {
        SubjectTag(bytes)
    }

    /// The 32 MAC bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for SubjectTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SubjectTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectTag({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::parse;

    /// `testdata/vectors/tags.txt`, from the independent Python implementation
    /// `generate_tags.py`; each case is also checked to fail with a flipped key bit.
    #[test]
    fn known_answer_vectors() {
        let cases = parse(include_str!("../../../testdata/vectors/tags.txt"));
        assert!(cases.len() >= 30, "tags.txt: {} cases", cases.len());
        for case in &cases {
            let mut key: [u8; 32] = case.bytes("key").try_into().expect("32-byte key");
            let identifier = case.bytes("identifier");
            let got = SubjectTagger::new(&MasterKey::from_bytes(key)).tag(&identifier);
            assert_eq!(got.to_string(), case.str("tag"), "case `{}`", case.name());
            key[31] ^= 0x80;
            let other = SubjectTagger::new(&MasterKey::from_bytes(key)).tag(&identifier);
            assert_ne!(other.to_string(), case.str("tag"), "case `{}`", case.name());
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let tagger = SubjectTagger::new(&MasterKey::from_bytes([1; 32]));
        assert_eq!(format!("{tagger:?}"), "SubjectTagger { .. }");
    }
}
