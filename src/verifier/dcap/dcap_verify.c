/* dcap_verify.c - per-quote DCAP verification and TCB evaluation (see
 * dcap_verify.h).  The order of the checks follows Intel QVL
 * QuoteVerifier::verify (4.1.2.4.x in Intel's specification). */
#include "verifier/dcap/dcap_verify.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

/* 403 with the Intel status name appended. */
static int fail(struct as_error *err, const char *intel_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct as_error *err, const char *intel_status, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return as_err(err, 403, ERR_VERIFICATION_FAILED, "%s (%s)", msg, intel_status);
}

/* ---- PCK certificate from the quote ---- */

void dcap_pck_free(struct dcap_pck *pck)
{
    if (pck)
        x509_chain_free(&pck->chain);
}

static int pck_parse(const struct dcap_quote *q, struct dcap_pck *pck, struct as_error *err)
{
    if (x509_chain_parse_pem(q->pck_pem, q->pck_pem_len, &pck->chain, err) < 0)
        return as_err_prefix(err, "PCK certificate chain in the quote");
    if (pck->chain.len < 2)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "PCK certificate chain in the quote: needs the PCK and its CA, has %zu "
                      "certificate(s)",
                      pck->chain.len);
    X509 *leaf = pck->chain.certs[0];
    size_t len = 0;
    const uint8_t *ext = x509_ext_value(leaf, DCAP_SGX_EXT_OID, &len);
    if (!ext)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "PCK certificate has no SGX extension (%s)", DCAP_SGX_EXT_OID);
    TRY(dcap_pck_ext_parse(ext, len, &pck->ext, err));
    x509_issuer_cn(leaf, pck->issuer_cn, sizeof pck->issuer_cn);
    pck->platform_ca = strstr(pck->issuer_cn, "Platform") != NULL;
    pck->chain_earliest_issue = pck->chain_latest_issue = pck->chain_earliest_expiration = -1;
    for (size_t i = 0; i < pck->chain.len; i++) {
        time_t nb = x509_not_before(pck->chain.certs[i]), na = x509_not_after(pck->chain.certs[i]);
        if (nb >= 0 && (pck->chain_earliest_issue < 0 || nb < pck->chain_earliest_issue))
            pck->chain_earliest_issue = nb;
        if (nb > pck->chain_latest_issue)
            pck->chain_latest_issue = nb;
        if (na >= 0 && (pck->chain_earliest_expiration < 0 || na < pck->chain_earliest_expiration))
            pck->chain_earliest_expiration = na;
    }
    return 0;
}

/* ---- caches of parsed PCK chains and attestation keys ---- */

#define PCK_CACHE_SLOTS 128
#define KEY_CACHE_SLOTS 128

static pthread_mutex_t pck_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcap_pck pck_slots[PCK_CACHE_SLOTS];
static bool pck_used[PCK_CACHE_SLOTS];
static char *pck_pem[PCK_CACHE_SLOTS]; /* the exact text each slot was parsed from */
static size_t pck_pem_len[PCK_CACHE_SLOTS];
static size_t pck_next;

/* Copies src into dst with its own references to the certificates. */
static int pck_share(const struct dcap_pck *src, struct dcap_pck *dst)
{
    *dst = *src;
    dst->chain.certs = malloc(src->chain.len * sizeof *dst->chain.certs);
    if (!dst->chain.certs)
        return -1;
    for (size_t i = 0; i < src->chain.len; i++) {
        X509_up_ref(src->chain.certs[i]);
        dst->chain.certs[i] = src->chain.certs[i];
    }
    return 0;
}

/* The entry parsed from exactly these bytes (no hashing on the warm path:
 * a length check and one memcmp). */
static bool pck_cache_get(const char *pem, size_t len, struct dcap_pck *out)
{
    bool hit = false;
    pthread_mutex_lock(&pck_lock);
    for (size_t i = 0; i < PCK_CACHE_SLOTS && !hit; i++)
        if (pck_used[i] && pck_pem_len[i] == len && memcmp(pck_pem[i], pem, len) == 0)
            hit = pck_share(&pck_slots[i], out) == 0;
    pthread_mutex_unlock(&pck_lock);
    return hit;
}

