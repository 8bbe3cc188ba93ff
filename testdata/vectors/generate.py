#!/usr/bin/env python3
"""Known-answer test vectors for oubli, from an independent Python implementation
of docs/CONSTRUCTIONS.md (contract, version 1).

This script is written from the specification page only (not from oubli's Rust
code). It uses Python's standard library (hmac, hashlib, base64, unicodedata) and
the `cryptography` package (AES block cipher, AES-SIV, AES-GCM, CMAC, Ed25519,
and HKDF only as a cross-check).  FF1 (NIST SP 800-38G Rev. 1) and HKDF are
implemented by hand below.

Deterministic: fixed master keys, fixed GCM nonces, no randomness.
Run `python3 testdata/vectors/generate.py` to rewrite the .txt files next to it.
Before writing anything, the script checks its primitives against published
standard vectors (RFC 5869, NIST SP 800-38G samples, RFC 5297, RFC 8032,
C2SP/golang.org/x/mod sumdb/note) and every generated case is round-tripped.
"""

import base64
import hashlib
import hmac
import os
import sys
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import cmac, hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------
# Encodings (spec: Notation)
# ---------------------------------------------------------------------------


def b64url(x: bytes) -> str:
    """base64, URL-safe alphabet (RFC 4648 section 5), without padding."""
    return base64.urlsafe_b64encode(x).decode("ascii").rstrip("=")


def b64url_decode_strict(s: str) -> bytes:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if any(c not in alphabet for c in s) or len(s) % 4 == 1:
        raise ValueError("encoding")
    out = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if b64url(out) != s:  # non-canonical trailing bits
        raise ValueError("encoding")
    return out


# ---------------------------------------------------------------------------
# HKDF-SHA256 (RFC 5869), by hand, exactly as the spec's partner snippet
# ---------------------------------------------------------------------------


