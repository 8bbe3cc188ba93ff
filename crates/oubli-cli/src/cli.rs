//! Every command-line definition of `oubli`, and the environment variables it reads.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variable naming the master key file.
pub(crate) const ENV_KEY_FILE: &str = "OUBLI_KEY_FILE";
/// Environment variable naming the signing key file.
pub(crate) const ENV_SIGNING_KEY_FILE: &str = "OUBLI_SIGNING_KEY_FILE";

/// oubli: mask columns of CSV and Parquet files with keyed transforms (ISO/IEC 27002
/// 8.11), delete with verifiable, signed evidence (8.10).
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
    /// Destroy files: overwrite, read back, scrub the name, unlink; one ledger
    /// entry per file, honest about what the storage lets anyone verify.
    Shred(ShredArgs),
    /// Shred the files under DIR whose modification time is past a retention.
    Sweep(SweepArgs),
    /// Remove data subjects' rows from a CSV or Parquet file (GDPR Art. 17),
    /// verified by re-reading; subjects are recorded only as keyed tags.
    Erase(EraseArgs),
    /// Measure re-identification risk in one streaming pass: equivalence classes
    /// over quasi-identifiers, k-anonymity, l-diversity, prosecutor risk.
    Risk(RiskArgs),
    /// Sample the first rows and print a suggested policy (TOML) saying what
    /// each column holds; never prints a value.
    Scan(ScanArgs),
    /// Create and inspect crypto-shredding vaults: one data key per data
    /// subject, for `encrypt` columns with `per_subject`.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Destroy data subjects' keys in a vault (cryptographic erase): their
    /// per-subject tokens become irrecoverable in every copy at once.
    Forget(ForgetArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum VaultCommand {
    /// Create an empty vault for the master key (never overwrites a file).
    Init {
        /// The vault file to create.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The master key file.
        #[arg(long, value_name = "FILE", env = ENV_KEY_FILE, hide_env_values = true)]
        key: PathBuf,
    },
    /// Check a vault and print its key id and counts (never a key or tag).
    Show {
        /// The vault file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The master key file.
        #[arg(long, value_name = "FILE", env = ENV_KEY_FILE, hide_env_values = true)]
        key: PathBuf,
        /// One JSON line instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ForgetArgs {
    /// The vault file.
    #[arg(long, value_name = "FILE")]
    pub(crate) vault: PathBuf,
    /// The subjects: one identifier per line, as in the data's subject column
    /// (trimmed; empty lines skipped), the same file `oubli erase` takes.
    #[arg(long, value_name = "FILE")]
    pub(crate) subjects: PathBuf,
    /// The master key file.
    #[arg(long, value_name = "FILE", env = ENV_KEY_FILE, hide_env_values = true)]
    pub(crate) key: PathBuf,
    /// Print a JSON summary line on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) ledger: DeletionLedgerArgs,
}

/// What `unmask` does with a token of a forgotten subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Forgotten {
    /// Stop with an error naming the row and column.
    Error,
    /// Output an empty value, and count them.
    Redact,
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
        #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE, hide_env_values = true)]
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
    /// Print a certificate of sanitization (NIST SP 800-88r2 §4.6) for a
    /// deletion entry (`shred`, `erase`), carrying the entry's receipt.
    Certificate {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The entry's index (`seq`).
        #[arg(long, value_name = "N")]
        entry: u64,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: CertificateFormat,
    },
    /// Cut a torn last entry left by a crash, sign entries an interrupted append
    /// left uncovered, and record the repair.
    Repair {
        /// The ledger directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The signing key file.
        #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE, hide_env_values = true)]
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
        #[arg(value_name = "FILE", env = ENV_SIGNING_KEY_FILE, hide_env_values = true)]
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
    #[arg(long, value_name = "FILE", env = ENV_KEY_FILE, hide_env_values = true)]
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

    /// Parquet output codec for every column: uncompressed, snappy, lz4, gzip,
    /// brotli or zstd, with `:LEVEL` for the last three [default: each column's
    /// codec in the input].
    #[arg(long, value_name = "CODEC")]
    pub(crate) compression: Option<String>,

    /// Rows per Parquet output row group [default: the input's row groups].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) row_group_size: Option<u64>,

    /// Print a one-line JSON summary (on stdout; on stderr if OUTPUT is stdout).
    #[arg(long)]
    pub(crate) json: bool,

    /// Record the job in this evidence ledger (created on first use).
    #[arg(long, value_name = "DIR")]
    pub(crate) ledger: Option<PathBuf>,

    /// The ledger's signing key file (with --ledger).
    #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE, hide_env_values = true)]
    pub(crate) signing_key: Option<PathBuf>,

    /// Who runs the job, for the ledger [default: the user name].
    #[arg(long, value_name = "NAME")]
    pub(crate) operator: Option<String>,

    /// The vault of `per_subject` columns; takes precedence over the policy's
    /// `vault = "..."`.
    #[arg(long, value_name = "FILE")]
    pub(crate) vault: Option<PathBuf>,

    /// mask: make a new key for a subject that was forgotten, instead of
    /// stopping (reported on stderr and in the ledger).
    #[arg(long)]
    pub(crate) allow_new_after_forget: bool,

    /// unmask: what to do with a token of a forgotten subject.
    #[arg(long, value_enum, value_name = "HOW", default_value = "error")]
    pub(crate) forgotten: Forgotten,
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

/// `--ledger`, `--signing-key`, `--operator` of the deletion commands.
#[derive(Debug, Args)]
pub(crate) struct DeletionLedgerArgs {
    /// Record what was done in this evidence ledger (created on first use).
    #[arg(long, value_name = "DIR")]
    pub(crate) ledger: Option<PathBuf>,

    /// The ledger's signing key file (with --ledger).
    #[arg(long, value_name = "FILE", env = ENV_SIGNING_KEY_FILE, hide_env_values = true)]
    pub(crate) signing_key: Option<PathBuf>,

    /// Who runs the job, for the ledger [default: the user name].
    #[arg(long, value_name = "NAME")]
    pub(crate) operator: Option<String>,
}

/// How `shred` and `sweep` destroy each file.
#[derive(Debug, Args)]
pub(crate) struct ShredHow {
    /// Random overwrite passes (a CSPRNG stream each).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(crate) passes: u32,

    /// Finish with a pass of zeros.
    #[arg(long)]
    pub(crate) zero: bool,

    /// Record each file's SHA-256 before it is overwritten, or not.
    #[arg(long, value_enum, value_name = "HASH", default_value = "sha256")]
    pub(crate) content_hash: ContentHash,

    /// List what would be destroyed (on stdout) and write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Print one JSON line per path on stdout (the ledger entry's fields).
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) ledger: DeletionLedgerArgs,
}

/// Whether shred records content hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ContentHash {
    /// SHA-256 of the content before the overwrite.
    Sha256,
    /// No content hash.
    None,
}

/// Arguments of `shred`.
#[derive(Debug, Args)]
pub(crate) struct ShredArgs {
    /// Files, symlinks (removed as links, targets untouched) or, with -r, directories.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,

    /// Shred directories and everything in them, depth first.
    #[arg(short, long)]
    pub(crate) recursive: bool,

    #[command(flatten)]
    pub(crate) how: ShredHow,
}

/// Arguments of `sweep`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// The directory to sweep (recursively; symlinks are not followed).
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,

    /// Retention: files modified longer ago are shredded (`30d`, `12h`, `90m`, `2w`, `45s`).
    #[arg(long, value_name = "AGE")]
    pub(crate) older_than: String,

    /// Only files whose name matches (or whose path under DIR, if the pattern has a `/`).
    #[arg(long, value_name = "PATTERN")]
    pub(crate) glob: Option<String>,

    #[command(flatten)]
    pub(crate) how: ShredHow,
}

