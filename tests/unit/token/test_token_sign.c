/* Unit tests for token signing (token_jws.c, token_jwk.c): the Simple
 * token's exact header and payload bytes, signatures checked by OpenSSL
 * from the header jwk and from the original key, RSA / EC number
 * encodings, x5c / x5u, the JWKS, and signing from 8 threads at once. */
#include <pthread.h>

#include "base/log.h"
#include "token_test_util.h"

static struct arena A;

static void setup(void)
{
    log_init("error");
    arena_init(&A, 4096);
    tdir_make();
}

static void teardown(void)
{
    arena_free(&A);
    tdir_remove();
}

TestSuite(token_sign, .init = setup, .fini = teardown);

static struct token_broker *broker_for(struct as_config *cfg)
{
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(cfg, &b, &err), 0, "%s", err.detail);
    return b;
}

static char *sign(struct token_broker *b, const char *claims_json)
{
    char *jws = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_sign_jwt(b, parse_json(&A, claims_json), &A, &jws, &err), 0, "%s",
                 err.detail);
    return jws;
}

static char *bn_b64(const EVP_PKEY *k, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    cr_assert_eq(EVP_PKEY_get_bn_param(k, param, &bn), 1);
    int n = pad ? pad : BN_num_bytes(bn);
    unsigned char buf[1024];
    if (pad)
        BN_bn2binpad(bn, buf, pad);
    else
        BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64url_ossl(buf, (size_t)n);
}

static struct value *header_jwk(const struct jws_parts *p)
{
    struct value *h = parse_json(&A, p->header);
    struct value *jwk = value_object_get_str(h, "jwk");
    cr_assert(v_is(jwk, V_OBJECT));
    return jwk;
}

static void assert_verifies_with_header_jwk(const struct jws_parts *p, const char *alg)
{
    EVP_PKEY *pub = pkey_from_jwk(header_jwk(p));
    cr_assert(verify_sig(pub, alg, p), "signature does not verify with the header jwk");
    EVP_PKEY_free(pub);
}

Test(token_sign, ephemeral_rsa_header_payload_signature)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    struct token_broker *b = broker_for(&cfg);
    cr_assert_str_eq(token_broker_alg(b), "RS384");
    struct jws_parts p;
    jws_split(sign(b, "{\"b\":1,\"a\":\"x\",\"c\":{\"z\":null,\"y\":[true,2]}}"), &p);
    cr_assert_str_eq(p.payload, "{\"a\":\"x\",\"b\":1,\"c\":{\"y\":[true,2],\"z\":null}}");
    struct value *jwk = header_jwk(&p);
    const char *n = value_object_get_str(jwk, "n")->u.str.s;
    char *expect = NULL;
    cr_assert_gt(asprintf(&expect,
                          "{\"alg\":\"RS384\",\"jwk\":{\"alg\":\"RS384\",\"e\":\"AQAB\","
                          "\"kty\":\"RSA\",\"n\":\"%s\"},\"typ\":\"JWT\"}",
                          n),
                 0);
    cr_assert_str_eq(p.header, expect);
    size_t n_len;
    BIGNUM *bn = jwk_bn(jwk, "n", &n_len);
    cr_assert_eq(n_len, 256, "RSA-2048 modulus must be 256 bytes, got %zu", n_len);
    cr_assert_eq(BN_num_bits(bn), 2048);
    BN_free(bn);
    cr_assert_eq(p.sig_len, 256);
    assert_verifies_with_header_jwk(&p, "RS384");
    free(expect);
    jws_parts_free(&p);
    token_broker_free(b);
}

/* Key from a file: header bytes rebuilt from the key itself with OpenSSL,
 * signature verified with the original key's public half. */
