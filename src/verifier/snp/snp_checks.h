/* snp_checks.h - the cryptographic checks of one SEV-SNP report.
 *
 * Owns: running every check that decides whether a report is genuine, each
 * with its own name and message, over a report, the product's trust
 * anchors and the endorsement key (VCEK or VLEK):
 *
 *   evidence_ark_equals_pinned_ark  an ARK shipped with the evidence is the
 *                                   embedded AMD root of the product
 *   ark_self_signed                 the pinned ARK signs itself
 *   ask_signed_by_ark               ASK (VCEK) or ASVK (VLEK) signed by ARK
 *   vcek_signed_by_ask              VCEK by ASK, or VLEK by ASVK
 *   report_signature                ECDSA P-384/SHA-384 over 0x000-0x29F
 *   tcb_<field>_matches_vek         REPORTED_TCB == VEK SPL extensions
 *                                   (fmc only for Turin)
 *   chip_id_matches_hwid            CHIP_ID == VCEK hwID, unless masked
 *   signing_key_matches_vek         KEY_INFO.SIGNING_KEY names this kind
 *
 * Certificate signatures use the AMD RSA-PSS profile (snp_cert.h).  All
 * checks run (none stops the others) so tests can compare the complete set
 * of failures with an independent checker; the verifier reports the first
 * failure in the order above. */
#ifndef AS_VERIFIER_SNP_CHECKS_H
#define AS_VERIFIER_SNP_CHECKS_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_report.h"
#include "verifier/snp/snp_roots.h"

enum snp_check {
    SNP_CHECK_ARK_PINNED,
    SNP_CHECK_ARK_SELF_SIGNED,
    SNP_CHECK_ASK_SIGNED_BY_ARK,
    SNP_CHECK_VEK_SIGNED_BY_ASK,
    SNP_CHECK_REPORT_SIGNATURE,
    SNP_CHECK_TCB_BOOTLOADER,
    SNP_CHECK_TCB_TEE,
    SNP_CHECK_TCB_SNP,
    SNP_CHECK_TCB_MICROCODE,
    SNP_CHECK_TCB_FMC,
    SNP_CHECK_CHIP_ID,
    SNP_CHECK_SIGNING_KEY,
    SNP_CHECK_COUNT
};

const char *snp_check_name(enum snp_check c);

struct snp_check_input {
    const struct snp_report *report;
    enum snp_product product;
    const struct snp_trust *trust; /* pinned anchors of the product */
    X509 *evidence_ark;            /* ARK from the evidence, or NULL */
    X509 *evidence_ask;            /* ASK/ASVK from the evidence, or NULL */
    X509 *vek;                     /* VCEK or VLEK (required) */
    enum snp_vek_kind vek_kind;
};

struct snp_findings {
    uint32_t failed; /* bit (1u << enum snp_check) per failed check */
    char detail[SNP_CHECK_COUNT][256];
    struct snp_vek_info vek;
};

/* The checks that depend only on the certificates (the first four, up to
 * vcek_signed_by_ask): clears f, reads the VEK's extensions into f->vek
 * and records failures.  A chain that passes them is what the chain cache
 * (snp_cache.h) keeps. */
#define SNP_CHAIN_CHECKS_MASK                                                               \
    ((1u << SNP_CHECK_ARK_PINNED) | (1u << SNP_CHECK_ARK_SELF_SIGNED) |                     \
     (1u << SNP_CHECK_ASK_SIGNED_BY_ARK) | (1u << SNP_CHECK_VEK_SIGNED_BY_ASK))
void snp_checks_chain(const struct snp_check_input *in, struct snp_findings *f);

/* The checks of one report against an endorsement key: report_signature,
 * the TCB fields, chip_id and signing_key, with the VEK's extensions
 * already in f->vek (from snp_checks_chain or a cached chain). */
struct snp_report_check_input {
    const struct snp_report *report;
    enum snp_product product;
    EVP_PKEY *vek_key; /* the VEK's public key */
    enum snp_vek_kind vek_kind;
};
void snp_checks_report(const struct snp_report_check_input *in, struct snp_findings *f);

/* Runs every check (chain, then report); returns the number of failed
 * checks. */
int snp_checks_run(const struct snp_check_input *in, struct snp_findings *f);

/* The first failed check in the documented order, or SNP_CHECK_COUNT. */
enum snp_check snp_findings_first(const struct snp_findings *f);

#endif
