/* bi_http.c - http.send with OPA's behaviour (topdown/http.go), behind
 * the operator's switch (allow_network_builtins; off: OPA's unsafe
 * built-in error, which ends the evaluation).
 *
 * The request object is read as OPA reads it: method (upper-cased), url,
 * headers (string values), body (sent as json.marshal(body)) or raw_body,
 * timeout (nanoseconds as a number or an integer string, or a Go duration
 * string; default 5 s; 0 = none), enable_redirect (at most 10, Go's
 * limit), max_retry_attempts (network errors only, backoff from 160 ms
 * growing 1.6x up to 60 s), raise_error, force_json_decode,
 * force_yaml_decode and the tls_* options (system roots unless CA
 * certificates are given, verification on unless
 * tls_insecure_skip_verify).  It goes out through libcurl as HTTP/1.1, to
 * http:// and https:// URLs only.
 *
 * The response is {"status", "status_code", "headers", "body",
 * "raw_body"}; any status is a response, not an error.  A failure is an
 * eval_builtin_error "http.send: <Go's message>", or with
 * raise_error=false the object {"status_code": 0, "error": {"code":
 * eval_http_send_network_error | eval_http_send_internal_error,
 * "message"}}.
 *
 * Not as OPA: a response body over BI_HTTP_MAX_BODY or a head over
 * BI_HTTP_MAX_HEAD bytes is an error; there is no inter-query cache (cache,
 * force_cache are checked, then every evaluation sends again; within one
 * evaluation the engine's cache of non-deterministic built-ins answers a
 * repeated request); unix:// sockets are not supported. */
#include "rego/bi_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/reader.h"
#include "base/utf8.h"

#define NS_PER_MS               1000000LL
#define HTTP_DEFAULT_TIMEOUT_NS (5000 * NS_PER_MS)
#define HTTP_MAX_REDIRECTS      10L
#define HTTP_RETRY_BASE_MS      100.0
#define HTTP_RETRY_MAX_MS       60000.0

/* ---- the network switch ---- */

int bi_network_denied(struct rego_bi_ctx *ctx)
{
    ctx->err_code = "rego_type_error";
    ctx->halt = true;
    return as_err(ctx->err, 400, "rego_type_error",
                  "unsafe built-in function calls in expression: %s", ctx->name);
}

/* ---- failures ---- */

enum http_fail_kind {
    FAIL_BUILTIN, /* a request option OPA refuses (raised as is) */
    FAIL_NETWORK, /* Go's *url.Error from client.Do */
    FAIL_INTERNAL /* other errors while sending or reading */
};

struct http_fail {
    enum http_fail_kind kind;
    const char *code; /* eval_builtin_error or eval_type_error */
    bool timeout;
    const char *url; /* the request that failed (after redirects), for timeouts */
    char msg[700];
};

static int fail(struct http_fail *f, enum http_fail_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct http_fail *f, enum http_fail_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    f->kind = kind;
    if (!f->code)
        f->code = "eval_builtin_error";
    return -1;
}

/* ---- the request ---- */

struct http_req {
    const char *method; /* upper-cased; "" = GET */
    const char *op;     /* Go's url.Error Op: "Get", "Post", ... */
    const char *url;
    const char *body;
    size_t body_len;
    bool has_body;
    const struct value *headers;
    bool redirect, insecure, force_json, force_yaml;
    int use_system; /* -1 unset */
    const char *ca_pem, *ca_file, *ca_env;
    const char *cert_pem, *key_pem, *cert_file, *key_file, *cert_env, *key_env;
    const char *server_name;
    int64_t timeout_ns;
    int64_t retries;
};

static const char *const STRING_KEYS[] = {
    "method",
    "url",
    "raw_body",
    "tls_ca_cert",
    "tls_ca_cert_file",
    "tls_ca_cert_env_variable",
    "tls_client_cert",
    "tls_client_cert_file",
    "tls_client_cert_env_variable",
    "tls_client_key",
    "tls_client_key_file",
    "tls_client_key_env_variable",
    "tls_server_name",
    NULL,
};

static bool is_string_key(const char *k)
{
    for (const char *const *p = STRING_KEYS; *p; p++)
        if (!strcmp(*p, k))
            return true;
    return false;
}

/* Go's strings.Trim(s, "\""), copied into the arena; *len its length. */
static const char *trim_quotes(struct rego_bi_ctx *ctx, const struct value *s, size_t *len)
{
    const char *p = s->u.str.s;
    size_t n = s->u.str.len;
    while (n && *p == '"')
        p++, n--;
    while (n && p[n - 1] == '"')
        n--;
    *len = n;
    return arena_strndup(ctx->arena, p, n);
}