/* pem: the text p was parsed from, for a new entry; NULL to update the
 * entry named by p->chain_key (never creates one). */
static void pck_cache_put(const struct dcap_pck *p, const char *pem, size_t pem_len)
{
    struct dcap_pck copy, old = {0};
    char *text = pem ? malloc(pem_len ? pem_len : 1) : NULL, *old_text = NULL;
    if ((pem && !text) || pck_share(p, &copy) < 0) {
        free(text);
        return;
    }
    if (text && pem_len)
        memcpy(text, pem, pem_len);
    pthread_mutex_lock(&pck_lock);
    for (size_t i = 0; i < PCK_CACHE_SLOTS; i++)
        if (pck_used[i] && memcmp(pck_slots[i].chain_key, p->chain_key, 32) == 0) {
            pck_slots[i].leaf_signed_by_ca |= p->leaf_signed_by_ca;
            pthread_mutex_unlock(&pck_lock);
            dcap_pck_free(&copy);
            free(text);
            return;
        }
    if (!text) { /* the entry to update was evicted meanwhile */
        pthread_mutex_unlock(&pck_lock);
        dcap_pck_free(&copy);
        return;
    }
    if (pck_used[pck_next]) {
        old = pck_slots[pck_next];
        old_text = pck_pem[pck_next];
    }
    pck_slots[pck_next] = copy;
    pck_pem[pck_next] = text;
    pck_pem_len[pck_next] = pem_len;
    pck_used[pck_next] = true;
    pck_next = (pck_next + 1) % PCK_CACHE_SLOTS;
    pthread_mutex_unlock(&pck_lock);
    dcap_pck_free(&old);
    free(old_text);
}

int dcap_pck_from_quote(const struct dcap_quote *q, struct dcap_pck *pck, struct as_error *err)
{
    memset(pck, 0, sizeof *pck);
    if (pck_cache_get(q->pck_pem, q->pck_pem_len, pck))
        return 0;
    if (pck_parse(q, pck, err) < 0) {
        dcap_pck_free(pck);
        return -1;
    }
    SHA256((const uint8_t *)q->pck_pem, q->pck_pem_len, pck->chain_key);
    pck_cache_put(pck, q->pck_pem, q->pck_pem_len);
    return 0;
}

struct key_slot {
    uint8_t xy[64];
    EVP_PKEY *key;
};

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static struct key_slot key_slots[KEY_CACHE_SLOTS];
static size_t key_next;

/* The attestation key as an EVP_PKEY (one reference), cached by its bytes:
 * a QE signs many quotes with one key. */
static EVP_PKEY *attestation_key(const uint8_t xy[64])
{
    EVP_PKEY *k = NULL;
    pthread_mutex_lock(&key_lock);
    for (size_t i = 0; i < KEY_CACHE_SLOTS && !k; i++)
        if (key_slots[i].key && memcmp(key_slots[i].xy, xy, 64) == 0 &&
            EVP_PKEY_up_ref(key_slots[i].key) == 1)
            k = key_slots[i].key;
    pthread_mutex_unlock(&key_lock);
    if (k || !(k = x509_p256_key_from_raw(xy)))
        return k;
    EVP_PKEY_up_ref(k);
    pthread_mutex_lock(&key_lock);
    EVP_PKEY *old = key_slots[key_next].key;
    memcpy(key_slots[key_next].xy, xy, 64);
    key_slots[key_next].key = k;
    key_next = (key_next + 1) % KEY_CACHE_SLOTS;
    pthread_mutex_unlock(&key_lock);
    EVP_PKEY_free(old);
    return k;
}

/* ---- PCK chain ---- */

static bool same_der(X509 *a, X509 *b)
{
    return X509_cmp(a, b) == 0;
}

