"""mock_pccs.py - a stand-in for an Intel PCCS (API v4) on loopback, for
the DCAP API tests.

Serves recorded collateral from shared/vectors/intel/collateral/<set>/:
  GET /{sgx,tdx}/certification/v4/tcb?fmspc=<HEX>&update=early
      -> {"tcbInfo":<exact signed text>,"signature":"<hex>"}
         + TCB-Info-Issuer-Chain (URL-encoded PEM)
  GET /{sgx,tdx}/certification/v4/qe/identity?update=early
      -> {"enclaveIdentity":<exact signed text>,"signature":"<hex>"}
         + SGX-Enclave-Identity-Issuer-Chain
  GET /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der
      -> DER + SGX-PCK-CRL-Issuer-Chain
  GET /sgx/certification/v4/rootcacrl -> hex of the DER (as PCCS does)
Anything else is 404.  Every request path is recorded (`requests`);
stop() closes the port ("PCCS down").  Standard library only.
"""

import http.server
import json
import os
import threading
import urllib.parse


class MockPccs:
    def __init__(self, collateral_dirs):
        self.tcb, self.qe, self.crl, self.root_crl = {}, {}, {}, None
        for d in collateral_dirs:
            self._load(d)
        self.requests = []
        pccs = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                pccs.requests.append(self.path)
                found = pccs._answer(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, headers = found
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    @staticmethod
    def _read(d, name, mode="rb"):
        with open(os.path.join(d, name), mode) as f:
            return f.read()

    def _load(self, d):
        tcb = self._read(d, "tcb_info.json")
        doc = json.loads(tcb)
        tee = doc["id"].lower()
        sig = self._read(d, "tcb_info.sig.hex").strip()
        chain = urllib.parse.quote(self._read(d, "tcb_info_issuer_chain.pem").decode(), safe="")
        self.tcb[(tee, doc["fmspc"].upper())] = (
            b'{"tcbInfo":' + tcb + b',"signature":"' + sig + b'"}', {"TCB-Info-Issuer-Chain": chain})
        qe = self._read(d, "qe_identity.json")
        qe_tee = "tdx" if json.loads(qe)["id"] == "TD_QE" else "sgx"
        qsig = self._read(d, "qe_identity.sig.hex").strip()
        qchain = urllib.parse.quote(self._read(d, "qe_identity_issuer_chain.pem").decode(), safe="")
        self.qe[qe_tee] = (b'{"enclaveIdentity":' + qe + b',"signature":"' + qsig + b'"}',
                           {"SGX-Enclave-Identity-Issuer-Chain": qchain})
        crl = self._read(d, "pck_crl.der")
        ca = "platform" if b"Platform CA" in crl else "processor"
        cchain = urllib.parse.quote(self._read(d, "pck_crl_issuer_chain.pem").decode(), safe="")
        self.crl[ca] = (crl, {"SGX-PCK-CRL-Issuer-Chain": cchain})
        self.root_crl = (self._read(d, "root_ca_crl.der").hex().encode(), {})

    def _answer(self, path):
        url = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if len(parts) < 4 or parts[1:3] != ["certification", "v4"]:
            return None
        tee, what = parts[0], "/".join(parts[3:])
        if what == "tcb":
            return self.tcb.get((tee, q.get("fmspc", "").upper()))
        if what == "qe/identity":
            return self.qe.get(tee)
        if tee == "sgx" and what == "pckcrl" and q.get("encoding") == "der":
            return self.crl.get(q.get("ca"))
        if tee == "sgx" and what == "rootcacrl":
            return self.root_crl
        return None

    def stop(self):
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
