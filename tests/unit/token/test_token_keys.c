/* Unit tests for token key handling (token_key.c, token.c): every accepted
 * and refused kind of signer.key_path, certificate chains split as the
 * original splits them, the certificate / key match check, EAR mode's
 * P-256-only rule, and that errors name the file but never the key. */
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

TestSuite(token_keys, .init = setup, .fini = teardown);

static void assert_loads(struct as_config *cfg, const char *alg)
{
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(cfg, &b, &err), 0, "%s", err.detail);
    cr_assert_str_eq(token_broker_alg(b), alg);
    token_broker_free(b);
}

/* Refused with a message naming path and containing `why`; no part of the
 * key file's base64 body may appear in it. */
static void assert_refused(struct as_config *cfg, const char *path, const char *why)
{
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(cfg, &b, &err), -1, "accepted %s", path);
    cr_assert_null(b);
    cr_assert_str_eq(err.type, ERR_CONFIG, "type %s (%s)", err.type, err.detail);
    cr_assert_not_null(strstr(err.detail, path), "detail does not name the file: %s", err.detail);
    cr_assert_not_null(strstr(err.detail, why), "detail lacks '%s': %s", why, err.detail);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strlen(line) >= 16 && line[0] != '-' && !strchr(line, ':'))
            cr_assert_null(strstr(err.detail, line + 4), "key material in the error message");
    }
    fclose(f);
}

static void key_case(EVP_PKEY *k, enum key_format f, bool ear, const char *alg_or_null,
                     const char *why)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.token_broker = ear ? TOKEN_EAR : TOKEN_SIMPLE;
    cfg.signer.key_path = write_key("key.pem", k, f);
    if (alg_or_null)
        assert_loads(&cfg, alg_or_null);
    else
        assert_refused(&cfg, cfg.signer.key_path, why);
    EVP_PKEY_free(k);
}

/* ---- accepted ---- */

Test(token_keys, rsa_pkcs1)
{
    key_case(gen_rsa(2048), PEM_TRADITIONAL, false, "RS384", NULL);
}
Test(token_keys, rsa_pkcs8)
{
    key_case(gen_rsa(2048), PEM_PKCS8, false, "RS384", NULL);
}
Test(token_keys, ec_p256_sec1)
{
    key_case(gen_ec("P-256"), PEM_TRADITIONAL, false, "ES256", NULL);
}
Test(token_keys, ec_p256_pkcs8)
{
    key_case(gen_ec("P-256"), PEM_PKCS8, false, "ES256", NULL);
}
Test(token_keys, ec_p384_sec1)
{
    key_case(gen_ec("P-384"), PEM_TRADITIONAL, false, "ES384", NULL);
}
Test(token_keys, ec_p384_pkcs8)
{
    key_case(gen_ec("P-384"), PEM_PKCS8, false, "ES384", NULL);
}
Test(token_keys, ear_p256)
{
    key_case(gen_ec("P-256"), PEM_TRADITIONAL, true, "ES256", NULL);
}

Test(token_keys, no_signer_generates_rsa_or_p256)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    assert_loads(&cfg, "RS384");
    cfg.token_broker = TOKEN_EAR;
    assert_loads(&cfg, "ES256");
}

Test(token_keys, ephemeral_keys_differ_between_brokers)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    struct token_broker *b1 = NULL, *b2 = NULL;
    struct as_error err;
    cr_assert_eq(token_broker_new(&cfg, &b1, &err), 0);
    cr_assert_eq(token_broker_new(&cfg, &b2, &err), 0);
    struct value *j1, *j2;
    token_jwks(b1, &A, &j1, &err);
    token_jwks(b2, &A, &j2, &err);
    cr_assert_not(value_equal(j1, j2));
    token_broker_free(b1);
    token_broker_free(b2);
}

/* ---- refused ---- */

Test(token_keys, encrypted_pkcs8)
{
    key_case(gen_rsa(2048), PEM_PKCS8_ENCRYPTED, false, NULL, "encrypted");
}

Test(token_keys, encrypted_traditional)
{
    key_case(gen_ec("P-256"), PEM_TRADITIONAL_ENCRYPTED, false, NULL, "encrypted");
}

Test(token_keys, rsa_too_small)
{
    key_case(gen_rsa(1024), PEM_PKCS8, false, NULL, "1024 bits");
}
Test(token_keys, ec_p521)
{
    key_case(gen_ec("P-521"), PEM_PKCS8, false, NULL, "unsupported EC curve");
}
Test(token_keys, ec_secp256k1)
{
    key_case(gen_ec("secp256k1"), PEM_PKCS8, false, NULL, "unsupported EC curve");
}

Test(token_keys, ed25519)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    cr_assert_not_null(k);
    key_case(k, PEM_PKCS8, false, NULL, "unsupported key type");
}

Test(token_keys, public_key_only)
{
    key_case(gen_rsa(2048), PEM_PUBLIC_ONLY, false, NULL, "no usable PEM private key");
}

Test(token_keys, ear_refuses_rsa)
{
    key_case(gen_rsa(2048), PEM_PKCS8, true, NULL,
             "Only P-256 attestation token signing keys are supported");
}

Test(token_keys, ear_refuses_p384)
{
    key_case(gen_ec("P-384"), PEM_PKCS8, true, NULL,
             "Only P-256 attestation token signing keys are supported");
}

