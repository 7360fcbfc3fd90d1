/* snp_cert.h - what is AMD-specific about SEV-SNP certificates.
 *
 * Owns: the RSASSA-PSS profile every AMD KDS certificate is signed with
 * (SHA-384, MGF1 with SHA-384, salt length 48; AMD KDS spec #57230) and the
 * check "cert is signed by issuer under that profile"; reading the VCEK /
 * VLEK extensions under OID arc 1.3.6.1.4.1.3704.1 (productName, the SPL
 * values, hwID raw or wrapped in an OCTET STRING, csp_id); and the
 * certificate table a host hands the guest with an extended report (GHCB
 * spec: 16-byte GUID, u32 offset, u32 length, all-zero GUID terminates). */
#ifndef AS_VERIFIER_SNP_CERT_H
#define AS_VERIFIER_SNP_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "base/error.h"
#include "verifier/snp/snp_report.h"

/* true when cert carries the AMD RSA-PSS parameters and its signature
 * verifies with issuer's key (and the issuer name matches).  Otherwise false
 * with a reason in why. */
bool snp_cert_signed_by(X509 *cert, X509 *issuer, char *why, size_t cap);

enum snp_vek_kind { SNP_VEK_VCEK, SNP_VEK_VLEK };
const char *snp_vek_kind_name(enum snp_vek_kind k); /* "VCEK" / "VLEK" */

/* SPL extension index, in the order of struct snp_tcb. */
enum snp_spl { SNP_SPL_BL, SNP_SPL_TEE, SNP_SPL_SNP, SNP_SPL_UCODE, SNP_SPL_FMC, SNP_SPL_COUNT };
const char *snp_spl_ext_name(enum snp_spl s); /* "blSPL", ... */

struct snp_vek_info {
    int spl[SNP_SPL_COUNT];  /* 0..255, or -1 when absent or malformed */
    const char *spl_problem[SNP_SPL_COUNT]; /* static text when spl < 0 */
    uint8_t hwid[64];
    size_t hwid_len;         /* 0 = absent or malformed */
    bool hwid_wrapped;       /* DER OCTET STRING encoding */
    char product_name[32];   /* productName extension, "" if absent */
    char subject_cn[64], issuer_cn[64];
    char csp_id[128];        /* VLEK only, "" if absent */
    enum snp_product issuer_product; /* from issuer CN SEV-<P> / SEV-VLEK-<P> */
    time_t not_before, not_after;
};

/* Reads what the verifier needs from a VCEK/VLEK.  Never fails: missing or
 * malformed extensions are recorded (spl -1, hwid_len 0) so the checks can
 * name them; a duplicated AMD extension counts as malformed. */
void snp_vek_info_read(X509 *vek, struct snp_vek_info *out);

/* One entry of a certificate table (binary or the JSON cert_chain). */
enum snp_cert_type {
    SNP_CERT_ARK, SNP_CERT_ASK, SNP_CERT_VCEK, SNP_CERT_VLEK, SNP_CERT_CRL, SNP_CERT_OTHER
};
struct snp_cert_entry {
    enum snp_cert_type type;
    const uint8_t *data; /* points into the table / arena */
    size_t len;
};
#define SNP_CERT_TABLE_MAX 16

/* Parses a binary GHCB certificate table (e.g. the certs blob of
 * SNP_GET_EXT_REPORT).  Entries must lie inside the blob; at most
 * SNP_CERT_TABLE_MAX entries; a missing terminator is an error.  400 on
 * malformed input. */
int snp_cert_table_parse(const uint8_t *p, size_t n, struct snp_cert_entry *out, size_t *count,
                         struct as_error *err);

#endif