static int verify_pck_chain(const struct dcap_pck *pck, const struct dcap_collateral *c,
                            struct as_error *err)
{
    X509 *leaf = pck->chain.certs[0], *ca = pck->chain.certs[1];
    char cn[128];
    x509_subject_cn(leaf, cn, sizeof cn);
    if (!strstr(cn, "SGX PCK Certificate"))
        return fail(err, "STATUS_INVALID_PCK_CERT",
                    "PCK certificate subject CN '%s' does not contain 'SGX PCK Certificate'", cn);
    bool known_ca = same_der(ca, c->pck_crl_chain.certs[0]) &&
                    (pck->chain.len == 2 ||
                     (pck->chain.len == 3 && (X509_cmp(pck->chain.certs[2], c->root) == 0 ||
                                              x509_same_pubkey(pck->chain.certs[2], c->root))));
    if (known_ca) {
        /* The CA is the one the collateral already verified up to the root
         * (and checked against the root CA CRL): only the leaf is new. */
        if (!pck->leaf_signed_by_ca) {
            if (x509_signed_by(leaf, ca, err) < 0)
                return as_err_prefix(err, "PCK certificate chain");
            struct dcap_pck mark = *pck;
            mark.leaf_signed_by_ca = true;
            pck_cache_put(&mark, NULL, 0);
        }
    } else {
        X509_CRL *crls[2] = {c->root_crl, c->pck_crl};
        struct x509_verify_opts o = {.root = c->root, .crls = crls, .ncrls = 2,
                                     .time_check = X509_TIME_IGNORE};
        if (x509_chain_verify(&pck->chain, &o, err) < 0)
            return as_err_prefix(err, "PCK certificate chain (STATUS_INVALID_PCK_CERT)");
    }
    /* 4.1.2.4.6: the PCK CRL must be the one of the PCK's issuer. */
    if (X509_NAME_cmp(X509_CRL_get_issuer(c->pck_crl), X509_get_issuer_name(leaf)) != 0)
        return fail(err, "STATUS_INVALID_PCK_CRL",
                    "the PCK CRL is not issued by the PCK certificate's issuer '%s'",
                    pck->issuer_cn);
    /* 4.1.2.4.7 */
    if (x509_crl_revokes(c->pck_crl, leaf))
        return fail(err, "STATUS_PCK_REVOKED", "the PCK certificate is revoked by the PCK CRL");
    return 0;
}

/* ---- TCB info / TDX module identity checks ---- */

static int check_tcb_info_matches(const struct dcap_quote *q, const struct dcap_pck *pck,
                                  const struct dcap_tcb_info *t, struct as_error *err)
{
    bool tdx = dcap_quote_is_tdx(q);
    if (t->version >= 3 && t->is_tdx != tdx)
        return fail(err, "STATUS_TCB_INFO_MISMATCH",
                    "TCB info is for %s but the quote is %s", t->is_tdx ? "TDX" : "SGX",
                    tdx ? "TDX" : "SGX");
    if (t->version < 3 && tdx)
        return fail(err, "STATUS_TCB_INFO_MISMATCH", "TCB info version %d cannot judge TDX",
                    t->version);
    if (memcmp(t->fmspc, pck->ext.fmspc, 6) != 0)
        return fail(err, "STATUS_TCB_INFO_MISMATCH",
                    "FMSPC of the TCB info and of the PCK certificate differ");
    if (memcmp(t->pceid, pck->ext.pceid, 2) != 0)
        return fail(err, "STATUS_TCB_INFO_MISMATCH",
                    "PCE-ID of the TCB info and of the PCK certificate differ");
    return 0;
}

static const struct dcap_module_identity *find_module(const struct dcap_tcb_info *t,
                                                      uint8_t version)
{
    char id[16];
    snprintf(id, sizeof id, "TDX_%02X", version);
    for (size_t i = 0; i < t->nmodules; i++)
        if (strcmp(t->modules[i].id, id) == 0)
            return &t->modules[i];
    return NULL;
}

