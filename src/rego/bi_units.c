/* bi_units.c - units.parse and units.parse_bytes.
 *
 * As OPA: the amount is split from the unit at the first character that
 * cannot belong to a number (digits, '.', signs, an exponent followed by a
 * digit or sign; at most 6 exponent digits); quotes are dropped, spaces
 * rejected.  units.parse keeps 'm' (milli) apart from 'M' (mega) and gives
 * an exact result (an integer, or the value with 10 decimals);
 * parse_bytes is case-insensitive and truncates to an integer. */
#include "rego/bi_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPONENT_DIGITS 6

/* Splits s into number and unit; -1 when the exponent is too long. */
static int split_amount(const char *s, size_t n, size_t *num_len)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool numeric = isdigit((unsigned char)c) || c == '.' || c == '+' || c == '-';
        if (!numeric && c != 'e' && c != 'E') {
            *num_len = i;
            return 0;
        }
        if (c == 'e' || c == 'E') {
            if (i + 1 == n || (!isdigit((unsigned char)s[i + 1]) && s[i + 1] != '+' && s[i + 1] != '-')) {
                *num_len = i;
                return 0;
            }
            if (s[i + 1] == '+' || s[i + 1] == '-')
                i++;
            size_t e = i + 1;
            while (e < n && isdigit((unsigned char)s[e]))
                e++;
            if (e - (i + 1) > MAX_EXPONENT_DIGITS)
                return -1;
        }
    }
    *num_len = n;
    return 0;
}

/* Go's big.Rat.SetString for [+-]digits[.digits][e[+-]digits]. */
static bool parse_rat(const char *s, size_t n, mpq_t q)
{
    char *t = malloc(n + 1);
    if (!t)
        return false;
    memcpy(t, s, n);
    t[n] = '\0';
    size_t i = 0;
    bool neg = false;
    if (t[i] == '+' || t[i] == '-')
        neg = t[i++] == '-';
    mpz_t num, pow10;
    mpz_inits(num, pow10, NULL);
    size_t digits = 0;
    long frac = 0;
    bool dot = false, ok = true;
    for (; t[i] && t[i] != 'e' && t[i] != 'E'; i++) {
        if (t[i] == '.' && !dot) {
            dot = true;
        } else if (isdigit((unsigned char)t[i])) {
            mpz_mul_ui(num, num, 10);
            mpz_add_ui(num, num, (unsigned long)(t[i] - '0'));
            digits++;
            frac += dot;
        } else {
            ok = false;
            break;
        }
    }
    long exp = 0;
    if (ok && (t[i] == 'e' || t[i] == 'E')) {
        char *end;
        exp = strtol(t + i + 1, &end, 10);
        ok = *end == '\0' && end != t + i + 1 && isdigit((unsigned char)end[-1]);
    }
    ok = ok && digits > 0;
    if (ok) {
        long scale = exp - frac;
        mpz_ui_pow_ui(pow10, 10, (unsigned long)(scale < 0 ? -scale : scale));
        if (neg)
            mpz_neg(num, num);
        mpq_set_z(q, num);
        if (scale >= 0) {
            mpz_mul(mpq_numref(q), mpq_numref(q), pow10);
        } else {
            mpz_set(mpq_denref(q), pow10);
            mpq_canonicalize(q);
        }
    }
    mpz_clears(num, pow10, NULL);
    free(t);
    return ok;
}

struct unit {
    const char *name;
    unsigned long long mul; /* 0 = milli */
};

static const struct unit UNITS[] = {
    {"", 1ULL},
    {"m", 0},
    {"k", 1000ULL}, {"K", 1000ULL}, {"ki", 1ULL << 10}, {"Ki", 1ULL << 10},
    {"M", 1000000ULL}, {"mi", 1ULL << 20}, {"Mi", 1ULL << 20},
    {"g", 1000000000ULL}, {"G", 1000000000ULL}, {"gi", 1ULL << 30}, {"Gi", 1ULL << 30},
    {"t", 1000000000000ULL}, {"T", 1000000000000ULL}, {"ti", 1ULL << 40}, {"Ti", 1ULL << 40},
    {"p", 1000000000000000ULL}, {"P", 1000000000000000ULL}, {"pi", 1ULL << 50}, {"Pi", 1ULL << 50},
    {"e", 1000000000000000000ULL}, {"E", 1000000000000000000ULL}, {"ei", 1ULL << 60}, {"Ei", 1ULL << 60},
    {NULL, 0},
};

static const struct unit BYTE_UNITS[] = {
    {"", 1ULL},
    {"kb", 1000ULL}, {"k", 1000ULL}, {"kib", 1ULL << 10}, {"ki", 1ULL << 10},
    {"mb", 1000000ULL}, {"m", 1000000ULL}, {"mib", 1ULL << 20}, {"mi", 1ULL << 20},
    {"gb", 1000000000ULL}, {"g", 1000000000ULL}, {"gib", 1ULL << 30}, {"gi", 1ULL << 30},
    {"tb", 1000000000000ULL}, {"t", 1000000000000ULL}, {"tib", 1ULL << 40}, {"ti", 1ULL << 40},
    {"pb", 1000000000000000ULL}, {"p", 1000000000000000ULL}, {"pib", 1ULL << 50}, {"pi", 1ULL << 50},
    {"eb", 1000000000000000000ULL}, {"e", 1000000000000000000ULL}, {"eib", 1ULL << 60}, {"ei", 1ULL << 60},
    {NULL, 0},
};

