"""test_snp_kds.py - the SNP verifier's VCEK sources through the real server:
AMD KDS (a mock on loopback) with the exact URL per product (Turin's has
fmcSPL and an 8-byte hwID), the disk cache (a second request does not reach
KDS, and still works when KDS is down), KDS down with nothing cached (503
naming the VCEK), and the offline certificate store of the 2026 original
(vcek/<hwid>/<tcb prefix>_vcek.der, then vcek/<hwid>/vcek.der).

Sections 1-3 go through as-tool; 4-6 through restful-as with a 2024-layout
config (`"attestation_token_broker": "Simple"` plus `verifier_config`),
checking the signed RS384 token and its flattened claims against
ground-truth.json, the disk cache under <work_dir> (also across a restart
with KDS down), the 503 of a cold cache, and the offline store.

Evidence: shared/vectors/snp/derived-json/*.evidence.json with cert_chain
set to null, so the service has to find the VCEK itself.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import AS_SHARED_DIR, AS_TOOL, SKIP_EXIT, Checks, Server, require_binary  # noqa: E402
from mock_kds import MockKds  # noqa: E402

VEC = os.path.join(AS_SHARED_DIR, "vectors", "snp")
if not os.path.isdir(VEC):
    print("skipped: SNP vectors absent under", VEC)
    sys.exit(SKIP_EXIT)
require_binary()

with open(os.path.join(VEC, "ground-truth.json")) as f:
    # Accepted entries only: a negative entry may reuse a good report with
    # another VCEK (N03) and must not shadow the good one.
    TRUTH = {e["input"].split("/")[-1]: e for e in json.load(f) if e["expected"] == "ACCEPT"}

CASES = {  # evidence file -> (VCEK file, ground-truth entry of the same report)
    "milan-v3-vcek-azure.evidence.json": ("good/milan-v3-vcek-azure-vcek.der",
                                          "milan-v3-vcek-azure-report.bin"),
    "genoa-v3-vcek-azure.evidence.json": ("good/genoa-v3-vcek-azure-vcek.pem",
                                          "genoa-v3-vcek-azure-report.bin"),
    "turin-v5-vcek-openanolis.evidence.json": ("good/turin-v5-vcek-openanolis-vcek.der",
                                               "turin-v5-vcek-openanolis-report.bin"),
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def evidence_without_chain(name):
    with open(os.path.join(VEC, "derived-json", name)) as f:
        ev = json.load(f)
    ev["cert_chain"] = None
    return json.dumps(ev).encode()


def request_body(name):
    return {"verification_requests": [{"tee": "snp", "evidence": b64url(evidence_without_chain(name))}],
            "policy_ids": []}


def kds_key(url):
    """('Milan', hwid, query) from a KDS URL in ground-truth.json."""
    path, _, query = url.split("://", 1)[1].partition("?")
    parts = path.split("/")
    return (parts[3], parts[4], query)


def vcek_der(rel):
    with open(os.path.join(VEC, rel), "rb") as f:
        data = f.read()
    if data.startswith(b"-----BEGIN"):
        text = b"".join(l for l in data.splitlines() if l and not l.startswith(b"-----"))
        data = base64.b64decode(text)
    return data


def config(sources):
    return {"verifier_config": {"snp_verifier": {"vcek_sources": sources}}}


def as_tool(t, evidence_name, cfg):
    """as-tool verify --tee snp with the chain-less evidence; (rc, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        evp, cfp = os.path.join(d, "ev.json"), os.path.join(d, "cfg.json")
        with open(evp, "wb") as f:
            f.write(evidence_without_chain(evidence_name))
        with open(cfp, "w") as f:
            json.dump(cfg, f)
        p = subprocess.run([AS_TOOL, "verify", "--tee", "snp", "--evidence", evp, "--config", cfp],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr


t = Checks("snp_kds")
certs = {}
for ev, (vcek, report) in CASES.items():
    certs[kds_key(TRUTH[report]["kds_vcek_url"])] = vcek_der(vcek)

# 1. KDS: the exact URL per product (as-tool: same pipeline as the server).
with MockKds(certs) as kds:
    for ev, (vcek, report) in CASES.items():
        want = TRUTH[report]["kds_vcek_url"].split("kdsintf.amd.com", 1)[1]
        before = len(kds.requests)
        rc, out, err = as_tool(t, ev, config([{"type": "KDS", "base_url": kds.base_url}]))
        t.check("%s: verified with the VCEK from KDS" % ev, rc == 0, err[:300])
        t.check("%s: one KDS request with the exact URL" % ev,
                kds.requests[before:] == [want], "%r vs %r" % (kds.requests[before:], want))

# 1b. A proxy in front of KDS may answer PEM: accepted as the original does.
genoa_truth = TRUTH["genoa-v3-vcek-azure-report.bin"]
with open(os.path.join(VEC, "good/genoa-v3-vcek-azure-vcek.pem"), "rb") as f:
    genoa_pem = f.read()
with MockKds({kds_key(genoa_truth["kds_vcek_url"]): genoa_pem}) as kds:
    rc, out, err = as_tool(t, "genoa-v3-vcek-azure.evidence.json",
                           config([{"type": "KDS", "base_url": kds.base_url}]))
    t.check("KDS answering PEM: verified", rc == 0 and genoa_pem.startswith(b"-----BEGIN"),
            err[:300])

# 2. KDS unreachable and nothing cached: upstream_unavailable naming the VCEK.
with MockKds({}) as dead:
    url = dead.base_url
    dead.stop()
    rc, out, err = as_tool(t, "genoa-v3-vcek-azure.evidence.json", config([{"type": "KDS", "base_url": url}]))
    body = json.loads(err.strip().splitlines()[-1]) if err.strip() else {}
    t.check("KDS down: rejected with upstream_unavailable naming the VCEK",
            rc == 1 and body.get("type") == "upstream_unavailable" and "VCEK" in body.get("detail", ""),
            err[:300])

# 3. Offline store: TCB-named file preferred, flat vcek.der as fallback.
with tempfile.TemporaryDirectory() as store:
    turin = TRUTH["turin-v5-vcek-openanolis-report.bin"]
    milan = TRUTH["milan-v3-vcek-azure-report.bin"]
    tdir = os.path.join(store, "vcek", turin["vek_info"]["hwid"])
    os.makedirs(tdir)
    with open(os.path.join(tdir, "bl03_tee02_snp05_ucode97_fmc01_vcek.der"), "wb") as f:
        f.write(vcek_der("good/turin-v5-vcek-openanolis-vcek.der"))
    mdir = os.path.join(store, "vcek", milan["key_fields"]["chip_id"])
    os.makedirs(mdir)
    with open(os.path.join(mdir, "vcek.der"), "wb") as f:
        f.write(vcek_der("good/milan-v3-vcek-azure-vcek.der"))
    cfg = config([{"type": "OfflineStore", "path": store}])
    rc, out, err = as_tool(t, "turin-v5-vcek-openanolis.evidence.json", cfg)
    t.check("offline store, TCB-named Turin VCEK", rc == 0, err[:300])
    rc, out, err = as_tool(t, "milan-v3-vcek-azure.evidence.json", cfg)
    t.check("offline store, flat vcek.der fallback", rc == 0, err[:300])
    rc, out, err = as_tool(t, "genoa-v3-vcek-azure.evidence.json", cfg)
    t.check("offline store without this chip: upstream_unavailable",
            rc == 1 and "upstream_unavailable" in err and "VCEK" in err, err[:300])

# 4. Through the server, 2024 layout (Simple RS384 token) with the SNP
#    section beside it.  Every report is verified with the VCEK from KDS,
#    the token carries the flattened claims, KDS answers land in the disk
#    cache under <work_dir>/cache/amd-kds, and a restarted server (empty
#    memory, same work_dir) verifies with KDS stopped.
VERIFY_TOKEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_token.py")


def v24_config(work_dir, sources):
    return {"work_dir": work_dir, "attestation_token_broker": "Simple",
            "verifier_config": {"snp_verifier": {"vcek_sources": sources}}}


def v24_body(name, chain=None, runtime_data=None):
    """A 2024-layout request: the evidence JSON without a certificate chain."""
    with open(os.path.join(VEC, "derived-json", name)) as f:
        ev = json.load(f)
    ev["cert_chain"] = chain
    body = {"tee": "snp", "evidence": b64url(json.dumps(ev).encode()), "policy_ids": []}
    if runtime_data is not None:
        body["runtime_data"] = {"raw": b64url(runtime_data)}
    return body


def expected_tcb_status(truth):
    """claims.md §1.4 + §2: the 2024 snp claims, flattened under "snp.", from
    the original's 2026 claims in ground-truth.json (numbers as decimal
    strings, booleans as "true"/"false", measurement in standard base64),
    plus our vmpl claim; report_data and init_data empty."""
    out = {"report_data": "", "init_data": ""}
    for k, v in truth["trustee_claims"].items():
        if k in ("report_data", "init_data", "chip_id"):
            continue
        if k == "measurement":
            v = base64.b64encode(bytes.fromhex(v)).decode()
        elif isinstance(v, bool):
            v = "true" if v else "false"
        else:
            v = str(v)
        out["snp." + k] = v
    out["snp.vmpl"] = str(truth["key_fields"]["vmpl"])
    return out


def verified_payload(text):
    """(header, payload) of a token whose signature verifies with its header
    jwk (verify_token.py), else (None, reason)."""
    p = subprocess.run(["/usr/bin/python3", VERIFY_TOKEN], input=text, capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        return None, p.stderr.strip()
    part = text.strip().split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return header, json.loads(p.stdout)


def check_token(t, what, r, truth):
    if not t.check("%s: 200" % what, r.status == 200, "%d %s" % (r.status, r.text[:300])):
        return
    header, payload = verified_payload(r.text)
    if not t.check("%s: token signature verifies" % what, header is not None, payload):
        return
    t.check("%s: Simple token (RS384)" % what, header.get("alg") == "RS384", json.dumps(header)[:200])
    want = expected_tcb_status(truth)
    got = payload.get("tcb-status")
    t.check("%s: tee snp and the expected claims" % what,
            payload.get("tee") == "snp" and got == want,
            "tee %r; differing keys %r" % (payload.get("tee"), sorted(
                k for k in set(want) | set(got or {}) if (got or {}).get(k) != want.get(k))))


def cache_files(work_dir):
    d = os.path.join(work_dir, "cache", "amd-kds")
    if not os.path.isdir(d):
        return {}
    out = {}
    for name in os.listdir(d):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


SERVER_CASES = [(ev, TRUTH[report], vcek) for ev, (vcek, report) in CASES.items()]

with tempfile.TemporaryDirectory() as tmp:
    work_dir = os.path.join(tmp, "work")
    with MockKds(certs) as kds:
        cfg = v24_config(work_dir, [{"type": "KDS", "base_url": kds.base_url}])
        with Server(t, config=cfg) as s:
            for ev, truth, vcek in SERVER_CASES:
                before = len(kds.requests)
                r = s.request("POST", "/attestation", json_body=v24_body(ev))
                check_token(t, "server, KDS: " + ev, r, truth)
                want = truth["kds_vcek_url"].split("kdsintf.amd.com", 1)[1]
                t.check("server, KDS: %s: one request with the exact URL" % ev,
                        kds.requests[before:] == [want], repr(kds.requests[before:]))
            files = cache_files(work_dir)
            for ev, truth, vcek in SERVER_CASES:
                der = vcek_der(vcek)
                t.check("disk cache under <work_dir>/cache/amd-kds holds the VCEK of " + ev,
                        any(der in body for body in files.values()), sorted(files))
            n = len(kds.requests)
            ev, truth, _ = SERVER_CASES[0]
            r = s.request("POST", "/attestation", json_body=v24_body(ev, chain=[]))
            check_token(t, "server: cert_chain [] (warm)", r, truth)
            t.check("server: a warm VCEK is not fetched again", len(kds.requests) == n,
                    repr(kds.requests[n:]))
            # Binding through the server: REPORT_DATA of the Milan report is
            # 32 bytes then zeros, so those 32 bytes as raw runtime_data bind.
            rd = bytes.fromhex(truth["key_fields"]["report_data"])[:32]
            r = s.request("POST", "/attestation", json_body=v24_body(ev, runtime_data=rd))
            t.check("server: runtime_data equal to REPORT_DATA: 200", r.status == 200, r.text[:300])
            r = s.request("POST", "/attestation",
                          json_body=v24_body(ev, runtime_data=bytes([rd[0] ^ 1]) + rd[1:]))
            t.check_error(r, 403, "report_data_mismatch", what="server: other runtime_data: 403")
            kds.stop()
            for ev, truth, _ in SERVER_CASES:
                r = s.request("POST", "/attestation", json_body=v24_body(ev))
                check_token(t, "server, KDS stopped, warm: " + ev, r, truth)
    # Same work_dir, new process (nothing in memory), KDS still down.
    with Server(t, config=cfg) as s:
        for ev, truth, _ in SERVER_CASES:
            r = s.request("POST", "/attestation", json_body=v24_body(ev))
            check_token(t, "restarted server, KDS down, disk cache: " + ev, r, truth)

# 5. Cold cache and KDS down: 503 upstream_unavailable naming the VCEK.
with MockKds({}) as dead:
    url = dead.base_url
    dead.stop()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = v24_config(os.path.join(tmp, "work"), [{"type": "KDS", "base_url": url}])
        with Server(t, config=cfg) as s:
            ev, truth, _ = SERVER_CASES[1]
            hwid = truth["key_fields"]["chip_id"][:16]
            r = s.request("POST", "/attestation", json_body=v24_body(ev))
            t.check_error(r, 503, "upstream_unavailable",
                          what="server, cold cache, KDS down: 503 naming the VCEK",
                          detail_re="VCEK.*%s" % hwid)

# 5b. KDS answers 200 with something that is not a certificate: the
#     service's upstream is at fault, not the client: 502 naming the VCEK.
garbage = {k: b"<html>maintenance</html>" for k in certs}
with MockKds(garbage) as bad_kds, tempfile.TemporaryDirectory() as tmp:
    cfg = v24_config(os.path.join(tmp, "work"), [{"type": "KDS", "base_url": bad_kds.base_url}])
    with Server(t, config=cfg) as s:
        r = s.request("POST", "/attestation", json_body=v24_body(SERVER_CASES[0][0]))
        t.check_error(r, 502, "upstream_unavailable",
                      what="server, KDS answers garbage: 502 naming the VCEK", detail_has="VCEK")
        # KDS fixed: the bad answer in the disk cache is not served for a day.
        bad_kds.certs.update(certs)
        r = s.request("POST", "/attestation", json_body=v24_body(SERVER_CASES[0][0]))
        check_token(t, "server, KDS fixed after garbage", r, SERVER_CASES[0][1])

# 6. Offline store (config.md §6.1 layout) through the server, no KDS at all.
with tempfile.TemporaryDirectory() as store:
    layout = {  # evidence -> file name under vcek/<hwid>/
        "turin-v5-vcek-openanolis.evidence.json": "bl03_tee02_snp05_ucode97_fmc01_vcek.der",
        "genoa-v3-vcek-azure.evidence.json": None,  # filled below from the TCB
        "milan-v3-vcek-azure.evidence.json": "vcek.der",
    }
    for ev, truth, vcek in SERVER_CASES:
        name = layout[ev]
        if name is None:
            tcb = truth["key_fields"]["reported_tcb"]
            name = "bl%02d_tee%02d_snp%02d_ucode%02d_vcek.der" % (
                tcb["bootloader"], tcb["tee"], tcb["snp"], tcb["microcode"])
        hwid = truth["vek_info"]["hwid"]
        os.makedirs(os.path.join(store, "vcek", hwid), exist_ok=True)
        with open(os.path.join(store, "vcek", hwid, name), "wb") as f:
            f.write(vcek_der(vcek))
    with tempfile.TemporaryDirectory() as tmp:
        cfg = v24_config(os.path.join(tmp, "work"), [{"type": "OfflineStore", "path": store}])
        with Server(t, config=cfg) as s:
            for ev, truth, _ in SERVER_CASES:
                r = s.request("POST", "/attestation", json_body=v24_body(ev))
                check_token(t, "server, offline store: " + ev, r, truth)
            t.check("server, offline store: no KDS cache written",
                    cache_files(os.path.join(tmp, "work")) == {})
    # A chip the store lacks, KDS configured but down after it: 503 naming
    # the VCEK and each source's failure.
    os.remove(os.path.join(store, "vcek", TRUTH["milan-v3-vcek-azure-report.bin"]["vek_info"]["hwid"],
                           "vcek.der"))
    with MockKds({}) as dead, tempfile.TemporaryDirectory() as tmp:
        url = dead.base_url
        dead.stop()
        cfg = v24_config(os.path.join(tmp, "work"), [{"type": "OfflineStore", "path": store},
                                                     {"type": "KDS", "base_url": url}])
        with Server(t, config=cfg) as s:
            r = s.request("POST", "/attestation",
                          json_body=v24_body("milan-v3-vcek-azure.evidence.json"))
            t.check_error(r, 503, "upstream_unavailable",
                          what="server, store without the chip and KDS down: 503",
                          detail_re="VCEK.*OfflineStore.*KDS")
            r = s.request("POST", "/attestation",
                          json_body=v24_body("turin-v5-vcek-openanolis.evidence.json"))
            t.check("server, store first, KDS down: the store's VCEK is used",
                    r.status == 200, r.text[:300])

t.finish()
