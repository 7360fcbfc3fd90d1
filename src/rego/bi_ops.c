/* bi_ops.c - operators as built-ins, with OPA's names and messages:
 * arithmetic (plus, minus, mul, div, rem), comparisons (equal, neq, lt,
 * lte, gt, gte, eq), set operators (and, or, and minus on sets),
 * membership (internal.member_2 / member_3) and assign.
 *
 * Arithmetic follows OPA: two int64 operands whose result fits stay exact
 * integers; anything else goes through OPA's big.Float view (64-bit
 * mantissa) and back to a number (integral results print as integers).
 * rem is exact integer remainder with the dividend's sign. */
#include <math.h>
#include <string.h>

#include "rego/bi_util.h"
#include "rego/builtins.h"

static int want_number(struct rego_bi_ctx *ctx, struct value *const *args, size_t i)
{
    return bi_want(ctx, args, i, V_NUMBER);
}

static bool small_ints(struct value *const *args, int64_t *x, int64_t *y)
{
    return args[0]->num_kind == NUM_INT && args[1]->num_kind == NUM_INT &&
           ((*x = args[0]->u.num.i), (*y = args[1]->u.num.i), true);
}

static int op_plus(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                   struct value **out)
{
    (void)n;
    TRY(want_number(ctx, args, 0));
    TRY(want_number(ctx, args, 1));
    int64_t x, y, r;
    if (small_ints(args, &x, &y) && !__builtin_add_overflow(x, y, &r))
        BI_RET(v_int(ctx->arena, r));
    BI_RET(bi_num_from_ldouble(ctx->arena, bi_num_ld(args[0]) + bi_num_ld(args[1])));
}

static struct value *set_diff(struct rego_bi_ctx *ctx, const struct value *a,
                              const struct value *b)
{
    struct value_list l = {0};
    for (size_t k = 0; k < a->u.arr.len; k++)
        if (!value_set_contains(b, a->u.arr.items[k]) &&
            value_list_push(ctx->arena, &l, a->u.arr.items[k]) < 0)
            return NULL;
    return v_set(ctx->arena, l.items, l.len);
}

static int op_minus(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                    struct value **out)
{
    (void)n;
    if (v_is(args[0], V_SET) && v_is(args[1], V_SET))
        BI_RET(set_diff(ctx, args[0], args[1]));
    if (!v_is(args[0], V_NUMBER) && !v_is(args[0], V_SET))
        return rego_bi_type_error(ctx, 1, "one of {number, set}", args[0]);
    if (v_is(args[0], V_SET))
        return rego_bi_type_error(ctx, 2, "set", args[1]);
    TRY(want_number(ctx, args, 1));
    int64_t x, y, r;
    if (small_ints(args, &x, &y) && !__builtin_sub_overflow(x, y, &r))
        BI_RET(v_int(ctx->arena, r));
    BI_RET(bi_num_from_ldouble(ctx->arena, bi_num_ld(args[0]) - bi_num_ld(args[1])));
}

static int op_mul(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                  struct value **out)
{
    (void)n;
    TRY(want_number(ctx, args, 0));
    TRY(want_number(ctx, args, 1));
    int64_t x, y, r;
    if (small_ints(args, &x, &y) && !__builtin_mul_overflow(x, y, &r))
        BI_RET(v_int(ctx->arena, r));
    BI_RET(bi_num_from_ldouble(ctx->arena, bi_num_ld(args[0]) * bi_num_ld(args[1])));
}

static int op_div(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                  struct value **out)
{
    (void)n;
    TRY(want_number(ctx, args, 0));
    TRY(want_number(ctx, args, 1));
    long double d = bi_num_ld(args[1]);
    if (d == 0)
        return bi_err(ctx, "divide by zero");
    int64_t x, y;
    if (small_ints(args, &x, &y) && y != 0 && x % y == 0 && !(x == INT64_MIN && y == -1))
        BI_RET(v_int(ctx->arena, x / y));
    BI_RET(bi_num_from_ldouble(ctx->arena, bi_num_ld(args[0]) / d));
}

static int op_rem(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                  struct value **out)
{
    (void)n;
    TRY(want_number(ctx, args, 0));
    TRY(want_number(ctx, args, 1));
    int64_t x, y;
    if (small_ints(args, &x, &y)) {
        if (y == 0)
            return bi_err(ctx, "modulo by zero");
        if (y == -1)
            BI_RET(v_int(ctx->arena, 0));
        BI_RET(v_int(ctx->arena, x % y));
    }
    mpz_t a, b;
    mpz_init(a);
    mpz_init(b);
    int rc;
    if (!bi_num_mpz(args[0], a) || !bi_num_mpz(args[1], b)) {
        rc = bi_err(ctx, "modulo on floating-point number");
    } else if (mpz_sgn(b) == 0) {
        rc = bi_err(ctx, "modulo by zero");
    } else {
        mpz_tdiv_r(a, a, b);
        rc = bi_ret(ctx, out, bi_num_from_mpz(ctx->arena, a));
    }
    mpz_clear(a);
    mpz_clear(b);
    return rc;
}

