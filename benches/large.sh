#!/usr/bin/env bash
# The large-dataset benchmark of the `oubli` binary.
#
#   bash benches/large.sh [SIZE_MB] [OUT_DIR]
#
#   SIZE_MB   size of the generated input in MiB (2^20 bytes); default 1024
#   OUT_DIR   where the data, key, policies and outputs go; default target/large-bench
#             (under target/, so nothing generated ever reaches git)
#
#   Environment: REPS (runs of every measurement, default 3), SEED (generator seed,
#   default 42), DOC (the Markdown file to update, default docs/PERFORMANCE.md;
#   DOC=- prints the section instead of writing it), BUILD=0 (use the release
#   binaries already in target/release instead of running cargo build).
#
# What it does:
#   1. builds `oubli` and `gen_customers` in release;
#   2. generates a deterministic synthetic CSV of SIZE_MB MiB (10 columns of
#      personal data: customer_id, email, full_name, phone, iban, birth_date, zip,
#      city, signup_date, amount) with benches/src/bin/gen_customers.rs;
#   3. makes a key with `oubli key new` and five policies: (a) all `keep`,
#      (b) `hash` email, (c) `hash` customer_id, email and phone, (d) `fpe` phone,
#      (e) `encrypt` iban (every other column `keep`);
#   4. REPS times over: times the I/O floor (`cat FILE > /dev/null`, `cp`, and `cp`
#      plus an fsync of the copy, since `oubli` fsyncs its output), then
#      `oubli --quiet mask ... --threads T --json` for every job and T in 1 2, each
#      under GNU time (`/usr/bin/time -v`) for peak RSS and CPU time; wall time is
#      measured around it with `date +%s%N`. Before each timed command the input
#      is read once (untimed) so that it is in the page cache (proactive reclaim,
#      such as DAMON, can drop it between runs), the previous output is deleted
#      and `sync` is run, so that one run's write-back does not land in the next.
#   5. checks correctness: the all-keep output is byte-identical to the input
#      (`cmp`), every job reports as many rows as were generated, the threads-1
#      and threads-2 outputs of every job are byte-identical (all five jobs are
#      deterministic), and the other jobs do change the data;
#   6. prints a table (median wall time over REPS runs, min-max spread, MiB/s and
#      rows/s from the median, median CPU time (user + sys), CPU %, peak RSS) and
#      writes it, with the machine (nproc, CPU model, memory), date, rustc, oubli
#      commit, input size and rows, between the `large-bench` markers of
#      docs/PERFORMANCE.md (the rest of the file is left alone; the section is
#      appended if the markers are missing).
#
# Any failed command or check stops the script with a non-zero exit and the
# failing command's stderr; nothing is retried or skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
die() {
    printf 'large.sh: error: %s\n' "$*" >&2
    exit 1
}
log() { printf '==> %s\n' "$*" >&2; }

