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

#include <pthread.h>

struct service {
    const struct as_config *cfg;
    char *work_dir;              /* NULL: no policy store (as-tool) */
    bool ear;                    /* 2026 mode: EAR tokens (ear.c) */
    struct policy_store *policies;
    struct rvps *rvps;
    pthread_mutex_t broker_lock; /* guards the lazy creation of broker */
    struct token_broker *broker; /* NULL until first needed (service_new_offline) */
    const char *issuer;
    int64_t duration_min;
};

/* The token broker, created on first use. */
int service_broker(struct service *s, struct token_broker **out, struct as_error *err);

/* ---- pipeline.c ---- */

/* Runs the item's verifier (binding checks inside); *claims is an object. */
int pipeline_verify(struct service *s, const struct attest_input *in,
                    const struct attest_options *o, struct arena *a, time_t now,
                    struct value **claims, struct as_error *err);

/* ---- ear.c ---- */

/* Registers query_reference_value with the Rego engine (once per process). */
int ear_register_builtins(struct as_error *err);
/* claims.md §3: the verifier's claims as the per-evidence object
 * {"<tee>": {...}, "report_data"?, "runtime_data_claims"?, "init_data"?,
 * "init_data_claims"?}; the *_claims members only beside the value the
 * verifier emitted; verbose false drops runtime `additional-evidence`. */
int ear_claims(struct arena *a, const struct attest_input *in, const struct value *claims,
               bool verbose, struct value **out, struct as_error *err);

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
