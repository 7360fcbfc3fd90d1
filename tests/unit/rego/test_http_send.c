/* test_http_send.c - http.send and net.lookup_ip_addr through the engine
 * (rego.h) against a small HTTP server this file runs on 127.0.0.1 (a
 * free port, one thread, canned responses by path, every request
 * recorded): the allow_network switch (off: OPA's unsafe built-in error,
 * no connection), JSON/YAML bodies, request and response headers, POST
 * bodies, non-2xx statuses as responses, connection refused with and
 * without raise_error, timeouts, the response size limit, redirects, the
 * per-evaluation cache and requests refused before sending. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "rego/bi_http.h"
#include "rego/rego.h"

/* ---- the test server ---- */

struct route {
    const char *path;     /* request path prefix */
    const char *response; /* bytes sent back; NULL = stream big_body */
    int delay_ms;         /* before answering */
};

struct server {
    int fd, port;
    pthread_t thread;
    volatile int stop;
    const struct route *routes;
    size_t nroutes;
    size_t big_body; /* bytes streamed for a NULL response */
    pthread_mutex_t lock;
    int accepted;
    struct buf requests; /* every request received, concatenated */
};

static struct server srv;
static struct arena g_arena;

static const struct route *route_for(const char *req)
{
    const char *sp = strchr(req, ' ');
    for (size_t i = 0; sp && i < srv.nroutes; i++)
        if (!strncmp(sp + 1, srv.routes[i].path, strlen(srv.routes[i].path)))
            return &srv.routes[i];
    return NULL;
}

/* Reads one request head and its Content-Length body; 0 when the peer
 * closed first. */
