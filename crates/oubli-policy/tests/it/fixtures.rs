//! The self-describing fixtures of `testdata/policy/`.
//!
//! Every `bad/*.toml` starts with comment lines
//!
//! ```text
//! # expect-line: N        (or `none`)
//! # expect: <fragment>    (one or more; each must be a substring of the error's Display)
//! ```
//!
//! and must be refused with exactly that line and every fragment. Every
//! `good/*.toml` must parse.

use std::fs;
use std::path::{Path, PathBuf};

use oubli_policy::Policy;

use crate::common::testdata;

/// The fewest negative fixtures the folder must hold.
const MIN_BAD: usize = 30;

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// What a negative fixture expects.
#[derive(Debug)]
struct Expectation {
    line: Option<usize>,
    fragments: Vec<String>,
}

/// Reads the leading `# expect-line:` / `# expect:` comments.
fn expectation(name: &str, text: &str) -> Result<Expectation, String> {
    let mut line = None;
    let mut fragments = Vec::new();
    for l in text.lines() {
        let Some(comment) = l.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim_start();
        if let Some(v) = comment.strip_prefix("expect-line:") {
            if line.is_some() {
                return Err(format!("{name}: two `# expect-line:` lines"));
            }
            line = Some(match v.trim() {
                "none" => None,
                n => Some(
                    n.parse::<usize>()
                        .map_err(|_| format!("{name}: bad `# expect-line: {n}`"))?,
                ),
            });
        } else if let Some(v) = comment.strip_prefix("expect:") {
            let v = v.trim();
            if v.is_empty() {
                return Err(format!("{name}: empty `# expect:` line"));
            }
            fragments.push(v.to_owned());
        }
    }
    let line = line.ok_or_else(|| format!("{name}: no `# expect-line:` comment at the top"))?;
    if fragments.is_empty() {
        return Err(format!("{name}: no `# expect:` comment at the top"));
    }
    Ok(Expectation { line, fragments })
}

#[test]
fn bad_policies_are_refused_with_line_and_message() {
    let files = toml_files(&testdata().join("policy/bad"));
    assert!(
        files.len() >= MIN_BAD,
        "testdata/policy/bad holds {} fixtures, expected at least {MIN_BAD}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let expect = match expectation(&name, &text) {
            Ok(e) => e,
            Err(problem) => {
                failures.push(problem);
                continue;
            }
        };
        let err = match Policy::parse(&text, &name) {
            Ok(_) => {
                failures.push(format!("{name}: parsed, but must be refused"));
                continue;
            }
            Err(e) => e,
        };
        let shown = err.to_string();
        if err.file != name {
            failures.push(format!("{name}: error names file `{}`", err.file));
        }
        if err.line != expect.line {
            failures.push(format!(
                "{name}: line {:?}, expected {:?} (error: {shown})",
                err.line, expect.line
            ));
        }
        let location = match err.line {
            Some(n) => format!("{name}:{n}: "),
            None => format!("{name}: "),
        };
        if !shown.starts_with(&location) {
            failures.push(format!(
                "{name}: Display does not start with `{location}`: {shown}"
            ));
        }
        for fragment in &expect.fragments {
            if !shown.contains(fragment.as_str()) {
                failures.push(format!("{name}: missing `{fragment}` in: {shown}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn good_policies_parse_and_every_rule_points_at_its_line() {
    let files = toml_files(&testdata().join("policy/good"));
    assert!(
        files.len() >= 4,
        "testdata/policy/good holds {} fixtures",
        files.len()
    );
    for path in &files {
        let name = file_name(path);
        let text = fs::read_to_string(path).unwrap();
        let policy = Policy::parse(&text, &name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(policy.file, name);
        assert_eq!(policy.version, 1);
        let lines: Vec<&str> = text.lines().collect();
        let mut previous = 0;
        for rule in &policy.columns {
            let line = lines[rule.line - 1];
            assert!(
                line.contains(&rule.name),
                "{name}: column `{}` has line {}: {line:?}",
                rule.name,
                rule.line
            );
            assert!(
                rule.line > previous,
                "{name}: columns are not in file order"
            );
            previous = rule.line;
        }
    }
}

/// The fixture reader itself: a fixture without its header is reported.
#[test]
fn fixture_header_is_required() {
    assert!(expectation("x.toml", "version = 1\n").is_err());
    assert!(expectation("x.toml", "# expect-line: 3\nversion = 1\n").is_err());
    assert!(expectation("x.toml", "# expect: foo\nversion = 1\n").is_err());
    assert!(expectation("x.toml", "# expect-line: three\n# expect: foo\n").is_err());
    let e = expectation(
        "x.toml",
        "# expect-line: none\n# expect: a\n# expect: b c\nversion = 1\n# expect: ignored\n",
    )
    .unwrap();
    assert_eq!(e.line, None);
    assert_eq!(e.fragments, ["a", "b c"]);
}

/// The complete policies of `docs/POLICY.md` (its ```toml blocks that start with
/// `version = 1`) parse, and the annotated example does what its comments say.
#[test]
fn policy_md_examples() {
    use oubli_policy::Direction;

    let doc = fs::read_to_string(testdata().join("../docs/POLICY.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2);
    let complete: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| b.starts_with("version = 1"))
        .collect();
    assert!(!complete.is_empty());
    for block in &complete {
        Policy::parse(block, "POLICY.md").unwrap_or_else(|e| panic!("{e}\n{block}"));
    }
    // Fragments parse once given a version.
    for block in blocks.iter().filter(|b| !b.starts_with("version")) {
        Policy::parse(&format!("version = 1\n{block}"), "POLICY.md")
            .unwrap_or_else(|e| panic!("{e}\n{block}"));
    }

    let example = complete.last().unwrap();
    let names = [
        "customer_id",
        "email",
        "iban",
        "notes",
        "phone",
        "zip",
        "full_name",
        "ssn",
        "amount",
        "card",
    ];
    let plan = crate::common::plan(example, &names, Direction::Mask);
    assert!(!plan.output_header().contains(&"ssn".to_owned()));
    let mut w = plan.worker(&crate::common::key(1));
    let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert_eq!(crate::common::ok(&mut w, at("zip"), "75001"), "75***");
    assert_eq!(
        crate::common::ok(&mut w, at("card"), "4111-1111-1111-1234"),
        "****-****-****-1234"
    );
    assert_eq!(crate::common::ok(&mut w, at("phone"), "123"), "123");
    let id = crate::common::ok(&mut w, at("customer_id"), "C-1");
    assert!(id.starts_with("cust_") && id.len() == 25, "{id}");
    assert_eq!(
        crate::common::ok(&mut w, at("full_name"), "Alice"),
        "[redacted]"
    );
    assert!(!crate::common::ok(&mut w, at("notes"), "").is_empty());
}
