/* test_snp_chain_util.h - a test ARK / ASK / VCEK chain made at test time
 * (RSA-PSS SHA-384 salt 48 like AMD's, the VCEK carrying the AMD
 * extensions) and reports signed by the test VCEK, so every failure of the
 * SNP checks can be produced on purpose. */
#ifndef TEST_SNP_CHAIN_UTIL_H
#define TEST_SNP_CHAIN_UTIL_H

#include <string.h>

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "verifier/snp/snp_report.h"
#include "verifier/snp/snp_roots.h"

enum sign_mode { SIGN_PSS48, SIGN_PSS32, SIGN_PKCS1 };

struct vek_spec {
    const char *subject_cn; /* "SEV-VCEK" / "SEV-VLEK" */
    int spl[5];             /* bl, tee, snp, ucode, fmc; -1 = omit */
    uint8_t hwid[64];
    size_t hwid_len;        /* 0 = no hwID extension */
    bool hwid_wrapped;
    enum sign_mode mode;
};

static EVP_PKEY *test_rsa_key(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    cr_assert(k != NULL);
    return k;
}

static EVP_PKEY *test_ec_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("secp384r1");
    cr_assert(k != NULL);
    return k;
}

static X509_NAME *test_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Test AMD", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return n;
}

static void test_sign(X509 *x, EVP_PKEY *signer, enum sign_mode mode)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    cr_assert(EVP_DigestSignInit(m, &pc, EVP_sha384(), NULL, signer) == 1);
    if (mode != SIGN_PKCS1) {
        EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, mode == SIGN_PSS48 ? 48 : 32);
        EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384());
    }
    cr_assert(X509_sign_ctx(x, m) > 0);
    EVP_MD_CTX_free(m);
}

static void test_add_raw_ext(X509 *x, const char *oid, const uint8_t *der, size_t n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, der, (int)n);
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    cr_assert(e != NULL);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

static void test_add_int_ext(X509 *x, const char *oid, int v)
{
    uint8_t der[4] = {0x02, 1, (uint8_t)v};
    size_t n = 3;
    if (v >= 0x80) {
        der[1] = 2, der[2] = 0, der[3] = (uint8_t)v;
        n = 4;
    }
    test_add_raw_ext(x, oid, der, n);
}

static X509 *test_cert(const char *subject, const char *issuer, EVP_PKEY *pub, EVP_PKEY *signer,
                       enum sign_mode mode, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 0);
    X509_NAME *s = test_name(subject), *i = test_name(issuer);
    X509_set_subject_name(x, s);
    X509_set_issuer_name(x, i);
    X509_NAME_free(s);
    X509_NAME_free(i);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_set_pubkey(x, pub);
    if (ca) {
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    (void)signer, (void)mode; /* signed by the caller after extensions */
    return x;
}

static const char *const test_spl_oids[5] = {
    "1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2", "1.3.6.1.4.1.3704.1.3.3",
    "1.3.6.1.4.1.3704.1.3.8", "1.3.6.1.4.1.3704.1.3.9"};

static X509 *test_vek(const struct vek_spec *s, const char *issuer, EVP_PKEY *pub,
                      EVP_PKEY *signer)
{
    X509 *x = test_cert(s->subject_cn, issuer, pub, signer, s->mode, false);
    const uint8_t product[] = {0x16, 5, 'T', 'e', 's', 't', '1'};
    test_add_raw_ext(x, "1.3.6.1.4.1.3704.1.2", product, sizeof product);
    for (int i = 0; i < 5; i++)
        if (s->spl[i] >= 0)
            test_add_int_ext(x, test_spl_oids[i], s->spl[i]);
    if (s->hwid_len && !s->hwid_wrapped)
        test_add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", s->hwid, s->hwid_len);
    if (s->hwid_len && s->hwid_wrapped) {
        uint8_t w[66] = {0x04, (uint8_t)s->hwid_len};
        memcpy(w + 2, s->hwid, s->hwid_len);
        test_add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", w, s->hwid_len + 2);
    }
    test_sign(x, signer, s->mode);
    return x;
}

struct test_chain {
    EVP_PKEY *ark_key, *ask_key, *vek_key;
    X509 *ark, *ask, *vek;
    struct snp_trust trust;
};

