//! oubli's deletion engine (ISO/IEC 27002 8.10): shred files and directory
//! trees, sweep files past their retention, and erase data subjects' rows
//! from CSV files — each step producing the evidence a ledger entry
//! records, and an honest verdict on what could be verified.
//!
//! - [`shred`]: overwrite (CSPRNG passes, optional zero pass), `fdatasync`,
//!   read the last pass back, scrub the name, truncate, unlink, sync the
//!   directory; never follows a symlink; refuses devices, FIFOs and sockets.
//! - [`storage`]: what the file system and device are, and whether an
//!   in-place overwrite can reach the old blocks there (`verified` vs
//!   `not-verifiable`, with the reasons).
//! - [`sweep`]: shred the files under a directory older than a retention.
//! - [`erase`]: remove the rows of listed subjects from a CSV file (byte for
//!   byte otherwise) or a Parquet file (value for value otherwise), verified
//!   by re-reading; crash-safe in place.
//!
//! File I/O lives here; the crypto (subject tags, policy transforms) comes
//! from `oubli-core` and `oubli-policy`, the CSV engine from `oubli-csv`.
//! No `unsafe`: system calls go through `rustix`.
//!
//! ```
//! use oubli_erase::shred::{ShredOptions, shred};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("secret.txt");
//! std::fs::write(&path, b"account 1234").unwrap();
//! let mut reports = Vec::new();
//! let tally = shred(&[path.clone()], &ShredOptions::default(), &mut |r| {
//!     reports.push(r);
//!     std::ops::ControlFlow::Continue(())
//! });
//! assert_eq!(tally.failed, 0);
//! assert!(!path.exists());
//! assert!(reports[0].removed);
//! ```

#![forbid(unsafe_code)]

pub mod cleanup;
pub mod erase;
pub mod fault;
mod parquet;
pub mod shred;
pub mod storage;
pub mod sweep;