/* 4.1.2.4.11: MRSIGNERSEAM and SEAMATTRIBUTES against the TDX module (or
 * the module identity of the quote's module major version). */
static bool masked_equal(const uint8_t *v, const uint8_t *mask, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] & mask[i]) != want[i])
            return false;
    return true;
}

static int check_tdx_module(const struct dcap_quote *q, const struct dcap_tcb_info *t,
                            struct as_error *err)
{
    const uint8_t *svn = q->body + TD_TEE_TCB_SVN;
    const uint8_t *mrsigner = t->module_mrsigner, *attrs = t->module_attributes;
    const uint8_t *mask = t->module_attributes_mask;
    if (svn[1] > 0) {
        const struct dcap_module_identity *m = find_module(t, svn[1]);
        if (!m)
            return fail(err, "STATUS_TDX_MODULE_MISMATCH",
                        "TCB info has no TDX module identity TDX_%02X", svn[1]);
        mrsigner = m->mrsigner;
        attrs = m->attributes;
        mask = m->attributes_mask;
    } else if (!t->has_tdx_module) {
        return fail(err, "STATUS_TDX_MODULE_MISMATCH", "TCB info has no tdxModule");
    }
    if (memcmp(q->body + TD_MR_SIGNER_SEAM, mrsigner, 48) != 0)
        return fail(err, "STATUS_TDX_MODULE_MISMATCH",
                    "MRSIGNERSEAM differs from the TDX module identity's mrsigner");
    /* Intel QVL: (SEAMATTRIBUTES & attributesMask) == attributes */
    if (!masked_equal(q->body + TD_SEAM_ATTRIBUTES, mask, attrs, 8))
        return fail(err, "STATUS_TDX_MODULE_MISMATCH",
                    "SEAMATTRIBUTES under the TDX module's attributesMask differ from its "
                    "attributes");
    return 0;
}

/* ---- QE report ---- */

static int check_qe_report(const struct dcap_quote *q, const struct dcap_pck *pck,
                           struct as_error *err)
{
    if (!x509_ecdsa_verify_raw(X509_get0_pubkey(pck->chain.certs[0]), EVP_sha256(),
                               q->qe_report, DCAP_SGX_REPORT_LEN, q->qe_report_sig, 64))
        return fail(err, "STATUS_INVALID_QE_REPORT_SIGNATURE",
                    "QE report signature does not verify with the PCK certificate key");
    uint8_t h[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int hl = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(md, q->att_key, 64) == 1 &&
              EVP_DigestUpdate(md, q->qe_auth, q->qe_auth_len) == 1 &&
              EVP_DigestFinal_ex(md, h, &hl) == 1;
    EVP_MD_CTX_free(md);
    static const uint8_t zeros[32];
    if (!ok || memcmp(q->qe_report + SGX_REPORT_DATA, h, 32) != 0 ||
        memcmp(q->qe_report + SGX_REPORT_DATA + 32, zeros, 32) != 0)
        return fail(err, "STATUS_INVALID_QE_REPORT_DATA",
                    "QE report data is not SHA-256(attestation key || QE authentication data) "
                    "followed by 32 zero bytes");
    return 0;
}


/* 4.1.2.4.14-15: the QE identity is for this TEE and the QE report matches
 * it; returns the QE's TCB status (or TCB_NOT_SUPPORTED). */
static int check_qe_identity(const struct dcap_quote *q, const struct dcap_qe_identity *id,
                             enum dcap_tcb_status *qe_status, struct as_error *err)
{
    const uint8_t *r = q->qe_report;
    bool tdx = dcap_quote_is_tdx(q);
    if ((tdx && id->id != ENCLAVE_TD_QE) || (!tdx && id->id != ENCLAVE_QE))
        return fail(err, "STATUS_QE_IDENTITY_MISMATCH",
                    "QE identity is not the %s one", tdx ? "TD_QE" : "QE");
    if (!masked_equal(r + SGX_MISC_SELECT, id->miscselect_mask, id->miscselect, 4))
        return fail(err, "STATUS_QE_IDENTITY_MISMATCH",
                    "QE MISCSELECT does not match the QE identity under its mask");
    if (!masked_equal(r + SGX_ATTRIBUTES, id->attributes_mask, id->attributes, 16))
        return fail(err, "STATUS_QE_IDENTITY_MISMATCH",
                    "QE attributes do not match the QE identity under its mask");
    if (memcmp(r + SGX_MR_SIGNER, id->mrsigner, 32) != 0)
        return fail(err, "STATUS_QE_IDENTITY_MISMATCH", "QE MRSIGNER differs from the QE identity");
    if (dcap_le16(r + SGX_ISV_PROD_ID) != id->isvprodid)
        return fail(err, "STATUS_QE_IDENTITY_MISMATCH",
                    "QE ISVPRODID %u differs from the QE identity's %u",
                    dcap_le16(r + SGX_ISV_PROD_ID), id->isvprodid);
    uint16_t isvsvn = dcap_le16(r + SGX_ISV_SVN);
    *qe_status = TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < id->nlevels; i++)
        if (isvsvn >= id->levels[i].isvsvn) {
            *qe_status = id->levels[i].status;
            break;
        }
    return 0;
}

