/* number_format.c - doubles as text: shortest round-trip digits, and the
 * three layouts the printers need.
 *
 * The digits are Ryu's (the shortest decimal that reads back as the same
 * double, the closest one to the exact value when several are as short),
 * found with the C library's correctly rounded printf/strtod: the 15-digit
 * rounding settles most doubles at once (shortest_from_15_digits); else, for
 * each longer length (every length for subnormals), the correctly rounded
 * digits of that length, or their neighbour on the wider side of an
 * asymmetric rounding interval, are the answer once they round-trip.
 * The layouts are:
 *   serde  serde_json / ryu "pretty" (binding.md §1.2): 1.0, 1e16, 0.00001, 1e-6
 *   es     ECMAScript Number.prototype.toString (RFC 8785): 1, 1e+21, 1e-7
 *   go     Go strconv 'f'/'e' with -1 precision as encoding/json lays it
 *          out: plain decimal unless the exponent is < -6 or >= 21. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/number_format.h"
#include "value/value_internal.h"

/* Builds "d.ddd" "e" exp from digits (no sign) for strtod. */
static bool digits_round_trip(double target, const char *digits, int n, int exp10)
{
    char text[48];
    int k = 0;
    text[k++] = digits[0];
    if (n > 1) {
        text[k++] = '.';
        memcpy(text + k, digits + 1, (size_t)n - 1);
        k += n - 1;
    }
    snprintf(text + k, sizeof(text) - (size_t)k, "e%d", exp10 - 1);
    return value_strtod(text) == target;
}

/* Correctly rounded n-digit decimal of d > 0: digits and exponent (value =
 * 0.digits x 10^exp10).  Reads printf's %e output without assuming the
 * locale's decimal point. */
static void rounded_digits(double d, int n, char *digits, int *exp10)
{
    char text[64];
    snprintf(text, sizeof(text), "%.*e", n - 1, d);
    int k = 0;
    const char *p = text;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[k++] = *p;
    *exp10 = (*p == 'e' ? atoi(p + 1) : 0) + 1;
}

/* Adds delta (+1/-1) to the n-digit decimal string; false if the digit
 * count would change. */
static bool step_digits(char *digits, int n, int delta)
{
    for (int i = n - 1; i >= 0; i--) {
        int v = digits[i] - '0' + delta;
        if (v >= 0 && v <= 9) {
            digits[i] = (char)('0' + v);
            return !(i == 0 && v == 0);
        }
        digits[i] = delta > 0 ? '0' : '9';
    }
    return false;
}

/* Every decimal of at most DBL_DIG (15) significant digits survives a trip
 * through a normal double and back.  So when the 15-digit rounding of a
 * normal d reads back as d, any shorter round-tripping decimal is that
 * rounding without its trailing zeros: one printf and one strtod find the
 * answer for most doubles.  Subnormals have fewer bits and are searched. */
static int shortest_from_15_digits(double mag, char *digits, int *exp10)
{
    if (mag < DBL_MIN)
        return 0;
    rounded_digits(mag, DBL_DIG, digits, exp10);
    if (!digits_round_trip(mag, digits, DBL_DIG, *exp10))
        return 0;
    int n = DBL_DIG;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

int number_shortest_digits(double d, char digits[NUMBER_MAX_DIGITS + 1], int *exp10)
{
    double mag = fabs(d);
    int fast = shortest_from_15_digits(mag, digits, exp10);
    if (fast)
        return fast;
    for (int n = mag < DBL_MIN ? 1 : DBL_DIG + 1; n <= NUMBER_MAX_DIGITS; n++) {
        rounded_digits(mag, n, digits, exp10);
        if (digits_round_trip(mag, digits, n, *exp10))
            goto found;
        for (int delta = -1; delta <= 1; delta += 2) {
            char alt[NUMBER_MAX_DIGITS + 1];
            memcpy(alt, digits, (size_t)n);
            if (step_digits(alt, n, delta) && digits_round_trip(mag, alt, n, *exp10)) {
                memcpy(digits, alt, (size_t)n);
                goto found;
            }
        }
        continue;
    found:
        while (n > 1 && digits[n - 1] == '0')
            n--;
        digits[n] = '\0';
        return n;
    }
    /* unreachable for finite doubles: 17 digits always round-trip */
    digits[0] = '0';
    digits[1] = '\0';
    *exp10 = 1;
    return 1;
}

static void put_zeros(struct buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, '0');
}

