/* test_safety_scaling.c - the compiler's safety analysis stays polynomial
 * on expressions with many unsafe variables: `x := v0-v1-...-vN` used to be
 * analysed 2^N times (N = 24 took seconds, a 102-byte fuzzed query minutes
 * and gigabytes).  Each case must fail with OPA's unsafe-var error, fast. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/buf.h"
#include "rego/rego.h"

static void expect_unsafe(const char *text)
{
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), -1);
    cr_assert(strstr(err.detail, "rego_unsafe_var_error: var v0 is unsafe"), "%s", err.detail);
}

Test(safety_scaling, long_chain_of_unsafe_operands, .timeout = 20)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "package x\np if { x := v0");
    for (int i = 1; i < 200; i++)
        buf_printf(&b, "-v%d", i);
    buf_puts(&b, " }\n");
    expect_unsafe(buf_cstr(&b));
    buf_free(&b);
}

/* One unsafe variable under a long chain of constants, in a rule head and
 * in a body: an operand that binds nothing (the constants) must not make
 * the analysis try the blocked one again (each level doubled the work: a
 * fuzzed 48-link head ran for more than 10 minutes).  No Criterion
 * timeout (see long_operator_chains_are_refused): a regression hangs
 * until ctest's. */
Test(safety_scaling, unsafe_operand_under_constants)
{
    for (int head = 0; head < 2; head++) {
        struct buf b = BUF_INIT;
        buf_puts(&b, head ? "package x\np := v0" : "package x\np if { x := v0");
        for (int i = 1; i < 300; i++)
            buf_puts(&b, i % 3 ? " - 1" : " + 2.5e3");
        buf_puts(&b, head ? "\n" : " }\n");
        expect_unsafe(buf_cstr(&b));
        buf_free(&b);
    }
}

Test(safety_scaling, nested_calls_of_unsafe_operands, .timeout = 20)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "package x\np if { x := ");
    for (int i = 0; i < 60; i++)
        buf_puts(&b, "concat(\",\", [");
    buf_puts(&b, "v0");
    for (int i = 1; i <= 60; i++)
        buf_printf(&b, ", v%d])", i);
    buf_puts(&b, " }\n");
    expect_unsafe(buf_cstr(&b));
    buf_free(&b);
}

/* the same chain with its variables bound still compiles and evaluates */
Test(safety_scaling, long_chain_when_safe, .timeout = 20)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "package x\np := x if { v0 := 100");
    for (int i = 1; i < 100; i++)
        buf_printf(&b, "; v%d := 1", i);
    buf_puts(&b, "; x := v0");
    for (int i = 1; i < 100; i++)
        buf_printf(&b, "-v%d", i);
    buf_puts(&b, " }\n");
    const char *text = buf_cstr(&b);
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V1, NULL, &c, &err), 0, "%s", err.detail);
    struct arena a;
    arena_init(&a, 1 << 14);
    struct rego_eval_opts o = {0};
    struct value *out = NULL;
    cr_assert_eq(rego_eval_path(c, "data.x.p", &o, &a, &out, NULL, &err), 0, "%s", err.detail);
    int64_t v;
    cr_assert(out && value_as_int64(out, &v) == 0 && v == 1, "x = 100 - 99");
    arena_free(&a);
    rego_compiled_free(c);
    buf_free(&b);
}

/* A chain of rules each reading the next: the recursion check walks it
 * depth-first, so past MAX_RULE_DEPENDENCY_DEPTH (5000) the compiler refuses
 * it instead of overflowing the stack (100,000 rules fit in a 1.6 MB policy
 * and crashed the process); shorter chains compile. */
static int compile_chain(int n, struct as_error *err)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "package x\n");
    for (int i = 0; i < n; i++)
        buf_printf(&b, "r%d := r%d\n", i, i + 1);
    buf_printf(&b, "r%d := 1\n", n);
    const char *text = buf_cstr(&b);
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    int rc = rego_compile(&src, 1, REGO_V1, NULL, &c, err);
    rego_compiled_free(c);
    buf_free(&b);
    return rc;
}

Test(safety_scaling, rule_chains_deeper_than_the_limit_are_refused, .timeout = 60)
{
    struct as_error err;
    cr_assert_eq(compile_chain(4000, &err), 0, "%s", err.detail);
    cr_assert_eq(compile_chain(20000, &err), -1);
    cr_assert(strstr(err.detail, "rego_compile_error") &&
                  strstr(err.detail, "more than 5000 levels deep"),
              "%s", err.detail);
}

/* An operator chain nests to the left (`1 + 1 + ...`): a chain within the
 * nesting limit compiles and evaluates; a longer one is refused as "nesting
 * too deep" at parse time (a 10,000-link chain used to overflow the
 * compiler's stack), whichever operator family builds it. */
static int compile_op_chain(const char *op, const char *first, const char *next, int n,
                            struct as_error *err)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "package x\np := v if { v := %s", first);
    for (int i = 1; i < n; i++)
        buf_printf(&b, " %s %s", op, next);
    buf_puts(&b, " }\n");
    const char *text = buf_cstr(&b);
    struct rego_source src = {"p.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    int rc = rego_compile(&src, 1, REGO_V1, NULL, &c, err);
    if (rc == 0) {
        struct arena a;
        arena_init(&a, 4096);
        struct value *out = NULL;
        rc = rego_eval_path(c, "data.x.p", NULL, &a, &out, NULL, err);
        if (rc == 0 && !out)
            rc = -2;
        arena_free(&a);
    }
    rego_compiled_free(c);
    buf_free(&b);
    return rc;
}

Test(safety_scaling, long_operator_chains_are_refused)
{
    static const struct {
        const char *op, *first, *next;
    } chains[] = {{"+", "1", "1"},     {"*", "1", "1"},     {"|", "{1}", "{1}"},
                  {"&", "{1}", "{1}"}, {"==", "1", "1"},    {"in", "true", "[true]"}};
    struct as_error err;
    for (size_t k = 0; k < sizeof(chains) / sizeof(chains[0]); k++) {
        const char *op = chains[k].op, *first = chains[k].first, *next = chains[k].next;
        cr_expect_eq(compile_op_chain(op, first, next, 300, &err), 0, "%s x300: %s", op,
                     err.detail);
        for (int n = 1000; n <= 100000; n *= 10) {
            cr_expect_eq(compile_op_chain(op, first, next, n, &err), -1, "%s x%d", op, n);
            cr_expect(strstr(err.detail, "rego_parse_error: nesting too deep") != NULL,
                      "%s x%d: %s", op, n, err.detail);
        }
    }
}
