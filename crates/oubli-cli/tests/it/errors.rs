//! `oubli mask` and `oubli unmask` when they fail: exit code 2, the exact
//! message, and the directory as it was (no output, no `.oubli-*.tmp`, input
//! unchanged; `Env::fails` checks all three).

use std::io::Read as _;
use std::process::Stdio;

use snapbox::str;

use crate::support::{CUSTOMERS_DETERMINISTIC_POLICY, Env, SMALL_CSV, SMALL_POLICY, big_customers};

fn small_env() -> Env {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env
}

/// `mask INPUT -o OUTPUT --policy POLICY --key k`, then `extra`.
fn mask<'a>(input: &'a str, output: &'a str, policy: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "mask", input, "-o", output, "--policy", policy, "--key", "k",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn unlisted_column() {
    let env = small_env();
    env.write("extra.csv", "a,b,c\n1,2,3\n");
    env.fails(&mask("extra.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: p.toml: column `c`: the input has this column but the policy does not name it; add it under [columns] (for example `c = { transform = "keep" }`), or set `unlisted = "keep"` or `"drop"`

"#]]);
}

#[test]
fn unlisted_column_with_an_unlisted_key_names_its_line() {
    let env = small_env();
    env.write("extra.csv", "a,b,c\n1,2,3\n");
    env.write(
        "p2.toml",
        r#"version = 1
unlisted = "error"
[columns]
a = { transform = "keep" }
b = { transform = "hash" }
"#,
    );
    let assert = env.fails(&mask("extra.csv", "out.csv", "p2.toml", &[]));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: p2.toml:2: column `c`: "),
        "{stderr}"
    );
}

