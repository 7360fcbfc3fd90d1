/* value.c - constructors, collectors, lookup and deep copy of values.
 *
 * Owns how values are laid out in an arena: the static null/true/false
 * singletons, strings (always NUL-terminated), arrays, and the two sorted
 * containers (objects by key, sets by element) with their duplicate rules.
 * Ordering, equality and hashing live in value_order.c; numbers in
 * value_number.c. */
#include "value/value.h"

#include <stdlib.h>
#include <string.h>

#include "value/value_internal.h"

static struct value value_null_singleton = {.type = V_NULL};
static struct value value_true_singleton = {.type = V_BOOL, .u.b = true};
static struct value value_false_singleton = {.type = V_BOOL, .u.b = false};

struct value *v_null(void) { return &value_null_singleton; }

struct value *v_bool(bool b) { return b ? &value_true_singleton : &value_false_singleton; }

struct value *value_alloc(struct arena *a, enum value_type type)
{
    struct value *v = arena_alloc(a, sizeof(*v));
    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    return v;
}

const char *value_type_name(enum value_type t)
{
    static const char *const names[] = {"null",  "boolean", "number", "string",
                                        "array", "object",  "set"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* ---- strings ---- */

struct value *v_string_ref(struct arena *a, const char *s, size_t len)
{
    struct value *v = value_alloc(a, V_STRING);
    if (!v)
        return NULL;
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

struct value *v_string(struct arena *a, const char *s, size_t len)
{
    char *copy = arena_alloc(a, len + 1);
    if (!copy)
        return NULL;
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    return v_string_ref(a, copy, len);
}

struct value *v_cstr(struct arena *a, const char *s) { return v_string(a, s, strlen(s)); }

/* ---- arrays and sets ---- */

struct value *v_array(struct arena *a, struct value *const *items, size_t n)
{
    struct value *v = value_alloc(a, V_ARRAY);
    if (!v)
        return NULL;
    if (n) {
        if (n > SIZE_MAX / sizeof(*items))
            return NULL;
        v->u.arr.items = arena_memdup(a, items, n * sizeof(*items));
        if (!v->u.arr.items)
            return NULL;
    }
    v->u.arr.len = n;
    return v;
}

struct value *v_set(struct arena *a, struct value *const *items, size_t n)
{
    struct value *v = v_array(a, items, n);
    if (!v)
        return NULL;
    v->type = V_SET;
    if (n > 1 && value_sort_unique(v->u.arr.items, &v->u.arr.len) < 0)
        return NULL;
    return v;
}

/* ---- objects ---- */

struct value *v_object(struct arena *a, const struct value_pair *pairs, size_t n,
                       enum dup_policy dup, const struct value **dup_key)
{
    if (dup_key)
        *dup_key = NULL;
    struct value *v = value_alloc(a, V_OBJECT);
    if (!v)
        return NULL;
    if (n) {
        if (n > SIZE_MAX / sizeof(*pairs))
            return NULL;
        v->u.obj.pairs = arena_memdup(a, pairs, n * sizeof(*pairs));
        if (!v->u.obj.pairs)
            return NULL;
    }
    v->u.obj.len = n;
    if (n > 1 && value_sort_pairs(v->u.obj.pairs, &v->u.obj.len, dup, dup_key) < 0)
        return NULL;
    return v;
}

/* ---- collectors ---- */

static void *grow_array(struct arena *a, void *old, size_t len, size_t *cap, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / elem)
        return NULL;
    void *p = arena_alloc(a, ncap * elem);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, old, len * elem);
    *cap = ncap;
    return p;
}

int value_list_push(struct arena *a, struct value_list *l, struct value *v)
{
    if (!v)
        return -1;
    if (l->len == l->cap) {
        struct value **items = grow_array(a, l->items, l->len, &l->cap, sizeof(*items));
        if (!items)
            return -1;
        l->items = items;
    }
    l->items[l->len++] = v;
    return 0;
}

int pair_list_push(struct arena *a, struct pair_list *l, struct value *k, struct value *v)
{
    if (!k || !v)
        return -1;
    if (l->len == l->cap) {
        struct value_pair *p = grow_array(a, l->pairs, l->len, &l->cap, sizeof(*p));
        if (!p)
            return -1;
        l->pairs = p;
    }
    l->pairs[l->len].key = k;
    l->pairs[l->len].val = v;
    l->len++;
    return 0;
}

int pair_list_push_str(struct arena *a, struct pair_list *l, const char *key, struct value *v)
{
    return pair_list_push(a, l, v_cstr(a, key), v);
}

/* ---- lookup ---- */

struct value *value_object_get(const struct value *obj, const struct value *key)
{
    if (!v_is(obj, V_OBJECT) || !key)
        return NULL;
    size_t lo = 0, hi = obj->u.obj.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = value_compare(obj->u.obj.pairs[mid].key, key);
        if (c == 0)
            return obj->u.obj.pairs[mid].val;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Compares a stored key with the string key (s, n) under value_compare. */
static int compare_key_with_string(const struct value *k, const char *s, size_t n)
{
    if (k->type != V_STRING)
        return k->type < V_STRING ? -1 : 1;
    return value_compare_bytes(k->u.str.s, k->u.str.len, s, n);
}

struct value *value_object_get_strn(const struct value *obj, const char *key, size_t n)
{
    if (!v_is(obj, V_OBJECT) || !key)
        return NULL;
    size_t lo = 0, hi = obj->u.obj.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare_key_with_string(obj->u.obj.pairs[mid].key, key, n);
        if (c == 0)
            return obj->u.obj.pairs[mid].val;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Compares the stored key k with the string (s, n) under value_compare,
 * knowing their first `skip` bytes are equal; *lcp receives the length of
 * their common prefix (0 for a non-string key). */
static int compare_key_from(const struct value *k, const char *s, size_t n, size_t skip,
                            size_t *lcp)
{
    if (k->type != V_STRING) {
        *lcp = 0;
        return k->type < V_STRING ? -1 : 1;
    }
    const unsigned char *a = (const unsigned char *)k->u.str.s;
    const unsigned char *b = (const unsigned char *)s;
    size_t m = k->u.str.len < n ? k->u.str.len : n;
    size_t i = skip < m ? skip : m;
    while (i + 8 <= m) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)__builtin_ctzll(x ^ y) / 8; /* the first differing byte */
#endif
            break;
        }
        i += 8;
    }
    while (i < m && a[i] == b[i])
        i++;
    *lcp = i;
    if (i < m)
        return a[i] < b[i] ? -1 : 1;
    return k->u.str.len < n ? -1 : k->u.str.len > n ? 1 : 0;
}

