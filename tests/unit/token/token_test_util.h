/* token_test_util.h - helpers shared by the token unit tests: key and
 * certificate files generated with OpenSSL at test time in a temp dir, an
 * independent base64url codec (OpenSSL's EVP_EncodeBlock, not ours), JWS
 * splitting and OpenSSL-side verification from a JWK.
 *
 * Header-only (static functions): each test file is its own binary. */
#ifndef TOKEN_TEST_UTIL_H
#define TOKEN_TEST_UTIL_H

/* Each test file uses a subset of these helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "token/token.h"
#include "value/value.h"

/* ---- temp dir ---- */

static char tdir[256];

static void tdir_make(void)
{
    snprintf(tdir, sizeof tdir, "/tmp/token_test_XXXXXX");
    cr_assert_not_null(mkdtemp(tdir));
}

static void tdir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
    cr_assert_eq(system(cmd), 0);
}

static const char *tpath(const char *name)
{
    static char paths[16][320];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 320, "%s/%s", tdir, name);
    return p;
}

/* ---- key / cert generation ---- */

static EVP_PKEY *gen_rsa(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    cr_assert_not_null(k);
    return k;
}

static EVP_PKEY *gen_ec(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    cr_assert_not_null(k);
    return k;
}

enum key_format {
    PEM_PKCS8,
    PEM_TRADITIONAL,
    PEM_PKCS8_ENCRYPTED,
    PEM_TRADITIONAL_ENCRYPTED,
    PEM_PUBLIC_ONLY
};

static const char *write_key(const char *name, EVP_PKEY *k, enum key_format f)
{
    const char *path = tpath(name);
    BIO *bio = BIO_new_file(path, "w");
    cr_assert_not_null(bio);
    int ok = 0;
    static unsigned char pass[] = "secret";
    switch (f) {
    case PEM_PKCS8:
        ok = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
        break;
    case PEM_TRADITIONAL:
        ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL, NULL);
        break;
    case PEM_PKCS8_ENCRYPTED:
        ok = PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_128_cbc(), (char *)pass, 6, NULL, NULL);
        break;
    case PEM_TRADITIONAL_ENCRYPTED:
        ok = PEM_write_bio_PrivateKey_traditional(bio, k, EVP_aes_128_cbc(), pass, 6, NULL, NULL);
        break;
    case PEM_PUBLIC_ONLY:
        ok = PEM_write_bio_PUBKEY(bio, k);
        break;
    }
    BIO_free(bio);
    cr_assert_eq(ok, 1, "writing %s", name);
    return path;
}

/* Certificate for subject_key signed by issuer_key (self-signed if equal). */
static X509 *make_cert(EVP_PKEY *subject_key, EVP_PKEY *issuer_key, const char *cn, long serial)
{
    X509 *x = X509_new();
    cr_assert_not_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, subject_key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    cr_assert_gt(X509_sign(x, issuer_key, EVP_sha256()), 0);
    return x;
}

static void append_cert(const char *path, X509 *x)
{
    BIO *bio = BIO_new_file(path, "a");
    cr_assert_not_null(bio);
    cr_assert_eq(PEM_write_bio_X509(bio, x), 1);
    BIO_free(bio);
}

