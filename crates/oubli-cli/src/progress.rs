//! The progress bar: on stderr, only for jobs that run longer than a second, never
//! when stderr is not a terminal or with `--quiet`.

use std::io::IsTerminal as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of a job, in input bytes.
#[derive(Debug)]
pub(crate) struct Progress {
    enabled: bool,
    total: Option<u64>,
    started: Instant,
    bar: OnceLock<ProgressBar>,
}

const DELAY: Duration = Duration::from_secs(1);

impl Progress {
    /// A progress reporter for an input of `total` bytes, if known.
    pub(crate) fn new(total: Option<u64>, quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
            total,
            started: Instant::now(),
            bar: OnceLock::new(),
        }
    }

    /// Records that `bytes` input bytes have been read.
    pub(crate) fn update(&self, bytes: u64) {
        if !self.enabled || self.started.elapsed() < DELAY {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = match self.total {
                Some(total) => {
                    ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                }
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = if self.total.is_some() {
                "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
            } else {
                "{elapsed_precise} {bytes} {bytes_per_sec}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_position(bytes);
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