def hkdf_sha256(ikm: bytes, info: bytes, length: int, salt: bytes = b"") -> bytes:
    if not salt:
        salt = b"\x00" * 32  # "no salt" = HashLen zero bytes (RFC 5869 section 2.2)
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def hkdf_sha256_cryptography(ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


SUBKEY_LENGTHS = {
    "hash": 32,
    "siv": 64,
    "gcm": 32,
    "ff1": 32,
    "shift": 32,
    "noise": 32,
    "fake": 32,
    "tag": 32,
}


def subkey(master: bytes, purpose: str, domain: str, length: int = None) -> bytes:
    if length is None:
        length = SUBKEY_LENGTHS[purpose]
    return hkdf_sha256(master, ("oubli/v1/" + purpose + "/" + domain).encode("utf-8"), length)


# ---------------------------------------------------------------------------
# Key files (spec section 1)
# ---------------------------------------------------------------------------


def key_line(key: bytes) -> str:
    assert len(key) == 32
    return "OUBLI-KEY-1:" + b64url(key + hashlib.sha256(key).digest()[:4])


def parse_key_line(line: str) -> bytes:
    """Reference parser; raises ValueError(kind) with kind in
    checksum / version / length / encoding."""
    head, sep, payload = line.partition(":")
    if not sep or not head.startswith("OUBLI-KEY-"):
        raise ValueError("encoding")
    if head != "OUBLI-KEY-1":
        raise ValueError("version")
    raw = b64url_decode_strict(payload)
    if len(raw) != 36:
        raise ValueError("length")
    if hashlib.sha256(raw[:32]).digest()[:4] != raw[32:]:
        raise ValueError("checksum")
    return raw[:32]


def key_id(key: bytes) -> str:
    return hkdf_sha256(key, b"oubli/v1/key-id", 8).hex()


def short_key_id(key: bytes) -> str:
    return key_id(key)[:8]


# ring 0.17's Ed25519 PKCS#8 v2 document (ed25519_pkcs8_v2_template.der):
#   30 51 02 01 01 30 05 06 03 2b 65 70 04 22 04 20 <seed> 81 21 00 <public key>
PKCS8_PREFIX = bytes.fromhex("3051020101300506032b657004220420")
PKCS8_MIDDLE = bytes.fromhex("812100")


def ring_pkcs8(seed: bytes, public: bytes) -> bytes:
    doc = PKCS8_PREFIX + seed + PKCS8_MIDDLE + public
    assert len(doc) == 83
    return doc


def _der_children(doc: bytes):
    """Children (tag, value) of a DER SEQUENCE with short-form lengths."""
    assert doc[0] == 0x30 and doc[1] == len(doc) - 2 < 0x80
    out, i = [], 2
    while i < len(doc):
        tag, ln = doc[i], doc[i + 1]
        assert ln < 0x80
        out.append((tag, doc[i + 2:i + 2 + ln]))
        i += 2 + ln
    assert i == len(doc)
    return out


def signing_key_line(pkcs8: bytes) -> str:
    return "OUBLI-SIGNING-KEY-1:" + b64url(pkcs8 + hashlib.sha256(pkcs8).digest()[:4])


def verifier_key(name: str, public: bytes) -> str:
    """C2SP signed-note verifier key, Ed25519 (type 0x01)."""
    key_hash = hashlib.sha256(name.encode("utf-8") + b"\n" + b"\x01" + public).digest()[:4]
    return name + "+" + key_hash.hex() + "+" + base64.b64encode(b"\x01" + public).decode("ascii")


def signing_key_id(public: bytes) -> str:
    return hashlib.sha256(public).digest()[:8].hex()


# ---------------------------------------------------------------------------
# Normalisation (spec section 3)
# ---------------------------------------------------------------------------


def normalise(s: str, names) -> str:
    for n in names:
        if n == "trim":
            s = s.strip()
        elif n == "lowercase":
            s = s.lower()
        elif n == "nfc":
            s = unicodedata.normalize("NFC", s)
        elif n == "digits_only":
            s = "".join(c for c in s if c in "0123456789")
        else:
            raise ValueError(n)
    return s


# characters on which Python's strip() and Unicode White_Space disagree
PY_STRIP_EXTRA = {"\x1c", "\x1d", "\x1e", "\x1f"}

# ---------------------------------------------------------------------------
# hash (spec section 4)
# ---------------------------------------------------------------------------

FULL_LENGTH = {"hex": 64, "base32": 52, "base64url": 43}


def encode_mac(mac: bytes, encoding: str) -> str:
    if encoding == "hex":
        return mac.hex()
    if encoding == "base32":
        return base64.b32encode(mac).decode("ascii").rstrip("=")
    if encoding == "base64url":
        return b64url(mac)
    raise ValueError(encoding)


def oubli_hash_full(master: bytes, domain: str, canonical: str, encoding="hex", length=None, prefix=""):
    if canonical == "":
        return ""  # empty canonical value -> empty output (empty = "transform" not covered)
    mac = hmac.new(subkey(master, "hash", domain, 32), canonical.encode("utf-8"), hashlib.sha256).digest()
    enc = encode_mac(mac, encoding)
    assert len(enc) == FULL_LENGTH[encoding]
    if length is not None:
        assert 8 <= length <= FULL_LENGTH[encoding]
        enc = enc[:length]
    return prefix + enc


# The partner snippet of the spec, verbatim (used for one case and as a check).
def partner_hkdf_sha256(ikm: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()      # extract, no salt
    okm, block, counter = b"", b"", 1
    while len(okm) < length:                                         # expand
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def partner_oubli_hash(master_key: bytes, domain: str, value: str) -> str:
    key = partner_hkdf_sha256(master_key, ("oubli/v1/hash/" + domain).encode(), 32)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------
# AES helpers
# ---------------------------------------------------------------------------


class AESBlock:
    def __init__(self, key: bytes):
        self._enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()

    def __call__(self, block: bytes) -> bytes:
        assert len(block) == 16
        return self._enc.update(block)


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


# ---------------------------------------------------------------------------
# AES-SIV (RFC 5297), by hand (S2V with CMAC, CTR), cross-checked against
# cryptography's AESSIV
# ---------------------------------------------------------------------------


def _cmac(key: bytes, data: bytes) -> bytes:
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def _dbl(b: bytes) -> bytes:
    n = int.from_bytes(b, "big") << 1
    if n >> 128:
        n = (n & ((1 << 128) - 1)) ^ 0x87
    return n.to_bytes(16, "big")


def siv_encrypt_by_hand(key: bytes, plaintext: bytes, ad_vector) -> bytes:
    half = len(key) // 2
    k1, k2 = key[:half], key[half:]
    d = _cmac(k1, b"\x00" * 16)
    for ad in ad_vector:
        d = xor(_dbl(d), _cmac(k1, ad))
    if len(plaintext) >= 16:
        t = plaintext[:-16] + xor(plaintext[-16:], d)
    else:
        padded = plaintext + b"\x80" + b"\x00" * (15 - len(plaintext))
        t = xor(_dbl(d), padded)
    v = _cmac(k1, t)
    q = bytearray(v)
    q[8] &= 0x7F
    q[12] &= 0x7F
    ctr = Cipher(algorithms.AES(k2), modes.CTR(bytes(q))).encryptor()
    return v + ctr.update(plaintext) + ctr.finalize()


def siv_encrypt(key: bytes, plaintext: bytes, ad_vector) -> bytes:
    by_hand = siv_encrypt_by_hand(key, plaintext, ad_vector)
    lib = AESSIV(key).encrypt(plaintext, list(ad_vector))
    assert by_hand == lib, "hand-made SIV disagrees with cryptography's AESSIV"
    return lib


# ---------------------------------------------------------------------------
# FF1 (NIST SP 800-38G Rev. 1, Algorithms 7 and 8), by hand on AES-ECB
# ---------------------------------------------------------------------------


def _num_radix(xs, radix: int) -> int:
    n = 0
    for x in xs:
        n = n * radix + x
    return n


def _str_radix(x: int, radix: int, m: int):
    out = [0] * m
    for i in range(m - 1, -1, -1):
        out[i] = x % radix
        x //= radix
    assert x == 0
    return out


def _ff1_setup(key, tweak, radix, n):
    assert 2 <= radix <= 1 << 16
    assert 2 <= n <= 1 << 32
    assert radix ** n >= 1_000_000
    u = n // 2
    v = n - u
    b = ((radix ** v - 1).bit_length() + 7) // 8  # = ceil(ceil(v*log2(radix))/8)
    d = 4 * ((b + 3) // 4) + 4
    t = len(tweak)
    p = (bytes([1, 2, 1]) + radix.to_bytes(3, "big") + bytes([10]) + bytes([u % 256])
         + n.to_bytes(4, "big") + t.to_bytes(4, "big"))
    ciph = AESBlock(key)

    def prf(x: bytes) -> bytes:
        assert len(x) % 16 == 0
        y = b"\x00" * 16
        for j in range(0, len(x), 16):
            y = ciph(xor(y, x[j:j + 16]))
        return y

    def round_value(i: int, numeral_block) -> int:
        q = tweak + b"\x00" * ((-t - b - 1) % 16) + bytes([i]) + _num_radix(numeral_block, radix).to_bytes(b, "big")
        r = prf(p + q)
        s = r
        j = 1
        while len(s) < d:
            s += ciph(xor(r, j.to_bytes(16, "big")))
            j += 1
        return int.from_bytes(s[:d], "big")

    return u, v, round_value


def ff1_encrypt(key: bytes, tweak: bytes, xs, radix: int):
    n = len(xs)
    u, v, round_value = _ff1_setup(key, tweak, radix, n)
    a, b_ = list(xs[:u]), list(xs[u:])
    for i in range(10):
        y = round_value(i, b_)
        m = u if i % 2 == 0 else v
        c = (_num_radix(a, radix) + y) % (radix ** m)
        a, b_ = b_, _str_radix(c, radix, m)
    return a + b_


def ff1_decrypt(key: bytes, tweak: bytes, xs, radix: int):
    n = len(xs)
    u, v, round_value = _ff1_setup(key, tweak, radix, n)
    a, b_ = list(xs[:u]), list(xs[u:])
    for i in range(9, -1, -1):
        y = round_value(i, a)
        m = u if i % 2 == 0 else v
        c = (_num_radix(b_, radix) - y) % (radix ** m)
        a, b_ = _str_radix(c, radix, m), a
    return a + b_


ALPHABETS = {
    "digits": "0123456789",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "upper_alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
}


class TooShort(Exception):
    pass


def fpe_apply(master: bytes, domain: str, alphabet: str, value: str, decrypt=False) -> str:
    assert len(set(alphabet)) == len(alphabet) >= 2
    if value == "":
        return ""
    radix = len(alphabet)
    index = {c: i for i, c in enumerate(alphabet)}
    positions = [i for i, c in enumerate(value) if c in index]
    xs = [index[value[i]] for i in positions]
    n = len(xs)
    if n < 2 or radix ** n < 1_000_000:
        raise TooShort(n)
    key = subkey(master, "ff1", domain, 32)
    tweak = domain.encode("utf-8")
    ys = (ff1_decrypt if decrypt else ff1_encrypt)(key, tweak, xs, radix)
    out = list(value)
    for pos, y in zip(positions, ys):
        out[pos] = alphabet[y]
    return "".join(out)


# ---------------------------------------------------------------------------
# encrypt / encrypt_random tokens
# ---------------------------------------------------------------------------


def encrypt_token(master: bytes, domain: str, plaintext: bytes, prefix: str = "") -> str:
    k = subkey(master, "siv", domain, 64)
    vc = siv_encrypt(k, plaintext, [domain.encode("utf-8")])
    return prefix + short_key_id(master) + b64url(vc)


def decrypt_token(master: bytes, domain: str, token: str, prefix: str = "") -> bytes:
    assert token.startswith(prefix + short_key_id(master))
    vc = b64url_decode_strict(token[len(prefix) + 8:])
    return AESSIV(subkey(master, "siv", domain, 64)).decrypt(vc, [domain.encode("utf-8")])


def encrypt_random_token(master: bytes, domain: str, nonce: bytes, plaintext: bytes, prefix: str = "") -> str:
    assert len(nonce) == 12
    k = subkey(master, "gcm", domain, 32)
    ct = AESGCM(k).encrypt(nonce, plaintext, domain.encode("utf-8"))
    return prefix + short_key_id(master) + b64url(nonce + ct)


def decrypt_random_token(master: bytes, domain: str, token: str, prefix: str = "") -> bytes:
    assert token.startswith(prefix + short_key_id(master))
    raw = b64url_decode_strict(token[len(prefix) + 8:])
    return AESGCM(subkey(master, "gcm", domain, 32)).decrypt(raw[:12], raw[12:], domain.encode("utf-8"))


def tamper(token: str, prefix: str, skip: int, case_no: int) -> str:
    """Flip one bit of the decoded bytes after the first `skip` bytes, re-encode."""
    head = token[:len(prefix) + 8]
    raw = bytearray(b64url_decode_strict(token[len(prefix) + 8:]))
    region = len(raw) - skip
    idx = skip + (case_no * 7) % region
    raw[idx] ^= 1 << (case_no % 8)
    return head + b64url(bytes(raw))


# ---------------------------------------------------------------------------
# mask
# ---------------------------------------------------------------------------


def mask(value: str, keep_first: int, keep_last: int, char: str = "*", skip: str = "") -> str:
    n = len(value)
    out = []
    for i, c in enumerate(value):
        kept = n > keep_first + keep_last and (i < keep_first or i >= n - keep_last)
        out.append(c if kept or c in skip else char)
    return "".join(out)


# ---------------------------------------------------------------------------
# Self-checks against standard vectors
# ---------------------------------------------------------------------------

CHECKS = []


def self_checks():
    # RFC 5869 test case 3 (SHA-256, zero-length salt and info)
    ikm = bytes.fromhex("0b" * 22)
    okm = hkdf_sha256(ikm, b"", 42)
    assert okm.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                         "9d201395faa4b61a96c8"), okm.hex()
    assert okm == hkdf_sha256_cryptography(ikm, b"", 42)
    # RFC 5869 test case 1 (with salt) for the by-hand function's salt path
    okm1 = hkdf_sha256(ikm, bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"), 42, salt=bytes.fromhex("000102030405060708090a0b0c"))
    assert okm1.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                          "34007208d5b887185865"), okm1.hex()
    CHECKS.append("HKDF-SHA256 by hand = RFC 5869 test cases 1 and 3 = cryptography HKDF")

    # NIST SP 800-38G FF1 samples
    a36 = "0123456789abcdefghijklmnopqrstuvwxyz"
    k128 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
    k256 = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94")
    samples = [
        ("1", k128, "", 10, "0123456789", "2433477484"),
        ("2", k128, "39383736353433323130", 10, "0123456789", "6124200773"),
        ("3", k128, "3737373770717273373737", 36, "0123456789abcdefghi", "a9tv40mll9kdu509eum"),
        ("7", k256, "", 10, "0123456789", "6657667009"),
        ("8", k256, "39383736353433323130", 10, "0123456789", "1001623463"),
        ("9", k256, "3737373770717273373737", 36, "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"),
    ]
    for name, key, tweak, radix, pt, ct in samples:
        xs = [a36.index(c) for c in pt]
        ys = ff1_encrypt(key, bytes.fromhex(tweak), xs, radix)
        got = "".join(a36[y] for y in ys)
        assert got == ct, (name, got, ct)
        assert ff1_decrypt(key, bytes.fromhex(tweak), ys, radix) == xs
    CHECKS.append("FF1 by hand = NIST SP 800-38G samples 1-3 (AES-128) and 7-9 (AES-256), encrypt and decrypt")

    # RFC 5297 A.1 (deterministic AES-SIV)
    key = bytes.fromhex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
    ad = bytes.fromhex("101112131415161718191a1b1c1d1e1f2021222324252627")
    pt = bytes.fromhex("112233445566778899aabbccddee")
    expected = "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c"
    assert AESSIV(key).encrypt(pt, [ad]).hex() == expected
    assert siv_encrypt_by_hand(key, pt, [ad]).hex() == expected
    assert AESSIV(key).decrypt(bytes.fromhex(expected), [ad]) == pt
    CHECKS.append("AES-SIV (cryptography AESSIV and by-hand S2V/CTR) = RFC 5297 A.1")

    # RFC 8032 section 7.1 TEST 1 / TEST 2: public keys derived from the seeds
    for seed, pub in RFC8032_KEYS:
        sk = Ed25519PrivateKey.from_private_bytes(seed)
        derived = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert derived == pub
        # our ring-layout PKCS#8 v2 document: walk its DER by hand
        doc = ring_pkcs8(seed, pub)
        tlvs = _der_children(doc)
        assert [t for t, _ in tlvs] == [0x02, 0x30, 0x04, 0x81]
        assert tlvs[0][1] == b"\x01"                             # version v2
        assert tlvs[1][1] == bytes.fromhex("06032b6570")          # id-Ed25519 (1.3.101.112)
        assert tlvs[2][1] == b"\x04\x20" + seed                  # CurvePrivateKey
        assert tlvs[3][1] == b"\x00" + pub                        # [1] IMPLICIT BIT STRING
        # the same seed in a PKCS#8 v1 document loads in cryptography to the same key pair
        v1 = bytes.fromhex("302e020100300506032b657004220420") + seed
        loaded = serialization.load_der_private_key(v1, password=None)
        assert loaded.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == pub
    CHECKS.append("Ed25519 public keys = RFC 8032 7.1 TEST 1/2; PKCS#8 v2 layout checked by a DER walk")

    # C2SP signed-note verifier key: golang.org/x/mod sumdb/note test key
    skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    raw = base64.b64decode(skey.split("+", 4)[4])
    assert raw[0] == 1 and len(raw) == 33
    sk = Ed25519PrivateKey.from_private_bytes(raw[1:])
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert verifier_key("PeterNeumann", pub) == vkey
    text = (b"If you think cryptography is the answer to your problem,\n"
            b"then you don't know what your problem is.\n")
    sig = base64.b64decode("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")
    assert sig[:4].hex() == "c74f20a3"
    Ed25519PublicKey.from_public_bytes(pub).verify(sig[4:], text)
    CHECKS.append("C2SP verifier key = golang.org/x/mod sumdb/note PeterNeumann test key (and its signature verifies)")

    # The spec's partner snippet equals the generic hash implementation
    k = bytes(range(32))
    assert partner_oubli_hash(k, "default", "x") == oubli_hash_full(k, "default", "x")
    line = key_line(k)
    assert base64.urlsafe_b64decode(line.split(":", 1)[1] + "==")[:32] == k
    assert parse_key_line(line) == k
    CHECKS.append("partner snippet of the spec = generic hash; key-line round trip")


# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

KEY_A = bytes(range(32))                                   # 000102...1f
KEY_B = b"\xff" * 32                                       # all 0xff
KEY_C = bytes.fromhex("4a4ddd91836fbdec7cfdab5aea303b100d794f95122d5355a519fac78891124a")  # arbitrary
KEYS = [("000102..1f", KEY_A), ("all ff", KEY_B), ("arbitrary", KEY_C)]

# RFC 8032 section 7.1, TEST 1 and TEST 2 (SECRET KEY = 32-byte seed, PUBLIC KEY)
RFC8032_KEYS = [
    (bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
     bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")),
    (bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
     bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")),
]

DOMAIN_NONASCII = "kundennummer-ä"
DOMAINS = ["default", "customer", DOMAIN_NONASCII]

# ---------------------------------------------------------------------------
# Output format
# ---------------------------------------------------------------------------

HEX_DIGITS = set("0123456789abcdef")


def h(s: str) -> str:
    return s.encode("utf-8").hex()


def write_file(filename: str, title: str, section: str, fields: str, cases):
    lines = [
        "# " + title,
        "# Spec: docs/CONSTRUCTIONS.md, " + section,
        "# generated by generate.py, do not edit (run: python3 testdata/vectors/generate.py)",
        "# Independent Python implementation of docs/CONSTRUCTIONS.md (contract, version 1).",
        "# Format: blocks of `name = value` lines separated by blank lines; value = everything",
        "# after the first ` = `; names ending in _hex are lowercase hex bytes (may be empty).",
    ]
    for f in fields.strip("\n").split("\n"):
        lines.append("#   " + f if f else "#")
    lines.append("")
    for case in cases:
        assert case[0][0] == "case", case
        names = [n for n, _ in case]
        assert len(names) == len(set(names)), names
        for name, value in case:
            assert isinstance(value, str), (name, value)
            assert "\n" not in value and "\r" not in value
            assert name and " " not in name and "=" not in name
            if name.endswith("_hex"):
                assert set(value) <= HEX_DIGITS and len(value) % 2 == 0, (name, value)
            else:
                assert value and value == value.strip() and value.isprintable(), (name, value)
            lines.append(name + " = " + value)
        lines.append("")
    data = "\n".join(lines)
    with open(os.path.join(OUT_DIR, filename), "w", encoding="utf-8", newline="\n") as f:
        f.write(data)
    return len(cases)


# ---------------------------------------------------------------------------
# 1. keys.txt and keyfile_negative.txt
# ---------------------------------------------------------------------------


def gen_keys():
    cases = []
    for label, k in KEYS:
        kid = key_id(k)
        assert kid == hkdf_sha256_cryptography(k, b"oubli/v1/key-id", 8).hex()
        line = key_line(k)
        assert parse_key_line(line) == k and len(line) == 12 + 48
        cases.append([("case", "master key " + label), ("key_hex", k.hex()), ("key_line", line),
                      ("key_id", kid), ("short_key_id", kid[:8])])
    for test_no, (seed, pub) in zip((1, 2), RFC8032_KEYS):
        for name in ("oubli", "ledger.example.org/audit"):
            doc = ring_pkcs8(seed, pub)
            cases.append([
                ("case", "signing key RFC 8032 7.1 TEST %d, name %s" % (test_no, name)),
                ("seed_hex", seed.hex()), ("public_key_hex", pub.hex()), ("name", name),
                ("verifier_key", verifier_key(name, pub)),
                ("signing_key_id", signing_key_id(pub)),
                ("pkcs8_hex", doc.hex()),
                ("signing_key_line", signing_key_line(doc)),
            ])
    n = write_file("keys.txt", "Master keys (key line, key id) and signing keys (verifier key, key id)",
                   "section 1 (Key files)", """
Master key cases: key_hex, key_line (OUBLI-KEY-1:b64url(key || SHA-256(key)[0..4])),
  key_id (hex HKDF-SHA256(key, no salt, "oubli/v1/key-id", 8)), short_key_id (first 8 hex).
Signing key cases (RFC 8032 7.1 TEST 1 and TEST 2 key pairs): seed_hex, public_key_hex,
  name, verifier_key (C2SP: name+hex(SHA-256(name || 0x0a || 0x01 || pk)[0..4])+
  base64std(0x01 || pk)), signing_key_id (hex SHA-256(pk)[0..8]), pkcs8_hex (the PKCS#8 v2
  document in ring 0.17's layout: 3051020101300506032b657004220420 || seed || 812100 || pk),
  signing_key_line (OUBLI-SIGNING-KEY-1:b64url(pkcs8 || SHA-256(pkcs8)[0..4])).
""", cases)

    # negative key lines
    good = key_line(KEY_C)
    payload = good.split(":", 1)[1]
    neg = []

    def add(desc, line, error):
        try:
            parse_key_line(line)
        except ValueError as e:
            assert str(e) == error, (desc, str(e), error)
        else:
            raise AssertionError("negative case parsed: " + desc)
        neg.append([("case", desc), ("line", line), ("error", error)])

    def change_char(p, i):
        c = p[i]
        return p[:i] + ("B" if c != "B" else "C") + p[i + 1:]

    add("one payload character changed (key part)", "OUBLI-KEY-1:" + change_char(payload, 5), "checksum")
    add("one payload character changed (checksum part)", "OUBLI-KEY-1:" + change_char(payload, 45), "checksum")
    add("checksum of another key", "OUBLI-KEY-1:" + b64url(KEY_C + hashlib.sha256(KEY_A).digest()[:4]), "checksum")
    add("version 2", "OUBLI-KEY-2:" + payload, "version")
    add("version 0", "OUBLI-KEY-0:" + payload, "version")
    k31 = KEY_C[:31]
    add("payload of 35 bytes (31-byte key with its checksum)", "OUBLI-KEY-1:" + b64url(k31 + hashlib.sha256(k31).digest()[:4]), "length")
    add("payload of 35 bytes (valid payload minus last byte)", "OUBLI-KEY-1:" + b64url(b64url_decode_strict(payload)[:35]), "length")
    k33 = KEY_C + b"\x00"
    add("payload of 37 bytes (33-byte key with its checksum)", "OUBLI-KEY-1:" + b64url(k33 + hashlib.sha256(k33).digest()[:4]), "length")
    add("payload of 32 bytes (key without checksum)", "OUBLI-KEY-1:" + b64url(KEY_C), "length")
    add("!!! in payload", "OUBLI-KEY-1:" + payload[:10] + "!!!" + payload[13:], "encoding")
    add("!!! as payload", "OUBLI-KEY-1:!!!", "encoding")
    add("payload of 49 characters", "OUBLI-KEY-1:" + payload + "A", "encoding")
    write_file("keyfile_negative.txt", "Master key lines that must be refused", "section 1 (Key files, Master key)", """
case, line (the key line, exactly), error: checksum | version | length | encoding
(checksum: decodes to 36 bytes but SHA-256(first 32)[0..4] != last 4; version: not OUBLI-KEY-1;
length: payload decodes to other than 36 bytes; encoding: payload is not b64url without padding)
""", neg)
    return {"keys.txt": n, "keyfile_negative.txt": len(neg)}


# ---------------------------------------------------------------------------
# 2. subkeys.txt
# ---------------------------------------------------------------------------


def gen_subkeys():
    purposes = list(SUBKEY_LENGTHS)
    combos = []
    for p in purposes:
        combos.append((KEYS[0], p, "default"))
    for p in purposes:
        combos.append((KEYS[1], p, "customer"))
    for p in purposes:
        combos.append((KEYS[2], p, DOMAIN_NONASCII))
    combos += [(KEYS[0], "hash", "customer"), (KEYS[0], "hash", DOMAIN_NONASCII), (KEYS[0], "siv", "customer"),
               (KEYS[1], "ff1", "default"), (KEYS[2], "gcm", "default"), (KEYS[2], "hash", "default")]
    cases = []
    for (label, k), p, d in combos:
        L = SUBKEY_LENGTHS[p]
        info = ("oubli/v1/" + p + "/" + d).encode("utf-8")
        okm = subkey(k, p, d, L)
        assert okm == hkdf_sha256_cryptography(k, info, L)
        cases.append([("case", "%s key %s domain %s" % (p, label, d)), ("key_hex", k.hex()), ("purpose", p),
                      ("domain_hex", h(d)), ("length", str(L)), ("okm_hex", okm.hex())])
    n = write_file("subkeys.txt", "Subkeys: HKDF-SHA256(IKM = master key, salt = none, info = UTF8(\"oubli/v1/\" + purpose + \"/\" + domain), L)",
                   "section 2 (Subkeys)", """
key_hex (master key), purpose, domain_hex (UTF-8 of the domain), length (L), okm_hex (the subkey)
""", cases)
    return {"subkeys.txt": n}


# ---------------------------------------------------------------------------
# 3. hash.txt
# ---------------------------------------------------------------------------


def gen_hash():
    A, B, C = KEY_A, KEY_B, KEY_C
    D = "default"
    # (desc, key, domain, normalise list, encoding, length or None, prefix, input)
    specs = [
        ("plain ASCII email", A, D, [], "hex", None, "", "alice@example.com"),
        ("same value, key B", B, D, [], "hex", None, "", "alice@example.com"),
        ("same value, key C", C, D, [], "hex", None, "", "alice@example.com"),
        ("same value, domain customer", A, "customer", [], "hex", None, "", "alice@example.com"),
        ("same value, non-ASCII domain", A, DOMAIN_NONASCII, [], "hex", None, "", "alice@example.com"),
        ("trim spaces and tab", A, D, ["trim"], "hex", None, "", "  alice@example.com\t"),
        ("trim newline, CR, NBSP, ideographic space", A, D, ["trim"], "hex", None, "", "\u00a0\r\nalice@example.com\u3000\n"),
        ("no trim: spaces are part of the value", A, D, [], "hex", None, "", "  alice@example.com\t"),
        ("trim keeps inner spaces", A, D, ["trim"], "hex", None, "", " John  Smith "),
        ("lowercase ASCII", A, D, ["lowercase"], "hex", None, "", "Alice@Example.COM"),
        ("lowercase non-ASCII", A, D, ["lowercase"], "hex", None, "", "ÉMILE ZOLA"),
        ("precomposed lowercase reference", A, D, [], "hex", None, "", "émile zola"),
        ("nfc composes e + U+0301", A, D, ["nfc"], "hex", None, "", "e\u0301mile zola"),
        ("no nfc: decomposed differs", A, D, [], "hex", None, "", "e\u0301mile zola"),
        ("digits_only phone number", A, D, ["digits_only"], "hex", None, "", "+44 (20) 7946-0958"),
        ("digits_only drops full-width digits", A, D, ["digits_only"], "hex", None, "", "\uff10\uff11-3 4"),
        ("digits_only reference", A, D, [], "hex", None, "", "442079460958"),
        ("trim,lowercase", A, D, ["trim", "lowercase"], "hex", None, "", "  ÉMILE@EXAMPLE.FR \t"),
        ("trim,lowercase,nfc decomposed uppercase", A, D, ["trim", "lowercase", "nfc"], "hex", None, "", " E\u0301MILE@EXAMPLE.FR "),
        ("nfc,lowercase,trim", A, D, ["nfc", "lowercase", "trim"], "hex", None, "", " E\u0301MILE@EXAMPLE.FR "),
        ("trim,digits_only", A, D, ["trim", "digits_only"], "hex", None, "", " 0049 (0)30 1234-5678 "),
        ("all four", A, D, ["trim", "lowercase", "nfc", "digits_only"], "hex", None, "", "\tTel. +33 1 23 45 67 89 "),
        ("base32 full", A, D, [], "base32", None, "", "alice@example.com"),
        ("base64url full", A, D, [], "base64url", None, "", "alice@example.com"),
        ("hex length 8 (minimum)", A, D, [], "hex", 8, "", "alice@example.com"),
        ("hex length 16", A, D, [], "hex", 16, "", "alice@example.com"),
        ("hex length 64 given as number", A, D, [], "hex", 64, "", "alice@example.com"),
        ("base32 length 10", A, D, [], "base32", 10, "", "alice@example.com"),
        ("base32 length 52", A, D, [], "base32", 52, "", "alice@example.com"),
        ("base64url length 22", A, D, [], "base64url", 22, "", "alice@example.com"),
        ("base64url length 8", B, "customer", [], "base64url", 8, "", "bob@example.org"),
        ("prefix ASCII", A, D, [], "hex", None, "pid_", "alice@example.com"),
        ("prefix with length", A, D, [], "hex", 12, "cust-", "alice@example.com"),
        ("prefix non-ASCII, base32", C, "customer", ["trim"], "base32", 20, "ü:", " 12345 "),
        ("empty input gives empty output", A, D, [], "hex", None, "", ""),
        ("empty input with prefix gives empty output", A, D, [], "hex", None, "pid_", ""),
        ("only spaces, trim: empty output", A, D, ["trim"], "hex", None, "pid_", " \t "),
        ("no digits, digits_only: empty output", A, D, ["digits_only"], "hex", None, "", "n/a"),
        ("multi-byte CJK", A, D, [], "hex", None, "", "東京都千代田区"),
        ("emoji and non-ASCII, key B", B, DOMAIN_NONASCII, ["trim", "lowercase"], "base64url", None, "", " Zoë 😀 ÅSA "),
        ("single character", C, D, [], "hex", None, "", "0"),
    ]
    cases = []
    for desc, k, d, norm, enc, length, prefix, value in specs:
        canonical = normalise(value, norm)
        out = oubli_hash_full(k, d, canonical, enc, length, prefix)
        if canonical and enc == "hex" and length is None and not prefix:
            assert out == partner_oubli_hash(k, d, canonical)
        cases.append([("case", desc), ("key_hex", k.hex()), ("domain_hex", h(d)),
                      ("normalise", ",".join(norm) if norm else "none"), ("encoding", enc),
                      ("length", "full" if length is None else str(length)), ("prefix_hex", h(prefix)),
                      ("input_hex", h(value)), ("output_hex", h(out))])
    # the spec's partner snippet, spelled out: key taken from the key line
    line = key_line(KEY_C)
    raw = base64.urlsafe_b64decode(line.split(":", 1)[1] + "==")[:32]
    value = "alice@example.com"
    out = partner_oubli_hash(raw, "customer", value)
    assert out == oubli_hash_full(KEY_C, "customer", value)
    cases.append([("case", "partner snippet: oubli_hash(key of line " + line + ", customer, alice@example.com)"),
                  ("key_hex", raw.hex()), ("domain_hex", h("customer")), ("normalise", "none"),
                  ("encoding", "hex"), ("length", "full"), ("prefix_hex", ""), ("input_hex", h(value)),
                  ("output_hex", h(out))])
    n = write_file("hash.txt", "hash: prefix || encode(HMAC-SHA256(subkey(\"hash\", domain, 32), canonical bytes))[0..length]",
                   "section 3 (Canonical bytes) and section 4 (hash)", """
key_hex (master key), domain_hex (UTF-8 of the domain), normalise (comma-separated, applied in
order, or none), encoding (hex | base32 | base64url), length (number, or full), prefix_hex,
input_hex (raw field bytes BEFORE normalisation), output_hex (UTF-8 bytes of the output text).
An empty canonical value gives an empty output (no prefix); empty = "transform" is not covered.
""", cases)
    return {"hash.txt": n}


# ---------------------------------------------------------------------------
# 4. encrypt.txt / 5. encrypt_random.txt
# ---------------------------------------------------------------------------


def gen_encrypt():
    long300 = bytes((i * 37 + 11) % 95 + 32 for i in range(300))
    specs = [
        ("ASCII email", KEY_A, "default", "", b"alice@example.com"),
        ("ASCII email, domain customer", KEY_A, "customer", "", b"alice@example.com"),
        ("ASCII email, non-ASCII domain", KEY_A, DOMAIN_NONASCII, "", b"alice@example.com"),
        ("ASCII email, key B", KEY_B, "default", "", b"alice@example.com"),
        ("ASCII email, key C", KEY_C, "default", "", b"alice@example.com"),
        ("1 byte", KEY_A, "default", "", b"x"),
        ("15 bytes (one short of a block)", KEY_C, "customer", "", b"123456789012345"),
        ("16 bytes (one block)", KEY_C, "customer", "", b"1234567890123456"),
        ("17 bytes", KEY_C, "customer", "", b"12345678901234567"),
        ("300 bytes", KEY_A, "default", "", long300),
        ("multi-byte UTF-8", KEY_B, DOMAIN_NONASCII, "", "Zoë Müller, 東京 😀".encode("utf-8")),
        ("plaintext with spaces kept as given", KEY_A, "default", "", b"  padded value \t"),
        ("prefix enc:", KEY_A, "default", "enc:", b"alice@example.com"),
        ("non-ASCII prefix", KEY_C, "customer", "ä_", b"DE89370400440532013000"),
        ("empty plaintext (only with empty = transform)", KEY_A, "default", "", b""),
    ]
    cases = []
    for i, (desc, k, d, prefix, pt) in enumerate(specs):
        tok = encrypt_token(k, d, pt, prefix)
        assert tok.startswith(prefix + short_key_id(k))
        assert decrypt_token(k, d, tok, prefix) == pt
        bad = tamper(tok, prefix, 0, i + 1)
        assert bad != tok and bad[:len(prefix) + 8] == tok[:len(prefix) + 8]
        try:
            decrypt_token(k, d, bad, prefix)
        except InvalidTag:
            pass
        else:
            raise AssertionError("tampered SIV token decrypted")
        cases.append([("case", desc), ("key_hex", k.hex()), ("domain_hex", h(d)), ("prefix_hex", h(prefix)),
                      ("input_hex", pt.hex()), ("token_hex", h(tok)), ("tampered_token_hex", h(bad))])
    # same input, two domains: different tokens
    assert cases[0][5] != cases[1][5]
    n1 = write_file("encrypt.txt", "encrypt: prefix || short key id || b64url(AES-256-SIV(subkey(\"siv\", domain, 64), AD = [UTF8(domain)], plaintext))",
                    "section 4 (encrypt)", """
key_hex (master key), domain_hex (UTF-8 of the domain), prefix_hex, input_hex (the plaintext,
as given: no normalisation), token_hex (UTF-8 bytes of the token text), tampered_token_hex
(same token with one bit of V || C flipped, re-encoded; prefix and short key id unchanged:
decryption must fail). The empty-plaintext case applies only with empty = "transform".
""", cases)

    gspecs = [
        ("ASCII email, zero nonce", KEY_A, "default", "", bytes(12), b"alice@example.com"),
        ("ASCII email, nonce 000102..0b", KEY_A, "default", "", bytes(range(12)), b"alice@example.com"),
        ("same nonce, domain customer", KEY_A, "customer", "", bytes(range(12)), b"alice@example.com"),
        ("key B, non-ASCII domain", KEY_B, DOMAIN_NONASCII, "", bytes.fromhex("ffffffffffffffffffffffff"), b"alice@example.com"),
        ("key C, 1 byte", KEY_C, "default", "", bytes.fromhex("cafebabefacedbaddecaf888"), b"7"),
        ("16 bytes", KEY_C, "customer", "", bytes.fromhex("0a0b0c0d0e0f101112131415"), b"1234567890123456"),
        ("300 bytes", KEY_A, "default", "", bytes.fromhex("5a" * 12), long300),
        ("multi-byte UTF-8", KEY_B, "default", "", bytes.fromhex("a1a2a3a4a5a6a7a8a9aaabac"), "Zoë Müller, 東京 😀".encode("utf-8")),
        ("prefix rnd:", KEY_A, "default", "rnd:", bytes.fromhex("000000000000000000000001"), b"alice@example.com"),
        ("empty plaintext (only with empty = transform)", KEY_C, "customer", "", bytes.fromhex("0102030405060708090a0b0c"), b""),
    ]
    gcases = []
    for i, (desc, k, d, prefix, nonce, pt) in enumerate(gspecs):
        tok = encrypt_random_token(k, d, nonce, pt, prefix)
        assert decrypt_random_token(k, d, tok, prefix) == pt
        bad = tamper(tok, prefix, 12, i + 1)  # flip a bit in C || T
        assert bad != tok
        try:
            decrypt_random_token(k, d, bad, prefix)
        except InvalidTag:
            pass
        else:
            raise AssertionError("tampered GCM token decrypted")
        gcases.append([("case", desc), ("key_hex", k.hex()), ("domain_hex", h(d)), ("prefix_hex", h(prefix)),
                       ("nonce_hex", nonce.hex()), ("input_hex", pt.hex()), ("token_hex", h(tok)),
                       ("tampered_token_hex", h(bad))])
    n2 = write_file("encrypt_random.txt", "encrypt_random: prefix || short key id || b64url(N || AES-256-GCM(subkey(\"gcm\", domain, 32), N, plaintext, aad = UTF8(domain)))",
                    "section 4 (encrypt_random)", """
key_hex (master key), domain_hex, prefix_hex, nonce_hex (the 12-byte nonce N; fixed here, random
in production), input_hex (plaintext as given), token_hex (UTF-8 bytes of the token text),
tampered_token_hex (one bit of C || T flipped, re-encoded; decryption must fail).
""", gcases)
    return {"encrypt.txt": n1, "encrypt_random.txt": n2}


# ---------------------------------------------------------------------------
# 6. fpe.txt / fpe_short.txt
# ---------------------------------------------------------------------------


def gen_fpe():
    greek = "αβγδεζηθικλμνξοπρστυφχψω"
    cjk1000 = "".join(chr(0x4E00 + i) for i in range(1000))
    D = "default"
    specs = [
        ("card number with dashes", KEY_A, D, "digits", "4111-1111-1111-1111"),
        ("card number, no separators", KEY_A, D, "digits", "4111111111111111"),
        ("card number, domain customer", KEY_A, "customer", "digits", "4111-1111-1111-1111"),
        ("card number, non-ASCII domain (tweak)", KEY_A, DOMAIN_NONASCII, "digits", "4111-1111-1111-1111"),
        ("phone number with + and spaces", KEY_B, D, "digits", "+44 20 7946 0958"),
        ("exactly 6 digits (minimum)", KEY_A, D, "digits", "123456"),
        ("6 digits with separators", KEY_C, D, "digits", "12-34-56"),
        ("7 digits (odd length)", KEY_C, D, "digits", "0000000"),
        ("long value, 100 digits", KEY_A, D, "digits", "".join(str((i * 7 + 3) % 10) for i in range(100))),
        ("outside characters at start and end", KEY_B, "customer", "digits", "ID-00123456-X"),
        ("IBAN-like with spaces, upper_alphanumeric", KEY_A, D, "upper_alphanumeric", "DE89 3704 0044 0532 0130 00"),
        ("IBAN-like, key C, domain customer", KEY_C, "customer", "upper_alphanumeric", "GB29 NWBK 6016 1331 9268 19"),
        ("upper_alphanumeric leaves lowercase in place", KEY_A, D, "upper_alphanumeric", "ab12-CD34-ef"),
        ("upper_alphanumeric 4 characters (minimum)", KEY_B, D, "upper_alphanumeric", "A1B2"),
        ("lower", KEY_A, D, "lower", "john.smith"),
        ("lower 5 characters (minimum)", KEY_C, D, "lower", "abcde"),
        ("upper", KEY_B, DOMAIN_NONASCII, "upper", "SMITH-JONES"),
        ("alphanumeric", KEY_A, D, "alphanumeric", "user_Name42@Example.org"),
        ("alphanumeric 4 characters (minimum)", KEY_A, "customer", "alphanumeric", "aZ09"),
        ("alphanumeric, non-ASCII left in place", KEY_C, D, "alphanumeric", "Zoë Müller 1984"),
        ("custom Greek alphabet (radix 24)", KEY_A, D, "custom:" + greek, "αλφα-βητα γαμμα"),
        ("custom alphabet with non-ASCII (radix 14)", KEY_B, D, "custom:0123456789äöüß", "ä1ö2ü3ß4"),
        ("custom binary alphabet, 20 bits (minimum)", KEY_A, D, "custom:01", "0101 0101 0101 0101 0101"),
        ("custom radix 1000 (CJK), 2 characters (minimum)", KEY_C, D, "custom:" + cjk1000, "一丁"),
        ("custom radix 1000 (CJK), 5 characters", KEY_C, "customer", "custom:" + cjk1000, "一丁-七万丈"),
        ("empty value gives empty output", KEY_A, D, "digits", ""),
    ]
    cases = []
    for desc, k, d, alpha, value in specs:
        if alpha.startswith("custom:"):
            alphabet = alpha[len("custom:"):]
            afields = [("alphabet", "custom"), ("alphabet_hex", h(alphabet))]
        else:
            alphabet = ALPHABETS[alpha]
            afields = [("alphabet", alpha)]
        out = fpe_apply(k, d, alphabet, value)
        assert fpe_apply(k, d, alphabet, out, decrypt=True) == value
        assert len(out) == len(value)
        assert all((a in alphabet) == (b in alphabet) and (a in alphabet or a == b) for a, b in zip(value, out))
        cases.append([("case", desc), ("key_hex", k.hex()), ("domain_hex", h(d))] + afields +
                     [("input_hex", h(value)), ("output_hex", h(out))])
    n1 = write_file("fpe.txt", "fpe: FF1 (NIST SP 800-38G Rev. 1) with AES-256, key subkey(\"ff1\", domain, 32), tweak UTF8(domain)",
                    "section 4 (fpe)", """
key_hex (master key), domain_hex, alphabet (a named alphabet, or custom), alphabet_hex (only
with alphabet = custom: UTF-8 of the alphabet, characters in numeral order), input_hex (the
canonical value), output_hex (its encryption; decrypting output gives input). Characters not
in the alphabet stay in place.
""", cases)

    short_specs = [
        ("5 digits", "digits", "12345"),
        ("5 digits with separators", "digits", "12-34-5"),
        ("phone extension", "digits", "ext. 4711"),
        ("no alphabet characters", "digits", "---"),
        ("letters only, digits alphabet", "digits", "abcdef"),
        ("lower, 4 characters", "lower", "abcd"),
        ("lower, 4 lowercase among 6 letters", "lower", "ab-CDcd"),
        ("upper, 4 characters", "upper", "ABCD"),
        ("upper_alphanumeric, 3 characters", "upper_alphanumeric", "A1B"),
        ("alphanumeric, 3 characters", "alphanumeric", "aZ0"),
        ("1 digit", "digits", "7"),
    ]
    scases = []
    for desc, alpha, value in short_specs:
        alphabet = ALPHABETS[alpha]
        n = sum(1 for c in value if c in alphabet)
        try:
            fpe_apply(KEY_A, "default", alphabet, value)
        except TooShort as e:
            assert e.args[0] == n
        else:
            raise AssertionError("short value accepted: " + desc)
        scases.append([("case", desc), ("key_hex", KEY_A.hex()), ("domain_hex", h("default")),
                       ("alphabet", alpha), ("input_hex", h(value)), ("n", str(n)), ("error", "too-short")])
    n2 = write_file("fpe_short.txt", "fpe: values below the minimum domain size (radix^n < 1,000,000) must be refused",
                    "section 4 (fpe)", """
key_hex, domain_hex (any key and domain), alphabet (named), input_hex, n (number of alphabet
characters in the value), error = too-short (unless the column sets a fallback).
""", scases)
    return {"fpe.txt": n1, "fpe_short.txt": n2}


# ---------------------------------------------------------------------------
# 7. mask.txt
# ---------------------------------------------------------------------------


def gen_mask():
    specs = [
        ("card, keep last 4", 0, 4, "*", "", "4111111111111111"),
        ("card with dashes, skip -", 0, 4, "*", "-", "4111-1111-1111-1111"),
        ("card with dashes, keep first 6 last 4, skip -", 6, 4, "*", "-", "4111-1111-1111-1111"),
        ("card with dashes, no skip", 0, 4, "*", "", "4111-1111-1111-1111"),
        ("email, keep first 1, skip @.", 1, 0, "*", "@.", "alice@example.com"),
        ("email, keep first 2 last 4, skip @.", 2, 4, "*", "@.", "alice@example.com"),
        ("email, char X", 1, 0, "X", "@.", "alice@example.com"),
        ("phone, char #, skip space and +", 3, 2, "#", " +", "+44 20 7946 0958"),
        ("length equal to keep_first + keep_last: all masked", 2, 2, "*", "", "abcd"),
        ("one longer than keep_first + keep_last", 2, 2, "*", "", "abcde"),
        ("short value, skip kept", 2, 1, "*", ".", "a.b"),
        ("keep_first larger than value", 5, 0, "*", "", "ab"),
        ("single character, keep last 4", 0, 4, "*", "", "7"),
        ("keep nothing", 0, 0, "*", "", "secret"),
        ("only skip characters", 1, 1, "*", "-", "---"),
        ("multi-byte name, skip space", 1, 1, "*", " ", "Zoë Müller"),
        ("CJK, keep first and last", 1, 1, "*", "", "東京都千代田区"),
        ("multi-byte mask character", 0, 2, "•", "", "Ärger über Öl"),
        ("emoji counted as one character", 1, 1, "*", "", "😀ab😀c😀"),
        ("multi-byte skip characters", 0, 0, "_", "·ü", "a·b·Müller"),
        ("empty input gives empty output", 1, 1, "*", "", ""),
        ("spaces masked when not skipped", 1, 0, "*", "", "a b c"),
    ]
    cases = []
    for desc, kf, kl, ch, skip, value in specs:
        out = mask(value, kf, kl, ch, skip)
        assert len(out) == len(value)
        cases.append([("case", desc), ("keep_first", str(kf)), ("keep_last", str(kl)), ("char_hex", h(ch)),
                      ("skip_hex", h(skip)), ("input_hex", h(value)), ("output_hex", h(out))])
    n = write_file("mask.txt", "mask: keep the first keep_first and last keep_last characters, replace the others not in skip with char",
                   "section 4 (mask)", """
keep_first, keep_last (numbers), char_hex (UTF-8 of the mask character), skip_hex (UTF-8 of the
skip characters, a set; may be empty), input_hex (the canonical value), output_hex.
Characters are Unicode scalar values. If the value has no more than keep_first + keep_last
characters, every character not in skip is masked. Empty input gives empty output.
""", cases)
    return {"mask.txt": n}


# ---------------------------------------------------------------------------
# 8. normalise.txt
# ---------------------------------------------------------------------------


def gen_normalise():
    specs = [
        ("trim", ["trim"], "  alice@example.com\t"),
        ("trim newline, CR, NBSP, ideographic space, NEL", ["trim"], "\n\u00a0\u0085 x y \u3000\r"),
        ("trim keeps inner whitespace", ["trim"], " a \t b "),
        ("trim of only whitespace", ["trim"], " \t\n "),
        ("lowercase ASCII", ["lowercase"], "Alice@Example.COM"),
        ("lowercase non-ASCII", ["lowercase"], "ÉMILE ÅSA ÄÖÜ ĞÜNTER"),
        ("lowercase Greek and Cyrillic (no final sigma)", ["lowercase"], "ΑΘΗΝΑ МОСКВА"),
        ("nfc composes", ["nfc"], "e\u0301mile A\u030a u\u0308"),
        ("nfc leaves precomposed alone", ["nfc"], "émile"),
        ("nfc reorders combining marks", ["nfc"], "a\u0323\u0302"),
        ("digits_only", ["digits_only"], "+44 (20) 7946-0958"),
        ("digits_only drops non-ASCII digits", ["digits_only"], "\uff11\u0663 9"),
        ("trim,lowercase", ["trim", "lowercase"], "  ÉMILE@EXAMPLE.FR \t"),
        ("lowercase,nfc with decomposed uppercase", ["lowercase", "nfc"], "E\u0301MILE"),
        ("nfc,lowercase,trim", ["nfc", "lowercase", "trim"], " E\u0301MILE "),
        ("trim,lowercase,nfc,digits_only", ["trim", "lowercase", "nfc", "digits_only"], " Tel. +33 1 23 45 67 89\t"),
        ("empty", ["trim", "lowercase"], ""),
    ]
    cases = []
    for desc, norm, value in specs:
        assert not (set(value) & PY_STRIP_EXTRA)
        assert "\u0130" not in value and "\u03a3" not in value  # avoid I-dot and sigma
        out = normalise(value, norm)
        cases.append([("case", desc), ("normalise", ",".join(norm)), ("input_hex", h(value)), ("output_hex", h(out))])
    n = write_file("normalise.txt", "Normalisations (trim, lowercase, nfc, digits_only), applied in the order listed",
                   "section 3 (Canonical bytes)", """
normalise (comma-separated, applied in order), input_hex, output_hex (UTF-8).
Only characters on which Python's strip()/lower() and Rust's trim()/to_lowercase() agree.
""", cases)
    return {"normalise.txt": n}


def main():
    self_checks()
    counts = {}
    for gen in (gen_keys, gen_subkeys, gen_hash, gen_encrypt, gen_fpe, gen_mask, gen_normalise):
        counts.update(gen())
    for c in CHECKS:
        print("self-check passed:", c)
    for name, n in counts.items():
        print("%-22s %3d cases" % (name, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
