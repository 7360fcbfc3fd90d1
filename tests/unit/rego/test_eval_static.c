/* test_eval_static.c - semantics the static paths of eval.c must keep:
 * function bodies whose leading expressions run as static operations
 * (struct rule nstatic), functions run entirely that way (flat code and
 * jump code: several definitions, else chains, defaults, conflicts, calls
 * inlined), the enumeration whose other call arguments are computed once
 * (enum_hoisted), and their interplay with `with` (function mocks, data
 * overlays) and the limits; where it matters, the answer is also compared
 * with the general paths'. */
#include "eval_test_util.h"
#include "rego/rego_int.h"

TestSuite(eval_static, .init = et_setup, .fini = et_teardown);

static bool has_error(const char *got, const char *fragment)
{
    return strncmp(got, "error: ", 7) == 0 && strstr(got, fragment) != NULL;
}

Test(eval_static, else_chains_and_defaults)
{
    struct rego_compiled *c = compile("package p\n"
                                      "k(x) := \"a\" if x > 10\n"
                                      "else := \"b\" if x > 5\n"
                                      "else := \"c\"\n"
                                      "default d(_) := \"none\"\n"
                                      "d(x) := \"big\" if x > 10\n"
                                      "r := [k(11), k(6), k(1), d(1), d(11)]\n");
    cr_assert_str_eq(eval_in(c, "data.p.r", NULL), "[\"a\",\"b\",\"c\",\"none\",\"big\"]");
    rego_compiled_free(c);
}

Test(eval_static, several_definitions_agree_or_conflict)
{
    struct rego_compiled *c = compile("package p\n"
                                      "f(x) := 1 if x > 0\n"
                                      "f(x) := 1 if x > 5\n"
                                      "f(x) := 2 if x > 50\n"
                                      "g(x) if x > 0\n"
                                      "g(x) if x < 0\n"
                                      "same := f(6)\n"
                                      "clash := f(60)\n"
                                      "g_pos := g(1)\n"
                                      "g_neg := g(-1)\n"
                                      "g_zero := g(0)\n");
    cr_assert_str_eq(eval_in(c, "data.p.same", NULL), "1");
    const char *got = eval_in(c, "data.p.clash", NULL);
    cr_assert(has_error(got, "functions must not produce multiple outputs"), "%s", got);
    cr_assert_str_eq(eval_in(c, "data.p.g_pos", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.g_neg", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.g_zero", NULL), "undefined");
    rego_compiled_free(c);
}

