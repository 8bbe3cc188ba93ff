//! Integration tests for `oubli_csv::run`.

use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use csv::ByteRecord;
use oubli_csv::{CsvError, CsvOptions, Prepared, RowError, RowMapper, Summary, Terminator, run};
use proptest::prelude::*;

mod filter;

type Result<T> = std::result::Result<T, CsvError<io::Error>>;

fn opts(threads: usize, chunk_records: usize) -> CsvOptions {
    CsvOptions {
        delimiter: b',',
        threads,
        chunk_records,
    }
}

/// Copies every field.
#[derive(Debug, Clone, Copy)]
struct Identity;

impl RowMapper for Identity {
    fn map_row(
        &mut self,
        input: &ByteRecord,
        out: &mut ByteRecord,
    ) -> std::result::Result<(), RowError> {
        for field in input {
            out.push_field(field);
        }
        Ok(())
    }
}

/// Runs `input` through a mapper built by `make`, keeping the input header.
fn run_same_header<F, M>(input: &[u8], options: &CsvOptions, make: F) -> Result<(Vec<u8>, Summary)>
where
    F: Fn() -> M + Sync,
    M: RowMapper,
{
    let mut out = Vec::new();
    let summary = run(
        input,
        &mut out,
        options,
        |header: &[String]| -> io::Result<_> {
            Ok(Prepared {
                output_header: header.to_vec(),
                make_mapper: make,
            })
        },
        &|_| {},
    )?;
    Ok((out, summary))
}

fn identity(input: &[u8], options: &CsvOptions) -> Result<(Vec<u8>, Summary)> {
    run_same_header(input, options, || Identity)
}

/// Runs `f` on another thread and fails the test if it takes too long, so a
/// deadlock shows up as a failure rather than a hung test run.
fn within_time<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the pipeline did not finish within 60 s (deadlock?)")
}

/// A small deterministic PRNG (xorshift64*), so tests need no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Serializes records with the csv crate (quoting only when needed).
fn write_csv(header: &[&str], rows: &[Vec<Vec<u8>>], delimiter: u8, crlf: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for row in rows {
        w.write_record(row).unwrap();
    }
    w.into_inner().unwrap()
}

