/* bi_aggregates.c - the Aggregates built-ins: count, sum, product, max,
 * min, sort, and the deprecated any/all.
 *
 * sum and product follow OPA: integers are accumulated exactly (int64, then
 * big integers past overflow); as soon as one element is not an integer the
 * whole fold runs in OPA's big.Float precision (a 64-bit mantissa, which is
 * the x86 long double) and the result goes through FloatToNumber. */
#include "rego/bi_util.h"

#include <stdlib.h>
#include <string.h>

static int want_collection(struct rego_bi_ctx *ctx, struct value *const *args)
{
    if (v_is(args[0], V_ARRAY) || v_is(args[0], V_SET))
        return 0;
    return rego_bi_type_error(ctx, 1, "one of {set, array}", args[0]);
}

static int bi_count(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                    struct value **out)
{
    (void)n;
    const struct value *v = args[0];
    switch (v->type) {
    case V_ARRAY:
    case V_SET:
        BI_RET(v_int(ctx->arena, (int64_t)v->u.arr.len));
    case V_OBJECT:
        BI_RET(v_int(ctx->arena, (int64_t)v->u.obj.len));
    case V_STRING:
        BI_RET(v_int(ctx->arena, (int64_t)bi_utf8_count(v->u.str.s, v->u.str.len)));
    default:
        return rego_bi_type_error(ctx, 1, "one of {array, object, set, string}", v);
    }
}

/* Exact integer fold; false when an element is not an integer. */
static bool fold_exact(const struct value *coll, bool mul, mpz_t acc)
{
    mpz_t x;
    mpz_init(x);
    mpz_set_ui(acc, mul ? 1 : 0);
    bool ok = true;
    for (size_t i = 0; ok && i < coll->u.arr.len; i++) {
        ok = bi_num_mpz(coll->u.arr.items[i], x);
        if (ok && mul)
            mpz_mul(acc, acc, x);
        else if (ok)
            mpz_add(acc, acc, x);
    }
    mpz_clear(x);
    return ok;
}

static int fold(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out, bool mul)
{
    TRY(want_collection(ctx, args));
    const struct value *coll = args[0];
    mpz_t acc;
    mpz_init(acc);
    if (fold_exact(coll, mul, acc)) {
        struct value *r = bi_num_from_mpz(ctx->arena, acc);
        mpz_clear(acc);
        BI_RET(r);
    }
    mpz_clear(acc);
    long double f = mul ? 1.0L : 0.0L;
    for (size_t i = 0; i < coll->u.arr.len; i++) {
        const struct value *x = coll->u.arr.items[i];
        if (!v_is(x, V_NUMBER))
            return bi_elem_err(ctx, 1, coll, "number", x);
        f = mul ? f * bi_num_ld(x) : f + bi_num_ld(x);
    }
    BI_RET(bi_num_from_ldouble(ctx->arena, f));
}

static int bi_sum(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    return fold(ctx, args, out, false);
}

static int bi_product(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                      struct value **out)
{
    (void)n;
    return fold(ctx, args, out, true);
}

static int extreme(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out, int sign)
{
    TRY(want_collection(ctx, args));
    const struct value *coll = args[0];
    if (coll->u.arr.len == 0)
        BI_UNDEF();
    struct value *best = coll->u.arr.items[0];
    for (size_t i = 1; i < coll->u.arr.len; i++)
        if (value_compare(coll->u.arr.items[i], best) * sign > 0)
            best = coll->u.arr.items[i];
    *out = best;
    return 0;
}

static int bi_max(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    return extreme(ctx, args, out, 1);
}

static int bi_min(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    return extreme(ctx, args, out, -1);
}

static int cmp_values(const void *a, const void *b)
{
    return value_compare(*(struct value *const *)a, *(struct value *const *)b);
}

static int bi_sort(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    TRY(want_collection(ctx, args));
    const struct value *coll = args[0];
    struct value *r = v_array(ctx->arena, coll->u.arr.items, coll->u.arr.len);
    if (r && coll->type == V_ARRAY && r->u.arr.len > 1)
        qsort(r->u.arr.items, r->u.arr.len, sizeof(*r->u.arr.items), cmp_values);
    BI_RET(r);
}

static int any_all(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out, bool all)
{
    if (!v_is(args[0], V_ARRAY) && !v_is(args[0], V_SET))
        return rego_bi_type_error(ctx, 1, "one of {array, set}", args[0]);
    const struct value *coll = args[0];
    for (size_t i = 0; i < coll->u.arr.len; i++) {
        const struct value *x = coll->u.arr.items[i];
        bool is_true = v_is(x, V_BOOL) && x->u.b;
        if (all && !is_true) {
            *out = v_bool(false);
            return 0;
        }
        if (!all && is_true) {
            *out = v_bool(true);
            return 0;
        }
    }
    *out = v_bool(all);
    return 0;
}

static int bi_any(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    return any_all(ctx, args, out, false);
}

static int bi_all(struct rego_bi_ctx *ctx, struct value *const *args, size_t n, struct value **out)
{
    (void)n;
    return any_all(ctx, args, out, true);
}

const struct rego_builtin rego_bi_aggregates[] = {
    {"count", 1, bi_count, 0, NULL},
    {"sum", 1, bi_sum, 0, NULL},
    {"product", 1, bi_product, 0, NULL},
    {"max", 1, bi_max, 0, NULL},
    {"min", 1, bi_min, 0, NULL},
    {"sort", 1, bi_sort, 0, NULL},
    {"any", 1, bi_any, BI_DEPRECATED, NULL},
    {"all", 1, bi_all, BI_DEPRECATED, NULL},
    {NULL, 0, NULL, 0, NULL},
};
