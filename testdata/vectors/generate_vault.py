#!/usr/bin/env python3
"""Known-answer vectors for oubli's crypto-shredding vault and per-subject tokens
(docs/CRYPTO-SHREDDING.md), from an independent implementation written from that
page only.

    subkey(purpose, domain, L) = HKDF-SHA256(IKM = master key, no salt,
                                             info = "oubli/v1/" + purpose + "/" + domain, L)
    tag       = HMAC-SHA256(subkey("tag", "erase", 32), identifier)        (32 bytes)
    wrapped   = nonce(12) || AES-256-GCM(subkey("gcm", "vault", 32), nonce, AD = tag, data key)
    vault MAC = HMAC-SHA256(subkey("tag", "vault", 32), every byte before the `end` line)
    line check = hex(SHA-256(line up to its last space)[:4])

Per-subject tokens: prefix || short key id || "." || b64url(outer), with
    inner keys = HKDF-SHA256(IKM = data key, no salt, info = "oubli/v1/siv|gcm/" + domain, 64|32)
    encrypt:        inner = AES-256-SIV(k_in, AD = [domain], value)             (V || C)
                    outer = AES-256-SIV(subkey("siv", domain, 64), AD = ["per-subject:" + domain], tag || inner)
    encrypt_random: inner = n1 || AES-256-GCM(k_in, n1, AD = domain, value)    (n || C || T)
                    outer = n2 || AES-256-GCM(subkey("gcm", domain, 32), n2, AD = "per-subject:" + domain, tag || inner)

Uses the `cryptography` package for AES-GCM and AES-SIV; HKDF is written by hand
(checked against RFC 5869) and cross-checked with cryptography's HKDF.
Deterministic: fixed keys and nonces. Run `python3 testdata/vectors/generate_vault.py`
to rewrite vault.txt and per_subject.txt next to it.
"""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

OUT_DIR = os.path.dirname(os.path.abspath(__file__))


def b64url(x: bytes) -> str:
    return base64.urlsafe_b64encode(x).decode("ascii").rstrip("=")


def hkdf_sha256(ikm: bytes, info: bytes, length: int, salt: bytes = b"") -> bytes:
    prk = hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    out = okm[:length]
    cross = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)
    assert cross == out
    return out


def subkey(master: bytes, purpose: str, domain: str, length: int) -> bytes:
    return hkdf_sha256(master, ("oubli/v1/" + purpose + "/" + domain).encode("utf-8"), length)


def key_id(master: bytes) -> str:
    return hkdf_sha256(master, b"oubli/v1/key-id", 8).hex()


def tag_of(master: bytes, identifier: str) -> bytes:
    return hmac.new(subkey(master, "tag", "erase", 32), identifier.encode("utf-8"), hashlib.sha256).digest()


def wrap(master: bytes, tag: bytes, data_key: bytes, nonce: bytes) -> bytes:
    gcm = AESGCM(subkey(master, "gcm", "vault", 32))
    ct = gcm.encrypt(nonce, data_key, tag)  # ciphertext || tag
    assert gcm.decrypt(nonce, ct, tag) == data_key
    return nonce + ct


def check(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).digest()[:4].hex()


def vault_text(master: bytes, records) -> str:
    """records: list of (tag bytes, ("key", wrapped bytes) | ("forgotten", time))."""
    kid = key_id(master)
    out = "OUBLI-VAULT-1\n"
    out += f"# oubli vault: one data key per data subject, wrapped under master key {kid}. Do not edit.\n"
    out += f"key-id {kid}\n"
    for tag, (kind, value) in sorted(records, key=lambda r: r[0]):
        if kind == "key":
            body = f"key {tag.hex()} {b64url(value)}"
        else:
            body = f"forgotten {tag.hex()} {value}"
        out += f"{body} {check(body)}\n"
    mac = hmac.new(subkey(master, "tag", "vault", 32), out.encode("utf-8"), hashlib.sha256).hexdigest()
    out += f"end {len(records)} {mac}\n"
    return out


