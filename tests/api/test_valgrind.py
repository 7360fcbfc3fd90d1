"""test_valgrind.py - restful-as under valgrind memcheck: a few hundred
mixed good and bad requests (sample TEE in both request forms, policies
set/read/listed/deleted, JWKS, challenges, malformed bodies and headers),
then a clean stop by SIGTERM (and, on a second short run, SIGINT).
Memcheck must report no invalid read/write, no use of uninitialised
values and no definitely lost block, and the process must exit 0: the
server frees everything it allocated on the way out.

Skipped when valgrind is not installed or AS_BIN is a sanitizer build
(ASan and valgrind cannot run together).  Takes about a minute.  By hand:
AS_BIN=build/restful-as /usr/bin/python3 tests/api/test_valgrind.py
(AS_VALGRIND_ROUNDS=N for N x 26 requests).
"""

import json
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_BIN, SKIP_EXIT, Checks, Server, b64url  # noqa: E402

VALGRIND = shutil.which("valgrind")
if not VALGRIND:
    print("skipped: valgrind not installed")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(SKIP_EXIT)
with open(AS_BIN, "rb") as f:
    if b"__asan_init" in f.read():
        print("skipped: AS_BIN is a sanitizer build (valgrind needs the plain binary)")
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(SKIP_EXIT)

t = Checks("valgrind")
ROUNDS = int(os.environ.get("AS_VALGRIND_ROUNDS", "10"))

EV_RAW = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}))
V24 = {"tee": "sample", "evidence": EV_RAW, "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": []}
V26 = {"verification_requests": [{"tee": "sample", "evidence": EV_RAW,
                                  "runtime_data": {"raw": "YWFhYWE"},
                                  "init_data": {"init_data_toml":
                                                'version = "0.1.0"\nalgorithm = "sha256"\n'
                                                '[data]\n"k" = "v"\n'}}],
       "policy_ids": []}
ALLOW = "package policy\n\ndefault allow = true\n"
DENY = "package policy\n\ndefault allow = false\n"


class ValgrindServer(Server):
    def __init__(self, *a, **kw):
        self.vg_log = None
        super().__init__(*a, start=False, **kw)
        self.vg_log = os.path.join(self.tmp, "valgrind.log")
        self.start()

    def command(self):
        return [VALGRIND, "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
                "--error-exitcode=99", "--num-callers=30", f"--log-file={self.vg_log}",
                *super().command()]

    def wait_ready(self, timeout=120.0):
        return super().wait_ready(timeout)

    def report(self):
        try:
            with open(self.vg_log) as f:
                return f.read()
        except OSError:
            return ""


def one_round(s, i):
    """26 requests; returns the statuses."""
    st = []

    def req(method, path, body=None, raw=None, ct="application/json"):
        if raw is not None:
            r = s.request(method, path, body=raw, content_type=ct, timeout=60)
        else:
            r = s.request(method, path, json_body=body, timeout=60)
        st.append(r.status)
        return r

    req("POST", "/attestation", V24)
    req("POST", "/attestation", V26)
    req("POST", "/attestation", dict(V24, runtime_data={"raw": "YmJiYmI"}))       # 403
    req("POST", "/attestation", dict(V24, runtime_data={"structured": {"n": [1, 2.5, "x"]}}))
    req("POST", "/attestation", dict(V24, evidence=EV_RAW + "="))                  # 400
    req("POST", "/attestation", dict(V24, tee="sev"))                              # 501
    req("POST", "/attestation", dict(V24, tee="sgx", evidence=b64url('{"quote":"AAAA"}')))
    req("POST", "/attestation", dict(V24, tee="snp", evidence=b64url('{"attestation_report":1}')))
    req("POST", "/attestation", dict(V24, tee="tdx", evidence=b64url("[" * 200 + "]" * 200)))
    req("POST", "/attestation", raw='{"tee":"sample","evidence":')               # 400
    req("POST", "/attestation", raw=b'{"a":"\xff"}')                               # 400
    req("POST", "/attestation", raw="{}", ct="text/plain")                         # 415
    req("POST", "/policy", {"policy_id": f"p{i}", "policy": b64url(ALLOW)})
    req("POST", "/policy", {"policy_id": "deny", "policy": b64url(DENY)})
    req("POST", "/attestation", dict(V24, policy_ids=[f"p{i}", "deny"]))           # 403
    req("POST", "/attestation", dict(V24, policy_ids=[f"p{i}"]))                   # 200
    req("POST", "/policy", {"policy_id": "bad", "policy": b64url("package policy\nx {")})
    req("GET", f"/policy/p{i}")
    req("GET", "/policy")
    req("DELETE", f"/policy/p{i}")
    req("GET", f"/policy/p{i}")                                                    # 404
    req("GET", "/.well-known/jwks.json")
    req("POST", "/challenge", {"tee": "sample", "tee_params": ""})
    req("POST", "/challenge", {"tee": "sample"})                                   # 400
    req("GET", "/nope")
    req("PUT", "/attestation")
    return st


def check_report(label, s, rc, expect_rc=0):
    rep = s.report()
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", rep)
    definite = re.search(r"definitely lost: ([\d,]+) bytes", rep)
    t.check(f"{label}: memcheck ERROR SUMMARY is 0 (no invalid access, no uninitialised use, "
            f"no definite leak)", errors is not None and errors.group(1) == "0",
            "\n".join(l for l in rep.splitlines() if "==" in l)[-4000:])
    t.check(f"{label}: no definitely lost bytes", definite is None or
            definite.group(1) == "0", definite.group(0) if definite else "")
    t.check(f"{label}: exit code {expect_rc}", rc == expect_rc, f"exit code {rc}")


def stop_with(s, sig):
    s.proc.send_signal(sig)
    try:
        rc = s.proc.wait(timeout=120)
    except Exception:  # noqa: BLE001 - reported below
        s.proc.kill()
        rc = s.proc.wait()
    return rc


start = time.time()
s = ValgrindServer(t, workers=2)
try:
    statuses = []
    for i in range(ROUNDS):
        statuses += one_round(s, i)
    n = len(statuses)
    counts = {k: statuses.count(k) for k in sorted(set(statuses))}
    t.check(f"{n} requests under valgrind answered (statuses {counts})",
            counts.get(200, 0) >= 4 * ROUNDS and all(x < 500 or x == 501 for x in statuses),
            counts)
    t.check("server alive under valgrind after the requests", s.alive())
    rc = stop_with(s, signal.SIGTERM)
    check_report(f"SIGTERM after {n} requests", s, rc)
finally:
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
    shutil.rmtree(s.tmp, ignore_errors=True)

# SIGINT: the other stop signal frees everything as well
s = ValgrindServer(t, workers=2, config={"attestation_token_broker": {}})
try:
    st = one_round(s, 0)
    t.check("2026 mode under valgrind answers a round", st[0] == 200 and st[1] == 200, st)
    rc = stop_with(s, signal.SIGINT)
    check_report("SIGINT (2026 mode)", s, rc)
finally:
    if s.proc and s.proc.poll() is None:
        s.proc.kill()
    shutil.rmtree(s.tmp, ignore_errors=True)
print(f"     {time.time() - start:.1f}s under valgrind")
t.finish()
