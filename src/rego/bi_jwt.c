/* bi_jwt.c - the Tokens built-ins: io.jwt.decode, io.jwt.decode_verify,
 * io.jwt.verify_{hs,rs,ps,es}{256,384,512}, io.jwt.verify_eddsa,
 * io.jwt.encode_sign and io.jwt.encode_sign_raw (OpenSSL underneath).
 *
 * Behaviour follows OPA's topdown/tokens.go (2026: jwx v3):
 *   - a token is three '.'-separated base64url parts, decoded as OPA's
 *     base64url.decode does (padding added); header and payload are JSON
 *     objects decoded by json.unmarshal (last duplicate wins); a header
 *     with "enc" is a JWE and refused;
 *   - verification keys are one PEM block (CERTIFICATE or PUBLIC KEY, with
 *     nothing after it) or a JWK / JWK set; keys of a set whose "alg" is
 *     unknown are skipped, a "kid" that matches the header's picks that
 *     key alone, a key with an "alg" is tried only for that algorithm;
 *   - verify_* use the algorithm of their name (OPA: RSA-PSS with any salt
 *     length, ECDSA signatures split in two halves); decode_verify uses the
 *     header's "alg" with jwx's rules (PSS salt = hash length, ECDSA
 *     signatures exactly twice the curve size);
 *   - decode_verify's constraints: cert | secret (exactly one), alg, iss,
 *     aud, time (ns; default the query's time.now_ns); exp must be after
 *     and nbf not after that time, both compared as OPA does, through the
 *     shortest decimal text of time/1e9;
 *   - encode_sign marshals its objects with json.marshal (Go's
 *     encoding/json); encode_sign_raw signs the given texts as they are;
 *     the header is read as OPA's 2025 releases read it (Go's
 *     json.Unmarshal into jws.StandardHeaders, with their error texts),
 *     or, with ctx->opa_compat 2026, as OPA 2026 reads it (jwx v3's jwsbb
 *     helpers over fastjson, bi_fastjson.c; docs/rego-builtins.md);
 *     the key is the first of a JWK set.  ES* and PS* signatures are
 *     randomised (as OPA's), the others deterministic. */
#include "rego/bi_util.h"

#include <math.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/codec.h"
#include "rego/bi_fastjson.h"
#include "rego/rego.h"

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,              \
                    struct value **out)

/* ---- algorithms ---- */

enum alg_family { ALG_HMAC, ALG_RSA, ALG_PSS, ALG_ECDSA, ALG_EDDSA };

struct jwt_alg {
    const char *name;
    enum alg_family family;
    const char *md; /* digest name, NULL for EdDSA */
};

static const struct jwt_alg jwt_algs[] = {
    {"HS256", ALG_HMAC, "SHA256"},  {"HS384", ALG_HMAC, "SHA384"},  {"HS512", ALG_HMAC, "SHA512"},
    {"RS256", ALG_RSA, "SHA256"},   {"RS384", ALG_RSA, "SHA384"},   {"RS512", ALG_RSA, "SHA512"},
    {"PS256", ALG_PSS, "SHA256"},   {"PS384", ALG_PSS, "SHA384"},   {"PS512", ALG_PSS, "SHA512"},
    {"ES256", ALG_ECDSA, "SHA256"}, {"ES384", ALG_ECDSA, "SHA384"}, {"ES512", ALG_ECDSA, "SHA512"},
    {"EdDSA", ALG_EDDSA, NULL},
};

static const struct jwt_alg *alg_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(jwt_algs) / sizeof(jwt_algs[0]); i++)
        if (strlen(jwt_algs[i].name) == len && memcmp(jwt_algs[i].name, name, len) == 0)
            return &jwt_algs[i];
    return NULL;
}

/* ---- keys ---- */

struct jwt_key {
    EVP_PKEY *pkey;        /* asymmetric key, or NULL */
    const uint8_t *secret; /* oct key bytes (arena), when pkey is NULL */
    size_t secret_len;
    const char *alg; /* "" when the key names none */
    const char *kid; /* "" when none */
};

struct jwt_keys {
    struct jwt_key *v;
    size_t n, cap;
    bool present; /* a cert constraint was given (even an empty set) */
};

static void keys_free(struct jwt_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        EVP_PKEY_free(k->v[i].pkey);
    free(k->v);
    memset(k, 0, sizeof(*k));
}

static int keys_push(struct jwt_keys *k, struct jwt_key key)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 4;
        struct jwt_key *v = realloc(k->v, cap * sizeof(*v));
        if (!v) {
            EVP_PKEY_free(key.pkey);
            return -1;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = key;
    return 0;
}

/* ---- JWK (RFC 7517) ---- */

/* A base64url member, as jwx reads it: URL or standard alphabet, padding
 * optional.  NULL when absent; *bad when present but not base64. */
static uint8_t *jwk_bytes(struct arena *a, const struct value *jwk, const char *name, size_t *len,
                          bool *bad)
{
    const struct value *v = value_object_get_str(jwk, name);
    *bad = false;
    if (!v)
        return NULL;
    if (!v_is(v, V_STRING)) {
        *bad = true;
        return NULL;
    }
    char *s = arena_alloc(a, v->u.str.len + 1);
    if (!s)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < v->u.str.len; i++) {
        char c = v->u.str.s[i];
        if (c == '=')
            break;
        s[n++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    uint8_t *out;
    const char *why;
    if (b64_decode(a, s, n, B64_URL_NOPAD, &out, len, &why) < 0) {
        *bad = true;
        return NULL;
    }
    return out;
}

static const char *jwk_str(const struct value *jwk, const char *name)
{
    const struct value *v = value_object_get_str(jwk, name);
    return v_is(v, V_STRING) ? v->u.str.s : NULL;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, bool priv)
{
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params && pctx && EVP_PKEY_fromdata_init(pctx) == 1)
        EVP_PKEY_fromdata(pctx, &pk, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    return pk;
}

/* Pushes a big-endian integer member onto bld; BIGNUMs are collected in
 * bns[] to be freed after the parameters are built. */
static int push_bn(OSSL_PARAM_BLD *bld, const char *param, const uint8_t *b, size_t n, BIGNUM **bns,
                   int *nbn)
{
    BIGNUM *bn = BN_bin2bn(b, (int)n, NULL);
    if (!bn)
        return -1;
    bns[(*nbn)++] = bn;
    return OSSL_PARAM_BLD_push_BN(bld, param, bn) == 1 ? 0 : -1;
}

static EVP_PKEY *jwk_rsa(struct arena *a, const struct value *jwk, const char **why)
{
    static const char *const names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    static const char *const params[] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    const uint8_t *b[8];
    size_t len[8];
    bool bad;
    for (int i = 0; i < 8; i++) {
        b[i] = jwk_bytes(a, jwk, names[i], &len[i], &bad);
        if (bad) {
            *why = "invalid base64 in an RSA key member";
            return NULL;
        }
    }
    if (!b[0] || !b[1] || len[0] == 0 || len[1] == 0) {
        *why = "required field n or e is missing";
        return NULL;
    }
    bool crt = b[3] && b[4] && b[5] && b[6] && b[7];
    int count = !b[2] ? 2 : crt ? 8 : 3;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bns[8];
    int nbn = 0, rc = bld ? 0 : -1;
    for (int i = 0; i < count && rc == 0; i++)
        rc = push_bn(bld, params[i], b[i], len[i], bns, &nbn);
    EVP_PKEY *pk = rc == 0 ? pkey_fromdata("RSA", bld, b[2] != NULL) : NULL;
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < nbn; i++)
        BN_clear_free(bns[i]);
    if (!pk)
        *why = "invalid RSA key";
    return pk;
}

