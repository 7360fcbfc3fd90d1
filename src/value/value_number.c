/* value_number.c - the three number kinds: construction, exact comparison,
 * hashing and conversion.
 *
 * NUM_INT is an int64 (the allocation-free fast path for everything
 * integer-valued that fits).  NUM_BIG is an integer beyond int64 kept as
 * normalised decimal text ("-" then digits without leading zeros), so two
 * bigs compare by their text.  NUM_FLOAT's value is its double; its text
 * only remembers how it was written, for printing.  Comparisons that mix a
 * big with a float go through GMP (exact); everything else stays in
 * machine arithmetic.  Equal values hash alike whatever their kind: an
 * integral value hashes as its int64 or, beyond that, as its decimal text. */
#include <errno.h>
#include <gmp.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "value/value.h"
#include "value/value_internal.h"

#define TWO_POW_63 9223372036854775808.0

/* ---- locale-independent strtod ---- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

double value_strtod(const char *s)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
}

/* ---- decimal text to double ---- */

static const double exact_powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define MAX_EXACT_POWER 22

static inline bool is_decimal_digit(char c) { return c >= '0' && c <= '9'; }

/* Accumulates the digits at t[*i..] into *m (leading zeros skipped);
 * *scale is decremented per digit when they are fraction digits.  False
 * when more than 19 significant digits would overflow the accumulator. */
static bool accumulate_digits(const char *t, size_t len, size_t *i, uint64_t *m, int *digits,
                              int *scale, bool fraction, bool *any)
{
    for (; *i < len && is_decimal_digit(t[*i]); (*i)++) {
        if (*m || t[*i] != '0') {
            if (++*digits > 19)
                return false;
            *m = *m * 10 + (uint64_t)(t[*i] - '0');
        }
        *scale -= fraction;
        *any = true;
    }
    return true;
}

/* Clinger's fast path: when the significant digits fit 2^53 and the power
 * of ten is at most 22, both are exact doubles and one IEEE multiplication
 * or division gives the correctly rounded value.  False for anything else
 * (the caller falls back to strtod). */
static bool fast_decimal_to_double(const char *t, size_t len, double *out)
{
    size_t i = 0;
    bool neg = len && t[0] == '-', any = false;
    i += neg;
    uint64_t m = 0;
    int digits = 0, scale = 0;
    if (!accumulate_digits(t, len, &i, &m, &digits, &scale, false, &any))
        return false;
    if (i < len && t[i] == '.') {
        i++;
        if (!accumulate_digits(t, len, &i, &m, &digits, &scale, true, &any))
            return false;
    }
    if (!any)
        return false;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        bool eneg = i < len && t[i] == '-';
        i += i < len && (t[i] == '-' || t[i] == '+');
        int e = 0, edigits = 0;
        for (; i < len && is_decimal_digit(t[i]); i++) {
            if (++edigits > 4)
                return false;
            e = e * 10 + (t[i] - '0');
        }
        if (!edigits)
            return false;
        scale += eneg ? -e : e;
    }
    if (i != len || m > (1ull << 53) || scale < -MAX_EXACT_POWER || scale > MAX_EXACT_POWER)
        return false;
    double d = (double)m;
    d = scale < 0 ? d / exact_powers_of_ten[-scale] : d * exact_powers_of_ten[scale];
    *out = neg ? -d : d;
    return true;
}

static double decimal_to_double(const char *text, size_t len)
{
    double d;
    return fast_decimal_to_double(text, len, &d) ? d : value_strtod(text);
}

/* ---- constructors ---- */

struct value *v_int(struct arena *a, int64_t i)
{
    struct value *v = value_alloc(a, V_NUMBER);
    if (!v)
        return NULL;
    v->num_kind = NUM_INT;
    v->u.num.i = i;
    v->u.num.d = (double)i;
    return v;
}

struct value *v_float(struct arena *a, double d)
{
    struct value *v = value_alloc(a, V_NUMBER);
    if (!v)
        return NULL;
    v->num_kind = NUM_FLOAT;
    v->u.num.d = d;
    return v;
}

static bool is_integer_literal(const char *t, size_t len)
{
    size_t i = (len && t[0] == '-') ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    return true;
}

