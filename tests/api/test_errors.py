"""test_errors.py - malformed and rejected requests (api.md §3, §4-§7,
§10.2): each gets its documented status and a JSON error {"type","detail"}
with Content-Type application/json, and the server keeps serving."""

import base64
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, b64url  # noqa: E402

t = Checks("errors")

STRUCTURED = {"nonce": "n"}
DIGEST = hashlib.sha384(json.dumps(STRUCTURED, separators=(",", ":")).encode()).digest()
EV_STRUCT = b64url(json.dumps({"svn": "1", "report_data": base64.b64encode(DIGEST).decode()}))
EV_RAW = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}))  # bytes "aaaaa"
ALLOW = "package policy\n\ndefault allow = true\n"
GOOD = {"tee": "sample", "evidence": EV_RAW, "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": []}


def v24(**changes):
    body = dict(GOOD)
    for k, v in changes.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    return body


def v26(item_changes=None, **changes):
    item = {"tee": "sample", "evidence": EV_RAW, "runtime_data": {"raw": "YWFhYWE"}}
    for k, v in (item_changes or {}).items():
        if v is None:
            item.pop(k, None)
        else:
            item[k] = v
    body = {"verification_requests": [item], "policy_ids": []}
    body.update(changes)
    return body


def policy_body(text, pid="p1"):
    return {"policy_id": pid, "policy": b64url(text)}


