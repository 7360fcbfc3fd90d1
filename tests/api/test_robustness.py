"""test_robustness.py - randomized black-box robustness of the HTTP surface
(api.md §3-§7, §10.2): thousands of malformed /attestation, /challenge and
/policy requests derived from valid V24 and V26 requests, odd headers,
paths and methods, sent to the real restful-as over loopback.

Every answer must be one of:
  * 200 for a request that happens to be valid (token / empty body);
  * a 4xx, 501 not_implemented or 502-504 upstream_unavailable JSON error
    {"type","detail"} with Content-Type application/json (the network TEEs
    are pointed at a closed loopback port, so they fail fast and never leave
    the machine);
  * for requests that are not valid HTTP/1.1 syntax, libmicrohttpd's own
    4xx/505 answer followed by a closed connection (it never reaches our
    code; see docs/server.md).
Every answer arrives within RESPONSE_LIMIT seconds, the server answers
/healthz after every batch, and (harness) exits 0 on SIGTERM with no
sanitizer report.  Under an ASan build the case counts are smaller.

Reproduce a failure: the seed is printed first; rerun with
AS_ROBUST_SEED=<seed> (and AS_ROBUST_SCALE=<float> to change the counts).
Each failing case prints its index and the mutation that produced it.
"""

import base64
import json
import os
import random
import re
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_BIN, AS_SHARED_DIR, Checks, Server, b64url, free_port  # noqa: E402

t = Checks("robustness")


def binary_has_asan(path):
    marker = b"__asan_init"
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return False
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker):]


ASAN = binary_has_asan(AS_BIN)
SEED = int(os.environ.get("AS_ROBUST_SEED", "20261127"))
SCALE = float(os.environ.get("AS_ROBUST_SCALE", "1")) * (0.4 if ASAN else 1.0)
RESPONSE_LIMIT = 20.0 if ASAN else 5.0
BATCH = 100
print(f"seed {SEED} (rerun: AS_ROBUST_SEED={SEED}); scale {SCALE:g}; "
      f"{'ASan' if ASAN else 'release'} binary; response limit {RESPONSE_LIMIT:g}s")
sys.stdout.flush()

# ------------------------------------------------------------ valid seeds

V24_TEES = ["azsnpvtpm", "sev", "sgx", "snp", "tdx", "cca", "csv", "sample", "aztdxvtpm", "se"]
V26_TEES = ["az-snp-vtpm", "sgx", "snp", "tdx", "cca", "csv", "sample", "sampledevice",
            "az-tdx-vtpm", "se", "hygondcu"]
ALL_TEES = sorted(set(V24_TEES + V26_TEES))
BOGUS_TEES = ["", "SAMPLE", "Sample", "sample ", " sample", "sample\u0000", "tpm", "nvidia",
              "sgx\u0000x", "s\u00e4mple", "\ud800", "x" * 5000]

EV_RAW = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}))  # bytes "aaaaa"
V24_GOOD = {"tee": "sample", "evidence": EV_RAW, "runtime_data": {"raw": "YWFhYWE"},
            "policy_ids": []}
V24_STRUCT = {"tee": "sample",
              "evidence": ("eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJxSzFjMkc4SUpOaFpjR0pmYVh2UEJmN3g0"
                           "QkNOMU1HdzNOZVVJMzUwNnJnWEtTdjk1SlFTdktYaU5qaDVPUXcxIn0"),
              "runtime_data": {"structured": {"nonce": "1234567890abcdef", "tee-pubkey": {
                  "kty": "EC", "crv": "P-256", "alg": "ES256", "x": "abc", "y": "def"}}},
              "runtime_data_hash_algorithm": "sha384", "policy_ids": []}
V26_GOOD = {"verification_requests": [
    {"tee": V24_STRUCT["tee"], "evidence": V24_STRUCT["evidence"],
     "runtime_data": V24_STRUCT["runtime_data"],
     "init_data": {"init_data_toml": 'version = "0.1.0"\nalgorithm = "sha256"\n\n[data]\n'
                                     '"key1" = "value1"\n'}}],
    "policy_ids": []}
CHALLENGE_GOOD = {"tee": "sample", "tee_params": ""}
ALLOW = "package policy\n\ndefault allow = true\n"
POLICY_GOOD = {"policy_id": "fz-allow", "policy": b64url(ALLOW)}
VALID = [("/attestation", V24_GOOD), ("/attestation", V24_STRUCT), ("/attestation", V26_GOOD),
         ("/challenge", CHALLENGE_GOOD), ("/policy", POLICY_GOOD)]


def read_vector(*parts):
    try:
        with open(os.path.join(AS_SHARED_DIR, "vectors", *parts), "rb") as f:
            return f.read()
    except OSError:
        return None


QUOTES = {"sgx": read_vector("intel", "quotes", "sgx-v3-phala.bin"),
          "tdx": read_vector("intel", "quotes", "tdx-v4-phala.bin"),
          "tdx5": read_vector("intel", "quotes", "tdx-v5-gotdx.bin")}
CCEL = read_vector("intel", "extra", "trustee-tdx_quote_4.CCEL_data")
SNP_JSON = read_vector("snp", "derived-json", "milan-v3-vcek-azure.evidence.json")
SNP_EVIDENCE = json.loads(SNP_JSON) if SNP_JSON else None
HAVE_VECTORS = all(QUOTES.values()) and SNP_EVIDENCE is not None
if HAVE_VECTORS:
    for tee, q in [("sgx", QUOTES["sgx"]), ("tdx", QUOTES["tdx"])]:
        ev = {"quote": base64.b64encode(q).decode()}
        if tee == "tdx" and CCEL:
            ev["cc_eventlog"] = base64.b64encode(CCEL).decode()
        VALID.append(("/attestation", {"tee": tee, "evidence": b64url(json.dumps(ev)),
                                       "policy_ids": []}))
    VALID.append(("/attestation", {"verification_requests": [
        {"tee": "snp", "evidence": b64url(SNP_JSON)}], "policy_ids": []}))