def token(master: bytes, domain: str, prefix: str, tag: bytes, data_key: bytes, value: bytes,
          randomised: bool, n1: bytes = b"", n2: bytes = b"") -> str:
    short = key_id(master)[:8]
    outer_ad = ("per-subject:" + domain).encode("utf-8")
    if not randomised:
        inner = AESSIV(hkdf_sha256(data_key, ("oubli/v1/siv/" + domain).encode(), 64)).encrypt(
            value, [domain.encode("utf-8")])
        outer = AESSIV(subkey(master, "siv", domain, 64)).encrypt(tag + inner, [outer_ad])
        # AESSIV returns V || C, the layout of the spec.
    else:
        gin = AESGCM(hkdf_sha256(data_key, ("oubli/v1/gcm/" + domain).encode(), 32))
        inner = n1 + gin.encrypt(n1, value, domain.encode("utf-8"))
        gout = AESGCM(subkey(master, "gcm", domain, 32))
        outer = n2 + gout.encrypt(n2, tag + inner, outer_ad)
    return prefix + short + "." + b64url(outer)


def open_token(master, domain, prefix, data_keys, tok, randomised):
    """Independent opening, to round-trip every case."""
    short = key_id(master)[:8]
    assert tok.startswith(prefix + short + ".")
    body = tok[len(prefix) + 9:]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    outer_ad = ("per-subject:" + domain).encode("utf-8")
    if not randomised:
        pt = AESSIV(subkey(master, "siv", domain, 64)).decrypt(raw, [outer_ad])
        tag, inner = pt[:32], pt[32:]
        return tag, AESSIV(hkdf_sha256(data_keys[tag], ("oubli/v1/siv/" + domain).encode(), 64)).decrypt(
            inner, [domain.encode("utf-8")])
    pt = AESGCM(subkey(master, "gcm", domain, 32)).decrypt(raw[:12], raw[12:], outer_ad)
    tag, inner = pt[:32], pt[32:]
    gin = AESGCM(hkdf_sha256(data_keys[tag], ("oubli/v1/gcm/" + domain).encode(), 32))
    return tag, gin.decrypt(inner[:12], inner[12:], domain.encode("utf-8"))


