#!/usr/bin/env bash
# Deletion throughput of the `oubli` binary (release), medians of REPS runs.
#
#   bash benches/deletion.sh [SIZE_MB] [OUT_DIR]
#
#   SIZE_MB   file size in MiB (default 1024); OUT_DIR default target/deletion-bench
#   Environment: REPS (default 3), SUBJECTS (default 10000).
#
# 1. shred: `oubli shred F --content-hash none` and `oubli shred F` (with the
#    SHA-256 read) of a SIZE_MB file of random bytes, against
#    `dd if=/dev/urandom of=F bs=1M count=SIZE_MB conv=fdatasync` on the same
#    file system. Each file is written and synced before the timed command.
# 2. erase: `oubli erase` of SUBJECTS emails from a SIZE_MB synthetic customers
#    CSV (benches/src/bin/gen_customers.rs), `-o` to a new file, and `--in-place`
#    (which also shreds the old version) on a fresh copy.
# Prints one line per measurement: name, median seconds, MiB/s.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
out=${2:-target/deletion-bench}
reps=${REPS:-3}
nsubjects=${SUBJECTS:-10000}
cargo build --release --quiet -p oubli-cli -p oubli-benches --bins
bin=${CARGO_TARGET_DIR:-target}/release
oubli=$bin/oubli
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "file system of $out: $(stat -f -c %T "$out") on $(df --output=source "$out" | tail -1)"

# time_it NAME CMD...: wall seconds of CMD, appended to $out/times
time_it() {
    local name=$1 t0 t1
    shift
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "$name $(( t1 - t0 ))" >>"$out/times"
}
report() {
    local name=$1 mb=$2
    grep "^$name " "$out/times" | awk '{print $2}' | sort -n | awk -v n="$name" -v mb="$mb" '
        { v[NR] = $1 / 1e9 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%-28s median %7.2f s  %7.1f MiB/s  (runs: %d, min %.2f, max %.2f)\n", n, m, mb / m, NR, v[1], v[NR] }'
}
: >"$out/times"
f=$out/shred.bin
for _ in $(seq "$reps"); do
    rm -f "$f"; sync
    time_it "dd-urandom-fdatasync" dd if=/dev/urandom of="$f" bs=1M count="$size_mb" conv=fdatasync status=none
    sync
    time_it "shred-content-hash-none" "$oubli" --quiet shred "$f" --content-hash none
    head -c "${size_mb}M" /dev/urandom >"$f"; sync
    time_it "shred-sha256" "$oubli" --quiet shred "$f"
done

csv=$out/customers.csv
if [[ ! -s $csv ]]; then
    "$bin/gen_customers" $((size_mb * 1024 * 1024)) 42 >"$csv" 2>"$out/gen.log"
fi
# Every Nth row's email, then the first ten subjects once more as unknown ones.
rows=$(( $(wc -l <"$csv") - 1 ))
step=$(( rows / nsubjects ))
awk -F, -v step="$step" -v n="$nsubjects" 'NR > 1 && (NR - 2) % step == 0 && c < n { print $2; c++ }' "$csv" >"$out/subjects.txt"
echo "erase: $rows rows, $(wc -l <"$out/subjects.txt") subjects"
"$oubli" --quiet key new -o "$out/k" 2>/dev/null || true
for _ in $(seq "$reps"); do
    rm -f "$out/erased.csv"; sync
    time_it "erase-to-new-file" "$oubli" --quiet erase "$csv" --subjects "$out/subjects.txt" --column email -o "$out/erased.csv"
    cp "$csv" "$out/inplace.csv"; sync
    time_it "erase-in-place+shred-old" "$oubli" --quiet erase "$out/inplace.csv" --subjects "$out/subjects.txt" --column email --in-place
done
cmp -s "$out/erased.csv" "$out/inplace.csv" || { echo "in-place and -o outputs differ" >&2; exit 1; }
removed=$(( rows - $(wc -l <"$out/erased.csv") + 1 ))
echo "erase removed $removed rows"
csv_mb=$(( $(stat -c %s "$csv") / 1048576 ))
for n in dd-urandom-fdatasync shred-content-hash-none shred-sha256; do report "$n" "$size_mb"; done
for n in erase-to-new-file erase-in-place+shred-old; do report "$n" "$csv_mb"; done
