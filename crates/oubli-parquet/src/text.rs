//! Canonical text of typed values (`docs/CONSTRUCTIONS.md` §3, `docs/PARQUET.md`):
//! how a value of each Arrow type is written as text before a keyed transform reads
//! it, how such text is parsed back into the type (`unmask`, `redact` constants),
//! and the stable names of Arrow types recorded in the provenance.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::builder::{
    BinaryViewBuilder, BooleanBuilder, FixedSizeBinaryBuilder, GenericBinaryBuilder,
    GenericByteDictionaryBuilder, GenericStringBuilder, PrimitiveBuilder, StringViewBuilder,
};
use arrow_array::cast::AsArray as _;
use arrow_array::types::{
    ArrowDictionaryKeyType, ArrowPrimitiveType, Date32Type, Date64Type, Decimal32Type,
    Decimal64Type, Decimal128Type, Decimal256Type, DurationMicrosecondType,
    DurationMillisecondType, DurationNanosecondType, DurationSecondType, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, Time32MillisecondType,
    Time32SecondType, Time64MicrosecondType, Time64NanosecondType, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, PrimitiveArray};
use arrow_buffer::i256;
use arrow_schema::{DataType, Field, IntervalUnit, TimeUnit};

/// Why a text could not be read as a value of a column's type. Never holds the
/// value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the text is not a valid `{type_name}` value{hint}")]
pub struct ParseError {
    /// The column's type, as in the provenance.
    pub type_name: String,
    hint: &'static str,
}

/// Whether values of `data_type` have a canonical text, so that `hash`,
/// `encrypt`, `encrypt_random` and `fpe` can read them.
pub(crate) fn has_canonical_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_)
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Time32(TimeUnit::Second | TimeUnit::Millisecond)
        | DataType::Time64(TimeUnit::Microsecond | TimeUnit::Nanosecond)
        | DataType::Timestamp(..)
        | DataType::Duration(_) => true,
        DataType::Dictionary(key, value) => key.is_dictionary_key_type() && is_text_like(value),
        _ => false,
    }
}

/// String and binary types: the value types of dictionaries oubli can transform
/// and restore.
fn is_text_like(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary
    )
}

/// Whether `data_type` holds text (`mask` applies only to these).
pub(crate) fn is_string(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, value) => matches!(**value, DataType::Utf8 | DataType::LargeUtf8),
        _ => false,
    }
}

