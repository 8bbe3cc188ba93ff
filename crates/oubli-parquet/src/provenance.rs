//! The `oubli.provenance` entry of a masked file's key-value metadata.
//!
//! ## Wire format (`oubli.provenance/1`)
//!
//! One key-value metadata entry, key `oubli.provenance`, value a JSON object:
//!
//! ```json
//! {"format":"oubli.provenance/1","tool_version":"0.1.0","direction":"mask",
//!  "key_id":"5f0c1e2d3a4b6978","policy_sha256":"…",
//!  "columns":{"customer_id":{"transform":"hash","original_type":"int64"},
//!             "address.zip":{"transform":"mask","original_type":"string"}}}
//! ```
//!
//! `columns` has one member per column as the policy addresses it (dotted
//! paths for nested leaves), in file order, including kept and dropped ones.
//! `original_type` is the column's Arrow type in the job's input, spelt as
//! pyarrow's `str(type)`. `original_metadata`, present only when oubli removed
//! Arrow extension-type keys from a transformed field, holds those keys so that
//! `unmask` can put them back. Never a key, never a value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The metadata key.
pub const PROVENANCE_KEY: &str = "oubli.provenance";

/// The `format` member of version 1.
pub const PROVENANCE_FORMAT: &str = "oubli.provenance/1";

/// What oubli records about a job in the file it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Always [`PROVENANCE_FORMAT`].
    pub format: String,
    /// The oubli version that wrote the file.
    pub tool_version: String,
    /// `mask` or `unmask`.
    pub direction: String,
    /// The master key's public id.
    pub key_id: String,
    /// SHA-256 (hex) of the policy file's bytes.
    pub policy_sha256: String,
    /// Each column, by dotted path.
    pub columns: BTreeMap<String, ColumnProvenance>,
}

/// One column in the provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnProvenance {
    /// The transform's policy name (`keep`, `drop`, `hash`, …).
    pub transform: String,
    /// The column's Arrow type in the job's input (pyarrow's spelling).
    pub original_type: String,
    /// Arrow extension-type field metadata removed from a transformed field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_metadata: Option<BTreeMap<String, String>>,
}

impl Provenance {
    /// Parses the JSON of a `oubli.provenance` entry.
    ///
    /// # Errors
    ///
    /// A message if it is not JSON of this format and version.
    pub fn parse(json: &str) -> Result<Provenance, String> {
        let provenance: Provenance = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if provenance.format != PROVENANCE_FORMAT {
            return Err(format!(
                "format `{}` is not `{PROVENANCE_FORMAT}`; a newer oubli may be needed",
                provenance.format
            ));
        }
        Ok(provenance)
    }

    /// The JSON text, with columns in the order given (file order).
    pub(crate) fn to_json(&self, order: &[String]) -> String {
        let mut columns = serde_json::Map::new();
        for path in order {
            if let Some(column) = self.columns.get(path) {
                columns.insert(
                    path.clone(),
                    serde_json::to_value(column).unwrap_or(serde_json::Value::Null),
                );
            }
        }
        serde_json::json!({
            "format": self.format,
            "tool_version": self.tool_version,
            "direction": self.direction,
            "key_id": self.key_id,
            "policy_sha256": self.policy_sha256,
            "columns": columns,
        })
        .to_string()
    }
}