else:
    t.skip("mutations of real SGX/TDX/SNP evidence", f"vectors absent under {AS_SHARED_DIR}")

# ------------------------------------------------------------- mutations

EDGE_NUMBERS = ["0", "-0", "-1", "1e308", "1e309", "-1e309", "1E-400", "0.0000000000000001",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "18446744073709551615", "18446744073709551616", "4294967296", "255", "256",
                "123456789012345678901234567890123456789", "1.7976931348623157e308",
                "5e-324", "0e0", "-0.0", "1" + "0" * 400]
UNICODE_STRINGS = ["\u0000", "a\u0000b", "\ud800", "\udfff", "\ud83d\ude00", "\uffff", "\ufffe",
                   "\U0010ffff", "\u202e", "e\u0301", "\u00e9" * 1000, "\u2028\u2029", "\x7f",
                   "\t\n\r", "=" * 7, " ", "%00", "../../etc/passwd", "default", "\\", "\""]
RAW_BYTES = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
             b"\x00", b"\xef\xbb\xbf", b"\x80", b"\xf8\x88\x80\x80\x80"]


# quadratic key lookup made these take minutes (fixed in service/toml.c)
MANY_TOML_KEYS = 'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n' + "".join(
    f"k{i} = 1\n" for i in range(60000))
MANY_TOML_TABLES = "".join(f"[t{i}]\n" for i in range(60000))


class Raw:
    """A JSON fragment spliced verbatim into the serialized body."""

    def __init__(self, text):
        self.text = text


class Dup:
    """An object serialized with duplicate keys (pairs in order)."""

    def __init__(self, pairs):
        self.pairs = pairs


def dumps(v):
    """json.dumps that splices Raw text and writes Dup objects verbatim."""
    spliced = {}

    def default(o):
        if isinstance(o, Dup):
            o = Raw("{" + ",".join(json.dumps(k) + ":" + dumps(x) for k, x in o.pairs) + "}")
        if isinstance(o, Raw):
            key = f"\x01{len(spliced)}\x01"
            spliced[json.dumps(key)] = o.text
            return key
        raise TypeError(type(o))

    text = json.dumps(v, default=default)
    for key, raw in spliced.items():
        text = text.replace(key, raw, 1)
    return text


