#!/usr/bin/env bash
# The Parquet engine read back by an independent reader: builds `oubli` and the
# fixture writer, masks and unmasks a typed Parquet file with the CLI, and checks
# both files with pyarrow (tests/pyarrow_check.py). Needs python3 with pyarrow.
#
#   bash crates/oubli-parquet/tests/pyarrow_flow.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --quiet --locked -p oubli-cli -p oubli-parquet --example parquet_fixture
bin=${CARGO_TARGET_DIR:-target}/debug
out=${CARGO_TARGET_DIR:-target}/pyarrow-check
policy=crates/oubli-parquet/tests/data/ci.policy.toml
rm -rf "$out"
mkdir -p "$out"
set -x
"$bin/examples/parquet_fixture" "$out/in.parquet" 5000
"$bin/oubli" --quiet key new -o "$out/k.key"
"$bin/oubli" --quiet mask "$out/in.parquet" -o "$out/masked.parquet" --policy "$policy" --key "$out/k.key"
"$bin/oubli" --quiet unmask "$out/masked.parquet" -o "$out/restored.parquet" --policy "$policy" --key "$out/k.key"
python3 crates/oubli-parquet/tests/pyarrow_check.py "$out/in.parquet" "$out/masked.parquet" "$policy" "$out/k.key" "$out/restored.parquet"