/* big.Rat.FloatString(10): exactly 10 decimals, rounded half away from 0. */
static struct value *float_string10(struct arena *a, const mpq_t q)
{
    mpz_t num, den;
    mpz_inits(num, den, NULL);
    mpz_abs(num, mpq_numref(q));
    mpz_ui_pow_ui(den, 10, 10);
    mpz_mul(num, num, den);
    mpz_mul_ui(num, num, 2);
    mpz_add(num, num, mpq_denref(q));
    mpz_mul_ui(den, mpq_denref(q), 2);
    mpz_fdiv_q(num, num, den);
    char *digits = mpz_get_str(NULL, 10, num);
    mpz_clears(num, den, NULL);
    if (!digits)
        return NULL;
    size_t dl = strlen(digits);
    struct buf b = BUF_INIT;
    if (mpq_sgn(q) < 0)
        buf_putc(&b, '-');
    if (dl <= 10) {
        buf_putc(&b, '0');
        buf_putc(&b, '.');
        for (size_t i = dl; i < 10; i++)
            buf_putc(&b, '0');
        buf_puts(&b, digits);
    } else {
        buf_append(&b, digits, dl - 10);
        buf_putc(&b, '.');
        buf_puts(&b, digits + dl - 10);
    }
    free(digits);
    struct value *v = buf_failed(&b) ? NULL : v_number_text(a, b.data, b.len);
    buf_free(&b);
    return v;
}

static int parse_units(struct rego_bi_ctx *ctx, struct value *const *args, struct value **out,
                       bool bytes)
{
    TRY(bi_want(ctx, args, 0, V_STRING));
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < args[0]->u.str.len; i++) {
        char c = args[0]->u.str.s[i];
        if (c != '"')
            buf_putc(&b, bytes ? (char)tolower((unsigned char)c) : c);
    }
    const char *s = buf_cstr(&b);
    size_t n = b.len;
    if (!s) {
        buf_free(&b);
        return bi_oom(ctx);
    }
    int rc = 0;
    size_t num_len = 0;
    char unit[16] = {0};
    const struct unit *u = NULL;
    if (memchr(s, ' ', n)) {
        rc = bi_err(ctx, "spaces not allowed in resource strings");
    } else if (split_amount(s, n, &num_len) < 0) {
        rc = bi_err(ctx, "exponent too large");
    } else if (num_len == 0) {
        rc = bi_err(ctx, bytes ? "no byte amount provided" : "no amount provided");
    } else {
        size_t ul = n - num_len;
        if (ul < sizeof(unit)) {
            memcpy(unit, s + num_len, ul);
            for (size_t i = 1; !bytes && i < ul; i++)
                unit[i] = (char)tolower((unsigned char)unit[i]);
            for (u = bytes ? BYTE_UNITS : UNITS; u->name && strcmp(u->name, unit); u++)
                ;
        }
        if (!u || !u->name)
            rc = bytes ? bi_err(ctx, "byte unit %s not recognized", s + num_len)
                       : bi_err(ctx, "unit %s not recognized", s + num_len);
    }
    mpq_t q, m;
    mpq_inits(q, m, NULL);
    if (rc == 0 && !parse_rat(s, num_len, q))
        rc = bi_err(ctx, bytes ? "could not parse byte amount to a number"
                               : "could not parse amount to a number");
    if (rc == 0) {
        if (u->mul == 0) {
            mpq_set_ui(m, 1, 1000);
        } else {
            mpz_set_ui(mpq_numref(m), (unsigned long)u->mul);
            mpz_set_ui(mpq_denref(m), 1);
        }
        mpq_mul(q, q, m);
        struct value *r;
        if (bytes || mpz_cmp_ui(mpq_denref(q), 1) == 0) {
            mpz_t z;
            mpz_init(z);
            mpz_tdiv_q(z, mpq_numref(q), mpq_denref(q));
            r = bi_num_from_mpz(ctx->arena, z);
            mpz_clear(z);
        } else {
            r = float_string10(ctx->arena, q);
        }
        rc = bi_ret(ctx, out, r);
    }
    mpq_clears(q, m, NULL);
    buf_free(&b);
    return rc;
}

static int bi_units_parse(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                          struct value **out)
{
    return parse_units(ctx, args, out, false);
}

static int bi_units_parse_bytes(struct rego_bi_ctx *ctx, struct value *const *args, size_t nargs,
                                struct value **out)
{
    return parse_units(ctx, args, out, true);
}

const struct rego_builtin rego_bi_units[] = {
    {"units.parse", 1, bi_units_parse, 0, NULL},
    {"units.parse_bytes", 1, bi_units_parse_bytes, 0, NULL},
    {NULL, 0, NULL, 0, NULL},
};
