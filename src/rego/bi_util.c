/* bi_util.c - helpers shared by the built-in families (see bi_util.h). */
#include "base/utf8.h"
#include "rego/bi_util.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "base/codec.h"

/* ---- errors ---- */

int bi_oom(struct rego_bi_ctx *ctx)
{
    return rego_bi_error(ctx, "eval_builtin_error", "out of memory");
}

int bi_operand_err(struct rego_bi_ctx *ctx, int pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rego_bi_error(ctx, "eval_type_error", "operand %d %s", pos, msg);
}

int bi_elem_err(struct rego_bi_ctx *ctx, int pos, const struct value *composite,
                const char *elem_want, const struct value *elem)
{
    const char *ct = value_type_name((enum value_type)composite->type);
    return bi_operand_err(ctx, pos, "must be %s of %ss but got %s containing %s", ct, elem_want, ct,
                          value_type_name((enum value_type)elem->type));
}

/* ---- operands ---- */

int bi_want(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, enum value_type t)
{
    if (v_is(args[i], t))
        return 0;
    return rego_bi_type_error(ctx, (int)i + 1, value_type_name(t), args[i]);
}

int bi_want_int(struct rego_bi_ctx *ctx, struct value *const *args, size_t i, int64_t *out)
{
    TRY(bi_want(ctx, args, i, V_NUMBER));
    if (!bi_num_int64(args[i], out))
        return bi_operand_err(ctx, (int)i + 1, "must be integer number but got floating-point number");
    return 0;
}

int bi_want_strings(struct rego_bi_ctx *ctx, struct value *const *args, size_t i,
                    struct value ***strs, size_t *n)
{
    const struct value *v = args[i];
    if (!v_is(v, V_ARRAY) && !v_is(v, V_SET))
        return rego_bi_type_error(ctx, (int)i + 1, "one of {array, set}", v);
    for (size_t k = 0; k < v->u.arr.len; k++)
        if (!v_is(v->u.arr.items[k], V_STRING))
            return bi_elem_err(ctx, (int)i + 1, v, "string", v->u.arr.items[k]);
    *strs = v->u.arr.items;
    *n = v->u.arr.len;
    return 0;
}

/* ---- results ---- */

struct value *bi_str(struct rego_bi_ctx *ctx, const char *s, size_t n)
{
    return v_string(ctx->arena, s ? s : "", n);
}

struct value *bi_buf_str(struct rego_bi_ctx *ctx, struct buf *b)
{
    struct value *v = NULL;
    if (!buf_failed(b))
        v = v_string(ctx->arena, b->data ? b->data : "", b->len);
    buf_free(b);
    return v;
}

/* ---- numbers ---- */

static bool double_is_int64(double d)
{
    return isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0;
}

bool bi_num_int64(const struct value *v, int64_t *out)
{
    if (!v_is(v, V_NUMBER))
        return false;
    switch (v->num_kind) {
    case NUM_INT:
        *out = v->u.num.i;
        return true;
    case NUM_FLOAT:
        if (v->u.num.text)
            return false; /* written with a fraction or exponent */
        if (!double_is_int64(v->u.num.d))
            return false;
        *out = (int64_t)v->u.num.d;
        return true;
    default:
        return false;
    }
}

/* Parses a JSON number literal exactly into q.  Exponents beyond a sane
 * range fail (the caller then uses the double). */
static bool decimal_text_mpq(const char *t, mpq_t q)
{
    bool neg = false;
    if (*t == '-' || *t == '+')
        neg = *t++ == '-';
    size_t n = strlen(t);
    char *digits = malloc(n + 1);
    if (!digits)
        return false;
    size_t nd = 0;
    long frac = 0;
    bool in_frac = false;
    const char *p = t;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            in_frac = true;
            continue;
        }
        if (!isdigit((unsigned char)*p)) {
            free(digits);
            return false;
        }
        digits[nd++] = *p;
        frac += in_frac;
    }
    digits[nd] = '\0';
    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        char *end;
        exp = strtol(p + 1, &end, 10);
        if (*end || exp > 100000 || exp < -100000) {
            free(digits);
            return false;
        }
    }
    mpz_t num, pow10;
    mpz_init(num);
    mpz_init(pow10);
    if (nd == 0 || mpz_set_str(num, digits, 10) != 0)
        mpz_set_ui(num, 0);
    free(digits);
    if (neg)
        mpz_neg(num, num);
    long scale = exp - frac;
    mpz_ui_pow_ui(pow10, 10, (unsigned long)(scale < 0 ? -scale : scale));
    if (scale >= 0) {
        mpz_mul(num, num, pow10);
        mpq_set_z(q, num);
    } else {
        mpq_set_num(q, num);
        mpq_set_den(q, pow10);
        mpq_canonicalize(q);
    }
    mpz_clear(num);
    mpz_clear(pow10);
    return true;
}

