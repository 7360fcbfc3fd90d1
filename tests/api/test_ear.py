"""test_ear.py - the 2026 mode through the real binaries: restful-as started
with a 2026 configuration (attestation_token_broker as an object, LocalFs
storage) answers the V26 sample request of api.md §11.2 with an ES256 EAR
token that verifies with python3-jwt against its header jwk and against
/.well-known/jwks.json; its claims are those api.md §11.2 and tokens.md §2
list; registering the sample reference values (our LocalFs layout:
<dir_path>/reference_value/<name>.json records) moves the appraisal from
contraindicated to affirming; batches give one submod per evidence;
GET /policy lists ids only (the four built-ins included) and a replaced
built-in survives a restart; `as-tool verify --ear` prints the same
appraisal offline.

Run with /usr/bin/python3 (python3-jwt, python3-jwcrypto); see harness.py.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_TOOL, Checks, Server, b64url  # noqa: E402

try:
    import jwt
    import verify_token
except ImportError as e:  # the Debian modules are missing
    print(f"skipped: {e}")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(77)

t = Checks("ear")

# ---- api.md §11.2 ----
EVIDENCE = ("eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJxSzFjMkc4SUpOaFpjR0pmYVh2UEJmN3g0QkNOMU1HdzNOZVVJ"
            "MzUwNnJnWEtTdjk1SlFTdktYaU5qaDVPUXcxIn0")
REPORT_DATA = "qK1c2G8IJNhZcGJfaXvPBf7x4BCN1MGw3NeUI3506rgXKSv95JQSvKXiNjh5OQw1"
RUNTIME = {"nonce": "1234567890abcdef",
           "tee-pubkey": {"kty": "EC", "crv": "P-256", "alg": "ES256", "x": "abc", "y": "def"}}
TOML = 'version = "0.1.0"\nalgorithm = "sha256"\n\n[data]\n"key1" = "value1"\n'
ITEM = {"tee": "sample", "evidence": EVIDENCE, "runtime_data": {"structured": RUNTIME},
        "init_data": {"init_data_toml": TOML}}
REQUEST = {"verification_requests": [ITEM], "policy_ids": []}
SAMPLE_CLAIMS = {"debug": False, "launch_digest": "abcde",
                 "platform_version": {"major": 1, "minor": 4}, "svn": "1"}
BUILTINS = {"default_cpu", "default_gpu", "default_switch", "default_ppcie"}
REFERENCE_VALUES = {"launch_digest": ["abcde"], "svn": ["1"], "major_version": 1,
                    "minimum_minor_version": 0}

storage = tempfile.mkdtemp(prefix="as-ear-storage-")
CONFIG = {
    "attestation_token_broker": {"duration_min": 7, "issuer_name": "ear-test"},
    "storage_backend": {"storage_type": "LocalFs", "backends": {"local_fs": {"dir_path": storage}}},
    "rvps_config": {"type": "BuiltIn"},
}


def vector(configuration, executables, hardware):
    return {"configuration": configuration, "executables": executables, "file-system": 0,
            "hardware": hardware, "instance-identity": 0, "runtime-opaque": 0,
            "sourced-data": 0, "storage-opaque": 0}


def register(values, expiration="2099-01-01T00:00:00Z"):
    """Reference values in our LocalFs layout (docs/pipeline.md)."""
    d = os.path.join(storage, "reference_value")
    os.makedirs(d, exist_ok=True)
    for name, value in values.items():
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump({"version": "0.1.0", "name": name, "expiration": expiration,
                       "value": value}, f)


def verified_payload(srv, token, what):
    """Verifies the ES256 token with the header jwk and with the JWKS
    (verify_token.py: jwcrypto + PyJWT), then decodes it with PyJWT from the
    header jwk (signature, exp, iat checked) and returns the claims."""
    try:
        parts, header, raw = verify_token.split_token(token)
        verify_token.verify_with_header_jwk(token, header)
        r = srv.request("GET", "/.well-known/jwks.json")
        verify_token.verify_with_jwks(token, header, r.json())
        key = jwt.PyJWK(header["jwk"], algorithm="ES256").key
        claims = jwt.decode(token, key=key, algorithms=["ES256"],
                            options={"require": ["exp", "iat"]})
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        t.check(f"{what}: token verifies (ES256, header jwk and JWKS)", False, repr(e))
        return None
    t.check(f"{what}: token verifies (ES256, header jwk and JWKS)",
            header.get("alg") == "ES256" and json.loads(raw) == claims, header)
    return claims


def attest(srv, body, what):
    r = srv.request("POST", "/attestation", json_body=body)
    ok = t.check(f"{what}: 200 application/jwt", r.status == 200 and
                 r.content_type().startswith("application/jwt"), f"{r.status} {r.text[:300]}")
    return verified_payload(srv, r.text, what) if ok else None


def check_sample_claims(c, before):
    t.check("eat_profile", c.get("eat_profile") ==
            "tag:github.com,2024:confidential-containers/Trustee", c.get("eat_profile"))
    t.check("iat is now, exp = iat + 7 min", before - 5 <= c.get("iat", 0) <= time.time() + 5
            and c.get("exp") == c.get("iat", 0) + 420, (c.get("iat"), c.get("exp")))
    t.check("iss from the config", c.get("iss") == "ear-test", c.get("iss"))
    t.check("ear.verifier-id", c.get("ear.verifier-id") ==
            {"developer": "https://confidentialcontainers.org",
             "build": "attestation-service 0.1.0"}, c.get("ear.verifier-id"))
    t.check("no nbf / jti in an EAR token", "nbf" not in c and "jti" not in c, sorted(c))
    subs = c.get("submods", {})
    t.check("one submod, cpu0", list(subs) == ["cpu0"], list(subs))
    cpu0 = subs.get("cpu0", {})
    t.check("empty RVPS: ear.status contraindicated", cpu0.get("ear.status") == "contraindicated",
            cpu0.get("ear.status"))
    t.check("empty RVPS: executables 33, hardware 97, configuration 2",
            cpu0.get("ear.trustworthiness-vector") == vector(2, 33, 97),
            cpu0.get("ear.trustworthiness-vector"))
    t.check("ear.appraisal-policy-id is policy_ids[0] (default)",
            cpu0.get("ear.appraisal-policy-id") == "default", cpu0.get("ear.appraisal-policy-id"))
    t.check("identifiers extension", cpu0.get("ear.trustee.identifiers") == {"validated": {}},
            cpu0.get("ear.trustee.identifiers"))
    ev = cpu0.get("ear.veraison.annotated-evidence", {})
    t.check("annotated evidence: report_data is the evidence's",
            ev.get("report_data") == REPORT_DATA, ev.get("report_data"))
    t.check("annotated evidence: init_data = std b64 of SHA-256 of the TOML",
            ev.get("init_data") == "kAdE4sDDIkW3ovU/HTmfCtY5TOPjM9phqh7Yv+5dVHg=",
            ev.get("init_data"))
    t.check("annotated evidence: init_data_claims", ev.get("init_data_claims") ==
            {"key1": "value1"}, ev.get("init_data_claims"))
    t.check("annotated evidence: runtime_data_claims", ev.get("runtime_data_claims") == RUNTIME,
            ev.get("runtime_data_claims"))
    t.check("annotated evidence: sample claims", ev.get("sample") == SAMPLE_CLAIMS,
            ev.get("sample"))
    t.check("annotated evidence has exactly those five members", set(ev) ==
            {"report_data", "init_data", "init_data_claims", "runtime_data_claims", "sample"},
            sorted(ev))


def policy_ids(srv):
    r = srv.request("GET", "/policy")
    body = r.json()
    ok = r.status == 200 and isinstance(body, list) and all(
        isinstance(e, dict) and set(e) == {"policy-id"} for e in body)
    t.check("GET /policy -> [{\"policy-id\"}] only", ok, r.text[:300])
    return {e["policy-id"] for e in body} if ok else set()


def set_policy(srv, pid, text):
    return srv.request("POST", "/policy", json_body={"policy_id": pid, "policy": b64url(text)})


with Server(t, config=CONFIG) as srv:
    before = time.time()
    claims = attest(srv, REQUEST, "V26 sample request")
    if claims:
        check_sample_claims(claims, before)

    ids = policy_ids(srv)
    t.check("the four built-ins are listed, not the 2024 default", BUILTINS <= ids and
            "default" not in ids, sorted(ids))

    register(REFERENCE_VALUES)
    claims = attest(srv, REQUEST, "with the sample reference values")
    cpu0 = (claims or {}).get("submods", {}).get("cpu0", {})
    t.check("registered values: ear.status affirming", cpu0.get("ear.status") == "affirming",
            cpu0.get("ear.status"))
    t.check("registered values: executables 3, hardware 2, configuration 2",
            cpu0.get("ear.trustworthiness-vector") == vector(2, 3, 2),
            cpu0.get("ear.trustworthiness-vector"))
    register({"svn": ["1"]}, expiration="2020-01-01T00:00:00Z")
    claims = attest(srv, REQUEST, "with an expired svn record")
    cpu0 = (claims or {}).get("submods", {}).get("cpu0", {})
    t.check("an expired record counts as absent: hardware 97",
            cpu0.get("ear.trustworthiness-vector", {}).get("hardware") == 97,
            cpu0.get("ear.trustworthiness-vector"))
    register({"svn": ["1"]})

    raw_ev = b64url(json.dumps({"svn": "9", "report_data": base64.b64encode(b"second").decode()}))
    second = {"tee": "sample", "evidence": raw_ev, "runtime_data": {"raw": b64url(b"second")}}
    claims = attest(srv, {"verification_requests": [ITEM, second], "policy_ids": []},
                    "two-element batch")
    subs = (claims or {}).get("submods", {})
    t.check("batch: submods cpu0 and cpu1", sorted(subs) == ["cpu0", "cpu1"], sorted(subs))
    t.check("batch: each submod appraised from its own evidence",
            subs.get("cpu0", {}).get("ear.status") == "affirming" and
            subs.get("cpu1", {}).get("ear.status") == "contraindicated" and
            subs.get("cpu1", {}).get("ear.veraison.annotated-evidence", {}).get("sample", {})
            .get("svn") == "9", json.dumps(subs)[:400])
    t.check("batch: raw runtime data gives runtime_data_claims null, no init data members",
            subs.get("cpu1", {}).get("ear.veraison.annotated-evidence", {}) .keys() ==
            {"report_data", "runtime_data_claims", "sample"} and
            subs["cpu1"]["ear.veraison.annotated-evidence"]["runtime_data_claims"] is None,
            json.dumps(subs.get("cpu1"))[:400])

    bad = dict(second, runtime_data={"raw": b64url(b"other")})
    r = srv.request("POST", "/attestation",
                    json_body={"verification_requests": [ITEM, bad], "policy_ids": []})
    t.check_error(r, 403, "report_data_mismatch", "a failing element aborts the batch",
                  detail_has="verification_requests[1]")
    r = srv.request("POST", "/attestation",
                    json_body={"verification_requests": [ITEM], "policy_ids": ["nope"]})
    t.check_error(r, 404, "policy_not_found", "policy_ids[0]_cpu must exist",
                  detail_has="nope_cpu")
    r = srv.request("POST", "/attestation",
                    json_body={"verification_requests": [], "policy_ids": []})
    t.check("empty verification_requests -> 400", r.status == 400, r.text)

    r = set_policy(srv, "legacy", "package policy\ndefault allow = false\nallow { true }\n")
    t.check_error(r, 400, "invalid_policy", "2024 (Rego v0) policies are refused in V26")
    r = set_policy(srv, "mine_cpu", "package policy\n\ntrust_claims := {\"hardware\": 2}\n")
    t.check("POST /policy mine_cpu -> 200", r.status == 200, r.text)
    claims = attest(srv, {"verification_requests": [ITEM], "policy_ids": ["mine", "other"]},
                    "policy_ids [mine, other]")
    cpu0 = (claims or {}).get("submods", {}).get("cpu0", {})
    t.check("mine_cpu is used and named mine", cpu0.get("ear.appraisal-policy-id") == "mine" and
            cpu0.get("ear.trustworthiness-vector") == {"hardware": 2} and
            cpu0.get("ear.status") == "affirming", json.dumps(cpu0)[:300])
    t.check("GET /policy lists mine_cpu", "mine_cpu" in policy_ids(srv))
    r = srv.request("DELETE", "/policy/default_cpu")
    t.check_error(r, 403, "forbidden", "built-ins cannot be deleted")

    # a replaced built-in survives a restart (written only when absent)
    r = set_policy(srv, "default_cpu", "package policy\ntrust_claims := {\"hardware\": 3}\n")
    t.check("POST /policy default_cpu -> 200", r.status == 200, r.text)
    srv.stop()
    srv.start()
    claims = attest(srv, REQUEST, "after a restart")
    cpu0 = (claims or {}).get("submods", {}).get("cpu0", {})
    t.check("the operator's default_cpu was kept", cpu0.get("ear.trustworthiness-vector") ==
            {"hardware": 3}, cpu0.get("ear.trustworthiness-vector"))

# ---- as-tool verify --ear ----
if not AS_TOOL or not os.access(AS_TOOL, os.X_OK):
    t.skip("as-tool verify --ear", "AS_TOOL is not set")
else:
    d = tempfile.mkdtemp(prefix="as-ear-tool-")
    files = {"ev.json": base64.urlsafe_b64decode(EVIDENCE + "==").decode(),
             "rd.json": json.dumps(RUNTIME), "init.toml": TOML,
             "rv.json": json.dumps(REFERENCE_VALUES)}
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    base = [AS_TOOL, "verify", "--tee", "sample", "--evidence", f"{d}/ev.json",
            "--runtime-data-json", f"{d}/rd.json", "--init-data-toml", f"{d}/init.toml"]
    for label, extra, status in (("--ear", ["--ear"], "contraindicated"),
                                 ("--ear --reference-values", ["--ear", "--reference-values",
                                                               f"{d}/rv.json"], "affirming")):
        cp = subprocess.run(base + extra + ["--token"], capture_output=True, timeout=60)
        out = json.loads(cp.stdout or b"{}")
        cpu0 = out.get("ear", {}).get("submods", {}).get("cpu0", {})
        t.check(f"as-tool verify {label}: exit 0, {status}", cp.returncode == 0 and
                cpu0.get("ear.status") == status and out.get("tee") == "sample",
                (cp.returncode, cp.stderr.decode()[:300], json.dumps(cpu0)[:300]))
        t.check(f"as-tool verify {label}: the printed appraisal is the token's payload",
                json.loads(verify_token.split_token(out.get("token", "a.b.c"))[2] or b"null")
                == out.get("ear") if out.get("token") else False)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"attestation_token_broker": {"profile_name": "tag:example,2026:test"}}, f)
    cp = subprocess.run(base + ["--config", f"{d}/config.json"], capture_output=True, timeout=60)
    out = json.loads(cp.stdout or b"{}")
    t.check("as-tool verify --config (2026 layout) selects EAR", cp.returncode == 0 and
            out.get("ear", {}).get("eat_profile") == "tag:example,2026:test" and
            "token" not in out, cp.stdout.decode()[:300])
    shutil.rmtree(d, ignore_errors=True)

shutil.rmtree(storage, ignore_errors=True)
t.finish()