/* A term's text as OPA's Term.String() prints it. */
static const char *term_text(struct rego_bi_ctx *ctx, const struct value *v)
{
    struct buf b = BUF_INIT;
    bi_value_text(&b, v);
    const char *s = arena_strndup(ctx->arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s ? s : "";
}

/* Go's %q of a string. */
static const char *go_quote(struct rego_bi_ctx *ctx, const char *s)
{
    struct buf b = BUF_INIT;
    bi_go_quote(&b, s, strlen(s));
    const char *q = arena_strndup(ctx->arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    return q ? q : "\"\"";
}

/* strconv.ParseBool(term.String()), as OPA reads enable_redirect and the
 * tls flags. */
static int go_parse_bool(struct rego_bi_ctx *ctx, const struct value *v, bool *out,
                         struct http_fail *f)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
    const char *t = term_text(ctx, v);
    for (size_t i = 0; yes[i]; i++) {
        if (!strcmp(t, yes[i]))
            return *out = true, 0;
        if (!strcmp(t, no[i]))
            return *out = false, 0;
    }
    return fail(f, FAIL_BUILTIN, "strconv.ParseBool: parsing %s: invalid syntax", go_quote(ctx, t));
}

/* OPA's parseTimeout: a number is nanoseconds (int64); a string is an
 * integer of nanoseconds or a Go duration. */
static int parse_timeout(struct rego_bi_ctx *ctx, struct value *v, int64_t *ns, struct http_fail *f)
{
    if (v->type == V_NUMBER) {
        if (!bi_num_int64(v, ns))
            return fail(f, FAIL_BUILTIN, "invalid timeout number value %s, must be int64",
                        term_text(ctx, v));
        return 0;
    }
    if (v->type != V_STRING) {
        f->code = "eval_type_error";
        return fail(f, FAIL_BUILTIN,
                    "operand 1 'timeout' must be one of {string, number} but got %s",
                    value_type_name((enum value_type)v->type));
    }
    const char *s = v->u.str.s;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    bool numeric = (s[0] >= '0' && s[0] <= '9') || s[0] == '+' || s[0] == '-';
    if (numeric && end == s + v->u.str.len && errno == 0) /* strconv.ParseInt */
        return *ns = n, 0;
    struct value *d = NULL;
    const char *msg = NULL;
    if (bi_call(ctx, "time.parse_duration_ns", &v, 1, &d, &msg) < 0 || !bi_num_int64(d, ns))
        return fail(f, FAIL_BUILTIN, "invalid timeout value %s: %s", term_text(ctx, v),
                    msg ? msg : "invalid duration");
    return 0;
}

/* getNumberValFromReqObj: a non-negative integer. */
static int parse_retries(struct rego_bi_ctx *ctx, const struct value *v, int64_t *out,
                         struct http_fail *f)
{
    if (v->type == V_NUMBER && bi_num_int64(v, out) && *out >= 0)
        return 0;
    return fail(f, FAIL_BUILTIN, "invalid value %s for field \"max_retry_attempts\"",
                term_text(ctx, v));
}

static int want_bool_field(const struct value *req, const char *key, bool *out, struct http_fail *f)
{
    const struct value *v = value_object_get_str(req, key);
    *out = false;
    if (!v)
        return 0;
    if (v->type != V_BOOL)
        return fail(f, FAIL_BUILTIN, "invalid value for \"%s\" field", key);
    *out = v->u.b;
    return 0;
}

/* The cache options OPA checks before sending (useInterQueryCache). */
static int check_cache_options(struct rego_bi_ctx *ctx, const struct value *req,
                               struct http_fail *f)
{
    bool cache, force;
    if (want_bool_field(req, "cache", &cache, f) < 0 ||
        want_bool_field(req, "force_cache", &force, f) < 0)
        return -1;
    if (!force)
        return 0;
    const struct value *d = value_object_get_str(req, "force_cache_duration_seconds");
    if (!d)
        return fail(f, FAIL_BUILTIN,
                    "'force_cache' set but 'force_cache_duration_seconds' parameter is missing");
    int64_t secs;
    if (d->type != V_NUMBER || !bi_num_int64(d, &secs) || secs < INT32_MIN || secs > INT32_MAX)
        return fail(f, FAIL_BUILTIN, "strconv.ParseInt: parsing %s: invalid syntax",
                    go_quote(ctx, term_text(ctx, d)));
    return 0;
}

static const char *upper_dup(struct rego_bi_ctx *ctx, const char *s)
{
    char *u = arena_strdup(ctx->arena, s);
    for (char *p = u; p && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

static int read_body(struct rego_bi_ctx *ctx, struct value *body, struct http_req *r,
                     struct http_fail *f)
{
    struct value *text = NULL;
    const char *msg = NULL;
    if (bi_call(ctx, "json.marshal", &body, 1, &text, &msg) < 0)
        return fail(f, FAIL_BUILTIN, "%s", msg ? msg : "json: cannot marshal the body");
    if (!r->has_body) { /* raw_body wins */
        r->body = text->u.str.s;
        r->body_len = text->u.str.len;
        r->has_body = true;
    }
    return 0;
}

static int read_string_option(struct rego_bi_ctx *ctx, const char *k, const struct value *v,
                              struct http_req *r, struct http_fail *f)
{
    size_t n;
    const char *s = trim_quotes(ctx, v, &n);
    if (!s)
        return bi_oom(ctx);
    bool nul = strlen(s) != n; /* C strings below: a NUL byte is refused as Go would */
    if (nul && !strcmp(k, "url"))
        return fail(f, FAIL_INTERNAL, "parse %s: net/url: invalid control character in URL",
                    go_quote(ctx, s));
    if (nul && !strcmp(k, "method"))
        return fail(f, FAIL_INTERNAL, "net/http: invalid method %s", go_quote(ctx, s));
    if (nul && strcmp(k, "raw_body"))
        return fail(f, FAIL_INTERNAL, "%s: invalid argument (a NUL byte)", k);
    if (!strcmp(k, "method")) {
        r->method = upper_dup(ctx, s);
    } else if (!strcmp(k, "url")) {
        r->url = s;
    } else if (!strcmp(k, "raw_body")) {
        r->body = s;
        r->body_len = n;
        r->has_body = true;
    } else {
        static const struct {
            const char *key;
            size_t off;
        } map[] = {
            {"tls_ca_cert", offsetof(struct http_req, ca_pem)},
            {"tls_ca_cert_file", offsetof(struct http_req, ca_file)},
            {"tls_ca_cert_env_variable", offsetof(struct http_req, ca_env)},
            {"tls_client_cert", offsetof(struct http_req, cert_pem)},
            {"tls_client_cert_file", offsetof(struct http_req, cert_file)},
            {"tls_client_cert_env_variable", offsetof(struct http_req, cert_env)},
            {"tls_client_key", offsetof(struct http_req, key_pem)},
            {"tls_client_key_file", offsetof(struct http_req, key_file)},
            {"tls_client_key_env_variable", offsetof(struct http_req, key_env)},
            {"tls_server_name", offsetof(struct http_req, server_name)},
        };
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (!strcmp(k, map[i].key))
                *(const char **)((char *)r + map[i].off) = *s ? s : NULL;
    }
    return 0;
}

/* One request option (createHTTPRequest's switch). */
static int read_option(struct rego_bi_ctx *ctx, const char *k, struct value *v, struct http_req *r,
                       struct http_fail *f)
{
    if (is_string_key(k)) {
        if (v->type != V_STRING)
            return fail(f, FAIL_BUILTIN, "\"%s\" must be a string", k);
        return read_string_option(ctx, k, v, r, f);
    }
    bool b;
    if (!strcmp(k, "enable_redirect"))
        return go_parse_bool(ctx, v, &r->redirect, f);
    if (!strcmp(k, "tls_insecure_skip_verify"))
        return go_parse_bool(ctx, v, &r->insecure, f);
    if (!strcmp(k, "tls_use_system_certs")) {
        TRY(go_parse_bool(ctx, v, &b, f));
        r->use_system = b;
        return 0;
    }
    if (!strcmp(k, "body"))
        return read_body(ctx, v, r, f);
    if (!strcmp(k, "headers")) {
        if (v->type != V_OBJECT)
            return fail(f, FAIL_BUILTIN, "invalid type for headers key");
        r->headers = v;
        return 0;
    }
    if (!strcmp(k, "timeout"))
        return parse_timeout(ctx, v, &r->timeout_ns, f);
    return 0; /* cache options, decode flags, raise_error: read elsewhere */
}

static const char *go_op(struct rego_bi_ctx *ctx, const char *method)
{
    const char *m = *method ? method : "GET";
    char *op = arena_strdup(ctx->arena, m);
    for (char *p = op ? op + 1 : NULL; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return op ? op : "Get";
}

static int read_request(struct rego_bi_ctx *ctx, const struct value *req, struct http_req *r,
                        struct http_fail *f)
{
    memset(r, 0, sizeof(*r));
    r->use_system = -1;
    r->timeout_ns = HTTP_DEFAULT_TIMEOUT_NS;
    r->method = r->url = "";
    /* raw_body before body, whatever the key order */
    const struct value *raw = value_object_get_str(req, "raw_body");
    if (raw && raw->type == V_STRING)
        TRY(read_option(ctx, "raw_body", (struct value *)raw, r, f));
    for (size_t i = 0; i < req->u.obj.len; i++) {
        const struct value_pair *p = &req->u.obj.pairs[i];
        TRY(read_option(ctx, p->key->u.str.s, p->val, r, f));
    }
    const struct value *retries = value_object_get_str(req, "max_retry_attempts");
    if (retries)
        TRY(parse_retries(ctx, retries, &r->retries, f));
    TRY(want_bool_field(req, "force_json_decode", &r->force_json, f));
    TRY(want_bool_field(req, "force_yaml_decode", &r->force_yaml, f));
    TRY(check_cache_options(ctx, req, f));
    r->op = go_op(ctx, r->method);
    return 0;
}

/* ---- headers and URL checks (Go's net/http rules) ---- */

/* Without leading and trailing spaces and tabs. */
static void trim_ows(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static bool is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static bool valid_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_token_char((unsigned char)s[i]))
            return false;
    return true;
}

/* httpguts.ValidHeaderFieldValue: no control characters but tab. */
static bool valid_header_value(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* http.CanonicalHeaderKey for a valid token. */
static char *canonical_key(struct rego_bi_ctx *ctx, const char *s, size_t n)
{
    char *k = arena_strndup(ctx->arena, s, n);
    bool up = true;
    for (size_t i = 0; k && i < n; i++) {
        char c = k[i];
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!up && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        k[i] = c;
        up = c == '-';
    }
    return k;
}

/* Go's %q of a JSON-converted header value that is not a string. */
static const char *go_q_value(struct rego_bi_ctx *ctx, const struct value *v)
{
    switch (v->type) {
    case V_NUMBER:
        return go_quote(ctx, term_text(ctx, v)); /* json.Number is a string */
    case V_BOOL:
        return v->u.b ? "%!q(bool=true)" : "%!q(bool=false)";
    case V_NULL:
        return "%!q(<nil>)";
    case V_OBJECT:
        return "%!q(map[string]interface {}=...)";
    default:
        return "%!q([]interface {}=...)";
    }
}

struct header_state {
    struct curl_slist *list;
    bool has_ua, has_ctype;
};

static int add_header(struct header_state *h, const char *line)
{
    struct curl_slist *n = curl_slist_append(h->list, line);
    if (!n)
        return -1;
    h->list = n;
    return 0;
}

/* One custom header; Go leaves Content-Length, Transfer-Encoding and
 * Trailer out of what it writes (reqWriteExcludeHeader). */
static bool sensitive_header(const char *name)
{
    return !strcmp(name, "Authorization") || !strcmp(name, "Www-Authenticate") ||
           !strcmp(name, "Cookie") || !strcmp(name, "Cookie2");
}

/* Which headers a request of a redirect chain carries (Go's client). */
struct header_plan {
    bool drop_sensitive;    /* the target is not the first host or a subdomain */
    bool drop_host;         /* an absolute redirect: Host is the target's */
    const char *route_host; /* "Host: ..." for tls_server_name, or NULL */
};

static int custom_header(struct rego_bi_ctx *ctx, const struct http_req *r,
                         const struct value_pair *p, const struct header_plan *plan,
                         struct header_state *h, struct http_fail *f)
{
    const struct value *k = p->key, *v = p->val;
    if (k->type != V_STRING)
        return fail(f, FAIL_INTERNAL, "invalid type for headers key");
    if (v->type != V_STRING)
        return fail(f, FAIL_INTERNAL, "invalid type for headers value %s", go_q_value(ctx, v));
    if (!valid_token(k->u.str.s, k->u.str.len))
        return fail(f, FAIL_NETWORK, "%s %s: net/http: invalid header field name %s", r->op,
                    go_quote(ctx, r->url), go_quote(ctx, k->u.str.s));
    const char *name = canonical_key(ctx, k->u.str.s, k->u.str.len);
    if (!name)
        return bi_oom(ctx);
    if (!valid_header_value(v->u.str.s, v->u.str.len))
        return fail(f, FAIL_NETWORK, "%s %s: net/http: invalid header field value for %s", r->op,
                    go_quote(ctx, r->url), go_quote(ctx, name));
    if (!strcmp(name, "Content-Length") || !strcmp(name, "Transfer-Encoding") ||
        !strcmp(name, "Trailer") || (plan->drop_sensitive && sensitive_header(name)) ||
        (plan->drop_host && !strcmp(name, "Host")))
        return 0;
    h->has_ua |= !strcmp(name, "User-Agent");
    h->has_ctype |= !strcmp(name, "Content-Type");
    const char *val = v->u.str.s;
    size_t vlen = v->u.str.len;
    trim_ows(&val, &vlen); /* Go writes textproto.TrimString(value) */
    /* "Name;" sends an empty value (curl drops "Name:") */
    char *line = arena_sprintf(ctx->arena, vlen ? "%s: %.*s" : "%s;", name, (int)vlen, val);
    if (!line || add_header(h, line) < 0)
        return bi_oom(ctx);
    return 0;
}

static int build_headers(struct rego_bi_ctx *ctx, const struct http_req *r,
                         const struct header_plan *plan, struct header_state *h,
                         struct http_fail *f)
{
    curl_slist_free_all(h->list);
    memset(h, 0, sizeof(*h));
    for (size_t i = 0; r->headers && i < r->headers->u.obj.len; i++)
        TRY(custom_header(ctx, r, &r->headers->u.obj.pairs[i], plan, h, f));
    if (plan->route_host && !plan->drop_host && add_header(h, plan->route_host) < 0)
        return bi_oom(ctx);
    /* curl's own defaults that Go does not send */
    if (add_header(h, "Accept:") < 0 || add_header(h, "Expect:") < 0 ||
        (!h->has_ctype && add_header(h, "Content-Type:") < 0))
        return bi_oom(ctx);
    return 0;
}

/* Go's getScheme: letters, then letters, digits, "+-." up to ':'; the
 * length of the scheme, 0 when there is none. */
static size_t go_scheme_len(const char *u)
{
    for (size_t i = 0; u[i]; i++) {
        char c = u[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                return 0;
            continue;
        }
        return c == ':' ? i : 0;
    }
    return 0;
}

/* Go's url.Parse and client checks before any connection: no control
 * characters, a scheme (else a colon in the first path segment is a parse
 * error), http or https only, and a host. */
static int check_url(struct rego_bi_ctx *ctx, const struct http_req *r, struct http_fail *f)
{
    const char *u = r->url;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return fail(f, FAIL_INTERNAL, "parse %s: net/url: invalid control character in URL",
                        go_quote(ctx, u));
    if (*r->method && !valid_token(r->method, strlen(r->method)))
        return fail(f, FAIL_INTERNAL, "net/http: invalid method %s", go_quote(ctx, r->method));
    if (u[0] == ':')
        return fail(f, FAIL_INTERNAL, "parse %s: missing protocol scheme", go_quote(ctx, u));
    size_t n = go_scheme_len(u);
    if (n == 0) {
        const char *colon = strchr(u, ':'), *slash = strchr(u, '/');
        if (colon && (!slash || colon < slash))
            return fail(f, FAIL_INTERNAL,
                        "parse %s: first path segment in URL cannot contain colon",
                        go_quote(ctx, u));
    }
    char scheme[16] = "";
    for (size_t i = 0; i < n && i + 1 < sizeof(scheme); i++)
        scheme[i] = (char)(u[i] | 0x20);
    if (n >= sizeof(scheme) || (strcmp(scheme, "http") && strcmp(scheme, "https")))
        return fail(f, FAIL_NETWORK, "%s %s: unsupported protocol scheme %s", r->op,
                    go_quote(ctx, u), go_quote(ctx, n < sizeof(scheme) ? scheme : ""));
    const char *auth = u + n + 1;
    if (strncmp(auth, "//", 2) || auth[2] == '/' || auth[2] == '\0' || auth[2] == '?' ||
        auth[2] == '#')
        return fail(f, FAIL_NETWORK, "%s %s: http: no Host in request URL", r->op,
                    go_quote(ctx, u));
    return 0;
}

/* ---- TLS material ---- */

static bool pem_has(struct rego_bi_ctx *ctx, const char *s, const char *type_part)
{
    const char *rest = s;
    size_t left = s ? strlen(s) : 0;
    struct bi_pem_block blk;
    while (left && bi_pem_decode(ctx->arena, rest, left, &blk, &rest, &left) == 1)
        if (strstr(blk.type, type_part))
            return true;
    return false;
}

/* Go's tls_ca_cert: a literal "\n" (backslash, n) stands for a newline. */
static char *unescape_newlines(struct rego_bi_ctx *ctx, const char *s)
{
    char *o = arena_alloc(ctx->arena, strlen(s) + 1), *w = o;
    for (const char *p = s; o && *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            *w++ = '\n';
            p++;
        } else {
            *w++ = *p;
        }
    }
    if (w)
        *w = '\0';
    return o;
}

static char *read_small_file(struct rego_bi_ctx *ctx, const char *path, struct http_fail *f)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        char why[128];
        snprintf(why, sizeof(why), "%s", strerror(errno));
        if (why[0] >= 'A' && why[0] <= 'Z')
            why[0] = (char)(why[0] - 'A' + 'a'); /* Go's syscall texts are lower case */
        fail(f, FAIL_INTERNAL, "open %s: %s", path, why);
        return NULL;
    }
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && b.len < (4u << 20))
        buf_append(&b, chunk, n);
    fclose(fp);
    char *s = buf_failed(&b) ? NULL : arena_strndup(ctx->arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    if (!s)
        fail(f, FAIL_INTERNAL, "out of memory");
    return s;
}

/* The CA bundle of the request, or NULL for curl's default (system). */
static int ca_bundle(struct rego_bi_ctx *ctx, CURL *c, const struct http_req *r, struct buf *pem,
                     struct http_fail *f)
{
    bool custom = r->ca_pem || r->ca_file || r->ca_env;
    if (!custom)
        return 0; /* tls_use_system_certs false without CAs: Go still uses the system pool */
    if (r->use_system == 1) {
        char *sys = NULL;
        curl_easy_getinfo(c, CURLINFO_CAINFO, &sys);
        char *text = sys ? read_small_file(ctx, sys, f) : NULL;
        if (!text)
            return -1;
        buf_puts(pem, text);
        buf_putc(pem, '\n');
    }
    if (r->ca_pem) {
        char *s = unescape_newlines(ctx, r->ca_pem);
        if (!s || !pem_has(ctx, s, "CERTIFICATE"))
            return fail(f, FAIL_INTERNAL, "could not append certificates");
        buf_puts(pem, s);
        buf_putc(pem, '\n');
    }
    if (r->ca_file) {
        char *s = read_small_file(ctx, r->ca_file, f);
        if (!s)
            return -1;
        if (!pem_has(ctx, s, "CERTIFICATE"))
            return fail(f, FAIL_INTERNAL, "could not append CA certificates from %s",
                        go_quote(ctx, r->ca_file));
        buf_puts(pem, s);
        buf_putc(pem, '\n');
    }
    if (r->ca_env) {
        const char *s = getenv(r->ca_env);
        if (!s || !pem_has(ctx, s, "CERTIFICATE"))
            return fail(f, FAIL_INTERNAL,
                        "could not add CA certificates from envvar %s: could not append "
                        "certificates",
                        go_quote(ctx, r->ca_env));
        buf_puts(pem, s);
        buf_putc(pem, '\n');
    }
    return buf_failed(pem) ? fail(f, FAIL_INTERNAL, "out of memory") : 0;
}

static int set_blob(CURL *c, CURLoption opt, const char *s)
{
    struct curl_blob blob = {(void *)s, strlen(s), CURL_BLOB_COPY};
    return curl_easy_setopt(c, opt, &blob) == CURLE_OK ? 0 : -1;
}

/* One client certificate and key pair (PEM text). */
static int client_pair_text(struct rego_bi_ctx *ctx, CURL *c, const char *cert, const char *key,
                            struct http_fail *f)
{
    if (!pem_has(ctx, cert, "CERTIFICATE"))
        return fail(f, FAIL_INTERNAL, "tls: failed to find any PEM data in certificate input");
    if (!pem_has(ctx, key, "PRIVATE KEY"))
        return fail(f, FAIL_INTERNAL, "tls: failed to find any PEM data in key input");
    if (set_blob(c, CURLOPT_SSLCERT_BLOB, cert) < 0 || set_blob(c, CURLOPT_SSLKEY_BLOB, key) < 0)
        return fail(f, FAIL_INTERNAL, "tls: cannot use the client certificate");
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    return 0;
}

static int client_cert(struct rego_bi_ctx *ctx, CURL *c, const struct http_req *r,
                       struct http_fail *f)
{
    if (r->cert_pem && r->key_pem)
        return client_pair_text(ctx, c, r->cert_pem, r->key_pem, f);
    if (r->cert_file && r->key_file) {
        char *cert = read_small_file(ctx, r->cert_file, f);
        char *key = cert ? read_small_file(ctx, r->key_file, f) : NULL;
        return key ? client_pair_text(ctx, c, cert, key, f) : -1;
    }
    if (r->cert_env && r->key_env) {
        const char *cert = getenv(r->cert_env), *key = getenv(r->key_env);
        if (client_pair_text(ctx, c, cert ? cert : "", key ? key : "", f) < 0)
            return fail(f, FAIL_INTERNAL,
                        "cannot extract public/private key pair from envvars %s, %s: %s",
                        go_quote(ctx, r->cert_env), go_quote(ctx, r->key_env), f->msg);
    }
    return 0;
}

/* ---- the exchange ---- */

struct xfer {
    struct buf head; /* status line and header lines of the last response */
    bool head_done, head_too_big;
    struct buf body;
    bool body_too_big;
};

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
    struct xfer *x = user;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new response (redirect, 1xx) */
        x->head.len = 0;
        x->head_done = false;
        x->body.len = 0;
    } else if (x->head_done) {
        return n; /* trailers */
    }
    if (n > 0 && n <= 2 && (data[0] == '\r' || data[0] == '\n'))
        x->head_done = true;
    if (x->head.len + n > BI_HTTP_MAX_HEAD) {
        x->head_too_big = true;
        return 0;
    }
    buf_append(&x->head, data, n);
    return buf_failed(&x->head) ? 0 : n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    struct xfer *x = user;
    size_t n = size * nmemb;
    if (x->body.len + n > BI_HTTP_MAX_BODY) {
        x->body_too_big = true;
        return 0;
    }
    buf_append(&x->body, data, n);
    return buf_failed(&x->body) ? 0 : n;
}

