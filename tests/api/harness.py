"""harness.py - run the real restful-as binary for black-box API tests.

Every tests/api/test_*.py uses this module (teammates adding TEE-specific
API tests should too).  ctest runs each file as `/usr/bin/python3 FILE` with
the environment AS_BIN (restful-as), AS_TOOL (as-tool), AS_SOURCE_DIR and
AS_SHARED_DIR; a file exits 77 to report itself skipped.

Typical use:

    from harness import Checks, Server

    t = Checks("transport")
    with Server(t) as s:                      # temp work_dir + config, waits for /healthz
        r = s.request("GET", "/nope")
        t.check("unknown path is 404", r.status == 404, r.text)
        t.check_error(r, 404, "not_found")    # JSON {"type","detail"} + Content-Type
    t.finish()                                # prints "N passed, N failed", exits

Server(checks, config=None, args=(), env=None, tls=None, origins=(), workers=2)
  config: dict (written as JSON; work_dir defaults to a fresh temp dir),
          str (written verbatim), None (a minimal config with work_dir), or
          False (no --config-file at all: built-in defaults + AS_WORK_DIR).
  workers: --workers N, or None to leave the default (one per CPU).
  tls:    (cert_path, key_path) -> HTTPS; requests then skip verification
          unless verify=<ca file> is passed to request().
  After the `with` block the harness checks that the server survived every
  request (still answering /healthz), exits 0 on SIGTERM, and printed no
  sanitizer report; those are checks like any other.

Only the Python standard library (and, in some tests, python3-jwt /
python3-cryptography from Debian) is used; run with /usr/bin/python3.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SKIP_EXIT = 77

AS_BIN = os.environ.get("AS_BIN", "")
AS_TOOL = os.environ.get("AS_TOOL", "")
AS_SOURCE_DIR = os.environ.get(
    "AS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
AS_SHARED_DIR = os.environ.get("AS_SHARED_DIR", os.path.join(AS_SOURCE_DIR, "..", "shared"))

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def require_binary():
    """Exits 77 (skipped) when AS_BIN does not name an executable."""
    if not AS_BIN or not os.access(AS_BIN, os.X_OK):
        print("skipped: AS_BIN is not set to the restful-as binary")
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(SKIP_EXIT)


def require_as_tool():
    """Exits 77 (skipped) when AS_TOOL does not name an executable."""
    if not AS_TOOL or not os.access(AS_TOOL, os.X_OK):
        print("skipped: AS_TOOL is not set to the as-tool binary")
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(SKIP_EXIT)


class Checks:
    """Counts checks, prints one line per check and the final summary.
    need_bin=False for scripts that test as-tool alone."""

    def __init__(self, name, need_bin=True):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        if need_bin:
            require_binary()

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   - {what}")
        else:
            self.failed += 1
            extra = f": {detail}" if detail != "" else ""
            print(f"FAIL - {what}{extra}")
        sys.stdout.flush()
        return bool(ok)

    def skip(self, what, why):
        self.skipped += 1
        print(f"skip - {what}: {why}")

    def check_error(self, resp, status, err_type=None, what=None, detail_has=None,
                    detail_re=None):
        """The api.md §10.2 shape: status, application/json, {"type","detail"};
        optionally the detail contains detail_has / matches regex detail_re."""
        label = what or f"{resp.method} {resp.path} -> {status} {err_type or ''}".strip()
        body = resp.json()
        ok = (resp.status == status and resp.content_type().startswith("application/json")
              and isinstance(body, dict) and set(body) == {"type", "detail"}
              and isinstance(body.get("type"), str) and isinstance(body.get("detail"), str)
              and (err_type is None or body.get("type") == err_type)
              and (detail_has is None or detail_has in body.get("detail", ""))
              and (detail_re is None or re.search(detail_re, body.get("detail", ""))))
        return self.check(label, ok, f"got {resp.status} {resp.content_type()!r} {resp.text[:300]!r}")

    def finish(self):
        line = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            line += f", {self.skipped} skipped"
        print(line)
        sys.exit(1 if self.failed else 0)


class Response:
    def __init__(self, method, path, status, headers, body):
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def content_type(self):
        return self.header("Content-Type") or ""

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"<{self.status} {self.text[:120]!r}>"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    """URL-safe base64 without padding (the outer request fields)."""
    import base64
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Server:
    def __init__(self, checks, config=None, args=(), env=None, tls=None, origins=(), workers=2,
                 host="127.0.0.1", start=True):
        self.t = checks
        self.tmp = tempfile.mkdtemp(prefix="as-api-")
        self.work_dir = os.path.join(self.tmp, "work")
        self.host = host
        self.port = None
        self.tls = tls
        self.proc = None
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.config_path = self._write_config(config)
        self.args = list(args)
        for o in origins:
            self.args += ["--allowed_origin", o]
        self.workers = workers
        self.env = dict(os.environ)
        self.env.setdefault("RUST_LOG", "info")
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.env["AS_WORK_DIR"] = self.work_dir
        if env:
            self.env.update(env)
        if start:
            self.start()

    # ------------------------------------------------------------ lifecycle
    def _write_config(self, config):
        path = os.path.join(self.tmp, "config.json")
        if config is False:
            return None
        if config is None:
            config = {"work_dir": self.work_dir}
        if isinstance(config, dict):
            config = dict(config)
            config.setdefault("work_dir", self.work_dir)
            text = json.dumps(config)
        else:
            text = config
        with open(path, "w") as f:
            f.write(text)
        return path

    def command(self):
        bracket = f"[{self.host}]" if ":" in self.host else self.host
        cmd = [AS_BIN, "--socket", f"{bracket}:{self.port}"]
        if self.config_path:
            cmd += ["--config-file", self.config_path]
        if self.workers is not None:
            cmd += ["--workers", str(self.workers)]
        if self.tls:
            cmd += ["--https-pubkey-cert", self.tls[0], "--https-prikey", self.tls[1]]
        return cmd + self.args

    def start(self, attempts=5):
        for _ in range(attempts):
            self.port = free_port()
            self._stderr = open(self.stderr_path, "ab")
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=self._stderr,
                                         env=self.env)
            if self.wait_ready():
                return
            if self.proc.poll() is not None and "in use" in self.stderr():
                continue  # lost the free-port race: try another port
            break
        raise RuntimeError(f"restful-as did not start; stderr:\n{self.stderr()[-4000:]}")

    def wait_ready(self, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if self.request("GET", "/healthz", timeout=2).status == 200:
                    return True
            except (OSError, http.client.HTTPException, ssl.SSLError):
                pass
            time.sleep(0.05)
        return False

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            return self.request("GET", "/healthz", timeout=10).status == 200
        except (OSError, http.client.HTTPException, ssl.SSLError):
            return False

    def stop(self, check=True):
        """SIGTERM, wait, and (check=True) check a clean exit without
        sanitizer reports.  Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                if check:
                    self.t.check("server stops within 30 s of SIGTERM", False)
        rc = self.proc.returncode
        self._stderr.close()
        if check:
            err = self.stderr()
            reports = [m for m in SANITIZER_MARKERS if m in err]
            self.t.check("server exits 0 on SIGTERM", rc == 0, f"exit code {rc}")
            self.t.check("no sanitizer report in the server log", not reports,
                         "\n".join(l for l in err.splitlines()
                                   if any(m in l for m in SANITIZER_MARKERS))[:2000])
        self.proc = None
        return rc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.t.check("server still serving after the tests", self.alive(),
                         self.stderr()[-2000:])
        self.stop(check=exc_type is None)
        if exc_type is not None:
            print(self.stderr()[-4000:], file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    # -------------------------------------------------------------- clients
    def url(self, path=""):
        scheme = "https" if self.tls else "http"
        bracket = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{bracket}:{self.port}{path}"

    def connection(self, timeout=60, verify=None, tls_version=None):
        if not self.tls:
            return http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if verify:
            ctx.load_verify_locations(verify)
            ctx.check_hostname = False
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if tls_version:
            ctx.minimum_version = tls_version
            ctx.maximum_version = tls_version
        return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx)

    def request(self, method, path, body=None, headers=None, json_body=None, timeout=60,
                conn=None, verify=None, content_type="application/json"):
        """One request on a new connection (or `conn`).  json_body is
        serialized and sent as application/json unless content_type says
        otherwise (None = no Content-Type header)."""
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body)
        if body is not None and content_type is not None:
            hdrs.setdefault("Content-Type", content_type)
        if isinstance(body, str):
            body = body.encode()
        own = conn is None
        c = conn or self.connection(timeout=timeout, verify=verify)
        try:
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
            return Response(method, path, r.status, r.getheaders(), data)
        finally:
            if own:
                c.close()

    def raw(self, data, timeout=10, read=True):
        """Sends raw bytes on a plain TCP connection; returns what came back."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(data)
            if not read:
                return b""
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            return out

    def curl(self, *args, timeout=60):
        """Runs curl against the server (-s, -k for HTTPS); returns
        CompletedProcess (stdout bytes) or None when curl is missing."""
        exe = shutil.which("curl")
        if not exe:
            return None
        cmd = [exe, "-s", "--max-time", str(timeout)]
        if self.tls:
            cmd.append("-k")
        return subprocess.run(cmd + list(args), capture_output=True, timeout=timeout + 5)

    def log_lines(self, pattern):
        return [l for l in self.stderr().splitlines() if re.search(pattern, l)]

    def wait_log(self, pattern, count=1, timeout=10.0):
        """Log lines matching pattern, waiting up to timeout for `count` of
        them (log lines can trail the response that caused them)."""
        deadline = time.time() + timeout
        while True:
            lines = self.log_lines(pattern)
            if len(lines) >= count or time.time() > deadline:
                return lines
            time.sleep(0.05)

    def send_head_then_read(self, head, body_prefix=b"", timeout=10):
        """Sends a request head (and optionally the start of its body) on a
        plain TCP connection and returns the response bytes, without
        sending the rest of the body: how to see an early 413/415 for a
        large upload without racing the server's close."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(head + body_prefix)
            out = b""
            try:
                while b"\r\n\r\n" not in out or len(out) < 12:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            return out


