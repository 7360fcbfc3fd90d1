/* bi_aws.c - providers.aws.sign_req: AWS Signature Version 4 of an
 * http.send request object, as OPA's topdown/providers.go and
 * internal/providers/aws (SignV4) do it, at the time given in ns (so the
 * result is deterministic).
 *
 * The canonical request is method, the URL's path as written, its raw
 * query, the signed headers (lower-cased request headers except
 * authorization / user-agent / x-amzn-trace-id, plus host, x-amz-date,
 * x-amz-content-sha256 for s3 and glacier, x-amz-security-token with a
 * session token) sorted, their names, and the payload hash (SHA-256 of
 * raw_body, else of json.marshal(body), else of ""; "UNSIGNED-PAYLOAD"
 * with disable_payload_signing).  The result is the request with its
 * headers replaced by the original ones, Authorization and the AWS
 * headers. */
#include "rego/bi_http.h"
#include "rego/bi_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"

static const char *const AWS_REQUIRED[] = {"aws_access_key", "aws_region", "aws_secret_access_key",
                                           "aws_service", NULL};

/* "operand <pos> <what>: {"a", "b"}" over a set of names. */
static int names_err(struct rego_bi_ctx *ctx, int pos, const char *what, struct value_list *names)
{
    struct buf t = BUF_INIT;
    bi_value_text(&t, v_set(ctx->arena, names->items, names->len));
    int rc = bi_operand_err(ctx, pos, "%s: %.*s", what, (int)t.len, t.data ? t.data : "");
    buf_free(&t);
    return rc;
}

static int check_aws_config(struct rego_bi_ctx *ctx, const struct value *cfg)
{
    struct value_list missing = {0}, invalid = {0};
    for (const char *const *k = AWS_REQUIRED; *k; k++) {
        const struct value *v = value_object_get_str(cfg, *k);
        struct value_list *l = !v ? &missing : !v_is(v, V_STRING) ? &invalid : NULL;
        if (l && value_list_push(ctx->arena, l, v_cstr(ctx->arena, *k)) < 0)
            return bi_oom(ctx);
    }
    if (missing.len)
        return names_err(ctx, 2, "missing required AWS config parameters(s)", &missing);
    if (invalid.len)
        return names_err(ctx, 2, "invalid values for required AWS config parameters(s)", &invalid);
    return 0;
}

static int check_request(struct rego_bi_ctx *ctx, const struct value *req)
{
    struct value_list bad = {0}, missing = {0};
    for (size_t i = 0; i < req->u.obj.len; i++)
        if (!bi_http_request_key_known(req->u.obj.pairs[i].key) &&
            value_list_push(ctx->arena, &bad, req->u.obj.pairs[i].key) < 0)
            return bi_oom(ctx);
    if (bad.len)
        return names_err(ctx, 1, "invalid request parameters(s)", &bad);
    static const char *const required[] = {"method", "url"};
    for (size_t i = 0; i < 2; i++)
        if (!value_object_get_str(req, required[i]) &&
            value_list_push(ctx->arena, &missing, v_cstr(ctx->arena, required[i])) < 0)
            return bi_oom(ctx);
    if (missing.len)
        return names_err(ctx, 1, "missing required request parameters(s)", &missing);
    return 0;
}

static const char *str_or_empty(const struct value *v)
{
    return v_is(v, V_STRING) ? v->u.str.s : "";
}

/* ---- URL parts (Go's url.Parse: Host, EscapedPath, RawQuery) ---- */

struct url_parts {
    const char *host, *path, *query;
    size_t host_len, path_len, query_len;
};

