"""test_typecheck_schema_tool.py - `as-tool rego eval` on policies whose
METADATA `schemas` annotations give input an inline JSON Schema (docs/rego.md
"Type checking"): the type errors OPA reports with the schema (code, message,
location), a schema OPA cannot compile reported at the rule, a schema
reference ignored, and a policy that agrees with its schema evaluated."""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_TOOL, SKIP_EXIT  # noqa: E402

if not AS_TOOL or not os.access(AS_TOOL, os.X_OK):
    print("skipped: AS_TOOL is not set to the as-tool binary")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(SKIP_EXIT)

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   - {what}")
    else:
        failed += 1
        print(f"FAIL - {what}: {detail}")


tmp = tempfile.mkdtemp(prefix="as-tcs-")


def module(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args):
    p = subprocess.run([AS_TOOL, "rego", "eval", "--format", "json"] + args,
                       capture_output=True, timeout=60)
    try:
        out = json.loads(p.stdout.decode())
    except ValueError:
        out = None
    return p.returncode, out


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

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
