//! Shredding files, trees, links, hard links, FIFOs, and failures.

use std::fs;
use std::ops::ControlFlow;
use std::os::unix::fs::MetadataExt as _;
use std::process::Command;

use oubli_erase::shred::{ObjectKind, Outcome, Pattern, ReadBack, ShredOptions, shred};
use sha2::{Digest as _, Sha256};

use crate::{names, shred_all};

#[test]
fn a_file_is_overwritten_read_back_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("payroll.csv");
    let content = b"name,salary\nada,100\n".repeat(1000);
    fs::write(&path, &content).unwrap();
    let (tally, reports) = shred_all(std::slice::from_ref(&path), &ShredOptions::default());
    assert_eq!(tally.failed, 0);
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.kind, ObjectKind::File);
    assert!(r.removed && !path.exists());
    assert_eq!(
        names(dir.path()),
        Vec::<String>::new(),
        "no renamed left-over"
    );
    assert_eq!(r.bytes, content.len() as u64);
    assert!(r.overwritten_bytes >= r.bytes && r.overwritten_bytes % 512 == 0);
    assert_eq!(r.sha256, Some(Sha256::digest(&content).into()));
    assert_eq!(r.passes, [Pattern::Random]);
    assert_eq!(r.read_back, ReadBack::Matched);
    assert_eq!(r.renames, 3);
    assert_eq!(r.link_count, 1);
    assert!(matches!(
        r.outcome,
        Outcome::Verified | Outcome::NotVerifiable
    ));
    if r.outcome == Outcome::NotVerifiable {
        assert!(!r.reasons.is_empty() && r.recommendation.is_some());
    }
    assert!(r.caveats.iter().any(|c| c.contains("partial sanitization")));
    assert!(r.storage.is_some());
}

#[test]
fn content_hash_none_and_several_passes_with_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    fs::write(&path, b"x").unwrap();
    let options = ShredOptions {
        passes: 3,
        zero: true,
        content_hash: false,
        ..ShredOptions::default()
    };
    let (_, reports) = shred_all(&[path], &options);
    let r = &reports[0];
    assert_eq!(r.sha256, None);
    assert_eq!(
        r.passes,
        [
            Pattern::Random,
            Pattern::Random,
            Pattern::Random,
            Pattern::Zero
        ]
    );
    assert_eq!(r.read_back, ReadBack::Matched);
}

#[test]
fn an_empty_file_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty");
    fs::write(&path, b"").unwrap();
    let (tally, reports) = shred_all(std::slice::from_ref(&path), &ShredOptions::default());
    assert_eq!(tally.failed, 0);
    assert_eq!(reports[0].read_back, ReadBack::Empty);
    assert!(!path.exists());
}