static void check_rsa_file(unsigned bits, enum key_format f)
{
    EVP_PKEY *k = gen_rsa(bits);
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("rsa.pem", k, f);
    struct token_broker *b = broker_for(&cfg);
    struct jws_parts p;
    jws_split(sign(b, "{\"iss\":\"me\"}"), &p);
    char *n = bn_b64(k, OSSL_PKEY_PARAM_RSA_N, 0), *e = bn_b64(k, OSSL_PKEY_PARAM_RSA_E, 0);
    char *expect = NULL;
    cr_assert_gt(asprintf(&expect,
                          "{\"alg\":\"RS384\",\"jwk\":{\"alg\":\"RS384\",\"e\":\"%s\","
                          "\"kty\":\"RSA\",\"n\":\"%s\"},\"typ\":\"JWT\"}",
                          e, n),
                 0);
    cr_assert_str_eq(p.header, expect);
    cr_assert_str_eq(e, "AQAB");
    size_t n_len;
    BN_free(jwk_bn(header_jwk(&p), "n", &n_len));
    cr_assert_eq(n_len, (bits + 7) / 8, "no leading zero byte in n");
    cr_assert(verify_sig(k, "RS384", &p));
    cr_assert_eq(p.sig_len, (bits + 7) / 8);
    free(n), free(e), free(expect);
    jws_parts_free(&p);
    token_broker_free(b);
    EVP_PKEY_free(k);
}

Test(token_sign, rsa_pkcs1_file)
{
    check_rsa_file(2048, PEM_TRADITIONAL);
}
Test(token_sign, rsa_pkcs8_file_3072)
{
    check_rsa_file(3072, PEM_PKCS8);
}
/* 2052 bits: the top byte of n is small, which catches both a padded
 * (leading zero) and a truncated encoding. */
Test(token_sign, rsa_odd_size_no_leading_zero)
{
    check_rsa_file(2052, PEM_PKCS8);
}

/* A P-256 key one of whose coordinates starts with a zero byte. */
static EVP_PKEY *ec_key_with_leading_zero(const char *curve, int field)
{
    for (int i = 0; i < 20000; i++) {
        EVP_PKEY *k = gen_ec(curve);
        BIGNUM *x = NULL, *y = NULL;
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        bool short_coord = BN_num_bytes(x) < field || BN_num_bytes(y) < field;
        BN_free(x), BN_free(y);
        if (short_coord)
            return k;
        EVP_PKEY_free(k);
    }
    cr_assert_fail("no EC key with a short coordinate found");
    return NULL;
}

static void check_ec_file(const char *curve, const char *crv, const char *alg, int field,
                          enum key_format f)
{
    EVP_PKEY *k = ec_key_with_leading_zero(curve, field);
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("ec.pem", k, f);
    struct token_broker *b = broker_for(&cfg);
    cr_assert_str_eq(token_broker_alg(b), alg);
    struct jws_parts p;
    jws_split(sign(b, "{\"a\":1}"), &p);
    char *x = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_X, field);
    char *y = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_Y, field);
    char *expect = NULL;
    cr_assert_gt(asprintf(&expect,
                          "{\"alg\":\"%s\",\"jwk\":{\"alg\":\"%s\",\"crv\":\"%s\","
                          "\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"},\"typ\":\"JWT\"}",
                          alg, alg, crv, x, y),
                 0);
    cr_assert_str_eq(p.header, expect);
    cr_assert_eq(p.sig_len, (size_t)(2 * field), "JWS ECDSA signature is r||s");
    cr_assert(verify_sig(k, alg, &p));
    assert_verifies_with_header_jwk(&p, alg); /* also checks x/y are exactly field bytes */
    free(x), free(y), free(expect);
    jws_parts_free(&p);
    token_broker_free(b);
    EVP_PKEY_free(k);
}

Test(token_sign, ec_p256_sec1_padded_coordinates)
{
    check_ec_file("P-256", "P-256", "ES256", 32, PEM_TRADITIONAL);
}

Test(token_sign, ec_p384_pkcs8_padded_coordinates)
{
    check_ec_file("P-384", "P-384", "ES384", 48, PEM_PKCS8);
}

Test(token_sign, ecdsa_signatures_differ_but_all_verify)
{
    EVP_PKEY *k = gen_ec("P-256");
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("ec.pem", k, PEM_PKCS8);
    struct token_broker *b = broker_for(&cfg);
    for (int i = 0; i < 200; i++) { /* r or s with leading zeros appear in ~1/128 runs */
        struct jws_parts p;
        jws_split(sign(b, "{\"i\":1}"), &p);
        cr_assert_eq(p.sig_len, 64);
        cr_assert(verify_sig(k, "ES256", &p));
        jws_parts_free(&p);
    }
    token_broker_free(b);
    EVP_PKEY_free(k);
}

