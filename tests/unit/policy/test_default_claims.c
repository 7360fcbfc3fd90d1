/* test_default_claims.c - the original's default policy (V24) over many
 * flattened claims and reference values, as the service evaluates it:
 * every claim judged through its user functions (has_key, match_value,
 * array_include), so the evaluator's direct paths and object index see the
 * same shapes as in production. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "rego/rego.h"

static struct arena g_arena;

static void setup(void) { arena_init(&g_arena, 1 << 16); }
static void teardown(void) { arena_free(&g_arena); }

TestSuite(default_claims, .init = setup, .fini = teardown);

enum { NCLAIMS = 120 };

struct claims {
    struct pair_list in, ref;
};

static void claim_key(char *key, size_t n, int i)
{
    snprintf(key, n, "tdx.quote.body.claim_%03d", i);
}

/* Claim i has value v_i; its reference is [other_i, v_i]. */
static void build(struct claims *c)
{
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < NCLAIMS; i++) {
        char key[64], val[80], other[80];
        claim_key(key, sizeof(key), i);
        snprintf(val, sizeof(val), "%064x", i * 7919);
        snprintf(other, sizeof(other), "%064x", i * 104729 + 1);
        cr_assert_eq(pair_list_push_str(&g_arena, &c->in, key, v_cstr(&g_arena, val)), 0);
        struct value *items[2] = {v_cstr(&g_arena, other), v_cstr(&g_arena, val)};
        cr_assert_eq(pair_list_push_str(&g_arena, &c->ref, key, v_array(&g_arena, items, 2)),
                     0);
    }
}

static bool allow(struct claims *c)
{
    struct rego_source src = {"default.rego", POLICY_DEFAULT_TEXT, POLICY_DEFAULT_LEN};
    struct rego_compiled *pc = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_AUTO, NULL, &pc, &err), 0, "%s", err.detail);
    struct pair_list d = {0};
    cr_assert_eq(pair_list_push_str(&g_arena, &d, "reference",
                                    v_object(&g_arena, c->ref.pairs, c->ref.len, DUP_LAST_WINS,
                                             NULL)),
                 0);
    struct rego_eval_opts o = {0};
    o.input = v_object(&g_arena, c->in.pairs, c->in.len, DUP_LAST_WINS, NULL);
    o.extra_data = v_object(&g_arena, d.pairs, d.len, DUP_LAST_WINS, NULL);
    struct value *out = NULL;
    cr_assert_eq(rego_eval_path(pc, "data.policy.allow", &o, &g_arena, &out, NULL, &err), 0,
                 "%s", err.detail);
    rego_compiled_free(pc);
    cr_assert_not_null(out);
    cr_assert_eq(out->type, V_BOOL);
    return out->u.b;
}

Test(default_claims, all_claims_match)
{
    struct claims c;
    build(&c);
    cr_assert(allow(&c));
}

Test(default_claims, one_claim_differs)
{
    struct claims c;
    build(&c);
    c.in.pairs[NCLAIMS - 7].val = v_cstr(&g_arena, "not-a-reference-value");
    cr_assert_not(allow(&c));
}

Test(default_claims, claim_without_reference_passes)
{
    struct claims c;
    build(&c);
    c.in.pairs[3].key = v_cstr(&g_arena, "tdx.quote.body.unreferenced");
    c.in.pairs[3].val = v_cstr(&g_arena, "anything");
    cr_assert(allow(&c));
}

Test(default_claims, scalar_and_empty_references)
{
    struct claims c;
    build(&c);
    /* a scalar reference must equal the claim; an empty array accepts it */
    c.ref.pairs[10].val = c.in.pairs[10].val;
    c.ref.pairs[11].val = v_array(&g_arena, NULL, 0);
    c.in.pairs[11].val = v_cstr(&g_arena, "whatever");
    cr_assert(allow(&c));
    c.ref.pairs[10].val = v_cstr(&g_arena, "other");
    cr_assert_not(allow(&c));
}
