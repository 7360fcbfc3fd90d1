"""test_transport.py - the HTTP transport of restful-as (api.md §2, §3,
§10.2): routing (404/405 + Allow), Content-Type (415), body limit (413,
also chunked), malformed JSON (400 invalid_json with line/column), path
decoding, keep-alive, slow and concurrent clients, the access log."""

import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, run_parallel  # noqa: E402

t = Checks("transport")
LIMIT = 4096  # a small max_body_bytes keeps the boundary tests fast


def routing(s):
    r = s.request("GET", "/healthz")
    t.check("GET /healthz -> 200 with an empty body", r.status == 200 and r.body == b"", r)
    for path in ["/", "/nope", "/attestation/", "/policy/", "/healthz/x", "/.well-known/jwks"]:
        t.check_error(s.request("GET", path), 404, "not_found")
    for method, path, allow in [("GET", "/attestation", "POST"), ("PUT", "/attestation", "POST"),
                                ("DELETE", "/attestation", "POST"),
                                ("GET", "/challenge", "POST"),
                                ("PUT", "/policy", "POST, GET"),
                                ("POST", "/policy/abc", "GET, DELETE"),
                                ("POST", "/healthz", "GET"),
                                ("OPTIONS", "/policy", "POST, GET")]:
        r = s.request(method, path)
        t.check_error(r, 405, "method_not_allowed")
        t.check(f"{method} {path} 405 has Allow: {allow}", r.header("Allow") == allow,
                r.header("Allow"))
    r = s.request("GET", "/policy/a%zz")
    t.check_error(r, 400, "invalid_request", "malformed percent-encoding -> 400")
    r = s.request("GET", "/policy/a%00b")
    t.check_error(r, 400, "invalid_request", "percent-encoded NUL in the path -> 400")
    r = s.request("GET", "/healthz?probe=1")
    t.check("query string is ignored for routing", r.status == 200, r)


def content_types(s):
    t.check_error(s.request("POST", "/attestation", body="{}", content_type=None), 415,
                  "unsupported_media_type", "POST without Content-Type -> 415")
    for ct in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx",
               "json", "application/json garbage", "application/"]:
        t.check_error(s.request("POST", "/attestation", body="{}", content_type=ct), 415,
                      "unsupported_media_type", f"Content-Type {ct!r} -> 415")
    # JSON media types pass the transport; the stub-free service then
    # answers with its own status, which is not 415/413
    for ct in ["application/json; charset=utf-8", "application/vnd.foo+json", "text/json",
               "APPLICATION/JSON"]:
        r = s.request("POST", "/policy", body="{}", content_type=ct)
        t.check(f"Content-Type {ct!r} accepted by the transport", r.status not in (413, 415),
                r)


