//! The threads: one reader, `threads` workers, and the calling thread as the
//! in-order writer.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender, bounded};
use csv::ByteRecord;

use crate::error::{Failure, panic_message};
use crate::reader::RecordReader;
use crate::{RowFilter, RowMapper, RowOutcome, Terminator};

/// How often (in records) the reader looks at the stop flag inside a chunk.
const STOP_CHECK_RECORDS: usize = 256;

/// Recycled per-chunk input storage.
#[derive(Default)]
pub(crate) struct Slots {
    /// Record slots; only the first `len` of a chunk hold its records.
    records: Vec<ByteRecord>,
    /// The chunk's input bytes, exactly (filter mode only).
    raw: Vec<u8>,
    /// For each record, where its bytes end in `raw` (filter mode only). A
    /// record's bytes start where the previous one's end (so the separators
    /// and blank lines before a record go with it); bytes after the last
    /// record's end are the input's trailing separators.
    ends: Vec<usize>,
}

/// One chunk, as a [`Stage`] sees it.
pub(crate) struct ChunkView<'a> {
    pub(crate) records: &'a [ByteRecord],
    pub(crate) raw: &'a [u8],
    pub(crate) ends: &'a [usize],
}

/// What a worker thread does with a chunk: map every record
/// ([`MapStage`]) or pass the kept records through byte for byte
/// ([`FilterStage`]).
pub(crate) trait Stage {
    /// Processes `chunk` into `buffer`; `current` tracks the record being
    /// processed, so that a panic can be reported against it. Returns the
    /// bytes, the result and the number of records written.
    fn process(
        &mut self,
        chunk: &ChunkView<'_>,
        buffer: Vec<u8>,
        current: &mut usize,
    ) -> (Vec<u8>, Result<(), Failure>, u64);
}

/// A chunk of input records on its way to a worker.
struct InChunk {
    seq: u64,
    slots: Slots,
    len: usize,
    /// The (recycled) buffer the worker serializes into. Holding one is what
    /// bounds the number of chunks in flight.
    out: Vec<u8>,
    /// The reader failed right after this chunk's records.
    tail: Option<Failure>,
}

/// A serialized chunk on its way to the writer.
struct OutChunk {
    seq: u64,
    bytes: Vec<u8>,
    /// Records written.
    kept: u64,
    result: Result<(), Failure>,
    tail: Option<Failure>,
}

/// How the reader thread ended.
struct ReaderEnd {
    chunks: u64,
    records: u64,
    bytes: u64,
    /// Stopped early because another thread asked (or the writer went away).
    stopped: bool,
}

/// Settings shared by the pipeline threads.
pub(crate) struct Plan<'a, F> {
    pub(crate) threads: usize,
    pub(crate) chunk_records: usize,
    /// Makes one stage per worker thread.
    pub(crate) make_stage: &'a F,
    pub(crate) progress: &'a (dyn Fn(u64) + Sync),
}

/// What a successful pipeline run saw.
pub(crate) struct Totals {
    pub(crate) records: u64,
    pub(crate) bytes: u64,
    /// Records written (all of them when mapping).
    pub(crate) kept: u64,
}

/// Builds the csv writer used for the header and by every worker.
pub(crate) fn output_writer<W: Write>(
    delimiter: u8,
    terminator: Terminator,
    sink: W,
) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(match terminator {
            Terminator::Lf => csv::Terminator::Any(b'\n'),
            Terminator::CrLf => csv::Terminator::CRLF,
        })
        .flexible(true)
        .from_writer(sink)
}

/// A byte buffer that a worker's `csv::Writer` appends to while the worker
/// keeps a handle to swap the filled buffer out after each chunk
/// (`csv::Writer` has no `get_mut`). Used by one thread only.
#[derive(Debug, Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl SharedBuf {
    /// Puts `buffer` in place and returns the previous contents.
    fn swap(&self, buffer: Vec<u8>) -> Vec<u8> {
        std::mem::replace(&mut *self.0.borrow_mut(), buffer)
    }
}