/* Parses the digits of an integer literal into int64; false on overflow. */
static bool parse_int64(const char *t, size_t len, int64_t *out)
{
    bool neg = t[0] == '-';
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    for (size_t i = neg ? 1 : 0; i < len; i++) {
        unsigned dgt = (unsigned)(t[i] - '0');
        if (acc > (limit - dgt) / 10)
            return false;
        acc = acc * 10 + dgt;
    }
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

static struct value *number_with_text(struct arena *a, enum num_kind kind, const char *t,
                                      size_t len)
{
    struct value *v = value_alloc(a, V_NUMBER);
    char *text = arena_strndup(a, t, len);
    if (!v || !text)
        return NULL;
    v->num_kind = (uint8_t)kind;
    v->u.num.text = text;
    v->u.num.d = decimal_to_double(text, len);
    return v;
}

static struct value *big_from_integer_literal(struct arena *a, const char *t, size_t len)
{
    bool neg = t[0] == '-';
    size_t i = neg ? 1 : 0;
    while (i + 1 < len && t[i] == '0')
        i++;
    if (t[i] == '0') /* all zeros: "-0" stays a float -0.0, as serde_json */
        return number_with_text(a, NUM_FLOAT, t, len);
    if (i == (size_t)neg) /* already normalised (always so for JSON) */
        return number_with_text(a, NUM_BIG, t, len);
    char *text = arena_alloc(a, len - i + 2);
    if (!text)
        return NULL;
    size_t n = 0;
    if (neg)
        text[n++] = '-';
    memcpy(text + n, t + i, len - i);
    n += len - i;
    text[n] = '\0';
    return number_with_text(a, NUM_BIG, text, n);
}

struct value *v_number_text(struct arena *a, const char *text, size_t len)
{
    if (!is_integer_literal(text, len))
        return number_with_text(a, NUM_FLOAT, text, len);
    int64_t i;
    bool negative_zero = text[0] == '-' && len == 2 && text[1] == '0';
    if (!negative_zero && parse_int64(text, len, &i))
        return v_int(a, i);
    return big_from_integer_literal(a, text, len);
}

/* ---- exact comparison ---- */

static int compare_doubles(double a, double b)
{
    if (isnan(a) || isnan(b)) /* NaN sorts below every number */
        return isnan(a) ? (isnan(b) ? 0 : -1) : 1;
    return (a > b) - (a < b);
}

static int compare_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 1;
    if (d >= TWO_POW_63)
        return -1;
    if (d < -TWO_POW_63)
        return 1;
    int64_t t = (int64_t)d; /* truncation, in range */
    if (i != t)
        return i < t ? -1 : 1;
    double frac = d - (double)t; /* exact */
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static bool big_is_negative(const struct value *v) { return v->u.num.text[0] == '-'; }

static int compare_bigs(const struct value *a, const struct value *b)
{
    bool an = big_is_negative(a), bn = big_is_negative(b);
    if (an != bn)
        return an ? -1 : 1;
    size_t al = strlen(a->u.num.text), bl = strlen(b->u.num.text);
    int c = al != bl ? (al < bl ? -1 : 1) : strcmp(a->u.num.text, b->u.num.text);
    c = c < 0 ? -1 : c > 0;
    return an ? -c : c;
}

static int compare_big_double(const struct value *big, double d)
{
    if (isnan(d))
        return 1;
    mpz_t z;
    if (mpz_init_set_str(z, big->u.num.text, 10) != 0) {
        mpz_clear(z);
        return compare_doubles(big->u.num.d, d);
    }
    int c = mpz_cmp_d(z, d);
    mpz_clear(z);
    return c < 0 ? -1 : c > 0;
}

int value_number_compare(const struct value *a, const struct value *b)
{
    enum num_kind ka = a->num_kind, kb = b->num_kind;
    if (ka == NUM_INT && kb == NUM_INT)
        return (a->u.num.i > b->u.num.i) - (a->u.num.i < b->u.num.i);
    if (ka == NUM_FLOAT && kb == NUM_FLOAT)
        return compare_doubles(a->u.num.d, b->u.num.d);
    if (ka == NUM_INT && kb == NUM_FLOAT)
        return compare_int_double(a->u.num.i, b->u.num.d);
    if (ka == NUM_FLOAT && kb == NUM_INT)
        return -compare_int_double(b->u.num.i, a->u.num.d);
    if (ka == NUM_BIG && kb == NUM_BIG)
        return compare_bigs(a, b);
    if (ka == NUM_BIG && kb == NUM_INT) /* a big lies beyond int64 */
        return big_is_negative(a) ? -1 : 1;
    if (ka == NUM_INT && kb == NUM_BIG)
        return big_is_negative(b) ? 1 : -1;
    if (ka == NUM_BIG)
        return compare_big_double(a, b->u.num.d);
    return -compare_big_double(b, a->u.num.d);
}

/* ---- hashing ---- */

static uint64_t hash_integral_double_beyond_int64(double d)
{
    char digits[400]; /* |d| < 2^1024 has at most 309 digits */
    mpz_t z;
    mpz_init_set_d(z, d);
    mpz_get_str(digits, 10, z);
    mpz_clear(z);
    return value_hash_bytes(0x426967, digits, strlen(digits));
}

uint64_t value_number_hash(const struct value *v)
{
    switch (v->num_kind) {
    case NUM_INT:
        return value_hash_mix(0x496e74, (uint64_t)v->u.num.i);
    case NUM_BIG:
        return value_hash_bytes(0x426967, v->u.num.text, strlen(v->u.num.text));
    default:
        break;
    }
    double d = v->u.num.d;
    if (isnan(d))
        return 0x4e614e;
    if (isfinite(d) && floor(d) == d) {
        if (d >= -TWO_POW_63 && d < TWO_POW_63)
            return value_hash_mix(0x496e74, (uint64_t)(int64_t)d);
        return hash_integral_double_beyond_int64(d);
    }
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    return value_hash_mix(0x466c74, bits);
}

/* ---- conversion ---- */

int value_as_int64(const struct value *v, int64_t *out)
{
    if (!v_is(v, V_NUMBER))
        return -1;
    if (v->num_kind == NUM_INT) {
        *out = v->u.num.i;
        return 0;
    }
    if (v->num_kind == NUM_BIG)
        return -1;
    double d = v->u.num.d;
    if (!isfinite(d) || floor(d) != d || d < -TWO_POW_63 || d >= TWO_POW_63)
        return -1;
    *out = (int64_t)d;
    return 0;
}

double value_as_double(const struct value *v)
{
    if (!v_is(v, V_NUMBER))
        return NAN;
    return v->num_kind == NUM_INT ? (double)v->u.num.i : v->u.num.d;
}

bool value_is_integer(const struct value *v)
{
    if (!v_is(v, V_NUMBER))
        return false;
    if (v->num_kind != NUM_FLOAT)
        return true;
    return isfinite(v->u.num.d) && floor(v->u.num.d) == v->u.num.d;
}
