#!/usr/bin/env python3
"""The masking jobs of benches/large.sh, run by Polars or DuckDB for comparison.

    python3 benches/compare.py ENGINE JOB INPUT OUTPUT THREADS

ENGINE  polars | duckdb | convert (writes INPUT, a CSV, as snappy Parquet to OUTPUT
        with DuckDB, in row groups of 1 M rows: the Parquet input of the benchmark)
JOB     keep | hash1 | hash3 (the jobs of the same name in large.sh):
          keep   every column passed through
          hash1  email -> sha256(lower(trim(email)))
          hash3  hash1, and customer_id -> 'cust_' + first 20 hex of sha256(customer_id),
                 phone -> sha256(phone with every non-digit removed)
INPUT   a .csv or .parquet file; OUTPUT gets the same format

Both engines stream (Polars: `scan_*` + `sink_*`; DuckDB: `COPY (SELECT ...) TO`), use
THREADS threads, read every column as text (CSV) and write a header. They compute plain
SHA-256 where oubli computes HMAC-SHA256 (keyed; two SHA-256 compressions more per value
for short values), so the comparison slightly favours them. Like oubli, which fsyncs its
output before it renames it into place, the script fsyncs OUTPUT before it exits, so that
all three pay for durable output. Prints the number of rows written (Polars: not
counted, prints -1) to stdout.
"""

import os
import sys


def polars_job(job, src, dst, threads):
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    import polars as pl
    import polars_hash  # noqa: F401  (registers the `chash` namespace)

    if src.endswith(".csv"):
        frame = pl.scan_csv(src, infer_schema=False)
    else:
        frame = pl.scan_parquet(src)
    email = pl.col("email").str.strip_chars().str.to_lowercase().chash.sha2_256()
    if job == "hash1":
        frame = frame.with_columns(email.alias("email"))
    elif job == "hash3":
        frame = frame.with_columns(
            email.alias("email"),
            (pl.lit("cust_") + pl.col("customer_id").cast(pl.String).chash.sha2_256().str.slice(0, 20)).alias(
                "customer_id"
            ),
            pl.col("phone").str.replace_all(r"[^0-9]", "").chash.sha2_256().alias("phone"),
        )
    elif job != "keep":
        raise SystemExit(f"compare.py: unknown job {job!r}")
    if dst.endswith(".csv"):
        frame.sink_csv(dst)
    else:
        frame.sink_parquet(dst, compression="snappy")
    print(-1)


def duckdb_job(job, src, dst, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    if src.endswith(".csv"):
        scan = "read_csv(?, header = true, all_varchar = true)"
    else:
        scan = "read_parquet(?)"
    email = "sha256(lower(trim(email))) AS email"
    if job == "keep":
        select = "*"
    elif job == "hash1":
        select = f"* REPLACE ({email})"
    elif job == "hash3":
        select = (
            f"* REPLACE ({email}, "
            "'cust_' || left(sha256(CAST(customer_id AS VARCHAR)), 20) AS customer_id, "
            "sha256(regexp_replace(phone, '[^0-9]', '', 'g')) AS phone)"
        )
    else:
        raise SystemExit(f"compare.py: unknown job {job!r}")
    if dst.endswith(".csv"):
        options = "FORMAT csv, HEADER"
    else:
        options = "FORMAT parquet, COMPRESSION snappy"
    # COPY takes no parameters for its target: quote the path as an SQL string.
    target = "'" + dst.replace("'", "''") + "'"
    rows = con.execute(f"COPY (SELECT {select} FROM {scan}) TO {target} ({options})", [src]).fetchone()
    print(rows[0] if rows else -1)


def convert(src, dst, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    target = "'" + dst.replace("'", "''") + "'"
    rows = con.execute(
        "COPY (SELECT * FROM read_csv(?, header = true, all_varchar = true)) "
        f"TO {target} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1048576)",
        [src],
    ).fetchone()
    print(rows[0] if rows else -1)


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    engine, job, src, dst, threads = argv[1:]
    if engine == "polars":
        polars_job(job, src, dst, threads)
    elif engine == "duckdb":
        duckdb_job(job, src, dst, threads)
    elif engine == "convert":
        convert(src, dst, threads)
    else:
        sys.stderr.write(f"compare.py: unknown engine {engine!r}\n")
        return 2
    fd = os.open(dst, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
