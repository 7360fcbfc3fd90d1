/* fuzz_rego_eval.c - libFuzzer target that compiles small modules and
 * evaluates them: the input is "<module text>\0<query>\0<input JSON>"
 * (missing parts get defaults).  Every evaluation runs under a small step
 * and depth limit, so a policy that would run long must stop with
 * eval_limit_error instead of hanging; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_rego_input.h"
#include "rego/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 4096);
    struct fuzz_rego_input fi;
    if (!fuzz_rego_split(&a, data, size, &fi)) {
        arena_free(&a);
        return 0;
    }
    const char *mod = fi.module, *query = fi.query, *input = fi.input;
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
