/* x509.h - X.509 helpers shared by the verifiers (OpenSSL underneath).
 *
 * Owns: parsing certificates and CRLs from the encodings vendors use (PEM,
 * DER, hex of DER), PEM chains, signature-by-issuer checks, chain
 * verification up to a pinned root (byte-identical certificate or same
 * public key) with CRLs at a chosen time, extension lookup by dotted OID,
 * and raw (r||s) ECDSA verification.  Intel DCAP and AMD SNP both use it.
 *
 * Certificates and CRLs are OpenSSL objects owned by the caller (X509_free,
 * X509_CRL_free, x509_chain_free).  Every function is thread-safe and
 * reports failures through struct as_error with status 403
 * ERR_VERIFICATION_FAILED for a failed check and 400 ERR_INVALID_EVIDENCE
 * for undecodable input. */
#ifndef AS_VERIFIER_COMMON_X509_H
#define AS_VERIFIER_COMMON_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/error.h"

/* A list of certificates, leaf first. */
struct x509_chain {
    X509 **certs;
    size_t len;
};

void x509_chain_free(struct x509_chain *c);

/* One certificate from PEM, DER or hex-of-DER bytes (auto-detected).  NULL
 * on failure with err set (400). */
X509 *x509_cert_parse(const uint8_t *p, size_t n, struct as_error *err);
/* Every "-----BEGIN CERTIFICATE-----" block of text, in order.  Text after
 * the last block (a trailing NUL, whitespace) is ignored; anything that is
 * not a certificate inside a block fails.  At least one certificate. */
int x509_chain_parse_pem(const char *pem, size_t len, struct x509_chain *out,
                         struct as_error *err);
/* A CRL from PEM, DER or hex-of-DER bytes. */
X509_CRL *x509_crl_parse(const uint8_t *p, size_t n, struct as_error *err);

/* cert's signature verifies with issuer's public key and cert's issuer
 * name equals issuer's subject name. */
int x509_signed_by(X509 *cert, X509 *issuer, struct as_error *err);
/* crl's signature verifies with issuer's key, and its issuer name equals
 * issuer's subject. */
int x509_crl_signed_by(X509_CRL *crl, X509 *issuer, struct as_error *err);
/* cert's serial number is listed in crl. */
bool x509_crl_revokes(X509_CRL *crl, X509 *cert);

/* Same public key (the way Intel QVL pins its root). */
bool x509_same_pubkey(X509 *a, X509 *b);

enum x509_time_check {
    X509_TIME_ENFORCE, /* every certificate must be valid at `at` */
    X509_TIME_IGNORE,  /* validity is the caller's business (Intel QVL reports
                          expiry as a status, not a rejection) */
};

struct x509_verify_opts {
    X509 *root;                 /* pinned trust anchor (required) */
    X509_CRL *const *crls;      /* CRLs to consult, any issuer; may be NULL */
    size_t ncrls;
    time_t at;                  /* for X509_TIME_ENFORCE */
    enum x509_time_check time_check;
};

/* Verifies chain (leaf first; the chain's last certificate may be the root
 * itself or be issued by it): every certificate is signed by the next, the
 * top one is the pinned root (same public key) or signed by it, each issuer
 * is a CA, and no certificate is listed in a CRL whose issuer is that
 * certificate's issuer (CRL signatures are checked against that issuer).
 * Failure: 403 with a detail naming the certificate (subject CN) and why. */
int x509_chain_verify(const struct x509_chain *chain, const struct x509_verify_opts *o,
                      struct as_error *err);

/* The DER value (contents of the extnValue OCTET STRING) of the extension
 * with dotted OID, or NULL when absent.  Points into cert. */
const uint8_t *x509_ext_value(X509 *cert, const char *oid, size_t *len);
/* Subject / issuer common name, copied into out (NUL-terminated, truncated
 * to cap).  "" when absent. */
void x509_subject_cn(X509 *cert, char *out, size_t cap);
void x509_issuer_cn(X509 *cert, char *out, size_t cap);
/* notBefore / notAfter as Unix time; -1 if unrepresentable. */
time_t x509_not_before(X509 *cert);
time_t x509_not_after(X509 *cert);
/* CRL thisUpdate / nextUpdate (nextUpdate -1 when absent); CRL number
 * extension (-1 when absent). */
time_t x509_crl_this_update(X509_CRL *crl);
time_t x509_crl_next_update(X509_CRL *crl);
long x509_crl_number(X509_CRL *crl);
/* ASN1_TIME -> Unix time (-1 on failure). */
time_t x509_asn1_time(const ASN1_TIME *t);

/* An EC public key on P-256 from the 64-byte X||Y encoding (no 0x04
 * prefix).  NULL if the point is not on the curve. */
EVP_PKEY *x509_p256_key_from_raw(const uint8_t xy[64]);
/* Uncompressed point 0x04||X||Y of an EC key; returns its length (65 for
 * P-256, 97 for P-384) or 0. */
size_t x509_ec_point(EVP_PKEY *key, uint8_t *out, size_t cap);
/* ECDSA over msg with SHA-256/384 (md) where the signature is raw r||s of
 * 2*field bytes, big-endian.  true = valid. */
bool x509_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t n,
                           const uint8_t *sig, size_t sig_len);

#endif
