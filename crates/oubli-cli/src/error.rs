//! Exit codes, hints, and the rendering of errors as `error:` / `caused by:` / `hint:`.

use std::fmt;
use std::io::Write as _;

/// The process exit codes (contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Success.
    Ok = 0,
    /// A check ran and failed.
    CheckFailed = 1,
    /// Usage or runtime error.
    Error = 2,
}

/// Attaches a hint to an error; the renderer prints it last.
pub(crate) trait Hint<T> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T>;
}

impl<T, E> Hint<T> for Result<T, E>
where
    E: Into<anyhow::Error>,
{
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T> {
        self.map_err(|e| e.into().context(HintMarker(hint.into())))
    }
}

/// A hint as a context layer, for errors built by hand.
pub(crate) fn hint_marker(
    hint: impl Into<String>,
) -> impl fmt::Display + fmt::Debug + Send + Sync + 'static {
    HintMarker(hint.into())
}

/// Context layer that carries a hint. It displays as nothing, so that the
/// renderer can skip it in the cause chain and print the hint last; the
/// outermost hint wins.
#[derive(Debug)]
struct HintMarker(String);

impl fmt::Display for HintMarker {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

/// Whether the error is a closed stdout pipe (`oubli mask … -o - | head`), which
/// is not a failure.
pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The messages of the error chain, outermost first, without the hint layers
/// (which display as nothing) and without repeats.
fn messages(error: &anyhow::Error) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() {
            continue;
        }
        // Avoid printing the same message twice (`#[error(transparent)]`, fs-err).
        if lines.last() != Some(&text)
            && !lines
                .iter()
                .any(|l: &String| l.ends_with(&text) && text.len() > 20)
        {
            lines.push(text);
        }
    }
    lines
}

/// The error chain on one line (`outer: inner: …`), for the ledger's `error` field.
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    messages(error).join(": ")
}

/// Prints the error chain to stderr.
pub(crate) fn render(error: &anyhow::Error) {
    let hint = error.downcast_ref::<HintMarker>().map(|h| h.0.as_str());
    let lines = messages(error);
    let mut err = std::io::stderr().lock();
    for (i, line) in lines.iter().enumerate() {
        let label = if i == 0 { "error" } else { "caused by" };
        let _ = writeln!(err, "{label}: {line}");
    }
    if let Some(h) = hint {
        let _ = writeln!(err, "hint: {h}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn one_line_skips_hint_layers() {
        let error = Err::<(), _>(std::io::Error::other("disk on fire"))
            .context("cannot open the input")
            .hint("check the path")
            .unwrap_err();
        assert_eq!(one_line(&error), "cannot open the input: disk on fire");
    }
}
