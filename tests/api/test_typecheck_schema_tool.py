"""test_typecheck_schema_tool.py - `as-tool rego eval` on policies whose
METADATA `schemas` annotations give input an inline JSON Schema (docs/rego.md
"Type checking"): the type errors OPA reports with the schema (code, message,
location), a schema OPA cannot compile reported at the rule, a schema
reference ignored, and a policy that agrees with its schema evaluated."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, RegoTool, require_as_tool  # noqa: E402

require_as_tool()
checks = Checks("test_typecheck_schema_tool", need_bin=False)
check = checks.check
tool = RegoTool("as-tcs-")
module = tool.module
summary = RegoTool.summary


def run(args):
    rc, out, _ = tool.run(args)
    return rc, out


SCHEMA = '{"type": "object", "properties": {"x": {"type": "string"}}}'
META = "# METADATA\n# schemas:\n#   - input: " + SCHEMA + "\n"

bad = module("bad.rego", "package test\n" + META + "p if input.x = 1\n\n" + META +
             "q if input.y\n")
rc, out = run(["--v1", "-d", bad, "data.test"])
errs = (out or {}).get("errors", [])
check("schema type errors: exit 1 and two errors", rc == 1 and len(errs) == 2, out)
if len(errs) == 2:
    want = [("match error", 5, 6), ("undefined ref: input.y", 10, 6)]
    for e, (msg, row, col) in zip(errs, want):
        check(f"{msg}: code, message, location",
              e.get("code") == "rego_type_error" and e.get("message") == msg and
              e.get("location") == {"file": bad, "row": row, "col": col}, e)

invalid = module("invalid.rego", "package test\n# METADATA\n# schemas:\n"
                 "#   - input: {\"type\": \"foo\"}\np if input\n")
rc, out = run(["--v1", "-d", invalid, "data.test"])
errs = (out or {}).get("errors", [])
check("uncompilable schema: one error at the rule",
      rc == 1 and len(errs) == 1 and errs[0].get("location", {}).get("row") == 5 and
      errs[0].get("message", "").startswith(
          "unable to compile the schema: has a primitive type that is NOT VALID"), out)

ref = module("ref.rego", "package test\n# METADATA\n# schemas:\n"
             "#   - input: schema.input\np if input.x = 1\n")
inp = module("in.json", '{"x": 1}')
rc, out = run(["--v1", "-d", ref, "-i", inp, "data.test.p"])
check("schema reference ignored: the policy evaluates",
      rc == 0 and (out or {}).get("result", [{}])[0].get("expressions", [{}])[0].get("value")
      is True, out)

good = module("good.rego", "package test\n" + META + "p if input.x == \"a\"\n")
inp2 = module("in2.json", '{"x": "a"}')
rc, out = run(["--v1", "-d", good, "-i", inp2, "data.test.p"])
check("policy agreeing with its schema evaluates to true",
      rc == 0 and (out or {}).get("result", [{}])[0].get("expressions", [{}])[0].get("value")
      is True, out)

checks.finish()
