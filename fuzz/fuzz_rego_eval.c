/* fuzz_rego_eval.c - libFuzzer target that compiles small modules and
 * evaluates them: the input is "<module text>\0<query>\0<input JSON>"
 * (missing parts get defaults).  Every evaluation runs under a small step
 * and depth limit, so a policy that would run long must stop with
 * eval_limit_error instead of hanging; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rego/rego.h"

static const char *part(const char **p, const char *end)
{
    const char *s = *p;
    if (s >= end)
        return NULL;
    const char *z = memchr(s, '\0', (size_t)(end - s));
    *p = z ? z + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024)
        return 0;
    struct arena a;
    arena_init(&a, 4096);
    char *buf = arena_alloc(&a, size + 1);
    if (!buf) {
        arena_free(&a);
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *p = buf, *end = buf + size;
    const char *mod = part(&p, end);
    const char *query = part(&p, end);
    const char *input = part(&p, end);
    if (!mod)
        mod = "";
    if (!query || !*query)
        query = "data";
    struct rego_source src = {"fuzz.rego", mod, strlen(mod)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    if (rego_compile(&src, 1, REGO_AUTO, NULL, &c, &err) == 0) {
        struct rego_eval_opts o = {.limits = {.max_steps = 50000, .max_depth = 64}};
        struct value *in = NULL;
        if (input && json_parse(&a, input, strlen(input), NULL, &in, &err) == 0)
            o.input = in;
        struct value *res;
        rego_eval_query(c, query, &o, &a, &res, &err);
        bool exists;
        rego_eval_path(c, "data", &o, &a, &res, &exists, &err);
        o.strict_builtin_errors = true;
        rego_eval_query(c, query, &o, &a, &res, &err);
        rego_compiled_free(c);
    }
    arena_free(&a);
    return 0;
}
