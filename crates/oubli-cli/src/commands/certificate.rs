//! `oubli log certificate`: a certificate of sanitization for one deletion
//! entry (`shred`, `erase`, `forget`), with the fields of NIST SP 800-88r2 §4.6
//! that apply to files, rows and keys, and the entry's receipt so that it can
//! be checked against the ledger with the public key alone.

use std::fmt::Write as _;

use oubli_ledger::Receipt;
use serde_json::{Map, Value, json};

use crate::cli::CertificateFormat;
use crate::error::Hint as _;

/// The certificate of `receipt`'s entry in `format`.
pub(crate) fn render(receipt: &Receipt, format: CertificateFormat) -> anyhow::Result<String> {
    let entry: Value = serde_json::from_slice(&receipt.entry)?;
    let kind = entry["type"].as_str().unwrap_or_default();
    let fields = match kind {
        "shred" => shred_fields(&entry),
        "erase" => erase_fields(&entry),
        "forget" => forget_fields(&entry),
        other => {
            return Err(anyhow::anyhow!(
                "entry {} is a `{other}` entry: certificates of sanitization are for deletion entries (`shred`, `erase`, `forget`)",
                receipt.index
            ))
            .hint("pick the index of a deletion entry from `oubli log show DIR`");
        }
    };
    let text = |k: &str| entry[k].as_str().unwrap_or("").to_owned();
    let certificate = json!({
        "format": "oubli.certificate/1",
        "standard": "NIST SP 800-88r2 section 4.6 (certificate of sanitization), fields applicable to files, dataset rows and per-subject keys",
        "ledger_entry": receipt.index,
        "person_performing_sanitization": {
            "operator": text("operator"),
            "location_host": text("host"),
            "date": text("time"),
        },
        "target": fields.target,
        "sanitization": {
            "method_type": fields.method_type,
            "method": fields.method,
            "technique": fields.technique,
            "tool": format!("{} {}", text("tool"), text("tool_version")),
            "verification_method": fields.verification_method,
            "verification_result": fields.verification_result,
            "result": text("result"),
            "reasons": fields.reasons,
            "caveats": fields.caveats,
            "recommendation": fields.recommendation,
        },
        "validation": {
            "note": "to be completed by a second person who checked the receipt and the target",
            "name": "", "title": "", "organization": "", "date": "", "signature": "",
        },
        "receipt": receipt.to_text(),
    });
    Ok(match format {
        CertificateFormat::Json => format!("{certificate}\n"),
        CertificateFormat::Text => as_text(&certificate),
    })
}

/// What differs between entry types.
struct Fields {
    target: Value,
    method_type: String,
    method: String,
    technique: String,
    verification_method: String,
    verification_result: String,
    reasons: Vec<String>,
    caveats: Vec<String>,
    recommendation: Option<String>,
}

/// A JSON string's text, or empty.
fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn storage_text(storage: &Value) -> String {
    if storage.is_null() {
        return "not probed".to_owned();
    }
    let mut s = format!(
        "{} ({}, statfs {})",
        storage["file_system"].as_str().unwrap_or("?"),
        storage["class"].as_str().unwrap_or("?"),
        storage["statfs_type"].as_str().unwrap_or("?")
    );
    if let Some(d) = storage["device"].as_str() {
        let _ = write!(
            s,
            " on {d} ({}{})",
            storage["device_kind"].as_str().unwrap_or("?"),
            match storage["rotational"].as_bool() {
                Some(true) => ", rotational",
                Some(false) => ", non-rotational",
                None => "",
            }
        );
    }
    s
}

const PARTIAL: &str = "partial sanitization (NIST SP 800-88r2 §4.2) of one file or of rows in a file; not a Clear, Purge or Destroy of the medium";

