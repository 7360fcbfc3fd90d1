/* test_compile_errors.c - every error of the compile stages before type
 * checking, as OPA reports them (issue #3): each unsafe variable of every
 * rule body and head, in location order, OPA's future-keyword hint,
 * "expression is unsafe" for generated variables only, errors of later
 * rules after a failed one, only the earliest failing stage (OPA stops
 * there), and OPA's limit of 10 errors plus "error limit reached".
 *
 * The safety table follows ast/compile_test.go TestCompilerCheckSafetyBodyErrors
 * (v1 table, every row in OPA's order: same module prefix, same expected
 * variable sets; OPA's test compares the messages only; each error is at
 * the first expression the variable is unsafe in, as OPA's
 * unsafeVars.Vars, variables of one expression in their order). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "rego/rego.h"

struct ce_case {
    const char *note; /* OPA's test case name */
    const char *rules;
    const char *want; /* "row:col: code: message\n" per error; "" = accepted */
};

static const char k_prefix[] = "package a.b\n\nimport input.aref.b.c as foo\n"
                               "import input.avar as bar\nimport data.m.n as baz\n\n";

/* "row:col: code: message\n" per error of rego_compile_all (file left out) */
static int compile_errors(const char *text, enum rego_version ver, struct buf *out)
{
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    struct rego_error_list l;
    int rc = rego_compile_all(&src, 1, ver, NULL, &c, &err, &l);
    for (size_t k = 0; k < l.n; k++) {
        const struct rego_error_info *e = &l.v[k];
        if (e->row)
            buf_printf(out, "%d:%d: ", e->row, e->col);
        buf_printf(out, "%s: %s\n", e->code, e->message);
    }
    if (rc < 0)
        cr_expect_eq(err.status, 400, "%s", err.detail);
    rego_error_list_free(&l);
    rego_compiled_free(c);
    return rc;
}