Test(eval_static, bindings_equality_and_negation)
{
    struct rego_compiled *c = compile("package p\n"
                                      "eq(x, y) if { z := x; z = y }\n"
                                      "three(x) if { 3 = x }\n"
                                      "left(x) := y if { x = y }\n"
                                      "flagless(x) if { not x.flag }\n"
                                      "deep(x) if { y := x.a; z := y.b; z == 1 }\n"
                                      "r := [eq(1, 1), three(3), left(4), flagless({}),"
                                      " flagless({\"flag\": false}), deep({\"a\": {\"b\": 1}})]\n"
                                      "u1 := eq(1, 2)\n"
                                      "u2 := flagless({\"flag\": true})\n"
                                      "u3 := deep({\"a\": 1})\n"
                                      "u4 := three(4)\n");
    cr_assert_str_eq(eval_in(c, "data.p.r", NULL), "[true,true,4,true,true,true]");
    cr_assert_str_eq(eval_in(c, "data.p.u1", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u2", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u3", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u4", NULL), "undefined");
    rego_compiled_free(c);
}

/* A static prefix then expressions that enumerate: the prefix's bindings
 * are seen by the rest; each solution of the rest is a function output. */
Test(eval_static, static_prefix_then_general_body)
{
    struct rego_compiled *c = compile("package p\n"
                                      "h(x) := y if { a := x + 1; some b in [a]; y := b * 2 }\n"
                                      "idx(xs, v) := i if { some i; xs[i] == v }\n"
                                      "r := [h(1), idx([5, 1], 1)]\n"
                                      "dup := idx([5, 1, 1], 1)\n");
    cr_assert_str_eq(eval_in(c, "data.p.r", NULL), "[4,1]");
    const char *got = eval_in(c, "data.p.dup", NULL);
    cr_assert(has_error(got, "functions must not produce multiple outputs"), "%s", got);
    rego_compiled_free(c);
}

Test(eval_static, enumeration_with_arguments_computed_once)
{
    struct rego_compiled *c = compile("package p\n"
                                      "inc(xs, v) if { some i; xs[i] == v }\n"
                                      "key_of(o, v) := k if { some k; o[k] == v }\n"
                                      "pre(xs, p) if { some i; startswith(xs[i], p) }\n"
                                      "miss(xs) if { some i; xs[i] == input.missing }\n"
                                      "r := [inc([1, 2], 2), inc({3, 4}, 4), key_of({\"a\": 1, \"b\": 2}, 2),"
                                      " pre([\"ab\", \"cd\"], \"c\")]\n"
                                      "u1 := inc([1, 2], 3)\n"
                                      "u2 := miss([1])\n"
                                      "u3 := pre([1, \"x\"], \"y\")\n"
                                      "u4 := inc(\"ab\", \"a\")\n");
    cr_assert_str_eq(eval_in(c, "data.p.r", NULL), "[true,true,\"b\",true]");
    cr_assert_str_eq(eval_in(c, "data.p.u1", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u2", "{}"), "undefined");
    /* startswith(1, "y") is a built-in error: undefined, the next element
     * is still tried */
    cr_assert_str_eq(eval_in(c, "data.p.u3", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u4", NULL), "undefined");
    rego_compiled_free(c);
}

/* Function mocks reach built-ins and functions called from static bodies,
 * including the built-ins computed in place (is_array, equal). */
Test(eval_static, with_function_mocks)
{
    struct rego_compiled *c = compile("package p\n"
                                      "has_x(s) if startswith(s, \"x\")\n"
                                      "arr(v) if is_array(v)\n"
                                      "inc(xs, v) if { some i; xs[i] == v }\n"
                                      "yes(_, _) := true\n"
                                      "always(_) := true\n"
                                      "plain := [has_x(\"ay\"), arr(1)]\n"
                                      "m1 if has_x(\"ay\") with startswith as yes\n"
                                      "m2 if arr(1) with is_array as always\n"
                                      "m3 if inc([1], 2) with equal as yes\n"
                                      "m4 if has_x(\"xa\") with startswith as false\n");
    cr_assert_str_eq(eval_in(c, "data.p.plain", NULL), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.m1", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.m2", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.m3", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.m4", NULL), "undefined");
    rego_compiled_free(c);
}

/* Data read by static bodies follows `with data` and extra data. */
Test(eval_static, with_data_and_extra_data)
{
    struct rego_compiled *c = compile("package p\n"
                                      "known(k) if { _ = data.reference[k] }\n"
                                      "match(k, v) if { r := data.reference[k]; r == v }\n"
                                      "a := [known(\"a\"), match(\"a\", 1)]\n"
                                      "b if known(\"z\") with data.reference as {\"z\": 0}\n"
                                      "c if match(\"a\", 2) with data.reference.a as 2\n"
                                      "d := known(\"z\")\n");
    struct rego_eval_opts o = {0};
    o.extra_data = J("{\"reference\": {\"a\": 1}}");
    cr_assert_str_eq(eval_opts(c, "data.p.a", &o), "[true,true]");
    cr_assert_str_eq(eval_opts(c, "data.p.b", &o), "true");
    cr_assert_str_eq(eval_opts(c, "data.p.c", &o), "true");
    cr_assert_str_eq(eval_opts(c, "data.p.d", &o), "undefined");
    rego_compiled_free(c);
}

/* The step limit holds inside static bodies and hoisted enumerations. */
Test(eval_static, step_limit_honoured)
{
    struct rego_compiled *c = compile("package p\n"
                                      "ok(x) if x >= 0\n"
                                      "inc(xs, v) if { some i; xs[i] == v }\n"
                                      "all_ok if { every x in numbers.range(1, 5000) { ok(x) } }\n"
                                      "found if inc(numbers.range(1, 5000), 5000)\n");
    cr_assert_str_eq(eval_in(c, "data.p.all_ok", NULL), "true");
    cr_assert_str_eq(eval_in(c, "data.p.found", NULL), "true");
    struct rego_eval_opts o = {0};
    o.limits.max_steps = 1000;
    const char *got = eval_opts(c, "data.p.all_ok", &o);
    cr_assert(has_error(got, "step limit"), "%s", got);
    got = eval_opts(c, "data.p.found", &o);
    cr_assert(has_error(got, "step limit"), "%s", got);
    rego_compiled_free(c);
}

/* Many evaluations of one compiled policy agree with a reference computed
 * here in C: the default-policy shape over claims that match, differ or
 * are absent from the reference values. */
Test(eval_static, array_include_shape_over_many_claims)
{
    struct rego_compiled *c = compile("package p\n"
                                      "ok(k, v) if { has(data.ref, k); r := data.ref[k]; m(r, v) }\n"
                                      "ok(k, _) if { not has(data.ref, k) }\n"
                                      "m(r, v) if { not is_array(r); v == r }\n"
                                      "m(r, v) if { is_array(r); inc(r, v) }\n"
                                      "inc(a, _) if { a == [] }\n"
                                      "inc(a, v) if { a != []; some i; a[i] == v }\n"
                                      "has(o, k) if { _ = o[k] }\n"
                                      "bad contains k if { some k, v in input; not ok(k, v) }\n");
    char in[4096], ref[4096];
    size_t ni = 0, nr = 0;
    ni += (size_t)snprintf(in + ni, sizeof(in) - ni, "{");
    nr += (size_t)snprintf(ref + nr, sizeof(ref) - nr, "{\"ref\": {");
    for (int i = 0; i < 40; i++) {
        /* i % 4: 0 array match, 1 array miss, 2 scalar match, 3 absent */
        ni += (size_t)snprintf(in + ni, sizeof(in) - ni, "%s\"k%02d\": %d", i ? ", " : "", i, i);
        const char *sep = nr > 9 ? ", " : "";
        if (i % 4 == 0)
            nr += (size_t)snprintf(ref + nr, sizeof(ref) - nr, "%s\"k%02d\": [-1, %d]", sep, i, i);
        else if (i % 4 == 1)
            nr += (size_t)snprintf(ref + nr, sizeof(ref) - nr, "%s\"k%02d\": [-1]", sep, i);
        else if (i % 4 == 2)
            nr += (size_t)snprintf(ref + nr, sizeof(ref) - nr, "%s\"k%02d\": %d", sep, i, i);
    }
    snprintf(in + ni, sizeof(in) - ni, "}");
    snprintf(ref + nr, sizeof(ref) - nr, "}}");
    struct rego_eval_opts o = {0};
    o.input = J(in);
    o.extra_data = J(ref);
    char want[512];
    size_t nw = (size_t)snprintf(want, sizeof(want), "[");
    for (int i = 1; i < 40; i += 4)
        nw += (size_t)snprintf(want + nw, sizeof(want) - nw, "%s\"k%02d\"", i > 1 ? "," : "", i);
    snprintf(want + nw, sizeof(want) - nw, "]");
    for (int round = 0; round < 3; round++)
        cr_assert_str_eq(eval_opts(c, "data.p.bad", &o), want);
    rego_compiled_free(c);
}

/* Enumerations inside functions made only of static operations: the
 * element's key is bound for the operations after it, collections of every
 * kind, references below a bound variable or input. */
Test(eval_static, static_enumeration_then_more_operations)
{
    struct rego_compiled *c = compile("package p\n"
                                      "later(xs, v) if { some i; xs[i] == v; i > 0 }\n"
                                      "two(a, b) if { some i; a[i] == 1; some j; b[j] == i }\n"
                                      "deep(o, v) if { some i; o.items[i] == v }\n"
                                      "from_input(v) if { some i; input.xs[i] == v }\n"
                                      "in_set(s, v) if { some x; s[x] == v }\n"
                                      "obj_key(o, v) if { some k; o[k] == v; startswith(k, \"b\") }\n"
                                      "r := [later([7, 5, 7], 7), two([0, 1], [\"x\", 1]),"
                                      " deep({\"items\": [1, 2]}, 2), from_input(3), in_set({1, 2}, 2),"
                                      " obj_key({\"a\": 1, \"b\": 1}, 1)]\n"
                                      "u1 := later([7, 5], 7)\n"
                                      "u2 := two([0, 1], [\"x\", 0])\n"
                                      "u3 := deep({\"items\": 5}, 5)\n"
                                      "u4 := from_input(4)\n"
                                      "u5 := obj_key({\"a\": 1, \"b\": 2}, 1)\n");
    const char *in = "{\"xs\": [1, 3]}";
    cr_assert_str_eq(eval_in(c, "data.p.r", in), "[true,true,true,true,true,true]");
    cr_assert_str_eq(eval_in(c, "data.p.u1", in), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u2", in), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u3", in), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u4", in), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.u5", in), "undefined");
    rego_compiled_free(c);
}

/* `every` whose body is calls: run in place per element, an element whose
 * call still has an unbound variable through the general path. */
Test(eval_static, every_over_calls)
{
    struct rego_compiled *c = compile("package p\n"
                                      "pos(x) if x > 0\n"
                                      "all_pos if { every x in input.xs { pos(x) } }\n"
                                      "none_pos if { every x in input.xs { not pos(x) } }\n"
                                      "pairs_ok if { every k, v in input.o { startswith(v, k) } }\n"
                                      "some_a if { every x in input.xs { pos(x); startswith(input.s[_], \"a\") } }\n");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, 2]}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, 0]}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": []}"), "true");
    /* "a" > 0 (strings sort after numbers), null > 0 is false */
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, \"a\"]}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.all_pos", "{\"xs\": [1, null]}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.none_pos", "{\"xs\": [0, -1]}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.none_pos", "{\"xs\": [0, 1]}"), "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.pairs_ok", "{\"o\": {\"a\": \"ab\", \"c\": \"cd\"}}"),
                     "true");
    cr_assert_str_eq(eval_in(c, "data.p.pairs_ok", "{\"o\": {\"a\": \"ab\", \"c\": \"d\"}}"),
                     "undefined");
    cr_assert_str_eq(eval_in(c, "data.p.some_a", "{\"xs\": [1], \"s\": [\"b\", \"ab\"]}"), "true");
    cr_assert_str_eq(eval_in(c, "data.p.some_a", "{\"xs\": [1], \"s\": [\"b\"]}"), "undefined");
    rego_compiled_free(c);
}