fn shred_fields(e: &Value) -> Fields {
    let pattern = strings(&e["pattern"]);
    let technique = match e["method"].as_str() {
        Some("overwrite") => format!(
            "{} overwrite pass(es) of the allocated length ({} bytes): {}; fdatasync after each; name scrubbed by {} rename(s); truncated; unlinked; directory synced",
            pattern.len(),
            e["overwritten_bytes"],
            pattern.join(" + "),
            e["renames"]
        ),
        Some("unlink") => format!(
            "{} removed: {} rename(s), unlink, directory synced (nothing overwritten)",
            e["kind"].as_str().unwrap_or("entry"),
            e["renames"]
        ),
        _ => "none (refused or failed before anything was done)".to_owned(),
    };
    let mut target = Map::new();
    target.insert("path".into(), e["path"].clone());
    target.insert("kind".into(), e["kind"].clone());
    target.insert("bytes".into(), e["bytes"].clone());
    if let Some(h) = e.get("sha256") {
        target.insert("sha256_before".into(), h.clone());
    }
    target.insert("hard_links".into(), e["link_count"].clone());
    target.insert("media".into(), storage_text(&e["storage"]).into());
    let mut caveats = strings(&e["caveats"]);
    if let Some(err) = e["error"].as_str() {
        caveats.insert(0, format!("error: {err}"));
    }
    Fields {
        target: Value::Object(target),
        method_type: PARTIAL.to_owned(),
        method: format!("shred ({})", e["command"].as_str().unwrap_or("shred")),
        technique,
        verification_method: str_of(&e["verification"]["method"]),
        verification_result: str_of(&e["verification"]["result"]),
        reasons: strings(&e["reasons"]),
        caveats,
        recommendation: e["recommendation"].as_str().map(str::to_owned),
    }
}

fn erase_fields(e: &Value) -> Fields {
    let old = &e["old_version"];
    let mut technique = format!(
        "{} row(s) of {} subject(s) (by keyed tag) removed from column `{}` ({}); {} of {} rows kept byte for byte",
        e["rows_removed"],
        e["subjects"].as_array().map_or(0, Vec::len),
        e["column"].as_str().unwrap_or("?"),
        e["matching"].as_str().unwrap_or("?"),
        e["rows_after"],
        e["rows_before"],
    );
    if e["in_place"].as_bool() == Some(true) {
        technique.push_str("; replaced in place atomically; the old version shredded");
        technique.push_str(&old_version_shred(old));
    } else {
        technique.push_str("; written to a new file (the input was left unchanged)");
    }
    let target = json!({
        "file": e["input"]["name"],
        "format": e["format"],
        "sha256_before": e["input"]["sha256"],
        "sha256_after": e["output"]["sha256"],
        "subjects": e["subjects"],
        "subjects_not_found": e["subjects_not_found"],
        "key_id": e["key_id"],
        "media": old_version_media(old),
    });
    let mut reasons = strings(&old["reasons"]);
    reasons.dedup();
    let caveats = caveats_with_old_version(e, old);
    Fields {
        target,
        method_type: PARTIAL.to_owned(),
        method: "erase (data subjects' rows; GDPR Art. 17)".to_owned(),
        technique,
        verification_method: str_of(&e["verification"]["method"]),
        verification_result: str_of(&e["verification"]["result"]),
        reasons,
        caveats,
        recommendation: old["recommendation"].as_str().map(str::to_owned),
    }
}

/// `forget`: a cryptographic erase (§3.2) of per-subject data keys. The target
/// is the data encrypted under them, wherever it was copied; what is verified
/// is the overwrite of the vault's old version, which held the wrapped keys.
fn forget_fields(e: &Value) -> Fields {
    let old = &e["old_version"];
    let subjects = e["subjects"].as_array().map_or(&[][..], Vec::as_slice);
    let with = |outcome: &str| subjects.iter().filter(|s| s["outcome"] == outcome).count();
    let mut technique = format!(
        "{} data key(s) destroyed ({} subject(s) already forgotten, {} without a key); tombstones left so that no key is made again silently; {} key(s) remain in the vault",
        e["count"],
        with("already-forgotten"),
        with("no-key"),
        e["keys_remaining"],
    );
    technique.push_str(
        "; the new vault swapped in atomically (renameat2 RENAME_EXCHANGE) and the old version shredded",
    );
    technique.push_str(&old_version_shred(old));
    let target = json!({
        "data": "every value encrypted under these subjects' data keys (per_subject columns), in every copy",
        "vault": e["vault"],
        "key_id": e["key_id"],
        "vault_sha256_before": e["vault_before"]["sha256"],
        "vault_sha256_after": e["vault_after"]["sha256"],
        "subjects": e["subjects"],
        "media": old_version_media(old),
    });
    let mut reasons = strings(&old["reasons"]);
    reasons.dedup();
    let caveats = caveats_with_old_version(e, old);
    Fields {
        target,
        method_type: "cryptographic erase (NIST SP 800-88r2 §3.2) of the data encrypted under per-subject keys; not a Clear, Purge or Destroy of any medium".to_owned(),
        method: "forget (per-subject data keys destroyed in the vault)".to_owned(),
        technique,
        verification_method: old["verification"]["method"]
            .as_str()
            .map_or_else(|| "none".to_owned(), |m| format!("old vault version: {m}")),
        verification_result: str_of(&old["verification"]["result"]),
        reasons,
        caveats,
        recommendation: old["recommendation"].as_str().map(str::to_owned),
    }
}

