"""test_compile_errors_tool.py - `as-tool rego eval` prints every compile
error of the stages before type checking as OPA does (issue #3): each
unsafe variable of every rule, in location order, every rule on a
recursive cycle, every rule conflict, only the earliest failing stage, at
most 10 and then "error limit reached"; POST /policy answers 400 naming the
first."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_BIN, Checks, RegoTool, require_as_tool  # noqa: E402

require_as_tool()
checks = Checks("test_compile_errors_tool", need_bin=False)
check = checks.check
tool = RegoTool("as-ce-")
module = tool.module
summary = RegoTool.summary


def run(args):
    rc, out, _ = tool.run(args)
    return rc, out


U = "rego_unsafe_var_error"

# the example: three unsafe variables, in location order
body = module("body.rego", "package t\n\np if {\n\tx := a - b\n\ty := c\n}\n")
rc, out = run(["--v1", "-d", body, "data.t"])
check("unsafe body: exit 1", rc == 1, rc)
want = [(U, "var a is unsafe", 4, 2), (U, "var b is unsafe", 4, 2), (U, "var c is unsafe", 5, 2)]
check("unsafe body: every variable, in order", summary(out) == want, summary(out))
check("unsafe body: file named", all((e.get("location") or {}).get("file") == body
                                     for e in (out or {}).get("errors", [])), out)

# an error in one rule does not hide the next rule's, across modules too
m1 = module("m1.rego", "package t\np if { x := a }\n")
m2 = module("m2.rego", "package t\nq if { y := b }\n")
rc, out = run(["--v1", "-d", m1, "-d", m2, "data.t"])
got = [(c, m) for c, m, _, _ in summary(out)]
check("two modules: both rules' errors", got == [(U, "var a is unsafe"), (U, "var b is unsafe")],
      summary(out))

# OPA stops after the earliest failing stage: undefined functions win
st = module("stage.rego", "package t\np if { x := a }\nq if { y := foo(1) }\nr if { bar(2) }\n")
rc, out = run(["--v1", "-d", st, "data.t"])
want = [("rego_type_error", "undefined function foo", 3, 13),
        ("rego_type_error", "undefined function bar", 4, 8)]
check("earliest stage only, all of it", summary(out) == want, summary(out))

# the limit: 10 errors then "error limit reached" without a location
lim = module("limit.rego", "package t\np if { x := a+b+c+d+e+f+g+h+i+j+k+l }\n")
rc, out = run(["--v1", "-d", lim, "data.t"])
s = summary(out)
check("limit: 11 entries", len(s) == 11, s)
if len(s) == 11:
    check("limit: first ten are variables a..j",
          [m for _, m, _, _ in s[:10]] == [f"var {v} is unsafe" for v in "abcdefghij"], s)
    check("limit: last is error limit reached",
          s[10] == ("rego_compile_error", "error limit reached", None, None), s[10])

# negation binds nothing: `not a[i] = x` with i and x used nowhere else is
# rejected (OPA's TestCompilerCheckSafetyBodyErrors "negation")
neg = module("neg.rego", "package t\np if { a := [1, 2]; not a[i] = x }\n")
rc, out = run(["--v1", "-d", neg, "data.t"])
want = [(U, "var i is unsafe", 2, 21), (U, "var x is unsafe", 2, 21)]
check("negation: i and x unsafe", rc == 1 and summary(out) == want, summary(out))

# recursion: one error per rule on a cycle, in rule-tree order
rec = module("rec.rego", "package x\nq if { p }\np if { q }\nr if { p }\n")
rc, out = run(["--v1", "-d", rec, "data.x"])
R = "rego_recursion_error"
want = [(R, "rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p", 3, 1),
        (R, "rule data.x.q is recursive: data.x.q -> data.x.p -> data.x.q", 2, 1)]
check("recursion: every rule on the cycle", rc == 1 and summary(out) == want, summary(out))

# rule conflicts: every conflicting node, not only the first
con = module("con.rego", "package c\np := 1\np contains 2\nf(x) := x\nf(x, y) := x\n"
             "default d := 1\ndefault d := 2\n")
rc, out = run(["--v1", "-d", con, "data.c"])
T = "rego_type_error"
want = [(T, "multiple default rules data.c.d found at %s:6, %s:7" % (con, con), 1, 1),
        (T, "conflicting rules data.c.f found", 4, 1),
        (T, "conflicting rules data.c.p found", 2, 1)]
check("conflicts: every node", rc == 1 and summary(out) == want, summary(out))

# a policy OPA accepts still evaluates
ok = module("ok.rego", "package t\np := x if { x := 1 + 1 }\n")
rc, out = run(["--v1", "-d", ok, "data.t.p"])
vals = [e.get("value") for r in (out or {}).get("result", []) for e in r.get("expressions", [])]
check("accepted policy evaluates", rc == 0 and vals == [2], (rc, out))

# the service: POST /policy with such a policy is a 400 invalid_policy whose
# detail names the first error (api.md section 10.2)
if AS_BIN and os.access(AS_BIN, os.X_OK):
    from harness import Server, b64url  # noqa: E402

    with Server(checks) as srv:
        text = "package policy\n\np if {\n\tx := a - b\n\ty := c\n}\n"
        r = srv.request("POST", "/policy",
                        json_body={"policy_id": "unsafe", "policy": b64url(text)})
        body = r.json() if r.status else None
        check("POST /policy unsafe: 400 invalid_policy",
              r.status == 400 and isinstance(body, dict) and body.get("type") == "invalid_policy",
              (r.status, r.text[:300]))
        detail = (body or {}).get("detail", "")
        check("POST /policy unsafe: detail names the first error",
              "4:2: rego_unsafe_var_error: var a is unsafe" in detail, detail)
        for name, text, first in [
                ("negated", "package policy\np if { a := [1]; not a[i] = x }\n",
                 "2:18: rego_unsafe_var_error: var i is unsafe"),
                ("recursive", "package policy\nq if { p }\np if { q }\n",
                 "3:1: rego_recursion_error: rule data.policy.p is recursive: "
                 "data.policy.p -> data.policy.q -> data.policy.p"),
                ("conflicting", "package policy\nf(x) := x\nf(x, y) := x\np := 1\n"
                 "p contains 2\n",
                 "2:1: rego_type_error: conflicting rules data.policy.f found"),
                # an operator chain far deeper than the nesting limit: refused,
                # the server keeps serving (it used to overflow the stack)
                ("chain", "package policy\np := " + " + ".join(["1"] * 20000) + "\n",
                 "rego_parse_error: nesting too deep")]:
            r = srv.request("POST", "/policy",
                            json_body={"policy_id": name, "policy": b64url(text)})
            body = r.json() if r.status else None
            detail = (body or {}).get("detail", "") if isinstance(body, dict) else ""
            check(f"POST /policy {name}: 400 invalid_policy naming the first error",
                  r.status == 400 and body.get("type") == "invalid_policy" and first in detail,
                  (r.status, r.text[:300]))
        r = srv.request("GET", "/policy")
        check("GET /policy after the refused policies: 200", r.status == 200, r.status)
else:
    checks.skip("POST /policy", "AS_BIN is not set")

checks.finish()
