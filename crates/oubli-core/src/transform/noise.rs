//! `noise`: keyed, reproducible numeric noise (`docs/CONSTRUCTIONS.md` §4, `noise`).

use crate::transform::HmacSha256;
use std::fmt;
use std::fmt::Write as _;

use crate::MasterKey;
use crate::subkey::{Purpose, derive};
use crate::transform::generalise::AnonymiseError;

/// How large the noise is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoiseScale {
    /// The same scale for every value.
    Absolute(f64),
    /// A fraction of the value's magnitude.
    Relative(f64),
}

/// The noise distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoiseDistribution {
    /// Uniform in `(-scale, scale)`.
    #[default]
    Uniform,
    /// Laplace with location 0 and scale parameter `b = scale` (standard
    /// deviation `b·√2`; `|noise| ≤ 53·ln 2·b ≈ 36.7·b` by construction).
    Laplace,
}

impl NoiseDistribution {
    /// The distribution named `name` in a policy.
    pub fn named(name: &str) -> Option<NoiseDistribution> {
        match name {
            "uniform" => Some(NoiseDistribution::Uniform),
            "laplace" => Some(NoiseDistribution::Laplace),
            _ => None,
        }
    }
}

/// Adds keyed noise to numbers. The noise of a value is a function of the
/// key, the domain and a seed (the row's subject, or the value itself), so the
/// same seed always gets the same noise.
pub struct Noiser {
    mac: HmacSha256,
    scale: NoiseScale,
    distribution: NoiseDistribution,
}

/// 2^53.
const TWO_53: f64 = 9_007_199_254_740_992.0;

impl Noiser {
    /// A noiser for `domain`.
    pub fn new(
        key: &MasterKey,
        domain: &str,
        scale: NoiseScale,
        distribution: NoiseDistribution,
    ) -> Noiser {
        let subkey = derive::<32>(key, Purpose::Noise, domain);
        let mac = HmacSha256::new(subkey.as_slice());
        Noiser {
            mac,
            scale,
            distribution,
        }
    }

    /// The uniform number in (0, 1) drawn from `seed`:
    /// `u = (2·(x >> 12) + 1) / 2^53`, `x` = BE u64 of the first 8 MAC bytes.
    pub fn unit(&self, seed: &[u8]) -> f64 {
        let tag: [u8; 32] = self.mac.mac(seed);
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag[..8]);
        let k = u64::from_be_bytes(first) >> 12;
        // 2k + 1 < 2^53: exact in an f64, and so is the division.
        (2 * k + 1) as f64 / TWO_53
    }

    /// The noise for a value of magnitude `magnitude`, drawn from `seed`.
    pub fn noise(&self, magnitude: f64, seed: &[u8]) -> f64 {
        let scale = match self.scale {
            NoiseScale::Absolute(a) => a,
            NoiseScale::Relative(r) => r * magnitude.abs(),
        };
        let u = self.unit(seed);
        match self.distribution {
            NoiseDistribution::Uniform => scale * (2.0 * u - 1.0),
            NoiseDistribution::Laplace if u < 0.5 => scale * (2.0 * u).ln(),
            NoiseDistribution::Laplace => -scale * (2.0 * (1.0 - u)).ln(),
        }
    }

    /// Appends `value` plus noise drawn from `seed` to `out`, in the value's
    /// own form: an integer stays an integer (`value + round(noise)`, halves
    /// away from zero); a decimal keeps its number of digits after the point;
    /// a number with an exponent keeps its number of mantissa digits
    /// (`1.25e3`); `nan`, `inf` and `-inf` are kept as they are.
    pub fn apply(&self, value: &str, seed: &[u8], out: &mut String) -> Result<(), AnonymiseError> {
        match Number::parse(value).ok_or(AnonymiseError::NotANumber)? {
            Number::Special => out.push_str(value),
            Number::Integer(x) => {
                let noise = self.noise(x as f64, seed).round();
                // |noise| ≤ 36.7 × scale, and scale is finite, so it fits.
                let y = x
                    .checked_add(noise as i128)
                    .ok_or(AnonymiseError::OutOfRange("the noisy integer is too large"))?;
                let _ = write!(out, "{y}");
            }
            Number::Fixed(decimals) => {
                let x: f64 = value.parse().map_err(|_| AnonymiseError::NotANumber)?;
                let y = x + self.noise(x, seed);
                if !y.is_finite() {
                    return Err(AnonymiseError::OutOfRange("the noisy number is not finite"));
                }
                let _ = write!(out, "{y:.decimals$}");
            }
            Number::Exponent(decimals) => {
                let x: f64 = value.parse().map_err(|_| AnonymiseError::NotANumber)?;
                let y = x + self.noise(x, seed);
                if !y.is_finite() {
                    return Err(AnonymiseError::OutOfRange("the noisy number is not finite"));
                }
                let _ = write!(out, "{y:.decimals$e}");
            }
        }
        Ok(())
    }
}

/// The form of a number's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    /// `-12`.
    Integer(i128),
    /// `3.50`: digits after the point.
    Fixed(usize),
    /// `1.5e-7`: digits after the mantissa's point.
    Exponent(usize),
    /// `nan`, `inf`, `-inf`, `infinity` (any case, with a sign).
    Special,
}

