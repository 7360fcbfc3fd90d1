/* cors.h - Cross-Origin Resource Sharing exactly as the V26 original
 * configures actix-cors 0.7 (api.md §9):
 *   allowed methods POST, GET, OPTIONS; allowed request headers
 *   Content-Type, Authorization; max age 86400; no credentials; no exposed
 *   headers; origins from --allowed_origin (split on ',', trimmed, empties
 *   dropped, only http:// and https:// kept, no wildcard).
 * A preflight is an OPTIONS request with a parsable
 * Access-Control-Request-Method; it is answered here (200 or 400) and never
 * reaches a route.  Actual requests are never blocked: an allowed Origin is
 * echoed in Access-Control-Allow-Origin.  Every response carries the Vary
 * header below. */
#ifndef AS_SERVER_CORS_H
#define AS_SERVER_CORS_H

#include <stdbool.h>
#include <stddef.h>

#define CORS_ALLOW_METHODS "GET, OPTIONS, POST"
#define CORS_ALLOW_HEADERS "authorization, content-type"
#define CORS_MAX_AGE "86400"
#define CORS_VARY "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

struct cors_config {
    char **origins; /* heap strings */
    size_t n_origins;
};

/* Adds the origins of one --allowed_origin argument.  Entries that do not
 * start with http:// or https:// are logged (ERROR, as the original) and
 * ignored.  -1 only on out of memory. */
int cors_add_origins(struct cors_config *c, const char *arg);
void cors_config_free(struct cors_config *c);

/* Exact, case-sensitive match against the configured list. */
bool cors_origin_allowed(const struct cors_config *c, const char *origin);

struct cors_request {
    const char *method;          /* request method */
    const char *origin;          /* Origin header or NULL */
    const char *request_method;  /* Access-Control-Request-Method or NULL */
    const char *request_headers; /* Access-Control-Request-Headers or NULL */
};

enum cors_verdict {
    CORS_NOT_PREFLIGHT, /* route the request normally */
    CORS_PREFLIGHT_OK,  /* answer 200 with the allow headers */
    CORS_PREFLIGHT_BAD, /* answer 400; *why says why (actix-cors wording) */
};

enum cors_verdict cors_check_preflight(const struct cors_config *c, const struct cors_request *r,
                                       const char **why);

#endif
