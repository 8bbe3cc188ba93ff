//! The anonymising transforms' parameters (`generalise`, `date_shift`,
//! `noise`, `fake`) and the files they name (hierarchies, dictionaries), which
//! the caller reads and attaches with [`Policy::load_files`].

use std::sync::Arc;

use oubli_core::transform::{
    Decimal, Dictionary, Generalisation, Hierarchy, NoiseDistribution, NoiseScale, Period,
};

use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::{Policy, Transform};

/// A file a policy names, relative to the policy file's directory.
#[derive(Debug, Clone)]
pub struct PolicyFile<T> {
    /// The path as written in the policy.
    pub path: String,
    /// 1-based line of the key that names it.
    pub line: usize,
    /// Its parsed content, once [`Policy::load_files`] has read it.
    pub loaded: Option<Arc<T>>,
}

impl<T> PolicyFile<T> {
    pub(crate) fn new(path: &str, line: usize) -> PolicyFile<T> {
        PolicyFile {
            path: path.to_owned(),
            line,
            loaded: None,
        }
    }
}

/// What `generalise` does.
#[derive(Debug, Clone)]
pub enum Generalise {
    /// `to = "year" | "quarter" | "month" | "week"`.
    Date(Period),
    /// `width = W` (and `origin = O`, default 0): bins `[O + kW, O + (k+1)W)`.
    Width {
        /// Bin width (> 0).
        width: Decimal,
        /// A bin boundary.
        origin: Decimal,
    },
    /// `breaks = [b0, b1, …]`, strictly increasing.
    Breaks(Vec<Decimal>),
    /// `keep_first = N`: the first N characters.
    Prefix(usize),
    /// `hierarchy = "path"` with `level = N` and optional `missing`.
    Hierarchy {
        /// The hierarchy file.
        file: PolicyFile<Hierarchy>,
        /// The level (1 = the first column after the value).
        level: usize,
        /// What a value missing from the file becomes (`None`: an error).
        missing: Option<String>,
    },
}

impl Generalise {
    /// The core generalisation, if its file (if any) is loaded.
    pub(crate) fn generalisation(&self) -> Option<Generalisation> {
        Some(match self {
            Generalise::Date(p) => Generalisation::Date(*p),
            Generalise::Width { width, origin } => Generalisation::Width {
                width: *width,
                origin: *origin,
            },
            Generalise::Breaks(b) => Generalisation::Breaks(b.clone()),
            Generalise::Prefix(n) => Generalisation::Prefix(*n),
            Generalise::Hierarchy {
                file,
                level,
                missing,
            } => Generalisation::Hierarchy {
                table: Arc::clone(file.loaded.as_ref()?),
                level: *level,
                missing: missing.clone(),
            },
        })
    }
}

/// `noise`'s parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseRule {
    /// `absolute = A` or `relative = R`.
    pub scale: NoiseScale,
    /// `distribution = "uniform"` (default) or `"laplace"`.
    pub distribution: NoiseDistribution,
}

/// `fake`'s dictionary.
#[derive(Debug, Clone)]
pub enum DictionarySource {
    /// A built-in dictionary (`first_names`, `last_names`, `cities`).
    BuiltIn(Arc<Dictionary>),
    /// A file, one entry per line.
    File(PolicyFile<Dictionary>),
}

impl DictionarySource {
    /// The dictionary, if loaded.
    pub fn dictionary(&self) -> Option<&Arc<Dictionary>> {
        match self {
            DictionarySource::BuiltIn(d) => Some(d),
            DictionarySource::File(f) => f.loaded.as_ref(),
        }
    }
}

impl Policy {
    /// The files the policy names (hierarchies and dictionaries), as written
    /// in the policy (relative to the policy file's directory).
    pub fn files(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter_map(|c| match &c.rule.transform {
                Transform::Generalise(Generalise::Hierarchy { file, .. }) => {
                    Some(file.path.as_str())
                }
                Transform::Fake {
                    dictionary: DictionarySource::File(file),
                    ..
                } => Some(file.path.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Reads and parses the files the policy names: `read` gets each path as
    /// written in the policy (the caller resolves it against the policy file's
    /// directory) and returns its text. An unreadable or invalid file is an
    /// error naming the policy line, the column, the key and the file.
    pub fn load_files(
        &mut self,
        read: &mut dyn FnMut(&str) -> std::io::Result<String>,
    ) -> Result<(), PolicyError> {
        let file_name = self.file.clone();
        for column in &mut self.columns {
            let err = |line: usize, key: &str, message: String| PolicyError {
                file: file_name.clone(),
                line: Some(line),
                column: Some(column.name.clone()),
                key: Some(key.to_owned()),
                kind: Box::new(PolicyErrorKind::BadValue(message)),
            };
            match &mut column.rule.transform {
                Transform::Generalise(Generalise::Hierarchy { file, level, .. }) => {
                    let text = read(&file.path).map_err(|e| {
                        err(
                            file.line,
                            "hierarchy",
                            format!("cannot read the hierarchy file `{}`: {e}", file.path),
                        )
                    })?;
                    let table = Hierarchy::parse(&file.path, &text, *level).map_err(|e| {
                        err(
                            file.line,
                            "hierarchy",
                            format!("hierarchy file `{}`: {e}", file.path),
                        )
                    })?;
                    file.loaded = Some(Arc::new(table));
                }
                Transform::Fake {
                    dictionary: DictionarySource::File(file),
                    ..
                } => {
                    let text = read(&file.path).map_err(|e| {
                        err(
                            file.line,
                            "dictionary",
                            format!("cannot read the dictionary file `{}`: {e}", file.path),
                        )
                    })?;
                    let dictionary = Dictionary::parse(&file.path, &text).map_err(|e| {
                        err(
                            file.line,
                            "dictionary",
                            format!("dictionary file `{}`: {e}", file.path),
                        )
                    })?;
                    file.loaded = Some(Arc::new(dictionary));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
