/* fuzz_rego_parse.c - libFuzzer target for the Rego lexer, parser and
 * compiler: the input is compiled as a module under each Rego version and
 * as a query against an empty policy.  No crash, leak or hang on any text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/rego.h"

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
    /* the same bytes as a query (NUL-terminated copy) */
    struct arena a;
    arena_init(&a, 4096);
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
