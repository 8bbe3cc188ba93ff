#!/usr/bin/env bash
# The large-dataset benchmark of the `oubli` binary, side by side with Polars and DuckDB.
#
#   bash benches/large.sh [SIZE_MB] [OUT_DIR]
#
#   SIZE_MB   size of the generated CSV in MiB (2^20 bytes); default 1024
#   OUT_DIR   where data, keys, policies and outputs go; default target/large-bench
#             (under target/, so nothing generated ever reaches git)
#
#   Environment:
#     REPS      runs of every measurement, default 3 (the median is reported)
#     SECTIONS  which parts run, default "csv parquet compare deletion risk ledger"
#     THREADS   thread counts of the oubli masking jobs, default "1 2"
#     COMPARE_THREADS  thread counts of the Polars/DuckDB jobs, default "2"
#     SUBJECTS  subjects erased by the erase job, default 10000
#     ENTRIES   ledger entries for `log verify`, default 1000000
#     SEED      generator seed, default 42
#     DOC       the Markdown file to update, default docs/PERFORMANCE.md (DOC=- prints)
#     BUILD=0   use the release binaries already in target/release
#
# Sections:
#   csv       I/O floor (cat, cp, cp + fsync) and `oubli mask` of the CSV with five
#             policies (all keep; hash email; hash customer_id + email + phone; fpe
#             phone; encrypt iban) at each of THREADS.
#   parquet   the same CSV as snappy Parquet (crates/oubli-parquet/examples/csv_to_parquet,
#             dates as date32, amount as double, row groups of 1 Mi rows): keep, hash1,
#             hash3 at each of THREADS.
#   compare   the keep/hash1/hash3 jobs in Polars (scan_*/sink_*, polars-hash sha256)
#             and DuckDB (COPY (SELECT ...) TO, sha256()) on the same CSV and Parquet
#             files, via benches/compare.py; installs polars, polars-hash and duckdb with
#             pip if missing.
#   deletion  `oubli shred` of a SIZE_MB random file against `dd if=/dev/urandom
#             conv=fdatasync` of the same size; `oubli erase` of SUBJECTS subjects from
#             the CSV (-o new file).
#   risk      `oubli risk` of the CSV (and of the Parquet file, when the parquet section
#             made it) over birth_date + zip, sensitive city.
#   ledger    `oubli log verify` of a ledger of ENTRIES entries (written by
#             crates/oubli-ledger/examples/big_ledger.rs).
#
# Every command runs under GNU time (peak RSS, CPU time); wall time is measured around
# it. Before each timed command the input is read once, untimed (page cache), the
# previous output is deleted and `sync` is run. Correctness checks (any failure stops
# the script): the all-keep CSV output is byte-identical to the input; every oubli job
# reports every row; the outputs of different thread counts are byte-identical; Polars
# and DuckDB agree on the hash3 CSV output. The report (medians, spread, MiB/s, rows/s,
# CPU, peak RSS, ratios against Polars/DuckDB and the issue's targets met or not) is
# written between the `large-bench` markers of DOC.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
    sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//' >&2
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
sections=" ${SECTIONS:-csv parquet compare deletion risk ledger} "
thread_counts=${THREADS:-1 2}
compare_threads=${COMPARE_THREADS:-2}
nsubjects=${SUBJECTS:-10000}
nentries=${ENTRIES:-1000000}
[[ $size_mb =~ ^[1-9][0-9]*$ ]] || usage
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer"
[[ $seed =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"
want() { [[ $sections == *" $1 "* ]]; }

# --- tools ------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]] && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
    log "installing GNU time with apt-get"
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time"
if want compare && ! python3 -c 'import polars, polars_hash, duckdb' 2>/dev/null; then
    log "installing polars, polars-hash and duckdb with pip"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet polars polars-hash duckdb ||
        die "pip could not install polars, polars-hash and duckdb; run without the compare section (SECTIONS=...)"
fi

if [[ ${BUILD:-1} != 0 ]]; then
    log "building oubli, gen_customers, csv_to_parquet and big_ledger (release)"
    cargo build --release --quiet -p oubli-cli -p oubli-benches --bins
    cargo build --release --quiet -p oubli-parquet --example csv_to_parquet
    cargo build --release --quiet -p oubli-ledger --example big_ledger
fi
bin=${CARGO_TARGET_DIR:-target}/release
oubli=$bin/oubli
[[ -x $oubli && -x $bin/gen_customers ]] || die "release binaries not found in $bin"

mkdir -p "$out"
out=$(cd "$out" && pwd)
csv=$out/customers.csv
parquet=$out/customers.parquet
results=$out/results.txt
: >"$results"

# --- data, key, policies ----------------------------------------------------------
log "generating $size_mb MiB of synthetic customers (seed $seed) into $csv"
"$bin/gen_customers" $((size_mb * 1024 * 1024)) "$seed" >"$csv" 2>"$out/gen.log" ||
    die "gen_customers failed: $(cat "$out/gen.log")"
rows=$(sed -n 's/^rows=\([0-9]*\) .*/\1/p' "$out/gen.log")
csv_bytes=$(stat -c %s "$csv")
[[ -n $rows && $rows -gt 0 ]] || die "gen_customers reported no rows: $(cat "$out/gen.log")"
log "CSV: $csv_bytes bytes, $rows rows"
if want parquet || want compare; then
    [[ -x $bin/examples/csv_to_parquet ]] || die "csv_to_parquet not built (BUILD=0?)"
    rm -f "$parquet"
    "$bin/examples/csv_to_parquet" "$parquet" birth_date=date32 signup_date=date32 amount=double \
        <"$csv" 2>"$out/parquet.log" || die "csv_to_parquet failed: $(cat "$out/parquet.log")"
    parquet_bytes=$(stat -c %s "$parquet")
    log "Parquet: $parquet_bytes bytes"
fi

rm -f "$out/bench.key" "$out/sign.key"
"$oubli" --quiet key new -o "$out/bench.key" >/dev/null
"$oubli" --quiet key new --signing -o "$out/sign.key" >/dev/null

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

# --- measuring --------------------------------------------------------------------
# measure NAME FORMAT ENGINE THREADS BYTES ROWS WARM CMD...: runs CMD under GNU time
# (after reading WARM once, untimed) and appends
# "NAME FORMAT ENGINE THREADS BYTES ROWS wall_ns maxrss_kb user_s sys_s" to $results.
measure() {
    local name=$1 format=$2 engine=$3 threads=$4 nbytes=$5 nrows=$6 warm=$7 t0 t1 rss user sys
    shift 7
    [[ -z $warm ]] || cat "$warm" >/dev/null
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
    echo "$name $format $engine $threads $nbytes $nrows $((t1 - t0)) $rss $user $sys" >>"$results"
    awk -v n="$name" -v f="$format" -v e="$engine" -v t="$threads" -v w=$((t1 - t0)) -v b="$nbytes" -v r="$rss" \
        'BEGIN { printf "    %-8s %-7s %-7s threads=%s %8.2f s %8.1f MiB/s  peak RSS %6.1f MiB\n", n, f, e, t, w / 1e9, b / 1048576 / (w / 1e9), r / 1024 }' >&2
}
rows_of_json() { sed -n 's/.*"rows": *\([0-9]*\).*/\1/p' "$out/stdout.txt" | head -n 1; }

checks=()
# mask_jobs FORMAT INPUT BYTES JOBS...: oubli masking jobs at each of $thread_counts.
mask_jobs() {
    local format=$1 input=$2 nbytes=$3 job threads result first got
    shift 3
    for job in "$@"; do
        first=
        for threads in $thread_counts; do
            result=$out/out.$job.t$threads.$format
            rm -f "$result"
            measure "$job" "$format" oubli "$threads" "$nbytes" "$rows" "$input" \
                "$oubli" --quiet mask "$input" -o "$result" --policy "$out/$job.policy.toml" \
                --key "$out/bench.key" --threads "$threads" --json
            got=$(rows_of_json)
            [[ $got == "$rows" ]] || die "$format job $job threads $threads: $got rows in the summary, $rows generated"
            if [[ -z $first ]]; then
                first=$result
            else
                cmp -s "$first" "$result" || die "$format job $job: outputs of different --threads differ ($first, $result)"
                rm -f "$result"
            fi
        done
        if [[ $job == keep && $format == csv ]]; then
            cmp "$input" "$first" || die "csv job keep: the output is not byte-identical to the input"
        elif [[ $job != keep ]]; then
            ! cmp -s "$input" "$first" || die "$format job $job: the output equals the input"
        fi
        rm -f "$first"
    done
}

# compare_jobs FORMAT INPUT BYTES: Polars and DuckDB, keep/hash1/hash3.
compare_jobs() {
    local format=$1 input=$2 nbytes=$3 job threads engine result got
    for job in keep hash1 hash3; do
        for threads in $compare_threads; do
            for engine in polars duckdb; do
                result=$out/$engine.$job.$format
                rm -f "$result"
                measure "$job" "$format" "$engine" "$threads" "$nbytes" "$rows" "$input" \
                    python3 "$root/benches/compare.py" "$engine" "$job" "$input" "$result" "$threads"
                got=$(head -n 1 "$out/stdout.txt")
                [[ $got == -1 || $got == "$rows" ]] || die "$engine $format $job: wrote $got rows, $rows generated"
            done
            if [[ $job == hash3 && $format == csv ]]; then
                cmp -s "$out/polars.$job.$format" "$out/duckdb.$job.$format" ||
                    die "Polars and DuckDB disagree on the $format $job output"
            fi
            rm -f "$out/polars.$job.$format" "$out/duckdb.$job.$format"
        done
    done
}

for rep in $(seq 1 "$reps"); do
    if want csv; then
        log "run $rep of $reps: CSV I/O floor and masking"
        measure "cat" csv floor 1 "$csv_bytes" "$rows" "$csv" sh -c 'cat "$1" >/dev/null' sh "$csv"
        rm -f "$out/copy.csv"
        measure "cp+fsync" csv floor 1 "$csv_bytes" "$rows" "$csv" sh -c 'cp "$1" "$2" && sync "$2"' sh "$csv" "$out/copy.csv"
        rm -f "$out/copy.csv"
        mask_jobs csv "$csv" "$csv_bytes" keep hash1 hash3 fpe encrypt
    fi
    if want parquet; then
        log "run $rep of $reps: Parquet masking"
        mask_jobs parquet "$parquet" "$parquet_bytes" keep hash1 hash3
    fi
    if want compare; then
        log "run $rep of $reps: Polars and DuckDB"
        compare_jobs csv "$csv" "$csv_bytes"
        compare_jobs parquet "$parquet" "$parquet_bytes"
    fi
    if want deletion; then
        log "run $rep of $reps: shred against dd, erase"
        f=$out/shred.bin
        rm -f "$f"
        measure "dd" file dd 1 $((size_mb * 1048576)) 0 "" \
            dd if=/dev/urandom of="$f" bs=1M count="$size_mb" conv=fdatasync status=none
        measure "shred" file oubli 1 $((size_mb * 1048576)) 0 "" "$oubli" --quiet shred "$f" --content-hash none
        [[ ! -e $f ]] || die "oubli shred left $f behind"
        if [[ ! -s $out/subjects.txt ]]; then
            step=$((rows / nsubjects))
            ((step > 0)) || step=1
            awk -F, -v step="$step" -v n="$nsubjects" 'NR > 1 && (NR - 2) % step == 0 && c < n { print $2; c++ }' \
                "$csv" >"$out/subjects.txt"
        fi
        rm -f "$out/erased.csv"
        measure "erase" csv oubli 1 "$csv_bytes" "$rows" "$csv" "$oubli" --quiet erase "$csv" \
            --subjects "$out/subjects.txt" --column email -o "$out/erased.csv"
        left=$(($(wc -l <"$out/erased.csv") - 1))
        ((left < rows)) || die "erase removed no row"
        rm -f "$out/erased.csv"
    fi
    if want risk; then
        log "run $rep of $reps: risk"
        measure "risk" csv oubli 1 "$csv_bytes" "$rows" "$csv" "$oubli" --quiet risk "$csv" \
            --quasi birth_date,zip --sensitive city --json
        grep -q "\"records\": *$rows" "$out/stdout.txt" || die "oubli risk did not count $rows records"
        if [[ -n ${parquet_bytes:-} ]]; then
            csv_classes=$(sed -n 's/.*"classes": *\([0-9]*\).*/\1/p' "$out/stdout.txt" | head -n 1)
            measure "risk" parquet oubli 1 "$parquet_bytes" "$rows" "$parquet" "$oubli" --quiet risk "$parquet" \
                --quasi birth_date,zip --sensitive city --json
            grep -q "\"records\": *$rows" "$out/stdout.txt" || die "oubli risk (Parquet) did not count $rows records"
            grep -q "\"classes\": *$csv_classes," "$out/stdout.txt" ||
                die "oubli risk: the Parquet file does not give the CSV's $csv_classes classes"
        fi
    fi
    if want ledger; then
        if [[ ! -s $out/ledger/entries.jsonl ]]; then
            log "writing a ledger of $nentries entries"
            rm -rf "$out/ledger"
            "$bin/examples/big_ledger" "$out/ledger" "$nentries" >"$out/ledger.pub" ||
                die "big_ledger failed"
        fi
        log "run $rep of $reps: log verify"
        measure "verify" ledger oubli 1 "$(stat -c %s "$out/ledger/entries.jsonl")" "$nentries" \
            "$out/ledger/entries.jsonl" "$oubli" --quiet log verify "$out/ledger" --public-key "$out/ledger.pub"
    fi
done
want csv && checks+=("CSV all-keep output byte-identical to the input (\`cmp\`), every run")
checks+=("every oubli masking job: the outputs of every thread count are byte-identical and the \`--json\` summary counts all $rows rows, every run")
want compare && checks+=("Polars and DuckDB write byte-identical CSV for the hash3 job (so they do the same work), every run")
want deletion && checks+=("\`oubli shred\` removes the file; \`oubli erase\` removes rows")
want risk && checks+=("\`oubli risk\` counts all $rows records${parquet_bytes:+, and finds the same number of classes in the CSV and the Parquet file}")

# --- report -----------------------------------------------------------------------
# stats NAME FORMAT ENGINE THREADS -> "median_wall_s min_s max_s maxrss_kb median_cpu_s bytes rows runs"
stats() {
    local sel wall cpu
    sel=$(awk -v n="$1" -v f="$2" -v e="$3" -v t="$4" '$1 == n && $2 == f && $3 == e && $4 == t' "$results")
    if [[ -z $sel ]]; then
        echo "-"
        return
    fi
    wall=$(awk '{ print $7 / 1e9 }' <<<"$sel" | median)
    cpu=$(awk '{ print $9 + $10 }' <<<"$sel" | median)
    awk -v m="$wall" -v c="$cpu" '
        { w = $7 / 1e9; if (NR == 1 || w < lo) lo = w; if (w > hi) hi = w; if ($8 > rss) rss = $8; b = $5; r = $6 }
        END { printf "%.3f %.3f %.3f %d %.2f %d %d %d\n", m, lo, hi, rss, c, b, r, NR }' <<<"$sel"
}
# median: the median of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median_of() { stats "$@" | awk '{ print $1 }'; }
rss_of() { stats "$@" | awk '{ print $4 / 1024 }'; }

describe() {
    case $1 in
        cat) echo "I/O floor: \`cat > /dev/null\`" ;;
        cp+fsync) echo "I/O floor: \`cp\` + fsync" ;;
        keep) echo "all \`keep\`" ;;
        hash1) echo "\`hash\` email" ;;
        hash3) echo "\`hash\` customer_id, email, phone" ;;
        fpe) echo "\`fpe\` phone" ;;
        encrypt) echo "\`encrypt\` iban" ;;
        dd) echo "\`dd if=/dev/urandom conv=fdatasync\`" ;;
        shred) echo "\`oubli shred --content-hash none\`" ;;
        erase) echo "\`oubli erase\`, $nsubjects subjects, \`-o\`" ;;
        risk) echo "\`oubli risk --quasi birth_date,zip --sensitive city\`" ;;
        verify) echo "\`oubli log verify\`, $nentries entries" ;;
        *) echo "$1" ;;
    esac
}

