//! Integration tests of `oubli-policy`: the policy file (fixtures in
//! `testdata/policy/`), binding to a header (`Plan::new`), and the worker that
//! applies the plan in both directions.

mod anon;
mod bind;
mod common;
mod fixtures;
mod parse;
mod per_subject;
mod props;
mod risk;
mod secrets;
mod vectors;
mod worker;
