"""test_cors.py - CORS as the V26 original (actix-cors 0.7, api.md §9):
preflights answered 200/400, actual requests never blocked, allowed origins
echoed, the Vary header on every response."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server  # noqa: E402

t = Checks("cors")
VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
OK = "http://app.example:3000"
OTHER = "https://other.example"


def preflight(s, origin=OK, method="POST", headers=None, path="/attestation"):
    h = {}
    if origin is not None:
        h["Origin"] = origin
    if method is not None:
        h["Access-Control-Request-Method"] = method
    if headers is not None:
        h["Access-Control-Request-Headers"] = headers
    return s.request("OPTIONS", path, headers=h)


def with_origins(s):
    r = preflight(s, headers="content-type")
    t.check("preflight from an allowed origin -> 200", r.status == 200, r)
    t.check("preflight echoes the origin", r.header("Access-Control-Allow-Origin") == OK,
            r.headers)
    methods = {m.strip() for m in (r.header("Access-Control-Allow-Methods") or "").split(",")}
    t.check("preflight allows exactly GET, OPTIONS, POST", methods == {"GET", "OPTIONS", "POST"},
            methods)
    allowed = {h.strip().lower() for h in (r.header("Access-Control-Allow-Headers") or "").split(",")}
    t.check("preflight allows content-type and authorization",
            allowed == {"content-type", "authorization"}, allowed)
    t.check("preflight max age 86400", r.header("Access-Control-Max-Age") == "86400", r.headers)
    t.check("preflight has no credentials header",
            r.header("Access-Control-Allow-Credentials") is None, r.headers)
    t.check("preflight carries Vary", r.header("Vary") == VARY, r.header("Vary"))
    r = preflight(s, path="/policy", method="GET", headers="Authorization, Content-Type")
    t.check("preflight GET /policy with both allowed headers -> 200", r.status == 200, r)
    r = preflight(s, path="/anything-at-all")
    t.check("preflight is answered before routing (unknown path -> 200)", r.status == 200, r)

    t.check_error(preflight(s, origin=OTHER), 400, None, "preflight from another origin -> 400",
                  "Origin is not allowed")
    t.check_error(preflight(s, origin=None), 400, None, "preflight without Origin -> 400")
    t.check_error(preflight(s, method="DELETE"), 400, None, "preflight for DELETE -> 400",
                  "method is not allowed")
    t.check_error(preflight(s, method="PUT"), 400, None, "preflight for PUT -> 400")
    t.check_error(preflight(s, headers="X-Custom"), 400, None,
                  "preflight with a header not allowed -> 400", "headers are not allowed")
    r = preflight(s, origin=OTHER)
    t.check("rejected preflight has no allow-origin",
            r.header("Access-Control-Allow-Origin") is None, r.headers)

    # OPTIONS without Access-Control-Request-Method is not a preflight
    r = s.request("OPTIONS", "/policy", headers={"Origin": OK})
    t.check_error(r, 405, "method_not_allowed", "OPTIONS without request method -> 405")

    # actual requests
    r = s.request("GET", "/healthz", headers={"Origin": OK})
    t.check("actual request from an allowed origin gets Access-Control-Allow-Origin",
            r.status == 200 and r.header("Access-Control-Allow-Origin") == OK, r.headers)
    t.check("actual request has no Allow-Methods",
            r.header("Access-Control-Allow-Methods") is None, r.headers)
    r = s.request("GET", "/healthz", headers={"Origin": OTHER})
    t.check("actual request from another origin is served, without allow-origin",
            r.status == 200 and r.header("Access-Control-Allow-Origin") is None, r.headers)
    r = s.request("GET", "/healthz")
    t.check("request without Origin still gets Vary", r.header("Vary") == VARY, r.headers)
    r = s.request("GET", "/nope", headers={"Origin": OK})
    t.check("error responses get allow-origin and Vary too",
            r.status == 404 and r.header("Access-Control-Allow-Origin") == OK
            and r.header("Vary") == VARY, r.headers)
    r = s.request("POST", "/attestation", body="{", headers={"Origin": OK})
    t.check("400 from an allowed origin carries allow-origin",
            r.status == 400 and r.header("Access-Control-Allow-Origin") == OK, r.headers)


with Server(t, origins=[f"{OK}, ftp://ignored.example", "not-an-origin", "https://second.example"]) as srv:
    with_origins(srv)
    r = preflight(srv, origin="https://second.example")
    t.check("second --allowed_origin flag is honoured", r.status == 200, r)
    t.check("origins without http(s):// are logged as invalid",
            len(srv.log_lines("Invalid CORS origin format")) == 2,
            srv.log_lines("CORS"))
    t.check_error(preflight(srv, origin="ftp://ignored.example"), 400, None,
                  "an ignored origin is not allowed")

with Server(t) as srv:
    t.check_error(preflight(srv), 400, None, "no --allowed_origin: every preflight -> 400")
    r = srv.request("GET", "/healthz", headers={"Origin": OK})
    t.check("no --allowed_origin: actual requests served without allow-origin",
            r.status == 200 and r.header("Access-Control-Allow-Origin") is None
            and r.header("Vary") == VARY, r.headers)

t.finish()
