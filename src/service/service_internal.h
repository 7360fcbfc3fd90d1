/* service_internal.h - what the files of src/service share: the service
 * structure, request decoding (request.c), claims flattening (claims.c),
 * init data (initdata.c) and the TOML parser (toml.h). */
#ifndef AS_SERVICE_SERVICE_INTERNAL_H
#define AS_SERVICE_SERVICE_INTERNAL_H

#include "base/hash.h"
#include "policy/policy.h"
#include "rvps/rvps.h"
#include "service/service.h"
#include "token/token.h"

struct service {
    const struct as_config *cfg;
    char *work_dir;              /* NULL: no policy store (as-tool) */
    struct policy_store *policies;
    struct rvps *rvps;
    struct token_broker *broker;
    const char *issuer;
    int64_t duration_min;
};

/* ---- request.c: POST /attestation bodies ---- */

struct service_request {
    bool batch;                  /* V26 verification_requests form */
    struct attest_input *items;
    size_t n_items;
    struct attest_policy *policies; /* policy_ids, [] -> ["default"] */
    size_t n_policies;
};

/* Validates and decodes a V24 or V26 body (api.md §4-5): field shapes,
 * base64url, TEE, hash algorithms, binding digests, evidence JSON, policy
 * ids.  Errors are 4xx naming the field. */
int request_parse(const struct value *body, struct arena *a, struct service_request *out,
                  struct as_error *err);

/* Looks a member up; missing (required) -> 400 missing_field; wrong type ->
 * 400 invalid_request naming the field and the expected type.  *out = NULL
 * when absent or null and not required. */
int request_member(const struct value *obj, const char *path, const char *key,
                   enum value_type type, bool required, const struct value **out,
                   struct as_error *err);

/* ---- claims.c ---- */

/* claims.md §2: {"<tee>.<k1>.<k2>": leaf, ..., "report_data", "init_data"}. */
int claims_flatten(struct arena *a, const char *tee_name, const struct value *claims,
                   struct value **out, struct as_error *err);

/* ---- initdata.c (binding.md §1.4) ---- */

/* init_data_toml: digest of the text with its own algorithm, and the
 * transformed `data` claims.  400 invalid_initdata. */
int initdata_toml(struct arena *a, const char *text, size_t len, uint8_t **digest,
                  size_t *digest_len, struct value **claims, struct as_error *err);

#endif
