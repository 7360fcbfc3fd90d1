#!/usr/bin/python3
"""test_token_helper.py - checks tests/api/verify_token.py itself.

Tokens are signed here with jwcrypto (RS384, ES256, ES384, the header
carrying the public jwk like ours); the helper must accept them with and
without a JWKS file, print the payload bytes unchanged, and reject every
tampered variant: payload, signature or header changed, a foreign key in
the header or in the JWKS, alg "none" / HS256, an alg that does not fit the
key, private key material in the header.  Exit 77 (skipped) when the Debian
JOSE modules are missing.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

try:
    from jwcrypto import jwk, jws
    import jwt  # noqa: F401  (the helper needs it)
except ImportError as e:
    print(f"skipped: {e} (install python3-jwcrypto and python3-jwt)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, "verify_token.py")
PYTHON = "/usr/bin/python3"

failures = []


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key(alg):
    if alg == "RS384":
        return jwk.JWK.generate(kty="RSA", size=2048)
    return jwk.JWK.generate(kty="EC", crv={"ES256": "P-256", "ES384": "P-384"}[alg])


def public_jwk(key, alg):
    d = json.loads(key.export_public())
    d["alg"] = alg
    return d


def sign(key, alg, payload, header_jwk=None, header_alg=None):
    header = {"alg": header_alg or alg, "typ": "JWT",
              "jwk": header_jwk if header_jwk is not None else public_jwk(key, alg)}
    token = jws.JWS(payload)
    token.add_signature(key, alg=alg, protected=json.dumps(header, sort_keys=True,
                                                           separators=(",", ":")))
    return token.serialize(compact=True)


def write_jwks(tmp, keys):
    path = os.path.join(tmp, "jwks%d.json" % len(os.listdir(tmp)))
    with open(path, "w") as f:
        json.dump({"keys": keys}, f)
    return path


def run(token, jwks_path=None):
    args = [PYTHON, HELPER] + ([jwks_path] if jwks_path else [])
    p = subprocess.run(args, input=token.encode(), capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode()


def expect_ok(name, token, payload, jwks_path=None):
    rc, out, err = run(token, jwks_path)
    if rc != 0 or out != payload + b"\n":
        failures.append(f"{name}: expected acceptance, rc={rc} out={out!r} err={err}")


def expect_reject(name, token, jwks_path=None):
    rc, out, err = run(token, jwks_path)
    if rc != 1 or out or not err.startswith("verify_token: "):
        failures.append(f"{name}: expected rejection, rc={rc} out={out!r} err={err!r}")


def flip_char(part, i):
    return part[:i] + ("A" if part[i] != "A" else "B") + part[i + 1:]


def check_alg(alg, tmp):
    key, other = new_key(alg), new_key(alg)
    payload = b'{"a":"x","b":1,"tcb-status":{"sample.svn":"1"}}'
    good = sign(key, alg, payload)
    pub = public_jwk(key, alg)
    jwks_good = write_jwks(tmp, [dict(pub, kid=key.thumbprint(), use="sig")])
    jwks_other = write_jwks(tmp, [dict(public_jwk(other, alg), kid=other.thumbprint())])
    jwks_two = write_jwks(tmp, [public_jwk(other, alg), public_jwk(key, alg)])

    expect_ok(f"{alg} header jwk", good, payload)
    expect_ok(f"{alg} header jwk + JWKS", good, payload, jwks_good)
    expect_ok(f"{alg} JWKS with two keys", good, payload, jwks_two)
    expect_ok(f"{alg} trailing newline", good + "\n", payload)

    h, p, s = good.split(".")
    expect_reject(f"{alg} tampered payload", ".".join([h, b64url(payload.replace(b"1", b"2")), s]))
    expect_reject(f"{alg} tampered signature", ".".join([h, p, flip_char(s, len(s) // 2)]))
    # the last character may only change unused bits: non-canonical, still refused
    expect_reject(f"{alg} non-canonical signature", ".".join([h, p, flip_char(s, len(s) - 1)]))
    expect_reject(f"{alg} truncated", ".".join([h, p]))
    expect_reject(f"{alg} padded", ".".join([h, p, s + "=="]))
    expect_reject(f"{alg} foreign JWKS", good, jwks_other)
    expect_reject(f"{alg} missing JWKS file", good, os.path.join(tmp, "nope.json"))
    # signed by `other`, but the header claims `key`
    expect_reject(f"{alg} foreign header jwk", sign(other, alg, payload, header_jwk=pub))
    # header altered after signing (x5u added): the signature covers the header
    hdr = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
    hdr["jwk"]["x5u"] = "https://evil.example/"
    expect_reject(f"{alg} tampered header",
                  ".".join([b64url(json.dumps(hdr).encode()), p, s]))
    priv = json.loads(key.export_private())
    priv["alg"] = alg
    expect_reject(f"{alg} private key in header", sign(key, alg, payload, header_jwk=priv))


def check_bad_algs(tmp):
    payload = b'{"x":1}'
    ec = new_key("ES256")
    # alg none: unsigned token carrying a jwk
    hdr = {"alg": "none", "jwk": public_jwk(ec, "ES256"), "typ": "JWT"}
    expect_reject("alg none", b64url(json.dumps(hdr).encode()) + "." + b64url(payload) + ".AA")
    # HS256 with the public jwk's x as secret (the classic confusion attack)
    secret = jwk.JWK(kty="oct", k=public_jwk(ec, "ES256")["x"])
    t = jws.JWS(payload)
    t.add_signature(secret, alg="HS256",
                    protected=json.dumps({"alg": "HS256", "jwk": public_jwk(ec, "ES256")}))
    expect_reject("alg HS256", t.serialize(compact=True))
    # ES384 header with a P-256 key
    tok = sign(ec, "ES256", payload,
               header_jwk=dict(public_jwk(ec, "ES256"), alg="ES384"), header_alg="ES256")
    expect_reject("jwk alg differs from header alg", tok)
    expect_reject("not a token", "hello")
    expect_reject("empty input", "")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for alg in ("RS384", "ES256", "ES384"):
            check_alg(alg, tmp)
        check_bad_algs(tmp)
    for f in failures:
        print("FAIL", f)
    print(f"test_token_helper: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
