/* test_dcap_pki.c - DCAP verification against a PKI built at test time: a
 * test root, PCK CA and PCK leaf carrying the SGX extension, a TCB signing
 * certificate, CRLs, signed TCB info and QE identity, and SGX v3 / TDX v4
 * quotes signed by a test attestation key.  Every check is made to fail
 * once: wrong root, revoked PCK and CA, expired collateral (flagged, not
 * rejected), no matching TCB level, Revoked TCB, QE identity mismatches,
 * bad QE report data, each bad signature, FMSPC mismatch, QE and TDX
 * module status convergence, TD relaunch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "base/codec.h"
#include "verifier/dcap/dcap_verify.h"

#define T0 1700000000 /* "now" of the tests */
#define DAY 86400

/* ---- knobs: each test changes one thing from the defaults ---- */
struct params {
    bool tdx;
    uint8_t pck_svn[16];      /* PCK SGX component SVNs */
    uint16_t pck_pcesvn;
    const char *level_status; /* status of the matching TCB level */
    const char *qe_status;    /* status of the QE identity level */
    uint16_t qe_isvsvn;       /* QE report ISVSVN */
    uint16_t qe_level_isvsvn; /* QE identity level ISVSVN */
    bool revoke_pck, revoke_ca, wrong_root_in_quote;
    bool bad_quote_sig, bad_qe_sig, bad_tcb_sig, bad_qe_id_sig, bad_qe_report_data;
    bool bad_pck_crl_sig, anchor_other_root;
    bool qe_mrsigner_mismatch, qe_prodid_mismatch, qe_misc_mismatch, qe_attr_mismatch;
    bool fmspc_mismatch;
    long next_update_days;    /* from T0 */
    uint8_t tee_tcb_svn[16];  /* TDX */
    const char *module_status; /* TDX_01 level status for isvsvn >= 3 */
    bool td15;
    uint8_t tee_tcb_svn2[16];
    uint8_t seam_attributes[8];    /* quote SEAMATTRIBUTES */
    const char *module_attributes; /* TDX module identity attributes (hex) */
    const char *module_mask;       /* and attributesMask (hex) */
};

static void defaults(struct params *p, bool tdx)
{
    memset(p, 0, sizeof *p);
    p->tdx = tdx;
    for (int i = 0; i < 16; i++)
        p->pck_svn[i] = 5;
    p->pck_pcesvn = 13;
    p->level_status = "UpToDate";
    p->qe_status = "UpToDate";
    p->qe_isvsvn = 8;
    p->qe_level_isvsvn = 8;
    p->next_update_days = 30;
    memcpy(p->tee_tcb_svn, "\x05\x00\x02", 3); /* module version 0 */
    p->module_status = "UpToDate";
    p->module_attributes = "0000000000000000";
    p->module_mask = "FFFFFFFFFFFFFFFF";
}

/* ---- keys, certificates, CRLs ---- */

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    cr_assert_not_null(k);
    return k;
}

/* Minimal DER writer. */
struct der {
    uint8_t b[2048];
    size_t n;
};

