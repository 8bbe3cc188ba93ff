//! mask → unmask round trip with a fixed policy (every reversible transform,
//! one column each): any body under the fixed header either fails to mask
//! (ragged rows, invalid UTF-8 in a transformed column, …) or comes back
//! exactly, record for record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oubli_core::MasterKey;
use oubli_csv::{CsvOptions, Direction, mask};
use oubli_fuzz::csv_records;
use oubli_policy::Policy;

const POLICY: &str = r#"
version = 1
unlisted = "error"
[columns]
id    = { transform = "keep" }
iban  = { transform = "encrypt", domain = "iban", prefix = "tok_" }
notes = { transform = "encrypt_random" }
phone = { transform = "fpe", alphabet = "digits", domain = "phone", fallback = "keep" }
code  = { transform = "fpe", alphabet = "upper_alphanumeric", fallback = "keep" }
name  = { transform = "fpe", custom_alphabet = "aeiouéü", fallback = "keep" }
"#;

fuzz_target!(|data: &[u8]| {
    let mut csv = b"id,iban,notes,phone,code,name\n".to_vec();
    csv.extend_from_slice(data);
    let policy = Policy::parse(POLICY, "fuzz.toml").expect("the fixed policy parses");
    let key = MasterKey::from_bytes([5; 32]);
    let opts = CsvOptions {
        threads: 2,
        chunk_records: 3,
        ..CsvOptions::default()
    };
    let mut masked = Vec::new();
    if mask(
        &csv[..],
        &mut masked,
        &policy,
        Direction::Mask,
        &key,
        &opts,
        &|_| {},
    )
    .is_err()
    {
        return;
    }
    let mut restored = Vec::new();
    mask(
        &masked[..],
        &mut restored,
        &policy,
        Direction::Unmask,
        &key,
        &opts,
        &|_| {},
    )
    .expect("unmask of fresh mask output succeeds");
    let input = csv_records(&csv, b',').expect("the input parsed once");
    let back = csv_records(&restored, b',').expect("unmask output parses");
    assert_eq!(back, input, "mask then unmask changed the records");
});
