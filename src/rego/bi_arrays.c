/* bi_arrays.c - the Arrays built-ins (array.concat, array.slice,
 * array.reverse, array.flatten) and the Sets ones (intersection, union,
 * and the deprecated set_diff).  The set operators & | - are the language
 * core's (bi_ops.c). */
#include "rego/bi_util.h"

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

BI_FN(bi_array_concat)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    TRY(bi_want(ctx, args, 1, V_ARRAY));
    const struct value *x = args[0], *y = args[1];
    struct value_list l = {0};
    for (size_t i = 0; i < x->u.arr.len; i++)
        if (value_list_push(ctx->arena, &l, x->u.arr.items[i]) < 0)
            return bi_oom(ctx);
    for (size_t i = 0; i < y->u.arr.len; i++)
        if (value_list_push(ctx->arena, &l, y->u.arr.items[i]) < 0)
            return bi_oom(ctx);
    BI_RET(v_array(ctx->arena, l.items, l.len));
}

BI_FN(bi_array_slice)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    int64_t start, stop;
    TRY(bi_want_int(ctx, args, 1, &start));
    TRY(bi_want_int(ctx, args, 2, &stop));
    int64_t len = (int64_t)args[0]->u.arr.len;
    if (start < 0)
        start = 0;
    if (stop > len)
        stop = len;
    if (start >= stop)
        BI_RET(v_array(ctx->arena, NULL, 0));
    BI_RET(v_array(ctx->arena, args[0]->u.arr.items + start, (size_t)(stop - start)));
}

BI_FN(bi_array_reverse)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    const struct value *x = args[0];
    struct value *r = v_array(ctx->arena, x->u.arr.items, x->u.arr.len);
    if (!r)
        return bi_oom(ctx);
    for (size_t i = 0, n = r->u.arr.len; i < n / 2; i++) {
        struct value *t = r->u.arr.items[i];
        r->u.arr.items[i] = r->u.arr.items[n - 1 - i];
        r->u.arr.items[n - 1 - i] = t;
    }
    *out = r;
    return 0;
}

BI_FN(bi_array_flatten)
{
    TRY(bi_want(ctx, args, 0, V_ARRAY));
    const struct value *x = args[0];
    struct value_list l = {0};
    for (size_t i = 0; i < x->u.arr.len; i++) {
        const struct value *e = x->u.arr.items[i];
        if (v_is(e, V_ARRAY)) {
            for (size_t k = 0; k < e->u.arr.len; k++)
                if (value_list_push(ctx->arena, &l, e->u.arr.items[k]) < 0)
                    return bi_oom(ctx);
        } else if (value_list_push(ctx->arena, &l, x->u.arr.items[i]) < 0) {
            return bi_oom(ctx);
        }
    }
    BI_RET(v_array(ctx->arena, l.items, l.len));
}

/* ---- sets ---- */

/* Operand 1: a set of sets. */
static int want_set_of_sets(struct rego_bi_ctx *ctx, struct value *const *args)
{
    TRY(bi_want(ctx, args, 0, V_SET));
    const struct value *s = args[0];
    for (size_t i = 0; i < s->u.arr.len; i++)
        if (!v_is(s->u.arr.items[i], V_SET))
            return bi_elem_err(ctx, 1, s, "set", s->u.arr.items[i]);
    return 0;
}

BI_FN(bi_union)
{
    TRY(want_set_of_sets(ctx, args));
    const struct value *s = args[0];
    struct value_list l = {0};
    for (size_t i = 0; i < s->u.arr.len; i++) {
        const struct value *e = s->u.arr.items[i];
        for (size_t k = 0; k < e->u.arr.len; k++)
            if (value_list_push(ctx->arena, &l, e->u.arr.items[k]) < 0)
                return bi_oom(ctx);
    }
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

BI_FN(bi_intersection)
{
    TRY(want_set_of_sets(ctx, args));
    const struct value *s = args[0];
    if (s->u.arr.len == 0)
        BI_RET(v_set(ctx->arena, NULL, 0));
    const struct value *first = s->u.arr.items[0];
    struct value_list l = {0};
    for (size_t k = 0; k < first->u.arr.len; k++) {
        bool all = true;
        for (size_t i = 1; all && i < s->u.arr.len; i++)
            all = value_set_contains(s->u.arr.items[i], first->u.arr.items[k]);
        if (all && value_list_push(ctx->arena, &l, first->u.arr.items[k]) < 0)
            return bi_oom(ctx);
    }
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

BI_FN(bi_set_diff)
{
    TRY(bi_want(ctx, args, 0, V_SET));
    TRY(bi_want(ctx, args, 1, V_SET));
    const struct value *x = args[0], *y = args[1];
    struct value_list l = {0};
    for (size_t i = 0; i < x->u.arr.len; i++)
        if (!value_set_contains(y, x->u.arr.items[i]) &&
            value_list_push(ctx->arena, &l, x->u.arr.items[i]) < 0)
            return bi_oom(ctx);
    BI_RET(v_set(ctx->arena, l.items, l.len));
}

const struct rego_builtin rego_bi_arrays[] = {
    {"array.concat", 2, bi_array_concat, 0, NULL},
    {"array.flatten", 1, bi_array_flatten, 0, NULL},
    {"array.reverse", 1, bi_array_reverse, 0, NULL},
    {"array.slice", 3, bi_array_slice, 0, NULL},
    {"intersection", 1, bi_intersection, 0, NULL},
    {"set_diff", 2, bi_set_diff, BI_DEPRECATED, NULL},
    {"union", 1, bi_union, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
