/* bi_sprintf.c - sprintf: Go's fmt.Sprintf over the argument kinds OPA
 * passes to it.
 *
 * OPA hands Go's fmt each array element as: an int when the number's text
 * is an int64, a *big.Int when it is a longer integer, a float64 when it
 * is any other finite number, else its text; a string as a string; any
 * other value as its Rego text (so booleans, null and composites are
 * strings to fmt).  This file re-implements the part of fmt that those four
 * kinds reach: flags + - # 0 space, width and precision (also *), argument
 * indexes [n], the verbs of each kind, and fmt's error forms (%!d(string=x),
 * %!d(MISSING), %!(EXTRA ...), %!(NOVERB)). */
#include "rego/bi_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum farg_kind { FA_INT, FA_BIG, FA_FLOAT, FA_STR };

struct farg {
    enum farg_kind kind;
    int64_t i;
    double d;
    const char *s; /* FA_STR: bytes; FA_BIG: decimal text */
    size_t n;
};

struct fspec {
    bool plus, minus, sharp, space, zero;
    bool wid_p, prec_p;
    int wid, prec;
};

static const char *farg_type(const struct farg *a)
{
    switch (a->kind) {
    case FA_INT: return "int";
    case FA_BIG: return "*big.Int";
    case FA_FLOAT: return "float64";
    default: return "string";
    }
}

/* Pads content (of rune width w) to the spec's width. */
static void pad(struct buf *b, const struct fspec *f, const char *s, size_t n, bool zero_ok)
{
    size_t w = bi_utf8_count(s, n);
    size_t fill = f->wid_p && (size_t)f->wid > w ? (size_t)f->wid - w : 0;
    if (f->minus) {
        buf_append(b, s, n);
        for (size_t i = 0; i < fill; i++)
            buf_putc(b, ' ');
        return;
    }
    for (size_t i = 0; i < fill; i++)
        buf_putc(b, f->zero && zero_ok ? '0' : ' ');
    buf_append(b, s, n);
}

/* ---- integers (int and *big.Int share this: digits come as text) ---- */

static void fmt_integer_digits(struct buf *b, const struct fspec *f, bool neg, const char *digits,
                               int base, bool upper_prefix, char verb)
{
    size_t nd = strlen(digits);
    struct buf t = BUF_INIT;
    if (f->prec_p && f->prec == 0 && nd == 1 && digits[0] == '0') {
        pad(b, f, "", 0, false);
        return;
    }
    int prec = 0;
    if (f->prec_p)
        prec = f->prec;
    else if (f->zero && !f->minus && f->wid_p) {
        prec = f->wid;
        if (neg || f->plus || f->space)
            prec--;
    }
    if (neg)
        buf_putc(&t, '-');
    else if (f->plus)
        buf_putc(&t, '+');
    else if (f->space)
        buf_putc(&t, ' ');
    if (f->sharp || verb == 'O') {
        if (base == 16)
            buf_puts(&t, upper_prefix ? "0X" : "0x");
        else if (base == 2)
            buf_puts(&t, "0b");
        else if (base == 8 && verb == 'O')
            buf_puts(&t, "0o");
        else if (base == 8 && digits[0] != '0' && (!f->prec_p || (size_t)prec <= nd))
            buf_putc(&t, '0');
    }
    for (size_t i = nd; (int)i < prec; i++)
        buf_putc(&t, '0');
    buf_append(&t, digits, nd);
    struct fspec nozero = *f;
    nozero.zero = false;
    if (!buf_failed(&t))
        pad(b, &nozero, t.data, t.len, false);
    buf_free(&t);
}

static void fmt_rune(struct buf *b, const struct fspec *f, int64_t c, bool quoted)
{
    uint32_t cp = (c < 0 || c > 0x10FFFF) ? 0xFFFD : (uint32_t)c;
    char enc[4];
    size_t n = bi_utf8_encode(cp, enc);
    if (!quoted) {
        pad(b, f, enc, n, true);
        return;
    }
    struct buf t = BUF_INIT;
    struct buf q = BUF_INIT;
    bi_go_quote(&q, enc, n);
    buf_putc(&t, '\'');
    if (!buf_failed(&q) && q.len >= 2) {
        const char *inner = q.data + 1;
        size_t in = q.len - 2;
        if (in == 2 && inner[0] == '\\' && inner[1] == '"')
            buf_putc(&t, '"');
        else if (in == 1 && inner[0] == '\'')
            buf_puts(&t, "\\'");
        else
            buf_append(&t, inner, in);
    }
    buf_putc(&t, '\'');
    buf_free(&q);
    if (!buf_failed(&t))
        pad(b, f, t.data, t.len, true);
    buf_free(&t);
}