#define CMP_OP(fname, expr)                                                                        \
    static int fname(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,                 \
                     struct value **out)                                                           \
    {                                                                                              \
        (void)ctx;                                                                                 \
        (void)n;                                                                                   \
        int c = value_compare(args[0], args[1]);                                                   \
        *out = v_bool(expr);                                                                       \
        return 0;                                                                                  \
    }
CMP_OP(op_equal, c == 0)
CMP_OP(op_neq, c != 0)
CMP_OP(op_lt, c < 0)
CMP_OP(op_lte, c <= 0)
CMP_OP(op_gt, c > 0)
CMP_OP(op_gte, c >= 0)

static int op_and(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                  struct value **out)
{
    (void)n;
    TRY(bi_want(ctx, args, 0, V_SET));
    TRY(bi_want(ctx, args, 1, V_SET));
    struct value_list l = {0};
    for (size_t k = 0; k < args[0]->u.arr.len; k++)
        if (value_set_contains(args[1], args[0]->u.arr.items[k]) &&
            value_list_push(ctx->arena, &l, args[0]->u.arr.items[k]) < 0)
            return bi_oom(ctx);
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

static int op_or(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                 struct value **out)
{
    (void)n;
    TRY(bi_want(ctx, args, 0, V_SET));
    TRY(bi_want(ctx, args, 1, V_SET));
    size_t na = args[0]->u.arr.len, nb = args[1]->u.arr.len;
    struct value **items = arena_alloc(ctx->arena, (na + nb + 1) * sizeof(*items));
    if (!items)
        return bi_oom(ctx);
    memcpy(items, args[0]->u.arr.items, na * sizeof(*items));
    if (nb)
        memcpy(items + na, args[1]->u.arr.items, nb * sizeof(*items));
    BI_RET(v_set(ctx->arena, items, na + nb));
}

static int op_member2(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                      struct value **out)
{
    (void)ctx;
    (void)n;
    const struct value *x = args[0], *c = args[1];
    bool found = false;
    if (c->type == V_SET) {
        found = value_set_contains(c, x);
    } else if (c->type == V_ARRAY) {
        for (size_t k = 0; k < c->u.arr.len && !found; k++)
            found = value_equal(c->u.arr.items[k], x);
    } else if (c->type == V_OBJECT) {
        for (size_t k = 0; k < c->u.obj.len && !found; k++)
            found = value_equal(c->u.obj.pairs[k].val, x);
    }
    *out = v_bool(found);
    return 0;
}

static int op_member3(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                      struct value **out)
{
    (void)ctx;
    (void)n;
    const struct value *k = args[0], *x = args[1], *c = args[2];
    bool found = false;
    if (c->type == V_ARRAY) {
        int64_t i;
        if (k->type == V_NUMBER && value_is_integer(k) && value_as_int64(k, &i) == 0 && i >= 0 &&
            (size_t)i < c->u.arr.len)
            found = value_equal(c->u.arr.items[i], x);
    } else if (c->type == V_OBJECT) {
        const struct value *v = value_object_get(c, k);
        found = v && value_equal(v, x);
    } else if (c->type == V_SET) {
        found = value_equal(k, x) && value_set_contains(c, x);
    }
    *out = v_bool(found);
    return 0;
}

static int op_assign(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                     struct value **out)
{
    (void)ctx;
    (void)n;
    *out = args[0];
    return 0;
}

const struct rego_builtin rego_bi_ops[] = {
    {"plus", 2, op_plus, 0, "(number, number) => number"},
    {"minus", 2, op_minus, 0, "(any<number, set[any]>, any<number, set[any]>) => any"},
    {"mul", 2, op_mul, 0, "(number, number) => number"},
    {"div", 2, op_div, 0, "(number, number) => number"},
    {"rem", 2, op_rem, 0, "(number, number) => number"},
    {"equal", 2, op_equal, 0, "(any, any) => boolean"},
    {"eq", 2, op_equal, 0, "(any, any) => boolean"},
    {"neq", 2, op_neq, 0, "(any, any) => boolean"},
    {"lt", 2, op_lt, 0, "(any, any) => boolean"},
    {"lte", 2, op_lte, 0, "(any, any) => boolean"},
    {"gt", 2, op_gt, 0, "(any, any) => boolean"},
    {"gte", 2, op_gte, 0, "(any, any) => boolean"},
    {"and", 2, op_and, 0, "(set[any], set[any]) => set[any]"},
    {"or", 2, op_or, 0, "(set[any], set[any]) => set[any]"},
    {"internal.member_2", 2, op_member2, 0, "(any, any) => boolean"},
    {"internal.member_3", 3, op_member3, 0, "(any, any, any) => boolean"},
    {"assign", 2, op_assign, 0, "(any, any) => boolean"},
    {NULL, 0, NULL, 0, NULL},
};
