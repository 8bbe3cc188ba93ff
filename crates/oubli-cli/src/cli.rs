//! Every command-line definition of `oubli`, and the environment variables it reads.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variable naming the master key file.
pub(crate) const ENV_KEY_FILE: &str = "OUBLI_KEY_FILE";
/// Environment variable naming the signing key file.
pub(crate) const ENV_SIGNING_KEY_FILE: &str = "OUBLI_SIGNING_KEY_FILE";

/// oubli: mask columns of CSV files with keyed transforms (ISO/IEC 27002 8.11), and
/// leave verifiable evidence of deletion (8.10).
#[derive(Debug, Parser)]
#[command(
    name = "oubli",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// No progress bar and no summary on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create and inspect key files.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Mask the columns of INPUT as the policy says, writing OUTPUT.
    Mask(JobArgs),
    /// Reverse the `encrypt`, `encrypt_random` and `fpe` columns of masked data.
    Unmask(JobArgs),
    /// Create, verify and inspect an evidence ledger.
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Create a ledger in DIR with a fixed origin, and print its verifier key.
    Init {
        /// The ledger directory (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The ledger's name in its checkpoints, e.g. `example.com/privacy-ledger`
        /// [default: `oubli.ledger/` and 16 random hex characters].
        #[arg(long, value_name = "NAME")]
        origin: Option<String>,
        /// The signing key file.
        #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE)]
        signing_key: PathBuf,
    },
    /// Verify every entry and the signed checkpoint with the public key alone.
    Verify {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The ledger's verifier key: a file holding the line printed by `oubli
        /// log init` or `oubli key public FILE --name ORIGIN`.
        #[arg(long, value_name = "PUB")]
        public_key: PathBuf,
        /// A checkpoint saved earlier: also check that the ledger extends it
        /// (catches truncation, rollback and forks).
        #[arg(long, value_name = "CHECKPOINT")]
        trusted: Option<PathBuf>,
    },
    /// Print the entries.
    Show {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Print the entries' JSON lines as they are.
        #[arg(long)]
        json: bool,
    },
    /// Print the latest signed checkpoint, for an auditor to keep.
    Checkpoint {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write one entry with its inclusion proof and the signed checkpoint
    /// (C2SP tlog-proof), checkable without the rest of the ledger.
    Receipt {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The entry's index (`seq`).
        #[arg(long, value_name = "N")]
        entry: u64,
        /// The receipt file, or `-` for stdout.
        #[arg(short, long, value_name = "FILE")]
        output: String,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Check a receipt with the ledger's public key alone.
    VerifyReceipt {
        /// The receipt file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The ledger's verifier key file.
        #[arg(long, value_name = "PUB")]
        public_key: PathBuf,
    },
    /// Cut a torn last entry left by a crash, sign entries an interrupted append
    /// left uncovered, and record the repair.
    Repair {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The signing key file.
        #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE)]
        signing_key: PathBuf,
        /// Who repairs (recorded in the entry) [default: the user name].
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Write a new random key to a new file (mode 0600; never overwrites).
    New {
        /// The key file to create.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// An Ed25519 signing key (for the evidence ledger) instead of a master key.
        #[arg(long)]
        signing: bool,
    },
    /// Print a signing key's public verifier key (C2SP signed-note format).
    Public {
        /// The signing key file.
        #[arg(value_name = "FILE", env = ENV_SIGNING_KEY_FILE)]
        file: PathBuf,
        /// The signer name in the verifier key.
        #[arg(long, default_value = oubli_core::DEFAULT_SIGNER_NAME)]
        name: String,
    },
    /// Print a key file's public key id.
    Id {
        /// The key file (master or signing).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Arguments of `mask` and `unmask`.
#[derive(Debug, Args)]
pub(crate) struct JobArgs {
    /// The input file, or `-` for stdin.
    #[arg(value_name = "INPUT")]
    pub(crate) input: String,

    /// The output file, or `-` for stdout. Written to a temporary file and renamed
    /// on success, so a failed job leaves no output.
    #[arg(short, long, value_name = "OUTPUT")]
    pub(crate) output: String,

    /// The policy file (TOML).
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: PathBuf,

    /// The master key file (never the key itself).
    #[arg(long, value_name = "FILE", env = ENV_KEY_FILE)]
    pub(crate) key: PathBuf,

    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub(crate) force: bool,

    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) threads: Option<u16>,

    /// Field delimiter: one ASCII character, or `tab` [default: `,`, or tab for .tsv].
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<String>,

    /// Input format [default: from the extension; `-` is CSV].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,

    /// Print a one-line JSON summary (on stdout; on stderr if OUTPUT is stdout).
    #[arg(long)]
    pub(crate) json: bool,

    /// Record the job in this evidence ledger (created on first use).
    #[arg(long, value_name = "DIR")]
    pub(crate) ledger: Option<PathBuf>,

    /// The ledger's signing key file (with --ledger).
    #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE)]
    pub(crate) signing_key: Option<PathBuf>,

    /// Who runs the job, for the ledger [default: the user name].
    #[arg(long, value_name = "NAME")]
    pub(crate) operator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Comma-separated values (RFC 4180).
    Csv,
    /// Tab-separated values.
    Tsv,
    /// Apache Parquet.
    Parquet,
}
