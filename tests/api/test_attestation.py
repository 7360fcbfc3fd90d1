"""test_attestation.py - the sample-TEE requests of api.md §11.2 end to end:
V24 structured (sha384) and raw runtime data, the V26 batch with
init_data_toml; each -> 200 application/jwt, the JWT verified with
python3-jwt (RS384) against the jwk in its header AND the key published at
/.well-known/jwks.json, with the claims of tokens.md §1.4.

Besides the untouched default policy, an explicit allow-all policy is used
so the token path is checked on its own."""

import base64
import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, b64url  # noqa: E402

t = Checks("attestation")
try:
    import jwt
    from jwt.algorithms import RSAAlgorithm
except ImportError:
    t.skip("JWT checks", "python3-jwt is not installed")
    t.finish()

STRUCTURED = {"nonce": "1234567890abcdef",
              "tee-pubkey": {"kty": "EC", "crv": "P-256", "alg": "ES256", "x": "abc", "y": "def"}}
CANON = json.dumps(STRUCTURED, sort_keys=True, separators=(",", ":"))
DIGEST = hashlib.sha384(CANON.encode()).digest()
REPORT_DATA = base64.b64encode(DIGEST).decode()  # standard, padded (inside evidence)
EVIDENCE = b64url(json.dumps({"svn": "1", "report_data": REPORT_DATA}, separators=(",", ":")))
DEFAULT_HASH = ("c0e7929671fb6780387f54760d84d65d2ce96093dfb33efda21f5eb05afcda77bba444c02cd177b"
                "23a5d350716726157")
ALLOW_ALL = "package policy\n\ndefault allow = true\n"
TOML = 'version = "0.1.0"\nalgorithm = "sha256"\n\n[data]\n"key1" = "value1"\n'

V24_STRUCTURED = {"tee": "sample", "evidence": EVIDENCE,
                  "runtime_data": {"structured": STRUCTURED},
                  "runtime_data_hash_algorithm": "sha384", "policy_ids": []}
V24_RAW = {"tee": "sample", "evidence": "eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJZV0ZoWVdFPSJ9",
           "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": []}
V26_BATCH = {"verification_requests": [{"tee": "sample", "evidence": EVIDENCE,
                                        "runtime_data": {"structured": STRUCTURED},
                                        "init_data": {"init_data_toml": TOML}}],
             "policy_ids": []}


def jwk_public_key(jwk):
    return RSAAlgorithm.from_jwk(json.dumps(jwk))


def verify(what, token, jwks):
    """Checks the compact form and both signatures; returns the claims."""
    t.check(f"{what}: compact JWS of three base64url parts",
            re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token) is not None,
            token[:80])
    header = jwt.get_unverified_header(token)
    t.check(f"{what}: header alg RS384, typ JWT, no kid",
            header.get("alg") == "RS384" and header.get("typ") == "JWT" and "kid" not in header,
            header)
    jwk = header.get("jwk") or {}
    t.check(f"{what}: header jwk is a public RS384 RSA key",
            jwk.get("kty") == "RSA" and jwk.get("alg") == "RS384" and "d" not in jwk
            and jwk.get("e") == "AQAB", jwk)
    opts = {"verify_aud": False}
    claims = None
    try:
        claims = jwt.decode(token, key=jwk_public_key(jwk), algorithms=["RS384"], options=opts)
        t.check(f"{what}: signature verifies with the header jwk", True)
    except Exception as e:  # noqa: BLE001
        t.check(f"{what}: signature verifies with the header jwk", False, e)
    published = [k for k in jwks.get("keys", []) if k.get("n") == jwk.get("n")]
    t.check(f"{what}: the header key is the one published in the JWKS", len(published) == 1,
            jwks)
    if published:
        try:
            jwt.decode(token, key=jwk_public_key(published[0]), algorithms=["RS384"], options=opts)
            t.check(f"{what}: signature verifies with the JWKS key", True)
        except Exception as e:  # noqa: BLE001
            t.check(f"{what}: signature verifies with the JWKS key", False, e)
    for bad in (token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),):
        try:
            jwt.decode(bad, key=jwk_public_key(jwk), algorithms=["RS384"], options=opts)
            t.check(f"{what}: a tampered signature is rejected", False)
        except jwt.InvalidTokenError:
            t.check(f"{what}: a tampered signature is rejected", True)
    return claims or {}


