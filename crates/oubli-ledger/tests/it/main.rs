//! Integration tests of the evidence ledger: tampering, receipts, torn writes
//! and repair, concurrent appends, the state cache, consistency with trusted
//! checkpoints, and known answers for the formats of `docs/LEDGER.md`.

mod api;
mod common;
mod concurrency;
mod consistency;
mod known_answers;
mod props;
mod receipts;
mod repair;
mod state;
mod tamper;
