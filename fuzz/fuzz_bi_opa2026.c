/* fuzz_bi_opa2026.c - the built-ins whose behaviour follows the OPA
 * generation, run with opa_compat = REGO_OPA_2026 (the other fuzz targets
 * run the 2025 default): strings.render_template (missing keys as "no
 * value", the "<undefined>" rewrite), graphql.parse_query / parse /
 * is_valid (ExpectedTypeHasDefault, nullable variables for defaulted
 * arguments) and graphql.parse with a schema given as an AST object.
 * The first byte picks the built-in; the rest is split at the first NUL
 * into two texts (a JSON document where the built-in wants an object).
 * A call must succeed with a value or fail with an error message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins.h"
#include "rego/rego.h"
#include "value/value.h"

enum shape { TEMPLATE, QUERY, QUERY_SCHEMA, QUERY_SCHEMA_OBJECT };

static const struct {
    const char *name;
    enum shape shape;
} TARGETS[] = {
    {"strings.render_template", TEMPLATE},
    {"graphql.parse_query", QUERY},
    {"graphql.parse", QUERY_SCHEMA},
    {"graphql.is_valid", QUERY_SCHEMA},
    {"graphql.parse_and_verify", QUERY_SCHEMA},
    {"graphql.parse", QUERY_SCHEMA_OBJECT},
};

static struct value *object_or_empty(struct arena *a, const char *s, size_t n)
{
    struct as_error err;
    struct value *v;
    if (json_parse(a, s, n, NULL, &v, &err) < 0 || v->type != V_OBJECT)
        v = v_object(a, NULL, 0, DUP_LAST_WINS, NULL);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 32 * 1024)
        return 0;
    size_t pick = data[0] % (sizeof(TARGETS) / sizeof(TARGETS[0]));
    const char *s = (const char *)data + 1, *z = memchr(s, '\0', size - 1);
    size_t a_len = z ? (size_t)(z - s) : size - 1;
    const char *b = z ? z + 1 : "";
    size_t b_len = z ? size - 1 - a_len - 1 : 0;
    struct arena arena;
    arena_init(&arena, 4096);
    struct value *args[2] = {v_string(&arena, s, a_len), NULL};
    size_t nargs = 2;
    switch (TARGETS[pick].shape) {
    case TEMPLATE:
    case QUERY_SCHEMA_OBJECT:
        args[1] = object_or_empty(&arena, b, b_len);
        break;
    case QUERY:
        nargs = 1;
        break;
    case QUERY_SCHEMA:
        args[1] = v_string(&arena, b, b_len);
        break;
    }
    const struct rego_builtin *bi =
        rego_builtin_lookup(TARGETS[pick].name, strlen(TARGETS[pick].name));
    if (!bi)
        abort();
    if (args[0] && (nargs == 1 || args[1])) {
        struct as_error err = {0};
        struct rego_bi_ctx ctx = {.arena = &arena,
                                  .name = TARGETS[pick].name,
                                  .err = &err,
                                  .strict = true,
                                  .opa_compat = REGO_OPA_2026};
        struct value *out = NULL;
        int rc = bi->fn(&ctx, args, nargs, &out);
        if (rc == 0 && !out)
            abort();
        if (rc < 0 && !err.detail[0])
            abort();
    }
    arena_free(&arena);
    return 0;
}
