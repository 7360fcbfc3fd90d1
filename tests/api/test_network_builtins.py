"""test_network_builtins.py - the allow_network_builtins switch end to end:
the real restful-as evaluates policies that call http.send (against an
HTTP server this test runs on 127.0.0.1) and net.lookup_ip_addr.

Off (the default, and explicitly false): POST /attestation with such a
policy is 500 policy_error naming OPA's unsafe built-in error, and the
HTTP server sees no request.  On: the policy's decision follows what the
server answers (allow -> 200 token, deny -> 403 policy_denied), one
request per evaluation (also with parallel requests), and
net.lookup_ip_addr("localhost") resolves."""

import http.server
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, b64url  # noqa: E402

t = Checks("network_builtins")

EVIDENCE = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}, separators=(",", ":")))


class Reference(http.server.BaseHTTPRequestHandler):
    """GET /verdict -> {"allow": <current verdict>}; counts requests."""
    verdict = True
    hits = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (http.server's name)
        with Reference.lock:
            Reference.hits += 1
        body = json.dumps({"allow": Reference.verdict, "path": self.path}).encode()
        self.send_response(200 if self.path.startswith("/verdict") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def hits():
    with Reference.lock:
        return Reference.hits


ref = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reference)
threading.Thread(target=ref.serve_forever, daemon=True).start()
PORT = ref.server_address[1]

HTTP_POLICY = f"""package policy
import rego.v1

default allow := false

allow if {{
    r := http.send({{"method": "get", "url": "http://127.0.0.1:{PORT}/verdict",
                     "headers": {{"x-from": "restful-as"}}}})
    r.status_code == 200
    r.body.allow == true
}}
"""

LOOKUP_POLICY = """package policy
import rego.v1

default allow := false

allow if "127.0.0.1" in net.lookup_ip_addr("localhost")
allow if "::1" in net.lookup_ip_addr("localhost")
"""

UNSAFE = "unsafe built-in function calls in expression: "


def put_policy(s, pid, text):
    r = s.request("POST", "/policy", json_body={"policy_id": pid, "policy": b64url(text)})
    t.check(f"set policy {pid} -> 200", r.status == 200, r)


def attest(s, pid):
    return s.request("POST", "/attestation",
                     json_body={"tee": "sample", "evidence": EVIDENCE,
                                "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": [pid]})


def localhost_resolves():
    try:
        return any(a[4][0] in ("127.0.0.1", "::1") for a in socket.getaddrinfo("localhost", None))
    except OSError:
        return False


def switch_off(config, label):
    before = hits()
    with Server(t, config=config) as s:
        put_policy(s, "net-http", HTTP_POLICY)
        put_policy(s, "net-lookup", LOOKUP_POLICY)
        r = attest(s, "net-http")
        t.check_error(r, 500, "policy_error", what=f"{label}: http.send policy -> 500 policy_error",
                      detail_has=UNSAFE + "http.send")
        t.check(f"{label}: the detail names the policy", "net-http" in (r.json() or {}).get(
            "detail", ""), r)
        r = attest(s, "net-lookup")
        t.check_error(r, 500, "policy_error",
                      what=f"{label}: net.lookup_ip_addr policy -> 500 policy_error",
                      detail_has=UNSAFE + "net.lookup_ip_addr")
    t.check(f"{label}: no request reached the HTTP server", hits() == before,
            f"{hits() - before} requests")


switch_off(None, "default config")
switch_off({"allow_network_builtins": False}, "allow_network_builtins false")

with Server(t, config={"allow_network_builtins": True}) as s:
    put_policy(s, "net-http", HTTP_POLICY)
    Reference.verdict = True
    before = hits()
    r = attest(s, "net-http")
    t.check("on: the server allows -> 200 with a token",
            r.status == 200 and r.text.count(".") == 2, r)
    t.check("on: one request per evaluation", hits() == before + 1, hits() - before)
    Reference.verdict = False
    r = attest(s, "net-http")
    t.check_error(r, 403, "policy_denied", what="on: the server denies -> 403 policy_denied")
    t.check("on: every evaluation asks again", hits() == before + 2, hits() - before)
    # parallel evaluations each make their own exchange
    Reference.verdict = True
    before = hits()
    results = []

    def one():
        results.append(attest(s, "net-http").status)

    workers = [threading.Thread(target=one) for _ in range(12)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    t.check("on: 12 parallel attestations -> 12 x 200", results == [200] * 12, results)
    t.check("on: 12 parallel attestations -> 12 requests", hits() == before + 12,
            hits() - before)
    if localhost_resolves():
        put_policy(s, "net-lookup", LOOKUP_POLICY)
        r = attest(s, "net-lookup")
        t.check("on: net.lookup_ip_addr(\"localhost\") has a loopback address -> 200",
                r.status == 200, r)
    else:
        t.skip("net.lookup_ip_addr(\"localhost\")", "this system's resolver cannot resolve localhost")

ref.shutdown()
t.finish()
