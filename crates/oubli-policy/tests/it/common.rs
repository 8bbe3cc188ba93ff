//! Helpers shared by the test modules.

use std::path::PathBuf;

use oubli_core::MasterKey;
use oubli_policy::{Direction, Plan, Policy, PolicyError, ValueError, Worker};

/// `testdata/` at the workspace root.
pub(crate) fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Parses a policy that must be valid.
pub(crate) fn policy(text: &str) -> Policy {
    Policy::parse(text, "policy.toml").unwrap_or_else(|e| panic!("policy must parse: {e}"))
}

/// Parses a policy that must be refused.
pub(crate) fn policy_err(text: &str) -> PolicyError {
    match Policy::parse(text, "policy.toml") {
        Ok(p) => panic!("policy must be refused, got {p:?}"),
        Err(e) => e,
    }
}

/// An owned header.
pub(crate) fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// A fixed master key.
pub(crate) fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

/// A plan for `text` over `names` in `direction`, which must bind.
pub(crate) fn plan(text: &str, names: &[&str], direction: Direction) -> Plan {
    Plan::new(&policy(text), &header(names), direction)
        .unwrap_or_else(|e| panic!("plan must bind: {e}"))
}

/// A worker for `text` over `names` in `direction` under `key(byte)`.
pub(crate) fn worker(text: &str, names: &[&str], direction: Direction, byte: u8) -> Worker {
    plan(text, names, direction).worker(&key(byte))
}

/// Applies the worker to one value, returning the output alone.
pub(crate) fn apply(worker: &mut Worker, column: usize, value: &str) -> Result<String, ValueError> {
    let mut out = String::new();
    worker.apply(column, value, &mut out)?;
    Ok(out)
}

/// Applies the worker to one value that must be accepted.
pub(crate) fn ok(worker: &mut Worker, column: usize, value: &str) -> String {
    apply(worker, column, value).unwrap_or_else(|e| panic!("column {column}, value {value:?}: {e}"))
}

/// A TOML basic string holding `s` exactly.
pub(crate) fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
