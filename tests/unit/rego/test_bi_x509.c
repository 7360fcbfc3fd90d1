/* test_bi_x509.c - crypto.x509.* and crypto.parse_private_keys on a CA and
 * a leaf certificate made at test time with OpenSSL: Go's field names and
 * encodings, chain verification at the query's time (2023-11-14 in
 * bi_test_util.h) and with options, CSRs, key pairs, private keys. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/codec.h"
#include "bi_test_util.h"

TestSuite(bi_x509, .init = bt_setup, .fini = bt_teardown);

#define T2023 1700000000L /* bt_call's now */

struct pki {
    EVP_PKEY *ca_key, *leaf_key;
    X509 *ca, *leaf;
};

static void add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    cr_assert(e != NULL, "extension %d", nid);
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, long not_before, long not_after)
{
    X509 *c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    ASN1_TIME_set(X509_getm_notBefore(c), (time_t)not_before);
    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)not_after);
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"GB", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Test Org", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(c, key);
    if (!issuer) {
        add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(c, c, NID_subject_key_identifier, "hash");
    } else {
        add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(c, issuer, NID_key_usage, "critical,digitalSignature");
        add_ext(c, issuer, NID_ext_key_usage, "serverAuth");
        add_ext(c, issuer, NID_subject_alt_name,
                "DNS:svc.example.test,URI:spiffe://example.test/"
                "svc?x=1,IP:192.0.2.7,email:a@example.test");
    }
    cr_assert(X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return c;
}

static void pki_make(struct pki *p, long leaf_not_after)
{
    p->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p->leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    cr_assert(p->ca_key && p->leaf_key);
    p->ca = make_cert(p->ca_key, "Test Root", NULL, NULL, 1, T2023 - 86400, T2023 + 86400 * 365);
    p->leaf = make_cert(p->leaf_key, "svc", p->ca, p->ca_key, 258, T2023 - 3600, leaf_not_after);
}

static void pki_free(struct pki *p)
{
    X509_free(p->ca);
    X509_free(p->leaf);
    EVP_PKEY_free(p->ca_key);
    EVP_PKEY_free(p->leaf_key);
}

static char *bio_text(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = arena_alloc(&bt_arena, (size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    return s;
}

static char *pem_certs(X509 *a, X509 *b)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, a);
    if (b)
        PEM_write_bio_X509(bio, b);
    return bio_text(bio);
}

static char *der_b64(X509 *c)
{
    unsigned char *der = NULL;
    int n = i2d_X509(c, &der);
    char *s = b64_encode_arena(&bt_arena, der, (size_t)n, B64_STD_PAD);
    OPENSSL_free(der);
    return s;
}

static struct value *get(struct value *v, const char *path)
{
    char *p = arena_strdup(&bt_arena, path);
    for (char *tok = strtok(p, "."); tok && v; tok = strtok(NULL, "."))
        v = v->type == V_ARRAY ? v->u.arr.items[atoi(tok)] : value_object_get_str(v, tok);
    cr_assert(v != NULL, "no %s", path);
    return v;
}

