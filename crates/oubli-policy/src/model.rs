//! The policy model: what the file says, validated and typed.

use oubli_core::canonical::Normalisation;
use oubli_core::transform::{Alphabet, HashEncoding};

/// A parsed, validated policy file.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The policy file's name, for messages.
    pub file: String,
    /// Format version (1).
    pub version: u32,
    /// What happens to input columns the policy does not name.
    pub unlisted: Unlisted,
    /// Line of the `unlisted` key, if present.
    pub unlisted_line: Option<usize>,
    /// The column rules, in the order of the file.
    pub columns: Vec<ColumnRule>,
}

impl Policy {
    /// The rule for `column`, if the policy names it.
    pub fn rule(&self, column: &str) -> Option<&ColumnRule> {
        self.columns.iter().find(|c| c.name == column)
    }
}

/// What happens to input columns the policy does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unlisted {
    /// Stop the job before any output (the default: fail closed).
    #[default]
    Error,
    /// Copy them unchanged.
    Keep,
    /// Leave them out of the output.
    Drop,
}

/// One `[columns]` entry.
#[derive(Debug, Clone)]
pub struct ColumnRule {
    /// The column name, exactly as in the input's header.
    pub name: String,
    /// 1-based line of the entry in the policy file.
    pub line: usize,
    /// What to do with it.
    pub rule: Rule,
}

/// A transform with its common parameters.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The transform and its own parameters.
    pub transform: Transform,
    /// Normalisations applied, in order, before the transform.
    pub normalise: Vec<Normalisation>,
    /// The domain label of the subkey (`default` if not given).
    pub domain: String,
    /// Whether empty values are transformed.
    pub empty: EmptyValues,
}

/// Whether an empty (canonical) value is transformed or stays empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmptyValues {
    /// An empty value stays empty (the default).
    #[default]
    Keep,
    /// An empty value is transformed like any other.
    Transform,
}

/// What FF1 does with a value below the standard's minimum domain size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FpeFallback {
    /// Stop with an error naming the row (the default).
    #[default]
    Error,
    /// Leave the value as it is (and leave it as it is on unmask).
    Keep,
    /// Empty the value (irreversible).
    Redact,
}

/// A transform and its own parameters (`docs/CONSTRUCTIONS.md` §4).
#[derive(Debug, Clone)]
pub enum Transform {
    /// Copy the field unchanged.
    Keep,
    /// Remove the column.
    Drop,
    /// Replace every value with a constant.
    Redact {
        /// The constant (default empty).
        value: String,
    },
    /// Keyed pseudonym.
    Hash {
        /// Output encoding.
        encoding: HashEncoding,
        /// Characters kept, if cut.
        length: Option<usize>,
        /// Text put in front.
        prefix: String,
    },
    /// Deterministic encryption (AES-256-SIV).
    Encrypt {
        /// Text put in front of tokens.
        prefix: String,
    },
    /// Randomised encryption (AES-256-GCM).
    EncryptRandom {
        /// Text put in front of tokens.
        prefix: String,
    },
    /// Format-preserving encryption (FF1).
    Fpe {
        /// Characters permuted.
        alphabet: Alphabet,
        /// What to do with values that are too short.
        fallback: FpeFallback,
    },
    /// Character masking.
    Mask {
        /// Characters kept at the start.
        keep_first: usize,
        /// Characters kept at the end.
        keep_last: usize,
        /// The mask character.
        mask: char,
        /// Characters never masked.
        skip: String,
    },
}

impl Transform {
    /// The name used in policy files.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Keep => "keep",
            Transform::Drop => "drop",
            Transform::Redact { .. } => "redact",
            Transform::Hash { .. } => "hash",
            Transform::Encrypt { .. } => "encrypt",
            Transform::EncryptRandom { .. } => "encrypt_random",
            Transform::Fpe { .. } => "fpe",
            Transform::Mask { .. } => "mask",
        }
    }

    /// Whether `oubli unmask` can reverse it.
    pub fn is_reversible(&self) -> bool {
        matches!(
            self,
            Transform::Encrypt { .. } | Transform::EncryptRandom { .. } | Transform::Fpe { .. }
        )
    }

    /// Whether it reads the value (and so takes `normalise`).
    pub fn reads_value(&self) -> bool {
        !matches!(
            self,
            Transform::Keep | Transform::Drop | Transform::Redact { .. }
        )
    }
}
