#!/usr/bin/env python3
"""Independent-reader check of `oubli mask` on Parquet, with pyarrow.

    python3 pyarrow_check.py IN.parquet MASKED.parquet POLICY.toml KEY_FILE [RESTORED.parquet]

Written from docs/PARQUET.md and docs/CONSTRUCTIONS.md, not from oubli's Rust code.
Checks that pyarrow reads the masked file in full and that:

- the `oubli.provenance` metadata is JSON of format `oubli.provenance/1`, names
  every column of the policy's view of the file, and gives each column's
  `original_type` exactly as pyarrow spells the type in IN;
- every column's type in MASKED follows from its transform: `keep` (and unlisted
  `keep`) columns are equal to IN's (type and values), `hash`/`encrypt`/
  `encrypt_random`/`fpe`/`mask` columns are strings, `redact` keeps the type,
  `drop` columns are gone; NULLs stay NULL in transformed columns;
- the file's key-value metadata of IN is carried over, and each column keeps its
  codec; the row-group sizes are IN's;
- every `hash` column without normalisation equals HMAC-SHA256 recomputed here
  from the key file and the canonical text of IN's values (integers in decimal,
  dates YYYY-MM-DD, strings as they are): the same pseudonym as a CSV field;
- with RESTORED (the output of `oubli unmask`), every top-level column whose
  leaves are all kept or reversibly encrypted equals IN's, type included.

Exits 0 and prints `N passed, 0 failed` when every check passes, 1 otherwise.
"""

import base64
import hashlib
import hmac
import json
import sys
import tomllib

import pyarrow as pa
import pyarrow.parquet as pq

CHECKS = {"passed": 0, "failed": 0}


def check(condition, message):
    if condition:
        CHECKS["passed"] += 1
    else:
        CHECKS["failed"] += 1
        print(f"FAIL: {message}", file=sys.stderr)


def hkdf_sha256(ikm, info, length):
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def master_key(path):
    lines = [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]
    payload = lines[0].split(":", 1)[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))[:32]


def canonical(value):
    """docs/CONSTRUCTIONS.md section 3, for the types this check recomputes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat") and type(value).__name__ == "date":
        return value.isoformat()
    raise TypeError(type(value).__name__)


def leaves(field, path):
    """(dotted path, pyarrow type) of the columns the policy addresses under
    `field`, following docs/PARQUET.md: struct children by name, list elements
    under the list's path, map keys and values."""
    t = field.type
    if pa.types.is_struct(t) and t.num_fields:
        for child in t:
            yield from leaves(child, f"{path}.{child.name}")
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        yield from leaves(t.value_field, path)
    elif pa.types.is_map(t):
        yield from leaves(t.key_field, f"{path}.{t.key_field.name}")
        yield from leaves(t.item_field, f"{path}.{t.item_field.name}")
    else:
        yield path, t


def view(schema, policy):
    """The policy's view: a named top-level field is one column, else its leaves."""
    out = {}
    for field in schema:
        if field.name in policy or not pa.types.is_nested(field.type):
            out[field.name] = field.type
        else:
            out.update(dict(leaves(field, field.name)))
    return out


def flat_values(array):
    """The values of a (possibly list-nested) array, flattened to its leaves."""
    while pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        array = array.flatten()
    return array


