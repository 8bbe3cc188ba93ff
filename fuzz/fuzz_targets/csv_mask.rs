//! The CSV masking pipeline on arbitrary bytes: the job succeeds or fails with
//! an error, never a panic. The policy gives each header column a transform
//! chosen by the fuzzer; when every column's transform is reversible, `unmask`
//! of the output must give back the input's records exactly.
//!
//! Input: `[transform seed, options, CSV bytes…]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oubli_core::MasterKey;
use oubli_csv::{CsvOptions, Direction, mask};
use oubli_fuzz::{CSV_TRANSFORMS, csv_policy, csv_records};
use oubli_policy::Policy;

fuzz_target!(|data: &[u8]| {
    let [seed, options, csv @ ..] = data else {
        return;
    };
    let delimiter = [b',', b';', b'\t', b'|'][usize::from(options & 3)];
    let opts = CsvOptions {
        delimiter,
        threads: 1 + usize::from((options >> 2) & 1),
        chunk_records: 1 + usize::from(options >> 3),
    };
    let header: Vec<String> = oubli_csv::Records::new(csv, delimiter)
        .map(|r| r.header().to_vec())
        .unwrap_or_default();
    let choice = |i: usize| usize::from(*seed) / 2 + i * usize::from(seed % 2 + 1);
    let unlisted = if seed % 3 == 0 { "drop" } else { "keep" };
    let text = csv_policy(&header, choice, unlisted);
    let policy = Policy::parse(&text, "fuzz.toml").expect("the generated policy parses");
    let key = MasterKey::from_bytes([9; 32]);

    let mut masked = Vec::new();
    let Ok(report) = mask(
        csv,
        &mut masked,
        &policy,
        Direction::Mask,
        &key,
        &opts,
        &|_| {},
    ) else {
        return;
    };
    // Everything was read: the record count matches an independent count.
    let records = csv_records(csv, delimiter).expect("the input parsed once");
    assert_eq!(report.summary.records as usize, records.len() - 1);

    let reversible = (0..header.len()).all(|i| CSV_TRANSFORMS[choice(i) % CSV_TRANSFORMS.len()].1);
    if !reversible {
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
    let back = csv_records(&restored, delimiter).expect("unmask output parses");
    assert_eq!(back, records, "mask then unmask changed the records");
});
