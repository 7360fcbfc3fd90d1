/* http.c - libmicrohttpd glue: request state machine, transport rules,
 * CORS headers, JSON errors, access log.  See server.h.
 *
 * A request's life (one struct request, created by the URI-log callback so
 * it exists before any handler call and always reaches request_completed):
 *   1. first handler call: refuse ambiguous or unsupported body framing
 *      (400/501, connection closed), decode the path, answer CORS
 *      preflights, look the route up (404/405), check Content-Type (415)
 *      and Content-Length (413).
 *      An answer queued here is sent without reading the body (MHD closes
 *      the connection when a body was announced).
 *   2. upload calls: append to the body until max_body_bytes; past it the
 *      request is answered 413 and the connection closed (chunked bodies).
 *   3. final call: parse the JSON body (400 invalid_json), run the handler.
 *   4. completion: access-log line, arena and body freed. */
#include "server/server.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "server/http_rules.h"
#include "server/net.h"
#include "server/routes.h"
#include "value/value.h"

#define LOG_TARGET "restful_as"
#define ACCESS_TARGET "restful_as::access"

struct server {
    struct MHD_Daemon *daemon;
    struct server_config cfg;
    atomic_uint_fast64_t next_id;
};

enum request_phase { PHASE_NEW, PHASE_BODY, PHASE_ANSWERED };

/* Per connection: the request the URI-log callback created that no
 * completion callback has released yet.  libmicrohttpd 0.9.75 does not call
 * the completion callback for every request it rejects itself (a request
 * line whose query arguments exhaust the connection's memory pool leaked
 * its request); the connection-closed notification, which comes after any
 * completion callback, frees such a request. */
struct conn_state {
    struct request *pending;
};

struct request {
    struct server *srv;
    struct conn_state *conn; /* NULL once released by the completion callback */
    uint64_t id;
    struct timespec start;
    enum request_phase phase;
    const struct route *route;
    const char *param;
    char *raw_target;  /* as received (heap), for routing and the log */
    char method[16];   /* for the access log */
    struct arena arena;
    struct buf body;
    int status;        /* 0 until answered */
};

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ------------------------------------------------------------ responses */

static void add_cors_headers(const struct server *srv, struct MHD_Connection *c,
                             struct MHD_Response *resp)
{
    const char *origin = header(c, MHD_HTTP_HEADER_ORIGIN);
    if (cors_origin_allowed(srv->cfg.cors, origin))
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, CORS_VARY);
}

/* Queues status + body (copied) with the given headers; NULL values skipped. */
static enum MHD_Result send_response(struct request *r, struct MHD_Connection *c, int status,
                                     const char *content_type, const char *body, size_t len,
                                     const char *const *extra)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (const char *const *h = extra; h && h[0]; h += 2)
        if (h[1])
            MHD_add_response_header(resp, h[0], h[1]);
    add_cors_headers(r->srv, c, resp);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES) {
        r->status = status;
        r->phase = PHASE_ANSWERED;
    }
    return rc;
}

/* api.md §10.2: {"type","detail"} with application/json. */
static enum MHD_Result send_error(struct request *r, struct MHD_Connection *c,
                                  const struct as_error *e, const char *const *extra)
{
    int status = e->status >= 400 && e->status <= 599 ? e->status : 500;
    const char *type = e->type[0] ? e->type : ERR_INTERNAL;
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"type\":");
    json_print_string(&b, type, strlen(type));
    buf_puts(&b, ",\"detail\":");
    json_print_string(&b, e->detail, strlen(e->detail));
    buf_putc(&b, '}');
    if (status >= 500)
        LOG_E(LOG_TARGET, "%d %s: %s", status, type, e->detail);
    else
        LOG_I(LOG_TARGET, "%d %s: %s", status, type, e->detail);
    enum MHD_Result rc = buf_failed(&b)
                             ? MHD_NO
                             : send_response(r, c, status, "application/json", buf_cstr(&b),
                                             b.len, extra);
    buf_free(&b);
    return rc;
}

static enum MHD_Result fail(struct request *r, struct MHD_Connection *c, int status,
                            const char *type, const char *detail)
{
    struct as_error e;
    as_err(&e, status, type, "%s", detail);
    return send_error(r, c, &e, NULL);
}

/* --------------------------------------------------------- first call */

static enum MHD_Result answer_preflight(struct request *r, struct MHD_Connection *c,
                                        const char *method, bool *answered)
{
    struct cors_request cr = {
        .method = method,
        .origin = header(c, MHD_HTTP_HEADER_ORIGIN),
        .request_method = header(c, "Access-Control-Request-Method"),
        .request_headers = header(c, "Access-Control-Request-Headers"),
    };
    const char *why;
    enum cors_verdict v = cors_check_preflight(r->srv->cfg.cors, &cr, &why);
    *answered = v != CORS_NOT_PREFLIGHT;
    if (v == CORS_PREFLIGHT_BAD)
        return fail(r, c, 400, "cors_rejected", why);
    if (v == CORS_NOT_PREFLIGHT)
        return MHD_YES;
    static const char *const allow[] = {
        "Access-Control-Allow-Methods", CORS_ALLOW_METHODS,
        "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age", CORS_MAX_AGE, NULL, NULL};
    return send_response(r, c, 200, NULL, "", 0, allow);
}

