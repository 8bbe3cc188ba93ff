//! The tamper suite: each case builds a fresh ledger of ten entries, checks
//! that it verifies, applies one tampering, and expects one `Failure` naming
//! where the problem is.

use oubli_core::{SigningKey, VerifierKey};
use oubli_ledger::checkpoint::CheckpointError;
use oubli_ledger::note::{self, NoteError};
use oubli_ledger::{Checkpoint, Failure};
use serde_json::json;

use crate::common::{Fixture, ORIGIN, edit_digit, rechain};

/// Entries in each fresh ledger.
const N: u64 = 10;

/// What a tampering leaves for the verification besides the files.
#[derive(Default)]
struct Setup {
    /// A checkpoint the auditor saved earlier.
    trusted: Option<String>,
    /// Verify with this key instead of the ledger's.
    verifier: Option<VerifierKey>,
}

struct Case {
    name: &'static str,
    tamper: fn(&mut Fixture) -> Setup,
    expect: fn(&Failure) -> bool,
    /// Substrings the failure's Display must contain.
    display: &'static [&'static str],
}

fn edit_line(f: &Fixture, index: usize, edit: impl FnOnce(&str) -> String) -> Setup {
    let mut lines = f.lines();
    let edited = edit(&lines[index]);
    assert_eq!(edited.len(), lines[index].len(), "a one-byte edit");
    assert_ne!(edited, lines[index]);
    lines[index] = edited;
    f.write_lines(&lines);
    Setup::default()
}

/// Replaces the closing brace: the line is no longer JSON.
fn break_json(line: &str) -> String {
    format!("{} ", &line[..line.len() - 1])
}

fn remove_line(f: &Fixture, index: usize) -> Setup {
    let mut lines = f.lines();
    lines.remove(index);
    f.write_lines(&lines);
    Setup::default()
}

