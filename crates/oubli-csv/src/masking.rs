//! The policy adapter: masks or unmasks a CSV stream with an `oubli-policy` plan.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use csv::ByteRecord;
use oubli_core::MasterKey;
use oubli_policy::{ColumnAction, Direction, Plan, Policy, PolicyError, Worker};

use crate::{CsvError, CsvOptions, Prepared, RowError, RowMapper, Summary, run};

/// What a masking job did.
#[derive(Debug)]
pub struct MaskReport {
    /// Records, bytes, and the input's framing.
    pub summary: Summary,
    /// The plan the job ran: each input column and its transform.
    pub plan: Plan,
    /// For each input column, the number of values transformed (non-empty
    /// values of transformed columns; 0 for copied and dropped columns).
    pub values: Vec<u64>,
}

/// Masks (or unmasks) `input` into `output` as `policy` says, on
/// `options.threads` threads. The policy is bound to the input's header before
/// anything is written, so a policy that does not fit fails with no output.
pub fn mask<R, W>(
    input: R,
    output: W,
    policy: &Policy,
    direction: Direction,
    key: &MasterKey,
    options: &CsvOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<MaskReport, CsvError<PolicyError>>
where
    R: Read + Send,
    W: Write,
{
    let bound: Mutex<Option<Plan>> = Mutex::new(None);
    let counts: Mutex<Option<Arc<[AtomicU64]>>> = Mutex::new(None);
    let summary = run(
        input,
        output,
        options,
        |header: &[String]| {
            let plan = Plan::new(policy, header, direction)?;
            if let Ok(mut slot) = bound.lock() {
                *slot = Some(plan.clone());
            }
            let output_header = plan.output_header();
            let shared: Arc<[AtomicU64]> =
                plan.columns().iter().map(|_| AtomicU64::new(0)).collect();
            if let Ok(mut slot) = counts.lock() {
                *slot = Some(Arc::clone(&shared));
            }
            Ok(Prepared {
                output_header,
                make_mapper: move || {
                    PolicyMapper::new(&plan, key).counting_into(Arc::clone(&shared))
                },
            })
        },
        progress,
    )?;
    let plan = bound
        .into_inner()
        .ok()
        .flatten()
        .unwrap_or_else(|| unreachable!("run() calls prepare before it returns Ok"));
    let values = counts
        .into_inner()
        .ok()
        .flatten()
        .map(|c| c.iter().map(|v| v.load(Ordering::Relaxed)).collect())
        .unwrap_or_default();
    Ok(MaskReport {
        summary,
        plan,
        values,
    })
}

/// Applies a plan to records: one per worker thread.
#[derive(Debug)]
pub struct PolicyMapper {
    worker: Worker,
    actions: Vec<ColumnAction>,
    /// For each column, the column whose value is its subject (row context).
    subjects: Vec<Option<usize>>,
    buf: String,
    /// Values transformed per column by this mapper, added to `shared` on drop
    /// so that the hot loop touches no shared memory.
    counts: Vec<u64>,
    shared: Option<Arc<[AtomicU64]>>,
}

impl PolicyMapper {
    /// A mapper for one thread.
    pub fn new(plan: &Plan, key: &MasterKey) -> PolicyMapper {
        PolicyMapper {
            worker: plan.worker(key),
            actions: plan.columns().iter().map(|c| c.action).collect(),
            subjects: (0..plan.columns().len())
                .map(|i| plan.subject_of(i))
                .collect(),
            buf: String::new(),
            counts: vec![0; plan.columns().len()],
            shared: None,
        }
    }

    /// Adds this mapper's per-column counts to `shared` when it is dropped.
    pub fn counting_into(mut self, shared: Arc<[AtomicU64]>) -> PolicyMapper {
        self.shared = Some(shared);
        self
    }
}

impl Drop for PolicyMapper {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            for (total, n) in shared.iter().zip(&self.counts) {
                total.fetch_add(*n, Ordering::Relaxed);
            }
        }
    }
}

/// A field of a transformed column that is not UTF-8 text.
#[derive(Debug, thiserror::Error)]
#[error(
    "the value is not valid UTF-8; convert the file to UTF-8 (for example with iconv) before masking"
)]
pub struct NotUtf8;

impl RowMapper for PolicyMapper {
    fn map_row(&mut self, input: &ByteRecord, out: &mut ByteRecord) -> Result<(), RowError> {
        for (i, (field, action)) in input.iter().zip(&self.actions).enumerate() {
            match action {
                ColumnAction::Copy => out.push_field(field),
                ColumnAction::Drop => {}
                ColumnAction::Transform => {
                    let value =
                        std::str::from_utf8(field).map_err(|_| RowError::new(i, NotUtf8))?;
                    self.buf.clear();
                    if !value.is_empty() {
                        self.counts[i] += 1;
                    }
                    let subject = match self.subjects[i] {
                        None => None,
                        Some(j) => Some(
                            std::str::from_utf8(input.get(j).unwrap_or_default())
                                .map_err(|_| RowError::new(j, NotUtf8))?,
                        ),
                    };
                    self.worker
                        .apply_row(i, value, subject, &mut self.buf)
                        .map_err(|e| RowError::new(i, e))?;
                    out.push_field(self.buf.as_bytes());
                }
            }
        }
        Ok(())
    }
}