static size_t read_request(int c, char *req, size_t cap)
{
    size_t n = 0;
    char *end = NULL;
    while (n + 1 < cap && !end) {
        ssize_t r = recv(c, req + n, cap - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        req[n] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    const char *cl = strcasestr(req, "\r\ncontent-length:");
    size_t want = (size_t)(end - req) + 4 + (cl ? strtoul(cl + 17, NULL, 10) : 0);
    while (n < want && n + 1 < cap) {
        ssize_t r = recv(c, req + n, cap - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    req[n] = '\0';
    return n;
}

static void send_all(int c, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void stream_big(int c)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Connection: close\r\n\r\n";
    send_all(c, head, sizeof(head) - 1);
    char chunk[65536];
    memset(chunk, 'x', sizeof(chunk));
    for (size_t sent = 0; sent < srv.big_body; sent += sizeof(chunk))
        send_all(c, chunk, sizeof(chunk));
}

static void serve_one(int c)
{
    static char req[1 << 16];
    size_t n = read_request(c, req, sizeof(req));
    if (n == 0)
        return;
    pthread_mutex_lock(&srv.lock);
    buf_append(&srv.requests, req, n);
    pthread_mutex_unlock(&srv.lock);
    const struct route *r = route_for(req);
    if (r && r->delay_ms) {
        struct timespec ts = {r->delay_ms / 1000, (r->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (r && !r->response) {
        stream_big(c);
        return;
    }
    const char *resp = r ? r->response : "HTTP/1.1 500 No Route\r\nContent-Length: 0\r\n\r\n";
    send_all(c, resp, strlen(resp));
}

static void *server_main(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        struct pollfd p = {srv.fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_mutex_lock(&srv.lock);
        srv.accepted++;
        pthread_mutex_unlock(&srv.lock);
        serve_one(c);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

/* A listening socket on 127.0.0.1 and a free port. */
static int listen_free(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert(fd >= 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fd, 16), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void server_start(const struct route *routes, size_t n)
{
    srv.routes = routes;
    srv.nroutes = n;
    srv.fd = listen_free(&srv.port);
    cr_assert_eq(pthread_create(&srv.thread, NULL, server_main, NULL), 0);
}

static int accepted(void)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.accepted;
    pthread_mutex_unlock(&srv.lock);
    return n;
}

static void setup(void)
{
    memset(&srv, 0, sizeof(srv));
    srv.fd = -1;
    pthread_mutex_init(&srv.lock, NULL);
    arena_init(&g_arena, 1 << 16);
}

static void teardown(void)
{
    if (srv.fd >= 0) {
        srv.stop = 1;
        pthread_join(srv.thread, NULL);
        close(srv.fd);
    }
    buf_free(&srv.requests);
    arena_free(&g_arena);
}

TestSuite(http_send, .init = setup, .fini = teardown, .timeout = 60);

/* ---- evaluating policies ---- */

struct outcome {
    int rc;
    struct value *v;
    struct as_error err;
};

/* Evaluates data.t.r of `package t` + body, with "@PORT@" replaced by the
 * server's port. */
static struct outcome eval_rule(const char *body, bool allow, bool strict)
{
    char *text = arena_sprintf(&g_arena, "package t\nimport rego.v1\n%s\n", body);
    for (char *p; (p = strstr(text, "@PORT@"));) {
        char *t = arena_sprintf(&g_arena, "%.*s%d%s", (int)(p - text), text, srv.port, p + 6);
        text = t;
    }
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct outcome o = {0};
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &o.err), 0, "%s", o.err.detail);
    struct rego_eval_opts opts = {.allow_network = allow, .strict_builtin_errors = strict};
    o.rc = rego_eval_path(c, "data.t.r", &opts, &g_arena, &o.v, NULL, &o.err);
    rego_compiled_free(c);
    return o;
}

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

static const struct value *get(const struct value *o, const char *key)
{
    const struct value *v = value_object_get_str(o, key);
    cr_assert(v != NULL, "no %s in %s", key, json_to_string(&g_arena, o, JSON_COMPACT));
    return v;
}

static void expect_json(const struct value *got, const char *want)
{
    cr_expect(value_equal(got, J(want)), "got %s want %s",
              json_to_string(&g_arena, got, JSON_COMPACT), want);
}

static void expect_set(const struct value *got, const char *want_array)
{
    const struct value *a = J(want_array);
    cr_expect(value_equal(got, v_set(&g_arena, a->u.arr.items, a->u.arr.len)),
              "got %s want the set of %s", json_to_string(&g_arena, got, JSON_COMPACT), want_array);
}

static const char *received(void)
{
    return srv.requests.data ? buf_cstr(&srv.requests) : "";
}

/* ---- the switch ---- */

static const struct route OK_JSON[] = {
    {"/",
     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
     "{\"a\": [1,2]}",
     0},
};

Test(http_send, switch_off_is_opas_unsafe_builtin_error_and_connects_nowhere)
{
    server_start(OK_JSON, 1);
    const char *rule =
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\"})";
    for (int strict = 0; strict < 2; strict++) {
        struct outcome o = eval_rule(rule, false, strict);
        cr_assert_eq(o.rc, -1, "the evaluation must fail even without strict errors");
        cr_expect(strstr(o.err.detail, "rego_type_error: unsafe built-in function calls in "
                                       "expression: http.send"),
                  "%s", o.err.detail);
    }
    struct outcome l = eval_rule("r := net.lookup_ip_addr(\"localhost\")", false, false);
    cr_assert_eq(l.rc, -1);
    cr_expect(strstr(l.err.detail, "unsafe built-in function calls in expression: "
                                   "net.lookup_ip_addr"),
              "%s", l.err.detail);
    usleep(100000);
    cr_expect_eq(accepted(), 0, "a connection was made with the switch off");
}

Test(http_send, switch_off_still_reports_bad_requests_first)
{
    struct outcome o = eval_rule("r := http.send({\"method\": \"get\"})", false, true);
    cr_assert_eq(o.rc, -1);
    cr_expect(strstr(o.err.detail, "eval_type_error: http.send: operand 1 missing required "
                                   "request parameters(s): {\"url\"}"),
              "%s", o.err.detail);
}

/* ---- responses ---- */

Test(http_send, get_json_body_decoded)
{
    server_start(OK_JSON, 1);
    struct outcome o = eval_rule(
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/x?q=1\"})", true,
        true);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(get(o.v, "body"), "{\"a\": [1, 2]}");
    expect_json(get(o.v, "raw_body"), "\"{\\\"a\\\": [1,2]}\"");
    expect_json(get(o.v, "status"), "\"200 OK\"");
    expect_json(get(o.v, "status_code"), "200");
    expect_json(get(get(o.v, "headers"), "content-type"), "[\"application/json\"]");
    cr_expect(!strncmp(received(), "GET /x?q=1 HTTP/1.1\r\n", 21), "%s", received());
    cr_expect(!strcasestr(received(), "\r\nAccept:"), "curl's default Accept was sent");
}

Test(http_send, headers_both_ways)
{
    static const struct route r[] = {
        {"/", "HTTP/1.1 200 OK\r\nX-Multi: a\r\nx-multi:  b \r\nContent-Length: 2\r\n\r\nhi", 0},
    };
    server_start(r, 1);
    struct outcome o = eval_rule(
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", "
        "\"headers\": {\"x-custom-thing\": \"v 1\", \"Authorization\": \"Bearer t\", "
        "\"accept\": \"application/json\", \"content-length\": \"99\", \"x-empty\": \"\"}})",
        true, true);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(get(get(o.v, "headers"), "x-multi"), "[\"a\", \"b\"]");
    expect_json(get(o.v, "body"), "null"); /* not JSON: no decoding */
    expect_json(get(o.v, "raw_body"), "\"hi\"");
    cr_expect(strstr(received(), "\r\nX-Custom-Thing: v 1\r\n"), "%s", received());
    cr_expect(strstr(received(), "\r\nAuthorization: Bearer t\r\n"), "%s", received());
    cr_expect(strstr(received(), "\r\nAccept: application/json\r\n"), "%s", received());
    cr_expect(strstr(received(), "\r\nX-Empty:"), "an empty value is still sent: %s", received());
    cr_expect(!strcasestr(received(), "content-length"),
              "Go does not send a given "
              "Content-Length: %s",
              received());
}

Test(http_send, post_with_json_body_and_raw_body)
{
    static const struct route r[] = {
        {"/", "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0},
    };
    server_start(r, 1);
    struct outcome o =
        eval_rule("r := http.send({\"method\": \"post\", \"url\": \"http://127.0.0.1:@PORT@/p\", "
                  "\"body\": {\"k\": \"v\", \"n\": [1, true]}})",
                  true, true);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(get(o.v, "status_code"), "201");
    expect_json(get(o.v, "status"), "\"201 Created\"");
    const char *req = received();
    cr_expect(!strncmp(req, "POST /p HTTP/1.1\r\n", 18), "%s", req);
    cr_expect(strstr(req, "\r\nContent-Length: 22\r\n"), "%s", req);
    cr_expect(strstr(req, "\r\n\r\n{\"k\":\"v\",\"n\":[1,true]}"), "%s", req);
    cr_expect(!strcasestr(req, "content-type"), "no Content-Type unless given: %s", req);

    struct outcome raw =
        eval_rule("r := http.send({\"method\": \"PUT\", \"url\": \"http://127.0.0.1:@PORT@/q\", "
                  "\"raw_body\": \"a=b\\u0000c\", \"body\": {\"ignored\": 1}, "
                  "\"headers\": {\"content-type\": \"  text/plain \"}})",
                  true, true);
    cr_assert_eq(raw.rc, 0, "%s", raw.err.detail);
    req = strstr(received(), "PUT /q");
    cr_assert(req, "%s", received());
    cr_expect(strstr(req, "\r\nContent-Type: text/plain\r\n"), "value trimmed as Go: %s", req);
    cr_expect(strstr(req, "\r\nContent-Length: 5\r\n"), "a NUL byte is sent too: %s", req);
    const char *body = strstr(req, "\r\n\r\n");
    cr_expect(body && !memcmp(body + 4, "a=b\0c", 5), "%s", req);
}

Test(http_send, status_404_is_a_response)
{
    static const struct route r[] = {
        {"/",
         "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
         "15\r\n\r\n{\"error\": \"no\"}",
         0},
    };
    server_start(r, 1);
    struct outcome o = eval_rule(
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/missing\"})", true,
        true);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(get(o.v, "status_code"), "404");
    expect_json(get(o.v, "status"), "\"404 Not Found\"");
    expect_json(get(o.v, "body"), "{\"error\": \"no\"}");
}

Test(http_send, yaml_and_forced_json_decoding)
{
    static const struct route r[] = {
        {"/y",
         "HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\nContent-Length: 11\r\n\r\n"
         "a: [1, 2]\nb",
         0},
        {"/j", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\n[1, 2]\n",
         0},
        {"/bad",
         "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.x+json\r\nContent-Length: "
         "4\r\n\r\n{\"a\"",
         0},
    };
    server_start(r, 3);
    struct outcome y =
        eval_rule("r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/y\"})",
                  true, true);
    cr_assert_eq(y.rc, 0, "%s", y.err.detail);
    expect_json(get(y.v, "body"), "null"); /* "b" without a value: not YAML, body null */
    struct outcome j = eval_rule("r := http.send({\"method\": \"get\", \"url\": "
                                 "\"http://127.0.0.1:@PORT@/j\", \"force_json_decode\": true})",
                                 true, true);
    cr_assert_eq(j.rc, 0, "%s", j.err.detail);
    expect_json(get(j.v, "body"), "[1, 2]");
    struct outcome b =
        eval_rule("r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/bad\"})",
                  true, true);
    cr_assert_eq(b.rc, 0, "%s", b.err.detail);
    expect_json(get(b.v, "body"), "null"); /* +json but broken: null, not an error */
}

Test(http_send, yaml_body_decoded)
{
    static const struct route r[] = {
        {"/",
         "HTTP/1.1 200 OK\r\nContent-Type: application/x-yaml\r\nContent-Length: 15\r\n\r\n"
         "a: [1, 2]\nb: c\n",
         0},
    };
    server_start(r, 1);
    struct outcome y = eval_rule(
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\"})", true, true);
    cr_assert_eq(y.rc, 0, "%s", y.err.detail);
    expect_json(get(y.v, "body"), "{\"a\": [1, 2], \"b\": \"c\"}");
}

/* ---- failures ---- */

Test(http_send, connection_refused)
{
    int port;
    close(listen_free(&port)); /* a port nobody listens on */
    srv.port = port;
    struct outcome soft =
        eval_rule("r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", "
                  "\"raise_error\": false})",
                  true, true);
    cr_assert_eq(soft.rc, 0, "%s", soft.err.detail);
    expect_json(get(soft.v, "status_code"), "0");
    const struct value *e = get(soft.v, "error");
    expect_json(get(e, "code"), "\"eval_http_send_network_error\"");
    char *want = arena_sprintf(&g_arena,
                               "Get \"http://127.0.0.1:%d/\": dial tcp 127.0.0.1:%d: connect: "
                               "connection refused",
                               port, port);
    cr_expect_str_eq(get(e, "message")->u.str.s, want);

    struct outcome hard = eval_rule(
        "r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\"})", true, true);
    cr_assert_eq(hard.rc, -1);
    cr_expect(strstr(hard.err.detail, "eval_builtin_error: http.send: Get"), "%s", hard.err.detail);
    cr_expect(strstr(hard.err.detail, "connect: connection refused"), "%s", hard.err.detail);
    /* without strict built-in errors OPA makes the call undefined */
    struct outcome lax =
        eval_rule("r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\"})",
                  true, false);
    cr_assert_eq(lax.rc, 0, "%s", lax.err.detail);
    cr_expect_null(lax.v);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(http_send, timeout_honoured)
{
    static const struct route r[] = {
        {"/slow", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1500},
    };
    server_start(r, 1);
    double t0 = now_s();
    struct outcome o = eval_rule("r := http.send({\"method\": \"get\", \"url\": "
                                 "\"http://127.0.0.1:@PORT@/slow\", \"timeout\": \"200ms\"})",
                                 true, true);
    double took = now_s() - t0;
    cr_assert_eq(o.rc, -1);
    char *want = arena_sprintf(
        &g_arena, "http.send: Get http://127.0.0.1:%d/slow: request timed out", srv.port);
    cr_expect(strstr(o.err.detail, want), "%s", o.err.detail);
    cr_expect(took < 1.2, "took %.2f s for a 200 ms timeout", took);

    struct outcome soft = eval_rule("r := http.send({\"method\": \"get\", \"url\": "
                                    "\"http://127.0.0.1:@PORT@/slow\", \"timeout\": 200000000, "
                                    "\"raise_error\": false})",
                                    true, true);
    cr_assert_eq(soft.rc, 0, "%s", soft.err.detail);
    cr_expect(strstr(get(get(soft.v, "error"), "message")->u.str.s, "Client.Timeout exceeded"));
}

Test(http_send, oversize_response_refused)
{
    static const struct route r[] = {
        {"/declared", "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\nxx", 0},
        {"/streamed", NULL, 0},
    };
    srv.big_body = BI_HTTP_MAX_BODY + (1u << 16);
    server_start(r, 2);
    const char *paths[] = {"declared", "streamed"};
    for (size_t i = 0; i < 2; i++) {
        char *rule = arena_sprintf(&g_arena,
                                   "r := http.send({\"method\": \"get\", \"url\": "
                                   "\"http://127.0.0.1:@PORT@/%s\", \"raise_error\": false})",
                                   paths[i]);
        struct outcome o = eval_rule(rule, true, true);
        cr_assert_eq(o.rc, 0, "%s", o.err.detail);
        const struct value *e = get(o.v, "error");
        expect_json(get(e, "code"), "\"eval_http_send_internal_error\"");
        cr_expect(strstr(get(e, "message")->u.str.s, "response body larger than"), "%s",
                  get(e, "message")->u.str.s);
    }
}

Test(http_send, redirects_only_when_enabled)
{
    static char moved[256];
    static struct route r[] = {
        {"/old", moved, 0},
        {"/new", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew", 0},
    };
    server_start(r, 2);
    snprintf(moved, sizeof(moved),
             "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/new\r\nContent-Length: "
             "0\r\n\r\n",
             srv.port);
    struct outcome stay =
        eval_rule("r := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/old\"})",
                  true, true);
    cr_assert_eq(stay.rc, 0, "%s", stay.err.detail);
    expect_json(get(stay.v, "status_code"), "302");
    cr_expect(value_object_get_str(get(stay.v, "headers"), "location") != NULL);
    struct outcome go = eval_rule("r := http.send({\"method\": \"get\", \"url\": "
                                  "\"http://127.0.0.1:@PORT@/old\", \"enable_redirect\": true})",
                                  true, true);
    cr_assert_eq(go.rc, 0, "%s", go.err.detail);
    expect_json(get(go.v, "status_code"), "200");
    expect_json(get(go.v, "raw_body"), "\"new\"");
    cr_expect(!value_object_get_str(get(go.v, "headers"), "location"),
              "headers of the final response only");
}

Test(http_send, same_request_once_per_evaluation)
{
    server_start(OK_JSON, 1);
    struct outcome o = eval_rule(
        "q := {\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\"}\n"
        "r := [http.send(q).body, http.send(q).body, http.send(object.union(q, {\"headers\": "
        "{\"a\": \"b\"}})).status_code]",
        true, true);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(o.v, "[{\"a\": [1, 2]}, {\"a\": [1, 2]}, 200]");
    cr_expect_eq(accepted(), 2, "one exchange per distinct request, got %d", accepted());
}

Test(http_send, refused_before_sending)
{
    server_start(OK_JSON, 1);
    static const struct {
        const char *req, *want;
    } cases[] = {
        {"{\"method\": \"get\", \"url\": \"file:///etc/passwd\"}",
         "Get \"file:///etc/passwd\": unsupported protocol scheme \"file\""},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"headers\": {\"x\": "
         "\"a\\r\\nInjected: 1\"}}",
         "net/http: invalid header field value for \"X\""},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"headers\": {\"x\": 1}}",
         "invalid type for headers value \"1\""},
        {"{\"method\": \"g et\", \"url\": \"http://127.0.0.1:@PORT@/\"}",
         "net/http: invalid method \"G ET\""},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"timeout\": \"5 parsecs\"}",
         "invalid timeout value \"5 parsecs\""},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"enable_redirect\": "
         "\"yes\"}",
         "strconv.ParseBool: parsing \"\\\"yes\\\"\": invalid syntax"},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"raise_error\": 1}",
         "http.send: invalid value for raise_error field"},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\", \"max_retry_attempts\": -1}",
         "invalid value -1 for field \"max_retry_attempts\""},
        {"{\"method\": \"get\", \"url\": 7}", "\"url\" must be a string"},
        {"{\"method\": \"get\", \"url\": \"http://127.0.0.1:@PORT@/\\u0000x\"}",
         "net/url: invalid control character in URL"},
        {"{\"method\": \"get\\u0000x\", \"url\": \"http://127.0.0.1:@PORT@/\"}",
         "net/http: invalid method"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outcome o =
            eval_rule(arena_sprintf(&g_arena, "r := http.send(%s)", cases[i].req), true, true);
        cr_expect_eq(o.rc, -1, "case %zu: no error", i);
        cr_expect(strstr(o.err.detail, cases[i].want), "case %zu: %s", i, o.err.detail);
    }
    usleep(100000);
    cr_expect_eq(accepted(), 0, "a refused request reached the server");
}

Test(http_send, retries_then_network_error_object)
{
    int port;
    close(listen_free(&port));
    srv.port = port;
    double t0 = now_s();
    struct outcome o = eval_rule("r := http.send({\"method\": \"get\", \"url\": "
                                 "\"http://127.0.0.1:@PORT@/\", \"max_retry_attempts\": 2, "
                                 "\"raise_error\": false})",
                                 true, true);
    double took = now_s() - t0;
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    expect_json(get(get(o.v, "error"), "code"), "\"eval_http_send_network_error\"");
    /* pauses 0 then 160 ms before the second and third attempts */
    cr_expect(took >= 0.15 && took < 2.0, "took %.2f s", took);
}

/* ---- net.lookup_ip_addr ---- */

Test(http_send, lookup_ip_addr)
{
    struct outcome lit = eval_rule("r := net.lookup_ip_addr(\"10.0.0.1\")", true, true);
    cr_assert_eq(lit.rc, 0, "%s", lit.err.detail);
    expect_set(lit.v, "[\"10.0.0.1\"]");
    struct outcome v6 = eval_rule("r := net.lookup_ip_addr(\"::ffff:10.0.0.2\")", true, true);
    cr_assert_eq(v6.rc, 0, "%s", v6.err.detail);
    expect_set(v6.v, "[\"10.0.0.2\"]");
    struct outcome bad = eval_rule("r := net.lookup_ip_addr(\"no-such-host.invalid\")", true, true);
    cr_assert_eq(bad.rc, -1);
    cr_expect(strstr(bad.err.detail, "net.lookup_ip_addr: lookup no-such-host.invalid: "));
    struct outcome lh = eval_rule("r := net.lookup_ip_addr(\"localhost\")", true, true);
    if (lh.rc != 0)
        cr_skip("the resolver cannot resolve localhost here: %s", lh.err.detail);
    bool has = false;
    for (size_t i = 0; i < lh.v->u.arr.len; i++)
        has |= !strcmp(lh.v->u.arr.items[i]->u.str.s, "127.0.0.1") ||
               !strcmp(lh.v->u.arr.items[i]->u.str.s, "::1");
    cr_expect(has, "localhost -> %s", json_to_string(&g_arena, lh.v, JSON_COMPACT));
}

/* ---- redirects as Go's client follows them ---- */

static char R_PUT[256], R_POST[256], R_LOOP[256], R_OTHER[256], R_FILE[128];

static const char *request_at(const char *path_line)
{
    const char *p = strstr(received(), path_line);
    cr_assert(p, "no request \"%s\" in:\n%s", path_line, received());
    return p;
}

Test(http_send, redirect_methods_headers_and_limits)
{
    static struct route r[] = {
        {"/put", R_PUT, 0},   {"/post", R_POST, 0},
        {"/loop", R_LOOP, 0}, {"/other", R_OTHER, 0},
        {"/file", R_FILE, 0}, {"/end", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend", 0},
    };
    server_start(r, 6);
    int port = srv.port;
    snprintf(R_PUT, sizeof(R_PUT),
             "HTTP/1.1 302 Found\r\nLocation: /end?from=put\r\n"
             "Content-Length: 0\r\n\r\n");
    snprintf(R_POST, sizeof(R_POST),
             "HTTP/1.1 307 Temporary Redirect\r\nLocation: "
             "http://127.0.0.1:%d/end?from=post\r\nContent-Length: 0\r\n\r\n",
             port);
    snprintf(R_LOOP, sizeof(R_LOOP),
             "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: "
             "0\r\n\r\n");
    snprintf(R_OTHER, sizeof(R_OTHER),
             "HTTP/1.1 301 Moved\r\nLocation: "
             "http://localhost:%d/end?from=other\r\nContent-Length: 0\r\n\r\n",
             port);
    snprintf(R_FILE, sizeof(R_FILE),
             "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n"
             "Content-Length: 0\r\n\r\n");
    const char *base = "\"enable_redirect\": true, \"headers\": {\"authorization\": \"Bearer s\"}";

    struct outcome put =
        eval_rule(arena_sprintf(&g_arena,
                                "r := http.send({\"method\": \"put\", \"url\": "
                                "\"http://127.0.0.1:@PORT@/put\", \"raw_body\": \"data\", %s})",
                                base),
                  true, true);
    cr_assert_eq(put.rc, 0, "%s", put.err.detail);
    expect_json(get(put.v, "raw_body"), "\"end\"");
    const char *hop = request_at("GET /end?from=put HTTP/1.1");
    cr_expect(!strstr(hop, "data"), "302 after PUT continues with GET without the body");
    cr_expect(strstr(hop, "Authorization: Bearer s"), "same host keeps Authorization: %s", hop);

    struct outcome post =
        eval_rule(arena_sprintf(&g_arena,
                                "r := http.send({\"method\": \"post\", \"url\": "
                                "\"http://127.0.0.1:@PORT@/post\", \"raw_body\": \"keep\", %s})",
                                base),
                  true, true);
    cr_assert_eq(post.rc, 0, "%s", post.err.detail);
    hop = request_at("POST /end?from=post HTTP/1.1");
    cr_expect(strstr(hop, "\r\n\r\nkeep"), "307 repeats method and body: %s", hop);

    struct outcome other = eval_rule(arena_sprintf(&g_arena,
                                                   "r := http.send({\"method\": \"get\", \"url\": "
                                                   "\"http://127.0.0.1:@PORT@/other\", %s})",
                                                   base),
                                     true, true);
    if (other.rc == 0) {
        hop = request_at("GET /end?from=other HTTP/1.1");
        const char *end = strstr(hop, "\r\n\r\n");
        const char *auth = strstr(hop, "Authorization:");
        cr_expect(!auth || (end && auth > end), "Authorization sent to another host: %s", hop);
    } else {
        cr_log_warn("localhost does not reach 127.0.0.1 here: %s", other.err.detail);
    }

    int before_loop = accepted();
    struct outcome loop = eval_rule(arena_sprintf(&g_arena,
                                                  "r := http.send({\"method\": \"get\", \"url\": "
                                                  "\"http://127.0.0.1:@PORT@/loop\", %s})",
                                                  base),
                                    true, true);
    cr_assert_eq(loop.rc, -1);
    char *want = arena_sprintf(&g_arena,
                               "http.send: Get \"http://127.0.0.1:%d/loop\": stopped after 10 "
                               "redirects",
                               port);
    cr_expect(strstr(loop.err.detail, want), "%s", loop.err.detail);
    cr_expect_eq(accepted() - before_loop, 10, "Go sends at most 10 requests, got %d",
                 accepted() - before_loop);

    int before = accepted();
    struct outcome file = eval_rule(arena_sprintf(&g_arena,
                                                  "r := http.send({\"method\": \"get\", \"url\": "
                                                  "\"http://127.0.0.1:@PORT@/file\", %s})",
                                                  base),
                                    true, true);
    cr_assert_eq(file.rc, -1);
    cr_expect(strstr(file.err.detail, "Get \"file:///etc/passwd\": unsupported protocol scheme "
                                      "\"file\""),
              "%s", file.err.detail);
    cr_expect_eq(accepted(), before + 1, "only the redirecting request was made");
}
