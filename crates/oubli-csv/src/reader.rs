//! The record reader: `csv-core` (the parser inside the `csv` crate) driven
//! over our own buffer, so that line numbers, byte counts, the UTF-8 BOM and
//! the header's line terminator are known exactly.
//!
//! `csv::Reader` is not used because `ByteRecord::position().line()` is wrong
//! for CRLF input (the `\n` of a record's `\r\n` is only consumed when the
//! next record is read, so every record is reported one line early) and after
//! blank lines, and because its buffer hides the byte after the header, which
//! is needed to tell CRLF from a lone CR.

use std::io::{self, Read};

use csv::{ByteRecord, Position};
use csv_core::ReadRecordResult;

use crate::Terminator;
use crate::error::Failure;

/// Size of the input buffer.
const BUFFER_BYTES: usize = 64 * 1024;

/// A record that grows past this many input bytes is rejected: it almost
/// always means an opening quote was never closed and the rest of the file
/// is being swallowed into one field.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the header row told us about the input.
#[derive(Debug)]
pub(crate) struct HeaderInfo {
    pub(crate) fields: ByteRecord,
    pub(crate) had_bom: bool,
    pub(crate) terminator: Terminator,
}

/// Streams byte records out of a reader.
#[derive(Debug)]
pub(crate) struct RecordReader<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    eof: bool,
    core: csv_core::Reader,
    /// Input bytes consumed by the parser so far (BOM included).
    consumed: u64,
    /// 1-based line number of the next unconsumed byte.
    line: u64,
    /// Number of the next data record (the header is record 0).
    next_record: u64,
    /// Number of fields every record must have (set by the header).
    width: usize,
    /// Last byte consumed by the parser.
    last_byte: Option<u8>,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// When set, every consumed input byte is appended here, so that a
    /// filter can pass records through byte for byte.
    raw: Option<Vec<u8>>,
}