Test(bi_x509, parse_certificates_fields)
{
    struct pki p;
    pki_make(&p, T2023 + 86400 * 30);
    struct value *got;
    int rc = bt_call("crypto.x509.parse_certificates", &got, 1, STR(pem_certs(p.leaf, p.ca)));
    cr_assert(rc == 0, "%s", bt_err.detail);
    cr_assert_eq(got->u.arr.len, 2u);
    struct value *leaf = got->u.arr.items[0];
    cr_expect(value_equal(get(leaf, "Subject.CommonName"), STR("svc")));
    cr_expect(value_equal(get(leaf, "Issuer.CommonName"), STR("Test Root")));
    cr_expect(value_equal(get(leaf, "Subject.Country"), J("[\"GB\"]")));
    cr_expect(
        value_equal(get(leaf, "Subject.Names.2"), J("{\"Type\":[2,5,4,3],\"Value\":\"svc\"}")));
    cr_expect(value_equal(get(leaf, "SerialNumber"), J("258")));
    cr_expect(value_equal(get(leaf, "Version"), J("3")));
    cr_expect(value_equal(get(leaf, "DNSNames"), J("[\"svc.example.test\"]")));
    cr_expect(value_equal(get(leaf, "EmailAddresses"), J("[\"a@example.test\"]")));
    cr_expect(value_equal(get(leaf, "IPAddresses"), J("[\"192.0.2.7\"]")));
    cr_expect(value_equal(get(leaf, "URIStrings"), J("[\"spiffe://example.test/svc?x=1\"]")));
    cr_expect(value_equal(get(leaf, "URIs.0.Host"), STR("example.test")));
    cr_expect(value_equal(get(leaf, "URIs.0.Path"), STR("/svc")));
    cr_expect(value_equal(get(leaf, "URIs.0.RawQuery"), STR("x=1")));
    cr_expect(value_equal(get(leaf, "NotBefore"), STR("2023-11-14T21:13:20Z")));
    cr_expect(value_equal(get(leaf, "KeyUsage"), J("1")), "digitalSignature is Go's bit 0");
    cr_expect(value_equal(get(leaf, "ExtKeyUsage"), J("[1]")), "ServerAuth");
    cr_expect(value_equal(get(leaf, "IsCA"), J("false")));
    cr_expect(value_equal(get(leaf, "BasicConstraintsValid"), J("true")));
    cr_expect(value_equal(get(leaf, "SignatureAlgorithm"), J("10")), "ECDSAWithSHA256");
    cr_expect(value_equal(get(leaf, "PublicKeyAlgorithm"), J("1")), "RSA");
    cr_expect(value_equal(get(leaf, "PublicKey.E"), J("65537")));
    cr_expect(value_equal(get(leaf, "Raw"), STR(der_b64(p.leaf))));
    struct value *ca = got->u.arr.items[1];
    cr_expect(value_equal(get(ca, "IsCA"), J("true")));
    cr_expect(value_equal(get(ca, "MaxPathLen"), J("-1")));
    cr_expect(value_equal(get(ca, "KeyUsage"), J("96")), "CertSign|CRLSign = 32|64");
    cr_expect(value_equal(get(ca, "DNSNames"), J("null")));
    cr_expect(value_equal(get(ca, "URIStrings"), J("null")));
    cr_expect(value_equal(get(ca, "PublicKeyAlgorithm"), J("3")), "ECDSA");
    /* the same from base64 of DER */
    rc = bt_call("crypto.x509.parse_certificates", &got, 1, STR(der_b64(p.ca)));
    cr_assert(rc == 0, "%s", bt_err.detail);
    cr_expect(value_equal(get(got, "0.Subject.CommonName"), STR("Test Root")));
    pki_free(&p);
}