static int check_quote_signature(const struct dcap_quote *q, struct as_error *err)
{
    EVP_PKEY *key = attestation_key(q->att_key);
    if (!key)
        return fail(err, "STATUS_UNSUPPORTED_QUOTE_FORMAT",
                    "attestation key is not a P-256 point");
    bool ok = x509_ecdsa_verify_raw(key, EVP_sha256(), q->raw, q->signed_len, q->signature, 64);
    EVP_PKEY_free(key);
    if (!ok)
        return fail(err, "STATUS_INVALID_QUOTE_SIGNATURE",
                    "quote signature does not verify with the attestation key");
    return 0;
}

/* ---- TCB level matching (TcbLevelCheck.cpp) ---- */

static bool sgx_level_ok(const struct dcap_pck_ext *e, const struct dcap_tcb_level *l)
{
    for (int i = 0; i < 16; i++)
        if (e->comp_svn[i] < l->sgx_svn[i])
            return false;
    return e->pcesvn >= l->pcesvn;
}

static bool tdx_level_ok(const uint8_t *tee_svn, const struct dcap_tcb_level *l)
{
    for (int i = tee_svn[1] > 0 ? 2 : 0; i < 16; i++)
        if (tee_svn[i] < l->tdx_svn[i])
            return false;
    return true;
}

