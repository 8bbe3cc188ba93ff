//! `fpe`: FF1 (NIST SP 800-38G Rev. 1) with AES-256 under the `ff1` subkey.

use std::collections::HashMap;
use std::fmt;

use aes::Aes256;
use fpe::ff1::{FF1, FlexibleNumeralString};

use crate::MasterKey;
use crate::subkey::{Purpose, derive};

/// The standard's minimum domain size: `radix^minlen ≥ 1,000,000`.
const MIN_DOMAIN: u64 = 1_000_000;

/// The characters FF1 permutes, in numeral order.
#[derive(Clone, PartialEq, Eq)]
pub struct Alphabet {
    name: Option<&'static str>,
    chars: Vec<char>,
    ascii: Box<[u16; 128]>,
    other: HashMap<char, u16>,
}

/// Why an alphabet or a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FpeError {
    /// A custom alphabet with fewer than 2 characters, a repeated character, or more
    /// than 65,535 characters.
    #[error("{0}")]
    InvalidAlphabet(String),
    /// The value has too few alphabet characters for FF1's minimum domain size.
    #[error(
        "the value has {found} characters of the alphabet, FF1 needs at least {min} (NIST SP 800-38G: radix^length ≥ 1,000,000); set `fallback` in the policy to keep or redact short values"
    )]
    TooShort {
        /// Characters of the alphabet in the value.
        found: usize,
        /// The minimum for this alphabet.
        min: usize,
    },
    /// The value is longer than FF1 allows.
    #[error("the value is too long for FF1")]
    TooLong,
}

const NOT_IN: u16 = u16::MAX;

impl Alphabet {
    /// Named alphabets of the contract.
    pub const NAMES: [(&'static str, &'static str); 5] = [
        ("digits", "0123456789"),
        ("lower", "abcdefghijklmnopqrstuvwxyz"),
        ("upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("upper_alphanumeric", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        (
            "alphanumeric",
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        ),
    ];

    /// A named alphabet (`digits`, `lower`, `upper`, `upper_alphanumeric`,
    /// `alphanumeric`).
    pub fn named(name: &str) -> Option<Alphabet> {
        let (name, chars) = Self::NAMES.iter().find(|(n, _)| *n == name)?;
        let mut alphabet = Self::custom(chars).ok()?;
        alphabet.name = Some(name);
        Some(alphabet)
    }

    /// A named alphabet, or else `spec` itself as a custom alphabet.
    pub fn parse(spec: &str) -> Result<Alphabet, FpeError> {
        match Self::named(spec) {
            Some(alphabet) => Ok(alphabet),
            None => Self::custom(spec),
        }
    }

    /// A custom alphabet: at least 2 distinct characters.
    pub fn custom(chars: &str) -> Result<Alphabet, FpeError> {
        let list: Vec<char> = chars.chars().collect();
        if list.len() < 2 {
            return Err(FpeError::InvalidAlphabet(format!(
                "alphabet `{chars}` is not a named alphabet ({}) and has fewer than 2 characters",
                Self::NAMES.map(|(n, _)| n).join(", ")
            )));
        }
        if list.len() >= usize::from(u16::MAX) {
            return Err(FpeError::InvalidAlphabet(
                "the alphabet has more than 65,534 characters".into(),
            ));
        }
        let mut ascii = Box::new([NOT_IN; 128]);
        let mut other = HashMap::new();
        for (i, &c) in list.iter().enumerate() {
            let numeral = u16::try_from(i).unwrap_or(NOT_IN);
            let slot = if c.is_ascii() {
                &mut ascii[c as usize]
            } else {
                other.entry(c).or_insert(NOT_IN)
            };
            if *slot != NOT_IN {
                return Err(FpeError::InvalidAlphabet(format!(
                    "the alphabet repeats the character `{c}`"
                )));
            }
            *slot = numeral;
        }
        Ok(Alphabet {
            name: None,
            chars: list,
            ascii,
            other,
        })
    }

    /// The radix (number of characters).
    pub fn radix(&self) -> u32 {
        // Bounded by `custom`.
        self.chars.len() as u32
    }

    /// The fewest alphabet characters a value needs: `radix^n ≥ 1,000,000` and
    /// `n ≥ 2` (NIST SP 800-38G Rev. 1, §5.2).
    pub fn min_len(&self) -> usize {
        let radix = u64::from(self.radix());
        let (mut n, mut size) = (0usize, 1u64);
        while size < MIN_DOMAIN {
            size = size.saturating_mul(radix);
            n += 1;
        }
        n.max(2)
    }

    fn numeral(&self, c: char) -> Option<u16> {
        let n = if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            *self.other.get(&c)?
        };
        (n != NOT_IN).then_some(n)
    }
}

impl fmt::Debug for Alphabet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => write!(f, "Alphabet({name})"),
            None => write!(f, "Alphabet({:?})", self.chars.iter().collect::<String>()),
        }
    }
}

/// Format-preserving encryption: digits stay digits, letters stay letters, and
/// characters outside the alphabet stay where they are.
pub struct FormatPreservingCipher {
    ff1: FF1<Aes256>,
    alphabet: Alphabet,
    tweak: Vec<u8>,
    numerals: Vec<u16>,
}

