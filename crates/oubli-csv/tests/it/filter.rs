//! `oubli_csv::filter`: records the filter keeps come out byte for byte,
//! the others are gone, for any framing, thread count and chunk size.

use std::io;

use csv::ByteRecord;
use oubli_csv::{CsvError, CsvOptions, Filtered, RowError, RowOutcome, filter};
use proptest::prelude::*;

fn opts(threads: usize, chunk_records: usize) -> CsvOptions {
    CsvOptions {
        delimiter: b',',
        threads,
        chunk_records,
    }
}

/// Skips the records whose first field starts with `s`.
fn skip_s(input: &[u8], options: &CsvOptions) -> Result<(Vec<u8>, Filtered), CsvError<io::Error>> {
    let mut out = Vec::new();
    let filtered = filter(
        input,
        &mut out,
        options,
        |_header: &[String]| -> io::Result<_> {
            Ok(|| {
                |record: &ByteRecord| -> Result<RowOutcome, RowError> {
                    Ok(if record[0].starts_with(b"s") {
                        RowOutcome::Skip
                    } else {
                        RowOutcome::Keep
                    })
                }
            })
        },
        &|_| {},
    )?;
    Ok((out, filtered))
}

#[test]
fn keeps_bytes_exactly_and_drops_whole_lines() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"id,v\nk1,a\ns2,b\nk3,c\n", b"id,v\nk1,a\nk3,c\n"),
        (
            b"id,v\r\nk1,a\r\ns2,b\r\nk3,c\r\n",
            b"id,v\r\nk1,a\r\nk3,c\r\n",
        ),
        // unnecessary quotes, doubled quotes and embedded line breaks stay as written
        (
            b"id,v\n\"k1\",\"a\"\ns2,\"x\ny\"\nk3,\"q\"\"\r\nz\"\n",
            b"id,v\n\"k1\",\"a\"\nk3,\"q\"\"\r\nz\"\n",
        ),
        // no final line ending: removing the last record leaves the one before whole
        (b"id,v\r\nk1,a\r\ns2,b", b"id,v\r\nk1,a\r\n"),
        (b"id,v\r\ns1,a\r\nk2,b", b"id,v\r\nk2,b"),
        (b"id,v\r\ns1,a", b"id,v\r\n"),
        (b"id,v\ns1,a", b"id,v\n"),
        // blank lines go with the record after them; trailing ones stay
        (b"id,v\n\nk1,a\n\n\ns2,b\n\n", b"id,v\n\nk1,a\n\n"),
        // BOM and mixed line endings
        (
            b"\xEF\xBB\xBFid,v\r\nk1,a\ns2,b\rk3,c\r\n",
            b"\xEF\xBB\xBFid,v\r\nk1,a\nk3,c\r\n",
        ),
        (b"id,v\n", b"id,v\n"),
        (b"id,v", b"id,v"),
        (b"id,v\r\n\r\n", b"id,v\r\n\r\n"),
    ];
    for (input, expected) in cases {
        for (threads, chunk) in [(1, 1), (1, 4096), (2, 1), (3, 2)] {
            let (out, filtered) = skip_s(input, &opts(threads, chunk)).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(expected),
                "input {:?}, threads {threads}, chunk {chunk}",
                String::from_utf8_lossy(input)
            );
            let skipped = input
                .split(|&b| b == b'\n' || b == b'\r')
                .filter(|l| l.starts_with(b"s"))
                .count() as u64;
            assert_eq!(filtered.summary.records - filtered.kept, skipped);
            assert_eq!(filtered.summary.bytes_read, input.len() as u64);
        }
    }
}

#[test]
fn filter_errors_name_the_line_and_column() {
    let input = b"id,v\nk1,a\nk2,\"b\nc\"\nbad,d\n";
    let mut out = Vec::new();
    let err = filter(
        &input[..],
        &mut out,
        &opts(2, 1),
        |_: &[String]| -> io::Result<_> {
            Ok(|| {
                |r: &ByteRecord| {
                    if &r[0] == b"bad" {
                        Err(RowError::new(1, io::Error::other("nope")))
                    } else {
                        Ok(RowOutcome::Keep)
                    }
                }
            })
        },
        &|_| {},
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("line 5") && text.contains("column `v`"),
        "{text}"
    );
}