static enum MHD_Result check_body_rules(struct request *r, struct MHD_Connection *c)
{
    if (!media_type_is_json(header(c, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return fail(r, c, 415, ERR_UNSUPPORTED_MEDIA,
                    "Content-Type must be a JSON media type (application/json, */*+json)");
    const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t n;
    if (cl && content_length_parse(cl, &n) == 0 && n > r->srv->cfg.max_body_bytes) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request body of %llu bytes exceeds the limit of %zu bytes",
                 (unsigned long long)n, r->srv->cfg.max_body_bytes);
        return fail(r, c, 413, ERR_PAYLOAD_TOO_LARGE, msg);
    }
    return MHD_YES;
}

struct framing_scan {
    struct framing f;
    const char *first_length;
};

static enum MHD_Result scan_framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    (void)kind;
    struct framing_scan *s = cls;
    value = value ? value : "";
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (s->f.n_content_length++ == 0)
            s->first_length = value;
        else if (strcmp(s->first_length, value) != 0)
            s->f.content_lengths_differ = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        if (s->f.n_transfer_encoding++ == 0)
            s->f.transfer_encoding = value;
    }
    return MHD_YES;
}

/* RFC 9112 §6.3: a body framed two ways could be read differently by a
 * proxy in front (request smuggling); an unknown coding cannot be read at
 * all.  Answered at once and the connection closed, so nothing after this
 * request on the connection is ever interpreted. */
static enum MHD_Result check_framing(struct request *r, struct MHD_Connection *c, bool *answered)
{
    struct framing_scan scan = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, scan_framing_header, &scan);
    enum framing_verdict v = framing_judge(&scan.f);
    *answered = v != FRAMING_OK;
    if (v == FRAMING_OK)
        return MHD_YES;
    static const char *const close_conn[] = {MHD_HTTP_HEADER_CONNECTION, "close", NULL, NULL};
    struct as_error e;
    if (v == FRAMING_AMBIGUOUS)
        as_err(&e, 400, ERR_INVALID_REQUEST,
               "ambiguous request body framing: Transfer-Encoding together with "
               "Content-Length, or Content-Length values that differ");
    else
        as_err(&e, 501, ERR_NOT_IMPLEMENTED,
               "unsupported Transfer-Encoding (only a single \"chunked\" is supported)");
    return send_error(r, c, &e, close_conn);
}

static enum MHD_Result first_call(struct request *r, struct MHD_Connection *c,
                                  const char *method)
{
    r->phase = PHASE_BODY;
    snprintf(r->method, sizeof(r->method), "%s", method);
    bool answered;
    enum MHD_Result rc = check_framing(r, c, &answered);
    if (answered || rc != MHD_YES)
        return rc;
    char *path;
    if (path_decode(&r->arena, r->raw_target, &path) < 0)
        return fail(r, c, 400, ERR_INVALID_REQUEST, "malformed percent-encoding in the path");
    rc = answer_preflight(r, c, method, &answered);
    if (answered || rc != MHD_YES)
        return rc;
    const char *allow = NULL;
    switch (route_lookup(method, path, &r->arena, &r->route, &r->param, &allow)) {
    case ROUTE_NO_PATH: return fail(r, c, 404, ERR_NOT_FOUND, "no such endpoint");
    case ROUTE_NO_METHOD: {
        struct as_error e;
        as_err(&e, 405, ERR_METHOD_NOT_ALLOWED, "method %s is not allowed here (allowed: %s)",
               method, allow);
        const char *const extra[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL, NULL};
        return send_error(r, c, &e, extra);
    }
    case ROUTE_FOUND: break;
    }
    if (r->route->flags & ROUTE_JSON_BODY)
        return check_body_rules(r, c);
    return MHD_YES;
}

/* ---------------------------------------------------------- body + final */

static enum MHD_Result take_upload(struct request *r, struct MHD_Connection *c,
                                   const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (r->body.len + n > r->srv->cfg.max_body_bytes) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request body exceeds the limit of %zu bytes",
                 r->srv->cfg.max_body_bytes);
        r->status = 413;
        /* MHD cannot queue a response mid-body: close the connection so the
         * rest is never read (the client sees the connection end). */
        if (fail(r, c, 413, ERR_PAYLOAD_TOO_LARGE, msg) == MHD_YES)
            return MHD_YES;
        r->phase = PHASE_ANSWERED;
        return MHD_NO;
    }
    buf_append(&r->body, data, n);
    if (buf_failed(&r->body)) {
        r->status = 500;
        r->phase = PHASE_ANSWERED;
        return MHD_NO;
    }
    return MHD_YES;
}

