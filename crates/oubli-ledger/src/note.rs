//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys.
//!
//! A note is a text ending in a newline, a blank line, and signature lines
//! `— <name> base64(key id || signature)`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::{SigningKey, VerifierKey};

/// The em dash and space that start a signature line.
const SIG_PREFIX: &str = "\u{2014} ";
/// Verifiers must accept at least 16 signatures; more is refused.
const MAX_SIGNATURES: usize = 100;

/// Why a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text to sign is not a valid note text.
    #[error(
        "note text must be non-empty, end with a newline and contain no control characters other than newline"
    )]
    InvalidText,
    /// The note does not have the signed-note shape.
    #[error("malformed signed note: {0}")]
    Malformed(&'static str),
    /// No signature by the expected key.
    #[error("the note has no signature by key `{0}`")]
    NoSignature(String),
    /// A signature by the expected key does not verify.
    #[error(
        "the signature by key `{0}` does not verify: the note was altered or signed by another key"
    )]
    BadSignature(String),
}

fn valid_text(text: &str) -> bool {
    !text.is_empty() && text.ends_with('\n') && !text.chars().any(|c| c < ' ' && c != '\n')
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key id.
    pub key_id: [u8; 4],
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Signs `text` with `key` under `name`: returns the whole note.
pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    if !valid_text(text) {
        return Err(NoteError::InvalidText);
    }
    let verifier = key
        .verifier_key(name)
        .map_err(|_| NoteError::Malformed("invalid key name"))?;
    let mut blob = Vec::with_capacity(68);
    blob.extend_from_slice(&verifier.key_hash());
    blob.extend_from_slice(&key.sign(text.as_bytes()));
    Ok(format!(
        "{text}\n{SIG_PREFIX}{name} {}\n",
        STANDARD.encode(blob)
    ))
}

/// Splits a note into its text and signatures, without verifying anything.
pub fn parse(note: &str) -> Result<(&str, Vec<NoteSignature>), NoteError> {
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("control characters"));
    }
    if !note.ends_with('\n') {
        return Err(NoteError::Malformed("it does not end with a newline"));
    }
    // The text ends at the last blank line.
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let mut signatures = Vec::new();
    for line in sigs.lines() {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line does not start with an em dash",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("a signature line has no signature"))?;
        if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
            return Err(NoteError::Malformed("invalid key name in a signature line"));
        }
        let blob = STANDARD
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        });
        if signatures.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
    }
    if signatures.is_empty() {
        return Err(NoteError::Malformed("no signature lines"));
    }
    Ok((text, signatures))
}

/// Verifies `note` with `verifier` and returns its text. Signatures by other
/// keys are ignored; a signature by the verifier that fails rejects the note.
pub fn open<'n>(note: &'n str, verifier: &VerifierKey) -> Result<&'n str, NoteError> {
    let (text, signatures) = parse(note)?;
    let mut verified = false;
    for sig in signatures
        .iter()
        .filter(|s| s.name == verifier.name() && s.key_id == verifier.key_hash())
    {
        if !verifier.verify(text.as_bytes(), &sig.signature) {
            return Err(NoteError::BadSignature(verifier.to_string()));
        }
        verified = true;
    }
    if verified {
        Ok(text)
    } else {
        Err(NoteError::NoSignature(verifier.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// golang.org/x/mod/sumdb/note: the PeterNeumann example key and note.
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn go_signing_key() -> SigningKey {
        let b64 = GO_SKEY.splitn(5, '+').nth(4).unwrap();
        let blob = STANDARD.decode(b64).unwrap();
        assert_eq!(blob[0], 0x01, "Ed25519");
        SigningKey::from_seed(&blob[1..].try_into().unwrap()).unwrap()
    }

    #[test]
    fn go_example_signs_byte_for_byte() {
        let key = go_signing_key();
        assert_eq!(
            key.verifier_key("PeterNeumann").unwrap().to_string(),
            GO_VKEY
        );
        assert_eq!(sign(GO_TEXT, "PeterNeumann", &key).unwrap(), GO_NOTE);
    }

    #[test]
    fn go_example_opens_and_tampering_fails() {
        let vkey: VerifierKey = GO_VKEY.parse().unwrap();
        assert_eq!(open(GO_NOTE, &vkey).unwrap(), GO_TEXT);
        let altered = GO_NOTE.replace("cryptography", "cryptographY");
        assert!(matches!(
            open(&altered, &vkey),
            Err(NoteError::BadSignature(_))
        ));
        let other = SigningKey::generate()
            .unwrap()
            .verifier_key("PeterNeumann")
            .unwrap();
        assert!(matches!(
            open(GO_NOTE, &other),
            Err(NoteError::NoSignature(_))
        ));
        assert!(parse("no blank line\n").is_err());
        assert!(parse("text\n\n- ascii dash sig\n").is_err());
    }

    #[test]
    fn unknown_signatures_are_ignored() {
        let key = SigningKey::generate().unwrap();
        let note = sign("hello\n", "a.example", &key).unwrap();
        let extra = SigningKey::generate().unwrap();
        let cosigned = format!(
            "{note}{}",
            sign("hello\n", "b.example", &extra)
                .unwrap()
                .split("\n\n")
                .nth(1)
                .unwrap()
        );
        let vkey = key.verifier_key("a.example").unwrap();
        assert_eq!(open(&cosigned, &vkey).unwrap(), "hello\n");
    }
}