#[test]
fn policy_column_missing_from_the_input() {
    let env = small_env();
    env.write("fewer.csv", "a\n1\n");
    env.fails(&mask("fewer.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: p.toml:4: column `b`: the input has no such column (its columns are: `a`)

"#]]);
}

#[test]
fn unknown_transform() {
    let env = small_env();
    env.write(
        "bad.toml",
        "version = 1\n[columns]\na = { transform = \"keep\" }\nb = { transform = \"scramble\" }\n",
    );
    env.fails(&mask("in.csv", "out.csv", "bad.toml", &[]))
        .stderr_eq(str![[r#"
error: bad.toml:4: column `b`: key `transform`: unknown transform `scramble` (expected one of: hash, encrypt, encrypt_random, fpe, mask, redact, drop, keep, generalise, date_shift, noise, fake)

"#]]);
}

#[test]
fn fake_without_dictionary_is_refused() {
    let env = small_env();
    env.write(
        "later.toml",
        "version = 1\n[columns]\na = { transform = \"keep\" }\nb = { transform = \"fake\" }\n",
    );
    let assert = env.fails(&mask("in.csv", "out.csv", "later.toml", &[]));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: later.toml:4: column `b`: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing required key `dictionary`"),
        "{stderr}"
    );
}

#[test]
fn policy_syntax_error() {
    let env = small_env();
    env.write(
        "syntax.toml",
        "version = 1\n[columns\na = { transform = \"keep\" }\n",
    );
    env.fails(&mask("in.csv", "out.csv", "syntax.toml", &[]))
        .stderr_eq(str![[r#"
error: syntax.toml:2: invalid TOML: unclosed table, expected `]`

"#]]);
}

#[test]
fn missing_policy_file() {
    let env = small_env();
    env.fails(&mask("in.csv", "out.csv", "nope.toml", &[]))
        .stderr_eq(str![[r#"
error: cannot read the policy
caused by: failed to open file `nope.toml`: No such file or directory (os error 2)
hint: pass the policy file with --policy FILE

"#]]);
}

#[test]
fn ragged_row_names_its_line() {
    let env = small_env();
    // The quoted line break makes record 2 start on line 4.
    env.write("ragged.csv", "a,b\n\"1\n2\",x\n3\n4,y\n");
    env.fails(&mask("ragged.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: ragged.csv: line 4: record 2 has 1 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
    env.write("long.csv", "a,b\n1,x\n2,y,z\n");
    env.fails(&mask("long.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: long.csv: line 3: record 2 has 3 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
}

#[test]
fn ragged_row_after_many_chunks_leaves_no_output() {
    let env = small_env();
    let mut data = big_customers(100);
    data.extend_from_slice(b"C999999,only,three\n");
    env.write("big.csv", data);
    env.write("det.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    env.fails(&mask("big.csv", "out.csv", "det.toml", &["--threads", "4"]))
        .stderr_eq(str![[r#"
error: big.csv: line 7102: record 6001 has 3 fields, the header has 11; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
}

#[test]
fn empty_input() {
    let env = small_env();
    env.write("empty.csv", "");
    env.fails(&mask("empty.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: empty.csv: the input is empty; a header row is required

"#]]);
    env.fails_with(
        env.cmd()
            .args(mask("-", "out.csv", "p.toml", &[]))
            .stdin(""),
    )
    .stderr_eq(str![[r#"
error: stdin: the input is empty; a header row is required

"#]]);
}

#[test]
fn duplicate_header_names() {
    let env = small_env();
    env.write("dup.csv", "a,b,a\n1,2,3\n");
    env.fails(&mask("dup.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: dup.csv: the header names column "a" twice (columns 1 and 3); column names must be unique

"#]]);
}

#[test]
fn invalid_utf8_in_the_header() {
    let env = small_env();
    env.write("bad-header.csv", b"a,b\xff\n1,2\n");
    env.fails(&mask("bad-header.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: bad-header.csv: the name of column 2 in the header is not valid utf-8; save the file as utf-8

"#]]);
}

#[test]
fn invalid_utf8_in_a_transformed_column() {
    let env = small_env();
    env.write("latin1.csv", b"a,b\n1,x\n\"2\n\",Z\xfcrich\n");
    env.fails(&mask("latin1.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: latin1.csv: line 3: record 2: column `b` (column 2): cannot transform the value
caused by: the value is not valid UTF-8; convert the file to UTF-8 (for example with iconv) before masking

"#]]);
}

/// A policy whose `b` column is encrypted, a masked file `enc.csv` made with
/// key `k`, and a second key `k2`.
fn encrypted_env(transform: &str) -> (Env, String, String) {
    let env = small_env();
    env.write(
        "enc.toml",
        format!(
            r#"version = 1
[columns]
a = {{ transform = "keep" }}
b = {{ transform = "{transform}" }}
"#
        ),
    );
    env.oubli(&mask("in.csv", "enc.csv", "enc.toml", &["-q"]))
        .code(0);
    let k = env.key_id("k");
    let k2 = env.new_key("k2");
    (env, k, k2)
}

#[test]
fn unmask_with_the_wrong_key_names_both_key_ids() {
    for transform in ["encrypt", "encrypt_random"] {
        let (env, k, k2) = encrypted_env(transform);
        let assert = env.fails(&[
            "unmask", "enc.csv", "-o", "out.csv", "--policy", "enc.toml", "--key", "k2",
        ]);
        let expected = format!(
            "error: enc.csv: line 2: record 1: column `b` (column 2): cannot transform the value\n\
             caused by: the token was made with key {}…, but the key given has id {}…; unmask with the key that masked the data\n",
            &k[..8],
            &k2[..8]
        );
        assert.stderr_eq(expected);
    }
}

#[test]
fn tampered_token() {
    for transform in ["encrypt", "encrypt_random"] {
        let (env, _, _) = encrypted_env(transform);
        let text = String::from_utf8(env.read("enc.csv")).unwrap();
        // Change one character of the first token, after the 8-character key id.
        let start = text.find("\n1,").unwrap() + 3 + 10;
        let mut bytes = text.into_bytes();
        bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
        env.write("tampered.csv", bytes);
        env.fails(&[
            "unmask",
            "tampered.csv",
            "-o",
            "out.csv",
            "--policy",
            "enc.toml",
            "--key",
            "k",
        ])
        .stderr_eq(str![[r#"
error: tampered.csv: line 2: record 1: column `b` (column 2): cannot transform the value
caused by: decryption failed: the token was altered, truncated, or made for another domain

"#]]);
    }
}

#[test]
fn existing_output_without_force() {
    let env = small_env();
    env.write("out.csv", "precious\n");
    env.fails(&mask("in.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: output out.csv already exists
hint: pass --force to replace it, or choose another output

"#]]);
}

#[test]
fn failed_job_with_force_keeps_the_old_output() {
    let env = small_env();
    env.write("out.csv", "precious\n");
    env.write("ragged.csv", "a,b\n1\n");
    env.fails(&mask("ragged.csv", "out.csv", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: ragged.csv: line 2: record 1 has 1 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)

"#]]);
}

#[test]
fn input_is_the_output() {
    let env = small_env();
    env.fails(&mask("in.csv", "in.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: output in.csv is the input file
hint: write to another file; oubli never modifies its input

"#]]);
    env.fails(&mask("in.csv", "./in.csv", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: output ./in.csv is the input file
hint: write to another file; oubli never modifies its input

"#]]);
}

#[test]
fn input_is_the_output_through_a_link() {
    let env = small_env();
    std::os::unix::fs::symlink("in.csv", env.path("sym.csv")).unwrap();
    std::fs::hard_link(env.path("in.csv"), env.path("hard.csv")).unwrap();
    for (output, expected) in [
        (
            "sym.csv",
            str![[r#"
error: output sym.csv is the input file
hint: write to another file; oubli never modifies its input

"#]],
        ),
        (
            "hard.csv",
            str![[r#"
error: output hard.csv is the input file
hint: write to another file; oubli never modifies its input

"#]],
        ),
    ] {
        env.fails(&mask("in.csv", output, "p.toml", &["--force"]))
            .stderr_eq(expected.clone());
        env.fails(&mask("in.csv", output, "p.toml", &[]))
            .stderr_eq(expected);
    }
    // The link as the input, the file as the output.
    env.fails(&mask("sym.csv", "in.csv", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: output in.csv is the input file
hint: write to another file; oubli never modifies its input

"#]]);
}

#[test]
fn output_is_a_directory() {
    let env = small_env();
    env.mkdir("outdir");
    env.fails(&mask("in.csv", "outdir", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: output outdir is a directory; name a file

"#]]);
    env.fails(&mask("in.csv", ".", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: output . is a directory; name a file

"#]]);
}

#[test]
fn output_directory_does_not_exist() {
    let env = small_env();
    env.fails(&mask("in.csv", "nodir/out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: cannot create a temporary file in nodir
caused by: No such file or directory (os error 2) at path "[..]/nodir/.oubli-[..].tmp"
hint: check that the output directory exists and is writable

"#]]);
}

#[test]
fn input_missing() {
    let env = small_env();
    env.fails(&mask("missing.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: cannot open the input
caused by: failed to open file `missing.csv`: No such file or directory (os error 2)
hint: check the path of INPUT

"#]]);
}

#[test]
fn input_is_a_directory() {
    let env = small_env();
    env.mkdir("dir.csv");
    env.fails(&mask("dir.csv", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: input dir.csv is a directory; name a file

"#]]);
}

#[test]
fn unknown_extension_without_format() {
    let env = small_env();
    env.write("in.dat", SMALL_CSV);
    env.fails(&mask("in.dat", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: cannot tell the format of in.dat from its extension
hint: pass --format csv or --format tsv

"#]]);
    env.write("noext", SMALL_CSV);
    env.fails(&mask("noext", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: cannot tell the format of noext from its extension
hint: pass --format csv or --format tsv

"#]]);
    // --format makes it work.
    env.oubli(&mask(
        "in.dat",
        "out.csv",
        "p.toml",
        &["--format", "csv", "-q"],
    ))
    .code(0)
    .stderr_eq("");
    assert!(env.exists("out.csv"));
}

#[test]
fn a_file_that_is_not_parquet_is_refused() {
    let env = small_env();
    env.fails(&mask(
        "in.csv",
        "out.csv",
        "p.toml",
        &["--format", "parquet"],
    ))
    .stderr_eq(str![[r#"
error: in.csv: not a readable Parquet file (it is empty, truncated, corrupt, or not Parquet)
caused by: [..]

"#]]);
    env.write("in.parquet", "PAR1");
    env.fails(&mask("in.parquet", "out.csv", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: in.parquet: not a readable Parquet file (it is empty, truncated, corrupt, or not Parquet)
caused by: [..]

"#]]);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let env = small_env();
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--format", "xlsx"]))
        .stderr_eq(str![[r#"
error: invalid value 'xlsx' for '--format <FORMAT>'
  [possible values: csv, tsv, parquet]

For more information, try '--help'.

"#]]);
}

#[test]
fn bad_delimiter() {
    let env = small_env();
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--delimiter", ";;"]))
        .stderr_eq(str![[r#"
error: --delimiter `;;` is not a single ASCII character
hint: pass one character such as `;` or `|`, or `tab`

"#]]);
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--delimiter", "é"]))
        .stderr_eq(str![[r#"
error: --delimiter `é` is not a single ASCII character
hint: pass one character such as `;` or `|`, or `tab`

"#]]);
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--delimiter", ""]))
        .stderr_eq(str![[r#"
error: --delimiter `` is not a single ASCII character
hint: pass one character such as `;` or `|`, or `tab`

"#]]);
    // A quote is refused (the message is pinned by
    // `quote_delimiter_message_gives_the_right_reason`).
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--delimiter", "\""]));
}

#[test]
fn quote_delimiter_message_gives_the_right_reason() {
    let env = small_env();
    let assert = env.fails(&mask("in.csv", "out.csv", "p.toml", &["--delimiter", "\""]));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        !stderr.contains("is not a single ASCII character"),
        "{stderr}"
    );
}

#[test]
fn threads_zero_is_a_usage_error() {
    let env = small_env();
    env.fails(&mask("in.csv", "out.csv", "p.toml", &["--threads", "0"]))
        .stderr_eq(str![[r#"
error: invalid value '0' for '--threads <N>': 0 is not in 1..=65535

For more information, try '--help'.

"#]]);
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    let env = small_env();
    // About 1.8 MB of output: far more than a pipe holds.
    env.write("big.csv", big_customers(200));
    env.write("det.toml", CUSTOMERS_DETERMINISTIC_POLICY);
    let before = env.state();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_oubli"))
        .current_dir(env.path(""))
        .env_remove("OUBLI_KEY_FILE")
        .args(mask("big.csv", "-", "det.toml", &[]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn oubli");
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("the first bytes");
    // The read end is closed here, like `| head -c 10`.
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    env.record(
        "mask … -o - | head -c 10".into(),
        head.to_vec(),
        output.stderr.clone(),
    );
    assert_eq!(&head, b"customer_i");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    env.assert_state(&before);
}

#[test]
fn empty_output_name_is_refused_before_the_job() {
    let env = small_env();
    env.fails(&mask("in.csv", "", "p.toml", &[]))
        .stderr_eq(str![[r#"
error: the output name is empty
hint: pass -o FILE, or -o - for stdout

"#]]);
}

#[test]
fn output_that_is_the_key_or_policy_is_refused_even_with_force() {
    let env = small_env();
    env.fails(&mask("in.csv", "k", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: output k is the job's own file k
hint: write to another file

"#]]);
    env.fails(&mask("in.csv", "p.toml", "p.toml", &["--force"]))
        .stderr_eq(str![[r#"
error: output p.toml is the job's own file p.toml
hint: write to another file

"#]]);
}
