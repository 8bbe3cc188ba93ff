//! Equivalence classes over quasi-identifiers, counted in one streaming pass.

use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasher as _;
use std::ops::Index;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use crate::error::{RiskError, Role};

/// The threshold of [`RiskReport::records_below_k`] when the caller sets none:
/// with 2, it counts the records that are **unique** on their quasi-identifiers
/// (the "sample uniques"), a figure that needs no policy choice. Pass the
/// threshold your policy asks for (5 and 11 are common) to check it.
pub const DEFAULT_K: u64 = 2;

/// The smallest class size of each histogram bucket, in order: sizes 1, 2,
/// 3–4, 5–9, 10–19, 20–49, 50–99 and 100 or more.
pub const SIZE_BUCKETS: [u64; 8] = [1, 2, 3, 5, 10, 20, 50, 100];

/// A class whose distinct sensitive values are kept in a vector up to this
/// many (a linear search beats hashing there); beyond, in a hash set.
const FEW: usize = 16;

/// Which columns of a header are the quasi-identifiers and the sensitive
/// attribute, by 0-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    quasi: Vec<usize>,
    sensitive: Option<usize>,
}

impl Attributes {
    /// Finds the named columns in `header`. Names are matched exactly (case,
    /// spaces and punctuation count).
    ///
    /// # Errors
    ///
    /// No quasi-identifier, a name that is not in the header, a
    /// quasi-identifier named twice, or a sensitive attribute that is also a
    /// quasi-identifier.
    pub fn resolve<S: AsRef<str>>(
        header: &[String],
        quasi: &[S],
        sensitive: Option<&str>,
    ) -> Result<Attributes, RiskError> {
        if quasi.is_empty() {
            return Err(RiskError::NoQuasiIdentifiers);
        }
        let find = |name: &str, role| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| RiskError::UnknownColumn {
                    name: name.to_owned(),
                    role,
                    available: header.to_vec(),
                })
        };
        let mut indexes = Vec::with_capacity(quasi.len());
        for name in quasi {
            let name = name.as_ref();
            let index = find(name, Role::Quasi)?;
            if indexes.contains(&index) {
                return Err(RiskError::DuplicateQuasi {
                    name: name.to_owned(),
                });
            }
            indexes.push(index);
        }
        let sensitive = match sensitive {
            Some(name) => {
                let index = find(name, Role::Sensitive)?;
                if indexes.contains(&index) {
                    return Err(RiskError::SensitiveIsQuasi {
                        name: name.to_owned(),
                    });
                }
                Some(index)
            }
            None => None,
        };
        Ok(Attributes {
            quasi: indexes,
            sensitive,
        })
    }

    /// The quasi-identifiers' column indexes, in the order they were named.
    pub fn quasi(&self) -> &[usize] {
        &self.quasi
    }

    /// The sensitive attribute's column index, if one was named.
    pub fn sensitive(&self) -> Option<usize> {
        self.sensitive
    }
}

/// Counts records per equivalence class (records with equal values in every
/// quasi-identifier) and, per class, the distinct values of the sensitive
/// attribute.
///
/// Values are compared as bytes, exactly: an empty value is a value like any
/// other, and `Berlin`, `berlin` and `Berlin ` are three values (normalise the
/// data first if they mean the same).
///
/// # Memory
///
/// Per class: its quasi-identifier values once (each prefixed by its
/// length) in one growing byte arena, a 32-byte hash-table slot and an
/// 8-byte count — about 50 bytes plus the values, more while a growing
/// table or arena is being copied. With a sensitive attribute, each
/// distinct sensitive value is stored once, and each class holds a 24-byte
/// set of the 8-byte ids of its distinct sensitive values (the first without
/// an allocation). Memory therefore grows with the number of classes, plus
/// the number of distinct sensitive values, plus the sum over classes of
/// their distinct sensitive values — never with the number of records. All
/// counting is exact: classes are told apart by their bytes, never by a
/// hash alone.
pub struct RiskCounter {
    with_sensitive: bool,
    /// Per-process random seed (foldhash), so that crafted input cannot
    /// force collisions.
    hasher: DefaultHashBuilder,
    slots: HashTable<Slot>,
    /// Every class's key, back to back.
    arena: Vec<u8>,
    /// Records per class, by class number (order of first appearance).
    sizes: Vec<u64>,
    /// Distinct sensitive values per class, by class number (empty without
    /// a sensitive attribute).
    distinct: Vec<Distinct>,
    sensitive_ids: HashMap<Box<[u8]>, u64>,
    records: u64,
    key: Vec<u8>,
}

