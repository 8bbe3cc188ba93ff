//! The compiled plan: the policy bound to an input's columns, validated before
//! any output is written, and the per-thread [`Worker`] that applies it.

use oubli_core::MasterKey;
use oubli_core::canonical::canonicalise;
use oubli_core::transform::{
    DeterministicCipher, FormatPreservingCipher, FpeError, Masker, Pseudonymiser, RandomisedCipher,
};

use crate::error::{PolicyError, PolicyErrorKind, ValueError};
use crate::model::{EmptyValues, FpeFallback, Policy, Rule, Transform, Unlisted};

/// Whether the job masks data or reverses the reversible transforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply every transform.
    Mask,
    /// Reverse `encrypt`, `encrypt_random` and `fpe`; pass everything else through.
    Unmask,
}

/// What happens to one input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnAction {
    /// Copied byte for byte.
    Copy,
    /// Left out of the output.
    Drop,
    /// Each value goes through [`Worker::apply`].
    Transform,
}

/// One input column in the plan.
#[derive(Debug, Clone)]
pub struct PlannedColumn {
    /// The input column's name.
    pub name: String,
    /// What happens to it.
    pub action: ColumnAction,
    /// The policy rule that applies (`None` for an unlisted column).
    pub rule: Option<Rule>,
}

impl PlannedColumn {
    /// The transform's policy name, `keep`/`drop` for unlisted columns.
    pub fn transform_name(&self) -> &'static str {
        match (&self.rule, self.action) {
            (Some(rule), _) => rule.transform.name(),
            (None, ColumnAction::Drop) => "drop",
            (None, _) => "keep",
        }
    }
}

/// A policy bound to an input's header. Holds no secret; make one [`Worker`] per
/// thread with [`Plan::worker`].
#[derive(Debug, Clone)]
pub struct Plan {
    direction: Direction,
    columns: Vec<PlannedColumn>,
}

