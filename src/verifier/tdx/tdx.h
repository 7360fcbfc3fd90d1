/* tdx.h - pieces of the `tdx` verifier that other verifiers reuse (the
 * az-tdx-vtpm verifier verifies a TD quote the same way). */
#ifndef AS_VERIFIER_TDX_TDX_H
#define AS_VERIFIER_TDX_TDX_H

#include "value/value.h"
#include "verifier/dcap/dcap_claims.h"

/* The `quote` claims object of claims.md §1.3: header, body, and for v5
 * quotes type/size. */
struct value *tdx_quote_claims(struct arena *a, const struct dcap_quote *q);
/* V26 `td_attributes` object of booleans. */
struct value *tdx_td_attributes_claims(struct arena *a, const struct dcap_quote *q);

#endif
