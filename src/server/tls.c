/* tls.c - see tls.h */
#include "server/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static int ssl_err(struct as_error *err, const char *what, const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256] = "";
    if (e)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return as_err(err, 400, ERR_CONFIG, "%s %s%s%s", what, path, e ? ": " : "", reason);
}

/* Refuses encrypted keys instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static char *bio_to_string(BIO *b, size_t *len)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out)
        return NULL;
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    if (len)
        *len = (size_t)n;
    return out;
}

/* Reads every certificate of the PEM file; *leaf = the first one (owned). */
static int load_chain(const char *path, struct tls_material *out, X509 **leaf,
                      struct as_error *err)
{
    BIO *in = BIO_new_file(path, "r");
    if (!in)
        return ssl_err(err, "cannot read the HTTPS certificate file", path);
    BIO *pem = BIO_new(BIO_s_mem());
    X509 *cert;
    while (pem && (cert = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) != NULL) {
        PEM_write_bio_X509(pem, cert);
        if (!*leaf)
            *leaf = cert;
        else
            X509_free(cert);
        out->n_certs++;
    }
    ERR_clear_error(); /* the loop ends on "no start line" */
    BIO_free(in);
    if (out->n_certs == 0) {
        BIO_free(pem);
        return as_err(err, 400, ERR_CONFIG,
                      "no PEM certificate found in the HTTPS certificate file %s", path);
    }
    out->cert_pem = pem ? bio_to_string(pem, NULL) : NULL;
    BIO_free(pem);
    return out->cert_pem ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

static int load_key(const char *path, struct tls_material *out, EVP_PKEY **key,
                    struct as_error *err)
{
    BIO *in = BIO_new_file(path, "r");
    if (!in)
        return ssl_err(err, "cannot read the HTTPS private key file", path);
    *key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
    BIO_free(in);
    if (!*key)
        return ssl_err(err, "no usable PEM private key (unencrypted RSA, EC or Ed25519) in", path);
    BIO *pem = BIO_new(BIO_s_secmem());
    if (!pem || !PEM_write_bio_PKCS8PrivateKey(pem, *key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(pem);
        return ssl_err(err, "cannot re-encode the HTTPS private key", path);
    }
    out->key_pem = bio_to_string(pem, &out->key_len);
    BIO_free(pem);
    return out->key_pem ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}

int tls_load(const char *cert_path, const char *key_path, struct tls_material *out,
             struct as_error *err)
{
    memset(out, 0, sizeof(*out));
    X509 *leaf = NULL;
    EVP_PKEY *key = NULL;
    int rc = load_chain(cert_path, out, &leaf, err);
    if (rc == 0)
        rc = load_key(key_path, out, &key, err);
    if (rc == 0 && X509_check_private_key(leaf, key) != 1)
        rc = as_err(err, 400, ERR_CONFIG,
                    "the HTTPS private key %s does not match the first certificate of %s",
                    key_path, cert_path);
    ERR_clear_error();
    X509_free(leaf);
    EVP_PKEY_free(key);
    if (rc < 0)
        tls_material_free(out);
    return rc;
}

void tls_material_free(struct tls_material *m)
{
    if (m->key_pem) {
        OPENSSL_cleanse(m->key_pem, m->key_len);
        free(m->key_pem);
    }
    free(m->cert_pem);
    memset(m, 0, sizeof(*m));
}