row() {
    local s
    read -r -a s <<<"$(stats "$@")"
    [[ ${s[0]} == - ]] && return 0
    awk -v d="$(describe "$1")" -v f="$2" -v e="$3" -v t="$4" -v m="${s[0]}" -v lo="${s[1]}" -v hi="${s[2]}" \
        -v rss="${s[3]}" -v cpu="${s[4]}" -v b="${s[5]}" -v r="${s[6]}" 'BEGIN {
            printf "| %s | %s | %s | %s | %.2f | %.2f–%.2f | %.0f | %s | %.2f | %.0f | %.1f |\n",
                d, f, e, t, m, lo, hi, b / 1048576 / m, (r > 0) ? sprintf("%.2f M", r / m / 1e6) : "", cpu, 100 * cpu / m, rss / 1024
        }'
}

# target DESCRIPTION VALUE OP GOAL UNIT: one line of the targets table.
target() {
    local what=$1 value=$2 op=$3 goal=$4 unit=$5
    if [[ -z $value || $value == - ]]; then
        echo "| $what | $op $goal$unit | not measured | – |"
        return
    fi
    awk -v w="$what" -v v="$value" -v op="$op" -v g="$goal" -v u="$unit" 'BEGIN {
        met = (op == "≥") ? (v >= g) : (v <= g)
        printf "| %s | %s %s%s | %.2f%s | %s |\n", w, op, g, u, v, u, met ? "met" : "**not met**"
    }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || a == 0) print "-"; else printf "%.3f", b / a }'; }