def run_parallel(fn, n):
    """Runs fn(i) in n threads; returns the list of results (or exceptions)."""
    results = [None] * n

    def worker(i):
        try:
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


class RegoTool:
    """`as-tool rego eval --format json` over module files written to a
    temporary folder (the Rego error-reporting tests)."""

    def __init__(self, prefix):
        self.tmp = tempfile.mkdtemp(prefix=prefix)

    def module(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, args):
        """(exit code, parsed JSON output or None, stderr)"""
        p = subprocess.run([AS_TOOL, "rego", "eval", "--format", "json"] + list(args),
                           capture_output=True, timeout=60)
        try:
            out = json.loads(p.stdout.decode())
        except ValueError:
            out = None
        return p.returncode, out, p.stderr.decode("utf-8", "replace")

    @staticmethod
    def summary(out):
        """(code, message, row, col) of each printed error"""
        res = []
        for e in (out or {}).get("errors", []):
            loc = e.get("location") or {}
            res.append((e.get("code"), e.get("message"), loc.get("row"), loc.get("col")))
        return res


def run_binary(args, env=None, timeout=30):
    """Runs restful-as to completion (CLI error tests)."""
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    if env:
        e.update(env)
    return subprocess.run([AS_BIN] + list(args), capture_output=True, timeout=timeout, env=e,
                          stdin=subprocess.DEVNULL)
