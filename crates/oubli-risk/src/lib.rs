//! Re-identification risk of tabular data, and a PII scan that suggests an
//! oubli policy. No I/O and no cryptography: callers feed records (from the
//! CSV engine, from Parquet, from a masking job's output) and get figures.
//!
//! * [`RiskCounter`] counts equivalence classes over quasi-identifier columns
//!   in one streaming pass and reports k-anonymity, the records in classes
//!   smaller than a threshold, distinct l-diversity of a sensitive attribute,
//!   the highest and average prosecutor risk, and a histogram of class sizes
//!   ([`RiskReport`]). Memory grows with the number of classes, not records.
//! * [`Scanner`] looks at a sample of rows and says, per column, what kind of
//!   personal data it holds and how sure it is; [`Scan::suggested_policy`]
//!   writes that as a policy file (`docs/POLICY.md`) with a comment per
//!   column. It never writes a sample value.
//!
//! The measures, their definitions and the detectors' limits are in
//! `docs/RISK.md`.
//!
//! # Example
//!
//! ```
//! use oubli_risk::{Attributes, DEFAULT_K, RiskCounter};
//!
//! let header = ["zip".to_owned(), "age".to_owned(), "diagnosis".to_owned()];
//! let rows = [["750", "30", "flu"], ["750", "30", "cold"], ["751", "41", "flu"]];
//! let columns = Attributes::resolve(&header, &["zip", "age"], Some("diagnosis"))?;
//! let mut counter = RiskCounter::for_attributes(&columns);
//! for row in &rows {
//!     counter.add_record(&columns, row);
//! }
//! let report = counter.report(DEFAULT_K);
//! assert_eq!((report.records, report.classes, report.k), (3, 2, Some(1)));
//! assert_eq!(report.records_below_k, 1); // the 751/41 record is unique
//! assert_eq!(report.l, Some(1));
//! assert_eq!(report.max_risk(), Some(1.0));
//! # Ok::<(), oubli_risk::RiskError>(())
//! ```

#![forbid(unsafe_code)]

mod classes;
mod detect;
mod error;
mod scan;

pub use classes::{
    Attributes, ClassStats, DEFAULT_K, RiskCounter, RiskReport, SIZE_BUCKETS, SizeBucket,
};
pub use error::{RiskError, Role};
pub use scan::{ColumnFinding, DEFAULT_SCAN_ROWS, Kind, Scan, Scanner};