#[test]
fn ragged_rows_and_bad_headers_are_errors_as_in_run() {
    let err = skip_s(b"a,b\n1,2\n3\n", &opts(1, 10)).unwrap_err();
    assert!(matches!(err, CsvError::Ragged { line: 3, .. }), "{err:?}");
    let err = skip_s(b"", &opts(1, 10)).unwrap_err();
    assert!(matches!(err, CsvError::MissingHeader), "{err:?}");
    let err = skip_s(b"a,a\n", &opts(1, 10)).unwrap_err();
    assert!(matches!(err, CsvError::DuplicateHeader { .. }), "{err:?}");
}

/// One row as written: its text, its line ending, and blank lines before it.
#[derive(Debug, Clone)]
struct Line {
    blank_before: Vec<u8>,
    text: Vec<u8>,
    end: Vec<u8>,
    skip: bool,
}

fn field(quote: bool, content: Vec<u8>) -> Vec<u8> {
    let must = content
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if must || quote {
        let mut out = vec![b'"'];
        for b in content {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    } else {
        content
    }
}

/// Rows ending in `end` (`\n`, `\r\n` or a lone `\r`; one style per file,
/// since a lone CR followed by a blank LF line would be a CRLF).
fn line_strategy(end: &'static [u8]) -> impl Strategy<Value = Line> {
    let content = proptest::collection::vec(
        proptest::sample::select(b"ab,\"\r\n \t\xc3\xa9z09".to_vec()),
        0..8,
    );
    (
        any::<bool>(),
        any::<u16>(),
        any::<bool>(),
        content,
        0..3usize,
    )
        .prop_map(move |(skip, n, quote, content, blanks)| {
            let first = format!("{}{n}", if skip { 's' } else { 'k' }).into_bytes();
            let mut text = field(quote, first);
            text.push(b',');
            text.extend(field(quote, content));
            Line {
                blank_before: end.repeat(blanks),
                text,
                end: end.to_vec(),
                skip,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The output is the input with the skipped rows' lines (and the blank
    /// lines before them) cut out, for any threads and chunk size.
    #[test]
    fn output_is_the_input_without_the_skipped_lines(
        (head_end, lines) in proptest::sample::select(vec![&b"\n"[..], b"\r\n", b"\r"])
            .prop_flat_map(|end| (Just(end), proptest::collection::vec(line_strategy(end), 0..40))),
        bom in any::<bool>(),
        final_end in any::<bool>(),
        trailing_blanks in 0..3usize,
        threads in 1..4usize,
        chunk in 1..6usize,
    ) {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        if bom {
            input.extend_from_slice(b"\xEF\xBB\xBF");
            expected.extend_from_slice(b"\xEF\xBB\xBF");
        }
        input.extend_from_slice(b"id,v");
        input.extend_from_slice(head_end);
        expected.extend_from_slice(b"id,v");
        expected.extend_from_slice(head_end);
        let n = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == n;
            let mut bytes = line.blank_before.clone();
            bytes.extend_from_slice(&line.text);
            if !last || final_end {
                bytes.extend_from_slice(&line.end);
            }
            input.extend_from_slice(&bytes);
            if !line.skip {
                expected.extend_from_slice(&bytes);
            }
        }
        if final_end || n == 0 {
            let blank = head_end.repeat(trailing_blanks);
            input.extend_from_slice(&blank);
            expected.extend_from_slice(&blank);
        }
        let (out, filtered) = skip_s(&input, &opts(threads, chunk)).unwrap();
        prop_assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected),
            "input {:?}", String::from_utf8_lossy(&input)
        );
        prop_assert_eq!(filtered.summary.records, n as u64);
        prop_assert_eq!(filtered.kept, lines.iter().filter(|l| !l.skip).count() as u64);
    }
}
