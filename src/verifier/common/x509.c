/* x509.c - X.509 certificate, CRL and chain helpers on OpenSSL (see
 * x509.h).  The chain check is written out by hand instead of through
 * X509_STORE so that the rules are the vendors' (pin the root by key,
 * CRLs matched by issuer, validity optional) and every failure says which
 * certificate and why. */
#include "verifier/common/x509.h"

#include "base/arena.h"
#include "base/codec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define X509_MAX_CHAIN 16
#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_CERT_END "-----END CERTIFICATE-----"

void x509_chain_free(struct x509_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->len; i++)
        X509_free(c->certs[i]);
    free(c->certs);
    c->certs = NULL;
    c->len = 0;
}

static bool looks_pem(const uint8_t *p, size_t n)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof tag - 1 <= n && i < 64; i++)
        if (memcmp(p + i, tag, sizeof tag - 1) == 0)
            return true;
    return false;
}

/* Strict hex (optionally followed by whitespace/NUL) of at least 2 chars. */
static uint8_t *hex_to_der(const uint8_t *p, size_t n, size_t *out_len)
{
    while (n > 0 && (p[n - 1] == 0 || isspace(p[n - 1])))
        n--;
    if (n < 2 || n % 2 != 0)
        return NULL;
    uint8_t *out = malloc(n / 2);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 2) {
        int hi = isxdigit(p[i]) ? (isdigit(p[i]) ? p[i] - '0' : (tolower(p[i]) - 'a' + 10)) : -1;
        int lo = isxdigit(p[i + 1]) ? (isdigit(p[i + 1]) ? p[i + 1] - '0'
                                                         : (tolower(p[i + 1]) - 'a' + 10))
                                    : -1;
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = n / 2;
    return out;
}

static bool is_hex_text(const uint8_t *p, size_t n)
{
    return n >= 2 && isxdigit(p[0]) && isxdigit(p[1]);
}

/* DER inside the first "-----BEGIN <label>-----" block, decoded with the
 * project's base64 (whitespace dropped).  OpenSSL's PEM reader goes
 * through its decoder framework and costs ~10x more per certificate.
 * NULL if there is no such block or it does not decode. */
static uint8_t *pem_body(const uint8_t *p, size_t n, const char *label, size_t *der_len)
{
    char begin[64], end[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(end, sizeof end, "-----END %s-----", label);
    const char *b = memmem(p, n, begin, strlen(begin));
    if (!b)
        return NULL;
    b += strlen(begin);
    const char *e = memmem(b, n - (size_t)((const uint8_t *)b - p), end, strlen(end));
    if (!e)
        return NULL;
    size_t tl = (size_t)(e - b), o = 0;
    char *text = malloc(tl + 1);
    if (!text)
        return NULL;
    for (size_t i = 0; i < tl; i++)
        if (b[i] != '\n' && b[i] != '\r' && b[i] != ' ' && b[i] != '\t')
            text[o++] = b[i];
    struct arena a;
    arena_init(&a, o);
    uint8_t *der = NULL, *out = NULL;
    const char *why;
    if (b64_decode(&a, text, o, B64_STD_PAD, &der, der_len, &why) == 0 && (out = malloc(*der_len + 1)))
        memcpy(out, der, *der_len);
    arena_free(&a);
    free(text);
    return out;
}

static X509 *der_cert(const uint8_t *p, size_t n)
{
    const uint8_t *q = p;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    if (x && q != p + n) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

X509 *x509_cert_parse(const uint8_t *p, size_t n, struct as_error *err)
{
    X509 *x = NULL;
    if (n == 0 || n > (1u << 20)) {
        as_err(err, 400, ERR_INVALID_EVIDENCE, "certificate: bad length %zu", n);
        return NULL;
    }
    if (looks_pem(p, n)) {
        size_t dl = 0;
        uint8_t *der = pem_body(p, n, "CERTIFICATE", &dl);
        if (der)
            x = der_cert(der, dl);
        free(der);
    } else if (is_hex_text(p, n)) {
        size_t dl = 0;
        uint8_t *der = hex_to_der(p, n, &dl);
        if (der)
            x = der_cert(der, dl);
        free(der);
    } else {
        x = der_cert(p, n);
    }
    ERR_clear_error();
    if (!x)
        as_err(err, 400, ERR_INVALID_EVIDENCE, "certificate: cannot decode (PEM, DER or hex)");
    return x;
}

static const char *find_str(const char *h, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= hl; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, nl) == 0)
            return h + i;
    return NULL;
}

static int chain_push(struct x509_chain *c, X509 *x)
{
    X509 **n = realloc(c->certs, (c->len + 1) * sizeof *n);
    if (!n)
        return -1;
    c->certs = n;
    c->certs[c->len++] = x;
    return 0;
}

