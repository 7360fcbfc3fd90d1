#!/usr/bin/python3
"""OPA conformance runner for our Rego engine (as-tool rego eval).

Walks the suite (v0/, v1/, v1-2026-delta/), runs every case the way OPA's
topdown test runner decides pass/fail (see the suite's README): modules as
test-N.rego compiled at the folder's Rego version, data and input (or
input_term), strict built-in errors when asked; compares the result set
(bindings, sets as sorted arrays, numbers by exact value, order of
solutions ignored) or the error code / message substring.

Each set runs with the OPA generation it comes from (`as-tool rego eval
--opa-compat`): v0 and v1 (OPA's tree of 2025-06) with 2025, v1-2026-delta
(OPA of 2026-03) with 2026; --opa-compat overrides it for every set.

Skips only what the suite README names as network / non-deterministic, and
cases calling OPA built-ins that the engine does not implement yet (listed
by name).  Prints pass/fail/skip per folder and per set, writes a JSON
summary with every skip reason and every failure."""
import argparse
import concurrent.futures
import decimal
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# core-language folders (suite README); the rest test built-in families
LANGUAGE = set("""aggregates arithmetic array assignments baseandvirtualdocs comparisonexpr
completedoc compositebasedereference compositereferences comprehensions containskeyword
dataderef defaultkeyword disjunction elsekeyword embeddedvirtualdoc eqexpr evaltermexpr every
example fix1863 functionerrors functions helloworld indexing indirectreferences inputvalues
negation nestedreferences partialdocconstants partialiter partialobjectdoc partialsetdoc
planner-ir refheads type undos varreferences virtualdocs withkeyword keywordrefs
stringinterpolation""".split())

# suite README, "Cases to skip": network or non-deterministic
SKIP_FOLDERS = {"netlookupipaddr": "network (DNS lookup)"}
SKIP_NOTES = {
    "time/time caching": "needs test.sleep (OPA's Go test runner only)",
}
# The random cases (rand.intn, uuid.rfc4122) run: they only check that
# repeated calls with the same arguments agree within one query.
SKIP_FILES: dict = {}
# which OPA generation each set was written against (docs/rego-builtins.md)
SET_OPA_COMPAT = {"v0": "2025", "v1": "2025", "v1-2026-delta": "2026"}
NOW_NS = re.compile(r"\btime\.now_ns\s*\(")


def load_builtins(as_tool):
    out = subprocess.run([as_tool, "rego", "builtins"], capture_output=True, text=True)
    return set(out.stdout.split())


def opa_builtins(suite):
    path = os.path.join(os.path.dirname(os.path.abspath(suite)), "BUILTINS.md")
    names = set()
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("| ") and "`" in line:
                    cols = line.split("|")
                    if len(cols) > 2:
                        names.update(re.findall(r"`([a-z_][a-z0-9_.]*)`", cols[2]))
    except OSError:
        pass
    return names


CALL = re.compile(r"(?<![\w.])([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\(")
STRIP = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|#[^\n]*')


def called_builtins(case, known):
    text = "\n".join(case.get("modules") or []) + "\n" + case.get("query", "")
    text = STRIP.sub('""', text)
    return sorted({m for m in CALL.findall(text) if m in known})


def to_num(x):
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, decimal.Decimal)):
        return decimal.Decimal(x)
    if isinstance(x, float):
        return decimal.Decimal(repr(x))
    return x


def norm(v):
    """JSON-ish value -> hashable canonical form with exact numbers."""
    if isinstance(v, dict):
        # object keys compare as their JSON text (YAML may give 0 or true)
        return ("o", tuple(sorted((k if isinstance(k, str) else json.dumps(k), norm(x))
                                  for k, x in v.items())))
    if isinstance(v, list):
        return ("a", tuple(norm(x) for x in v))
    if isinstance(v, bool) or v is None:
        return ("s", v)
    if isinstance(v, (int, float, decimal.Decimal)):
        return ("n", to_num(v).normalize() if to_num(v) == to_num(v) else str(v))
    return ("s", v)