/* The same answer with the static paths (flat code, inlined calls) and
 * without (reval_static_paths off: the general paths only). */
static const char *both_paths(const char *text, const char *path, const char *input,
                              const struct rego_eval_opts *base)
{
    struct rego_eval_opts o = base ? *base : (struct rego_eval_opts){0};
    o.input = input ? J(input) : NULL;
    const char *got[2];
    for (int general = 0; general < 2; general++) {
        reval_static_paths = !general;
        struct rego_compiled *c = compile(text);
        got[general] = eval_opts(c, path, &o);
        rego_compiled_free(c);
    }
    reval_static_paths = true;
    cr_assert_str_eq(got[0], got[1], "%s: static paths %s, general paths %s", path, got[0],
                     got[1]);
    return got[0];
}

/* Calls of small all-static functions inlined into their callers (flat
 * code): helpers calling helpers, else chains, defaults, conflicts, mocks
 * of the inlined function, steps and depth. */
Test(eval_static, inlined_calls)
{
    const char *pol = "package p\n"
                      "has(m, k) if { _ = m[k] }\n"
                      "grade(x) := \"hi\" if x > 10\n"
                      "else := \"lo\" if x > 0\n"
                      "default dflt(_) := false\n"
                      "dflt(x) if x == 1\n"
                      "both(m, k) if { has(m, k); m[k] == 1 }\n"
                      "is_lo(x) if grade(x) == \"lo\"\n"
                      "low(x) if is_lo(x)\n"
                      "neg(m, k) if { not has(m, k) }\n"
                      "in_list(xs, v) if { xs != []; some i; xs[i] == v }\n"
                      "not_in(xs, v) if { some i; xs[i] != v }\n"
                      "list_ok(xs, v) if { is_array(xs); in_list(xs, v) }\n"
                      "c1(x) := 1 if x > 0\n"
                      "c1(x) := 2 if x > 5\n"
                      "calls_c1(x) if c1(x)\n"
                      "r := [both({\"a\": 1}, \"a\"), neg({}, \"a\"), low(5), list_ok([1, 2], 2),"
                      " not_in([1, 1, 2], 1)]\n"
                      "u1 if both({\"a\": 2}, \"a\")\n"
                      "u2 if low(50)\n"
                      "u3 if list_ok({\"x\": 2}, 2)\n"
                      "u4 if neg({\"a\": 1}, \"a\")\n"
                      "d0 if not dflt(2)\n"
                      "d1 if dflt(1)\n"
                      "conflict if calls_c1(6)\n"
                      "noconflict if calls_c1(1)\n"
                      "mocked if neg({\"a\": 1}, \"a\") with has as false\n"
                      "mocked_bi if list_ok({}, 2) with is_array as true\n"
                      "all_in if { every k, v in input { both(input, k); list_ok([v], v) } }\n";
    cr_assert_str_eq(both_paths(pol, "data.p.r", NULL, NULL), "[true,true,true,true,true]");
    for (int i = 1; i <= 4; i++) {
        char q[32];
        snprintf(q, sizeof(q), "data.p.u%d", i);
        cr_assert_str_eq(both_paths(pol, q, NULL, NULL), "undefined", "%s", q);
    }
    cr_assert_str_eq(both_paths(pol, "data.p.d0", NULL, NULL), "true");
    cr_assert_str_eq(both_paths(pol, "data.p.d1", NULL, NULL), "true");
    const char *got = both_paths(pol, "data.p.conflict", NULL, NULL);
    cr_assert(has_error(got, "functions must not produce multiple outputs"), "%s", got);
    cr_assert_str_eq(both_paths(pol, "data.p.noconflict", NULL, NULL), "true");
    cr_assert_str_eq(both_paths(pol, "data.p.mocked", NULL, NULL), "true");
    cr_assert_str_eq(both_paths(pol, "data.p.mocked_bi", NULL, NULL), "undefined");
    cr_assert_str_eq(both_paths(pol, "data.p.all_in", "{\"a\": 1, \"b\": 1}", NULL), "true");
    cr_assert_str_eq(both_paths(pol, "data.p.all_in", "{\"a\": 1, \"b\": 2}", NULL), "undefined");
    /* the limits stop both paths at the same point */
    struct rego_eval_opts o = {0};
    for (unsigned steps = 1; steps < 40; steps++) {
        o.limits.max_steps = steps;
        both_paths(pol, "data.p.r", NULL, &o);
        both_paths(pol, "data.p.all_in", "{\"a\": 1, \"b\": 1, \"c\": 1}", &o);
    }
    o.limits.max_steps = 0;
    for (unsigned depth = 1; depth < 8; depth++) {
        o.limits.max_depth = depth;
        both_paths(pol, "data.p.r", NULL, &o);
    }
    o.limits.max_depth = 2;
    got = both_paths(pol, "data.p.r", NULL, &o);
    cr_assert(has_error(got, "maximum evaluation depth"), "%s", got);
}