impl Write for SharedBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Streams every data record of `source` through the workers into `output`.
pub(crate) fn run_pipeline<R, W, F, S>(
    source: RecordReader<R>,
    output: &mut W,
    plan: &Plan<'_, F>,
) -> Result<Totals, Failure>
where
    R: Read + Send,
    W: Write,
    F: Fn() -> S + Sync,
    S: Stage,
{
    let threads = plan.threads.max(1);
    // Chunks in flight: enough for every worker to have one in hand and one
    // queued, plus one being written.
    let in_flight = 2 * threads + 1;
    let (work_tx, work_rx) = bounded::<InChunk>(in_flight);
    let (done_tx, done_rx) = bounded::<OutChunk>(in_flight);
    let (free_out_tx, free_out_rx) = bounded::<Vec<u8>>(in_flight);
    let (free_in_tx, free_in_rx) = bounded::<Slots>(in_flight);
    for _ in 0..in_flight {
        // Cannot fail: the channel has room for exactly these.
        let _ = free_out_tx.send(Vec::new());
    }
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        let stop = &stop;
        let reader = scope.spawn(move || {
            read_loop(
                source,
                plan.chunk_records.max(1),
                &work_tx,
                &free_in_rx,
                &free_out_rx,
                stop,
                plan.progress,
            )
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                let free_in_tx = free_in_tx.clone();
                scope.spawn(move || work_loop(plan, &work_rx, &done_tx, &free_in_tx, stop))
            })
            .collect();
        // Only the threads hold these now, so channels close when they exit.
        drop((work_rx, done_tx, free_in_tx));

        // Takes the writer's channel ends by value: returning drops them,
        // which releases a reader waiting for a free buffer.
        let written = write_loop(output, done_rx, free_out_tx);
        if written.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let reader = reader.join();
        let workers: Vec<_> = workers.into_iter().map(|w| w.join()).collect();

        let (written, kept) = written?;
        for worker in workers {
            match worker {
                Ok(Ok(())) => {}
                Ok(Err(failure)) => return Err(failure),
                Err(payload) => {
                    return Err(Failure::ThreadPanic {
                        message: format!("worker thread: {}", panic_message(&*payload)),
                    });
                }
            }
        }
        let end = reader.map_err(|payload| Failure::ThreadPanic {
            message: format!(
                "reader thread (or the progress callback): {}",
                panic_message(&*payload)
            ),
        })?;
        if end.stopped || written != end.chunks {
            return Err(Failure::ThreadPanic {
                message: format!(
                    "the pipeline stopped after writing {written} of {} chunks without reporting why",
                    end.chunks
                ),
            });
        }
        Ok(Totals {
            records: end.records,
            bytes: end.bytes,
            kept,
        })
    })
}

/// The reader thread: parses records into chunks and hands them out.
fn read_loop<R: Read>(
    mut source: RecordReader<R>,
    chunk_records: usize,
    work_tx: &Sender<InChunk>,
    free_in: &Receiver<Slots>,
    free_out: &Receiver<Vec<u8>>,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> ReaderEnd {
    let mut end = ReaderEnd {
        chunks: 0,
        records: 0,
        bytes: 0,
        stopped: false,
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            end.stopped = true;
            break;
        }
        // Waiting for a free output buffer is what keeps memory bounded.
        let Ok(out) = free_out.recv() else {
            end.stopped = true;
            break;
        };
        let mut slots = free_in.try_recv().unwrap_or_default();
        let capture = source.captures_raw();
        slots.raw.clear();
        slots.ends.clear();
        // The reader captures into this chunk's raw buffer from here on.
        source.swap_raw(&mut slots.raw);
        let mut len = 0;
        let mut tail = None;
        let mut finished = false;
        while len < chunk_records {
            if len % STOP_CHECK_RECORDS == STOP_CHECK_RECORDS - 1 && stop.load(Ordering::Relaxed) {
                end.stopped = true;
                return end;
            }
            if len == slots.records.len() {
                slots.records.push(ByteRecord::new());
            }
            match source.read_record(&mut slots.records[len]) {
                Ok(true) => {
                    len += 1;
                    if capture {
                        slots.ends.push(source.raw_len());
                    }
                }
                Ok(false) => {
                    finished = true;
                    break;
                }
                Err(failure) => {
                    tail = Some(failure);
                    break;
                }
            }
        }
        source.swap_raw(&mut slots.raw);
        end.records += len as u64;
        end.bytes = source.bytes_consumed();
        let failed = tail.is_some();
        // Trailing separators at the end of the input travel in a chunk too.
        if len > 0 || failed || !slots.raw.is_empty() {
            let chunk = InChunk {
                seq: end.chunks,
                slots,
                len,
                out,
                tail,
            };
            if work_tx.send(chunk).is_err() {
                end.stopped = true;
                break;
            }
            end.chunks += 1;
        }
        progress(end.bytes);
        if finished || failed {
            break;
        }
    }
    end
}

