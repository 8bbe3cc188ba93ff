#!/usr/bin/env python3
"""Known-answer vectors for oubli's anonymising transforms (docs/CONSTRUCTIONS.md
sections 4.9 to 4.12: generalise, date_shift, noise, fake), from an independent
implementation written from the specification page only.

    subkey(purpose, domain, L) = HKDF-SHA256(IKM = master key, salt = none,
                                             info = UTF8("oubli/v1/" + purpose + "/" + domain), L)
    x(seed) = big-endian u64 of the first 8 bytes of HMAC-SHA256(subkey, seed)

    date_shift: offset = x(subject) mod (2*max_days + 1) - max_days
    noise:      u = (2*(x(seed) >> 12) + 1) / 2^53;  uniform: s*(2u - 1);
                laplace: s*ln(2u) if u < 0.5 else -s*ln(2(1 - u))
    fake:       entries[x(value) mod len(entries)]

Python standard library only (hmac, hashlib, datetime, decimal, math).
Deterministic: fixed master keys. Run `python3 testdata/vectors/generate_anon.py`
to rewrite generalise.txt, date_shift.txt, noise.txt and fake.txt next to it.
Before writing, HKDF is checked against RFC 5869 test case 3 and HMAC-SHA256
against RFC 4231 test case 2, and the calendar code against datetime.
"""

import datetime
import decimal
import hashlib
import hmac
import math
import os
import sys
from decimal import Decimal

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
DICT_DIR = os.path.join(OUT_DIR, "..", "..", "crates", "oubli-core", "dictionaries")
decimal.getcontext().prec = 100


def hkdf_sha256(ikm: bytes, info: bytes, length: int, salt: bytes = b"") -> bytes:
    prk = hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def subkey(master: bytes, purpose: str, domain: str) -> bytes:
    return hkdf_sha256(master, ("oubli/v1/" + purpose + "/" + domain).encode("utf-8"), 32)


def x64(master: bytes, purpose: str, domain: str, seed: bytes) -> int:
    mac = hmac.new(subkey(master, purpose, domain), seed, hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big")


def self_checks():
    # RFC 5869 A.3 (zero-length salt and info).
    okm = hkdf_sha256(bytes([0x0B] * 22), b"", 42)
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
        "9d201395faa4b61a96c8"
    ), okm.hex()
    # RFC 4231 test case 2.
    assert hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


# ---------------------------------------------------------------------------
# Dates and timestamps
# ---------------------------------------------------------------------------


def split_date(value: str):
    """(date, rest) for YYYY-MM-DD[time part]; None if not a date."""
    if len(value) < 10 or value[4] != "-" or value[7] != "-":
        return None
    y, m, d = value[0:4], value[5:7], value[8:10]
    if not (y + m + d).isdigit() or not (y + m + d).isascii():
        return None
    try:
        date = datetime.date(int(y), int(m), int(d))
    except ValueError:
        return None
    rest = value[10:]
    if rest and not valid_time(rest):
        return None
    return date, rest


def valid_time(rest: str) -> bool:
    import re

    return re.fullmatch(
        r"[Tt ]([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)?",
        rest,
    ) is not None


