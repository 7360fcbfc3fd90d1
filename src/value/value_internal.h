/* value_internal.h - helpers shared by the files of src/value only.
 *
 * Not part of the module's interface: other modules include value.h. */
#ifndef AS_VALUE_VALUE_INTERNAL_H
#define AS_VALUE_VALUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* A zeroed value node of the given type in the arena. */
struct value *value_alloc(struct arena *a, enum value_type type);

/* Bytewise comparison (memcmp, then the shorter first). */
int value_compare_bytes(const char *a, size_t alen, const char *b, size_t blen);

/* Sorts items under value_compare and drops duplicates (len updated).
 * -1 on out-of-memory. */
int value_sort_unique(struct value **items, size_t *len);
/* Stable sort of pairs by key, then applies the duplicate policy. -1 on
 * out-of-memory or a DUP_FAIL conflict (*dup_key set when not NULL). */
int value_sort_pairs(struct value_pair *pairs, size_t *len, enum dup_policy dup,
                     const struct value **dup_key);

/* Exact numeric comparison of two V_NUMBER values. */
int value_number_compare(const struct value *a, const struct value *b);
/* Hash of a number's exact value: equal numbers of any kind hash alike. */
uint64_t value_number_hash(const struct value *v);

/* strtod in the C locale (correctly rounded, whatever setlocale says). */
double value_strtod(const char *s);

/* 64-bit mixing used by value_hash. */
static inline uint64_t value_hash_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 31);
}
uint64_t value_hash_bytes(uint64_t seed, const void *p, size_t n);

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80, avail bytes
 * readable), or 0 if it is not one: overlong, a surrogate, beyond U+10FFFF
 * or truncated. */
static inline size_t value_utf8_sequence_length(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return n;
}

#endif
