/* token_jwk.c - the public key as a JWK (RFC 7517), the JWS header that
 * carries it, and the JWKS document (tokens.md §1.1, §2.1, §2.6).
 *
 * The jwk holds alg, kty and the public numbers — RSA n / e big-endian
 * without leading zero bytes; EC crv, x, y each left-padded to the field
 * size — plus x5c (standard base64 WITH padding of each DER certificate,
 * RFC 7517 §4.7; V24 used base64url, see docs/tokens.md) and x5u when
 * configured.  The header has no kid (tokens.md §1.1); the JWKS key adds
 * "kid" = RFC 7638 SHA-256 thumbprint and "use" = "sig".  Objects are value
 * objects, so every document prints with sorted keys. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <string.h>

#include "base/codec.h"
#include "base/hash.h"
#include "token/token_internal.h"

#define JWK_MAX_MEMBERS 10

struct members {
    struct value_pair p[JWK_MAX_MEMBERS];
    size_t n;
    bool oom;
};

static void add(struct arena *a, struct members *m, const char *key, struct value *v)
{
    struct value *k = v_cstr(a, key);
    if (!k || !v || m->n == JWK_MAX_MEMBERS) {
        m->oom = true;
        return;
    }
    m->p[m->n].key = k;
    m->p[m->n].val = v;
    m->n++;
}

static struct value *object_of(struct arena *a, const struct members *m)
{
    return m->oom ? NULL : v_object(a, m->p, m->n, DUP_LAST_WINS, NULL);
}

/* B64URL of a key parameter; pad = 0 for "no leading zeros" (RSA),
 * else the fixed width in bytes (EC coordinates). */
static struct value *bn_param_b64(struct arena *a, const EVP_PKEY *k, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1)
        return NULL;
    int n = pad ? pad : BN_num_bytes(bn);
    uint8_t *bytes = arena_alloc(a, (size_t)n + 1);
    int ok = bytes && (pad ? BN_bn2binpad(bn, bytes, pad) == pad : BN_bn2bin(bn, bytes) == n);
    BN_free(bn);
    if (!ok)
        return NULL;
    char *s = b64_encode_arena(a, bytes, (size_t)n, B64_URL_NOPAD);
    return s ? v_string_ref(a, s, strlen(s)) : NULL;
}

static const char *curve_name(enum token_key_alg alg)
{
    return alg == TOKEN_ES384 ? "P-384" : "P-256";
}

static int field_bytes(enum token_key_alg alg)
{
    return alg == TOKEN_ES384 ? 48 : 32;
}

/* The members RFC 7638 requires for the thumbprint (they are also the
 * public numbers of the jwk). */
static void add_public_numbers(struct arena *a, struct members *m, const struct token_broker *b)
{
    if (b->alg == TOKEN_RS384) {
        add(a, m, "e", bn_param_b64(a, b->key, OSSL_PKEY_PARAM_RSA_E, 0));
        add(a, m, "kty", v_cstr(a, "RSA"));
        add(a, m, "n", bn_param_b64(a, b->key, OSSL_PKEY_PARAM_RSA_N, 0));
    } else {
        add(a, m, "crv", v_cstr(a, curve_name(b->alg)));
        add(a, m, "kty", v_cstr(a, "EC"));
        add(a, m, "x", bn_param_b64(a, b->key, OSSL_PKEY_PARAM_EC_PUB_X, field_bytes(b->alg)));
        add(a, m, "y", bn_param_b64(a, b->key, OSSL_PKEY_PARAM_EC_PUB_Y, field_bytes(b->alg)));
    }
}

static struct value *x5c_array(struct arena *a, const struct token_chain *chain)
{
    struct value_list l = {0};
    for (size_t i = 0; i < chain->n; i++) {
        int n = i2d_X509(chain->certs[i], NULL);
        uint8_t *der = n > 0 ? arena_alloc(a, (size_t)n) : NULL;
        uint8_t *p = der;
        if (!der || i2d_X509(chain->certs[i], &p) != n)
            return NULL;
        char *s = b64_encode_arena(a, der, (size_t)n, B64_STD_PAD);
        if (!s || value_list_push(a, &l, v_string_ref(a, s, strlen(s))) < 0)
            return NULL;
    }
    return v_array(a, l.items, l.len);
}

static void add_jwk_members(struct arena *a, struct members *m, const struct token_broker *b,
                            const struct token_chain *chain, const char *cert_url)
{
    add(a, m, "alg", v_cstr(a, token_alg_name(b->alg)));
    add_public_numbers(a, m, b);
    if (chain && chain->n)
        add(a, m, "x5c", x5c_array(a, chain));
    if (cert_url)
        add(a, m, "x5u", v_cstr(a, cert_url));
}

/* RFC 7638: SHA-256 over the compact JSON of the required members in
 * lexicographic order, base64url. */
static struct value *thumbprint(struct arena *a, const struct token_broker *b)
{
    struct members m = {.n = 0};
    add_public_numbers(a, &m, b);
    char *json = json_to_string(a, object_of(a, &m), JSON_COMPACT);
    uint8_t digest[HASH_MAX_LEN];
    if (!json || hash_digest(HASH_SHA256, json, strlen(json), digest) < 0)
        return NULL;
    char *s = b64_encode_arena(a, digest, hash_len(HASH_SHA256), B64_URL_NOPAD);
    return s ? v_string_ref(a, s, strlen(s)) : NULL;
}

static struct value *jwks_document(struct arena *a, const struct token_broker *b,
                                   const struct token_chain *chain, const char *cert_url)
{
    struct members key = {.n = 0};
    add_jwk_members(a, &key, b, chain, cert_url);
    add(a, &key, "kid", thumbprint(a, b));
    add(a, &key, "use", v_cstr(a, "sig"));
    struct value *k = object_of(a, &key);
    if (!k)
        return NULL;
    struct members doc = {.n = 0};
    add(a, &doc, "keys", v_array(a, &k, 1));
    return object_of(a, &doc);
}

/* {"alg":...,"jwk":{...},"typ":"JWT"} in base64url. */
static int header_build(struct token_broker *b)
{
    struct arena *a = &b->arena;
    struct members h = {.n = 0};
    add(a, &h, "alg", v_cstr(a, token_alg_name(b->alg)));
    add(a, &h, "jwk", b->jwk);
    add(a, &h, "typ", v_cstr(a, "JWT"));
    char *json = json_to_string(a, object_of(a, &h), JSON_COMPACT);
    if (!json)
        return -1;
    char *b64 = b64_encode_arena(a, (const uint8_t *)json, strlen(json), B64_URL_NOPAD);
    if (!b64)
        return -1;
    b->header_b64 = b64;
    b->header_b64_len = strlen(b64);
    return 0;
}

int token_jwk_build(struct token_broker *b, const struct token_chain *chain, const char *cert_url,
                    struct as_error *err)
{
    struct arena *a = &b->arena;
    struct members m = {.n = 0};
    add_jwk_members(a, &m, b, chain, cert_url);
    b->jwk = object_of(a, &m);
    b->jwks = b->jwk ? jwks_document(a, b, chain, cert_url) : NULL;
    if (!b->jwks || header_build(b) < 0) {
        ERR_clear_error();
        return as_err(err, 500, ERR_INTERNAL, "cannot encode the token signing key as a JWK");
    }
    return 0;
}