int x509_chain_parse_pem(const char *pem, size_t len, struct x509_chain *out,
                         struct as_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = pem, *end = pem + len;
    for (;;) {
        const char *b = find_str(p, (size_t)(end - p), PEM_CERT_BEGIN);
        if (!b)
            break;
        const char *e = find_str(b, (size_t)(end - b), PEM_CERT_END);
        if (!e) {
            x509_chain_free(out);
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "certificate chain: unterminated PEM block");
        }
        e += strlen(PEM_CERT_END);
        if (out->len == X509_MAX_CHAIN) {
            x509_chain_free(out);
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "certificate chain: more than %d certificates", X509_MAX_CHAIN);
        }
        X509 *x = x509_cert_parse((const uint8_t *)b, (size_t)(e - b), err);
        if (!x) {
            x509_chain_free(out);
            return as_err_prefix(err, "certificate chain: certificate %zu", out->len + 1);
        }
        if (chain_push(out, x) < 0) {
            X509_free(x);
            x509_chain_free(out);
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
        }
        p = e;
    }
    if (out->len == 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "certificate chain: no PEM certificate");
    return 0;
}

X509_CRL *x509_crl_parse(const uint8_t *p, size_t n, struct as_error *err)
{
    X509_CRL *c = NULL;
    if (n == 0 || n > (16u << 20)) {
        as_err(err, 400, ERR_INVALID_EVIDENCE, "CRL: bad length %zu", n);
        return NULL;
    }
    if (looks_pem(p, n)) {
        BIO *b = BIO_new_mem_buf(p, (int)n);
        if (b)
            c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
        BIO_free(b);
    } else {
        size_t dl = n;
        uint8_t *der = is_hex_text(p, n) ? hex_to_der(p, n, &dl) : NULL;
        const uint8_t *src = der ? der : p;
        const uint8_t *q = src;
        c = d2i_X509_CRL(NULL, &q, (long)dl);
        if (c && q != src + dl) {
            X509_CRL_free(c);
            c = NULL;
        }
        free(der);
    }
    ERR_clear_error();
    if (!c)
        as_err(err, 400, ERR_INVALID_EVIDENCE, "CRL: cannot decode (PEM, DER or hex)");
    return c;
}

static void name_cn(X509_NAME *name, char *out, size_t cap)
{
    out[0] = 0;
    if (name && cap > 0)
        X509_NAME_get_text_by_NID(name, NID_commonName, out, (int)cap);
}

void x509_subject_cn(X509 *cert, char *out, size_t cap)
{
    name_cn(X509_get_subject_name(cert), out, cap);
}

void x509_issuer_cn(X509 *cert, char *out, size_t cap)
{
    name_cn(X509_get_issuer_name(cert), out, cap);
}

int x509_signed_by(X509 *cert, X509 *issuer, struct as_error *err)
{
    char cn[128];
    x509_subject_cn(cert, cn, sizeof cn);
    if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) != 0)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate '%s': issuer name does not match the next certificate", cn);
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    int ok = k ? X509_verify(cert, k) : -1;
    ERR_clear_error();
    if (ok != 1)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate '%s': signature does not verify with its issuer's key", cn);
    return 0;
}

int x509_crl_signed_by(X509_CRL *crl, X509 *issuer, struct as_error *err)
{
    char cn[128];
    x509_subject_cn(issuer, cn, sizeof cn);
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
        return as_err(err, 403, ERR_VERIFICATION_FAILED, "CRL: issuer is not '%s'", cn);
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    int ok = k ? X509_CRL_verify(crl, k) : -1;
    ERR_clear_error();
    if (ok != 1)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "CRL issued by '%s': signature does not verify", cn);
    return 0;
}

bool x509_crl_revokes(X509_CRL *crl, X509 *cert)
{
    X509_REVOKED *rev = NULL;
    int r = X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(cert));
    ERR_clear_error();
    return r == 1 && rev != NULL;
}

bool x509_same_pubkey(X509 *a, X509 *b)
{
    EVP_PKEY *ka = X509_get0_pubkey(a), *kb = X509_get0_pubkey(b);
    bool same = ka && kb && EVP_PKEY_eq(ka, kb) == 1;
    ERR_clear_error();
    return same;
}

time_t x509_asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return -1;
    }
    return timegm(&tm);
}

time_t x509_not_before(X509 *cert) { return x509_asn1_time(X509_get0_notBefore(cert)); }
time_t x509_not_after(X509 *cert) { return x509_asn1_time(X509_get0_notAfter(cert)); }
time_t x509_crl_this_update(X509_CRL *crl) { return x509_asn1_time(X509_CRL_get0_lastUpdate(crl)); }

time_t x509_crl_next_update(X509_CRL *crl)
{
    const ASN1_TIME *t = X509_CRL_get0_nextUpdate(crl);
    return t ? x509_asn1_time(t) : -1;
}

long x509_crl_number(X509_CRL *crl)
{
    ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
    long v = n ? ASN1_INTEGER_get(n) : -1;
    ASN1_INTEGER_free(n);
    ERR_clear_error();
    return v;
}

