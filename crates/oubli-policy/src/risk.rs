//! The `[risk]` section: a re-identification check on the masked output
//! (`docs/POLICY.md` §8, `docs/RISK.md` §3).

use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::Policy;

/// What `oubli mask` does when the output fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnViolation {
    /// Publish nothing, print the report and exit 1 (the default).
    #[default]
    Fail,
    /// Remove the records of every class that fails the check, re-check, then
    /// publish.
    Suppress,
}

impl OnViolation {
    /// The name used in policy files: `fail` or `suppress`.
    pub fn name(self) -> &'static str {
        match self {
            OnViolation::Fail => "fail",
            OnViolation::Suppress => "suppress",
        }
    }
}

/// An output column the check reads, with the policy line that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskColumn {
    /// The column's name in the output (as in the input's header).
    pub name: String,
    /// 1-based line of the name in the policy file.
    pub line: usize,
}

/// A parsed `[risk]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPolicy {
    /// 1-based line of the section (its `[risk]` header or `risk` key).
    pub line: usize,
    /// The quasi-identifiers, in the order of the file (at least one, no
    /// repeats).
    pub quasi_identifiers: Vec<RiskColumn>,
    /// Every equivalence class over the quasi-identifiers must have at least
    /// this many records (2 or more).
    pub k: u64,
    /// What happens when one does not.
    pub on_violation: OnViolation,
    /// The sensitive attribute, whose distinct l-diversity is measured.
    pub sensitive: Option<RiskColumn>,
    /// Every class must also hold at least this many distinct values of the
    /// sensitive attribute (2 or more; needs `sensitive`).
    pub l: Option<u64>,
}

impl RiskPolicy {
    /// The quasi-identifiers' names, in order.
    pub fn quasi_names(&self) -> Vec<String> {
        self.quasi_identifiers
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The columns the check reads, with the key that names each.
    fn named(&self) -> impl Iterator<Item = (&RiskColumn, &'static str)> {
        self.quasi_identifiers
            .iter()
            .map(|c| (c, "quasi_identifiers"))
            .chain(self.sensitive.iter().map(|c| (c, "sensitive")))
    }

    /// Checks that every column the check reads is in `output_header` (the
    /// masked output's columns; `header` is the input's, for the message).
    /// Parsing already refused columns the policy drops; this catches a
    /// column of an `unlisted = "keep"` policy that the input does not have.
    /// Called by [`crate::Plan::new`] for [`crate::Direction::Mask`].
    pub(crate) fn bind(
        &self,
        policy: &Policy,
        header: &[String],
        output_header: &[String],
    ) -> Result<(), PolicyError> {
        for (column, key) in self.named() {
            if !output_header.contains(&column.name) {
                return Err(PolicyError {
                    file: policy.file.clone(),
                    line: Some(column.line),
                    column: Some(column.name.clone()),
                    key: Some(key.to_owned()),
                    kind: Box::new(PolicyErrorKind::MissingColumn {
                        available: header
                            .iter()
                            .map(|h| format!("`{h}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    }),
                });
            }
        }
        Ok(())
    }
}
