/* dcap_claims.h - what the SGX and TDX verifiers share: taking the quote
 * out of the evidence, the whole DCAP verification of a quote (parse, PCK,
 * collateral, checks), hex claim values, and the DCAP supplemental claims
 * (claims.md §4: tcb_status, advisory_ids, collateral dates, CRL numbers,
 * sgx_type, root_key_id, ...) merged at the top level of the TEE's claims
 * as trustee does. */
#ifndef AS_VERIFIER_DCAP_DCAP_CLAIMS_H
#define AS_VERIFIER_DCAP_DCAP_CLAIMS_H

#include "value/value.h"
#include "verifier/dcap/dcap_verify.h"
#include "verifier/verifier.h"

/* The quote bytes: evidence {"quote": std-b64} (tee names the verifier in
 * error messages).  An empty quote is rejected. */
int dcap_evidence_quote(const struct verify_ctx *ctx, const struct value *evidence,
                        const char *tee, const uint8_t **quote, size_t *len,
                        struct as_error *err);

/* Parses and verifies a quote of the expected kind (tdx or sgx).  On
 * success pck must be freed with dcap_pck_free. */
int dcap_verify_quote(const struct verify_ctx *ctx, const uint8_t *raw, size_t len, bool tdx,
                      struct dcap_quote *q, struct dcap_pck *pck, struct dcap_result *res,
                      struct as_error *err);

struct value *dcap_hex(struct arena *a, const uint8_t *p, size_t n);
int dcap_put_hex(struct arena *a, struct pair_list *l, const char *key, const uint8_t *p,
                 size_t n);

/* Appends the supplemental claims to l. */
int dcap_claims_supplemental(struct arena *a, struct pair_list *l, const struct dcap_result *r,
                             const struct dcap_pck *pck);

/* RFC 3339 UTC ("2025-07-19T10:01:18Z"). */
struct value *dcap_time_claim(struct arena *a, time_t t);

#endif
