/* fuzz_token.c - libFuzzer target for the token module's parsers: the
 * certificate-chain splitter of signer.cert_path (token_key.c) and the EAR
 * builder's handling of policy output (token_ear.c).
 *
 * First byte even: the rest is a PEM chain file.  Odd: the rest is JSON
 * {"trust_claims": ..., "extensions": ..., "evidence": ..., "class": ...};
 * the EAR token must then be issued or refused with a 500, never crash, and
 * an issued token's payload must be valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "token/token_internal.h"

static struct token_broker *ear_broker(void)
{
    static struct token_broker *b;
    if (!b) {
        log_init("off");
        struct as_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.token_broker = TOKEN_EAR;
        cfg.token_duration_min = 5;
        cfg.token_issuer = "fuzz";
        struct as_error err;
        if (token_broker_new(&cfg, &b, &err) < 0)
            abort();
    }
    return b;
}

static void fuzz_chain(const char *data, size_t size)
{
    struct token_chain chain;
    struct as_error err;
    if (token_chain_parse("fuzz.pem", data, size, ear_broker()->key, &chain, &err) == 0)
        token_chain_free(&chain);
}

static void check_payload(struct arena *a, const char *jws)
{
    const char *d1 = strchr(jws, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    uint8_t *payload;
    size_t n;
    const char *why;
    struct value *v;
    struct as_error err;
    if (!d2 ||
        b64_decode(a, d1 + 1, (size_t)(d2 - d1 - 1), B64_URL_NOPAD, &payload, &n, &why) < 0 ||
        json_parse(a, (const char *)payload, n, NULL, &v, &err) < 0)
        abort();
}

static void fuzz_ear(struct arena *a, const char *data, size_t size)
{
    struct value *in;
    struct as_error err;
    if (json_parse(a, data, size, NULL, &in, &err) < 0 || !v_is(in, V_OBJECT))
        return;
    const struct value *cls = value_object_get_str(in, "class");
    struct token_ear_submod s = {
        .tee_class = v_is(cls, V_STRING) ? cls->u.str.s : "cpu",
        .annotated_evidence = value_object_get_str(in, "evidence"),
        .trust_claims = value_object_get_str(in, "trust_claims"),
        .extensions = value_object_get_str(in, "extensions"),
    };
    char *jws = NULL;
    if (token_ear_issue(ear_broker(), &s, 1, "default", a, &jws, &err) == 0)
        check_payload(a, jws);
    else if (err.status != 500)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct arena a;
    arena_init(&a, 0);
    if (data[0] % 2 == 0)
        fuzz_chain((const char *)data + 1, size - 1);
    else
        fuzz_ear(&a, (const char *)data + 1, size - 1);
    arena_free(&a);
    return 0;
}