bool bi_num_mpq(const struct value *v, mpq_t q)
{
    if (!v_is(v, V_NUMBER))
        return false;
    switch (v->num_kind) {
    case NUM_INT:
        mpq_set_si(q, 0, 1);
        {
            mpz_t z;
            mpz_init(z);
            mpz_set_si(z, v->u.num.i);
            mpq_set_z(q, z);
            mpz_clear(z);
        }
        return true;
    case NUM_BIG:
        if (v->u.num.text && decimal_text_mpq(v->u.num.text, q))
            return true;
        break;
    default:
        if (v->u.num.text && decimal_text_mpq(v->u.num.text, q))
            return true;
        break;
    }
    if (!isfinite(v->u.num.d))
        return false;
    mpq_set_d(q, v->u.num.d);
    return true;
}

bool bi_num_mpz(const struct value *v, mpz_t z)
{
    if (!v_is(v, V_NUMBER))
        return false;
    if (v->num_kind == NUM_INT) {
        mpz_set_si(z, v->u.num.i);
        return true;
    }
    mpq_t q;
    mpq_init(q);
    bool ok = bi_num_mpq(v, q) && mpz_cmp_ui(mpq_denref(q), 1) == 0;
    if (ok)
        mpz_set(z, mpq_numref(q));
    mpq_clear(q);
    return ok;
}

struct value *bi_num_from_mpz(struct arena *a, const mpz_t z)
{
    if (mpz_fits_slong_p(z))
        return v_int(a, mpz_get_si(z));
    char *s = arena_alloc(a, mpz_sizeinbase(z, 10) + 2);
    if (!s)
        return NULL;
    mpz_get_str(s, 10, z);
    return v_number_text(a, s, strlen(s));
}

struct value *bi_num_from_double(struct arena *a, double d)
{
    if (double_is_int64(d))
        return v_int(a, (int64_t)d);
    if (isfinite(d) && d == floor(d)) {
        mpz_t z;
        mpz_init(z);
        mpz_set_d(z, d);
        struct value *v = bi_num_from_mpz(a, z);
        mpz_clear(z);
        return v;
    }
    return v_float(a, d);
}

void bi_num_text(struct buf *b, const struct value *v)
{
    switch (v->num_kind) {
    case NUM_INT:
        buf_printf(b, "%lld", (long long)v->u.num.i);
        return;
    case NUM_BIG:
        buf_puts(b, v->u.num.text ? v->u.num.text : "0");
        return;
    default:
        if (v->u.num.text) {
            buf_puts(b, v->u.num.text);
            return;
        }
        if (isfinite(v->u.num.d) && v->u.num.d == floor(v->u.num.d))
            bi_go_float(b, v->u.num.d, 'f', -1);
        else
            bi_go_float(b, v->u.num.d, 'g', -1);
    }
}

/* ---- Go float formatting ---- */

/* Decimal digits of |d| (no leading/trailing zeros) with the decimal point
 * position dp: |d| = 0.<digits> * 10^dp.  sig < 0: shortest round trip;
 * else rounded to sig significant digits. */
struct decimal_digits {
    char d[40];
    int nd, dp;
};

static void digits_of_text(const char *tmp, struct decimal_digits *out);

