/* collateral.h - Intel DCAP verification collateral: the bundle
 * (sgx_ql_qve_collateral_t fields), TCB info v2/v3 and enclave identity v2
 * parsing, the checks that need no quote (CRL and JSON signatures, issuer
 * chains to the pinned Intel SGX Root CA), and a process-wide cache of
 * verified collateral keyed by the SHA-256 of its bytes.
 *
 * A verified collateral object is immutable and reference counted, so
 * worker threads share it without locks once they hold a reference. */
#ifndef AS_VERIFIER_DCAP_COLLATERAL_H
#define AS_VERIFIER_DCAP_COLLATERAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "base/arena.h"
#include "base/error.h"
#include "verifier/common/x509.h"

/* TCB statuses as spelled in TCB info / enclave identity JSON. */
enum dcap_tcb_status {
    TCB_UP_TO_DATE,
    TCB_SW_HARDENING_NEEDED,
    TCB_CONFIGURATION_NEEDED,
    TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    TCB_OUT_OF_DATE,
    TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    TCB_TD_RELAUNCH_ADVISED,
    TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
    TCB_REVOKED,
    TCB_NOT_SUPPORTED, /* no matching level (Intel STATUS_TCB_NOT_SUPPORTED) */
    TCB_STATUS_COUNT
};

const char *dcap_tcb_status_name(enum dcap_tcb_status s);
int dcap_tcb_status_parse(const char *s, enum dcap_tcb_status *out);

struct dcap_advisories {
    const char **ids;
    size_t len;
};

struct dcap_tcb_level {
    uint8_t sgx_svn[16];
    uint16_t pcesvn;
    bool has_tdx;
    uint8_t tdx_svn[16];
    enum dcap_tcb_status status;
    time_t tcb_date;
    struct dcap_advisories advisories;
};

struct dcap_module_level {
    uint8_t isvsvn;
    enum dcap_tcb_status status;
    time_t tcb_date;
    struct dcap_advisories advisories;
};

struct dcap_module_identity {
    char id[16]; /* "TDX_01", upper case */
    uint8_t mrsigner[48];
    uint8_t attributes[8], attributes_mask[8];
    struct dcap_module_level *levels;
    size_t nlevels;
};

struct dcap_tcb_info {
    bool is_tdx; /* id "TDX" (v3) */
    int version;
    time_t issue_date, next_update;
    uint8_t fmspc[6], pceid[2];
    long tcb_type, eval_num;
    bool has_tdx_module;
    uint8_t module_mrsigner[48], module_attributes[8], module_attributes_mask[8];
    struct dcap_module_identity *modules;
    size_t nmodules;
    struct dcap_tcb_level *levels; /* as listed (descending) */
    size_t nlevels;
};

enum dcap_enclave_id { ENCLAVE_QE, ENCLAVE_QVE, ENCLAVE_TD_QE };

struct dcap_qe_level {
    uint16_t isvsvn;
    enum dcap_tcb_status status;
    time_t tcb_date;
    struct dcap_advisories advisories;
};

struct dcap_qe_identity {
    enum dcap_enclave_id id;
    int version;
    time_t issue_date, next_update;
    long eval_num;
    uint8_t miscselect[4], miscselect_mask[4];
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    struct dcap_qe_level *levels;
    size_t nlevels;
};

/* Raw collateral pieces (borrowed pointers). */
struct dcap_collateral_raw {
    const char *pck_crl_issuer_chain; size_t pck_crl_issuer_chain_len;
    const uint8_t *root_ca_crl; size_t root_ca_crl_len;
    const uint8_t *pck_crl; size_t pck_crl_len;
    const char *tcb_info_issuer_chain; size_t tcb_info_issuer_chain_len;
    const char *tcb_info; size_t tcb_info_len;           /* exact signed text */
    const uint8_t *tcb_info_sig; size_t tcb_info_sig_len; /* raw r||s */
    const char *qe_identity_issuer_chain; size_t qe_identity_issuer_chain_len;
    const char *qe_identity; size_t qe_identity_len;
    const uint8_t *qe_identity_sig; size_t qe_identity_sig_len;
};

/* Verified collateral. */
struct dcap_collateral {
    atomic_int refs;
    uint8_t key[32];
    X509 *root; /* the trust anchor it was verified against (own reference) */
    struct arena arena;
    X509_CRL *root_crl, *pck_crl;
    struct x509_chain pck_crl_chain, tcb_chain, qe_chain;
    struct dcap_tcb_info tcb;
    struct dcap_qe_identity qe;
    long pck_crl_num, root_crl_num;
    /* Over the CRLs, the JSON documents and the three issuer chains. */
    time_t earliest_issue, latest_issue, earliest_expiration;
    uint8_t root_key_id[48]; /* SHA-384 of the root's 0x04||X||Y */
};

/* The pinned Intel SGX Root CA (parsed once, never freed). */
X509 *dcap_intel_root(void);

/* Splits a bundle JSON (the layout of shared/vectors/intel: the
 * sgx_ql_qve_collateral_t fields; tcb_info / qe_identity either the exact
 * signed text with *_signature hex, or the PCS response body
 * {"tcbInfo":...,"signature":"..."}).  Strings point into arena a. */
int dcap_collateral_raw_from_json(struct arena *a, const char *json, size_t len,
                                  struct dcap_collateral_raw *raw, struct as_error *err);

/* Finds the raw text of member `key` of the top-level JSON object (no
 * re-serialisation: signatures cover these exact bytes). */
int dcap_json_member_span(const char *json, size_t len, const char *key, const char **start,
                          size_t *span_len);

/* Parses and verifies collateral (signatures, chains to the pinned root,
 * CRLs) - or returns the cached verified object for the same bytes and
 * root.  root = NULL means the pinned Intel root (tests pass their own).  The
 * result holds a reference: release it with dcap_collateral_release. */
int dcap_collateral_load(const struct dcap_collateral_raw *raw, X509 *root,
                         struct dcap_collateral **out, struct as_error *err);
void dcap_collateral_release(struct dcap_collateral *c);

/* Parsers, exposed for tests and fuzzing (a = where levels go). */
int dcap_tcb_info_parse(struct arena *a, const char *json, size_t len, struct dcap_tcb_info *t,
                        struct as_error *err);
int dcap_qe_identity_parse(struct arena *a, const char *json, size_t len,
                           struct dcap_qe_identity *q, struct as_error *err);
/* "2025-06-19T10:56:11Z" (fraction and "+00:00" accepted) -> Unix time. */
int dcap_parse_time(const char *s, size_t n, time_t *out);

#endif