static int check_validity(X509 *cert, time_t at, struct as_error *err)
{
    char cn[128];
    time_t nb = x509_not_before(cert), na = x509_not_after(cert);
    if (nb < 0 || na < 0 || at < nb || at > na) {
        x509_subject_cn(cert, cn, sizeof cn);
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate '%s' is not valid at the verification time", cn);
    }
    return 0;
}

/* Consults every CRL issued by `issuer` about `cert`. */
static int check_revocation(X509 *cert, X509 *issuer, const struct x509_verify_opts *o,
                            struct as_error *err)
{
    for (size_t i = 0; i < o->ncrls; i++) {
        X509_CRL *crl = o->crls[i];
        if (!crl || X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
            continue;
        TRY(x509_crl_signed_by(crl, issuer, err));
        if (x509_crl_revokes(crl, cert)) {
            char cn[128];
            x509_subject_cn(cert, cn, sizeof cn);
            return as_err(err, 403, ERR_VERIFICATION_FAILED,
                          "certificate '%s' is revoked (serial listed in its issuer's CRL)", cn);
        }
    }
    return 0;
}

static int check_is_ca(X509 *cert, struct as_error *err)
{
    if (X509_check_ca(cert) == 0) {
        char cn[128];
        x509_subject_cn(cert, cn, sizeof cn);
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate '%s' issues certificates but is not a CA", cn);
    }
    return 0;
}

int x509_chain_verify(const struct x509_chain *chain, const struct x509_verify_opts *o,
                      struct as_error *err)
{
    if (!chain || chain->len == 0 || !o || !o->root)
        return as_err(err, 403, ERR_VERIFICATION_FAILED, "certificate chain: empty");
    size_t n = chain->len;
    /* The chain may end in a copy of the root: it must be the pinned key. */
    bool ends_in_root = X509_NAME_cmp(X509_get_subject_name(chain->certs[n - 1]),
                                      X509_get_subject_name(o->root)) == 0;
    if (ends_in_root && !x509_same_pubkey(chain->certs[n - 1], o->root))
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate chain: root certificate is not the trusted root (public key "
                      "differs)");
    size_t top = ends_in_root ? n - 1 : n; /* certificates below the root */
    if (top == 0)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "certificate chain: contains only the root");
    for (size_t i = 0; i < top; i++) {
        X509 *cert = chain->certs[i];
        X509 *issuer = i + 1 < top ? chain->certs[i + 1] : o->root;
        TRY(x509_signed_by(cert, issuer, err));
        TRY(check_is_ca(issuer, err));
        if (o->time_check == X509_TIME_ENFORCE)
            TRY(check_validity(cert, o->at, err));
        TRY(check_revocation(cert, issuer, o, err));
    }
    if (o->time_check == X509_TIME_ENFORCE)
        TRY(check_validity(o->root, o->at, err));
    return 0;
}

const uint8_t *x509_ext_value(X509 *cert, const char *oid, size_t *len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (!obj) {
        ERR_clear_error();
        return NULL;
    }
    int idx = X509_get_ext_by_OBJ(cert, obj, -1);
    ASN1_OBJECT_free(obj);
    if (idx < 0)
        return NULL;
    X509_EXTENSION *ext = X509_get_ext(cert, idx);
    ASN1_OCTET_STRING *data = ext ? X509_EXTENSION_get_data(ext) : NULL;
    if (!data)
        return NULL;
    *len = (size_t)ASN1_STRING_length(data);
    return ASN1_STRING_get0_data(data);
}

EVP_PKEY *x509_p256_key_from_raw(const uint8_t xy[64])
{
    uint8_t pt[65];
    pt[0] = 0x04;
    memcpy(pt + 1, xy, 64);
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
    params[2] = OSSL_PARAM_construct_end();
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
            key = NULL;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return key;
}

size_t x509_ec_point(EVP_PKEY *key, uint8_t *out, size_t cap)
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out, cap, &len) != 1) {
        ERR_clear_error();
        return 0;
    }
    return len;
}

bool x509_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t n,
                           const uint8_t *sig, size_t sig_len)
{
    if (!key || !sig || sig_len == 0 || sig_len % 2 != 0 || sig_len > 132)
        return false;
    size_t half = sig_len / 2;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
    BIGNUM *sv = BN_bin2bn(sig + half, (int)half, NULL);
    bool ok = false;
    uint8_t *der = NULL;
    if (s && r && sv && ECDSA_SIG_set0(s, r, sv) == 1) {
        r = sv = NULL; /* owned by s now */
        int dl = i2d_ECDSA_SIG(s, &der);
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (dl > 0 && mctx && EVP_DigestVerifyInit(mctx, NULL, md, NULL, key) == 1)
            ok = EVP_DigestVerify(mctx, der, (size_t)dl, msg, n) == 1;
        EVP_MD_CTX_free(mctx);
    }
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}
