//! Errors of binding risk attributes to an input's header.

use std::fmt;

/// The role a column was named for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A quasi-identifier (`--quasi`).
    Quasi,
    /// The sensitive attribute (`--sensitive`).
    Sensitive,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Quasi => "quasi-identifier",
            Role::Sensitive => "sensitive",
        })
    }
}

/// Why [`Attributes::resolve`](crate::Attributes::resolve) refused the columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RiskError {
    /// No quasi-identifier was named.
    #[error("no quasi-identifier column was named; at least one is required")]
    NoQuasiIdentifiers,
    /// A named column is not in the input's header.
    #[error("{role} column `{name}` is not in the input (its columns are: {})", list(.available))]
    UnknownColumn {
        /// The name as given.
        name: String,
        /// What it was named for.
        role: Role,
        /// The input's columns, in order.
        available: Vec<String>,
    },
    /// A quasi-identifier was named twice.
    #[error("quasi-identifier column `{name}` is named twice")]
    DuplicateQuasi {
        /// The repeated name.
        name: String,
    },
    /// The sensitive attribute is also a quasi-identifier (its diversity
    /// within a class would always be 1).
    #[error("column `{name}` cannot be both a quasi-identifier and the sensitive attribute")]
    SensitiveIsQuasi {
        /// The column's name.
        name: String,
    },
}

/// `` `a`, `b` ``.
fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
