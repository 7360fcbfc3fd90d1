"""test_typecheck_tool.py - `as-tool rego eval` with OPA's compile-time type
errors (docs/rego.md "Type checking"): every error is printed as
`opa eval --format json` prints it (code, message, location), in location
order, at most 10 then "error limit reached"; queries are checked against
the policy's rule types; policies OPA accepts still evaluate."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, RegoTool, require_as_tool  # noqa: E402

require_as_tool()
checks = Checks("test_typecheck_tool", need_bin=False)
check = checks.check
tool = RegoTool("as-tc-")
module = tool.module
summary = RegoTool.summary
run = tool.run


# two rules with type errors: both reported, in row order
two = module("two.rego", "package test\n\nq if { x := 1 + \"a\" }\n\np if { count(1) }\n")
rc, out, err = run(["--v1", "-d", two, "data.test"])
check("two type errors: exit 1", rc == 1, rc)
errs = (out or {}).get("errors", [])
check("two type errors: two entries", len(errs) == 2, out)
if len(errs) == 2:
    want = [("rego_type_error", "plus: invalid argument(s)", 3, 13),
            ("rego_type_error", "count: invalid argument(s)", 5, 8)]
    for e, (code, msg, row, col) in zip(errs, want):
        check(f"{msg}: code, message, location",
              e.get("code") == code and e.get("message") == msg and
              e.get("location") == {"file": two, "row": row, "col": col}, e)

# twelve errors: OPA stops at 10 and adds "error limit reached"
many = module("many.rego", "package test\n" +
              "".join(f"p{i} if {{ count({i}) }}\n" for i in range(12)))
rc, out, err = run(["--v1", "-d", many, "data.test"])
errs = (out or {}).get("errors", [])
check("error limit: 11 entries", rc == 1 and len(errs) == 11, out)
if len(errs) == 11:
    check("error limit: first ten are the type errors in row order",
          [e.get("location", {}).get("row") for e in errs[:10]] == list(range(2, 12)), errs)
    check("error limit: last entry has no location",
          errs[10] == {"code": "rego_compile_error", "message": "error limit reached"}, errs[10])

# a query is checked against the policy's types
obj = module("obj.rego", "package test\n\nq := {\"a\": 1}\n")
rc, out, err = run(["--v1", "-d", obj, "data.test.q.b"])
errs = (out or {}).get("errors", [])
check("query into a known object: undefined ref",
      rc == 1 and len(errs) == 1 and errs[0].get("code") == "rego_type_error" and
      errs[0].get("message") == "undefined ref: data.test.q.b", out)
rc, out, err = run(["--v1", "-d", obj, "data.test.q.a"])
check("query into a known key: evaluates",
      rc == 0 and out["result"][0]["expressions"][0]["value"] == 1, out)

# every type error of a query is printed
rc, out, err = run(["--v1", "-d", obj, "x := count(1); y := upper(2)"])
errs = (out or {}).get("errors", [])
check("query with two type errors: both printed",
      rc == 1 and [(e.get("message"), e.get("location", {}).get("col")) for e in errs] ==
      [("count: invalid argument(s)", 6), ("upper: invalid argument(s)", 21)], out)

# a policy OPA accepts: input is any
ok = module("ok.rego", "package test\n\np := n if { x := input.a; n := count(x) }\n")
inp = module("in.json", '{"a": [1, 2, 3]}')
rc, out, err = run(["--v1", "-d", ok, "-i", inp, "data.test.p"])
check("input is any: evaluates", rc == 0 and out["result"][0]["expressions"][0]["value"] == 3,
      (out, err))

shutil.rmtree(tool.tmp, ignore_errors=True)
checks.finish()
