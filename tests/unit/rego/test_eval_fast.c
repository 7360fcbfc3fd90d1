/* test_eval_fast.c - evaluator semantics that the fast paths of eval.c
 * (direct expressions, iterative bodies, the per-evaluation object index)
 * must keep: object literals with repeated keys, functions with several
 * definitions and their errors, undefined arguments, bindings undone
 * between solutions, lookups in large objects, and the default policy's
 * answers over many claims. */
#include "eval_test_util.h"

TestSuite(eval_fast, .init = et_setup, .fini = et_teardown);

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

/* The parser merges a repeated key as OPA's (Object.Insert): a pattern
 * {"a": x, "a": 1} is {"a": 1}, x does not occur in it; a variable key
 * written twice is one key. */
Test(eval_fast, object_pattern_repeated_key_merged_at_parse)
{
    struct rego_compiled *c = compile("package p\n"
                                      "c := x if {\n"
                                      "  {\"a\": x, \"a\": 1} = {\"a\": 1}\n"
                                      "  x := 5\n"
                                      "}\n"
                                      "v := o if {\n"
                                      "  k := \"z\"\n"
                                      "  o := {k: 1, k: 2}\n"
                                      "}\n"
                                      "n := count({\"a\": input.x, \"a\": input.y})\n");
    cr_assert_str_eq(eval_in(c, "data.p.c", NULL), "5");
    cr_assert_str_eq(eval_in(c, "data.p.v", NULL), "{\"z\":2}");
    /* the first value is dropped at parse: undefined input.x does not matter */
    cr_assert_str_eq(eval_in(c, "data.p.n", "{\"y\": 2}"), "1");
    rego_compiled_free(c);
}

/* ---- functions: several definitions, early exit, errors ---- */

Test(eval_fast, function_definitions_and_conflicts)
{
    struct rego_compiled *c = compile("package p\n"
                                      "f(x) := 1 if x > 0\n"
                                      "f(x) := 2 if x > 5\n"
                                      "g(x) if x > 0\n"
                                      "g(x) if x > 5\n"
                                      "h(x) := y if { y := x * 2 }\n"
                                      "h(x) := y if { x > 100; y := x }\n"
                                      "a := f(1)\n"
                                      "b := f(6)\n"
                                      "d := g(6)\n"
                                      "e := h(3)\n"
                                      "u := f(-1)\n");
    cr_assert_str_eq(eval_in(c, "data.p.a", NULL), "1");
    cr_assert_str_eq(eval_in(c, "data.p.d", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.e", NULL), "6");
    cr_assert_str_eq(eval_in(c, "data.p.u", NULL), "undefined");
    const char *b = eval_in(c, "data.p.b", NULL);
    cr_assert(strstr(b, "error: ") && strstr(b, "functions must not produce multiple outputs"),
              "%s", b);
    rego_compiled_free(c);
}

Test(eval_fast, undefined_argument_and_builtin_error)
{
    struct rego_compiled *c = compile("package p\n"
                                      "f(x, y) := [x, y]\n"
                                      "a := f(input.missing, 1)\n"
                                      "b := f(1, input.k)\n"
                                      "c := count(input.k)\n"
                                      "d if not startswith(input.k, \"x\")\n"
                                      "e := f(f(1, 2), upper(input.s))\n");
    cr_assert_str_eq(eval_in(c, "data.p.a", "{\"k\": 5}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.b", "{\"k\": 5}"), "[1,5]");
    /* count(5): a built-in error is undefined unless strict */
    cr_assert_str_eq(eval_in(c, "data.p.c", "{\"k\": 5}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.d", "{\"k\": 5}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.e", "{\"s\": \"ab\"}"), "[[1,2],\"AB\"]");
    struct rego_eval_opts o = {0};
    o.input = J("{\"k\": 5}");
    o.strict_builtin_errors = true;
    const char *s = eval_opts(c, "data.p.c", &o);
    cr_assert(strstr(s, "error: ") != NULL, "%s", s);
    rego_compiled_free(c);
}

/* ---- bindings made by in-place expressions are undone ---- */

Test(eval_fast, bindings_undone_between_solutions)
{
    struct rego_compiled *c = compile("package p\n"
                                      "pairs contains [x, y] if {\n"
                                      "  some x in [1, 2, 3]\n"
                                      "  y := x * 10\n"
                                      "  z := y + 1\n"
                                      "  z > 11\n"
                                      "}\n"
                                      "nots contains x if {\n"
                                      "  some x in [1, 2, 3]\n"
                                      "  not x == 2\n"
                                      "}\n"
                                      "all_pos if { every v in input.xs { v > 0 } }\n");
    cr_assert_str_eq(eval_in(c, "data.p.pairs", NULL), "[[2,20],[3,30]]");
    cr_assert_str_eq(eval_in(c, "data.p.nots", NULL), "[1,3]");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, 2]}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, -2]}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{}"), "undefined");
    rego_compiled_free(c);
}