static void der_raw(struct der *d, const void *p, size_t n)
{
    cr_assert(d->n + n <= sizeof d->b);
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void der_tlv(struct der *d, uint8_t tag, const void *p, size_t n)
{
    uint8_t h[4] = {tag};
    size_t hl = 2;
    if (n < 128) {
        h[1] = (uint8_t)n;
    } else {
        h[1] = 0x82;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    }
    der_raw(d, h, hl);
    der_raw(d, p, n);
}

static const uint8_t SGX_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

/* SEQUENCE { OID sgx.<a>[.<b>], value } */
static void der_member(struct der *out, int a, int b, uint8_t tag, const void *v, size_t n)
{
    struct der oid = {0}, seq = {0}, val = {0};
    uint8_t arcs[sizeof SGX_OID + 2];
    memcpy(arcs, SGX_OID, sizeof SGX_OID);
    arcs[sizeof SGX_OID] = (uint8_t)a;
    arcs[sizeof SGX_OID + 1] = (uint8_t)b;
    der_tlv(&oid, 0x06, arcs, sizeof SGX_OID + (b ? 2 : 1));
    der_tlv(&val, tag, v, n);
    der_raw(&seq, oid.b, oid.n);
    der_raw(&seq, val.b, val.n);
    der_tlv(out, 0x30, seq.b, seq.n);
}

static void sgx_extension(const struct params *p, const uint8_t fmspc[6], struct der *out)
{
    struct der body = {0}, tcb = {0};
    uint8_t ppid[16], cpusvn[16], pceid[2] = {0, 0}, type = 1, t = 0xff, pid[16];
    memset(ppid, 0xab, 16);
    memcpy(cpusvn, p->pck_svn, 16);
    memset(pid, 0x42, 16);
    der_member(&body, 1, 0, 0x04, ppid, 16);
    for (int i = 0; i < 16; i++)
        der_member(&tcb, 2, i + 1, 0x02, &p->pck_svn[i], 1);
    uint8_t pce[2] = {(uint8_t)(p->pck_pcesvn >> 8), (uint8_t)p->pck_pcesvn};
    der_member(&tcb, 2, 17, 0x02, pce[0] ? pce : pce + 1, pce[0] ? 2 : 1);
    der_member(&tcb, 2, 18, 0x04, cpusvn, 16);
    struct der tcbseq = {0};
    der_tlv(&tcbseq, 0x30, tcb.b, tcb.n);
    der_member(&body, 2, 0, 0x30, tcb.b, tcb.n);
    der_member(&body, 3, 0, 0x04, pceid, 2);
    der_member(&body, 4, 0, 0x04, fmspc, 6);
    der_member(&body, 5, 0, 0x0a, &type, 1);
    der_member(&body, 6, 0, 0x04, pid, 16);
    struct der cfg = {0};
    der_member(&cfg, 7, 1, 0x01, &t, 1);
    der_member(&cfg, 7, 2, 0x01, &t, 1);
    der_member(&cfg, 7, 3, 0x01, &t, 1);
    der_member(&body, 7, 0, 0x30, cfg.b, cfg.n);
    der_tlv(out, 0x30, body.b, body.n);
}

static X509 *make_cert(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key,
                       bool ca, long serial, const struct der *sgx_ext)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const uint8_t *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const uint8_t *)"Test Corp", -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    ASN1_TIME_set(X509_getm_notBefore(x), T0 - 100 * DAY);
    ASN1_TIME_set(X509_getm_notAfter(x), T0 + 1000 * DAY);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_add_ext(x, bc, -1);
    X509_EXTENSION_free(bc);
    if (sgx_ext) {
        ASN1_OBJECT *obj = OBJ_txt2obj(DCAP_SGX_EXT_OID, 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, sgx_ext->b, (int)sgx_ext->n);
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
    }
    cr_assert(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, long revoked_serial, long next_days)
{
    X509_CRL *c = X509_CRL_new();
    X509_CRL_set_version(c, 1);
    X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
    ASN1_TIME *t = ASN1_TIME_set(NULL, T0 - DAY);
    X509_CRL_set1_lastUpdate(c, t);
    ASN1_TIME_set(t, T0 + next_days * DAY);
    X509_CRL_set1_nextUpdate(c, t);
    ASN1_TIME_free(t);
    if (revoked_serial) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *s = ASN1_INTEGER_new();
        ASN1_INTEGER_set(s, revoked_serial);
        X509_REVOKED_set_serialNumber(r, s);
        ASN1_TIME *rt = ASN1_TIME_set(NULL, T0 - 2 * DAY);
        X509_REVOKED_set_revocationDate(r, rt);
        X509_CRL_add0_revoked(c, r);
        ASN1_INTEGER_free(s);
        ASN1_TIME_free(rt);
    }
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    ASN1_INTEGER_set(num, 7);
    X509_CRL_add1_ext_i2d(c, NID_crl_number, num, 0, 0);
    ASN1_INTEGER_free(num);
    cr_assert(X509_CRL_sign(c, key, EVP_sha256()) > 0);
    return c;
}

