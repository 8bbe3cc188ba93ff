#!/usr/bin/env bash
# The large-file benchmark of `oubli mask` on Parquet.
#
#   bash crates/oubli-parquet/benches/large.sh [CSV_MB] [OUT_DIR]
#
#   CSV_MB    size of the synthetic CSV converted to Parquet, in MiB (default 2290,
#             which gives a ~1 GB Snappy Parquet file of ~17 M rows)
#   OUT_DIR   default target/parquet-bench
#   REPS      runs of every measurement (default 3); the median is reported
#
# The data are `gen_customers` (benches/, seed 42: the CSV benchmark's 10 columns)
# converted by examples/csv_to_parquet.rs with birth_date and signup_date as
# date32 and amount as double, in row groups of 1 Mi rows. Jobs: all `keep`,
# `hash` email, `hash` customer_id + email + phone (the CSV benchmark's
# policies), each with --threads 1 and 2, under GNU time for peak RSS and CPU
# time. Checks: every job reports every row; the outputs of --threads 1 and 2
# are byte-identical.
set -euo pipefail
cd "$(dirname "$0")/../../.."
csv_mb=${1:-2290}
out=${2:-target/parquet-bench}
reps=${REPS:-3}
die() { printf 'large.sh: error: %s\n' "$*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed: apt-get install time"

cargo build --release --quiet -p oubli-cli -p oubli-benches --bins
cargo build --release --quiet -p oubli-parquet --example csv_to_parquet
bin=${CARGO_TARGET_DIR:-target}/release
mkdir -p "$out"
input=$out/customers.parquet
if [[ ! -s $input ]]; then
    "$bin/gen_customers" $((csv_mb * 1024 * 1024)) 42 2>/dev/null |
        "$bin/examples/csv_to_parquet" "$input" birth_date=date32 signup_date=date32 amount=double 2>"$out/gen.log"
fi
bytes=$(stat -c %s "$input")
rm -f "$out/bench.key"
"$bin/oubli" --quiet key new -o "$out/bench.key"

columns=(customer_id email full_name phone iban birth_date zip city signup_date amount)
policy() {
    local name=$1 col rule spec
    shift
    {
        echo "version = 1"
        echo "[columns]"
        for col in "${columns[@]}"; do
            rule='{ transform = "keep" }'
            for spec in "$@"; do [[ ${spec%%=*} == "$col" ]] && rule=${spec#*=}; done
            echo "$col = $rule"
        done
    } >"$out/$name.policy.toml"
}
hash_email='email={ transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }'
policy keep
policy hash1 "$hash_email"
policy hash3 'customer_id={ transform = "hash", domain = "customer", length = 20, prefix = "cust_" }' \
    "$hash_email" 'phone={ transform = "hash", domain = "phone", normalise = ["digits_only"] }'

results=$out/results.txt
: >"$results"
cat "$input" >/dev/null
for rep in $(seq 1 "$reps"); do
    for job in keep hash1 hash3; do
        for threads in 1 2; do
            result=$out/out.$job.t$threads.parquet
            rm -f "$result"
            sync
            t0=$(date +%s%N)
            /usr/bin/time -v -o "$out/time.txt" "$bin/oubli" --quiet mask "$input" -o "$result" \
                --policy "$out/$job.policy.toml" --key "$out/bench.key" --threads "$threads" --json >"$out/summary.json"
            t1=$(date +%s%N)
            rows=$(sed -n 's/.*"rows": *\([0-9]*\).*/\1/p' "$out/summary.json")
            rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
            cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$out/time.txt")
            echo "$job $threads $((t1 - t0)) $rss $cpu $rows" | tee -a "$results" >&2
        done
        cmp -s "$out/out.$job.t1.parquet" "$out/out.$job.t2.parquet" ||
            die "job $job: --threads 1 and 2 outputs differ"
    done
done

echo "input: $bytes bytes, $rows rows, $(nproc) cores; median of $reps runs"
echo "| job | threads | wall s | rows/s | MB/s (input) | CPU s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for job in keep hash1 hash3; do
    for threads in 1 2; do
        awk -v j="$job" -v t="$threads" '$1 == j && $2 == t' "$results" | sort -k3,3n | awk -v b="$bytes" '
            { w[NR] = $3 / 1e9; c[NR] = $5; r = $6; if ($4 > rss) rss = $4 }
            END { m = w[int((NR + 1) / 2)]; cpu = c[int((NR + 1) / 2)];
                  printf "| %s | %s | %.2f | %.0f | %.0f | %.1f | %.0f |\n", j, t, m, r / m, b / 1e6 / m, cpu, rss / 1024 }' j="$job" t="$threads"
    done
done
