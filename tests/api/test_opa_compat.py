"""test_opa_compat.py - the OPA generation switch end to end
(docs/rego-builtins.md): the service's config key policy_opa_compat and
`as-tool rego eval --opa-compat`.

Service: a policy whose decision differs between OPA 2025 and 2026
(graphql.is_valid with a nullable variable for a non-null argument with a
default; strings.render_template with a missing key) is denied (403) with
the default and with "2025", allowed (200 + token) with "2026"; a policy
that means the same in both is allowed in both; a value other than
"2025"/"2026" stops the start-up with one line naming the key.

as-tool: `rego --help` documents the flag; the flag picks the behaviour of
numbers.range_step's error and render_template; a bad value is a usage
error (exit 2); `as-tool verify --config` follows the config key."""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_TOOL, Checks, Server, b64url, require_binary, run_binary  # noqa: E402

require_binary()
t = Checks("opa_compat")

EVIDENCE = b64url(json.dumps({"svn": "1", "report_data": "YWFhYWE="}, separators=(",", ":")))

GRAPHQL_POLICY = """package policy
import rego.v1

default allow := false

allow if graphql.is_valid(
    `query Q($n: String) { user(name: $n) }`,
    `type Query { user(name: String! = "x"): String }`,
)
"""

TEMPLATE_POLICY = """package policy
import rego.v1

default allow := false

allow if strings.render_template(`{{if .debug}}debug{{else}}plain{{end}}`, {}) == "plain"
"""

SAME_POLICY = """package policy
import rego.v1

default allow := false

allow if numbers.range_step(1, 6, 2) == [1, 3, 5]
"""


def put_policy(s, pid, text):
    r = s.request("POST", "/policy", json_body={"policy_id": pid, "policy": b64url(text)})
    t.check(f"set policy {pid} -> 200", r.status == 200, r)


def attest(s, pid):
    return s.request("POST", "/attestation",
                     json_body={"tee": "sample", "evidence": EVIDENCE,
                                "runtime_data": {"raw": "YWFhYWE"}, "policy_ids": [pid]})


def decisions(config, label):
    with Server(t, config=config) as s:
        put_policy(s, "gql", GRAPHQL_POLICY)
        put_policy(s, "tmpl", TEMPLATE_POLICY)
        put_policy(s, "same", SAME_POLICY)
        out = {pid: attest(s, pid) for pid in ("gql", "tmpl", "same")}
        t.check(f"{label}: a policy meaning the same in both generations -> 200",
                out["same"].status == 200, out["same"])
        return out


for config, label in ((None, "default config"), ({"policy_opa_compat": "2025"}, "2025")):
    r = decisions(config, label)
    t.check_error(r["gql"], 403, "policy_denied",
                  what=f"{label}: graphql nullable variable for a defaulted argument -> 403")
    t.check_error(r["tmpl"], 403, "policy_denied",
                  what=f"{label}: render_template with a missing key (an error, so undefined) "
                  "-> 403")

r = decisions({"policy_opa_compat": "2026"}, "2026")
t.check("2026: graphql nullable variable for a defaulted argument -> 200 token",
        r["gql"].status == 200 and r["gql"].text.count(".") == 2, r["gql"])
t.check("2026: render_template with a missing key renders the else branch -> 200",
        r["tmpl"].status == 200, r["tmpl"])

with tempfile.TemporaryDirectory(prefix="as-compat-") as d:
    bad = os.path.join(d, "bad.json")
    with open(bad, "w") as f:
        json.dump({"work_dir": d, "policy_opa_compat": "2030"}, f)
    p = run_binary(["--socket", "127.0.0.1:1", "--config-file", bad])
    err = p.stderr.decode(errors="replace")
    t.check("policy_opa_compat \"2030\": start-up fails naming the key",
            p.returncode != 0 and "`policy_opa_compat` must be \"2025\" or \"2026\"" in err,
            f"exit {p.returncode}: {err[-400:]}")


def as_tool(*args):
    return subprocess.run([AS_TOOL, *args], capture_output=True, text=True, timeout=60)


if not AS_TOOL or not os.access(AS_TOOL, os.X_OK):
    t.skip("as-tool --opa-compat", "AS_TOOL is not set")
else:
    h = as_tool("rego", "--help")
    t.check("as-tool rego --help documents --opa-compat 2025|2026",
            h.returncode == 0 and "--opa-compat 2025|2026" in h.stdout, h.stdout[-600:])
    q = "x := numbers.range_step(1, 5, 0)"
    for flag, want in (((), "step must be a positive number above zero"),
                       (("--opa-compat", "2025"), "step must be a positive number above zero"),
                       (("--opa-compat=2026",), "step must be a positive integer")):
        e = as_tool("rego", "eval", *flag, "--strict-builtin-errors", q)
        msg = ""
        try:
            msg = json.loads(e.stdout)["errors"][0]["message"]
        except (ValueError, KeyError, IndexError):
            pass
        t.check(f"as-tool rego eval {' '.join(flag) or '(default)'}: range_step error is '{want}'",
                e.returncode == 1 and msg == "numbers.range_step: " + want, e.stdout[-400:])
    e = as_tool("rego", "eval", "--opa-compat", "2026",
                "x := strings.render_template(`{{.nope}}`, {})")
    t.check("as-tool --opa-compat 2026: render_template missing key -> <undefined>",
            e.returncode == 0 and '"x": "\\u003cundefined\\u003e"' in e.stdout, e.stdout[-400:])
    e = as_tool("rego", "eval", "--opa-compat", "2024", "x := 1")
    t.check("as-tool --opa-compat 2024 -> usage error (exit 2)",
            e.returncode == 2 and "usage" in e.stderr, e.stderr[-300:])
    # as-tool verify takes the generation from --config
    with tempfile.TemporaryDirectory(prefix="as-compat-") as d:
        files = {"ev.json": '{"svn":"1","report_data":"YWFhYWE="}', "policy.rego": TEMPLATE_POLICY,
                 "c25.json": "{}", "c26.json": '{"policy_opa_compat": "2026"}'}
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        for conf, want in (("c25.json", False), ("c26.json", True)):
            v = as_tool("verify", "--tee", "sample", "--evidence", os.path.join(d, "ev.json"),
                        "--runtime-data-raw", "YWFhYWE", "--policy", os.path.join(d, "policy.rego"),
                        "--config", os.path.join(d, conf))
            t.check(f"as-tool verify --config {conf}: render_template policy allowed = {want}",
                    f'"allowed": {"true" if want else "false"}' in v.stdout, v.stdout[-600:])

t.finish()
