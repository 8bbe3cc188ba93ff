//! `date_shift`: every date of one subject moves by the same keyed number of
//! days (`docs/CONSTRUCTIONS.md` §4, `date_shift`).

use crate::transform::HmacSha256;
use std::fmt;

use crate::MasterKey;
use crate::subkey::{Purpose, derive};
use crate::transform::calendar::{parse_date, write_date};
use crate::transform::generalise::AnonymiseError;

/// The largest `max_days` accepted (about 1000 years).
pub const MAX_SHIFT_DAYS: u32 = 365_000;

/// Shifts dates and timestamps by a per-subject offset:
/// `offset = (BE u64 of HMAC-SHA256(subkey(shift, domain), subject)[0..8]) mod (2·max_days + 1) − max_days`.
pub struct DateShifter {
    mac: HmacSha256,
    max_days: u32,
}

impl DateShifter {
    /// A shifter for `domain`; `max_days` is capped at [`MAX_SHIFT_DAYS`].
    pub fn new(key: &MasterKey, domain: &str, max_days: u32) -> DateShifter {
        let subkey = derive::<32>(key, Purpose::Shift, domain);
        let mac = HmacSha256::new(subkey.as_slice());
        DateShifter {
            mac,
            max_days: max_days.min(MAX_SHIFT_DAYS),
        }
    }

    /// The offset in days, in `[-max_days, max_days]`, of the subject whose
    /// canonical bytes are `subject`.
    pub fn offset(&self, subject: &[u8]) -> i64 {
        let tag: [u8; 32] = self.mac.mac(subject);
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag[..8]);
        let span = 2 * u64::from(self.max_days) + 1;
        let r = u64::from_be_bytes(first) % span;
        // r < 2^20, so the conversions cannot fail.
        i64::try_from(r).unwrap_or(0) - i64::from(self.max_days)
    }

    /// Appends `value` (a date `YYYY-MM-DD` or an RFC 3339 timestamp) shifted
    /// by the subject's offset to `out`. The time of day, fraction and offset
    /// of a timestamp are kept exactly as written.
    pub fn apply(
        &self,
        value: &str,
        subject: &[u8],
        out: &mut String,
    ) -> Result<(), AnonymiseError> {
        let date = parse_date(value).ok_or(AnonymiseError::NotADate)?;
        let start = out.len();
        if !write_date(date.days + self.offset(subject), out) {
            out.truncate(start);
            return Err(AnonymiseError::OutOfRange(
                "the shifted date is outside the years 0000 to 9999",
            ));
        }
        out.push_str(date.rest);
        Ok(())
    }
}

impl fmt::Debug for DateShifter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DateShifter")
            .field("max_days", &self.max_days)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::calendar::days_from_civil;

    fn shift(s: &DateShifter, v: &str, subject: &str) -> String {
        let mut out = String::new();
        s.apply(v, subject.as_bytes(), &mut out).unwrap();
        out
    }

    fn days(v: &str) -> i64 {
        parse_date(v).unwrap().days
    }

    #[test]
    fn keeps_intervals_within_a_subject() {
        let key = MasterKey::from_bytes([9; 32]);
        let s = DateShifter::new(&key, "default", 30);
        let a = shift(&s, "2024-01-31", "cust-1");
        let b = shift(&s, "2024-03-01", "cust-1");
        assert_eq!(days(&b) - days(&a), 30);
        let off = days(&a) - days_from_civil(2024, 1, 31);
        assert!((-30..=30).contains(&off));
        // A timestamp keeps its time part as written.
        let t = shift(&s, "2024-01-31T08:15:00.250+01:00", "cust-1");
        assert_eq!(&t[..10], &a[..]);
        assert_eq!(&t[10..], "T08:15:00.250+01:00");
        // Offsets spread over the range for different subjects.
        let offsets: std::collections::HashSet<i64> = (0..200)
            .map(|i| s.offset(format!("cust-{i}").as_bytes()))
            .collect();
        assert!(offsets.len() > 40);
        assert!(offsets.iter().all(|o| (-30..=30).contains(o)));
    }

    proptest::proptest! {
        /// Two dates of one subject keep their distance; the offset is in range.
        #[test]
        fn intervals_are_kept(a in 0i64..2_900_000, gap in 0i64..20_000, subject in ".{0,16}", max in 1u32..5000) {
            let key = MasterKey::from_bytes([9; 32]);
            let s = DateShifter::new(&key, "p", max);
            let (mut da, mut db) = (String::new(), String::new());
            proptest::prop_assume!(write_date(a, &mut da) && write_date(a + gap, &mut db));
            let mut oa = String::new();
            let mut ob = String::new();
            let ra = s.apply(&da, subject.as_bytes(), &mut oa);
            let rb = s.apply(&db, subject.as_bytes(), &mut ob);
            proptest::prop_assume!(ra.is_ok() && rb.is_ok());
            proptest::prop_assert_eq!(days(&ob) - days(&oa), gap);
            proptest::prop_assert!((days(&oa) - a).abs() <= i64::from(max));
        }
    }

    #[test]
    fn keyed_by_domain_and_key() {
        let key = MasterKey::from_bytes([9; 32]);
        let subjects: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
        let offsets = |s: &DateShifter| -> Vec<i64> {
            subjects.iter().map(|x| s.offset(x.as_bytes())).collect()
        };
        let a = offsets(&DateShifter::new(&key, "a", 1000));
        assert_eq!(a, offsets(&DateShifter::new(&key, "a", 1000)));
        assert_ne!(a, offsets(&DateShifter::new(&key, "b", 1000)));
        let other = MasterKey::from_bytes([10; 32]);
        assert_ne!(a, offsets(&DateShifter::new(&other, "a", 1000)));
    }

    #[test]
    fn errors() {
        let key = MasterKey::from_bytes([9; 32]);
        let s = DateShifter::new(&key, "default", 30);
        let mut out = String::new();
        assert_eq!(
            s.apply("31/01/2024", b"x", &mut out),
            Err(AnonymiseError::NotADate)
        );
        let far = DateShifter::new(&key, "default", 365_000);
        let results: Vec<_> = (0..50)
            .map(|i| {
                let mut o = String::new();
                far.apply("0001-01-01", format!("{i}").as_bytes(), &mut o)
                    .map(|()| o)
            })
            .collect();
        assert!(results.iter().any(Result::is_err));
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .all(|o| o.len() == 10)
        );
    }
}