/* Jump code (jrun): enumerations backtracked into from inlined calls after
 * them, negated calls with enumerations, calls whose argument is
 * undefined, else chains of one value, and the limits at every step. */
Test(eval_static, jump_code_backtracking)
{
    const char *pol = "package p\n"
                      "has(xs, v) if { some i; xs[i] == v }\n"
                      "out(xs, v) if { some i; xs[i] != v }\n"
                      "big(x) if x > 10\n"
                      "else if x < -10\n"
                      "pair(xs, ys) if { some i; xs[i] == 1; some j; ys[j] == 2; has(ys, 3) }\n"
                      "chain(xs, ys) if { some i; xs[i] == 5; not has(ys, 5); big(20) }\n"
                      "deep(o, k) if { has(o[k], 7) }\n"
                      "deeper(o, k) if { not deep(o, k) }\n"
                      "nested(xs, ys) if { some i; xs[i] == 1; has(ys, 2); out(ys, 2) }\n"
                      "r := [pair([0, 1], [2, 3]), chain([5], [1]), big(-20), deep({\"a\": [7]}, "
                      "\"a\"), deeper({\"a\": [8]}, \"a\"), deeper({}, \"a\"), "
                      "nested([1, 1], [2, 4])]\n"
                      "u1 if pair([0, 1], [2])\n"
                      "u2 if chain([5], [5])\n"
                      "u3 if big(0)\n"
                      "u4 if deep({\"a\": 7}, \"a\")\n"
                      "u5 if deeper({\"a\": [7]}, \"a\")\n"
                      "u6 if nested([1], [2, 2])\n"
                      "all_in if { every k, v in input { has(v, k) } }\n";
    cr_assert_str_eq(both_paths(pol, "data.p.r", NULL, NULL),
                     "[true,true,true,true,true,true,true]");
    for (int i = 1; i <= 6; i++) {
        char q[32];
        snprintf(q, sizeof(q), "data.p.u%d", i);
        cr_assert_str_eq(both_paths(pol, q, NULL, NULL), "undefined", "%s", q);
    }
    const char *in = "{\"a\": [\"b\", \"a\"], \"b\": [\"b\"], \"c\": []}";
    cr_assert_str_eq(both_paths(pol, "data.p.all_in", in, NULL), "undefined");
    const char *in2 = "{\"a\": [\"b\", \"a\"], \"b\": [\"b\"]}";
    cr_assert_str_eq(both_paths(pol, "data.p.all_in", in2, NULL), "true");
    struct rego_eval_opts o = {0};
    for (unsigned steps = 1; steps < 80; steps++) {
        o.limits.max_steps = steps;
        both_paths(pol, "data.p.r", NULL, &o);
        both_paths(pol, "data.p.all_in", in2, &o);
    }
    o.limits.max_steps = 0;
    for (unsigned depth = 1; depth < 6; depth++) {
        o.limits.max_depth = depth;
        both_paths(pol, "data.p.r", NULL, &o);
        both_paths(pol, "data.p.all_in", in2, &o);
    }
}
