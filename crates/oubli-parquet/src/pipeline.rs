//! The threads: one reader, `threads` workers, and the calling thread as the
//! in-order writer.
//!
//! When splicing, the workers also encode: a worker that has transformed batch
//! `n` writes it into each encoded field's column writers in turn, once batch
//! `n - 1` is in that field (a turn per field), so different fields of
//! consecutive batches are encoded at the same time and every column writer
//! still sees the batches in file order (the output does not depend on the
//! number of threads). The worker that writes the last batch of a row group
//! into a field closes its writers and hands the encoded chunks to the writer,
//! which writes each row group once all its fields are in.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use oubli_core::MasterKey;
use oubli_policy::Plan;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::errors::ParquetError as PqError;

use crate::ParquetError;
use crate::error::panic_message;
use crate::positional::PositionalFile;
use crate::schema::Node;
use crate::sink::{BatchSink, leaf_count};
use crate::transform::{BatchError, BatchTransformer};

/// Where the transformed batches go.
pub(crate) enum Sink<'s> {
    /// Encoded and written by the writer thread, batch by batch.
    Serial(&'s mut dyn BatchSink),
    /// Encoded by the workers, field by field, with column writers from
    /// `factory` (for the fields of the transformed batches); the writer thread
    /// writes whole row groups.
    Parallel {
        factory: &'s ArrowRowGroupWriterFactory,
        chunks: &'s mut dyn ChunkSink,
    },
}

/// Receives the encoded chunks of each row group, in file order.
pub(crate) trait ChunkSink {
    /// Writes row group `row_group` with `chunks`, one per leaf column of the
    /// transformed batches, in order.
    fn write_row_group(
        &mut self,
        row_group: usize,
        chunks: Vec<ArrowColumnChunk>,
    ) -> Result<(), PqError>;
}

/// What the pipeline needs to know.
pub(crate) struct Job<'a> {
    pub(crate) file: &'a str,
    pub(crate) input: &'a PositionalFile,
    pub(crate) metadata: &'a ArrowReaderMetadata,
    pub(crate) batch_size: usize,
    pub(crate) threads: usize,
    /// The columns read (the input's, or only those that change).
    pub(crate) projection: ProjectionMask,
    /// The nodes to apply, one per changed top-level column.
    pub(crate) nodes: &'a [&'a Node],
    /// The input's top-level index of each node's column.
    pub(crate) node_roots: &'a [usize],
    /// The input's top-level index of each column read, in order: the nodes'
    /// columns and the subject columns they need (row context).
    pub(crate) batch_roots: &'a [usize],
    /// The schema of the transformed batches.
    pub(crate) schema: &'a SchemaRef,
    pub(crate) plan: &'a Plan,
    pub(crate) key: &'a MasterKey,
    pub(crate) progress: &'a (dyn Fn(u64) + Sync),
}

/// What a successful run saw.
pub(crate) struct Totals {
    pub(crate) rows: u64,
    pub(crate) counts: Vec<u64>,
}

/// Where a batch came from.
#[derive(Clone, Copy)]
struct Origin {
    seq: u64,
    row_group: usize,
    /// 0-based index of the batch's first row in the file.
    first_row: u64,
    /// Rows in the batch.
    rows: u64,
    /// The batch is the last of its row group.
    ends_row_group: bool,
}

enum Work {
    Batch(Origin, RecordBatch),
    /// The reader failed at this point of the stream.
    Failed(u64, ParquetError),
}

/// What workers tell the writer.
enum Msg {
    /// A batch is transformed: the batch to write (serial), or `None` if the
    /// worker encoded it (parallel).
    Done {
        origin: Origin,
        result: Result<Option<RecordBatch>, ParquetError>,
    },
    /// The encoded chunks of one field (one per leaf) for a whole row group.
    Chunks {
        row_group: usize,
        field: usize,
        chunks: Vec<ArrowColumnChunk>,
    },
}

/// The column writers of the encoded fields, shared by the workers.
struct Encoders<'f> {
    factory: &'f ArrowRowGroupWriterFactory,
    /// For each encoded field, its first leaf and number of leaves among the
    /// factory's column writers.
    leaves: Vec<(usize, usize)>,
    fields: SchemaRef,
    slots: Vec<Slot>,
}

/// One encoded field: whose turn it is, and its open column writers.
struct Slot {
    state: Mutex<SlotState>,
    turn: Condvar,
}

