"""mock_kds.py - a stand-in for AMD KDS on loopback, for the SNP API tests.

Serves GET /vcek/v1/<product>/<hwid>?<query> from a dict
{(product, hwid, query): der_bytes}; anything else is 404.  Every request
path is recorded (`requests`), so tests can check the exact URL the service
built and that a cached VCEK is not fetched twice.  stop() closes the port,
which is how tests make "KDS unreachable".

Standard library only.
"""

import http.server
import threading


class MockKds:
    def __init__(self, certs):
        self.certs = dict(certs)
        self.requests = []
        kds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                kds.requests.append(self.path)
                path, _, query = self.path.partition("?")
                parts = path.split("/")
                key = None
                if len(parts) == 5 and parts[1] == "vcek" and parts[2] == "v1":
                    key = (parts[3], parts[4], query)
                body = kds.certs.get(key)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-cert")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __exit__(self, *exc):
        self.stop()
