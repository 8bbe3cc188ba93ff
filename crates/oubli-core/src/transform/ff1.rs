//! `fpe`: FF1 (NIST SP 800-38G Rev. 1) with AES-256 under the `ff1` subkey.
//!
//! A native FF1 on fixed-width integers for every realistic value (see [`Ff1`] for
//! the cut-off), with the `fpe` crate's big-number FF1 for longer ones.

use std::collections::HashMap;
use std::fmt;

use aes::Aes256;
use aes::cipher::{Block, BlockEncrypt, KeyInit};
use fpe::ff1::{FF1, FlexibleNumeralString};
use zeroize::Zeroize;

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

/// FF1 with AES-256 (NIST SP 800-38G Rev. 1, Algorithms 7 and 8) for one key,
/// radix and tweak, on numeral strings.
///
/// ## Fixed-width path
///
/// FF1 only ever needs the numeral strings `A` and `B` as the integers
/// `NUM_radix(A)`, `NUM_radix(B)`: `STR^m_radix(c)` followed by `NUM_radix` is the
/// identity, so the ten Feistel rounds run on integers and the numerals are written
/// once at the end. When `radix^v ≤ 2^96` (`v = ⌈n/2⌉`), `b ≤ 12` and `d ≤ 16`, so
/// `NUM(B)` as `b` bytes, `y = NUM(S)` and `radix^m` all fit a `u128`, `S` is the
/// first `d` bytes of `R` alone, and the variable bytes of `Q` (`[i] || [NUM(B)]^b`)
/// all fall in `Q`'s last block. The CBC-MAC state over `P` and the tweak blocks of
/// `Q` is then the same for every round and every value of that length: it is
/// computed once per length `n` and each round is one AES block.
///
/// That covers, for example, up to 56 digits, 36 characters of `upper_alphanumeric`
/// (any IBAN), 32 of `alphanumeric` and 192 binary digits. Longer values go through
/// the `fpe` crate's big-number implementation (same algorithm, same output).
pub(crate) struct Ff1 {
    aes: Aes256,
    radix: u32,
    tweak: Vec<u8>,
    /// Longest numeral string on the fixed-width path.
    max_fast_len: usize,
    /// Per length `n`: the precomputed round state, filled on first use.
    shapes: Vec<Option<Shape>>,
    fallback: FF1<Aes256>,
}

/// What FF1 needs for one numeral-string length `n`.
#[derive(Clone, Copy)]
struct Shape {
    u: usize,
    /// `radix^u` and `radix^v`.
    modulus: [u128; 2],
    /// `8·b`: the bit width of `NUM(B)` in `Q`.
    b_bits: u32,
    /// `128 − 8·d`: `y` is `R`'s first `d` bytes.
    y_shift: u32,
    /// CBC-MAC state after `P` and the full blocks of `Q`, XORed with the constant
    /// bytes of `Q`'s last block (the tail of `T` and the zero padding).
    state: u128,
}

/// `radix^v` for the largest `v` on the fixed-width path (`b ≤ 12`).
const FAST_LIMIT: u128 = 1 << 96;

impl Ff1 {
    /// FF1-AES256 under `key` for `radix` (2..=65535) and `tweak`.
    pub(crate) fn new(key: &[u8; 32], radix: u32, tweak: &[u8]) -> Self {
        debug_assert!((2..=65535).contains(&radix));
        let fallback = FF1::<Aes256>::new(key, radix)
            .unwrap_or_else(|_| unreachable!("alphabets have 2..65535 characters"));
        let (mut v, mut power) = (0usize, 1u128);
        while power * u128::from(radix) <= FAST_LIMIT {
            power *= u128::from(radix);
            v += 1;
        }
        Ff1 {
            aes: Aes256::new(key.into()),
            radix,
            tweak: tweak.to_vec(),
            // n = 2v has ⌈n/2⌉ = v; n = 2v + 1 would need v + 1.
            max_fast_len: 2 * v,
            shapes: Vec::new(),
            fallback,
        }
    }

    /// Encrypts `numerals` (each below the radix) in place.
    pub(crate) fn encrypt(&mut self, numerals: &mut [u16]) -> Result<(), FpeError> {
        let Some(shape) = self.shape(numerals.len()) else {
            return self.slow(numerals, true);
        };
        let (mut a, mut b) = self.split(numerals, shape.u);
        for i in 0..10u8 {
            let m = shape.modulus[usize::from(i & 1)];
            let y = rem(self.round(&shape, i, b), m);
            // a < m and y < m ≤ 2^96: no overflow.
            let sum = a + y;
            let c = if sum >= m { sum - m } else { sum };
            (a, b) = (b, c);
        }
        self.join(numerals, shape.u, a, b);
        Ok(())
    }

