"""test_dcap_pccs.py - the SGX/TDX verifiers' collateral through a PCCS:
a mock PCCS on loopback (mock_pccs.py) serves recorded Intel collateral.

as-tool (same pipeline as the server): the exact PCCS v4 URLs per TEE and
PCK CA, the QCNL-format file (pccs_url, // comments) found through the
config, a warm disk cache when the PCCS is down, and the 503 JSON error
naming the missing collateral when nothing is cached.  Then the server:
the real quotes verified with collateral from the PCCS, tokens carrying the
DCAP claims, still verified with the PCCS down, and 503 for a cold cache.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import AS_SHARED_DIR, AS_TOOL, SKIP_EXIT, Checks, Server, require_binary  # noqa: E402
from mock_pccs import MockPccs  # noqa: E402

VEC = os.path.join(AS_SHARED_DIR, "vectors", "intel")
if not os.path.isdir(VEC):
    print("skipped: Intel vectors absent under", VEC)
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(SKIP_EXIT)
require_binary()

SETS = ["phala-tdx-b0c06f000000-2025-06", "phala-sgx-00a067110000-2025-06"]
TDX_QUOTE = os.path.join(VEC, "quotes", "tdx-v4-phala.bin")
SGX_QUOTE = os.path.join(VEC, "quotes", "sgx-v3-phala.bin")
AT = "1751328000"


def as_tool(tee, quote, cfg):
    with tempfile.TemporaryDirectory() as d:
        cfp = os.path.join(d, "cfg.json")
        with open(cfp, "w") as f:
            json.dump(cfg, f)
        p = subprocess.run([AS_TOOL, "verify", "--tee", tee, "--quote", quote, "--at", AT,
                            "--config", cfp], capture_output=True, text=True, timeout=120)
        claims = {}
        if p.returncode == 0:
            claims = json.loads(p.stdout).get("claims", {})
        return p.returncode, claims, p.stderr


def dcap(**kw):
    return {"verifier_config": {"dcap_verifier": kw}}


def last_json(text):
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


t = Checks("dcap_pccs")
dirs = [os.path.join(VEC, "collateral", s) for s in SETS]

with tempfile.TemporaryDirectory() as cache, MockPccs(dirs) as pccs:
    # 1. The PCCS v4 URLs.
    rc, claims, err = as_tool("tdx", TDX_QUOTE, dcap(collateral_service=pccs.base_url + "/sgx/certification/v4/", cache_dir=cache))
    t.check("tdx: verified with collateral from the PCCS", rc == 0, err[:300])
    t.check("tdx: tcb_status UpToDate, collateral fresh",
            claims.get("tdx.tcb_status") == "UpToDate" and claims.get("tdx.collateral_expiration_status") == "0",
            json.dumps({k: v for k, v in claims.items() if "tcb" in k})[:300])
    want = {"/tdx/certification/v4/tcb?fmspc=B0C06F000000&update=early",
            "/tdx/certification/v4/qe/identity?update=early",
            "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
            "/sgx/certification/v4/rootcacrl"}
    t.check("tdx: the four PCCS v4 requests", set(pccs.requests) == want, repr(pccs.requests))
    n = len(pccs.requests)
    rc, claims, err = as_tool("sgx", SGX_QUOTE, dcap(collateral_service=pccs.base_url, cache_dir=cache))
    t.check("sgx: verified, ConfigurationAndSWHardeningNeeded",
            rc == 0 and claims.get("sgx.tcb_status") == "ConfigurationAndSWHardeningNeeded", err[:300])
    t.check("sgx: Processor-CA PCK CRL asked for",
            "/sgx/certification/v4/pckcrl?ca=processor&encoding=der" in pccs.requests[n:],
            repr(pccs.requests[n:]))

    # 2. The QCNL file (Intel's format, // comments), its path from our config.
    with tempfile.TemporaryDirectory() as d:
        qcnl = os.path.join(d, "sgx_default_qcnl.conf")
        with open(qcnl, "w") as f:
            f.write('{\n  // PCCS for this test\n  "pccs_url": "%s/sgx/certification/v4/",\n'
                    '  "use_secure_cert": false,\n  "retry_times": 1,\n  "retry_delay": 1\n}\n'
                    % pccs.base_url)
        n = len(pccs.requests)
        rc, claims, err = as_tool("tdx", TDX_QUOTE, dcap(qcnl_conf_path=qcnl, cache_dir=os.path.join(d, "c")))
        t.check("QCNL file: pccs_url used", rc == 0 and len(pccs.requests) > n, err[:300])

    # 3. PCCS down: the warm disk cache still verifies; a cold one is a 503.
    pccs.stop()
    rc, claims, err = as_tool("tdx", TDX_QUOTE, dcap(collateral_service=pccs.base_url, cache_dir=cache))
    t.check("PCCS down, warm cache: verified", rc == 0 and claims.get("tdx.tcb_status") == "UpToDate", err[:300])
    with tempfile.TemporaryDirectory() as cold:
        rc, claims, err = as_tool("tdx", TDX_QUOTE, dcap(collateral_service=pccs.base_url, cache_dir=cold))
        body = last_json(err)
        t.check("PCCS down, cold cache: upstream_unavailable naming the TCB info",
                rc == 1 and body.get("type") == "upstream_unavailable" and "TCB info" in body.get("detail", ""),
                err[:300])


def pcs_tool_file(path):
    """Writes a PCS Client Tool collateral file (the layout the 2026
    original reads through file://) from the recorded pieces, indented as
    the tool writes it."""
    col = {"tcbinfos": [], "pckcacrl": {}, "certificates": {"SGX-PCK-Certificate-Issuer-Chain": {}}}
    for d in dirs:
        def rd(name):
            with open(os.path.join(d, name), "rb") as f:
                return f.read()
        tcb = json.loads(rd("tcb_info.json"))
        entry = {"tcbInfo": tcb, "signature": rd("tcb_info.sig.hex").decode().strip()}
        key = "tdx_tcbinfo" if tcb["id"] == "TDX" else "sgx_tcbinfo"
        col["tcbinfos"].append({"fmspc": tcb["fmspc"], key: entry})
        qe = json.loads(rd("qe_identity.json"))
        col["tdqeidentity" if qe["id"] == "TD_QE" else "qeidentity"] = {
            "enclaveIdentity": qe, "signature": rd("qe_identity.sig.hex").decode().strip()}
        crl = rd("pck_crl.der")
        ca = "platform" if b"Platform CA" in crl else "processor"
        col["pckcacrl"][ca + "Crl"] = crl.hex()
        col["certificates"]["SGX-PCK-Certificate-Issuer-Chain"][ca.upper()] = rd("pck_crl_issuer_chain.pem").decode()
        col["certificates"]["TCB-Info-Issuer-Chain"] = rd("tcb_info_issuer_chain.pem").decode()
        col["certificates"]["SGX-Enclave-Identity-Issuer-Chain"] = rd("qe_identity_issuer_chain.pem").decode()
        col["rootcacrl"] = rd("root_ca_crl.der").hex()
    with open(path, "w") as f:
        json.dump({"collaterals": col}, f, indent=2)


with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "collateral.json")
    pcs_tool_file(path)
    rc, claims, err = as_tool("tdx", TDX_QUOTE, dcap(collateral_service="file://" + path))
    t.check("file:// PCS Client Tool JSON: tdx verified",
            rc == 0 and claims.get("tdx.tcb_status") == "UpToDate", err[:300])
    rc, claims, err = as_tool("sgx", SGX_QUOTE, dcap(collateral_service="file://" + path))
    t.check("file:// PCS Client Tool JSON: sgx verified",
            rc == 0 and claims.get("sgx.tcb_status") == "ConfigurationAndSWHardeningNeeded", err[:300])
    rc, claims, err = as_tool("tdx", os.path.join(VEC, "quotes", "tdx-v4-phala-near.bin"),
                              dcap(collateral_service="file://" + path))
    body = last_json(err)
    t.check("file://: FMSPC not in the file is a 503 naming it",
            rc == 1 and body.get("type") == "upstream_unavailable" and "FMSPC" in body.get("detail", ""),
            err[:300])


def pcs_tool_file_without(path, drop_key):
    """The PCS Client Tool file with the TCB infos of one kind removed."""
    with open(path) as f:
        doc = json.load(f)
    col = doc["collaterals"]
    col["tcbinfos"] = [e for e in col["tcbinfos"] if drop_key not in e]
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def request_body(quote_path, tee):
    """A 2024-layout request (the Simple token broker)."""
    with open(quote_path, "rb") as f:
        ev = json.dumps({"quote": base64.b64encode(f.read()).decode()}).encode()
    return {"tee": tee, "evidence": b64url(ev), "policy_ids": []}


def token_payload(text):
    try:
        part = text.strip().split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}


def qcnl_env(d, url):
    """The server finds the PCCS through a QCNL file named by QCNL_CONF_PATH
    (the 2024 config has no verifier section); the disk cache lives in the
    server's work_dir."""
    path = os.path.join(d, "sgx_default_qcnl.conf")
    with open(path, "w") as f:
        f.write('{"pccs_url": "%s/sgx/certification/v4/", "use_secure_cert": false}\n' % url)
    return {"QCNL_CONF_PATH": path}


# The server with file:// collateral named by the QCNL file: the file is
# read once per version (device, inode, size, mtime), so a changed file is
# seen by the next request.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "collateral.json")
    pcs_tool_file(path)
    qcnl = os.path.join(d, "sgx_default_qcnl.conf")
    with open(qcnl, "w") as f:
        f.write('{\n  // PCS Client Tool output\n  "collateral_service": "file://%s"\n}\n' % path)
    with Server(t, env={"QCNL_CONF_PATH": qcnl}) as s:
        for i in range(3):
            r = s.request("POST", "/attestation", json_body=request_body(TDX_QUOTE, "tdx"))
            t.check("server, file:// collateral: tdx verified (request %d)" % (i + 1),
                    r.status == 200, r.text[:300])
        pcs_tool_file_without(path, "tdx_tcbinfo")
        r = s.request("POST", "/attestation", json_body=request_body(TDX_QUOTE, "tdx"))
        t.check_error(r, 503, "upstream_unavailable",
                      what="server, file:// collateral rewritten without TDX TCB info",
                      detail_has="FMSPC")
        r = s.request("POST", "/attestation", json_body=request_body(SGX_QUOTE, "sgx"))
        t.check("server, file:// collateral rewritten: sgx still verified", r.status == 200,
                r.text[:300])


# 4. The server (2024 config: Simple token, claims flattened in tcb-status).
with tempfile.TemporaryDirectory() as d, MockPccs(dirs) as pccs:
    with Server(t, env=qcnl_env(d, pccs.base_url)) as s:
        r = s.request("POST", "/attestation", json_body=request_body(TDX_QUOTE, "tdx"))
        t.check("server: tdx quote verified with PCCS collateral", r.status == 200, r.text[:300])
        status = token_payload(r.text).get("tcb-status", {})
        t.check("server: token carries the DCAP claims",
                status.get("tdx.tcb_status") == "UpToDate" and "tdx.root_key_id" in status
                and status.get("tdx.quote.body.mr_td", "").startswith("91eb2b44"),
                json.dumps(status)[:300])
        r = s.request("POST", "/attestation", json_body=request_body(SGX_QUOTE, "sgx"))
        status = token_payload(r.text).get("tcb-status", {})
        t.check("server: sgx quote verified",
                r.status == 200 and status.get("sgx.tcb_status") == "ConfigurationAndSWHardeningNeeded",
                r.text[:300])
        # The recorded collateral is past its nextUpdate by the server's
        # clock: a cached copy is not trusted to be current, the PCCS is
        # asked again (and the claims flag the expiry).
        n = len(pccs.requests)
        r = s.request("POST", "/attestation", json_body=request_body(TDX_QUOTE, "tdx"))
        status = token_payload(r.text).get("tcb-status", {})
        t.check("server: expired cached collateral is asked for again (nextUpdate honoured)",
                r.status == 200 and len(pccs.requests) > n
                and status.get("tdx.collateral_expiration_status") == "1", repr(pccs.requests[n:]))
        pccs.stop()
        r = s.request("POST", "/attestation", json_body=request_body(SGX_QUOTE, "sgx"))
        t.check("server: PCCS down, warm cache: verified", r.status == 200, r.text[:300])
    with Server(t, env=qcnl_env(d, pccs.base_url)) as s:
        r = s.request("POST", "/attestation", json_body=request_body(TDX_QUOTE, "tdx"))
        t.check_error(r, 503, "upstream_unavailable", what="server: PCCS down, cold cache",
                      detail_has="TCB info")

t.finish()