#[test]
fn a_tree_is_shredded_depth_first_and_a_symlink_out_of_it_leaves_its_target() {
    let root = tempfile::tempdir().unwrap();
    let outside = root.path().join("outside.txt");
    fs::write(&outside, b"must survive").unwrap();
    let tree = root.path().join("tree");
    fs::create_dir_all(tree.join("a/b/c")).unwrap();
    fs::write(tree.join("top.txt"), b"1").unwrap();
    fs::write(tree.join("a/one.txt"), b"22").unwrap();
    fs::write(tree.join("a/b/two.txt"), b"333").unwrap();
    fs::write(tree.join("a/b/c/three.txt"), b"4444").unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("a/b/link-out")).unwrap();
    std::os::unix::fs::symlink("../../outside.txt", tree.join("rel-link")).unwrap();
    // A link to a directory outside: removed as a link, never descended into.
    let outside_dir = root.path().join("outside-dir");
    fs::create_dir(&outside_dir).unwrap();
    fs::write(outside_dir.join("keep.txt"), b"keep").unwrap();
    std::os::unix::fs::symlink(&outside_dir, tree.join("a/dir-link")).unwrap();

    let options = ShredOptions {
        recursive: true,
        ..ShredOptions::default()
    };
    let (tally, reports) = shred_all(std::slice::from_ref(&tree), &options);
    assert_eq!(tally.failed, 0, "{reports:#?}");
    assert!(!tree.exists());
    assert_eq!(fs::read(&outside).unwrap(), b"must survive");
    assert_eq!(fs::read(outside_dir.join("keep.txt")).unwrap(), b"keep");
    let got: Vec<(String, ObjectKind)> = reports
        .iter()
        .map(|r| {
            (
                r.path
                    .strip_prefix(root.path())
                    .unwrap()
                    .display()
                    .to_string(),
                r.kind,
            )
        })
        .collect();
    use ObjectKind::*;
    let expected = [
        ("tree/a/b/c/three.txt", File),
        ("tree/a/b/c", Directory),
        ("tree/a/b/link-out", Symlink),
        ("tree/a/b/two.txt", File),
        ("tree/a/b", Directory),
        ("tree/a/dir-link", Symlink),
        ("tree/a/one.txt", File),
        ("tree/a", Directory),
        ("tree/rel-link", Symlink),
        ("tree/top.txt", File),
        ("tree", Directory),
    ];
    let expected: Vec<(String, ObjectKind)> =
        expected.iter().map(|(p, k)| (p.to_string(), *k)).collect();
    assert_eq!(got, expected);
    for r in &reports {
        assert!(r.removed);
        if r.kind != File {
            assert_eq!(r.outcome, Outcome::NotVerifiable, "{r:?}");
            assert!(r.passes.is_empty());
        }
    }
}

#[test]
fn a_symlink_named_directly_is_removed_as_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    fs::write(&target, b"target data").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (tally, reports) = shred_all(std::slice::from_ref(&link), &ShredOptions::default());
    assert_eq!(tally.failed, 0);
    assert_eq!(reports[0].kind, ObjectKind::Symlink);
    assert!(link.symlink_metadata().is_err());
    assert_eq!(fs::read(&target).unwrap(), b"target data");
}

#[test]
fn a_hard_linked_file_is_overwritten_for_every_name_and_its_link_count_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let other = dir.path().join("b");
    let content = b"secret ".repeat(300);
    fs::write(&path, &content).unwrap();
    fs::hard_link(&path, &other).unwrap();
    let options = ShredOptions {
        zero: true,
        ..ShredOptions::default()
    };
    let (tally, reports) = shred_all(std::slice::from_ref(&path), &options);
    assert_eq!(tally.failed, 0);
    let r = &reports[0];
    assert_eq!(r.link_count, 2);
    assert!(r.caveats.iter().any(|c| c.contains("2 hard links")));
    assert!(!path.exists());
    // The other name sees the overwrite (the final zero pass), at its length.
    let seen = fs::read(&other).unwrap();
    assert_eq!(seen.len(), content.len());
    assert!(seen.iter().all(|&b| b == 0));
    assert_eq!(fs::metadata(&other).unwrap().nlink(), 1);
}

#[test]
fn a_random_pass_is_what_the_other_name_sees() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let other = dir.path().join("b");
    let content = vec![b'A'; 10_000];
    fs::write(&path, &content).unwrap();
    fs::hard_link(&path, &other).unwrap();
    shred_all(&[path], &ShredOptions::default());
    let seen = fs::read(&other).unwrap();
    assert_eq!(seen.len(), content.len());
    assert!(
        seen.iter().filter(|&&b| b == b'A').count() < 200,
        "not overwritten"
    );
}

