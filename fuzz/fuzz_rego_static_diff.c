/* fuzz_rego_static_diff.c - differential libFuzzer target for eval.c's
 * static paths (docs/rego.md, Performance): the module is compiled twice,
 * with the static paths (the default) and without them
 * (reval_static_paths = false: general paths only), and every answer must
 * be the same: the value of data and of the query, normal and strict, or
 * the same error.  Input as fuzz_rego_eval: "<module>\0<query>\0<input>".
 * Answers cut short by a limit are not compared (the two paths count
 * steps at different points). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_rego_input.h"
#include "rego/rego_int.h"

struct answer {
    int rc;
    const char *text; /* the value as JSON, "undefined", or the error */
};

static struct answer answer_of(struct arena *a, int rc, const struct value *v,
                               const struct as_error *err)
{
    struct answer an = {rc, "undefined"};
    if (rc < 0)
        an.text = arena_strdup(a, err->detail);
    else if (v)
        an.text = json_to_string(a, v, JSON_COMPACT);
    if (!an.text)
        an.text = "";
    return an;
}

/* The four answers of one compiled module. */
static void answers(struct rego_compiled *c, const char *query, const struct value *in,
                    struct arena *a, struct answer out[4])
{
    struct rego_eval_opts o = {.limits = {.max_steps = 50000, .max_depth = 64}};
    o.input = in;
    struct as_error err;
    struct value *res = NULL;
    for (int strict = 0; strict < 2; strict++) {
        o.strict_builtin_errors = strict;
        res = NULL;
        int rc = rego_eval_query(c, query, &o, a, &res, &err);
        out[2 * strict] = answer_of(a, rc, res, &err);
        bool exists;
        res = NULL;
        rc = rego_eval_path(c, "data", &o, a, &res, &exists, &err);
        out[2 * strict + 1] = answer_of(a, rc, res, &err);
    }
}

static bool limited(const struct answer *x)
{
    return x->rc < 0 && strstr(x->text, "limit") != NULL;
}

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
    struct value *in = NULL;
    struct as_error err;
    if (input && json_parse(&a, input, strlen(input), NULL, &in, &err) < 0)
        in = NULL;
    struct rego_source src = {"fuzz.rego", mod, strlen(mod)};
    struct rego_compiled *fast = NULL, *plain = NULL;
    reval_static_paths = true;
    int rf = rego_compile(&src, 1, REGO_AUTO, NULL, &fast, &err);
    reval_static_paths = false;
    int rp = rego_compile(&src, 1, REGO_AUTO, NULL, &plain, &err);
    reval_static_paths = true;
    if ((rf == 0) != (rp == 0))
        abort(); /* preparing never decides whether a module compiles */
    if (rf == 0) {
        struct answer af[4], ap[4];
        answers(fast, query, in, &a, af);
        answers(plain, query, in, &a, ap);
        for (int i = 0; i < 4; i++) {
            if (limited(&af[i]) || limited(&ap[i]))
                continue;
            if ((af[i].rc < 0) != (ap[i].rc < 0) || strcmp(af[i].text, ap[i].text) != 0)
                abort();
        }
    }
    rego_compiled_free(fast);
    rego_compiled_free(plain);
    arena_free(&a);
    return 0;
}
