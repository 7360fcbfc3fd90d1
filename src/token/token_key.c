/* token_key.c - the token signing key and its certificate chain
 * (tokens.md §1.3, §2.2): generation of the ephemeral key, loading of
 * signer.key_path (PEM RSA / EC, PKCS#1, SEC1 or PKCS#8, never encrypted)
 * and of signer.cert_path, split exactly as the original splits it.
 *
 * Accepted keys: RSA of 2048…16384 bits -> RS384; EC P-256 -> ES256;
 * EC P-384 -> ES384 (our extension).  EAR mode accepts P-256 only, as V26.
 * Errors name the file and the problem; key bytes are wiped after parsing
 * and never reach a message or a log line. */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define KEY_FILE_MAX (1u << 20) /* a PEM key or chain larger than 1 MiB is not one */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

static const char PEM_CERT_BEGIN[] = "-----BEGIN CERTIFICATE-----";
static const char PEM_CERT_END[] = "-----END CERTIFICATE-----";

const char *token_alg_name(enum token_key_alg alg)
{
    switch (alg) {
    case TOKEN_RS384:
        return "RS384";
    case TOKEN_ES256:
        return "ES256";
    case TOKEN_ES384:
        return "ES384";
    }
    return "?";
}

/* The last OpenSSL error as text (OpenSSL messages carry no key bytes). */
static const char *ossl_reason(char *buf, size_t n)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        return "unknown OpenSSL error";
    ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

/* Whole file into a heap buffer (NUL-terminated); the caller wipes and
 * frees it.  what = "signer.key_path" etc., for the message. */
static int read_small_file(const char *what, const char *path, char **out, size_t *out_len,
                           struct as_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return as_err(err, 500, ERR_CONFIG, "%s '%s': cannot open: %s", what, path,
                      strerror(errno));
    char *data = malloc(KEY_FILE_MAX + 1);
    if (!data) {
        fclose(f);
        return as_err(err, 500, ERR_INTERNAL, "%s '%s': out of memory", what, path);
    }
    size_t n = fread(data, 1, KEY_FILE_MAX + 1, f);
    int read_failed = ferror(f);
    int saved_errno = errno;
    fclose(f);
    if (read_failed || n > KEY_FILE_MAX) {
        OPENSSL_cleanse(data, n);
        free(data);
        if (read_failed)
            return as_err(err, 500, ERR_CONFIG, "%s '%s': cannot read: %s", what, path,
                          strerror(saved_errno));
        return as_err(err, 500, ERR_CONFIG, "%s '%s': file larger than %u bytes", what, path,
                      KEY_FILE_MAX);
    }
    data[n] = '\0';
    *out = data;
    *out_len = n;
    return 0;
}

static void wipe_free(char *data, size_t n)
{
    if (data) {
        OPENSSL_cleanse(data, n);
        free(data);
    }
}

int token_key_generate(bool ear, EVP_PKEY **out, enum token_key_alg *alg, struct as_error *err)
{
    EVP_PKEY *k = ear ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    if (!k) {
        char why[256];
        return as_err(err, 500, ERR_INTERNAL, "cannot generate the token signing key: %s",
                      ossl_reason(why, sizeof why));
    }
    *out = k;
    *alg = ear ? TOKEN_ES256 : TOKEN_RS384;
    return 0;
}

/* Called by OpenSSL only for an encrypted PEM: remember it and refuse. */
static int refuse_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag;
    *(bool *)u = true;
    return -1;
}

static int ec_curve_alg(const char *path, EVP_PKEY *k, bool ear, enum token_key_alg *alg,
                        struct as_error *err)
{
    char group[64] = "";
    size_t glen = 0;
    if (EVP_PKEY_get_group_name(k, group, sizeof group, &glen) != 1)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': EC key without a named curve is not supported", path);
    int nid = OBJ_txt2nid(group);
    if (ear && nid != NID_X9_62_prime256v1)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': Only P-256 attestation token signing keys are "
                      "supported (key is on curve %s)",
                      path, group);
    if (nid == NID_X9_62_prime256v1)
        *alg = TOKEN_ES256;
    else if (nid == NID_secp384r1)
        *alg = TOKEN_ES384;
    else
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': unsupported EC curve %s (P-256 or P-384 expected)",
                      path, group);
    return 0;
}

static int rsa_alg(const char *path, EVP_PKEY *k, bool ear, enum token_key_alg *alg,
                   struct as_error *err)
{
    if (ear)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': Only P-256 attestation token signing keys are "
                      "supported (key is RSA)",
                      path);
    int bits = EVP_PKEY_get_bits(k);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': RSA key of %d bits (%d to %d bits supported)", path,
                      bits, RSA_MIN_BITS, RSA_MAX_BITS);
    *alg = TOKEN_RS384;
    return 0;
}

/* Accepted key type -> algorithm; anything else is a clear refusal. */
static int key_alg(const char *path, EVP_PKEY *k, bool ear, enum token_key_alg *alg,
                   struct as_error *err)
{
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        return rsa_alg(path, k, ear, alg, err);
    case EVP_PKEY_EC:
        return ec_curve_alg(path, k, ear, alg, err);
    default: {
        const char *type = EVP_PKEY_get0_type_name(k);
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': unsupported key type %s (%s expected)", path,
                      type ? type : "unknown", ear ? "EC P-256" : "RSA, EC P-256 or EC P-384");
    }
    }
}