    /// Decrypts `numerals` in place.
    pub(crate) fn decrypt(&mut self, numerals: &mut [u16]) -> Result<(), FpeError> {
        let Some(shape) = self.shape(numerals.len()) else {
            return self.slow(numerals, false);
        };
        let (mut a, mut b) = self.split(numerals, shape.u);
        for i in (0..10u8).rev() {
            let m = shape.modulus[usize::from(i & 1)];
            let y = rem(self.round(&shape, i, a), m);
            let c = if b >= y { b - y } else { b + m - y };
            (a, b) = (c, a);
        }
        self.join(numerals, shape.u, a, b);
        Ok(())
    }

    /// Steps 6i–6iv: `y = NUM(S)` for round `i`, where `x` is `NUM(B)` (encrypt) or
    /// `NUM(A)` (decrypt).
    fn round(&self, shape: &Shape, i: u8, x: u128) -> u128 {
        self.ciph(shape.state ^ (u128::from(i) << shape.b_bits) ^ x) >> shape.y_shift
    }

    /// One AES-256 block, big-endian.
    fn ciph(&self, x: u128) -> u128 {
        let mut block = Block::<Aes256>::from(x.to_be_bytes());
        self.aes.encrypt_block(&mut block);
        u128::from_be_bytes(block.into())
    }

    /// The round state for length `n`, or `None` when `n` is beyond the fixed-width
    /// path.
    fn shape(&mut self, n: usize) -> Option<Shape> {
        if n > self.max_fast_len {
            return None;
        }
        if let Some(Some(shape)) = self.shapes.get(n) {
            return Some(*shape);
        }
        let shape = self.prepare(n);
        if self.shapes.len() <= n {
            self.shapes.resize(n + 1, None);
        }
        self.shapes[n] = Some(shape);
        Some(shape)
    }

    /// Steps 1–5 and the constant part of 6i–6ii for length `n`.
    fn prepare(&self, n: usize) -> Shape {
        let u = n / 2;
        let v = n - u;
        let radix = u128::from(self.radix);
        let pow = |k: usize| (0..k).fold(1u128, |p, _| p * radix);
        let modulus = [pow(u), pow(v)];
        // b = ⌈⌈v·log2(radix)⌉ / 8⌉, exactly: ⌈v·log2(radix)⌉ is the bit length of
        // radix^v − 1.
        let b = (128 - (modulus[1] - 1).leading_zeros()).div_ceil(8);
        let d = 4 * b.div_ceil(4) + 4;
        let t = self.tweak.len();
        // Lengths above 2^32 are refused by the FF1 definition; the tweak is a
        // domain label and `n` is at most 192 here.
        let mut p = [1, 2, 1, 0, 0, 0, 10, u as u8, 0, 0, 0, 0, 0, 0, 0, 0];
        p[3..6].copy_from_slice(&self.radix.to_be_bytes()[1..]);
        p[8..12].copy_from_slice(&(n as u32).to_be_bytes());
        p[12..16].copy_from_slice(&(t as u32).to_be_bytes());
        // Q = T || [0]^((−t−b−1) mod 16) || [i] || [NUM(B)]^b: every block but the
        // last is T and zeros; the last ends with the 1 + b variable bytes.
        let pad = (16 - (t + b as usize + 1) % 16) % 16;
        let q_len = t + pad + 1 + b as usize;
        let mut constant = vec![0u8; q_len];
        constant[..t].copy_from_slice(&self.tweak);
        let mut state = self.ciph(u128::from_be_bytes(p));
        let (full, last) = constant.split_at(q_len - 16);
        for chunk in full.chunks_exact(16) {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(chunk);
            state = self.ciph(state ^ u128::from_be_bytes(bytes));
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(last);
        constant.zeroize();
        Shape {
            u,
            modulus,
            b_bits: 8 * b,
            y_shift: 128 - 8 * d,
            state: state ^ u128::from_be_bytes(bytes),
        }
    }

    /// `NUM_radix` of the two halves.
    fn split(&self, numerals: &[u16], u: usize) -> (u128, u128) {
        let radix = u128::from(self.radix);
        let num = |digits: &[u16]| {
            digits
                .iter()
                .fold(0u128, |acc, &d| acc * radix + u128::from(d))
        };
        (num(&numerals[..u]), num(&numerals[u..]))
    }

    /// `STR^u_radix(a) || STR^v_radix(b)` into `numerals`.
    fn join(&self, numerals: &mut [u16], u: usize, a: u128, b: u128) {
        let (left, right) = numerals.split_at_mut(u);
        write_numerals(left, a, self.radix);
        write_numerals(right, b, self.radix);
    }

    fn slow(&self, numerals: &mut [u16], encrypt: bool) -> Result<(), FpeError> {
        let input = FlexibleNumeralString::from(numerals.to_vec());
        let result = if encrypt {
            self.fallback.encrypt(&self.tweak, &input)
        } else {
            self.fallback.decrypt(&self.tweak, &input)
        };
        let output: Vec<u16> = result.map_err(|_| FpeError::TooLong)?.into();
        numerals.copy_from_slice(&output);
        Ok(())
    }
}

/// `y mod m`, with 64-bit division when both fit (the usual case: `d ≤ 8` for up to
/// 19 digits).
fn rem(y: u128, m: u128) -> u128 {
    if (y | m) >> 64 == 0 {
        u128::from(y as u64 % m as u64)
    } else {
        y % m
    }
}

/// Writes `x` as `digits.len()` numerals in `radix`, most significant first.
fn write_numerals(digits: &mut [u16], mut x: u128, radix: u32) {
    let mut rest = digits.len();
    while x >> 64 != 0 && rest > 0 {
        rest -= 1;
        digits[rest] = (x % u128::from(radix)) as u16;
        x /= u128::from(radix);
    }
    let (mut x, radix) = (x as u64, u64::from(radix));
    for digit in digits[..rest].iter_mut().rev() {
        *digit = (x % radix) as u16;
        x /= radix;
    }
}

impl Drop for Ff1 {
    fn drop(&mut self) {
        // The round states are functions of the key.
        for shape in self.shapes.iter_mut().flatten() {
            shape.state.zeroize();
        }
    }
}

impl fmt::Debug for Ff1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ff1")
            .field("radix", &self.radix)
            .finish_non_exhaustive()
    }
}