# (what, method, path, body, status, type, detail substring or None)
CASES = [
    ("malformed JSON", "POST", "/attestation", '{"tee":', 400, "invalid_json", "line 1"),
    ("body is an array", "POST", "/attestation", [], 400, "invalid_request", None),
    ("body is a string", "POST", "/attestation", '"x"', 400, "invalid_request", None),
    ("missing tee", "POST", "/attestation", v24(tee=None), 400, "missing_field", "tee"),
    ("missing evidence", "POST", "/attestation", v24(evidence=None), 400, "missing_field",
     "evidence"),
    ("missing policy_ids", "POST", "/attestation", v24(policy_ids=None), 400, "missing_field",
     "policy_ids"),
    ("tee is a number", "POST", "/attestation", v24(tee=7), 400, "invalid_request", "tee"),
    ("policy_ids is a string", "POST", "/attestation", v24(policy_ids="default"), 400,
     "invalid_request", "policy_ids"),
    ("policy id is a number", "POST", "/attestation", v24(policy_ids=[5]), 400, "invalid_request",
     "policy_ids"),
    ("evidence with '=' padding", "POST", "/attestation", v24(evidence=EV_RAW + "="), 400,
     "invalid_base64", "evidence"),
    ("evidence in the standard alphabet", "POST", "/attestation",
     v24(evidence=EV_RAW.replace("-", "+").replace("_", "/") + "+/"), 400, "invalid_base64",
     "evidence"),
    ("evidence with a newline", "POST", "/attestation", v24(evidence=EV_RAW[:8] + "\n" + EV_RAW[8:]),
     400, "invalid_base64", None),
    ("evidence of length 1 mod 4", "POST", "/attestation", v24(evidence="QUJDR"), 400,
     "invalid_base64", None),
    ("evidence that is not JSON", "POST", "/attestation", v24(evidence=b64url("not json")), 400,
     "invalid_evidence", None),
    ("sample evidence without svn", "POST", "/attestation",
     v24(evidence=b64url('{"report_data":"YWFhYWE="}')), 400, "invalid_evidence", "svn"),
    ("unknown tee", "POST", "/attestation", v24(tee="foo"), 400, "unsupported_tee", "foo"),
    ("tee in the wrong case", "POST", "/attestation", v24(tee="SAMPLE"), 400, "unsupported_tee",
     None),
    ("tee sev (no verifier in the original)", "POST", "/attestation", v24(tee="sev"), 501,
     "not_implemented", "sev"),
    ("runtime_data with raw and structured", "POST", "/attestation",
     v24(runtime_data={"raw": "YWFhYWE", "structured": {}}), 400, "invalid_request",
     "runtime_data"),
    ("runtime_data with an unknown member", "POST", "/attestation",
     v24(runtime_data={"bytes": "YWFhYWE"}), 400, "invalid_request", "runtime_data"),
    ("runtime_data raw with padding", "POST", "/attestation", v24(runtime_data={"raw": "YWFhYWE="}),
     400, "invalid_base64", "runtime_data"),
    ("unknown runtime hash algorithm", "POST", "/attestation",
     v24(runtime_data={"structured": STRUCTURED}, evidence=EV_STRUCT,
         runtime_data_hash_algorithm="md5"), 400, "unsupported_hash_algorithm", "md5"),
    ("unknown init data hash algorithm", "POST", "/attestation",
     v24(init_data={"structured": {}}, init_data_hash_algorithm="sha1"), 400,
     "unsupported_hash_algorithm", None),
    ("wrong raw runtime data (binding)", "POST", "/attestation",
     v24(runtime_data={"raw": "YmJiYmI"}), 403, "report_data_mismatch", None),
    ("wrong structured runtime data (binding)", "POST", "/attestation",
     v24(evidence=EV_STRUCT, runtime_data={"structured": {"nonce": "other"}}), 403,
     "report_data_mismatch", None),
    ("wrong hash algorithm for the binding", "POST", "/attestation",
     v24(evidence=EV_STRUCT, runtime_data={"structured": STRUCTURED},
         runtime_data_hash_algorithm="sha512"), 403, "report_data_mismatch", None),
    ("policy id ../x", "POST", "/attestation", v24(policy_ids=["../x"]), 400, "invalid_policy_id",
     None),
    ("unknown policy id", "POST", "/attestation", v24(policy_ids=["no-such-policy"]), 404,
     "policy_not_found", "no-such-policy"),
    ("empty verification_requests", "POST", "/attestation",
     {"verification_requests": [], "policy_ids": []}, 400, "empty_verification_requests", None),
    ("verification_requests not an array", "POST", "/attestation",
     {"verification_requests": {}, "policy_ids": []}, 400, "invalid_request", None),
    ("V26 item without evidence", "POST", "/attestation", v26({"evidence": None}), 400,
     "missing_field", "evidence"),
    ("V26 init_data_digest with padding", "POST", "/attestation",
     v26({"init_data": {"init_data_digest": "YWFhYWE="}}), 400, "invalid_base64", None),
    ("V26 invalid init_data_toml", "POST", "/attestation",
     v26({"init_data": {"init_data_toml": "version = = 1\n"}}), 400, "invalid_initdata", None),
    ("V26 item with tee tpm (not reachable over REST)", "POST", "/attestation",
     v26({"tee": "tpm"}), 400, "unsupported_tee", None),
    ("challenge without tee", "POST", "/challenge", {"tee_params": ""}, 400, "missing_field",
     "tee"),
    ("challenge without tee_params", "POST", "/challenge", {"tee": "sample"}, 400,
     "missing_field", "tee_params"),
    ("challenge with a non-string member", "POST", "/challenge",
     {"tee": "sample", "tee_params": "", "x": 1}, 400, "invalid_request", None),
    ("challenge for an unknown tee", "POST", "/challenge", {"tee": "nope", "tee_params": ""}, 400,
     "unsupported_tee", None),
    ("set policy without policy", "POST", "/policy", {"policy_id": "p"}, 400, "missing_field",
     "policy"),
    ("set policy without policy_id", "POST", "/policy", {"policy": b64url("package policy\n")},
     400, "missing_field", "policy_id"),
    ("set policy with padded base64", "POST", "/policy",
     {"policy_id": "p", "policy": base64.urlsafe_b64encode(b"package policy\n\n").decode()}, 400,
     "invalid_base64", None),
    ("set policy id ../x", "POST", "/policy", policy_body("package policy\n", "../x"), 400,
     "invalid_policy_id", None),
    ("set policy with an empty id", "POST", "/policy", policy_body("package policy\n", ""), 400,
     "invalid_policy_id", None),
    ("set policy with a non-ASCII id", "POST", "/policy", policy_body("package policy\n", "pölicy"),
     400, "invalid_policy_id", None),
    ("set policy that is not UTF-8", "POST", "/policy",
     {"policy_id": "p", "policy": b64url(b"package policy\n\xff\xfe")}, 400, None, None),
    ("get an unknown policy", "GET", "/policy/no-such-policy", None, 404, "policy_not_found", None),
    ("get policy ../x", "GET", "/policy/..%2Fx", None, 400, "invalid_policy_id", None),
    ("delete an unknown policy", "DELETE", "/policy/no-such-policy", None, 404,
     "policy_not_found", None),
    ("delete policy ../x", "DELETE", "/policy/..%2Fx", None, 400, "invalid_policy_id", None),
    ("GET on /attestation", "GET", "/attestation", None, 405, "method_not_allowed", None),
    ("unknown path", "POST", "/attestation/extra", {}, 404, "not_found", None),
]