static enum dcap_tcb_status converge_with(enum dcap_tcb_status platform,
                                          enum dcap_tcb_status other)
{
    if (other == TCB_OUT_OF_DATE) {
        if (platform == TCB_UP_TO_DATE || platform == TCB_SW_HARDENING_NEEDED)
            return TCB_OUT_OF_DATE;
        if (platform == TCB_CONFIGURATION_NEEDED ||
            platform == TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    if (other == TCB_REVOKED)
        return TCB_REVOKED;
    if (other == TCB_NOT_SUPPORTED)
        return TCB_NOT_SUPPORTED;
    return platform;
}

static enum dcap_tcb_status module_status(const struct dcap_quote *q, const uint8_t *tee_svn,
                                          const struct dcap_tcb_info *t)
{
    if (q->version > 3 && tee_svn[1] == 0)
        return TCB_UP_TO_DATE;
    const struct dcap_module_identity *m = find_module(t, tee_svn[1]);
    if (!m)
        return TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < m->nlevels; i++)
        if (tee_svn[0] >= m->levels[i].isvsvn)
            return m->levels[i].status;
    return TCB_NOT_SUPPORTED;
}

static bool config_needed(enum dcap_tcb_status s)
{
    return s == TCB_CONFIGURATION_NEEDED || s == TCB_OUT_OF_DATE_CONFIGURATION_NEEDED ||
           s == TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
           s == TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
}

/* TDRelaunchCheck.cpp: the TD runs on an updated module (TEE_TCB_SVN2)
 * that the latest TCB level accepts; relaunching would make it current. */
static enum dcap_tcb_status relaunch_check(const uint8_t *svn2, const struct dcap_tcb_info *t,
                                           enum dcap_tcb_status sgx, enum dcap_tcb_status tdx,
                                           enum dcap_tcb_status module, enum dcap_tcb_status qe)
{
    if (qe == TCB_OUT_OF_DATE || qe == TCB_REVOKED || qe == TCB_NOT_SUPPORTED)
        return tdx;
    if (sgx != TCB_UP_TO_DATE && sgx != TCB_SW_HARDENING_NEEDED &&
        sgx != TCB_CONFIGURATION_NEEDED && sgx != TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
        return tdx;
    if ((tdx != TCB_OUT_OF_DATE && tdx != TCB_OUT_OF_DATE_CONFIGURATION_NEEDED) ||
        module != TCB_OUT_OF_DATE)
        return tdx;
    const struct dcap_tcb_level *latest = &t->levels[0];
    uint8_t want_isvsvn = latest->tdx_svn[0];
    if (svn2[1] != 0) {
        const struct dcap_module_identity *m = find_module(t, svn2[1]);
        if (!m || m->nlevels == 0)
            return TCB_NOT_SUPPORTED;
        want_isvsvn = m->levels[0].isvsvn;
    }
    if (svn2[0] >= want_isvsvn && svn2[2] >= latest->tdx_svn[2])
        return config_needed(sgx) || config_needed(tdx)
                   ? TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
                   : TCB_TD_RELAUNCH_ADVISED;
    return tdx;
}

struct tcb_eval {
    enum dcap_tcb_status status, platform, module;
    const struct dcap_tcb_level *level;
};

/* checkTcbLevel: tee_svn NULL for SGX. */
static void evaluate_tcb(const struct dcap_quote *q, const struct dcap_pck_ext *e,
                         const struct dcap_tcb_info *t, const uint8_t *tee_svn,
                         const uint8_t *svn2, enum dcap_tcb_status qe, struct tcb_eval *ev)
{
    const struct dcap_tcb_level *sgx_level = NULL, *tdx_level = NULL;
    memset(ev, 0, sizeof *ev);
    ev->status = ev->platform = TCB_NOT_SUPPORTED;
    ev->module = TCB_UP_TO_DATE;
    for (size_t i = 0; i < t->nlevels && !tdx_level; i++) {
        const struct dcap_tcb_level *l = &t->levels[i];
        if (!sgx_level_ok(e, l))
            continue;
        if (!sgx_level)
            sgx_level = l;
        if (!tee_svn)
            break;
        if (tdx_level_ok(tee_svn, l))
            tdx_level = l;
    }
    if (!sgx_level)
        return;
    if (!tee_svn) {
        ev->level = sgx_level;
        ev->platform = sgx_level->status;
        ev->status = converge_with(sgx_level->status, qe);
        return;
    }
    if (!tdx_level)
        return;
    ev->level = tdx_level;
    ev->platform = tdx_level->status;
    ev->module = module_status(q, tee_svn, t);
    if (ev->module == TCB_NOT_SUPPORTED)
        return;
    enum dcap_tcb_status tdx = converge_with(tdx_level->status, ev->module);
    if (tdx != TCB_REVOKED && svn2)
        tdx = relaunch_check(svn2, t, sgx_level->status, tdx, ev->module, qe);
    ev->status = tdx == TCB_REVOKED ? tdx : converge_with(tdx, qe);
}

static int judge_tcb(const struct dcap_quote *q, const struct dcap_pck *pck,
                     const struct dcap_collateral *c, struct dcap_result *res,
                     struct as_error *err)
{
    struct tcb_eval ev;
    const uint8_t *tee_svn = dcap_quote_is_tdx(q) ? q->body + TD_TEE_TCB_SVN : NULL;
    const uint8_t *svn2 = q->body_type == DCAP_BODY_TD15 ? q->body + TD_TEE_TCB_SVN2 : NULL;
    evaluate_tcb(q, &pck->ext, &c->tcb, tee_svn, svn2, res->qe_status, &ev);
    res->status = ev.status;
    res->platform_status = ev.platform;
    res->module_status = ev.module;
    if (ev.level) {
        res->advisories = ev.level->advisories;
        res->tcb_date = ev.level->tcb_date;
    }
    if (svn2) {
        struct tcb_eval cur;
        evaluate_tcb(q, &pck->ext, &c->tcb, svn2, NULL, res->qe_status, &cur);
        res->has_current = true;
        res->status_current = cur.status;
        if (cur.level) {
            res->advisories_current = cur.level->advisories;
            res->tcb_date_current = cur.level->tcb_date;
        }
    }
    if (ev.status == TCB_NOT_SUPPORTED)
        return fail(err, "STATUS_TCB_NOT_SUPPORTED",
                    "no TCB level of the TCB info matches the platform%s",
                    ev.level && ev.module == TCB_NOT_SUPPORTED ? " (TDX module)"
                    : res->qe_status == TCB_NOT_SUPPORTED      ? " (QE ISVSVN)"
                                                               : "");
    if (ev.status == TCB_REVOKED)
        return fail(err, "STATUS_TCB_REVOKED", "the platform TCB is revoked");
    return 0;
}

/* ---- supplemental data ---- */

static void widen(struct dcap_result *r, time_t issue, time_t expiry)
{
    if (issue >= 0 && issue < r->earliest_issue)
        r->earliest_issue = issue;
    if (issue > r->latest_issue)
        r->latest_issue = issue;
    if (expiry >= 0 && expiry < r->earliest_expiration)
        r->earliest_expiration = expiry;
}

static void supplemental(const struct dcap_pck *pck, const struct dcap_collateral *c, time_t now,
                         struct dcap_result *r)
{
    r->earliest_issue = c->earliest_issue;
    r->latest_issue = c->latest_issue;
    r->earliest_expiration = c->earliest_expiration;
    widen(r, pck->chain_earliest_issue, pck->chain_earliest_expiration);
    widen(r, pck->chain_latest_issue, -1);
    r->collateral_expired = r->earliest_expiration <= now;
    r->pck_crl_num = c->pck_crl_num;
    r->root_ca_crl_num = c->root_crl_num;
    r->tcb_eval_num = c->tcb.eval_num < c->qe.eval_num ? c->tcb.eval_num : c->qe.eval_num;
    memcpy(r->root_key_id, c->root_key_id, 48);
}

int dcap_verify(const struct dcap_quote *q, const struct dcap_pck *pck,
                const struct dcap_collateral *c, time_t now, struct dcap_result *res,
                struct as_error *err)
{
    memset(res, 0, sizeof *res);
    if (memcmp(q->header + 12, DCAP_QE_VENDOR_INTEL, 16) != 0)
        return fail(err, "STATUS_UNSUPPORTED_QUOTE_FORMAT",
                    "QE vendor id is not Intel's 939a7233f79c4ca9940a0db3957f0607");
    TRY(verify_pck_chain(pck, c, err));
    TRY(check_tcb_info_matches(q, pck, &c->tcb, err));
    if (dcap_quote_is_tdx(q))
        TRY(check_tdx_module(q, &c->tcb, err));
    TRY(check_qe_report(q, pck, err));
    TRY(check_qe_identity(q, &c->qe, &res->qe_status, err));
    TRY(check_quote_signature(q, err));
    supplemental(pck, c, now, res);
    if (now < res->latest_issue)
        return fail(err, "collateral not yet valid",
                    "collateral is not yet valid at the verification time (latest issue date "
                    "is after it)");
    return judge_tcb(q, pck, c, res, err);
}
