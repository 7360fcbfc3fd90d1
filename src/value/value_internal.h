/* value_internal.h - helpers shared by the files of src/value only.
 *
 * Not part of the module's interface: other modules include value.h. */
#ifndef AS_VALUE_VALUE_INTERNAL_H
#define AS_VALUE_VALUE_INTERNAL_H

#include "base/utf8.h"
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

/* UTF-8 validation lives in base/utf8.h (shared with the other parsers). */
static inline size_t value_utf8_sequence_length(const unsigned char *s, size_t avail)
{
    return utf8_sequence_length(s, avail);
}

#endif
