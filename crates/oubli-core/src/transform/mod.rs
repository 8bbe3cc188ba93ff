//! The keyed transforms (`docs/CONSTRUCTIONS.md` §4).
//!
//! Each transform is built once per worker thread from the master key and its
//! parameters, then applied to many values with no per-value allocation beyond
//! the output buffer the caller passes in.

mod calendar;
mod date_shift;
mod fake;
mod ff1;
mod gcm;
mod generalise;
mod hash;
mod mask;
mod noise;
mod siv;

pub use calendar::Decimal;
pub use date_shift::{DateShifter, MAX_SHIFT_DAYS};
pub use fake::{Dictionary, DictionaryError, FakeRegistry, Faker};
pub use ff1::{Alphabet, FormatPreservingCipher, FpeError};
pub use gcm::RandomisedCipher;
pub use generalise::{
    AnonymiseError, Generalisation, Generaliser, Hierarchy, HierarchyError, Period,
};
pub use hash::{HashEncoding, HmacSha256, Pseudonymiser};
// The zeroizing HMAC-SHA256, shared with the subject tagger (`crate::tag`).
pub use mask::Masker;
pub use noise::{NoiseDistribution, NoiseScale, Noiser};
pub use siv::{Aes256SivAead, DeterministicCipher};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ShortKeyId;

/// Why a token of a reversible transform could not be turned back into its value.
///
/// Cryptographic failures are deliberately opaque: the caller adds the column and row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The value does not have the shape of a token of this column.
    #[error("not a token of this column ({reason})")]
    Malformed {
        /// What is wrong with its shape.
        reason: &'static str,
    },
    /// The token was made under another master key.
    #[error(
        "the token was made with key {token_key}…, but the key given has id {given_key}…; unmask with the key that masked the data"
    )]
    WrongKey {
        /// Short id found in the token.
        token_key: ShortKeyId,
        /// Short id of the key given.
        given_key: ShortKeyId,
    },
    /// Authentication failed: the token was altered, or belongs to another domain.
    #[error("decryption failed: the token was altered, truncated, or made for another domain")]
    DecryptionFailed,
}

/// Splits `prefix || short key id || b64url(payload)` and decodes the payload into `buf`.
fn open_token(
    token: &str,
    prefix: &str,
    key: ShortKeyId,
    min_payload: usize,
    buf: &mut Vec<u8>,
) -> Result<(), TokenError> {
    let rest = token.strip_prefix(prefix).ok_or(TokenError::Malformed {
        reason: "it does not start with the column's prefix",
    })?;
    if rest.len() < ShortKeyId::HEX_LEN {
        return Err(TokenError::Malformed {
            reason: "it is too short",
        });
    }
    let (id, body) = rest.split_at(ShortKeyId::HEX_LEN);
    let token_key = ShortKeyId::from_hex(id.as_bytes()).ok_or(TokenError::Malformed {
        reason: "it does not carry a key id",
    })?;
    if token_key != key {
        return Err(TokenError::WrongKey {
            token_key,
            given_key: key,
        });
    }
    buf.clear();
    URL_SAFE_NO_PAD
        .decode_vec(body, buf)
        .map_err(|_| TokenError::Malformed {
            reason: "it is not base64url",
        })?;
    if buf.len() < min_payload {
        return Err(TokenError::Malformed {
            reason: "it is too short",
        });
    }
    Ok(())
}

/// Writes `prefix || short key id || b64url(payload)` into `out` (appending).
fn seal_token(prefix: &str, key: ShortKeyId, payload: &[u8], out: &mut String) {
    out.push_str(prefix);
    key.push_hex(out);
    URL_SAFE_NO_PAD.encode_string(payload, out);
}
