/* token.h - attestation token brokers (tokens.md): the Simple RS384 JWT of
 * V24, the EAR token of V26, and the JWKS that publishes the signing key.
 *
 * A broker is created once at start (loading or generating the key) and is
 * then used read-only by every worker thread.  Private key material never
 * leaves this module and is never logged. */
#ifndef AS_TOKEN_TOKEN_H
#define AS_TOKEN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "config/config.h"
#include "value/value.h"

struct token_broker;

int token_broker_new(const struct as_config *cfg, struct token_broker **out,
                     struct as_error *err);
void token_broker_free(struct token_broker *b);

/* Signs a JWT whose payload is `claims` (an object; printed with sorted keys
 * as the original does) with the broker's key: header {"alg","jwk",("x5c",
 * "x5u"),"typ":"JWT"}.  Returns the compact JWS in arena memory. */
int token_sign_jwt(const struct token_broker *b, const struct value *claims, struct arena *a,
                   char **jws, struct as_error *err);

/* The JWKS document {"keys":[...]} for GET /.well-known/jwks.json. */
int token_jwks(const struct token_broker *b, struct arena *a, struct value **jwks,
               struct as_error *err);

/* Issue time source, overridable for tests (0 = time(NULL)). */
extern time_t token_fixed_now;

/* ---- additions (token module owner) ---- */

/* Note on token_jwks: the document is built once and belongs to the broker
 * (immutable, valid until token_broker_free, safe to print from any
 * thread); `a` is not used.  Its key is the header jwk plus "kid" (RFC 7638
 * thumbprint) and "use":"sig"; the token header itself has no kid. */

/* Signature algorithm of the broker's key: RS384 for RSA keys, ES256 for
 * P-256, ES384 for P-384 (our extension; EAR accepts P-256 only). */
const char *token_broker_alg(const struct token_broker *b);

/* Error kind for a policy whose EAR output (trust_claims / extensions) is
 * malformed; status 500 (the policy is operator-controlled). */
#define TOKEN_ERR_INVALID_POLICY_OUTPUT "invalid_policy_output"

/* ---- EAR (tokens.md §2) ---- */

/* AR4SI trust tiers, in order of severity. */
enum ear_tier { EAR_TIER_NONE, EAR_TIER_AFFIRMING, EAR_TIER_WARNING, EAR_TIER_CONTRAINDICATED };

/* Tier of one trustworthiness-claim value (−128…127), tokens.md §2.5. */
enum ear_tier token_ear_tier(int value);
const char *token_ear_tier_name(enum ear_tier t); /* "none", "affirming", ... */

/* One appraised environment of an EAR token: the pipeline fills one per
 * (claims, TEE class) pair, in request order. */
struct token_ear_submod {
    const char *tee_class;                  /* "cpu", "gpu": submod name <class><n> */
    const struct value *annotated_evidence; /* claims.md §3 object; NULL or {} = omitted */
    const struct value *trust_claims;       /* data.policy.trust_claims; NULL = rule absent
                                               (all eight claims set to 0) */
    const struct value *extensions;         /* data.policy.extensions; NULL = rule absent */
};

/* Builds and signs (ES256) the EAR JWT of tokens.md §2.3-2.5: eat_profile,
 * iat, ear.verifier-id, submods (status from the trust vector), exp, iss.
 * policy_id is policy_ids[0] as requested.  Malformed policy output fails
 * with status 500 TOKEN_ERR_INVALID_POLICY_OUTPUT; a broker created without
 * EAR mode fails with 500 internal.  *jws is arena memory. */
int token_ear_issue(const struct token_broker *b, const struct token_ear_submod *submods,
                    size_t n_submods, const char *policy_id, struct arena *a, char **jws,
                    struct as_error *err);

/* verbose_token of the EAR configuration (default true): when false the
 * pipeline drops runtime_data_claims.additional-evidence (tokens.md §2.4). */
bool token_ear_verbose(const struct token_broker *b);

#endif