/// A worker thread: maps chunks with its own mapper and serializes them.
fn work_loop<F, S>(
    plan: &Plan<'_, F>,
    work_rx: &Receiver<InChunk>,
    done_tx: &Sender<OutChunk>,
    free_in: &Sender<Slots>,
    stop: &AtomicBool,
) -> Result<(), Failure>
where
    F: Fn() -> S + Sync,
    S: Stage,
{
    let mut worker = match catch_unwind(AssertUnwindSafe(plan.make_stage)) {
        Ok(stage) => stage,
        Err(payload) => {
            stop.store(true, Ordering::Relaxed);
            return Err(Failure::ThreadPanic {
                message: format!("the mapper factory: {}", panic_message(&*payload)),
            });
        }
    };
    for chunk in work_rx {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let InChunk {
            seq,
            slots,
            len,
            out: buffer,
            tail,
        } = chunk;
        let mut current = 0;
        let view = ChunkView {
            records: &slots.records[..len],
            raw: &slots.raw,
            ends: &slots.ends,
        };
        let mapped = catch_unwind(AssertUnwindSafe(|| {
            worker.process(&view, buffer, &mut current)
        }));
        let (bytes, result, kept, poisoned) = match mapped {
            Ok((bytes, result, kept)) => (bytes, result, kept, false),
            Err(payload) => {
                let (line, record) = slots
                    .records
                    .get(current)
                    .and_then(ByteRecord::position)
                    .map_or((0, 0), |p| (p.line(), p.record()));
                let failure = Failure::MapperPanic {
                    line,
                    record,
                    message: panic_message(&*payload),
                };
                (Vec::new(), Err(failure), 0, true)
            }
        };
        // Dropped (not recycled) if the reader has enough spares already.
        let _ = free_in.try_send(slots);
        let sent = done_tx.send(OutChunk {
            seq,
            bytes,
            kept,
            result,
            tail,
        });
        // After a panic the mapper (and writer) may be half-updated: stop
        // using them. Chunks already queued go to the other workers.
        if sent.is_err() || poisoned {
            break;
        }
    }
    Ok(())
}

/// Maps every record with a [`RowMapper`] and serializes the results.
pub(crate) struct MapStage<M> {
    mapper: M,
    writer: csv::Writer<SharedBuf>,
    /// The buffer `writer` appends to.
    sink: SharedBuf,
    /// Reused output record.
    out: ByteRecord,
    /// Number of fields every output record must have.
    width: usize,
}

impl<M: RowMapper> MapStage<M> {
    /// A stage that maps with `mapper` and writes `width` fields per record.
    pub(crate) fn new(mapper: M, delimiter: u8, terminator: Terminator, width: usize) -> Self {
        let sink = SharedBuf::default();
        MapStage {
            mapper,
            writer: output_writer(delimiter, terminator, sink.clone()),
            sink,
            out: ByteRecord::new(),
            width,
        }
    }