/* Formats an integer given as sign + magnitude in an mpz. */
static void fmt_mpz(struct buf *b, const struct fspec *f, const mpz_t z, char verb)
{
    int base = 10;
    switch (verb) {
    case 'b': base = 2; break;
    case 'o': case 'O': base = 8; break;
    case 'x': case 'X': base = 16; break;
    default: break;
    }
    mpz_t mag;
    mpz_init(mag);
    mpz_abs(mag, z);
    char *digits = malloc(mpz_sizeinbase(mag, base) + 2);
    if (!digits) {
        mpz_clear(mag);
        b->failed = true;
        return;
    }
    mpz_get_str(digits, verb == 'X' ? -16 : base, mag);
    fmt_integer_digits(b, f, mpz_sgn(z) < 0, digits, base, verb == 'X', verb);
    free(digits);
    mpz_clear(mag);
}

/* The same for an int64, without GMP (the common case). */
static void fmt_int64(struct buf *b, const struct fspec *f, int64_t i, char verb)
{
    unsigned base = verb == 'b' ? 2 : verb == 'o' || verb == 'O' ? 8 : verb == 'x' || verb == 'X' ? 16 : 10;
    const char *set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    char tmp[65], digits[66];
    size_t n = 0;
    do {
        tmp[n++] = set[mag % base];
        mag /= base;
    } while (mag);
    for (size_t k = 0; k < n; k++)
        digits[k] = tmp[n - 1 - k];
    digits[n] = '\0';
    fmt_integer_digits(b, f, i < 0, digits, (int)base, verb == 'X', verb);
}

static void fmt_farg_v(struct buf *b, const struct farg *a);

static void bad_verb(struct buf *b, char verb, const struct farg *a)
{
    buf_printf(b, "%%!%c(%s=", verb, a->kind == FA_BIG ? "big.Int" : farg_type(a));
    fmt_farg_v(b, a);
    buf_putc(b, ')');
}

static void fmt_int(struct buf *b, const struct fspec *f, const struct farg *a, char verb)
{
    switch (verb) {
    case 'c':
        fmt_rune(b, f, a->i, false);
        return;
    case 'q':
        fmt_rune(b, f, a->i, true);
        return;
    case 'U': {
        struct buf t = BUF_INIT;
        buf_printf(&t, "U+%04llX", (unsigned long long)a->i);
        if (f->sharp && a->i >= 0 && a->i <= 0x10FFFF) {
            char enc[4];
            size_t n = bi_utf8_encode((uint32_t)a->i, enc);
            buf_puts(&t, " '");
            buf_append(&t, enc, n);
            buf_putc(&t, '\'');
        }
        if (!buf_failed(&t))
            pad(b, f, t.data, t.len, true);
        buf_free(&t);
        return;
    }
    case 'd': case 'v': case 'b': case 'o': case 'O': case 'x': case 'X':
        fmt_int64(b, f, a->i, verb);
        return;
    default:
        bad_verb(b, verb, a);
    }
}

static void fmt_big(struct buf *b, const struct fspec *f, const struct farg *a, char verb)
{
    switch (verb) {
    case 'd': case 's': case 'v': case 'b': case 'o': case 'O': case 'x': case 'X': {
        mpz_t z;
        mpz_init(z);
        mpz_set_str(z, a->s, 10);
        fmt_mpz(b, f, z, verb == 's' || verb == 'v' ? 'd' : verb);
        mpz_clear(z);
        return;
    }
    default:
        bad_verb(b, verb, a);
    }
}

/* ---- floats ---- */

