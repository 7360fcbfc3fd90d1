/* snp_evidence.h - the original's `snp` evidence JSON.
 *
 * Owns: reading {"attestation_report": R, "cert_chain": null | [entry...]}
 * exactly as trustee's snp verifier deserialises it (R is the serde form of
 * the sev crate's AttestationReport, an entry is {"cert_type": "ARK" |
 * "ASK" | "VCEK" | "VLEK" | "CRL" | "Empty" | {"OTHER": uuid}, "data":
 * [bytes]}), and rebuilding from R the exact 1184-byte report the firmware
 * signed: reserved areas zero, TCB_VERSION fields in the product's layout.
 * The product is read from the CPUID fields (v3+) or, for v2, from the
 * issuer of the VCEK/VLEK in cert_chain; it is never guessed.
 *
 * The raw bytes are not in the JSON, so the rebuilt report is then decoded
 * by snp_report_parse like any binary report. */
#ifndef AS_VERIFIER_SNP_EVIDENCE_H
#define AS_VERIFIER_SNP_EVIDENCE_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_report.h"

struct snp_evidence {
    struct snp_report report;                  /* rebuilt and re-parsed */
    enum snp_product product;                  /* as used for the TCB encoding */
    struct snp_cert_entry certs[SNP_CERT_TABLE_MAX]; /* data in the arena */
    size_t ncerts;                             /* 0 for null or [] */
};

/* 400 invalid_evidence naming the member on any shape error. */
int snp_evidence_from_json(struct arena *a, const struct value *ev, struct snp_evidence *out,
                           struct as_error *err);

/* Product named by the issuer of the first VCEK/VLEK in certs (for v2
 * reports), or SNP_PRODUCT_UNKNOWN. */
enum snp_product snp_certs_issuer_product(const struct snp_cert_entry *certs, size_t n);

#endif
