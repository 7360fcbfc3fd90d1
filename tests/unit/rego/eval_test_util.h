/* eval_test_util.h - helpers of the evaluator tests (test_eval_fast.c,
 * test_eval_guard.c): a per-test arena, JSON values, v1 modules compiled
 * or failing the test, and evaluation results as text. */
#ifndef AS_TEST_EVAL_TEST_UTIL_H
#define AS_TEST_EVAL_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rego/rego.h"

static struct arena g_arena;

static inline void et_setup(void) { arena_init(&g_arena, 1 << 16); }
static inline void et_teardown(void) { arena_free(&g_arena); }

static inline struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

static inline struct rego_compiled *compile(const char *text)
{
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), 0, "compile: %s", err.detail);
    return c;
}

/* The value at path as compact JSON, "undefined", or "error: <detail>". */
static inline const char *eval_opts(struct rego_compiled *c, const char *path,
                                    const struct rego_eval_opts *o)
{
    struct value *out = NULL;
    struct as_error err;
    if (rego_eval_path(c, path, o, &g_arena, &out, NULL, &err) < 0) {
        char *s = arena_alloc(&g_arena, strlen(err.detail) + 8);
        sprintf(s, "error: %s", err.detail);
        return s;
    }
    return out ? json_to_string(&g_arena, out, JSON_COMPACT) : "undefined";
}

static inline const char *eval_in(struct rego_compiled *c, const char *path, const char *input)
{
    struct rego_eval_opts o = {0};
    o.input = input ? J(input) : NULL;
    return eval_opts(c, path, &o);
}

#endif