    /// Maps and serializes one chunk into `buffer`. `current` tracks the
    /// record being mapped, so that a panic can be reported against it.
    fn map_chunk(
        &mut self,
        records: &[ByteRecord],
        mut buffer: Vec<u8>,
        current: &mut usize,
    ) -> (Vec<u8>, Result<(), Failure>) {
        buffer.clear();
        self.sink.swap(buffer);
        let mut result = Ok(());
        for (i, record) in records.iter().enumerate() {
            *current = i;
            self.out.clear();
            let (line, number) = record.position().map_or((0, 0), |p| (p.line(), p.record()));
            if let Err(error) = self.mapper.map_row(record, &mut self.out) {
                result = Err(Failure::Row {
                    line,
                    record: number,
                    error,
                });
                break;
            }
            if self.out.len() != self.width {
                result = Err(Failure::OutputWidth {
                    line,
                    record: number,
                    expected: self.width,
                    found: self.out.len(),
                });
                break;
            }
            if let Err(e) = self.writer.write_byte_record(&self.out) {
                result = Err(Failure::Write(std::io::Error::other(e)));
                break;
            }
        }
        // Always flush, so no bytes of this chunk leak into the next one.
        if let Err(e) = self.writer.flush() {
            result = result.and(Err(Failure::Write(e)));
        }
        (self.sink.swap(Vec::new()), result)
    }
}

impl<M: RowMapper> Stage for MapStage<M> {
    fn process(
        &mut self,
        chunk: &ChunkView<'_>,
        buffer: Vec<u8>,
        current: &mut usize,
    ) -> (Vec<u8>, Result<(), Failure>, u64) {
        let (bytes, result) = self.map_chunk(chunk.records, buffer, current);
        (bytes, result, chunk.records.len() as u64)
    }
}

/// Copies the input bytes of the records a [`RowFilter`] keeps, unchanged.
pub(crate) struct FilterStage<G> {
    pub(crate) filter: G,
}

impl<G: RowFilter> Stage for FilterStage<G> {
    fn process(
        &mut self,
        chunk: &ChunkView<'_>,
        mut buffer: Vec<u8>,
        current: &mut usize,
    ) -> (Vec<u8>, Result<(), Failure>, u64) {
        buffer.clear();
        let mut kept = 0;
        let mut start = 0;
        for (i, record) in chunk.records.iter().enumerate() {
            *current = i;
            let end = chunk.ends[i];
            match self.filter.filter_row(record) {
                Ok(RowOutcome::Keep) => {
                    buffer.extend_from_slice(&chunk.raw[start..end]);
                    kept += 1;
                }
                Ok(RowOutcome::Skip) => {}
                Err(error) => {
                    let (line, number) =
                        record.position().map_or((0, 0), |p| (p.line(), p.record()));
                    let failure = Failure::Row {
                        line,
                        record: number,
                        error,
                    };
                    return (buffer, Err(failure), kept);
                }
            }
            start = end;
        }
        // The input's trailing separators (only in the last chunk).
        buffer.extend_from_slice(&chunk.raw[start..]);
        (buffer, Ok(()), kept)
    }
}

/// The writer (calling thread): writes chunks strictly in input order and
/// returns the number of chunks and of records written. The first failure in input order
/// wins because chunks are examined in order.
fn write_loop<W: Write>(
    output: &mut W,
    done_rx: Receiver<OutChunk>,
    free_out: Sender<Vec<u8>>,
) -> Result<(u64, u64), Failure> {
    let mut pending: BTreeMap<u64, OutChunk> = BTreeMap::new();
    let mut next = 0u64;
    let mut kept = 0u64;
    for chunk in &done_rx {
        pending.insert(chunk.seq, chunk);
        while let Some(chunk) = pending.remove(&next) {
            chunk.result?;
            output.write_all(&chunk.bytes).map_err(Failure::Write)?;
            next += 1;
            kept += chunk.kept;
            if let Some(failure) = chunk.tail {
                return Err(failure);
            }
            let mut bytes = chunk.bytes;
            bytes.clear();
            // Never blocks: at most `in_flight` buffers exist. Fails only if
            // the reader is gone, which is fine.
            let _ = free_out.send(bytes);
        }
    }
    Ok((next, kept))
}