static char *pem_of(struct arena *a, X509 *const *certs, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    for (size_t i = 0; i < n; i++)
        PEM_write_bio_X509(b, certs[i]);
    char *p;
    long len = BIO_get_mem_data(b, &p);
    char *out = arena_strndup(a, p, (size_t)len);
    BIO_free(b);
    return out;
}

static uint8_t *der_of_crl(struct arena *a, X509_CRL *c, size_t *len)
{
    uint8_t *p = NULL;
    int n = i2d_X509_CRL(c, &p);
    uint8_t *out = arena_memdup(a, p, (size_t)n);
    OPENSSL_free(p);
    *len = (size_t)n;
    return out;
}

static void sign_raw(EVP_PKEY *k, const void *msg, size_t n, uint8_t out[64])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t dl = sizeof der;
    cr_assert(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k) == 1);
    cr_assert(EVP_DigestSign(m, der, &dl, msg, n) == 1);
    EVP_MD_CTX_free(m);
    const uint8_t *q = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &q, (long)dl);
    BN_bn2binpad(ECDSA_SIG_get0_r(s), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s), out + 32, 32);
    ECDSA_SIG_free(s);
}

/* ---- collateral documents ---- */

static char *iso(struct arena *a, long t)
{
    time_t tt = t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return arena_strdup(a, buf);
}

static char *components(struct arena *a, const uint8_t *svn)
{
    char *s = arena_strdup(a, "[");
    for (int i = 0; i < 16; i++)
        s = arena_sprintf(a, "%s%s{\"svn\":%u}", s, i ? "," : "", svn[i]);
    return arena_sprintf(a, "%s]", s);
}

static char *tcb_info_json(struct arena *a, const struct params *p, const char *fmspc_hex)
{
    uint8_t hi[16], lo[16], tdx_hi[16] = {5, 0, 2}, tdx_lo[16] = {1, 0, 1};
    for (int i = 0; i < 16; i++) {
        hi[i] = 5;
        lo[i] = 2;
    }
    const char *tdx_part = "";
    if (p->tdx)
        tdx_part = arena_sprintf(
            a,
            ",\"tdxModule\":{\"mrsigner\":\"%096d\",\"attributes\":\"%s\","
            "\"attributesMask\":\"%s\"},\"tdxModuleIdentities\":[{\"id\":\"TDX_01\","
            "\"mrsigner\":\"%096d\",\"attributes\":\"%s\",\"attributesMask\":"
            "\"%s\",\"tcbLevels\":[{\"tcb\":{\"isvsvn\":3},\"tcbDate\":"
            "\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":1},"
            "\"tcbDate\":\"2023-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"}]}]",
            0, p->module_attributes, p->module_mask, 0, p->module_attributes, p->module_mask,
            p->module_status);
    const char *tdx_hi_s = p->tdx ? arena_sprintf(a, ",\"tdxtcbcomponents\":%s", components(a, tdx_hi)) : "";
    const char *tdx_lo_s = p->tdx ? arena_sprintf(a, ",\"tdxtcbcomponents\":%s", components(a, tdx_lo)) : "";
    return arena_sprintf(
        a,
        "{\"id\":\"%s\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"%s\","
        "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17%s,\"tcbLevels\":["
        "{\"tcb\":{\"sgxtcbcomponents\":%s%s,\"pcesvn\":13},\"tcbDate\":\"2024-03-13T00:00:00Z\","
        "\"tcbStatus\":\"%s\",\"advisoryIDs\":[\"INTEL-SA-00001\"]},"
        "{\"tcb\":{\"sgxtcbcomponents\":%s%s,\"pcesvn\":5},\"tcbDate\":\"2020-01-01T00:00:00Z\","
        "\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"INTEL-SA-00002\",\"INTEL-SA-00003\"]}]}",
        p->tdx ? "TDX" : "SGX", iso(a, T0 - DAY), iso(a, T0 + p->next_update_days * DAY),
        fmspc_hex, tdx_part, components(a, hi), tdx_hi_s, p->level_status, components(a, lo),
        tdx_lo_s);
}

