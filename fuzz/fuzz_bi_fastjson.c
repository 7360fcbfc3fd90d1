/* fuzz_bi_fastjson.c - the fastjson-compatible reader (bi_fastjson.c) and
 * the OPA 2026 header reading of io.jwt.encode_sign_raw built on it.
 * The first byte picks the mode: even = parse the rest, look up a few keys
 * and read their strings; every member must lie inside the text, an error
 * must say which kind it is, and text that the strict JSON parser accepts
 * (fastjson is more lenient, never less) must parse; odd =
 * encode_sign_raw(rest, payload, an HS256 key) under opa_compat 2026, the
 * rest split at the first NUL into header and payload. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_fastjson.h"
#include "rego/builtins.h"
#include "rego/rego.h"
#include "value/value.h"

static void check_members(const struct fj_doc *doc, const char *s, size_t n)
{
    for (const struct fj_member *m = doc->members; m; m = m->next) {
        if (m->type == FJ_STRING && (m->raw < s || m->raw + m->raw_len > s + n))
            abort();
        if (!doc->keys_unescaped && (m->key < s || m->key + m->key_len > s + n))
            abort();
    }
}

static void parse_text(struct arena *a, const char *s, size_t n)
{
    struct fj_doc doc;
    const char *err = NULL;
    int rc = fj_parse(a, s, n, &doc, &err);
    if (rc < 0) {
        if (err && strncmp(err, "cannot parse JSON: ", 19) != 0 &&
            strncmp(err, "unexpected tail: ", 17) != 0)
            abort();
        struct json_parse_opts o = {.max_depth = 200};
        struct as_error jerr;
        struct value *v;
        if (err && json_parse(a, s, n, &o, &v, &jerr) == 0)
            abort(); /* valid JSON that fastjson refused */
        return;
    }
    check_members(&doc, s, n);
    static const char *const keys[] = {"alg", "typ", "kid", ""};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        bool oom;
        const struct fj_member *m = fj_get(a, &doc, keys[k], &oom);
        if (!m)
            continue;
        size_t len;
        const char *why;
        const char *text = fj_string(a, m, &len, &why);
        if (!text && m->type == FJ_STRING && why)
            abort();
        unsigned sum = 0; /* the text must be readable (ASan) */
        for (size_t i = 0; text && i < len; i++)
            sum += (unsigned char)text[i];
        (void)sum;
    }
}

static void sign_raw(struct arena *a, const char *s, size_t n)
{
    const char *z = memchr(s, '\0', n);
    size_t hl = z ? (size_t)(z - s) : n;
    const char *payload = z ? z + 1 : "{}";
    size_t pl = z ? n - hl - 1 : 2;
    static const char key[] = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    const struct rego_builtin *b = rego_builtin_lookup("io.jwt.encode_sign_raw", 22);
    if (!b)
        abort();
    struct value *args[3] = {v_string(a, s, hl), v_string(a, payload, pl),
                             v_string(a, key, sizeof(key) - 1)};
    if (!args[0] || !args[1] || !args[2])
        return;
    struct as_error err = {0};
    struct rego_bi_ctx ctx = {
        .arena = a, .name = "io.jwt.encode_sign_raw", .err = &err, .opa_compat = REGO_OPA_2026};
    struct value *out = NULL;
    if (b->fn(&ctx, args, 3, &out) == 0 && (!out || out->type != V_STRING))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    struct arena a;
    arena_init(&a, 4096);
    const char *s = (const char *)data + 1;
    if (data[0] % 2 == 0)
        parse_text(&a, s, size - 1);
    else
        sign_raw(&a, s, size - 1);
    arena_free(&a);
    return 0;
}