/// Random access to the canonical text of the values of one array.
pub(crate) enum TextColumn<'a> {
    Null,
    Boolean(&'a arrow_array::BooleanArray),
    Int8(&'a PrimitiveArray<Int8Type>),
    Int16(&'a PrimitiveArray<Int16Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Int64(&'a PrimitiveArray<Int64Type>),
    UInt8(&'a PrimitiveArray<UInt8Type>),
    UInt16(&'a PrimitiveArray<UInt16Type>),
    UInt32(&'a PrimitiveArray<UInt32Type>),
    UInt64(&'a PrimitiveArray<UInt64Type>),
    Float16(&'a PrimitiveArray<Float16Type>),
    Float32(&'a PrimitiveArray<Float32Type>),
    Float64(&'a PrimitiveArray<Float64Type>),
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
    FixedSizeBinary(&'a arrow_array::FixedSizeBinaryArray),
    Decimal32(&'a PrimitiveArray<Decimal32Type>, i8),
    Decimal64(&'a PrimitiveArray<Decimal64Type>, i8),
    Decimal128(&'a PrimitiveArray<Decimal128Type>, i8),
    Decimal256(&'a PrimitiveArray<Decimal256Type>, i8),
    Date32(&'a PrimitiveArray<Date32Type>),
    Date64(&'a PrimitiveArray<Date64Type>),
    Time32(&'a [i32], Option<&'a arrow_buffer::NullBuffer>, TimeUnit),
    Time64(&'a [i64], Option<&'a arrow_buffer::NullBuffer>, TimeUnit),
    Timestamp {
        values: &'a [i64],
        nulls: Option<&'a arrow_buffer::NullBuffer>,
        unit: TimeUnit,
        utc: bool,
    },
    Duration(&'a [i64], Option<&'a arrow_buffer::NullBuffer>),
    Dictionary {
        keys: Vec<usize>,
        key_nulls: Option<arrow_buffer::NullBuffer>,
        values: Box<TextColumn<'a>>,
    },
}

impl<'a> TextColumn<'a> {
    /// A text view of `array`, or `None` if its type has no canonical text.
    pub(crate) fn new(array: &'a dyn Array) -> Option<TextColumn<'a>> {
        Some(match array.data_type() {
            DataType::Null => TextColumn::Null,
            DataType::Boolean => TextColumn::Boolean(array.as_boolean()),
            DataType::Int8 => TextColumn::Int8(array.as_primitive()),
            DataType::Int16 => TextColumn::Int16(array.as_primitive()),
            DataType::Int32 => TextColumn::Int32(array.as_primitive()),
            DataType::Int64 => TextColumn::Int64(array.as_primitive()),
            DataType::UInt8 => TextColumn::UInt8(array.as_primitive()),
            DataType::UInt16 => TextColumn::UInt16(array.as_primitive()),
            DataType::UInt32 => TextColumn::UInt32(array.as_primitive()),
            DataType::UInt64 => TextColumn::UInt64(array.as_primitive()),
            DataType::Float16 => TextColumn::Float16(array.as_primitive()),
            DataType::Float32 => TextColumn::Float32(array.as_primitive()),
            DataType::Float64 => TextColumn::Float64(array.as_primitive()),
            DataType::Utf8 => TextColumn::Utf8(array.as_string()),
            DataType::LargeUtf8 => TextColumn::LargeUtf8(array.as_string()),
            DataType::Utf8View => TextColumn::Utf8View(array.as_string_view()),
            DataType::Binary => TextColumn::Binary(array.as_binary()),
            DataType::LargeBinary => TextColumn::LargeBinary(array.as_binary()),
            DataType::BinaryView => TextColumn::BinaryView(array.as_binary_view()),
            DataType::FixedSizeBinary(_) => {
                TextColumn::FixedSizeBinary(array.as_fixed_size_binary())
            }
            DataType::Decimal32(_, s) => TextColumn::Decimal32(array.as_primitive(), *s),
            DataType::Decimal64(_, s) => TextColumn::Decimal64(array.as_primitive(), *s),
            DataType::Decimal128(_, s) => TextColumn::Decimal128(array.as_primitive(), *s),
            DataType::Decimal256(_, s) => TextColumn::Decimal256(array.as_primitive(), *s),
            DataType::Date32 => TextColumn::Date32(array.as_primitive()),
            DataType::Date64 => TextColumn::Date64(array.as_primitive()),
            DataType::Time32(unit @ (TimeUnit::Second | TimeUnit::Millisecond)) => {
                let values = match unit {
                    TimeUnit::Second => array.as_primitive::<Time32SecondType>().values(),
                    _ => array.as_primitive::<Time32MillisecondType>().values(),
                };
                TextColumn::Time32(values, array.nulls(), *unit)
            }
            DataType::Time64(unit @ (TimeUnit::Microsecond | TimeUnit::Nanosecond)) => {
                let values = match unit {
                    TimeUnit::Microsecond => array.as_primitive::<Time64MicrosecondType>().values(),
                    _ => array.as_primitive::<Time64NanosecondType>().values(),
                };
                TextColumn::Time64(values, array.nulls(), *unit)
            }
            DataType::Timestamp(unit, tz) => TextColumn::Timestamp {
                values: match unit {
                    TimeUnit::Second => array.as_primitive::<TimestampSecondType>().values(),
                    TimeUnit::Millisecond => {
                        array.as_primitive::<TimestampMillisecondType>().values()
                    }
                    TimeUnit::Microsecond => {
                        array.as_primitive::<TimestampMicrosecondType>().values()
                    }
                    TimeUnit::Nanosecond => {
                        array.as_primitive::<TimestampNanosecondType>().values()
                    }
                },
                nulls: array.nulls(),
                unit: *unit,
                utc: tz.is_some(),
            },
            DataType::Duration(unit) => TextColumn::Duration(
                match unit {
                    TimeUnit::Second => array.as_primitive::<DurationSecondType>().values(),
                    TimeUnit::Millisecond => {
                        array.as_primitive::<DurationMillisecondType>().values()
                    }
                    TimeUnit::Microsecond => {
                        array.as_primitive::<DurationMicrosecondType>().values()
                    }
                    TimeUnit::Nanosecond => array.as_primitive::<DurationNanosecondType>().values(),
                },
                array.nulls(),
            ),
            DataType::Dictionary(_, value) if is_text_like(value) => {
                let dictionary = array.as_any_dictionary_opt()?;
                TextColumn::Dictionary {
                    keys: dictionary.normalized_keys(),
                    key_nulls: dictionary.keys().nulls().cloned(),
                    values: Box::new(TextColumn::new(dictionary.values().as_ref())?),
                }
            }
            _ => return None,
        })
    }

    /// The canonical text of value `i`, `None` for NULL. `buf` is scratch space
    /// for types that are not stored as text.
    pub(crate) fn text<'s>(&'s self, i: usize, buf: &'s mut String) -> Option<&'s str> {
        macro_rules! int {
            ($a:expr) => {{
                if $a.is_null(i) {
                    return None;
                }
                buf.clear();
                let _ = write!(buf, "{}", $a.value(i));
                Some(buf.as_str())
            }};
        }
        macro_rules! valid {
            ($nulls:expr) => {
                if $nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
            };
        }
        match self {
            TextColumn::Null => None,
            TextColumn::Boolean(a) => {
                (!a.is_null(i)).then(|| if a.value(i) { "true" } else { "false" })
            }
            TextColumn::Int8(a) => int!(a),
            TextColumn::Int16(a) => int!(a),
            TextColumn::Int32(a) => int!(a),
            TextColumn::Int64(a) => int!(a),
            TextColumn::UInt8(a) => int!(a),
            TextColumn::UInt16(a) => int!(a),
            TextColumn::UInt32(a) => int!(a),
            TextColumn::UInt64(a) => int!(a),
            TextColumn::Float16(a) => {
                if a.is_null(i) {
                    return None;
                }
                format_f32(a.value(i).to_f32(), buf);
                Some(buf.as_str())
            }
            TextColumn::Float32(a) => {
                if a.is_null(i) {
                    return None;
                }
                format_f32(a.value(i), buf);
                Some(buf.as_str())
            }
            TextColumn::Float64(a) => {
                if a.is_null(i) {
                    return None;
                }
                format_f64(a.value(i), buf);
                Some(buf.as_str())
            }
            TextColumn::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::LargeUtf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::Utf8View(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::Binary(a) => (!a.is_null(i)).then(|| hex(a.value(i), buf)),
            TextColumn::LargeBinary(a) => (!a.is_null(i)).then(|| hex(a.value(i), buf)),
            TextColumn::BinaryView(a) => (!a.is_null(i)).then(|| hex(a.value(i), buf)),
            TextColumn::FixedSizeBinary(a) => (!a.is_null(i)).then(|| hex(a.value(i), buf)),
            TextColumn::Decimal32(a, s) => (!a.is_null(i)).then(|| decimal(a.value(i), *s, buf)),
            TextColumn::Decimal64(a, s) => (!a.is_null(i)).then(|| decimal(a.value(i), *s, buf)),
            TextColumn::Decimal128(a, s) => (!a.is_null(i)).then(|| decimal(a.value(i), *s, buf)),
            TextColumn::Decimal256(a, s) => (!a.is_null(i)).then(|| decimal(a.value(i), *s, buf)),
            TextColumn::Date32(a) => (!a.is_null(i)).then(|| {
                buf.clear();
                write_date(i64::from(a.value(i)), buf);
                buf.as_str()
            }),
            TextColumn::Date64(a) => (!a.is_null(i)).then(|| {
                buf.clear();
                let ms = a.value(i);
                if ms % MILLIS_PER_DAY == 0 {
                    write_date(ms / MILLIS_PER_DAY, buf);
                } else {
                    write_datetime(i128::from(ms), TimeUnit::Millisecond, false, buf);
                }
                buf.as_str()
            }),
            TextColumn::Time32(values, nulls, unit) => {
                valid!(nulls);
                buf.clear();
                write_time(i64::from(values[i]), *unit, buf);
                Some(buf.as_str())
            }
            TextColumn::Time64(values, nulls, unit) => {
                valid!(nulls);
                buf.clear();
                write_time(values[i], *unit, buf);
                Some(buf.as_str())
            }
            TextColumn::Timestamp {
                values,
                nulls,
                unit,
                utc,
            } => {
                valid!(nulls);
                buf.clear();
                write_datetime(i128::from(values[i]), *unit, *utc, buf);
                Some(buf.as_str())
            }
            TextColumn::Duration(values, nulls) => {
                valid!(nulls);
                buf.clear();
                let _ = write!(buf, "{}", values[i]);
                Some(buf.as_str())
            }
            TextColumn::Dictionary {
                keys,
                key_nulls,
                values,
            } => {
                valid!(key_nulls.as_ref());
                values.text(keys[i], buf)
            }
        }
    }
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Lowercase hexadecimal.
fn hex<'s>(bytes: &[u8], buf: &'s mut String) -> &'s str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    buf.clear();
    buf.reserve(bytes.len() * 2);
    for b in bytes {
        buf.push(char::from(DIGITS[usize::from(b >> 4)]));
        buf.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    buf.as_str()
}

/// A decimal's unscaled integer with its scale applied: `1230` at scale 2 is
/// `12.30`, at scale -2 `123000`.
fn decimal(unscaled: impl std::fmt::Display, scale: i8, buf: &mut String) -> &str {
    buf.clear();
    let _ = write!(buf, "{unscaled}");
    let negative = buf.starts_with('-');
    let digits_start = usize::from(negative);
    if scale > 0 {
        let scale = scale.unsigned_abs() as usize;
        let digits = buf.len() - digits_start;
        if digits <= scale {
            // 5 at scale 3 -> 0.005: pad with zeros to scale + 1 digits.
            let zeros = scale + 1 - digits;
            buf.insert_str(digits_start, &"0".repeat(zeros));
        }
        let point = buf.len() - scale;
        buf.insert(point, '.');
    } else if scale < 0 && &buf[digits_start..] != "0" {
        for _ in 0..scale.unsigned_abs() {
            buf.push('0');
        }
    }
    buf.as_str()
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD`; a year outside 0000–9999 is written with its sign and at
/// least four digits (ISO 8601 expanded form, as chrono's `%Y`).
fn write_date(days: i64, buf: &mut String) {
    let (year, month, day) = civil_from_days(days);
    if (0..=9999).contains(&year) {
        let _ = write!(buf, "{year:04}-{month:02}-{day:02}");
    } else if year < 0 {
        let _ = write!(buf, "-{:04}-{month:02}-{day:02}", year.unsigned_abs());
    } else {
        let _ = write!(buf, "+{year:04}-{month:02}-{day:02}");
    }
}

fn unit_per_second(unit: TimeUnit) -> (i128, usize) {
    match unit {
        TimeUnit::Second => (1, 0),
        TimeUnit::Millisecond => (1_000, 3),
        TimeUnit::Microsecond => (1_000_000, 6),
        TimeUnit::Nanosecond => (1_000_000_000, 9),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…]` with as many fraction digits as `unit` has,
/// and `Z` when the value is an instant (a timestamp with a time zone).
fn write_datetime(value: i128, unit: TimeUnit, utc: bool, buf: &mut String) {
    let (per_second, digits) = unit_per_second(unit);
    let seconds = value.div_euclid(per_second);
    let fraction = value.rem_euclid(per_second);
    let days = seconds.div_euclid(86_400) as i64;
    let second_of_day = seconds.rem_euclid(86_400) as i64;
    write_date(days, buf);
    let _ = write!(
        buf,
        "T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    if digits > 0 {
        let _ = write!(buf, ".{fraction:0digits$}");
    }
    if utc {
        buf.push('Z');
    }
}

/// `HH:MM:SS[.fff…]`; a value outside one day is written as the plain count of
/// its unit (such values are not times, but survive a round trip).
fn write_time(value: i64, unit: TimeUnit, buf: &mut String) {
    let (per_second, digits) = unit_per_second(unit);
    let value = i128::from(value);
    if !(0..86_400 * per_second).contains(&value) {
        let _ = write!(buf, "{value}");
        return;
    }
    let seconds = value / per_second;
    let fraction = value % per_second;
    let _ = write!(
        buf,
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    if digits > 0 {
        let _ = write!(buf, ".{fraction:0digits$}");
    }
}

/// A float as Python's `repr` writes it: the shortest text that reads back as
/// the same value, in positional notation when the decimal exponent is in
/// -4..=15 (with `.0` if it has no fraction), otherwise as `d.ddde±XX`; `nan`,
/// `inf`, `-inf`.
pub(crate) fn format_f64(value: f64, buf: &mut String) {
    buf.clear();
    if value.is_nan() {
        buf.push_str("nan");
    } else if value.is_infinite() {
        buf.push_str(if value < 0.0 { "-inf" } else { "inf" });
    } else {
        // `{:e}` writes the shortest round-trip digits: `-1.2345e-7`.
        let _ = write!(buf, "{value:e}");
        layout_float(buf);
    }
}

/// [`format_f64`] for `f32`: the shortest text that reads back as the same
/// `f32` (so `0.1f32` is `0.1`, not the digits of its `f64` widening).
pub(crate) fn format_f32(value: f32, buf: &mut String) {
    buf.clear();
    if value.is_nan() {
        buf.push_str("nan");
    } else if value.is_infinite() {
        buf.push_str(if value < 0.0 { "-inf" } else { "inf" });
    } else {
        let _ = write!(buf, "{value:e}");
        layout_float(buf);
    }
}

/// Rewrites Rust's `{:e}` output (`-1.2345e-7`) in Python `repr` layout.
fn layout_float(buf: &mut String) {
    let mut digits = [0u8; 48];
    let mut n = 0;
    let negative = buf.starts_with('-');
    let (mantissa, exponent) = buf.split_once('e').unwrap_or((buf.as_str(), "0"));
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits = &digits[..n];
    let mut out = String::with_capacity(32);
    if negative {
        out.push('-');
    }
    let push_digits = |out: &mut String, d: &[u8]| {
        for &b in d {
            out.push(char::from(b));
        }
    };
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                push_digits(&mut out, digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                push_digits(&mut out, &digits[..int_len]);
                out.push('.');
                push_digits(&mut out, &digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            push_digits(&mut out, digits);
        }
    } else {
        push_digits(&mut out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push_digits(&mut out, &digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
    }
    buf.clear();
    buf.push_str(&out);
}

// ---------------------------------------------------------------------------
// Parsing text back into typed values.

fn parse_int<T: std::str::FromStr>(text: &str) -> Option<T> {
    // Rust's integer parser accepts a leading `+`; the canonical form never has one.
    text.parse().ok()
}

fn parse_float<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn unhex(text: &str, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    for pair in bytes.chunks_exact(2) {
        out.push(nibble(pair[0])? << 4 | nibble(pair[1])?);
    }
    Some(())
}

/// `[-]digits[.digits]` at `scale`, as the unscaled integer's decimal text
/// (at most `precision` digits).
fn unscaled_decimal(text: &str, precision: u8, scale: i8, out: &mut String) -> Option<()> {
    out.clear();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if negative {
        out.push('-');
    }
    if scale >= 0 {
        let scale = scale as usize;
        let frac = frac.trim_end_matches('0');
        if frac.len() > scale {
            return None; // more digits than the column keeps
        }
        out.push_str(int);
        out.push_str(frac);
        for _ in frac.len()..scale {
            out.push('0');
        }
    } else {
        // Scale -k: the value must be a multiple of 10^k.
        if !frac.trim_end_matches('0').is_empty() {
            return None;
        }
        let k = usize::from(scale.unsigned_abs());
        let int = int.trim_start_matches('0');
        if int.is_empty() {
            out.push('0');
        } else {
            let (head, tail) = int.split_at(int.len().saturating_sub(k));
            if tail.len() < k || tail.bytes().any(|b| b != b'0') {
                return None;
            }
            out.push_str(if head.is_empty() { "0" } else { head });
        }
    }
    let significant = out.trim_start_matches('-').trim_start_matches('0').len();
    (significant <= usize::from(precision)).then_some(())
}

/// `[±]YYYY-MM-DD` to days since the epoch.
fn parse_date(text: &str) -> Option<i64> {
    let (sign, body) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let mut parts = body.splitn(3, '-');
    let year = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    if year.len() < 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    if ![year, month, day]
        .iter()
        .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let year: i64 = year.parse::<i64>().ok()? * sign;
    let month: u32 = month.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM:SS[.f…]` (at most the unit's fraction digits) to seconds and the
/// fraction in the unit.
fn parse_clock(text: &str, unit: TimeUnit) -> Option<(i128, i128)> {
    let (per_second, max_digits) = unit_per_second(unit);
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let two = |s: &str| -> Option<i128> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (h, m, s) = (two(&hms[0..2])?, two(&hms[3..5])?, two(&hms[6..8])?);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    if fraction.len() > max_digits
        || (text.contains('.') && fraction.is_empty())
        || !fraction.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut frac: i128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    for _ in fraction.len()..max_digits {
        frac *= 10;
    }
    debug_assert!(frac < per_second);
    Some((h * 3600 + m * 60 + s, frac))
}

fn parse_time(text: &str, unit: TimeUnit) -> Option<i64> {
    if let Some((seconds, fraction)) = parse_clock(text, unit) {
        let (per_second, _) = unit_per_second(unit);
        return i64::try_from(seconds * per_second + fraction).ok();
    }
    parse_int(text)
}

/// `YYYY-MM-DD[T| ]HH:MM:SS[.f…][Z]` (or a date alone) to a count of `unit`
/// since the epoch.
fn parse_datetime(text: &str, unit: TimeUnit) -> Option<i64> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, clock) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let days = i128::from(parse_date(date)?);
    let (seconds, fraction) = match clock {
        Some(clock) => parse_clock(clock, unit)?,
        None => (0, 0),
    };
    let (per_second, _) = unit_per_second(unit);
    i64::try_from((days * 86_400 + seconds) * per_second + fraction).ok()
}

fn parse_date64(text: &str) -> Option<i64> {
    if text.len() <= 11 {
        parse_date(text)?.checked_mul(MILLIS_PER_DAY)
    } else {
        parse_datetime(text, TimeUnit::Millisecond)
    }
}

/// Appends parsed text to a typed array. One per output column per batch.
pub(crate) trait TextBuilder: Send {
    /// Appends a NULL (`None`) or the value `text`. Empty text is NULL for
    /// types other than strings and binary, or the type's zero if the column
    /// is not nullable.
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError>;
    /// The array built so far; the builder is left empty.
    fn finish(&mut self) -> ArrayRef;
}

struct Primitive<T: ArrowPrimitiveType> {
    builder: PrimitiveBuilder<T>,
    parse: fn(&str, Ctx) -> Option<T::Native>,
    ctx: Ctx,
    nullable: bool,
    type_name: String,
    hint: &'static str,
}

#[derive(Clone, Copy)]
struct Ctx {
    precision: u8,
    scale: i8,
    unit: TimeUnit,
}

impl<T: ArrowPrimitiveType> TextBuilder for Primitive<T> {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        match text {
            None => self.builder.append_null(),
            Some("") if self.nullable => self.builder.append_null(),
            Some("") => self.builder.append_value(T::Native::default()),
            Some(text) => match (self.parse)(text, self.ctx) {
                Some(v) => self.builder.append_value(v),
                None => {
                    return Err(ParseError {
                        type_name: self.type_name.clone(),
                        hint: self.hint,
                    });
                }
            },
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.builder.finish())
    }
}

/// The `null` type: every value is NULL (or empty).
struct Nulls(usize);

impl TextBuilder for Nulls {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        if text.is_some_and(|t| !t.is_empty()) {
            return Err(ParseError {
                type_name: "null".into(),
                hint: " (a `null` column holds only NULLs)",
            });
        }
        self.0 += 1;
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(arrow_array::NullArray::new(std::mem::take(&mut self.0)))
    }
}

struct Boolean {
    builder: BooleanBuilder,
    nullable: bool,
}

impl TextBuilder for Boolean {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        match text {
            None => self.builder.append_null(),
            Some("") if self.nullable => self.builder.append_null(),
            Some("") => self.builder.append_value(false),
            Some(text) => {
                self.builder
                    .append_value(parse_bool(text).ok_or_else(|| ParseError {
                        type_name: "bool".into(),
                        hint: " (expected `true` or `false`)",
                    })?)
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.builder.finish())
    }
}

struct Strings<O: arrow_array::OffsetSizeTrait>(GenericStringBuilder<O>);

impl<O: arrow_array::OffsetSizeTrait> TextBuilder for Strings<O> {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        self.0.append_option(text);
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

struct StringViews(StringViewBuilder);

impl TextBuilder for StringViews {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        self.0.append_option(text);
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

/// The bytes of a binary value from its hex text.
enum BinarySink {
    Binary(GenericBinaryBuilder<i32>),
    Large(GenericBinaryBuilder<i64>),
    View(BinaryViewBuilder),
    Fixed(FixedSizeBinaryBuilder, usize),
}

struct Binaries {
    sink: BinarySink,
    scratch: Vec<u8>,
    nullable: bool,
    type_name: String,
}

impl TextBuilder for Binaries {
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        let Some(text) = text else {
            match &mut self.sink {
                BinarySink::Binary(b) => b.append_null(),
                BinarySink::Large(b) => b.append_null(),
                BinarySink::View(b) => b.append_null(),
                BinarySink::Fixed(b, _) => b.append_null(),
            }
            return Ok(());
        };
        let bad = || ParseError {
            type_name: self.type_name.clone(),
            hint: " (expected lowercase hexadecimal)",
        };
        unhex(text, &mut self.scratch).ok_or_else(bad)?;
        match &mut self.sink {
            BinarySink::Binary(b) => b.append_value(&self.scratch),
            BinarySink::Large(b) => b.append_value(&self.scratch),
            BinarySink::View(b) => b.append_value(&self.scratch),
            BinarySink::Fixed(b, size) => {
                if text.is_empty() && self.nullable {
                    b.append_null();
                } else if text.is_empty() {
                    b.append_value(vec![0; *size]).map_err(|_| bad())?;
                } else {
                    b.append_value(&self.scratch).map_err(|_| bad())?;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match &mut self.sink {
            BinarySink::Binary(b) => Arc::new(b.finish()),
            BinarySink::Large(b) => Arc::new(b.finish()),
            BinarySink::View(b) => Arc::new(b.finish()),
            BinarySink::Fixed(b, _) => Arc::new(b.finish()),
        }
    }
}

struct StringDictionary<K: ArrowDictionaryKeyType, O: arrow_array::OffsetSizeTrait> {
    builder: GenericByteDictionaryBuilder<K, arrow_array::types::GenericStringType<O>>,
    type_name: String,
}

impl<K, O> TextBuilder for StringDictionary<K, O>
where
    K: ArrowDictionaryKeyType + Send,
    O: arrow_array::OffsetSizeTrait,
{
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        let Some(text) = text else {
            self.builder.append_null();
            return Ok(());
        };
        self.builder.append(text).map_err(|_| ParseError {
            type_name: self.type_name.clone(),
            hint: " (too many distinct values for the dictionary's index type)",
        })?;
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.builder.finish())
    }
}

struct BinaryDictionary<K: ArrowDictionaryKeyType, O: arrow_array::OffsetSizeTrait> {
    builder: GenericByteDictionaryBuilder<K, arrow_array::types::GenericBinaryType<O>>,
    scratch: Vec<u8>,
    type_name: String,
}

impl<K, O> TextBuilder for BinaryDictionary<K, O>
where
    K: ArrowDictionaryKeyType + Send,
    O: arrow_array::OffsetSizeTrait,
{
    fn append(&mut self, text: Option<&str>) -> Result<(), ParseError> {
        let Some(text) = text else {
            self.builder.append_null();
            return Ok(());
        };
        let bad = |hint| ParseError {
            type_name: self.type_name.clone(),
            hint,
        };
        unhex(text, &mut self.scratch).ok_or_else(|| bad(" (expected lowercase hexadecimal)"))?;
        self.builder
            .append(&self.scratch)
            .map_err(|_| bad(" (too many distinct values for the dictionary's index type)"))?;
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        Arc::new(self.builder.finish())
    }
}

/// A builder that parses canonical text into `data_type`, or `None` if the type
/// cannot be built from text. `nullable`: whether empty text may become NULL.
pub(crate) fn text_builder(
    data_type: &DataType,
    capacity: usize,
    nullable: bool,
) -> Option<Box<dyn TextBuilder>> {
    let type_name = type_name(data_type);
    let ctx = Ctx {
        precision: 0,
        scale: 0,
        unit: TimeUnit::Second,
    };
    macro_rules! prim {
        ($t:ty, $parse:expr, $ctx:expr, $hint:expr) => {
            Box::new(Primitive::<$t> {
                builder: PrimitiveBuilder::<$t>::with_capacity(capacity)
                    .with_data_type(data_type.clone()),
                parse: $parse,
                ctx: $ctx,
                nullable,
                type_name,
                hint: $hint,
            })
        };
    }
    const INT: &str = " (expected a decimal integer in range)";
    const FLOAT: &str = " (expected a decimal number, `nan`, `inf` or `-inf`)";
    const DATE: &str = " (expected YYYY-MM-DD)";
    const TIME: &str = " (expected HH:MM:SS with at most the column's fraction digits)";
    const TIMESTAMP: &str = " (expected YYYY-MM-DDTHH:MM:SS, with at most the column's fraction digits, and `Z` or nothing)";
    const DECIMAL: &str = " (expected a decimal number within the column's precision and scale)";
    let with = |precision: u8, scale: i8, unit: TimeUnit| Ctx {
        precision,
        scale,
        unit,
    };
    Some(match data_type {
        DataType::Null => Box::new(Nulls(0)),
        DataType::Boolean => Box::new(Boolean {
            builder: BooleanBuilder::with_capacity(capacity),
            nullable,
        }),
        DataType::Int8 => prim!(Int8Type, |t, _| parse_int(t), ctx, INT),
        DataType::Int16 => prim!(Int16Type, |t, _| parse_int(t), ctx, INT),
        DataType::Int32 => prim!(Int32Type, |t, _| parse_int(t), ctx, INT),
        DataType::Int64 => prim!(Int64Type, |t, _| parse_int(t), ctx, INT),
        DataType::UInt8 => prim!(UInt8Type, |t, _| parse_int(t), ctx, INT),
        DataType::UInt16 => prim!(UInt16Type, |t, _| parse_int(t), ctx, INT),
        DataType::UInt32 => prim!(UInt32Type, |t, _| parse_int(t), ctx, INT),
        DataType::UInt64 => prim!(UInt64Type, |t, _| parse_int(t), ctx, INT),
        DataType::Float16 => prim!(
            Float16Type,
            |t, _| parse_float::<f32>(t).map(<Float16Type as ArrowPrimitiveType>::Native::from_f32),
            ctx,
            FLOAT
        ),
        DataType::Float32 => prim!(Float32Type, |t, _| parse_float(t), ctx, FLOAT),
        DataType::Float64 => prim!(Float64Type, |t, _| parse_float(t), ctx, FLOAT),
        DataType::Utf8 => Box::new(Strings(GenericStringBuilder::<i32>::with_capacity(
            capacity,
            capacity * 8,
        ))),
        DataType::LargeUtf8 => Box::new(Strings(GenericStringBuilder::<i64>::with_capacity(
            capacity,
            capacity * 8,
        ))),
        DataType::Utf8View => Box::new(StringViews(StringViewBuilder::with_capacity(capacity))),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let sink = match data_type {
                DataType::Binary => {
                    BinarySink::Binary(GenericBinaryBuilder::with_capacity(capacity, capacity * 8))
                }
                DataType::LargeBinary => {
                    BinarySink::Large(GenericBinaryBuilder::with_capacity(capacity, capacity * 8))
                }
                _ => BinarySink::View(BinaryViewBuilder::with_capacity(capacity)),
            };
            Box::new(Binaries {
                sink,
                scratch: Vec::new(),
                nullable,
                type_name,
            })
        }
        DataType::FixedSizeBinary(size) => Box::new(Binaries {
            sink: BinarySink::Fixed(
                FixedSizeBinaryBuilder::with_capacity(capacity, *size),
                usize::try_from(*size).ok()?,
            ),
            scratch: Vec::new(),
            nullable,
            type_name,
        }),
        DataType::Decimal32(p, s) => prim!(
            Decimal32Type,
            |t, c| {
                let mut u = String::new();
                unscaled_decimal(t, c.precision, c.scale, &mut u)?;
                u.parse().ok()
            },
            with(*p, *s, TimeUnit::Second),
            DECIMAL
        ),
        DataType::Decimal64(p, s) => prim!(
            Decimal64Type,
            |t, c| {
                let mut u = String::new();
                unscaled_decimal(t, c.precision, c.scale, &mut u)?;
                u.parse().ok()
            },
            with(*p, *s, TimeUnit::Second),
            DECIMAL
        ),
        DataType::Decimal128(p, s) => prim!(
            Decimal128Type,
            |t, c| {
                let mut u = String::new();
                unscaled_decimal(t, c.precision, c.scale, &mut u)?;
                u.parse().ok()
            },
            with(*p, *s, TimeUnit::Second),
            DECIMAL
        ),
        DataType::Decimal256(p, s) => prim!(
            Decimal256Type,
            |t, c| {
                let mut u = String::new();
                unscaled_decimal(t, c.precision, c.scale, &mut u)?;
                i256::from_string(&u)
            },
            with(*p, *s, TimeUnit::Second),
            DECIMAL
        ),
        DataType::Date32 => prim!(
            Date32Type,
            |t, _| parse_date(t).and_then(|d| i32::try_from(d).ok()),
            ctx,
            DATE
        ),
        DataType::Date64 => prim!(Date64Type, |t, _| parse_date64(t), ctx, DATE),
        DataType::Time32(TimeUnit::Second) => prim!(
            Time32SecondType,
            |t, c| parse_time(t, c.unit).and_then(|v| i32::try_from(v).ok()),
            with(0, 0, TimeUnit::Second),
            TIME
        ),
        DataType::Time32(TimeUnit::Millisecond) => prim!(
            Time32MillisecondType,
            |t, c| parse_time(t, c.unit).and_then(|v| i32::try_from(v).ok()),
            with(0, 0, TimeUnit::Millisecond),
            TIME
        ),
        DataType::Time64(TimeUnit::Microsecond) => prim!(
            Time64MicrosecondType,
            |t, c| parse_time(t, c.unit),
            with(0, 0, TimeUnit::Microsecond),
            TIME
        ),
        DataType::Time64(TimeUnit::Nanosecond) => prim!(
            Time64NanosecondType,
            |t, c| parse_time(t, c.unit),
            with(0, 0, TimeUnit::Nanosecond),
            TIME
        ),
        DataType::Timestamp(unit, _) => {
            let c = with(0, 0, *unit);
            let parse = |t: &str, c: Ctx| parse_datetime(t, c.unit);
            match unit {
                TimeUnit::Second => prim!(TimestampSecondType, parse, c, TIMESTAMP),
                TimeUnit::Millisecond => prim!(TimestampMillisecondType, parse, c, TIMESTAMP),
                TimeUnit::Microsecond => prim!(TimestampMicrosecondType, parse, c, TIMESTAMP),
                TimeUnit::Nanosecond => prim!(TimestampNanosecondType, parse, c, TIMESTAMP),
            }
        }
        DataType::Duration(unit) => match unit {
            TimeUnit::Second => prim!(DurationSecondType, |t, _| parse_int(t), ctx, INT),
            TimeUnit::Millisecond => prim!(DurationMillisecondType, |t, _| parse_int(t), ctx, INT),
            TimeUnit::Microsecond => prim!(DurationMicrosecondType, |t, _| parse_int(t), ctx, INT),
            TimeUnit::Nanosecond => prim!(DurationNanosecondType, |t, _| parse_int(t), ctx, INT),
        },
        DataType::Dictionary(key, value) => dictionary_builder(key, value, capacity, type_name)?,
        _ => return None,
    })
}

fn dictionary_builder(
    key: &DataType,
    value: &DataType,
    capacity: usize,
    type_name: String,
) -> Option<Box<dyn TextBuilder>> {
    macro_rules! by_value {
        ($k:ty) => {
            match value {
                DataType::Utf8 => by_value!(@ $k, i32, false),
                DataType::LargeUtf8 => by_value!(@ $k, i64, false),
                DataType::Binary => by_value!(@ $k, i32, true),
                DataType::LargeBinary => by_value!(@ $k, i64, true),
                _ => return None,
            }
        };
        (@ $k:ty, $o:ty, false) => {
            Box::new(StringDictionary::<$k, $o> {
                builder: GenericByteDictionaryBuilder::with_capacity(capacity, 256, capacity * 8),
                type_name,
            }) as Box<dyn TextBuilder>
        };
        (@ $k:ty, $o:ty, true) => {
            Box::new(BinaryDictionary::<$k, $o> {
                builder: GenericByteDictionaryBuilder::with_capacity(capacity, 256, capacity * 8),
                scratch: Vec::new(),
                type_name,
            }) as Box<dyn TextBuilder>
        };
    }
    Some(match key {
        DataType::Int8 => by_value!(Int8Type),
        DataType::Int16 => by_value!(Int16Type),
        DataType::Int32 => by_value!(Int32Type),
        DataType::Int64 => by_value!(Int64Type),
        DataType::UInt8 => by_value!(UInt8Type),
        DataType::UInt16 => by_value!(UInt16Type),
        DataType::UInt32 => by_value!(UInt32Type),
        DataType::UInt64 => by_value!(UInt64Type),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Type names: the strings of pyarrow's `str(DataType)`, so that a partner reading
// the provenance with pyarrow sees the names it knows.

/// The stable name of an Arrow type (pyarrow's spelling).
pub fn type_name(data_type: &DataType) -> String {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    };
    let field = |f: &Field| {
        format!(
            "{}: {}{}",
            f.name(),
            type_name(f.data_type()),
            if f.is_nullable() { "" } else { " not null" }
        )
    };
    match data_type {
        DataType::Null => "null".into(),
        DataType::Boolean => "bool".into(),
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float16 => "halffloat".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 => "string".into(),
        DataType::LargeUtf8 => "large_string".into(),
        DataType::Utf8View => "string_view".into(),
        DataType::Binary => "binary".into(),
        DataType::LargeBinary => "large_binary".into(),
        DataType::BinaryView => "binary_view".into(),
        DataType::FixedSizeBinary(n) => format!("fixed_size_binary[{n}]"),
        DataType::Decimal32(p, s) => format!("decimal32({p}, {s})"),
        DataType::Decimal64(p, s) => format!("decimal64({p}, {s})"),
        DataType::Decimal128(p, s) => format!("decimal128({p}, {s})"),
        DataType::Decimal256(p, s) => format!("decimal256({p}, {s})"),
        DataType::Date32 => "date32[day]".into(),
        DataType::Date64 => "date64[ms]".into(),
        DataType::Time32(u) => format!("time32[{}]", unit(u)),
        DataType::Time64(u) => format!("time64[{}]", unit(u)),
        DataType::Timestamp(u, None) => format!("timestamp[{}]", unit(u)),
        DataType::Timestamp(u, Some(tz)) => format!("timestamp[{}, tz={tz}]", unit(u)),
        DataType::Duration(u) => format!("duration[{}]", unit(u)),
        DataType::Interval(IntervalUnit::YearMonth) => "month_interval".into(),
        DataType::Interval(IntervalUnit::DayTime) => "day_time_interval".into(),
        DataType::Interval(IntervalUnit::MonthDayNano) => "month_day_nano_interval".into(),
        DataType::List(f) => format!("list<{}>", field(f)),
        DataType::LargeList(f) => format!("large_list<{}>", field(f)),
        DataType::ListView(f) => format!("list_view<{}>", field(f)),
        DataType::LargeListView(f) => format!("large_list_view<{}>", field(f)),
        DataType::FixedSizeList(f, n) => format!("fixed_size_list<{}>[{n}]", field(f)),
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| field(f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                let value = &kv[1];
                format!(
                    "map<{}, {}{}>",
                    type_name(kv[0].data_type()),
                    type_name(value.data_type()),
                    if value.is_nullable() { "" } else { " not null" }
                )
            }
            other => format!("map<{}>", type_name(other)),
        },
        DataType::Dictionary(k, v) => format!(
            "dictionary<values={}, indices={}, ordered=0>",
            type_name(v),
            type_name(k)
        ),
        DataType::Union(..) => "union".into(),
        DataType::RunEndEncoded(r, v) => format!(
            "run_end_encoded<run_ends={}, values={}>",
            type_name(r.data_type()),
            type_name(v.data_type())
        ),
    }
}

/// The type of the values of a column named by [`type_name`]: for a list (of
/// lists…) of values, the type of its values.
pub(crate) fn parse_value_type_name(name: &str) -> Option<DataType> {
    let mut name = name;
    loop {
        if let Some(data_type) = parse_type_name(name) {
            return Some(data_type);
        }
        name = peel_list(name)?;
    }
}

/// `list<item: int64 not null>` -> `int64` (also `large_list<…>` and
/// `fixed_size_list<…>[n]`).
fn peel_list(name: &str) -> Option<&str> {
    let inner = ["list<", "large_list<", "fixed_size_list<"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let inner = match inner.rfind('>') {
        Some(end) => &inner[..end],
        None => return None,
    };
    let (_, element) = inner.split_once(": ")?;
    Some(element.strip_suffix(" not null").unwrap_or(element))
}

/// The type named by [`type_name`], for the types that have a canonical text.
pub(crate) fn parse_type_name(name: &str) -> Option<DataType> {
    let unit = |u: &str| match u {
        "s" => Some(TimeUnit::Second),
        "ms" => Some(TimeUnit::Millisecond),
        "us" => Some(TimeUnit::Microsecond),
        "ns" => Some(TimeUnit::Nanosecond),
        _ => None,
    };
    let inside = |prefix: &str, open: char, close: char| -> Option<String> {
        let rest = name.strip_prefix(prefix)?.strip_prefix(open)?;
        rest.strip_suffix(close).map(str::to_owned)
    };
    let decimal = |prefix: &str| -> Option<(u8, i8)> {
        let args = inside(prefix, '(', ')')?;
        let (p, s) = args.split_once(',')?;
        Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
    };
    let simple = match name {
        "null" => Some(DataType::Null),
        "bool" => Some(DataType::Boolean),
        "int8" => Some(DataType::Int8),
        "int16" => Some(DataType::Int16),
        "int32" => Some(DataType::Int32),
        "int64" => Some(DataType::Int64),
        "uint8" => Some(DataType::UInt8),
        "uint16" => Some(DataType::UInt16),
        "uint32" => Some(DataType::UInt32),
        "uint64" => Some(DataType::UInt64),
        "halffloat" => Some(DataType::Float16),
        "float" => Some(DataType::Float32),
        "double" => Some(DataType::Float64),
        "string" => Some(DataType::Utf8),
        "large_string" => Some(DataType::LargeUtf8),
        "string_view" => Some(DataType::Utf8View),
        "binary" => Some(DataType::Binary),
        "large_binary" => Some(DataType::LargeBinary),
        "binary_view" => Some(DataType::BinaryView),
        "date32[day]" => Some(DataType::Date32),
        "date64[ms]" => Some(DataType::Date64),
        _ => None,
    };
    if simple.is_some() {
        return simple;
    }
    let data_type = if let Some(n) = inside("fixed_size_binary", '[', ']') {
        DataType::FixedSizeBinary(n.parse().ok()?)
    } else if let Some((p, s)) = decimal("decimal32") {
        DataType::Decimal32(p, s)
    } else if let Some((p, s)) = decimal("decimal64") {
        DataType::Decimal64(p, s)
    } else if let Some((p, s)) = decimal("decimal128") {
        DataType::Decimal128(p, s)
    } else if let Some((p, s)) = decimal("decimal256") {
        DataType::Decimal256(p, s)
    } else if let Some(u) = inside("time32", '[', ']') {
        DataType::Time32(unit(&u)?)
    } else if let Some(u) = inside("time64", '[', ']') {
        DataType::Time64(unit(&u)?)
    } else if let Some(u) = inside("duration", '[', ']') {
        DataType::Duration(unit(&u)?)
    } else if let Some(args) = inside("timestamp", '[', ']') {
        match args.split_once(", tz=") {
            Some((u, tz)) => DataType::Timestamp(unit(u)?, Some(tz.into())),
            None => DataType::Timestamp(unit(&args)?, None),
        }
    } else if let Some(args) = inside("dictionary", '<', '>') {
        let args = args.strip_prefix("values=")?;
        let (values, rest) = args.split_once(", indices=")?;
        let (indices, _ordered) = rest.split_once(", ordered=")?;
        DataType::Dictionary(
            Box::new(parse_type_name(indices)?),
            Box::new(parse_type_name(values)?),
        )
    } else {
        return None;
    };
    has_canonical_text(&data_type).then_some(data_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_text(v: f64) -> String {
        let mut s = String::new();
        format_f64(v, &mut s);
        s
    }

    #[test]
    fn floats_are_written_as_python_repr() {
        // Expected strings from CPython's repr().
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (42.5, "42.5"),
            (0.1, "0.1"),
            (-2.5e-5, "-2.5e-05"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e300, "1e+300"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (12345.678, "12345.678"),
        ];
        for (v, want) in cases {
            assert_eq!(f64_text(*v), *want, "{v:?}");
            if !v.is_nan() {
                assert_eq!(want.parse::<f64>().unwrap().to_bits(), v.to_bits());
            }
        }
        let mut s = String::new();
        format_f32(0.1, &mut s);
        assert_eq!(s, "0.1");
        format_f32(16777216.0, &mut s);
        assert_eq!(s, "16777216.0");
    }

    #[test]
    fn decimals_use_the_scale() {
        let mut s = String::new();
        assert_eq!(decimal(1230i128, 2, &mut s), "12.30");
        assert_eq!(decimal(-5i128, 3, &mut s), "-0.005");
        assert_eq!(decimal(0i128, 2, &mut s), "0.00");
        assert_eq!(decimal(123i128, 0, &mut s), "123");
        assert_eq!(decimal(123i128, -2, &mut s), "12300");
        assert_eq!(decimal(0i128, -2, &mut s), "0");
        let mut u = String::new();
        unscaled_decimal("12.30", 10, 2, &mut u).unwrap();
        assert_eq!(u, "1230");
        unscaled_decimal("-0.005", 10, 3, &mut u).unwrap();
        assert_eq!(u, "-0005");
        unscaled_decimal("12300", 10, -2, &mut u).unwrap();
        assert_eq!(u, "123");
        assert!(unscaled_decimal("12.345", 10, 2, &mut u).is_none());
        assert!(unscaled_decimal("12350", 10, -2, &mut u).is_none());
        assert!(unscaled_decimal("123456", 5, 0, &mut u).is_none());
        assert!(unscaled_decimal("1e5", 10, 0, &mut u).is_none());
    }

    #[test]
    fn dates_and_times_round_trip() {
        let mut s = String::new();
        for days in [
            -800_000i64,
            -719_529,
            -1,
            0,
            1,
            19_000,
            2_932_896,
            2_932_897,
            5_000_000,
        ] {
            s.clear();
            write_date(days, &mut s);
            assert_eq!(parse_date(&s), Some(days), "{s}");
        }
        s.clear();
        write_date(0, &mut s);
        assert_eq!(s, "1970-01-01");
        s.clear();
        write_date(19_723, &mut s);
        assert_eq!(s, "2024-01-01");
        s.clear();
        write_date(2_932_897, &mut s);
        assert_eq!(s, "+10000-01-01");
        s.clear();
        write_datetime(-1, TimeUnit::Millisecond, true, &mut s);
        assert_eq!(s, "1969-12-31T23:59:59.999Z");
        assert_eq!(parse_datetime(&s, TimeUnit::Millisecond), Some(-1));
        s.clear();
        write_datetime(1_700_000_000, TimeUnit::Second, false, &mut s);
        assert_eq!(s, "2023-11-14T22:13:20");
        for unit in [
            TimeUnit::Second,
            TimeUnit::Millisecond,
            TimeUnit::Microsecond,
            TimeUnit::Nanosecond,
        ] {
            for v in [
                i64::MIN / 1000,
                -1,
                0,
                1,
                1_700_000_000_123,
                i64::MAX / 1000,
            ] {
                s.clear();
                write_datetime(i128::from(v), unit, true, &mut s);
                assert_eq!(parse_datetime(&s, unit), Some(v), "{s}");
            }
        }
        s.clear();
        write_time(3_723_004, TimeUnit::Millisecond, &mut s);
        assert_eq!(s, "01:02:03.004");
        assert_eq!(parse_time(&s, TimeUnit::Millisecond), Some(3_723_004));
        s.clear();
        write_time(-5, TimeUnit::Second, &mut s);
        assert_eq!(parse_time(&s, TimeUnit::Second), Some(-5));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
    }

    #[test]
    fn type_names_round_trip() {
        for t in [
            DataType::Int64,
            DataType::UInt8,
            DataType::Float16,
            DataType::Utf8View,
            DataType::FixedSizeBinary(16),
            DataType::Decimal128(10, 2),
            DataType::Decimal256(40, -3),
            DataType::Date32,
            DataType::Date64,
            DataType::Time32(TimeUnit::Millisecond),
            DataType::Time64(TimeUnit::Nanosecond),
            DataType::Timestamp(TimeUnit::Microsecond, None),
            DataType::Timestamp(TimeUnit::Nanosecond, Some("Europe/Paris".into())),
            DataType::Duration(TimeUnit::Second),
            DataType::Dictionary(Box::new(DataType::Int16), Box::new(DataType::LargeUtf8)),
        ] {
            assert_eq!(parse_type_name(&type_name(&t)), Some(t.clone()), "{t}");
        }
        assert_eq!(
            type_name(&DataType::Timestamp(
                TimeUnit::Millisecond,
                Some("UTC".into())
            )),
            "timestamp[ms, tz=UTC]"
        );
        assert_eq!(parse_type_name("month_interval"), None);
        assert_eq!(
            parse_value_type_name("large_list<item: list<element: date32[day] not null>>"),
            Some(DataType::Date32)
        );
        assert_eq!(
            parse_value_type_name("fixed_size_list<item: int8>[3]"),
            Some(DataType::Int8)
        );
        assert_eq!(parse_value_type_name("struct<a: int8>"), None);
    }
}