/* digits with the decimal point after `point` digits (0 < point < n). */
static void put_with_point(struct buf *b, const char *digits, int n, int point)
{
    buf_append(b, digits, (size_t)point);
    buf_putc(b, '.');
    buf_append(b, digits + point, (size_t)(n - point));
}

/* d1[.d2...dn] then the exponent as printf("%s%d") with the given marker. */
static void put_scientific(struct buf *b, const char *digits, int n, int exp, bool plus,
                           int min_exp_digits)
{
    buf_putc(b, digits[0]);
    if (n > 1) {
        buf_putc(b, '.');
        buf_append(b, digits + 1, (size_t)n - 1);
    }
    buf_putc(b, 'e');
    if (exp < 0)
        buf_putc(b, '-');
    else if (plus)
        buf_putc(b, '+');
    buf_printf(b, "%0*d", min_exp_digits, exp < 0 ? -exp : exp);
}

void number_format_serde(struct buf *b, double d)
{
    if (!isfinite(d)) {
        buf_puts(b, "null"); /* serde_json writes NaN and infinities as null */
        return;
    }
    if (signbit(d))
        buf_putc(b, '-');
    if (d == 0) {
        buf_puts(b, "0.0");
        return;
    }
    char digits[NUMBER_MAX_DIGITS + 1];
    int e, n = number_shortest_digits(d, digits, &e);
    if (e > 0 && e <= 16 && n <= e) {
        buf_append(b, digits, (size_t)n);
        put_zeros(b, e - n);
        buf_puts(b, ".0");
    } else if (e > 0 && e <= 16) {
        put_with_point(b, digits, n, e);
    } else if (e > -5 && e <= 0) {
        buf_puts(b, "0.");
        put_zeros(b, -e);
        buf_append(b, digits, (size_t)n);
    } else {
        put_scientific(b, digits, n, e - 1, false, 1);
    }
}

void number_format_es(struct buf *b, double d)
{
    if (!isfinite(d)) {
        buf_puts(b, "null");
        return;
    }
    if (d == 0) {
        buf_putc(b, '0'); /* -0 too */
        return;
    }
    if (d < 0)
        buf_putc(b, '-');
    char digits[NUMBER_MAX_DIGITS + 1];
    int e, n = number_shortest_digits(d, digits, &e);
    if (n <= e && e <= 21) {
        buf_append(b, digits, (size_t)n);
        put_zeros(b, e - n);
    } else if (e > 0 && e <= 21) {
        put_with_point(b, digits, n, e);
    } else if (e > -6 && e <= 0) {
        buf_puts(b, "0.");
        put_zeros(b, -e);
        buf_append(b, digits, (size_t)n);
    } else {
        put_scientific(b, digits, n, e - 1, true, 1);
    }
}

void number_format_go(struct buf *b, double d)
{
    if (!isfinite(d)) {
        buf_puts(b, "null");
        return;
    }
    if (signbit(d))
        buf_putc(b, '-');
    if (d == 0) {
        buf_putc(b, '0');
        return;
    }
    char digits[NUMBER_MAX_DIGITS + 1];
    int e, n = number_shortest_digits(d, digits, &e);
    int exp = e - 1; /* scientific exponent */
    if (exp < -6 || exp >= 21) {
        /* strconv 'e' pads the exponent to two digits; encoding/json then
         * turns e-07 into e-7 (but keeps e+21) */
        put_scientific(b, digits, n, exp, true, exp < 0 ? 1 : 2);
    } else if (e <= 0) {
        buf_puts(b, "0.");
        put_zeros(b, -e);
        buf_append(b, digits, (size_t)n);
    } else if (n <= e) {
        buf_append(b, digits, (size_t)n);
        put_zeros(b, e - n);
    } else {
        put_with_point(b, digits, n, e);
    }
}
