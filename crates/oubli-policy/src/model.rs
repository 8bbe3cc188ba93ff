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
    /// The `[risk]` section: a re-identification check on the masked output.
    pub risk: Option<crate::risk::RiskPolicy>,
    /// The vault's keys for per-subject encryption, opened by the caller
    /// (the policy crate does no I/O) and attached with [`Policy::use_vault`];
    /// `None` after [`Policy::parse`].
    pub vault: Option<std::sync::Arc<oubli_vault::Keyring>>,
}

impl Policy {
    /// The rule for `column`, if the policy names it.
    pub fn rule(&self, column: &str) -> Option<&ColumnRule> {
        self.columns.iter().find(|c| c.name == column)
    }

    /// The columns encrypted per subject, with their `per_subject` settings.
    pub fn per_subject_columns(&self) -> impl Iterator<Item = (&ColumnRule, &PerSubject)> {
        self.columns
            .iter()
            .filter_map(|c| c.rule.per_subject.as_ref().map(|p| (c, p)))
    }

    /// Attaches the vault whose keys per-subject columns use.
    pub fn use_vault(&mut self, keyring: std::sync::Arc<oubli_vault::Keyring>) {
        self.vault = Some(keyring);
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
    /// The input column whose value (in the same row) is the data subject for
    /// this column's transform: `date_shift`'s and `noise`'s `subject`,
    /// `per_subject` encryption. The plan binds it to a column index
    /// ([`crate::Plan::subject_of`]).
    pub subject: Option<String>,
    /// Per-subject encryption (`encrypt` / `encrypt_random` with
    /// `per_subject`): each value under its row's subject's data key from a
    /// vault (`docs/CRYPTO-SHREDDING.md`). `subject` names the same column.
    pub per_subject: Option<PerSubject>,
}

/// `per_subject = "<column>"` and `vault = "<path>"` of an encryption rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerSubject {
    /// The column whose value (trimmed) is the row's data subject.
    pub column: String,
    /// The vault, as written in the policy (relative to the policy file's
    /// directory); the command line's `--vault` takes precedence.
    pub vault: Option<String>,
    /// Line of `per_subject` in the policy file.
    pub line: usize,
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
    /// Generalisation: dates to a period, numbers to bins, strings to a
    /// prefix, values to a hierarchy level.
    Generalise(crate::anon::Generalise),
    /// A keyed per-subject date offset; the subject is [`Rule::subject`].
    DateShift {
        /// Offsets are in `[-max_days, max_days]`.
        max_days: u32,
    },
    /// Keyed numeric noise, seeded by [`Rule::subject`] if given, else by the value.
    Noise(crate::anon::NoiseRule),
    /// A keyed pick from a dictionary.
    Fake {
        /// Where the entries come from.
        dictionary: crate::anon::DictionarySource,
        /// Whether two different values getting the same fake fails the job.
        unique: bool,
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
            Transform::Generalise(_) => "generalise",
            Transform::DateShift { .. } => "date_shift",
            Transform::Noise(_) => "noise",
            Transform::Fake { .. } => "fake",
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