fn random_rows(rng: &mut Rng, rows: usize, width: usize) -> Vec<Vec<Vec<u8>>> {
    const ALPHABET: &[u8] = b"ab,\"\r\n \t;\xff\xc3\xa9z09";
    (0..rows)
        .map(|_| {
            (0..width)
                .map(|_| {
                    let len = rng.below(12) as usize;
                    (0..len)
                        .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
                        .collect()
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------- format

#[test]
fn identity_keeps_quotes_doubled_quotes_and_embedded_newlines() {
    let input = b"a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\n2,\"line1\nline2\",\"cr\r\nlf\"\n3,plain,\"\"\"\"\n";
    for threads in [1, 2, 4] {
        let (out, summary) = identity(input, &opts(threads, 1)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(input)
        );
        assert_eq!(summary.records, 3);
        assert_eq!(summary.terminator, Terminator::Lf);
        assert!(!summary.had_bom);
        assert_eq!(summary.bytes_read, input.len() as u64);
    }
}

#[test]
fn crlf_input_gives_crlf_output() {
    let input = b"a,b\r\n1,2\r\n\"x\r\ny\",\"q\"\"\"\r\n";
    let (out, summary) = identity(input, &opts(2, 1)).unwrap();
    assert_eq!(out, input);
    assert_eq!(summary.terminator, Terminator::CrLf);
}

#[test]
fn lf_input_gives_lf_output_even_with_cr_in_fields() {
    let input = b"a,b\n\"x\r\ny\",2\n";
    let (out, summary) = identity(input, &opts(1, 8)).unwrap();
    assert_eq!(out, input);
    assert_eq!(summary.terminator, Terminator::Lf);
}

#[test]
fn missing_final_newline_gets_one() {
    let (out, _) = identity(b"a,b\n1,2", &opts(1, 8)).unwrap();
    assert_eq!(out, b"a,b\n1,2\n");
}

#[test]
fn bom_is_preserved_and_not_part_of_the_first_name() {
    let input = b"\xEF\xBB\xBFid,v\r\n1,2\r\n";
    let seen = Mutex::new(Vec::new());
    let mut out = Vec::new();
    let summary = run(
        &input[..],
        &mut out,
        &opts(2, 4),
        |header: &[String]| -> io::Result<_> {
            *seen.lock().unwrap() = header.to_vec();
            Ok(Prepared {
                output_header: header.to_vec(),
                make_mapper: || Identity,
            })
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["id".to_owned(), "v".to_owned()]);
    assert_eq!(out, input);
    assert!(summary.had_bom);
    assert_eq!(summary.bytes_read, input.len() as u64);
}

#[test]
fn no_bom_in_means_no_bom_out() {
    let (out, summary) = identity(b"id\n1\n", &opts(1, 1)).unwrap();
    assert!(!out.starts_with(b"\xEF\xBB\xBF"));
    assert!(!summary.had_bom);
}

#[test]
fn empty_fields_stay_empty() {
    let input = b"a,b,c\n,,\n1,,\n,,3\n";
    let (out, _) = identity(input, &opts(2, 2)).unwrap();
    assert_eq!(out, input);
    // A one-column file writes an empty value as "" so the row is not lost.
    let input = b"a\n\"\"\nx\n\"\"\n";
    let (out, summary) = identity(input, &opts(2, 1)).unwrap();
    assert_eq!(out, input);
    assert_eq!(summary.records, 3);
}

#[test]
fn blank_lines_are_skipped() {
    let (out, summary) = identity(b"a,b\n\n1,2\n\n\n3,4\n\n", &opts(1, 8)).unwrap();
    assert_eq!(out, b"a,b\n1,2\n3,4\n");
    assert_eq!(summary.records, 2);
}

#[test]
fn custom_delimiters_tab_and_semicolon() {
    for (delimiter, input) in [
        (b'\t', &b"a\tb\n\"x\ty\"\t1,2\n\"\"\"q\"\t\n"[..]),
        (b';', &b"a;b\n\"x;y\";1,2\n;\"\"\"\"\n"[..]),
    ] {
        let options = CsvOptions {
            delimiter,
            ..opts(2, 1)
        };
        let (out, summary) = identity(input, &options).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(input)
        );
        assert_eq!(summary.records, 2);
    }
}

#[test]
fn invalid_delimiter_is_rejected() {
    for delimiter in [b'"', b'\n', b'\r'] {
        let options = CsvOptions {
            delimiter,
            ..opts(1, 1)
        };
        let err = identity(b"a\n1\n", &options).unwrap_err();
        assert!(matches!(err, CsvError::InvalidDelimiter { delimiter: d } if d == delimiter));
    }
}

#[test]
fn mapper_can_uppercase_one_column_and_drop_another() {
    let input = b"id,name,secret,city\n1,ada,s1,paris\n2,\"grace, h\",s2,\"new\nyork\"\n";
    let mut out = Vec::new();
    run(
        &input[..],
        &mut out,
        &opts(3, 1),
        |header: &[String]| -> io::Result<_> {
            let name = header.iter().position(|h| h == "name").unwrap();
            let secret = header.iter().position(|h| h == "secret").unwrap();
            let output_header = header
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != secret)
                .map(|(_, h)| {
                    if h == "name" {
                        "NAME".to_owned()
                    } else {
                        h.clone()
                    }
                })
                .collect();
            Ok(Prepared {
                output_header,
                make_mapper: move || {
                    move |input: &ByteRecord,
                          out: &mut ByteRecord|
                          -> std::result::Result<(), RowError> {
                        for (i, field) in input.iter().enumerate() {
                            if i == name {
                                out.push_field(&field.to_ascii_uppercase());
                            } else if i != secret {
                                out.push_field(field);
                            }
                        }
                        Ok(())
                    }
                },
            })
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "id,NAME,city\n1,ADA,paris\n2,\"GRACE, H\",\"new\nyork\"\n"
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn ragged_row_names_its_line() {
    let input = b"a,b\n1,2\n3,4\n5,6,7\n8,9\n";
    let err = identity(input, &opts(2, 1)).unwrap_err();
    assert!(
        matches!(
            err,
            CsvError::Ragged {
                line: 4,
                record: 3,
                expected: 2,
                found: 3
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 4: record 3 has 3 fields, the header has 2; every row needs the same number of fields (quote fields that contain the delimiter)"
    );
}

#[test]
fn ragged_line_counts_embedded_newlines_lf_and_crlf() {
    for (input, line) in [
        (
            &b"a,b\n1,\"two\nlines\"\n\"three\nmore\nlines\",x\n4\n"[..],
            7u64,
        ),
        (
            &b"a,b\r\n1,\"two\r\nlines\"\r\n\"three\r\nmore\r\nlines\",x\r\n4\r\n"[..],
            7,
        ),
        (&b"a,b\n\n1,2\n\n\n4\n"[..], 6),
        (&b"\xEF\xBB\xBFa,b\r\n1,2,3\r\n"[..], 2),
    ] {
        for threads in [1, 4] {
            let err = identity(input, &opts(threads, 1)).unwrap_err();
            match err {
                CsvError::Ragged {
                    line: got, found, ..
                } => {
                    assert_eq!(got, line, "{}", String::from_utf8_lossy(input));
                    assert!(found == 1 || found == 3);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn short_row_is_ragged_too() {
    let err = identity(b"a,b,c\n1,2\n", &opts(1, 4)).unwrap_err();
    assert!(matches!(
        err,
        CsvError::Ragged {
            line: 2,
            record: 1,
            expected: 3,
            found: 2
        }
    ));
}

#[test]
fn duplicate_header_is_an_error() {
    let err = identity(b"a,b,a\n1,2,3\n", &opts(1, 4)).unwrap_err();
    match &err {
        CsvError::DuplicateHeader {
            name,
            first,
            second,
        } => {
            assert_eq!((name.as_str(), *first, *second), ("a", 0, 2));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string().contains("\"a\" twice (columns 1 and 3)"),
        "{err}"
    );
}

#[test]
fn empty_input_is_an_error() {
    for input in [&b""[..], b"\n\n", b"\r\n", b"\xEF\xBB\xBF"] {
        let err = identity(input, &opts(2, 4)).unwrap_err();
        assert!(matches!(err, CsvError::MissingHeader), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the input is empty; a header row is required"
        );
    }
}

#[test]
fn header_only_input_writes_header_only() {
    let (out, summary) = identity(b"a,b\r\n", &opts(4, 4)).unwrap();
    assert_eq!(out, b"a,b\r\n");
    assert_eq!(summary.records, 0);
}

#[test]
fn non_utf8_header_is_an_error() {
    let err = identity(b"a,b\xff\n1,2\n", &opts(1, 4)).unwrap_err();
    assert!(
        matches!(err, CsvError::HeaderNotUtf8 { column: 1 }),
        "{err:?}"
    );
}

#[test]
fn prepare_error_is_returned_before_anything_is_written() {
    let mut out = Vec::new();
    let err = run(
        &b"a,b\n1,2\n"[..],
        &mut out,
        &opts(2, 4),
        |_: &[String]| -> io::Result<Prepared<fn() -> Identity>> {
            Err(io::Error::other("no policy for column b"))
        },
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(err, CsvError::Header(_)));
    assert_eq!(err.to_string(), "no policy for column b");
    assert!(out.is_empty());
}

/// Fails on every record whose column 1 is `bad`.
fn failing_mapper() -> impl RowMapper {
    |input: &ByteRecord, out: &mut ByteRecord| -> std::result::Result<(), RowError> {
        if &input[1] == b"bad" {
            return Err(RowError::new(
                1,
                format!("cannot map {:?}", String::from_utf8_lossy(&input[0])),
            ));
        }
        for field in input {
            out.push_field(field);
        }
        Ok(())
    }
}

fn numbered_input(rows: usize, bad: &[usize], ragged: &[usize]) -> Vec<u8> {
    let mut input = b"id,v\n".to_vec();
    for r in 1..=rows {
        if ragged.contains(&r) {
            writeln!(input, "{r},x,extra").unwrap();
        } else if bad.contains(&r) {
            writeln!(input, "{r},bad").unwrap();
        } else {
            writeln!(input, "{r},ok").unwrap();
        }
    }
    input
}

#[test]
fn mapper_error_reports_the_first_failing_row_for_any_threads_and_chunks() {
    let input = numbered_input(300, &[37, 38, 150, 299], &[]);
    for threads in [1, 2, 4, 8] {
        for chunk in [1, 3, 16, 4096] {
            let err = run_same_header(&input, &opts(threads, chunk), failing_mapper).unwrap_err();
            match &err {
                CsvError::Row {
                    line,
                    record,
                    column,
                    column_name,
                    source,
                } => {
                    assert_eq!(
                        (*line, *record, *column),
                        (38, 37, 1),
                        "threads {threads} chunk {chunk}"
                    );
                    assert_eq!(column_name, "v");
                    assert_eq!(source.to_string(), "cannot map \"37\"");
                }
                other => panic!("unexpected {other:?}"),
            }
            assert_eq!(
                err.to_string(),
                "line 38: record 37: column `v` (column 2): cannot transform the value"
            );
        }
    }
}

#[test]
fn first_error_in_input_order_wins_between_ragged_and_mapper_errors() {
    // Ragged row 10 comes before the mapper failure at row 50.
    let input = numbered_input(100, &[50], &[10]);
    // Mapper failure at row 5 comes before ragged row 60.
    let input2 = numbered_input(100, &[5], &[60]);
    for threads in [1, 2, 4, 8] {
        for chunk in [1, 3, 4096] {
            let err = run_same_header(&input, &opts(threads, chunk), failing_mapper).unwrap_err();
            assert!(
                matches!(
                    err,
                    CsvError::Ragged {
                        line: 11,
                        record: 10,
                        ..
                    }
                ),
                "{err:?}"
            );
            let err = run_same_header(&input2, &opts(threads, chunk), failing_mapper).unwrap_err();
            assert!(
                matches!(
                    err,
                    CsvError::Row {
                        line: 6,
                        record: 5,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }
}

#[test]
fn wrong_output_width_is_an_error() {
    let err = run_same_header(b"a,b\n1,2\n", &opts(2, 1), || {
        |input: &ByteRecord, out: &mut ByteRecord| -> std::result::Result<(), RowError> {
            out.push_field(&input[0]);
            Ok(())
        }
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            CsvError::OutputWidth {
                line: 2,
                record: 1,
                expected: 2,
                found: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn empty_output_header_is_an_error() {
    let err = run(
        &b"a\n1\n"[..],
        Vec::new(),
        &opts(1, 1),
        |_: &[String]| -> io::Result<_> {
            Ok(Prepared {
                output_header: Vec::new(),
                make_mapper: || Identity,
            })
        },
        &|_| {},
    )
    .unwrap_err();
    assert!(matches!(err, CsvError::NoOutputColumns));
}

#[test]
fn mapper_panic_is_an_error_not_a_hang() {
    for threads in [1, 2, 4, 8] {
        for chunk in [1, 3, 64] {
            let err = within_time(move || {
                let input = numbered_input(500, &[], &[]);
                run_same_header(&input, &opts(threads, chunk), || {
                    |input: &ByteRecord,
                     out: &mut ByteRecord|
                     -> std::result::Result<(), RowError> {
                        if &input[0] == b"77" || &input[0] == b"300" {
                            panic!("boom at {}", String::from_utf8_lossy(&input[0]));
                        }
                        for field in input {
                            out.push_field(field);
                        }
                        Ok(())
                    }
                })
                .unwrap_err()
            });
            match err {
                CsvError::MapperPanic {
                    line,
                    record,
                    message,
                } => {
                    assert_eq!((line, record), (78, 77), "threads {threads} chunk {chunk}");
                    assert_eq!(message, "boom at 77");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn every_row_panicking_is_still_an_error() {
    let err = within_time(|| {
        let input = numbered_input(1000, &[], &[]);
        run_same_header(&input, &opts(4, 1), || {
            |_: &ByteRecord, _: &mut ByteRecord| -> std::result::Result<(), RowError> {
                panic!("always")
            }
        })
        .unwrap_err()
    });
    assert!(
        matches!(
            err,
            CsvError::MapperPanic {
                line: 2,
                record: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn mapper_factory_panic_is_an_error() {
    let err = within_time(|| {
        let input = numbered_input(1000, &[], &[]);
        run_same_header(&input, &opts(4, 3), || -> Identity { panic!("no key") }).unwrap_err()
    });
    match err {
        CsvError::ThreadPanic { message } => assert!(message.contains("no key"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn progress_callback_panic_is_an_error() {
    let err = within_time(|| {
        let input = numbered_input(100, &[], &[]);
        let mut out = Vec::new();
        run(
            &input[..],
            &mut out,
            &opts(2, 10),
            |header: &[String]| -> io::Result<_> {
                Ok(Prepared {
                    output_header: header.to_vec(),
                    make_mapper: || Identity,
                })
            },
            &|bytes| {
                if bytes > 200 {
                    panic!("progress bar broke");
                }
            },
        )
        .unwrap_err()
    });
    assert!(matches!(err, CsvError::ThreadPanic { .. }), "{err:?}");
}

/// A writer that fails after `left` bytes.
struct FailingWriter {
    left: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_error_stops_the_pipeline() {
    for left in [0, 3, 5000] {
        let err = within_time(move || {
            let input = numbered_input(20_000, &[], &[]);
            run(
                &input[..],
                FailingWriter { left },
                &opts(4, 16),
                |header: &[String]| -> io::Result<_> {
                    Ok(Prepared {
                        output_header: header.to_vec(),
                        make_mapper: || Identity,
                    })
                },
                &|_| {},
            )
            .unwrap_err()
        });
        match err {
            CsvError::Write(e) => assert!(e.to_string().contains("disk full")),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A reader that fails after yielding `data`.
struct FailingReader {
    data: Vec<u8>,
    pos: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.data.len() {
            return Err(io::Error::other("connection reset"));
        }
        let n = buf.len().min(self.data.len() - self.pos).min(100);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn read_error_is_reported_after_the_rows_before_it() {
    let err = within_time(|| {
        let reader = FailingReader {
            data: numbered_input(5000, &[], &[]),
            pos: 0,
        };
        let mut out = Vec::new();
        let err = run(
            reader,
            &mut out,
            &opts(4, 7),
            |header: &[String]| -> io::Result<_> {
                Ok(Prepared {
                    output_header: header.to_vec(),
                    make_mapper: || Identity,
                })
            },
            &|_| {},
        )
        .unwrap_err();
        (err, out)
    });
    let (err, out) = err;
    assert!(matches!(err, CsvError::Read(_)), "{err:?}");
    // Everything written is a prefix of the input.
    assert!(numbered_input(5000, &[], &[]).starts_with(&out));
}

/// A reader that opens a quote and never closes it.
struct Unclosed {
    sent_head: bool,
}

impl Read for Unclosed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.sent_head {
            self.sent_head = true;
            let head = b"a,b\n1,2\n\"never closed,";
            buf[..head.len()].copy_from_slice(head);
            return Ok(head.len());
        }
        buf.fill(b'x');
        Ok(buf.len())
    }
}

#[test]
fn unclosed_quote_does_not_eat_all_memory() {
    let err = within_time(|| identity_reader(Unclosed { sent_head: false }).unwrap_err());
    match &err {
        CsvError::Parse { line, message } => {
            assert_eq!(*line, 3);
            assert!(message.contains("quote"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

fn identity_reader<R: Read + Send>(reader: R) -> Result<Summary> {
    run(
        reader,
        io::sink(),
        &opts(2, 16),
        |header: &[String]| -> io::Result<_> {
            Ok(Prepared {
                output_header: header.to_vec(),
                make_mapper: || Identity,
            })
        },
        &|_| {},
    )
}

// ---------------------------------------------------------------- parallelism

/// A deterministic mapper with per-field work: reverses column 0, tags
/// column 1 with its length, keeps the rest.
#[derive(Debug, Default)]
struct Scramble {
    scratch: Vec<u8>,
}

impl RowMapper for Scramble {
    fn map_row(
        &mut self,
        input: &ByteRecord,
        out: &mut ByteRecord,
    ) -> std::result::Result<(), RowError> {
        for (i, field) in input.iter().enumerate() {
            self.scratch.clear();
            match i {
                0 => self.scratch.extend(field.iter().rev()),
                1 => {
                    self.scratch.extend_from_slice(field);
                    self.scratch
                        .extend_from_slice(format!("#{}", field.len()).as_bytes());
                }
                _ => self.scratch.extend_from_slice(field),
            }
            out.push_field(&self.scratch);
        }
        Ok(())
    }
}

fn scramble_expected(rows: &[Vec<Vec<u8>>]) -> Vec<ByteRecord> {
    rows.iter()
        .map(|row| {
            let mut out = ByteRecord::new();
            Scramble::default()
                .map_row(&ByteRecord::from(row.clone()), &mut out)
                .unwrap();
            out
        })
        .collect()
}

fn parse_back(output: &[u8], delimiter: u8) -> (Vec<String>, Vec<ByteRecord>) {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(output);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let records = r.byte_records().map(|r| {
        let mut r = r.unwrap();
        r.set_position(None);
        r
    });
    (header, records.collect())
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let rows = random_rows(&mut rng, 4000, 4);
    let header = ["c0", "c1", "c2", "c3"];
    let input = write_csv(&header, &rows, b',', false);
    let (reference, summary) = run_same_header(&input, &opts(1, 4096), Scramble::default).unwrap();
    assert_eq!(summary.records, 4000);
    let (names, parsed) = parse_back(&reference, b',');
    assert_eq!(names, header);
    assert_eq!(parsed, scramble_expected(&rows));
    for threads in [1, 2, 4, 8] {
        for chunk in [1, 7, 100, 4096] {
            let (out, s) =
                run_same_header(&input, &opts(threads, chunk), Scramble::default).unwrap();
            assert!(out == reference, "threads {threads} chunk {chunk}");
            assert_eq!(s, summary);
        }
    }
}

#[test]
fn order_is_preserved_with_a_randomly_slow_mapper() {
    let mut rng = Rng(42);
    let rows = random_rows(&mut rng, 600, 2);
    let input = write_csv(&["a", "b"], &rows, b',', true);
    let expected = scramble_expected(&rows);
    for (threads, chunk) in [(4, 1), (8, 3), (3, 17)] {
        let make = || {
            let mut rng = Rng(std::thread::current().id().as_u64_hack());
            let mut inner = Scramble::default();
            move |input: &ByteRecord, out: &mut ByteRecord| -> std::result::Result<(), RowError> {
                std::thread::sleep(Duration::from_micros(rng.below(40)));
                inner.map_row(input, out)
            }
        };
        let (out, _) = run_same_header(&input, &opts(threads, chunk), make).unwrap();
        let (_, parsed) = parse_back(&out, b',');
        assert_eq!(parsed, expected, "threads {threads} chunk {chunk}");
    }
}

/// A per-thread seed without unstable APIs.
trait SeedHack {
    fn as_u64_hack(&self) -> u64;
}

impl SeedHack for std::thread::ThreadId {
    fn as_u64_hack(&self) -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(self) | 1
    }
}

#[test]
fn progress_reports_growing_byte_counts_up_to_the_total() {
    let input = numbered_input(10_000, &[], &[]);
    let seen = Mutex::new(Vec::new());
    let summary = run(
        &input[..],
        io::sink(),
        &opts(2, 100),
        |header: &[String]| -> io::Result<_> {
            Ok(Prepared {
                output_header: header.to_vec(),
                make_mapper: || Identity,
            })
        },
        &|bytes| seen.lock().unwrap().push(bytes),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 100, "once per chunk: {}", seen.len());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*seen.last().unwrap(), input.len() as u64);
    assert_eq!(summary.bytes_read, input.len() as u64);
    assert_eq!(summary.records, 10_000);
}

/// An endless generator of rows, to check that a long stream flows through
/// with a small chunk size and many threads.
struct Rows {
    next: u64,
    limit: u64,
    pending: Vec<u8>,
}

impl Read for Rows {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            if self.next == 0 {
                self.pending.extend_from_slice(b"n,text\n");
            }
            while self.pending.len() < 4096 && self.next < self.limit {
                self.next += 1;
                writeln!(
                    self.pending,
                    "{},\"row {}, with comma\"",
                    self.next, self.next
                )
                .unwrap();
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

/// Counts bytes and checks that rows come out in order.
struct OrderCheck {
    bytes: u64,
    expect: u64,
    partial: Vec<u8>,
}

impl Write for OrderCheck {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.partial.extend_from_slice(buf);
        while let Some(nl) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=nl).collect();
            if self.expect > 0 {
                let n = line.split(|&b| b == b',').next().unwrap();
                assert_eq!(n, self.expect.to_string().as_bytes());
            }
            self.expect += 1;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_long_stream_flows_in_order() {
    let mut check = OrderCheck {
        bytes: 0,
        expect: 0,
        partial: Vec::new(),
    };
    let summary = run(
        Rows {
            next: 0,
            limit: 200_000,
            pending: Vec::new(),
        },
        &mut check,
        &opts(8, 5),
        |header: &[String]| -> io::Result<_> {
            Ok(Prepared {
                output_header: header.to_vec(),
                make_mapper: || Identity,
            })
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(summary.records, 200_000);
    assert_eq!(check.expect, 200_001);
    assert_eq!(check.bytes, summary.bytes_read);
}

#[test]
fn zero_threads_and_zero_chunk_are_treated_as_one() {
    let (out, _) = identity(b"a\n1\n2\n", &opts(0, 0)).unwrap();
    assert_eq!(out, b"a\n1\n2\n");
}

// ---------------------------------------------------------------- property

fn field_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(b"\",\r\n;\t \xff\x00".to_vec()),
            6 => any::<u8>(),
        ],
        0..8,
    )
}

fn rows_strategy() -> impl Strategy<Value = (usize, Vec<Vec<Vec<u8>>>)> {
    (1usize..5).prop_flat_map(|width| {
        (
            Just(width),
            prop::collection::vec(prop::collection::vec(field_strategy(), width), 0..40),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_round_trip(
        (width, rows) in rows_strategy(),
        threads in 1usize..9,
        chunk in 1usize..6,
        crlf in any::<bool>(),
        semicolon in any::<bool>(),
    ) {
        let delimiter = if semicolon { b';' } else { b',' };
        let names: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let names_ref: Vec<&str> = names.iter().map(String::as_str).collect();
        let input = write_csv(&names_ref, &rows, delimiter, crlf);
        let options = CsvOptions { delimiter, threads, chunk_records: chunk };
        let (out, summary) = run_same_header(&input, &options, Scramble::default).unwrap();
        prop_assert_eq!(summary.records, rows.len() as u64);
        prop_assert_eq!(summary.bytes_read, input.len() as u64);
        prop_assert_eq!(summary.terminator, if crlf { Terminator::CrLf } else { Terminator::Lf });
        let (header, parsed) = parse_back(&out, delimiter);
        prop_assert_eq!(header, names);
        prop_assert_eq!(parsed, scramble_expected(&rows));
        // Identity reproduces the csv crate's own serialization byte for byte.
        let (same, _) = identity(&input, &options).unwrap();
        prop_assert_eq!(same, input.clone());
        // And one thread gives exactly the same bytes.
        let (single, _) = run_same_header(&input, &CsvOptions { threads: 1, ..options }, Scramble::default).unwrap();
        prop_assert_eq!(single, out);
    }
}