/// ` (N pass(es), read-back R: result)` of the shred of a file's old version
/// (`old_version` of an `erase --in-place` or a `forget` entry); empty if none.
fn old_version_shred(old: &Value) -> String {
    if old.is_null() {
        return String::new();
    }
    format!(
        " ({} pass(es), read-back {}: {})",
        old["pattern"].as_array().map_or(0, Vec::len),
        old["verification"]["result"].as_str().unwrap_or("?"),
        old["result"].as_str().unwrap_or("?")
    )
}

/// The storage of a file's old version, as probed when it was shredded.
fn old_version_media(old: &Value) -> String {
    if old.is_null() {
        "not probed".to_owned()
    } else {
        storage_text(&old["storage"])
    }
}

/// The entry's caveats, then those of its old version's shred, after the
/// entry's error if it failed.
fn caveats_with_old_version(e: &Value, old: &Value) -> Vec<String> {
    let mut caveats = strings(&e["caveats"]);
    caveats.extend(strings(&old["caveats"]));
    if let Some(err) = e["error"].as_str() {
        caveats.insert(0, format!("error: {err}"));
    }
    caveats
}

fn as_text(c: &Value) -> String {
    let mut out = String::new();
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    let _ = writeln!(out, "CERTIFICATE OF SANITIZATION");
    let _ = writeln!(
        out,
        "after NIST SP 800-88r2 §4.6; ledger entry {} (oubli.certificate/1)\n",
        c["ledger_entry"]
    );
    let p = &c["person_performing_sanitization"];
    let _ = writeln!(out, "Person performing sanitization");
    let _ = writeln!(out, "  Operator:             {}", s(&p["operator"]));
    let _ = writeln!(out, "  Location (host):      {}", s(&p["location_host"]));
    let _ = writeln!(out, "  Date:                 {}\n", s(&p["date"]));
    let _ = writeln!(out, "Target");
    if let Some(target) = c["target"].as_object() {
        for (k, v) in target {
            if k == "subjects" {
                let n = v.as_array().map_or(0, Vec::len);
                let _ = writeln!(out, "  {:<21} {n} (keyed tags)", "subjects:");
                for t in v.as_array().into_iter().flatten() {
                    match t.get("outcome") {
                        Some(outcome) => {
                            let _ = writeln!(out, "    {}  {}", s(&t["tag"]), s(outcome));
                        }
                        None => {
                            let _ = writeln!(
                                out,
                                "    {}  rows removed: {}",
                                s(&t["tag"]),
                                t["removed"]
                            );
                        }
                    }
                }
            } else if k == "subjects_not_found" {
                let _ = writeln!(
                    out,
                    "  {:<21} {}",
                    "subjects not found:",
                    v.as_array().map_or(0, Vec::len)
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {:<21} {}",
                    format!("{}:", k.replace('_', " ")),
                    s(v)
                );
            }
        }
    }
    let z = &c["sanitization"];
    let _ = writeln!(out, "\nSanitization");
    for (label, key) in [
        ("Method type:", "method_type"),
        ("Method:", "method"),
        ("Technique:", "technique"),
        ("Tool:", "tool"),
        ("Verification method:", "verification_method"),
        ("Verification result:", "verification_result"),
        ("Result:", "result"),
        ("Recommendation:", "recommendation"),
    ] {
        let _ = writeln!(out, "  {label:<21} {}", s(&z[key]));
    }
    for (label, key) in [("Reasons:", "reasons"), ("Caveats:", "caveats")] {
        let items = strings(&z[key]);
        if !items.is_empty() {
            let _ = writeln!(out, "  {label}");
            for item in items {
                let _ = writeln!(out, "    - {item}");
            }
        }
    }
    let _ = writeln!(out, "\nValidation (to be completed by a second person)");
    for label in ["Name:", "Title:", "Organization:", "Date:", "Signature:"] {
        let _ = writeln!(out, "  {label:<21} ______________________________");
    }
    let _ = writeln!(
        out,
        "\nLedger receipt: save the lines below to a file and check it with\n`oubli log verify-receipt FILE --public-key PUB`.\n"
    );
    out.push_str(c["receipt"].as_str().unwrap_or_default());
    out
}