static const char *ec_group_name(const char *crv, size_t *field)
{
    if (crv && strcmp(crv, "P-256") == 0)
        return *field = 32, "prime256v1";
    if (crv && strcmp(crv, "P-384") == 0)
        return *field = 48, "secp384r1";
    if (crv && strcmp(crv, "P-521") == 0)
        return *field = 66, "secp521r1";
    return NULL;
}

static EVP_PKEY *jwk_ec(struct arena *a, const struct value *jwk, const char **why)
{
    size_t field = 0, xl, yl, dl;
    const char *group = ec_group_name(jwk_str(jwk, "crv"), &field);
    if (!group) {
        *why = "invalid or unsupported curve";
        return NULL;
    }
    bool badx, bady, badd;
    const uint8_t *x = jwk_bytes(a, jwk, "x", &xl, &badx);
    const uint8_t *y = jwk_bytes(a, jwk, "y", &yl, &bady);
    const uint8_t *d = jwk_bytes(a, jwk, "d", &dl, &badd);
    if (!x || !y || badd || xl > field || yl > field) {
        *why = "invalid EC key coordinates";
        return NULL;
    }
    uint8_t *point = arena_alloc(a, 1 + 2 * field);
    if (!point)
        return NULL;
    memset(point, 0, 1 + 2 * field);
    point[0] = 0x04;
    memcpy(point + 1 + field - xl, x, xl);
    memcpy(point + 1 + 2 * field - yl, y, yl);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bns[1];
    int nbn = 0;
    int rc =
        bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
                OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                 1 + 2 * field) == 1
            ? 0
            : -1;
    if (rc == 0 && d)
        rc = push_bn(bld, OSSL_PKEY_PARAM_PRIV_KEY, d, dl, bns, &nbn);
    EVP_PKEY *pk = rc == 0 ? pkey_fromdata("EC", bld, d != NULL) : NULL;
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < nbn; i++)
        BN_clear_free(bns[i]);
    if (!pk)
        *why = "invalid EC key";
    return pk;
}

static EVP_PKEY *jwk_okp(struct arena *a, const struct value *jwk, const char **why)
{
    const char *crv = jwk_str(jwk, "crv");
    if (!crv || strcmp(crv, "Ed25519") != 0) {
        *why = "invalid or unsupported OKP curve";
        return NULL;
    }
    size_t xl, dl;
    bool badx, badd;
    const uint8_t *x = jwk_bytes(a, jwk, "x", &xl, &badx);
    const uint8_t *d = jwk_bytes(a, jwk, "d", &dl, &badd);
    EVP_PKEY *pk = NULL;
    if (d && dl == 32)
        pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, dl);
    else if (!d && !badd && x && xl == 32)
        pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xl);
    if (!pk)
        *why = "invalid Ed25519 key";
    return pk;
}

/* One JWK object -> key; -1 with *why on a malformed key. */
static int jwk_parse_key(struct arena *a, const struct value *jwk, struct jwt_key *key,
                         const char **why)
{
    memset(key, 0, sizeof(*key));
    if (!v_is(jwk, V_OBJECT)) {
        *why = "a JWK must be a JSON object";
        return -1;
    }
    const char *kty = jwk_str(jwk, "kty");
    const struct value *alg = value_object_get_str(jwk, "alg");
    const struct value *kid = value_object_get_str(jwk, "kid");
    if ((alg && !v_is(alg, V_STRING)) || (kid && !v_is(kid, V_STRING))) {
        *why = "alg and kid must be strings";
        return -1;
    }
    key->alg = alg ? alg->u.str.s : "";
    key->kid = kid ? kid->u.str.s : "";
    if (!kty) {
        *why = "missing \"kty\" field";
        return -1;
    }
    if (strcmp(kty, "oct") == 0) {
        bool bad;
        key->secret = jwk_bytes(a, jwk, "k", &key->secret_len, &bad);
        if (!key->secret) {
            *why = "required field k is missing or invalid";
            return -1;
        }
        return 0;
    }
    if (strcmp(kty, "RSA") == 0)
        key->pkey = jwk_rsa(a, jwk, why);
    else if (strcmp(kty, "EC") == 0)
        key->pkey = jwk_ec(a, jwk, why);
    else if (strcmp(kty, "OKP") == 0)
        key->pkey = jwk_okp(a, jwk, why);
    else
        *why = arena_sprintf(a, "invalid key type from JSON (%s)", kty);
    return key->pkey ? 0 : -1;
}

/* A JWK or a JWK set {"keys": [...]} (jwk.Parse).  skip_unknown_alg drops
 * keys whose "alg" is not a JWS algorithm (OPA's verification rule). */
static int jwk_parse(struct rego_bi_ctx *ctx, const char *s, size_t n, bool skip_unknown_alg,
                     struct jwt_keys *keys, const char **why)
{
    struct as_error err;
    struct value *doc;
    if (json_parse(ctx->arena, s, n, NULL, &doc, &err) < 0) {
        *why = arena_strdup(ctx->arena, err.detail);
        return -1;
    }
    const struct value *set = v_is(doc, V_OBJECT) ? value_object_get_str(doc, "keys") : NULL;
    struct value *const *items = &doc;
    size_t count = 1;
    if (set) {
        if (!v_is(set, V_ARRAY)) {
            *why = "\"keys\" must be an array";
            return -1;
        }
        items = set->u.arr.items;
        count = set->u.arr.len;
    }
    for (size_t i = 0; i < count; i++) {
        struct jwt_key key;
        if (jwk_parse_key(ctx->arena, items[i], &key, why) < 0)
            return -1;
        if (skip_unknown_alg && key.alg[0] && !alg_find(key.alg, strlen(key.alg))) {
            EVP_PKEY_free(key.pkey);
            continue;
        }
        if (keys_push(keys, key) < 0) {
            *why = "out of memory";
            return -1;
        }
    }
    return 0;
}

/* getKeysFromCertOrJWK: a PEM certificate or public key, else JWK(s). */
static int keys_load(struct rego_bi_ctx *ctx, const char *s, size_t n, struct jwt_keys *keys)
{
    struct bi_pem_block blk;
    const char *rest;
    size_t rest_len;
    keys->present = true;
    int found = bi_pem_decode(ctx->arena, s, n, &blk, &rest, &rest_len);
    if (found < 0)
        return bi_oom(ctx);
    if (found) {
        if (rest_len > 0)
            return bi_err(ctx, "extra data after a PEM certificate block");
        const unsigned char *p = blk.der;
        EVP_PKEY *pk = NULL;
        if (strcmp(blk.type, "CERTIFICATE") == 0) {
            X509 *cert = d2i_X509(NULL, &p, (long)blk.der_len);
            if (!cert || p != blk.der + blk.der_len) {
                X509_free(cert);
                return bi_err(ctx,
                              "failed to parse a PEM certificate: x509: malformed certificate");
            }
            pk = X509_get_pubkey(cert);
            X509_free(cert);
        } else if (strcmp(blk.type, "PUBLIC KEY") == 0) {
            pk = d2i_PUBKEY(NULL, &p, (long)blk.der_len);
            if (!pk || p != blk.der + blk.der_len) {
                EVP_PKEY_free(pk);
                return bi_err(ctx, "failed to parse a PEM public key: x509: malformed public key");
            }
        } else {
            return bi_err(ctx, "failed to extract a Key from the PEM certificate");
        }
        if (!pk)
            return bi_err(ctx, "failed to parse a PEM certificate: unsupported public key");
        struct jwt_key key = {.pkey = pk, .alg = "", .kid = ""};
        return keys_push(keys, key) < 0 ? bi_oom(ctx) : 0;
    }
    const char *why = "";
    if (jwk_parse(ctx, s, n, true, keys, &why) < 0)
        return bi_err(ctx, "failed to parse a JWK key (set): %s", why);
    return 0;
}

