/* token_jws.c - JWS Compact Serialization with the broker's key
 * (RFC 7515 §7.1, tokens.md §1.2, §2.2):
 *   B64URL(header) "." B64URL(payload) "." B64URL(signature)
 * RS384 = RSASSA-PKCS1-v1_5 with SHA-384; ES256 / ES384 = ECDSA whose DER
 * signature is rewritten as the fixed-width r || s that JWS requires
 * (RFC 7518 §3.4).  Every call uses its own EVP contexts, so any number of
 * threads may sign with one broker at once. */
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <string.h>

#include "base/codec.h"
#include "token/token_internal.h"

#define SIG_BUF_MAX 2048 /* RSA-16384 */

time_t token_fixed_now;

int64_t token_now(void)
{
    return (int64_t)(token_fixed_now ? token_fixed_now : time(NULL));
}

static size_t ec_field_bytes(enum token_key_alg alg)
{
    return alg == TOKEN_ES384 ? 48 : 32;
}

size_t token_sig_max(const struct token_broker *b)
{
    int n = EVP_PKEY_get_size(b->key);
    return n > 0 ? (size_t)n : 0;
}

/* DER ECDSA-Sig-Value -> r || s, each left-padded to the field size. */
static int ecdsa_der_to_jws(const uint8_t *der, size_t der_len, size_t field, uint8_t *out)
{
    const uint8_t *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!s)
        return -1;
    const BIGNUM *r = NULL, *sv = NULL;
    ECDSA_SIG_get0(s, &r, &sv);
    int ok = BN_bn2binpad(r, out, (int)field) == (int)field &&
             BN_bn2binpad(sv, out + field, (int)field) == (int)field;
    ECDSA_SIG_free(s);
    return ok ? 0 : -1;
}

static int sign_failed(struct as_error *err)
{
    char why[256] = "unknown OpenSSL error";
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    return as_err(err, 500, ERR_INTERNAL, "token signing failed: %s", why);
}

int token_sign_raw(const struct token_broker *b, const uint8_t *msg, size_t len, uint8_t *sig,
                   size_t *sig_len, struct as_error *err)
{
    uint8_t raw[SIG_BUF_MAX];
    size_t n = token_sig_max(b);
    if (n == 0 || n > sizeof raw)
        return as_err(err, 500, ERR_INTERNAL, "token signing failed: unusable key size");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, b->md, NULL, b->key) == 1 &&
             EVP_DigestSign(ctx, raw, &n, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return sign_failed(err);
    if (b->alg == TOKEN_RS384) {
        memcpy(sig, raw, n);
        *sig_len = n;
        return 0;
    }
    size_t field = ec_field_bytes(b->alg);
    if (ecdsa_der_to_jws(raw, n, field, sig) < 0)
        return sign_failed(err);
    *sig_len = 2 * field;
    return 0;
}

int token_jws_compact(const struct token_broker *b, const char *payload, size_t payload_len,
                      struct arena *a, char **jws, struct as_error *err)
{
    struct buf out = BUF_INIT;
    buf_append(&out, b->header_b64, b->header_b64_len);
    buf_putc(&out, '.');
    b64_encode_buf(&out, (const uint8_t *)payload, payload_len, B64_URL_NOPAD);
    if (buf_failed(&out)) {
        buf_free(&out);
        return as_err(err, 500, ERR_INTERNAL, "out of memory while encoding the token");
    }
    uint8_t sig[SIG_BUF_MAX];
    size_t sig_len = 0;
    if (token_sign_raw(b, (const uint8_t *)out.data, out.len, sig, &sig_len, err) < 0) {
        buf_free(&out);
        return -1;
    }
    buf_putc(&out, '.');
    b64_encode_buf(&out, sig, sig_len, B64_URL_NOPAD);
    char *s = buf_failed(&out) ? NULL : arena_strndup(a, out.data, out.len);
    buf_free(&out);
    if (!s)
        return as_err(err, 500, ERR_INTERNAL, "out of memory while encoding the token");
    *jws = s;
    return 0;
}

int token_sign_jwt(const struct token_broker *b, const struct value *claims, struct arena *a,
                   char **jws, struct as_error *err)
{
    if (!v_is(claims, V_OBJECT))
        return as_err(err, 500, ERR_INTERNAL, "token claims must be an object, not %s",
                      claims ? value_type_name((enum value_type)claims->type) : "nothing");
    struct buf payload = BUF_INIT;
    if (json_print(&payload, claims, JSON_COMPACT) < 0 || buf_failed(&payload)) {
        buf_free(&payload);
        return as_err(err, 500, ERR_INTERNAL, "out of memory while printing the token claims");
    }
    int rc = token_jws_compact(b, payload.data ? payload.data : "", payload.len, a, jws, err);
    buf_free(&payload);
    return rc;
}
