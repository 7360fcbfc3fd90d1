/* service.h - the attestation pipeline, one implementation for the HTTP
 * server (src/server) and the command line (as-tool).
 *
 * Every operation takes plain values and returns plain values or an
 * as_error whose status/type/detail the server sends as the JSON error
 * {"type","detail"} (api.md §10.2).  Nothing here knows about HTTP.
 *
 * One struct service exists per process; its operations are thread-safe
 * (many workers call them at once). */
#ifndef AS_SERVICE_SERVICE_H
#define AS_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "config/config.h"
#include "value/value.h"

struct service;

/* Creates work_dir (and work_dir/opa), writes the default policy if absent,
 * creates the token broker and the reference-value store.  cfg must outlive
 * the service.  cfg->work_dir NULL = no policy storage (as-tool: policies
 * are given as text).
 *
 * cfg->token_broker TOKEN_EAR selects the 2026 mode: the built-in policies
 * are default_cpu/_gpu/_switch/_ppcie instead of `default`, policies are
 * Rego v1 unless the config forces a version, GET /policy lists ids only,
 * and POST /attestation answers an EAR token (ear.c). */
int service_new(const struct as_config *cfg, struct service **out, struct as_error *err);
/* As service_new, but the token broker (and its key) is only created when
 * a token is first needed (as-tool verify without --token). */
int service_new_offline(const struct as_config *cfg, struct service **out, struct as_error *err);
void service_free(struct service *s);

/* POST /attestation: body is the parsed request JSON in the V24 single form
 * or the V26 batch form.  On success *token is the compact JWS (arena). */
int service_attestation(struct service *s, const struct value *body, struct arena *a,
                        char **token, struct as_error *err);

/* POST /challenge: {"tee","tee_params",...} -> challenge string ("" for all
 * TEEs but se). */
int service_challenge(struct service *s, const struct value *body, struct arena *a, char **out,
                      struct as_error *err);

/* POST /policy {"policy_id","policy"(base64url),"type"?}. */
int service_set_policy(struct service *s, const struct value *body, struct as_error *err);
/* GET /policy -> [{"policy-hash","policy-id"}...] */
int service_list_policies(struct service *s, struct arena *a, struct value **out,
                          struct as_error *err);
/* GET /policy/<id> -> the Rego source. */
int service_get_policy(struct service *s, const char *id, struct arena *a, char **text,
                       size_t *len, struct as_error *err);
/* DELETE /policy/<id>. */
int service_delete_policy(struct service *s, const char *id, struct as_error *err);

/* GET /.well-known/jwks.json */
int service_jwks(struct service *s, struct arena *a, struct value **out, struct as_error *err);

/* ---- the pipeline, shared by the server and `as-tool verify` ----
 * (additions by the pipeline work; the functions above are thin wrappers)
 *
 * service_evaluate is the request-independent part: verify one evidence,
 * flatten its claims (V24, claims.md §2), look up reference values for
 * every claim key, evaluate the policies in order and build the Simple
 * token's claims.  The HTTP body parser and the command line both build a
 * struct attest_input and call it, so they cannot disagree. */

#include <stdint.h>
#include <time.h>

#include "verifier/verifier.h"

struct rvps;

/* One evidence to appraise, decoded and validated (binding.md §1). */
struct attest_input {
    const struct verifier *verifier;    /* verify != NULL */
    const struct value *evidence;       /* the parsed evidence JSON */
    struct binding report_data;         /* expected runtime-data bytes */
    struct binding init_data;           /* expected init-data bytes */
    const struct value *runtime_claims; /* structured runtime data, or NULL */
    const struct value *init_claims;    /* structured init data / TOML claims, or NULL */
    bool v26;                           /* V26 verifier semantics (batch form) */
};

/* A policy to evaluate: from the store by id (text NULL), or given text
 * (as-tool --policy FILE, id = the file's stem). */
struct attest_policy {
    const char *id;
    const char *text;
    size_t len;
};

struct attest_options {
    const struct attest_policy *policies; /* evaluated in order; duplicates once */
    size_t n_policies;                    /* 0 = no policy step */
    time_t now;                           /* 0 = the clock */
    struct rvps *rvps;                    /* NULL = the service's store */
    /* Offline material for verifiers (as-tool), copied into verify_ctx. */
    const uint8_t *collateral; size_t collateral_len;
    const uint8_t *vcek; size_t vcek_len;
    const uint8_t *quote; size_t quote_len;
    const uint8_t *report; size_t report_len;
};

struct attest_policy_result {
    const char *id;
    char hash_hex[97];  /* hex SHA-384 of the policy text ("" if it could not be read) */
    bool allowed;
};

struct attest_result {
    struct value *claims;       /* the verifier's claims (nested) */
    struct value *flat;         /* flattened claims: policy input, token tcb-status */
    struct value *reference;    /* data.reference: every claim key -> [values] */
    struct attest_policy_result *policies; /* in evaluation order; a failing policy is last */
    size_t n_policies;
    struct value *token_claims; /* the Simple token's payload (after success) */
};

/* Runs the pipeline for one evidence.  Everything lives in arena a.  On
 * failure *out holds what was computed before the failing step. */
int service_evaluate(struct service *s, const struct attest_input *in,
                     const struct attest_options *opts, struct arena *a,
                     struct attest_result *out, struct as_error *err);
/* ---- the 2026 (EAR) pipeline (ear.c) ---- */

struct token_ear_submod;

struct ear_result {
    struct value **claims;             /* per item: the verifier's claims */
    struct token_ear_submod *submods;  /* per item, in request order: class,
                                          claims object, trust_claims, extensions */
    size_t n_submods;
    const char *policy_id;             /* policy_ids[0] (ear.appraisal-policy-id) */
    char *token;                       /* the signed EAR JWT (after success) */
};

/* Verifies every item (array order; the first failure aborts), then
 * appraises each with policy <opts->policies[0].id>_<tee class> (or the
 * given text for every class) and issues one EAR token.  Items are
 * verified with their own `v26` flag.  Everything lives in arena a. */
int service_evaluate_ear(struct service *s, const struct attest_input *items, size_t n,
                         const struct attest_options *opts, struct arena *a,
                         struct ear_result *out, struct as_error *err);

/* Signs token claims with the service's broker. */
int service_sign(struct service *s, const struct value *claims, struct arena *a, char **jws,
                 struct as_error *err);

#endif