static void float_digits(double d, int sig, struct decimal_digits *out)
{
    char tmp[64];
    d = fabs(d);
    out->nd = 0;
    out->dp = 0;
    if (d == 0)
        return;
    if (sig < 0) {
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
            if (strtod(tmp, NULL) == d)
                break;
        }
    } else {
        if (sig > 30)
            sig = 30;
        snprintf(tmp, sizeof(tmp), "%.*e", sig - 1 < 0 ? 0 : sig - 1, d);
    }
    digits_of_text(tmp, out);
}

/* Shortest digits of a 64-bit-mantissa float (Go's big.Float default). */
static void ldouble_digits(long double d, struct decimal_digits *out)
{
    char tmp[64];
    d = fabsl(d);
    out->nd = 0;
    out->dp = 0;
    if (d == 0)
        return;
    for (int p = 1; p <= 21; p++) {
        snprintf(tmp, sizeof(tmp), "%.*Le", p - 1, d);
        if (strtold(tmp, NULL) == d)
            break;
    }
    digits_of_text(tmp, out);
}

static void digits_of_text(const char *tmp, struct decimal_digits *out)
{
    const char *e = strchr(tmp, 'e');
    int exp = atoi(e + 1);
    out->nd = 0;
    for (const char *p = tmp; p < e; p++)
        if (isdigit((unsigned char)*p))
            out->d[out->nd++] = *p;
    while (out->nd > 0 && out->d[out->nd - 1] == '0')
        out->nd--;
    out->dp = exp + 1;
}

static void fmt_e(struct buf *b, const struct decimal_digits *g, int prec, char e)
{
    buf_putc(b, g->nd ? g->d[0] : '0');
    if (prec > 0) {
        buf_putc(b, '.');
        for (int i = 1; i <= prec; i++)
            buf_putc(b, i < g->nd ? g->d[i] : '0');
    }
    int exp = g->nd ? g->dp - 1 : 0;
    buf_printf(b, "%c%c%02d", e, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static void fmt_f(struct buf *b, const struct decimal_digits *g, int prec)
{
    if (g->dp > 0)
        for (int i = 0; i < g->dp; i++)
            buf_putc(b, i < g->nd ? g->d[i] : '0');
    else
        buf_putc(b, '0');
    if (prec > 0) {
        buf_putc(b, '.');
        for (int i = 0; i < prec; i++) {
            int j = g->dp + i;
            buf_putc(b, j >= 0 && j < g->nd ? g->d[j] : '0');
        }
    }
}

void bi_go_float(struct buf *b, double d, char verb, int prec)
{
    if (isnan(d)) {
        buf_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        buf_puts(b, d > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (signbit(d))
        buf_putc(b, '-');
    struct decimal_digits g;
    bool upper = verb == 'E' || verb == 'G';
    switch (verb) {
    case 'e':
    case 'E':
        float_digits(d, prec < 0 ? -1 : prec + 1, &g);
        fmt_e(b, &g, prec < 0 ? (g.nd > 1 ? g.nd - 1 : 0) : prec, upper ? 'E' : 'e');
        return;
    case 'f':
    case 'F':
        if (prec >= 0) {
            char *tmp = NULL;
            int n = asprintf(&tmp, "%.*f", prec, fabs(d));
            if (n >= 0)
                buf_append(b, tmp, (size_t)n);
            free(tmp);
            return;
        }
        float_digits(d, -1, &g);
        fmt_f(b, &g, g.nd - g.dp > 0 ? g.nd - g.dp : 0);
        return;
    default: { /* g, G */
        bool shortest = prec < 0;
        if (prec == 0)
            prec = 1;
        float_digits(d, shortest ? -1 : prec, &g);
        int eprec = shortest ? 6 : prec;
        if (!shortest && eprec > g.nd && g.nd >= g.dp)
            eprec = g.nd;
        int exp = g.dp - 1;
        if (g.nd == 0)
            exp = 0;
        if (exp < -4 || exp >= eprec) {
            fmt_e(b, &g, g.nd > 1 ? g.nd - 1 : 0, upper ? 'E' : 'e');
            return;
        }
        fmt_f(b, &g, g.nd - g.dp > 0 ? g.nd - g.dp : 0);
        return;
    }
    }
}

static void go_g_shortest(struct buf *b, const struct decimal_digits *g)
{
    int exp = g->nd ? g->dp - 1 : 0;
    if (exp < -4 || exp >= 6)
        fmt_e(b, g, g->nd > 1 ? g->nd - 1 : 0, 'e');
    else
        fmt_f(b, g, g->nd - g->dp > 0 ? g->nd - g->dp : 0);
}

long double bi_num_ld(const struct value *v)
{
    if (v->num_kind == NUM_INT)
        return (long double)v->u.num.i;
    if (v->u.num.text)
        return strtold(v->u.num.text, NULL);
    return (long double)v->u.num.d;
}

struct value *bi_num_from_ldouble(struct arena *a, long double d)
{
    if (!isfinite(d))
        return v_float(a, (double)d);
    char tmp[64];
    if (d == floorl(d)) {
        if (d >= -9223372036854775808.0L && d < 9223372036854775808.0L)
            return v_int(a, (int64_t)d);
        char *big = arena_sprintf(a, "%.0Lf", d);
        return big ? v_number_text(a, big, strlen(big)) : NULL;
    }
    struct decimal_digits g;
    ldouble_digits(d, &g);
    struct buf b = BUF_INIT;
    if (signbit(d))
        buf_putc(&b, '-');
    go_g_shortest(&b, &g);
    if (buf_failed(&b) || b.len >= sizeof(tmp)) {
        buf_free(&b);
        return v_float(a, (double)d);
    }
    memcpy(tmp, b.data, b.len + 1);
    buf_free(&b);
    return v_number_text(a, tmp, strlen(tmp));
}

/* ---- UTF-8 ---- */

size_t bi_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    *cp = 0xFFFD;
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 1;
    }
    if (n < len)
        return 1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return len;
}

size_t bi_utf8_encode(uint32_t cp, char out[4])
{
    /* Go's utf8.EncodeRune: invalid code points become U+FFFD */
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    return utf8_encode(out, cp);
}

size_t bi_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    uint32_t cp;
    for (size_t i = 0; i < n; count++)
        i += bi_utf8_decode(s + i, n - i, &cp);
    return count;
}

size_t *bi_utf8_offsets(struct arena *a, const char *s, size_t n, size_t *count)
{
    size_t c = bi_utf8_count(s, n);
    size_t *offs = arena_alloc(a, (c + 1) * sizeof(*offs));
    if (!offs)
        return NULL;
    uint32_t cp;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        offs[k++] = i;
        i += bi_utf8_decode(s + i, n - i, &cp);
    }
    offs[k] = n;
    *count = c;
    return offs;
}

