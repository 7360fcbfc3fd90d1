"""test_e2e_sample.py - the original's end-to-end flow
(trustee attestation-service/tests/e2e: Makefile targets restful.pid,
request.json, restful-test, stop-restful-as) reproduced for the sample TEE:

  1. start `RUST_LOG=info restful-as --socket 127.0.0.1:PORT` with no config
     file (built-in defaults; AS_WORK_DIR points at a temp dir instead of
     /opt/confidential-containers/attestation-service);
  2. turn an evidence file and a raw runtime-data file into URL-safe base64
     without padding exactly as the Makefile does
     (`base64 -w0 | tr -d '=' | sed -e "s/+/-/g" -e "s/\\//_/g"`) and fill a
     request template with sed;
  3. `curl -k -X POST http://127.0.0.1:PORT/attestation -i
     -H 'Content-Type: application/json' -d @request.json` -> HTTP 200 + JWT;
  4. stop the service with a signal and remove the work dir.
"""

import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server  # noqa: E402

t = Checks("e2e-sample")
if not shutil.which("curl"):
    t.skip("e2e flow", "curl not installed")
    t.finish()

d = tempfile.mkdtemp(prefix="as-e2e-")
RAW_RUNTIME_DATA = b"e2e runtime \xfb\xef\xff binding!"  # its base64 has "+" and "/"
with open(os.path.join(d, "raw-runtime-data"), "wb") as f:
    f.write(RAW_RUNTIME_DATA)
with open(os.path.join(d, "evidence.json"), "w") as f:
    f.write('{"svn":"1","report_data":"%s"}' % base64.b64encode(RAW_RUNTIME_DATA).decode())
with open(os.path.join(d, "request.json.template"), "w") as f:
    f.write('{\n    "tee": "%TEE_NAME%",\n    "evidence": "%EVIDENCE%",\n'
            '    "runtime_data": {"raw": "%RUNTIME_DATA%"},\n    "policy_ids": []\n}\n')


def makefile_b64(path):
    sh = f"cat '{path}' | base64 -w0 | tr -d '=' | sed -e \"s/+/-/g\" -e \"s/\\//_/g\""
    return subprocess.run(["sh", "-c", sh], capture_output=True, check=True).stdout.decode()


evidence = makefile_b64(os.path.join(d, "evidence.json"))
runtime = makefile_b64(os.path.join(d, "raw-runtime-data"))
t.check("the Makefile's encoding yields URL-safe base64 without padding",
        re.fullmatch(r"[A-Za-z0-9_-]+", evidence + runtime) is not None, evidence + runtime)
subprocess.run(["sh", "-c", f"sed -e 's/%TEE_NAME%/sample/g' -e 's/%EVIDENCE%/{evidence}/g' "
                f"-e 's/%RUNTIME_DATA%/{runtime}/g' '{d}/request.json.template' > "
                f"'{d}/request.json'"], check=True)

srv = Server(t, config=False, workers=None, env={"RUST_LOG": "info"})
try:
    cp = srv.curl("-k", "-X", "POST", srv.url("/attestation"), "-i", "-H",
                  "Content-Type: application/json", "-d", f"@{d}/request.json")
    out = cp.stdout.decode("utf-8", "replace")
    head, _, body = out.partition("\r\n\r\n")
    t.check("curl POST /attestation -> HTTP/1.1 200", head.startswith("HTTP/1.1 200"), out[:400])
    t.check("the body is a compact JWS", re.fullmatch(
        r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", body) is not None, body[:200])
    t.check("Content-Type: application/jwt", "content-type: application/jwt" in head.lower(),
            head)
    # the same evidence with the runtime data of another session is refused
    with open(f"{d}/request.json") as f:
        tampered = f.read().replace(runtime, runtime[:-2] + ("AA" if runtime[-2:] != "AA" else "BB"))
    cp = srv.curl("-X", "POST", srv.url("/attestation"), "-H", "Content-Type: application/json",
                  "-d", tampered, "-w", "\n%{http_code}")
    text = cp.stdout.decode()
    t.check("other runtime data -> 403 report_data_mismatch",
            text.endswith("\n403") and "report_data_mismatch" in text, text[-300:])
    t.check("the service logged the requests",
            len(srv.wait_log(r'restful_as::access: .*"POST /attestation"', 2)) == 2,
            srv.stderr()[-600:])
    t.check("server still serving", srv.alive())
finally:
    srv.stop()
shutil.rmtree(srv.work_dir, ignore_errors=True)  # `rm -rf $(AS_CACHE_PATH)`
t.check("work dir removed after stop", not os.path.exists(srv.work_dir))
shutil.rmtree(srv.tmp, ignore_errors=True)
shutil.rmtree(d, ignore_errors=True)
t.finish()