/* Go's proxy rules never proxy loopback; curl's do unless told. */
static void set_no_proxy(CURL *c, char *store, size_t cap)
{
    const char *env = getenv("no_proxy");
    if (!env)
        env = getenv("NO_PROXY");
    if (env && !strcmp(env, "*")) /* curl's "no proxy at all" works only alone */
        snprintf(store, cap, "*");
    else
        snprintf(store, cap, "%s%slocalhost,127.0.0.1,::1", env ? env : "", env && *env ? "," : "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, store);
}

static void set_method_and_body(CURL *c, const struct http_req *r)
{
    const char *m = *r->method ? r->method : "GET";
    bool empty_length = !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
    bool body = r->has_body && r->body_len;
    if (!strcmp(m, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        return;
    }
    /* POST without CUSTOMREQUEST: a 301/302/303 then continues with GET, as Go */
    if (strcmp(m, "POST") && (strcmp(m, "GET") || body))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    if (body || empty_length) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? r->body : "");
    }
}

/* tls_server_name: connect to the URL's host but name the server (SNI and
 * certificate check) as given: the URL carries the name, CONNECT_TO the
 * address, and the Host header keeps the URL's authority. */
static int server_name_route(struct rego_bi_ctx *ctx, CURL *c, const struct http_req *r,
                             const char **host_line, struct curl_slist **connect_to, char **url_out,
                             struct http_fail *f)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *explicit_port = NULL, *url = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, r->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, r->server_name, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
        char *route = arena_sprintf(ctx->arena, "%s:%s:%s:%s", r->server_name, port, host, port);
        struct curl_slist *l = route ? curl_slist_append(NULL, route) : NULL;
        /* Go's Host header: the URL's host, with its port when the URL has one */
        curl_url_get(u, CURLUPART_PORT, &explicit_port, 0);
        char *hosthdr = arena_sprintf(ctx->arena, "Host: %s%s%s", host, explicit_port ? ":" : "",
                                      explicit_port ? explicit_port : "");
        if (l && hosthdr) {
            *connect_to = l;
            curl_easy_setopt(c, CURLOPT_CONNECT_TO, l);
            *url_out = arena_strdup(ctx->arena, url);
            *host_line = hosthdr;
            rc = *url_out ? 0 : -1;
        }
    }
    curl_free(host);
    curl_free(port);
    curl_free(explicit_port);
    curl_free(url);
    curl_url_cleanup(u);
    if (rc < 0)
        return fail(f, FAIL_INTERNAL, "parse %s: invalid URL", go_quote(ctx, r->url));
    return 0;
}

