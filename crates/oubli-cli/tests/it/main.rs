//! Integration tests of the `oubli` command line: every test runs the real
//! binary in its own temporary directory (see `support`).

mod bad_input;
mod crash;
mod deletion;
mod errors;
mod keys;
mod ledger;
mod mask;
mod risk;
mod secrets;
mod support;
mod vault;
