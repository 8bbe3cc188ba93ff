//! `mask`: keep the first/last characters, replace the rest.

/// Replaces characters with a mask character, keeping `keep_first` and `keep_last`
/// characters and every character listed in `skip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masker {
    keep_first: usize,
    keep_last: usize,
    mask: char,
    skip: Vec<char>,
}

impl Masker {
    /// A masker; `skip` lists characters that are never masked.
    pub fn new(keep_first: usize, keep_last: usize, mask: char, skip: &str) -> Self {
        Masker {
            keep_first,
            keep_last,
            mask,
            skip: skip.chars().collect(),
        }
    }

    /// Appends the masked form of `value` to `out`.
    pub fn apply(&self, value: &str, out: &mut String) {
        let len = value.chars().count();
        // A value no longer than what would be kept is masked entirely: showing all
        // of a short value is not masking.
        let (first, last) = if len <= self.keep_first + self.keep_last {
            (0, len)
        } else {
            (self.keep_first, len - self.keep_last)
        };
        for (i, c) in value.chars().enumerate() {
            if i < first || i >= last || self.skip.contains(&c) {
                out.push(c);
            } else {
                out.push(self.mask);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(m: &Masker, v: &str) -> String {
        let mut out = String::new();
        m.apply(v, &mut out);
        out
    }

    #[test]
    fn keeps_ends_and_skip_characters() {
        let m = Masker::new(0, 4, '*', "-");
        assert_eq!(mask(&m, "4111-1111-1111-1234"), "****-****-****-1234");
        let m = Masker::new(1, 0, '•', "@.");
        assert_eq!(mask(&m, "émile@example.org"), "é••••@•••••••.•••");
        assert_eq!(mask(&Masker::new(3, 0, '*', ""), "75001"), "750**");
        assert_eq!(mask(&Masker::new(3, 2, '*', ""), "abcd"), "****");
        assert_eq!(mask(&Masker::new(3, 2, '*', ""), ""), "");
    }
}