static bool has_host_header(const struct http_req *r)
{
    for (size_t i = 0; r->headers && i < r->headers->u.obj.len; i++) {
        const struct value *k = r->headers->u.obj.pairs[i].key;
        if (k->type == V_STRING && !strcasecmp(k->u.str.s, "host"))
            return true;
    }
    return false;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct easy {
    CURL *c;
    struct header_state h;
    struct header_plan plan;
    const char *first_url; /* as given to curl (tls_server_name rewrites it) */
    struct curl_slist *connect_to;
    struct buf ca;
    char errbuf[CURL_ERROR_SIZE];
    char no_proxy[1024];
};

static void easy_free(struct easy *e)
{
    if (e->c)
        curl_easy_cleanup(e->c);
    curl_slist_free_all(e->h.list);
    curl_slist_free_all(e->connect_to);
    buf_free(&e->ca);
}

static void set_transfer(struct easy *e, const struct http_req *r, struct xfer *x)
{
    CURL *c = e->c;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)BI_HTTP_MAX_BODY);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 1L); /* header_plan decides */
    if (r->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    set_no_proxy(c, e->no_proxy, sizeof(e->no_proxy));
    set_method_and_body(c, r);
}

static int easy_setup(struct rego_bi_ctx *ctx, struct easy *e, const struct http_req *r,
                      struct xfer *x, struct http_fail *f)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    e->c = curl_easy_init();
    if (!e->c)
        return fail(f, FAIL_INTERNAL, "cannot create an HTTP client");
    set_transfer(e, r, x);
    e->first_url = r->url;
    if (r->server_name && !has_host_header(r)) {
        char *routed = NULL;
        TRY(server_name_route(ctx, e->c, r, &e->plan.route_host, &e->connect_to, &routed, f));
        e->first_url = routed;
    }
    TRY(build_headers(ctx, r, &e->plan, &e->h, f));
    curl_easy_setopt(e->c, CURLOPT_URL, e->first_url);
    curl_easy_setopt(e->c, CURLOPT_HTTPHEADER, e->h.list);
    if (!e->h.has_ua)
        curl_easy_setopt(e->c, CURLOPT_USERAGENT, "restful-as/" AS_VERSION);
    TRY(ca_bundle(ctx, e->c, r, &e->ca, f));
    if (e->ca.len) {
        struct curl_blob blob = {e->ca.data, e->ca.len, CURL_BLOB_NOCOPY};
        curl_easy_setopt(e->c, CURLOPT_CAINFO_BLOB, &blob);
    }
    return client_cert(ctx, e->c, r, f);
}

