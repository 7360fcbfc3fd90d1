/* routes.h - the HTTP routes as data (Redis command-table style): method,
 * path, handler, flags.  The transport (http.c) looks a request up here,
 * enforces the flags (JSON body: Content-Type and size rules of api.md §3),
 * parses the body, and calls the handler; a handler only talks to the
 * service (src/service) and fills a response.  Nothing here knows about
 * libmicrohttpd. */
#ifndef AS_SERVER_ROUTES_H
#define AS_SERVER_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "service/service.h"
#include "value/value.h"

enum route_flags {
    ROUTE_JSON_BODY = 1u << 0, /* POST with a JSON body (415/413/400 rules) */
    ROUTE_PARAM = 1u << 1,     /* path is a prefix; the rest is one parameter */
};

struct http_response {
    int status;
    const char *content_type; /* NULL = no Content-Type header */
    const char *body;         /* arena memory, copied by the transport */
    size_t body_len;
};

struct route_ctx {
    struct service *service;
    struct arena *arena;     /* the request's arena */
    const struct value *json; /* parsed body (ROUTE_JSON_BODY) */
    const char *param;        /* decoded path parameter (ROUTE_PARAM) */
};

typedef int (*route_handler)(const struct route_ctx *ctx, struct http_response *res,
                             struct as_error *err);

struct route {
    const char *method;
    const char *path; /* exact path, or prefix ending in '/' with ROUTE_PARAM */
    route_handler handler;
    unsigned flags;
};

enum route_match { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/* Finds the route for method + decoded path.  On ROUTE_FOUND *route and
 * *param (NULL unless ROUTE_PARAM) are set; on ROUTE_NO_METHOD *allow is the
 * Allow header value (e.g. "GET, POST"), in arena a. */
enum route_match route_lookup(const char *method, const char *path, struct arena *a,
                              const struct route **route, const char **param, const char **allow);

#endif
