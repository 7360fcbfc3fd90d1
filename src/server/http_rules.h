/* http_rules.h - the small pure rules of the HTTP transport (api.md §3):
 * which Content-Type counts as JSON, Content-Length parsing, message
 * framing (Content-Length vs Transfer-Encoding), strict percent-decoding of
 * the request path.  No libmicrohttpd here, so every
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

/* Message framing of a request (RFC 9112 §6): what the Content-Length and
 * Transfer-Encoding header lines say.  Collected by the transport from every
 * header line, judged by framing_verdict. */
struct framing {
    unsigned n_content_length;   /* Content-Length lines */
    bool content_lengths_differ; /* two lines with different values */
    unsigned n_transfer_encoding;
    const char *transfer_encoding; /* the first line's value */
};

enum framing_verdict {
    FRAMING_OK,
    FRAMING_AMBIGUOUS,   /* CL with TE, or conflicting CLs: 400, close */
    FRAMING_UNSUPPORTED, /* a transfer coding other than exactly "chunked": 501, close */
};

/* A body must be framed one way only: a request with both Content-Length
 * and Transfer-Encoding, or with Content-Length lines that disagree, is
 * ambiguous (a proxy in front may frame it differently: request
 * smuggling).  libmicrohttpd only decodes a value that is exactly
 * "chunked" (case-insensitive, no trailing space); any other value, or
 * several Transfer-Encoding lines, is unsupported. */
enum framing_verdict framing_judge(const struct framing *f);

/* True for a non-empty RFC 9110 token (method names, header names). */
bool http_is_token(const char *s, size_t n);

#endif