struct SlotState {
    /// The sequence number of the next batch to write into this field.
    next: u64,
    /// The row group being encoded and this field's column writers.
    writers: Option<(usize, Vec<ArrowColumnWriter>)>,
}

/// A worker gave up waiting for its turn because the job is stopping.
struct Stopped;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while encoding is caught inside the lock, so poison means
    // nothing more than the error already being reported.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'f> Encoders<'f> {
    fn new(factory: &'f ArrowRowGroupWriterFactory, fields: &SchemaRef) -> Encoders<'f> {
        let mut first = 0;
        let leaves = fields
            .fields()
            .iter()
            .map(|f| {
                let n = leaf_count(f);
                first += n;
                (first - n, n)
            })
            .collect();
        let slots = fields
            .fields()
            .iter()
            .map(|_| Slot {
                state: Mutex::new(SlotState {
                    next: 0,
                    writers: None,
                }),
                turn: Condvar::new(),
            })
            .collect();
        Encoders {
            factory,
            leaves,
            fields: SchemaRef::clone(fields),
            slots,
        }
    }

    /// Wakes every worker waiting for a turn (after `stop` is set).
    fn halt(&self) {
        for slot in &self.slots {
            drop(lock(&slot.state));
            slot.turn.notify_all();
        }
    }

    /// Writes batch `origin.seq` into every field, each in its turn; sends the
    /// chunks of the fields whose row group it ends.
    fn encode(
        &self,
        origin: Origin,
        batch: &RecordBatch,
        done_tx: &Sender<Msg>,
        stop: &AtomicBool,
    ) -> Result<Result<(), PqError>, Stopped> {
        for (field, slot) in self.slots.iter().enumerate() {
            let leaves = match (self.fields.fields().get(field), batch.columns().get(field)) {
                (Some(f), Some(column)) => compute_leaves(f, column),
                _ => Err(PqError::General("a transformed field is missing".into())),
            };
            let mut state = lock(&slot.state);
            while state.next != origin.seq {
                if stop.load(Ordering::Relaxed) {
                    return Err(Stopped);
                }
                state = slot
                    .turn
                    .wait_timeout(state, Duration::from_millis(50))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let written = leaves.and_then(|leaves| {
                match catch_unwind(AssertUnwindSafe(|| {
                    self.write_field(&mut state, field, origin, &leaves)
                })) {
                    Ok(result) => result,
                    Err(payload) => Err(PqError::General(format!(
                        "while encoding: {}",
                        panic_message(&*payload)
                    ))),
                }
            });
            state.next += 1;
            drop(state);
            slot.turn.notify_all();
            match written {
                Ok(None) => {}
                Ok(Some(chunks)) => {
                    let _ = done_tx.send(Msg::Chunks {
                        row_group: origin.row_group,
                        field,
                        chunks,
                    });
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(()))
    }

    /// Writes one field of a batch; returns its chunks if the row group ends.
    fn write_field(
        &self,
        state: &mut SlotState,
        field: usize,
        origin: Origin,
        leaves: &[parquet::arrow::arrow_writer::ArrowLeafColumn],
    ) -> Result<Option<Vec<ArrowColumnChunk>>, PqError> {
        if state
            .writers
            .as_ref()
            .is_some_and(|(g, _)| *g != origin.row_group)
        {
            return Err(PqError::General(
                "a row group ended before its last batch".into(),
            ));
        }
        if state.writers.is_none() {
            let (first, n) = self.leaves[field];
            let all = self.factory.create_column_writers(origin.row_group)?;
            let mine: Vec<ArrowColumnWriter> = all.into_iter().skip(first).take(n).collect();
            state.writers = Some((origin.row_group, mine));
        }
        let Some((_, writers)) = state.writers.as_mut() else {
            unreachable!("set above");
        };
        if writers.len() != leaves.len() {
            return Err(PqError::General(
                "the leaves do not match the column writers".into(),
            ));
        }
        for (writer, leaf) in writers.iter_mut().zip(leaves) {
            writer.write(leaf)?;
        }
        if !origin.ends_row_group {
            return Ok(None);
        }
        let Some((_, writers)) = state.writers.take() else {
            unreachable!("set above");
        };
        let chunks = writers
            .into_iter()
            .map(ArrowColumnWriter::close)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(chunks))
    }
}

/// Streams every row group of the input through the workers into `sink`.
pub(crate) fn run(job: &Job<'_>, sink: Sink<'_>) -> Result<Totals, ParquetError> {
    let threads = job.threads.max(1);
    // Batches that exist at once (read, queued, being transformed or encoded,
    // or waiting to be written in order): bounded by credits the writer hands
    // back.
    let in_flight = 2 * threads + 2;
    let (work_tx, work_rx) = bounded::<Work>(in_flight);
    // Unbounded so that a worker never blocks on the writer; what it carries
    // is bounded by the credits (and one message per field and row group).
    let (done_tx, done_rx) = unbounded::<Msg>();
    let (credit_tx, credit_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = credit_tx.send(());
    }
    let stop = AtomicBool::new(false);
    let encoders = match &sink {
        Sink::Serial(_) => None,
        Sink::Parallel { factory, .. } => Some(Encoders::new(factory, job.schema)),
    };

    std::thread::scope(|scope| {
        let stop = &stop;
        let encoders = encoders.as_ref();
        let reader = scope.spawn(move || read_loop(job, &work_tx, &credit_rx, stop));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                scope.spawn(move || work_loop(job, encoders, &work_rx, &done_tx, stop))
            })
            .collect();
        drop((work_rx, done_tx));

        let written = match sink {
            Sink::Serial(sink) => write_loop(job, sink, done_rx, credit_tx),
            Sink::Parallel { chunks, .. } => write_chunks_loop(
                job,
                chunks,
                encoders.map_or(0, |e| e.slots.len()),
                done_rx,
                credit_tx,
            ),
        };
        if written.is_err() {
            stop.store(true, Ordering::Relaxed);
            if let Some(encoders) = encoders {
                encoders.halt();
            }
        }
        let reader = reader.join();
        let mut counts = vec![0u64; job.plan.columns().len()];
        let mut worker_panic = None;
        for w in workers {
            match w.join() {
                Ok(Ok(c)) => {
                    for (total, n) in counts.iter_mut().zip(c) {
                        *total += n;
                    }
                }
                Ok(Err(message)) => worker_panic = Some(message),
                Err(payload) => worker_panic = Some(panic_message(&*payload)),
            }
        }
        let (batches, rows) = written?;
        if let Some(message) = worker_panic {
            return Err(ParquetError::Panic {
                file: job.file.to_owned(),
                row_group: None,
                message,
            });
        }
        let sent = reader.map_err(|payload| ParquetError::Panic {
            file: job.file.to_owned(),
            row_group: None,
            message: panic_message(&*payload),
        })?;
        if sent != Some(batches) {
            return Err(ParquetError::Panic {
                file: job.file.to_owned(),
                row_group: None,
                message: format!(
                    "the pipeline stopped after writing {batches} batches without reporting why"
                ),
            });
        }
        Ok(Totals { rows, counts })
    })
}

