//! Torn writes, interrupted appends, and `repair`.

use oubli_core::SigningKey;
use oubli_ledger::entry::{Header, RepairEntry};
use oubli_ledger::{Failure, LedgerError, RepairReport};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Fixture, edit_digit, hex, note};

fn repair_entry(report: &RepairReport) -> RepairEntry {
    RepairEntry {
        header: Header {
            kind: "repair".into(),
            time: "2026-11-22T10:00:00Z".into(),
            tool: "oubli".into(),
            tool_version: "0.1.0".into(),
            operator: "tester".into(),
            host: "test-host".into(),
            result: "ok".into(),
        },
        removed_bytes: report.removed_bytes,
        removed_sha256: report.removed_sha256.clone(),
        signed_entries: report.signed_entries,
    }
}

/// Runs `repair`, returning what it appended and the report it was given.
fn repair(f: &Fixture) -> Result<Option<(u64, RepairReport)>, LedgerError> {
    let mut seen = None;
    let appended = f.ledger.repair(&f.key, |report| {
        seen = Some(report.clone());
        repair_entry(report)
    })?;
    Ok(appended.map(|a| (a.index, seen.expect("the closure was called"))))
}

fn last_entry(f: &Fixture) -> Value {
    serde_json::from_str(f.lines().last().unwrap()).unwrap()
}

#[test]
fn a_torn_last_line_blocks_append_and_repair_cuts_it() {
    let mut f = Fixture::new(10);
    let line = f.next_line(&note(10));
    let half = &line.as_bytes()[..line.len() / 2];
    f.append_raw(half);

    assert_eq!(f.verify().unwrap_err(), Failure::Torn { index: 10 });
    let before = f.entries_bytes();
    let err = f.ledger.append(&note(10), &f.key).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NeedsAttention(Failure::Torn { index: 10 })
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("entry 10 (line 11) is incomplete"),
        "{err}"
    );
    assert_eq!(f.entries_bytes(), before, "append wrote nothing");

    let (index, report) = repair(&f).unwrap().expect("something to repair");
    assert_eq!(
        report,
        RepairReport {
            removed_bytes: half.len() as u64,
            removed_sha256: Some(hex(&Sha256::digest(half))),
            signed_entries: 0,
        }
    );
    assert_eq!(index, 10, "the repair entry takes the torn entry's place");
    let entry = last_entry(&f);
    assert_eq!(entry["seq"], 10);
    assert_eq!(entry["type"], "repair");
    assert_eq!(entry["removed_bytes"], half.len() as u64);
    assert_eq!(entry["removed_sha256"], hex(&Sha256::digest(half)));
    assert_eq!(entry["signed_entries"], 0);
    assert_eq!(f.verify().unwrap().checkpoint.size, 11);

    f.checkpoints.push(f.ledger.checkpoint_text().unwrap());
    f.push(&note(11));
    assert_eq!(f.verify().unwrap().checkpoint.size, 12);
    // An auditor who saw the checkpoint before the crash sees no rewrite.
    f.verify_trusted(&f.checkpoints[10]).unwrap();
}

#[test]
fn a_torn_first_line_is_repaired_too() {
    let f = Fixture::new(0);
    f.append_raw(b"{\"seq\":0,\"prev\":\"47DEQ");
    assert_eq!(f.verify().unwrap_err(), Failure::Torn { index: 0 });
    let (index, report) = repair(&f).unwrap().unwrap();
    assert_eq!(
        (index, report.removed_bytes, report.signed_entries),
        (0, 22, 0)
    );
    assert_eq!(f.verify().unwrap().checkpoint.size, 1);
}

#[test]
fn a_complete_line_missing_its_newline_is_cut_whole() {
    let f = Fixture::new(3);
    let line = f.next_line(&note(3));
    f.append_raw(line.as_bytes());
    assert_eq!(f.verify().unwrap_err(), Failure::Torn { index: 3 });
    let (_, report) = repair(&f).unwrap().unwrap();
    assert_eq!(report.removed_bytes, line.len() as u64);
    assert_eq!(
        report.removed_sha256,
        Some(hex(&Sha256::digest(line.as_bytes())))
    );
    assert!(f.verify().is_ok());
}

