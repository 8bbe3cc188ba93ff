//! Retention sweeps.

use std::fs;
use std::ops::ControlFlow;
use std::time::{Duration, SystemTime};

use oubli_erase::shred::ShredOptions;
use oubli_erase::sweep::{SweepOptions, sweep};

fn age(path: &std::path::Path, days: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(days * 86_400))
        .unwrap();
}

#[test]
fn only_files_past_retention_and_matching_the_glob_are_shredded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("logs/2024")).unwrap();
    for (name, days) in [
        ("old.csv", 40),
        ("new.csv", 1),
        ("old.txt", 40),
        ("logs/2024/old.csv", 100),
        ("logs/2024/new.csv", 2),
    ] {
        fs::write(root.join(name), name).unwrap();
        age(&root.join(name), days);
    }
    std::os::unix::fs::symlink(root.join("old.txt"), root.join("link.csv")).unwrap();
    let options = SweepOptions {
        older_than: Duration::from_secs(30 * 86_400),
        glob: Some(glob::Pattern::new("*.csv").unwrap()),
        shred: ShredOptions::default(),
    };
    let mut paths = Vec::new();
    let tally = sweep(root, &options, SystemTime::now(), &mut |r| {
        paths.push(r.path.strip_prefix(root).unwrap().display().to_string());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(tally.failed, 0);
    assert_eq!(paths, ["logs/2024/old.csv", "old.csv"]);
    assert!(root.join("new.csv").exists() && root.join("old.txt").exists());
    assert!(root.join("logs/2024/new.csv").exists());
    assert!(
        root.join("link.csv").symlink_metadata().is_ok(),
        "links are not swept"
    );
}

#[test]
fn a_glob_with_a_slash_matches_the_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("a/b")).unwrap();
    fs::write(root.join("a/b/x.log"), b"1").unwrap();
    fs::write(root.join("x.log"), b"2").unwrap();
    age(&root.join("a/b/x.log"), 10);
    age(&root.join("x.log"), 10);
    let options = SweepOptions {
        older_than: Duration::from_secs(86_400),
        glob: Some(glob::Pattern::new("a/**/*.log").unwrap()),
        shred: ShredOptions::default(),
    };
    let files = oubli_erase::sweep::expired(root, &options, SystemTime::now()).unwrap();
    assert_eq!(files, [root.join("a/b/x.log")]);
}
