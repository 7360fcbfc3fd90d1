/* bi_http.h - the network built-ins' shared pieces: http.send's request
 * and response handling (bi_http.c) and the error both network built-ins
 * raise when the operator has not allowed network access.
 *
 * bi_misc.c checks http.send's request keys and calls bi_http_send;
 * bi_net.c's net.lookup_ip_addr uses bi_network_denied.  The response
 * decoding is exposed for the fuzz target (fuzz/fuzz_bi_http.c). */
#ifndef AS_REGO_BI_HTTP_H
#define AS_REGO_BI_HTTP_H

#include "rego/bi_util.h"

/* Limits OPA does not have: a response body or head beyond them is an
 * error instead of filling the memory of the service. */
#define BI_HTTP_MAX_BODY (8u << 20)
#define BI_HTTP_MAX_HEAD (256u << 10)

/* OPA's error for a built-in the operator did not allow (the one OPA's
 * compiler raises for unsafe built-ins): rego_type_error "unsafe built-in
 * function calls in expression: <name>".  It ends the evaluation even
 * without strict built-in errors (ctx->halt).  Returns -1. */
int bi_network_denied(struct rego_bi_ctx *ctx);

/* Whether k names a request key http.send accepts (OPA's
 * validateHTTPRequestOperand list; providers.aws.sign_req checks its
 * request against the same list). */
bool bi_http_request_key_known(const struct value *k);

/* http.send(req) after the key checks: raise_error, the switch, the
 * request options, the exchange and the response object. */
int bi_http_send(struct rego_bi_ctx *ctx, const struct value *req, struct value **out);

/* The response object OPA builds from a received head (status line and
 * header lines of the final response, "\r\n" or "\n" separated, as
 * received) and body: {"status", "status_code", "headers" (lower-cased
 * names -> arrays of values), "raw_body", "body" (decoded JSON/YAML when
 * the content type or a force flag says so, else null)}.  Any bytes are
 * accepted; invalid UTF-8 becomes U+FFFD.  0 or -1 (out of memory). */
int bi_http_response_value(struct rego_bi_ctx *ctx, long status_code, const char *head,
                           size_t head_len, const char *body, size_t body_len, bool force_json,
                           bool force_yaml, struct value **out);

#endif