static void fmt_float(struct buf *b, const struct fspec *f, double d, char verb)
{
    int prec = -1;
    char v = verb;
    switch (verb) {
    case 'v':
        v = 'g';
        break;
    case 'e': case 'E': case 'f': case 'F':
        prec = f->prec_p ? f->prec : 6;
        break;
    default:
        if (f->prec_p)
            prec = f->prec;
    }
    struct buf num = BUF_INIT;
    bi_go_float(&num, d, v, prec);
    if (buf_failed(&num)) {
        b->failed = true;
        return;
    }
    const char *s = num.data;
    size_t n = num.len;
    struct buf t = BUF_INIT;
    bool neg = s[0] == '-';
    bool is_inf = isinf(d);
    if (neg || (s[0] == '+' && is_inf)) {
        s++;
        n--;
    }
    if (f->sharp && v != 'b' && !isnan(d) && !is_inf) {
        /* '#': keep a decimal point; %g keeps trailing zeros. */
        bool has_dot = memchr(s, '.', n) != NULL;
        const char *e = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == 'e' || s[i] == 'E')
                e = s + i;
        size_t mant = e ? (size_t)(e - s) : n;
        struct buf m = BUF_INIT;
        buf_append(&m, s, mant);
        if (!has_dot)
            buf_putc(&m, '.');
        if (v == 'g' || v == 'G') {
            int digits = 0;
            for (size_t i = 0; i < mant; i++)
                if (s[i] >= '0' && s[i] <= '9' && (digits || s[i] != '0'))
                    digits++;
            int want = prec < 0 ? 6 : (prec == 0 ? 1 : prec);
            if (digits == 0)
                digits = 1;
            for (int i = digits; i < want && prec >= 0; i++)
                buf_putc(&m, '0');
        }
        if (e)
            buf_append(&m, e, n - mant);
        buf_free(&num);
        num = m;
        s = num.data;
        n = num.len;
    }
    char sign = neg ? '-' : (f->plus ? '+' : (f->space ? ' ' : 0));
    if (is_inf && !sign)
        sign = f->plus ? '+' : 0;
    if (f->zero && !f->minus && f->wid_p && !is_inf && !isnan(d)) {
        size_t len = n + (sign ? 1 : 0);
        if (sign)
            buf_putc(&t, sign);
        for (size_t i = len; (int)i < f->wid; i++)
            buf_putc(&t, '0');
        buf_append(&t, s, n);
        struct fspec nz = *f;
        nz.zero = false;
        pad(b, &nz, t.data, t.len, false);
    } else {
        if (sign)
            buf_putc(&t, sign);
        buf_append(&t, s, n);
        struct fspec nz = *f;
        nz.zero = false;
        if (!buf_failed(&t))
            pad(b, &nz, t.data, t.len, false);
    }
    buf_free(&t);
    buf_free(&num);
}

static void fmt_float_arg(struct buf *b, const struct fspec *f, const struct farg *a, char verb)
{
    switch (verb) {
    case 'v': case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        fmt_float(b, f, a->d, verb);
        return;
    default:
        bad_verb(b, verb, a);
    }
}

/* ---- strings ---- */

static void fmt_hex_bytes(struct buf *b, const struct fspec *f, const char *s, size_t n, bool upper)
{
    struct buf t = BUF_INIT;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t len = n;
    if (f->prec_p && (size_t)f->prec < len)
        len = (size_t)f->prec;
    for (size_t i = 0; i < len; i++) {
        if (f->space && i > 0)
            buf_putc(&t, ' ');
        if (f->sharp && (f->space || i == 0))
            buf_puts(&t, upper ? "0X" : "0x");
        unsigned char c = (unsigned char)s[i];
        buf_putc(&t, digits[c >> 4]);
        buf_putc(&t, digits[c & 15]);
    }
    if (!buf_failed(&t))
        pad(b, f, t.data ? t.data : "", t.len, true);
    buf_free(&t);
}

static void fmt_string(struct buf *b, const struct fspec *f, const struct farg *a, char verb)
{
    const char *s = a->s;
    size_t n = a->n;
    switch (verb) {
    case 'v':
    case 's': {
        if (f->prec_p) {
            uint32_t cp;
            size_t i = 0;
            for (int r = 0; r < f->prec && i < n; r++)
                i += bi_utf8_decode(s + i, n - i, &cp);
            n = i;
        }
        pad(b, f, s, n, true);
        return;
    }
    case 'q': {
        struct buf t = BUF_INIT;
        if (f->sharp && !memchr(s, '`', n) && !memchr(s, '\n', n)) {
            buf_putc(&t, '`');
            buf_append(&t, s, n);
            buf_putc(&t, '`');
        } else {
            bi_go_quote(&t, s, n);
        }
        if (!buf_failed(&t))
            pad(b, f, t.data, t.len, true);
        buf_free(&t);
        return;
    }
    case 'x':
    case 'X':
        fmt_hex_bytes(b, f, s, n, verb == 'X');
        return;
    default:
        bad_verb(b, verb, a);
    }
}