/// Format-preserving encryption: digits stay digits, letters stay letters, and
/// characters outside the alphabet stay where they are.
pub struct FormatPreservingCipher {
    ff1: Ff1,
    alphabet: Alphabet,
    numerals: Vec<u16>,
}

impl FormatPreservingCipher {
    /// A cipher for `domain` (which is also the FF1 tweak).
    pub fn new(key: &MasterKey, domain: &str, alphabet: Alphabet) -> Self {
        let subkey = derive::<32>(key, Purpose::Ff1, domain);
        FormatPreservingCipher {
            ff1: Ff1::new(&subkey, alphabet.radix(), domain.as_bytes()),
            alphabet,
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
        if encrypt {
            self.ff1.encrypt(&mut self.numerals)?;
        } else {
            self.ff1.decrypt(&mut self.numerals)?;
        }
        out.reserve(value.len());
        let mut next = self.numerals.iter();
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

    const NIST_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94";

    /// NIST SP 800-38G FF1 samples 7, 8 and 9 (AES-256) with the raw sample key,
    /// through the native FF1 and through the `fpe` crate.
    #[test]
    fn nist_ff1_aes256_samples() {
        let key: [u8; 32] = hex::decode(NIST_KEY).unwrap().try_into().unwrap();
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
            let tweak = hex::decode(tweak).unwrap();
            let mut ff1 = Ff1::new(&key, radix, &tweak);
            assert!(
                pt.len() <= ff1.max_fast_len,
                "the samples take the fixed-width path"
            );
            let mut ct = pt.clone();
            ff1.encrypt(&mut ct).unwrap();
            let text: String = ct
                .iter()
                .map(|&n| alphabet.as_bytes()[usize::from(n)] as char)
                .collect();
            assert_eq!(text, expected);
            assert_eq!(reference(&key, radix, &tweak, &pt, true), ct);
            let mut back = ct.clone();
            ff1.decrypt(&mut back).unwrap();
            assert_eq!(back, pt);
            // One numeral changed: a different ciphertext.
            let mut other = pt.clone();
            other[0] ^= 1;
            ff1.encrypt(&mut other).unwrap();
            assert_ne!(other, ct);
        }
    }

    /// The `fpe` crate's FF1 (big-number arithmetic), the reference for the
    /// differential tests.
    fn reference(key: &[u8; 32], radix: u32, tweak: &[u8], x: &[u16], encrypt: bool) -> Vec<u16> {
        let ff1 = FF1::<Aes256>::new(key, radix).unwrap();
        let x = FlexibleNumeralString::from(x.to_vec());
        let y = if encrypt {
            ff1.encrypt(tweak, &x)
        } else {
            ff1.decrypt(tweak, &x)
        };
        y.unwrap().into()
    }

    /// The cut-off of the fixed-width path (`radix^⌈n/2⌉ ≤ 2^96`) for a few radixes.
    #[test]
    fn fixed_width_cut_off() {
        let key = [7u8; 32];
        for (radix, max) in [
            (2, 192),
            (10, 56),
            (26, 40),
            (36, 36),
            (62, 32),
            (65535, 12),
        ] {
            assert_eq!(
                Ff1::new(&key, radix, b"t").max_fast_len,
                max,
                "radix {radix}"
            );
        }
    }

    /// Every length from the minimum to past the cut-off, for radixes whose `b`
    /// crosses byte and word boundaries, and tweaks whose length moves the variable
    /// bytes of `Q` around: identical to the `fpe` crate, and decrypt∘encrypt = id.
    #[test]
    fn every_length_matches_the_fpe_crate() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 11) as u8);
        for radix in [2u32, 3, 10, 16, 26, 36, 62, 255, 256, 1000, 65535] {
            let alphabet_min = {
                let (mut n, mut size) = (0usize, 1u64);
                while size < MIN_DOMAIN {
                    size = size.saturating_mul(u64::from(radix));
                    n += 1;
                }
                n.max(2)
            };
            for tweak_len in [0usize, 3, 11, 12, 15, 16, 17, 40] {
                let tweak: Vec<u8> = (0..tweak_len).map(|i| i as u8 ^ 0x5a).collect();
                let mut ff1 = Ff1::new(&key, radix, &tweak);
                for n in alphabet_min..=ff1.max_fast_len + 3 {
                    let pt: Vec<u16> = (0..n)
                        .map(|i| ((i as u32 * 7919 + radix + n as u32) % radix) as u16)
                        .collect();
                    let mut ct = pt.clone();
                    ff1.encrypt(&mut ct).unwrap();
                    assert_eq!(
                        ct,
                        reference(&key, radix, &tweak, &pt, true),
                        "radix {radix}, tweak {tweak_len}, n {n}"
                    );
                    let mut back = ct.clone();
                    ff1.decrypt(&mut back).unwrap();
                    assert_eq!(back, pt, "radix {radix}, tweak {tweak_len}, n {n}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Random key, radix, tweak and numeral string: the native FF1 gives the `fpe`
        /// crate's output, decrypts to the input, and decrypts like the `fpe` crate.
        #[test]
        fn matches_the_fpe_crate(
            key in proptest::array::uniform32(proptest::num::u8::ANY),
            radix in proptest::prop_oneof![2u32..=64, 2u32..=65535],
            tweak in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            seed in proptest::collection::vec(proptest::num::u16::ANY, 200),
            len in 0usize..200,
        ) {
            let mut ff1 = Ff1::new(&key, radix, &tweak);
            let min = {
                let (mut n, mut size) = (0usize, 1u64);
                while size < MIN_DOMAIN {
                    size = size.saturating_mul(u64::from(radix));
                    n += 1;
                }
                n.max(2)
            };
            // Mostly lengths on the fixed-width path, some past it.
            let n = min + len % (ff1.max_fast_len + 4 - min.min(ff1.max_fast_len));
            let pt: Vec<u16> = seed[..n.min(200)]
                .iter()
                .map(|&s| (u32::from(s) % radix) as u16)
                .collect();
            let mut ct = pt.clone();
            ff1.encrypt(&mut ct).unwrap();
            proptest::prop_assert_eq!(&ct, &reference(&key, radix, &tweak, &pt, true));
            let mut back = ct.clone();
            ff1.decrypt(&mut back).unwrap();
            proptest::prop_assert_eq!(&back, &pt);
            // Decrypting a string that was never an encryption also agrees.
            let mut dec = pt.clone();
            ff1.decrypt(&mut dec).unwrap();
            proptest::prop_assert_eq!(&dec, &reference(&key, radix, &tweak, &pt, false));
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
