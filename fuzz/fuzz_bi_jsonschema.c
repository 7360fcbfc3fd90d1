/* fuzz_bi_jsonschema.c - json.verify_schema, json.match_schema and
 * regex.globs_match on arbitrary text.  The input is split at the first
 * NUL into a schema (or glob) and a document (or second glob); the first
 * byte picks the built-in. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/builtins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const NAMES[] = {"json.verify_schema", "json.match_schema",
                                        "regex.globs_match"};
    const char *name = NAMES[data[0] % 3];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, 0, n);
    size_t a_len = nul ? (size_t)(nul - s) : n;
    const char *b = nul ? nul + 1 : "{\"a\": [1, \"x\", {\"b\": null}]}";
    size_t b_len = nul ? n - a_len - 1 : strlen(b);

    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    struct as_error err;
    struct rego_bi_ctx ctx = {.arena = &arena, .name = name, .err = &err};
    const struct rego_builtin *bi = rego_builtin_lookup(name, strlen(name));
    struct value *schema = v_string(&arena, s, a_len), *doc = v_string(&arena, b, b_len);
    struct value *out = NULL;
    if (bi && data[0] % 3 == 0) {
        struct value *args[1] = {schema};
        bi->fn(&ctx, args, 1, &out);
    } else if (bi && data[0] % 3 == 1) {
        struct value *args[2] = {doc, schema};
        bi->fn(&ctx, args, 2, &out);
    } else if (bi) {
        struct value *args[2] = {schema, doc};
        bi->fn(&ctx, args, 2, &out);
    }
    arena_free(&arena);
    return 0;
}
