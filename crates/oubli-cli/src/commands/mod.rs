//! The commands: each turns parsed arguments into calls to the library crates.

mod certificate;
mod erase;
mod evidence;
mod forget;
mod job;
mod key;
mod log;
mod mask_risk;
mod risk;
mod scan;
mod shred;
mod vault;

use crate::cli::{Cli, Command};
use crate::error::Exit;

/// Runs one command.
pub(crate) fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Key(cmd) => key::run(cmd, cli.quiet),
        Command::Mask(args) => job::run(&args, job::Direction::Mask, cli.quiet),
        Command::Unmask(args) => job::run(&args, job::Direction::Unmask, cli.quiet),
        Command::Log(cmd) => log::run(cmd, cli.quiet),
        Command::Shred(args) => shred::run_shred(&args, cli.quiet),
        Command::Sweep(args) => shred::run_sweep(&args, cli.quiet),
        Command::Erase(args) => erase::run(&args, cli.quiet),
        Command::Risk(args) => risk::run(&args, cli.quiet),
        Command::Scan(args) => scan::run(&args, cli.quiet),
        Command::Vault(cmd) => vault::run(cmd, cli.quiet),
        Command::Forget(args) => forget::run(&args, cli.quiet),
    }
}

/// The current time, RFC 3339 in UTC, to the second.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
