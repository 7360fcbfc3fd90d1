#!/usr/bin/python3
"""verify_token.py - verify an attestation token (compact JWS) and print its payload.

Usage:  verify_token.py [JWKS_FILE] < token

The token is read from stdin (surrounding whitespace ignored).  It is verified
  (a) with the "jwk" in its own protected header (jwcrypto), and
  (b) if JWKS_FILE is given, with the key of that JWKS document (PyJWT): the
      key whose "kid" matches the header's, else the only key, else any key
      that verifies.
Both must succeed.  The header "alg" must be RS384, ES256 or ES384 and agree
with the key type.  On success the decoded payload bytes are written to
stdout exactly as signed (plus a newline) and the exit status is 0; on any
failure a one-line reason goes to stderr and the exit status is 1 (2 for a
usage error).  Expiry is not checked: callers compare exp/iat themselves.

Run with /usr/bin/python3 (Debian's python3-jwt and python3-jwcrypto).
"""

import base64
import json
import sys

import jwt
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws

ALLOWED_ALGS = {"RS384": "RSA", "ES256": "EC", "ES384": "EC"}
ALG_CURVE = {"ES256": "P-256", "ES384": "P-384"}


class TokenError(Exception):
    pass


def b64url_decode(part):
    if "=" in part or any(c in part for c in "+/ \n"):
        raise TokenError("token part is not base64url without padding")
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, base64.binascii.Error) as e:
        raise TokenError(f"bad base64url: {e}") from e
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != part:
        raise TokenError("non-canonical base64url (non-zero trailing bits)")
    return data


def split_token(token):
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise TokenError("not a compact JWS (three non-empty base64url parts expected)")
    try:
        header = json.loads(b64url_decode(parts[0]))
    except json.JSONDecodeError as e:
        raise TokenError(f"header is not JSON: {e}") from e
    if not isinstance(header, dict):
        raise TokenError("header is not a JSON object")
    b64url_decode(parts[2])  # the libraries are lenient about padding; we are not
    return parts, header, b64url_decode(parts[1])


def check_alg(header, key_dict, where):
    alg = header.get("alg")
    if alg not in ALLOWED_ALGS:
        raise TokenError(f"header alg {alg!r} is not one of {sorted(ALLOWED_ALGS)}")
    if key_dict.get("kty") != ALLOWED_ALGS[alg]:
        raise TokenError(f"{where}: kty {key_dict.get('kty')!r} does not fit alg {alg}")
    if alg in ALG_CURVE and key_dict.get("crv") != ALG_CURVE[alg]:
        raise TokenError(f"{where}: crv {key_dict.get('crv')!r} does not fit alg {alg}")
    if "alg" in key_dict and key_dict["alg"] != alg:
        raise TokenError(f"{where}: key alg {key_dict['alg']!r} differs from header alg {alg}")
    return alg


def verify_with_header_jwk(token, header):
    key_dict = header.get("jwk")
    if not isinstance(key_dict, dict):
        raise TokenError("header has no jwk object")
    if "d" in key_dict or "p" in key_dict:
        raise TokenError("header jwk contains private key material")
    alg = check_alg(header, key_dict, "header jwk")
    try:
        key = jc_jwk.JWK(**key_dict)
        obj = jc_jws.JWS()
        obj.deserialize(token)
        obj.verify(key, alg=alg)
    except Exception as e:  # jwcrypto raises several unrelated types
        raise TokenError(f"signature does not verify with the header jwk: {e!r}") from e


def jwks_candidates(jwks, header):
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise TokenError("JWKS has no keys")
    kid = header.get("kid")
    if kid is not None:
        keys = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid]
        if not keys:
            raise TokenError(f"no JWKS key has kid {kid!r}")
    return keys


def verify_with_jwks(token, header, jwks):
    errors = []
    for key_dict in jwks_candidates(jwks, header):
        try:
            alg = check_alg(header, key_dict, "JWKS key")
            key = jwt.PyJWK(key_dict, algorithm=alg).key
            jwt.api_jws.PyJWS().decode_complete(token, key=key, algorithms=[alg])
            return
        except (TokenError, jwt.PyJWTError, ValueError, TypeError) as e:
            errors.append(repr(e))
    raise TokenError("signature does not verify with the JWKS: " + "; ".join(errors))


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stderr.write(__doc__)
        return 2
    token = sys.stdin.read().strip()
    try:
        parts, header, payload = split_token(token)
        verify_with_header_jwk(token, header)
        if len(argv) == 2:
            with open(argv[1], encoding="utf-8") as f:
                verify_with_jwks(token, header, json.load(f))
    except (TokenError, OSError, json.JSONDecodeError) as e:
        sys.stderr.write(f"verify_token: {e}\n")
        return 1
    sys.stdout.buffer.write(payload + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
