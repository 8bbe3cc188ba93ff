//! Integration tests of `oubli-erase` on real files in temporary directories.

mod erase;
mod shred;
mod sweep;

use std::ops::ControlFlow;
use std::path::PathBuf;

use oubli_erase::shred::{ShredOptions, ShredReport, Tally, shred};

/// Shreds `paths`, collecting the reports.
pub(crate) fn shred_all(paths: &[PathBuf], options: &ShredOptions) -> (Tally, Vec<ShredReport>) {
    let mut reports = Vec::new();
    let tally = shred(paths, options, &mut |r| {
        reports.push(r);
        ControlFlow::Continue(())
    });
    (tally, reports)
}

/// The names in a directory, sorted.
pub(crate) fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
