/* fuzz_bi_go_json.c - Go's JSON syntax check and item walk (bi_go_json.c)
 * and the JOSE header reading of io.jwt.encode_sign_raw built on them.
 * The first byte picks the mode: even = check the rest as JSON and, when
 * it is valid, walk every object and array in it (each item must lie
 * inside the text); ASCII text without \u escapes that the strict parser
 * (json_parse) accepts must pass Go's check too (json_parse also refuses
 * numbers out of range, which Go's syntax check does not look at); odd = encode_sign_raw(header, payload, an HS256 key)
 * with the rest split at the first NUL into header and payload. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_util.h"

static void walk(struct arena *a, const char *s, size_t n, const char *base, size_t total,
                 int depth)
{
    struct bi_go_json_item *items;
    size_t count;
    if (depth > 64 || bi_go_json_items(a, s, n, &items, &count) < 0)
        return;
    for (size_t i = 0; i < count; i++) {
        const char *v = items[i].val;
        if (v < base || v + items[i].val_len > base + total || items[i].val_len == 0)
            abort();
        if (items[i].key && (items[i].key_len < 2 || items[i].key[0] != '"'))
            abort();
        walk(a, v, items[i].val_len, base, total, depth + 1);
    }
}

static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || (s[i] == '\\' && i + 1 < n && s[i + 1] == 'u'))
            return false;
    return true;
}

static void check_text(struct arena *a, const char *s, size_t n)
{
    bool go_valid = bi_go_json_check(a, s, n) == NULL;
    if (go_valid)
        walk(a, s, n, s, n, 0);
    if (plain_ascii(s, n)) {
        struct json_parse_opts o = {.max_depth = 10000};
        struct as_error err;
        struct value *v;
        if (!go_valid && json_parse(a, s, n, &o, &v, &err) == 0)
            abort();
    }
}

static void sign_header(struct arena *a, const char *s, size_t n)
{
    const char *nul = memchr(s, 0, n);
    size_t hl = nul ? (size_t)(nul - s) : n;
    const char *payload = nul ? nul + 1 : "{}";
    size_t pl = nul ? n - hl - 1 : 2;
    static const char key[] = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}";
    struct as_error err;
    const char *name = "io.jwt.encode_sign_raw";
    struct rego_bi_ctx ctx = {
        .arena = a, .name = name, .err = &err, .now_ns = 1700000000000000000LL};
    struct value *args[3] = {v_string(a, s, hl), v_string(a, payload, pl),
                             v_string(a, key, sizeof(key) - 1)};
    const struct rego_builtin *bi = rego_builtin_lookup(name, strlen(name));
    struct value *out = NULL;
    if (bi && args[0] && args[1] && args[2])
        bi->fn(&ctx, args, 3, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    if (data[0] % 2 == 0) {
        check_text(&arena, s, n);
    } else {
        sign_header(&arena, s, n);
    }
    arena_free(&arena);
    return 0;
}
