"""test_logs.py - log hygiene: with RUST_LOG=trace and a configured token
signing key (RSA in the 2024 mode, EC P-256 in the 2026 mode, both PKCS#8
and the traditional PEM forms) and an HTTPS key, good and failing requests
never put private key material on stderr: no PEM body line, no base64 /
base64url / hex / decimal rendering of the private scalars (RSA d, p, q,
dp, dq, qi; EC d).  Start-up failures caused by a broken key file do not
echo the file either.

Keys are made at test time with python3-cryptography (Debian).
"""

import base64
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, b64url, free_port, run_binary  # noqa: E402

try:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
except ImportError as e:
    print(f"skipped: python3-cryptography missing ({e})")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(77)

t = Checks("logs")
TRACE = {"RUST_LOG": "trace"}

EV_RAW = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}))
V24 = {"tee": "sample", "evidence": EV_RAW, "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": []}
V26 = {"verification_requests": [{"tee": "sample", "evidence": EV_RAW,
                                  "runtime_data": {"raw": "YWFhYWE"}}], "policy_ids": []}


def int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def secret_renderings(numbers):
    """Substrings any rendering of the private integers would contain:
    base64 (std and url, every byte alignment), hex (both cases), decimal."""
    needles = set()
    for n in numbers:
        raw = int_bytes(n)
        for shift in range(3):
            std = base64.b64encode(raw[shift:]).decode()
            for enc in (std, std.replace("+", "-").replace("/", "_")):
                for i in range(0, len(enc) - 28, 4):
                    needles.add(enc[i:i + 24])
        hx = raw.hex()
        for i in range(0, len(hx) - 32, 16):
            needles.add(hx[i:i + 32])
            needles.add(hx[i:i + 32].upper())
        dec = str(n)
        needles.update(dec[i:i + 30] for i in range(0, len(dec) - 30, 15))
    return needles


def pem_lines(pem):
    return {line for line in pem.decode().splitlines()
            if line and not line.startswith("-----") and len(line) >= 16}


def private_numbers(key):
    if isinstance(key, rsa.RSAPrivateKey):
        p = key.private_numbers()
        return [p.d, p.p, p.q, p.dmp1, p.dmq1, p.iqmp]
    return [key.private_numbers().private_value]


def write_key(d, name, key, fmt):
    pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(pem)
    return path, pem


