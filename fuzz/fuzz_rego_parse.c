/* fuzz_rego_parse.c - libFuzzer target for the Rego lexer, parser and
 * compiler: the input is compiled as a module under each Rego version
 * (METADATA annotations and rego.metadata.* rewriting included), turned
 * into OPA's JSON AST by rego.parse_module, and run as a query against an
 * empty policy.  No crash, leak or hang on any text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/rego.h"

/* rego.parse_module on the bytes (as a string value), under strict errors. */
static void parse_module_json(struct arena *a, const uint8_t *data, size_t size)
{
    static struct rego_compiled *pol;
    static const char text[] = "package f\nm := rego.parse_module(\"f.rego\", input)\n";
    struct as_error err;
    if (!pol) {
        struct rego_source src = {"f.rego", text, sizeof(text) - 1};
        if (rego_compile(&src, 1, REGO_V1, NULL, &pol, &err) != 0)
            return;
    }
    struct rego_eval_opts o = {.input = v_string(a, (const char *)data, size),
                               .strict_builtin_errors = true};
    struct value *out;
    if (o.input)
        rego_eval_path(pol, "data.f.m", &o, a, &out, NULL, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const enum rego_version vers[] = {REGO_AUTO, REGO_V0, REGO_V1};
    struct rego_source src = {"fuzz.rego", (const char *)data, size};
    for (size_t k = 0; k < sizeof(vers) / sizeof(vers[0]); k++) {
        struct rego_compiled *c = NULL;
        struct as_error err;
        if (rego_compile(&src, 1, vers[k], NULL, &c, &err) == 0)
            rego_compiled_free(c);
    }
    struct arena a;
    arena_init(&a, 4096);
    parse_module_json(&a, data, size);
    /* the same bytes as a query (NUL-terminated copy) */
    char *q = arena_strndup(&a, (const char *)data, size);
    struct rego_compiled *empty = NULL;
    struct as_error err;
    if (q && strlen(q) == size && rego_compile(NULL, 0, REGO_V1, NULL, &empty, &err) == 0) {
        struct rego_eval_opts o = {.limits = {.max_steps = 20000, .max_depth = 64}};
        struct value *res;
        rego_eval_query(empty, q, &o, &a, &res, &err);
        rego_compiled_free(empty);
    }
    arena_free(&a);
    return 0;
}
