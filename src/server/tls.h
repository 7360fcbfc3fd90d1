/* tls.h - HTTPS material for libmicrohttpd (built against GnuTLS on
 * Debian).  The certificate chain and the private key are read and checked
 * with OpenSSL (PEM; RSA, EC or Ed25519 key in PKCS#1, SEC1 or PKCS#8, not
 * encrypted), the key must match the first certificate, and both are handed
 * to GnuTLS re-encoded as clean PEM (all certificates of the chain in file
 * order; the key as PKCS#8), so every format OpenSSL users expect works.
 * The key text is wiped when freed and never logged. */
#ifndef AS_SERVER_TLS_H
#define AS_SERVER_TLS_H

#include <stddef.h>

#include "base/error.h"

/* TLS 1.2 and 1.3 only (the V26 "intermediate" profile), forward-secret
 * AEAD suites. */
#define TLS_PRIORITIES                                                                             \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"          \
    "+CHACHA20-POLY1305:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA"

struct tls_material {
    char *cert_pem; /* the chain, NUL-terminated */
    char *key_pem;  /* PKCS#8 PEM, NUL-terminated; wiped on free */
    size_t key_len;
    size_t n_certs;
};

int tls_load(const char *cert_path, const char *key_path, struct tls_material *out,
             struct as_error *err);
void tls_material_free(struct tls_material *m);

#endif