/// Where a class's key is in the arena, and the class's number.
#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    start: usize,
    len: usize,
    class: usize,
}

impl fmt::Debug for RiskCounter {
    // Counts only: the classes' values are data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RiskCounter")
            .field("records", &self.records)
            .field("classes", &self.sizes.len())
            .field("with_sensitive", &self.with_sensitive)
            .finish_non_exhaustive()
    }
}

impl RiskCounter {
    /// A counter; `with_sensitive` says whether records carry a sensitive
    /// value (then [`RiskReport::l`] is computed).
    pub fn new(with_sensitive: bool) -> RiskCounter {
        RiskCounter {
            with_sensitive,
            hasher: DefaultHashBuilder::default(),
            slots: HashTable::new(),
            arena: Vec::new(),
            sizes: Vec::new(),
            distinct: Vec::new(),
            sensitive_ids: HashMap::new(),
            records: 0,
            key: Vec::with_capacity(64),
        }
    }

    /// A counter for the columns of `attributes`.
    pub fn for_attributes(attributes: &Attributes) -> RiskCounter {
        RiskCounter::new(attributes.sensitive.is_some())
    }

    /// Counts one record: its quasi-identifier values (always the same
    /// number, in the same order) and its sensitive value (ignored unless
    /// the counter was made `with_sensitive`; `None` there counts as empty).
    pub fn add<'a>(&mut self, quasi: impl IntoIterator<Item = &'a [u8]>, sensitive: Option<&[u8]>) {
        class_key(quasi, &mut self.key);
        self.records += 1;
        let sensitive_id = self.with_sensitive.then(|| {
            let value = sensitive.unwrap_or_default();
            match self.sensitive_ids.get(value) {
                Some(&id) => id,
                None => {
                    let id = self.sensitive_ids.len() as u64;
                    self.sensitive_ids.insert(value.into(), id);
                    id
                }
            }
        });
        let hash = self.hasher.hash_one(self.key.as_slice());
        let found = self.find(hash, &self.key);
        let class = match found {
            Some(class) => class,
            None => {
                let slot = Slot {
                    hash,
                    start: self.arena.len(),
                    len: self.key.len(),
                    class: self.sizes.len(),
                };
                self.arena.extend_from_slice(&self.key);
                self.slots.insert_unique(hash, slot, |s| s.hash);
                self.sizes.push(0);
                if self.with_sensitive {
                    self.distinct.push(Distinct::Empty);
                }
                slot.class
            }
        };
        self.sizes[class] += 1;
        if let Some(id) = sensitive_id {
            self.distinct[class].insert(id);
        }
    }

    /// Counts one record given as its fields (a `csv::ByteRecord`, a
    /// `Vec<Vec<u8>>`, a `[&str]`…), picking the columns of `attributes`.
    ///
    /// # Panics
    ///
    /// If the record has fewer fields than a column index of `attributes`.
    pub fn add_record<R>(&mut self, attributes: &Attributes, record: &R)
    where
        R: Index<usize> + ?Sized,
        R::Output: AsRef<[u8]>,
    {
        self.add(
            attributes.quasi.iter().map(|&i| record[i].as_ref()),
            attributes.sensitive.map(|i| record[i].as_ref()),
        );
    }

    /// The class number of the class key `key`, whose hash is `hash`.
    fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        let arena = &self.arena;
        self.slots
            .find(hash, |s| {
                s.hash == hash && &arena[s.start..s.start + s.len] == key
            })
            .map(|s| s.class)
    }

    /// The figures of the class of a record with these quasi-identifier
    /// values (as for [`Self::add`]), or `None` if no such record was
    /// counted. `scratch` is the caller's buffer for the class key, so that
    /// several threads can look classes up in one counter without
    /// allocating per record (a second pass that suppresses records).
    pub fn class_of<'a>(
        &self,
        quasi: impl IntoIterator<Item = &'a [u8]>,
        scratch: &mut Vec<u8>,
    ) -> Option<ClassStats> {
        class_key(quasi, scratch);
        let hash = self.hasher.hash_one(scratch.as_slice());
        self.find(hash, scratch).map(|class| self.stats(class))
    }

    /// [`Self::class_of`] for a record given as its fields, like
    /// [`Self::add_record`].
    ///
    /// # Panics
    ///
    /// If the record has fewer fields than a column index of `attributes`.
    pub fn class_of_record<R>(
        &self,
        attributes: &Attributes,
        record: &R,
        scratch: &mut Vec<u8>,
    ) -> Option<ClassStats>
    where
        R: Index<usize> + ?Sized,
        R::Output: AsRef<[u8]>,
    {
        self.class_of(
            attributes.quasi.iter().map(|&i| record[i].as_ref()),
            scratch,
        )
    }

    /// Every class's figures, in order of first appearance.
    pub fn class_stats(&self) -> impl Iterator<Item = ClassStats> + '_ {
        (0..self.sizes.len()).map(|class| self.stats(class))
    }

    fn stats(&self, class: usize) -> ClassStats {
        ClassStats {
            records: self.sizes[class],
            distinct: self.with_sensitive.then(|| self.distinct[class].len()),
        }
    }

    /// Records counted so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Equivalence classes so far.
    pub fn classes(&self) -> u64 {
        self.sizes.len() as u64
    }

    /// The figures, with `k_threshold` as the N of "records in classes
    /// smaller than N" (see [`DEFAULT_K`]).
    pub fn report(&self, k_threshold: u64) -> RiskReport {
        let mut histogram: Vec<SizeBucket> = SIZE_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, &min)| SizeBucket {
                min,
                max: SIZE_BUCKETS.get(i + 1).map(|next| next - 1),
                classes: 0,
                records: 0,
            })
            .collect();
        let mut k: Option<u64> = None;
        let (mut records_below_k, mut classes_below_k) = (0, 0);
        for &size in &self.sizes {
            k = Some(k.map_or(size, |k| k.min(size)));
            if size < k_threshold {
                records_below_k += size;
                classes_below_k += 1;
            }
            let bucket = SIZE_BUCKETS.partition_point(|&min| min <= size) - 1;
            histogram[bucket].classes += 1;
            histogram[bucket].records += size;
        }
        // Without a sensitive attribute `distinct` is empty, and l is None.
        let l = self.distinct.iter().map(Distinct::len).min();
        RiskReport {
            records: self.records,
            classes: self.sizes.len() as u64,
            k,
            k_threshold,
            records_below_k,
            classes_below_k,
            l,
            histogram,
        }
    }
}

