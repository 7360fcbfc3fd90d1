/* value_order.c - OPA's total order over values, equality, hashing and the
 * sorting that keeps objects and sets canonical.
 *
 * Order: by type first (null < boolean < number < string < array < object <
 * set), then false < true; numbers by exact value (value_number.c); strings
 * bytewise; arrays element-wise then by length; objects pairwise over their
 * key-sorted members (key, then value) then by size; sets likewise over
 * their sorted elements.  Hashes agree with equality (1 and 1.0 hash alike). */
#include <stdlib.h>
#include <string.h>

#include "value/value.h"
#include "value/value_internal.h"

int value_compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int compare_sizes(size_t a, size_t b) { return a < b ? -1 : a > b ? 1 : 0; }

static int compare_item_arrays(struct value *const *a, size_t alen, struct value *const *b,
                               size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        int c = value_compare(a[i], b[i]);
        if (c)
            return c;
    }
    return compare_sizes(alen, blen);
}

static int compare_objects(const struct value *a, const struct value *b)
{
    size_t n = a->u.obj.len < b->u.obj.len ? a->u.obj.len : b->u.obj.len;
    for (size_t i = 0; i < n; i++) {
        int c = value_compare(a->u.obj.pairs[i].key, b->u.obj.pairs[i].key);
        if (c)
            return c;
        c = value_compare(a->u.obj.pairs[i].val, b->u.obj.pairs[i].val);
        if (c)
            return c;
    }
    return compare_sizes(a->u.obj.len, b->u.obj.len);
}

int value_compare(const struct value *a, const struct value *b)
{
    if (a == b)
        return 0;
    if (!a || !b)
        return a ? 1 : -1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    switch (a->type) {
    case V_NULL:
        return 0;
    case V_BOOL:
        return (int)a->u.b - (int)b->u.b;
    case V_NUMBER:
        return value_number_compare(a, b);
    case V_STRING:
        return value_compare_bytes(a->u.str.s, a->u.str.len, b->u.str.s, b->u.str.len);
    case V_ARRAY:
    case V_SET:
        return compare_item_arrays(a->u.arr.items, a->u.arr.len, b->u.arr.items, b->u.arr.len);
    case V_OBJECT:
        return compare_objects(a, b);
    }
    return 0;
}

/* ---- hashing ---- */

uint64_t value_hash_bytes(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = value_hash_mix(seed, n);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = value_hash_mix(h, w);
        s += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < n; i++)
        tail |= (uint64_t)s[i] << (8 * i);
    return value_hash_mix(h, tail);
}

uint64_t value_hash(const struct value *v)
{
    if (!v)
        return 0;
    uint64_t h = value_hash_mix(0x5bd1e995u, v->type);
    switch (v->type) {
    case V_NULL:
        return h;
    case V_BOOL:
        return value_hash_mix(h, v->u.b);
    case V_NUMBER:
        return value_hash_mix(h, value_number_hash(v));
    case V_STRING:
        return value_hash_bytes(h, v->u.str.s, v->u.str.len);
    case V_ARRAY:
    case V_SET:
        for (size_t i = 0; i < v->u.arr.len; i++)
            h = value_hash_mix(h, value_hash(v->u.arr.items[i]));
        return value_hash_mix(h, v->u.arr.len);
    case V_OBJECT:
        for (size_t i = 0; i < v->u.obj.len; i++) {
            h = value_hash_mix(h, value_hash(v->u.obj.pairs[i].key));
            h = value_hash_mix(h, value_hash(v->u.obj.pairs[i].val));
        }
        return value_hash_mix(h, v->u.obj.len);
    }
    return h;
}

/* ---- sorting (stable bottom-up merge sort; already sorted input is one
 * linear pass) ---- */

static void merge_items(struct value **dst, struct value *const *src, size_t lo, size_t mid,
                        size_t hi)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = value_compare(src[j], src[i]) < 0 ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

static int sort_items(struct value **items, size_t n)
{
    struct value **tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return -1;
    struct value **src = items, **dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge_items(dst, src, lo, mid, hi);
        }
        struct value **t = src;
        src = dst;
        dst = t;
    }
    if (src != items)
        memcpy(items, src, n * sizeof(*items));
    free(tmp);
    return 0;
}

static bool items_strictly_sorted(struct value *const *items, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (value_compare(items[i - 1], items[i]) >= 0)
            return false;
    return true;
}

int value_sort_unique(struct value **items, size_t *len)
{
    size_t n = *len;
    if (n < 2 || items_strictly_sorted(items, n))
        return 0;
    if (sort_items(items, n) < 0)
        return -1;
    size_t out = 1;
    for (size_t i = 1; i < n; i++)
        if (value_compare(items[out - 1], items[i]) != 0)
            items[out++] = items[i];
    *len = out;
    return 0;
}

/* Keys are nearly always strings: compare those without the dispatch. */
static inline int compare_keys(const struct value *a, const struct value *b)
{
    if (a->type == V_STRING && b->type == V_STRING)
        return value_compare_bytes(a->u.str.s, a->u.str.len, b->u.str.s, b->u.str.len);
    return value_compare(a, b);
}

static void merge_pairs(struct value_pair *dst, const struct value_pair *src, size_t lo,
                        size_t mid, size_t hi)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = compare_keys(src[j].key, src[i].key) < 0 ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

static int sort_pairs(struct value_pair *pairs, size_t n)
{
    struct value_pair *tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return -1;
    struct value_pair *src = pairs, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge_pairs(dst, src, lo, mid, hi);
        }
        struct value_pair *t = src;
        src = dst;
        dst = t;
    }
    if (src != pairs)
        memcpy(pairs, src, n * sizeof(*pairs));
    free(tmp);
    return 0;
}

static bool pairs_strictly_sorted(const struct value_pair *pairs, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (compare_keys(pairs[i - 1].key, pairs[i].key) >= 0)
            return false;
    return true;
}

/* Stable insertion sort: small objects (most of them) need no buffer. */
#define SMALL_SORT 16

static void insertion_sort_pairs(struct value_pair *pairs, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct value_pair x = pairs[i];
        size_t j = i;
        for (; j > 0 && compare_keys(x.key, pairs[j - 1].key) < 0; j--)
            pairs[j] = pairs[j - 1];
        pairs[j] = x;
    }
}

int value_sort_pairs(struct value_pair *pairs, size_t *len, enum dup_policy dup,
                     const struct value **dup_key)
{
    size_t n = *len;
    if (n < 2 || pairs_strictly_sorted(pairs, n))
        return 0;
    if (n <= SMALL_SORT)
        insertion_sort_pairs(pairs, n);
    else if (sort_pairs(pairs, n) < 0)
        return -1;
    /* equal keys are adjacent and in input order (stable sort) */
    size_t out = 1;
    for (size_t i = 1; i < n; i++) {
        if (compare_keys(pairs[out - 1].key, pairs[i].key) != 0) {
            pairs[out++] = pairs[i];
            continue;
        }
        if (dup == DUP_FAIL && !value_equal(pairs[out - 1].val, pairs[i].val)) {
            if (dup_key)
                *dup_key = pairs[i].key;
            return -1;
        }
        pairs[out - 1] = pairs[i]; /* last wins */
    }
    *len = out;
    return 0;
}
