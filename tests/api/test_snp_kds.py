"""test_snp_kds.py - the SNP verifier's VCEK sources through the real server:
AMD KDS (a mock on loopback) with the exact URL per product (Turin's has
fmcSPL and an 8-byte hwID), the disk cache (a second request does not reach
KDS, and still works when KDS is down), KDS down with nothing cached (503
naming the VCEK), and the offline certificate store of the 2026 original
(vcek/<hwid>/<tcb prefix>_vcek.der, then vcek/<hwid>/vcek.der).

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
    TRUTH = {e["input"].split("/")[-1]: e for e in json.load(f)}

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

# 4. Through the server: the disk cache (a second request and a request
#    while KDS is down do not need KDS) and the 503 JSON error.
with MockKds(certs) as kds:
    with Server(t, config=config([{"type": "KDS", "base_url": kds.base_url}])) as s:
        ev = "milan-v3-vcek-azure.evidence.json"
        r = s.request("POST", "/attestation", json_body=request_body(ev))
        if r.status == 501:
            t.skip("server: disk cache and 503 over HTTP",
                   "the server answers 501 for this configuration: " + r.text[:200])
        else:
            t.check("server: verified with the VCEK from KDS", r.status == 200, r.text[:300])
            n = len(kds.requests)
            r = s.request("POST", "/attestation", json_body=request_body(ev))
            t.check("server: second request served from the disk cache",
                    r.status == 200 and len(kds.requests) == n, r.text[:300])
            kds.stop()
            r = s.request("POST", "/attestation", json_body=request_body(ev))
            t.check("server: KDS down, VCEK cached: verified", r.status == 200, r.text[:300])
            r = s.request("POST", "/attestation",
                          json_body=request_body("genoa-v3-vcek-azure.evidence.json"))
            t.check_error(r, 503, "upstream_unavailable", what="server: KDS down, nothing cached",
                          detail_has="VCEK")

t.finish()
