//! Integration tests of `oubli-risk` on files: the risk figures against an
//! independent computation, and the scan of the demo data.

mod demo_scan;
mod independent;

use std::path::{Path, PathBuf};

/// A file of the repository, from this crate's directory.
pub(crate) fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