static void url_split(const char *s, struct url_parts *u)
{
    size_t n = strcspn(s, "#");
    memset(u, 0, sizeof(*u));
    u->host = u->path = u->query = "";
    const char *colon = memchr(s, ':', n);
    const char *p = s;
    if (colon && colon > s && strcspn(s, "/?") > (size_t)(colon - s))
        p = colon + 1; /* past the scheme */
    const char *end = s + n;
    const char *q = memchr(p, '?', (size_t)(end - p));
    const char *body_end = q ? q : end;
    if (body_end - p >= 2 && p[0] == '/' && p[1] == '/') {
        const char *auth = p + 2;
        const char *slash = memchr(auth, '/', (size_t)(body_end - auth));
        const char *auth_end = slash ? slash : body_end;
        const char *at = NULL;
        for (const char *c = auth; c < auth_end; c++)
            if (*c == '@')
                at = c;
        u->host = at ? at + 1 : auth;
        u->host_len = (size_t)(auth_end - u->host);
        p = auth_end;
    }
    u->path = p;
    u->path_len = (size_t)(body_end - p);
    if (q) {
        u->query = q + 1;
        u->query_len = (size_t)(end - q - 1);
    }
}

/* ---- signing ---- */

struct header {
    const char *name; /* lower-cased for signing */
    const char *value;
};

static int header_cmp(const void *a, const void *b)
{
    return strcmp(((const struct header *)a)->name, ((const struct header *)b)->name);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    unsigned int len = 0;
    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    hex_encode(d, 32, out);
}

static void hmac256(const void *key, size_t kl, const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)kl, (const unsigned char *)msg, strlen(msg), out, &len);
}

/* Adds (or replaces) a header to sign. */
static int sign_set(struct arena *a, struct header **hs, size_t *n, size_t *cap, const char *name,
                    const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*hs)[i].name, name) == 0) {
            (*hs)[i].value = value;
            return 0;
        }
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        struct header *nh = arena_alloc(a, nc * sizeof(*nh));
        if (!nh)
            return -1;
        if (*n)
            memcpy(nh, *hs, *n * sizeof(*nh));
        *hs = nh;
        *cap = nc;
    }
    (*hs)[(*n)++] = (struct header){name, value};
    return 0;
}

struct sign_input {
    const char *method, *service, *access_key, *secret_key, *region, *token;
    struct url_parts url;
    const char *payload_hash; /* hex or UNSIGNED-PAYLOAD */
    const struct value *headers;
    bool s3_like;
    char date[9], stamp[17];
    char host[512];
};

static bool ignored_header(const char *lower)
{
    return strcmp(lower, "authorization") == 0 || strcmp(lower, "user-agent") == 0 ||
           strcmp(lower, "x-amzn-trace-id") == 0;
}