/// Writes the class key of `quasi` into `key`: each value prefixed by its
/// length.
fn class_key<'a>(quasi: impl IntoIterator<Item = &'a [u8]>, key: &mut Vec<u8>) {
    key.clear();
    for value in quasi {
        push_length(key, value.len());
        key.extend_from_slice(value);
    }
}

/// One equivalence class's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassStats {
    /// Records in the class.
    pub records: u64,
    /// Distinct sensitive values in the class (`None` without a sensitive
    /// attribute).
    pub distinct: Option<u64>,
}

impl ClassStats {
    /// Whether the class has at least `k` records and, if `l` is given, at
    /// least `l` distinct sensitive values (a counter without a sensitive
    /// attribute fails any `l`).
    pub fn meets(&self, k: u64, l: Option<u64>) -> bool {
        self.records >= k && l.is_none_or(|l| self.distinct.is_some_and(|d| d >= l))
    }
}

/// Appends `len` as an LEB128 varint, so that the concatenated values of a
/// class key can never be read two ways (`"ab" + ""` ≠ `"a" + "b"`).
fn push_length(key: &mut Vec<u8>, mut len: usize) {
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            key.push(byte);
            return;
        }
        key.push(byte | 0x80);
    }
}

/// The distinct sensitive-value ids of a class.
enum Distinct {
    Empty,
    One(u64),
    Few(Vec<u64>),
    // Boxed so that every class's set stays 24 bytes: most never get here.
    #[allow(clippy::box_collection)]
    Many(Box<HashSet<u64>>),
}

impl Distinct {
    fn insert(&mut self, id: u64) {
        match self {
            Distinct::Empty => *self = Distinct::One(id),
            Distinct::One(first) => {
                if *first != id {
                    *self = Distinct::Few(vec![*first, id]);
                }
            }
            Distinct::Few(ids) => {
                if !ids.contains(&id) {
                    if ids.len() < FEW {
                        ids.push(id);
                    } else {
                        let mut set: HashSet<u64> = ids.iter().copied().collect();
                        set.insert(id);
                        *self = Distinct::Many(Box::new(set));
                    }
                }
            }
            Distinct::Many(set) => {
                set.insert(id);
            }
        }
    }

