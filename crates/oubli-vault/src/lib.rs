//! oubli's crypto-shredding vault (`docs/CRYPTO-SHREDDING.md`): one random
//! 256-bit data key per data subject, wrapped under the master key and
//! indexed by the subject's keyed tag (never the identifier). Values
//! encrypted per subject ([`SubjectCipher`]) become irrecoverable in every
//! copy at once when the subject's key is destroyed ([`Vault::forget`]):
//! cryptographic erase, NIST SP 800-88r2 §3.2.
//!
//! - [`Vault`]: the records in memory, and the file format (with a per-line
//!   check and a whole-file MAC, so damage is an error naming the line);
//! - [`VaultFile`]: create once, read, rewrite atomically under an exclusive
//!   lock; on forget, keep the old version reachable for its shred;
//! - [`Keyring`]: the keys of a running job, shared by its worker threads;
//! - [`SubjectCipher`]: per-subject `encrypt` / `encrypt_random` tokens.
//!
//! ```
//! use std::sync::Arc;
//! use oubli_core::MasterKey;
//! use oubli_vault::{Keyring, Mode, NewKeys, SubjectCipher, Vault};
//!
//! let master = MasterKey::from_bytes([7; 32]);
//! let keyring = Arc::new(Keyring::new(Vault::new(&master), &master, NewKeys::Create));
//! let mut cipher = SubjectCipher::new(Arc::clone(&keyring), &master, Mode::Deterministic, "iban", "", "customer_id");
//! let mut token = String::new();
//! cipher.encrypt("C-42", b"DE89370400440532013000", &mut token).unwrap();
//! let mut back = Vec::new();
//! cipher.decrypt(&token, &mut back).unwrap();
//! assert_eq!(back, b"DE89370400440532013000");
//!
//! // Forget the subject: the same token no longer opens.
//! let bytes = keyring.read().to_bytes();
//! let mut vault = Vault::parse(&bytes, &master, "vault").unwrap();
//! vault.forget(keyring.tag("C-42"), "2026-11-22T10:00:00Z");
//! let after = Arc::new(Keyring::new(vault, &master, NewKeys::Never));
//! let mut cipher = SubjectCipher::new(after, &master, Mode::Deterministic, "iban", "", "customer_id");
//! assert!(cipher.decrypt(&token, &mut back).is_err());
//! ```

#![forbid(unsafe_code)]

mod cipher;
mod error;
mod file;
mod keyring;
mod vault;

#[cfg(test)]
mod tests;

pub use cipher::{Mode, SubjectCipher};
pub use error::{SubjectError, VaultError};
pub use file::{Loaded, Saved, VaultFile, VaultLock};
pub use keyring::{Keyring, NewKeys};
pub use vault::{DataKey, ForgetOutcome, MAGIC, Record, VAULT_DOMAIN, Vault, WRAPPED_LEN};