impl<R: Read> RecordReader<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        Self {
            inner,
            buf: vec![0; BUFFER_BYTES],
            pos: 0,
            filled: 0,
            eof: false,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            consumed: 0,
            line: 1,
            next_record: 1,
            width: 0,
            last_byte: None,
            fields: vec![0; 1024],
            ends: vec![0; 64],
            raw: None,
        }
    }

    /// From now on, appends every consumed input byte (BOM, separators, blank
    /// lines, quotes: the input exactly) to a raw buffer.
    pub(crate) fn capture_raw(&mut self) {
        self.raw.get_or_insert_with(Vec::new);
    }

    /// Whether raw bytes are being captured.
    pub(crate) fn captures_raw(&self) -> bool {
        self.raw.is_some()
    }

    /// Bytes in the raw buffer (0 when not capturing).
    pub(crate) fn raw_len(&self) -> usize {
        self.raw.as_ref().map_or(0, Vec::len)
    }

    /// Swaps the raw buffer with `other` (when capturing): the caller takes
    /// what was captured and hands in a buffer to capture into next.
    pub(crate) fn swap_raw(&mut self, other: &mut Vec<u8>) {
        if let Some(raw) = &mut self.raw {
            std::mem::swap(raw, other);
        }
    }

    /// Input bytes consumed so far.
    pub(crate) fn bytes_consumed(&self) -> u64 {
        self.consumed
    }

    /// Reads more input after the unconsumed bytes. Returns `false` at end of
    /// input.
    fn fill_more(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        loop {
            match self.inner.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Makes at least `n` unconsumed bytes available, unless the input ends
    /// first.
    fn ensure(&mut self, n: usize) -> io::Result<()> {
        while self.filled - self.pos < n {
            if !self.fill_more()? {
                break;
            }
        }
        Ok(())
    }

    /// Reads the header row. `Ok(None)` means the input has no record at all.
    pub(crate) fn read_header(&mut self) -> Result<Option<HeaderInfo>, Failure> {
        // csv-core strips a BOM only if it sees all three bytes at once, and
        // takes an input that is empty once the BOM is stripped for the end
        // of the input: make sure it sees at least one byte more.
        self.ensure(UTF8_BOM.len() + 1).map_err(Failure::Read)?;
        let had_bom = self.buf[self.pos..self.filled].starts_with(UTF8_BOM);
        let mut fields = ByteRecord::new();
        if !self.read_raw(&mut fields, 1)? {
            return Ok(None);
        }
        // A second BOM (two files' starts joined, or a BOM written twice)
        // would silently become part of the first column's name.
        if fields.get(0).is_some_and(|name| name.starts_with(UTF8_BOM)) {
            return Err(Failure::Parse {
                line: 1,
                message: "the header starts with a second byte order mark (U+FEFF) that would become part of the first column's name; remove it (save the file as UTF-8 with at most one BOM)".to_owned(),
            });
        }
        fields.set_position(Some(position(0, 1, 0)));
        let terminator = if self.last_byte == Some(b'\r') {
            self.ensure(1).map_err(Failure::Read)?;
            if self.buf[self.pos..self.filled].first() == Some(&b'\n') {
                Terminator::CrLf
            } else {
                Terminator::Lf
            }
        } else {
            Terminator::Lf
        };
        self.width = fields.len();
        self.finish_line()?;
        Ok(Some(HeaderInfo {
            fields,
            had_bom,
            terminator,
        }))
    }

    /// Reads the next data record into `record`, with its position set.
    /// Returns `Ok(false)` at end of input.
    pub(crate) fn read_record(&mut self, record: &mut ByteRecord) -> Result<bool, Failure> {
        // Skip what separates records (the rest of a CRLF, blank lines), so
        // that the record's line and byte are where its first field starts.
        loop {
            if self.pos == self.filled {
                if !self.fill_more().map_err(Failure::Read)? {
                    break;
                }
                continue;
            }
            match self.buf[self.pos] {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            if let Some(raw) = &mut self.raw {
                raw.push(self.buf[self.pos]);
            }
            self.pos += 1;
            self.consumed += 1;
        }
        let (line, byte, number) = (self.line, self.consumed, self.next_record);
        if !self.read_raw(record, line)? {
            return Ok(false);
        }
        self.next_record += 1;
        record.set_position(Some(position(byte, line, number)));
        self.finish_line()?;
        if record.len() != self.width {
            return Err(Failure::Ragged {
                line,
                record: number,
                expected: self.width,
                found: record.len(),
            });
        }
        Ok(true)
    }

    /// When capturing raw bytes, consumes the rest of the line ending of the
    /// record just read (csv-core stops after the first byte of a CRLF), so
    /// that a record's raw bytes end with its whole line ending.
    fn finish_line(&mut self) -> Result<(), Failure> {
        if self.raw.is_none() {
            return Ok(());
        }
        let take = |this: &mut Self, want: u8| -> Result<bool, Failure> {
            this.ensure(1).map_err(Failure::Read)?;
            if this.buf[this.pos..this.filled].first() != Some(&want) {
                return Ok(false);
            }
            if want == b'\n' {
                this.line += 1;
            }
            if let Some(raw) = &mut this.raw {
                raw.push(want);
            }
            this.pos += 1;
            this.consumed += 1;
            this.last_byte = Some(want);
            Ok(true)
        };
        match self.last_byte {
            Some(b'\r') => {
                take(self, b'\n')?;
            }
            Some(b'\n') => {}
            _ => {
                if !take(self, b'\n')? && take(self, b'\r')? {
                    take(self, b'\n')?;
                }
            }
        }
        Ok(())
    }

    /// Runs the parser until it completes one record. `line` is where the
    /// record starts, for error messages.
    fn read_raw(&mut self, record: &mut ByteRecord, line: u64) -> Result<bool, Failure> {
        let (mut outlen, mut endlen) = (0, 0);
        let mut record_bytes = 0u64;
        // Whether the record has begun: csv-core skips blank lines before it.
        let mut started = false;
        loop {
            if self.pos == self.filled {
                self.fill_more().map_err(Failure::Read)?;
            }
            let input = &self.buf[self.pos..self.filled];
            if input.is_empty() && started {
                // The input ends inside a record. csv-core would end a quoted
                // field there silently, accepting a cut-short input as
                // complete. A line feed tells: inside quotes it is data and
                // completes nothing; outside, it ends the record exactly as
                // the end of the input does (a terminator is not field data).
                // (A copy of the parser cannot serve as a probe: csv-core
                // 0.1.13's clone of its DFA does not behave as the original.)
                if self.fields.len() <= outlen {
                    self.fields.resize(outlen + 8, 0);
                }
                if self.ends.len() <= endlen {
                    self.ends.resize(endlen + 8, 0);
                }
                let (res, _, nout, nend) = self.core.read_record(
                    b"\n",
                    &mut self.fields[outlen..],
                    &mut self.ends[endlen..],
                );
                if res != ReadRecordResult::Record {
                    return Err(Failure::Parse {
                        line,
                        message: "a quoted field that starts in this record is not closed before the end of the input: the input was cut short (truncated or interrupted), or a field that starts with a quote does not end with one".to_owned(),
                    });
                }
                self.push_fields(record, outlen + nout, endlen + nend);
                return Ok(true);
            }
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.fields[outlen..], &mut self.ends[endlen..]);
            let used = &input[..nin];
            if let Some(raw) = &mut self.raw {
                raw.extend_from_slice(used);
            }
            if let Some(&last) = used.last() {
                self.last_byte = Some(last);
            }
            self.line += used.iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos += nin;
            self.consumed += nin as u64;
            record_bytes += nin as u64;
            if !started {
                started = used.iter().any(|&b| b != b'\n' && b != b'\r');
            }
            outlen += nout;
            endlen += nend;
            if record_bytes > MAX_RECORD_BYTES {
                return Err(Failure::Parse {
                    line,
                    message: format!(
                        "the record starting here is larger than {} MiB; a quote is probably not closed (a field that starts with a quote must end with one)",
                        MAX_RECORD_BYTES / (1024 * 1024)
                    ),
                });
            }
            match res {
                ReadRecordResult::InputEmpty => {
                    if input.is_empty() {
                        // Not expected from csv-core at end of input; treat
                        // it as the end rather than looping forever.
                        return Ok(false);
                    }
                }
                ReadRecordResult::OutputFull => {
                    let len = self.fields.len();
                    self.fields.resize(len * 2, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                ReadRecordResult::Record => {
                    self.push_fields(record, outlen, endlen);
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }
}

impl<R> RecordReader<R> {
    /// Copies the parsed fields of a completed record into `record`.
    fn push_fields(&self, record: &mut ByteRecord, outlen: usize, endlen: usize) {
        debug_assert!(outlen <= self.fields.len());
        record.clear();
        let mut start = 0;
        for &end in &self.ends[..endlen] {
            record.push_field(&self.fields[start..end]);
            start = end;
        }
    }
}

fn position(byte: u64, line: u64, record: u64) -> Position {
    let mut pos = Position::new();
    pos.set_byte(byte).set_line(line).set_record(record);
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record with its line and record number, or the debug text of the
    /// error that ended the input.
    type Item = Result<(ByteRecord, u64, u64), String>;

    fn read_all(input: &[u8]) -> (HeaderInfo, Vec<Item>) {
        let mut r = RecordReader::new(input, b',');
        let header = r.read_header().unwrap().unwrap();
        let mut out = Vec::new();
        loop {
            let mut rec = ByteRecord::new();
            match r.read_record(&mut rec) {
                Ok(true) => {
                    let p = rec.position().unwrap();
                    out.push(Ok((rec.clone(), p.line(), p.record())));
                }
                Ok(false) => break,
                Err(e) => {
                    out.push(Err(format!("{e:?}")));
                    return (header, out);
                }
            }
        }
        assert_eq!(r.bytes_consumed(), input.len() as u64);
        (header, out)
    }

    #[test]
    fn crlf_lines_and_terminator() {
        let (h, recs) = read_all(b"a,b\r\n\"x\r\ny\",2\r\n3,4\r\n");
        assert_eq!(h.terminator, Terminator::CrLf);
        assert!(!h.had_bom);
        let lines: Vec<_> = recs.iter().map(|r| r.as_ref().unwrap().1).collect();
        assert_eq!(lines, vec![2, 4]);
        assert_eq!(&recs[0].as_ref().unwrap().0[0], b"x\r\ny");
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let (h, recs) = read_all(b"a\n\n\nx\n\ny\n\n");
        assert_eq!(h.terminator, Terminator::Lf);
        let got: Vec<_> = recs
            .iter()
            .map(|r| r.as_ref().map(|(_, l, n)| (*l, *n)).unwrap())
            .collect();
        assert_eq!(got, vec![(4, 1), (6, 2)]);
    }

    #[test]
    fn bom_is_detected_and_stripped() {
        let (h, recs) = read_all(b"\xEF\xBB\xBFid,b\r\n1,2");
        assert!(h.had_bom);
        assert_eq!(&h.fields[0], b"id");
        assert_eq!(h.terminator, Terminator::CrLf);
        assert_eq!(recs.len(), 1);
    }

    #[test]
    fn lone_cr_header_is_not_crlf() {
        let (h, _) = read_all(b"a,b\rc,d\r");
        assert_eq!(h.terminator, Terminator::Lf);
    }

    #[test]
    fn header_without_terminator() {
        let (h, recs) = read_all(b"a,b");
        assert_eq!(h.terminator, Terminator::Lf);
        assert!(recs.is_empty());
    }

    fn first_error(input: &[u8]) -> String {
        let mut r = RecordReader::new(input, b',');
        let mut err = match r.read_header() {
            Err(e) => return format!("{e:?}"),
            Ok(None) => return String::new(),
            Ok(Some(_)) => String::new(),
        };
        let mut rec = ByteRecord::new();
        loop {
            match r.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    err = format!("{e:?}");
                    break;
                }
            }
        }
        err
    }

    #[test]
    fn unclosed_quote_at_the_end_is_an_error() {
        for input in [
            &b"a,b\n1,\"x\n"[..],
            b"a,b\n1,\"x",
            b"a,b\n1,\"x\"\"",
            b"a,b\r\n1,2\r\n\"3\r\n",
            b"\"a,b",
        ] {
            let err = first_error(input);
            assert!(err.contains("is not closed"), "{input:?}: {err}");
        }
        let err = first_error(b"a,b\n1,2\n\"3\n4\n");
        assert!(err.contains("line: 3"), "{err}");
        // Complete quoted fields at the very end are fine.
        for input in [
            &b"a,b\n1,\"x\""[..],
            b"a,b\n1,\"x\"\"\"",
            b"a,b\n1,\"x\n\"\n",
            b"a,b\n1,\"\"",
            b"a,b\n1,x\"",
            b"\n\r\n\n",
            b"a,b\n\n\r\n",
        ] {
            assert_eq!(first_error(input), "", "{input:?}");
        }
    }

    #[test]
    fn second_bom_in_the_header_is_an_error() {
        let err = first_error(b"\xEF\xBB\xBF\xEF\xBB\xBFa,b\n1,2\n");
        assert!(err.contains("second byte order mark"), "{err}");
        // In a data row, U+FEFF is a character like any other (documented).
        let err = first_error(b"a,b\n\xEF\xBB\xBF1,2\n");
        assert_eq!(err, "");
    }

    /// A reader that returns one byte per call, to cross every buffer edge.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn trickled_input_parses_the_same() {
        let input = b"\xEF\xBB\xBFa,b\r\n\"q\"\"\r\n\",\r\n\r\nz,\"\"\r\n";
        let mut r = RecordReader::new(Trickle(input), b',');
        let h = r.read_header().unwrap().unwrap();
        assert!(h.had_bom);
        assert_eq!(h.terminator, Terminator::CrLf);
        let mut rec = ByteRecord::new();
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(rec, ByteRecord::from(vec![&b"q\"\r\n"[..], b""]));
        assert_eq!(rec.position().unwrap().line(), 2);
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(rec, ByteRecord::from(vec!["z", ""]));
        assert_eq!(rec.position().unwrap().line(), 5);
        assert!(!r.read_record(&mut rec).unwrap());
        assert_eq!(r.bytes_consumed(), input.len() as u64);
    }

    #[test]
    fn ragged_record_reports_its_start_line() {
        let (_, recs) = read_all(b"a,b\r\n\"1\r\n2\",3\r\n4,5,6\r\n");
        assert!(recs[0].is_ok());
        let err = recs[1].as_ref().unwrap_err();
        assert!(err.contains("line: 4"), "{err}");
        assert!(err.contains("record: 2"), "{err}");
    }
}