    fn len(&self) -> u64 {
        match self {
            Distinct::Empty => 0,
            Distinct::One(_) => 1,
            Distinct::Few(ids) => ids.len() as u64,
            Distinct::Many(set) => set.len() as u64,
        }
    }
}

/// Re-identification figures of a dataset over its quasi-identifiers.
///
/// Risks are those of the prosecutor model: an attacker who knows that their
/// target is in the data and knows the target's quasi-identifiers picks one
/// record of the matching class at random, so a record in a class of size
/// *s* is re-identified with probability 1/*s*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskReport {
    /// Records counted.
    pub records: u64,
    /// Equivalence classes (distinct combinations of quasi-identifier values).
    pub classes: u64,
    /// k-anonymity: the size of the smallest class (`None` without records).
    pub k: Option<u64>,
    /// The N of [`Self::records_below_k`].
    pub k_threshold: u64,
    /// Records in classes smaller than [`Self::k_threshold`].
    pub records_below_k: u64,
    /// Classes smaller than [`Self::k_threshold`].
    pub classes_below_k: u64,
    /// Distinct l-diversity: the smallest number of distinct sensitive values
    /// in a class (`None` without a sensitive attribute or without records).
    pub l: Option<u64>,
    /// Classes and records per class size, one entry per [`SIZE_BUCKETS`]
    /// bucket (empty buckets included).
    pub histogram: Vec<SizeBucket>,
}

impl RiskReport {
    /// The highest re-identification risk of a record: 1 / k.
    pub fn max_risk(&self) -> Option<f64> {
        self.k.map(|k| 1.0 / k as f64)
    }

    /// The average re-identification risk over records: the mean of
    /// 1 / (its class size), which equals classes / records.
    pub fn avg_risk(&self) -> Option<f64> {
        (self.records > 0).then(|| self.classes as f64 / self.records as f64)
    }

    /// [`Self::records_below_k`] as a share of the records (0 to 1).
    pub fn share_below_k(&self) -> Option<f64> {
        (self.records > 0).then(|| self.records_below_k as f64 / self.records as f64)
    }

    /// Whether every class has at least [`Self::k_threshold`] records (true
    /// for a dataset without records: no record can be singled out).
    pub fn meets_k(&self) -> bool {
        self.records_below_k == 0
    }
}

/// One bar of the class-size histogram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeBucket {
    /// Smallest class size in the bucket.
    pub min: u64,
    /// Largest class size in the bucket (`None`: no upper bound).
    pub max: Option<u64>,
    /// Classes whose size is in the bucket.
    pub classes: u64,
    /// Records in those classes.
    pub records: u64,
}

