//! `oubli key new|public|id`, and how every command reads key files.

use snapbox::str;

use crate::support::{Env, SMALL_CSV, SMALL_POLICY, is_b64url, is_hex};

/// An input, a policy and a master key `k`, ready for `oubli mask`.
fn job_env() -> Env {
    let env = Env::new();
    env.write("in.csv", SMALL_CSV);
    env.write("p.toml", SMALL_POLICY);
    env.new_key("k");
    env
}

/// `oubli mask in.csv -o out.csv --policy p.toml --key KEY`.
fn mask_with_key(key: &str) -> Vec<String> {
    [
        "mask", "in.csv", "-o", "out.csv", "--policy", "p.toml", "--key", key,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Checks `# created: YYYY-MM-DDTHH:MM:SSZ`.
fn assert_created_line(line: &str) {
    let stamp = line
        .strip_prefix("# created: ")
        .expect("a `# created:` line");
    let shape: String = stamp
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    assert_eq!(shape, "9999-99-99T99:99:99Z", "created stamp {stamp:?}");
}

#[test]
fn key_new_writes_a_private_file_with_the_documented_lines() {
    let env = Env::new();
    let assert = env
        .oubli(&["key", "new", "-o", "k"])
        .code(0)
        .stdout_eq("")
        .stderr_eq(str![[r#"
wrote master key [..] to k (mode 0600); keep it secret and back it up

"#]]);
    assert_eq!(env.mode("k"), 0o600);

    let text = env.read_string("k");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(lines[0], "# oubli master key: keep secret");
    assert_created_line(lines[1]);
    let comment_id = lines[2].strip_prefix("# key-id: ").expect("a key-id line");
    assert!(is_hex(comment_id, 16), "{comment_id:?}");
    let payload = lines[3].strip_prefix("OUBLI-KEY-1:").expect("the key line");
    // 32 key bytes and a 4-byte checksum, base64url without padding.
    assert_eq!(payload.len(), 48, "{payload:?}");
    assert!(is_b64url(payload), "{payload:?}");

    // The id in the comment, on stderr and from `key id` agree.
    assert_eq!(env.key_id("k"), comment_id);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(&format!(" {comment_id} ")), "{stderr}");
}

#[test]
fn key_new_makes_a_different_key_each_time() {
    let env = Env::new();
    let a = env.new_key("a");
    let b = env.new_key("b");
    assert_ne!(a, b);
    assert_ne!(env.key_line("a"), env.key_line("b"));
}

#[test]
fn key_new_quiet_prints_nothing() {
    let env = Env::new();
    env.oubli(&["key", "new", "-q", "-o", "k"])
        .code(0)
        .stdout_eq("")
        .stderr_eq("");
    env.oubli(&["key", "new", "--quiet", "--signing", "-o", "s"])
        .code(0)
        .stdout_eq("")
        .stderr_eq("");
    assert_eq!(env.mode("k"), 0o600);
    assert_eq!(env.mode("s"), 0o600);
}

#[test]
fn key_new_refuses_an_existing_file() {
    let env = Env::new();
    env.new_key("k");
    // `fails` checks that k is byte-identical (and still 0600) afterwards.
    env.fails(&["key", "new", "-o", "k"]).stderr_eq(str![[r#"
error: k already exists; a key file is never overwritten
hint: choose another file name, or delete the old key yourself if you are sure it is no longer needed

"#]]);
    env.fails(&["key", "new", "--signing", "-o", "k"])
        .stderr_eq(str![[r#"
error: k already exists; a key file is never overwritten
hint: choose another file name, or delete the old key yourself if you are sure it is no longer needed

"#]]);
}

#[test]
fn key_new_refuses_to_overwrite_a_non_key_file() {
    let env = Env::new();
    env.write("notes.txt", "precious\n");
    env.fails(&["key", "new", "-o", "notes.txt"])
        .stderr_eq(str![[r#"
error: notes.txt already exists; a key file is never overwritten
hint: choose another file name, or delete the old key yourself if you are sure it is no longer needed

"#]]);
}

#[test]
fn key_new_in_a_missing_directory() {
    let env = Env::new();
    env.fails(&["key", "new", "-o", "nodir/k"])
        .stderr_eq(str![[r#"
error: cannot create key file nodir/k
caused by: No such file or directory (os error 2)

"#]]);
}

#[test]
fn key_new_signing_writes_the_documented_lines() {
    let env = Env::new();
    env.oubli(&["key", "new", "--signing", "-o", "s"])
        .code(0)
        .stdout_eq("")
        .stderr_eq(str![[r#"
wrote signing key [..] to s (mode 0600); keep it secret and back it up

"#]]);
    assert_eq!(env.mode("s"), 0o600);
    let text = env.read_string("s");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], "# oubli signing key: keep secret");
    assert_created_line(lines[1]);
    assert!(lines[2].starts_with("# public-key: oubli+"), "{}", lines[2]);
    let payload = lines[3]
        .strip_prefix("OUBLI-SIGNING-KEY-1:")
        .expect("the signing key line");
    assert!(is_b64url(payload), "{payload:?}");
}

/// Splits a verifier key `name+hash+base64`, checking its shape.
fn split_verifier(verifier: &str) -> (&str, &str, &str) {
    let mut parts = verifier.splitn(3, '+');
    let (name, hash, key) = (
        parts.next().unwrap(),
        parts.next().expect("a key hash"),
        parts.next().expect("a public key"),
    );
    assert!(is_hex(hash, 8), "key hash {hash:?}");
    // base64 (standard, padded) of 0x01 || 32-byte public key: 44 characters.
    assert_eq!(key.len(), 44, "{key:?}");
    assert!(key.starts_with('A'), "the algorithm byte 0x01: {key:?}");
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='),
        "{key:?}"
    );
    (name, hash, key)
}

#[test]
fn key_public_prints_the_verifier_key() {
    let env = Env::new();
    env.new_signing_key("s");
    let assert = env.oubli(&["key", "public", "s"]).code(0).stderr_eq("");
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let verifier = stdout.strip_suffix('\n').expect("one line");
    assert!(!verifier.contains('\n'));
    let (name, hash, key) = split_verifier(verifier);
    assert_eq!(name, "oubli");

    // The same as the comment in the key file.
    let text = env.read_string("s");
    let comment = text
        .lines()
        .find_map(|l| l.strip_prefix("# public-key: "))
        .expect("a public-key comment");
    assert_eq!(comment, verifier);

    // Another name: another key hash, the same public key.
    let assert = env
        .oubli(&["key", "public", "s", "--name", "audit.example"])
        .code(0)
        .stderr_eq("");
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let (name2, hash2, key2) = split_verifier(stdout.strip_suffix('\n').unwrap());
    assert_eq!(name2, "audit.example");
    assert_ne!(hash2, hash);
    assert_eq!(key2, key);
}

#[test]
fn key_public_reads_oubli_signing_key_file() {
    let env = Env::new();
    env.new_signing_key("s");
    let direct = env.oubli(&["key", "public", "s"]).code(0);
    let from_env = env
        .run(
            env.cmd()
                .args(["key", "public"])
                .env("OUBLI_SIGNING_KEY_FILE", "s"),
        )
        .code(0)
        .stderr_eq("");
    assert_eq!(
        direct.get_output().stdout,
        from_env.get_output().stdout,
        "OUBLI_SIGNING_KEY_FILE names the same key"
    );
}

#[test]
fn key_public_refuses_a_master_key() {
    let env = Env::new();
    env.new_key("k");
    env.fails(&["key", "public", "k"]).stderr_eq(str![[r#"
error: k is a master key, not a signing key
hint: pass a signing key made by `oubli key new --signing -o FILE`

"#]]);
}

#[test]
fn key_id_of_master_and_signing_keys() {
    let env = Env::new();
    env.new_key("k");
    env.new_signing_key("s");
    let master = env
        .oubli(&["key", "id", "k"])
        .code(0)
        .stderr_eq("")
        .stdout_eq(str![[r#"
[..]

"#]]);
    let master = String::from_utf8(master.get_output().stdout.clone()).unwrap();
    let master = master.trim_end();
    assert!(is_hex(master, 16), "{master:?}");
    let comment = env
        .read_string("k")
        .lines()
        .find_map(|l| l.strip_prefix("# key-id: ").map(str::to_owned))
        .unwrap();
    assert_eq!(master, comment);

    let signing = env.key_id("s");
    assert!(is_hex(&signing, 16));
    assert_ne!(signing, master);
    // Stable.
    assert_eq!(env.key_id("s"), signing);
    assert_eq!(env.key_id("k"), master);
}

#[test]
fn key_id_ignores_the_informational_comments() {
    let env = Env::new();
    let id = env.new_key("k");
    let line = env.key_line("k");
    env.write_private("bare", format!("{line}\n"));
    assert_eq!(env.key_id("bare"), id);
    env.write_private(
        "wrong-comment",
        format!("# key-id: 0000000000000000\n\n{line}\n"),
    );
    assert_eq!(env.key_id("wrong-comment"), id);
}

#[test]
fn key_file_with_crlf_line_endings_is_read() {
    let env = Env::new();
    let id = env.new_key("k");
    let crlf = env.read_string("k").replace('\n', "\r\n");
    env.write_private("k-crlf", crlf);
    assert_eq!(env.key_id("k-crlf"), id);
}

#[test]
fn group_readable_key_is_refused_with_the_chmod_hint() {
    let env = job_env();
    env.chmod("k", 0o640);
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0640)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
    env.fails(&as_strs(&mask_with_key("k"))).stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0640)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
    env.chmod("k", 0o660);
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0660)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
}

#[test]
fn world_readable_key_is_refused() {
    let env = job_env();
    env.chmod("k", 0o604);
    env.fails(&as_strs(&mask_with_key("k"))).stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0604)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
    env.chmod("k", 0o644);
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0644)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
}

#[test]
fn signing_key_readable_by_others_is_refused() {
    let env = Env::new();
    env.new_signing_key("s");
    env.chmod("s", 0o644);
    env.fails(&["key", "public", "s"]).stderr_eq(str![[r#"
error: key file s can be read by group or others (mode 0644)
hint: make it private with `chmod 600 s`, and consider the key exposed if others could read it

"#]]);
}

/// The key line with the payload character at `index` replaced by another one.
fn damage(line: &str, index: usize) -> String {
    let colon = line.find(':').unwrap();
    let mut bytes = line.as_bytes().to_vec();
    let at = colon + 1 + index;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn damaged_checksum_is_refused() {
    let env = job_env();
    let text = env.read_string("k");
    let line = env.key_line("k");
    env.write_private("k", text.replace(&line, &damage(&line, 10)));
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: cannot use key file k
caused by: line 4: the key's checksum does not match; the key file is damaged or was mistyped
hint: restore the key file from your backup; a damaged key cannot be repaired

"#]]);
    env.fails(&as_strs(&mask_with_key("k"))).stderr_eq(str![[r#"
error: cannot use key file k
caused by: line 4: the key's checksum does not match; the key file is damaged or was mistyped
hint: restore the key file from your backup; a damaged key cannot be repaired

"#]]);
}

#[test]
fn damaged_signing_key_is_refused() {
    let env = Env::new();
    env.new_signing_key("s");
    let text = env.read_string("s");
    let line = env.key_line("s");
    env.write_private("s", text.replace(&line, &damage(&line, 20)));
    env.fails(&["key", "public", "s"]).stderr_eq(str![[r#"
error: cannot use key file s
caused by: line 4: the key's checksum does not match; the key file is damaged or was mistyped
hint: restore the key file from your backup; a damaged key cannot be repaired

"#]]);
}

#[test]
fn truncated_key_is_refused() {
    let env = Env::new();
    env.new_key("k");
    let line = env.key_line("k");
    env.write_private("k", format!("{}\n", &line[..line.len() - 4]));
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: cannot use key file k
caused by: line 1: the key has 29 bytes, expected 32; the key file is damaged or truncated
hint: restore the key file from your backup; a damaged key cannot be repaired

"#]]);
}

#[test]
fn unknown_key_file_version_is_refused() {
    let env = job_env();
    let text = env.read_string("k");
    env.write_private("k", text.replace("OUBLI-KEY-1:", "OUBLI-KEY-9:"));
    // The hint is pinned by `unknown_key_file_version_hint_does_not_call_it_damaged`.
    env.fails(&["key", "id", "k"]).stderr_eq(str![[r#"
error: cannot use key file k
caused by: line 4: unsupported key file version `OUBLI-KEY-9` (this oubli reads `OUBLI-KEY-1:` and `OUBLI-SIGNING-KEY-1:`); a newer oubli may read it
hint: [..]

"#]]);
    env.fails(&as_strs(&mask_with_key("k")))
        .stderr_eq(str![[r#"
error: cannot use key file k
caused by: line 4: unsupported key file version `OUBLI-KEY-9` (this oubli reads `OUBLI-KEY-1:` and `OUBLI-SIGNING-KEY-1:`); a newer oubli may read it
hint: [..]

"#]]);
}

#[test]
fn unknown_key_file_version_hint_does_not_call_it_damaged() {
    let env = Env::new();
    env.new_key("k");
    let text = env.read_string("k");
    env.write_private("k", text.replace("OUBLI-KEY-1:", "OUBLI-KEY-2:"));
    let assert = env.fails(&["key", "id", "k"]);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("a newer oubli may read it"), "{stderr}");
    assert!(!stderr.contains("damaged"), "{stderr}");
}

#[test]
fn unrecognised_key_line_is_not_called_a_newer_version() {
    let env = Env::new();
    env.new_key("k");
    let line = env.key_line("k");
    let payload = line.split_once(':').unwrap().1.to_owned();
    env.write_private("bare", format!("{payload}\n"));
    let assert = env.fails(&["key", "id", "bare"]);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("(unrecognised line)"), "{stderr}");
    assert!(!stderr.contains("newer oubli"), "{stderr}");
}

#[test]
fn unrecognised_key_line_is_refused() {
    let env = Env::new();
    env.new_key("k");
    let line = env.key_line("k");
    env.write_private("lower", format!("{}\n", line.to_lowercase()));
    let assert = env.fails(&["key", "id", "lower"]);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("error: cannot use key file lower\ncaused by: line 1 is not a key line"),
        "{stderr}"
    );
}

#[test]
fn empty_key_file_is_refused() {
    let env = job_env();
    env.write_private("empty", "");
    env.fails(&["key", "id", "empty"]).stderr_eq(str![[r#"
error: cannot use key file empty
caused by: no key line found (expected a line starting with `OUBLI-KEY-1:` or `OUBLI-SIGNING-KEY-1:`)
hint: pass a key file made by `oubli key new`, unchanged

"#]]);
    env.write_private(
        "comments",
        "# oubli master key: keep secret\n\n# key-id: 0123456789abcdef\n",
    );
    env.fails(&as_strs(&mask_with_key("comments")))
        .stderr_eq(str![[r#"
error: cannot use key file comments
caused by: no key line found (expected a line starting with `OUBLI-KEY-1:` or `OUBLI-SIGNING-KEY-1:`)
hint: pass a key file made by `oubli key new`, unchanged

"#]]);
}

#[test]
fn two_key_lines_are_refused() {
    let env = Env::new();
    env.new_key("a");
    env.new_key("b");
    let (a, b) = (env.key_line("a"), env.key_line("b"));
    env.write_private("ab", format!("{a}\n{b}\n"));
    env.fails(&["key", "id", "ab"]).stderr_eq(str![[r#"
error: cannot use key file ab
caused by: line 2: unexpected second key line; a key file holds exactly one key
hint: pass a key file made by `oubli key new`, unchanged

"#]]);
}

#[test]
fn signing_key_given_to_mask_is_refused() {
    let env = job_env();
    env.new_signing_key("s");
    env.fails(&as_strs(&mask_with_key("s"))).stderr_eq(str![[r#"
error: s is a signing key, not a master key
hint: pass the master key made by `oubli key new -o FILE` (without --signing)

"#]]);
    let mut unmask = mask_with_key("s");
    unmask[0] = "unmask".into();
    env.fails(&as_strs(&unmask)).stderr_eq(str![[r#"
error: s is a signing key, not a master key
hint: pass the master key made by `oubli key new -o FILE` (without --signing)

"#]]);
}

#[test]
fn missing_key_file_is_refused() {
    let env = job_env();
    env.fails(&as_strs(&mask_with_key("nope.key")))
        .stderr_eq(str![[r#"
error: failed to open file `nope.key`: No such file or directory (os error 2)
hint: pass the path of a key file made by `oubli key new`

"#]]);
    env.fails(&["key", "id", "nope.key"]).stderr_eq(str![[r#"
error: failed to open file `nope.key`: No such file or directory (os error 2)
hint: pass the path of a key file made by `oubli key new`

"#]]);
    env.fails(&["key", "public", "nope.key"])
        .stderr_eq(str![[r#"
error: failed to open file `nope.key`: No such file or directory (os error 2)
hint: pass the path of a key file made by `oubli key new`

"#]]);
}

#[test]
fn key_file_that_is_a_directory_is_refused() {
    let env = job_env();
    env.mkdir("keys");
    env.chmod("keys", 0o700);
    env.fails(&as_strs(&mask_with_key("keys")))
        .stderr_eq(str![[r#"
error: key file keys is not a regular file

"#]]);
}

#[test]
fn oubli_key_file_is_used_when_key_is_absent() {
    let env = job_env();
    let id = env.key_id("k");
    let assert = env
        .run(
            env.cmd()
                .args(["mask", "in.csv", "-o", "out.csv", "--policy", "p.toml"])
                .env("OUBLI_KEY_FILE", "k"),
        )
        .code(0)
        .stdout_eq("");
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(&format!("key {id} ")), "{stderr}");
    assert!(env.exists("out.csv"));

    // The same output as with --key.
    env.oubli(&as_strs(&{
        let mut a = mask_with_key("k");
        a[3] = "out2.csv".into();
        a
    }))
    .code(0);
    assert_eq!(env.read("out.csv"), env.read("out2.csv"));
}

#[test]
fn key_flag_wins_over_oubli_key_file() {
    let env = job_env();
    env.run(
        env.cmd()
            .args(as_strs(&mask_with_key("k")))
            .env("OUBLI_KEY_FILE", "does-not-exist.key"),
    )
    .code(0)
    .stdout_eq("");
    assert!(env.exists("out.csv"));
}

#[test]
fn oubli_key_file_naming_a_bad_key_is_refused() {
    let env = job_env();
    env.chmod("k", 0o644);
    env.fails_with(
        env.cmd()
            .args(["mask", "in.csv", "-o", "out.csv", "--policy", "p.toml"])
            .env("OUBLI_KEY_FILE", "k"),
    )
    .stderr_eq(str![[r#"
error: key file k can be read by group or others (mode 0644)
hint: make it private with `chmod 600 k`, and consider the key exposed if others could read it

"#]]);
}

#[test]
fn no_key_at_all_is_a_usage_error() {
    let env = job_env();
    env.fails(&["mask", "in.csv", "-o", "out.csv", "--policy", "p.toml"])
        .stderr_eq(str![[r#"
error: the following required arguments were not provided:
  --key <FILE>

Usage: oubli mask --output <OUTPUT> --policy <FILE> --key <FILE> <INPUT>

For more information, try '--help'.

"#]]);
}