/* Pairwise consistency: the public half must belong to the private half. */
static int key_check(const char *path, EVP_PKEY *k, struct as_error *err)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    int ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        char why[256];
        return as_err(err, 500, ERR_CONFIG, "signer.key_path '%s': inconsistent private key: %s",
                      path, ossl_reason(why, sizeof why));
    }
    return 0;
}

static EVP_PKEY *parse_private_pem(const char *data, size_t len, bool *encrypted)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!bio)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, refuse_password, encrypted);
    BIO_free(bio);
    return k;
}

int token_key_load(const char *path, bool ear, EVP_PKEY **out, enum token_key_alg *alg,
                   struct as_error *err)
{
    char *data = NULL;
    size_t len = 0;
    TRY(read_small_file("signer.key_path", path, &data, &len, err));
    bool encrypted = false;
    ERR_clear_error();
    EVP_PKEY *k = parse_private_pem(data, len, &encrypted);
    wipe_free(data, len);
    if (!k) {
        char why[256];
        if (encrypted) {
            ERR_clear_error();
            return as_err(err, 500, ERR_CONFIG,
                          "signer.key_path '%s': encrypted private keys are not supported "
                          "(store the key unencrypted with restricted permissions)",
                          path);
        }
        return as_err(err, 500, ERR_CONFIG,
                      "signer.key_path '%s': no usable PEM private key (expected PRIVATE KEY, "
                      "RSA PRIVATE KEY or EC PRIVATE KEY): %s",
                      path, ossl_reason(why, sizeof why));
    }
    if (key_alg(path, k, ear, alg, err) < 0 || key_check(path, k, err) < 0) {
        EVP_PKEY_free(k);
        return -1;
    }
    *out = k;
    return 0;
}

/* ---- certificate chain ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int chain_push(struct token_chain *c, X509 *x)
{
    X509 **grown = realloc(c->certs, (c->n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    grown[c->n++] = x;
    c->certs = grown;
    return 0;
}

/* One piece between END markers: trimmed; skipped unless it starts with
 * the BEGIN marker; re-terminated and parsed (tokens.md §1.3). */
static int chain_piece(const char *path, const char *p, size_t n, struct token_chain *c,
                       struct as_error *err)
{
    while (n && is_space(*p))
        p++, n--;
    while (n && is_space(p[n - 1]))
        n--;
    size_t begin_len = sizeof PEM_CERT_BEGIN - 1;
    if (n < begin_len || memcmp(p, PEM_CERT_BEGIN, begin_len) != 0)
        return 0;
    size_t end_len = sizeof PEM_CERT_END - 1;
    char *pem = malloc(n + 1 + end_len);
    if (!pem)
        return as_err(err, 500, ERR_INTERNAL, "signer.cert_path '%s': out of memory", path);
    memcpy(pem, p, n);
    pem[n] = '\n';
    memcpy(pem + n + 1, PEM_CERT_END, end_len);
    BIO *bio = BIO_new_mem_buf(pem, (int)(n + 1 + end_len));
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    free(pem);
    ERR_clear_error();
    if (!x)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.cert_path '%s': Invalid PEM certificate chain (certificate %zu "
                      "does not parse)",
                      path, c->n + 1);
    if (chain_push(c, x) < 0) {
        X509_free(x);
        return as_err(err, 500, ERR_INTERNAL, "signer.cert_path '%s': out of memory", path);
    }
    return 0;
}

static int chain_split(const char *path, const char *data, size_t len, struct token_chain *c,
                       struct as_error *err)
{
    size_t end_len = sizeof PEM_CERT_END - 1;
    const char *p = data, *stop = data + len;
    for (;;) {
        const char *end = memmem(p, (size_t)(stop - p), PEM_CERT_END, end_len);
        size_t n = end ? (size_t)(end - p) : (size_t)(stop - p);
        TRY(chain_piece(path, p, n, c, err));
        if (!end)
            return 0;
        p = end + end_len;
    }
}

static int chain_matches_key(const char *path, const struct token_chain *c, const EVP_PKEY *key,
                             struct as_error *err)
{
    if (c->n == 0)
        return as_err(err, 500, ERR_CONFIG,
                      "signer.cert_path '%s': no PEM certificate found (expected "
                      "-----BEGIN CERTIFICATE----- blocks)",
                      path);
    EVP_PKEY *pub = X509_get0_pubkey(c->certs[0]);
    if (!pub || EVP_PKEY_eq(pub, key) != 1) {
        ERR_clear_error();
        return as_err(err, 500, ERR_CONFIG,
                      "signer.cert_path '%s': the public key of the first certificate does not "
                      "match the token signing key",
                      path);
    }
    return 0;
}

int token_chain_parse(const char *path, const char *data, size_t len, const EVP_PKEY *key,
                      struct token_chain *out, struct as_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > KEY_FILE_MAX)
        return as_err(err, 500, ERR_CONFIG, "signer.cert_path '%s': file larger than %u bytes",
                      path, KEY_FILE_MAX);
    int rc = chain_split(path, data, len, out, err);
    if (rc == 0)
        rc = chain_matches_key(path, out, key, err);
    if (rc < 0)
        token_chain_free(out);
    return rc;
}

int token_chain_load(const char *path, const EVP_PKEY *key, struct token_chain *out,
                     struct as_error *err)
{
    char *data = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    TRY(read_small_file("signer.cert_path", path, &data, &len, err));
    int rc = token_chain_parse(path, data, len, key, out, err);
    free(data);
    return rc;
}

void token_chain_free(struct token_chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        X509_free(c->certs[i]);
    free(c->certs);
    c->certs = NULL;
    c->n = 0;
}