impl SizeBucket {
    /// `"1"`, `"3-4"`, `"100+"`.
    pub fn label(&self) -> String {
        match self.max {
            Some(max) if max == self.min => self.min.to_string(),
            Some(max) => format!("{}-{max}", self.min),
            None => format!("{}+", self.min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|&n| n.to_owned()).collect()
    }

    /// Counts rows of `&str` fields.
    fn count(attributes: &Attributes, rows: &[&[&str]], k: u64) -> RiskReport {
        let mut counter = RiskCounter::for_attributes(attributes);
        for row in rows {
            counter.add_record(attributes, *row);
        }
        counter.report(k)
    }

    /// Age band, zip, diagnosis. Classes over (age, zip), worked out by hand:
    ///
    /// | class        | rows          | size | distinct diagnoses |
    /// |--------------|---------------|------|--------------------|
    /// | (30-39, 750) | 1, 2, 3       | 3    | 2 (flu, cold)      |
    /// | (40-49, 751) | 4, 5          | 2    | 1 (flu)            |
    /// | (20-29, 750) | 6             | 1    | 1 (asthma)         |
    /// | (30-39, "")  | 7, 8, 9, 10   | 4    | 3 (flu, "", cold)  |
    const ROWS: &[&[&str]] = &[
        &["30-39", "750", "flu"],
        &["30-39", "750", "cold"],
        &["30-39", "750", "flu"],
        &["40-49", "751", "flu"],
        &["40-49", "751", "flu"],
        &["20-29", "750", "asthma"],
        &["30-39", "", "flu"],
        &["30-39", "", ""],
        &["30-39", "", "cold"],
        &["30-39", "", "cold"],
    ];

    fn attributes(sensitive: Option<&str>) -> Attributes {
        Attributes::resolve(
            &header(&["age", "zip", "diagnosis"]),
            &["age", "zip"],
            sensitive,
        )
        .unwrap()
    }

    fn bucket(report: &RiskReport, min: u64) -> (u64, u64) {
        let b = report.histogram.iter().find(|b| b.min == min).unwrap();
        (b.classes, b.records)
    }

    #[test]
    fn hand_computed_without_sensitive() {
        let r = count(&attributes(None), ROWS, DEFAULT_K);
        assert_eq!(r.records, 10);
        assert_eq!(r.classes, 4);
        assert_eq!(r.k, Some(1));
        assert_eq!(r.k_threshold, 2);
        assert_eq!((r.records_below_k, r.classes_below_k), (1, 1));
        assert_eq!(r.l, None);
        assert_eq!(r.max_risk(), Some(1.0));
        assert_eq!(r.avg_risk(), Some(0.4));
        assert_eq!(r.share_below_k(), Some(0.1));
        assert!(!r.meets_k());
        assert_eq!(bucket(&r, 1), (1, 1));
        assert_eq!(bucket(&r, 2), (1, 2));
        assert_eq!(bucket(&r, 3), (2, 7)); // sizes 3 and 4
        for min in [5, 10, 20, 50, 100] {
            assert_eq!(bucket(&r, min), (0, 0));
        }
        let labels: Vec<String> = r.histogram.iter().map(SizeBucket::label).collect();
        assert_eq!(
            labels,
            ["1", "2", "3-4", "5-9", "10-19", "20-49", "50-99", "100+"]
        );
    }

    #[test]
    fn hand_computed_with_sensitive_and_thresholds() {
        let r = count(&attributes(Some("diagnosis")), ROWS, 4);
        assert_eq!(r.l, Some(1));
        assert_eq!((r.records, r.classes, r.k), (10, 4, Some(1)));
        // Classes of sizes 1, 2 and 3 are below 4.
        assert_eq!((r.records_below_k, r.classes_below_k), (6, 3));
        assert_eq!(r.share_below_k(), Some(0.6));
        let r = count(&attributes(Some("diagnosis")), ROWS, 1);
        assert_eq!((r.records_below_k, r.classes_below_k), (0, 0));
        assert!(r.meets_k());
        let r = count(&attributes(Some("diagnosis")), ROWS, 5);
        assert_eq!(r.records_below_k, 10);
    }

    #[test]
    fn l_diversity_is_the_smallest_distinct_count() {
        // Without the single (20-29, 750) row and the two (40-49) rows, the
        // classes are (30-39, 750): {flu, cold} and (30-39, ""): {flu, "", cold}.
        let rows: Vec<&[&str]> = ROWS.iter().copied().filter(|r| r[0] == "30-39").collect();
        let r = count(&attributes(Some("diagnosis")), &rows, DEFAULT_K);
        assert_eq!((r.records, r.classes, r.k, r.l), (7, 2, Some(3), Some(2)));
        assert_eq!(r.max_risk(), Some(1.0 / 3.0));
        assert_eq!(r.avg_risk(), Some(2.0 / 7.0));
        assert!(r.meets_k());
    }

    /// The classes of `ROWS` (see the table above), looked up again as a
    /// suppressing pass does.
    #[test]
    fn class_lookup_and_thresholds() {
        let a = attributes(Some("diagnosis"));
        let mut counter = RiskCounter::for_attributes(&a);
        for row in ROWS {
            counter.add_record(&a, *row);
        }
        let mut scratch = Vec::new();
        let stats = |row: &[&str], scratch: &mut Vec<u8>| counter.class_of_record(&a, row, scratch);
        let c = stats(&["30-39", "750", "whatever"], &mut scratch).unwrap();
        assert_eq!((c.records, c.distinct), (3, Some(2)));
        let c = stats(&["30-39", "", "x"], &mut scratch).unwrap();
        assert_eq!((c.records, c.distinct), (4, Some(3)));
        let c = stats(&["40-49", "751", ""], &mut scratch).unwrap();
        assert_eq!((c.records, c.distinct), (2, Some(1)));
        assert_eq!(stats(&["40-49", "750", ""], &mut scratch), None);
        assert_eq!(stats(&["30-3", "9750", ""], &mut scratch), None);
        // k = 3: the classes of sizes 1 and 2 fail; with l = 2, also (40-49, 751).
        let failing = |k, l| {
            counter
                .class_stats()
                .filter(|c: &ClassStats| !c.meets(k, l))
                .fold((0, 0), |(r, n), c| (r + c.records, n + 1))
        };
        assert_eq!(failing(3, None), (3, 2));
        assert_eq!(failing(2, None), (1, 1));
        assert_eq!(failing(2, Some(2)), (3, 2));
        assert_eq!(failing(2, Some(3)), (6, 3));
        assert_eq!(failing(5, None), (10, 4));
        assert_eq!(counter.class_stats().count(), 4);
        // Without a sensitive attribute any l fails.
        let plain = ClassStats {
            records: 9,
            distinct: None,
        };
        assert!(plain.meets(9, None) && !plain.meets(9, Some(2)) && !plain.meets(10, None));
    }

    #[test]
    fn values_are_bytes_and_cannot_run_together() {
        let a = Attributes::resolve(&header(&["x", "y"]), &["x", "y"], None).unwrap();
        let r = count(
            &a,
            &[
                &["ab", ""],
                &["a", "b"],
                &["", "ab"],
                &["ab", ""],
                &["Ab", ""],
            ],
            DEFAULT_K,
        );
        assert_eq!((r.records, r.classes, r.k), (5, 4, Some(1)));
        assert_eq!(r.records_below_k, 3);
    }

    #[test]
    fn many_distinct_sensitive_values_switch_to_a_set() {
        let a = Attributes::resolve(&header(&["q", "s"]), &["q"], Some("s")).unwrap();
        let mut counter = RiskCounter::for_attributes(&a);
        for i in 0..1000u32 {
            let s = (i % 300).to_string();
            counter.add_record(&a, [b"same".as_slice(), s.as_bytes()].as_slice());
        }
        counter.add_record(&a, [b"other".as_slice(), b"x".as_slice()].as_slice());
        counter.add_record(&a, [b"other".as_slice(), b"x".as_slice()].as_slice());
        let r = counter.report(DEFAULT_K);
        assert_eq!(
            (r.records, r.classes, r.k, r.l),
            (1002, 2, Some(2), Some(1))
        );
        let mut counter = RiskCounter::for_attributes(&a);
        for i in 0..1000u32 {
            let s = (i % 300).to_string();
            counter.add_record(&a, [b"same".as_slice(), s.as_bytes()].as_slice());
        }
        assert_eq!(counter.report(DEFAULT_K).l, Some(300));
        assert_eq!(bucket(&counter.report(DEFAULT_K), 100), (1, 1000));
    }

    #[test]
    fn long_values_get_multi_byte_lengths() {
        let mut key = Vec::new();
        push_length(&mut key, 300);
        assert_eq!(key, [0xac, 0x02]);
        let a = Attributes::resolve(&header(&["x"]), &["x"], None).unwrap();
        let long = "é".repeat(200);
        let r = count(&a, &[&[&long], &[&long], &[""]], DEFAULT_K);
        assert_eq!((r.classes, r.k), (2, Some(1)));
    }

    #[test]
    fn no_records() {
        let r = count(&attributes(Some("diagnosis")), &[], 5);
        assert_eq!((r.records, r.classes, r.k, r.l), (0, 0, None, None));
        assert_eq!(
            (r.max_risk(), r.avg_risk(), r.share_below_k()),
            (None, None, None)
        );
        assert!(r.meets_k());
    }

    #[test]
    fn resolve_errors() {
        let h = header(&["a", "b", "c"]);
        assert_eq!(
            Attributes::resolve::<&str>(&h, &[], None),
            Err(RiskError::NoQuasiIdentifiers)
        );
        let e = Attributes::resolve(&h, &["a", "B"], None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "quasi-identifier column `B` is not in the input (its columns are: `a`, `b`, `c`)"
        );
        let e = Attributes::resolve(&h, &["a"], Some("d")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sensitive column `d` is not in the input (its columns are: `a`, `b`, `c`)"
        );
        assert_eq!(
            Attributes::resolve(&h, &["a", "b", "a"], None),
            Err(RiskError::DuplicateQuasi { name: "a".into() })
        );
        assert_eq!(
            Attributes::resolve(&h, &["a", "b"], Some("b")),
            Err(RiskError::SensitiveIsQuasi { name: "b".into() })
        );
        let a = Attributes::resolve(&h, &["c", "a"], Some("b")).unwrap();
        assert_eq!((a.quasi(), a.sensitive()), (&[2, 0][..], Some(1)));
    }
}
