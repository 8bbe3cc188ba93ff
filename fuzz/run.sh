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
# toolchain RUSTC_BOOTSTRAP=1 allows them. FUZZ_WITHOUT_CARGO_FUZZ=1 uses the
# plain-cargo build even where cargo-fuzz is installed.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-5}
shift || true
export RUSTC_BOOTSTRAP=1

# Cargo.lock of the fuzz crate must be in step with its manifest (cargo fuzz has
# no --locked flag of its own).
cargo metadata --locked --format-version 1 >/dev/null

if [ "$#" -eq 0 ]; then
    mapfile -t targets < <(sed -n '/^\[\[bin\]\]/,/^name/ s/^name = "\(.*\)"/\1/p' Cargo.toml)
else
    targets=("$@")
fi

if [ -z "${FUZZ_WITHOUT_CARGO_FUZZ:-}" ] && cargo fuzz --version >/dev/null 2>&1; then
    cargo fuzz build --debug-assertions
    run_target() { cargo fuzz run --debug-assertions "$@"; }
else
    # Without cargo-fuzz (a CI machine: installing it takes minutes), build the
    # targets the way it does, with coverage instrumentation and AddressSanitizer,
    # for the host triple (so that build scripts are not instrumented).
    echo "cargo-fuzz not found: building the targets with cargo directly (install cargo-fuzz to fuzz for real)" >&2
    host=$(rustc -vV | sed -n 's/^host: //p')
    export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Zsanitizer=address -Cdebug-assertions -Cforce-frame-pointers"
    cargo build --locked --release --target "$host" --bins
    run_target() {
        local name=$1 arg args=()
        shift
        for arg in "$@"; do
            [ "$arg" = "--" ] || args+=("$arg")
        done
        "target/$host/release/$name" "${args[@]}"
    }
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "fuzz: $target for ${seconds}s" >&2
    if ! run_target "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz: $target failed; the reproducer is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$log" >&2 || true
done