/// The reader thread: decodes row groups into batches. Returns the number of
/// batches sent, or `None` if it stopped early or sent a failure.
fn read_loop(
    job: &Job<'_>,
    work_tx: &Sender<Work>,
    credits: &Receiver<()>,
    stop: &AtomicBool,
) -> Option<u64> {
    let parquet = job.metadata.metadata();
    let mut seq = 0u64;
    let mut rows = 0u64;
    let fail = |seq: u64, error: ParquetError| {
        let _ = work_tx.send(Work::Failed(seq, error));
        None
    };
    for row_group in 0..parquet.num_row_groups() {
        let expected = u64::try_from(parquet.row_group(row_group).num_rows()).unwrap_or(0);
        let read_error = |source| ParquetError::Read {
            file: job.file.to_owned(),
            row_group,
            source,
        };
        let panicked = |payload: Box<dyn std::any::Any + Send>| ParquetError::Panic {
            file: job.file.to_owned(),
            row_group: Some(row_group),
            message: panic_message(&*payload),
        };
        let clone = job.input.clone();
        let built = catch_unwind(AssertUnwindSafe(|| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(clone, job.metadata.clone())
                .with_row_groups(vec![row_group])
                .with_projection(job.projection.clone())
                .with_batch_size(job.batch_size)
                .build()
        }));
        let mut reader = match built {
            Ok(Ok(reader)) => reader,
            Ok(Err(e)) => return fail(seq, read_error(e)),
            Err(payload) => return fail(seq, panicked(payload)),
        };
        let mut read = 0u64;
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let next = catch_unwind(AssertUnwindSafe(|| reader.next()));
            let batch = match next {
                Ok(None) => break,
                Ok(Some(Ok(batch))) => batch,
                Ok(Some(Err(e))) => return fail(seq, read_error(e.into())),
                Err(payload) => return fail(seq, panicked(payload)),
            };
            let n = batch.num_rows() as u64;
            read += n;
            if read > expected {
                return fail(
                    seq,
                    ParquetError::RowCount {
                        file: job.file.to_owned(),
                        row_group,
                        expected,
                        found: read,
                    },
                );
            }
            let origin = Origin {
                seq,
                row_group,
                first_row: rows,
                rows: n,
                ends_row_group: read == expected,
            };
            // Wait for the writer to make room before handing the batch on.
            if credits.recv().is_err() {
                return None;
            }
            if work_tx.send(Work::Batch(origin, batch)).is_err() {
                return None;
            }
            seq += 1;
            rows += n;
            (job.progress)(rows);
        }
        if read != expected {
            return fail(
                seq,
                ParquetError::RowCount {
                    file: job.file.to_owned(),
                    row_group,
                    expected,
                    found: read,
                },
            );
        }
    }
    Some(seq)
}