/* ---- signatures ---- */

/* ECDSA r||s (split in two halves) -> DER. */
static unsigned char *ecdsa_raw_to_der(const uint8_t *sig, size_t n, int *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)(n / 2), NULL);
    BIGNUM *s = BN_bin2bn(sig + n / 2, (int)(n - n / 2), NULL);
    unsigned char *der = NULL;
    *der_len = 0;
    if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL;
        *der_len = i2d_ECDSA_SIG(es, &der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return *der_len > 0 ? der : NULL;
}

static size_t ec_field_bytes(EVP_PKEY *pk)
{
    int bits = EVP_PKEY_get_bits(pk);
    return bits > 0 ? ((size_t)bits + 7) / 8 : 0;
}

/* Sets RSA padding on a DigestSign/Verify context. */
static int rsa_padding(EVP_PKEY_CTX *pctx, const struct jwt_alg *alg, const EVP_MD *md, int salt)
{
    if (alg->family == ALG_RSA)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 ? 0 : -1;
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
        return -1;
    return 0;
}

static bool key_fits(EVP_PKEY *pk, enum alg_family f)
{
    int id = EVP_PKEY_get_base_id(pk);
    switch (f) {
    case ALG_RSA:
        return id == EVP_PKEY_RSA;
    case ALG_PSS:
        return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
    case ALG_ECDSA:
        return id == EVP_PKEY_EC;
    case ALG_EDDSA:
        return id == EVP_PKEY_ED25519;
    default:
        return false;
    }
}

enum sig_rules {
    RULES_OPA, /* verify_*: PSS any salt length, ECDSA halves of any length */
    RULES_JWX, /* decode_verify: PSS salt = hash length, ECDSA 2 x curve size */
};

static bool verify_hmac(const struct jwt_alg *alg, const uint8_t *secret, size_t secret_len,
                        const char *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    const EVP_MD *md = EVP_get_digestbyname(alg->md);
    if (!md || !HMAC(md, secret, (int)secret_len, (const unsigned char *)msg, mlen, mac, &maclen))
        return false;
    return maclen == slen && CRYPTO_memcmp(mac, sig, slen) == 0;
}

static bool verify_pkey(EVP_PKEY *pk, const struct jwt_alg *alg, enum sig_rules rules,
                        const char *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
    if (!key_fits(pk, alg->family))
        return false;
    const EVP_MD *md = alg->md ? EVP_get_digestbyname(alg->md) : NULL;
    unsigned char *der = NULL;
    int der_len = 0;
    if (alg->family == ALG_ECDSA) {
        if (rules == RULES_JWX && slen != 2 * ec_field_bytes(pk))
            return false;
        der = ecdsa_raw_to_der(sig, slen, &der_len);
        if (!der)
            return false;
        sig = der;
        slen = (size_t)der_len;
    }
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = false;
    if (mctx && EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pk) == 1) {
        int salt = rules == RULES_OPA ? RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST;
        bool is_rsa = alg->family == ALG_RSA || alg->family == ALG_PSS;
        if (!is_rsa || rsa_padding(pctx, alg, md, salt) == 0)
            ok = EVP_DigestVerify(mctx, sig, slen, (const unsigned char *)msg, mlen) == 1;
    }
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    return ok;
}

static bool verify_key(const struct jwt_key *k, const struct jwt_alg *alg, enum sig_rules rules,
                       const char *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
    if (alg->family == ALG_HMAC)
        return !k->pkey && k->secret &&
               verify_hmac(alg, k->secret, k->secret_len, msg, mlen, sig, slen);
    return k->pkey && verify_pkey(k->pkey, alg, rules, msg, mlen, sig, slen);
}

/* Signs msg; the signature (arena) in *sig.  -1 with *why on failure. */
static int sign_msg(struct arena *a, const struct jwt_key *k, const struct jwt_alg *alg,
                    const char *msg, size_t mlen, uint8_t **sig, size_t *slen, const char **why)
{
    const EVP_MD *md = alg->md ? EVP_get_digestbyname(alg->md) : NULL;
    if (alg->family == ALG_HMAC) {
        unsigned int n = 0;
        *sig = arena_alloc(a, EVP_MAX_MD_SIZE);
        if (!k->secret || !*sig ||
            !HMAC(md, k->secret, (int)k->secret_len, (const unsigned char *)msg, mlen, *sig, &n)) {
            *why = "invalid key type for an HMAC algorithm";
            return -1;
        }
        *slen = n;
        return 0;
    }
    if (!k->pkey || !key_fits(k->pkey, alg->family)) {
        *why = arena_sprintf(a, "invalid key type for algorithm %s", alg->name);
        return -1;
    }
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = 0;
    unsigned char *buf = NULL;
    int rc = -1;
    bool is_rsa = alg->family == ALG_RSA || alg->family == ALG_PSS;
    if (mctx && EVP_DigestSignInit(mctx, &pctx, md, NULL, k->pkey) == 1 &&
        (!is_rsa || rsa_padding(pctx, alg, md, RSA_PSS_SALTLEN_DIGEST) == 0) &&
        EVP_DigestSign(mctx, NULL, &n, (const unsigned char *)msg, mlen) == 1 &&
        (buf = OPENSSL_malloc(n)) != NULL &&
        EVP_DigestSign(mctx, buf, &n, (const unsigned char *)msg, mlen) == 1)
        rc = 0;
    EVP_MD_CTX_free(mctx);
    if (rc == 0 && alg->family == ALG_ECDSA) {
        size_t field = ec_field_bytes(k->pkey);
        const unsigned char *p = buf;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
        *sig = arena_alloc(a, 2 * field);
        if (!es || !*sig || BN_bn2binpad(ECDSA_SIG_get0_r(es), *sig, (int)field) < 0 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(es), *sig + field, (int)field) < 0)
            rc = -1;
        *slen = 2 * field;
        ECDSA_SIG_free(es);
    } else if (rc == 0) {
        *sig = arena_alloc(a, n ? n : 1);
        if (*sig)
            memcpy(*sig, buf, n);
        else
            rc = -1;
        *slen = n;
    }
    OPENSSL_free(buf);
    if (rc < 0)
        *why = "failed to sign the token";
    return rc;
}

/* ---- token parts ---- */

struct jwt_parts {
    const char *header, *payload, *sig; /* base64url texts */
    size_t header_len, payload_len, sig_len;
};

