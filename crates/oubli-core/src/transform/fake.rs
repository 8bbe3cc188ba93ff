//! `fake`: the same input always gets the same entry of a dictionary
//! (`docs/CONSTRUCTIONS.md` §4, `fake`).

use crate::transform::HmacSha256;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Arc, Mutex};

use subtle::ConstantTimeEq as _;

use crate::MasterKey;
use crate::subkey::{Purpose, derive};
use crate::transform::generalise::AnonymiseError;

/// The built-in dictionaries: name, text (see `dictionaries/README.md`).
const BUILT_IN: [(&str, &str); 3] = [
    (
        "first_names",
        include_str!("../../dictionaries/first_names.txt"),
    ),
    (
        "last_names",
        include_str!("../../dictionaries/last_names.txt"),
    ),
    ("cities", include_str!("../../dictionaries/cities.txt")),
];

/// A list of distinct replacement values.
#[derive(Clone, PartialEq, Eq)]
pub struct Dictionary {
    name: String,
    entries: Vec<String>,
}

/// Why a dictionary file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DictionaryError {
    /// An entry listed twice (it would be picked twice as often).
    #[error("line {line}: the entry is already listed on line {first}")]
    Duplicate {
        /// 1-based line of the second one.
        line: usize,
        /// 1-based line of the first.
        first: usize,
    },
    /// No entries at all.
    #[error("the file has no entries")]
    Empty,
}

impl Dictionary {
    /// The names of the built-in dictionaries.
    pub const BUILT_IN: [&'static str; 3] = ["first_names", "last_names", "cities"];

    /// A built-in dictionary.
    pub fn built_in(name: &str) -> Option<Dictionary> {
        let (name, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Dictionary::parse(name, text).ok()
    }

    /// Parses a dictionary file: one entry per line, in file order; a trailing
    /// `\r` is ignored; empty lines and lines starting with `#` are skipped.
    /// Entries must be distinct.
    pub fn parse(name: &str, text: &str) -> Result<Dictionary, DictionaryError> {
        let mut entries = Vec::new();
        let mut seen = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(first) = seen.insert(line, n + 1) {
                return Err(DictionaryError::Duplicate { line: n + 1, first });
            }
            entries.push(line.to_owned());
        }
        if entries.is_empty() {
            return Err(DictionaryError::Empty);
        }
        Ok(Dictionary {
            name: name.to_owned(),
            entries,
        })
    }

    /// The dictionary's name (a built-in name or the file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries (never, for a parsed dictionary).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }
}

impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dictionary")
            .field("name", &self.name)
            .field("len", &self.entries.len())
            .finish()
    }
}

/// For `unique = true`: which input (by its 32-byte MAC) took each entry in
/// this run. Shared by every worker thread of a job; at most one slot per
/// dictionary entry, so its memory is bounded by the dictionary's size
/// (about 100 bytes per entry used).
#[derive(Debug, Default)]
pub struct FakeRegistry {
    taken: Mutex<HashMap<u32, [u8; 32]>>,
}

impl FakeRegistry {
    /// An empty registry, for one run.
    pub fn new() -> Arc<FakeRegistry> {
        Arc::new(FakeRegistry::default())
    }

    /// Records that the input with MAC `tag` got entry `index`; `false` if a
    /// different input already got it.
    fn claim(&self, index: u32, tag: &[u8; 32]) -> bool {
        let mut taken = match self.taken.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        match taken.entry(index) {
            Entry::Vacant(slot) => {
                slot.insert(*tag);
                true
            }
            Entry::Occupied(slot) => bool::from(slot.get().ct_eq(tag)),
        }
    }
}

/// Picks `entries[BE u64 of HMAC-SHA256(subkey(fake, domain), value)[0..8] mod len]`.
pub struct Faker {
    mac: HmacSha256,
    dictionary: Arc<Dictionary>,
    unique: Option<Arc<FakeRegistry>>,
}

impl Faker {
    /// A faker for `domain`; with a registry, two different inputs that get
    /// the same entry are an error ([`AnonymiseError::FakeCollision`]).
    pub fn new(
        key: &MasterKey,
        domain: &str,
        dictionary: Arc<Dictionary>,
        unique: Option<Arc<FakeRegistry>>,
    ) -> Faker {
        let subkey = derive::<32>(key, Purpose::Fake, domain);
        let mac = HmacSha256::new(subkey.as_slice());
        Faker {
            mac,
            dictionary,
            unique,
        }
    }

