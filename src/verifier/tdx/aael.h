/* aael.h - the V24 attestation-agent event log (claims.md §1.3): a text
 * log "INIT <alg>/<hex>" then "<domain> <operation> <content>" lines,
 * integrity-chained into RTMR3, exposed as {"<domain>/<operation>":
 * [contents...]}. */
#ifndef AS_VERIFIER_TDX_AAEL_H
#define AS_VERIFIER_TDX_AAEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

/* Replays the log and compares with rtmr3 (48 bytes); builds the claims. */
int aael_verify_claims(struct arena *a, const char *text, size_t len, const uint8_t *rtmr3,
                       struct value **out, struct as_error *err);

#endif