#[test]
fn a_fifo_is_refused_and_the_rest_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let file = dir.path().join("file");
    fs::write(&file, b"data").unwrap();
    let (tally, reports) = shred_all(&[fifo.clone(), file.clone()], &ShredOptions::default());
    assert_eq!(tally.failed, 1);
    assert_eq!(reports[0].kind, ObjectKind::Fifo);
    assert_eq!(reports[0].outcome, Outcome::Failed);
    assert!(reports[0].error.as_deref().unwrap().contains("refused"));
    assert!(fifo.symlink_metadata().is_ok(), "the FIFO is left alone");
    assert!(!file.exists());
    // In a tree, too: the directory holding it stays, with only the FIFO.
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(tree.join("p"))
            .status()
            .unwrap()
            .success()
    );
    fs::write(tree.join("f"), b"x").unwrap();
    let options = ShredOptions {
        recursive: true,
        ..ShredOptions::default()
    };
    let (tally, reports) = shred_all(std::slice::from_ref(&tree), &options);
    assert_eq!(tally.failed, 2, "{reports:#?}"); // the FIFO, and the directory not emptied
    assert_eq!(names(&tree), ["p"]);
}

/// Tests run as root here, so a permission trick cannot make a file
/// unreadable: a file that vanishes (named but missing) stands for a failure
/// part-way, and an immutable file (`chattr +i`, refused even to root) when
/// the file system supports it.
#[test]
fn a_file_that_cannot_be_shredded_fails_and_the_rest_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("1-before");
    let missing = dir.path().join("2-vanished");
    let after = dir.path().join("3-after");
    fs::write(&before, b"a").unwrap();
    fs::write(&after, b"b").unwrap();
    let (tally, reports) = shred_all(
        &[before.clone(), missing.clone(), after.clone()],
        &ShredOptions::default(),
    );
    assert_eq!(tally.failed, 1);
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[1].outcome, Outcome::Failed);
    assert!(
        reports[1]
            .error
            .as_deref()
            .unwrap()
            .contains("does not exist")
    );
    assert!(!before.exists() && !after.exists());

    let immutable = dir.path().join("immutable");
    fs::write(&immutable, b"locked").unwrap();
    let locked = Command::new("chattr")
        .arg("+i")
        .arg(&immutable)
        .status()
        .is_ok_and(|s| s.success());
    if locked {
        let (tally, reports) =
            shred_all(std::slice::from_ref(&immutable), &ShredOptions::default());
        let _ = Command::new("chattr").arg("-i").arg(&immutable).status();
        assert_eq!(tally.failed, 1);
        assert!(
            reports[0]
                .error
                .as_deref()
                .unwrap()
                .contains("cannot open it for writing")
        );
        assert_eq!(fs::read(&immutable).unwrap(), b"locked");
    }
}

#[test]
fn a_directory_needs_recursive() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("f"), b"x").unwrap();
    let (tally, reports) = shred_all(std::slice::from_ref(&sub), &ShredOptions::default());
    assert_eq!(tally.failed, 1);
    assert!(reports[0].error.as_deref().unwrap().contains("-r"));
    assert!(sub.join("f").exists());
}

#[test]
fn a_dry_run_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("f"), b"keep me").unwrap();
    std::os::unix::fs::symlink("f", tree.join("l")).unwrap();
    let options = ShredOptions {
        recursive: true,
        dry_run: true,
        ..ShredOptions::default()
    };
    let (tally, reports) = shred_all(std::slice::from_ref(&tree), &options);
    assert_eq!(tally.would_shred, 3);
    assert!(
        reports
            .iter()
            .all(|r| r.outcome == Outcome::WouldShred && !r.removed)
    );
    assert_eq!(fs::read(tree.join("f")).unwrap(), b"keep me");
    assert_eq!(names(&tree), ["f", "l"]);
}

#[test]
fn stopping_after_a_report_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    fs::write(&a, b"1").unwrap();
    fs::write(&b, b"2").unwrap();
    let mut seen = 0;
    shred(
        &[a.clone(), b.clone()],
        &ShredOptions::default(),
        &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        },
    );
    assert_eq!(seen, 1);
    assert!(!a.exists() && b.exists());
}

#[test]
fn odd_paths_are_refused() {
    let (tally, _) = shred_all(&["..".into(), "/".into()], &ShredOptions::default());
    assert_eq!(tally.failed, 2);
}
