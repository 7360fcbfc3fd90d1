/* test_eval_fast.c - evaluator semantics that the fast paths of eval.c
 * (direct expressions, iterative bodies, the per-evaluation object index)
 * must keep: object literals with repeated keys, functions with several
 * definitions and their errors, undefined arguments, bindings undone
 * between solutions, lookups in large objects, and the default policy's
 * answers over many claims. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rego/rego.h"

static struct arena g_arena;

static void setup(void) { arena_init(&g_arena, 1 << 16); }
static void teardown(void) { arena_free(&g_arena); }

TestSuite(eval_fast, .init = setup, .fini = teardown);

static struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(&g_arena, json, strlen(json), NULL, &v, &err), 0, "%s", err.detail);
    return v;
}

static struct rego_compiled *compile(const char *text)
{
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), 0, "compile: %s", err.detail);
    return c;
}

/* The value at path as compact JSON, "undefined", or "error: <detail>". */
static const char *eval_opts(struct rego_compiled *c, const char *path,
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

static const char *eval_in(struct rego_compiled *c, const char *path, const char *input)
{
    struct rego_eval_opts o = {0};
    o.input = input ? J(input) : NULL;
    return eval_opts(c, path, &o);
}

/* ---- object literals with a repeated key: the last one wins (OPA) ---- */

Test(eval_fast, object_literal_repeated_constant_key)
{
    struct rego_compiled *c = compile("package p\n"
                                      "o := {\"a\": 1, \"b\": 0, \"a\": 2}\n"
                                      "same := {\"a\": 1, \"a\": 1}\n"
                                      "nested := [{\"op\": \"add\", \"op\": \"remove\"}]\n");
    cr_assert_str_eq(eval_in(c, "data.p.o", NULL), "{\"a\":2,\"b\":0}");
    cr_assert_str_eq(eval_in(c, "data.p.same", NULL), "{\"a\":1}");
    cr_assert_str_eq(eval_in(c, "data.p.nested", NULL), "[{\"op\":\"remove\"}]");
    rego_compiled_free(c);
}

Test(eval_fast, object_literal_repeated_key_at_run_time)
{
    /* keys that are equal only once evaluated; values not constant */
    struct rego_compiled *c = compile("package p\n"
                                      "o := {x: input.a, y: input.b} if {\n"
                                      "  x := \"k\"\n"
                                      "  y := lower(\"K\")\n"
                                      "}\n"
                                      "simple := {k1: 1, k2: 2} if {\n"
                                      "  k1 := input.k\n"
                                      "  k2 := input.k\n"
                                      "}\n");
    cr_assert_str_eq(eval_in(c, "data.p.o", "{\"a\": 1, \"b\": 2}"), "{\"k\":2}");
    cr_assert_str_eq(eval_in(c, "data.p.simple", "{\"k\": \"z\"}"), "{\"z\":2}");
    rego_compiled_free(c);
}
