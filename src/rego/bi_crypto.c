/* bi_crypto.c - the Crypto built-ins that need no certificate parsing:
 * crypto.md5/sha1/sha256 and crypto.hmac.md5/sha1/sha256/sha512/equal
 * (OpenSSL).  Digests are returned as lowercase hex, as OPA does.
 * Not here yet: crypto.x509.*, crypto.parse_private_keys. */
#include "rego/bi_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "base/codec.h"

static int digest_hex(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                      const EVP_MD *md)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || EVP_Digest(args[0]->u.str.s, args[0]->u.str.len, d, &n, md, NULL) != 1)
        return bi_err(ctx, "digest unavailable");
    char *h = hex_encode_arena(ctx->arena, d, n);
    BI_RET(h ? v_string_ref(ctx->arena, h, 2 * (size_t)n) : NULL);
}

static int hmac_hex(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                    const EVP_MD *md)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || !HMAC(md, args[1]->u.str.s, (int)args[1]->u.str.len,
                     (const unsigned char *)args[0]->u.str.s, args[0]->u.str.len, d, &n))
        return bi_err(ctx, "hmac unavailable");
    char *h = hex_encode_arena(ctx->arena, d, n);
    BI_RET(h ? v_string_ref(ctx->arena, h, 2 * (size_t)n) : NULL);
}

#define DIGEST_FN(fname, expr, kind)                                                               \
    static int fname(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,            \
                     struct value **out)                                                           \
    {                                                                                              \
        return kind(ctx, args, out, expr);                                                         \
    }

DIGEST_FN(bi_md5, EVP_md5(), digest_hex)
DIGEST_FN(bi_sha1, EVP_sha1(), digest_hex)
DIGEST_FN(bi_sha256, EVP_sha256(), digest_hex)
DIGEST_FN(bi_hmac_md5, EVP_md5(), hmac_hex)
DIGEST_FN(bi_hmac_sha1, EVP_sha1(), hmac_hex)
DIGEST_FN(bi_hmac_sha256, EVP_sha256(), hmac_hex)
DIGEST_FN(bi_hmac_sha512, EVP_sha512(), hmac_hex)

static int bi_hmac_equal(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                         struct value **out)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_STRING));
    const struct value *a = args[0], *b = args[1];
    *out = v_bool(a->u.str.len == b->u.str.len &&
                  CRYPTO_memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0);
    return 0;
}

const struct rego_builtin rego_bi_crypto[] = {
    {"crypto.hmac.equal", 2, bi_hmac_equal, 0, NULL},
    {"crypto.hmac.md5", 2, bi_hmac_md5, 0, NULL},
    {"crypto.hmac.sha1", 2, bi_hmac_sha1, 0, NULL},
    {"crypto.hmac.sha256", 2, bi_hmac_sha256, 0, NULL},
    {"crypto.hmac.sha512", 2, bi_hmac_sha512, 0, NULL},
    {"crypto.md5", 1, bi_md5, 0, NULL},
    {"crypto.sha1", 1, bi_sha1, 0, NULL},
    {"crypto.sha256", 1, bi_sha256, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