/* decodeJWT: operand 1 must be a string of three '.'-separated parts. */
static int jwt_split(struct rego_bi_ctx *ctx, const struct value *v, struct jwt_parts *t)
{
    if (!v_is(v, V_STRING))
        return bi_type_err(ctx, 1, "string", v);
    const char *s = v->u.str.s;
    size_t n = v->u.str.len, dots = 0, pos[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.') {
            if (dots < 2)
                pos[dots] = i;
            dots++;
        }
    if (dots == 0)
        return bi_err(ctx, "encoded JWT had no period separators");
    if (dots != 2)
        return bi_err(ctx, "encoded JWT must have 3 sections, found %zu", dots + 1);
    t->header = s;
    t->header_len = pos[0];
    t->payload = s + pos[0] + 1;
    t->payload_len = pos[1] - pos[0] - 1;
    t->sig = s + pos[1] + 1;
    t->sig_len = n - pos[1] - 1;
    return 0;
}

/* base64url.decode of a part; on failure the error is "<what>: <msg>" (or
 * just the message when what is NULL). */
static int part_decode(struct rego_bi_ctx *ctx, const char *s, size_t n, const char *what,
                       struct value **out)
{
    struct value *arg = v_string(ctx->arena, s, n);
    if (!arg)
        return bi_oom(ctx);
    const char *msg = "";
    if (bi_call(ctx, "base64url.decode", &arg, 1, out, &msg) < 0)
        return what ? bi_err(ctx, "%s: %s", what, msg) : bi_err(ctx, "%s", msg);
    return 0;
}

/* extractJSONObject: json.unmarshal, which must give an object. */
static int json_object(struct rego_bi_ctx *ctx, struct value *text, const char *what,
                       struct value **out)
{
    const char *msg = "";
    const char *pre = what ? what : "", *sep = what ? ": " : "";
    if (bi_call(ctx, "json.unmarshal", &text, 1, out, &msg) < 0)
        return bi_err(ctx, "%s%sinvalid JSON: %s", pre, sep, msg);
    if (!v_is(*out, V_OBJECT))
        return bi_err(ctx, "%s%sdecoded JSON type was not an Object", pre, sep);
    return 0;
}

/* decodeHeader + validateJWTHeader. */
static int header_decode(struct rego_bi_ctx *ctx, const struct jwt_parts *t, struct value **hdr)
{
    struct value *raw;
    TRY(part_decode(ctx, t->header, t->header_len, "JWT header had invalid encoding", &raw));
    TRY(json_object(ctx, raw, "bad JWT header", hdr));
    if (value_object_get_str(*hdr, "enc"))
        return bi_err(ctx, "JWT is a JWE object, which is not supported");
    return 0;
}

static int sig_decode(struct rego_bi_ctx *ctx, const struct jwt_parts *t, struct value **sig)
{
    return part_decode(ctx, t->sig, t->sig_len, NULL, sig);
}

/* ---- header fields (parseTokenHeader) ---- */

struct jwt_header {
    const char *alg, *kid, *cty; /* "" when absent */
    const struct value *crit;    /* set of strings, or NULL */
    bool crit_unknown;           /* a critical parameter we do not know */
};

static bool header_known(const struct value *k)
{
    static const char *const known[] = {"alg", "kid", "typ", "cty", "crit"};
    for (size_t i = 0; i < 5; i++)
        if (strcmp(k->u.str.s, known[i]) == 0)
            return true;
    return false;
}

static int header_fields(struct rego_bi_ctx *ctx, const struct value *hdr, struct jwt_header *h)
{
    memset(h, 0, sizeof(*h));
    h->alg = h->kid = h->cty = "";
    const char **slot[] = {&h->alg, &h->kid, NULL, &h->cty};
    static const char *const names[] = {"alg", "kid", "typ", "cty"};
    for (size_t i = 0; i < 4; i++) {
        const struct value *v = value_object_get_str(hdr, names[i]);
        if (!v)
            continue;
        if (!v_is(v, V_STRING))
            return bi_err(ctx, "%s: must be a string", names[i]);
        if (slot[i])
            *slot[i] = v->u.str.s;
    }
    const struct value *crit = value_object_get_str(hdr, "crit");
    if (crit) {
        if (!v_is(crit, V_ARRAY))
            return bi_err(ctx, "crit: must be a list");
        if (crit->u.arr.len == 0)
            return bi_err(ctx, "crit: must be a nonempty list");
        h->crit = crit;
    }
    for (size_t i = 0; h->crit && i < hdr->u.obj.len; i++) {
        const struct value *k = hdr->u.obj.pairs[i].key;
        if (v_is(k, V_STRING) && !header_known(k)) {
            for (size_t j = 0; j < crit->u.arr.len; j++)
                if (value_equal(crit->u.arr.items[j], k))
                    h->crit_unknown = true;
        }
    }
    return 0;
}

/* ---- io.jwt.decode ---- */

static int jwt_decode(struct rego_bi_ctx *ctx, struct value *tok, struct value **out, int depth)
{
    struct jwt_parts t;
    struct value *hdr, *payload_raw, *payload, *sig;
    if (depth > 64)
        return bi_err(ctx, "nested JWT too deep");
    TRY(jwt_split(ctx, tok, &t));
    TRY(header_decode(ctx, &t, &hdr));
    TRY(part_decode(ctx, t.payload, t.payload_len, "JWT payload had invalid encoding",
                    &payload_raw));
    const struct value *cty = value_object_get_str(hdr, "cty");
    if (v_is(cty, V_STRING) && strcmp(cty->u.str.s, "JWT") == 0) {
        /* a nested token, quoted as jwt.io does: trim quotes and recurse */
        const char *s = payload_raw->u.str.s;
        size_t n = payload_raw->u.str.len;
        while (n > 0 && (*s == '"' || *s == '\''))
            s++, n--;
        while (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\''))
            n--;
        struct value *inner = v_string(ctx->arena, s, n);
        if (!inner)
            return bi_oom(ctx);
        return jwt_decode(ctx, inner, out, depth + 1);
    }
    TRY(json_object(ctx, payload_raw, NULL, &payload));
    TRY(part_decode(ctx, t.sig, t.sig_len, "JWT signature had invalid encoding", &sig));
    char *hex = hex_encode_arena(ctx->arena, (const uint8_t *)sig->u.str.s, sig->u.str.len);
    struct value *items[3] = {hdr, payload,
                              hex ? v_string_ref(ctx->arena, hex, 2 * sig->u.str.len) : NULL};
    if (!items[2])
        return bi_oom(ctx);
    BI_RET(v_array(ctx->arena, items, 3));
}

BI_FN(bi_jwt_decode)
{
    return jwt_decode(ctx, args[0], out, 0);
}

/* ---- io.jwt.verify_* ---- */

/* The key of a JWKS whose kid is the header's, or NULL. */
static const struct jwt_key *key_by_kid(const struct jwt_keys *keys, const char *kid)
{
    if (!kid[0])
        return NULL;
    for (size_t i = 0; i < keys->n; i++)
        if (strcmp(keys->v[i].kid, kid) == 0)
            return &keys->v[i];
    return NULL;
}

/* Tries the keys as OPA does: the kid match alone, else each key whose alg
 * (if any) equals the header's. */
static bool keys_verify(const struct jwt_keys *keys, const char *hdr_alg, const struct jwt_alg *alg,
                        enum sig_rules rules, const struct jwt_parts *t, const struct value *sig)
{
    size_t mlen = t->header_len + 1 + t->payload_len;
    const char *msg = t->header; /* header '.' payload are contiguous */
    const uint8_t *s = (const uint8_t *)sig->u.str.s;
    for (size_t i = 0; i < keys->n; i++) {
        const struct jwt_key *k = &keys->v[i];
        if (k->alg[0] && strcmp(k->alg, hdr_alg) != 0)
            continue;
        if (verify_key(k, alg, rules, msg, mlen, s, sig->u.str.len))
            return true;
    }
    return false;
}

