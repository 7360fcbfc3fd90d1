/* number_format.h - doubles as text in the layouts JSON printers need
 * (src/value internal; see number_format.c). */
#ifndef AS_VALUE_NUMBER_FORMAT_H
#define AS_VALUE_NUMBER_FORMAT_H

#include "base/buf.h"

#define NUMBER_MAX_DIGITS 17

/* Shortest round-trip digits of a finite non-zero d (sign ignored): writes
 * the NUL-terminated digits and *exp10 such that |d| = 0.digits x 10^exp10;
 * returns the digit count. */
int number_shortest_digits(double d, char digits[NUMBER_MAX_DIGITS + 1], int *exp10);

/* serde_json 1.0.132 (ryu) layout: "1.0", "1e16", "0.00001", "1e-6", "-0.0". */
void number_format_serde(struct buf *b, double d);
/* ECMAScript Number.prototype.toString: "1", "1e+21", "1e-7", "0" for -0. */
void number_format_es(struct buf *b, double d);
/* Go encoding/json float64 layout: "1", "1e+21", "1e-7", "0.000001". */
void number_format_go(struct buf *b, double d);

#endif