#[test]
fn an_entry_written_before_the_crash_is_signed_by_repair() {
    let f = Fixture::new(10);
    // The crash came after the entry was written and synced, before the new
    // checkpoint: a correctly chained line the checkpoint does not cover.
    let body = json!({"type": "note", "text": "written just before the crash"});
    let line = f.next_line(&body);
    assert!(line.starts_with(&format!(
            "{{\"seq\":10,\"prev\":\"{}\",",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                oubli_ledger::merkle::root(
                    &f.lines()
                        .iter()
                        .map(|l| oubli_ledger::merkle::leaf_hash(l.as_bytes()))
                        .collect::<Vec<_>>()
                )
            )
        )));
    f.append_raw(format!("{line}\n").as_bytes());

    let failure = f.verify().unwrap_err();
    assert_eq!(
        failure,
        Failure::Uncovered {
            checkpoint: 10,
            found: 11
        }
    );
    let err = f.ledger.append(&note(11), &f.key).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::NeedsAttention(Failure::Uncovered {
                checkpoint: 10,
                found: 11
            })
        ),
        "{err:?}"
    );

    let (index, report) = repair(&f).unwrap().unwrap();
    assert_eq!(
        report,
        RepairReport {
            removed_bytes: 0,
            removed_sha256: None,
            signed_entries: 1
        }
    );
    assert_eq!(index, 11);
    let entry = last_entry(&f);
    assert_eq!(entry["signed_entries"], 1);
    assert!(
        entry.get("removed_sha256").is_none(),
        "skipped when nothing was cut"
    );
    assert_eq!(f.lines()[10], line, "the uncovered entry is kept as it was");
    assert_eq!(f.verify().unwrap().checkpoint.size, 12);
    f.verify_trusted(&f.checkpoints[10]).unwrap();
    f.ledger.append(&note(12), &f.key).unwrap();
    assert!(f.verify().is_ok());
}

#[test]
fn uncovered_entries_and_a_torn_line_are_repaired_together() {
    let f = Fixture::new(4);
    let mut lines = f.lines();
    for i in 4..7 {
        lines.push(note(i).to_string());
    }
    crate::common::rechain(&mut lines);
    let torn = b"{\"seq\":7,\"pr";
    f.write_lines(&lines);
    f.append_raw(torn);
    let (index, report) = repair(&f).unwrap().unwrap();
    assert_eq!(
        (report.removed_bytes, report.signed_entries),
        (torn.len() as u64, 3)
    );
    assert_eq!(index, 7);
    assert_eq!(f.verify().unwrap().checkpoint.size, 8);
}

#[test]
fn repair_of_a_healthy_ledger_does_nothing() {
    let f = Fixture::new(5);
    let (entries, checkpoint) = (f.entries_bytes(), f.ledger.checkpoint_text().unwrap());
    let called = std::cell::Cell::new(false);
    let result = f
        .ledger
        .repair(&f.key, |r| {
            called.set(true);
            repair_entry(r)
        })
        .unwrap();
    assert!(result.is_none());
    assert!(!called.get());
    assert_eq!(f.entries_bytes(), entries);
    assert_eq!(f.ledger.checkpoint_text().unwrap(), checkpoint);
}