/* ---- references into base data and `with` ---- */

Test(eval_fast, data_references_and_with)
{
    const char *text = "package p\n"
                       "get(k) := data.ref[k]\n"
                       "n := data.ref[\"1\"]\n"
                       "m := data.ref[1]\n"
                       "a := get(\"a\")\n"
                       "w := x if { x := get(\"a\") with data.ref as {\"a\": \"mock\"} }\n";
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, J("{\"ref\": {\"a\": 7, \"1\": \"one\"}}"), &c,
                              &err),
                 0, "%s", err.detail);
    cr_assert_str_eq(eval_in(c, "data.p.a", NULL), "7");
    cr_assert_str_eq(eval_in(c, "data.p.n", NULL), "\"one\"");
    /* storage paths: a number reads the member named by its text */
    cr_assert_str_eq(eval_in(c, "data.p.m", NULL), "\"one\"");
    cr_assert_str_eq(eval_in(c, "data.p.w", NULL), "\"mock\"");
    rego_compiled_free(c);
}

/* ---- large objects: the per-evaluation index gives the same answers ---- */

static struct value *big_object(size_t n)
{
    struct pair_list l = {0};
    for (size_t i = 0; i < n; i++) {
        char key[48];
        snprintf(key, sizeof(key), "tdx.quote.body.claim_%03zu", i);
        cr_assert_eq(pair_list_push_str(&g_arena, &l, key, v_int(&g_arena, (int64_t)i)), 0);
    }
    return v_object(&g_arena, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

Test(eval_fast, large_object_lookups)
{
    const char *text = "package p\n"
                       "key(i) := sprintf(\"tdx.quote.body.claim_%03d\", [i])\n"
                       "found := [v | some i in numbers.range(0, 259); v := data.big[key(i)]]\n"
                       "missing := count([i | some i in numbers.range(0, 259); not data.big[key(i)]])\n"
                       "in_input := count([i | some i in numbers.range(0, 259); input[key(i)] == i])\n"
                       "odd := [data.big[\"\"], data.big[\"tdx\"], data.big[1]]\n";
    struct pair_list d = {0};
    cr_assert_eq(pair_list_push_str(&g_arena, &d, "big", big_object(200)), 0);
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1,
                              v_object(&g_arena, d.pairs, d.len, DUP_LAST_WINS, NULL), &c, &err),
                 0, "%s", err.detail);
    const char *found = eval_in(c, "data.p.found", NULL);
    char want[2048] = "[";
    for (int i = 0; i < 200; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%d", i ? "," : "", i);
    strcat(want, "]");
    cr_assert_str_eq(found, want);
    cr_assert_str_eq(eval_in(c, "data.p.missing", NULL), "60");
    cr_assert_str_eq(eval_in(c, "data.p.odd", NULL), "undefined");
    struct rego_eval_opts o = {0};
    o.input = big_object(150);
    cr_assert_str_eq(eval_opts(c, "data.p.in_input", &o), "150");
    rego_compiled_free(c);
}

/* ---- `xs[i] == v`: one unbound operand enumerated in place ---- */

Test(eval_fast, enumerated_operand_in_call)
{
    struct rego_compiled *c = compile("package p\n"
                                      "idx contains i if { some i; input.xs[i] == \"b\" }\n"
                                      "any_b if input.xs[_] == \"b\"\n"
                                      "keys contains k if { some k; input.o[k] > 1 }\n"
                                      "names contains n if { some i; n := input.l[i].name; "
                                      "startswith(input.l[i].name, \"a\") }\n"
                                      "deep if input.l[_].name == \"bob\"\n"
                                      "in_set if input.s[_] == 3\n"
                                      "pos contains [i, x] if { some i; x := i * 10; "
                                      "input.xs[i] != \"zz\" }\n"
                                      "self contains i if { some i; input.n[i] == i }\n"
                                      "none if input.missing[_] == 1\n"
                                      "scalar if input.k[_] == 1\n");
    const char *in = "{\"xs\": [\"a\", \"b\", \"c\", \"b\"], \"o\": {\"x\": 1, \"y\": 2, \"z\": 3},"
                     " \"l\": [{\"name\": \"ann\"}, {\"name\": \"bob\"}, {\"nom\": \"al\"}],"
                     " \"s\": [1, 3], \"n\": [5, 1, 2, 0], \"k\": 1}";
    cr_assert_str_eq(eval_in(c, "data.p.idx", in), "[1,3]");
    cr_assert_str_eq(eval_in(c, "data.p.any_b", in), "true");
    cr_assert_str_eq(eval_in(c, "data.p.keys", in), "[\"y\",\"z\"]");
    cr_assert_str_eq(eval_in(c, "data.p.names", in), "[\"ann\"]");
    cr_assert_str_eq(eval_in(c, "data.p.deep", in), "true");
    cr_assert_str_eq(eval_in(c, "data.p.in_set", in), "true");
    cr_assert_str_eq(eval_in(c, "data.p.pos", in), "[[0,0],[1,10],[2,20],[3,30]]");
    cr_assert_str_eq(eval_in(c, "data.p.self", in), "[1,2]");
    cr_assert_str_eq(eval_in(c, "data.p.none", in), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.scalar", in), "undefined");
    rego_compiled_free(c);
}

/* ---- calls without variables: once per evaluation, never across `with` ---- */

Test(eval_fast, constant_calls_and_with)
{
    struct rego_compiled *c = compile("package p\n"
                                      "f(x) := input.k + x\n"
                                      "g(x) := to_number(x)\n"
                                      "a := [f(1), f(1), f(2)]\n"
                                      "b := y if { y := f(1) with input.k as 10 }\n"
                                      "c := [f(1), z, f(1)] if { z := f(1) with input.k as 10 }\n"
                                      "d := [f(1) | some _ in [1, 2, 3]]\n"
                                      "e := count([1 | g(\"zz\")])\n"
                                      "h := [g(\"zz\"), 1]\n");
    const char *in = "{\"k\": 1}";
    cr_assert_str_eq(eval_in(c, "data.p.a", in), "[2,2,3]");
    cr_assert_str_eq(eval_in(c, "data.p.b", in), "11");
    cr_assert_str_eq(eval_in(c, "data.p.c", in), "[2,11,2]");
    cr_assert_str_eq(eval_in(c, "data.p.d", in), "[2,2,2]");
    /* a built-in error inside: undefined each time unless strict */
    cr_assert_str_eq(eval_in(c, "data.p.e", in), "0");
    cr_assert_str_eq(eval_in(c, "data.p.h", in), "undefined");
    struct rego_eval_opts o = {0};
    o.input = J(in);
    o.strict_builtin_errors = true;
    const char *s = eval_opts(c, "data.p.h", &o);
    cr_assert(strstr(s, "error: ") != NULL, "%s", s);
    rego_compiled_free(c);
}