/* Binary search keeping the common prefix of the key with the lower and
 * upper bounds: every key between them shares the shorter of the two. */
struct value *value_object_get_strn_fast(const struct value *obj, const char *key, size_t n)
{
    if (!v_is(obj, V_OBJECT) || !key)
        return NULL;
    if (obj->u.obj.len <= 8) {
        /* small objects (records): a scan that mostly compares lengths */
        for (size_t i = 0; i < obj->u.obj.len; i++) {
            const struct value *k = obj->u.obj.pairs[i].key;
            if (k->type != V_STRING || k->u.str.len != n)
                continue;
            if (n == 0 || (k->u.str.s[0] == key[0] && memcmp(k->u.str.s, key, n) == 0))
                return obj->u.obj.pairs[i].val;
        }
        return NULL;
    }
    size_t lo = 0, hi = obj->u.obj.len, lo_lcp = 0, hi_lcp = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, lcp;
        int c = compare_key_from(obj->u.obj.pairs[mid].key, key, n,
                                 lo_lcp < hi_lcp ? lo_lcp : hi_lcp, &lcp);
        if (c == 0)
            return obj->u.obj.pairs[mid].val;
        if (c < 0) {
            lo = mid + 1;
            lo_lcp = lcp;
        } else {
            hi = mid;
            hi_lcp = lcp;
        }
    }
    return NULL;
}

struct value *value_object_get_fast(const struct value *obj, const struct value *key)
{
    if (key && key->type == V_STRING)
        return value_object_get_strn_fast(obj, key->u.str.s, key->u.str.len);
    return value_object_get(obj, key);
}

struct value *value_object_get_str(const struct value *obj, const char *key)
{
    return key ? value_object_get_strn(obj, key, strlen(key)) : NULL;
}

long value_set_index(const struct value *set, const struct value *elem)
{
    if (!set || !elem)
        return -1;
    if (set->type == V_OBJECT) {
        size_t lo = 0, hi = set->u.obj.len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = value_compare(set->u.obj.pairs[mid].key, elem);
            if (c == 0)
                return (long)mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return -1;
    }
    if (set->type != V_SET)
        return -1;
    size_t lo = 0, hi = set->u.arr.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = value_compare(set->u.arr.items[mid], elem);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

bool value_set_contains(const struct value *set, const struct value *elem)
{
    return v_is(set, V_SET) && value_set_index(set, elem) >= 0;
}

/* ---- deep copy ----
 * Recursion depth is bounded by the depth of the value, which every
 * producer limits (the JSON parser to 128, Rego by its own limits). */

static struct value *copy_number(struct arena *dst, const struct value *v)
{
    struct value *c = value_alloc(dst, V_NUMBER);
    if (!c)
        return NULL;
    c->num_kind = v->num_kind;
    c->u.num = v->u.num;
    if (v->u.num.text) {
        c->u.num.text = arena_strdup(dst, v->u.num.text);
        if (!c->u.num.text)
            return NULL;
    }
    return c;
}

static struct value *copy_items(struct arena *dst, const struct value *v)
{
    struct value *c = value_alloc(dst, (enum value_type)v->type);
    if (!c)
        return NULL;
    size_t n = v->u.arr.len;
    if (n) {
        c->u.arr.items = arena_alloc(dst, n * sizeof(*c->u.arr.items));
        if (!c->u.arr.items)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (!(c->u.arr.items[i] = value_copy(dst, v->u.arr.items[i])))
                return NULL;
    }
    c->u.arr.len = n;
    return c;
}

static struct value *copy_object(struct arena *dst, const struct value *v)
{
    struct value *c = value_alloc(dst, V_OBJECT);
    if (!c)
        return NULL;
    size_t n = v->u.obj.len;
    if (n) {
        c->u.obj.pairs = arena_alloc(dst, n * sizeof(*c->u.obj.pairs));
        if (!c->u.obj.pairs)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            c->u.obj.pairs[i].key = value_copy(dst, v->u.obj.pairs[i].key);
            c->u.obj.pairs[i].val = value_copy(dst, v->u.obj.pairs[i].val);
            if (!c->u.obj.pairs[i].key || !c->u.obj.pairs[i].val)
                return NULL;
        }
    }
    c->u.obj.len = n;
    return c;
}

struct value *value_copy(struct arena *dst, const struct value *v)
{
    if (!v)
        return NULL;
    switch (v->type) {
    case V_NULL:
        return v_null();
    case V_BOOL:
        return v_bool(v->u.b);
    case V_NUMBER:
        return copy_number(dst, v);
    case V_STRING:
        return v_string(dst, v->u.str.s, v->u.str.len);
    case V_ARRAY:
    case V_SET:
        return copy_items(dst, v);
    case V_OBJECT:
        return copy_object(dst, v);
    }
    return NULL;
}
