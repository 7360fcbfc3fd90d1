"""test_builtins_list.py - every built-in named in shared/rego/BUILTINS.md
(OPA's registry of 2025-06-05 plus the 2026 additions, issue #4) is
registered in the engine: `as-tool rego builtins` lists it (operators by
their call names, e.g. internal.member_2).  Skipped when ../shared is
absent."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import AS_TOOL, SKIP_EXIT  # noqa: E402

SHARED = os.environ.get("AS_SHARED_DIR", "")
LIST = os.path.join(SHARED, "rego", "BUILTINS.md")
if not os.path.isfile(LIST):
    print(f"skipped: {LIST} not found")
    sys.exit(SKIP_EXIT)


def names_in_list(text):
    """Call names in the table's built-ins column: `name` or `op` (`name`)."""
    names = set()
    for line in text.splitlines():
        cols = line.split("|")
        if len(cols) < 4 or not line.startswith("| ") or line.startswith("| group"):
            continue
        for m in re.finditer(r"`([^`]+)`", cols[2]):
            if re.fullmatch(r"[a-z_][a-z0-9_.]*", m.group(1)):
                names.add(m.group(1))
    return names


listed = names_in_list(open(LIST, encoding="utf-8").read())
out = subprocess.run([AS_TOOL, "rego", "builtins"], capture_output=True, text=True, check=True)
registered = set(out.stdout.split())

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


check(len(listed) >= 200, f"BUILTINS.md lists {len(listed)} names (expected >= 200)")
for name in sorted(listed):
    check(name in registered, f"{name} is not registered")
# the listing is not a fixed string: an unknown name must be absent
check("no.such.builtin" not in registered, "the listing contains a made-up name")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
