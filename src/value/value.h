/* value.h - the one value type of the program, and JSON.
 *
 * A value is null, boolean, number, string, array, object or set: the JSON
 * data model plus Rego's sets and non-string object keys.  The whole program
 * speaks it: the JSON request parser, the claims a verifier produces, the
 * Rego evaluator, the token printer.
 *
 * Memory: values are immutable once built and live in an arena
 * (base/arena.h); there is no reference counting and no free.  A value may
 * point into other values of the same or of a longer-lived arena (a compiled
 * policy's constants are shared by every evaluation of it, from any thread).
 * null/true/false are static singletons.
 *
 * Ordering: the enum order below is OPA's total order between types
 * (null < boolean < number < string < array < object < set).  Objects keep
 * their members sorted by key and sets their elements sorted, both under
 * value_compare, with no duplicates; so printing is deterministic and lookup
 * is a binary search.
 *
 * Numbers keep what JSON and Rego need:
 *   NUM_INT   an integer that fits int64;
 *   NUM_BIG   an integer beyond int64, kept as its decimal text;
 *   NUM_FLOAT a number written with a fraction or exponent (or computed as
 *             one), kept as a double plus, when it came from text, that text.
 * value_compare compares numbers exactly by value (1 == 1.0; 2^80 vs 2^80+1). */
#ifndef AS_VALUE_VALUE_H
#define AS_VALUE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"

enum value_type { V_NULL = 0, V_BOOL, V_NUMBER, V_STRING, V_ARRAY, V_OBJECT, V_SET };
enum num_kind { NUM_INT = 0, NUM_BIG, NUM_FLOAT };

struct value;

struct value_pair {
    struct value *key;
    struct value *val;
};

struct value {
    uint8_t type;     /* enum value_type */
    uint8_t num_kind; /* enum num_kind, for V_NUMBER */
    union {
        bool b;
        struct {
            int64_t i;        /* NUM_INT */
            double d;         /* NUM_FLOAT (and an approximation for NUM_BIG) */
            const char *text; /* NUM_BIG: decimal digits with optional '-';
                                 NUM_FLOAT: the literal as written, or NULL */
        } num;
        struct {
            const char *s; /* UTF-8, NUL-terminated; may contain NUL (use len) */
            size_t len;
        } str;
        struct {
            struct value **items;
            size_t len;
        } arr; /* V_ARRAY and V_SET (sorted, unique) */
        struct {
            struct value_pair *pairs; /* sorted by key, unique keys */
            size_t len;
        } obj;
    } u;
};

/* ---- constructors (NULL only on out-of-memory) ---- */
struct value *v_null(void);
struct value *v_bool(bool b);
struct value *v_int(struct arena *a, int64_t i);
struct value *v_float(struct arena *a, double d);
/* Parses a JSON/Rego number literal (already validated syntax) into the
 * right kind; keeps the text for NUM_BIG/NUM_FLOAT. */
struct value *v_number_text(struct arena *a, const char *text, size_t len);
struct value *v_string(struct arena *a, const char *s, size_t len); /* copies */
struct value *v_cstr(struct arena *a, const char *s);               /* copies */
/* No copy: s must live as long as the value (e.g. in the same arena). */
struct value *v_string_ref(struct arena *a, const char *s, size_t len);
/* Copies the item pointer array. */
struct value *v_array(struct arena *a, struct value *const *items, size_t n);
/* Sorts and removes duplicates; items array is copied. */
struct value *v_set(struct arena *a, struct value *const *items, size_t n);

enum dup_policy {
    DUP_LAST_WINS, /* JSON objects (serde_json behaviour) */
    DUP_FAIL,      /* a duplicate key with a different value fails (returns NULL,
                      *dup_key set); equal duplicates collapse (Rego) */
};
/* Sorts by key; pairs array is copied. On DUP_FAIL conflict returns NULL and,
 * if dup_key is not NULL, sets *dup_key to the offending key. */
struct value *v_object(struct arena *a, const struct value_pair *pairs, size_t n,
                       enum dup_policy dup, const struct value **dup_key);

