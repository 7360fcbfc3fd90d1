/* snp_roots.h - the AMD trust anchors for SEV-SNP, one set per product.
 *
 * Owns: the embedded ARK (root), ASK (issues VCEKs) and ASVK (issues VLEKs)
 * of Milan, Genoa and Turin, parsed once, with the static part of the chain
 * (ARK self-signature, ASK and ASVK signed by the ARK, RSA-PSS parameters)
 * checked once at load so a warm verification does not redo it.
 *
 * A struct snp_trust is also what tests hand the checks when they use a
 * chain made at test time instead of AMD's. */
#ifndef AS_VERIFIER_SNP_ROOTS_H
#define AS_VERIFIER_SNP_ROOTS_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "verifier/snp/snp_report.h"

struct snp_trust {
    enum snp_product product;
    X509 *ark;  /* pinned root */
    X509 *ask;  /* default ASK when the evidence carries none */
    X509 *asvk; /* default ASVK (VLEK issuer) */
    /* Results of the static checks, filled by snp_trust_precheck(). */
    bool prechecked;
    bool ark_self_signed, ask_signed_by_ark, asvk_signed_by_ark;
    bool has_id;
    uint8_t id[48]; /* snp_trust_id(), computed by snp_trust_precheck() */
};

/* The embedded AMD anchors for p (thread-safe, loaded on first use; the
 * objects live until exit).  NULL when p is unknown or the embedded PEM
 * could not be loaded (never expected). */
const struct snp_trust *snp_trust_amd(enum snp_product p);

/* Runs the static checks of t (ARK self-signed, ASK/ASVK signed by the ARK)
 * and records the results (and t's identity) in t.  A prechecked trust is
 * immutable: change its certificates and the recorded results lie. */
void snp_trust_precheck(struct snp_trust *t);

/* Identity of the anchors: SHA-384 over the DER of the ARK, ASK and ASVK
 * (each length-prefixed).  Taken from t->id when prechecked, else computed.
 * -1 when a certificate cannot be encoded (the caller then caches nothing). */
int snp_trust_id(const struct snp_trust *t, uint8_t out[48]);

#endif