static void fmt_farg_v(struct buf *b, const struct farg *a)
{
    struct fspec plain = {0};
    switch (a->kind) {
    case FA_INT: fmt_int(b, &plain, a, 'v'); break;
    case FA_BIG: fmt_big(b, &plain, a, 'v'); break;
    case FA_FLOAT: fmt_float(b, &plain, a->d, 'v'); break;
    default: buf_append(b, a->s, a->n); break;
    }
}

static void fmt_arg(struct buf *b, const struct fspec *f, const struct farg *a, char verb)
{
    if (verb == 'T') {
        struct fspec g = *f;
        pad(b, &g, farg_type(a), strlen(farg_type(a)), true);
        return;
    }
    switch (a->kind) {
    case FA_INT: fmt_int(b, f, a, verb); break;
    case FA_BIG: fmt_big(b, f, a, verb); break;
    case FA_FLOAT: fmt_float_arg(b, f, a, verb); break;
    default: fmt_string(b, f, a, verb); break;
    }
}

/* ---- the format string ---- */

static int parse_num(const char *s, size_t n, size_t *i, int *out)
{
    if (*i >= n || s[*i] < '0' || s[*i] > '9')
        return 0;
    long v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        if (v > 1000000)
            return -1; /* Go: a huge number is "bad width" */
        (*i)++;
    }
    *out = (int)v;
    return 1;
}

struct fstate {
    const struct farg *args;
    size_t nargs, next;
    bool reordered, good_argnum;
};

/* Parses "[n]" at s[*i]; sets the next argument index. */
static void arg_index(struct fstate *st, const char *s, size_t n, size_t *i)
{
    if (*i >= n || s[*i] != '[')
        return;
    st->reordered = true;
    size_t j = *i + 1;
    int v = 0;
    bool ok = parse_num(s, n, &j, &v) == 1 && j < n && s[j] == ']';
    if (!ok) {
        /* skip to ']' if any */
        while (j < n && s[j] != ']')
            j++;
        st->good_argnum = false;
        *i = j < n ? j + 1 : n;
        return;
    }
    if (v < 1 || (size_t)v > st->nargs)
        st->good_argnum = false;
    else
        st->next = (size_t)v - 1;
    *i = j + 1;
}

/* Width or precision from '*': must be an int argument. */
static bool star_arg(struct fstate *st, int *out)
{
    if (st->next >= st->nargs)
        return false;
    const struct farg *a = &st->args[st->next++];
    if (a->kind != FA_INT || a->i > 1000000 || a->i < -1000000)
        return false;
    *out = (int)a->i;
    return true;
}

static void go_sprintf(struct buf *b, const char *s, size_t n, const struct farg *args, size_t nargs)
{
    struct fstate st = {args, nargs, 0, false, true};
    for (size_t i = 0; i < n;) {
        if (s[i] != '%') {
            size_t j = i;
            while (j < n && s[j] != '%')
                j++;
            buf_append(b, s + i, j - i);
            i = j;
            continue;
        }
        i++;
        struct fspec f = {0};
        for (; i < n; i++) {
            char c = s[i];
            if (c == '+') f.plus = true;
            else if (c == '-') { f.minus = true; f.zero = false; }
            else if (c == '#') f.sharp = true;
            else if (c == ' ') f.space = true;
            else if (c == '0') f.zero = !f.minus;
            else break;
        }
        st.good_argnum = true;
        arg_index(&st, s, n, &i);
        if (i < n && s[i] == '*') {
            i++;
            f.wid_p = star_arg(&st, &f.wid);
            if (!f.wid_p)
                buf_puts(b, "%!(BADWIDTH)");
            else if (f.wid < 0) {
                f.wid = -f.wid;
                f.minus = true;
                f.zero = false;
            }
        } else {
            int r = parse_num(s, n, &i, &f.wid);
            f.wid_p = r == 1;
            if (r < 0)
                buf_puts(b, "%!(BADWIDTH)");
        }
        if (i < n && s[i] == '.') {
            i++;
            arg_index(&st, s, n, &i);
            if (i < n && s[i] == '*') {
                i++;
                f.prec_p = star_arg(&st, &f.prec);
                if (f.prec_p && f.prec < 0) {
                    f.prec = 0;
                    f.prec_p = false;
                }
                if (!f.prec_p)
                    buf_puts(b, "%!(BADPREC)");
            } else {
                f.prec = 0;
                f.prec_p = true;
                if (parse_num(s, n, &i, &f.prec) < 0)
                    buf_puts(b, "%!(BADPREC)");
            }
        }
        arg_index(&st, s, n, &i);
        if (i >= n) {
            buf_puts(b, "%!(NOVERB)");
            break;
        }
        uint32_t verb;
        size_t w = bi_utf8_decode(s + i, n - i, &verb);
        i += w;
        if (verb == '%') {
            buf_putc(b, '%');
            continue;
        }
        char vtext[4];
        size_t vn = bi_utf8_encode(verb, vtext);
        if (!st.good_argnum) {
            buf_puts(b, "%!");
            buf_append(b, vtext, vn);
            buf_puts(b, "(BADINDEX)");
            continue;
        }
        if (st.next >= st.nargs) {
            buf_puts(b, "%!");
            buf_append(b, vtext, vn);
            buf_puts(b, "(MISSING)");
            continue;
        }
        const struct farg *a = &st.args[st.next++];
        if (verb >= 0x80) {
            buf_puts(b, "%!");
            buf_append(b, vtext, vn);
            buf_printf(b, "(%s=", a->kind == FA_BIG ? "big.Int" : farg_type(a));
            fmt_farg_v(b, a);
            buf_putc(b, ')');
            continue;
        }
        fmt_arg(b, &f, a, (char)verb);
    }
    if (!st.reordered && st.next < st.nargs) {
        buf_puts(b, "%!(EXTRA ");
        for (size_t k = st.next; k < st.nargs; k++) {
            if (k > st.next)
                buf_puts(b, ", ");
            buf_printf(b, "%s=", farg_type(&args[k]));
            fmt_farg_v(b, &args[k]);
        }
        buf_putc(b, ')');
    }
}