static const char *QE_MRSIGNER = "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";

static char *qe_identity_json(struct arena *a, const struct params *p)
{
    return arena_sprintf(
        a,
        "{\"id\":\"%s\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
        "\"tcbEvaluationDataNumber\":16,\"miscselect\":\"00000000\",\"miscselectMask\":"
        "\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":"
        "\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\",\"isvprodid\":%d,"
        "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-03-13T00:00:00Z\","
        "\"tcbStatus\":\"%s\"},{\"tcb\":{\"isvsvn\":1},\"tcbDate\":\"2021-01-01T00:00:00Z\","
        "\"tcbStatus\":\"OutOfDate\"}]}",
        p->tdx ? "TD_QE" : "QE", iso(a, T0 - 2 * DAY), iso(a, T0 + p->next_update_days * DAY),
        QE_MRSIGNER, p->tdx ? 2 : 1, p->qe_level_isvsvn, p->qe_status);
}

/* ---- quote ---- */

static void le16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint8_t *make_quote(struct arena *a, const struct params *p, EVP_PKEY *pck_key,
                           const char *chain_pem, size_t *out_len)
{
    EVP_PKEY *att = gen_key();
    uint8_t pt[65];
    size_t ptl = x509_ec_point(att, pt, sizeof pt);
    cr_assert_eq(ptl, 65);
    size_t body_len = p->tdx ? (p->td15 ? 648 : 584) : 384;
    size_t hdr_extra = p->td15 ? 6 : 0;
    size_t signed_len = 48 + hdr_extra + body_len;
    size_t pem_len = strlen(chain_pem), auth_len = 32;
    size_t tail = 384 + 64 + 2 + auth_len + 2 + 4 + pem_len;
    size_t sig_len = 64 + 64 + (p->tdx ? 6 : 0) + tail;
    size_t total = signed_len + 4 + sig_len;
    uint8_t *q = arena_zalloc(a, total);
    le16(q, p->td15 ? 5 : (p->tdx ? 4 : 3));
    le16(q + 2, 2);
    le32(q + 4, p->tdx ? 0x81 : 0);
    memcpy(q + 12, DCAP_QE_VENDOR_INTEL, 16);
    uint8_t *body = q + 48 + hdr_extra;
    if (p->td15) {
        le16(q + 48, 3);
        le32(q + 50, 648);
        memcpy(body + TD_TEE_TCB_SVN2, p->tee_tcb_svn2, 16);
    }
    if (p->tdx) {
        memcpy(body + TD_TEE_TCB_SVN, p->tee_tcb_svn, 16);
        memcpy(body + TD_SEAM_ATTRIBUTES, p->seam_attributes, 8);
    }
    memset(body + (p->tdx ? TD_REPORT_DATA : SGX_REPORT_DATA), 0x5a, 64);
    uint8_t *s = q + signed_len;
    le32(s, (uint32_t)sig_len);
    s += 4;
    uint8_t *quote_sig = s, *att_key = s + 64;
    memcpy(att_key, pt + 1, 64);
    s += 128;
    if (p->tdx) {
        le16(s, 6);
        le32(s + 2, (uint32_t)tail);
        s += 6;
    }
    uint8_t *qe = s, *qe_sig = s + 384, *auth = s + 384 + 64 + 2;
    le16(qe + SGX_ISV_SVN, p->qe_isvsvn);
    le16(qe + SGX_ISV_PROD_ID, p->qe_prodid_mismatch ? 9 : (p->tdx ? 2 : 1));
    qe[SGX_ATTRIBUTES] = p->qe_attr_mismatch ? 0x13 : 0x11;
    qe[SGX_MISC_SELECT] = p->qe_misc_mismatch ? 1 : 0;
    uint8_t mrs[32];
    size_t ml;
    uint8_t *mp;
    hex_decode(a, QE_MRSIGNER, 64, &mp, &ml);
    memcpy(mrs, mp, 32);
    if (p->qe_mrsigner_mismatch)
        mrs[0] ^= 1;
    memcpy(qe + SGX_MR_SIGNER, mrs, 32);
    le16(qe + 384 + 64, (uint16_t)auth_len);
    for (size_t i = 0; i < auth_len; i++)
        auth[i] = (uint8_t)i;
    uint8_t buf[96];
    memcpy(buf, att_key, 64);
    memcpy(buf + 64, auth, auth_len);
    SHA256(buf, 64 + auth_len, qe + SGX_REPORT_DATA);
    if (p->bad_qe_report_data)
        qe[SGX_REPORT_DATA + 40] = 1;
    uint8_t *ct = auth + auth_len;
    le16(ct, 5);
    le32(ct + 2, (uint32_t)pem_len);
    memcpy(ct + 6, chain_pem, pem_len);
    sign_raw(pck_key, qe, 384, qe_sig);
    if (p->bad_qe_sig)
        qe_sig[5] ^= 1;
    sign_raw(att, q, signed_len, quote_sig);
    if (p->bad_quote_sig)
        quote_sig[7] ^= 1;
    EVP_PKEY_free(att);
    *out_len = total;
    return q;
}

