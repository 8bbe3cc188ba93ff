//! oubli's evidence ledger (ISO/IEC 27002 8.10 and 8.11): every masking and
//! deletion job appends a JSON entry; the entries are the leaves of an RFC 9162
//! Merkle tree whose head is signed as a C2SP checkpoint with an Ed25519 key.
//! An auditor holding only the public verifier key can check every entry, see
//! that nothing was removed since a checkpoint they saved (consistency proof),
//! and check one entry's receipt without seeing the others (inclusion proof).
//!
//! The formats are specified in `docs/LEDGER.md` (contract).
//!
//! ```
//! use oubli_core::SigningKey;
//! use oubli_ledger::ledger::Ledger;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let key = SigningKey::generate().unwrap();
//! let ledger = Ledger::new(dir.path());
//! ledger.init("example.com/audit", &key).unwrap();
//! let appended = ledger.append(&serde_json::json!({"type": "note", "text": "hello"}), &key).unwrap();
//! assert_eq!(appended.index, 0);
//!
//! let verifier = key.verifier_key("example.com/audit").unwrap();
//! let verified = ledger.verify(&verifier, None).unwrap().unwrap();
//! assert_eq!(verified.checkpoint.size, 1);
//!
//! let receipt = ledger.receipt(0).unwrap();
//! receipt.verify(&verifier).unwrap();
//! ```

#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod entry;
pub mod ledger;
pub mod merkle;
pub mod note;
pub mod receipt;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use ledger::{Appended, Failure, Ledger, LedgerError, RepairReport, Verified};
pub use receipt::{Receipt, ReceiptError};
