//! Retention sweeps: shred the files under a directory whose modification
//! time is older than a retention period.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::shred::{ShredOptions, ShredReport, Tally, shred};

/// A retention period: `30d`, `12h`, `90m`, `45s`, `2w` (a number and a
/// unit; no unit means seconds). Returns `None` if it cannot be read.
pub fn parse_age(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(seconds).map(Duration::from_secs)
}

/// What to sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Files modified longer ago than this are past their retention.
    pub older_than: Duration,
    /// Only files whose name (or, if the pattern has a `/`, whose path
    /// relative to the directory) matches.
    pub glob: Option<glob::Pattern>,
    /// How each file is shredded (`recursive` is ignored: only files are
    /// swept, directories stay).
    pub shred: ShredOptions,
}

/// Finds the regular files under `dir` (symlinks are not followed, and not
/// swept) past their retention at `now`, in path order.
pub fn expired(
    dir: &Path,
    options: &SweepOptions,
    now: SystemTime,
) -> std::io::Result<Vec<PathBuf>> {
    let cutoff = now
        .checked_sub(options.older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let match_options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path)?;
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            if !meta.is_file() || meta.modified()? > cutoff {
                continue;
            }
            if let Some(pattern) = &options.glob {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let subject = if pattern.as_str().contains('/') {
                    rel
                } else {
                    Path::new(rel.file_name().unwrap_or_default())
                };
                if !pattern.matches_path_with(subject, match_options) {
                    continue;
                }
            }
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Shreds the files [`expired`] finds, reporting each as [`shred`] does.
pub fn sweep(
    dir: &Path,
    options: &SweepOptions,
    now: SystemTime,
    report: &mut dyn FnMut(ShredReport) -> ControlFlow<()>,
) -> std::io::Result<Tally> {
    let files = expired(dir, options, now)?;
    let shred_options = ShredOptions {
        recursive: false,
        ..options.shred.clone()
    };
    Ok(shred(&files, &shred_options, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("30d"), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_age("12h"), Some(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_age("90m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_age("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_age("2w"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("d"), None);
        assert_eq!(parse_age("3y"), None);
        assert_eq!(parse_age("-1d"), None);
    }
}