def self_checks():
    okm = hkdf_sha256(b"\x0b" * 22, b"", 42)
    assert okm.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                         "9d201395faa4b61a96c8"), okm.hex()
    # NIST GCM test case 16 (AES-256, 96-bit IV, with AD), from the GCM spec (McGrew & Viega).
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    iv = bytes.fromhex("cafebabefacedbaddecaf888")
    pt = bytes.fromhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    ad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    ct = AESGCM(key).encrypt(iv, pt, ad)
    assert ct.hex() == ("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                        "76fc6ece0f4e1768cddf8853bb2d551b"), ct.hex()
    # The tag construction is the one tags.txt pins (generate_tags.py).
    path = os.path.join(OUT_DIR, "tags.txt")
    with open(path, encoding="utf-8") as f:
        blocks = [dict(l.split(" = ", 1) for l in b.splitlines() if " = " in l and not l.startswith("#"))
                  for b in f.read().split("\n\n")]
    checked = 0
    for b in blocks:
        if "tag" in b and "key_hex" in b:
            got = tag_of(bytes.fromhex(b["key_hex"]), bytes.fromhex(b["identifier_hex"]).decode("utf-8"))
            assert got.hex() == b["tag"], b["case"]
            checked += 1
    assert checked >= 30


MASTERS = [
    ("000102..1f", bytes(range(32))),
    ("arbitrary", bytes.fromhex("4a4ddd91836fbdec7cfdab5aea303b100d794f95122d5355a519fac78891124a")),
]
SUBJECTS = ["C-000042", "alice@example.org", "Zoë Ångström", "442079460958"]


def data_key_for(i: int) -> bytes:
    return hashlib.sha256(b"oubli test data key " + bytes([i])).digest()


def nonce_for(i: int, j: int) -> bytes:
    return hashlib.sha256(b"oubli test nonce " + bytes([i, j])).digest()[:12]


HEADER = """# {title}
# Spec: docs/CRYPTO-SHREDDING.md
# generated by generate_vault.py, do not edit (run: python3 testdata/vectors/generate_vault.py)
# Independent Python implementation (cryptography package for AES-GCM/AES-SIV, hand HKDF).
# Format: blocks of `name = value` lines separated by blank lines; names ending in _hex
# are lowercase hex bytes.
{fields}
"""


def main():
    self_checks()
    wrap_cases, vault_cases, token_cases = [], [], []
    for mname, master in MASTERS:
        records, keys = [], {}
        for i, subject in enumerate(SUBJECTS):
            tag = tag_of(master, subject)
            dk = data_key_for(i)
            nonce = nonce_for(i, 0)
            wrapped = wrap(master, tag, dk, nonce)
            # Tamper check: a flipped bit of the ciphertext, or another tag, must fail.
            gcm = AESGCM(subkey(master, "gcm", "vault", 32))
            flipped = bytearray(wrapped)
            flipped[14] ^= 1
            for ct, ad in ((bytes(flipped[12:]), tag), (wrapped[12:], tag_of(master, subject + "x"))):
                try:
                    gcm.decrypt(wrapped[:12], ct, ad)
                    raise AssertionError("tampered wrap opened")
                except InvalidTag:
                    pass
            wrap_cases.append([
                ("case", f"wrap {subject!r}, key {mname}"),
                ("master_hex", master.hex()),
                ("identifier_hex", subject.encode().hex()),
                ("tag_hex", tag.hex()),
                ("data_key_hex", dk.hex()),
                ("nonce_hex", nonce.hex()),
                ("wrapped", b64url(wrapped)),
            ])
            keys[tag] = dk
            if i == 2:
                records.append((tag, ("forgotten", "2026-11-22T10:00:00Z")))
            else:
                records.append((tag, ("key", wrapped)))
            for domain, prefix, value in (("iban", "", "DE89 3704 0044 0532 0130 00"),
                                          ("notes", "ps:", "héllo, wörld"),
                                          ("default", "", "")):
                for randomised in (False, True):
                    n1, n2 = nonce_for(i, 1), nonce_for(i, 2)
                    tok = token(master, domain, prefix, tag, dk, value.encode(), randomised, n1, n2)
                    t2, back = open_token(master, domain, prefix, keys, tok, randomised)
                    assert t2 == tag and back == value.encode()
                    token_cases.append([
                        ("case", f"{'encrypt_random' if randomised else 'encrypt'} {subject!r} {domain}, key {mname}"),
                        ("transform", "encrypt_random" if randomised else "encrypt"),
                        ("master_hex", master.hex()),
                        ("domain_hex", domain.encode().hex()),
                        ("prefix_hex", prefix.encode().hex()),
                        ("tag_hex", tag.hex()),
                        ("data_key_hex", dk.hex()),
                        ("inner_nonce_hex", n1.hex() if randomised else ""),
                        ("outer_nonce_hex", n2.hex() if randomised else ""),
                        ("input_hex", value.encode().hex()),
                        ("token", tok),
                    ])
        text = vault_text(master, records)
        vault_cases.append([
            ("case", f"vault of {len(SUBJECTS)} subjects (one forgotten), key {mname}"),
            ("master_hex", master.hex()),
            ("subjects_hex", ",".join(s.encode().hex() for s in SUBJECTS)),
            ("forgotten_hex", SUBJECTS[2].encode().hex()),
            ("data_keys_hex", ",".join(data_key_for(i).hex() for i in range(len(SUBJECTS)))),
            ("file_hex", text.encode().hex()),
        ])
    empty = vault_text(MASTERS[0][1], [])
    vault_cases.append([
        ("case", "empty vault, key 000102..1f"),
        ("master_hex", MASTERS[0][1].hex()),
        ("subjects_hex", ""),
        ("forgotten_hex", ""),
        ("data_keys_hex", ""),
        ("file_hex", empty.encode().hex()),
    ])

    def write(name, title, fields, cases):
        with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8") as f:
            f.write(HEADER.format(title=title, fields=fields))
            for c in cases:
                f.write("\n" + "".join(f"{k} = {v}\n" for k, v in c))
        print(f"{name}: {len(cases)} cases")

    write("vault.txt", "Vault: wrapped data keys and whole vault files",
          "# wrap cases: master_hex, identifier_hex, tag_hex, data_key_hex, nonce_hex, wrapped (b64url)\n"
          "# file cases: master_hex, subjects_hex / data_keys_hex (comma-separated; subject i has key i),\n"
          "#   forgotten_hex (the subject with a tombstone), file_hex (the whole vault file)",
          wrap_cases + vault_cases)
    write("per_subject.txt", "Per-subject tokens (encrypt / encrypt_random with per_subject)",
          "# transform, master_hex, domain_hex, prefix_hex, tag_hex, data_key_hex,\n"
          "# inner_nonce_hex / outer_nonce_hex (encrypt_random only), input_hex, token",
          token_cases)


if __name__ == "__main__":
    main()