Test(bi_x509, parse_certificates_errors)
{
    EXPECT_ERR("eval_builtin_error", "illegal base64 data", "crypto.x509.parse_certificates", 1,
               STR("foobar"));
    EXPECT_ERR("eval_builtin_error", "x509: malformed certificate",
               "crypto.x509.parse_certificates", 1, STR("YmFkc3RyaW5n"));
    EXPECT_ERR("eval_builtin_error", "PEM block type is 'PUBLIC KEY', expected CERTIFICATE",
               "crypto.x509.parse_certificates", 1,
               STR("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
}

static struct value *verify_chain(struct pki *p, const char *opts)
{
    struct value *got;
    int rc = opts ? bt_call("crypto.x509.parse_and_verify_certificates_with_options", &got, 2,
                            STR(pem_certs(p->ca, p->leaf)), J(opts))
                  : bt_call("crypto.x509.parse_and_verify_certificates", &got, 1,
                            STR(pem_certs(p->ca, p->leaf)));
    cr_assert(rc == 0, "%s", bt_err.detail);
    return got;
}

Test(bi_x509, verify_chain)
{
    struct pki p;
    pki_make(&p, T2023 + 86400 * 30);
    struct value *got = verify_chain(&p, NULL);
    cr_expect(value_equal(get(got, "0"), J("true")));
    cr_expect(value_equal(get(got, "1.0.Subject.CommonName"), STR("svc")), "leaf first");
    cr_expect(value_equal(get(got, "1.1.Subject.CommonName"), STR("Test Root")));
    cr_expect(
        value_equal(get(verify_chain(&p, "{\"DNSName\":\"svc.example.test\"}"), "0"), J("true")));
    cr_expect(value_equal(verify_chain(&p, "{\"DNSName\":\"other.test\"}"), J("[false,[]]")));
    cr_expect(value_equal(get(verify_chain(&p, "{\"KeyUsages\":[\"KeyUsageServerAuth\"]}"), "0"),
                          J("true")));
    cr_expect(
        value_equal(verify_chain(&p, "{\"KeyUsages\":[\"KeyUsageClientAuth\"]}"), J("[false,[]]")));
    /* a time before the leaf's validity */
    cr_expect(
        value_equal(verify_chain(&p, "{\"CurrentTime\":1600000000000000000}"), J("[false,[]]")));
    EXPECT_ERR("eval_builtin_error", "invalid key option",
               "crypto.x509.parse_and_verify_certificates_with_options", 2,
               STR(pem_certs(p.ca, p.leaf)), J("{\"Nope\":1}"));
    EXPECT_ERR("eval_builtin_error", "invalid entries for 'KeyUsages' found",
               "crypto.x509.parse_and_verify_certificates_with_options", 2,
               STR(pem_certs(p.ca, p.leaf)), J("{\"KeyUsages\":[\"Bogus\"]}"));
    /* one certificate is not a chain; garbage is unverified, not an error */
    struct value *one;
    cr_assert(bt_call("crypto.x509.parse_and_verify_certificates", &one, 1,
                      STR(pem_certs(p.ca, NULL))) == 0);
    cr_expect(value_equal(one, J("[false,[]]")));
    cr_assert(bt_call("crypto.x509.parse_and_verify_certificates", &one, 1, STR("junk")) == 0);
    cr_expect(value_equal(one, J("[false,[]]")));
    pki_free(&p);
}

Test(bi_x509, verify_expired_leaf)
{
    struct pki p;
    pki_make(&p, T2023 - 60); /* expired a minute before the query's time */
    cr_expect(value_equal(verify_chain(&p, NULL), J("[false,[]]")));
    pki_free(&p);
}

static char *pem_key(EVP_PKEY *k, bool traditional)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (traditional)
        PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    return bio_text(b);
}

Test(bi_x509, private_keys)
{
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *both = arena_sprintf(&bt_arena, "%s%s", pem_key(rsa, true), pem_key(ec, false));
    struct value *got;
    cr_assert(bt_call("crypto.parse_private_keys", &got, 1, STR(both)) == 0, "%s", bt_err.detail);
    cr_assert_eq(got->u.arr.len, 2u);
    cr_expect(value_equal(get(got, "0.E"), J("65537")));
    cr_expect(get(got, "0.Primes")->u.arr.len == 2);
    cr_expect(get(got, "1.D")->type == V_NUMBER);
    cr_assert(bt_call("crypto.parse_private_keys", &got, 1, STR("")) == 0);
    cr_expect(value_equal(got, J("null")));
    cr_assert(bt_call("crypto.parse_private_keys", &got, 1, STR("nope")) == 0);
    cr_expect(value_equal(got, J("[]")));
    /* parse_rsa_private_key: the JWK, n = the modulus */
    cr_assert(bt_call("crypto.x509.parse_rsa_private_key", &got, 1, STR(pem_key(rsa, true))) == 0,
              "%s", bt_err.detail);
    cr_expect(value_equal(get(got, "kty"), STR("RSA")));
    cr_expect(value_equal(get(got, "e"), STR("AQAB")));
    BIGNUM *n = NULL;
    EVP_PKEY_get_bn_param(rsa, "n", &n);
    uint8_t buf[256];
    BN_bn2bin(n, buf);
    BN_free(n);
    cr_expect(
        value_equal(get(got, "n"), STR(b64_encode_arena(&bt_arena, buf, 256, B64_URL_NOPAD))));
    EXPECT_ERR("eval_builtin_error", "illegal base64", "crypto.x509.parse_rsa_private_key", 1,
               STR("invalid"));
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

Test(bi_x509, keypair)
{
    struct pki p;
    pki_make(&p, T2023 + 86400);
    struct value *got;
    cr_assert(bt_call("crypto.x509.parse_keypair", &got, 2, STR(pem_certs(p.leaf, NULL)),
                      STR(pem_key(p.leaf_key, false))) == 0,
              "%s", bt_err.detail);
    cr_expect(value_equal(get(got, "Certificate.0"), STR(der_b64(p.leaf))));
    cr_expect(value_equal(get(got, "Leaf.Subject.CommonName"), STR("svc")));
    EXPECT_ERR("eval_builtin_error", "private key does not match public key",
               "crypto.x509.parse_keypair", 2, STR(pem_certs(p.leaf, NULL)),
               STR(pem_key(p.ca_key, false)));
    pki_free(&p);
}

Test(bi_x509, certificate_request)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509_REQ *req = X509_REQ_new();
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                               (const unsigned char *)"example.com", -1, -1, 0);
    X509_REQ_set_pubkey(req, k);
    cr_assert(X509_REQ_sign(req, k, EVP_sha256()) > 0);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_REQ(b, req);
    char *pem = bio_text(b);
    struct value *got;
    cr_assert(bt_call("crypto.x509.parse_certificate_request", &got, 1, STR(pem)) == 0, "%s",
              bt_err.detail);
    cr_expect(value_equal(get(got, "Subject.CommonName"), STR("example.com")));
    cr_expect(value_equal(get(got, "SignatureAlgorithm"), J("10")));
    cr_expect(value_equal(get(got, "PublicKeyAlgorithm"), J("3")));
    EXPECT_ERR("eval_builtin_error", "asn1: structure error",
               "crypto.x509.parse_certificate_request", 1, STR("YmFkc3RyaW5n"));
    X509_REQ_free(req);
    EVP_PKEY_free(k);
}