static enum MHD_Result final_call(struct request *r, struct MHD_Connection *c)
{
    struct route_ctx ctx = {
        .service = r->srv->cfg.service, .arena = &r->arena, .param = r->param};
    struct as_error err;
    as_err_clear(&err);
    if (r->route->flags & ROUTE_JSON_BODY) {
        struct value *json;
        if (json_parse(&r->arena, r->body.data ? r->body.data : "", r->body.len, NULL, &json,
                       &err) < 0) {
            err.status = 400;
            snprintf(err.type, sizeof(err.type), "%s", ERR_INVALID_JSON);
            return send_error(r, c, &err, NULL);
        }
        ctx.json = json;
    }
    struct http_response res = {0};
    if (r->route->handler(&ctx, &res, &err) < 0)
        return send_error(r, c, &err, NULL);
    return send_response(r, c, res.status, res.content_type, res.body, res.body_len, NULL);
}

/* ------------------------------------------------------------- callbacks */

static struct request *request_new(struct server *srv, const char *target)
{
    struct request *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->raw_target = strdup(target ? target : "");
    if (!r->raw_target) {
        free(r);
        return NULL;
    }
    r->srv = srv;
    r->id = atomic_fetch_add(&srv->next_id, 1);
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    arena_init(&r->arena, 16 * 1024);
    buf_init(&r->body);
    return r;
}

static void request_free(struct request *r)
{
    if (r->conn && r->conn->pending == r)
        r->conn->pending = NULL;
    arena_free(&r->arena);
    buf_free(&r->body);
    free(r->raw_target);
    free(r);
}

static struct conn_state *conn_state_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void log_access(struct request *r, struct MHD_Connection *c, const char *note);

static void *on_request_start(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct request *r = request_new(cls, uri);
    struct conn_state *cs = conn_state_of(c);
    if (r && cs) {
        if (cs->pending) { /* the previous request was never completed */
            log_access(cs->pending, c, " (rejected by libmicrohttpd)");
            request_free(cs->pending);
        }
        cs->pending = r;
        r->conn = cs;
    }
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)url, (void)version;
    struct request *r = *con_cls;
    if (!r) {
        r = *con_cls = request_new(cls, url);
        if (!r)
            return MHD_NO;
    }
    log_set_request_id(r->id);
    enum MHD_Result rc = MHD_YES;
    if (r->phase == PHASE_NEW)
        rc = first_call(r, c, method);
    else if (r->phase == PHASE_ANSWERED)
        *upload_data_size = 0;
    else if (*upload_data_size > 0)
        rc = take_upload(r, c, upload_data, upload_data_size);
    else
        rc = final_call(r, c);
    log_set_request_id(0);
    return rc;
}

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr)
        net_format(ci->client_addr, out, n);
    else
        snprintf(out, n, "-");
}

static void log_access(struct request *r, struct MHD_Connection *c, const char *note)
{
    log_set_request_id(r->id);
    char peer[80];
    client_address(c, peer, sizeof(peer));
    char status[16];
    if (r->status)
        snprintf(status, sizeof(status), "%d", r->status);
    else
        snprintf(status, sizeof(status), "-");
    LOG_I(ACCESS_TARGET, "%s \"%s %.200s\" %s %zu %.3fms%s", peer, r->method[0] ? r->method : "-",
          r->raw_target, status, r->body.len, elapsed_ms(&r->start), note);
    log_set_request_id(0);
}

static void on_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    log_access(r, c,
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
    request_free(r);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct conn_state)); /* NULL: no tracking */
        return;
    }
    struct conn_state *cs = *socket_context;
    if (!cs)
        return;
    if (cs->pending) {
        log_access(cs->pending, c, " (rejected by libmicrohttpd)");
        request_free(cs->pending);
    }
    free(cs);
    *socket_context = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    LOG_D("restful_as::mhd", "%s", msg);
}

/* ------------------------------------------------------------------ API */

int server_start(const struct server_config *cfg, struct server **out, struct as_error *err)
{
    struct server *s = calloc(1, sizeof(*s));
    if (!s)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    s->cfg = *cfg;
    atomic_init(&s->next_id, 1);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (cfg->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cfg->tls ? cfg->tls->cert_pem : NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, cfg->tls ? cfg->tls->key_pem : NULL},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, cfg->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->workers > 1 ? cfg->workers : 0u,
        MHD_OPTION_CONNECTION_LIMIT, SERVER_CONNECTION_LIMIT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, SERVER_PER_IP_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, SERVER_CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_CONNECTION_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_request_start, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_request_done, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_ARRAY,
        cfg->tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        return as_err(err, 500, ERR_INTERNAL,
                      "cannot start the HTTP%s server (libmicrohttpd refused the settings%s)",
                      cfg->tls ? "S" : "", cfg->tls ? " or the certificate/key" : "");
    }
    *out = s;
    return 0;
}

void server_stop(struct server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon); /* also closes the listening socket */
    free(s);
}
