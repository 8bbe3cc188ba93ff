//! `oubli key …`: create and inspect key files.

use std::io::{self, Write as _};

use oubli_core::{AnyKey, MasterKey, SigningKey};

use super::now_rfc3339;
use crate::cli::KeyCommand;
use crate::error::Exit;
use crate::keyfile;

/// Runs `oubli key …`.
pub(crate) fn run(cmd: KeyCommand, quiet: bool) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    match cmd {
        KeyCommand::New { output, signing } => {
            let (text, id) = if signing {
                let key = SigningKey::generate()?;
                (key.to_key_file(&now_rfc3339()), key.id())
            } else {
                let key = MasterKey::generate()?;
                (key.to_key_file(&now_rfc3339()), key.id().to_string())
            };
            keyfile::write_new(&output, &text)?;
            if !quiet {
                let kind = if signing { "signing key" } else { "master key" };
                eprintln!(
                    "wrote {kind} {id} to {} (mode 0600); keep it secret and back it up",
                    output.display()
                );
            }
        }
        KeyCommand::Public { file, name } => {
            let key = keyfile::read_signing(&file)?;
            let verifier = key.verifier_key(&name)?;
            writeln!(stdout, "{verifier}")?;
        }
        KeyCommand::Id { file } => match keyfile::read_any(&file)? {
            AnyKey::Master(key) => writeln!(stdout, "{}", key.id())?,
            AnyKey::Signing(key) => writeln!(stdout, "{}", key.id())?,
        },
    }
    Ok(Exit::Ok)
}