static int verify_asym(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                       const char *alg_name)
{
    const struct jwt_alg *alg = alg_find(alg_name, strlen(alg_name));
    struct jwt_parts t;
    struct value *sig, *hdr;
    struct jwt_header h;
    struct jwt_keys keys = {0};
    TRY(jwt_split(ctx, args[0], &t));
    TRY(bi_want(ctx, args, 1, V_STRING));
    int rc = keys_load(ctx, args[1]->u.str.s, args[1]->u.str.len, &keys);
    if (rc == 0)
        rc = sig_decode(ctx, &t, &sig);
    if (rc == 0)
        rc = header_decode(ctx, &t, &hdr);
    if (rc == 0)
        rc = header_fields(ctx, hdr, &h);
    if (rc == 0) {
        const struct jwt_key *k = key_by_kid(&keys, h.kid);
        size_t mlen = t.header_len + 1 + t.payload_len;
        const uint8_t *s = (const uint8_t *)sig->u.str.s;
        bool ok = k ? verify_key(k, alg, RULES_OPA, t.header, mlen, s, sig->u.str.len)
                    : keys_verify(&keys, h.alg, alg, RULES_OPA, &t, sig);
        *out = v_bool(ok);
    }
    keys_free(&keys);
    return rc;
}

#define VERIFY_FN(fname, alg)                                                                      \
    BI_FN(fname)                                                                                   \
    {                                                                                              \
        return verify_asym(ctx, args, out, alg);                                                   \
    }
VERIFY_FN(bi_verify_rs256, "RS256")
VERIFY_FN(bi_verify_rs384, "RS384")
VERIFY_FN(bi_verify_rs512, "RS512")
VERIFY_FN(bi_verify_ps256, "PS256")
VERIFY_FN(bi_verify_ps384, "PS384")
VERIFY_FN(bi_verify_ps512, "PS512")
VERIFY_FN(bi_verify_es256, "ES256")
VERIFY_FN(bi_verify_es384, "ES384")
VERIFY_FN(bi_verify_es512, "ES512")
VERIFY_FN(bi_verify_eddsa, "EdDSA")

static int verify_hs(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                     const char *alg_name)
{
    const struct jwt_alg *alg = alg_find(alg_name, strlen(alg_name));
    struct jwt_parts t;
    struct value *sig;
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    TRY(jwt_split(ctx, args[0], &t));
    TRY(sig_decode(ctx, &t, &sig));
    *out = v_bool(verify_hmac(alg, (const uint8_t *)args[1]->u.str.s, args[1]->u.str.len, t.header,
                              t.header_len + 1 + t.payload_len, (const uint8_t *)sig->u.str.s,
                              sig->u.str.len));
    return 0;
}

BI_FN(bi_verify_hs256)
{
    return verify_hs(ctx, args, out, "HS256");
}
BI_FN(bi_verify_hs384)
{
    return verify_hs(ctx, args, out, "HS384");
}
BI_FN(bi_verify_hs512)
{
    return verify_hs(ctx, args, out, "HS512");
}

/* ---- io.jwt.decode_verify ---- */

struct constraints {
    struct jwt_keys keys;
    const struct value *secret, *alg, *iss, *aud; /* strings or NULL */
    double time_ns;
};

static int constraint_string(struct rego_bi_ctx *ctx, const char *name, const struct value *v,
                             const struct value **slot)
{
    if (!v_is(v, V_STRING))
        return bi_err(ctx, "%s constraint: must be a string", name);
    *slot = v;
    return 0;
}

static int constraint_time(struct rego_bi_ctx *ctx, const struct value *v, double *t)
{
    if (!v_is(v, V_NUMBER))
        return bi_err(ctx, "token time constraint: must be a number");
    *t = value_as_double(v);
    if (*t < 0)
        return bi_err(ctx, "token time constraint: must not be negative");
    return 0;
}

static int constraint_one(struct rego_bi_ctx *ctx, const struct value *k, const struct value *v,
                          struct constraints *c, bool *time_set)
{
    const char *name = v_is(k, V_STRING) ? k->u.str.s : "";
    if (strcmp(name, "cert") == 0) {
        if (!v_is(v, V_STRING))
            return bi_err(ctx, "cert constraint: must be a string");
        keys_free(&c->keys);
        return keys_load(ctx, v->u.str.s, v->u.str.len, &c->keys);
    }
    if (strcmp(name, "secret") == 0)
        return constraint_string(ctx, name, v, &c->secret);
    if (strcmp(name, "alg") == 0)
        return constraint_string(ctx, name, v, &c->alg);
    if (strcmp(name, "iss") == 0)
        return constraint_string(ctx, name, v, &c->iss);
    if (strcmp(name, "aud") == 0)
        return constraint_string(ctx, name, v, &c->aud);
    if (strcmp(name, "time") == 0) {
        *time_set = true;
        return constraint_time(ctx, v, &c->time_ns);
    }
    struct buf b = BUF_INIT;
    if (v_is(k, V_STRING))
        buf_append(&b, k->u.str.s, k->u.str.len);
    else
        bi_value_text(&b, k);
    int rc =
        bi_err(ctx, "unknown token validation constraint: %.*s", (int)b.len, b.data ? b.data : "");
    buf_free(&b);
    return rc;
}

static int constraints_parse(struct rego_bi_ctx *ctx, const struct value *o, struct constraints *c)
{
    bool time_set = false;
    for (size_t i = 0; i < o->u.obj.len; i++)
        TRY(constraint_one(ctx, o->u.obj.pairs[i].key, o->u.obj.pairs[i].val, c, &time_set));
    if (!time_set)
        c->time_ns = (double)ctx->now_ns;
    int nkeys = (c->keys.present ? 1 : 0) + (c->secret && c->secret->u.str.len > 0 ? 1 : 0);
    if (nkeys > 1)
        return bi_err(ctx, "duplicate key constraints");
    if (nkeys < 1)
        return bi_err(ctx, "no key constraint");
    return 0;
}

/* constraints.verify with the header's algorithm (jwsbb.Verify). */
static bool constraints_verify(const struct constraints *c, const struct jwt_header *h,
                               const struct jwt_parts *t, const struct value *sig)
{
    const struct jwt_alg *alg = alg_find(h->alg, strlen(h->alg));
    if (!alg)
        return false;
    size_t mlen = t->header_len + 1 + t->payload_len;
    const uint8_t *s = (const uint8_t *)sig->u.str.s;
    if (c->keys.present) {
        const struct jwt_key *k = key_by_kid(&c->keys, h->kid);
        if (k)
            return verify_key(k, alg, RULES_JWX, t->header, mlen, s, sig->u.str.len);
        return keys_verify(&c->keys, h->alg, alg, RULES_JWX, t, sig);
    }
    struct jwt_key secret = {.secret = (const uint8_t *)c->secret->u.str.s,
                             .secret_len = c->secret->u.str.len,
                             .alg = "",
                             .kid = ""};
    return verify_key(&secret, alg, RULES_JWX, t->header, mlen, s, sig->u.str.len);
}

