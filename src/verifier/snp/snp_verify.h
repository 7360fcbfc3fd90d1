/* snp_verify.h - the AMD SEV-SNP verifier (tee "snp").
 *
 * Owns: putting the pieces together for one piece of evidence - the report
 * (rebuilt from the original's JSON, or raw bytes from as-tool --report),
 * its product, the endorsement key (from the evidence's certificate table,
 * the --vcek file, the offline store or AMD KDS), the cryptographic checks
 * (snp_checks.h), the VMPL rule, the report_data / host_data binding and the
 * claims (claims.md §1.4 for the 2024 model, §4 for the 2026 one).  Exports
 * `verifier_snp` for the registry. */
#ifndef AS_VERIFIER_SNP_VERIFY_H
#define AS_VERIFIER_SNP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"
#include "verifier/snp/snp_checks.h"
#include "verifier/snp/snp_report.h"
#include "verifier/snp/snp_roots.h"
#include "verifier/verifier.h"

struct snp_verify_in {
    struct arena *arena;
    const struct value *evidence;            /* the original's JSON, or NULL */
    const uint8_t *report; size_t report_len; /* raw report when evidence is NULL */
    const uint8_t *vek; size_t vek_len;      /* raw form: VCEK/VLEK PEM/DER or a GHCB table */
    const struct binding *report_data;       /* may be NULL: no check */
    const struct binding *init_data;
    const struct value *verifier_config;     /* for vcek_sources and allowed_vmpls */
    const char *work_dir;
    time_t now;
    /* Test hook: anchors to use for every product instead of AMD's. */
    const struct snp_trust *trust;
};

struct snp_verified {
    struct snp_report report;
    enum snp_product product;
    enum snp_vek_kind vek_kind;
    struct snp_findings findings;
};

/* Full verification.  Errors: 400 invalid_evidence (shape), 403
 * evidence_verification_failed "snp: <check>: ..." (first failed check),
 * 403 report_data_mismatch / init_data_mismatch, 503/502
 * upstream_unavailable (no VCEK obtainable). */
int snp_verify(const struct snp_verify_in *in, struct snp_verified *out, struct as_error *err);

/* The claims object of a verified report (v26 = the 2026 native-JSON model). */
struct value *snp_claims(struct arena *a, const struct snp_verified *v, bool v26);

extern const struct verifier verifier_snp;

#endif
