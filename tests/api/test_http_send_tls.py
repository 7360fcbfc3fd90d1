"""test_http_send_tls.py - http.send's TLS options through
`as-tool rego eval --allow-network` against HTTPS servers this test runs on
127.0.0.1 with certificates it makes (openssl): verification on by default
(an unknown CA fails), tls_ca_cert (PEM text, also with literal "\\n"),
tls_ca_cert_file, tls_ca_cert_env_variable, tls_insecure_skip_verify,
tls_server_name (a certificate for another name than the URL's host), and
client certificates (tls_client_cert/key as text and as files) for a server
that requires them; without --allow-network nothing connects."""

import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_TOOL, Checks  # noqa: E402

t = Checks("http_send_tls")
if not AS_TOOL or not os.access(AS_TOOL, os.X_OK):
    t.skip("http.send TLS", "AS_TOOL is not set to as-tool")
    t.finish()
if not shutil.which("openssl"):
    t.skip("http.send TLS", "openssl command not found")
    t.finish()

tmp = tempfile.mkdtemp(prefix="as-http-tls-")


def p(name):
    return os.path.join(tmp, name)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", p(name + ".key"), "-out", p(name + ".crt"), "-days", "2", "-subj",
            "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE")


def make_leaf(name, ca, san):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", p(name + ".key"), "-out", p(name + ".csr"), "-subj", "/CN=" + name)
    with open(p(name + ".ext"), "w") as f:
        f.write(f"subjectAltName={san}\n")
    openssl("x509", "-req", "-in", p(name + ".csr"), "-CA", p(ca + ".crt"), "-CAkey",
            p(ca + ".key"), "-CAcreateserial", "-out", p(name + ".crt"), "-days", "2",
            "-extfile", p(name + ".ext"))


make_ca("ca")
make_ca("clientca")
make_leaf("local", "ca", "IP:127.0.0.1")
make_leaf("named", "ca", "DNS:example.test")
make_leaf("client", "clientca", "DNS:client")


def read(name):
    with open(p(name)) as f:
        return f.read()


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps({"hello": "tls", "host": self.headers.get("Host")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def https_server(cert, client_ca=None):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(p(cert + ".crt"), p(cert + ".key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(p(client_ca + ".crt"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


local = https_server("local")
named = https_server("named")
mtls = https_server("local", client_ca="clientca")

POLICY = """package t
import rego.v1

r := http.send(object.union({"method": "get", "raise_error": false}, input.req))
"""
with open(p("t.rego"), "w") as f:
    f.write(POLICY)


def send(req, allow=True, env=None):
    """Evaluates http.send(req) with as-tool; returns (response, stderr)."""
    with open(p("input.json"), "w") as f:
        json.dump({"req": req}, f)
    cmd = [AS_TOOL, "rego", "eval", "--strict-builtin-errors", "-d", p("t.rego"), "-i",
           p("input.json"), "data.t.r"]
    if allow:
        cmd.insert(3, "--allow-network")
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                        env=dict(os.environ, **(env or {})))
    try:
        out = json.loads(cp.stdout)
    except ValueError:
        return None, cp.stdout + cp.stderr
    if "errors" in out:
        return out, cp.stdout
    return out["result"][0]["expressions"][0]["value"], cp.stdout


def url(srv, host="127.0.0.1"):
    return f"https://{host}:{srv.server_address[1]}/x"


def ok(what, req, **kw):
    r, raw = send(req, **kw)
    good = isinstance(r, dict) and r.get("status_code") == 200 and r.get("body", {}).get(
        "hello") == "tls"
    t.check(what, good, raw[:600])
    return r


def tls_error(what, req, needle="tls: ", **kw):
    r, raw = send(req, **kw)
    err = (r or {}).get("error", {}) if isinstance(r, dict) else {}
    t.check(what, err.get("code") == "eval_http_send_network_error" and needle in err.get(
        "message", ""), raw[:600])


CA = read("ca.crt")

r, raw = send({"url": url(local)}, allow=False)
t.check("no --allow-network: OPA's unsafe built-in error",
        "unsafe built-in function calls in expression: http.send" in raw, raw[:400])

tls_error("default: an unknown CA fails verification", {"url": url(local)})
ok("tls_ca_cert (PEM text)", {"url": url(local), "tls_ca_cert": CA})
ok("tls_ca_cert with literal \\n escapes", {"url": url(local),
                                            "tls_ca_cert": CA.replace("\n", "\\n")})
ok("tls_ca_cert_file", {"url": url(local), "tls_ca_cert_file": p("ca.crt")})
ok("tls_ca_cert_env_variable", {"url": url(local), "tls_ca_cert_env_variable": "AS_TEST_CA"},
   env={"AS_TEST_CA": CA})
ok("tls_insecure_skip_verify", {"url": url(local), "tls_insecure_skip_verify": True})
ok("tls_ca_cert with tls_use_system_certs", {"url": url(local), "tls_ca_cert": CA,
                                              "tls_use_system_certs": True})
r, raw = send({"url": url(local), "tls_ca_cert": "not a certificate"})
t.check("tls_ca_cert without a certificate: internal error",
        isinstance(r, dict) and r.get("error", {}).get("code") == "eval_http_send_internal_error",
        raw[:400])

tls_error("a certificate for another name fails", {"url": url(named), "tls_ca_cert": CA})
r = ok("tls_server_name names the server", {"url": url(named), "tls_ca_cert": CA,
                                             "tls_server_name": "example.test"})
t.check("tls_server_name keeps the URL's Host header",
        isinstance(r, dict) and r.get("body", {}).get("host") == f"127.0.0.1:{named.server_address[1]}",
        r)

tls_error("mTLS server without a client certificate fails",
          {"url": url(mtls), "tls_ca_cert": CA}, needle="")
ok("tls_client_cert / tls_client_key (PEM text)",
   {"url": url(mtls), "tls_ca_cert": CA, "tls_client_cert": read("client.crt"),
    "tls_client_key": read("client.key")})
ok("tls_client_cert_file / tls_client_key_file",
   {"url": url(mtls), "tls_ca_cert": CA, "tls_client_cert_file": p("client.crt"),
    "tls_client_key_file": p("client.key")})

for s in (local, named, mtls):
    s.shutdown()
shutil.rmtree(tmp, ignore_errors=True)
t.finish()
