//! C2SP `tlog-checkpoint` bodies (<https://c2sp.org/tlog-checkpoint>).
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <base64 root hash>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::{SigningKey, VerifierKey};

use crate::merkle::Hash;
use crate::note::{self, NoteError};

/// A tree head: the log's origin, size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, fixed when the ledger is created.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 9162 root hash of those entries.
    pub root: Hash,
}

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note's signature.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The body is not a checkpoint.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// Signed by the right key for another log.
    #[error("the checkpoint is for log `{found}`, expected `{expected}`")]
    WrongOrigin {
        /// Origin in the checkpoint.
        found: String,
        /// Origin expected (the verifier key's name).
        expected: String,
    },
}

impl Checkpoint {
    /// The note text (body).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parses a checkpoint body (extension lines after the root are allowed and ignored).
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let mut lines = text.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(CheckpointError::Malformed("no origin line"))?;
        let size = lines
            .next()
            .ok_or(CheckpointError::Malformed("no size line"))?;
        if size.is_empty()
            || (size.len() > 1 && size.starts_with('0'))
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CheckpointError::Malformed(
                "the size is not a decimal number",
            ));
        }
        let size = size
            .parse()
            .map_err(|_| CheckpointError::Malformed("the size is out of range"))?;
        let root = lines
            .next()
            .ok_or(CheckpointError::Malformed("no root hash line"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(CheckpointError::Malformed(
                "the root hash is not 32 bytes of base64",
            ))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Signs the checkpoint with the log's key (key name = origin).
    pub fn sign(&self, key: &SigningKey) -> Result<String, CheckpointError> {
        Ok(note::sign(&self.body(), &self.origin, key)?)
    }

    /// Verifies a signed checkpoint with the log's verifier key, whose name must
    /// be the checkpoint's origin.
    pub fn open(signed: &str, verifier: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
        let text = note::open(signed, verifier)?;
        let checkpoint = Checkpoint::parse_body(text)?;
        if checkpoint.origin != verifier.name() {
            return Err(CheckpointError::WrongOrigin {
                found: checkpoint.origin,
                expected: verifier.name().to_owned(),
            });
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = SigningKey::generate().unwrap();
        let cp = Checkpoint {
            origin: "example.com/ledger".into(),
            size: 20852163,
            root: [7; 32],
        };
        let signed = cp.sign(&key).unwrap();
        assert!(signed.starts_with("example.com/ledger\n20852163\nBwcH"));
        let vk = key.verifier_key("example.com/ledger").unwrap();
        assert_eq!(Checkpoint::open(&signed, &vk).unwrap(), cp);
        let altered = signed.replace("20852163", "20852162");
        assert!(Checkpoint::open(&altered, &vk).is_err());
        let other_name = key.verifier_key("example.com/other").unwrap();
        assert!(Checkpoint::open(&signed, &other_name).is_err());
    }

    #[test]
    fn body_parsing_is_strict() {
        assert!(Checkpoint::parse_body("o\n012\nAAAA\n").is_err());
        assert!(Checkpoint::parse_body("o\n-1\n").is_err());
        assert!(Checkpoint::parse_body("\n1\n").is_err());
        let root = STANDARD.encode([0u8; 32]);
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n0\n{root}\next\n"))
                .unwrap()
                .size,
            0
        );
    }
}