TYPE_RANK = {type(None): 0, bool: 1, int: 2, float: 2, decimal.Decimal: 2, str: 3, list: 4,
             dict: 5}


def opa_key(v):
    rank = TYPE_RANK.get(type(v), 6)
    if rank == 2:
        return (rank, to_num(v))
    if rank == 4:
        return (rank, [opa_key(x) for x in v])
    if rank == 5:
        return (rank, [(k, opa_key(x)) for k, x in sorted(v.items())])
    if rank == 0:
        return (rank, 0)
    return (rank, v)


def want_rows(case):
    rows = set()
    for b in case.get("want_result") or []:
        b = dict(b or {})
        if case.get("sort_bindings"):
            b = {k: sorted(x, key=opa_key) if isinstance(x, list) else x for k, x in b.items()}
        rows.add(norm(b))
    return rows


def got_rows(out, case):
    rows = set()
    for r in out.get("result", []):
        b = r.get("bindings", {})
        if case.get("sort_bindings"):
            b = {k: sorted(x, key=opa_key) if isinstance(x, list) else x for k, x in b.items()}
        rows.add(norm(b))
    return rows


def run_case(as_tool, ver, compat, case, timeout):
    with tempfile.TemporaryDirectory(prefix="regoconf") as d:
        args = [as_tool, "rego", "eval", "--v0" if ver == "v0" else "--v1", "--opa-compat", compat]
        for i, m in enumerate(case.get("modules") or []):
            p = os.path.join(d, "test-%d.rego" % i)
            with open(p, "w") as f:
                f.write(m)
            args += ["-d", p]
        if "data" in case and case["data"] is not None:
            p = os.path.join(d, "data.json")
            with open(p, "w") as f:
                json.dump(case["data"], f)
            args += ["-d", p]
        if case.get("input_term") is not None:
            args += ["--input-term", case["input_term"]]
        elif "input" in case:
            p = os.path.join(d, "input.json")
            with open(p, "w") as f:
                json.dump(case["input"], f)
            args += ["-i", p]
        if case.get("strict_error"):
            args.append("--strict-builtin-errors")
        args.append(case["query"])
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "timeout"
    if proc.returncode not in (0, 1):
        return False, "exit %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace")[:300])
    try:
        out = json.loads(proc.stdout, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    except ValueError:
        return False, "bad output: %r" % proc.stdout[:200]
    werr, wcode = case.get("want_error"), case.get("want_error_code")
    if werr is not None or wcode is not None:
        errs = out.get("errors")
        if not errs:
            return False, "expected error %s %r, got %s" % (wcode, werr, json.dumps(out, default=str)[:200])
        e = errs[0]
        if wcode is not None and e.get("code") != wcode:
            return False, "error code %s, want %s (%s)" % (e.get("code"), wcode, e.get("message"))
        # OPA's runner matches err.Error(): "<location>: <code>: <message>"
        full = "%s: %s" % (e.get("code"), e.get("message", ""))
        loc = e.get("location")
        if loc:
            full = "%s:%s: %s" % (loc.get("file"), loc.get("row"), full)
        if werr is not None and werr not in full:
            return False, "error %r does not contain %r" % (e.get("message"), werr)
        return True, ""
    if "errors" in out:
        e = out["errors"][0]
        return False, "unexpected error %s: %s" % (e.get("code"), e.get("message"))
    want, got = want_rows(case), got_rows(out, case)
    if want != got:
        return False, "result mismatch: got %s" % json.dumps(out.get("result", []), default=str)[:300]
    return True, ""


def skip_reason(rel, folder, case, known, implemented):
    if folder in SKIP_FOLDERS:
        return SKIP_FOLDERS[folder]
    if case.get("note") in SKIP_NOTES:
        return SKIP_NOTES[case["note"]]
    for f, why in SKIP_FILES.items():
        if rel.endswith(f):
            return why
    missing = [b for b in called_builtins(case, known) if b not in implemented]
    if missing:
        return "builtin not implemented: " + ", ".join(missing)
    return None


def collect(suite, ver):
    root = os.path.join(suite, ver)
    cases = []
    for dirpath, _, files in sorted(os.walk(root)):
        for fn in sorted(files):
            if not fn.endswith((".yaml", ".yml")):
                continue
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, root)
            folder = rel.split(os.sep)[0]
            with open(p) as f:
                doc = yaml.safe_load(f) or {}
            for c in doc.get("cases") or []:
                cases.append((rel, folder, c))
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--as-tool", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--out", default="conformance.json")
    ap.add_argument("--sets", default="v0,v1,v1-2026-delta")
    ap.add_argument("--folder", action="append", help="only these folders")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--opa-compat", choices=("2025", "2026"),
                    help="run every set with this OPA generation (default: the set's own)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--check", action="store_true",
                    help="as a test: exit 1 when a case fails, 77 (skipped) without the suite")
    a = ap.parse_args()
    if not os.path.isdir(a.suite):
        print("conformance: suite %s not found; skipped" % a.suite)
        return 77 if a.check else 0
    implemented = load_builtins(a.as_tool)
    known = opa_builtins(a.suite) | implemented
    summary = {"sets": {}, "skips": [], "failures": []}
    grand = {"pass": 0, "fail": 0, "skip": 0}
    for ver in a.sets.split(","):
        if not os.path.isdir(os.path.join(a.suite, ver)):
            continue
        compat = a.opa_compat or SET_OPA_COMPAT.get(ver, "2025")
        cases = collect(a.suite, ver)
        if a.folder:
            cases = [c for c in cases if c[1] in a.folder]
        per = {}
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            for rel, folder, c in cases:
                st = per.setdefault(folder, {"pass": 0, "fail": 0, "skip": 0})
                why = skip_reason(rel, folder, c, known, implemented)
                if why:
                    st["skip"] += 1
                    summary["skips"].append({"set": ver, "file": rel, "note": c.get("note"),
                                             "reason": why})
                    continue
                jobs.append((rel, folder, c, pool.submit(run_case, a.as_tool,
                                                         "v0" if ver == "v0" else "v1", compat,
                                                         c, a.timeout)))
            for rel, folder, c, fut in jobs:
                ok, why = fut.result()
                per[folder]["pass" if ok else "fail"] += 1
                if not ok:
                    summary["failures"].append({"set": ver, "file": rel, "note": c.get("note"),
                                                "why": why})
                    if a.verbose:
                        print("FAIL %s %s: %s" % (ver, c.get("note"), why))
        tot = {"pass": 0, "fail": 0, "skip": 0}
        kinds = {"language": dict(tot), "builtins": dict(tot)}
        print("== %s (opa-compat %s)" % (ver, compat))
        for folder in sorted(per):
            st = per[folder]
            kind = "language" if folder in LANGUAGE else "builtins"
            for k in tot:
                tot[k] += st[k]
                kinds[kind][k] += st[k]
            print("  %-40s %-8s pass %4d  fail %4d  skip %4d" % (folder, kind, st["pass"],
                                                               st["fail"], st["skip"]))
        for kind in ("language", "builtins"):
            st = kinds[kind]
            print("  %-40s %-8s pass %4d  fail %4d  skip %4d" % ("(" + kind + " folders)", "",
                                                               st["pass"], st["fail"],
                                                               st["skip"]))
        print("  %-49s pass %4d  fail %4d  skip %4d" % ("total " + ver, tot["pass"],
                                                        tot["fail"], tot["skip"]))
        summary["sets"][ver] = {"opa_compat": compat, "folders": per, "language": kinds["language"],
                                "builtins": kinds["builtins"], "total": tot}
        for k in grand:
            grand[k] += tot[k]
    summary["total"] = grand
    print("skipped cases:")
    for s in summary["skips"]:
        print("  skip %s %s: %s" % (s["set"], s["note"], s["reason"]))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(summary, f, indent=1, default=str)
    print("conformance: %d passed, %d failed, %d skipped" % (grand["pass"], grand["fail"],
                                                           grand["skip"]))
    if a.check and summary["failures"]:
        for f in summary["failures"]:
            print("FAIL %s %s (%s): %s" % (f["set"], f["note"], f["file"], f["why"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
