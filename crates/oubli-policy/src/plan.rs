//! The compiled plan: the policy bound to an input's columns, validated before
//! any output is written, and the per-thread [`Worker`] that applies it.

use std::sync::Arc;

use oubli_core::MasterKey;
use oubli_core::canonical::canonicalise;
use oubli_core::transform::{
    DateShifter, DeterministicCipher, FakeRegistry, Faker, FormatPreservingCipher, FpeError,
    Generaliser, Masker, Noiser, Pseudonymiser, RandomisedCipher,
};

use oubli_vault::{Keyring, Mode as SubjectMode, SubjectCipher};

use crate::error::{PolicyError, PolicyErrorKind, ValueError};
use crate::model::PerSubject;
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
    /// For each input column, the input column whose value is its subject.
    subjects: Vec<Option<usize>>,
    /// The vault's keys for per-subject encryption ([`Policy::use_vault`]).
    vault: Option<Arc<Keyring>>,
    /// For each `fake` column with `unique = true`: this run's registry,
    /// shared by every worker.
    fakes: Vec<Option<Arc<FakeRegistry>>>,
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
        let mut subjects = Vec::with_capacity(columns.len());
        for planned in &columns {
            let subject = match (&planned.rule, planned.action) {
                // A per-subject token names its subject's key itself: unmask
                // does not need the subject column (often dropped or hashed).
                (Some(rule), ColumnAction::Transform)
                    if !(direction == Direction::Unmask && rule.per_subject.is_some()) =>
                {
                    rule.subject.as_deref()
                }
                _ => None,
            };
            let Some(subject) = subject else {
                subjects.push(None);
                continue;
            };
            let Some(index) = header.iter().position(|h| h == subject) else {
                let line = policy.rule(&planned.name).map(|r| r.line);
                return Err(PolicyError {
                    key: Some(
                        if planned
                            .rule
                            .as_ref()
                            .is_some_and(|r| r.per_subject.is_some())
                        {
                            "per_subject"
                        } else {
                            "subject"
                        }
                        .to_owned(),
                    ),
                    ..err(
                        line,
                        &planned.name,
                        PolicyErrorKind::MissingSubject {
                            subject: subject.to_owned(),
                            available: header
                                .iter()
                                .map(|h| format!("`{h}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        },
                    )
                });
            };
            subjects.push(Some(index));
        }
        if let (Some(risk), Direction::Mask) = (&policy.risk, direction) {
            let output: Vec<String> = columns
                .iter()
                .filter(|c| c.action != ColumnAction::Drop)
                .map(|c| c.name.clone())
                .collect();
            risk.bind(policy, header, &output)?;
        }
        if policy.vault.is_none()
            && let Some(planned) = columns.iter().find(|c| {
                c.action == ColumnAction::Transform
                    && c.rule.as_ref().is_some_and(|r| r.per_subject.is_some())
            })
        {
            return Err(PolicyError {
                key: Some("per_subject".to_owned()),
                ..err(
                    policy.rule(&planned.name).map(|r| r.line),
                    &planned.name,
                    PolicyErrorKind::NoVault,
                )
            });
        }
        let mut fakes = Vec::with_capacity(columns.len());
        for planned in &columns {
            let rule = match (&planned.rule, planned.action) {
                (Some(rule), ColumnAction::Transform) => rule,
                _ => {
                    fakes.push(None);
                    continue;
                }
            };
            let unloaded = match &rule.transform {
                Transform::Generalise(crate::anon::Generalise::Hierarchy { file, .. })
                    if file.loaded.is_none() =>
                {
                    Some(("hierarchy", &file.path))
                }
                Transform::Fake {
                    dictionary: crate::anon::DictionarySource::File(file),
                    ..
                } if file.loaded.is_none() => Some(("dictionary", &file.path)),
                _ => None,
            };
            if let Some((key, path)) = unloaded {
                return Err(PolicyError {
                    key: Some(key.to_owned()),
                    ..err(
                        policy.rule(&planned.name).map(|r| r.line),
                        &planned.name,
                        PolicyErrorKind::BadValue(format!(
                            "the file `{path}` was not read (the caller must load the policy's files first)"
                        )),
                    )
                });
            }
            fakes.push(match &rule.transform {
                Transform::Fake { unique: true, .. } => Some(FakeRegistry::new()),
                _ => None,
            });
        }
        Ok(Plan {
            direction,
            columns,
            subjects,
            vault: policy.vault.clone(),
            fakes,
        })
    }

    /// The input column whose value is the data subject for the transform of
    /// input column `column` (`date_shift`, `noise` with a `subject`,
    /// per-subject encryption), if it has one. Engines pass that column's input
    /// value, in canonical text and before any transform, to
    /// [`Worker::apply_row`]. The subject column may itself be transformed or
    /// dropped.
    pub fn subject_of(&self, column: usize) -> Option<usize> {
        self.subjects.get(column).copied().flatten()
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
        let mut columns: Vec<Option<ValueTransform>> = self
            .columns
            .iter()
            .map(|c| match (&c.rule, c.action) {
                (Some(rule), ColumnAction::Transform) => match (&rule.per_subject, &self.vault) {
                    (Some(per_subject), Some(vault)) => {
                        Some(ValueTransform::per_subject(rule, per_subject, key, vault))
                    }
                    _ => ValueTransform::new(rule, key),
                },
                _ => None,
            })
            .collect();
        for (t, registry) in columns.iter_mut().zip(&self.fakes) {
            if let (Some(t), Some(registry)) = (t, registry) {
                t.share_fakes(registry);
            }
        }
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
    /// `encrypt` / `encrypt_random` with `per_subject` (`docs/CRYPTO-SHREDDING.md`).
    Subject(SubjectCipher),
    Generalise(Generaliser),
    DateShift(DateShifter),
    Noise(Noiser),
    Fake(Faker),
}

impl ValueTransform {
    /// Makes a `fake` column with `unique = true` record its picks in the
    /// run's shared registry.
    fn share_fakes(&mut self, registry: &Arc<FakeRegistry>) {
        if let Op::Fake(f) = &mut self.op {
            f.share(Arc::clone(registry));
        }
    }

    /// Per-subject encryption under the vault's keys.
    fn per_subject(
        rule: &Rule,
        per_subject: &PerSubject,
        key: &MasterKey,
        vault: &Arc<Keyring>,
    ) -> ValueTransform {
        let (mode, prefix) = match &rule.transform {
            Transform::EncryptRandom { prefix } => (SubjectMode::Randomised, prefix.as_str()),
            Transform::Encrypt { prefix } => (SubjectMode::Deterministic, prefix.as_str()),
            _ => (SubjectMode::Deterministic, ""),
        };
        ValueTransform {
            rule: rule.clone(),
            op: Op::Subject(SubjectCipher::new(
                Arc::clone(vault),
                key,
                mode,
                &rule.domain,
                prefix,
                &per_subject.column,
            )),
        }
    }

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
            // `Plan::new` refuses a policy whose files are not loaded; were one
            // to get here, its values would be emptied, not copied.
            Transform::Generalise(g) => match g.generalisation() {
                Some(g) => Op::Generalise(Generaliser::new(g)),
                None => Op::Redact,
            },
            Transform::DateShift { max_days } => {
                Op::DateShift(DateShifter::new(key, domain, *max_days))
            }
            Transform::Noise(n) => Op::Noise(Noiser::new(key, domain, n.scale, n.distribution)),
            Transform::Fake { dictionary, .. } => match dictionary.dictionary() {
                Some(d) => Op::Fake(Faker::new(key, domain, Arc::clone(d), None)),
                None => Op::Redact,
            },
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
    /// A column with another action is copied. For a column with a subject
    /// ([`Plan::subject_of`]) use [`Worker::apply_row`].
    pub fn apply(
        &mut self,
        column: usize,
        value: &str,
        out: &mut String,
    ) -> Result<(), ValueError> {
        self.apply_row(column, value, None, out)
    }

    /// [`Worker::apply`] with the row's subject: `subject` is the input value
    /// (canonical text, before any transform; the empty string for NULL) of
    /// the column [`Plan::subject_of`] names for `column`, and `None` for a
    /// column without a subject. A transform that needs a subject and gets
    /// `None` fails with [`ValueError::NoSubject`].
    pub fn apply_row(
        &mut self,
        column: usize,
        value: &str,
        subject: Option<&str>,
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
            (Direction::Mask, Op::Subject(c)) => {
                c.encrypt(subject.ok_or(ValueError::NoSubject)?, value.as_bytes(), out)?;
            }
            (Direction::Unmask, Op::Subject(c)) => {
                self.bytes.clear();
                c.decrypt(value, &mut self.bytes)?;
                out.push_str(std::str::from_utf8(&self.bytes).map_err(|_| ValueError::NotUtf8)?);
            }
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
            (Direction::Mask, Op::Generalise(g)) => g.apply(value, out)?,
            (Direction::Mask, Op::DateShift(s)) => {
                s.apply(value, subject.ok_or(ValueError::NoSubject)?.as_bytes(), out)?;
            }
            (Direction::Mask, Op::Noise(n)) => {
                // Seeded by the row's subject if the rule names one, else by
                // the value itself (`docs/CONSTRUCTIONS.md` §4, `noise`).
                let seed = match &t.rule.subject {
                    Some(_) => subject.ok_or(ValueError::NoSubject)?,
                    None => value,
                };
                n.apply(value, seed.as_bytes(), out)?;
            }
            (Direction::Mask, Op::Fake(f)) => f.apply(value.as_bytes(), out)?,
            (
                Direction::Unmask,
                Op::Hash(_)
                | Op::Mask(_)
                | Op::Generalise(_)
                | Op::DateShift(_)
                | Op::Noise(_)
                | Op::Fake(_),
            ) => out.push_str(value),
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