Test(token_sign, x5c_standard_base64_and_x5u)
{
    EVP_PKEY *ca = gen_ec("P-256"), *leaf = gen_rsa(2048);
    X509 *ca_cert = make_cert(ca, ca, "test ca", 1);
    X509 *leaf_cert = make_cert(leaf, ca, "token signer", 2);
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("leaf.pem", leaf, PEM_TRADITIONAL);
    cfg.signer.cert_path = tpath("chain.pem");
    append_cert(cfg.signer.cert_path, leaf_cert);
    append_cert(cfg.signer.cert_path, ca_cert);
    cfg.signer.cert_url = "https://example.com/chain.pem";
    struct token_broker *b = broker_for(&cfg);
    struct jws_parts p;
    jws_split(sign(b, "{}"), &p);
    cr_assert_str_eq(p.payload, "{}");
    unsigned char *d1 = NULL, *d2 = NULL;
    int l1 = i2d_X509(leaf_cert, &d1), l2 = i2d_X509(ca_cert, &d2);
    char *c1 = b64std_ossl(d1, (size_t)l1), *c2 = b64std_ossl(d2, (size_t)l2);
    char *n = bn_b64(leaf, OSSL_PKEY_PARAM_RSA_N, 0);
    char *expect = NULL;
    cr_assert_gt(asprintf(&expect,
                          "{\"alg\":\"RS384\",\"jwk\":{\"alg\":\"RS384\",\"e\":\"AQAB\","
                          "\"kty\":\"RSA\",\"n\":\"%s\",\"x5c\":[\"%s\",\"%s\"],"
                          "\"x5u\":\"https://example.com/chain.pem\"},\"typ\":\"JWT\"}",
                          n, c1, c2),
                 0);
    cr_assert_str_eq(p.header, expect);
    assert_verifies_with_header_jwk(&p, "RS384");
    free(c1), free(c2), free(n), free(expect);
    OPENSSL_free(d1), OPENSSL_free(d2);
    X509_free(ca_cert), X509_free(leaf_cert);
    EVP_PKEY_free(ca), EVP_PKEY_free(leaf);
    jws_parts_free(&p);
    token_broker_free(b);
}

/* kid = RFC 7638 thumbprint, computed here independently. */
static char *thumbprint_of(const struct value *jwk)
{
    const char *kty = value_object_get_str(jwk, "kty")->u.str.s;
    char *json = NULL;
    if (strcmp(kty, "RSA") == 0)
        cr_assert_gt(asprintf(&json, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                              value_object_get_str(jwk, "e")->u.str.s,
                              value_object_get_str(jwk, "n")->u.str.s),
                     0);
    else
        cr_assert_gt(asprintf(&json, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                              value_object_get_str(jwk, "crv")->u.str.s,
                              value_object_get_str(jwk, "x")->u.str.s,
                              value_object_get_str(jwk, "y")->u.str.s),
                     0);
    unsigned char md[32];
    EVP_Digest(json, strlen(json), md, NULL, EVP_sha256(), NULL);
    free(json);
    return b64url_ossl(md, 32);
}