static void append_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- independent base64url (OpenSSL's encoder + alphabet swap) ---- */

static char *b64url_ossl(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

static char *b64std_ossl(const unsigned char *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

static unsigned char *b64url_decode_ossl(const char *s, size_t n, size_t *out_len)
{
    char *tmp = malloc(n + 4);
    memcpy(tmp, s, n);
    for (size_t i = 0; i < n; i++)
        tmp[i] = tmp[i] == '-' ? '+' : tmp[i] == '_' ? '/' : tmp[i];
    size_t padded = n;
    while (padded % 4)
        tmp[padded++] = '=';
    unsigned char *out = malloc(padded / 4 * 3 + 1);
    int len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)padded);
    cr_assert_geq(len, 0, "bad base64url in token");
    len -= (int)(padded - n);
    free(tmp);
    *out_len = (size_t)len;
    return out;
}

/* ---- JWS ---- */

struct jws_parts {
    char *header, *payload; /* decoded, NUL-terminated */
    unsigned char *sig;
    size_t sig_len;
    char *signing_input; /* "<b64 header>.<b64 payload>" */
};

static void jws_split(const char *jws, struct jws_parts *out)
{
    const char *d1 = strchr(jws, '.');
    cr_assert_not_null(d1);
    const char *d2 = strchr(d1 + 1, '.');
    cr_assert_not_null(d2);
    cr_assert_null(strchr(d2 + 1, '.'));
    for (const char *p = jws; *p; p++)
        cr_assert(p == d1 || p == d2 || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_',
                  "character %c is not base64url", *p);
    size_t n;
    unsigned char *h = b64url_decode_ossl(jws, (size_t)(d1 - jws), &n);
    out->header = realloc(h, n + 1);
    out->header[n] = '\0';
    unsigned char *p = b64url_decode_ossl(d1 + 1, (size_t)(d2 - d1 - 1), &n);
    out->payload = realloc(p, n + 1);
    out->payload[n] = '\0';
    out->sig = b64url_decode_ossl(d2 + 1, strlen(d2 + 1), &out->sig_len);
    out->signing_input = strndup(jws, (size_t)(d2 - jws));
}

static void jws_parts_free(struct jws_parts *p)
{
    free(p->header);
    free(p->payload);
    free(p->sig);
    free(p->signing_input);
}

/* Big-endian bytes of a b64url JWK member. */
static BIGNUM *jwk_bn(const struct value *jwk, const char *member, size_t *nbytes)
{
    const struct value *v = value_object_get_str(jwk, member);
    cr_assert(v_is(v, V_STRING), "jwk.%s missing", member);
    size_t n;
    unsigned char *bytes = b64url_decode_ossl(v->u.str.s, v->u.str.len, &n);
    if (nbytes)
        *nbytes = n;
    BIGNUM *bn = BN_bin2bn(bytes, (int)n, NULL);
    free(bytes);
    return bn;
}

/* Public EVP_PKEY rebuilt from a JWK (RSA n/e or EC crv/x/y). */
static EVP_PKEY *pkey_from_jwk(const struct value *jwk)
{
    const struct value *kty = value_object_get_str(jwk, "kty");
    cr_assert(v_is(kty, V_STRING));
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *n = NULL, *e = NULL;
    unsigned char point[1 + 2 * 66];
    const char *type;
    if (strcmp(kty->u.str.s, "RSA") == 0) {
        type = "RSA";
        n = jwk_bn(jwk, "n", NULL);
        e = jwk_bn(jwk, "e", NULL);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
    } else {
        type = "EC";
        const struct value *crv = value_object_get_str(jwk, "crv");
        int field = strcmp(crv->u.str.s, "P-384") == 0 ? 48 : 32;
        size_t xl, yl;
        const struct value *x = value_object_get_str(jwk, "x"), *y = value_object_get_str(jwk, "y");
        unsigned char *xb = b64url_decode_ossl(x->u.str.s, x->u.str.len, &xl);
        unsigned char *yb = b64url_decode_ossl(y->u.str.s, y->u.str.len, &yl);
        cr_assert_eq(xl, (size_t)field, "EC x must be exactly %d bytes", field);
        cr_assert_eq(yl, (size_t)field, "EC y must be exactly %d bytes", field);
        point[0] = 4;
        memcpy(point + 1, xb, xl);
        memcpy(point + 1 + field, yb, yl);
        free(xb);
        free(yb);
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        field == 48 ? "P-384" : "P-256", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                         (size_t)(1 + 2 * field));
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pk = NULL;
    cr_assert_eq(EVP_PKEY_fromdata_init(ctx), 1);
    cr_assert_eq(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pk;
}

/* Verifies a JWS signature (alg from the header) with OpenSSL. */
static bool verify_sig(EVP_PKEY *pub, const char *alg, const struct jws_parts *p)
{
    const EVP_MD *md = strcmp(alg, "ES256") == 0 ? EVP_sha256() : EVP_sha384();
    unsigned char *sig = p->sig;
    size_t sig_len = p->sig_len;
    unsigned char *der = NULL;
    if (alg[0] == 'E') {
        size_t half = p->sig_len / 2;
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(p->sig, (int)half, NULL),
                       BN_bin2bn(p->sig + half, (int)half, NULL));
        int n = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        sig = der;
        sig_len = (size_t)n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)p->signing_input,
                              strlen(p->signing_input)) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* ---- config ---- */

static void cfg_simple(struct as_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->token_broker = TOKEN_SIMPLE;
    cfg->token_duration_min = 5;
    cfg->token_issuer = "CoCo-Attestation-Service";
}

static struct value *parse_json(struct arena *a, const char *text)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(a, text, strlen(text), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

#endif