/// Damage that is not the trace of a crash is refused, and nothing is written.
#[test]
fn repair_refuses_a_damaged_ledger() {
    type Damage = fn(&Fixture);
    type Expect = fn(&Failure) -> bool;
    let damages: [(&str, Damage, Expect); 7] = [
        (
            "entry 3 edited",
            |f| {
                let mut l = f.lines();
                l[3] = edit_digit(&l[3]);
                f.write_lines(&l);
            },
            |e| matches!(e, Failure::Altered { altered: 3, .. }),
        ),
        (
            "entry 3 edited, then a torn line",
            |f| {
                let mut l = f.lines();
                l[3] = edit_digit(&l[3]);
                f.write_lines(&l);
                f.append_raw(b"{\"seq\":10");
            },
            |e| matches!(e, Failure::Altered { altered: 3, .. }),
        ),
        (
            "last entry edited",
            |f| {
                let mut l = f.lines();
                l[9] = edit_digit(&l[9]);
                f.write_lines(&l);
            },
            |e| matches!(e, Failure::RootMismatch { size: 10, .. }),
        ),
        (
            "truncated",
            |f| {
                let l = f.lines();
                f.write_lines(&l[..7]);
            },
            |e| {
                *e == Failure::Truncated {
                    checkpoint: 10,
                    found: 7,
                }
            },
        ),
        (
            "entry removed",
            |f| {
                let mut l = f.lines();
                l.remove(4);
                f.write_lines(&l);
            },
            |e| *e == Failure::Sequence { index: 4, found: 5 },
        ),
        (
            "an appended entry with a wrong prev",
            |f| f.append_raw(format!("{}\n", json!({"seq": 10, "prev": "AAAA"})).as_bytes()),
            |e| {
                *e == Failure::Altered {
                    altered: 9,
                    witness: 10,
                }
            },
        ),
        (
            "history rewritten with an uncovered extra entry",
            |f| {
                let mut l = f.lines();
                l[1] = edit_digit(&l[1]);
                l.push(note(10).to_string());
                crate::common::rechain(&mut l);
                f.write_lines(&l);
            },
            |e| matches!(e, Failure::RootMismatch { size: 10, .. }),
        ),
    ];
    for (name, damage, expect) in damages {
        let f = Fixture::new(10);
        damage(&f);
        let (entries, checkpoint) = (f.entries_bytes(), f.ledger.checkpoint_text().unwrap());
        match repair(&f) {
            Err(LedgerError::NeedsAttention(failure)) => {
                assert!(expect(&failure), "{name}: {failure:?}")
            }
            other => panic!("{name}: repair did not refuse: {other:?}"),
        }
        assert_eq!(f.entries_bytes(), entries, "{name}: entries changed");
        assert_eq!(
            f.ledger.checkpoint_text().unwrap(),
            checkpoint,
            "{name}: checkpoint changed"
        );
    }
}

#[test]
fn repair_with_another_key_is_refused_before_cutting() {
    let f = Fixture::new(3);
    f.append_raw(b"{\"seq\":3");
    let before = f.entries_bytes();
    let other = SigningKey::generate().unwrap();
    let err = f.ledger.repair(&other, repair_entry).unwrap_err();
    assert!(matches!(err, LedgerError::WrongKey(_)), "{err:?}");
    assert_eq!(f.entries_bytes(), before);
}

/// A crash while the new checkpoint was being written leaves `checkpoint.tmp`;
/// the old checkpoint is still in place, and the next append overwrites it.
#[test]
fn a_left_over_checkpoint_tmp_is_harmless() {
    let f = Fixture::new(3);
    std::fs::write(f.path("checkpoint.tmp"), "half a checkp").unwrap();
    assert!(f.verify().is_ok());
    f.ledger.append(&note(3), &f.key).unwrap();
    assert_eq!(f.verify().unwrap().checkpoint.size, 4);
    assert!(!f.path("checkpoint.tmp").exists());
}

/// Damage plus a torn last line: `repair` must refuse without touching the
/// file, since the cut bytes would otherwise be lost with no `repair` entry
/// recording them.
#[test]
fn repair_refuses_damage_with_a_torn_line_without_cutting() {
    type Damage = fn(&Fixture);
    let damages: [(&str, Damage); 2] = [
        ("truncated to 7, then a torn line", |f| {
            let l = f.lines();
            f.write_lines(&l[..7]);
        }),
        ("last entry edited, then a torn line", |f| {
            let mut l = f.lines();
            l[9] = edit_digit(&l[9]);
            f.write_lines(&l);
        }),
    ];
    for (name, damage) in damages {
        let f = Fixture::new(10);
        damage(&f);
        f.append_raw(b"{\"seq\":10,\"prev\":\"");
        let before = f.entries_bytes();
        let result = repair(&f);
        assert!(
            matches!(result, Err(LedgerError::NeedsAttention(_))),
            "{name}: {result:?}"
        );
        let after = f.entries_bytes();
        assert!(
            after == before,
            "{name}: repair refused but cut the torn line ({} bytes before, {} after)",
            before.len(),
            after.len()
        );
    }
}