static void check_jwks(struct as_config *cfg, const char *alg)
{
    struct token_broker *b = broker_for(cfg);
    struct jws_parts p;
    jws_split(sign(b, "{\"k\":\"v\"}"), &p);
    struct value *jwks = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_jwks(b, &A, &jwks, &err), 0);
    struct value *keys = value_object_get_str(jwks, "keys");
    cr_assert(v_is(keys, V_ARRAY));
    cr_assert_eq(keys->u.arr.len, 1);
    cr_assert_eq(jwks->u.obj.len, 1, "JWKS has only \"keys\"");
    struct value *key = keys->u.arr.items[0];
    struct value *jwk = header_jwk(&p);
    char *kid = thumbprint_of(jwk);
    cr_assert_str_eq(value_object_get_str(key, "kid")->u.str.s, kid);
    cr_assert_str_eq(value_object_get_str(key, "use")->u.str.s, "sig");
    cr_assert_str_eq(value_object_get_str(key, "alg")->u.str.s, alg);
    /* every other member is the header jwk's */
    cr_assert_eq(key->u.obj.len, jwk->u.obj.len + 2);
    for (size_t i = 0; i < jwk->u.obj.len; i++)
        cr_assert(
            value_equal(value_object_get(key, jwk->u.obj.pairs[i].key), jwk->u.obj.pairs[i].val));
    cr_assert_null(value_object_get_str(parse_json(&A, p.header), "kid"), "no kid in header");
    EVP_PKEY *pub = pkey_from_jwk(key);
    cr_assert(verify_sig(pub, alg, &p), "token does not verify with the JWKS key");
    EVP_PKEY_free(pub);
    free(kid);
    jws_parts_free(&p);
    token_broker_free(b);
}

Test(token_sign, jwks_matches_header_rsa)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    check_jwks(&cfg, "RS384");
}

Test(token_sign, jwks_matches_header_ec_with_chain)
{
    EVP_PKEY *k = gen_ec("P-256");
    X509 *cert = make_cert(k, k, "self", 7);
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("ec.pem", k, PEM_PKCS8);
    cfg.signer.cert_path = tpath("cert.pem");
    append_cert(cfg.signer.cert_path, cert);
    check_jwks(&cfg, "ES256");
    X509_free(cert);
    EVP_PKEY_free(k);
}

Test(token_sign, claims_must_be_an_object)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    struct token_broker *b = broker_for(&cfg);
    char *jws = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_sign_jwt(b, parse_json(&A, "[1]"), &A, &jws, &err), -1);
    cr_assert_eq(err.status, 500);
    cr_assert_eq(token_sign_jwt(b, NULL, &A, &jws, &err), -1);
    token_broker_free(b);
}

/* ---- concurrency ---- */

#define THREADS           8
#define TOKENS_PER_THREAD 40

struct worker {
    const struct token_broker *b;
    EVP_PKEY *pub;
    const char *alg;
    int id;
    int verified;
};

static void *sign_many(void *arg)
{
    struct worker *w = arg;
    struct arena a;
    arena_init(&a, 4096);
    for (int i = 0; i < TOKENS_PER_THREAD; i++) {
        char claims[64];
        snprintf(claims, sizeof claims, "{\"thread\":%d,\"i\":%d}", w->id, i);
        struct value *v = NULL;
        struct as_error err;
        char *jws = NULL;
        if (json_parse(&a, claims, strlen(claims), NULL, &v, &err) < 0 ||
            token_sign_jwt(w->b, v, &a, &jws, &err) < 0)
            break;
        struct jws_parts p;
        jws_split(jws, &p);
        char expect[64];
        snprintf(expect, sizeof expect, "{\"i\":%d,\"thread\":%d}", i, w->id);
        if (strcmp(p.payload, expect) == 0 && verify_sig(w->pub, w->alg, &p))
            w->verified++;
        jws_parts_free(&p);
        arena_reset(&a);
    }
    arena_free(&a);
    return NULL;
}

static void check_concurrent(const char *curve_or_null)
{
    EVP_PKEY *k = curve_or_null ? gen_ec(curve_or_null) : gen_rsa(2048);
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = write_key("k.pem", k, PEM_PKCS8);
    struct token_broker *b = broker_for(&cfg);
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.b = b, .pub = k, .alg = token_broker_alg(b), .id = i};
        cr_assert_eq(pthread_create(&t[i], NULL, sign_many, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(w[i].verified, TOKENS_PER_THREAD, "thread %d: %d of %d verified", i,
                     w[i].verified, TOKENS_PER_THREAD);
    token_broker_free(b);
    EVP_PKEY_free(k);
}

Test(token_sign, concurrent_rsa_8_threads)
{
    check_concurrent(NULL);
}
Test(token_sign, concurrent_es256_8_threads)
{
    check_concurrent("P-256");
}
