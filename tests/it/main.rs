//! End-to-end tests of oubli across its crates: policy text in, CSV through
//! `oubli_csv::mask` and back out, checked with the `csv` crate and with
//! independent implementations of the constructions.

mod common;
mod errors;
mod hash_construction;
mod linkability;
mod roundtrip;
