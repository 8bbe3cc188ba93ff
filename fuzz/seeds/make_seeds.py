#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that take files (fuzz/seeds/<target>/).

Run from fuzz/seeds with pyarrow installed and `oubli` built (target/debug/oubli);
the seeds are committed, so this only needs running to change them. The policy
seeds are copies of testdata/policy/{good,bad}; the Arbitrary-typed targets
(note_verify, receipt_verify, ledger_verify) build their genuine material
themselves and start from small random seeds.
"""
import datetime
import decimal
import os
import subprocess
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUBLI = os.path.join(ROOT, "target", "debug", "oubli")


def out(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


def parquet_bytes(table, **kw):
    with tempfile.NamedTemporaryFile(suffix=".parquet") as f:
        pq.write_table(table, f.name, **kw)
        return open(f.name, "rb").read()


def parquet_seeds():
    flat = pa.table({
        "id": pa.array([1, 2, None, 4], pa.int64()),
        "email": pa.array(["a@example.org", None, "", "d@x.io"]),
        "amount": pa.array([decimal.Decimal("1.20"), None, decimal.Decimal("-3.05"), decimal.Decimal("0.00")], pa.decimal128(9, 2)),
        "born": pa.array([datetime.date(1980, 1, 2), None, datetime.date(2001, 12, 31), datetime.date(1970, 1, 1)]),
        "seen": pa.array([datetime.datetime(2026, 1, 1, 12, 0, 0), None, None, datetime.datetime(1999, 12, 31, 23, 59, 59)], pa.timestamp("ms", tz="UTC")),
        "ok": pa.array([True, False, None, True]),
        "score": pa.array([0.1, float("nan"), None, 1e16], pa.float64()),
        "small": pa.array([1, -2, 3, None], pa.int8()),
        "blob": pa.array([b"\x00\x01", None, b"", b"\xff"], pa.binary()),
        "city": pa.array(["Paris", "Lyon", "Paris", None]).dictionary_encode(),
    })
    out("parquet_mask", "flat_snappy.parquet", parquet_bytes(flat))
    out("parquet_mask", "flat_zstd_rg2.parquet", parquet_bytes(flat, compression="zstd", row_group_size=2))
    out("parquet_mask", "flat_gzip_v1.parquet", parquet_bytes(flat, compression="gzip", data_page_version="1.0", use_dictionary=False))
    out("parquet_mask", "flat_none_stats.parquet", parquet_bytes(flat, compression="none", write_statistics=False, write_page_index=True))
    out("parquet_mask", "flat_lz4_brotli.parquet", parquet_bytes(flat, compression={"id": "lz4", "email": "brotli"} | {c: "snappy" for c in flat.column_names if c not in ("id", "email")}))
    nested = pa.table({
        "id": pa.array(["c1", "c2", "c3"]),
        "address": pa.array([{"zip": "75001", "city": "Paris"}, None, {"zip": None, "city": "Lyon"}], pa.struct([("zip", pa.string()), ("city", pa.string())])),
        "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        "orders": pa.array([[{"sku": "x", "n": 1}], None, [{"sku": None, "n": 2}, {"sku": "y", "n": 3}]], pa.list_(pa.struct([("sku", pa.string()), ("n", pa.int32())]))),
        "attrs": pa.array([[("k", "v")], None, []], pa.map_(pa.string(), pa.string())),
    })
    out("parquet_mask", "nested.parquet", parquet_bytes(nested))
    out("parquet_mask", "nested_v1_plain.parquet", parquet_bytes(nested, data_page_version="1.0", use_dictionary=False, compression="none"))
    empty = pa.table({"a": pa.array([], pa.string())})
    out("parquet_mask", "no_rows.parquet", parquet_bytes(empty))
    out("parquet_mask", "magic_only", b"PAR1PAR1")
    # A file oubli masked (with its oubli.provenance metadata), for unmask paths.
    if os.path.exists(OUBLI):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "in.parquet")
            with open(src, "wb") as f:
                f.write(parquet_bytes(flat.select(["id", "email", "amount", "born"])))
            key = os.path.join(d, "k.key")
            subprocess.run([OUBLI, "key", "new", "-o", key], check=True, capture_output=True)
            pol = os.path.join(d, "p.toml")
            with open(pol, "w") as f:
                f.write('version = 1\n[columns]\nid = { transform = "hash" }\nemail = { transform = "encrypt" }\n'
                        'amount = { transform = "encrypt_random" }\nborn = { transform = "fpe", alphabet = "digits" }\n')
            dst = os.path.join(d, "out.parquet")
            subprocess.run([OUBLI, "mask", src, "-o", dst, "--policy", pol, "--key", key], check=True, capture_output=True)
            out("parquet_mask", "masked_by_oubli.parquet", open(dst, "rb").read())


def csv_seeds():
    customers = open(os.path.join(ROOT, "testdata", "customers.csv"), "rb").read().splitlines(keepends=True)[:12]
    body = b"".join(customers)
    out("csv_mask", "customers", b"\x07\x0c" + body)
    out("csv_mask", "customers_crlf_bom", b"\x10\x00\xef\xbb\xbf" + body.replace(b"\n", b"\r\n"))
    out("csv_mask", "quoted", b"\x03\x04" + b'a,"b ""q""",c\n"x\ny",,"1,2"\n\n3,4,5\n')
    out("csv_mask", "semicolon", b"\x05\x01" + b"name;phone\nAda;+33 6 12 34 56 78\n\xc3\xa9;0\n")
    out("csv_mask", "ragged", b"\x02\x00" + b"a,b\n1\n")
    out("csv_mask", "tabs", b"\x01\x0a" + b"id\tnote\n1\tcaf\xc3\xa9\n2\t\n")
    out("csv_roundtrip", "rows", b"1,DE89370400440532013000,hello,+33 6 12 34 56 78,AB12CD,aeiou\n2,,,,,\n")
    out("csv_roundtrip", "quoted", b'3,"x,y","multi\nline","0612345678","Z","\xc3\xa9\xc3\xbc"\r\n')
    out("csv_roundtrip", "short", b"4,a,b,12,A,a\n")


def key_seeds():
    if not os.path.exists(OUBLI):
        return
    with tempfile.TemporaryDirectory() as d:
        for name, extra in (("master.key", []), ("signing.key", ["--signing"])):
            p = os.path.join(d, name)
            subprocess.run([OUBLI, "key", "new", "-o", p] + extra, check=True, capture_output=True)
            out("key_file", name, open(p, "rb").read())
        pub = subprocess.run([OUBLI, "key", "public", os.path.join(d, "signing.key")], check=True, capture_output=True).stdout
        out("key_file", "verifier.pub", pub)
    neg = open(os.path.join(ROOT, "testdata", "vectors", "keyfile_negative.txt"), encoding="utf-8").read()
    for i, line in enumerate(l[len("line = "):] for l in neg.splitlines() if l.startswith("line = ")):
        out("key_file", f"negative_{i:02}", (line + "\n").encode())


if __name__ == "__main__":
    parquet_seeds()
    csv_seeds()
    key_seeds()
    for target in ("note_verify", "receipt_verify", "ledger_verify", "vault_parse"):
        out(target, "random", os.urandom(256))
