#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 5), one at a time,
# from its seeds (fuzz/seeds/<target>) plus the corpus kept in fuzz/corpus/<target>.
# A crash stops the script with libFuzzer's exit code; the reproducer is in
# fuzz/artifacts/<target>/.
#
#   bash fuzz/run.sh            # CI: build, then 5 s per target
#   bash fuzz/run.sh 300        # 5 minutes per target
#   bash fuzz/run.sh 60 csv_mask parquet_mask
#
# cargo-fuzz needs nightly-only rustc flags (sanitizers, coverage); on a stable
# toolchain RUSTC_BOOTSTRAP=1 allows them.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-5}
shift || true
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz not found: installing it" >&2
    cargo install cargo-fuzz --locked
fi
# Cargo.lock of the fuzz crate must be in step with its manifest (cargo fuzz has
# no --locked flag of its own).
cargo metadata --locked --format-version 1 >/dev/null
cargo fuzz build --debug-assertions

if [ "$#" -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
else
    targets=("$@")
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "fuzz: $target for ${seconds}s" >&2
    if ! cargo fuzz run --debug-assertions "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz: $target failed; the reproducer is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$log" >&2 || true
done
