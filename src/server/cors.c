/* cors.c - see cors.h */
#include "server/cors.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "server/http_rules.h"

static int push_origin(struct cors_config *c, const char *s, size_t n)
{
    char **grown = realloc(c->origins, (c->n_origins + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    c->origins = grown;
    char *copy = strndup(s, n);
    if (!copy)
        return -1;
    c->origins[c->n_origins++] = copy;
    return 0;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

int cors_add_origins(struct cors_config *c, const char *arg)
{
    const char *p = arg;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        size_t len = (size_t)(e - s);
        if (len > 0) {
            if ((len >= 7 && strncmp(s, "http://", 7) == 0) ||
                (len >= 8 && strncmp(s, "https://", 8) == 0)) {
                if (push_origin(c, s, len) < 0)
                    return -1;
                LOG_I("restful_as", "Allowed CORS origin: \"%.*s\"", (int)len, s);
            } else {
                LOG_E("restful_as",
                      "Invalid CORS origin format: '%.*s'. Must start with http:// or https://",
                      (int)len, s);
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

void cors_config_free(struct cors_config *c)
{
    for (size_t i = 0; i < c->n_origins; i++)
        free(c->origins[i]);
    free(c->origins);
    c->origins = NULL;
    c->n_origins = 0;
}

bool cors_origin_allowed(const struct cors_config *c, const char *origin)
{
    if (!origin)
        return false;
    for (size_t i = 0; i < c->n_origins; i++)
        if (strcmp(c->origins[i], origin) == 0)
            return true;
    return false;
}

static bool method_allowed(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "OPTIONS") == 0;
}

static bool header_allowed(const char *h, size_t n)
{
    return (n == 12 && strncasecmp(h, "content-type", n) == 0) ||
           (n == 13 && strncasecmp(h, "authorization", n) == 0);
}

/* Access-Control-Request-Headers: comma separated header names; each must
 * be a valid name (else "invalid value") and allowed. */
static const char *check_request_headers(const char *list)
{
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (!http_is_token(s, (size_t)(e - s)))
            return "Request header `Access-Control-Request-Headers` has an invalid value";
        if (!header_allowed(s, (size_t)(e - s)))
            return "One or more request headers are not allowed";
        if (p[n] == '\0')
            return NULL;
        p += n + 1;
    }
}

enum cors_verdict cors_check_preflight(const struct cors_config *c, const struct cors_request *r,
                                       const char **why)
{
    *why = NULL;
    if (strcmp(r->method, "OPTIONS") != 0 || !r->request_method ||
        !http_is_token(r->request_method, strlen(r->request_method)))
        return CORS_NOT_PREFLIGHT;
    if (!r->origin)
        *why = "Request header `Origin` is required but was not provided";
    else if (!cors_origin_allowed(c, r->origin))
        *why = "Origin is not allowed to make this request";
    else if (!method_allowed(r->request_method))
        *why = "Requested method is not allowed";
    else if (r->request_headers)
        *why = check_request_headers(r->request_headers);
    return *why ? CORS_PREFLIGHT_BAD : CORS_PREFLIGHT_OK;
}