impl Plan {
    /// Binds `policy` to `header`: every input column must be named by the policy
    /// (unless `unlisted` says otherwise) and every policy column must be in the
    /// input. For [`Direction::Unmask`], the header is that of masked data, so
    /// columns the policy drops are not expected.
    pub fn new(
        policy: &Policy,
        header: &[String],
        direction: Direction,
    ) -> Result<Plan, PolicyError> {
        let err = |line: Option<usize>, column: &str, kind| PolicyError {
            file: policy.file.clone(),
            line,
            column: Some(column.to_owned()),
            key: None,
            kind: Box::new(kind),
        };
        for rule in &policy.columns {
            let expected =
                !(direction == Direction::Unmask && matches!(rule.rule.transform, Transform::Drop));
            if expected && !header.contains(&rule.name) {
                return Err(err(
                    Some(rule.line),
                    &rule.name,
                    PolicyErrorKind::MissingColumn {
                        available: header
                            .iter()
                            .map(|h| format!("`{h}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    },
                ));
            }
        }
        let mut columns = Vec::with_capacity(header.len());
        for name in header {
            let planned = match policy.rule(name) {
                Some(rule) => {
                    let action = match (&rule.rule.transform, direction) {
                        (Transform::Keep, _) => ColumnAction::Copy,
                        (Transform::Drop, Direction::Mask) => ColumnAction::Drop,
                        (t, Direction::Unmask) if !t.is_reversible() => ColumnAction::Copy,
                        _ => ColumnAction::Transform,
                    };
                    PlannedColumn {
                        name: name.clone(),
                        action,
                        rule: Some(rule.rule.clone()),
                    }
                }
                None => {
                    let action = match (policy.unlisted, direction) {
                        (Unlisted::Error, _) => {
                            return Err(err(
                                policy.unlisted_line,
                                name,
                                PolicyErrorKind::Unlisted {
                                    key: toml_key(name),
                                },
                            ));
                        }
                        (Unlisted::Keep, _) | (Unlisted::Drop, Direction::Unmask) => {
                            ColumnAction::Copy
                        }
                        (Unlisted::Drop, Direction::Mask) => ColumnAction::Drop,
                    };
                    PlannedColumn {
                        name: name.clone(),
                        action,
                        rule: None,
                    }
                }
            };
            columns.push(planned);
        }
        Ok(Plan { direction, columns })
    }

    /// The direction of the job.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The input columns, in input order.
    pub fn columns(&self) -> &[PlannedColumn] {
        &self.columns
    }

    /// The output header: the input's columns without the dropped ones.
    pub fn output_header(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.action != ColumnAction::Drop)
            .map(|c| c.name.clone())
            .collect()
    }

    /// A worker for one thread: derives the subkeys and builds the ciphers.
    pub fn worker(&self, key: &MasterKey) -> Worker {
        let columns = self
            .columns
            .iter()
            .map(|c| match (&c.rule, c.action) {
                (Some(rule), ColumnAction::Transform) => ValueTransform::new(rule, key),
                _ => None,
            })
            .collect();
        Worker {
            direction: self.direction,
            columns,
            canonical: String::new(),
            scratch: String::new(),
            bytes: Vec::new(),
        }
    }
}

/// Applies a [`Plan`] to values, one thread's worth. Not `Sync`: make one per thread.
#[derive(Debug)]
pub struct Worker {
    direction: Direction,
    columns: Vec<Option<ValueTransform>>,
    canonical: String,
    scratch: String,
    bytes: Vec<u8>,
}

#[derive(Debug)]
struct ValueTransform {
    rule: Rule,
    op: Op,
}

// One per transformed column per thread, built once and never moved in the hot
// path: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Op {
    Redact,
    Hash(Pseudonymiser),
    Encrypt(DeterministicCipher),
    EncryptRandom(RandomisedCipher),
    Fpe(FormatPreservingCipher),
    Mask(Masker),
}

impl ValueTransform {
    fn new(rule: &Rule, key: &MasterKey) -> Option<ValueTransform> {
        let domain = rule.domain.as_str();
        let op = match &rule.transform {
            Transform::Keep | Transform::Drop => return None,
            Transform::Redact { .. } => Op::Redact,
            Transform::Hash {
                encoding,
                length,
                prefix,
            } => Op::Hash(Pseudonymiser::new(key, domain, *encoding, *length, prefix)),
            Transform::Encrypt { prefix } => {
                Op::Encrypt(DeterministicCipher::new(key, domain, prefix))
            }
            Transform::EncryptRandom { prefix } => {
                Op::EncryptRandom(RandomisedCipher::new(key, domain, prefix))
            }
            Transform::Fpe { alphabet, .. } => {
                Op::Fpe(FormatPreservingCipher::new(key, domain, alphabet.clone()))
            }
            Transform::Mask {
                keep_first,
                keep_last,
                mask,
                skip,
            } => Op::Mask(Masker::new(*keep_first, *keep_last, *mask, skip)),
        };
        Some(ValueTransform {
            rule: rule.clone(),
            op,
        })
    }
}

impl Worker {
    /// Transforms the value of input column `column` (one whose action is
    /// [`ColumnAction::Transform`]) and appends the result to `out`.
    /// A column with another action is copied.
    pub fn apply(
        &mut self,
        column: usize,
        value: &str,
        out: &mut String,
    ) -> Result<(), ValueError> {
        let Some(Some(t)) = self.columns.get_mut(column) else {
            out.push_str(value);
            return Ok(());
        };
        if let (Op::Redact, Transform::Redact { value: constant }) = (&t.op, &t.rule.transform) {
            out.push_str(constant);
            return Ok(());
        }
        match self.direction {
            Direction::Mask => canonicalise(
                value,
                &t.rule.normalise,
                &mut self.canonical,
                &mut self.scratch,
            ),
            Direction::Unmask => {
                self.canonical.clear();
                self.canonical.push_str(value);
            }
        }
        let value = self.canonical.as_str();
        if value.is_empty() && t.rule.empty == EmptyValues::Keep {
            return Ok(());
        }
        match (self.direction, &mut t.op) {
            (_, Op::Redact) => {}
            (Direction::Mask, Op::Hash(p)) => p.apply(value.as_bytes(), out),
            (Direction::Mask, Op::Encrypt(c)) => c.encrypt(value.as_bytes(), out),
            (Direction::Mask, Op::EncryptRandom(c)) => c.encrypt(value.as_bytes(), out),
            (Direction::Mask, Op::Mask(m)) => m.apply(value, out),
            (Direction::Mask, Op::Fpe(c)) => {
                fpe_with_fallback(&t.rule, value, out, |v, o| c.encrypt(v, o))?;
            }
            (Direction::Unmask, Op::Fpe(c)) => {
                fpe_with_fallback(&t.rule, value, out, |v, o| c.decrypt(v, o))?;
            }
            (Direction::Unmask, Op::Encrypt(c)) => {
                self.bytes.clear();
                c.decrypt(value, &mut self.bytes)?;
                out.push_str(std::str::from_utf8(&self.bytes).map_err(|_| ValueError::NotUtf8)?);
            }
            (Direction::Unmask, Op::EncryptRandom(c)) => {
                self.bytes.clear();
                c.decrypt(value, &mut self.bytes)?;
                out.push_str(std::str::from_utf8(&self.bytes).map_err(|_| ValueError::NotUtf8)?);
            }
            // Irreversible transforms are planned as `Copy` for unmask.
            (Direction::Unmask, Op::Hash(_) | Op::Mask(_)) => out.push_str(value),
        }
        Ok(())
    }
}

fn fpe_with_fallback(
    rule: &Rule,
    value: &str,
    out: &mut String,
    run: impl FnOnce(&str, &mut String) -> Result<(), FpeError>,
) -> Result<(), ValueError> {
    let fallback = match &rule.transform {
        Transform::Fpe { fallback, .. } => *fallback,
        _ => FpeFallback::Error,
    };
    let start = out.len();
    match run(value, out) {
        Ok(()) => Ok(()),
        Err(FpeError::TooShort { .. }) if fallback == FpeFallback::Keep => {
            out.truncate(start);
            out.push_str(value);
            Ok(())
        }
        Err(FpeError::TooShort { .. }) if fallback == FpeFallback::Redact => {
            out.truncate(start);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e.into())
        }
    }
}

/// `name` as a TOML key: bare if TOML allows it, else quoted.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        name.to_owned()
    } else {
        let escaped: String = name
            .chars()
            .flat_map(|c| match c {
                '"' => vec!['\\', '"'],
                '\\' => vec!['\\', '\\'],
                c if c.is_control() => format!("\\u{:04X}", c as u32).chars().collect(),
                c => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    }
}