def column(table, path):
    """The array at a dotted path (list elements flattened)."""
    parts = path.split(".")
    array = table.column(parts[0]).combine_chunks()
    for part in parts[1:]:
        array = flat_values(array)
        array = array.field(part)
    return flat_values(array)


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    src, masked_path, policy_path, key_path = argv[1:5]
    restored_path = argv[5] if len(argv) == 6 else None
    policy_doc = tomllib.load(open(policy_path, "rb"))
    rules = policy_doc["columns"]
    unlisted = policy_doc.get("unlisted", "error")

    original = pq.read_table(src)
    masked = pq.read_table(masked_path)  # the independent reader reads it all
    meta_in, meta_out = pq.read_metadata(src), pq.read_metadata(masked_path)
    check(masked.num_rows == original.num_rows, "row count")
    check(
        [meta_out.row_group(i).num_rows for i in range(meta_out.num_row_groups)]
        == [meta_in.row_group(i).num_rows for i in range(meta_in.num_row_groups)],
        "row groups",
    )

    kv = meta_out.metadata or {}
    provenance = json.loads(kv[b"oubli.provenance"])
    check(provenance["format"] == "oubli.provenance/1", "provenance format")
    check(provenance["direction"] == "mask", "provenance direction")
    check(len(provenance["key_id"]) == 16, "provenance key id")
    check(len(provenance["policy_sha256"]) == 64, "provenance policy sha256")
    for k, v in (meta_in.metadata or {}).items():
        if k != b"ARROW:schema":
            check(kv.get(k) == v, f"key-value metadata {k!r} carried")

    columns = view(original.schema, rules)
    check(set(provenance["columns"]) == set(columns), "provenance names every column")
    for path, typ in columns.items():
        entry = provenance["columns"].get(path, {})
        check(entry.get("original_type") == str(typ), f"{path}: original_type {entry.get('original_type')!r} == {typ}")
        transform = rules.get(path, {}).get("transform", "keep" if unlisted == "keep" else "drop")
        check(entry.get("transform") == transform, f"{path}: transform")
        top = path.split(".")[0]
        if transform == "drop":
            if path == top:
                check(top not in masked.column_names, f"{path}: dropped")
            continue
        before, after = column(original, path), column(masked, path)
        if transform == "keep":
            check(after.type == before.type and after.equals(before), f"{path}: kept as is")
        elif transform == "redact":
            check(after.type == before.type, f"{path}: redact keeps the type")
        else:
            check(pa.types.is_string(after.type) or pa.types.is_large_string(after.type), f"{path}: text")
            check(after.is_null().equals(before.is_null()), f"{path}: NULL stays NULL")
        rule = rules.get(path, {})
        if transform == "hash" and not rule.get("normalise") and rule.get("encoding", "hex") == "hex":
            key = hkdf_sha256(master_key(key_path), ("oubli/v1/hash/" + rule.get("domain", "default")).encode(), 32)
            want = []
            for v in before.to_pylist():
                if v is None:
                    want.append(None)
                    continue
                text = canonical(v)
                mac = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest() if text else ""
                want.append(rule.get("prefix", "") + mac[: rule.get("length", 64)] if text else "")
            check(after.to_pylist() == want, f"{path}: hash recomputed from the canonical text")

    # Codecs, by column path.
    codec_in = {meta_in.row_group(0).column(j).path_in_schema: meta_in.row_group(0).column(j).compression
                for j in range(meta_in.num_columns)} if meta_in.num_row_groups else {}
    # hash/encrypt/encrypt_random/fpe give random-looking, unique text: no
    # dictionary, and no Snappy/LZ4 (they find no repeats in it) - docs/PARQUET.md.
    unique = {"hash", "encrypt", "encrypt_random", "fpe"}

    def rule_path(p):
        return ".".join(x for x in p.split(".") if x not in ("list", "item", "element", "key_value"))

    for j in range(meta_out.num_columns if meta_out.num_row_groups else 0):
        c = meta_out.row_group(0).column(j)
        if c.path_in_schema in codec_in:
            transform = rules.get(rule_path(c.path_in_schema), {}).get("transform")
            want = codec_in[c.path_in_schema]
            if transform in unique:
                check(not any("DICTIONARY" in e for e in c.encodings),
                      f"{c.path_in_schema}: no dictionary for {transform}")
                if want in ("SNAPPY", "LZ4", "LZ4_RAW"):
                    want = "UNCOMPRESSED"
            check(c.compression == want, f"{c.path_in_schema}: codec kept ({want})")

    if restored_path:
        restored = pq.read_table(restored_path)
        reversible = {"keep", "encrypt", "encrypt_random", "fpe"}
        for field in original.schema:
            paths = [p for p in columns if p == field.name or p.startswith(field.name + ".")]
            kinds = {provenance["columns"][p]["transform"] for p in paths}
            if kinds <= reversible:
                got = restored.column(field.name).combine_chunks()
                want = original.column(field.name).combine_chunks()
                check(got.type == want.type and got.equals(want), f"{field.name}: restored by unmask")

    print(f"pyarrow {pa.__version__}: {CHECKS['passed']} passed, {CHECKS['failed']} failed")
    return 0 if CHECKS["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
