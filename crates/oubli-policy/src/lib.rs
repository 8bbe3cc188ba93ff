//! oubli's policy file (`docs/POLICY.md`, contract): which transform each column
//! gets. Parsing is strict and fail-closed: unknown keys, unknown transforms, bad
//! parameters and, by default, columns the policy does not name are errors that
//! name the policy line, the key and the column. No I/O: callers pass the text.
//!
//! ```
//! use oubli_policy::{Direction, Plan, Policy};
//! use oubli_core::MasterKey;
//!
//! let policy = Policy::parse(r#"
//! version = 1
//! [columns]
//! email = { transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }
//! city  = { transform = "keep" }
//! "#, "policy.toml").unwrap();
//!
//! let header = ["email".to_string(), "city".to_string()];
//! let plan = Plan::new(&policy, &header, Direction::Mask).unwrap();
//! let key = MasterKey::from_bytes([1; 32]);
//! let mut worker = plan.worker(&key);
//! let mut out = String::new();
//! worker.apply(0, " Alice@Example.org", &mut out).unwrap();
//! assert_eq!(out.len(), 64);
//! ```

#![forbid(unsafe_code)]

mod anon;
mod error;
mod model;
mod parse;
mod plan;
mod risk;

pub use anon::{DictionarySource, Generalise, NoiseRule, PolicyFile};
pub use error::{PolicyError, PolicyErrorKind, ValueError};
pub use model::{
    ColumnRule, EmptyValues, FpeFallback, PerSubject, Policy, Rule, Transform, Unlisted,
};
pub use plan::{ColumnAction, Direction, Plan, PlannedColumn, Worker};
pub use risk::{OnViolation, RiskColumn, RiskPolicy};