impl FormatPreservingCipher {
    /// A cipher for `domain` (which is also the FF1 tweak).
    pub fn new(key: &MasterKey, domain: &str, alphabet: Alphabet) -> Self {
        let subkey = derive::<32>(key, Purpose::Ff1, domain);
        let ff1 = FF1::<Aes256>::new(subkey.as_slice(), alphabet.radix())
            .unwrap_or_else(|_| unreachable!("alphabets have 2..65535 characters"));
        FormatPreservingCipher {
            ff1,
            alphabet,
            tweak: domain.as_bytes().to_vec(),
            numerals: Vec::new(),
        }
    }

    /// The alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// Appends the encryption of `value` to `out`.
    pub fn encrypt(&mut self, value: &str, out: &mut String) -> Result<(), FpeError> {
        self.run(value, out, true)
    }

    /// Appends the decryption of `value` to `out`.
    pub fn decrypt(&mut self, value: &str, out: &mut String) -> Result<(), FpeError> {
        self.run(value, out, false)
    }

    /// Whether `value` has enough alphabet characters to be encrypted.
    pub fn fits(&self, value: &str) -> bool {
        value
            .chars()
            .filter(|&c| self.alphabet.numeral(c).is_some())
            .count()
            >= self.alphabet.min_len()
    }

    fn run(&mut self, value: &str, out: &mut String, encrypt: bool) -> Result<(), FpeError> {
        self.numerals.clear();
        self.numerals
            .extend(value.chars().filter_map(|c| self.alphabet.numeral(c)));
        let min = self.alphabet.min_len();
        if self.numerals.len() < min {
            return Err(FpeError::TooShort {
                found: self.numerals.len(),
                min,
            });
        }
        let input = FlexibleNumeralString::from(std::mem::take(&mut self.numerals));
        let result = if encrypt {
            self.ff1.encrypt(&self.tweak, &input)
        } else {
            self.ff1.decrypt(&self.tweak, &input)
        };
        self.numerals = input.into();
        let mapped: Vec<u16> = result.map_err(|_| FpeError::TooLong)?.into();
        let mut next = mapped.iter();
        for c in value.chars() {
            match self.alphabet.numeral(c) {
                Some(_) => {
                    let n = next.next().copied().unwrap_or(0);
                    out.push(self.alphabet.chars[usize::from(n)]);
                }
                None => out.push(c),
            }
        }
        Ok(())
    }
}

impl fmt::Debug for FormatPreservingCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormatPreservingCipher")
            .field("alphabet", &self.alphabet)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NIST SP 800-38G FF1 samples 7, 8 and 9 (AES-256), through the same FF1
    /// implementation with the raw sample key.
    #[test]
    fn nist_ff1_aes256_samples() {
        let key = hex::decode("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94")
            .unwrap();
        let digits: Vec<u16> = (0..10).collect();
        let cases: [(u32, &str, Vec<u16>, &str); 3] = [
            (10, "", digits.clone(), "6657667009"),
            (10, "39383736353433323130", digits, "1001623463"),
            (
                36,
                "3737373770717273373737",
                (0..19).collect(),
                "xs8a0azh2avyalyzuwd",
            ),
        ];
        let alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        for (radix, tweak, pt, expected) in cases {
            let ff1 = FF1::<Aes256>::new(&key, radix).unwrap();
            let tweak = hex::decode(tweak).unwrap();
            let ct: Vec<u16> = ff1
                .encrypt(&tweak, &FlexibleNumeralString::from(pt.clone()))
                .unwrap()
                .into();
            let text: String = ct
                .iter()
                .map(|&n| alphabet.as_bytes()[usize::from(n)] as char)
                .collect();
            assert_eq!(text, expected);
            let back: Vec<u16> = ff1
                .decrypt(&tweak, &FlexibleNumeralString::from(ct))
                .unwrap()
                .into();
            assert_eq!(back, pt);
        }
    }

    #[test]
    fn keeps_format_and_round_trips() {
        let key = MasterKey::from_bytes([1; 32]);
        let mut c = FormatPreservingCipher::new(&key, "card", Alphabet::parse("digits").unwrap());
        let mut enc = String::new();
        c.encrypt("4111-1111-1111-1111", &mut enc).unwrap();
        assert_eq!(enc.len(), 19);
        assert_eq!(enc.chars().filter(|&ch| ch == '-').count(), 3);
        assert_eq!(&enc[4..5], "-");
        assert_ne!(enc, "4111-1111-1111-1111");
        let mut dec = String::new();
        c.decrypt(&enc, &mut dec).unwrap();
        assert_eq!(dec, "4111-1111-1111-1111");
    }

    #[test]
    fn minimum_lengths() {
        assert_eq!(Alphabet::parse("digits").unwrap().min_len(), 6);
        assert_eq!(Alphabet::parse("lower").unwrap().min_len(), 5);
        assert_eq!(Alphabet::parse("alphanumeric").unwrap().min_len(), 4);
        assert_eq!(Alphabet::parse("01").unwrap().min_len(), 20);
        let key = MasterKey::from_bytes([1; 32]);
        let mut c = FormatPreservingCipher::new(&key, "d", Alphabet::parse("digits").unwrap());
        let mut out = String::new();
        assert_eq!(
            c.encrypt("12-345", &mut out),
            Err(FpeError::TooShort { found: 5, min: 6 })
        );
        assert!(Alphabet::parse("a").is_err());
        assert!(Alphabet::parse("abca").is_err());
    }
}