/* The time in seconds as OPA writes it: strconv.FormatFloat(t/1e9, 'g'). */
static struct value *time_seconds(struct rego_bi_ctx *ctx, double ns)
{
    struct buf b = BUF_INIT;
    bi_go_float(&b, ns / 1e9, 'g', -1);
    struct value *v = NULL;
    if (!buf_failed(&b))
        v = v_number_text(ctx->arena, b.data, b.len);
    buf_free(&b);
    return v;
}

static bool audience_ok(const struct value *aud, const struct value *want)
{
    const char *w = want ? want->u.str.s : "";
    size_t wl = want ? want->u.str.len : 0;
    if (v_is(aud, V_STRING))
        return aud->u.str.len == wl && memcmp(aud->u.str.s, w, wl) == 0;
    if (!v_is(aud, V_ARRAY))
        return false;
    for (size_t i = 0; i < aud->u.arr.len; i++) {
        const struct value *e = aud->u.arr.items[i];
        if (v_is(e, V_STRING) && e->u.str.len == wl && memcmp(e->u.str.s, w, wl) == 0)
            return true;
    }
    return false;
}

/* The registered claims: 1 valid, 0 not, -1 error. */
static int claims_check(struct rego_bi_ctx *ctx, const struct constraints *c,
                        const struct value *payload)
{
    const struct value *iss = value_object_get_str(payload, "iss");
    if (c->iss && c->iss->u.str.len > 0 && (!iss || !value_equal(iss, c->iss)))
        return 0;
    const struct value *aud = value_object_get_str(payload, "aud");
    if (aud ? !audience_ok(aud, c->aud) : (c->aud && c->aud->u.str.len > 0))
        return 0;
    const struct value *exp = value_object_get_str(payload, "exp");
    const struct value *nbf = value_object_get_str(payload, "nbf");
    struct value *now = NULL;
    if (exp || nbf) {
        now = time_seconds(ctx, c->time_ns);
        if (!now)
            return bi_oom(ctx);
    }
    if (exp) {
        if (!v_is(exp, V_NUMBER))
            return bi_err(ctx, "exp value must be a number");
        if (value_compare(now, exp) >= 0)
            return 0;
    }
    if (nbf) {
        if (!v_is(nbf, V_NUMBER))
            return bi_err(ctx, "nbf value must be a number");
        if (value_compare(now, nbf) < 0)
            return 0;
    }
    return 1;
}

/* Verifies (and unnests) the token: 1 verified, 0 not, -1 error. */
static int token_verify(struct rego_bi_ctx *ctx, const struct constraints *c, struct value *tok,
                        struct value **hdr, struct value **payload_raw)
{
    for (int depth = 0; depth < 64; depth++) {
        struct jwt_parts t;
        struct jwt_header h;
        struct value *sig;
        TRY(jwt_split(ctx, tok, &t));
        TRY(header_decode(ctx, &t, hdr));
        TRY(header_fields(ctx, *hdr, &h));
        if (!h.alg[0] || h.crit_unknown)
            return 0;
        if (c->alg && strcmp(c->alg->u.str.s, h.alg) != 0)
            return 0;
        TRY(sig_decode(ctx, &t, &sig));
        if (!constraints_verify(c, &h, &t, sig))
            return 0;
        TRY(part_decode(ctx, t.payload, t.payload_len, "JWT payload had invalid encoding",
                        payload_raw));
        if (strcasecmp(h.cty, "JWT") != 0)
            return 1;
        tok = *payload_raw;
    }
    return bi_err(ctx, "nested JWT too deep");
}

static int decode_verify(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                         struct constraints *c)
{
    struct value *hdr = NULL, *payload_raw = NULL, *payload = NULL;
    TRY(bi_want(ctx, args, 1, V_OBJECT));
    TRY(constraints_parse(ctx, args[1], c));
    int ok = token_verify(ctx, c, args[0], &hdr, &payload_raw);
    if (ok < 0)
        return -1;
    if (ok > 0) {
        TRY(json_object(ctx, payload_raw, NULL, &payload));
        ok = claims_check(ctx, c, payload);
        if (ok < 0)
            return -1;
    }
    struct value *empty = v_object(ctx->arena, NULL, 0, DUP_LAST_WINS, NULL);
    struct value *items[3] = {v_bool(ok > 0), ok > 0 ? hdr : empty, ok > 0 ? payload : empty};
    if (!empty)
        return bi_oom(ctx);
    BI_RET(v_array(ctx->arena, items, 3));
}

BI_FN(bi_jwt_decode_verify)
{
    struct constraints c;
    memset(&c, 0, sizeof(c));
    int rc = decode_verify(ctx, args, out, &c);
    keys_free(&c.keys);
    return rc;
}

/* ---- io.jwt.encode_sign / encode_sign_raw ---- */

/* The JOSE header as OPA's 2025 releases read it (internal/jwx): Go's
 * json.Unmarshal into jws.StandardHeaders.  Go's syntax errors come first
 * ("invalid character ...", "unexpected end of JSON input"); keys match the
 * struct's fields case-insensitively (Go's folding); "alg" must be a known
 * algorithm name ("unknown signature algorithm"; "none" is known here and
 * refused later by the signer), the other fields must have their Go types
 * (the first mismatch is reported after the whole text is read, as Go's
 * UnmarshalTypeError); other keys are ignored. */
struct jose_header {
    const char *alg;        /* "" when absent */
    const char *typ;        /* "" when absent */
    const char *type_error; /* first UnmarshalTypeError, or NULL */
};

enum header_field { HF_IGNORED, HF_ALG, HF_STRING, HF_CRIT, HF_PRIVATE_PARAMS };

static const struct {
    const char *name;
    enum header_field kind;
} jose_fields[] = {
    {"alg", HF_ALG},    {"cty", HF_STRING},
    {"crit", HF_CRIT},  {"jwk", HF_STRING},
    {"jku", HF_STRING}, {"kid", HF_STRING},
    {"typ", HF_STRING}, {"privateParams", HF_PRIVATE_PARAMS},
};

/* The algorithm names jwa.SignatureAlgorithm accepts (EdDSA added, as OPA
 * signs with it since 2026). */
static const char *const header_alg_names[] = {
    "ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "PS256",
    "PS384", "PS512", "RS256", "RS384", "RS512", "none",  "EdDSA",
};

/* Go's foldName for one rune, as far as it can meet an ASCII field name:
 * ASCII upper case, and the four non-ASCII runes that fold to ASCII. */
static uint32_t go_fold_rune(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 'A';
    if (c == 0x212A) /* KELVIN SIGN */
        return 'K';
    if (c == 0x017F) /* LATIN SMALL LETTER LONG S */
        return 'S';
    if (c == 0x0130 || c == 0x0131) /* dotted / dotless I */
        return 'I';
    return c;
}

static bool go_field_name_matches(const char *key, size_t n, const char *name)
{
    size_t i = 0, j = 0;
    while (i < n && name[j]) {
        uint32_t c;
        i += bi_utf8_decode(key + i, n - i, &c);
        if (go_fold_rune(c) != go_fold_rune((unsigned char)name[j++]))
            return false;
    }
    return i == n && name[j] == '\0';
}

/* A raw JSON string's value; NULL when our parser refuses it (invalid
 * UTF-8 or a lone surrogate, which Go turns into U+FFFD). */
