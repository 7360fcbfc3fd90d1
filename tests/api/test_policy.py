"""test_policy.py - the policy endpoints (api.md §7): POST /policy,
GET /policy (id + base64url SHA-384 hash), GET /policy/<id> (raw Rego,
text/plain), DELETE /policy/<id>; concurrent writers never tear a policy;
policies persist in work_dir across a restart (2024 layout)."""

import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, b64url, run_parallel  # noqa: E402

t = Checks("policy")
DEFAULT_LISTING = {"policy-hash": "wOeSlnH7Z4A4f1R2DYTWXSzpYJPfsz79oh9esFr82ne7pETALNF3sjpdNQcWcmFX",
                   "policy-id": "default"}
EXAMPLE = "package policy\n\ndefault allow = true\n"  # api.md §11.3


def listing_hash(text):
    return base64.urlsafe_b64encode(hashlib.sha384(text.encode()).digest()).rstrip(b"=").decode()


def set_policy(s, pid, text):
    return s.request("POST", "/policy", json_body={"policy_id": pid, "policy": b64url(text)})


def crud(s):
    r = s.request("GET", "/policy")
    t.check("GET /policy -> 200 application/json", r.status == 200
            and r.content_type().startswith("application/json"), r)
    t.check("a fresh work_dir lists the default policy with the V24 hash",
            r.json() == [DEFAULT_LISTING], r.text)
    r = s.request("GET", "/policy/default")
    t.check("GET /policy/default -> 200 text/plain Rego", r.status == 200
            and r.content_type().startswith("text/plain") and "package policy" in r.text, r)
    t.check("default policy text hashes to the listed hash",
            listing_hash(r.text) == DEFAULT_LISTING["policy-hash"])

    r = s.request("POST", "/policy", json_body={"policy_id": "some-id",
                                                 "policy": "cGFja2FnZSBwb2xpY3kKCmRlZmF1bHQgYWxsb3cgPSB0cnVlCg"})
    t.check("POST /policy (api.md §11.3 example) -> 200 with an empty body",
            r.status == 200 and r.body == b"", r)
    r = s.request("GET", "/policy/some-id")
    t.check("GET /policy/some-id returns the exact text", r.status == 200 and r.text == EXAMPLE, r)
    listing = {p["policy-id"]: p["policy-hash"] for p in (s.request("GET", "/policy").json() or [])}
    t.check("GET /policy lists some-id with base64url SHA-384 of its text",
            listing.get("some-id") == listing_hash(EXAMPLE), listing)
    r = set_policy(s, "some-id", EXAMPLE.replace("true", "false"))
    t.check("overwriting a policy -> 200", r.status == 200, r)
    t.check("overwrite is visible", "false" in s.request("GET", "/policy/some-id").text)
    r = s.request("POST", "/policy", json_body={"policy_id": "typed", "policy": b64url(EXAMPLE),
                                                 "type": "rego", "extra": [1, 2]})
    t.check("unknown members (type, extra) are ignored -> 200", r.status == 200, r)
    r = s.request("DELETE", "/policy/typed")
    t.check("DELETE /policy/typed -> 200", r.status == 200, r)
    t.check_error(s.request("GET", "/policy/typed"), 404, "policy_not_found",
                  "deleted policy -> 404")
    t.check_error(s.request("DELETE", "/policy/typed"), 404, "policy_not_found",
                  "deleting twice -> 404")
    ids = [p["policy-id"] for p in (s.request("GET", "/policy").json() or [])]
    t.check("listing no longer has the deleted policy", "typed" not in ids, ids)
    return True


def concurrent_writers(s):
    texts = [f"package policy\n\n# writer {i}\n" + "# padding line\n" * (200 + i) +
             "default allow = true\n" for i in range(8)]

    def writer(i):
        codes = []
        for _ in range(10):
            codes.append(set_policy(s, "contended", texts[i]).status)
        return codes

    def reader(i):
        seen = []
        for _ in range(30):
            r = s.request("GET", "/policy/contended")
            seen.append((r.status, r.text))
        return seen

    results = run_parallel(lambda i: writer(i) if i < 8 else reader(i), 12)
    writes = [c for res in results[:8] for c in (res if isinstance(res, list) else [res])]
    t.check("8 threads x 10 concurrent writes all 200", all(c == 200 for c in writes),
            [c for c in writes if c != 200][:5])
    reads = [x for res in results[8:] if isinstance(res, list) for x in res]
    torn = [txt[:60] for st, txt in reads if st == 200 and txt not in texts]
    t.check("concurrent readers never see a torn policy", not torn, torn[:2])
    t.check("concurrent readers get 200 or 404 (before the first write)",
            all(st in (200, 404) for st, _ in reads), {st for st, _ in reads})
    final = s.request("GET", "/policy/contended")
    t.check("final content is exactly one writer's text", final.text in texts, final.text[:80])
    listing = {p["policy-id"]: p["policy-hash"] for p in (s.request("GET", "/policy").json() or [])}
    t.check("listing hash matches the final content",
            listing.get("contended") == listing_hash(final.text), listing.get("contended"))


srv = Server(t)
wrote = False
try:
    wrote = crud(srv)
    if wrote:
        concurrent_writers(srv)
    t.check("server still serving after the policy tests", srv.alive())
finally:
    srv.stop()
if wrote:
    # same work_dir, new process: V24 layout keeps policies in <work_dir>/opa
    srv.start()
    r = srv.request("GET", "/policy/some-id")
    t.check("policies persist across a restart (2024 layout, work_dir/opa)",
            r.status == 200 and "default allow = false" in r.text, r)
    t.check("the policy file lives at work_dir/opa/some-id.rego",
            os.path.isfile(os.path.join(srv.work_dir, "opa", "some-id.rego")))
    srv.stop()
import shutil  # noqa: E402
shutil.rmtree(srv.tmp, ignore_errors=True)
t.finish()
