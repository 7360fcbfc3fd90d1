/* bi_numbers.c - the Numbers built-ins (numbers.range, numbers.range_step,
 * rand.intn), the rounding ones of the Arithmetic group (abs, round, ceil,
 * floor), Bitwise Arithmetic (bits.*), Conversions (to_number) and the
 * deprecated Casts (cast_*).
 *
 * Integers are exact (GMP) as in OPA, which uses big.Int for ranges and
 * bits; rounding works on the number's exact decimal value, with round()
 * going half away from zero like Go's big.Float rounding OPA uses. */
#include "rego/bi_util.h"
#include "rego/rego.h"

#include <ctype.h>
#include <math.h>
#include <openssl/rand.h>
#include <string.h>

#define BI_FN(name)                                                                                \
    static int name(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,             \
                    struct value **out)

/* A range longer than this would not finish in OPA either (it times out). */
#define RANGE_MAX_ITEMS 50000000

/* OPA's BigIntOperand. */
static int want_bigint(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, mpz_t z)
{
    if (!v_is(args[i], V_NUMBER))
        return rego_bi_type_error(ctx, (int)i + 1, "integer", args[i]);
    if (!bi_num_mpz(args[i], z))
        return bi_operand_err(ctx, (int)i + 1, "must be integer number but got floating-point number");
    return 0;
}

static int make_range(struct rego_bi_ctx *ctx, mpz_t x, mpz_t y, mpz_t step, struct value **out)
{
    mpz_t span, count;
    mpz_inits(span, count, NULL);
    mpz_sub(span, y, x);
    mpz_abs(span, span);
    mpz_fdiv_q(count, span, step);
    bool too_long = mpz_cmp_ui(count, RANGE_MAX_ITEMS) >= 0;
    size_t n = too_long ? 0 : mpz_get_ui(count) + 1;
    mpz_clears(span, count, NULL);
    if (too_long)
        return bi_err(ctx, "timed out before generating all numbers in range");
    struct value **items = arena_alloc(ctx->arena, n * sizeof(*items));
    if (!items)
        return bi_oom(ctx);
    bool down = mpz_cmp(x, y) > 0;
    mpz_t i;
    mpz_init_set(i, x);
    for (size_t k = 0; k < n; k++) {
        items[k] = bi_num_from_mpz(ctx->arena, i);
        if (!items[k]) {
            mpz_clear(i);
            return bi_oom(ctx);
        }
        if (down)
            mpz_sub(i, i, step);
        else
            mpz_add(i, i, step);
    }
    mpz_clear(i);
    BI_RET(v_array(ctx->arena, items, n));
}

BI_FN(bi_numbers_range)
{
    mpz_t x, y, step;
    mpz_inits(x, y, step, NULL);
    int rc = want_bigint(ctx, args, 0, x);
    if (rc == 0)
        rc = want_bigint(ctx, args, 1, y);
    if (rc == 0) {
        mpz_set_ui(step, 1);
        rc = make_range(ctx, x, y, step, out);
    }
    mpz_clears(x, y, step, NULL);
    return rc;
}

BI_FN(bi_numbers_range_step)
{
    mpz_t x, y, step;
    mpz_inits(x, y, step, NULL);
    int rc = want_bigint(ctx, args, 0, x);
    if (rc == 0)
        rc = want_bigint(ctx, args, 1, y);
    if (rc == 0)
        rc = want_bigint(ctx, args, 2, step);
    if (rc == 0 && mpz_sgn(step) <= 0)
        rc = bi_err(ctx, ctx->opa_compat == REGO_OPA_2026 ? "step must be a positive integer"
                                                          : "step must be a positive number above zero");
    if (rc == 0)
        rc = make_range(ctx, x, y, step, out);
    mpz_clears(x, y, step, NULL);
    return rc;
}

BI_FN(bi_rand_intn)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    int64_t n;
    TRY(bi_want_int(ctx, args, 1, &n));
    if (n == 0)
        BI_RET(v_int(ctx->arena, 0));
    uint64_t bound = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound, r;
    do {
        if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
            return bi_err(ctx, "random source failed");
    } while (r >= limit);
    BI_RET(v_int(ctx->arena, (int64_t)(r % bound)));
}

/* ---- abs, round, ceil, floor ---- */

enum rounding { R_ABS, R_ROUND, R_CEIL, R_FLOOR };