/* Growable collectors for building arrays, sets and objects in an arena. */
struct value_list {
    struct value **items;
    size_t len, cap;
};
struct pair_list {
    struct value_pair *pairs;
    size_t len, cap;
};
int value_list_push(struct arena *a, struct value_list *l, struct value *v);
int pair_list_push(struct arena *a, struct pair_list *l, struct value *k, struct value *v);
/* Convenience for string keys (copied). */
int pair_list_push_str(struct arena *a, struct pair_list *l, const char *key, struct value *v);

/* ---- inspection ---- */
static inline bool v_is(const struct value *v, enum value_type t) { return v && v->type == t; }
const char *value_type_name(enum value_type t); /* "null", "boolean", "number", "string",
                                                   "array", "object", "set" (OPA names) */
/* OPA's total order; numbers by exact value. <0, 0, >0. */
int value_compare(const struct value *a, const struct value *b);
/* value_compare(a, b) == 0 (NULL equals only NULL), with the common
 * answers in place: the same value, different types, strings,
 * collections of different sizes (an inline function: it is on the
 * evaluator's hottest paths). */
static inline bool value_equal(const struct value *a, const struct value *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case V_STRING:
        return a->u.str.len == b->u.str.len &&
               (a->u.str.len == 0 || memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0);
    case V_ARRAY:
    case V_SET:
        return a->u.arr.len == b->u.arr.len && value_compare(a, b) == 0;
    case V_OBJECT:
        return a->u.obj.len == b->u.obj.len && value_compare(a, b) == 0;
    default:
        return value_compare(a, b) == 0;
    }
}
uint64_t value_hash(const struct value *v); /* consistent with value_equal */

/* Object member lookup (binary search); NULL when absent. */
struct value *value_object_get(const struct value *obj, const struct value *key);
struct value *value_object_get_str(const struct value *obj, const char *key);
struct value *value_object_get_strn(const struct value *obj, const char *key, size_t n);
/* The same lookups, faster on string keys: the binary search skips the
 * prefix the search key is known to share with both bounds (keys with long
 * common prefixes such as "tdx.quote.body.") and compares bytes inline.
 * Same results as value_object_get / value_object_get_strn. */
struct value *value_object_get_fast(const struct value *obj, const struct value *key);
struct value *value_object_get_strn_fast(const struct value *obj, const char *key, size_t n);
bool value_set_contains(const struct value *set, const struct value *elem);
/* Index of elem in a sorted set / key in an object, or -1. */
long value_set_index(const struct value *set, const struct value *elem);

/* Number helpers.  value_as_int64 fails (-1) for non-integers or overflow. */
int value_as_int64(const struct value *v, int64_t *out);
double value_as_double(const struct value *v);
bool value_is_integer(const struct value *v);

/* Deep copy into another arena (e.g. to keep a result beyond an evaluation). */
struct value *value_copy(struct arena *dst, const struct value *v);

/* ---- JSON ---- */
struct json_parse_opts {
    int max_depth;   /* 0 = 128, as serde_json */
    bool allow_trailing; /* accept text after the value (default: reject) */
};
/* Strict RFC 8259 parsing (the JSONTestSuite y_/n_ cases).  Objects: last
 * duplicate wins.  Invalid UTF-8 and lone surrogate escapes are rejected.
 * Error detail: "<message> at line L column C", type ERR_INVALID_JSON,
 * status 400. */
int json_parse(struct arena *a, const char *text, size_t len, const struct json_parse_opts *opts,
               struct value **out, struct as_error *err);

enum json_style {
    JSON_COMPACT,   /* no whitespace; numbers as OPA prints them; sets as sorted
                       arrays; non-string keys as their JSON text */
    JSON_CANON_V24, /* serde_json 1.0.132 compact output of a BTreeMap value
                       (binding.md §1.2): integers if they fit i64/u64, other
                       numbers as f64 in ryu layout ("1.0", "1e16") */
    JSON_JCS,       /* RFC 8785 (binding.md §1.3): keys by UTF-16 code units,
                       numbers as ECMAScript Number.prototype.toString */
    JSON_PRETTY,    /* two-space indentation, for people */
};
/* Appends to b; 0 or -1 (out of memory). */
int json_print(struct buf *b, const struct value *v, enum json_style style);
/* Convenience: arena string of the compact form. */
char *json_to_string(struct arena *a, const struct value *v, enum json_style style);
/* Appends a JSON string literal (quotes and serde_json escaping). */
void json_print_string(struct buf *b, const char *s, size_t len);

#endif
