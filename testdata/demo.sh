#!/usr/bin/env bash
# The README's quick start: build oubli, make a throwaway demo key, mask the demo
# customers file, then unmask it again. Safe to run repeatedly; everything it
# writes goes to target/demo/ (the key there is for this demo only).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin oubli
oubli=target/release/oubli
out=target/demo
mkdir -p "$out"

run() { printf '$ %s\n' "$*" >&2; "$@"; }

[ -f "$out/demo.key" ] || run "$oubli" key new -o "$out/demo.key"
run "$oubli" mask testdata/customers.csv -o "$out/customers.masked.csv" \
    --policy testdata/customers.policy.toml --key "$out/demo.key" --force
run "$oubli" unmask "$out/customers.masked.csv" -o "$out/customers.unmasked.csv" \
    --policy testdata/customers.policy.toml --key "$out/demo.key" --force

printf '\nFirst rows of %s:\n' "$out/customers.masked.csv" >&2
head -n 4 "$out/customers.masked.csv"
