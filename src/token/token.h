/* token.h - attestation token brokers (tokens.md): the Simple RS384 JWT of
 * V24, the EAR token of V26, and the JWKS that publishes the signing key.
 *
 * A broker is created once at start (loading or generating the key) and is
 * then used read-only by every worker thread.  Private key material never
 * leaves this module and is never logged. */
#ifndef AS_TOKEN_TOKEN_H
#define AS_TOKEN_TOKEN_H

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

#endif