def run_case(s, case):
    what, method, path, body, status, etype, detail = case
    if isinstance(body, str) and method == "POST":
        r = s.request(method, path, body=body)
    elif body is None:
        r = s.request(method, path)
    else:
        r = s.request(method, path, json_body=body)
    t.check_error(r, status, etype, f"{what} -> {status} {etype or ''}".rstrip(), detail)


with Server(t, config={"max_body_bytes": 1 << 16}) as srv:
    for i, case in enumerate(CASES):
        run_case(srv, case)
        if i % 10 == 9:
            t.check(f"server still serving after {i + 1} bad requests", srv.alive())

    r = srv.request("POST", "/attestation", body=json.dumps(v24(evidence="A" * (1 << 17))))
    t.check_error(r, 413, "payload_too_large", "oversized attestation body -> 413")
    r = srv.request("POST", "/attestation", body=json.dumps(GOOD), content_type="text/plain")
    t.check_error(r, 415, "unsupported_media_type", "text/plain attestation body -> 415")
    r = srv.request("GET", "/attestation")
    t.check("GET /attestation 405 carries Allow: POST", r.header("Allow") == "POST", r.headers)

    r = srv.request("POST", "/policy",
                    json_body=policy_body("package policy\n\nallow {\n  input.x ==\n}\n", "broken"))
    t.check_error(r, 400, "invalid_policy", "invalid Rego policy -> 400 invalid_policy with line:col",
                  detail_re=r"\b[0-9]+:[0-9]+\b")
    t.check_error(srv.request("GET", "/policy/broken"), 404, "policy_not_found",
                  "a rejected policy is not stored")

    # a deny policy: 403 naming it (V24 semantics, policy.md §4)
    deny = "package policy\n\ndefault allow = false\n"
    r = srv.request("POST", "/policy", json_body=policy_body(deny, "deny-all"))
    t.check("set the deny-all policy -> 200", r.status == 200, r)
    r = srv.request("POST", "/attestation", json_body=v24(policy_ids=["deny-all"]))
    t.check_error(r, 403, "policy_denied", "deny policy -> 403 policy_denied naming it", "deny-all")
    r = srv.request("POST", "/policy", json_body=policy_body(ALLOW, "allow-all"))
    t.check("set the allow-all policy -> 200", r.status == 200, r)
    r = srv.request("POST", "/attestation", json_body=v24(policy_ids=["allow-all", "deny-all"]))
    t.check_error(r, 403, "policy_denied", "allow then deny -> 403 naming the denying policy",
                  "deny-all")

    # good requests are still answered correctly after all of the above
    r = srv.request("POST", "/attestation", json_body=v24(policy_ids=["allow-all"]))
    t.check("a good request after the bad ones -> 200", r.status == 200, r)
    r = srv.request("POST", "/attestation", json_body=GOOD)
    t.check("a good request with the default policy -> 200", r.status == 200, r)

t.finish()
