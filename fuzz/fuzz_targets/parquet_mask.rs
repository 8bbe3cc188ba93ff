//! Parquet input, arbitrary or mutated: `mask` returns a report or an error,
//! never a panic that escapes the engine and never an abort, in bounded memory
//! (run with `-rss_limit_mb` / `-malloc_limit_mb`).
//!
//! A panic inside `parquet`/`arrow` that the engine catches and turns into
//! `ParquetError::Panic` is allowed (the engine boundary holds); the first
//! occurrence of each message is printed so that it can be reported upstream.
//! Each input is masked three ways: keep everything (chunks are spliced),
//! re-encode everything (every column decoded), and hash every top-level
//! primitive column (decoded, transformed, encoded).
#![no_main]

use std::collections::HashSet;
use std::io::{Seek, SeekFrom, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, Once};

use libfuzzer_sys::fuzz_target;
use oubli_core::MasterKey;
use oubli_fuzz::toml_string;
use oubli_parquet::{Compression, Direction, ParquetError, ParquetOptions, mask};
use oubli_policy::Policy;

static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn quiet_panics() {
    static ONCE: Once = Once::new();
    // libfuzzer-sys aborts on every panic, even one caught below it; the
    // engine catches dependency panics by design, so only a panic that
    // escapes `mask` (caught by libfuzzer-sys's own catch_unwind) is a crash.
    // Each panic is still shown (one line), so that an escaping one can be
    // diagnosed from the crash log.
    ONCE.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("panic: {info}"))));
}

fn note(error: &ParquetError) {
    if let ParquetError::Panic { message, .. } = error {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if seen
            .get_or_insert_with(HashSet::new)
            .insert(message.clone())
        {
            eprintln!("caught dependency panic: {message}");
        }
    }
}

fn top_level_primitives(file: &std::fs::File) -> Vec<String> {
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(file)
    }));
    let Ok(Ok(metadata)) = loaded else {
        return Vec::new();
    };
    let schema = metadata.file_metadata().schema_descr();
    schema
        .root_schema()
        .get_fields()
        .iter()
        .filter(|f| f.is_primitive())
        .map(|f| f.name().to_owned())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    quiet_panics();
    let mut file = tempfile::tempfile().expect("a temporary file");
    file.write_all(data).expect("write");
    let key = MasterKey::from_bytes([4; 32]);
    let options = ParquetOptions {
        threads: 1,
        batch_size: 5,
        input_name: "fuzz.parquet".to_owned(),
        ..ParquetOptions::default()
    };
    let keep = Policy::parse("version = 1\nunlisted = \"keep\"\n[columns]\n", "fuzz.toml")
        .expect("policy");

    let run = |policy: &Policy, options: &ParquetOptions, direction| {
        let input = file.try_clone().expect("clone");
        let mut input = input;
        input.seek(SeekFrom::Start(0)).expect("seek");
        let mut out = Vec::new();
        if let Err(e) = mask(input, &mut out, policy, direction, &key, options, &|_| {}) {
            note(&e);
            // Every error names the file.
            let shown = e.to_string();
            assert!(
                shown.contains("fuzz.parquet") || shown.contains("fuzz.toml"),
                "{shown}"
            );
            false
        } else {
            true
        }
    };

    if !run(&keep, &options, Direction::Mask) {
        return;
    }
    let reencode = ParquetOptions {
        compression: Some(Compression::UNCOMPRESSED),
        ..options.clone()
    };
    run(&keep, &reencode, Direction::Mask);

    let columns = top_level_primitives(&file);
    if columns.is_empty() {
        return;
    }
    let mut text = String::from("version = 1\nunlisted = \"keep\"\n[columns]\n");
    for (i, name) in columns.iter().enumerate() {
        let transform = if i % 2 == 0 { "hash" } else { "encrypt" };
        text.push_str(&format!(
            "{} = {{ transform = \"{transform}\" }}\n",
            toml_string(name)
        ));
    }
    if let Ok(policy) = Policy::parse(&text, "fuzz.toml") {
        run(&policy, &options, Direction::Mask);
        run(&policy, &options, Direction::Unmask);
    }
});