/* Host and port of the URL (curl's parser), for Go-style dial errors. */
static void url_host_port(struct rego_bi_ctx *ctx, const char *url, const char **host,
                          const char **port)
{
    CURLU *u = curl_url();
    char *h = NULL, *p = NULL;
    *host = *port = "";
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_HOST, &h, 0);
        curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT);
    }
    if (h)
        *host = arena_strdup(ctx->arena, h);
    if (p)
        *port = arena_strdup(ctx->arena, p);
    if (!*host)
        *host = "";
    if (!*port)
        *port = "";
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
}

/* "dial tcp 127.0.0.1:9: connect: connection refused" */
static int dial_error(struct rego_bi_ctx *ctx, CURL *c, const struct http_req *r, const char *url,
                      struct http_fail *f)
{
    long os_err = 0;
    char *ip = NULL;
    const char *host, *port;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_err);
    curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip);
    url_host_port(ctx, url, &host, &port);
    const char *addr = ip && *ip ? ip : host;
    bool v6 = strchr(addr, ':') && addr[0] != '[';
    char why[128];
    snprintf(why, sizeof(why), "%s", os_err ? strerror((int)os_err) : "connection refused");
    if (why[0] >= 'A' && why[0] <= 'Z')
        why[0] = (char)(why[0] - 'A' + 'a'); /* Go's syscall texts are lower case */
    return fail(f, FAIL_NETWORK, "%s %s: dial tcp %s%s%s:%s: connect: %s", r->op,
                go_quote(ctx, url), v6 ? "[" : "", addr, v6 ? "]" : "", port, why);
}

/* A failed curl transfer as Go's client.Do error (a *url.Error). */
static int transfer_error(struct rego_bi_ctx *ctx, CURL *c, CURLcode rc, const struct http_req *r,
                          const char *url, const struct xfer *x, const char *errbuf,
                          struct http_fail *f)
{
    const char *u = go_quote(ctx, url);
    f->url = url;
    const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);
    if (x->body_too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return fail(f, FAIL_INTERNAL, "response body larger than %u bytes", BI_HTTP_MAX_BODY);
    if (x->head_too_big)
        return fail(f, FAIL_INTERNAL, "response header larger than %u bytes", BI_HTTP_MAX_HEAD);
    const char *host, *port;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        f->timeout = true;
        return fail(f, FAIL_NETWORK,
                    "%s %s: context deadline exceeded (Client.Timeout exceeded while awaiting "
                    "headers)",
                    r->op, u);
    case CURLE_COULDNT_CONNECT:
        return dial_error(ctx, c, r, url, f);
    case CURLE_COULDNT_RESOLVE_HOST:
        url_host_port(ctx, url, &host, &port);
        return fail(f, FAIL_NETWORK, "%s %s: dial tcp: lookup %s: no such host", r->op, u, host);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return fail(f, FAIL_NETWORK, "%s %s: tls: %s", r->op, u, why);
    default:
        return fail(f, FAIL_NETWORK, "%s %s: %s", r->op, u, why);
    }
}

