"""test_https.py - HTTPS (api.md §1): both -t and -k enable TLS 1.2 + 1.3;
the certificate file may hold a chain; RSA (PKCS#1 or PKCS#8) and EC (SEC1
or PKCS#8) keys; a key that does not match, an encrypted key or a bad file
stops start-up with one line.  Certificates are made here with openssl."""

import os
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, free_port, run_binary  # noqa: E402

t = Checks("https")
if not shutil.which("openssl"):
    t.skip("HTTPS tests", "openssl command not found")
    t.finish()

tmp = tempfile.mkdtemp(prefix="as-https-")
SAN = "subjectAltName=DNS:localhost,IP:127.0.0.1"


def p(name):
    return os.path.join(tmp, name)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def self_signed(name, keyargs):
    openssl("req", "-x509", "-newkey", keyargs, "-nodes", "-keyout", p(name + ".key"),
            "-out", p(name + ".crt"), "-days", "2", "-subj", "/CN=localhost", "-addext", SAN)
    return p(name + ".crt"), p(name + ".key")


rsa = self_signed("rsa", "rsa:2048")
openssl("ecparam", "-name", "prime256v1", "-out", p("prime256v1.param"))
ec = self_signed("ec", "ec:" + p("prime256v1.param"))
# RSA key in the traditional PKCS#1 form, EC key in SEC1 form (with parameters block)
openssl("genrsa", "-traditional", "-out", p("rsa1.key"), "2048")
openssl("req", "-x509", "-key", p("rsa1.key"), "-out", p("rsa1.crt"), "-days", "2",
        "-subj", "/CN=localhost", "-addext", SAN)
openssl("ecparam", "-name", "secp384r1", "-genkey", "-out", p("sec1.key"))
openssl("req", "-x509", "-key", p("sec1.key"), "-out", p("sec1.crt"), "-days", "2",
        "-subj", "/CN=localhost", "-addext", SAN)
# chain: CA -> leaf; the certificate file holds leaf then CA
openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out",
        p("ca.crt"), "-days", "2", "-subj", "/CN=test CA", "-addext",
        "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
openssl("req", "-newkey", "ec:" + p("prime256v1.param"), "-nodes", "-keyout", p("leaf.key"),
        "-out", p("leaf.csr"), "-subj", "/CN=localhost")
with open(p("ext.cnf"), "w") as f:
    f.write(SAN + "\n")
openssl("x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("leaf.crt"), "-days", "2", "-extfile", p("ext.cnf"))
with open(p("chain.crt"), "w") as f:
    f.write(open(p("leaf.crt")).read() + open(p("ca.crt")).read())
# an encrypted key
openssl("genrsa", "-aes128", "-passout", "pass:secret", "-out", p("enc.key"), "2048")


def serves(what, cert, key, verify=None):
    with Server(t, tls=(cert, key)) as s:
        r = s.request("GET", "/healthz", verify=verify)
        t.check(f"{what}: GET /healthz over HTTPS", r.status == 200, r)
        for ver, name in [(ssl.TLSVersion.TLSv1_2, "1.2"), (ssl.TLSVersion.TLSv1_3, "1.3")]:
            c = s.connection(tls_version=ver)
            try:
                r = s.request("GET", "/healthz", conn=c)
                t.check(f"{what}: TLS {name} accepted", r.status == 200, r)
            finally:
                c.close()
        r = s.request("POST", "/attestation", body="{")
        t.check_error(r, 400, "invalid_json", f"{what}: JSON errors over HTTPS")
        cp = s.curl(s.url("/healthz"), "-o", "/dev/null", "-w", "%{http_code}")
        if cp is None:
            t.skip(f"{what}: curl -k", "curl not installed")
        else:
            t.check(f"{what}: curl -k works", cp.stdout == b"200", cp)
        def s_client(*opts):
            return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{s.port}",
                                   *opts], input=b"", capture_output=True, timeout=20).stdout
        good = s_client("-tls1_2")
        t.check(f"{what}: openssl s_client TLS 1.2 negotiates an ECDHE AEAD suite",
                b"Cipher is ECDHE-" in good and (b"GCM" in good or b"CHACHA" in good), good[-300:])
        old = s_client("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        t.check(f"{what}: TLS 1.1 refused", b"Cipher is (NONE)" in old, old[-300:])
        weak = s_client("-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0")
        t.check(f"{what}: static-RSA CBC suite refused", b"Cipher is (NONE)" in weak, weak[-300:])
        plain = s.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
        t.check(f"{what}: plain HTTP on the HTTPS port gets no HTTP answer",
                not plain.startswith(b"HTTP/1.1 200"), plain[:60])
        return s


serves("RSA PKCS#8", *rsa)
serves("EC P-256 PKCS#8", *ec)
serves("RSA PKCS#1 key", p("rsa1.crt"), p("rsa1.key"))
serves("EC P-384 SEC1 key", p("sec1.crt"), p("sec1.key"))
with Server(t, tls=(p("chain.crt"), p("leaf.key"))) as s:
    r = s.request("GET", "/healthz", verify=p("ca.crt"))
    t.check("chain file: client trusting only the CA verifies the server", r.status == 200, r)
    cp = s.curl("--cacert", p("ca.crt"), f"https://localhost:{s.port}/healthz", "-o",
                "/dev/null", "-w", "%{http_code}")
    if cp is not None:
        t.check("chain file: curl --cacert CA verifies the chain", cp.stdout == b"200", cp)
    t.check("chain file: log names 2 certificates",
            len(s.log_lines("2 certificate")) == 1, s.stderr()[-600:])


# secrets never reach the log, even at RUST_LOG=trace
with Server(t, tls=rsa, env={"RUST_LOG": "trace"}) as s:
    s.request("GET", "/healthz")
    s.request("POST", "/attestation", body="{")
    key_lines = [l for l in open(rsa[1]).read().splitlines() if l and not l.startswith("-----")]
    log = s.stderr()
    t.check("RUST_LOG=trace: no private key material in the log",
            "PRIVATE KEY" not in log and not any(l in log for l in key_lines[:5]))


def start_fails(what, cert, key, needle):
    pr = run_binary(["--socket", f"127.0.0.1:{free_port()}", "-t", cert, "-k", key],
                    env={"AS_WORK_DIR": p("work"), "RUST_LOG": "off"})
    lines = [l for l in pr.stderr.decode().splitlines() if l.strip()]
    t.check(f"{what}: non-zero exit with one line naming it",
            pr.returncode != 0 and len(lines) == 1 and needle in lines[0], pr.stderr[-500:])


start_fails("key does not match the certificate", rsa[0], p("rsa1.key"), "does not match")
start_fails("encrypted key", p("rsa1.crt"), p("enc.key"), "enc.key")
start_fails("key file holds a certificate", rsa[0], rsa[0], "private key")
start_fails("certificate file holds a key", rsa[1], rsa[1], "certificate")

shutil.rmtree(tmp, ignore_errors=True)
t.finish()
