//! Canonical bytes: the normalisations a policy may apply before a transform.
//!
//! See `docs/CONSTRUCTIONS.md` §3. Normalisations run in the order the policy lists them.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

/// One normalisation step applied to a value before it is transformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Normalisation {
    /// Remove leading and trailing Unicode `White_Space` characters.
    Trim,
    /// Unicode full lowercase mapping.
    Lowercase,
    /// Unicode Normalization Form C.
    Nfc,
    /// Keep only the ASCII digits `0`–`9`.
    DigitsOnly,
}

impl Normalisation {
    /// Every normalisation, in the order they are documented.
    pub const ALL: [Normalisation; 4] = [
        Normalisation::Trim,
        Normalisation::Lowercase,
        Normalisation::Nfc,
        Normalisation::DigitsOnly,
    ];

    /// The name used in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Normalisation::Trim => "trim",
            Normalisation::Lowercase => "lowercase",
            Normalisation::Nfc => "nfc",
            Normalisation::DigitsOnly => "digits_only",
        }
    }
}

impl fmt::Display for Normalisation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of `trim`, `lowercase`, `nfc`, `digits_only`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown normalisation `{0}` (expected one of: trim, lowercase, nfc, digits_only)")]
pub struct UnknownNormalisation(pub String);

impl FromStr for Normalisation {
    type Err = UnknownNormalisation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Normalisation::ALL
            .into_iter()
            .find(|n| n.name() == s)
            .ok_or_else(|| UnknownNormalisation(s.to_owned()))
    }
}

/// Writes the canonical form of `value` under `steps` into `out` (cleared first).
///
/// `scratch` is reused between calls so that the hot path does not allocate.
pub fn canonicalise(value: &str, steps: &[Normalisation], out: &mut String, scratch: &mut String) {
    out.clear();
    out.push_str(value);
    for step in steps {
        match step {
            // In place where the step can only shorten or keep the value.
            Normalisation::Trim => {
                let trimmed = out.trim_start();
                let start = out.len() - trimmed.len();
                let end = start + trimmed.trim_end().len();
                out.truncate(end);
                out.drain(..start);
            }
            Normalisation::Lowercase if out.is_ascii() => out.make_ascii_lowercase(),
            Normalisation::Nfc if out.is_ascii() => {} // ASCII text is always in NFC.
            Normalisation::DigitsOnly => out.retain(|c| c.is_ascii_digit()),
            Normalisation::Lowercase => {
                scratch.clear();
                if out.contains('Σ') {
                    // Only capital sigma is context-dependent (final ς).
                    scratch.push_str(&out.to_lowercase());
                } else {
                    // Without it, `str::to_lowercase` is the per-character mapping:
                    // the same result without allocating a String per value.
                    scratch.extend(out.chars().flat_map(char::to_lowercase));
                }
                std::mem::swap(out, scratch);
            }
            Normalisation::Nfc => {
                scratch.clear();
                scratch.extend(out.nfc());
                std::mem::swap(out, scratch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(value: &str, steps: &[Normalisation]) -> String {
        let (mut out, mut scratch) = (String::new(), String::new());
        canonicalise(value, steps, &mut out, &mut scratch);
        out
    }

    #[test]
    fn steps_apply_in_order() {
        use Normalisation::*;
        assert_eq!(canon("  Ab C ", &[Trim, Lowercase]), "ab c");
        assert_eq!(canon("\u{2003}ÉMILE\t", &[Trim, Lowercase]), "émile");
        assert_eq!(canon("e\u{301}", &[Nfc]), "\u{e9}");
        // Capital sigma lowercases by context; other letters one by one.
        assert_eq!(canon("ΟΔΥΣΣΕΥΣ", &[Lowercase]), "οδυσσευς");
        assert_eq!(canon("İSTANBUL Ǆ", &[Lowercase]), "i\u{307}stanbul ǆ");
        assert_eq!(canon("+44 (20) 7946-0958", &[DigitsOnly]), "442079460958");
        assert_eq!(canon(" x ", &[]), " x ");
    }

    proptest::proptest! {
        /// The allocation-free lowercase path is `str::to_lowercase` exactly.
        #[test]
        fn lowercase_is_str_to_lowercase(value in "\\PC{0,24}", sigma in proptest::bool::ANY) {
            let value = if sigma { format!("{value}Σ {value}") } else { value };
            proptest::prop_assert_eq!(canon(&value, &[Normalisation::Lowercase]), value.to_lowercase());
        }
    }

    /// The in-place steps equal the plain definitions on any text.
    fn reference(value: &str, steps: &[Normalisation]) -> String {
        let mut v = value.to_owned();
        for step in steps {
            v = match step {
                Normalisation::Trim => v.trim().to_owned(),
                Normalisation::Lowercase => v.to_lowercase(),
                Normalisation::Nfc => v.nfc().collect(),
                Normalisation::DigitsOnly => v.chars().filter(char::is_ascii_digit).collect(),
            };
        }
        v
    }

    proptest::proptest! {
        #[test]
        fn every_step_sequence_is_its_definition(
            value in "[ \t\u{2003}a-zA-Z0-9ΣÉe\u{301}+()-]{0,24}",
            picks in proptest::collection::vec(0usize..4, 0..5),
        ) {
            let steps: Vec<Normalisation> = picks.iter().map(|&i| Normalisation::ALL[i]).collect();
            proptest::prop_assert_eq!(canon(&value, &steps), reference(&value, &steps));
        }
    }

    #[test]
    fn names_round_trip() {
        for n in Normalisation::ALL {
            assert_eq!(n.name().parse::<Normalisation>(), Ok(n));
        }
        assert!("upper".parse::<Normalisation>().is_err());
    }
}