/* util.DefaultBackoff without the jitter: 0 before the first retry, then
 * 100 ms * 1.6^i up to 60 s. */
static void retry_pause(int64_t attempt)
{
    if (attempt == 0)
        return;
    double ms = HTTP_RETRY_BASE_MS;
    for (int64_t i = 0; i < attempt && ms < HTTP_RETRY_MAX_MS; i++)
        ms *= 1.6;
    if (ms > HTTP_RETRY_MAX_MS)
        ms = HTTP_RETRY_MAX_MS;
    long long ns = (long long)(ms * 1e6);
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* ---- the response object ---- */

/* Appends s[0..n) with every invalid UTF-8 byte replaced by U+FFFD (what
 * Go's JSON encoding of the raw string shows; one rune per bad byte). */
static void append_utf8_clean(struct buf *b, const char *s, size_t n)
{
    struct reader rd;
    rd_init(&rd, s, n);
    while (!rd_eof(&rd)) {
        const uint8_t *p = rd_ptr(&rd);
        size_t len = p[0] < 0x80 ? 1 : utf8_sequence_length(p, rd_remaining(&rd));
        const uint8_t *bytes;
        if (len == 0) {
            buf_append(b, "\xEF\xBF\xBD", 3);
            len = 1;
            rd_skip(&rd, 1);
            continue;
        }
        if (rd_bytes(&rd, len, &bytes) < 0)
            break;
        buf_append(b, bytes, len);
    }
}

static struct value *clean_str(struct rego_bi_ctx *ctx, const char *s, size_t n)
{
    struct buf b = BUF_INIT;
    append_utf8_clean(&b, s, n);
    return bi_buf_str(ctx, &b);
}

/* The next line of the head without its "\n" or "\r\n"; false at the end. */
static bool next_line(struct reader *rd, const char **line, size_t *len)
{
    if (rd_eof(rd))
        return false;
    const uint8_t *p = rd_ptr(rd);
    size_t left = rd_remaining(rd);
    const uint8_t *nl = memchr(p, '\n', left);
    size_t take = nl ? (size_t)(nl - p) + 1 : left;
    const uint8_t *bytes;
    if (rd_bytes(rd, take, &bytes) < 0)
        return false;
    size_t n = nl ? take - 1 : take;
    if (n && bytes[n - 1] == '\r')
        n--;
    *line = (const char *)bytes;
    *len = n;
    return true;
}

struct head_field {
    char *name; /* lower case */
    size_t name_len;
    const char *val;
    size_t val_len;
    size_t order;
};

static int field_cmp(const void *a, const void *b)
{
    const struct head_field *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* "Name: value" -> a field; false for lines that are not one (folded
 * continuations, garbage). */
static bool parse_field(struct rego_bi_ctx *ctx, const char *line, size_t len,
                        struct head_field *out)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || line[0] == ' ' || line[0] == '\t')
        return false;
    size_t nlen = (size_t)(colon - line);
    while (nlen && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t'))
        nlen--;
    if (nlen == 0)
        return false;
    out->name = arena_strndup(ctx->arena, line, nlen);
    if (!out->name)
        return false;
    for (size_t i = 0; i < nlen; i++)
        if (out->name[i] >= 'A' && out->name[i] <= 'Z')
            out->name[i] = (char)(out->name[i] - 'A' + 'a');
    out->name_len = nlen;
    out->val = colon + 1;
    out->val_len = (size_t)(line + len - (colon + 1));
    trim_ows(&out->val, &out->val_len);
    return true;
}

struct head {
    const char *status;
    size_t status_len;
    struct head_field *fields;
    size_t n;
};

static int parse_head(struct rego_bi_ctx *ctx, const char *text, size_t len, struct head *h)
{
    struct reader rd;
    rd_init(&rd, text ? text : "", text ? len : 0);
    const char *line;
    size_t n;
    memset(h, 0, sizeof(*h));
    h->status = "";
    if (next_line(&rd, &line, &n)) {
        const char *sp = memchr(line, ' ', n);
        h->status = sp ? sp + 1 : line + n;
        h->status_len = sp ? (size_t)(line + n - (sp + 1)) : 0;
        while (h->status_len && *h->status == ' ')
            h->status++, h->status_len--;
    }
    size_t cap = len / 2 + 1; /* a field takes at least two bytes ("x:" + newline) */
    h->fields = arena_alloc(ctx->arena, cap * sizeof(*h->fields));
    if (!h->fields)
        return -1;
    while (next_line(&rd, &line, &n) && n > 0)
        if (h->n < cap && parse_field(ctx, line, n, &h->fields[h->n]))
            h->fields[h->n].order = h->n, h->n++;
    qsort(h->fields, h->n, sizeof(*h->fields), field_cmp);
    return 0;
}

/* {"name": [values in order], ...} */
static struct value *headers_value(struct rego_bi_ctx *ctx, const struct head *h)
{
    struct pair_list pl = {0};
    for (size_t i = 0; i < h->n;) {
        size_t j = i;
        struct value_list vals = {0};
        while (j < h->n && h->fields[j].name_len == h->fields[i].name_len &&
               !memcmp(h->fields[j].name, h->fields[i].name, h->fields[i].name_len)) {
            struct value *v = clean_str(ctx, h->fields[j].val, h->fields[j].val_len);
            if (!v || value_list_push(ctx->arena, &vals, v) < 0)
                return NULL;
            j++;
        }
        struct value *k = clean_str(ctx, h->fields[i].name, h->fields[i].name_len);
        struct value *arr = v_array(ctx->arena, vals.items, vals.len);
        if (!k || !arr || pair_list_push(ctx->arena, &pl, k, arr) < 0)
            return NULL;
        i = j;
    }
    return v_object(ctx->arena, pl.pairs, pl.len, DUP_LAST_WINS, NULL);
}

static const struct head_field *first_field(const struct head *h, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < h->n; i++)
        if (h->fields[i].name_len == n && !memcmp(h->fields[i].name, name, n))
            return &h->fields[i]; /* sorted by name, then order: the first value */
    return NULL;
}

/* mime.ParseMediaType's parameter syntax after the media type:
 * (";" OWS token "=" (token | quoted-string))*, a trailing ";" allowed. */
static bool media_params_ok(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            return true;
        if (s[i++] != ';')
            return false;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            return true; /* trailing semicolon */
        size_t k = i;
        while (i < n && is_token_char((unsigned char)s[i]))
            i++;
        if (i == k)
            return false;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n || s[i++] != '=')
            return false;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i < n && s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            if (i >= n)
                return false;
            i++;
        } else {
            size_t v = i;
            while (i < n && is_token_char((unsigned char)s[i]))
                i++;
            if (i == v)
                return false;
        }
    }
}

/* OPA's isJSONType: application/json or application/<x>+json. */
static bool is_json_type(const char *ct, size_t n)
{
    const char *semi = memchr(ct, ';', n);
    size_t tlen = semi ? (size_t)(semi - ct) : n;
    const char *t = ct;
    trim_ows(&t, &tlen);
    if (semi && !media_params_ok(semi, n - (size_t)(semi - ct)))
        return false;
    const char *slash = memchr(t, '/', tlen);
    if (!slash || !valid_token(t, (size_t)(slash - t)) ||
        !valid_token(slash + 1, tlen - (size_t)(slash - t) - 1))
        return false;
    size_t mlen = (size_t)(slash - t), slen = tlen - mlen - 1;
    const char *sub = slash + 1;
    if (mlen != 11 || strncasecmp(t, "application", 11))
        return false;
    return (slen == 4 && !strncasecmp(sub, "json", 4)) ||
           (slen >= 5 && !strncasecmp(sub + slen - 5, "+json", 5));
}