static const struct value *json_string_value(struct rego_bi_ctx *ctx, const char *raw, size_t n)
{
    struct as_error err;
    struct value *v = NULL;
    if (json_parse(ctx->arena, raw, n, NULL, &v, &err) < 0 || !v_is(v, V_STRING))
        return NULL;
    return v;
}

static enum header_field header_field_of(struct rego_bi_ctx *ctx, const char *raw, size_t n,
                                         const char **name)
{
    const struct value *key = json_string_value(ctx, raw, n);
    if (!key)
        return HF_IGNORED;
    for (size_t i = 0; i < sizeof(jose_fields) / sizeof(jose_fields[0]); i++) {
        if (go_field_name_matches(key->u.str.s, key->u.str.len, jose_fields[i].name)) {
            *name = jose_fields[i].name;
            return jose_fields[i].kind;
        }
    }
    return HF_IGNORED;
}

/* strconv.Unquote of a JSON string's text fails only on "\/" and on a
 * \u escape of a surrogate half. */
static bool go_unquote_ok(const char *raw, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++) {
        if (raw[i] != '\\')
            continue;
        if (raw[++i] == '/')
            return false;
        if (raw[i] == 'u' && i + 4 < n) {
            char hex[5];
            memcpy(hex, raw + i + 1, 4);
            hex[4] = '\0';
            unsigned long v = strtoul(hex, NULL, 16);
            if (v >= 0xD800 && v <= 0xDFFF)
                return false;
            i += 4;
        }
    }
    return true;
}

/* SignatureAlgorithm.UnmarshalJSON: a string is unquoted, any other value
 * is taken as its raw text; the result must be a known name. */
static const char *header_alg_value(struct rego_bi_ctx *ctx, const char *raw, size_t n,
                                    const char **why)
{
    const char *name = raw;
    size_t len = n;
    if (raw[0] == '"') {
        if (!go_unquote_ok(raw, n)) {
            *why = "failed to process signature algorithm: invalid syntax";
            return NULL;
        }
        const struct value *v = json_string_value(ctx, raw, n);
        name = v ? v->u.str.s : "";
        len = v ? v->u.str.len : 0;
        if (!v) {
            *why = "unknown signature algorithm";
            return NULL;
        }
    }
    for (size_t i = 0; i < sizeof(header_alg_names) / sizeof(header_alg_names[0]); i++)
        if (strlen(header_alg_names[i]) == len && memcmp(header_alg_names[i], name, len) == 0)
            return header_alg_names[i];
    *why = "unknown signature algorithm";
    return NULL;
}

static void header_type_error(struct rego_bi_ctx *ctx, struct jose_header *h, const char *kind,
                              const char *field, const char *go_type)
{
    if (!h->type_error)
        h->type_error = arena_sprintf(ctx->arena,
                                      "json: cannot unmarshal %s into Go struct field "
                                      "StandardHeaders.%s of type %s",
                                      kind, field, go_type);
}

/* A []string field: an array of strings (null elements allowed). */
static int header_crit(struct rego_bi_ctx *ctx, struct jose_header *h, const char *raw, size_t n)
{
    const char *kind = bi_go_json_kind(raw, n);
    if (strcmp(kind, "null") == 0)
        return 0;
    if (strcmp(kind, "array") != 0) {
        header_type_error(ctx, h, kind, "crit", "[]string");
        return 0;
    }
    struct bi_go_json_item *items;
    size_t count;
    if (bi_go_json_items(ctx->arena, raw, n, &items, &count) < 0)
        return bi_oom(ctx);
    for (size_t i = 0; i < count; i++) {
        const char *ek = bi_go_json_kind(items[i].val, items[i].val_len);
        if (strcmp(ek, "string") != 0 && strcmp(ek, "null") != 0)
            header_type_error(ctx, h, ek, "crit", "string");
    }
    return 0;
}

/* A map[string]interface{} field: Go decodes every number in it as a
 * float64, so one beyond float64's range is an UnmarshalTypeError naming
 * the number (map keys are not part of the field path). */
static void header_private_params(struct rego_bi_ctx *ctx, struct jose_header *h, const char *raw,
                                  size_t n)
{
    const char *kind = bi_go_json_kind(raw, n);
    if (strcmp(kind, "object") != 0) {
        if (strcmp(kind, "null") != 0)
            header_type_error(ctx, h, kind, "privateParams", "map[string]interface {}");
        return;
    }
    for (size_t i = 0; i < n && !h->type_error;) {
        if (raw[i] == '"') {
            for (i++; i < n && raw[i] != '"'; i++)
                i += raw[i] == '\\';
            i++;
            continue;
        }
        if (raw[i] != '-' && !(raw[i] >= '0' && raw[i] <= '9')) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && raw[i] && strchr("0123456789+-.eE", raw[i]))
            i++;
        char *text = arena_strndup(ctx->arena, raw + start, i - start);
        if (text && isinf(strtod(text, NULL)))
            h->type_error = arena_sprintf(ctx->arena,
                                          "json: cannot unmarshal number %s into Go struct field "
                                          "StandardHeaders.privateParams of type float64",
                                          text);
    }
}

static int header_member(struct rego_bi_ctx *ctx, struct jose_header *h,
                         const struct bi_go_json_item *it)
{
    const char *field = "";
    const char *kind = bi_go_json_kind(it->val, it->val_len);
    switch (header_field_of(ctx, it->key, it->key_len, &field)) {
    case HF_IGNORED:
        return 0;
    case HF_ALG: {
        const char *why = "";
        h->alg = header_alg_value(ctx, it->val, it->val_len, &why);
        return h->alg ? 0 : bi_err(ctx, "%s", why);
    }
    case HF_STRING:
        if (strcmp(kind, "string") == 0 && strcmp(field, "typ") == 0) {
            const struct value *v = json_string_value(ctx, it->val, it->val_len);
            h->typ = v ? v->u.str.s : "\xEF\xBF\xBD"; /* what Go decodes is not "JWT" */
        } else if (strcmp(kind, "string") != 0 && strcmp(kind, "null") != 0) {
            header_type_error(ctx, h, kind, field, "string");
        }
        return 0;
    case HF_CRIT:
        return header_crit(ctx, h, it->val, it->val_len);
    case HF_PRIVATE_PARAMS:
        header_private_params(ctx, h, it->val, it->val_len);
        return 0;
    }
    return 0;
}

static int jose_header_read(struct rego_bi_ctx *ctx, const char *s, size_t n, struct jose_header *h)
{
    *h = (struct jose_header){"", "", NULL};
    const char *syntax = bi_go_json_check(ctx->arena, s, n);
    if (syntax)
        return bi_err(ctx, "%s", syntax);
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", s[i]))
        i++;
    const char *kind = bi_go_json_kind(s + i, n - i);
    if (strcmp(kind, "null") == 0)
        return 0;
    if (strcmp(kind, "object") != 0)
        return bi_err(ctx, "json: cannot unmarshal %s into Go value of type jws.StandardHeaders",
                      kind);
    struct bi_go_json_item *items;
    size_t count;
    if (bi_go_json_items(ctx->arena, s, n, &items, &count) < 0)
        return bi_oom(ctx);
    for (size_t k = 0; k < count; k++)
        TRY(header_member(ctx, h, &items[k]));
    if (h->type_error)
        return bi_err(ctx, "%s", h->type_error);
    return 0;
}

/* OPA 2025: the header as jws.StandardHeaders, then the payload check
 * (typ absent or "JWT"), then the algorithm for the signer. */
