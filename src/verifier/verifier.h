/* verifier.h - the interface every TEE verifier implements, and the table
 * of them.
 *
 * A verifier takes the evidence JSON (already base64url-decoded by the API
 * layer and parsed), checks it up to the vendor's root of trust, checks the
 * binding of the expected report data / init data (binding.md §2-4), and
 * returns its claims as a value tree (claims.md §1, nested, before
 * flattening).  Errors: 400 ERR_INVALID_EVIDENCE for malformed evidence,
 * 403 ERR_VERIFICATION_FAILED for a bad signature/chain, 403
 * ERR_REPORT_DATA_MISMATCH / ERR_INIT_DATA_MISMATCH for a failed binding,
 * 503 ERR_UPSTREAM when endorsements cannot be fetched.
 *
 * Adding a TEE = a folder under src/verifier/ and a line in registry.c. */
#ifndef AS_VERIFIER_VERIFIER_H
#define AS_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

enum tee_kind {
    TEE_SAMPLE,
    TEE_SAMPLEDEVICE,
    TEE_SGX,
    TEE_TDX,
    TEE_SNP,
    TEE_SEV,
    TEE_AZ_SNP_VTPM,
    TEE_AZ_TDX_VTPM,
    TEE_CCA,
    TEE_CSV,
    TEE_SE,
    TEE_HYGON_DCU,
    TEE_COUNT
};

/* Expected bytes from the request (binding.md §1); present=false means "no
 * check". */
struct binding {
    bool present;
    const uint8_t *data;
    size_t len;
};

/* Context for one verification.  Read-only for the verifier. */
struct verify_ctx {
    struct arena *arena;        /* claims and temporaries go here */
    time_t now;                 /* verification time (as-tool --at) */
    const struct value *config; /* verifier_config section of the config, or NULL */
    const char *work_dir;       /* for on-disk caches */
    bool v26;                   /* V26 claim model (claims.md §3-4) where it differs */
    /* Optional offline material given on the as-tool command line. */
    const uint8_t *collateral; size_t collateral_len; /* Intel collateral JSON bundle */
    const uint8_t *vcek; size_t vcek_len;             /* SNP VCEK (PEM or DER) */
    const uint8_t *report; size_t report_len;         /* SNP raw report (as-tool --report);
                                                         when set, evidence may be NULL */
    const uint8_t *quote; size_t quote_len;           /* sgx/tdx raw quote (as-tool --quote);
                                                         the evidence is then {"quote": std-b64} */
};

struct verifier {
    const char *name; /* V24 name: "sample", "sgx", ..., "azsnpvtpm" */
    enum tee_kind kind;
    /* NULL verify = known TEE not implemented yet -> 501 (honest). */
    int (*verify)(const struct verify_ctx *ctx, const struct value *evidence,
                  const struct binding *report_data, const struct binding *init_data,
                  struct value **claims_out, struct as_error *err);
    /* Optional: POST /challenge (IBM SE).  NULL -> empty challenge string. */
    int (*challenge)(const struct verify_ctx *ctx, const char *tee_params, char **out,
                     struct as_error *err);
};

/* Looks up a TEE by request name: V24 names (azsnpvtpm, aztdxvtpm, sev) and
 * V26 names (az-snp-vtpm, az-tdx-vtpm, sampledevice, hygondcu).  NULL if
 * unknown. */
const struct verifier *verifier_for_name(const char *name);
const struct verifier *verifier_for_kind(enum tee_kind kind);
/* Names used in claims and tokens: V24 kbs-types 0.7 ("azsnpvtpm") or V26
 * ("az-snp-vtpm"). */
const char *tee_claim_name(enum tee_kind kind, bool v26);
/* "cpu" or "gpu" (V26 policy selection). */
const char *tee_class(enum tee_kind kind);

/* Shared helper: binding.md §2 regularize-and-compare.  len = field size;
 * exact=true compares without padding/truncation. */
bool binding_matches(const struct binding *b, const uint8_t *field, size_t field_len, bool exact);

#endif
