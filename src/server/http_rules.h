/* http_rules.h - the small pure rules of the HTTP transport (api.md §3):
 * which Content-Type counts as JSON, Content-Length parsing, strict
 * percent-decoding of the request path.  No libmicrohttpd here, so every
 * rule has a unit test (tests/unit/server/test_http_rules.c) and a fuzz
 * target (fuzz/fuzz_http_rules.c). */
#ifndef AS_SERVER_HTTP_RULES_H
#define AS_SERVER_HTTP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* True when ct is a syntactically valid media type whose subtype is `json`
 * or carries a `+json` suffix (case-insensitive), parameters allowed:
 * "application/json; charset=utf-8", "application/foo+json", "text/json".
 * NULL, empty, or malformed -> false (the server answers 415). */
bool media_type_is_json(const char *ct);

/* Parses a Content-Length value: ASCII digits only, no sign, no spaces.
 * Values above UINT64_MAX saturate.  -1 when malformed. */
int content_length_parse(const char *s, uint64_t *out);

/* Decodes %XX escapes in the path part of a request target (up to the first
 * '?' or '#'); '+' stays '+'.  Fails (-1) on a truncated or non-hex escape
 * and on an escape that decodes to NUL.  *out is a NUL-terminated arena
 * string. */
int path_decode(struct arena *a, const char *target, char **out);

/* True for a non-empty RFC 9110 token (method names, header names). */
bool http_is_token(const char *s, size_t n);

#endif
