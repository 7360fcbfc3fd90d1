/* error.h - the one error type and the error-propagation idiom.
 *
 * Functions that can fail return int (0 ok, -1 error) and fill a
 * struct as_error supplied by the caller.  The error carries what the HTTP
 * layer needs to answer: a status, a stable machine-readable `type`
 * (api.md §10.2) and a human-readable `detail`.  TRY() propagates a failure
 * so the happy path reads straight down (s2n-tls style). */
#ifndef AS_BASE_ERROR_H
#define AS_BASE_ERROR_H

#include <stdarg.h>

struct as_error {
    int status;        /* HTTP status this error maps to (400, 403, 500 ...) */
    char type[48];     /* snake_case kind, e.g. "invalid_base64" */
    char detail[1024]; /* what was wrong, for people */
};

/* Sets all three fields and returns -1 so callers can `return as_err(...)`.
 * err may be NULL (the error is then dropped). */
int as_err(struct as_error *err, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int as_verr(struct as_error *err, int status, const char *type, const char *fmt, va_list ap);
/* Prefixes the existing detail with "<prefix>: " (keeps status and type). */
int as_err_prefix(struct as_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void as_err_clear(struct as_error *err);

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) < 0)                                                                            \
            return -1;                                                                             \
    } while (0)

#define TRY_PTR(expr)                                                                              \
    do {                                                                                           \
        if ((expr) == NULL)                                                                        \
            return -1;                                                                             \
    } while (0)

/* Common kinds (api.md §10.2); use these names, not ad-hoc strings. */
#define ERR_INVALID_JSON "invalid_json"
#define ERR_INVALID_BASE64 "invalid_base64"
#define ERR_UNSUPPORTED_TEE "unsupported_tee"
#define ERR_NOT_IMPLEMENTED "not_implemented"
#define ERR_UNSUPPORTED_HASH "unsupported_hash_algorithm"
#define ERR_INVALID_POLICY_ID "invalid_policy_id"
#define ERR_INVALID_POLICY "invalid_policy"
#define ERR_INVALID_EVIDENCE "invalid_evidence"
#define ERR_MISSING_FIELD "missing_field"
#define ERR_INVALID_REQUEST "invalid_request"
#define ERR_EMPTY_REQUESTS "empty_verification_requests"
#define ERR_INVALID_INITDATA "invalid_initdata"
#define ERR_VERIFICATION_FAILED "evidence_verification_failed"
#define ERR_REPORT_DATA_MISMATCH "report_data_mismatch"
#define ERR_INIT_DATA_MISMATCH "init_data_mismatch"
#define ERR_POLICY_DENIED "policy_denied"
#define ERR_POLICY_ERROR "policy_error"
#define ERR_POLICY_NOT_FOUND "policy_not_found"
#define ERR_NOT_FOUND "not_found"
#define ERR_METHOD_NOT_ALLOWED "method_not_allowed"
#define ERR_PAYLOAD_TOO_LARGE "payload_too_large"
#define ERR_UNSUPPORTED_MEDIA "unsupported_media_type"
#define ERR_INTERNAL "internal"
#define ERR_UPSTREAM "upstream_unavailable"
#define ERR_CONFIG "invalid_config"

#endif