static char *lower_dup(struct arena *a, const char *s)
{
    char *d = arena_strdup(a, s);
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* Builds the Authorization header value (arena). */
static char *sign_v4(struct arena *a, const struct sign_input *in)
{
    struct header *hs = NULL;
    size_t n = 0, cap = 0;
    int rc = sign_set(a, &hs, &n, &cap, "host", in->host);
    rc |= sign_set(a, &hs, &n, &cap, "x-amz-date", in->stamp);
    if (in->s3_like)
        rc |= sign_set(a, &hs, &n, &cap, "x-amz-content-sha256", in->payload_hash);
    if (in->token[0])
        rc |= sign_set(a, &hs, &n, &cap, "x-amz-security-token", in->token);
    for (size_t i = 0; in->headers && i < in->headers->u.obj.len; i++) {
        char *name = lower_dup(a, str_or_empty(in->headers->u.obj.pairs[i].key));
        if (!name)
            return NULL;
        if (!ignored_header(name))
            rc |= sign_set(a, &hs, &n, &cap, name, str_or_empty(in->headers->u.obj.pairs[i].val));
    }
    if (rc)
        return NULL;
    qsort(hs, n, sizeof(*hs), header_cmp);
    struct buf req = BUF_INIT, list = BUF_INIT;
    buf_printf(&req, "%s\n%.*s\n%.*s\n", in->method, (int)in->url.path_len, in->url.path,
               (int)in->url.query_len, in->url.query);
    for (size_t i = 0; i < n; i++) {
        buf_printf(&req, "%s:%s\n", hs[i].name, hs[i].value);
        buf_printf(&list, "%s%s", i ? ";" : "", hs[i].name);
    }
    buf_printf(&req, "\n%.*s\n%s", (int)list.len, list.data ? list.data : "", in->payload_hash);
    char req_hash[65];
    sha256_hex(req.data ? req.data : "", req.len, req_hash);
    char *to_sign = arena_sprintf(a, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", in->stamp,
                                  in->date, in->region, in->service, req_hash);
    char *key0 = arena_sprintf(a, "AWS4%s", in->secret_key);
    char *auth = NULL;
    if (to_sign && key0 && !buf_failed(&req) && !buf_failed(&list)) {
        unsigned char k[32], sig[32];
        char sig_hex[65];
        hmac256(key0, strlen(key0), in->date, k);
        hmac256(k, 32, in->region, k);
        hmac256(k, 32, in->service, k);
        hmac256(k, 32, "aws4_request", k);
        hmac256(k, 32, to_sign, sig);
        hex_encode(sig, 32, sig_hex);
        auth = arena_sprintf(a,
                             "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request,"
                             "SignedHeaders=%.*s,Signature=%s",
                             in->access_key, in->date, in->region, in->service, (int)list.len,
                             list.data ? list.data : "", sig_hex);
    }
    buf_free(&req);
    buf_free(&list);
    return auth;
}

/* The payload: raw_body, else json.marshal(body), else "". */
static int payload_hash(struct rego_bi_ctx *ctx, const struct value *req, bool unsigned_payload,
                        const char **out)
{
    if (unsigned_payload) {
        *out = "UNSIGNED-PAYLOAD";
        return 0;
    }
    const struct value *raw = value_object_get_str(req, "raw_body");
    struct value *body = value_object_get_str(req, "body");
    const char *p = "";
    size_t n = 0;
    if (raw) {
        p = str_or_empty(raw);
        n = v_is(raw, V_STRING) ? raw->u.str.len : 0;
    } else if (body) {
        struct value *text;
        const char *msg = "";
        if (bi_call(ctx, "json.marshal", &body, 1, &text, &msg) < 0)
            return bi_err(ctx, "%s", msg);
        p = text->u.str.s;
        n = text->u.str.len;
    }
    char *hex = arena_alloc(ctx->arena, 65);
    if (!hex)
        return bi_oom(ctx);
    sha256_hex(p, n, hex);
    *out = hex;
    return 0;
}

static int format_time(struct rego_bi_ctx *ctx, int64_t ns, struct sign_input *in)
{
    int64_t secs = ns / 1000000000LL - (ns % 1000000000LL < 0 ? 1 : 0);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return bi_operand_err(ctx, 3, "could not convert time_ns value into a unix timestamp");
    strftime(in->date, sizeof(in->date), "%Y%m%d", &tm);
    strftime(in->stamp, sizeof(in->stamp), "%Y%m%dT%H%M%SZ", &tm);
    return 0;
}

/* The request with the signed headers. */
static struct value *signed_request(struct rego_bi_ctx *ctx, const struct value *req,
                                    const struct sign_input *in, const char *auth)
{
    struct arena *a = ctx->arena;
    struct pair_list hs = {0}, out = {0};
    for (size_t i = 0; in->headers && i < in->headers->u.obj.len; i++)
        if (pair_list_push(a, &hs, v_cstr(a, str_or_empty(in->headers->u.obj.pairs[i].key)),
                           v_cstr(a, str_or_empty(in->headers->u.obj.pairs[i].val))) < 0)
            return NULL;
    if (pair_list_push_str(a, &hs, "Authorization", v_cstr(a, auth)) < 0 ||
        pair_list_push_str(a, &hs, "host", v_cstr(a, in->host)) < 0 ||
        pair_list_push_str(a, &hs, "x-amz-date", v_cstr(a, in->stamp)) < 0 ||
        (in->s3_like &&
         pair_list_push_str(a, &hs, "x-amz-content-sha256", v_cstr(a, in->payload_hash)) < 0) ||
        (in->token[0] &&
         pair_list_push_str(a, &hs, "x-amz-security-token", v_cstr(a, in->token)) < 0))
        return NULL;
    struct value *headers = v_object(a, hs.pairs, hs.len, DUP_LAST_WINS, NULL);
    for (size_t i = 0; i < req->u.obj.len; i++) {
        const struct value *k = req->u.obj.pairs[i].key;
        if (!(v_is(k, V_STRING) && strcmp(k->u.str.s, "headers") == 0) &&
            pair_list_push(a, &out, req->u.obj.pairs[i].key, req->u.obj.pairs[i].val) < 0)
            return NULL;
    }
    if (!headers || pair_list_push_str(a, &out, "headers", headers) < 0)
        return NULL;
    return v_object(a, out.pairs, out.len, DUP_LAST_WINS, NULL);
}

static int sign_config(struct rego_bi_ctx *ctx, const struct value *cfg, struct sign_input *in,
                       bool *unsigned_payload)
{
    in->service = str_or_empty(value_object_get_str(cfg, "aws_service"));
    in->access_key = str_or_empty(value_object_get_str(cfg, "aws_access_key"));
    in->secret_key = str_or_empty(value_object_get_str(cfg, "aws_secret_access_key"));
    in->region = str_or_empty(value_object_get_str(cfg, "aws_region"));
    in->token = str_or_empty(value_object_get_str(cfg, "aws_session_token"));
    in->s3_like = strcmp(in->service, "s3") == 0 || strcmp(in->service, "glacier") == 0;
    const struct value *dps = value_object_get_str(cfg, "disable_payload_signing");
    *unsigned_payload = false;
    if (dps) {
        if (!v_is(dps, V_BOOL))
            return bi_operand_err(ctx, 2,
                                  "invalid value for 'disable_payload_signing' in AWS config");
        *unsigned_payload = dps->u.b;
    }
    return 0;
}

static int sign_req(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_OBJECT));
    if (!v_is(args[1], V_OBJECT))
        return bi_type_err(ctx, 1, "object", args[1]);
    const struct value *req = args[0], *cfg = args[1];
    TRY(check_aws_config(ctx, cfg));
    struct sign_input in;
    memset(&in, 0, sizeof(in));
    if (!v_is(args[2], V_NUMBER))
        return bi_type_err(ctx, 1, "number", args[2]);
    int64_t ns;
    if (!bi_num_int64(args[2], &ns))
        return bi_operand_err(ctx, 3, "could not convert time_ns value into a unix timestamp");
    TRY(format_time(ctx, ns, &in));
    TRY(check_request(ctx, req));
    const struct value *headers = value_object_get_str(req, "headers");
    if (headers && !v_is(headers, V_OBJECT))
        return bi_type_err(ctx, 0, "object", headers);
    in.headers = headers;
    struct value_list invalid = {0};
    static const char *const reqd[] = {"method", "url"};
    for (size_t i = 0; i < 2; i++)
        if (!v_is(value_object_get_str(req, reqd[i]), V_STRING) &&
            value_list_push(ctx->arena, &invalid, v_cstr(ctx->arena, reqd[i])) < 0)
            return bi_oom(ctx);
    if (invalid.len)
        return names_err(ctx, 1, "invalid values for required request parameters(s)", &invalid);
    in.method = value_object_get_str(req, "method")->u.str.s;
    url_split(value_object_get_str(req, "url")->u.str.s, &in.url);
    snprintf(in.host, sizeof(in.host), "%.*s", (int)in.url.host_len, in.url.host);
    bool unsigned_payload;
    TRY(sign_config(ctx, cfg, &in, &unsigned_payload));
    TRY(payload_hash(ctx, req, unsigned_payload, &in.payload_hash));
    char *auth = sign_v4(ctx->arena, &in);
    if (!auth)
        return bi_oom(ctx);
    BI_RET(signed_request(ctx, req, &in, auth));
}

static int bi_aws_sign_req(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                           struct value **out)
{
    return sign_req(ctx, args, out);
}

const struct rego_builtin rego_bi_aws[] = {
    {"providers.aws.sign_req", 3, bi_aws_sign_req, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