Test(token_keys, missing_file)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = tpath("does-not-exist.pem");
    assert_refused(&cfg, cfg.signer.key_path, "No such file or directory");
}

Test(token_keys, unreadable_directory)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = tdir;
    assert_refused(&cfg, tdir, "cannot read");
}

Test(token_keys, garbage_and_empty_files)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.key_path = tpath("garbage.pem");
    append_text(cfg.signer.key_path,
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assert_refused(&cfg, cfg.signer.key_path, "no usable PEM private key");
    cfg.signer.key_path = tpath("empty.pem");
    append_text(cfg.signer.key_path, "");
    assert_refused(&cfg, cfg.signer.key_path, "no usable PEM private key");
}

Test(token_keys, cert_without_key_path)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.signer.cert_path = tpath("c.pem");
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(&cfg, &b, &err), -1);
    cr_assert_not_null(strstr(err.detail, "signer.key_path"));
}

/* ---- certificate chains ---- */

struct chain_case {
    EVP_PKEY *key, *other;
    X509 *leaf, *ca, *foreign;
    struct as_config cfg;
};

static void chain_case_init(struct chain_case *c)
{
    c->key = gen_ec("P-256");
    c->other = gen_ec("P-256");
    c->ca = make_cert(c->other, c->other, "ca", 1);
    c->leaf = make_cert(c->key, c->other, "leaf", 2);
    c->foreign = make_cert(c->other, c->other, "foreign", 3);
    cfg_simple(&c->cfg);
    c->cfg.signer.key_path = write_key("key.pem", c->key, PEM_PKCS8);
    c->cfg.signer.cert_path = tpath("chain.pem");
}

static void chain_case_free(struct chain_case *c)
{
    X509_free(c->leaf), X509_free(c->ca), X509_free(c->foreign);
    EVP_PKEY_free(c->key), EVP_PKEY_free(c->other);
}

static size_t x5c_count(struct chain_case *c)
{
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(&c->cfg, &b, &err), 0, "%s", err.detail);
    struct value *jwks = NULL;
    token_jwks(b, &A, &jwks, &err);
    struct value *key = value_object_get_str(jwks, "keys")->u.arr.items[0];
    struct value *x5c = value_object_get_str(key, "x5c");
    size_t n = x5c ? x5c->u.arr.len : 0;
    token_broker_free(b);
    return n;
}

Test(token_keys, chain_with_surrounding_whitespace_and_trailer)
{
    struct chain_case c;
    chain_case_init(&c);
    append_text(c.cfg.signer.cert_path, "\n\n  \t");
    append_cert(c.cfg.signer.cert_path, c.leaf);
    append_text(c.cfg.signer.cert_path, "\r\n\n");
    append_cert(c.cfg.signer.cert_path, c.ca);
    append_text(c.cfg.signer.cert_path, "trailing text without a certificate\n");
    cr_assert_eq(x5c_count(&c), 2);
    chain_case_free(&c);
}

/* tokens.md §1.3: a piece that does not begin with the BEGIN line after
 * trimming is skipped, so text before a certificate hides it. */
Test(token_keys, text_before_a_certificate_hides_it)
{
    struct chain_case c;
    chain_case_init(&c);
    append_cert(c.cfg.signer.cert_path, c.leaf);
    append_text(c.cfg.signer.cert_path, "subject=CN = ca\n");
    append_cert(c.cfg.signer.cert_path, c.ca);
    cr_assert_eq(x5c_count(&c), 1);
    chain_case_free(&c);
}

Test(token_keys, mismatched_certificate_refused)
{
    struct chain_case c;
    chain_case_init(&c);
    append_cert(c.cfg.signer.cert_path, c.foreign);
    append_cert(c.cfg.signer.cert_path, c.leaf);
    assert_refused(&c.cfg, c.cfg.signer.cert_path, "does not match the token signing key");
    chain_case_free(&c);
}

Test(token_keys, mismatched_rsa_certificate_for_ec_key_refused)
{
    struct chain_case c;
    chain_case_init(&c);
    EVP_PKEY *rsa = gen_rsa(2048);
    X509 *x = make_cert(rsa, rsa, "rsa", 9);
    append_cert(c.cfg.signer.cert_path, x);
    assert_refused(&c.cfg, c.cfg.signer.cert_path, "does not match the token signing key");
    X509_free(x);
    EVP_PKEY_free(rsa);
    chain_case_free(&c);
}

Test(token_keys, invalid_certificate_piece_refused)
{
    struct chain_case c;
    chain_case_init(&c);
    append_cert(c.cfg.signer.cert_path, c.leaf);
    append_text(c.cfg.signer.cert_path, "-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
                                        "-----END CERTIFICATE-----\n");
    assert_refused(&c.cfg, c.cfg.signer.cert_path, "Invalid PEM certificate chain");
    chain_case_free(&c);
}

Test(token_keys, chain_without_certificates_refused)
{
    struct chain_case c;
    chain_case_init(&c);
    append_text(c.cfg.signer.cert_path, "nothing here\n");
    assert_refused(&c.cfg, c.cfg.signer.cert_path, "no PEM certificate found");
    chain_case_free(&c);
}

Test(token_keys, missing_chain_file_refused)
{
    struct chain_case c;
    chain_case_init(&c);
    assert_refused(&c.cfg, c.cfg.signer.cert_path, "cannot open");
    chain_case_free(&c);
}