/// Arguments of `erase`.
#[derive(Debug, Args)]
pub(crate) struct EraseArgs {
    /// The CSV, TSV or Parquet file.
    #[arg(value_name = "INPUT")]
    pub(crate) input: PathBuf,

    /// The subjects: one identifier per line.
    #[arg(long, value_name = "FILE")]
    pub(crate) subjects: PathBuf,

    /// The column holding the identifiers.
    #[arg(long, value_name = "C")]
    pub(crate) column: String,

    /// Write the new version here (INPUT is left as it is).
    #[arg(
        short,
        long,
        value_name = "OUTPUT",
        required_unless_present = "in_place",
        conflicts_with = "in_place"
    )]
    pub(crate) output: Option<PathBuf>,

    /// Replace INPUT, crash-safely, then shred its old version.
    #[arg(long)]
    pub(crate) in_place: bool,

    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub(crate) force: bool,

    /// Match the subjects through this policy's transform of column C (for
    /// masked data: `hash`, `encrypt`, `fpe`); needs --key.
    #[arg(long, value_name = "P")]
    pub(crate) match_policy: Option<PathBuf>,

    /// The master key file: for --match-policy, and for the subjects' tags in
    /// the ledger (required with --ledger).
    #[arg(long, value_name = "FILE", env = ENV_KEY_FILE, hide_env_values = true)]
    pub(crate) key: Option<PathBuf>,

    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) threads: Option<u16>,

    /// Field delimiter: one ASCII character, or `tab` [default: `,`, or tab for .tsv].
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<String>,

    /// Input format [default: from the extension].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,

    /// Print a one-line JSON summary on stdout.
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) ledger: DeletionLedgerArgs,
}

/// Arguments of `risk`.
#[derive(Debug, Args)]
pub(crate) struct RiskArgs {
    /// The CSV, TSV or Parquet file, or `-` for stdin (CSV or TSV only).
    #[arg(value_name = "INPUT")]
    pub(crate) input: String,

    /// The quasi-identifier columns, separated by commas (or repeat the option).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',', required = true)]
    pub(crate) quasi: Vec<String>,

    /// The sensitive column, for distinct l-diversity.
    #[arg(long, value_name = "COLUMN")]
    pub(crate) sensitive: Option<String>,

    /// Check k-anonymity: exit 1 if a class has fewer than N records. Also the N
    /// of "records in classes smaller than N" [default for that figure: 2].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) k: Option<u64>,

    /// Print one JSON object (`oubli.risk/1`) instead of the table.
    #[arg(long)]
    pub(crate) json: bool,

    /// Field delimiter: one ASCII character, or `tab` [default: `,`, or tab for .tsv].
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<String>,

    /// Input format [default: from the extension; `-` is CSV].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// The CSV, TSV or Parquet file, or `-` for stdin (CSV or TSV only).
    #[arg(value_name = "INPUT")]
    pub(crate) input: String,

    /// How many rows to sample: the first N.
    #[arg(long, value_name = "N", default_value_t = oubli_risk::DEFAULT_SCAN_ROWS, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) rows: u64,

    /// Field delimiter: one ASCII character, or `tab` [default: `,`, or tab for .tsv].
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<String>,

    /// Input format [default: from the extension; `-` is CSV].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
}

/// Formats of `log certificate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CertificateFormat {
    /// A printable certificate with blank lines for the validator.
    Text,
    /// One JSON object (`oubli.certificate/1`).
    Json,
}