def bodies(s):
    r = s.request("POST", "/attestation", body='{"tee": "sample",\n "evidence": ')
    t.check_error(r, 400, "invalid_json", "truncated JSON -> 400 invalid_json")
    t.check("invalid_json detail names line and column",
            "line 2 column" in (r.json() or {}).get("detail", ""), r.text)
    t.check_error(s.request("POST", "/attestation", body=""), 400, "invalid_json",
                  "empty body -> 400 invalid_json")
    t.check_error(s.request("POST", "/attestation", body="{} x"), 400, "invalid_json",
                  "trailing garbage -> 400")
    t.check_error(s.request("POST", "/attestation", body=b'{"a":"\xff"}'), 400, "invalid_json",
                  "invalid UTF-8 -> 400")
    t.check_error(s.request("POST", "/attestation", body="[" * 200 + "]" * 200), 400,
                  "invalid_json", "nesting deeper than 128 -> 400")
    t.check_error(s.request("POST", "/attestation", body="{'a':1}"), 400, "invalid_json",
                  "single quotes -> 400")
    # size limit: Content-Length above the limit is refused before reading
    r = s.request("POST", "/attestation", body="x" * (LIMIT + 1))
    t.check_error(r, 413, "payload_too_large", "Content-Length above max_body_bytes -> 413")
    t.check("413 detail names the limit", str(LIMIT) in r.text, r.text)
    r = s.request("POST", "/attestation", body=" " * (LIMIT - 2) + "{}")
    t.check("a body of exactly max_body_bytes passes the transport",
            r.status not in (413, 415) and (r.json() or {}).get("type") != "invalid_json", r)
    big = s.raw(b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 99999999999\r\n\r\n{", timeout=5)
    t.check("huge Content-Length answered 413 without waiting for the body",
            big.startswith(b"HTTP/1.1 413"), big[:80])
    # chunked body growing past the limit: the server stops reading (413 or close)
    chunk = b"a" * 1024
    req = (b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n")
    with socket.create_connection((s.host, s.port), timeout=10) as c:
        c.sendall(req)
        start = time.time()
        closed = False
        answer = b""
        try:
            for _ in range(64 * 1024):  # up to 64 MiB if the server kept reading
                c.sendall(b"400\r\n" + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        try:
            answer = c.recv(4096)
        except (ConnectionResetError, socket.timeout):
            pass
        closed = closed or answer == b"" or answer.startswith(b"HTTP/1.1 413")
        t.check("chunked body past the limit stops the upload (413 or connection closed)",
                closed and time.time() - start < 10, answer[:80])


def keep_alive(s):
    c = s.connection()
    try:
        ok = True
        for i in range(20):
            r = s.request("GET", "/healthz", conn=c)
            ok = ok and r.status == 200
            r = s.request("GET", "/policy", conn=c)
            ok = ok and r.status in (200, 500)
        t.check("40 requests on one keep-alive connection", ok)
    finally:
        c.close()


def slow_and_concurrent(s):
    # a client that sends half a request head and stalls must not block others
    stalled = []
    for _ in range(20):
        c = socket.create_connection((s.host, s.port), timeout=5)
        c.sendall(b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Le")
        stalled.append(c)
    start = time.time()
    r = s.request("GET", "/healthz", timeout=5)
    t.check("20 stalled clients do not delay others", r.status == 200 and time.time() - start < 2,
            f"{time.time() - start:.2f}s")
    for c in stalled:
        c.close()
    results = run_parallel(lambda i: s.request("GET", "/healthz").status, 64)
    t.check("64 concurrent requests all answered 200", all(x == 200 for x in results),
            [x for x in results if x != 200][:5])
    results = run_parallel(lambda i: s.request("POST", "/attestation", body="{bad").status, 32)
    t.check("32 concurrent bad requests all answered 400", all(x == 400 for x in results),
            [x for x in results if x != 400][:5])
    garbage = s.raw(b"\x16\x03\x01\x02\x00garbage\r\n\r\n", timeout=3)
    t.check("garbage request head does not kill the server", s.alive(), garbage[:60])
    s.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"a" * 300000 + b"\r\n\r\n",
          timeout=3)
    t.check("oversized request head does not kill the server", s.alive())


def access_log(s):
    s.request("GET", "/definitely-missing")
    time.sleep(0.2)
    lines = s.wait_log(r'restful_as::access: .*"GET /definitely-missing" 404 ')
    t.check("one access-log line with method, path, status", len(lines) == 1, lines)
    t.check("access-log line has a request id and a duration",
            bool(lines) and "[req " in lines[0] and lines[0].rstrip().endswith("ms"), lines)


with Server(t, config={"max_body_bytes": LIMIT}) as srv:
    routing(srv)
    content_types(srv)
    bodies(srv)
    keep_alive(srv)
    slow_and_concurrent(srv)
    access_log(srv)

with Server(t) as srv:
    head = (b"POST /attestation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n")
    out = srv.send_head_then_read(head % (2 * 1024 * 1024 + 1), b"{")
    t.check("default limit is 2 MiB (2097153 bytes -> 413 payload_too_large)",
            out.startswith(b"HTTP/1.1 413") and b"payload_too_large" in out, out[:200])
    out = srv.send_head_then_read(head % (2 * 1024 * 1024), b"{", timeout=2)
    t.check("2097152 bytes announced -> no early 413 (server waits for the body)",
            out == b"", out[:200])
    if shutil.which("curl"):
        big = subprocess.run(["curl", "-s", "-X", "POST", srv.url("/attestation"), "-H",
                              "Content-Type: application/json", "--data-binary", "@-", "-w",
                              "\n%{http_code}"], input=b"x" * (3 << 20), capture_output=True)
        t.check("curl with a 3 MiB body sees 413 (Expect: 100-continue)",
                big.stdout.endswith(b"\n413"), big.stdout[-200:])

t.finish()
