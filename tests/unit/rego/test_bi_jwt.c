/* test_bi_jwt.c - io.jwt.*: tokens signed here with keys generated at test
 * time (RSA, EC P-256, Ed25519, HMAC secrets), verified with PEM public
 * keys, certificates, JWKs and JWK sets; OPA's decode errors, the
 * decode_verify constraints and claim checks (exp/nbf against the time). */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/codec.h"
#include "bi_test_util.h"

TestSuite(bi_jwt, .init = bt_setup, .fini = bt_teardown);

/* ---- keys made for the test ---- */

static EVP_PKEY *gen_key(const char *type)
{
    EVP_PKEY *k = NULL;
    if (strcmp(type, "RSA") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(type, "EC") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else
        k = EVP_PKEY_Q_keygen(NULL, NULL, type);
    cr_assert(k != NULL, "keygen %s", type);
    return k;
}

static const char *pem_public(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    cr_assert(PEM_write_bio_PUBKEY(b, k) == 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = arena_alloc(&bt_arena, (size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    return s;
}

/* A self-signed certificate of the key, as PEM. */
static const char *pem_cert(EVP_PKEY *k)
{
    X509 *c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
    X509_gmtime_adj(X509_getm_notBefore(c), 0);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                               (const unsigned char *)"jwt test", -1, -1, 0);
    X509_set_issuer_name(c, X509_get_subject_name(c));
    X509_set_pubkey(c, k);
    int id = EVP_PKEY_get_base_id(k);
    cr_assert(X509_sign(c, k, id == EVP_PKEY_ED25519 ? NULL : EVP_sha256()) > 0);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = arena_alloc(&bt_arena, (size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    X509_free(c);
    return s;
}

static const char *b64url_bn(EVP_PKEY *k, const char *param)
{
    BIGNUM *bn = NULL;
    cr_assert(EVP_PKEY_get_bn_param(k, param, &bn) == 1, "param %s", param);
    size_t n = (size_t)BN_num_bytes(bn);
    uint8_t buf[1024];
    BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64_encode_arena(&bt_arena, buf, n, B64_URL_NOPAD);
}

static const char *b64url_fixed(EVP_PKEY *k, const char *param, size_t width)
{
    BIGNUM *bn = NULL;
    cr_assert(EVP_PKEY_get_bn_param(k, param, &bn) == 1);
    uint8_t buf[128];
    BN_bn2binpad(bn, buf, (int)width);
    BN_free(bn);
    return b64_encode_arena(&bt_arena, buf, width, B64_URL_NOPAD);
}

/* The key as a JWK (with private members when private is set). */
static const char *jwk_of(EVP_PKEY *k, bool private, const char *extra)
{
    int id = EVP_PKEY_get_base_id(k);
    if (id == EVP_PKEY_RSA) {
        const char *pub =
            arena_sprintf(&bt_arena, "\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"",
                          b64url_bn(k, OSSL_PKEY_PARAM_RSA_N), b64url_bn(k, OSSL_PKEY_PARAM_RSA_E));
        if (private)
            pub = arena_sprintf(&bt_arena,
                                "%s,\"d\":\"%s\",\"p\":\"%s\",\"q\":\"%s\",\"dp\":\"%s\",\"dq\":\"%"
                                "s\",\"qi\":\"%s\"",
                                pub, b64url_bn(k, OSSL_PKEY_PARAM_RSA_D),
                                b64url_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1),
                                b64url_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2),
                                b64url_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT1),
                                b64url_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT2),
                                b64url_bn(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
        return arena_sprintf(&bt_arena, "{%s%s}", pub, extra);
    }
    if (id == EVP_PKEY_EC) {
        const char *pub =
            arena_sprintf(&bt_arena, "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"",
                          b64url_fixed(k, OSSL_PKEY_PARAM_EC_PUB_X, 32),
                          b64url_fixed(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
        if (private)
            pub = arena_sprintf(&bt_arena, "%s,\"d\":\"%s\"", pub,
                                b64url_fixed(k, OSSL_PKEY_PARAM_PRIV_KEY, 32));
        return arena_sprintf(&bt_arena, "{%s%s}", pub, extra);
    }
    uint8_t raw[32];
    size_t n = 32;
    cr_assert(EVP_PKEY_get_raw_public_key(k, raw, &n) == 1);
    const char *pub = arena_sprintf(&bt_arena, "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"",
                                    b64_encode_arena(&bt_arena, raw, 32, B64_URL_NOPAD));
    if (private) {
        cr_assert(EVP_PKEY_get_raw_private_key(k, raw, &n) == 1);
        pub = arena_sprintf(&bt_arena, "%s,\"d\":\"%s\"", pub,
                            b64_encode_arena(&bt_arena, raw, 32, B64_URL_NOPAD));
    }
    return arena_sprintf(&bt_arena, "{%s%s}", pub, extra);
}

static struct value *sign_raw(const char *header, const char *payload, const char *jwk)
{
    struct value *tok;
    int rc = bt_call("io.jwt.encode_sign_raw", &tok, 3, STR(header), STR(payload), STR(jwk));
    cr_assert(rc == 0 && tok, "encode_sign_raw failed: %s", bt_err.detail);
    return tok;
}

static bool verify(const char *fn, struct value *tok, const char *key)
{
    struct value *got;
    int rc = bt_call(fn, &got, 2, tok, STR(key));
    cr_assert(rc == 0 && got, "%s failed: %s", fn, bt_err.detail);
    return got->u.b;
}

/* The token with one signature byte changed. */
static struct value *tampered(struct value *tok)
{
    char *s = arena_strdup(&bt_arena, tok->u.str.s);
    size_t n = strlen(s);
    s[n - 3] = s[n - 3] == 'A' ? 'B' : 'A';
    return STR(s);
}

/* ---- signing and verifying with each algorithm ---- */

static void roundtrip(const char *type, const char *alg, const char *verify_fn)
{
    EVP_PKEY *k = gen_key(type), *other = gen_key(type);
    const char *hdr = arena_sprintf(&bt_arena, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    struct value *tok = sign_raw(hdr, "{\"sub\":\"me\"}", jwk_of(k, true, ""));
    cr_expect(verify(verify_fn, tok, pem_public(k)), "%s with PEM key", alg);
    cr_expect(verify(verify_fn, tok, pem_cert(k)), "%s with certificate", alg);
    cr_expect(verify(verify_fn, tok, jwk_of(k, false, "")), "%s with JWK", alg);
    cr_expect(!verify(verify_fn, tampered(tok), pem_public(k)), "%s tampered", alg);
    cr_expect(!verify(verify_fn, tok, pem_public(other)), "%s other key", alg);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

Test(bi_jwt, rs256_roundtrip)
{
    roundtrip("RSA", "RS256", "io.jwt.verify_rs256");
}
Test(bi_jwt, ps384_roundtrip)
{
    roundtrip("RSA", "PS384", "io.jwt.verify_ps384");
}
Test(bi_jwt, es256_roundtrip)
{
    roundtrip("EC", "ES256", "io.jwt.verify_es256");
}
Test(bi_jwt, eddsa_roundtrip)
{
    roundtrip("ED25519", "EdDSA", "io.jwt.verify_eddsa");
}

Test(bi_jwt, family_mismatch_is_false)
{
    EVP_PKEY *k = gen_key("RSA");
    struct value *tok = sign_raw("{\"alg\":\"RS256\"}", "{}", jwk_of(k, true, ""));
    /* a PKCS#1 v1.5 signature is not a PSS one, an RSA key not an EC key */
    cr_expect(!verify("io.jwt.verify_ps256", tok, pem_public(k)));
    cr_expect(!verify("io.jwt.verify_es256", tok, pem_public(k)));
    EVP_PKEY_free(k);
}

Test(bi_jwt, hs256_known_answer)
{
    /* RFC 7515 appendix A.1: the HMAC key and the JWS it signs */
    const char *tok = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
                      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9p"
                      "c19yb290Ijp0cnVlfQ."
                      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const char *jwk = "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                      "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}";
    struct value *got = sign_raw(
        "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}",
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}", jwk);
    cr_expect_str_eq(got->u.str.s, tok);
    uint8_t *key;
    size_t kl;
    const char *why;
    cr_assert(b64_decode(&bt_arena,
                         "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                         "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
                         86, B64_URL_NOPAD, &key, &kl, &why) == 0);
    struct value *ok;
    cr_assert(bt_call("io.jwt.verify_hs256", &ok, 2, STR(tok),
                      v_string(&bt_arena, (char *)key, kl)) == 0);
    cr_expect(ok->u.b);
    cr_assert(bt_call("io.jwt.verify_hs256", &ok, 2, STR(tok), STR("wrong")) == 0);
    cr_expect(!ok->u.b);
}

/* ---- decode ---- */

Test(bi_jwt, decode_parts)
{
    struct value *tok = sign_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"a\":[1,\"x\"],\"a\":2}",
                                 "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}");
    struct value *got;
    cr_assert(bt_call("io.jwt.decode", &got, 1, tok) == 0, "%s", bt_err.detail);
    cr_assert(got->type == V_ARRAY && got->u.arr.len == 3);
    cr_expect(value_equal(got->u.arr.items[0], J("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")));
    cr_expect(value_equal(got->u.arr.items[1], J("{\"a\":2}")), "last duplicate wins");
    cr_expect_eq(got->u.arr.items[2]->u.str.len, 64u, "hex of a 32-byte MAC");
}

Test(bi_jwt, decode_errors)
{
    EXPECT_ERR("eval_builtin_error", "encoded JWT had no period separators", "io.jwt.decode", 1,
               STR("abc"));
    EXPECT_ERR("eval_builtin_error", "encoded JWT must have 3 sections, found 4", "io.jwt.decode",
               1, STR("a.b.c.d"));
    EXPECT_ERR("eval_builtin_error", "JWT header had invalid encoding: illegal base64 data",
               "io.jwt.decode", 1, STR("e^J.e30.AA"));
    /* {"alg":"HS256","enc":"x"} */
    EXPECT_ERR("eval_builtin_error", "JWT is a JWE object", "io.jwt.decode", 1,
               STR("eyJhbGciOiJIUzI1NiIsImVuYyI6IngifQ.e30.AA"));
    /* header [] */
    EXPECT_ERR("eval_builtin_error", "decoded JSON type was not an Object", "io.jwt.decode", 1,
               STR("W10.e30.AA"));
    EXPECT_ERR("eval_type_error", "operand 1 must be string", "io.jwt.decode", 1, J("1"));
}

/* ---- keys ---- */

Test(bi_jwt, pem_and_jwk_errors)
{
    EVP_PKEY *k = gen_key("EC");
    struct value *tok = sign_raw("{\"alg\":\"ES256\"}", "{}", jwk_of(k, true, ""));
    const char *pem = pem_public(k);
    EXPECT_ERR("eval_builtin_error", "extra data after a PEM certificate block",
               "io.jwt.verify_es256", 2, tok, STR(arena_sprintf(&bt_arena, "%sjunk", pem)));
    EXPECT_ERR("eval_builtin_error", "failed to extract a Key from the PEM certificate",
               "io.jwt.verify_es256", 2, tok,
               STR("-----BEGIN PRIVATE THING-----\nAAAA\n-----END PRIVATE THING-----\n"));
    EXPECT_ERR("eval_builtin_error", "failed to parse a PEM certificate", "io.jwt.verify_es256", 2,
               tok, STR("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    EXPECT_ERR("eval_builtin_error", "failed to parse a JWK key (set)", "io.jwt.verify_es256", 2,
               tok, STR("{\"kty\":\"bogus\"}"));
    EXPECT_ERR("eval_builtin_error", "failed to parse a JWK key (set)", "io.jwt.verify_es256", 2,
               tok, STR("not json"));
    EVP_PKEY_free(k);
}

Test(bi_jwt, jwks_kid_and_alg)
{
    EVP_PKEY *a = gen_key("RSA"), *b = gen_key("RSA");
    struct value *tok = sign_raw("{\"alg\":\"RS256\",\"kid\":\"b\"}", "{}", jwk_of(b, true, ""));
    const char *set =
        arena_sprintf(&bt_arena, "{\"keys\":[%s,%s]}", jwk_of(a, false, ",\"kid\":\"a\""),
                      jwk_of(b, false, ",\"kid\":\"b\""));
    cr_expect(verify("io.jwt.verify_rs256", tok, set), "the kid picks key b");
    /* the kid matches key a only: that key alone is tried */
    const char *wrong =
        arena_sprintf(&bt_arena, "{\"keys\":[%s,%s]}", jwk_of(a, false, ",\"kid\":\"b\""),
                      jwk_of(b, false, ",\"kid\":\"c\""));
    cr_expect(!verify("io.jwt.verify_rs256", tok, wrong));
    /* no kid match: keys whose alg differs from the header's are skipped */
    const char *algs =
        arena_sprintf(&bt_arena, "{\"keys\":[%s]}", jwk_of(b, false, ",\"alg\":\"RS384\""));
    cr_expect(!verify("io.jwt.verify_rs256", tok, algs));
    const char *ok =
        arena_sprintf(&bt_arena, "{\"keys\":[%s]}", jwk_of(b, false, ",\"alg\":\"RS256\""));
    cr_expect(verify("io.jwt.verify_rs256", tok, ok));
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

/* ---- decode_verify ---- */

static struct value *dv(struct value *tok, const char *constraints)
{
    struct value *got;
    int rc = bt_call("io.jwt.decode_verify", &got, 2, tok, J(constraints));
    cr_assert(rc == 0 && got, "decode_verify: %s", bt_err.detail);
    return got;
}

static bool dv_ok(struct value *tok, const char *constraints)
{
    struct value *got = dv(tok, constraints);
    return got->u.arr.items[0]->u.b;
}

Test(bi_jwt, decode_verify_claims)
{
    const char *k = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"; /* "secret" */
    struct value *tok =
        sign_raw("{\"alg\":\"HS256\"}", "{\"iss\":\"me\",\"nbf\":1000,\"exp\":2000.5}", k);
    struct value *got = dv(tok, "{\"secret\":\"secret\",\"time\":1500000000000}");
    cr_expect(
        value_equal(got,
                    J("[true,{\"alg\":\"HS256\"},{\"iss\":\"me\",\"nbf\":1000,\"exp\":2000.5}]")),
        "got %s", bt_json(got));
    cr_expect(dv_ok(tok, "{\"secret\":\"secret\",\"time\":1500000000000,\"iss\":\"me\"}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"time\":1500000000000,\"iss\":\"you\"}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"time\":1500000000000,\"alg\":\"HS384\"}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"wrong\",\"time\":1500000000000}"));
    /* an aud constraint needs an aud claim */
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"time\":1500000000000,\"aud\":\"x\"}"));
    /* nbf: valid from 1000 s on; exp: invalid from 2000.5 s on */
    cr_expect(dv_ok(tok, "{\"secret\":\"secret\",\"time\":1000000000000}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"time\":999999999999}"));
    cr_expect(dv_ok(tok, "{\"secret\":\"secret\",\"time\":2000499999999}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"time\":2000500000000}"));
    /* without a time constraint: the query's time (2023 here) is past exp */
    struct value *now = dv(tok, "{\"secret\":\"secret\"}");
    cr_expect(value_equal(now, J("[false,{},{}]")));
}

Test(bi_jwt, decode_verify_audience)
{
    const char *k = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    struct value *tok = sign_raw("{\"alg\":\"HS256\"}", "{\"aud\":[\"x\",\"y\"]}", k);
    /* an aud claim needs an aud constraint that it names */
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\"}"));
    cr_expect(!dv_ok(tok, "{\"secret\":\"secret\",\"aud\":\"z\"}"));
    cr_expect(dv_ok(tok, "{\"secret\":\"secret\",\"aud\":\"y\"}"));
}

Test(bi_jwt, decode_verify_constraint_errors)
{
    struct value *tok =
        sign_raw("{\"alg\":\"HS256\"}", "{}", "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}");
    EVP_PKEY *k = gen_key("EC");
    EXPECT_ERR("eval_builtin_error", "no key constraint", "io.jwt.decode_verify", 2, tok, J("{}"));
    struct value_pair p[2] = {{STR("cert"), STR(pem_public(k))}, {STR("secret"), STR("s")}};
    EXPECT_ERR("eval_builtin_error", "duplicate key constraints", "io.jwt.decode_verify", 2, tok,
               v_object(&bt_arena, p, 2, DUP_LAST_WINS, NULL));
    EXPECT_ERR("eval_builtin_error", "unknown token validation constraint: foo",
               "io.jwt.decode_verify", 2, tok, J("{\"secret\":\"s\",\"foo\":1}"));
    EXPECT_ERR("eval_builtin_error", "token time constraint: must be a number",
               "io.jwt.decode_verify", 2, tok, J("{\"secret\":\"s\",\"time\":\"x\"}"));
    EXPECT_ERR("eval_builtin_error", "token time constraint: must not be negative",
               "io.jwt.decode_verify", 2, tok, J("{\"secret\":\"s\",\"time\":-1}"));
    EXPECT_ERR("eval_type_error", "operand 2 must be object", "io.jwt.decode_verify", 2, tok,
               J("[]"));
    struct value *bad_exp = sign_raw("{\"alg\":\"HS256\"}", "{\"exp\":\"soon\"}",
                                     "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}");
    EXPECT_ERR("eval_builtin_error", "exp value must be a number", "io.jwt.decode_verify", 2,
               bad_exp, J("{\"secret\":\"secret\"}"));
    EVP_PKEY_free(k);
}

Test(bi_jwt, decode_verify_with_certificate_and_nesting)
{
    EVP_PKEY *k = gen_key("RSA");
    const char *jwk = jwk_of(k, true, "");
    struct value *inner = sign_raw("{\"alg\":\"RS256\"}", "{\"iss\":\"in\"}", jwk);
    struct value *outer =
        sign_raw("{\"alg\":\"RS256\",\"cty\":\"JWT\",\"typ\":\"JOSE\"}", inner->u.str.s, jwk);
    struct value_pair p = {STR("cert"), STR(pem_cert(k))};
    struct value *c = v_object(&bt_arena, &p, 1, DUP_LAST_WINS, NULL);
    struct value *got;
    cr_assert(bt_call("io.jwt.decode_verify", &got, 2, outer, c) == 0, "%s", bt_err.detail);
    cr_expect(value_equal(got, J("[true,{\"alg\":\"RS256\"},{\"iss\":\"in\"}]")), "got %s",
              bt_json(got));
    /* a critical header parameter we do not know makes the token invalid */
    struct value *crit = sign_raw("{\"alg\":\"RS256\",\"crit\":[\"x\"],\"x\":1}", "{}", jwk);
    cr_assert(bt_call("io.jwt.decode_verify", &got, 2, crit, c) == 0);
    cr_expect(!got->u.arr.items[0]->u.b);
    EVP_PKEY_free(k);
}

/* ---- encode_sign ---- */

Test(bi_jwt, encode_sign_marshals_objects)
{
    struct value *got;
    cr_assert(bt_call("io.jwt.encode_sign", &got, 3, J("{\"typ\":\"JWT\",\"alg\":\"HS256\"}"),
                      J("{\"b\":1,\"a\":\"<\"}"), J("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}")) == 0,
              "%s", bt_err.detail);
    /* Go's json.Marshal: sorted keys, < escaped */
    const char *hdr_json = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const char *pl_json = "{\"a\":\"\\u003c\",\"b\":1}";
    const char *hdr =
        b64_encode_arena(&bt_arena, (const uint8_t *)hdr_json, strlen(hdr_json), B64_URL_NOPAD);
    const char *pl =
        b64_encode_arena(&bt_arena, (const uint8_t *)pl_json, strlen(pl_json), B64_URL_NOPAD);
    cr_expect(strncmp(got->u.str.s, arena_sprintf(&bt_arena, "%s.%s.", hdr, pl),
                      strlen(hdr) + strlen(pl) + 2) == 0,
              "got %s", got->u.str.s);
    cr_expect(verify("io.jwt.verify_hs256", got, "secret"));
}

Test(bi_jwt, encode_sign_errors)
{
    const char *k = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    /* "none" is a known name that the signer refuses */
    EXPECT_ERR("eval_builtin_error",
               "io.jwt.encode_sign_raw: failed to create signer: unsupported signature "
               "algorithm none",
               "io.jwt.encode_sign_raw", 3, STR("{\"alg\":\"none\"}"), STR("{}"), STR(k));
    EXPECT_ERR("eval_builtin_error", "unexpected end of JSON input", "io.jwt.encode_sign_raw", 3,
               STR("{\"alg"), STR("{}"), STR(k));
    EXPECT_ERR("eval_builtin_error", "type is JWT but payload is not JSON",
               "io.jwt.encode_sign_raw", 3, STR("{\"alg\":\"HS256\"}"), STR("x"), STR(k));
    EXPECT_ERR("eval_builtin_error", "no keys found in JWK set", "io.jwt.encode_sign_raw", 3,
               STR("{\"alg\":\"HS256\"}"), STR("{}"), STR("{\"keys\":[]}"));
    EVP_PKEY *rsa = gen_key("RSA");
    EXPECT_ERR("eval_builtin_error", "invalid key type", "io.jwt.encode_sign_raw", 3,
               STR("{\"alg\":\"ES256\"}"), STR("{}"), STR(jwk_of(rsa, true, "")));
    EVP_PKEY_free(rsa);
    /* a text/plain payload need not be JSON */
    struct value *got;
    cr_expect(bt_call("io.jwt.encode_sign_raw", &got, 3,
                      STR("{\"alg\":\"HS256\",\"typ\":\"text/plain\"}"), STR("x"), STR(k)) == 0);
}

/* The header is read as OPA's 2025 releases read it (Go's json.Unmarshal
 * into jws.StandardHeaders), with their error texts; see
 * docs/rego-builtins.md for why the 2025 wording is kept. */
static void expect_header_error(const char *header, const char *want)
{
    const char *k = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    const char *full = arena_sprintf(&bt_arena, "io.jwt.encode_sign_raw: %s", want);
    struct value *got;
    int rc = bt_call("io.jwt.encode_sign_raw", &got, 3, STR(header), STR("{}"), STR(k));
    cr_assert(rc == -1, "%s: want error, got %s", header, bt_json(got));
    cr_expect(strcmp(bt_code, "eval_builtin_error") == 0, "%s: code %s", header, bt_code);
    cr_expect(strcmp(bt_err.detail, full) == 0, "%s: got '%s' want '%s'", header, bt_err.detail,
              full);
}

Test(bi_jwt, encode_sign_header_go_syntax_errors)
{
    expect_header_error("", "unexpected end of JSON input");
    expect_header_error("  ", "unexpected end of JSON input");
    expect_header_error("e", "invalid character 'e' looking for beginning of value");
    expect_header_error("{\"typ:\"JWT\",\r\n \"alg\":\"HS256\"}",
                        "invalid character 'J' after object key");
    expect_header_error("{\"alg\":\"HS256\" \"x\":1}",
                        "invalid character '\"' after object key:value pair");
    expect_header_error("{\"alg\":\"HS256\"}}", "invalid character '}' after top-level value");
    expect_header_error("{'alg':1}", "invalid character '\\'' looking for beginning of object "
                                     "key string");
    expect_header_error("[1 2]", "invalid character '2' after array element");
    expect_header_error("{\"a\":tru}", "invalid character '}' in literal true (expecting 'e')");
    expect_header_error("{\"a\":nul", "invalid character ' ' in literal null (expecting 'l')");
    expect_header_error("{\"a\":-}", "invalid character '}' in numeric literal");
    expect_header_error("{\"a\":1.}", "invalid character '}' after decimal point in numeric "
                                      "literal");
    expect_header_error("{\"a\":1e+}", "invalid character '}' in exponent of numeric literal");
    expect_header_error("{\"a\":\"\\x\"}", "invalid character 'x' in string escape code");
    expect_header_error("{\"a\":\"\\u12g4\"}",
                        "invalid character 'g' in \\u hexadecimal character escape");
    expect_header_error("{\"a\":\"\t\"}", "invalid character '\\t' in string literal");
    expect_header_error("{\"a\":\"\x01\"}", "invalid character '\\x01' in string literal");
    expect_header_error("\xc3", "invalid character '\xc3\x83' looking for beginning of value");
    expect_header_error("{\"a\":[}", "invalid character '}' looking for beginning of value");
    expect_header_error("{\"a\"", "unexpected end of JSON input");
    char deep[10010];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    expect_header_error(deep, "invalid character '[' exceeded max depth");
}

Test(bi_jwt, encode_sign_header_go_unmarshal)
{
    expect_header_error("{\"alg\":\"dummy\"}", "unknown signature algorithm");
    expect_header_error("{\"alg\":5}", "unknown signature algorithm");
    expect_header_error("{\"alg\":null}", "unknown signature algorithm");
    /* strconv.Unquote refuses what JSON allows */
    expect_header_error("{\"alg\":\"HS\\/256\"}",
                        "failed to process signature algorithm: invalid syntax");
    expect_header_error("{\"alg\":\"\\ud800\"}",
                        "failed to process signature algorithm: invalid syntax");
    /* no alg: the signer refuses the empty name */
    expect_header_error("{}", "failed to create signer: unsupported signature algorithm ");
    expect_header_error("null", "failed to create signer: unsupported signature algorithm ");
    expect_header_error("1", "json: cannot unmarshal number into Go value of type "
                             "jws.StandardHeaders");
    expect_header_error("[]", "json: cannot unmarshal array into Go value of type "
                              "jws.StandardHeaders");
    expect_header_error("{\"alg\":\"HS256\",\"typ\":1}",
                        "json: cannot unmarshal number into Go struct field StandardHeaders.typ "
                        "of type string");
    expect_header_error("{\"alg\":\"HS256\",\"KID\":true}",
                        "json: cannot unmarshal bool into Go struct field StandardHeaders.kid "
                        "of type string");
    expect_header_error("{\"alg\":\"HS256\",\"crit\":\"x\"}",
                        "json: cannot unmarshal string into Go struct field StandardHeaders.crit "
                        "of type []string");
    expect_header_error("{\"alg\":\"HS256\",\"crit\":[\"x\",{}]}",
                        "json: cannot unmarshal object into Go struct field StandardHeaders.crit "
                        "of type string");
    expect_header_error("{\"alg\":\"HS256\",\"privateParams\":[]}",
                        "json: cannot unmarshal array into Go struct field "
                        "StandardHeaders.privateParams of type map[string]interface {}");
    /* numbers in privateParams become float64: out of range is an error,
     * underflow is not */
    expect_header_error("{\"alg\":\"HS256\",\"privateParams\":{\"a\":[\"1e999\",1e-999,-2e308]}}",
                        "json: cannot unmarshal number -2e308 into Go struct field "
                        "StandardHeaders.privateParams of type float64");
    /* the first type mismatch is reported, but a bad alg wins over it */
    expect_header_error("{\"typ\":[],\"cty\":1,\"alg\":\"HS256\"}",
                        "json: cannot unmarshal array into Go struct field StandardHeaders.typ "
                        "of type string");
    expect_header_error("{\"typ\":[],\"alg\":\"x\"}", "unknown signature algorithm");
    /* keys fold as Go's do (\u212a is the Kelvin sign); duplicates are
     * each read, the last one counts */
    expect_header_error("{\"ALG\":\"HS256\",\"alg\":\"bad\"}", "unknown signature algorithm");
    expect_header_error("{\"alg\":\"HS256\",\"\\u212aid\":1}",
                        "json: cannot unmarshal number into Go struct field StandardHeaders.kid "
                        "of type string");
}

Test(bi_jwt, encode_sign_header_go_accepts)
{
    const char *k = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    struct value *got;
    /* folded keys, escapes, null fields, ignored members */
    const char *ok[] = {
        "{\"Alg\":\"HS256\"}",
        "{\"alg\":\"\\u0048S256\",\"typ\":null,\"crit\":[null,\"x\"]}",
        " {\"alg\":\"HS256\",\"privateParams\":{\"a\":[1]},\"other\":[1,{}]} ",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cr_expect(bt_call("io.jwt.encode_sign_raw", &got, 3, STR(ok[i]), STR("{}"), STR(k)) == 0,
                  "%s: %s", ok[i], bt_err.detail);
        cr_expect(!got || verify("io.jwt.verify_hs256", got, "secret"), "%s", ok[i]);
    }
    /* typ other than JWT: the payload need not be JSON; typ JWT (any case
     * of the key) needs Go-valid JSON, which a bare number is */
    cr_expect(bt_call("io.jwt.encode_sign_raw", &got, 3, STR("{\"alg\":\"HS256\",\"TYP\":\"x\"}"),
                      STR("not json"), STR(k)) == 0);
    cr_expect(bt_call("io.jwt.encode_sign_raw", &got, 3, STR("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
                      STR(" 12 "), STR(k)) == 0,
              "%s", bt_err.detail);
    EXPECT_ERR("eval_builtin_error", "type is JWT but payload is not JSON",
               "io.jwt.encode_sign_raw", 3, STR("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
               STR("{\"a\":1"), STR(k));
    /* the payload check comes before the signer's refusal of "none" */
    EXPECT_ERR("eval_builtin_error", "type is JWT but payload is not JSON",
               "io.jwt.encode_sign_raw", 3, STR("{\"alg\":\"none\"}"), STR("x"), STR(k));
}