static int header_checks_2025(struct rego_bi_ctx *ctx, const char *hdr, size_t hl,
                              const char *payload, size_t pl, const struct jwt_alg **alg)
{
    struct jose_header h;
    TRY(jose_header_read(ctx, hdr, hl, &h));
    /* typ "JWT" or none: the payload must pass Go's json.Valid */
    if ((h.typ[0] == '\0' || strcmp(h.typ, "JWT") == 0) &&
        bi_go_json_check(ctx->arena, payload, pl) != NULL)
        return bi_err(ctx, "type is JWT but payload is not JSON");
    if (!(*alg = alg_find(h.alg, strlen(h.alg))))
        return bi_err(ctx, "failed to create signer: unsupported signature algorithm %s", h.alg);
    return 0;
}

/* jwsbb.HeaderGetString: the header's parse error, "jwsbb: header "k" not
 * found", or fastjson's type error, in *why (NULL with NULL = OOM). */
static const char *jwsbb_header_string(struct rego_bi_ctx *ctx, struct fj_doc *doc,
                                       const char *parse_error, const char *key, size_t *len,
                                       const char **why)
{
    *why = parse_error;
    if (parse_error)
        return NULL;
    bool oom;
    const struct fj_member *m = fj_get(ctx->arena, doc, key, &oom);
    if (!m) {
        if (!oom)
            *why = arena_sprintf(ctx->arena, "jwsbb: header \"%s\" not found", key);
        return NULL;
    }
    return fj_string(ctx->arena, m, len, why);
}

/* OPA 2026 (commonBuiltinJWTEncodeSign with jwx v3): "alg" through the
 * jwsbb helpers, which must name one of OPA's token algorithms ("none" is
 * not one); then the payload check when "typ" is missing, not a string or
 * "JWT".  Nothing else of the header is looked at. */
static int header_checks_2026(struct rego_bi_ctx *ctx, const char *hdr, size_t hl,
                              const char *payload, size_t pl, const struct jwt_alg **alg)
{
    struct fj_doc doc;
    const char *parse_error = NULL, *why;
    if (fj_parse(ctx->arena, hdr, hl, &doc, &parse_error) < 0 && !parse_error)
        return bi_oom(ctx);
    size_t alen = 0, tlen = 0;
    const char *name = jwsbb_header_string(ctx, &doc, parse_error, "alg", &alen, &why);
    if (!name)
        return why ? bi_err(ctx, "missing or invalid 'alg' header: %s", why) : bi_oom(ctx);
    if (!(*alg = alg_find(name, alen)))
        return bi_err(ctx, "unknown JWS algorithm: %.*s", (int)alen, name);
    const char *typ = jwsbb_header_string(ctx, &doc, NULL, "typ", &tlen, &why);
    if (!typ && !why)
        return bi_oom(ctx);
    bool is_jwt = !typ || (tlen == 3 && memcmp(typ, "JWT", 3) == 0);
    if (is_jwt && bi_go_json_check(ctx->arena, payload, pl) != NULL)
        return bi_err(ctx, "type is JWT but payload is not JSON");
    return 0;
}

static int encode_sign(struct rego_bi_ctx *ctx, const char *hdr, size_t hl, const char *payload,
                       size_t pl, const char *jwk, size_t kl, struct value **out)
{
    struct jwt_keys keys = {0};
    const char *why = "";
    const struct jwt_alg *alg = NULL;
    int rc = jwk_parse(ctx, jwk, kl, false, &keys, &why);
    if (rc < 0)
        rc = bi_err(ctx, "%s", why);
    else if (keys.n == 0)
        rc = bi_err(ctx, "no keys found in JWK set");
    if (rc == 0)
        rc = ctx->opa_compat == REGO_OPA_2026 ? header_checks_2026(ctx, hdr, hl, payload, pl, &alg)
                                              : header_checks_2025(ctx, hdr, hl, payload, pl, &alg);
    struct buf b = BUF_INIT;
    if (rc == 0) {
        b64_encode_buf(&b, (const uint8_t *)hdr, hl, B64_URL_NOPAD);
        buf_putc(&b, '.');
        b64_encode_buf(&b, (const uint8_t *)payload, pl, B64_URL_NOPAD);
        uint8_t *sig;
        size_t sl;
        if (buf_failed(&b))
            rc = bi_oom(ctx);
        else if (sign_msg(ctx->arena, &keys.v[0], alg, b.data, b.len, &sig, &sl, &why) < 0)
            rc = bi_err(ctx, "%s", why);
        else {
            buf_putc(&b, '.');
            b64_encode_buf(&b, sig, sl, B64_URL_NOPAD);
        }
    }
    keys_free(&keys);
    if (rc < 0) {
        buf_free(&b);
        return -1;
    }
    BI_RET(bi_buf_str(ctx, &b));
}

BI_FN(bi_jwt_encode_sign_raw)
{
    TRY(bi_want(ctx, args, 2, V_STRING));
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    return encode_sign(ctx, args[0]->u.str.s, args[0]->u.str.len, args[1]->u.str.s,
                       args[1]->u.str.len, args[2]->u.str.s, args[2]->u.str.len, out);
}

BI_FN(bi_jwt_encode_sign)
{
    struct value *text[3];
    static const char *const what[] = {"headers", "payload", "signature"};
    for (int i = 0; i < 3; i++) {
        const char *msg = "";
        if (bi_call(ctx, "json.marshal", &args[i], 1, &text[i], &msg) < 0)
            return bi_err(ctx, "failed to marshal JWT %s: %s", what[i], msg);
    }
    return encode_sign(ctx, text[0]->u.str.s, text[0]->u.str.len, text[1]->u.str.s,
                       text[1]->u.str.len, text[2]->u.str.s, text[2]->u.str.len, out);
}

const struct rego_builtin rego_bi_jwt[] = {
    {"io.jwt.decode", 1, bi_jwt_decode, 0, NULL},
    {"io.jwt.decode_verify", 2, bi_jwt_decode_verify, BI_NONDET, NULL},
    {"io.jwt.encode_sign", 3, bi_jwt_encode_sign, BI_NONDET, NULL},
    {"io.jwt.encode_sign_raw", 3, bi_jwt_encode_sign_raw, BI_NONDET, NULL},
    {"io.jwt.verify_eddsa", 2, bi_verify_eddsa, 0, NULL},
    {"io.jwt.verify_es256", 2, bi_verify_es256, 0, NULL},
    {"io.jwt.verify_es384", 2, bi_verify_es384, 0, NULL},
    {"io.jwt.verify_es512", 2, bi_verify_es512, 0, NULL},
    {"io.jwt.verify_hs256", 2, bi_verify_hs256, 0, NULL},
    {"io.jwt.verify_hs384", 2, bi_verify_hs384, 0, NULL},
    {"io.jwt.verify_hs512", 2, bi_verify_hs512, 0, NULL},
    {"io.jwt.verify_ps256", 2, bi_verify_ps256, 0, NULL},
    {"io.jwt.verify_ps384", 2, bi_verify_ps384, 0, NULL},
    {"io.jwt.verify_ps512", 2, bi_verify_ps512, 0, NULL},
    {"io.jwt.verify_rs256", 2, bi_verify_rs256, 0, NULL},
    {"io.jwt.verify_rs384", 2, bi_verify_rs384, 0, NULL},
    {"io.jwt.verify_rs512", 2, bi_verify_rs512, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