/// Changes one character of the `prev` value.
fn edit_prev(line: &str) -> String {
    let at = line.find("\"prev\":\"").unwrap() + 8;
    let mut bytes = line.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// Changes the `seq` value (single digit) to `to`.
fn edit_seq(line: &str, to: u8) -> String {
    let at = line.find("\"seq\":").unwrap() + 6;
    let mut bytes = line.as_bytes().to_vec();
    bytes[at] = b'0' + to;
    String::from_utf8(bytes).unwrap()
}

fn other_key_verifier(name: &str) -> VerifierKey {
    SigningKey::generate().unwrap().verifier_key(name).unwrap()
}

fn current(f: &Fixture) -> Checkpoint {
    f.verify().unwrap().checkpoint
}

fn cases() -> Vec<Case> {
    vec![
        // One byte edited, still valid JSON.
        Case {
            name: "digit edited in entry 0",
            tamper: |f| edit_line(f, 0, edit_digit),
            expect: |e| matches!(e, Failure::Altered { altered: 0, .. }),
            display: &[
                "entry 0 (line 1) was altered",
                "entry 1 records a different history",
            ],
        },
        Case {
            name: "digit edited in entry 5",
            tamper: |f| edit_line(f, 5, edit_digit),
            expect: |e| matches!(e, Failure::Altered { altered: 5, .. }),
            display: &["entry 5 (line 6) was altered", "entry 6 records"],
        },
        Case {
            name: "digit edited in the last entry",
            tamper: |f| edit_line(f, 9, edit_digit),
            expect: |e| matches!(e, Failure::RootMismatch { size: 10, detail } if detail.contains("entry 9 (the last it covers) was altered")),
            display: &["do not match the signed checkpoint (size 10)", "entry 9"],
        },
        // One byte edited, no longer JSON.
        Case {
            name: "JSON broken in entry 0",
            tamper: |f| edit_line(f, 0, break_json),
            expect: |e| matches!(e, Failure::Malformed { index: 0, reason } if reason.starts_with("not JSON")),
            display: &["entry 0 (line 1) is not a valid ledger entry: not JSON"],
        },
        Case {
            name: "JSON broken in entry 5",
            tamper: |f| edit_line(f, 5, break_json),
            expect: |e| matches!(e, Failure::Malformed { index: 5, .. }),
            display: &["entry 5 (line 6) is not a valid ledger entry"],
        },
        Case {
            name: "JSON broken in the last entry",
            tamper: |f| edit_line(f, 9, break_json),
            expect: |e| matches!(e, Failure::Malformed { index: 9, .. }),
            display: &["entry 9 (line 10) is not a valid ledger entry"],
        },
        Case {
            name: "CR added before the newline of entry 5",
            tamper: |f| {
                let mut lines = f.lines();
                lines[5].push('\r');
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| matches!(e, Failure::Altered { altered: 5, .. }),
            display: &["entry 5 (line 6) was altered"],
        },
        Case {
            name: "blank line inserted before entry 5",
            tamper: |f| {
                let mut lines = f.lines();
                lines.insert(5, String::new());
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| matches!(e, Failure::Malformed { index: 5, .. }),
            display: &["entry 5 (line 6) is not a valid ledger entry"],
        },
        Case {
            name: "entry 5 replaced by a JSON array",
            tamper: |f| {
                let mut lines = f.lines();
                lines[5] = "[]".into();
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| matches!(e, Failure::Malformed { index: 5, reason } if reason == "not a JSON object"),
            display: &["entry 5 (line 6) is not a valid ledger entry: not a JSON object"],
        },
        // Entries removed, reordered, duplicated.
        Case {
            name: "entry 0 removed",
            tamper: |f| remove_line(f, 0),
            expect: |e| *e == Failure::Sequence { index: 0, found: 1 },
            display: &[
                "entry at line 1 has seq 1, expected 0: entries were removed or reordered before it",
            ],
        },
        Case {
            name: "entry 5 removed",
            tamper: |f| remove_line(f, 5),
            expect: |e| *e == Failure::Sequence { index: 5, found: 6 },
            display: &[
                "entry at line 6 has seq 6, expected 5: entries were removed or reordered before it",
            ],
        },
        Case {
            name: "last entry removed",
            tamper: |f| remove_line(f, 9),
            expect: |e| {
                *e == Failure::Truncated {
                    checkpoint: 10,
                    found: 9,
                }
            },
            display: &["truncated: the signed checkpoint covers 10 entries but only 9 remain"],
        },
        Case {
            name: "entries 3 and 4 swapped",
            tamper: |f| {
                let mut lines = f.lines();
                lines.swap(3, 4);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| *e == Failure::Sequence { index: 3, found: 4 },
            display: &["entry at line 4 has seq 4, expected 3"],
        },
        Case {
            name: "entry 4 duplicated",
            tamper: |f| {
                let mut lines = f.lines();
                let copy = lines[4].clone();
                lines.insert(5, copy);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| *e == Failure::Sequence { index: 5, found: 4 },
            display: &[
                "entry at line 6 has seq 4, expected 5: entries were duplicated or reordered",
            ],
        },
        Case {
            name: "seq of entry 5 edited",
            tamper: |f| edit_line(f, 5, |l| edit_seq(l, 7)),
            expect: |e| *e == Failure::Sequence { index: 5, found: 7 },
            display: &["entry at line 6 has seq 7, expected 5"],
        },
        Case {
            name: "the last entry appended again",
            tamper: |f| {
                let mut lines = f.lines();
                let copy = lines[9].clone();
                lines.push(copy);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Sequence {
                    index: 10,
                    found: 9,
                }
            },
            display: &["entry at line 11 has seq 9, expected 10"],
        },
        // Truncation and rollback.
        Case {
            name: "truncated to 6 entries, newer checkpoint kept",
            tamper: |f| {
                let lines = f.lines();
                f.write_lines(&lines[..6]);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Truncated {
                    checkpoint: 10,
                    found: 6,
                }
            },
            display: &["covers 10 entries but only 6 remain"],
        },
        Case {
            name: "truncated to 0 entries, newer checkpoint kept",
            tamper: |f| {
                f.write_lines(&[]);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Truncated {
                    checkpoint: 10,
                    found: 0,
                }
            },
            display: &["covers 10 entries but only 0 remain"],
        },
        Case {
            name: "rolled back to 6 entries with the checkpoint of size 6, auditor holds size 10",
            tamper: |f| {
                let lines = f.lines();
                f.write_lines(&lines[..6]);
                f.write_checkpoint(&f.checkpoints[6]);
                let alone = f.verify().expect("a rolled-back ledger verifies alone");
                assert_eq!(alone.checkpoint.size, 6);
                Setup {
                    trusted: Some(f.checkpoints[10].clone()),
                    ..Setup::default()
                }
            },
            expect: |e| {
                *e == Failure::RolledBack {
                    trusted: 10,
                    found: 6,
                }
            },
            display: &["rolled back: its checkpoint has 6 entries, the trusted checkpoint 10"],
        },
        Case {
            name: "rolled back to the empty ledger, auditor holds size 10",
            tamper: |f| {
                f.write_lines(&[]);
                f.write_checkpoint(&f.checkpoints[0]);
                assert!(f.verify().is_ok());
                Setup {
                    trusted: Some(f.checkpoints[10].clone()),
                    ..Setup::default()
                }
            },
            expect: |e| {
                *e == Failure::RolledBack {
                    trusted: 10,
                    found: 0,
                }
            },
            display: &["has 0 entries, the trusted checkpoint 10"],
        },
        // Forks: the key holder rewrites history.
        Case {
            name: "fork: rebuilt with 8 entries, same first 4, different 5th; auditor holds size 5",
            tamper: |f| {
                let trusted = f.checkpoints[5].clone();
                let original = f.lines();
                f.restart();
                f.extend(0..4);
                f.push(&json!({"type": "note", "n": 5555, "text": "a different entry 4"}));
                f.extend(5..8);
                assert_eq!(f.lines()[..4], original[..4], "same first four entries");
                assert_ne!(f.lines()[4], original[4]);
                assert!(f.verify().is_ok(), "the fork verifies alone");
                Setup {
                    trusted: Some(trusted),
                    ..Setup::default()
                }
            },
            expect: |e| *e == Failure::Forked { trusted: 5 },
            display: &[
                "not an extension of the trusted checkpoint (size 5): its first 5 entries differ",
            ],
        },
        Case {
            name: "fork at the same size: entry 6 different, auditor holds size 10",
            tamper: |f| {
                let trusted = f.checkpoints[10].clone();
                f.restart();
                f.extend(0..6);
                f.push(&json!({"type": "note", "n": 6666, "text": "a different entry 6"}));
                f.extend(7..10);
                Setup {
                    trusted: Some(trusted),
                    ..Setup::default()
                }
            },
            expect: |e| *e == Failure::Forked { trusted: 10 },
            display: &["(size 10)"],
        },
        // The checkpoint.
        Case {
            name: "checkpoint replaced by one signed by another key",
            tamper: |f| {
                let other = SigningKey::generate().unwrap();
                f.write_checkpoint(&current(f).sign(&other).unwrap());
                Setup::default()
            },
            expect: |e| matches!(e, Failure::Checkpoint(CheckpointError::Note(NoteError::NoSignature(k))) if k.starts_with(ORIGIN)),
            display: &[
                "the checkpoint does not verify",
                "no signature by key `example.com/oubli-test+",
            ],
        },
        Case {
            name: "verified with another key",
            tamper: |_| Setup {
                verifier: Some(other_key_verifier(ORIGIN)),
                ..Setup::default()
            },
            expect: |e| {
                matches!(
                    e,
                    Failure::Checkpoint(CheckpointError::Note(NoteError::NoSignature(_)))
                )
            },
            display: &["the checkpoint does not verify"],
        },
        Case {
            name: "verified with the right key under another name",
            tamper: |f| Setup {
                verifier: Some(f.key.verifier_key("example.com/another-log").unwrap()),
                ..Setup::default()
            },
            expect: |e| matches!(e, Failure::Checkpoint(CheckpointError::Note(NoteError::NoSignature(k))) if k.starts_with("example.com/another-log+")),
            display: &["the checkpoint does not verify", "example.com/another-log"],
        },
        Case {
            name: "checkpoint size edited",
            tamper: |f| {
                let text = f.ledger.checkpoint_text().unwrap();
                f.write_checkpoint(&text.replacen("\n10\n", "\n11\n", 1));
                Setup::default()
            },
            expect: |e| {
                matches!(
                    e,
                    Failure::Checkpoint(CheckpointError::Note(NoteError::BadSignature(_)))
                )
            },
            display: &[
                "the checkpoint does not verify",
                "does not verify: the note was altered",
            ],
        },
        Case {
            name: "checkpoint root edited",
            tamper: |f| {
                let text = f.ledger.checkpoint_text().unwrap();
                let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
                let c = lines[2].remove(0);
                lines[2].insert(0, if c == 'A' { 'B' } else { 'A' });
                f.write_checkpoint(&lines.join("\n"));
                Setup::default()
            },
            expect: |e| {
                matches!(
                    e,
                    Failure::Checkpoint(CheckpointError::Note(NoteError::BadSignature(_)))
                )
            },
            display: &["the checkpoint does not verify"],
        },
        Case {
            name: "checkpoint signed by the key under its origin, with another origin in the body",
            tamper: |f| {
                let mut cp = current(f);
                cp.origin = "example.com/another-log".into();
                f.write_checkpoint(&note::sign(&cp.body(), ORIGIN, &f.key).unwrap());
                Setup::default()
            },
            expect: |e| matches!(e, Failure::Checkpoint(CheckpointError::WrongOrigin { found, expected }) if found == "example.com/another-log" && expected == ORIGIN),
            display: &["is for log `example.com/another-log`, expected `example.com/oubli-test`"],
        },
        Case {
            name: "checkpoint missing its signature",
            tamper: |f| {
                f.write_checkpoint(&current(f).body());
                Setup::default()
            },
            expect: |e| {
                matches!(
                    e,
                    Failure::Checkpoint(CheckpointError::Note(NoteError::Malformed(_)))
                )
            },
            display: &["the checkpoint does not verify"],
        },
        Case {
            name: "trusted checkpoint with its size edited",
            tamper: |f| Setup {
                trusted: Some(f.checkpoints[5].replacen("\n5\n", "\n4\n", 1)),
                ..Setup::default()
            },
            expect: |e| {
                matches!(
                    e,
                    Failure::Trusted(CheckpointError::Note(NoteError::BadSignature(_)))
                )
            },
            display: &["the trusted checkpoint does not verify"],
        },
        // The chain.
        Case {
            name: "prev of entry 5 edited",
            tamper: |f| edit_line(f, 5, edit_prev),
            expect: |e| {
                *e == Failure::Altered {
                    altered: 4,
                    witness: 5,
                }
            },
            display: &["entry 4 (line 5) was altered: entry 5 records a different history"],
        },
        Case {
            name: "torn write: a trailing incomplete line",
            tamper: |f| {
                let line = f.next_line(&crate::common::note(10));
                f.append_raw(&line.as_bytes()[..line.len() / 2]);
                Setup::default()
            },
            expect: |e| *e == Failure::Torn { index: 10 },
            display: &["entry 10 (line 11) is incomplete", "oubli log repair"],
        },
        Case {
            name: "an entry appended by hand, correctly chained, not signed",
            tamper: |f| {
                let line = f.next_line(&json!({"type": "note", "text": "added by hand"}));
                f.append_raw(format!("{line}\n").as_bytes());
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Uncovered {
                    checkpoint: 10,
                    found: 11,
                }
            },
            display: &["entry 10 is not covered by the signed checkpoint (size 10)"],
        },
        Case {
            name: "an entry appended by hand with a wrong prev",
            tamper: |f| {
                let mut lines = f.lines();
                lines.push(json!({"seq": 10, "prev": "AAAA", "type": "note"}).to_string());
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Altered {
                    altered: 9,
                    witness: 10,
                }
            },
            display: &["entry 10 records a different history"],
        },
        Case {
            name: "entry 3 edited and every seq/prev recomputed, checkpoint unchanged",
            tamper: |f| {
                let mut lines = f.lines();
                lines[3] = edit_digit(&lines[3]);
                rechain(&mut lines);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| matches!(e, Failure::RootMismatch { size: 10, .. }),
            display: &[
                "the entries do not match the signed checkpoint (size 10)",
                "rewritten together",
            ],
        },
        Case {
            name: "entry 5 removed and every seq/prev recomputed, checkpoint unchanged",
            tamper: |f| {
                let mut lines = f.lines();
                lines.remove(5);
                rechain(&mut lines);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::Truncated {
                    checkpoint: 10,
                    found: 9,
                }
            },
            display: &["only 9 remain"],
        },
        Case {
            name: "entries 5.. dropped and rewritten with the same count, checkpoint unchanged",
            tamper: |f| {
                let mut lines = f.lines();
                for (i, line) in lines.iter_mut().enumerate().skip(5) {
                    *line = json!({"type": "note", "text": format!("rewritten {i}")}).to_string();
                }
                rechain(&mut lines);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| matches!(e, Failure::RootMismatch { size: 10, .. }),
            display: &["(size 10)"],
        },
        Case {
            name: "an extra entry appended by hand and the last checkpoint's entries rewritten",
            tamper: |f| {
                let mut lines = f.lines();
                lines[2] = edit_digit(&lines[2]);
                lines.push(json!({"type": "note"}).to_string());
                rechain(&mut lines);
                f.write_lines(&lines);
                Setup::default()
            },
            expect: |e| {
                *e == Failure::RootMismatch {
                    size: 10,
                    detail: "the entries it covers were rewritten".into(),
                }
            },
            display: &["the entries it covers were rewritten"],
        },
    ]
}

#[test]
fn every_tampering_is_detected_and_located() {
    let mut problems = Vec::new();
    let cases = cases();
    for case in &cases {
        let mut f = Fixture::new(N);
        let untouched = f.verify();
        assert!(
            untouched.is_ok(),
            "{}: the untouched ledger does not verify: {untouched:?}",
            case.name
        );
        let setup = (case.tamper)(&mut f);
        let verifier = setup.verifier.as_ref().unwrap_or(&f.verifier);
        match f.ledger.verify(verifier, setup.trusted.as_deref()).unwrap() {
            Ok(v) => problems.push(format!("{}: verified ({v:?})", case.name)),
            Err(failure) => {
                if !(case.expect)(&failure) {
                    problems.push(format!("{}: unexpected failure {failure:?}", case.name));
                }
                let text = failure.to_string();
                for needle in case.display {
                    if !text.contains(needle) {
                        problems.push(format!(
                            "{}: `{text}` does not contain `{needle}`",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// The same tamperings seen by `append`: it refuses (or, for the checkpoint
/// cases, reports the wrong key) and leaves the files as they were, except
/// for a same-length edit that the byte-length check of the untrusted `state`
/// cache cannot see (see `state::append_does_not_launder_a_same_length_edit`).
#[test]
fn append_refuses_a_tampered_ledger_without_writing() {
    for case in cases() {
        let mut f = Fixture::new(N);
        let setup = (case.tamper)(&mut f);
        if setup.verifier.is_some() || setup.trusted.is_some() {
            continue; // Not a change to the files (or a fork that verifies alone).
        }
        // Without the cache, append rescans the entries.
        let _ = std::fs::remove_file(f.path("state"));
        let (entries, checkpoint) = (f.entries_bytes(), f.ledger.checkpoint_text().unwrap());
        let result = f.ledger.append(&json!({"type": "note"}), &f.key);
        assert!(
            result.is_err(),
            "{}: append accepted a tampered ledger",
            case.name
        );
        assert_eq!(f.entries_bytes(), entries, "{}: entries written", case.name);
        assert_eq!(
            f.ledger.checkpoint_text().unwrap(),
            checkpoint,
            "{}: checkpoint written",
            case.name
        );
    }
}

/// A trusted checkpoint of another log (same key, another origin) is refused,
/// if only as a checkpoint that does not verify.
#[test]
fn trusted_checkpoint_of_another_log_is_refused() {
    let f = Fixture::new(3);
    let dir = tempfile::tempdir().unwrap();
    let another = oubli_ledger::Ledger::new(dir.path());
    another.init("example.com/another-log", &f.key).unwrap();
    let trusted = another.checkpoint_text().unwrap();
    assert!(f.verify_trusted(&trusted).is_err());
}

/// Brief: "a trusted checkpoint from another origin → `OtherLog`".
#[test]
fn trusted_checkpoint_of_another_log_is_other_log() {
    let f = Fixture::new(3);
    let dir = tempfile::tempdir().unwrap();
    let another = oubli_ledger::Ledger::new(dir.path());
    another.init("example.com/another-log", &f.key).unwrap();
    let trusted = another.checkpoint_text().unwrap();
    let failure = f.verify_trusted(&trusted).unwrap_err();
    assert_eq!(
        failure,
        Failure::OtherLog {
            trusted: "example.com/another-log".into(),
            found: ORIGIN.into()
        }
    );
    assert!(failure.to_string().contains("`example.com/another-log`"));
}

/// The Display of each failure names the entry where relevant: when entry 0's
/// own `prev` is edited, the text names entry 0, not entry 1.
#[test]
fn altered_prev_of_entry_0_names_entry_0() {
    let f = Fixture::new(N);
    edit_line(&f, 0, edit_prev);
    let failure = f.verify().unwrap_err();
    assert_eq!(
        failure,
        Failure::Altered {
            altered: 0,
            witness: 0
        }
    );
    let text = failure.to_string();
    assert!(!text.contains("entry 1 records"), "{text}");
}