static int round_number(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                        enum rounding how)
{
    TRY(bi_want(ctx, args, 0, V_NUMBER));
    const struct value *v = args[0];
    int64_t i;
    if (bi_num_int64(v, &i) && (how != R_ABS || i != INT64_MIN)) {
        if (how != R_ABS || i >= 0) {
            *out = (struct value *)v;
            return 0;
        }
        BI_RET(v_int(ctx->arena, -i));
    }
    mpq_t q;
    mpq_init(q);
    if (!bi_num_mpq(v, q)) { /* inf: as a double */
        mpq_clear(q);
        double d = value_as_double(v);
        BI_RET(v_float(ctx->arena, how == R_ABS ? fabs(d) : d));
    }
    struct value *r;
    if (how == R_ABS) {
        mpq_abs(q, q);
        if (mpz_cmp_ui(mpq_denref(q), 1) == 0) {
            r = bi_num_from_mpz(ctx->arena, mpq_numref(q));
        } else {
            double d = fabs(value_as_double(v));
            r = v->u.num.text && v->u.num.text[0] == '-'
                    ? v_number_text(ctx->arena, v->u.num.text + 1, strlen(v->u.num.text + 1))
                    : (v->num_kind == NUM_FLOAT && v->u.num.text ? (struct value *)v
                                                                  : v_float(ctx->arena, d));
        }
    } else {
        mpz_t z;
        mpz_init(z);
        if (how == R_CEIL) {
            mpz_cdiv_q(z, mpq_numref(q), mpq_denref(q));
        } else if (how == R_FLOOR) {
            mpz_fdiv_q(z, mpq_numref(q), mpq_denref(q));
        } else { /* half away from zero: trunc(q + sign(q)/2) */
            mpq_t half;
            mpq_init(half);
            mpq_set_si(half, mpq_sgn(q) < 0 ? -1 : 1, 2);
            mpq_add(q, q, half);
            mpz_tdiv_q(z, mpq_numref(q), mpq_denref(q));
            mpq_clear(half);
        }
        r = bi_num_from_mpz(ctx->arena, z);
        mpz_clear(z);
    }
    mpq_clear(q);
    BI_RET(r);
}

BI_FN(bi_abs) { return round_number(ctx, args, out, R_ABS); }
BI_FN(bi_round) { return round_number(ctx, args, out, R_ROUND); }
BI_FN(bi_ceil) { return round_number(ctx, args, out, R_CEIL); }
BI_FN(bi_floor) { return round_number(ctx, args, out, R_FLOOR); }

/* ---- bits ---- */

enum bitop { B_OR, B_AND, B_XOR, B_NEG, B_LSH, B_RSH };

static int bits(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                struct value **out, enum bitop op)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    int rc = want_bigint(ctx, args, 0, x);
    if (rc == 0 && nargs > 1)
        rc = want_bigint(ctx, args, 1, y);
    if (rc == 0 && (op == B_LSH || op == B_RSH) && mpz_sgn(y) < 0)
        rc = bi_operand_err(ctx, 2, "must be an unsigned integer number but got a negative integer");
    if (rc == 0 && (op == B_LSH || op == B_RSH) && mpz_cmp_ui(y, 1u << 20) > 0 && mpz_sgn(x) != 0 &&
        op == B_LSH)
        rc = bi_err(ctx, "shift too large");
    if (rc == 0) {
        switch (op) {
        case B_OR: mpz_ior(x, x, y); break;
        case B_AND: mpz_and(x, x, y); break;
        case B_XOR: mpz_xor(x, x, y); break;
        case B_NEG: mpz_com(x, x); break;
        case B_LSH: mpz_mul_2exp(x, x, mpz_get_ui(y)); break;
        case B_RSH:
            if (mpz_fits_ulong_p(y))
                mpz_fdiv_q_2exp(x, x, mpz_get_ui(y));
            else
                mpz_set_si(x, mpz_sgn(x) < 0 ? -1 : 0);
            break;
        }
        struct value *r = bi_num_from_mpz(ctx->arena, x);
        rc = bi_ret(ctx, out, r);
    }
    mpz_clears(x, y, NULL);
    return rc;
}

BI_FN(bi_bits_or) { return bits(ctx, args, nargs, out, B_OR); }
BI_FN(bi_bits_and) { return bits(ctx, args, nargs, out, B_AND); }
BI_FN(bi_bits_xor) { return bits(ctx, args, nargs, out, B_XOR); }
BI_FN(bi_bits_negate) { return bits(ctx, args, nargs, out, B_NEG); }
BI_FN(bi_bits_lsh) { return bits(ctx, args, nargs, out, B_LSH); }
BI_FN(bi_bits_rsh) { return bits(ctx, args, nargs, out, B_RSH); }

/* ---- to_number ---- */

/* Go's strconv.ParseFloat syntax for decimal text: [+-](digits[.digits]|.digits)[e[+-]digits];
 * *json says whether the text is also valid JSON number syntax. */
static bool decimal_syntax(const char *s, size_t n, bool *json)
{
    size_t i = 0;
    bool sign_plus = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        sign_plus = s[i++] == '+';
    size_t int_start = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    size_t int_len = i - int_start;
    size_t frac_len = 0;
    bool dot = false;
    if (i < n && s[i] == '.') {
        dot = true;
        i++;
        size_t f = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        frac_len = i - f;
    }
    if (int_len + frac_len == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (i == e)
            return false;
    }
    *json = !sign_plus && int_len > 0 && (!dot || frac_len > 0) &&
            !(int_len > 1 && s[int_start] == '0');
    return i == n;
}