def check_simple_claims(what, c, runtime_data, tcb_report_data, reports=None):
    keys = {"customized_claims", "evaluation-reports", "exp", "iat", "iss", "jti", "nbf",
            "reference-data", "tcb-status", "tee"}
    t.check(f"{what}: exactly the claims of tokens.md §1.4", set(c) == keys, sorted(c))
    t.check(f"{what}: tee is sample", c.get("tee") == "sample", c.get("tee"))
    t.check(f"{what}: iss default", c.get("iss") == "CoCo-Attestation-Service", c.get("iss"))
    iat = c.get("iat", 0)
    t.check(f"{what}: iat is now", abs(iat - time.time()) < 120, iat)
    t.check(f"{what}: nbf == iat and exp == iat + 300",
            c.get("nbf") == iat and c.get("exp") == iat + 300, (c.get("nbf"), c.get("exp")))
    t.check(f"{what}: jti is 10 alphanumerics",
            re.fullmatch(r"[A-Za-z0-9]{10}", str(c.get("jti"))) is not None, c.get("jti"))
    t.check(f"{what}: tcb-status of the sample evidence",
            c.get("tcb-status") == {"init_data": "", "report_data": tcb_report_data,
                                    "sample.svn": "1"}, c.get("tcb-status"))
    reports = reports or [{"policy-hash": DEFAULT_HASH, "policy-id": "default"}]
    t.check(f"{what}: evaluation-reports name the evaluated policies with hex SHA-384",
            c.get("evaluation-reports") == reports, c.get("evaluation-reports"))
    t.check(f"{what}: customized_claims", c.get("customized_claims") ==
            {"init_data": None, "runtime_data": runtime_data}, c.get("customized_claims"))
    t.check(f"{what}: reference-data is empty", c.get("reference-data") == {},
            c.get("reference-data"))


def attest(s, what, body, jwks, runtime_data, tcb_report_data, reports=None):
    r = s.request("POST", "/attestation", json_body=body)
    t.check(f"{what}: 200", r.status == 200, r)
    t.check(f"{what}: Content-Type application/jwt", r.content_type() == "application/jwt",
            r.content_type())
    t.check(f"{what}: no trailing newline", not r.body.endswith(b"\n"))
    if r.status != 200:
        return None
    claims = verify(what, r.text, jwks)
    if tcb_report_data is not None:
        check_simple_claims(what, claims, runtime_data, tcb_report_data, reports)
    return claims


with Server(t) as srv:
    r = srv.request("GET", "/.well-known/jwks.json")
    jwks = r.json() or {}
    t.check("GET /.well-known/jwks.json -> 200 application/json with one key",
            r.status == 200 and r.content_type().startswith("application/json")
            and len(jwks.get("keys", [])) == 1, r)
    t.check("JWKS key is public (no private members)",
            all(not set(k) & {"d", "p", "q", "dp", "dq", "qi"} for k in jwks.get("keys", [])),
            jwks)

    # an explicit allow-all policy: the token path independent of the default policy
    r = srv.request("POST", "/policy", json_body={"policy_id": "allow-all",
                                                   "policy": b64url(ALLOW_ALL)})
    t.check("set the allow-all policy -> 200", r.status == 200, r)
    allow_report = {"policy-hash": hashlib.sha384(ALLOW_ALL.encode()).hexdigest(),
                    "policy-id": "allow-all"}
    attest(srv, "V24 structured, allow-all policy", dict(V24_STRUCTURED, policy_ids=["allow-all"]),
           jwks, STRUCTURED, REPORT_DATA, [allow_report])
    attest(srv, "V24 raw, allow-all listed twice",
           dict(V24_RAW, policy_ids=["allow-all", "allow-all"]), jwks, None, "YWFhYWE=",
           [allow_report])

    claims = attest(srv, "V26 batch, allow-all policy",
                    dict(V26_BATCH, policy_ids=["allow-all"]), jwks, None, None)
    if claims is not None:
        t.check("V26 batch, allow-all policy: token names the sample TEE",
                "sample" in json.dumps(claims), json.dumps(claims)[:300])

    # the untouched default policy (api.md §11.2)
    attest(srv, "V24 structured sha384", V24_STRUCTURED, jwks, STRUCTURED, REPORT_DATA)
    attest(srv, "V24 raw", V24_RAW, jwks, None, "YWFhYWE=")
    claims = attest(srv, "V26 batch + init_data_toml", V26_BATCH, jwks, None, None)
    if claims is not None:
        t.check("V26 batch: token names the sample TEE",
                "sample" in json.dumps(claims), json.dumps(claims)[:300])

    # the same key signs every token of one process; a second request gets a new jti
    raw_allow = dict(V24_RAW, policy_ids=["allow-all"])
    r1 = srv.request("POST", "/attestation", json_body=raw_allow)
    r2 = srv.request("POST", "/attestation", json_body=raw_allow)
    if r1.status == 200 and r2.status == 200:
        j1 = jwt.decode(r1.text, options={"verify_signature": False})["jti"]
        j2 = jwt.decode(r2.text, options={"verify_signature": False})["jti"]
        t.check("two tokens have different jti", j1 != j2, (j1, j2))
    else:
        t.check("repeated request -> 200", False, (r1, r2))

    # curl, as users call it (the original's e2e Makefile)
    cp = srv.curl("-X", "POST", srv.url("/attestation"), "-H", "Content-Type: application/json",
                  "-d", json.dumps(dict(V24_STRUCTURED, policy_ids=["allow-all"])), "-w",
                  "\n%{http_code}")
    if cp is None:
        t.skip("curl POST /attestation", "curl not installed")
    else:
        out = cp.stdout.decode()
        code = out.rsplit("\n", 1)[-1]
        t.check("curl POST /attestation -> 200 with a token",
                code == "200" and out.count(".") >= 2, out[-200:])

t.finish()