static locale_t g_utf8_locale;
static pthread_once_t g_locale_once = PTHREAD_ONCE_INIT;

static void locale_init(void)
{
    g_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

uint32_t bi_rune_lower(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    pthread_once(&g_locale_once, locale_init);
    return g_utf8_locale ? (uint32_t)towlower_l((wint_t)c, g_utf8_locale) : c;
}

uint32_t bi_rune_upper(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? c - 32 : c;
    pthread_once(&g_locale_once, locale_init);
    return g_utf8_locale ? (uint32_t)towupper_l((wint_t)c, g_utf8_locale) : c;
}

bool bi_rune_is_space(uint32_t c)
{
    switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

/* ---- text of values ---- */

static bool rune_printable(uint32_t c)
{
    if (c < 0x20 || c == 0x7F)
        return false;
    if (c >= 0x80 && c < 0xA0)
        return false;
    if (c == 0xAD || c == 0xFFFD + 1 || (c >= 0xFFF9 && c <= 0xFFFB) || c == 0xFEFF)
        return false;
    if (c >= 0x2028 && c <= 0x202E)
        return false;
    if (c >= 0x200B && c <= 0x200F)
        return false;
    if (c >= 0x2060 && c <= 0x206F)
        return false;
    if (c >= 0xE000 && c <= 0xF8FF)
        return false; /* private use */
    if ((c & 0xFFFE) == 0xFFFE)
        return false;
    return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
}

void bi_go_quote(struct buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t w = bi_utf8_decode(s + i, n - i, &c);
        if (c == 0xFFFD && w == 1 && !((unsigned char)s[i] < 0x80)) {
            buf_printf(b, "\\x%02x", (unsigned char)s[i]);
            i++;
            continue;
        }
        i += w;
        switch (c) {
        case '"': buf_puts(b, "\\\""); continue;
        case '\\': buf_puts(b, "\\\\"); continue;
        case '\a': buf_puts(b, "\\a"); continue;
        case '\b': buf_puts(b, "\\b"); continue;
        case '\f': buf_puts(b, "\\f"); continue;
        case '\n': buf_puts(b, "\\n"); continue;
        case '\r': buf_puts(b, "\\r"); continue;
        case '\t': buf_puts(b, "\\t"); continue;
        case '\v': buf_puts(b, "\\v"); continue;
        default: break;
        }
        if (rune_printable(c)) {
            buf_append(b, s + i - w, w);
        } else if (c < 0x20 || c == 0x7F) {
            buf_printf(b, "\\x%02x", c);
        } else if (c < 0x10000) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_printf(b, "\\U%08x", c);
        }
    }
    buf_putc(b, '"');
}