static bool is_yaml_type(const char *ct, size_t n)
{
    return memmem(ct, n, "application/yaml", 16) || memmem(ct, n, "application/x-yaml", 18);
}

/* The decoded body or null when it does not decode (OPA ignores the
 * error). */
static struct value *decoded_body(struct rego_bi_ctx *ctx, const struct head *h, struct value *raw,
                                  bool force_json, bool force_yaml)
{
    const struct head_field *ct = first_field(h, "content-type");
    const char *name = NULL;
    if (force_json || (ct && is_json_type(ct->val, ct->val_len)))
        name = "json.unmarshal";
    else if (force_yaml || (ct && is_yaml_type(ct->val, ct->val_len)))
        name = "yaml.unmarshal";
    struct value *v = NULL;
    if (name && bi_call(ctx, name, &raw, 1, &v, NULL) < 0)
        v = NULL;
    return v ? v : v_null();
}

int bi_http_response_value(struct rego_bi_ctx *ctx, long status_code, const char *head,
                           size_t head_len, const char *body, size_t body_len, bool force_json,
                           bool force_yaml, struct value **out)
{
    struct head h;
    *out = NULL;
    if (parse_head(ctx, head, head_len, &h) < 0)
        return -1;
    struct value *raw = clean_str(ctx, body ? body : "", body ? body_len : 0);
    struct value *status = clean_str(ctx, h.status, h.status_len);
    struct value *headers = headers_value(ctx, &h);
    if (!raw || !status || !headers)
        return -1;
    struct pair_list pl = {0};
    if (pair_list_push_str(ctx->arena, &pl, "body",
                           decoded_body(ctx, &h, raw, force_json, force_yaml)) < 0 ||
        pair_list_push_str(ctx->arena, &pl, "headers", headers) < 0 ||
        pair_list_push_str(ctx->arena, &pl, "raw_body", raw) < 0 ||
        pair_list_push_str(ctx->arena, &pl, "status", status) < 0 ||
        pair_list_push_str(ctx->arena, &pl, "status_code", v_int(ctx->arena, status_code)) < 0)
        return -1;
    *out = v_object(ctx->arena, pl.pairs, pl.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : -1;
}

/* ---- redirects and retries ---- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Go's client.Timeout spans the whole exchange, redirects included: the
 * time left, or -1 when it is spent (0 = no timeout). */
static long timeout_left_ms(const struct http_req *r, int64_t deadline)
{
    if (r->timeout_ns <= 0)
        return 0;
    int64_t left = deadline - now_ns();
    if (left <= 0)
        return -1;
    int64_t ms = (left + NS_PER_MS - 1) / NS_PER_MS;
    return ms > LONG_MAX ? LONG_MAX : (long)ms;
}

static bool is_redirect(long code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* isDomainOrSubdomain(new host, first host) of Go's client. */
static bool same_or_subdomain(struct rego_bi_ctx *ctx, const char *first_url, const char *url)
{
    const char *h0, *h1, *port;
    url_host_port(ctx, first_url, &h0, &port);
    url_host_port(ctx, url, &h1, &port);
    size_t n0 = strlen(h0), n1 = strlen(h1);
    if (!strcasecmp(h0, h1))
        return true;
    return n1 > n0 && h1[n1 - n0 - 1] == '.' && !strcasecmp(h1 + n1 - n0, h0);
}

/* Prepares the request to a redirect target as Go's client does: 301, 302
 * and 303 continue with GET (HEAD stays HEAD) without the body, 307 and
 * 308 repeat method and body; Authorization and cookies only to the first
 * host or its subdomains; a custom Host only for relative locations. */
static int follow(struct rego_bi_ctx *ctx, struct easy *e, const struct http_req *r, long code,
                  const char *target, bool relative, struct http_fail *f)
{
    const char *m = *r->method ? r->method : "GET";
    if (code != 307 && code != 308 && strcmp(m, "HEAD")) {
        curl_easy_setopt(e->c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e->c, CURLOPT_CUSTOMREQUEST, NULL);
    }
    e->plan.drop_sensitive |= !same_or_subdomain(ctx, e->first_url, target);
    e->plan.drop_host |= !relative;
    TRY(build_headers(ctx, r, &e->plan, &e->h, f));
    curl_easy_setopt(e->c, CURLOPT_HTTPHEADER, e->h.list);
    curl_easy_setopt(e->c, CURLOPT_URL, target);
    return 0;
}

/* The Location of the last response, as sent. */
static const char *location_of(struct rego_bi_ctx *ctx, const struct xfer *x)
{
    struct head h;
    if (parse_head(ctx, x->head.data, x->head.len, &h) < 0)
        return NULL;
    const struct head_field *loc = first_field(&h, "location");
    return loc ? arena_strndup(ctx->arena, loc->val, loc->val_len) : NULL;
}

/* One attempt: the request and the redirects it leads to.  1 = a response
 * in *out, 0 = a transfer failure (cc, *url), -1 = refused (f filled). */
static int attempt_chain(struct rego_bi_ctx *ctx, struct easy *e, const struct http_req *r,
                         struct xfer *x, CURLcode *cc, const char **url, struct value **out,
                         struct http_fail *f)
{
    int64_t deadline = now_ns() + r->timeout_ns;
    *url = e->first_url;
    for (int redirects = 0;; redirects++) {
        long left = timeout_left_ms(r, deadline);
        *cc = left < 0 ? CURLE_OPERATION_TIMEDOUT : CURLE_OK;
        if (left < 0)
            return 0;
        curl_easy_setopt(e->c, CURLOPT_TIMEOUT_MS, left);
        x->head.len = x->body.len = 0;
        x->head_done = x->head_too_big = x->body_too_big = false;
        e->errbuf[0] = '\0';
        if ((*cc = curl_easy_perform(e->c)) != CURLE_OK)
            return 0;
        long code = 0;
        char *target = NULL;
        curl_easy_getinfo(e->c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(e->c, CURLINFO_REDIRECT_URL, &target);
        if (!r->redirect || !is_redirect(code) || !target) {
            if (bi_http_response_value(ctx, code, x->head.data, x->head.len, x->body.data,
                                       x->body.len, r->force_json, r->force_yaml, out) < 0)
                return bi_oom(ctx);
            return 1;
        }
        const char *next = arena_strdup(ctx->arena, target);
        const char *loc = location_of(ctx, x);
        if (!next || !loc)
            return bi_oom(ctx);
        struct http_req hop = *r;
        hop.url = next;
        if (redirects + 1 == HTTP_MAX_REDIRECTS) /* Go: 10 requests at most */
            return fail(f, FAIL_NETWORK, "%s %s: stopped after %ld redirects", r->op,
                        go_quote(ctx, next), HTTP_MAX_REDIRECTS);
        TRY(check_url(ctx, &hop, f));
        TRY(follow(ctx, e, r, code, next, go_scheme_len(loc) == 0, f));
        *url = next;
    }
}

/* Back to the first request of the chain for a retry. */
static int attempt_reset(struct rego_bi_ctx *ctx, struct easy *e, const struct http_req *r,
                         struct http_fail *f)
{
    e->plan.drop_sensitive = e->plan.drop_host = false;
    TRY(build_headers(ctx, r, &e->plan, &e->h, f));
    curl_easy_setopt(e->c, CURLOPT_HTTPHEADER, e->h.list);
    curl_easy_setopt(e->c, CURLOPT_URL, e->first_url);
    curl_easy_setopt(e->c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e->c, CURLOPT_CUSTOMREQUEST, NULL);
    set_method_and_body(e->c, r);
    return 0;
}

/* Sends the request (with its retries) and builds the response object. */
static int exchange(struct rego_bi_ctx *ctx, const struct http_req *r, struct value **out,
                    struct http_fail *f)
{
    struct easy e;
    memset(&e, 0, sizeof(e));
    struct xfer x;
    memset(&x, 0, sizeof(x));
    int rc = easy_setup(ctx, &e, r, &x, f);
    for (int64_t attempt = 0; rc == 0; attempt++) {
        CURLcode cc = CURLE_OK;
        const char *url = r->url;
        int got = attempt_chain(ctx, &e, r, &x, &cc, &url, out, f);
        if (got != 0) {
            rc = got > 0 ? 0 : -1;
            break;
        }
        bool read_limit = x.body_too_big || x.head_too_big || cc == CURLE_FILESIZE_EXCEEDED;
        if (read_limit || attempt >= r->retries) {
            rc = transfer_error(ctx, e.c, cc, r, url, &x, e.errbuf, f);
            break;
        }
        retry_pause(attempt);
        if (attempt_reset(ctx, &e, r, f) < 0) {
            rc = -1;
            break;
        }
    }
    easy_free(&e);
    buf_free(&x.head);
    buf_free(&x.body);
    return rc;
}

/* ---- http.send ---- */

static const char *const HTTP_KEYS[] = {
    "body",
    "cache",
    "caching_mode",
    "cache_ignored_headers",
    "enable_redirect",
    "force_cache",
    "force_cache_duration_seconds",
    "force_json_decode",
    "force_yaml_decode",
    "headers",
    "max_retry_attempts",
    "method",
    "raise_error",
    "raw_body",
    "timeout",
    "tls_ca_cert",
    "tls_ca_cert_env_variable",
    "tls_ca_cert_file",
    "tls_client_cert",
    "tls_client_cert_env_variable",
    "tls_client_cert_file",
    "tls_client_key",
    "tls_client_key_env_variable",
    "tls_client_key_file",
    "tls_insecure_skip_verify",
    "tls_server_name",
    "tls_use_system_certs",
    "url",
    NULL,
};

bool bi_http_request_key_known(const struct value *k)
{
    if (!v_is(k, V_STRING))
        return false;
    for (const char *const *p = HTTP_KEYS; *p; p++)
        if (!strcmp(*p, k->u.str.s))
            return true;
    return false;
}

/* "operand 1 <what>: {"k", ...}" with the keys as a Rego set. */
static int keys_fail(struct rego_bi_ctx *ctx, const char *what, struct value_list *keys,
                     struct http_fail *f)
{
    struct buf t = BUF_INIT;
    bi_value_text(&t, v_set(ctx->arena, keys->items, keys->len));
    f->code = "eval_type_error";
    fail(f, FAIL_BUILTIN, "operand 1 %s: %.*s", what, (int)t.len, t.data ? t.data : "");
    buf_free(&t);
    return -1;
}

/* validateHTTPRequestOperand: unknown keys, then method and url present. */
static int check_keys(struct rego_bi_ctx *ctx, const struct value *req, struct http_fail *f)
{
    struct value_list bad = {0}, missing = {0};
    for (size_t i = 0; i < req->u.obj.len; i++)
        if (!bi_http_request_key_known(req->u.obj.pairs[i].key) &&
            value_list_push(ctx->arena, &bad, req->u.obj.pairs[i].key) < 0)
            return bi_oom(ctx);
    if (bad.len)
        return keys_fail(ctx, "invalid request parameters(s)", &bad, f);
    static const char *const required[] = {"method", "url"};
    for (size_t i = 0; i < 2; i++)
        if (!value_object_get_str(req, required[i]) &&
            value_list_push(ctx->arena, &missing, v_cstr(ctx->arena, required[i])) < 0)
            return bi_oom(ctx);
    if (missing.len)
        return keys_fail(ctx, "missing required request parameters(s)", &missing, f);
    return 0;
}

/* raise_error=false: {"status_code": 0, "error": {"code", "message"}}. */
static int error_object(struct rego_bi_ctx *ctx, const struct http_fail *f, struct value **out)
{
    bool net = f->kind == FAIL_NETWORK;
    const char *msg =
        net ? f->msg : arena_sprintf(ctx->arena, "%s: %s: %s", f->code, ctx->name, f->msg);
    struct pair_list e = {0}, o = {0};
    if (!msg ||
        pair_list_push_str(ctx->arena, &e, "code",
                           v_cstr(ctx->arena, net ? "eval_http_send_network_error"
                                                  : "eval_http_send_internal_error")) < 0 ||
        pair_list_push_str(ctx->arena, &e, "message", v_cstr(ctx->arena, msg)) < 0)
        return bi_oom(ctx);
    struct value *err = v_object(ctx->arena, e.pairs, e.len, DUP_LAST_WINS, NULL);
    if (!err || pair_list_push_str(ctx->arena, &o, "error", err) < 0 ||
        pair_list_push_str(ctx->arena, &o, "status_code", v_int(ctx->arena, 0)) < 0)
        return bi_oom(ctx);
    BI_RET(v_object(ctx->arena, o.pairs, o.len, DUP_LAST_WINS, NULL));
}

static int raise_failure(struct rego_bi_ctx *ctx, const struct http_req *r,
                         const struct http_fail *f)
{
    if (f->kind == FAIL_NETWORK && f->timeout)
        return bi_err(ctx, "%s %s: request timed out", r->op, f->url ? f->url : r->url);
    return rego_bi_error(ctx, f->code ? f->code : "eval_builtin_error", "%s", f->msg);
}

int bi_http_send(struct rego_bi_ctx *ctx, const struct value *req, struct value **out)
{
    const struct value *re = value_object_get_str(req, "raise_error");
    if (re && re->type != V_BOOL)
        return bi_err(ctx, "invalid value for raise_error field");
    bool raise_error = !re || re->u.b;
    struct http_fail f;
    memset(&f, 0, sizeof(f));
    struct http_req r;
    memset(&r, 0, sizeof(r));
    r.op = "Get";
    r.url = "";
    as_err_clear(ctx->err);
    int rc = check_keys(ctx, req, &f);
    if (rc < 0 && ctx->err->status) /* out of memory */
        return -1;
    if (rc == 0 && !ctx->allow_network)
        return bi_network_denied(ctx);
    if (rc == 0)
        rc = read_request(ctx, req, &r, &f);
    if (rc < 0 && ctx->err->status)
        return -1;
    if (rc == 0)
        rc = check_url(ctx, &r, &f);
    if (rc == 0)
        rc = exchange(ctx, &r, out, &f);
    if (rc == 0)
        return 0;
    if (ctx->err->status)
        return -1;
    return raise_error ? raise_failure(ctx, &r, &f) : error_object(ctx, &f, out);
}