static const struct ce_case g_safety[] = {
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "ref-head" */
    {"ref-head", "p if { a.b.c = \"foo\" }",
     "7:8: rego_unsafe_var_error: var a is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "ref-head-2" */
    {"ref-head-2", "p if { {\"foo\": [{\"bar\": a.b.c}]} = {\"foo\": [{\"bar\": \"baz\"}]} }",
     "7:8: rego_unsafe_var_error: var a is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "negation" */
    {"negation", "p if { a = [1, 2, 3, 4]; not a[i] = x }",
     "7:26: rego_unsafe_var_error: var i is unsafe\n" "7:26: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "negation-head" */
    {"negation-head", "p contains x if { a = [1, 2, 3, 4]; not a[i] = x }",
     "7:37: rego_unsafe_var_error: var i is unsafe\n" "7:37: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "negation-multiple" */
    {"negation-multiple", "p if { a = [1, 2, 3, 4]; b = [1, 2, 3, 4]; not a[i] = x; not b[j] = x }",
     "7:44: rego_unsafe_var_error: var i is unsafe\n" "7:44: rego_unsafe_var_error: var x is unsafe\n" "7:58: rego_unsafe_var_error: var j is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "negation-nested" */
    {"negation-nested", "p if { a = [{\"foo\": [\"bar\", \"baz\"]}]; not a[0].foo = [a[0].foo[i], a[0].foo[j]] } ",
     "7:39: rego_unsafe_var_error: var i is unsafe\n" "7:39: rego_unsafe_var_error: var j is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "builtin-input" */
    {"builtin-input", "p if { count([1, 2, x], x) }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "builtin-input-name" */
    {"builtin-input-name", "p if { count(eq, 1) }",
     "7:8: rego_unsafe_var_error: var eq is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "builtin-multiple" */
    {"builtin-multiple", "p if { x > 0; x <= 3; x != 2 }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "unordered-object-keys" */
    {"unordered-object-keys", "p if { x = \"a\"; [{x: y, z: a}] = [{\"a\": 1, \"b\": 2}]}",
     "7:17: rego_unsafe_var_error: var y is unsafe\n" "7:17: rego_unsafe_var_error: var z is unsafe\n" "7:17: rego_unsafe_var_error: var a is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "unordered-sets" */
    {"unordered-sets", "p if { x = \"a\"; [{x, y}] = [{1, 2}]}",
     "7:17: rego_unsafe_var_error: var y is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr" */
    {"array-compr", "p if { _ = [x | x = data.a[_]; y > 1] }",
     "7:32: rego_unsafe_var_error: var y is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-nested" */
    {"array-compr-nested", "p if { _ = [x | x = a[_]; a = [y | y = data.a[_]; z > 1]] }",
     "7:51: rego_unsafe_var_error: var z is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-closure" */
    {"array-compr-closure", "p if { _ = [v | v = [x | x = data.a[_]]; x > 1] }",
     "7:17: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-term" */
    {"array-compr-term", "p if { _ = [u | true] }",
     "7:8: rego_unsafe_var_error: var u is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-term-nested" */
    {"array-compr-term-nested", "p if { _ = [v | v = [w | w != 0]] }",
     "7:26: rego_unsafe_var_error: var w is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-mixed" */
    {"array-compr-mixed", "p if { _ = [x | y = [a | a = z[i]]] }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n" "7:26: rego_unsafe_var_error: var a is unsafe\n" "7:26: rego_unsafe_var_error: var z is unsafe\n" "7:26: rego_unsafe_var_error: var i is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "array-compr-builtin" */
    {"array-compr-builtin", "p if { [true | eq != 2] }",
     "7:16: rego_unsafe_var_error: var eq is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "closure-self" */
    {"closure-self", "p if { x = [x | x = 1] }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "closure-transitive" */
    {"closure-transitive", "p if { x = y; x = [y | y = 1] }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n" "7:8: rego_unsafe_var_error: var y is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "nested" */
    {"nested", "p if { count(baz[i].attr[bar[dead.beef]], n) }",
     "7:8: rego_unsafe_var_error: var dead is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "negated-import" */
    {"negated-import", "p if { not foo; not bar; not baz }", ""},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "rewritten" */
    {"rewritten", "p contains {\"foo\": dead[i]} if { true }",
     "7:12: rego_unsafe_var_error: var dead is unsafe\n" "7:12: rego_unsafe_var_error: var i is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "with-value" */
    {"with-value", "p if { data.a.b.d.t with input as x }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "with-value-2" */
    {"with-value-2", "p if { x = data.a.b.d.t with input as x }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "else-kw" */
    {"else-kw", "p if { false } else if { count(x, 1) }",
     "7:26: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "function" */
    {"function", "foo(x) = [y, z] if { split(x, y, z) }",
     "7:22: rego_unsafe_var_error: var y is unsafe\n" "7:22: rego_unsafe_var_error: var z is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "call-vars-input" */
    {"call-vars-input", "p if { f(x, x) }\nf(x) = x if { true }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "call-no-output" */
    {"call-no-output", "p if { f(x) }\nf(x) = x if { true }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "call-too-few" */
    {"call-too-few", "p if { f(1,x) }\nf(x,y) if { true }",
     "7:8: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "object-key-comprehension" */
    {"object-key-comprehension", "p if { { {p|x}: 0 } }",
     "7:13: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "set-value-comprehension" */
    {"set-value-comprehension", "p if { {1, {p|x}} }",
     "7:15: rego_unsafe_var_error: var x is unsafe\n"},
    /* compile_test.go TestCompilerCheckSafetyBodyErrors "every" */
    {"every", "p if { every y in [10] { x > y } }",
     "7:26: rego_unsafe_var_error: var x is unsafe\n"},
};

Test(compile_errors, opa_safety_body_errors_table)
{
    for (size_t k = 0; k < sizeof(g_safety) / sizeof(*g_safety); k++) {
        const struct ce_case *tc = &g_safety[k];
        struct buf mod = BUF_INIT, got = BUF_INIT;
        buf_printf(&mod, "%s%s\n", k_prefix, tc->rules);
        int rc = compile_errors(buf_cstr(&mod), REGO_V1, &got);
        cr_expect_eq(rc, tc->want[0] ? -1 : 0, "%s", tc->note);
        cr_expect_str_eq(buf_cstr(&got), tc->want, "%s", tc->note);
        buf_free(&mod);
        buf_free(&got);
    }
}

static void expect_errors(const char *mod, enum rego_version ver, const char *want)
{
    struct buf got = BUF_INIT;
    cr_expect_eq(compile_errors(mod, ver, &got), -1);
    cr_expect_str_eq(buf_cstr(&got), want);
    buf_free(&got);
}

/* compile_test.go TestCompilerCheckSafetyVarLoc: x on row 5, then y on row 6 */
Test(compile_errors, opa_safety_var_loc)
{
    expect_errors("package test\nimport rego.v1\n\np if {\n\tnot x\n\tx > y\n}\n", REGO_V1,
                  "5:2: rego_unsafe_var_error: var x is unsafe\n"
                  "6:2: rego_unsafe_var_error: var y is unsafe\n");
}

/* Issue #3: every unsafe variable of the body, := targets not named (they
 * are outputs), in location order. */
Test(compile_errors, every_unsafe_var_of_a_body)
{
    expect_errors("package t\n\np if {\n\tx := a - b\n\ty := c\n}\n", REGO_V1,
                  "4:2: rego_unsafe_var_error: var a is unsafe\n"
                  "4:2: rego_unsafe_var_error: var b is unsafe\n"
                  "5:2: rego_unsafe_var_error: var c is unsafe\n");
}

/* OPA's Unify: var = var with neither side safe leaves both unsafe. */
Test(compile_errors, unify_of_two_unsafe_vars_names_both)
{
    expect_errors("package t\np if { y = x }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: var y is unsafe\n"
                  "2:8: rego_unsafe_var_error: var x is unsafe\n");
}

/* checkSafetyRuleBodies walks every rule: an error in one rule does not
 * hide the next rule's. */
Test(compile_errors, later_rules_still_checked)
{
    expect_errors("package t\np if { x := a }\nq if { y := b }\nr contains z if { z := c }\n",
                  REGO_V1,
                  "2:8: rego_unsafe_var_error: var a is unsafe\n"
                  "3:8: rego_unsafe_var_error: var b is unsafe\n"
                  "4:19: rego_unsafe_var_error: var c is unsafe\n");
}

/* OPA stops after the first stage with errors: CheckUndefinedFuncs runs
 * before CheckSafetyRuleBodies, so the unsafe x of p is not reported;
 * every undefined function is (checkUndefinedFuncs walks all rules). */
Test(compile_errors, earlier_stage_wins_and_is_complete)
{
    expect_errors("package t\np if { x := a }\nq if { y := foo(1) }\nr if { bar(2) }\n",
                  REGO_V1,
                  "3:13: rego_type_error: undefined function foo\n"
                  "4:8: rego_type_error: undefined function bar\n");
}

/* CheckSafetyRuleHeads runs before CheckSafetyRuleBodies; its errors are
 * at the rule (r.Loc()), one per head variable the body and arguments do
 * not mention; a head variable the body mentions but cannot bind is the
 * body's error. */
Test(compile_errors, head_safety_before_body_safety)
{
    expect_errors("package t\np if { x := a }\nq contains y if { true }\n", REGO_V1,
                  "3:1: rego_unsafe_var_error: var y is unsafe\n");
    expect_errors("package t\nq[k] := [v, w] if { true }\nf(a) := b if { a > 1 }\n", REGO_V1,
                  "2:1: rego_unsafe_var_error: var k is unsafe\n"
                  "2:1: rego_unsafe_var_error: var v is unsafe\n"
                  "2:1: rego_unsafe_var_error: var w is unsafe\n"
                  "3:1: rego_unsafe_var_error: var b is unsafe\n");
    expect_errors("package t\nq contains y if { not input[y] }\n", REGO_V1,
                  "2:19: rego_unsafe_var_error: var y is unsafe\n");
}

/* Compiler.err: the 11th error becomes "error limit reached" (no location). */
Test(compile_errors, error_limit_after_ten)
{
    expect_errors("package t\np if { x := a+b+c+d+e+f+g+h+i+j+k+l }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: var a is unsafe\n"
                  "2:8: rego_unsafe_var_error: var b is unsafe\n"
                  "2:8: rego_unsafe_var_error: var c is unsafe\n"
                  "2:8: rego_unsafe_var_error: var d is unsafe\n"
                  "2:8: rego_unsafe_var_error: var e is unsafe\n"
                  "2:8: rego_unsafe_var_error: var f is unsafe\n"
                  "2:8: rego_unsafe_var_error: var g is unsafe\n"
                  "2:8: rego_unsafe_var_error: var h is unsafe\n"
                  "2:8: rego_unsafe_var_error: var i is unsafe\n"
                  "2:8: rego_unsafe_var_error: var j is unsafe\n"
                  "rego_compile_error: error limit reached\n");
}

/* Exactly ten errors: no limit entry (Compiler.err adds it on the 11th). */
Test(compile_errors, ten_errors_no_limit_entry)
{
    expect_errors("package t\np if { x := a+b+c+d+e+f+g+h+i+j }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: var a is unsafe\n"
                  "2:8: rego_unsafe_var_error: var b is unsafe\n"
                  "2:8: rego_unsafe_var_error: var c is unsafe\n"
                  "2:8: rego_unsafe_var_error: var d is unsafe\n"
                  "2:8: rego_unsafe_var_error: var e is unsafe\n"
                  "2:8: rego_unsafe_var_error: var f is unsafe\n"
                  "2:8: rego_unsafe_var_error: var g is unsafe\n"
                  "2:8: rego_unsafe_var_error: var h is unsafe\n"
                  "2:8: rego_unsafe_var_error: var i is unsafe\n"
                  "2:8: rego_unsafe_var_error: var j is unsafe\n");
}

/* safetyErrorSlice: only generated variables (wildcards) unsafe: one
 * "expression is unsafe" at the expression. */
Test(compile_errors, only_generated_vars_expression_is_unsafe)
{
    expect_errors("package t\np if { _ > 1 }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: expression is unsafe\n");
}

/* safetyErrorSlice: allFutureKeywords get OPA's import hint (v0, where
 * `contains` is an ordinary name). */
Test(compile_errors, future_keyword_hint)
{
    expect_errors("package t\np { contains > 1 }\n", REGO_V0,
                  "2:5: rego_unsafe_var_error: var contains is unsafe (hint: `import "
                  "future.keywords.contains` to import a future keyword)\n");
}

/* The first error is also the one rego_compile reports (the service's
 * 400 detail). */
Test(compile_errors, rego_compile_reports_the_first)
{
    const char *mod = "package t\np if { x := a }\nq if { y := b }\n";
    struct rego_source src = {"p.rego", mod, strlen(mod)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), -1);
    cr_expect_eq(err.status, 400);
    cr_expect_str_eq(err.detail, "p.rego:2:8: rego_unsafe_var_error: var a is unsafe");
}

/* OPA's outputVarsForExpr: a negated expression binds nothing, so a
 * wildcard in it is never safe (only generated variables: "expression is
 * unsafe"), nor is a variable bound only after it or inside it. */
Test(compile_errors, negation_binds_nothing)
{
    expect_errors("package t\np if { not input.x[_] }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: expression is unsafe\n");
    expect_errors("package t\np if { x := 1; not x = y }\n", REGO_V1,
                  "2:16: rego_unsafe_var_error: var y is unsafe\n");
    expect_errors("package t\np if { some x; not input.x[x] }\n", REGO_V1,
                  "2:16: rego_unsafe_var_error: var x is unsafe\n");
    expect_errors("package t\np if { not count(input.x) > y }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: var y is unsafe\n");
}

/* `with` values must be safe, negated or not (outputVarsForExpr). */
Test(compile_errors, with_value_must_be_safe)
{
    expect_errors("package t\np if { not input.x with input as y }\n", REGO_V1,
                  "2:8: rego_unsafe_var_error: var y is unsafe\n");
}

/* Still accepted: a negated expression over bound variables, and a
 * comprehension's own variables inside a negation. */
Test(compile_errors, negation_over_bound_vars_compiles)
{
    struct buf got = BUF_INIT;
    cr_expect_eq(compile_errors("package t\np if { xs := [1]; x := xs[_]; not x = 2 }\n"
                                "q if { not [y | y = 1][0] = 2 }\n",
                                REGO_V1, &got),
                 0);
    cr_expect_str_eq(buf_cstr(&got), "");
    buf_free(&got);
}

/* compile.go checkRecursion / checkSelfPath: one rego_recursion_error per
 * rule clause from which its dependencies lead back to it (rules that
 * only read a cycle are not), "rule R is recursive: R -> ... -> R" with
 * each rule's full reference, in rule-tree order (data.rec.a before
 * data.rec.s: OPA's RuleTree.DepthFirst), else clauses at their own
 * location. */
Test(compile_errors, every_rule_on_a_cycle)
{
    expect_errors("package rec\n\n"
                  "s = x if { t = x }\n"
                  "t = x if { s = x }\n"
                  "a = x if { b = x }\n"
                  "b = x if { c = x }\n"
                  "c = x if { a = x }\n"
                  "z = x if { a = x }\n"
                  "f(x) = y if { y = g(x) }\n"
                  "g(x) = y if { y = f(x) }\n"
                  "p if { p }\n"
                  "q if { true } else = 2 if { q }\n",
                  REGO_V1,
                  "5:1: rego_recursion_error: rule data.rec.a is recursive: data.rec.a -> "
                  "data.rec.b -> data.rec.c -> data.rec.a\n"
                  "6:1: rego_recursion_error: rule data.rec.b is recursive: data.rec.b -> "
                  "data.rec.c -> data.rec.a -> data.rec.b\n"
                  "7:1: rego_recursion_error: rule data.rec.c is recursive: data.rec.c -> "
                  "data.rec.a -> data.rec.b -> data.rec.c\n"
                  "9:1: rego_recursion_error: rule data.rec.f is recursive: data.rec.f -> "
                  "data.rec.g -> data.rec.f\n"
                  "10:1: rego_recursion_error: rule data.rec.g is recursive: data.rec.g -> "
                  "data.rec.f -> data.rec.g\n"
                  "11:1: rego_recursion_error: rule data.rec.p is recursive: data.rec.p -> "
                  "data.rec.p\n"
                  "12:15: rego_recursion_error: rule data.rec.q is recursive: data.rec.q -> "
                  "data.rec.q\n"
                  "3:1: rego_recursion_error: rule data.rec.s is recursive: data.rec.s -> "
                  "data.rec.t -> data.rec.s\n"
                  "4:1: rego_recursion_error: rule data.rec.t is recursive: data.rec.t -> "
                  "data.rec.s -> data.rec.t\n");
}

/* A rule of a node that does not itself lead back is not on the cycle
 * (OPA's graph has a node per rule); the limit of 10 applies. */
Test(compile_errors, recursion_per_rule_and_limit)
{
    expect_errors("package r\np = 1 if { q }\np = 1 if { true }\nq if { p == 1 }\n", REGO_V1,
                  "2:1: rego_recursion_error: rule data.r.p is recursive: data.r.p -> data.r.q "
                  "-> data.r.p\n"
                  "4:1: rego_recursion_error: rule data.r.q is recursive: data.r.q -> data.r.p "
                  "-> data.r.q\n");
    struct buf mod = BUF_INIT, got = BUF_INIT;
    buf_puts(&mod, "package r\n");
    for (int k = 0; k < 12; k++)
        buf_printf(&mod, "p%d if { p%d }\n", k, k);
    cr_expect_eq(compile_errors(buf_cstr(&mod), REGO_V1, &got), -1);
    const char *last = strrchr(buf_cstr(&got), '\n');
    cr_expect(strstr(buf_cstr(&got), "rego_compile_error: error limit reached\n") != NULL);
    cr_expect(last && last[1] == '\0');
    size_t lines = 0;
    for (const char *c = buf_cstr(&got); *c; c++)
        lines += *c == '\n';
    cr_expect_eq(lines, 11, "%s", buf_cstr(&got));
    buf_free(&mod);
    buf_free(&got);
}

/* "file:row:col: code: message\n" per error of rego_compile_all over
 * several modules. */
static void expect_module_errors(const struct rego_source *src, size_t n, const char *want)
{
    struct rego_compiled *c = NULL;
    struct as_error err;
    struct rego_error_list l;
    struct buf got = BUF_INIT;
    cr_expect_eq(rego_compile_all(src, n, REGO_V1, NULL, &c, &err, &l), -1);
    for (size_t k = 0; k < l.n; k++) {
        const struct rego_error_info *e = &l.v[k];
        buf_printf(&got, "%s:%d:%d: %s: %s\n", e->file, e->row, e->col, e->code,
                   e->message);
    }
    cr_expect_str_eq(buf_cstr(&got), want);
    rego_error_list_free(&l);
    rego_compiled_free(c);
    buf_free(&got);
}

#define SRC(name, text) {name, text, sizeof(text) - 1}

/* compile_test.go TestCompilerCheckRuleConflicts (mod1, mod2a-c, mod7):
 * every conflict of the rule tree in its order, then the rules that are
 * also packages (OPA's module tree), each at the package line. */
Test(compile_errors, opa_rule_conflicts_kinds_and_packages)
{
    const struct rego_source src[] = {
        SRC("mod1.rego", "package badrules\n\n"
                         "p contains x if { x = 1 }\n"
                         "p[x] = y if { x = y; x = \"a\" }\n"
                         "q contains 1 if { true }\n"
                         "q = {1, 2, 3} if { true }\n"
                         "r[x] = y if { x = y; x = \"a\" }\n"
                         "r[x] = y if { x = y; x = \"a\" }\n"
                         "s contains x if { x = \"a\" }\n"
                         "s contains x if { x = \"b\" }\n"
                         "t := x if { x = \"a\"}"),
        SRC("mod2a.rego", "package badrules.r\n\nq contains 1 if { true }"),
        SRC("mod2b.rego", "package badrules.s\n\nq contains 1 if { true }"),
        SRC("mod2c.rego", "package badrules.t\n\nq contains 1 if { true }"),
        SRC("mod7.rego", "package badrules.foo\n\nbar.baz contains \"quz\" if true"),
    };
    expect_module_errors(
        src, 5,
        "mod1.rego:3:1: rego_type_error: conflicting rules data.badrules.p[x] found\n"
        "mod1.rego:5:1: rego_type_error: conflicting rules data.badrules.q found\n"
        "mod1.rego:9:1: rego_type_error: rule data.badrules.s conflicts with "
        "[data.badrules.s.q]\n"
        "mod1.rego:11:1: rego_type_error: rule data.badrules.t conflicts with "
        "[data.badrules.t.q]\n"
        "mod1.rego:1:1: rego_type_error: package badrules.s conflicts with rule s defined at "
        "mod1.rego:9\n"
        "mod1.rego:1:1: rego_type_error: package badrules.s conflicts with rule s defined at "
        "mod1.rego:10\n"
        "mod1.rego:1:1: rego_type_error: package badrules.t conflicts with rule t defined at "
        "mod1.rego:11\n");
}

/* compile_test.go TestCompilerCheckRuleConflicts (mod3, mod4, mod8):
 * arities, complete and partial, several defaults (at the package, with
 * every default's file:row). */
Test(compile_errors, opa_rule_conflicts_arity_defaults)
{
    const struct rego_source src[] = {
        SRC("mod3.rego", "package badrules.defkw\n\n"
                         "default foo = 1\ndefault foo = 2\nfoo = 3 if { true }\n\n"
                         "default p.q.bar = 1\ndefault p.q.bar = 2\np.q.bar = 3 if { true }\n"),
        SRC("mod4.rego", "package badrules.arity\n\n"
                         "f(1) if { true }\nf if { true }\n\n"
                         "g(1) if { true }\ng(1,2) if { true }\n\n"
                         "p.q.h(1) if { true }\np.q.h if { true }\n\n"
                         "p.q.i(1) if { true }\np.q.i(1,2) if { true }"),
        SRC("mod8.rego", "package badrules.complete_partial\np := 1\n"
                         "p[r] := 2 if { r := \"foo\" }"),
    };
    expect_module_errors(
        src, 3,
        "mod4.rego:3:1: rego_type_error: conflicting rules data.badrules.arity.f found\n"
        "mod4.rego:6:1: rego_type_error: conflicting rules data.badrules.arity.g found\n"
        "mod4.rego:9:1: rego_type_error: conflicting rules data.badrules.arity.p.q.h found\n"
        "mod4.rego:12:1: rego_type_error: conflicting rules data.badrules.arity.p.q.i found\n"
        "mod8.rego:2:1: rego_type_error: conflicting rules "
        "data.badrules.complete_partial.p[r] found\n"
        "mod3.rego:1:1: rego_type_error: multiple default rules data.badrules.defkw.foo found "
        "at mod3.rego:3, mod3.rego:4\n"
        "mod3.rego:1:1: rego_type_error: multiple default rules data.badrules.defkw.p.q.bar "
        "found at mod3.rego:7, mod3.rego:8\n");
}

/* compile_test.go TestCompilerCheckRuleConflictsDotsInRuleHeads and
 * TestCompilerCheckRuleConflictsDefaultFunction: rules inside a ground
 * rule's extent, a partial object next to a partial set, a default
 * function of another arity; a variable key next to a constant one is
 * no conflict. */
Test(compile_errors, opa_rule_conflicts_dots_in_heads)
{
    expect_errors("package pkg\np.q.r if { true }\np.q.r.s if { true }\np.q.r.t if { true }\n",
                  REGO_V1,
                  "2:1: rego_type_error: rule data.pkg.p.q.r conflicts with [data.pkg.p.q.r.s "
                  "data.pkg.p.q.r.t]\n");
    expect_errors("package pkg\np contains v if { v := [\"a\", \"b\"][_] }\np.q := 42\n", REGO_V1,
                  "2:1: rego_type_error: rule data.pkg.p conflicts with [data.pkg.p.q]\n");
    expect_errors("package pkg\np[r] := x if { r = input.key; x = input.bar }\n"
                  "p contains q if { true }\n",
                  REGO_V1, "2:1: rego_type_error: conflicting rules data.pkg.p found\n");
    expect_errors("package pkg\ndefault f(_) = 100\nf(x, y) = x if { x == y }\n", REGO_V1,
                  "2:1: rego_type_error: conflicting rules data.pkg.f found\n");
    expect_errors("package pkg\np(x) := x\np.q.r if { true }\n", REGO_V1,
                  "2:1: rego_type_error: rule data.pkg.p conflicts with [data.pkg.p.q.r]\n");
    struct buf got = BUF_INIT;
    cr_expect_eq(compile_errors("package pkg\np.q[r] = x if { r = input.key; x = input.foo }\n"
                                "p.q.s = \"x\" if { true }\n",
                                REGO_V1, &got),
                 0);
    cr_expect_str_eq(buf_cstr(&got), "");
    buf_free(&got);
}

/* compile.go checkUndefinedFuncs reports every call of a rule (OPA's
 * TestCompilerCheckUndefinedFuncs), nested ones too (rewritten into
 * expressions of their own before the check, so reported first); arity
 * errors likewise; rules in module order. */
Test(compile_errors, every_undefined_function_of_a_rule)
{
    expect_errors("package t\np if { x := foo(1); y := bar(2); baz(3) }\n", REGO_V1,
                  "2:13: rego_type_error: undefined function foo\n"
                  "2:26: rego_type_error: undefined function bar\n"
                  "2:34: rego_type_error: undefined function baz\n");
    /* OPA's order: bar(1) becomes an expression before foo's */
    expect_errors("package t\np if { x := foo(bar(1)) }\n", REGO_V1,
                  "2:17: rego_type_error: undefined function bar\n"
                  "2:13: rego_type_error: undefined function foo\n");
    /* rules as written (modules by file), not by rule name */
    expect_errors("package t\nz if { foo(1) }\na if { bar(1) }\n", REGO_V1,
                  "2:8: rego_type_error: undefined function foo\n"
                  "3:8: rego_type_error: undefined function bar\n");
    expect_errors("package t\nf(x) := x\np if { f(1, 2, 3); f() }\n", REGO_V1,
                  "3:8: rego_type_error: function data.t.f has arity 1, got 3 arguments\n"
                  "3:20: rego_type_error: function data.t.f has arity 1, got 0 arguments\n");
}

/* rewriteLocalVars reports every redeclaration; its stage comes before
 * checkUndefinedFuncs, so an undefined function of the same rule is not
 * reported. */
Test(compile_errors, every_assigned_above_of_a_rule)
{
    expect_errors("package t\np if { x := 1; x := 2; y := 1; y := 3 }\n", REGO_V1,
                  "2:16: rego_compile_error: var x assigned above\n"
                  "2:32: rego_compile_error: var y assigned above\n");
    expect_errors("package t\np if { x := 1; x := foo(1) }\n", REGO_V1,
                  "2:16: rego_compile_error: var x assigned above\n");
}

/* compile.go rewriteDeclaredVar (OPA's TestRewriteDeclaredVars "redeclare
 * err", "redeclare assigned err", "redeclare reference err", their some/in
 * forms, "declare arg err"): a declaration after a use, a `some`, a `:=`
 * or an argument of the same name in the same body; a closure's own
 * declarations shadow freely. */
Test(compile_errors, opa_redeclared_vars)
{
    expect_errors("package t\np if { data.q[x]; some x }\n", REGO_V1,
                  "2:24: rego_compile_error: var x referenced above\n");
    expect_errors("package t\np if { y = x; x := 1 }\n", REGO_V1,
                  "2:15: rego_compile_error: var x referenced above\n");
    expect_errors("package t\np if { some x; some x }\n", REGO_V1,
                  "2:21: rego_compile_error: var x declared above\n");
    expect_errors("package t\np if { some x; some i, x in [] }\n", REGO_V1,
                  "2:24: rego_compile_error: var x declared above\n");
    expect_errors("package t\np if { x := 1; some x }\n", REGO_V1,
                  "2:21: rego_compile_error: var x assigned above\n");
    expect_errors("package t\nf([a]) if { some a; a = 1 }\n", REGO_V1,
                  "2:18: rego_compile_error: arg a redeclared\n");
    struct buf got = BUF_INIT;
    cr_expect_eq(compile_errors("package t\n"
                                "p if { x := 1; [1 | x := 2]; y := [x | some x; x = 1] }\n",
                                REGO_V1, &got),
                 0);
    cr_expect_str_eq(buf_cstr(&got), "");
    buf_free(&got);
}

/* Limits of the safety check (docs/rego.md "Size"): a rule with more than
 * 10,000 variables, and bodies whose ordering would copy more than 2e9
 * bytes of variable sets (a long chain written in reverse), are refused
 * with a clear error instead of minutes of work; a long chain in order
 * compiles. */
Test(compile_errors, safety_limits_refuse_clearly)
{
    struct buf mod = BUF_INIT, got = BUF_INIT;
    buf_puts(&mod, "package h\np if {\n");
    for (int k = 0; k < 10001; k++)
        buf_printf(&mod, "x%d := %d\n", k, k);
    buf_puts(&mod, "}\n");
    cr_expect_eq(compile_errors(buf_cstr(&mod), REGO_V1, &got), -1);
    cr_expect_str_eq(buf_cstr(&got),
                     "2:1: rego_compile_error: rule data.h.p has more than 10000 variables\n");
    buf_reset(&mod);
    buf_reset(&got);
    buf_puts(&mod, "package h\np if {\n");
    for (int k = 5000; k > 0; k--)
        buf_printf(&mod, "x%d = x%d\n", k, k - 1);
    buf_puts(&mod, "x0 = 1\n}\n");
    cr_expect_eq(compile_errors(buf_cstr(&mod), REGO_V1, &got), -1);
    cr_expect(strstr(buf_cstr(&got), "rego_compile_error: rule bodies too large to order for "
                                     "safety") != NULL,
              "%s", buf_cstr(&got));
    buf_reset(&mod);
    buf_reset(&got);
    buf_puts(&mod, "package h\np if {\nx0 = 1\n");
    for (int k = 1; k <= 5000; k++)
        buf_printf(&mod, "x%d = x%d\n", k, k - 1);
    buf_puts(&mod, "}\n");
    cr_expect_eq(compile_errors(buf_cstr(&mod), REGO_V1, &got), 0, "%s", buf_cstr(&got));
    buf_free(&mod);
    buf_free(&got);
}

static void expect_compiles(const char *mod, enum rego_version ver)
{
    struct buf got = BUF_INIT;
    cr_expect_eq(compile_errors(mod, ver, &got), 0, "%s", buf_cstr(&got));
    buf_free(&got);
}

/* OPA's stages before the rule tree (compile.go resolveRefsInRule,
 * checkKeywordOverrides / rego_v1.go checkRootDocumentOverrides,
 * checkDuplicateImports, checkDeprecatedBuiltins): arguments named input
 * or data in every module; in Rego v1 modules (v1, or v0 with rego.v1)
 * rules named input or data and an import binding a name again; a
 * deprecated built-in in a v0 module with rego.v1 (undefined in v1). */
Test(compile_errors, root_documents_imports_deprecated)
{
    expect_errors("package p\nf(input) := 1\n", REGO_V0,
                  "2:1: rego_compile_error: args must not shadow input (use a different "
                  "variable name)\n");
    expect_errors("package p\nf([1, {\"k\": data}]) := 1\n", REGO_V1,
                  "2:1: rego_compile_error: args must not shadow data (use a different "
                  "variable name)\n");
    expect_errors("package p\nimport rego.v1\ninput := 1\ndata contains 1\n", REGO_V0,
                  "3:1: rego_compile_error: rules must not shadow input (use a different rule "
                  "name)\n"
                  "4:1: rego_compile_error: rules must not shadow data (use a different rule "
                  "name)\n");
    expect_errors("package p\ninput := 1\n", REGO_V1,
                  "2:1: rego_compile_error: rules must not shadow input (use a different rule "
                  "name)\n");
    expect_compiles("package p\ninput := 1\n", REGO_V0);
    expect_errors("package p\nimport data.foo\nimport data.bar.foo\np := 1\n", REGO_V1,
                  "3:1: rego_compile_error: import must not shadow import data.foo\n");
    expect_errors("package p\nimport input.a as x\nimport data.b as x\np := 1\n", REGO_V1,
                  "3:1: rego_compile_error: import must not shadow import input.a as x\n");
    expect_compiles("package p\nimport data.foo\nimport data.bar.foo\np := 1\n", REGO_V0);
    expect_errors("package p\nimport rego.v1\np if any([true])\n", REGO_V0,
                  "3:6: rego_type_error: deprecated built-in function calls in expression: "
                  "any\n");
    expect_errors("package p\np if any([true])\n", REGO_V1,
                  "2:6: rego_type_error: undefined function any\n");
    expect_compiles("package p\np { any([true]) }\n", REGO_V0);
}
