/* routes.c - the routes table and its handlers (api.md §2, §4-§7). */
#include "server/routes.h"

#include <string.h>

#include "base/buf.h"

static int respond_text(struct http_response *res, const char *type, const char *body,
                        size_t len)
{
    res->status = 200;
    res->content_type = type;
    res->body = body;
    res->body_len = len;
    return 0;
}

static int respond_json(const struct route_ctx *ctx, struct http_response *res,
                        const struct value *v, struct as_error *err)
{
    char *text = json_to_string(ctx->arena, v, JSON_COMPACT);
    if (!text)
        return as_err(err, 500, ERR_INTERNAL, "out of memory printing the response");
    return respond_text(res, "application/json", text, strlen(text));
}

static int handle_attestation(const struct route_ctx *ctx, struct http_response *res,
                              struct as_error *err)
{
    char *token;
    TRY(service_attestation(ctx->service, ctx->json, ctx->arena, &token, err));
    return respond_text(res, "application/jwt", token, strlen(token));
}

static int handle_challenge(const struct route_ctx *ctx, struct http_response *res,
                            struct as_error *err)
{
    char *challenge;
    TRY(service_challenge(ctx->service, ctx->json, ctx->arena, &challenge, err));
    /* the original sets no Content-Type: "" for most TEEs, JSON text for se */
    return respond_text(res, NULL, challenge, strlen(challenge));
}

static int handle_set_policy(const struct route_ctx *ctx, struct http_response *res,
                             struct as_error *err)
{
    TRY(service_set_policy(ctx->service, ctx->json, err));
    return respond_text(res, NULL, "", 0);
}

static int handle_list_policies(const struct route_ctx *ctx, struct http_response *res,
                                struct as_error *err)
{
    struct value *list;
    TRY(service_list_policies(ctx->service, ctx->arena, &list, err));
    return respond_json(ctx, res, list, err);
}

static int handle_get_policy(const struct route_ctx *ctx, struct http_response *res,
                             struct as_error *err)
{
    char *text;
    size_t len;
    TRY(service_get_policy(ctx->service, ctx->param, ctx->arena, &text, &len, err));
    return respond_text(res, "text/plain; charset=utf-8", text, len);
}

static int handle_delete_policy(const struct route_ctx *ctx, struct http_response *res,
                                struct as_error *err)
{
    TRY(service_delete_policy(ctx->service, ctx->param, err));
    return respond_text(res, NULL, "", 0);
}

static int handle_jwks(const struct route_ctx *ctx, struct http_response *res,
                       struct as_error *err)
{
    struct value *jwks;
    TRY(service_jwks(ctx->service, ctx->arena, &jwks, err));
    return respond_json(ctx, res, jwks, err);
}

static int handle_healthz(const struct route_ctx *ctx, struct http_response *res,
                          struct as_error *err)
{
    (void)ctx, (void)err;
    return respond_text(res, NULL, "", 0);
}

static const struct route route_table[] = {
    {"POST", "/attestation", handle_attestation, ROUTE_JSON_BODY},
    {"POST", "/challenge", handle_challenge, ROUTE_JSON_BODY},
    {"POST", "/policy", handle_set_policy, ROUTE_JSON_BODY},
    {"GET", "/policy", handle_list_policies, 0},
    {"GET", "/policy/", handle_get_policy, ROUTE_PARAM},
    {"DELETE", "/policy/", handle_delete_policy, ROUTE_PARAM},
    {"GET", "/.well-known/jwks.json", handle_jwks, 0},
    {"GET", "/healthz", handle_healthz, 0},
};
#define N_ROUTES (sizeof(route_table) / sizeof(route_table[0]))

/* Path match; for ROUTE_PARAM the rest after the prefix must be non-empty. */
static bool path_matches(const struct route *r, const char *path, const char **param)
{
    if (!(r->flags & ROUTE_PARAM)) {
        *param = NULL;
        return strcmp(r->path, path) == 0;
    }
    size_t n = strlen(r->path);
    if (strncmp(r->path, path, n) != 0 || path[n] == '\0')
        return false;
    *param = path + n;
    return true;
}

enum route_match route_lookup(const char *method, const char *path, struct arena *a,
                              const struct route **route, const char **param, const char **allow)
{
    struct buf methods = BUF_INIT;
    bool path_known = false;
    const char *p;
    for (size_t i = 0; i < N_ROUTES; i++) {
        const struct route *r = &route_table[i];
        if (!path_matches(r, path, &p))
            continue;
        if (strcmp(r->method, method) == 0) {
            buf_free(&methods);
            *route = r;
            *param = p;
            return ROUTE_FOUND;
        }
        if (path_known)
            buf_puts(&methods, ", ");
        buf_puts(&methods, r->method);
        path_known = true;
    }
    if (path_known)
        *allow = arena_strdup(a, buf_failed(&methods) ? "" : buf_cstr(&methods));
    buf_free(&methods);
    return path_known ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