def self_signed(d, key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
    path = os.path.join(d, "tls.crt")
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return path


def leaks(text, secrets):
    """The secrets (label -> needles) found in text."""
    found = []
    for label, needles in secrets.items():
        hits = [n for n in needles if n in text]
        if hits:
            found.append(f"{label}: {hits[0]!r}")
    return found


def exercise(s, v26):
    """Good and failing requests; returns the statuses seen."""
    body = V26 if v26 else V24
    statuses = []
    reqs = [("POST", "/attestation", body),
            ("POST", "/attestation", dict(body, policy_ids=["no-such-policy"])),
            ("POST", "/attestation", {"tee": "sample", "evidence": "!!", "policy_ids": []}),
            ("POST", "/attestation", dict(V24, runtime_data={"raw": "YmJiYmI"})),
            ("POST", "/attestation", {"tee": "sgx", "evidence": b64url('{"quote":"AAAA"}'),
                                      "policy_ids": []}),
            ("POST", "/policy", {"policy_id": "deny", "policy": b64url(
                "package policy\n\ndefault allow = false\n")}),
            ("POST", "/attestation", dict(V24, policy_ids=["deny"])),
            ("POST", "/policy", {"policy_id": "broken", "policy": b64url("package policy\nx {")}),
            ("POST", "/challenge", {"tee": "sample", "tee_params": ""}),
            ("GET", "/.well-known/jwks.json", None), ("GET", "/policy", None),
            ("GET", "/nope", None)]
    for method, path, b in reqs:
        r = s.request(method, path, json_body=b)
        statuses.append(r.status)
    r = s.request("POST", "/attestation", body="{bad json")
    statuses.append(r.status)
    return statuses


def run_mode(d, label, key, fmt, config, tls_key=None):
    path, pem = write_key(d, f"{label}.key", key, fmt)
    secrets = {"signing key PEM body": pem_lines(pem),
               "signing key private scalars": secret_renderings(private_numbers(key))}
    cfg = json.loads(json.dumps(config).replace("@KEY@", path))
    tls = None
    if tls_key is not None:
        tls_path, tls_pem = write_key(d, f"{label}-tls.key",
                                      tls_key, serialization.PrivateFormat.TraditionalOpenSSL)
        tls = (self_signed(d, tls_key), tls_path)
        secrets["TLS key PEM body"] = pem_lines(tls_pem)
        secrets["TLS key private scalars"] = secret_renderings(private_numbers(tls_key))
    scalar = private_numbers(key)[0]
    probes = [pem.decode(), b64url(int_bytes(scalar)), "d=" + int_bytes(scalar).hex(),
              json.dumps({"d": base64.b64encode(b"\x00" + int_bytes(scalar)).decode()})]
    t.check(f"{label}: the detector finds the key in its PEM, base64url, hex and base64",
            all(leaks(x, secrets) for x in probes))
    with Server(t, config=cfg, env=TRACE, tls=tls) as s:
        statuses = exercise(s, v26="attestation_token_broker" in cfg and
                            isinstance(cfg["attestation_token_broker"], dict))
        t.check(f"{label}: the requests ran (a 200 token and failures)",
                statuses[0] == 200 and any(x >= 400 for x in statuses), statuses)
        log = s.stderr()
        t.check(f"{label}: trace logging is on (debug/trace lines present)",
                " TRACE " in log or " DEBUG " in log, log[-500:])
        t.check(f"{label}: the log names the key file", path in log)
        found = leaks(log, secrets)
        t.check(f"{label}: no private key material in {len(log.splitlines())} log lines",
                not found, found)
    # after shutdown (the harness has checked exit 0 / sanitizers)
    return secrets


def startup_failures(d, rsa_key):
    """A damaged or unsupported key file stops start-up; the one error line
    must not quote the file."""
    _, pem = write_key(d, "whole.key", rsa_key, serialization.PrivateFormat.PKCS8)
    lines = pem.decode().splitlines()
    damaged = {
        "truncated PEM": "\n".join(lines[:len(lines) // 2]) + "\n",
        "one body line altered": "\n".join(lines[:3] + [lines[3][::-1]] + lines[4:]) + "\n",
        "END line missing": "\n".join(lines[:-1]) + "\n",
        "garbage between BEGIN and END": "\n".join([lines[0], lines[1] + "!!", *lines[2:]]) + "\n",
    }
    p384 = ec.generate_private_key(ec.SECP521R1())
    _, p521_pem = write_key(d, "p521.key", p384, serialization.PrivateFormat.PKCS8)
    damaged["unsupported EC curve P-521"] = p521_pem.decode()
    secrets = {"PEM body": pem_lines(pem) | pem_lines(p521_pem),
               "private scalars": secret_renderings(private_numbers(rsa_key) +
                                                    private_numbers(p384))}
    for what, text in damaged.items():
        path = os.path.join(d, "bad.key")
        with open(path, "w") as f:
            f.write(text)
        for config in [{"attestation_token_config": {"signer": {"key_path": path}}},
                       {"attestation_token_broker": {"signer": {"key_path": path}}}]:
            config["work_dir"] = os.path.join(d, "work")
            cfg_path = os.path.join(d, "bad.json")
            with open(cfg_path, "w") as f:
                json.dump(config, f)
            p = run_binary(["--socket", f"127.0.0.1:{free_port()}", "--config-file", cfg_path],
                           env=TRACE)
            err = p.stderr.decode("utf-8", "replace")
            mode = "2026" if "attestation_token_broker" in config else "2024"
            t.check(f"{mode} signer key with {what}: start-up refused without quoting the key",
                    p.returncode != 0 and "restful-as: error:" in err and not leaks(err, secrets),
                    f"exit {p.returncode}; {leaks(err, secrets)}; {err[-300:]!r}")
        # the same broken file as the HTTPS key
        cert = self_signed(d, rsa_key)
        p = run_binary(["--socket", f"127.0.0.1:{free_port()}", "-t", cert, "-k", path],
                       env=dict(TRACE, AS_WORK_DIR=os.path.join(d, "work")))
        err = p.stderr.decode("utf-8", "replace")
        t.check(f"HTTPS key with {what}: start-up refused without quoting the key",
                p.returncode != 0 and not leaks(err, secrets),
                f"exit {p.returncode}; {leaks(err, secrets)}; {err[-300:]!r}")


with tempfile.TemporaryDirectory(prefix="as-logs-") as d:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    tls_key = ec.generate_private_key(ec.SECP384R1())
    simple = {"attestation_token_broker": "Simple",
              "attestation_token_config": {"signer": {"key_path": "@KEY@"}}}
    ear = {"attestation_token_broker": {"signer": {"key_path": "@KEY@"}}}
    run_mode(d, "2024 RSA PKCS#8", rsa_key, serialization.PrivateFormat.PKCS8, simple)
    run_mode(d, "2024 RSA PKCS#1 over HTTPS", rsa_key,
             serialization.PrivateFormat.TraditionalOpenSSL, simple, tls_key=tls_key)
    run_mode(d, "2026 EC P-256 PKCS#8", ec_key, serialization.PrivateFormat.PKCS8, ear)
    run_mode(d, "2026 EC P-256 SEC1 over HTTPS", ec_key,
             serialization.PrivateFormat.TraditionalOpenSSL, ear, tls_key=rsa_key)
    startup_failures(d, rsa_key)

t.finish()