    /// Records this faker's picks in `registry` (shared by the workers of a
    /// run), so that two different inputs that get the same entry are an
    /// error.
    pub fn share(&mut self, registry: Arc<FakeRegistry>) {
        self.unique = Some(registry);
    }

    /// The index of the entry picked for `canonical`, and the input's MAC.
    fn pick(&self, canonical: &[u8]) -> (usize, [u8; 32]) {
        let tag: [u8; 32] = self.mac.mac(canonical);
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag[..8]);
        let len = self.dictionary.entries.len().max(1) as u64;
        // The remainder is < len, which is a usize.
        let index = usize::try_from(u64::from_be_bytes(first) % len).unwrap_or(0);
        (index, tag)
    }

    /// Appends the fake for `canonical` to `out`.
    pub fn apply(&self, canonical: &[u8], out: &mut String) -> Result<(), AnonymiseError> {
        let (index, tag) = self.pick(canonical);
        if let Some(registry) = &self.unique {
            let slot = u32::try_from(index).unwrap_or(u32::MAX);
            if !registry.claim(slot, &tag) {
                return Err(AnonymiseError::FakeCollision {
                    dictionary: self.dictionary.name.clone(),
                    entries: self.dictionary.len(),
                });
            }
        }
        out.push_str(&self.dictionary.entries[index]);
        Ok(())
    }
}

impl fmt::Debug for Faker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faker")
            .field("dictionary", &self.dictionary)
            .field("unique", &self.unique.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_dictionaries_are_distinct_and_sized() {
        for name in Dictionary::BUILT_IN {
            let d = Dictionary::built_in(name).unwrap_or_else(|| panic!("{name}"));
            assert!((200..=2000).contains(&d.len()), "{name}: {}", d.len());
            assert!(d.entries().iter().all(|e| e.trim() == e && !e.is_empty()));
        }
        assert!(Dictionary::built_in("planets").is_none());
    }

    #[test]
    fn same_input_same_fake_and_domains_differ() {
        let key = MasterKey::from_bytes([5; 32]);
        let names = Arc::new(Dictionary::built_in("first_names").unwrap());
        let a = Faker::new(&key, "a", Arc::clone(&names), None);
        let b = Faker::new(&key, "b", Arc::clone(&names), None);
        let run = |f: &Faker, v: &str| {
            let mut out = String::new();
            f.apply(v.as_bytes(), &mut out).unwrap();
            out
        };
        assert_eq!(run(&a, "alice"), run(&a, "alice"));
        let inputs: Vec<String> = (0..30).map(|i| format!("person-{i}")).collect();
        let fa: Vec<_> = inputs.iter().map(|v| run(&a, v)).collect();
        let fb: Vec<_> = inputs.iter().map(|v| run(&b, v)).collect();
        assert_ne!(fa, fb);
        assert!(fa.iter().all(|f| names.entries().contains(f)));
    }

    #[test]
    fn unique_fails_on_a_collision_only() {
        let key = MasterKey::from_bytes([5; 32]);
        let small = Arc::new(Dictionary::parse("two", "x\ny\n").unwrap());
        let registry = FakeRegistry::new();
        let f = Faker::new(&key, "d", small, Some(Arc::clone(&registry)));
        let mut out = String::new();
        // The same input twice is not a collision.
        f.apply(b"v0", &mut out).unwrap();
        f.apply(b"v0", &mut out).unwrap();
        // Three distinct inputs into two entries must collide.
        let results: Vec<_> = (0..3)
            .map(|i| f.apply(format!("v{i}").as_bytes(), &mut out))
            .collect();
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(AnonymiseError::FakeCollision { .. })))
        );
    }

    #[test]
    fn dictionary_files() {
        let d = Dictionary::parse("f", "# comment\r\nAda\r\n\r\nGrace\n").unwrap();
        assert_eq!(d.entries(), ["Ada", "Grace"]);
        assert_eq!(
            Dictionary::parse("f", "a\nb\na\n"),
            Err(DictionaryError::Duplicate { line: 3, first: 1 })
        );
        assert_eq!(Dictionary::parse("f", "#\n"), Err(DictionaryError::Empty));
    }
}