/* ARK-<P> (self-signed) -> SEV-<P> -> VEK per spec. */
static void test_chain_make(struct test_chain *c, enum snp_product p, const struct vek_spec *s)
{
    char ark_cn[32], ask_cn[32];
    snprintf(ark_cn, sizeof ark_cn, "ARK-%s", snp_product_name(p));
    snprintf(ask_cn, sizeof ask_cn, "SEV-%s%s",
             strcmp(s->subject_cn, "SEV-VLEK") == 0 ? "VLEK-" : "", snp_product_name(p));
    c->ark_key = test_rsa_key();
    c->ask_key = test_rsa_key();
    c->vek_key = test_ec_key();
    c->ark = test_cert(ark_cn, ark_cn, c->ark_key, c->ark_key, SIGN_PSS48, true);
    test_sign(c->ark, c->ark_key, SIGN_PSS48);
    c->ask = test_cert(ask_cn, ark_cn, c->ask_key, c->ark_key, SIGN_PSS48, true);
    test_sign(c->ask, c->ark_key, SIGN_PSS48);
    c->vek = test_vek(s, ask_cn, c->vek_key, c->ask_key);
    memset(&c->trust, 0, sizeof c->trust);
    c->trust.product = p;
    c->trust.ark = c->ark;
    c->trust.ask = c->ask;
    c->trust.asvk = c->ask;
}

static void test_chain_free(struct test_chain *c)
{
    X509_free(c->ark);
    X509_free(c->ask);
    X509_free(c->vek);
    EVP_PKEY_free(c->ark_key);
    EVP_PKEY_free(c->ask_key);
    EVP_PKEY_free(c->vek_key);
}

static size_t test_der(X509 *x, uint8_t *out, size_t cap)
{
    int n = i2d_X509(x, NULL);
    cr_assert(n > 0 && (size_t)n <= cap);
    uint8_t *p = out;
    i2d_X509(x, &p);
    return (size_t)n;
}

/* Signs r (fields) with key: encodes, ECDSA-P384-SHA384 over 0..0x29F, r/s
 * little-endian, then writes the final bytes to out. */
static void test_report_sign(struct snp_report *r, EVP_PKEY *key, uint8_t out[SNP_REPORT_LEN])
{
    uint8_t der[128];
    size_t dlen = sizeof der;
    memset(r->sig_r, 0, sizeof r->sig_r);
    memset(r->sig_s, 0, sizeof r->sig_s);
    snp_report_encode(r, out);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    cr_assert(EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, key) == 1);
    cr_assert(EVP_DigestSign(m, der, &dlen, out, SNP_SIGNED_LEN) == 1);
    EVP_MD_CTX_free(m);
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    cr_assert(sig != NULL);
    BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), r->sig_r, 72);
    BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), r->sig_s, 72);
    ECDSA_SIG_free(sig);
    snp_report_encode(r, out);
}

/* A plausible report for product p at version v with the given TCB. */
static void test_report_fields(struct snp_report *r, enum snp_product p, uint32_t version,
                               const struct snp_tcb *tcb)
{
    memset(r, 0, sizeof *r);
    r->version = version;
    r->policy = 0x30000;
    r->sig_algo = 1;
    r->platform_info = 0x1;
    for (int i = 0; i < 64; i++)
        r->report_data[i] = (uint8_t)i, r->chip_id[i] = (uint8_t)(0xA0 + i);
    for (int i = 0; i < 48; i++)
        r->measurement[i] = (uint8_t)(0x10 + i);
    if (p == SNP_TURIN)
        memset(r->chip_id + 8, 0, 56);
    cr_assert(snp_tcb_encode(tcb, p, r->reported_tcb, NULL) == 0);
    memcpy(r->current_tcb, r->reported_tcb, 8);
    memcpy(r->committed_tcb, r->reported_tcb, 8);
    memcpy(r->launch_tcb, r->reported_tcb, 8);
    r->has_cpuid = version >= 3;
    if (r->has_cpuid) {
        r->cpuid_fam_id = p == SNP_TURIN ? 0x1A : 0x19;
        r->cpuid_mod_id = p == SNP_MILAN ? 0x01 : p == SNP_GENOA ? 0x11 : 0x02;
        r->cpuid_step = 1;
    }
    r->has_mit_vectors = version >= 5;
    r->current_major = 1, r->current_minor = 55, r->current_build = 7;
}

#endif
