//! Receipts: one entry, its inclusion proof and the signed checkpoint, in the
//! C2SP `tlog-proof` format (<https://c2sp.org/tlog-proof>). The entry line
//! travels as the proof's `extra` data; it is authenticated by the inclusion
//! proof, not trusted by itself.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oubli_core::VerifierKey;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::merkle::{self, Hash};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// One entry with the proof that a signed checkpoint includes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The entry's line, without its newline.
    pub entry: Vec<u8>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// RFC 9162 inclusion proof, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: String,
}

/// Why a receipt does not prove anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Not a `tlog-proof`.
    #[error("malformed receipt: {0}")]
    Malformed(&'static str),
    /// The checkpoint is not signed by the key given.
    #[error("the receipt's checkpoint does not verify")]
    Checkpoint(#[from] CheckpointError),
    /// The proof does not lead from the entry to the signed root.
    #[error(
        "the inclusion proof does not match the signed checkpoint: the entry or the proof was altered"
    )]
    NotIncluded,
}

impl Receipt {
    /// The `tlog-proof` text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            STANDARD.encode(&self.entry),
            self.index
        );
        for h in &self.proof {
            out.push_str(&STANDARD.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses the `tlog-proof` text.
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let bad = ReceiptError::Malformed;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad("the first line is not `c2sp.org/tlog-proof@v1`"));
        }
        let mut next = lines.next().ok_or(bad("no index line"))?;
        let entry = match next.strip_prefix("extra ") {
            Some(b64) => {
                next = lines.next().ok_or(bad("no index line"))?;
                STANDARD
                    .decode(b64)
                    .map_err(|_| bad("the extra data is not base64"))?
            }
            None => return Err(bad("no `extra` line: an oubli receipt carries its entry")),
        };
        let index = next.strip_prefix("index ").ok_or(bad("no index line"))?;
        if index.is_empty()
            || (index.len() > 1 && index.starts_with('0'))
            || !index.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("the index is not a decimal number"));
        }
        let index = index
            .parse()
            .map_err(|_| bad("the index is out of range"))?;
        let proof = lines
            .map(|l| {
                STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|h| Hash::try_from(h).ok())
                    .ok_or(bad("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Checks the receipt with the log's verifier key alone: the checkpoint's
    /// signature, then the entry's inclusion in it.
    pub fn verify(&self, verifier: &VerifierKey) -> Result<Checkpoint, ReceiptError> {
        let checkpoint = Checkpoint::open(&self.checkpoint, verifier)?;
        let leaf = merkle::leaf_hash(&self.entry);
        if merkle::verify_inclusion(
            &leaf,
            self.index,
            checkpoint.size,
            &self.proof,
            &checkpoint.root,
        ) {
            Ok(checkpoint)
        } else {
            Err(ReceiptError::NotIncluded)
        }
    }
}
