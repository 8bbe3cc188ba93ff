//! `oubli`: the command-line tool. This crate parses arguments, wires the engines
//! together, shows progress and renders errors; the work happens in the library
//! crates (`oubli-core`, `oubli-policy`, `oubli-csv`).

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod error;
mod keyfile;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser as _;

use crate::error::Exit;

fn main() -> ExitCode {
    // Key material lives in this process's memory (and some of it, inside
    // `ring` and the HMAC states, is not zeroized): never write it to a core
    // dump. Best effort: a system that refuses leaves the limit as it was.
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    let cli = cli::Cli::parse();
    // SIGINT/SIGTERM remove the registered temporary files (outputs not yet
    // renamed into place) before exiting with 128 + the signal.
    if let Err(e) = oubli_erase::cleanup::install() {
        error::render(&anyhow::Error::new(e).context("cannot install the signal handlers"));
        return ExitCode::from(Exit::Error as u8);
    }
    let result = std::panic::catch_unwind(|| commands::run(cli));
    let exit = match result {
        Ok(Ok(exit)) => exit,
        Ok(Err(e)) if error::is_broken_pipe(&e) => Exit::Ok,
        Ok(Err(e)) => {
            error::render(&e);
            Exit::Error
        }
        Err(_) => {
            // The panic message was printed by the default hook.
            error::render(&anyhow::anyhow!(
                "internal error: oubli stopped unexpectedly; no output was written. Please report this with the command line you used"
            ));
            Exit::Error
        }
    };
    ExitCode::from(exit as u8)
}
