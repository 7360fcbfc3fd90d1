"""test_dcap_cache.py - what the DCAP verifiers keep from a PCCS.

A proxy on loopback sits in front of the mock PCCS (mock_pccs.py) and can
answer 200 with an HTML page instead (a proxy error page / PCCS glitch).
1. A junk 200 stored in the disk cache is not served for its lifetime: once
   the PCCS is healthy again the next verification asks again and succeeds.
2. A 404 (FMSPC the PCCS does not know) is cached briefly: a second quote of
   the same FMSPC right after does not ask the PCCS again.
Uses as-tool (same pipeline as the server).
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import AS_SHARED_DIR, AS_TOOL, SKIP_EXIT, Checks, require_binary  # noqa: E402
from mock_pccs import MockPccs  # noqa: E402

VEC = os.path.join(AS_SHARED_DIR, "vectors", "intel")
if not os.path.isdir(VEC):
    print("skipped: Intel vectors absent under", VEC)
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(SKIP_EXIT)
require_binary()

TDX_SET = os.path.join(VEC, "collateral", "phala-tdx-b0c06f000000-2025-06")
SGX_SET = os.path.join(VEC, "collateral", "phala-sgx-00a067110000-2025-06")
TDX_QUOTE = os.path.join(VEC, "quotes", "tdx-v4-phala.bin")
AT = "1751328000"


class Proxy:
    """Forwards GETs to `upstream` unless `junk` is set; records paths."""

    def __init__(self, upstream):
        self.upstream, self.junk, self.requests = upstream, False, []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                proxy.requests.append(self.path)
                status, headers, body = proxy.answer(self.path)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path):
        if self.junk:
            return 200, [("Content-Type", "text/html")], b"<html>proxy maintenance</html>"
        try:
            with urllib.request.urlopen(self.upstream + path, timeout=10) as r:
                keep = [(k, v) for k, v in r.getheaders()
                        if k.lower().endswith("issuer-chain")]
                return r.status, keep, r.read()
        except urllib.error.HTTPError as e:
            return e.code, [], b""

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def as_tool(cache, url):
    with tempfile.TemporaryDirectory() as d:
        cfp = os.path.join(d, "cfg.json")
        with open(cfp, "w") as f:
            json.dump({"verifier_config": {"dcap_verifier": {
                "collateral_service": url + "/", "cache_dir": cache}}}, f)
        p = subprocess.run([AS_TOOL, "verify", "--tee", "tdx", "--quote", TDX_QUOTE, "--at", AT,
                            "--config", cfp], capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr


t = Checks("dcap_cache")

# 1. Junk 200 cached, then the PCCS recovers.
with tempfile.TemporaryDirectory() as cache, MockPccs([TDX_SET]) as pccs:
    proxy = Proxy(pccs.base_url)
    try:
        proxy.junk = True
        rc, err = as_tool(cache, proxy.base_url)
        t.check("junk 200 from the PCCS: refused as upstream trouble",
                rc != 0 and '"upstream_unavailable"' in err, err[-300:])
        proxy.junk = False
        n = len(proxy.requests)
        rc, err = as_tool(cache, proxy.base_url)
        t.check("PCCS healthy again, same cache: verified", rc == 0, err[-300:])
        t.check("the unusable cached piece was asked for again", len(proxy.requests) > n,
                repr(proxy.requests[n:]))
        proxy.junk = True  # the repaired entries (past nextUpdate) are the fallback
        rc, err = as_tool(cache, proxy.base_url)
        t.check("repaired cache kept: junk again gives no verdict change", rc == 0, err[-300:])
    finally:
        proxy.stop()

# 2. A 404 is cached briefly (the mock knows only the SGX FMSPC).
with tempfile.TemporaryDirectory() as cache, MockPccs([SGX_SET]) as pccs:
    rc, err = as_tool(cache, pccs.base_url)
    t.check("unknown FMSPC: refused", rc != 0, err[-300:])
    tcb = [p for p in pccs.requests if "/tcb?" in p]
    t.check("unknown FMSPC: asked once", len(tcb) == 1, repr(pccs.requests))
    rc, err = as_tool(cache, pccs.base_url)
    tcb = [p for p in pccs.requests if "/tcb?" in p]
    t.check("unknown FMSPC again right after: refused without asking the PCCS",
            rc != 0 and len(tcb) == 1, repr(pccs.requests) + err[-300:])

t.finish()