BI_FN(bi_to_number)
{
    const struct value *v = args[0];
    switch (v->type) {
    case V_NULL:
        BI_RET(v_int(ctx->arena, 0));
    case V_BOOL:
        BI_RET(v_int(ctx->arena, v->u.b ? 1 : 0));
    case V_NUMBER:
        *out = (struct value *)v;
        return 0;
    case V_STRING: {
        const char *s = v->u.str.s;
        size_t n = v->u.str.len;
        bool json;
        if (!decimal_syntax(s, n, &json)) {
            char low[16] = {0};
            for (size_t i = 0; i < n && i < sizeof(low) - 1; i++)
                low[i] = (char)tolower((unsigned char)s[i]);
            const char *t = low[0] == '+' || low[0] == '-' ? low + 1 : low;
            if (n < sizeof(low) && (!strcmp(t, "nan") || !strcmp(t, "inf") || !strcmp(t, "infinity")))
                return rego_bi_type_error(ctx, 1, "valid number string", v);
            return bi_err(ctx, "strconv.ParseFloat: parsing %.*s: invalid syntax", (int)n, s);
        }
        if (json)
            BI_RET(v_number_text(ctx->arena, s, n));
        char *t = arena_strndup(ctx->arena, s, n);
        if (!t)
            return bi_oom(ctx);
        struct value tmp = {.type = V_NUMBER, .num_kind = NUM_FLOAT};
        tmp.u.num.text = t[0] == '+' ? t + 1 : t;
        tmp.u.num.d = strtod(t, NULL);
        mpz_t z;
        mpz_init(z);
        struct value *r = bi_num_mpz(&tmp, z) ? bi_num_from_mpz(ctx->arena, z)
                                              : v_float(ctx->arena, tmp.u.num.d);
        mpz_clear(z);
        BI_RET(r);
    }
    default:
        return rego_bi_type_error(ctx, 1, "one of {null, boolean, number, string}", v);
    }
}

/* ---- casts (deprecated) ---- */

BI_FN(bi_cast_array)
{
    const struct value *v = args[0];
    if (v_is(v, V_ARRAY)) {
        *out = (struct value *)v;
        return 0;
    }
    if (v_is(v, V_SET))
        BI_RET(v_array(ctx->arena, v->u.arr.items, v->u.arr.len));
    return rego_bi_type_error(ctx, 1, "one of {array, set}", v);
}

BI_FN(bi_cast_set)
{
    const struct value *v = args[0];
    if (v_is(v, V_SET)) {
        *out = (struct value *)v;
        return 0;
    }
    if (v_is(v, V_ARRAY))
        BI_RET(v_set(ctx->arena, v->u.arr.items, v->u.arr.len));
    return rego_bi_type_error(ctx, 1, "one of {array, set}", v);
}

static int cast_same(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                     enum value_type t)
{
    TRY(bi_want(ctx, args, 0, t));
    *out = args[0];
    return 0;
}

BI_FN(bi_cast_string) { return cast_same(ctx, args, out, V_STRING); }
BI_FN(bi_cast_boolean) { return cast_same(ctx, args, out, V_BOOL); }
BI_FN(bi_cast_null) { return cast_same(ctx, args, out, V_NULL); }
BI_FN(bi_cast_object) { return cast_same(ctx, args, out, V_OBJECT); }

const struct rego_builtin rego_bi_numbers[] = {
    {"abs", 1, bi_abs, 0, NULL},
    {"bits.and", 2, bi_bits_and, 0, NULL},
    {"bits.lsh", 2, bi_bits_lsh, 0, NULL},
    {"bits.negate", 1, bi_bits_negate, 0, NULL},
    {"bits.or", 2, bi_bits_or, 0, NULL},
    {"bits.rsh", 2, bi_bits_rsh, 0, NULL},
    {"bits.xor", 2, bi_bits_xor, 0, NULL},
    {"cast_array", 1, bi_cast_array, BI_DEPRECATED, NULL},
    {"cast_boolean", 1, bi_cast_boolean, BI_DEPRECATED, NULL},
    {"cast_null", 1, bi_cast_null, BI_DEPRECATED, NULL},
    {"cast_object", 1, bi_cast_object, BI_DEPRECATED, NULL},
    {"cast_set", 1, bi_cast_set, BI_DEPRECATED, NULL},
    {"cast_string", 1, bi_cast_string, BI_DEPRECATED, NULL},
    {"ceil", 1, bi_ceil, 0, NULL},
    {"floor", 1, bi_floor, 0, NULL},
    {"numbers.range", 2, bi_numbers_range, 0, NULL},
    {"numbers.range_step", 3, bi_numbers_range_step, 0, NULL},
    {"rand.intn", 2, bi_rand_intn, BI_NONDET, NULL},
    {"round", 1, bi_round, 0, NULL},
    {"to_number", 1, bi_to_number, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
