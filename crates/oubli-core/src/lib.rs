//! The keyed-transform core of oubli: keys, key files, HKDF subkeys and the
//! transforms that pseudonymise and encrypt values. It works on bytes and strings
//! only and never opens a file; engines (CSV, Parquet) and the CLI do the I/O.
//!
//! Every construction is specified in `docs/CONSTRUCTIONS.md` (the contract) and
//! pinned by known-answer vectors in `testdata/vectors/`.
//!
//! ```
//! use oubli_core::{MasterKey, transform::{HashEncoding, Pseudonymiser, DeterministicCipher}};
//!
//! let key = MasterKey::from_bytes([7; 32]);
//! let pseudonymiser = Pseudonymiser::new(&key, "customer", HashEncoding::Hex, Some(16), "");
//! let mut out = String::new();
//! pseudonymiser.apply(b"alice@example.org", &mut out);
//! assert_eq!(out.len(), 16);
//!
//! let mut cipher = DeterministicCipher::new(&key, "iban", "");
//! let mut token = String::new();
//! cipher.encrypt(b"DE89370400440532013000", &mut token);
//! let mut back = Vec::new();
//! cipher.decrypt(&token, &mut back).unwrap();
//! assert_eq!(back, b"DE89370400440532013000");
//! ```

#![forbid(unsafe_code)]

pub mod canonical;
mod keys;
pub mod subkey;
pub mod tag;
pub mod transform;

#[cfg(test)]
mod vectors;

pub use keys::{
    AnyKey, DEFAULT_SIGNER_NAME, KeyError, KeyId, MASTER_KEY_PREFIX, MasterKey, SIGNING_KEY_PREFIX,
    ShortKeyId, SigningKey, VerifierKey, parse_key_file,
};
