//! Integration tests of `oubli-policy`: the policy file (fixtures in
//! `testdata/policy/`), binding to a header (`Plan::new`), and the worker that
//! applies the plan in both directions.

mod bind;
mod common;
mod fixtures;
mod parse;
mod props;
mod vectors;
mod worker;
