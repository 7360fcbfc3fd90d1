/* snp_kds.h - where a VCEK comes from when the evidence carries none.
 *
 * Owns: the AMD KDS VCEK URL (AMD KDS spec #57230; trustee config.md §6.1):
 *   <base>/vcek/v1/<Milan|Genoa|Turin>/<hwid>?[fmcSPL=FF&]blSPL=BB&teeSPL=TT&snpSPL=SS&ucodeSPL=UU
 * (hwid = hex of CHIP_ID, only its first 8 bytes for Turin; SPLs from
 * REPORTED_TCB in the product's layout, at least two decimal digits); the
 * offline certificate store of the 2026 original
 * (attestation-service/docs/amd-offline-certificate-cache.md):
 *   <path>/vcek/<hwid>/<tcb prefix>_vcek.der, then <path>/vcek/<hwid>/vcek.der
 * with <tcb prefix> = blBB_teeTT_snpSS_ucodeUU[_fmcFF]; and trying the
 * configured `snp_verifier.vcek_sources` in order (default: KDS), the KDS
 * answers cached on disk by fetch/ under <work_dir>/cache/amd-kds. */
#ifndef AS_VERIFIER_SNP_KDS_H
#define AS_VERIFIER_SNP_KDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"
#include "verifier/snp/snp_report.h"

#define SNP_KDS_DEFAULT_BASE "https://kdsintf.amd.com"
#define SNP_OFFLINE_STORE_DEFAULT "/opt/confidential-containers/attestation-service/kds-store"

/* Lower-case hex hwID for the product (129 bytes with the NUL). */
void snp_kds_hwid_hex(const struct snp_report *r, enum snp_product p, char out[129]);
/* "blBB_teeTT_snpSS_ucodeUU[_fmcFF]". */
void snp_offline_tcb_prefix(const struct snp_report *r, enum snp_product p, char *out,
                            size_t cap);
/* Arena string of the VCEK URL; base NULL = SNP_KDS_DEFAULT_BASE. */
char *snp_kds_vcek_url(struct arena *a, const char *base, const struct snp_report *r,
                       enum snp_product p);

/* KDS serves one DER certificate: true when p is one DER SEQUENCE whose
 * definite length spans exactly n bytes.  A cheap shape check (no X.509
 * parse) that tells a certificate from an error page a proxy or a broken
 * KDS answered 200 with. */
bool snp_kds_one_der_sequence(const uint8_t *p, size_t n);

struct snp_vcek_source_opts {
    const struct value *verifier_config; /* verifier_config section, or NULL */
    const char *work_dir;                /* for the KDS disk cache, or NULL */
};

/* Tries each configured source; the VCEK DER (or PEM) bytes in the arena.
 * 400 when CHIP_ID is zero (nothing to look up), 500 invalid_config for a
 * malformed snp_verifier section, 503 upstream_unavailable (502 when KDS
 * answered with an error) naming the certificate when no source has it. */
int snp_vcek_obtain(const struct snp_vcek_source_opts *o, const struct snp_report *r,
                    enum snp_product p, struct arena *a, const uint8_t **cert, size_t *len,
                    struct as_error *err);

#endif
