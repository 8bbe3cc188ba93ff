//! Policy and value errors.

use std::fmt;

use oubli_core::transform::{AnonymiseError, FpeError, TokenError};

/// A policy that cannot be used: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The policy file's name, as given by the caller.
    pub file: String,
    /// 1-based line in the policy file, when the problem is at one place in it.
    pub line: Option<usize>,
    /// The column concerned, if any.
    pub column: Option<String>,
    /// The policy key concerned, if any.
    pub key: Option<String>,
    /// What is wrong (boxed: errors travel in `Result`s on every path).
    pub kind: Box<PolicyErrorKind>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(column) = &self.column {
            write!(f, "column `{column}`: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// The kinds of policy errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyErrorKind {
    /// The file is not valid TOML.
    #[error("invalid TOML: {0}")]
    Syntax(String),
    /// A key this version of the format does not know.
    #[error("unknown key (expected one of: {expected})")]
    UnknownKey {
        /// The keys allowed here.
        expected: String,
    },
    /// A required key is missing.
    #[error("missing required key `{0}`")]
    MissingKey(&'static str),
    /// A value of the wrong TOML type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// A value outside what the key accepts.
    #[error("{0}")]
    BadValue(String),
    /// An unknown transform name.
    #[error("unknown transform `{name}` (expected one of: {expected})")]
    UnknownTransform {
        /// The name found.
        name: String,
        /// The transforms known.
        expected: String,
    },
    /// A transform of the contract that this build does not implement yet.
    #[error("transform `{0}` is not supported by this version of oubli yet")]
    NotYetSupported(String),
    /// A parameter that does not apply to the column's transform.
    #[error("does not apply to transform `{transform}` (it takes: {expected})")]
    NotForTransform {
        /// The column's transform.
        transform: &'static str,
        /// The keys it takes.
        expected: String,
    },
    /// An input column the policy does not name, with `unlisted = "error"`.
    #[error(
        "the input has this column but the policy does not name it; add it under [columns] (for example `{key} = {{ transform = \"keep\" }}`), or set `unlisted = \"keep\"` or `\"drop\"`"
    )]
    Unlisted {
        /// The column name as a TOML key (quoted where TOML needs it).
        key: String,
    },
    /// A policy column the input does not have.
    #[error("the input has no such column (its columns are: {available})")]
    MissingColumn {
        /// The input's columns.
        available: String,
    },
    /// A `subject` column the input does not have.
    #[error(
        "the subject column `{subject}` is not in the input (its columns are: {available}); the subject must be an input column, even one the policy drops"
    )]
    MissingSubject {
        /// The subject column named by the policy.
        subject: String,
        /// The input's columns.
        available: String,
    },
    /// A per-subject encryption rule, but the caller opened no vault.
    #[error(
        "the column is encrypted per subject, but no vault was given: add `vault = \"<file>\"` to the column's entry, or pass --vault FILE"
    )]
    NoVault,
}

/// Why one value could not be transformed. The engine adds row and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A token that cannot be decrypted.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// FF1 refused the value.
    #[error(transparent)]
    Fpe(#[from] FpeError),
    /// A decrypted value that is not UTF-8 text.
    #[error("the decrypted value is not UTF-8 text")]
    NotUtf8,
    /// Per-subject encryption: the subject's key is missing or forgotten.
    #[error(transparent)]
    Subject(#[from] oubli_vault::SubjectError),
    /// `generalise`, `date_shift`, `noise` or `fake` refused the value.
    #[error(transparent)]
    Anonymise(#[from] AnonymiseError),
    /// A transform that needs the row's subject was given none (an engine bug).
    #[error("this transform needs the row's subject value, and none was given")]
    NoSubject,
}