def paths_of(v, prefix=()):
    """Every (container path) -> key/index in a JSON value."""
    out = []
    if isinstance(v, dict):
        for k, x in v.items():
            out.append(prefix + (k,))
            out += paths_of(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out.append(prefix + (i,))
            out += paths_of(x, prefix + (i,))
    return out


def get_at(v, path):
    for p in path:
        v = v[p]
    return v


def set_at(v, path, new):
    parent = get_at(v, path[:-1])
    parent[path[-1]] = new


def del_at(v, path):
    parent = get_at(v, path[:-1])
    del parent[path[-1]]


def b64_variants(rng, s):
    """Base64 spellings that the strict URL-safe-no-pad decoder must refuse
    (or accept, for the unchanged ones)."""
    try:
        data = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except ValueError:
        data = s.encode("utf-8", "surrogatepass")
    std = base64.b64encode(data).decode()
    choices = [s + "=", s + "==", std, std.rstrip("="), s[:len(s) // 2] + " " + s[len(s) // 2:],
               s + "\n", "\n" + s, s[:-1] if s else "A", s + "A", s + "AA", s + "AAA",
               s.replace("A", "+", 1), s.replace("A", "/", 1), "====", "=", "",
               s[:len(s) // 2] + "=" + s[len(s) // 2:], s + "\u00e9", s + "\u0000",
               s[:len(s) // 4 * 4] + "AB", s[:len(s) // 4 * 4] + "AAB", "-_-_", "____",
               s.upper(), s.lower(), s + "%3D", s.replace("-", "+").replace("_", "/")]
    return rng.choice(choices)


def random_scalar(rng, depth=0):
    kind = rng.randrange(12)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return Raw(rng.choice(EDGE_NUMBERS))
    if kind == 3:
        return rng.choice(UNICODE_STRINGS)
    if kind == 4:
        return "x" * rng.choice([0, 1, 255, 256, 4096, 65536])
    if kind == 5:
        return []
    if kind == 6:
        return {}
    if kind == 7 and depth < 3:
        return [random_scalar(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 8 and depth < 3:
        return {rng.choice(["raw", "structured", "tee", "a", ""]): random_scalar(rng, depth + 1)}
    if kind == 9:
        return rng.choice(ALL_TEES + BOGUS_TEES)
    if kind == 10:
        return b64url(rng.randbytes(rng.randrange(64)))
    return rng.randrange(-3, 300)


def nested(depth, leaf="1", kind="["):
    if kind == "[":
        return Raw("[" * depth + leaf + "]" * depth)
    return Raw('{"a":' * depth + leaf + "}" * depth)


def evidence_payload(rng, tee):
    """Evidence JSON (bytes) aimed at the verifier of `tee`."""
    k = rng.randrange(14)
    real = None
    if tee in ("sgx", "tdx") and HAVE_VECTORS:
        real = QUOTES[rng.choice(["sgx", "tdx", "tdx5"])]
    if k == 0:
        return rng.randbytes(rng.randrange(1, 2000))
    if k == 1:  # huge JSON (stays under the 2 MiB body after base64)
        return json.dumps({"quote": "A" * rng.choice([100000, 1000000]),
                           "svn": "1", "attestation_report": {}}).encode()
    if k == 2:
        d = rng.choice([64, 127, 128, 129, 1000, 100000])
        return (nested(d, "1", rng.choice("[{")).text).encode()
    if k == 3:
        return rng.choice([b"", b"null", b"[]", b"{}", b"\"x\"", b"1", b"{\"quote\":null}",
                           b"{\"quote\":5}", b"{\"quote\":\"\"}", b"{\"quote\":[1,2]}",
                           b"{\"svn\":1}", b"{\"svn\":\"1\",\"report_data\":7}",
                           b"{\"attestation_report\":null}", b"{\"token\":[256]}",
                           b"\xef\xbb\xbf{}", b"{\"quote\":\"A===\"}", b"{}" * 3])
    if k == 4:
        return json.dumps({"quote": base64.b64encode(rng.randbytes(rng.randrange(0, 6000))).decode(),
                           "cc_eventlog": base64.b64encode(rng.randbytes(rng.randrange(0, 300))
                                                           ).decode()}).encode()
    if k in (5, 6, 7) and real:
        q = bytearray(real)
        if k == 5:
            q = q[:rng.randrange(len(q))]
        elif k == 6:
            for _ in range(rng.randrange(1, 8)):
                q[rng.randrange(len(q))] ^= 1 << rng.randrange(8)
        else:  # corrupt the length/version fields near the start or the sig len
            pos = rng.choice([0, 1, 2, 4, 8, 432, 433, 434, 435, 632, 633, 1016, 1017])
            pos = min(pos, len(q) - 4)
            q[pos:pos + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00",
                                         b"\x05\x00\x02\x00", b"\x04\x00\x81\x00"])
        ev = {"quote": base64.b64encode(bytes(q)).decode()}
        if tee == "tdx" and CCEL and rng.random() < 0.5:
            c = bytearray(CCEL)
            c = c[:rng.randrange(len(c) + 1)]
            ev["cc_eventlog"] = base64.b64encode(bytes(c)).decode()
        return json.dumps(ev).encode()
    if k in (8, 9) and SNP_EVIDENCE and tee == "snp":
        ev = json.loads(SNP_JSON)
        paths = paths_of(ev)
        for _ in range(rng.randrange(1, 4)):
            p = rng.choice(paths)
            try:
                if rng.random() < 0.3:
                    del_at(ev, p)
                else:
                    set_at(ev, p, random_scalar(rng))
            except (KeyError, IndexError, TypeError):
                pass
            paths = paths_of(ev)
            if not paths:
                break
        return dumps(ev).encode()
    if k == 10:
        return json.dumps({"svn": random_scalar(rng) if rng.random() < 0.5 else "1",
                           "report_data": rng.choice(["YWFhYWE=", "YWFhYWE", "!!", "",
                                                      "YWFh YWE=", "YWFhYWE==", 5])},
                          default=str).encode()
    if k == 11 and tee == "tdx" and real:
        return json.dumps({"quote": base64.b64encode(real).decode(),
                           "cc_eventlog": rng.choice(["", "!!", "AAAA",
                                                      base64.b64encode(rng.randbytes(200)).decode()]),
                           "aa_eventlog": rng.choice(["", "x\n" * 100, 5])}).encode()
    if k == 12:
        return ("{" + ",".join(f'"quote":"{i}"' for i in range(50)) + "}").encode()
    if SNP_JSON and rng.random() < 0.3:
        return SNP_JSON
    return json.dumps({"quote": b64url(rng.randbytes(50))}).encode()


def mutate_tree(rng, body):
    """One structural mutation of a parsed request; returns (body, what)."""
    paths = paths_of(body)
    k = rng.randrange(13)
    if k == 0 and paths:
        p = rng.choice(paths)
        del_at(body, p)
        return body, f"delete {p}"
    if k in (1, 2) and paths:
        p = rng.choice(paths)
        v = random_scalar(rng)
        set_at(body, p, v)
        return body, f"set {p} to {dumps(v)[:60]}"
    if k == 3 and paths:
        p = rng.choice(paths)
        size = rng.choice([100000, 500000, 1500000])
        set_at(body, p, "A" * size)
        return body, f"huge string ({size}) at {p}"
    if k == 4 and paths:
        p = rng.choice(paths)
        d = rng.choice([100, 127, 128, 129, 130, 5000])
        set_at(body, p, nested(d, "0", rng.choice("[{")))
        return body, f"nesting {d} at {p}"
    if k == 5:
        strs = [p for p in paths if isinstance(get_at(body, p), str)]
        if strs:
            p = rng.choice(strs)
            new = b64_variants(rng, get_at(body, p)) if rng.random() < 0.7 else \
                rng.choice(UNICODE_STRINGS)
            set_at(body, p, new)
            return body, f"string variant at {p}: {new[:40]!r}"
    if k == 6:
        tee = rng.choice(ALL_TEES + BOGUS_TEES[:6])
        ev = b64url(evidence_payload(rng, tee))
        if "verification_requests" in body and isinstance(body["verification_requests"], list) \
                and body["verification_requests"] and isinstance(body["verification_requests"][0],
                                                                 dict):
            body["verification_requests"][0].update(tee=tee, evidence=ev)
        elif isinstance(body, dict):
            body.update(tee=tee, evidence=ev)
        return body, f"evidence for tee {tee!r} ({len(ev)} chars)"
    if k == 7 and isinstance(body, dict) and body:
        key = rng.choice(list(body))
        pairs = list(body.items()) + [(key, random_scalar(rng))]
        return Dup(pairs), f"duplicate key {key!r}"
    if k == 8:
        return Raw(rng.choice(["", " ", "null", "[]", "\"\"", "0", "{}", "[{}]", "{\"a\"}",
                               "{,}", "{\"tee\":\"sample\",}", "[1,]", "{\"a\":01}",
                               "{\"a\":.5}", "{\"a\":1.}", "{\"a\":NaN}", "{\"a\":Infinity}",
                               "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
                               "{\"a\":\"\t\"}", "\ufeff{}", "/*c*/{}", "{} {}"])), "raw JSON"
    if k == 9 and isinstance(body, dict):
        item = copy_json(V26_GOOD["verification_requests"][0])  # one copy, shared
        body["verification_requests"] = [item] * rng.choice([2, 50, 300])
        return body, f"batch of {len(body['verification_requests'])}"
    if k == 10 and isinstance(body, dict):
        body["policy_ids"] = rng.choice([["default"] * 100, ["a" * 10000], ["../x"], [""],
                                         ["default", 1], ["default_cpu"], ["no-such"],
                                         ["\u0000"], [["default"]]])
        return body, f"policy_ids {str(body['policy_ids'])[:40]}"
    if k == 11 and isinstance(body, dict):
        for name in ("runtime_data", "init_data"):
            if rng.random() < 0.6:
                body[name] = rng.choice([
                    {"raw": b64url(rng.randbytes(rng.randrange(100)))}, {"structured": None},
                    {"structured": random_scalar(rng)}, {"init_data_digest": "YWFh"},
                    {"init_data_digest": b64url(rng.randbytes(rng.choice([0, 32, 48, 64, 65])))},
                    {"init_data_toml": rng.choice(["", "x", "[", "version = \"0.1.0\"\n",
                                                   "algorithm = \"sha1\"\n[data]\n",
                                                   "a = \"\\ud800\"\n", "a.b.c = 1\na.b = 2\n",
                                                   "a = [" * 300, "a = {" * 300,
                                                   "x = 1979-05-27T07:32:00Z\n" * 50,
                                                   MANY_TOML_KEYS, MANY_TOML_TABLES])},
                    {"raw": "", "structured": {}}, {}, None, "raw", [],
                ])
        for name in ("runtime_data_hash_algorithm", "init_data_hash_algorithm"):
            if rng.random() < 0.3:
                body[name] = rng.choice(["SHA256", "sha384", "Sha512", "sm3", "md5", "", None, 5,
                                         "sha384\u0000", "sha 384"])
        return body, "runtime/init data variants"
    return body, "unchanged"


def copy_json(v):
    return json.loads(json.dumps(v))


def mutate_bytes(rng, data):
    """One byte-level mutation of a serialized body."""
    data = bytearray(data)
    k = rng.randrange(6)
    if not data:
        return bytes(rng.choice(RAW_BYTES)), "raw bytes into empty body"
    pos = rng.randrange(len(data))
    if k == 0:
        data[pos] ^= 1 << rng.randrange(8)
        return bytes(data), f"flip a bit at {pos}"
    if k == 1:
        return bytes(data[:pos]), f"truncate at {pos}"
    if k == 2:
        ins = rng.choice(RAW_BYTES)
        # aim inside a string value when possible
        q = data.find(b'"', pos)
        at = q + 1 if q >= 0 else pos
        return bytes(data[:at] + ins + data[at:]), f"insert {ins!r} at {at}"
    if k == 3:
        end = min(len(data), pos + rng.randrange(1, 64))
        return bytes(data[:end] + data[pos:end] * rng.randrange(1, 50) + data[end:]), \
            f"repeat [{pos}:{end}]"
    if k == 4:
        return bytes(data[:pos] + b"\x00" + data[pos:]), f"NUL byte at {pos}"
    return bytes(data + b" " + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))), \
        "trailing garbage"


def body_cases(rng, n):
    """n (path, body bytes, what, may_be_valid) derived from the valid seeds."""
    cases = []
    for i in range(n):
        path, seed = VALID[i % len(VALID)]
        body = copy_json(seed)
        whats = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if isinstance(body, (Raw, Dup)):
                break
            body, what = mutate_tree(rng, body)
            whats.append(what)
        data = dumps(body).encode("utf-8", "surrogatepass")
        if rng.random() < 0.25:
            data, what = mutate_bytes(rng, data)
            whats.append(what)
        if rng.random() < 0.05:  # the same mutation sent to another endpoint
            path = rng.choice(["/attestation", "/challenge", "/policy"])
            whats.append(f"sent to {path}")
        cases.append(("POST", path, data, "; ".join(whats)))
    return cases


def tee_matrix_cases(rng, reps):
    """Evidence variants for every TEE name, in both request shapes."""
    cases = []
    for _ in range(reps):
        for tee in ALL_TEES + BOGUS_TEES:
            ev = b64url(evidence_payload(rng, tee if tee in ALL_TEES else "sample"))
            if rng.random() < 0.5:
                body = {"tee": tee, "evidence": ev, "policy_ids": []}
            else:
                body = {"verification_requests": [{"tee": tee, "evidence": ev}], "policy_ids": []}
            cases.append(("POST", "/attestation", dumps(body).encode("utf-8", "surrogatepass"),
                          f"tee matrix {tee[:20]!r}"))
            ch = {"tee": tee, "tee_params": rng.choice(["", "x" * 1000, "\u0000", "{}"])}
            cases.append(("POST", "/challenge", dumps(ch).encode("utf-8", "surrogatepass"),
                          f"challenge tee {tee[:20]!r}"))
    return cases


def policy_cases(rng, n):
    texts = [ALLOW, "package policy\n", "package policy\nallow { input.x ==\n",
             "package policy\nimport rego.v1\nallow if { true }\n", "", "\x00", "p" * 100000,
             "package policy\n" + "allow { x := [" * 200 + "\n",
             "package policy\nallow = x { x := count([1 | some i; numbers.range(1, 1000000)[i]]) }\n",
             "package \u00e9\n", "package policy\ndefault allow := \"\\ud800\"\n"]
    ids = ["fz-a", "fz_b", "FZ9", "", "../x", "a/b", "a.b", "a b", "\u00e9", "a\u0000b",
           "x" * 300, "x" * 5000, "default\n", "%2e%2e", "fz-" + "a" * 250]
    cases = []
    for _ in range(n):
        body = {"policy_id": rng.choice(ids), "policy": b64url(rng.choice(texts).encode(
            "utf-8", "surrogatepass"))}
        if rng.random() < 0.5:
            body["policy"] = b64_variants(rng, body["policy"])
        if rng.random() < 0.3:
            body, what = mutate_tree(rng, body)
        else:
            what = "policy variant"
        data = dumps(body).encode("utf-8", "surrogatepass")
        cases.append(("POST", "/policy", data, what))
    return cases


# ----------------------------------------------------------- raw client

def recv_response(sock, buf, head_only=False):
    """Reads one HTTP response from sock (buf = bytes already read).
    Returns (status, headers{lower: value}, body, rest) or None on EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None if not buf else (0, {}, buf, b"")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    status = int(m.group(1)) if m else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), v.strip())
    if head_only or 100 <= status < 200:
        return status, headers, b"", buf
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return status, headers, buf[:n], buf[n:]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                buf += sock.recv(65536)
            size_line, buf = buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                buf += sock.recv(65536)
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                return status, headers, body, buf
    while True:  # until close
        chunk = sock.recv(65536)
        if not chunk:
            return status, headers, buf, b""
        buf += chunk


def http_request(method, path, body, headers=None, version="HTTP/1.1"):
    hdrs = [("Host", "127.0.0.1")]
    if body is not None:
        hdrs.append(("Content-Type", "application/json"))
        hdrs.append(("Content-Length", str(len(body))))
    hdrs += list(headers or [])
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
    return head.encode("latin-1") + (body or b"")


class Result:
    def __init__(self, what, responses, seconds, closed, error=None):
        self.what = what
        self.responses = responses  # [(status, headers, body)]
        self.seconds = seconds
        self.closed = closed
        self.error = error


def exchange(port, data, expect=1, timeout=None, head_only=False):
    """Sends data on a fresh connection; reads `expect` responses; notes
    whether the server then closes the connection (within 0.2 s)."""
    start = time.time()
    responses = []
    closed = False
    error = None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout or RESPONSE_LIMIT) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer early and close (413/415)
        buf = b""
        try:
            for _ in range(expect):
                r = recv_response(s, buf, head_only)
                if r is None:
                    closed = True
                    break
                status, headers, body, buf = r
                responses.append((status, headers, body))
        except socket.timeout:
            error = "timeout"
        except ConnectionResetError:
            closed = True
        except (ValueError, IndexError) as e:
            error = f"unparsable response: {e}"
    return responses, time.time() - start, closed, error


# ----------------------------------------------------------- the verdict

ERROR_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
JWS = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
STATE = {"policy_changed": False}


def judge_error(status, headers, body):
    ct = headers.get("content-type", "")
    if not ct.startswith("application/json"):
        return f"error {status} without application/json (Content-Type {ct!r})"
    try:
        j = json.loads(body)
    except ValueError:
        return f"error {status} body is not JSON: {body[:120]!r}"
    if not isinstance(j, dict) or set(j) != {"type", "detail"} or \
            not isinstance(j["type"], str) or not isinstance(j["detail"], str):
        return f"error {status} body is not {{type, detail}}: {body[:200]!r}"
    if not ERROR_TYPE.match(j["type"]) or not j["detail"]:
        return f"error {status} with an odd type or empty detail: {body[:200]!r}"
    typ = j["type"]
    required = {405: "method_not_allowed", 413: "payload_too_large",
                415: "unsupported_media_type", 501: "not_implemented"}
    if status in required and typ != required[status]:
        return f"{status} with type {typ}"
    if 500 <= status <= 599 and status != 501:
        if 502 <= status <= 504 and typ == "upstream_unavailable":
            return None
        if status == 500 and typ == "policy_error" and STATE["policy_changed"]:
            return None  # a fuzzed policy replaced one the pipeline uses
        return f"server error {status} {typ}: {j['detail'][:200]}"
    if status == 405 and not headers.get("allow"):
        return "405 without Allow"
    return None


def judge(method, path, status, headers, body):
    """None if the answer keeps the promise, else why not."""
    ours = "vary" in headers  # every response our handler queues carries Vary
    if not ours:
        # libmicrohttpd's own answer to an HTTP syntax error: 4xx/505, closed
        if status in (400, 413, 414, 431, 505) and headers.get("connection") == "close":
            return "mhd"
        return f"response not produced by restful-as: {status} {headers} {body[:100]!r}"
    if status == 200:
        route = path.split("?")[0]
        if method == "POST" and route == "/attestation":
            if headers.get("content-type") != "application/jwt" or not JWS.match(body):
                return f"200 attestation without a compact JWS: {body[:80]!r}"
        elif method == "POST" and route in ("/policy", "/challenge"):
            if body != b"":
                return f"200 {route} with a body {body[:80]!r}"
            if route == "/policy":
                STATE["policy_changed"] = True
        return None
    if 400 <= status <= 599:
        return judge_error(status, headers, body)
    return f"unexpected status {status}"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.statuses = {}
        self.mhd = 0
        self.failures = []
        self.slowest = 0.0


def run_one(srv, stats, index, case, expect=1):
    method, path, data, what = case[:4]
    responses, seconds, closed, error = exchange(srv.port, http_request(method, path, data),
                                                 expect=expect)
    problems = []
    if error:
        problems.append(error)
    if seconds > RESPONSE_LIMIT:
        problems.append(f"took {seconds:.1f}s")
    if not responses and not error:
        problems.append("connection closed without an answer")
    mhd = 0
    for status, headers, body in responses:
        why = judge(method, path, status, headers, body)
        if why == "mhd":
            mhd += 1
        elif why:
            problems.append(why)
    with stats.lock:
        stats.sent += 1
        stats.mhd += mhd
        stats.slowest = max(stats.slowest, seconds)
        for status, _, _ in responses:
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if problems:
            stats.failures.append((index, what, method, path, data[:300], problems))


def run_cases(srv, name, cases, parallel=4):
    stats = Stats()
    dead_at = None
    with ThreadPoolExecutor(parallel) as pool:
        for start in range(0, len(cases), BATCH):
            batch = cases[start:start + BATCH]
            list(pool.map(lambda ic: run_one(srv, stats, ic[0], ic[1]),
                          enumerate(batch, start)))
            if not srv.alive():
                dead_at = start
                break
    summary = ", ".join(f"{k}:{v}" for k, v in sorted(stats.statuses.items()))
    t.check(f"{name}: server answered /healthz after every batch of {BATCH} "
            f"({stats.sent} requests)", dead_at is None,
            f"dead after the batch starting at case {dead_at}; log:\n{srv.stderr()[-3000:]}")
    for index, what, method, path, data, problems in stats.failures[:15]:
        print(f"     case {index} [{what}] {method} {path} {data[:200]!r}: {problems[:3]}")
    t.check(f"{name}: every answer is 200/4xx/501/502-504 with a JSON error, each within "
            f"{RESPONSE_LIMIT:g}s (statuses {summary}; {stats.mhd} libmicrohttpd syntax "
            f"rejections; slowest {stats.slowest:.2f}s)", not stats.failures,
            f"{len(stats.failures)} bad answers (seed {SEED})")
    return stats


def valid_requests_still_work(srv, name):
    ok = []
    for path, body in VALID:
        responses, _, _, _ = exchange(srv.port, http_request("POST", path, dumps(body).encode()))
        st = responses[0][0] if responses else None
        # the real SGX/TDX/SNP evidence needs collateral that is unreachable here
        ok.append(st == 200 or (st in (502, 503, 504) and body.get(
            "tee", (body.get("verification_requests") or [{}])[0].get("tee")) != "sample"))
    t.check(f"{name}: the valid seed requests still succeed", all(ok), ok)


# ------------------------------------------------- headers, paths, methods

def n(k):
    return max(1, int(k * SCALE))


def protocol_cases(rng):
    """(method, path, raw request bytes, what, expected responses)."""
    good = dumps(V24_GOOD).encode()
    cases = []

    def add(data, what, expect=1, method="POST", path="/attestation", may_hang=False):
        """may_hang: the server may rightly wait for more bytes (a body it
        was promised) and never answer; that costs only this connection."""
        paths = path if isinstance(path, list) else [path] * expect
        cases.append((method, paths, data, what, expect, may_hang))

    head = b"POST /attestation HTTP/1.1\r\nHost: x\r\n"
    add(head + b"Content-Length: %d\r\n\r\n" % len(good) + good, "no Content-Type")
    add(head + b"Content-Type: application/json\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(good) + good, "two Content-Types (json first)")
    add(head + b"Content-Type: text/plain\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(good) + good, "two Content-Types (json second)")
    add(head + b"Content-Type: application/json, text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(good) + good, "Content-Type list")
    for ct in [b"application/json; charset=utf-8", b"application/json;charset=\"UTF-8\"",
               b"application/json; charset=latin-1", b"application/json;", b"application/json ;",
               b"application/json; charset", b"application/json; =x", b"application/json\t",
               b"application/json; a=\"\\\"\"", b"application/json; a=\"unterminated",
               b"application/merge-patch+json", b"application/+json", b"*/*", b"",
               b"application/json\x00", b"application/j\xc3\xa9son", b" application/json",
               b"multipart/form-data; boundary=x", b"application/json" + b"; a=b" * 2000]:
        add(head + b"Content-Type: " + ct + b"\r\nContent-Length: %d\r\n\r\n" % len(good) + good,
            f"Content-Type {ct[:40]!r}")
    ctj = b"Content-Type: application/json\r\n"
    # chunked bodies in random chunk sizes, with extensions and trailers
    for _ in range(n(20)):
        parts, pos = [], 0
        while pos < len(good):
            size = rng.randrange(1, 200)
            ext = rng.choice([b"", b";ext=1", b";e"])
            parts.append(b"%x" % len(good[pos:pos + size]) + ext + b"\r\n" +
                         good[pos:pos + size] + b"\r\n")
            pos += size
        trailer = rng.choice([b"", b"X-Trailer: 1\r\n"])
        add(head + ctj + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(parts) + b"0\r\n" +
            trailer + b"\r\n", "chunked body")
    add(head + ctj + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "bad chunk size")
    add(head + ctj + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
        "overflowing chunk size")
    add(head + ctj + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n",
        "negative chunk size")
    add(head + ctj + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding and Content-Length together")
    add(head + ctj + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        "the same Content-Length twice")
    add(head + ctj + b"Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
        "two different Content-Lengths")
    add(head + ctj + b"Transfer-Encoding: gzip\r\n\r\n{}", "Transfer-Encoding gzip")
    add(head + ctj + b"Transfer-Encoding: chunked \r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "Transfer-Encoding 'chunked ' (trailing space)")
    add(head + ctj + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "Transfer-Encoding gzip, chunked")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
        "GET with Transfer-Encoding identity", method="GET", path="/healthz")
    for cl in [b"-1", b"1x", b"+2", b" 2", b"0x2", b"99999999999999999999999", b""]:
        add(head + ctj + b"Content-Length: " + cl + b"\r\n\r\n{}", f"Content-Length {cl!r}")
    add(head + ctj + b"Content-Length: 100\r\n\r\n{}", "Content-Length larger than the body",
        may_hang=True)
    # Content-Length smaller than the body: the rest is a second (garbage) request
    add(head + ctj + b"Content-Length: 2\r\n\r\n{}{\"tee\":1}\r\n\r\n",
        "Content-Length too small (the rest is a second, malformed request)", expect=2)
    # Expect: 100-continue handled in expect_continue(); other expectations:
    add(head + ctj + b"Expect: something-else\r\nContent-Length: %d\r\n\r\n" % len(good) + good,
        "Expect: something-else")
    # HTTP/1.0
    add(b"POST /attestation HTTP/1.0\r\n" + ctj + b"Content-Length: %d\r\n\r\n" % len(good) +
        good, "HTTP/1.0 POST")
    add(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n",
        "HTTP/1.0 keep-alive pipelined", expect=2, method="GET", path="/healthz")
    add(b"GET /healthz HTTP/0.9\r\n\r\n", "HTTP/0.9", method="GET", path="/healthz")
    add(b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/2.0 line", method="GET",
        path="/healthz")
    add(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 preface", method="PRI", path="*")
    add(b"GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 without Host", method="GET",
        path="/healthz")
    # pipelining: mixed good and bad requests, answered in order
    for _ in range(n(10)):
        reqs, paths = [], []
        for _ in range(rng.randrange(2, 6)):
            path, body = rng.choice(VALID[:5])
            data = dumps(body).encode()
            if rng.random() < 0.5:
                data = mutate_bytes(rng, data)[0]
            reqs.append(http_request("POST", path, data))
            paths.append(path)
        add(b"".join(reqs), f"{len(reqs)} pipelined requests", expect=len(reqs), path=paths)
    # header oddities
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %d\r\n" % (i, i)
                                                         for i in range(300)) + b"\r\n",
        "300 headers", method="GET", path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
        "a 100 KB header", method="GET", path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
        "a 200 KB header", method="GET", path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", "space in a header name",
        method="GET", path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: \x00\x01\xff\r\n\r\n", "control bytes in a value",
        method="GET", path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "obs-fold line", method="GET",
        path="/healthz")
    add(b"GET /healthz HTTP/1.1\nHost: x\n\n", "bare LF line ends", method="GET",
        path="/healthz")
    add(b"GET /healthz HTTP/1.1\r\nHost: x\r\nOrigin: \xff\xfe\r\n\r\n", "binary Origin",
        method="GET", path="/healthz")
    add(b"OPTIONS /attestation HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n"
        b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: "
        + b"x," * 5000 + b"\r\n\r\n", "preflight with 5000 requested headers",
        method="OPTIONS")
    # odd paths
    for p in ["/policy/../x", "/policy/..%2fx", "/policy/%2e%2e", "/policy/%2E%2E%2F%2E%2E",
              "/policy/%", "/policy/%4", "/policy/%zz", "/policy/%00", "/policy/a%20b",
              "/policy/%c3%a9", "/policy/%ff", "/policy/" + "a" * 5000, "//attestation",
              "/attestation/", "/attestation?x=1", "/attestation?", "/attestation#f",
              "/attestation;x", "/ATTESTATION", "/attestation%20", "/./attestation",
              "/attestation/..", "http://x/attestation", "*", "", "/" + "a" * 100000,
              "/" + "a" * 200000, "/healthz?" + "a=1&" * 500, "/policy/default?x",
              "/policy//default", "/policy/default/", "/.well-known/jwks.json/",
              "/%2e%2e/%2e%2e/etc/passwd", "/\\attestation", "/att\u00e9station"]:
        method = "GET" if rng.random() < 0.5 else "POST"
        body = good if method == "POST" else None
        data = http_request(method, p.encode("utf-8").decode("latin-1"), body)
        add(data, f"path {p[:50]!r}", method=method, path=p)
    # odd methods
    for m in ["PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "FOO", "get", "post", "OPTIONS",
              "M" * 1000, "G\x01T", "POST\x00", "BREW", "PROPFIND"]:
        for p in ["/attestation", "/policy", "/policy/default", "/healthz", "/nope"]:
            body = good if rng.random() < 0.5 else None
            add(http_request(m, p, body), f"method {m[:20]!r} {p}", method=m, path=p)
    return cases


def run_protocol(srv, rng):
    stats = Stats()
    cases = protocol_cases(rng)
    for i, (method, paths, data, what, expect, may_hang) in enumerate(cases):
        path = paths[0]
        responses, seconds, closed, error = exchange(srv.port, data, expect=expect,
                                                     head_only=method == "HEAD")
        problems = []
        if error == "timeout" and not responses:
            # the server may legitimately wait for a body it was promised
            # (Content-Length larger than sent, unknown Transfer-Encoding):
            # that only costs this client its connection
            if not may_hang:
                problems.append("no answer")
        elif error:
            problems.append(error)
        if not responses and not error and not closed:
            problems.append("nothing")
        for (status, headers, body), p in zip(responses, paths):
            why = judge(method, p, status, headers, body)
            if why == "mhd":
                stats.mhd += 1
            elif why:
                problems.append(why)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if problems:
            stats.failures.append((i, what, method, path, data[:200], problems))
        if i % 25 == 24 and not srv.alive():
            stats.failures.append((i, what, method, path, data[:200], ["server died"]))
            break
    for index, what, method, path, data, problems in stats.failures[:20]:
        print(f"     case {index} [{what}] {data[:160]!r}: {problems[:3]}")
    summary = ", ".join(f"{k}:{v}" for k, v in sorted(stats.statuses.items()))
    t.check(f"{len(cases)} odd headers/paths/methods: 4xx JSON errors or a clean libmicrohttpd "
            f"rejection (statuses {summary}; {stats.mhd} libmicrohttpd rejections)",
            not stats.failures, f"{len(stats.failures)} bad answers")


def transport_rules(srv):
    """Specific HTTP rules whose exact answers are known."""
    good = dumps(V24_GOOD).encode()
    head = b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    # Expect: 100-continue: interim 100, then the final answer
    with socket.create_connection(("127.0.0.1", srv.port), timeout=RESPONSE_LIMIT) as s:
        s.sendall(head + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(good))
        first = recv_response(s, b"")
        s.sendall(good)
        final = recv_response(s, first[3] if first else b"")
    t.check("Expect: 100-continue -> 100 Continue, then 200 with the token",
            first is not None and first[0] == 100 and final is not None and final[0] == 200,
            (first and first[0], final and final[0]))
    for what, extra in [
            ("Transfer-Encoding with Content-Length",
             b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            ("two different Content-Lengths", b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
            ("unsupported Transfer-Encoding", b"Transfer-Encoding: gzip\r\n\r\n{}")]:
        responses, seconds, closed, error = exchange(srv.port, head + extra + b"GET /healthz "
                                                     b"HTTP/1.1\r\nHost: x\r\n\r\n", expect=2,
                                                     timeout=3)
        st = [r[0] for r in responses]
        t.check(f"{what}: 400/501 JSON error and the connection closed (no smuggled request "
                f"answered)", len(responses) == 1 and st[0] in (400, 501) and
                judge("POST", "/attestation", *responses[0]) is None and
                responses[0][1].get("connection") == "close",
                f"{st} {responses[:1]} {error}")


# ------------------------------------------------------------------- main

def many_query_args(srv):
    """libmicrohttpd 0.9.75 stores every query argument in the connection's
    128 KiB pool; a request line with a few thousand `&` exhausts it, and its
    431 answer cannot be sent either, so that client waits until the 30 s
    idle timeout (upstream limitation, docs/server.md).  What we can
    promise: everyone else is served meanwhile."""
    hung = []
    for _ in range(8):
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        c.sendall(b"GET /healthz?" + b"a&" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        hung.append(c)
    start = time.time()
    responses, seconds, _, _ = exchange(srv.port, http_request("POST", "/attestation",
                                                               dumps(V24_GOOD).encode()))
    t.check("8 clients with 5000 query arguments each do not delay a good request",
            responses and responses[0][0] == 200 and time.time() - start < RESPONSE_LIMIT,
            f"{responses[:1]} {seconds:.2f}s")
    for c in hung:
        c.close()
    # each abandoned request is released when its connection closes (at the
    # latest at shutdown); before the fix in http.c each one leaked its
    # request state: LeakSanitizer reports it in the ASan run of this test


def open_from(src_ip, port, n):
    """n connections from a given loopback source address (the per-IP
    limit counts each address separately)."""
    socks = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(5)
        try:
            c.bind((src_ip, 0))
            c.connect(("127.0.0.1", port))
        except OSError:
            c.close()
            break
        socks.append(c)
    return socks


def timed_good_request(srv):
    start = time.time()
    responses, _, _, error = exchange(srv.port, http_request("POST", "/attestation",
                                                             dumps(V24_GOOD).encode()))
    return (responses[0][0] if responses else error), time.time() - start


def slow_clients(srv):
    """Resource exhaustion from other addresses: idle connections up to the
    per-address limit, slowloris heads, half-sent bodies, clients that never
    read their answers.  A client at 127.0.0.1 is served throughout; the
    idle timeout (30 s) finally closes a half-sent body."""
    idle = open_from("127.0.0.2", srv.port, 250)
    st, secs = timed_good_request(srv)
    t.check(f"{len(idle)} idle connections from 127.0.0.2: a good request from 127.0.0.1 is "
            f"answered 200 in {secs:.2f}s", st == 200 and secs < RESPONSE_LIMIT, st)
    extra = open_from("127.0.0.2", srv.port, 20)
    refused = 0
    for c in extra:  # past 256 per address the server drops the connection at once
        try:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            if c.recv(100) == b"":
                refused += 1
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            refused += 1
    t.check(f"the per-address limit (256) refuses connections past it ({refused} of "
            f"{len(extra)} refused)", refused >= len(extra) - 6, refused)
    for c in idle + extra:
        c.close()

    loris = open_from("127.0.0.3", srv.port, 60)
    half = open_from("127.0.0.4", srv.port, 60)
    deaf = open_from("127.0.0.5", srv.port, 20)
    for c in half:
        c.sendall(b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 100000\r\n\r\n{\"tee\":\"sam")
    for c in deaf:  # pipelined requests whose answers are never read
        c.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
    worst = 0.0
    ok = True
    for step in range(6):
        for c in loris:
            try:
                c.sendall(b"POST /attestation HTTP/1.1\r\n" if step == 0 else
                          b"X-%d: y\r\n" % step)
            except OSError:
                pass
        st, secs = timed_good_request(srv)
        worst = max(worst, secs)
        ok = ok and st == 200
        time.sleep(0.5)
    t.check(f"{len(loris)} slowloris heads, {len(half)} half-sent bodies and {len(deaf)} clients "
            f"that never read: good requests still answered 200 (slowest {worst:.2f}s)",
            ok and worst < RESPONSE_LIMIT, worst)
    # the idle timeout closes a connection whose body stopped half-way
    start = time.time()
    c = half[0]
    c.settimeout(45)
    try:
        got = c.recv(100)
    except (ConnectionResetError, socket.timeout):
        got = b"" if time.time() - start < 44 else None
    t.check(f"a body that stops half-way is dropped by the 30 s idle timeout "
            f"(closed after {time.time() - start:.0f}s)", got == b"", got)
    for c in loris + half + deaf:
        c.close()
    st, secs = timed_good_request(srv)
    t.check("after the slow clients left, a good request is answered 200", st == 200, st)


def closed_port():
    return free_port()  # nothing listens there: fetches fail at once


def network_env(tmp):
    """2024 mode cannot carry verifier_config: point the QCNL file and every
    proxy variable at a closed loopback port so nothing leaves the host."""
    dead = f"http://127.0.0.1:{closed_port()}"
    qcnl = os.path.join(tmp, "qcnl.conf")
    with open(qcnl, "w") as f:
        json.dump({"collateral_service": dead + "/sgx/certification/v4/"}, f)
    env = {"QCNL_CONF_PATH": qcnl, "NO_PROXY": "", "no_proxy": ""}
    for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env[k] = dead
    return env, dead


def run_server(name, config, env, rng):
    with Server(t, config=config, env=env, workers=2) as srv:
        start = time.time()
        n_body = n(2500)
        cases = body_cases(rng, n_body) + tee_matrix_cases(rng, n(3))
        rng.shuffle(cases)
        run_cases(srv, f"{name}: {len(cases)} mutated request bodies", cases)
        valid_requests_still_work(srv, name)
        transport_rules(srv)
        many_query_args(srv)
        if name.startswith("2024"):
            slow_clients(srv)
        run_protocol(srv, rng)
        # policies last: a fuzzed policy may replace one the pipeline uses
        run_cases(srv, f"{name}: {n(400)} mutated policies", policy_cases(rng, n(400)))
        t.check(f"{name}: server still answers /healthz", srv.alive())
        print(f"     {name}: {time.time() - start:.1f}s")


with tempfile.TemporaryDirectory(prefix="as-robust-") as tmp:
    rng = random.Random(SEED)
    env, dead = network_env(tmp)
    run_server("2024 mode", {}, env, rng)
    cfg26 = {"attestation_token_broker": {"duration_min": 5},
             "verifier_config": {
                 "dcap_verifier": {"collateral_service": dead + "/sgx/certification/v4/"},
                 "snp_verifier": {"vcek_sources": [{"type": "KDS", "base_url": dead}]}}}
    run_server("2026 mode", cfg26, env, rng)

t.finish()