/// A worker thread. Returns its per-column counts, or why it could not start.
fn work_loop(
    job: &Job<'_>,
    encoders: Option<&Encoders<'_>>,
    work_rx: &Receiver<Work>,
    done_tx: &Sender<Msg>,
    stop: &AtomicBool,
) -> Result<Vec<u64>, String> {
    let mut transformer = match catch_unwind(AssertUnwindSafe(|| {
        BatchTransformer::new(job.plan, job.key)
    })) {
        Ok(t) => t,
        Err(payload) => {
            stop.store(true, Ordering::Relaxed);
            if let Some(encoders) = encoders {
                encoders.halt();
            }
            return Err(panic_message(&*payload));
        }
    };
    for work in work_rx {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (origin, batch) = match work {
            Work::Batch(origin, batch) => (origin, batch),
            Work::Failed(seq, error) => {
                let origin = Origin {
                    seq,
                    row_group: 0,
                    first_row: 0,
                    rows: 0,
                    ends_row_group: false,
                };
                let _ = done_tx.send(Msg::Done {
                    origin,
                    result: Err(error),
                });
                break;
            }
        };
        let transformed = catch_unwind(AssertUnwindSafe(|| {
            transformer.batch(
                job.nodes,
                job.node_roots,
                job.batch_roots,
                job.schema,
                &batch,
            )
        }));
        let (result, poisoned) = match transformed {
            Ok(Ok(out)) => match encoders {
                None => (Ok(Some(out)), false),
                Some(encoders) => match encoders.encode(origin, &out, done_tx, stop) {
                    Ok(Ok(())) => (Ok(None), false),
                    Ok(Err(e)) => (Err(ParquetError::Write(e)), false),
                    Err(Stopped) => break,
                },
            },
            Ok(Err(e)) => (Err(describe(job, origin, e)), false),
            Err(payload) => (
                Err(ParquetError::Panic {
                    file: job.file.to_owned(),
                    row_group: Some(origin.row_group),
                    message: panic_message(&*payload),
                }),
                true,
            ),
        };
        if done_tx.send(Msg::Done { origin, result }).is_err() || poisoned {
            break;
        }
    }
    Ok(transformer.counts)
}

/// Names the file, row group, row and column of a batch failure.
fn describe(job: &Job<'_>, origin: Origin, error: BatchError) -> ParquetError {
    let name = |column: usize| {
        job.plan
            .columns()
            .get(column)
            .map_or_else(String::new, |c| c.name.clone())
    };
    match error {
        BatchError::Value {
            index,
            column,
            source,
        } => ParquetError::Value {
            file: job.file.to_owned(),
            row_group: origin.row_group,
            row: origin.first_row + index as u64 + 1,
            column: name(column),
            source,
        },
        BatchError::Build { column, source } => ParquetError::Build {
            file: job.file.to_owned(),
            row_group: origin.row_group,
            column: name(column),
            source,
        },
    }
}

