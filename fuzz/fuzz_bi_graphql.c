/* fuzz_bi_graphql.c - the graphql.* built-ins on arbitrary text.  The input
 * is split at the first NUL into a query and a schema; the first byte picks
 * the built-in (parse_query, parse_schema, schema_is_valid, is_valid, parse,
 * and parse fed back its own AST objects). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/builtins.h"

static int call(struct arena *a, const char *name, struct value **args, size_t n,
                struct value **out)
{
    const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
    struct as_error err;
    struct rego_bi_ctx ctx = {.arena = a, .name = name, .err = &err};
    *out = NULL;
    return b ? b->fn(&ctx, args, n, out) : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, 0, n);
    size_t q_len = nul ? (size_t)(nul - s) : n;
    const char *sch = nul ? nul + 1 : "type Query { a: Int b(x: [String!]): String }";
    size_t s_len = nul ? n - q_len - 1 : strlen(sch);

    struct arena arena;
    arena_init(&arena, 1 << 14);
    arena.limit = 64u << 20;
    struct value *args[2] = {v_string(&arena, s, q_len), v_string(&arena, sch, s_len)};
    struct value *out = NULL;
    switch (data[0] % 6) {
    case 0: call(&arena, "graphql.parse_query", args, 1, &out); break;
    case 1: call(&arena, "graphql.parse_schema", args + 1, 1, &out); break;
    case 2: call(&arena, "graphql.schema_is_valid", args, 1, &out); break;
    case 3: call(&arena, "graphql.is_valid", args, 2, &out); break;
    case 4: call(&arena, "graphql.parse", args, 2, &out); break;
    default:
        if (call(&arena, "graphql.parse_and_verify", args, 2, &out) == 0 && out &&
            out->type == V_ARRAY && out->u.arr.len == 3) {
            struct value *again[2] = {out->u.arr.items[1], out->u.arr.items[2]};
            call(&arena, "graphql.is_valid", again, 2, &out);
        }
    }
    arena_free(&arena);
    return 0;
}
