#!/usr/bin/env python3
"""Independent computation of the figures of `oubli risk`, with the standard library only.

A plain group-by with the csv module, written from the definitions in docs/RISK.md and
sharing no code with oubli. Its output on tests/fixtures/patients.csv is pasted into
tests/it/independent.rs as the expected values.

    python3 crates/oubli-risk/tests/independent_risk.py \
        crates/oubli-risk/tests/fixtures/patients.csv \
        --quasi age_band,zip3,sex --sensitive diagnosis --k 5
"""

import argparse
import collections
import csv
import json

BUCKETS = [1, 2, 3, 5, 10, 20, 50, 100]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--quasi", required=True)
    parser.add_argument("--sensitive")
    parser.add_argument("--k", type=int, default=2)
    args = parser.parse_args()
    quasi = args.quasi.split(",")

    sizes = collections.Counter()
    values = collections.defaultdict(set)
    with open(args.input, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = tuple(row[q] for q in quasi)
            sizes[key] += 1
            if args.sensitive:
                values[key].add(row[args.sensitive])

    records = sum(sizes.values())
    classes = len(sizes)
    k = min(sizes.values()) if sizes else None
    below = [s for s in sizes.values() if s < args.k]
    histogram = []
    for i, lo in enumerate(BUCKETS):
        hi = BUCKETS[i + 1] - 1 if i + 1 < len(BUCKETS) else None
        inside = [s for s in sizes.values() if s >= lo and (hi is None or s <= hi)]
        histogram.append({"min": lo, "max": hi, "classes": len(inside), "records": sum(inside)})
    report = {
        "records": records,
        "classes": classes,
        "k": k,
        "k_threshold": args.k,
        "records_below_k": sum(below),
        "classes_below_k": len(below),
        "l": min(len(v) for v in values.values()) if args.sensitive and values else None,
        "max_risk": 1 / k if k else None,
        # The mean over records of 1 / (size of the record's class).
        "avg_risk": sum(1 / sizes[key] for key in sizes for _ in range(sizes[key])) / records
        if records
        else None,
        "histogram": histogram,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
