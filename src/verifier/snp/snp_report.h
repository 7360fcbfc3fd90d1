/* snp_report.h - the AMD SEV-SNP ATTESTATION_REPORT: byte layout, products
 * and TCB_VERSION encodings.
 *
 * Owns: decoding the 1184-byte report (versions 2-5, AMD SEV-SNP Firmware
 * ABI specification #56860, table "ATTESTATION_REPORT Structure") into
 * named fields through the bounds-checked reader; telling the product
 * (Milan, Genoa, Turin) from the CPUID fields; decoding and encoding the
 * 8-byte TCB_VERSION in each product's layout; and writing a report back to
 * bytes (used to rebuild the report the original's JSON evidence describes).
 *
 * The parsed struct keeps the exact bytes (raw) it came from: the report
 * signature covers raw[0 .. SNP_SIGNED_LEN). */
#ifndef AS_VERIFIER_SNP_REPORT_H
#define AS_VERIFIER_SNP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SNP_REPORT_LEN 0x4A0 /* 1184 */
#define SNP_SIGNED_LEN 0x2A0 /* bytes covered by the signature */
#define SNP_SIG_COMPONENT_LEN 72
#define SNP_REPORT_VERSION_MIN 2
#define SNP_REPORT_VERSION_MAX 5
#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1

/* KEY_INFO.SIGNING_KEY (bits 4:2). */
#define SNP_SIGNING_KEY_VCEK 0
#define SNP_SIGNING_KEY_VLEK 1
#define SNP_SIGNING_KEY_NONE 7

enum snp_product { SNP_PRODUCT_UNKNOWN = 0, SNP_MILAN, SNP_GENOA, SNP_TURIN };

/* "Milan", "Genoa", "Turin" (the KDS path segment), "unknown". */
const char *snp_product_name(enum snp_product p);
/* Case-insensitive name -> product; SNP_PRODUCT_UNKNOWN if none. */
enum snp_product snp_product_from_name(const char *name);

/* TCB_VERSION fields.  has_fmc is true only for Turin. */
struct snp_tcb {
    bool has_fmc;
    uint8_t fmc, bootloader, tee, snp, microcode;
};

void snp_tcb_decode(const uint8_t raw[8], enum snp_product p, struct snp_tcb *out);
/* Fails (-1) when the fields do not fit the product's layout: an fmc value
 * for Milan/Genoa, or none for Turin. */
int snp_tcb_encode(const struct snp_tcb *t, enum snp_product p, uint8_t raw[8],
                   struct as_error *err);

struct snp_report {
    uint32_t version;
    uint32_t guest_svn;
    uint64_t policy;
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t vmpl;
    uint32_t sig_algo;
    uint8_t current_tcb[8];
    uint64_t platform_info;
    uint32_t key_info;
    uint8_t report_data[64];
    uint8_t measurement[48];
    uint8_t host_data[32];
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    uint8_t report_id[32];
    uint8_t report_id_ma[32];
    uint8_t reported_tcb[8];
    bool has_cpuid; /* version >= 3 */
    uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step;
    uint8_t chip_id[64];
    uint8_t committed_tcb[8];
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    uint8_t launch_tcb[8];
    bool has_mit_vectors; /* version >= 5 */
    uint64_t launch_mit_vector, current_mit_vector;
    uint8_t sig_r[SNP_SIG_COMPONENT_LEN]; /* little-endian */
    uint8_t sig_s[SNP_SIG_COMPONENT_LEN];
    uint8_t raw[SNP_REPORT_LEN];
};

/* Decodes exactly SNP_REPORT_LEN bytes.  Rejects (400 invalid_evidence)
 * other lengths, versions outside 2..5 and signature algorithms other than
 * ECDSA P-384/SHA-384, each with its own message. */
int snp_report_parse(const uint8_t *p, size_t n, struct snp_report *out, struct as_error *err);

/* The version (2..5) and signature algorithm (1) checks of
 * snp_report_parse, for reports built from fields. */
int snp_report_check_version(const struct snp_report *r, struct as_error *err);

/* Writes the fields of r (not r->raw) in the report layout: reserved areas
 * zero, CPUID bytes only when has_cpuid, mitigation vectors only when
 * has_mit_vectors, signature r/s at 0x2A0/0x2E8. */
void snp_report_encode(const struct snp_report *r, uint8_t out[SNP_REPORT_LEN]);

/* Product from CPUID_FAM_ID/CPUID_MOD_ID (version >= 3): family 19h models
 * 00-0F Milan, 10-1F and A0-AF Genoa; family 1Ah models 00-11 Turin.
 * SNP_PRODUCT_UNKNOWN otherwise (including v2, which has no CPUID). */
enum snp_product snp_report_cpuid_product(const struct snp_report *r);

static inline uint32_t snp_report_signing_key(const struct snp_report *r)
{
    return (r->key_info >> 2) & 7;
}
static inline bool snp_report_mask_chip_key(const struct snp_report *r)
{
    return (r->key_info >> 1) & 1;
}
bool snp_report_chip_id_zero(const struct snp_report *r);

#endif