/* OPA's conversion of one array element to a Go value. */
static int to_farg(struct rego_bi_ctx *ctx, const struct value *v, struct farg *a)
{
    memset(a, 0, sizeof(*a));
    if (v->type == V_STRING) {
        a->kind = FA_STR;
        a->s = v->u.str.s;
        a->n = v->u.str.len;
        return 0;
    }
    if (v->type == V_NUMBER) {
        if (bi_num_int64(v, &a->i)) {
            a->kind = FA_INT;
            return 0;
        }
        struct buf t = BUF_INIT;
        bi_num_text(&t, v);
        const char *text = buf_cstr(&t);
        bool integer_text = text && text[0];
        for (const char *p = text && *text == '-' ? text + 1 : text; integer_text && *p; p++)
            integer_text = *p >= '0' && *p <= '9';
        if (integer_text) {
            a->kind = FA_BIG;
            a->s = arena_strdup(ctx->arena, text);
        } else if (isfinite(value_as_double(v))) {
            a->kind = FA_FLOAT;
            a->d = value_as_double(v);
        } else {
            a->kind = FA_STR;
            a->s = text ? arena_strdup(ctx->arena, text) : NULL;
            a->n = a->s ? strlen(a->s) : 0;
        }
        buf_free(&t);
        return a->s || a->kind == FA_FLOAT ? 0 : bi_oom(ctx);
    }
    struct buf t = BUF_INIT;
    bi_value_text(&t, v);
    if (buf_failed(&t)) {
        buf_free(&t);
        return bi_oom(ctx);
    }
    a->kind = FA_STR;
    a->s = arena_strndup(ctx->arena, t.data, t.len);
    a->n = t.len;
    buf_free(&t);
    return a->s ? 0 : bi_oom(ctx);
}

static int bi_sprintf(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                      struct value **out)
{
    (void)nargs;
    TRY(bi_want(ctx, args, 0, V_STRING));
    TRY(bi_want(ctx, args, 1, V_ARRAY));
    const struct value *arr = args[1];
    struct farg *fa = arena_alloc(ctx->arena, (arr->u.arr.len + 1) * sizeof(*fa));
    if (!fa)
        return bi_oom(ctx);
    for (size_t i = 0; i < arr->u.arr.len; i++)
        TRY(to_farg(ctx, arr->u.arr.items[i], &fa[i]));
    struct buf b = BUF_INIT;
    go_sprintf(&b, args[0]->u.str.s, args[0]->u.str.len, fa, arr->u.arr.len);
    BI_RET(bi_buf_str(ctx, &b));
}

const struct rego_builtin rego_bi_sprintf[] = {
    {"sprintf", 2, bi_sprintf, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