void bi_go_value_text(struct buf *b, const struct value *v)
{
    switch (v->type) {
    case V_NULL:
        buf_puts(b, "<nil>");
        return;
    case V_STRING:
        buf_append(b, v->u.str.s, v->u.str.len);
        return;
    case V_ARRAY:
    case V_SET:
        buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i)
                buf_putc(b, ' ');
            bi_go_value_text(b, v->u.arr.items[i]);
        }
        buf_putc(b, ']');
        return;
    case V_OBJECT:
        buf_puts(b, "map[");
        for (size_t i = 0; i < v->u.obj.len; i++) {
            if (i)
                buf_putc(b, ' ');
            bi_go_value_text(b, v->u.obj.pairs[i].key);
            buf_putc(b, ':');
            bi_go_value_text(b, v->u.obj.pairs[i].val);
        }
        buf_putc(b, ']');
        return;
    default: /* booleans, numbers (json.Number: its text) */
        bi_value_text(b, v);
    }
}

void bi_value_text(struct buf *b, const struct value *v)
{
    switch (v->type) {
    case V_NULL:
        buf_puts(b, "null");
        return;
    case V_BOOL:
        buf_puts(b, v->u.b ? "true" : "false");
        return;
    case V_NUMBER:
        bi_num_text(b, v);
        return;
    case V_STRING:
        bi_go_quote(b, v->u.str.s, v->u.str.len);
        return;
    case V_ARRAY:
    case V_SET:
        if (v->type == V_SET && v->u.arr.len == 0) {
            buf_puts(b, "set()");
            return;
        }
        buf_putc(b, v->type == V_SET ? '{' : '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i)
                buf_puts(b, ", ");
            bi_value_text(b, v->u.arr.items[i]);
        }
        buf_putc(b, v->type == V_SET ? '}' : ']');
        return;
    case V_OBJECT:
        buf_putc(b, '{');
        for (size_t i = 0; i < v->u.obj.len; i++) {
            if (i)
                buf_puts(b, ", ");
            bi_value_text(b, v->u.obj.pairs[i].key);
            buf_puts(b, ": ");
            bi_value_text(b, v->u.obj.pairs[i].val);
        }
        buf_putc(b, '}');
        return;
    }
}

/* ---- calling another built-in ---- */

int bi_call(struct rego_bi_ctx *ctx, const char *name, struct value *const *args, size_t nargs,
            struct value **out, const char **msg)
{
    const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
    if (!b)
        return bi_err(ctx, "internal: built-in %s missing", name);
    struct as_error sub_err;
    struct rego_bi_ctx sub = *ctx;
    sub.name = name;
    sub.err = &sub_err;
    sub.err_code = NULL;
    *out = NULL;
    if (b->fn(&sub, args, nargs, out) == 0)
        return 0;
    if (msg) {
        const char *d = sub_err.detail;
        size_t pre = strlen(name);
        if (strncmp(d, name, pre) == 0 && d[pre] == ':' && d[pre + 1] == ' ')
            d += pre + 2;
        *msg = arena_strdup(ctx->arena, d);
        if (!*msg)
            *msg = "out of memory";
    }
    return -1;
}

/* ---- PEM (Go's encoding/pem) ---- */

