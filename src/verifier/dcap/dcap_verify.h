/* dcap_verify.h - Intel DCAP quote verification as Intel's Quote
 * Verification Library does it (QuoteVerifier.cpp, TcbLevelCheck.cpp,
 * TdxModuleCheck.cpp, TDRelaunchCheck.cpp; supplemental data as QvE),
 * on OpenSSL.
 *
 * Every check has its own Intel status name, quoted at the end of the
 * error detail, e.g. "QE report signature does not verify with the PCK
 * certificate key (STATUS_INVALID_QE_REPORT_SIGNATURE)".  Terminal results
 * (bad signature, broken chain, revoked certificate, Revoked TCB, no
 * matching TCB level, QE identity mismatch) are 403
 * evidence_verification_failed; every other TCB status is returned in
 * struct dcap_result for the policy to judge.  Expired collateral is not
 * an error: collateral_expired = 1 (Intel QvE). */
#ifndef AS_VERIFIER_DCAP_DCAP_VERIFY_H
#define AS_VERIFIER_DCAP_DCAP_VERIFY_H

#include "verifier/dcap/collateral.h"
#include "verifier/dcap/pck.h"
#include "verifier/dcap/quote.h"

/* The quote's PCK certificate chain and what the verifier needs from it
 * before it has collateral (FMSPC and CA type pick the collateral). */
struct dcap_pck {
    struct x509_chain chain; /* leaf, PCK CA[, root] */
    struct dcap_pck_ext ext;
    bool platform_ca; /* issued by "Intel SGX PCK Platform CA" (else Processor) */
    char issuer_cn[64];
    /* Validity of the chain's certificates, read once at parse time:
     * earliest and latest notBefore, earliest notAfter (-1: none). */
    time_t chain_earliest_issue, chain_latest_issue, chain_earliest_expiration;
    /* The parsed chain is cached under its exact PEM text (compared byte
     * for byte; chain_key = its SHA-256 names the cache entry); once the
     * leaf's signature by the chain's own CA has verified, that fact is
     * cached with it (the same bytes always give the same answer). */
    uint8_t chain_key[32];
    bool leaf_signed_by_ca;
};

int dcap_pck_from_quote(const struct dcap_quote *q, struct dcap_pck *pck, struct as_error *err);
void dcap_pck_free(struct dcap_pck *pck);

struct dcap_result {
    enum dcap_tcb_status status; /* final (converged) status */
    struct dcap_advisories advisories; /* of the matched TCB level */
    time_t tcb_date;                   /* of the matched TCB level */
    enum dcap_tcb_status platform_status, qe_status, module_status;
    /* TD 1.5: the evaluation with TEE_TCB_SVN2 (the running module). */
    bool has_current;
    enum dcap_tcb_status status_current;
    struct dcap_advisories advisories_current;
    time_t tcb_date_current;
    /* supplemental data (QvE) */
    time_t earliest_issue, latest_issue, earliest_expiration;
    int collateral_expired; /* 1 when earliest_expiration <= verification time */
    long pck_crl_num, root_ca_crl_num, tcb_eval_num;
    uint8_t root_key_id[48]; /* SHA-384 of the root's 0x04||X||Y */
};

/* Verifies quote q (already parsed, PCK extracted) against verified
 * collateral c at time now. */
int dcap_verify(const struct dcap_quote *q, const struct dcap_pck *pck,
                const struct dcap_collateral *c, time_t now, struct dcap_result *res,
                struct as_error *err);

#endif