# speed_ratio A B: how many times faster A is than B (B's wall time / A's wall time).
speed_ratio() { ratio "$(median_of "${@:1:4}")" "$(median_of "${@:5:4}")"; }

t_max=$(echo "$thread_counts" | tr ' ' '\n' | sort -n | tail -n 1)
t_min=$(echo "$thread_counts" | tr ' ' '\n' | sort -n | head -n 1)
c_t=$(echo "$compare_threads" | tr ' ' '\n' | sort -n | tail -n 1)
commit=$(git --no-optional-locks -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
versions=$(python3 -c 'import polars, duckdb; print(f"Polars {polars.__version__}, DuckDB {duckdb.__version__}")' 2>/dev/null || echo "Polars/DuckDB not installed")
section=$out/section.md
{
    echo "<!-- BEGIN large-bench: written by benches/large.sh, edit the script rather than this section -->"
    echo "### Large-dataset benchmark (\`benches/large.sh\`)"
    echo
    echo "- Machine: $(nproc) cores (\`nproc\`), ${cpu_model:-unknown CPU}, $mem RAM; $(uname -sr)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); oubli commit \`$commit\`; $(rustc --version); $versions"
    echo "- Input: CSV $(awk -v b="$csv_bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}') ($csv_bytes bytes), $rows rows, 10 columns, \`gen_customers\` seed $seed${parquet_bytes:+; the same rows as snappy Parquet, $parquet_bytes bytes}"
    echo "- Command: \`REPS=$reps bash benches/large.sh $size_mb\` (sections: ${sections# }): every figure is the"
    echo "  **median of $reps runs**, spread = min–max wall time. MiB/s and rows/s are input bytes and"
    echo "  rows over the median wall time; CPU s is the median user + sys time; peak RSS is the"
    echo "  largest of the runs. Polars and DuckDB compute plain SHA-256 where oubli computes"
    echo "  HMAC-SHA256 (keyed), with the same normalisations."
    echo
    echo "| job | format | engine | threads | wall s | spread s | MiB/s | rows/s | CPU s | CPU % | peak RSS MiB |"
    echo "|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|"
    for name in cat cp+fsync; do row "$name" csv floor 1; done
    for job in keep hash1 hash3 fpe encrypt; do
        for t in $thread_counts; do row "$job" csv oubli "$t"; done
        for t in $compare_threads; do row "$job" csv polars "$t"; row "$job" csv duckdb "$t"; done
    done
    for job in keep hash1 hash3; do
        for t in $thread_counts; do row "$job" parquet oubli "$t"; done
        for t in $compare_threads; do row "$job" parquet polars "$t"; row "$job" parquet duckdb "$t"; done
    done
    row dd file dd 1
    row shred file oubli 1
    row erase csv oubli 1
    row risk csv oubli 1
    row risk parquet oubli 1
    row verify ledger oubli 1
    echo
    echo "Targets of issue 7 (ratios of median wall times; \"×\" = times as fast):"
    echo
    echo "| target | goal | measured | |"
    echo "|---|---|---:|---|"
    target "CSV hash3 vs oubli's own all-keep, $t_max threads" "$(speed_ratio hash3 csv oubli "$t_max" keep csv oubli "$t_max")" "≥" 0.8 "×"
    target "CSV hash3 vs Polars, $c_t threads" "$(speed_ratio hash3 csv oubli "$c_t" hash3 csv polars "$c_t")" "≥" 2 "×"
    target "CSV hash3 vs DuckDB, $c_t threads" "$(speed_ratio hash3 csv oubli "$c_t" hash3 csv duckdb "$c_t")" "≥" 3 "×"
    target "Parquet hash3 vs oubli's own pass-through, $t_max threads" "$(speed_ratio hash3 parquet oubli "$t_max" keep parquet oubli "$t_max")" "≥" 0.8 "×"
    target "Parquet hash3 vs Polars, $c_t threads" "$(speed_ratio hash3 parquet oubli "$c_t" hash3 parquet polars "$c_t")" "≥" 1.3 "×"
    target "Parquet hash3 vs DuckDB, $c_t threads" "$(speed_ratio hash3 parquet oubli "$c_t" hash3 parquet duckdb "$c_t")" "≥" 2.5 "×"
    target "CSV hash3, $t_max threads vs $t_min" "$(speed_ratio hash3 csv oubli "$t_max" hash3 csv oubli "$t_min")" "≥" 1.8 "×"
    target "Parquet hash3, $t_max threads vs $t_min" "$(speed_ratio hash3 parquet oubli "$t_max" hash3 parquet oubli "$t_min")" "≥" 1.8 "×"
    # Memory flat in the input's size is a target of the masking and deletion jobs;
    # `oubli risk` holds every equivalence class by design (docs/RISK.md §1.3).
    worst_rss=$(awk '$3 == "oubli" && $1 != "risk" { if ($8 > m) m = $8 } END { if (m) printf "%.1f", m / 1024; else print "-" }' "$results")
    target "peak RSS of any oubli mask, erase or shred job" "$worst_rss" "≤" 200 " MiB"
    target "shred vs \`dd conv=fdatasync\`" "$(speed_ratio shred file oubli 1 dd file dd 1)" "≥" 0.9 "×"
    target "\`log verify\` of $nentries entries" "$(median_of verify ledger oubli 1)" "≤" 5 " s"
    target "erase ($nsubjects subjects) vs all-keep CSV mask, 1 thread" "$(speed_ratio erase csv oubli 1 keep csv oubli "$t_min")" "≥" 0.8 "×"
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
