"""test_cli.py - the restful-as command line and start-up failures
(api.md §1, config.md §1): every failure is one clear line on stderr and a
non-zero exit; --help/--version exit 0; IPv4 and [IPv6] sockets."""

import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, free_port, run_binary  # noqa: E402

t = Checks("cli")
tmp = tempfile.mkdtemp(prefix="as-cli-")
work = os.path.join(tmp, "work")
ENV = {"AS_WORK_DIR": work, "RUST_LOG": "off"}


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def one_line_failure(what, args, must_contain, env=None):
    p = run_binary(args, env=dict(ENV, **(env or {})))
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.splitlines() if l.strip()]
    t.check(f"{what}: non-zero exit", p.returncode != 0, p.returncode)
    t.check(f"{what}: exactly one line on stderr naming the problem",
            len(lines) == 1 and must_contain in lines[0], err[:600])


sock = f"127.0.0.1:{free_port()}"
one_line_failure("unknown flag", ["--socket", sock, "--bogus"], "--bogus")
one_line_failure("missing --socket", ["-c", "x.json"], "--socket")
one_line_failure("flag without value", ["--socket"], "--socket")
one_line_failure("host name in --socket", ["--socket", "localhost:8080"], "localhost:8080")
one_line_failure("port out of range", ["--socket", "127.0.0.1:70000"], "70000")
one_line_failure("stray argument", ["--socket", sock, "extra"], "extra")
one_line_failure("--workers 0", ["--socket", sock, "--workers", "0"], "--workers")
one_line_failure("certificate without key", ["--socket", sock, "-t", "/tmp/c.pem"], "together")
one_line_failure("missing config file", ["--socket", sock, "-c", os.path.join(tmp, "none.json")],
                 "none.json")
one_line_failure("config is not JSON", ["--socket", sock, "-c", write("bad.json", "{work_dir:1}")],
                 "line 1")
one_line_failure("config with a wrong type",
                 ["--socket", sock, "-c", write("type.json", '{"attestation_token_config":'
                                                             '{"duration_min":"5"}}')],
                 "attestation_token_config.duration_min")
one_line_failure("config with an unknown rvps type",
                 ["--socket", sock, "-c", write("rvps.json", '{"rvps_config":{"type":"X"}}')],
                 "rvps_config.type")
one_line_failure("unreadable certificate",
                 ["--socket", sock, "-t", os.path.join(tmp, "nocert.pem"), "-k",
                  os.path.join(tmp, "nokey.pem")], "nocert.pem")
one_line_failure("certificate file without a certificate",
                 ["--socket", sock, "-t", write("junk.pem", "hello\n"), "-k",
                  write("junk.key", "hello\n")], "junk.pem")

# address in use
busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
busy.bind(("127.0.0.1", 0))
busy.listen(1)
port = busy.getsockname()[1]
one_line_failure("address in use", ["--socket", f"127.0.0.1:{port}"], "in use")
busy.close()

for flag in ["-h", "--help"]:
    p = run_binary([flag])
    out = p.stdout.decode()
    t.check(f"{flag}: exit 0 with usage on stdout",
            p.returncode == 0 and "--socket" in out and "--allowed_origin" in out, out[:200])
for flag in ["-V", "--version"]:
    p = run_binary([flag])
    t.check(f"{flag}: exit 0 and prints the version",
            p.returncode == 0 and p.stdout.decode().startswith("restful-as "), p.stdout)

# the server starts with every flag spelling and reports unknown config keys
with Server(t, config={"wrok_dir": "/nowhere", "attestation_token_config": {"duration_min": 5}},
            args=["-r", "http://a.example"]) as srv:
    t.check("unknown config key logged as a warning naming it",
            len(srv.wait_log(r"WARN .*unknown key `wrok_dir`")) == 1, srv.stderr()[-800:])
    t.check("start-up log names the listening address",
            len(srv.wait_log(rf"starting HTTP server at http://127\.0\.0\.1:{srv.port}")) == 1,
            srv.stderr()[-800:])

# IPv6
try:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6:
        s6.bind(("::1", 0))
    have_v6 = True
except OSError:
    have_v6 = False
if have_v6:
    with Server(t, host="::1") as srv:
        t.check("serves on [::1]", srv.request("GET", "/healthz").status == 200)
else:
    t.skip("serves on [::1]", "no IPv6 loopback here")

# RUST_LOG=warn hides the access log; RUST_LOG=debug keeps it
with Server(t, env={"RUST_LOG": "warn"}) as srv:
    srv.request("GET", "/healthz")
    t.check("RUST_LOG=warn: no INFO lines", not srv.log_lines(" INFO "), srv.stderr()[-400:])

# SIGTERM while a client keeps a connection open still exits
srv = Server(t)
idle = socket.create_connection(("127.0.0.1", srv.port))
idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
idle.recv(1000)
rc = srv.stop(check=False)
t.check("exits 0 on SIGTERM with an idle keep-alive client", rc == 0, rc)
idle.close()
subprocess.run(["rm", "-rf", srv.tmp])

subprocess.run(["rm", "-rf", tmp])
t.finish()
