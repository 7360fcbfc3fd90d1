/* fuzz_bi_jwt.c - the token and certificate built-ins on arbitrary input:
 * JWT decoding (io.jwt.decode, decode_verify), key text as PEM / JWK /
 * JWKS (io.jwt.verify_*, decode_verify's cert), JWKs for signing
 * (encode_sign_raw), and the X.509 / key parsers (crypto.x509.*,
 * crypto.parse_private_keys).  The first byte picks the built-in; the
 * rest is split at the first NUL into a token (or header) and a key text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/builtins.h"

enum shape {
    TOKEN,        /* (a) */
    TOKEN_KEY,    /* (a, b) */
    TOKEN_CERT,   /* decode_verify(a, {"cert": b}) */
    TOKEN_SECRET, /* decode_verify(a, {"secret": b, "time": len}) */
    SIGN_RAW,     /* encode_sign_raw(a, "{}", b) */
    CERTS,        /* (a) */
    KEYPAIR,      /* (a, b) */
    CHAIN_OPTS,   /* parse_and_verify_certificates_with_options(a, {"DNSName": b}) */
};

struct target {
    const char *name;
    enum shape shape;
};

static const struct target TARGETS[] = {
    {"io.jwt.decode", TOKEN},
    {"io.jwt.verify_rs256", TOKEN_KEY},
    {"io.jwt.verify_ps384", TOKEN_KEY},
    {"io.jwt.verify_es256", TOKEN_KEY},
    {"io.jwt.verify_eddsa", TOKEN_KEY},
    {"io.jwt.verify_hs256", TOKEN_KEY},
    {"io.jwt.decode_verify", TOKEN_CERT},
    {"io.jwt.decode_verify", TOKEN_SECRET},
    {"io.jwt.encode_sign_raw", SIGN_RAW},
    {"crypto.x509.parse_certificates", CERTS},
    {"crypto.x509.parse_and_verify_certificates", CERTS},
    {"crypto.x509.parse_certificate_request", CERTS},
    {"crypto.x509.parse_rsa_private_key", CERTS},
    {"crypto.parse_private_keys", CERTS},
    {"crypto.x509.parse_keypair", KEYPAIR},
    {"crypto.x509.parse_and_verify_certificates_with_options", CHAIN_OPTS},
};

static struct value *one_member(struct arena *a, const char *key, struct value *v, const char *key2,
                                struct value *v2)
{
    struct value_pair p[2] = {{v_cstr(a, key), v}, {key2 ? v_cstr(a, key2) : NULL, v2}};
    if (!p[0].key || !v || (key2 && (!p[1].key || !v2)))
        return NULL;
    return v_object(a, p, key2 ? 2 : 1, DUP_LAST_WINS, NULL);
}

static size_t build_args(struct arena *a, const struct target *t, struct value *sa,
                         struct value *sb, size_t b_len, struct value **args)
{
    args[0] = sa;
    switch (t->shape) {
    case TOKEN:
    case CERTS:
        return 1;
    case TOKEN_KEY:
    case KEYPAIR:
        args[1] = sb;
        return 2;
    case TOKEN_CERT:
        args[1] = one_member(a, "cert", sb, NULL, NULL);
        return 2;
    case TOKEN_SECRET:
        args[1] = one_member(a, "secret", sb, "time", v_int(a, (int64_t)b_len * 1000000000));
        return 2;
    case SIGN_RAW:
        args[1] = v_cstr(a, "{}");
        args[2] = sb;
        return 3;
    case CHAIN_OPTS:
        args[1] = one_member(a, "DNSName", sb, NULL, NULL);
        return 2;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct target *t = &TARGETS[data[0] % (sizeof(TARGETS) / sizeof(TARGETS[0]))];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, 0, n);
    size_t a_len = nul ? (size_t)(nul - s) : n;
    const char *b = nul ? nul + 1 : "";
    size_t b_len = nul ? n - a_len - 1 : 0;

    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    struct as_error err;
    struct rego_bi_ctx ctx = {
        .arena = &arena, .name = t->name, .err = &err, .now_ns = 1700000000000000000LL};
    struct value *args[3] = {NULL, NULL, NULL};
    size_t nargs =
        build_args(&arena, t, v_string(&arena, s, a_len), v_string(&arena, b, b_len), b_len, args);
    const struct rego_builtin *bi = rego_builtin_lookup(t->name, strlen(t->name));
    bool ok = bi != NULL;
    for (size_t i = 0; i < nargs && ok; i++)
        ok = args[i] != NULL;
    struct value *out = NULL;
    if (ok)
        bi->fn(&ctx, args, nargs, &out);
    arena_free(&arena);
    return 0;
}