[[ ${1:-} == -h || ${1:-} == --help ]] && usage
size_mb=${1:-1024}
out=${2:-target/large-bench}
reps=${REPS:-3}
seed=${SEED:-42}
doc=${DOC:-docs/PERFORMANCE.md}
[[ $size_mb =~ ^[1-9][0-9]*$ ]] || usage
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer"
[[ $seed =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"

# --- tools ------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
        log "installing GNU time with apt-get"
        apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
    fi
fi
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time"

if [[ ${BUILD:-1} != 0 ]]; then
    log "building oubli and gen_customers (release)"
    cargo build --release --quiet -p oubli-cli -p oubli-benches --bins
fi
bin=${CARGO_TARGET_DIR:-target}/release
oubli=$bin/oubli
gen=$bin/gen_customers
[[ -x $oubli && -x $gen ]] || die "release binaries not found in $bin"

mkdir -p "$out"
out=$(cd "$out" && pwd)
input=$out/customers.csv
results=$out/results.txt
: >"$results"

# --- data, key, policies ----------------------------------------------------------
bytes_wanted=$((size_mb * 1024 * 1024))
log "generating $size_mb MiB of synthetic customers (seed $seed) into $input"
"$gen" "$bytes_wanted" "$seed" >"$input" 2>"$out/gen.log" || die "gen_customers failed: $(cat "$out/gen.log")"
rows=$(sed -n 's/^rows=\([0-9]*\) .*/\1/p' "$out/gen.log")
bytes=$(stat -c %s "$input")
[[ -n $rows && $rows -gt 0 ]] || die "gen_customers reported no rows: $(cat "$out/gen.log")"
log "input: $bytes bytes, $rows rows"

rm -f "$out/bench.key"
"$oubli" --quiet key new -o "$out/bench.key" >/dev/null

columns=(customer_id email full_name phone iban birth_date zip city signup_date amount)
# policy NAME COLUMN=RULE...: every column `keep` except the ones given.
policy() {
    local name=$1 col rule spec
    shift
    {
        echo "# large.sh job \`$name\`"
        echo "version = 1"
        echo "[columns]"
        for col in "${columns[@]}"; do
            rule='{ transform = "keep" }'
            for spec in "$@"; do
                [[ ${spec%%=*} == "$col" ]] && rule=${spec#*=}
            done
            echo "$col = $rule"
        done
    } >"$out/$name.policy.toml"
}
hash_email='email={ transform = "hash", domain = "customer", normalise = ["trim", "lowercase"] }'
policy keep
policy hash1 "$hash_email"
policy hash3 'customer_id={ transform = "hash", domain = "customer", length = 20, prefix = "cust_" }' \
    "$hash_email" 'phone={ transform = "hash", domain = "phone", normalise = ["digits_only"] }'
policy fpe 'phone={ transform = "fpe", alphabet = "digits", domain = "phone" }'
policy encrypt 'iban={ transform = "encrypt", domain = "iban" }'
jobs=(keep hash1 hash3 fpe encrypt)

# --- measuring --------------------------------------------------------------------
# measure NAME THREADS CMD...: runs CMD under GNU time and appends
# "NAME THREADS wall_ns maxrss_kb user_s sys_s" to $results.
measure() {
    local name=$1 threads=$2 t0 t1 rss user sys
    shift 2
    cat "$input" >/dev/null # re-warm: the page cache may have dropped it since
    sync
    t0=$(date +%s%N)
    if ! /usr/bin/time -v -o "$out/time.txt" "$@" >"$out/stdout.txt" 2>"$out/stderr.txt"; then
        cat "$out/stderr.txt" "$out/time.txt" >&2 || true
        die "command failed: $*"
    fi
    t1=$(date +%s%N)
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
    user=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$out/time.txt")
    sys=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$out/time.txt")
    echo "$name $threads $((t1 - t0)) $rss $user $sys" >>"$results"
    awk -v n="$name" -v t="$threads" -v w=$((t1 - t0)) -v b="$bytes" -v r="$rss" \
        'BEGIN { printf "    %-10s threads=%s  %7.2f s  %8.1f MiB/s  peak RSS %6.1f MiB\n", n, t, w / 1e9, b / 1048576 / (w / 1e9), r / 1024 }' >&2
}

rows_of_json() { sed -n 's/.*"rows": *\([0-9]*\).*/\1/p' "$out/stdout.txt"; }

checks=()
for rep in $(seq 1 "$reps"); do
    log "run $rep of $reps: I/O floor"
    measure "cat>/dev/null" 1 sh -c 'cat "$1" >/dev/null' sh "$input"
    rm -f "$out/copy.csv"
    measure cp 1 cp "$input" "$out/copy.csv"
    rm -f "$out/copy.csv"
    measure "cp+fsync" 1 sh -c 'cp "$1" "$2" && sync "$2"' sh "$input" "$out/copy.csv"
    rm -f "$out/copy.csv"

    for job in "${jobs[@]}"; do
        log "run $rep of $reps: mask, job $job"
        for threads in 1 2; do
            result=$out/out.$job.t$threads.csv
            rm -f "$result"
            measure "$job" "$threads" "$oubli" --quiet mask "$input" -o "$result" \
                --policy "$out/$job.policy.toml" --key "$out/bench.key" \
                --threads "$threads" --json
            got=$(rows_of_json)
            [[ $got == "$rows" ]] || die "job $job threads $threads: $got rows in the summary, $rows generated"
        done
        # Correctness: byte-level checks of this run's outputs.
        cmp -s "$out/out.$job.t1.csv" "$out/out.$job.t2.csv" ||
            die "job $job: the outputs of --threads 1 and --threads 2 differ (cmp $out/out.$job.t1.csv $out/out.$job.t2.csv)"
        if [[ $job == keep ]]; then
            cmp "$input" "$out/out.keep.t1.csv" ||
                die "job keep: the all-keep output is not byte-identical to the input"
        else
            ! cmp -s "$input" "$out/out.$job.t1.csv" || die "job $job: the output equals the input"
        fi
        rm -f "$out/out.$job.t1.csv" "$out/out.$job.t2.csv"
    done
done
checks+=("all-keep output byte-identical to the input (\`cmp\`), threads 1 and 2, every run")
checks+=("every job: \`--threads 1\` and \`--threads 2\` outputs byte-identical, every run")
checks+=("every job: the \`--json\` summary counts all $rows rows; the non-keep outputs differ from the input")

# --- report -----------------------------------------------------------------------
# median: the median of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# stats NAME THREADS -> "median_wall_s min_s max_s maxrss_kb median_cpu_s runs"
stats() {
    local sel wall cpu
    sel=$(awk -v n="$1" -v t="$2" '$1 == n && $2 == t' "$results")
    wall=$(awk '{ print $3 / 1e9 }' <<<"$sel" | median)
    cpu=$(awk '{ print $5 + $6 }' <<<"$sel" | median)
    awk -v m="$wall" -v c="$cpu" '
        { w = $3 / 1e9; if (NR == 1 || w < lo) lo = w; if (w > hi) hi = w; if ($4 > rss) rss = $4 }
        END { printf "%.3f %.3f %.3f %d %.2f %d\n", m, lo, hi, rss, c, NR }' <<<"$sel"
}

describe() {
    case $1 in
        keep) echo "(a) all \`keep\`" ;;
        hash1) echo "(b) \`hash\` email" ;;
        hash3) echo "(c) \`hash\` customer_id, email, phone" ;;
        fpe) echo "(d) \`fpe\` phone" ;;
        encrypt) echo "(e) \`encrypt\` iban" ;;
        *) echo "I/O floor: \`$1\`" ;;
    esac
}