/// The writer (calling thread): writes batches strictly in input order.
/// Returns the number of batches and rows written.
fn write_loop(
    job: &Job<'_>,
    sink: &mut dyn BatchSink,
    done_rx: Receiver<Msg>,
    credits: Sender<()>,
) -> Result<(u64, u64), ParquetError> {
    let mut pending: BTreeMap<u64, (Origin, Result<Option<RecordBatch>, ParquetError>)> =
        BTreeMap::new();
    let mut next = 0u64;
    let mut rows = 0u64;
    for msg in &done_rx {
        let Msg::Done { origin, result } = msg else {
            return Err(ParquetError::Write(PqError::General(
                "encoded chunks without a chunk writer".into(),
            )));
        };
        pending.insert(origin.seq, (origin, result));
        while let Some((origin, result)) = pending.remove(&next) {
            let Some(batch) = result? else {
                return Err(ParquetError::Write(PqError::General(
                    "a batch was encoded without a chunk writer".into(),
                )));
            };
            let written = catch_unwind(AssertUnwindSafe(|| {
                sink.write(&batch, origin.row_group, origin.ends_row_group)
            }));
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(ParquetError::Write(e)),
                Err(payload) => {
                    return Err(ParquetError::Panic {
                        file: job.file.to_owned(),
                        row_group: Some(origin.row_group),
                        message: format!("while writing: {}", panic_message(&*payload)),
                    });
                }
            }
            rows += batch.num_rows() as u64;
            next += 1;
            // Never blocks: at most `in_flight` credits exist.
            let _ = credits.send(());
        }
    }
    Ok((next, rows))
}

/// The writer (calling thread) when the workers encode: counts finished
/// batches strictly in input order (so the first error in file order is the
/// one reported) and writes each row group once every field's chunks are in.
/// Returns the number of batches and rows.
fn write_chunks_loop(
    job: &Job<'_>,
    sink: &mut dyn ChunkSink,
    fields: usize,
    done_rx: Receiver<Msg>,
    credits: Sender<()>,
) -> Result<(u64, u64), ParquetError> {
    let parquet = job.metadata.metadata();
    let mut pending: BTreeMap<u64, Result<u64, ParquetError>> = BTreeMap::new();
    let mut groups: BTreeMap<usize, Vec<Option<Vec<ArrowColumnChunk>>>> = BTreeMap::new();
    let mut next = 0u64;
    let mut next_group = 0usize;
    let mut rows = 0u64;
    let empty = |g: usize| g < parquet.num_row_groups() && parquet.row_group(g).num_rows() == 0;
    for msg in &done_rx {
        match msg {
            Msg::Done { origin, result } => {
                // The batch no longer exists: hand its credit back at once.
                let _ = credits.send(());
                pending.insert(origin.seq, result.map(|_| origin.rows));
                while let Some(result) = pending.remove(&next) {
                    rows += result?;
                    next += 1;
                }
            }
            Msg::Chunks {
                row_group,
                field,
                chunks,
            } => {
                let slots = groups
                    .entry(row_group)
                    .or_insert_with(|| (0..fields).map(|_| None).collect());
                if let Some(slot) = slots.get_mut(field) {
                    *slot = Some(chunks);
                }
                // Row groups without rows have no batches (and are left out).
                while empty(next_group) {
                    next_group += 1;
                }
                while groups
                    .get(&next_group)
                    .is_some_and(|g| g.iter().all(Option::is_some))
                {
                    let Some(group) = groups.remove(&next_group) else {
                        break;
                    };
                    let chunks = group.into_iter().flatten().flatten().collect();
                    let g = next_group;
                    let written =
                        catch_unwind(AssertUnwindSafe(|| sink.write_row_group(g, chunks)));
                    match written {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return Err(ParquetError::Write(e)),
                        Err(payload) => {
                            return Err(ParquetError::Panic {
                                file: job.file.to_owned(),
                                row_group: Some(g),
                                message: format!("while writing: {}", panic_message(&*payload)),
                            });
                        }
                    }
                    next_group += 1;
                    while empty(next_group) {
                        next_group += 1;
                    }
                }
            }
        }
    }
    if let Some(result) = pending.into_values().next() {
        // A batch finished after an earlier one never did (a worker stopped).
        result?;
    }
    if !groups.is_empty() {
        return Err(ParquetError::Write(PqError::General(format!(
            "row group {next_group} was not completed"
        ))));
    }
    Ok((next, rows))
}