/* ---- the whole thing ---- */

struct outcome {
    int rc;
    struct as_error err;
    struct dcap_result res;
};

static void build_and_verify(const struct params *p, time_t now, struct outcome *o)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    EVP_PKEY *root_key = gen_key(), *ca_key = gen_key(), *pck_key = gen_key(),
             *tcb_key = gen_key(), *other_key = gen_key();
    uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xa1, 0x00, 0x00};
    struct der ext = {0};
    sgx_extension(p, fmspc, &ext);
    X509 *root = make_cert("Test SGX Root CA", NULL, root_key, root_key, true, 1, NULL);
    X509 *other_root = make_cert("Test SGX Root CA", NULL, other_key, other_key, true, 1, NULL);
    X509 *ca = make_cert("Intel SGX PCK Platform CA", root, root_key, ca_key, true, 2, NULL);
    X509 *leaf = make_cert("Intel SGX PCK Certificate", ca, ca_key, pck_key, false, 3, &ext);
    X509 *tcb = make_cert("Intel SGX TCB Signing", root, root_key, tcb_key, false, 4, NULL);
    X509_CRL *root_crl = make_crl(root, root_key, p->revoke_ca ? 2 : 0, p->next_update_days);
    X509_CRL *pck_crl = make_crl(ca, p->bad_pck_crl_sig ? other_key : ca_key,
                                 p->revoke_pck ? 3 : 0, p->next_update_days);
    X509 *qchain[3] = {leaf, ca, p->wrong_root_in_quote ? other_root : root};
    X509 *crlchain[2] = {ca, root}, *tcbchain[2] = {tcb, root};
    char *pck_pem = pem_of(&a, qchain, 3);
    size_t qlen;
    uint8_t *quote = make_quote(&a, p, pck_key, pck_pem, &qlen);
    struct dcap_collateral_raw raw = {0};
    uint8_t fmspc_hex_b[13];
    hex_encode(p->fmspc_mismatch ? (const uint8_t *)"\x11\x22\x33\x44\x55\x66" : fmspc, 6,
               (char *)fmspc_hex_b);
    char *tcb_json = tcb_info_json(&a, p, (char *)fmspc_hex_b);
    char *qe_json = qe_identity_json(&a, p);
    uint8_t *tsig = arena_alloc(&a, 64), *qsig = arena_alloc(&a, 64);
    sign_raw(tcb_key, tcb_json, strlen(tcb_json), tsig);
    sign_raw(tcb_key, qe_json, strlen(qe_json), qsig);
    if (p->bad_tcb_sig)
        tsig[3] ^= 1;
    if (p->bad_qe_id_sig)
        qsig[3] ^= 1;
    raw.pck_crl_issuer_chain = pem_of(&a, crlchain, 2);
    raw.pck_crl_issuer_chain_len = strlen(raw.pck_crl_issuer_chain);
    raw.tcb_info_issuer_chain = raw.qe_identity_issuer_chain = pem_of(&a, tcbchain, 2);
    raw.tcb_info_issuer_chain_len = raw.qe_identity_issuer_chain_len =
        strlen(raw.tcb_info_issuer_chain);
    raw.root_ca_crl = der_of_crl(&a, root_crl, &raw.root_ca_crl_len);
    raw.pck_crl = der_of_crl(&a, pck_crl, &raw.pck_crl_len);
    raw.tcb_info = tcb_json;
    raw.tcb_info_len = strlen(tcb_json);
    raw.tcb_info_sig = tsig;
    raw.tcb_info_sig_len = 64;
    raw.qe_identity = qe_json;
    raw.qe_identity_len = strlen(qe_json);
    raw.qe_identity_sig = qsig;
    raw.qe_identity_sig_len = 64;

    struct dcap_quote q;
    struct dcap_pck pck = {0};
    struct dcap_collateral *c = NULL;
    memset(o, 0, sizeof *o);
    o->rc = dcap_quote_parse(quote, qlen, &q, &o->err);
    if (o->rc == 0)
        o->rc = dcap_pck_from_quote(&q, &pck, &o->err);
    if (o->rc == 0)
        o->rc = dcap_collateral_load(&raw, p->anchor_other_root ? other_root : root, &c, &o->err);
    if (o->rc == 0)
        o->rc = dcap_verify(&q, &pck, c, now, &o->res, &o->err);
    dcap_collateral_release(c);
    dcap_pck_free(&pck);
    X509_free(root);
    X509_free(other_root);
    X509_free(ca);
    X509_free(leaf);
    X509_free(tcb);
    X509_CRL_free(root_crl);
    X509_CRL_free(pck_crl);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(pck_key);
    EVP_PKEY_free(tcb_key);
    EVP_PKEY_free(other_key);
    arena_free(&a);
}