row() {
    local name=$1 threads=$2 s
    read -r -a s <<<"$(stats "$name" "$threads")"
    awk -v d="$(describe "$name")" -v t="$threads" -v m="${s[0]}" -v lo="${s[1]}" -v hi="${s[2]}" \
        -v rss="${s[3]}" -v cpu="${s[4]}" -v b="$bytes" -v r="$rows" 'BEGIN {
            printf "| %s | %s | %.2f | %.2f–%.2f (±%.0f%%) | %.0f | %.0f | %.2f | %.0f | %.1f |\n",
                d, t, m, lo, hi, 50 * (hi - lo) / m, b / 1048576 / m, r / m, cpu, 100 * cpu / m, rss / 1024
        }'
}

commit=$(git --no-optional-locks -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
section=$out/section.md
{
    echo "<!-- BEGIN large-bench: written by benches/large.sh, edit the script rather than this section -->"
    echo "### Large-dataset benchmark (\`benches/large.sh\`)"
    echo
    echo "- Machine: $(nproc) cores (\`nproc\`), ${cpu_model:-unknown CPU}, $mem RAM; $(uname -sr)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); oubli commit \`$commit\`; $(rustc --version)"
    echo "- Input: $(awk -v b="$bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}') ($bytes bytes), $rows rows, 10 columns, \`gen_customers\` seed $seed"
    echo "- Command: \`bash benches/large.sh $size_mb\`, REPS=$reps: every figure is the **median of $reps runs**;"
    echo "  the spread is the min–max wall time (± half the range, relative to the median)."
    echo "  Other jobs were running on the machine, so the figures are noisy; MiB/s and rows/s are"
    echo "  input bytes and rows divided by the median wall time; CPU s is the median user + sys"
    echo "  time (less sensitive to the other load than wall time), CPU % that divided by the"
    echo "  median wall time; peak RSS is the largest of the runs (GNU time's max RSS)."
    echo
    echo "| job | threads | wall s (median) | spread s | MiB/s | rows/s | CPU s | CPU % | peak RSS MiB |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|---:|"
    for floor in "cat>/dev/null" cp "cp+fsync"; do row "$floor" 1; done
    for job in "${jobs[@]}"; do
        for threads in 1 2; do row "$job" "$threads"; done
    done
    echo
    echo "Checks passed:"
    for c in "${checks[@]}"; do echo "- $c"; done
    echo "<!-- END large-bench -->"
} >"$section"

cat "$section"
if [[ $doc == - ]]; then
    exit 0
fi
if [[ -f $doc ]] && grep -q '^<!-- BEGIN large-bench' "$doc" && grep -q '^<!-- END large-bench' "$doc"; then
    awk -v s="$section" '
        /^<!-- BEGIN large-bench/ { while ((getline l < s) > 0) print l; skip = 1; next }
        /^<!-- END large-bench/ { skip = 0; next }
        !skip' "$doc" >"$doc.tmp"
    mv "$doc.tmp" "$doc"
else
    if [[ -s $doc ]]; then echo >>"$doc"; fi
    cat "$section" >>"$doc"
fi
log "wrote the table to $doc"