def generalise_date(value: str, to: str) -> str:
    date, _ = split_date(value)
    if to == "year":
        return "%04d" % date.year
    if to == "quarter":
        return "%04d-Q%d" % (date.year, (date.month - 1) // 3 + 1)
    if to == "month":
        return "%04d-%02d" % (date.year, date.month)
    if to == "week":
        iso = date.isocalendar()
        return "%04d-W%02d" % (iso[0], iso[1])
    raise ValueError(to)


def num(text: str) -> Decimal:
    return Decimal(text)


def dec_text(d: Decimal) -> str:
    t = format(d.normalize(), "f")
    return "0" if t in ("-0", "0") else t


def generalise_width(value: str, width: str, origin: str) -> str:
    x, w, o = num(value), num(width), num(origin)
    k = ((x - o) / w).to_integral_value(rounding=decimal.ROUND_FLOOR)
    lo, hi = o + k * w, o + (k + 1) * w
    return "[%s, %s)" % (dec_text(lo), dec_text(hi))


def generalise_breaks(value: str, breaks) -> str:
    x = num(value)
    bs = [num(b) for b in breaks]
    below = sum(1 for b in bs if b <= x)
    lo = "(-inf" if below == 0 else "[" + dec_text(bs[below - 1])
    hi = "+inf" if below == len(bs) else dec_text(bs[below])
    return "%s, %s)" % (lo, hi)


def generalise_prefix(value: str, n: int) -> str:
    return value[:n]  # Python str indexes Unicode scalar values


def generalise_hierarchy(value: str, text: str, level: int, missing):
    rows = {}
    for line in text.split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        if not line:
            continue
        fields = line.split(";")
        rows[fields[0]] = fields[1:]
    if value in rows:
        return rows[value][level - 1]
    if missing is not None:
        return missing
    return None


# ---------------------------------------------------------------------------
# date_shift, noise, fake
# ---------------------------------------------------------------------------


def shift_offset(master: bytes, domain: str, max_days: int, subject: str) -> int:
    return x64(master, "shift", domain, subject.encode("utf-8")) % (2 * max_days + 1) - max_days


def date_shift(master: bytes, domain: str, max_days: int, subject: str, value: str) -> str:
    date, rest = split_date(value)
    shifted = date + datetime.timedelta(days=shift_offset(master, domain, max_days, subject))
    return "%04d-%02d-%02d%s" % (shifted.year, shifted.month, shifted.day, rest)


def unit(master: bytes, domain: str, seed: str) -> float:
    k = x64(master, "noise", domain, seed.encode("utf-8")) >> 12
    return float(2 * k + 1) / float(2**53)


def noise_amount(master, domain, kind, amount, distribution, magnitude, seed) -> float:
    s = amount if kind == "absolute" else amount * abs(magnitude)
    u = unit(master, domain, seed)
    if distribution == "uniform":
        return s * (2.0 * u - 1.0)
    if u < 0.5:
        return s * math.log(2.0 * u)
    return -s * math.log(2.0 * (1.0 - u))


def noise(master, domain, kind, amount, distribution, value: str, seed: str) -> str:
    body = value.lstrip("+-")
    if body.lower() in ("nan", "inf", "infinity"):
        return value
    mantissa = body.split("e")[0].split("E")[0]
    has_exp = mantissa != body
    if "." not in mantissa and not has_exp:
        xi = int(value)
        n = noise_amount(master, domain, kind, amount, distribution, float(xi), seed)
        return str(xi + int(Decimal(n).to_integral_value(rounding=decimal.ROUND_HALF_UP)))
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    x = float(value)
    y = x + noise_amount(master, domain, kind, amount, distribution, x, seed)
    if not has_exp:
        return "%.*f" % (decimals, y)
    m, e = ("%.*e" % (decimals, y)).split("e")
    return "%se%d" % (m, int(e))


def dictionary(name: str):
    with open(os.path.join(DICT_DIR, name + ".txt"), encoding="utf-8") as f:
        text = f.read()
    entries = []
    for line in text.split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        if line and not line.startswith("#"):
            entries.append(line)
    assert len(entries) == len(set(entries))
    return entries, hashlib.sha256(text.encode("utf-8")).hexdigest()


def fake(master: bytes, domain: str, entries, value: str):
    i = x64(master, "fake", domain, value.encode("utf-8")) % len(entries)
    return i, entries[i]


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

KEY_A = bytes(range(32))
KEY_B = bytes([0xA5] * 32)


def h(s: str) -> str:
    return s.encode("utf-8").hex()


def write_file(filename, title, fields, cases):
    lines = [
        "# " + title,
        "# Spec: docs/CONSTRUCTIONS.md, section 4 (" + filename[:-4] + ")",
        "# generated by generate_anon.py, do not edit (run: python3 testdata/vectors/generate_anon.py)",
        "# Independent Python implementation of docs/CONSTRUCTIONS.md (contract, version 1).",
        "# Format: blocks of `name = value` lines separated by blank lines; value = everything",
        "# after the first ` = `; names ending in _hex are lowercase hex bytes (may be empty).",
    ]
    for f in fields.strip("\n").split("\n"):
        lines.append("#   " + f if f else "#")
    lines.append("")
    for case in cases:
        assert case[0][0] == "case"
        for name, value in case:
            assert isinstance(value, str) and "\n" not in value, (name, value)
            if not name.endswith("_hex"):
                assert value and value == value.strip(), (name, value)
            lines.append(name + " = " + value)
        lines.append("")
    with open(os.path.join(OUT_DIR, filename), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
    return len(cases)


HIERARCHY = "Paris;Île-de-France;France;*\nLyon;Auvergne-Rhône-Alpes;France;*\r\nGenève;Genève;Suisse;*\n\n"


def gen_generalise():
    cases = []
    dates = [
        ("1984-05-09", "year"),
        ("1984-05-09", "quarter"),
        ("1984-05-09", "month"),
        ("1984-05-09", "week"),
        ("1984-12-31", "quarter"),
        ("2005-01-01", "week"),
        ("2008-12-29", "week"),
        ("2010-01-03", "week"),
        ("2020-12-31", "week"),
        ("2024-02-29T23:59:59.999Z", "month"),
        ("2024-02-29 08:00:00+05:30", "week"),
        ("0001-01-01", "week"),
        ("9999-12-31", "quarter"),
    ]
    for value, to in dates:
        cases.append([("case", "date %s to %s" % (value, to)), ("mode", "to"), ("param", to),
                      ("input_hex", h(value)), ("output_hex", h(generalise_date(value, to)))])
    widths = [
        ("37", "10", "0"), ("40", "10", "0"), ("-1", "10", "0"), ("37.5", "10", "0"),
        ("4.4", "2.5", "1"), ("0.3", "0.1", "0.1"), ("1e+16", "1000", "0"), ("-0.5", "0.25", "0"),
        ("123456789012", "5", "3"),
    ]
    for value, w, o in widths:
        cases.append([("case", "number %s, width %s, origin %s" % (value, w, o)), ("mode", "width"),
                      ("param", w), ("origin", o), ("input_hex", h(value)),
                      ("output_hex", h(generalise_width(value, w, o)))])
    breaks = ["0", "18", "65"]
    for value in ["-3", "0", "17.99", "18", "64", "65", "1000", "1e3"]:
        cases.append([("case", "number %s, breaks 0,18,65" % value), ("mode", "breaks"),
                      ("param", ",".join(breaks)), ("input_hex", h(value)),
                      ("output_hex", h(generalise_breaks(value, breaks)))])
    cases.append([("case", "breaks with decimals"), ("mode", "breaks"), ("param", "0.5,2.25"),
                  ("input_hex", h("1")), ("output_hex", h(generalise_breaks("1", ["0.5", "2.25"])))])
    for value, n in [("75011", 3), ("Zürich", 2), ("ab", 3), ("東京都", 1)]:
        cases.append([("case", "prefix %d of %s" % (n, value)), ("mode", "keep_first"), ("param", str(n)),
                      ("input_hex", h(value)), ("output_hex", h(generalise_prefix(value, n)))])
    for value, level, missing in [("Lyon", 1, None), ("Paris", 2, None), ("Genève", 3, None),
                                  ("Nice", 2, "*"), ("Nice", 1, None)]:
        out = generalise_hierarchy(value, HIERARCHY, level, missing)
        case = [("case", "hierarchy %s level %d" % (value, level)), ("mode", "hierarchy"),
                ("param", str(level)), ("hierarchy_hex", h(HIERARCHY))]
        if missing is not None:
            case.append(("missing_hex", h(missing)))
        case.append(("input_hex", h(value)))
        case.append(("output_hex", h(out)) if out is not None else ("error", "not-in-hierarchy"))
        cases.append(case)
    for value, mode, param in [("09/05/1984", "to", "year"), ("1984-02-30", "to", "year"),
                               ("1984-05-09T25:00", "to", "month"), ("forty", "width", "10"),
                               ("nan", "breaks", "0"), ("", "width", "10")]:
        case = [("case", "error: %r with %s" % (value, mode)), ("mode", mode), ("param", param)]
        if mode == "width":
            case.append(("origin", "0"))
        case += [("input_hex", h(value)), ("error", "not-a-date" if mode == "to" else "not-a-number")]
        cases.append(case)
    return write_file("generalise.txt", "generalise: dates to a period, numbers to bins, strings to a prefix, hierarchy levels (no key)", """
mode (to | width | breaks | keep_first | hierarchy), param (the period; the width; the breaks,
comma-separated; the prefix length; the level), origin (width only), hierarchy_hex (the hierarchy
file's bytes), missing_hex (hierarchy only, optional), input_hex (canonical value), and either
output_hex or error (not-a-date | not-a-number | not-in-hierarchy).
""", cases)


def gen_date_shift():
    cases = []
    specs = [
        (KEY_A, "default", 30, "cust-1", "2024-01-31"),
        (KEY_A, "default", 30, "cust-1", "2024-03-01"),
        (KEY_A, "default", 30, "cust-1", "2024-03-01T08:15:00.250+01:00"),
        (KEY_A, "default", 30, "cust-2", "2024-01-31"),
        (KEY_A, "clinic", 30, "cust-1", "2024-01-31"),
        (KEY_B, "default", 30, "cust-1", "2024-01-31"),
        (KEY_A, "default", 1, "x", "2000-02-28"),
        (KEY_A, "default", 365, "patient 42", "1999-12-31 23:59:59Z"),
        (KEY_A, "default", 365, "", "2024-02-29T12:00Z"),
        (KEY_A, "visits", 3650, "Zoë", "1970-01-01"),
        (KEY_B, "visits", 100000, "subject-7", "2024-06-15T00:00:00"),
        (KEY_B, "default", 7, "cust-1", "2024-12-31t23:59z"),
    ]
    for key, domain, max_days, subject, value in specs:
        off = shift_offset(key, domain, max_days, subject)
        assert -max_days <= off <= max_days
        cases.append([("case", "%s, max %d, subject %r" % (value, max_days, subject)),
                      ("key_hex", key.hex()), ("domain_hex", h(domain)), ("max_days", str(max_days)),
                      ("subject_hex", h(subject)), ("input_hex", h(value)), ("offset", str(off)),
                      ("output_hex", h(date_shift(key, domain, max_days, subject, value)))])
    return write_file("date_shift.txt", "date_shift: a keyed per-subject offset in days", """
key_hex, domain_hex, max_days, subject_hex (the subject column's value), input_hex (a date or
timestamp), offset (days), output_hex. offset = BE u64 of HMAC-SHA256(subkey(shift, domain),
subject)[0..8] mod (2*max_days + 1) - max_days; the time part of a timestamp is kept as written.
""", cases)


def gen_noise():
    cases = []
    specs = [
        ("absolute", 5.0, "uniform", "1000", "row-1"),
        ("absolute", 5.0, "uniform", "1000", "row-2"),
        ("absolute", 5.0, "uniform", "-17", "-17"),
        ("absolute", 5.0, "laplace", "1000", "cust-1"),
        ("absolute", 2.5, "laplace", "12.50", "cust-1"),
        ("relative", 0.1, "uniform", "200.000", "cust-9"),
        ("relative", 0.1, "laplace", "54321", "cust-9"),
        ("relative", 0.05, "uniform", "1.5e-07", "1.5e-07"),
        ("absolute", 1000.0, "uniform", "1e+16", "s"),
        ("absolute", 0.5, "uniform", "3.", "3."),
        ("absolute", 1.0, "uniform", "nan", "nan"),
        ("absolute", 1.0, "laplace", "-inf", "x"),
        ("absolute", 3.0, "uniform", "+42", "Zoë"),
        ("absolute", 0.01, "laplace", "0.125", "k"),
        ("relative", 0.2, "laplace", "-0.75", "subject 3"),
    ]
    for i, (kind, amount, dist, value, seed) in enumerate(specs):
        key, domain = (KEY_A, "default") if i % 3 else (KEY_B, "salary")
        u = unit(key, domain, seed)
        assert 0.0 < u < 1.0
        out = noise(key, domain, kind, amount, dist, value, seed)
        cases.append([("case", "%s %s %s of %s, seed %r" % (dist, kind, repr(amount), value, seed)),
                      ("key_hex", key.hex()), ("domain_hex", h(domain)), ("scale", kind),
                      ("amount", repr(amount)), ("distribution", dist), ("seed_hex", h(seed)),
                      ("input_hex", h(value)), ("unit", repr(u)), ("output_hex", h(out))])
    return write_file("noise.txt", "noise: keyed, reproducible numeric noise", """
key_hex, domain_hex, scale (absolute | relative), amount, distribution (uniform | laplace),
seed_hex (the row's subject value, or the value itself), input_hex, unit (u in (0,1), Python
repr), output_hex. u = (2*(x >> 12) + 1) / 2^53 with x = BE u64 of HMAC-SHA256(subkey(noise,
domain), seed)[0..8]; s = amount, or amount*|value| for relative; uniform: s*(2u-1); laplace:
s*ln(2u) if u < 0.5, else -s*ln(2(1-u)). Integers: value + round-half-away(noise). Decimals:
value + noise with the input's digits after the point. Exponent forms: the input's mantissa
digits, written mantissa `e` exponent (no `+`, no leading zeros). nan/inf are kept.
""", cases)


def gen_fake():
    cases = []
    dicts = {name: dictionary(name) for name in ("first_names", "last_names", "cities")}
    specs = [
        (KEY_A, "default", "first_names", "alice@example.org"),
        (KEY_A, "default", "first_names", "bob@example.org"),
        (KEY_A, "customer", "first_names", "alice@example.org"),
        (KEY_B, "default", "first_names", "alice@example.org"),
        (KEY_A, "default", "last_names", "Smith"),
        (KEY_A, "default", "last_names", "Zoë Müller"),
        (KEY_B, "people", "last_names", "12345"),
        (KEY_A, "default", "cities", "Paris"),
        (KEY_A, "default", "cities", "75011"),
        (KEY_B, "geo", "cities", "東京"),
        (KEY_A, "default", "cities", ""),
    ]
    for key, domain, name, value in specs:
        entries, sha = dicts[name]
        i, out = fake(key, domain, entries, value)
        cases.append([("case", "%s from %s, domain %s" % (repr(value), name, domain)),
                      ("key_hex", key.hex()), ("domain_hex", h(domain)), ("dictionary", name),
                      ("dictionary_sha256", sha), ("entries", str(len(entries))),
                      ("input_hex", h(value)), ("index", str(i)), ("output_hex", h(out))])
    return write_file("fake.txt", "fake: a keyed pick from a dictionary", """
key_hex, domain_hex, dictionary (built-in name), dictionary_sha256 (SHA-256 of the dictionary
file's bytes), entries (its number of entries: lines that are not empty and do not start with
#), input_hex (canonical value), index (0-based), output_hex. index = BE u64 of
HMAC-SHA256(subkey(fake, domain), value)[0..8] mod entries.
""", cases)


def calendar_checks():
    # The ISO week and quarter code against a day-by-day walk over a few years.
    d = datetime.date(1999, 12, 20)
    while d < datetime.date(2011, 1, 10):
        s = d.isoformat()
        y, w, _ = d.isocalendar()
        assert generalise_date(s, "week") == "%04d-W%02d" % (y, w)
        d += datetime.timedelta(days=1)
    assert split_date("2023-02-29") is None and split_date("1984-05-09T") is None
    assert generalise_width("37", "10", "0") == "[30, 40)"


def main():
    self_checks()
    calendar_checks()
    counts = {}
    for gen, name in ((gen_generalise, "generalise.txt"), (gen_date_shift, "date_shift.txt"),
                      (gen_noise, "noise.txt"), (gen_fake, "fake.txt")):
        counts[name] = gen()
    for name, n in counts.items():
        print("%-16s %3d cases" % (name, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
