/* bi_types.c - the Types built-ins: is_number, is_string, is_boolean,
 * is_array, is_set, is_object, is_null, type_name.
 *
 * As OPA: the is_* tests are total (false for any other type); type_name
 * gives OPA's type names. */
#include "rego/bi_util.h"

static int is_type(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                   enum value_type t)
{
    (void)ctx;
    *out = v_bool(v_is(args[0], t));
    return 0;
}

#define IS_FN(fname, t)                                                                            \
    static int fname(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,               \
                     struct value **out)                                                           \
    {                                                                                              \
        (void)n;                                                                                   \
        return is_type(ctx, args, out, t);                                                         \
    }

IS_FN(bi_is_number, V_NUMBER)
IS_FN(bi_is_string, V_STRING)
IS_FN(bi_is_boolean, V_BOOL)
IS_FN(bi_is_array, V_ARRAY)
IS_FN(bi_is_set, V_SET)
IS_FN(bi_is_object, V_OBJECT)
IS_FN(bi_is_null, V_NULL)

static int bi_type_name(struct rego_bi_ctx *ctx, struct value *const *args, size_t n,
                        struct value **out)
{
    (void)n;
    BI_RET(v_cstr(ctx->arena, value_type_name((enum value_type)args[0]->type)));
}

const struct rego_builtin rego_bi_types[] = {
    {"is_array", 1, bi_is_array, 0, "(any) => boolean"},
    {"is_boolean", 1, bi_is_boolean, 0, "(any) => boolean"},
    {"is_null", 1, bi_is_null, 0, "(any) => boolean"},
    {"is_number", 1, bi_is_number, 0, "(any) => boolean"},
    {"is_object", 1, bi_is_object, 0, "(any) => boolean"},
    {"is_set", 1, bi_is_set, 0, "(any) => boolean"},
    {"is_string", 1, bi_is_string, 0, "(any) => boolean"},
    {"type_name", 1, bi_type_name, 0, "(any) => string"},
    {NULL, 0, NULL, 0, NULL},
};