/* getLine: the line up to \n or \r\n without trailing spaces/tabs; *next
 * is what follows the newline. */
static size_t pem_line(const char *s, size_t n, size_t *next)
{
    const char *nl = memchr(s, '\n', n);
    size_t end = nl ? (size_t)(nl - s) : n;
    *next = nl ? end + 1 : n;
    if (nl && end > 0 && s[end - 1] == '\r')
        end--;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    return end;
}

static const char *mem_find(const char *s, size_t n, const char *pat)
{
    size_t m = strlen(pat);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, m) == 0)
            return s + i;
    return NULL;
}

/* Decodes the body between the header lines and the END line. */
static int pem_body(struct arena *a, const char *s, size_t n, struct bi_pem_block *blk)
{
    char *clean = arena_alloc(a, n + 1);
    if (!clean)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            clean[m++] = s[i];
    uint8_t *der;
    size_t der_len;
    const char *why;
    if (b64_decode(a, clean, m, B64_STD_PAD, &der, &der_len, &why) < 0)
        return 0;
    blk->der = der;
    blk->der_len = der_len;
    return 1;
}

/* One attempt at the block whose "-----BEGIN " ends at s[0]; 1 = block,
 * 0 = malformed (the caller searches on from *next), -1 = OOM. */
static int pem_try(struct arena *a, const char *s, size_t n, struct bi_pem_block *blk,
                   size_t *next, size_t *after)
{
    size_t type_len = pem_line(s, n, next);
    if (type_len < 5 || memcmp(s + type_len - 5, "-----", 5) != 0)
        return 0;
    type_len -= 5;
    const char *r = s + *next;
    size_t rn = n - *next;
    blk->nheaders = 0;
    for (;;) {
        if (rn == 0)
            return 0;
        size_t ln_next, ln = pem_line(r, rn, &ln_next);
        if (!memchr(r, ':', ln))
            break;
        blk->nheaders++;
        r += ln_next;
        rn -= ln_next;
    }
    size_t end_at, trailer_at;
    if (blk->nheaders == 0 && rn >= 9 && memcmp(r, "-----END ", 9) == 0) {
        end_at = 0;
        trailer_at = 9;
    } else {
        const char *e = mem_find(r, rn, "\n-----END ");
        if (!e)
            return 0;
        end_at = (size_t)(e - r);
        trailer_at = end_at + 10;
    }
    if (rn - trailer_at < type_len + 5 || memcmp(r + trailer_at, s, type_len) != 0 ||
        memcmp(r + trailer_at + type_len, "-----", 5) != 0)
        return 0;
    size_t tail = trailer_at + type_len + 5, tail_next;
    if (pem_line(r + tail, rn - tail, &tail_next) != 0)
        return 0;
    int rc = pem_body(a, r, end_at, blk);
    if (rc <= 0)
        return rc;
    char *type = arena_alloc(a, type_len + 1);
    if (!type)
        return -1;
    memcpy(type, s, type_len);
    type[type_len] = '\0';
    blk->type = type;
    /* rest: after the line holding the END marker */
    size_t end_line = end_at + (end_at == 0 && trailer_at == 9 ? 0 : 1), rest_next;
    pem_line(r + end_line, rn - end_line, &rest_next);
    *after = (size_t)(r - s) + end_line + rest_next;
    return 1;
}

int bi_pem_decode(struct arena *a, const char *s, size_t n, struct bi_pem_block *blk,
                  const char **rest, size_t *rest_len)
{
    size_t pos = 0;
    for (;;) {
        size_t start;
        if (n - pos >= 11 && memcmp(s + pos, "-----BEGIN ", 11) == 0) {
            start = pos + 11;
        } else {
            const char *b = mem_find(s + pos, n - pos, "\n-----BEGIN ");
            if (!b)
                break;
            start = (size_t)(b - s) + 12;
        }
        size_t next, after;
        int rc = pem_try(a, s + start, n - start, blk, &next, &after);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            *rest = s + start + after;
            *rest_len = n - start - after;
            return 1;
        }
        pos = start + next;
    }
    *rest = s;
    *rest_len = n;
    return 0;
}