impl Number {
    fn parse(text: &str) -> Option<Number> {
        let body = text.strip_prefix(['+', '-']).unwrap_or(text);
        if ["nan", "inf", "infinity"]
            .iter()
            .any(|s| body.eq_ignore_ascii_case(s))
        {
            return Some(Number::Special);
        }
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(at) => (&body[..at], Some(&body[at + 1..])),
            None => (body, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (mantissa, None),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int)
            || !frac.is_none_or(all_digits)
            || int.is_empty() && frac.is_none_or(str::is_empty)
        {
            return None;
        }
        let decimals = frac.map_or(0, str::len);
        match (exponent, frac) {
            (Some(e), _) => {
                let e = e.strip_prefix(['+', '-']).unwrap_or(e);
                (!e.is_empty() && all_digits(e)).then_some(Number::Exponent(decimals))
            }
            (None, Some(_)) => Some(Number::Fixed(decimals)),
            (None, None) => text.parse().ok().map(Number::Integer),
        }
    }
}

impl fmt::Debug for Noiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Noiser")
            .field("scale", &self.scale)
            .field("distribution", &self.distribution)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(n: &Noiser, v: &str, seed: &str) -> String {
        let mut out = String::new();
        n.apply(v, seed.as_bytes(), &mut out).unwrap();
        out
    }

    proptest::proptest! {
        /// Uniform noise stays within its scale; an integer stays an integer;
        /// a decimal keeps its digits.
        #[test]
        fn bounded_and_in_form(x in -1_000_000_000i64..1_000_000_000, seed in ".{0,12}", scale in 1u32..1000) {
            let key = MasterKey::from_bytes([4; 32]);
            let n = Noiser::new(&key, "p", NoiseScale::Absolute(f64::from(scale)), NoiseDistribution::Uniform);
            let y: i64 = noisy(&n, &x.to_string(), &seed).parse().unwrap();
            proptest::prop_assert!((y - x).abs() <= i64::from(scale));
            let input = format!("{x}.50");
            let out = noisy(&n, &input, &seed);
            proptest::prop_assert_eq!(out.split_once('.').unwrap().1.len(), 2);
            let v: f64 = out.parse().unwrap();
            proptest::prop_assert!((v - input.parse::<f64>().unwrap()).abs() <= f64::from(scale) + 0.01);
        }
    }

    #[test]
    fn forms() {
        assert_eq!(Number::parse("-12"), Some(Number::Integer(-12)));
        assert_eq!(Number::parse("+7"), Some(Number::Integer(7)));
        assert_eq!(Number::parse("3.50"), Some(Number::Fixed(2)));
        assert_eq!(Number::parse(".5"), Some(Number::Fixed(1)));
        assert_eq!(Number::parse("5."), Some(Number::Fixed(0)));
        assert_eq!(Number::parse("1.5e-7"), Some(Number::Exponent(1)));
        assert_eq!(Number::parse("1e16"), Some(Number::Exponent(0)));
        assert_eq!(Number::parse("-inf"), Some(Number::Special));
        for bad in ["", ".", "-", "1e", "1.2.3", "12a", "e5", " 1", "0x10"] {
            assert_eq!(Number::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn integers_stay_integers_and_noise_is_bounded() {
        let key = MasterKey::from_bytes([4; 32]);
        let n = Noiser::new(
            &key,
            "default",
            NoiseScale::Absolute(5.0),
            NoiseDistribution::Uniform,
        );
        let mut changed = 0;
        for i in 0..200 {
            let out = noisy(&n, "1000", &format!("row{i}"));
            let y: i64 = out.parse().unwrap();
            assert!((995..=1005).contains(&y), "{y}");
            changed += usize::from(y != 1000);
        }
        assert!(changed > 150);
        let out = noisy(&n, "12.50", "a");
        assert_eq!(out.split_once('.').unwrap().1.len(), 2);
        let out = noisy(&n, "1.25e3", "a");
        assert!(out.contains('e'), "{out}");
        assert_eq!(noisy(&n, "nan", "a"), "nan");
        let mut out = String::new();
        assert_eq!(
            n.apply("twelve", b"a", &mut out),
            Err(AnonymiseError::NotANumber)
        );
    }

    #[test]
    fn reproducible_relative_and_laplace() {
        let key = MasterKey::from_bytes([4; 32]);
        let rel = Noiser::new(
            &key,
            "d",
            NoiseScale::Relative(0.1),
            NoiseDistribution::Uniform,
        );
        for i in 0..100 {
            let y: f64 = noisy(&rel, "200.000", &i.to_string()).parse().unwrap();
            assert!((180.0..=220.0).contains(&y));
        }
        let lap = Noiser::new(
            &key,
            "d",
            NoiseScale::Absolute(2.0),
            NoiseDistribution::Laplace,
        );
        let draws: Vec<f64> = (0..2000)
            .map(|i| lap.noise(0.0, i.to_string().as_bytes()))
            .collect();
        let mean_abs = draws.iter().map(|d| d.abs()).sum::<f64>() / draws.len() as f64;
        // E|X| = b for a Laplace(0, b).
        assert!((1.8..2.2).contains(&mean_abs), "{mean_abs}");
        assert!(draws.iter().all(|d| d.abs() <= 2.0 * 36.8));
        assert_eq!(noisy(&lap, "10", "s"), noisy(&lap, "10", "s"));
        let other = Noiser::new(
            &key,
            "e",
            NoiseScale::Absolute(2.0),
            NoiseDistribution::Laplace,
        );
        let a: Vec<f64> = (0..20).map(|i| lap.unit(&[i])).collect();
        let b: Vec<f64> = (0..20).map(|i| other.unit(&[i])).collect();
        assert_ne!(a, b);
    }
}
