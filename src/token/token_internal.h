/* token_internal.h - what the token module's files share and nobody else
 * sees: the broker structure, key loading (token_key.c), the JWK / JWKS /
 * header builders (token_jwk.c) and the raw JWS signer (token_jws.c).
 *
 * The broker is immutable after token_broker_new: the EVP_PKEY is only read
 * (every signature uses its own EVP contexts), the header text and the JWKS
 * value are built once in the broker's own arena. */
#ifndef AS_TOKEN_TOKEN_INTERNAL_H
#define AS_TOKEN_TOKEN_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "token/token.h"

enum token_key_alg { TOKEN_RS384, TOKEN_ES256, TOKEN_ES384 };

/* The EAR settings of tokens.md §2.7 (V26 broker object). */
struct token_ear_settings {
    const char *profile_name;
    const char *developer_name;
    const char *build_name;
    bool verbose_token;
};

struct token_broker {
    EVP_PKEY *key; /* private key; read-only after creation */
    EVP_MD *md;    /* SHA-256 (ES256) or SHA-384, fetched once */
    enum token_key_alg alg;
    bool ear;               /* EAR mode (cfg->token_broker == TOKEN_EAR) */
    const char *header_b64; /* B64URL(header JSON), shared by every token */
    size_t header_b64_len;
    struct value *jwk;  /* the public jwk of the header */
    struct value *jwks; /* {"keys":[jwk + kid + use]} */
    const char *issuer;
    int64_t duration_min;
    struct token_ear_settings ear_cfg;
    struct arena arena; /* everything above that is not OpenSSL's */
};

/* A certificate chain read from signer.cert_path (tokens.md §1.3). */
struct token_chain {
    X509 **certs;
    size_t n;
};

const char *token_alg_name(enum token_key_alg alg);

/* ---- token_key.c ---- */
/* Fresh key for the mode: RSA-2048 (Simple) or P-256 (EAR). */
int token_key_generate(bool ear, EVP_PKEY **out, enum token_key_alg *alg, struct as_error *err);
/* PEM private key from path; refuses encrypted keys and unsupported types
 * (EAR: P-256 only).  Errors name the file, never the key. */
int token_key_load(const char *path, bool ear, EVP_PKEY **out, enum token_key_alg *alg,
                   struct as_error *err);
/* PEM chain from path, split as the original does; at least one
 * certificate, and the first must hold the public half of key. */
int token_chain_load(const char *path, const EVP_PKEY *key, struct token_chain *out,
                     struct as_error *err);
/* The same from memory (path only names the file in messages); the fuzz
 * target's entry point. */
int token_chain_parse(const char *path, const char *data, size_t len, const EVP_PKEY *key,
                      struct token_chain *out, struct as_error *err);
void token_chain_free(struct token_chain *c);

/* ---- token_jwk.c ---- */
/* Builds b->jwk, b->jwks and b->header_b64 from the key, chain and URL. */
int token_jwk_build(struct token_broker *b, const struct token_chain *chain, const char *cert_url,
                    struct as_error *err);

/* ---- token_jws.c ---- */
/* Signs header_b64 "." B64URL(payload) and returns the compact JWS in
 * arena memory. */
int token_jws_compact(const struct token_broker *b, const char *payload, size_t payload_len,
                      struct arena *a, char **jws, struct as_error *err);
/* Raw JWS signature of msg (RS384: PKCS#1 v1.5; ES*: r||s fixed width).
 * sig must hold token_sig_max(b) bytes. */
int token_sign_raw(const struct token_broker *b, const uint8_t *msg, size_t len, uint8_t *sig,
                   size_t *sig_len, struct as_error *err);
size_t token_sig_max(const struct token_broker *b);
/* Issue time (token_fixed_now or the clock). */
int64_t token_now(void);

#endif