static void expect_status(const struct params *p, const char *status)
{
    struct outcome o;
    build_and_verify(p, T0, &o);
    cr_assert_eq(o.rc, 0, "rejected: %s", o.err.detail);
    cr_assert_str_eq(dcap_tcb_status_name(o.res.status), status);
}

static void expect_reject(const struct params *p, const char *needle)
{
    struct outcome o;
    build_and_verify(p, T0, &o);
    cr_assert_eq(o.rc, -1, "accepted, expected '%s'", needle);
    cr_assert_eq(o.err.status, 403, "%d %s", o.err.status, o.err.detail);
    cr_assert(strstr(o.err.detail, needle), "'%s' not in '%s'", needle, o.err.detail);
}

Test(dcap_pki, sgx_up_to_date_with_supplemental)
{
    struct params p;
    defaults(&p, false);
    struct outcome o;
    build_and_verify(&p, T0, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    cr_assert_eq(o.res.status, TCB_UP_TO_DATE);
    cr_assert_eq(o.res.collateral_expired, 0);
    cr_assert_eq(o.res.advisories.len, 1);
    cr_assert_str_eq(o.res.advisories.ids[0], "INTEL-SA-00001");
    cr_assert_eq(o.res.pck_crl_num, 7);
    cr_assert_eq(o.res.tcb_eval_num, 16);
    cr_assert_eq(o.res.earliest_expiration, T0 + 30 * DAY);
    cr_assert_eq(o.res.earliest_issue, T0 - 100 * DAY);
    cr_assert_eq(o.res.latest_issue, T0 - DAY);
}

Test(dcap_pki, tdx_up_to_date) { struct params p; defaults(&p, true); expect_status(&p, "UpToDate"); }

Test(dcap_pki, lower_level_matches_with_its_advisories)
{
    struct params p;
    defaults(&p, false);
    p.pck_svn[3] = 4; /* below the first level, above the second */
    struct outcome o;
    build_and_verify(&p, T0, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    cr_assert_eq(o.res.status, TCB_OUT_OF_DATE);
    cr_assert_eq(o.res.advisories.len, 2);
}

Test(dcap_pki, statuses_pass_through)
{
    const char *st[] = {"SWHardeningNeeded", "ConfigurationNeeded",
                        "ConfigurationAndSWHardeningNeeded", "OutOfDateConfigurationNeeded"};
    for (size_t i = 0; i < 4; i++) {
        struct params p;
        defaults(&p, false);
        p.level_status = st[i];
        expect_status(&p, st[i]);
    }
}

Test(dcap_pki, qe_out_of_date_converges)
{
    struct params p;
    defaults(&p, false);
    p.qe_isvsvn = 5; /* below the QE identity's first level */
    expect_status(&p, "OutOfDate");
    p.level_status = "ConfigurationNeeded";
    expect_status(&p, "OutOfDateConfigurationNeeded");
}

Test(dcap_pki, expired_collateral_is_flagged_not_rejected)
{
    struct params p;
    defaults(&p, false);
    struct outcome o;
    build_and_verify(&p, T0 + 31 * DAY, &o);
    cr_assert_eq(o.rc, 0, "%s", o.err.detail);
    cr_assert_eq(o.res.collateral_expired, 1);
    cr_assert_eq(o.res.status, TCB_UP_TO_DATE);
}

Test(dcap_pki, collateral_from_the_future_is_rejected)
{
    struct params p;
    defaults(&p, false);
    struct outcome o;
    build_and_verify(&p, T0 - 3 * DAY, &o);
    cr_assert_eq(o.rc, -1);
    cr_assert(strstr(o.err.detail, "not yet valid"), "%s", o.err.detail);
}

Test(dcap_pki, no_matching_tcb_level)
{
    struct params p;
    defaults(&p, false);
    p.pck_svn[0] = 1;
    expect_reject(&p, "STATUS_TCB_NOT_SUPPORTED");
    defaults(&p, false);
    p.pck_pcesvn = 4;
    expect_reject(&p, "STATUS_TCB_NOT_SUPPORTED");
}

Test(dcap_pki, revoked_tcb_rejects)
{
    struct params p;
    defaults(&p, false);
    p.level_status = "Revoked";
    expect_reject(&p, "STATUS_TCB_REVOKED");
    defaults(&p, false);
    p.qe_status = "Revoked";
    expect_reject(&p, "STATUS_TCB_REVOKED");
}

Test(dcap_pki, revoked_pck_and_ca)
{
    struct params p;
    defaults(&p, false);
    p.revoke_pck = true;
    expect_reject(&p, "STATUS_PCK_REVOKED");
    defaults(&p, false);
    p.revoke_ca = true;
    expect_reject(&p, "revoked");
}

Test(dcap_pki, wrong_root)
{
    struct params p;
    defaults(&p, false);
    p.wrong_root_in_quote = true;
    expect_reject(&p, "not the trusted root");
    /* the same collateral against another trust anchor: its chains fail */
    defaults(&p, false);
    p.anchor_other_root = true;
    expect_reject(&p, "signature does not verify");
}

Test(dcap_pki, every_bad_signature)
{
    struct params p;
    defaults(&p, false);
    p.bad_quote_sig = true;
    expect_reject(&p, "STATUS_INVALID_QUOTE_SIGNATURE");
    defaults(&p, true);
    p.bad_quote_sig = true;
    expect_reject(&p, "STATUS_INVALID_QUOTE_SIGNATURE");
    defaults(&p, false);
    p.bad_qe_sig = true;
    expect_reject(&p, "STATUS_INVALID_QE_REPORT_SIGNATURE");
    defaults(&p, false);
    p.bad_tcb_sig = true;
    expect_reject(&p, "TCB info signature");
    defaults(&p, false);
    p.bad_qe_id_sig = true;
    expect_reject(&p, "QE identity signature");
    defaults(&p, false);
    p.bad_pck_crl_sig = true;
    expect_reject(&p, "CRL");
}

Test(dcap_pki, bad_qe_report_data)
{
    struct params p;
    defaults(&p, false);
    p.bad_qe_report_data = true;
    expect_reject(&p, "STATUS_INVALID_QE_REPORT_DATA");
}

Test(dcap_pki, qe_identity_mismatches)
{
    struct params p;
    defaults(&p, false);
    p.qe_mrsigner_mismatch = true;
    expect_reject(&p, "MRSIGNER");
    defaults(&p, false);
    p.qe_prodid_mismatch = true;
    expect_reject(&p, "ISVPRODID");
    defaults(&p, false);
    p.qe_misc_mismatch = true;
    expect_reject(&p, "MISCSELECT");
    defaults(&p, false);
    p.qe_attr_mismatch = true;
    expect_reject(&p, "attributes");
}

Test(dcap_pki, fmspc_mismatch)
{
    struct params p;
    defaults(&p, false);
    p.fmspc_mismatch = true;
    expect_reject(&p, "STATUS_TCB_INFO_MISMATCH");
}

Test(dcap_pki, tdx_module_identity)
{
    struct params p;
    defaults(&p, true);
    memcpy(p.tee_tcb_svn, "\x03\x01\x02", 3); /* module TDX_01, isvsvn 3 */
    expect_status(&p, "UpToDate");
    memcpy(p.tee_tcb_svn, "\x01\x01\x02", 3); /* isvsvn 1 -> second module level */
    p.module_status = "OutOfDate";
    expect_status(&p, "OutOfDate");
    p.level_status = "ConfigurationNeeded";
    expect_status(&p, "OutOfDateConfigurationNeeded");
    defaults(&p, true);
    memcpy(p.tee_tcb_svn, "\x00\x01\x02", 3); /* below every module level */
    expect_reject(&p, "STATUS_TCB_NOT_SUPPORTED");
    defaults(&p, true);
    memcpy(p.tee_tcb_svn, "\x03\x02\x02", 3); /* TDX_02 unknown */
    expect_reject(&p, "STATUS_TDX_MODULE_MISMATCH");
    defaults(&p, true);
    p.tee_tcb_svn[2] = 0; /* below every TDX component level */
    expect_reject(&p, "STATUS_TCB_NOT_SUPPORTED");
}

/* Intel QVL compares SEAMATTRIBUTES with the module identity's attributes
 * under its attributesMask: bits outside the mask do not matter. */
Test(dcap_pki, tdx_module_attributes_mask)
{
    struct params p;
    defaults(&p, true);
    p.seam_attributes[0] = 0x80; /* a bit the mask covers: mismatch */
    expect_reject(&p, "STATUS_TDX_MODULE_MISMATCH");
    defaults(&p, true);
    p.seam_attributes[0] = 0x80;
    p.module_mask = "7FFFFFFFFFFFFFFF"; /* the bit is outside the mask */
    expect_status(&p, "UpToDate");
    defaults(&p, true);
    p.seam_attributes[0] = 0x01;
    p.module_attributes = "0100000000000000"; /* required and present */
    expect_status(&p, "UpToDate");
    defaults(&p, true);
    p.module_attributes = "0100000000000000"; /* required, absent */
    expect_reject(&p, "STATUS_TDX_MODULE_MISMATCH");
}

Test(dcap_pki, td15_relaunch_advised)
{
    struct params p;
    defaults(&p, true);
    p.td15 = true;
    memcpy(p.tee_tcb_svn, "\x01\x01\x02", 3);  /* launched on an old module */
    memcpy(p.tee_tcb_svn2, "\x03\x01\x02", 3); /* running on the current one */
    p.module_status = "OutOfDate";
    expect_status(&p, "TDRelaunchAdvised");
    p.level_status = "ConfigurationNeeded";
    expect_status(&p, "TDRelaunchAdvisedConfigurationNeeded");
    defaults(&p, true);
    p.td15 = true;
    memcpy(p.tee_tcb_svn, "\x01\x01\x02", 3);
    memcpy(p.tee_tcb_svn2, "\x01\x01\x02", 3); /* not updated: no relaunch helps */
    p.module_status = "OutOfDate";
    expect_status(&p, "OutOfDate");
}
