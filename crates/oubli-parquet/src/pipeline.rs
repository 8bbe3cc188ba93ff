//! The threads: one reader, `threads` workers, and the calling thread as the
//! in-order writer.

use std::collections::BTreeMap;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use crossbeam_channel::{Receiver, Sender, bounded};
use oubli_core::MasterKey;
use oubli_policy::Plan;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};

use crate::ParquetError;
use crate::error::panic_message;
use crate::schema::Node;
use crate::sink::BatchSink;
use crate::transform::{BatchError, BatchTransformer};

/// What the pipeline needs to know.
pub(crate) struct Job<'a> {
    pub(crate) file: &'a str,
    pub(crate) input: &'a File,
    pub(crate) metadata: &'a ArrowReaderMetadata,
    pub(crate) batch_size: usize,
    pub(crate) threads: usize,
    /// The columns read (the input's, or only those that change).
    pub(crate) projection: ProjectionMask,
    /// One node per column read.
    pub(crate) nodes: &'a [&'a Node],
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
    /// The batch is the last of its row group.
    ends_row_group: bool,
}

enum Work {
    Batch(Origin, RecordBatch),
    /// The reader failed at this point of the stream.
    Failed(u64, ParquetError),
}

struct Done {
    origin: Origin,
    result: Result<RecordBatch, ParquetError>,
}

/// Streams every row group of the input through the workers into `sink`.
pub(crate) fn run(job: &Job<'_>, sink: &mut dyn BatchSink) -> Result<Totals, ParquetError> {
    let threads = job.threads.max(1);
    // Batches that exist at once (read, queued, being transformed, or waiting
    // to be written in order): bounded by credits the writer hands back.
    let in_flight = 2 * threads + 2;
    let (work_tx, work_rx) = bounded::<Work>(in_flight);
    let (done_tx, done_rx) = bounded::<Done>(in_flight);
    let (credit_tx, credit_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = credit_tx.send(());
    }
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        let stop = &stop;
        let reader = scope.spawn(move || read_loop(job, &work_tx, &credit_rx, stop));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                scope.spawn(move || work_loop(job, &work_rx, &done_tx, stop))
            })
            .collect();
        drop((work_rx, done_tx));

        let written = write_loop(job, sink, done_rx, credit_tx);
        if written.is_err() {
            stop.store(true, Ordering::Relaxed);
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
        let clone = match job.input.try_clone() {
            Ok(f) => f,
            Err(e) => return fail(seq, read_error(e.into())),
        };
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
    work_rx: &Receiver<Work>,
    done_tx: &Sender<Done>,
    stop: &AtomicBool,
) -> Result<Vec<u64>, String> {
    let mut transformer = match catch_unwind(AssertUnwindSafe(|| {
        BatchTransformer::new(job.plan, job.key)
    })) {
        Ok(t) => t,
        Err(payload) => {
            stop.store(true, Ordering::Relaxed);
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
                    ends_row_group: false,
                };
                let _ = done_tx.send(Done {
                    origin,
                    result: Err(error),
                });
                break;
            }
        };
        let transformed = catch_unwind(AssertUnwindSafe(|| {
            transformer.batch(job.nodes, job.schema, &batch)
        }));
        let (result, poisoned) = match transformed {
            Ok(Ok(out)) => (Ok(out), false),
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
        if done_tx.send(Done { origin, result }).is_err() || poisoned {
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
    done_rx: Receiver<Done>,
    credits: Sender<()>,
) -> Result<(u64, u64), ParquetError> {
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let mut rows = 0u64;
    for done in &done_rx {
        pending.insert(done.origin.seq, done);
        while let Some(done) = pending.remove(&next) {
            let batch = done.result?;
            let written = catch_unwind(AssertUnwindSafe(|| {
                sink.write(&batch, done.origin.row_group, done.origin.ends_row_group)
            }));
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(ParquetError::Write(e)),
                Err(payload) => {
                    return Err(ParquetError::Panic {
                        file: job.file.to_owned(),
                        row_group: Some(done.origin.row_group),
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
