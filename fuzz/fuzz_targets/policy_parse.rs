//! The policy parser: any text either parses or is refused with an error that
//! names the file; never a panic. A policy that parses is bound to a header of
//! its own columns in both directions and its transforms run on a few values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oubli_core::MasterKey;
use oubli_policy::{ColumnAction, Direction, Plan, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match Policy::parse(text, "fuzz.toml") {
        Ok(p) => p,
        Err(e) => {
            // Every error is rendered (and names the file).
            let shown = e.to_string();
            assert!(shown.contains("fuzz.toml"), "{shown}");
            return;
        }
    };
    let header: Vec<String> = policy.columns.iter().map(|c| c.name.clone()).collect();
    let key = MasterKey::from_bytes([3; 32]);
    for direction in [Direction::Mask, Direction::Unmask] {
        let Ok(plan) = Plan::new(&policy, &header, direction) else {
            continue;
        };
        let _ = plan.output_header();
        let mut worker = plan.worker(&key);
        let mut out = String::new();
        for (i, column) in plan.columns().iter().enumerate() {
            if column.action != ColumnAction::Transform {
                continue;
            }
            for value in ["", "0123456789", " Alice@Example.org ", "é\u{301}ß"] {
                out.clear();
                let _ = worker.apply(i, value, &mut out);
            }
        }
    }
});
