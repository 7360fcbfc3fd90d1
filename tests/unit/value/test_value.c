/* test_value.c - the value type: constructors, OPA's total order with exact
 * numbers, equality and hashing, objects and sets (sorting, duplicates,
 * lookup), number helpers and deep copy. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "value/value.h"

static struct arena A;

static void setup(void) { arena_init(&A, 0); }
static void teardown(void) { arena_free(&A); }

TestSuite(value, .init = setup, .fini = teardown);

static struct value *num(const char *text) { return v_number_text(&A, text, strlen(text)); }

static struct value *json(const char *text)
{
    struct value *v = NULL;
    struct as_error err = {0};
    cr_assert_eq(json_parse(&A, text, strlen(text), NULL, &v, &err), 0, "%s: %s", text, err.detail);
    return v;
}

static int sign(int c) { return (c > 0) - (c < 0); }

static void expect_order(struct value *a, struct value *b, int want)
{
    char *as = json_to_string(&A, a, JSON_COMPACT), *bs = json_to_string(&A, b, JSON_COMPACT);
    cr_expect_eq(sign(value_compare(a, b)), want, "compare(%s, %s) != %d", as, bs, want);
    cr_expect_eq(sign(value_compare(b, a)), -want, "compare(%s, %s) != %d", bs, as, -want);
    cr_expect_eq(value_equal(a, b), want == 0, "equal(%s, %s)", as, bs);
    if (want == 0)
        cr_expect_eq(value_hash(a), value_hash(b), "hash(%s) != hash(%s)", as, bs);
}

Test(value, singletons_and_type_names)
{
    cr_expect_eq(v_null(), v_null());
    cr_expect_eq(v_bool(true), v_bool(true));
    cr_expect_neq(v_bool(true), v_bool(false));
    cr_expect_str_eq(value_type_name(V_NULL), "null");
    cr_expect_str_eq(value_type_name(V_BOOL), "boolean");
    cr_expect_str_eq(value_type_name(V_NUMBER), "number");
    cr_expect_str_eq(value_type_name(V_STRING), "string");
    cr_expect_str_eq(value_type_name(V_ARRAY), "array");
    cr_expect_str_eq(value_type_name(V_OBJECT), "object");
    cr_expect_str_eq(value_type_name(V_SET), "set");
}

Test(value, number_kinds_from_text)
{
    struct value *v = num("42");
    cr_expect_eq(v->num_kind, NUM_INT);
    cr_expect_eq(v->u.num.i, 42);
    v = num("-9223372036854775808");
    cr_expect_eq(v->num_kind, NUM_INT);
    cr_expect_eq(v->u.num.i, INT64_MIN);
    v = num("9223372036854775808");
    cr_expect_eq(v->num_kind, NUM_BIG);
    cr_expect_str_eq(v->u.num.text, "9223372036854775808");
    v = num("-9223372036854775809");
    cr_expect_eq(v->num_kind, NUM_BIG);
    v = num("1.5");
    cr_expect_eq(v->num_kind, NUM_FLOAT);
    cr_expect_str_eq(v->u.num.text, "1.5");
    cr_expect(v->u.num.d == 1.5);
    v = num("-0");
    cr_expect_eq(v->num_kind, NUM_FLOAT, "-0 is a float, as serde_json");
    cr_expect(signbit(v->u.num.d));
    v = num("1E2");
    cr_expect_eq(v->num_kind, NUM_FLOAT);
    cr_expect(v->u.num.d == 100.0);
}

Test(value, order_between_types)
{
    struct value *vals[] = {
        v_null(),     v_bool(false), v_bool(true),   num("-1"),          num("0.5"),
        v_cstr(&A, ""), v_cstr(&A, "a"), json("[]"), json("[null]"), json("{}"),
        json("{\"a\":1}"), v_set(&A, NULL, 0),
    };
    size_t n = sizeof(vals) / sizeof(vals[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            expect_order(vals[i], vals[j], i < j ? -1 : i > j ? 1 : 0);
}

Test(value, exact_number_order)
{
    expect_order(num("1"), num("1.0"), 0);
    expect_order(num("1"), num("1e0"), 0);
    expect_order(num("100"), num("1E2"), 0);
    expect_order(num("0"), num("-0"), 0);
    expect_order(num("0"), num("-0.0"), 0);
    expect_order(num("1"), num("1.5"), -1);
    expect_order(num("-1"), num("-0.5"), -1);
    expect_order(num("-2"), num("-1.5"), -1);
    /* 2^80 - 1 and 2^80 */
    expect_order(num("1208925819614629174706175"), num("1208925819614629174706176"), -1);
    expect_order(num("123456789123456789123"), num("123456789123456789124"), -1);
    expect_order(num("-123456789123456789123"), num("-123456789123456789124"), 1);
    expect_order(num("-123456789123456789123"), num("123456789123456789123"), -1);
    expect_order(num("99999999999999999999"), num("100000000000000000000"), -1);
    /* big vs int64 extremes */
    expect_order(num("9223372036854775807"), num("9223372036854775808"), -1);
    expect_order(num("-9223372036854775808"), num("-9223372036854775809"), 1);
    /* big vs float: 2^80 is exactly a double, 2^80 - 1 is not */
    expect_order(num("1208925819614629174706176"), num("1.208925819614629174706176e24"), 0);
    expect_order(num("1208925819614629174706175"), num("1.208925819614629174706176e24"), -1);
    expect_order(num("1208925819614629174706177"), num("1.208925819614629174706176e24"), 1);
    expect_order(num("100000000000000000000"), num("1e20"), 0);
    expect_order(num("-100000000000000000000"), num("-1e20"), 0);
    expect_order(num("100000000000000000001"), num("1e20"), 1);
    expect_order(num("100000000000000000000"), num("1.5"), 1);
    expect_order(num("-100000000000000000000"), num("1.5"), -1);
    /* int64 vs float near 2^63 */
    expect_order(num("9223372036854775807"), num("9.223372036854775808e18"), -1);
    expect_order(num("-9223372036854775808"), num("-9.223372036854775808e18"), 0);
    expect_order(num("9007199254740993"), num("9007199254740992.0"), 1);
    expect_order(v_int(&A, 3), v_float(&A, 3.0), 0);
    expect_order(v_int(&A, 3), v_float(&A, 3.0000000000000004), -1);
    expect_order(v_float(&A, 0.1), num("0.1"), 0);
}

/* Literals get the double strtod gives (the fast path for short decimals
 * must agree with it exactly). */
Test(value, number_text_to_double_is_correctly_rounded)
{
    static const char *const texts[] = {
        "0.1", "0.2", "0.3", "1.5", "-2.25", "3.14159", "1e22", "1e23", "9007199254740993.0",
        "9007199254740992.5", "123456789012345.6", "0.000001", "1e-22", "1e-23", "4.35e-20",
        "2.2250738585072011e-308", "17976931348623157e292", "0.1e1", "100.0e-2", "-0.0",
        "12345678901234567890.5", "1234567890123456789e-10", "8.5e15", "7.0e-10", "1E+2", "5e-324",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct value *v = num(texts[i]);
        cr_expect(v->u.num.d == strtod(texts[i], NULL) && signbit(v->u.num.d) == signbit(strtod(texts[i], NULL)),
                  "%s", texts[i]);
    }
    /* every short decimal with an exponent in the fast path's range */
    char text[64];
    unsigned seed = 12345;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned long long mant = ((unsigned long long)seed << 20) ^ (seed >> 3);
        int digits = 1 + (int)(seed % 17), exp = (int)((seed >> 8) % 61) - 30;
        snprintf(text, sizeof(text), "%.*llu.%llue%d", digits, mant % 100000000000000000ull,
                 mant % 1000, exp);
        cr_assert(num(text)->u.num.d == strtod(text, NULL), "%s", text);
    }
}

Test(value, hash_agrees_with_equality_across_kinds)
{
    cr_expect_eq(value_hash(num("1")), value_hash(num("1.0")));
    cr_expect_eq(value_hash(num("1e20")), value_hash(num("100000000000000000000")));
    cr_expect_eq(value_hash(num("-1e20")), value_hash(num("-100000000000000000000")));
    cr_expect_eq(value_hash(num("0")), value_hash(num("-0.0")));
    cr_expect_eq(value_hash(json("{\"a\":[1,2.0]}")), value_hash(json("{\"a\":[1.0,2]}")));
    cr_expect_neq(value_hash(num("1")), value_hash(num("2")));
    cr_expect_neq(value_hash(v_cstr(&A, "1")), value_hash(num("1")));
    cr_expect_neq(value_hash(json("[1,2]")), value_hash(json("[2,1]")));
}

Test(value, strings_bytewise)
{
    expect_order(v_cstr(&A, "a"), v_cstr(&A, "b"), -1);
    expect_order(v_cstr(&A, "a"), v_cstr(&A, "ab"), -1);
    expect_order(v_cstr(&A, "Z"), v_cstr(&A, "a"), -1);
    expect_order(v_cstr(&A, "\x7f"), v_cstr(&A, "\xc3\xa9"), -1); /* bytes, unsigned */
    expect_order(v_string(&A, "a\0b", 3), v_string(&A, "a\0c", 3), -1);
    expect_order(v_string(&A, "a\0", 2), v_string(&A, "a", 1), 1);
    struct value *s = v_string(&A, "x\0y", 3);
    cr_expect_eq(s->u.str.len, 3);
    cr_expect_eq(s->u.str.s[3], '\0');
}

Test(value, arrays_elementwise_then_length)
{
    expect_order(json("[1,2]"), json("[1,3]"), -1);
    expect_order(json("[1,2]"), json("[1,2,0]"), -1);
    expect_order(json("[2]"), json("[1,2,3]"), 1);
    expect_order(json("[1.0,\"a\"]"), json("[1,\"a\"]"), 0);
}

Test(value, objects_pairwise_then_size)
{
    expect_order(json("{\"a\":1}"), json("{\"b\":0}"), -1);
    expect_order(json("{\"a\":1}"), json("{\"a\":2}"), -1);
    expect_order(json("{\"a\":1}"), json("{\"a\":1,\"b\":1}"), -1);
    expect_order(json("{\"b\":1}"), json("{\"a\":1,\"b\":1}"), 1);
    expect_order(json("{\"b\":1,\"a\":2}"), json("{\"a\":2,\"b\":1.0}"), 0);
}

Test(value, sets_sorted_unique)
{
    struct value *items[] = {num("3"), num("1"), num("2.0"), num("1.0"), num("2"), v_cstr(&A, "x")};
    struct value *s = v_set(&A, items, 6);
    cr_assert_eq(s->type, V_SET);
    cr_assert_eq(s->u.arr.len, 4);
    cr_expect_str_eq(json_to_string(&A, s, JSON_COMPACT), "[1,2.0,3,\"x\"]");
    cr_expect(value_set_contains(s, num("2")));
    cr_expect(value_set_contains(s, num("3.0")));
    cr_expect(!value_set_contains(s, num("4")));
    cr_expect_eq(value_set_index(s, v_cstr(&A, "x")), 3);
    cr_expect_eq(value_set_index(s, v_cstr(&A, "y")), -1);
    /* sets of objects, and sets compared element-wise then by size */
    struct value *o[] = {json("{\"b\":1}"), json("{\"a\":2}"), json("{\"a\":1}"), json("{\"a\":1.0}")};
    struct value *so = v_set(&A, o, 4);
    cr_assert_eq(so->u.arr.len, 3);
    cr_expect_str_eq(json_to_string(&A, so, JSON_COMPACT), "[{\"a\":1},{\"a\":2},{\"b\":1}]");
    struct value *sub = v_set(&A, o, 2);
    expect_order(sub, so, 1); /* {a:2},{b:1} vs {a:1},...: first element decides */
    struct value *prefix = v_set(&A, o + 2, 1);
    expect_order(prefix, so, -1);
    struct value *a1[] = {num("1")}, *a2[] = {num("1"), num("2")};
    expect_order(v_set(&A, a1, 1), v_set(&A, a2, 2), -1);
}

Test(value, object_sort_lookup_and_nonstring_keys)
{
    struct value_pair pairs[] = {
        {v_cstr(&A, "b"), num("2")}, {num("1"), v_cstr(&A, "one")},
        {v_cstr(&A, "a"), num("1")}, {v_null(), v_bool(true)},
    };
    struct value *o = v_object(&A, pairs, 4, DUP_LAST_WINS, NULL);
    cr_assert_not_null(o);
    cr_assert_eq(o->u.obj.len, 4);
    cr_expect_eq(o->u.obj.pairs[0].key->type, V_NULL);
    cr_expect_eq(o->u.obj.pairs[1].key->type, V_NUMBER);
    cr_expect_str_eq(o->u.obj.pairs[2].key->u.str.s, "a");
    /* printed as OPA does: non-string keys become their JSON text and the
     * members are ordered by the printed keys */
    cr_expect_str_eq(json_to_string(&A, o, JSON_COMPACT),
                     "{\"1\":\"one\",\"a\":1,\"b\":2,\"null\":true}");
    cr_expect(value_equal(value_object_get_str(o, "b"), num("2")));
    cr_expect(value_equal(value_object_get_strn(o, "ab", 1), num("1")));
    cr_expect_null(value_object_get_str(o, "c"));
    cr_expect_str_eq(value_object_get(o, num("1.0"))->u.str.s, "one");
    cr_expect(value_object_get(o, v_null()) == v_bool(true));
    cr_expect_eq(value_set_index(o, v_cstr(&A, "b")), 3);
    cr_expect_null(value_object_get_str(v_null(), "a"));
}

Test(value, printed_key_collision_keeps_the_string_key)
{
    struct value *arr_items[] = {num("2"), v_cstr(&A, "a")};
    struct value_pair pairs[] = {
        {v_cstr(&A, "1"), v_cstr(&A, "string key")},
        {num("1"), v_cstr(&A, "number key")},
        {v_array(&A, arr_items, 2), v_null()},
        {v_cstr(&A, "0"), v_bool(false)},
    };
    struct value *o = v_object(&A, pairs, 4, DUP_FAIL, NULL);
    cr_assert_not_null(o);
    cr_assert_eq(o->u.obj.len, 4, "1 and \"1\" are different keys");
    const char *want = "{\"0\":false,\"1\":\"string key\",\"[2,\\\"a\\\"]\":null}";
    cr_expect_str_eq(json_to_string(&A, o, JSON_COMPACT), want);
    cr_expect_str_eq(json_to_string(&A, o, JSON_CANON_V24), want);
    cr_expect_str_eq(json_to_string(&A, o, JSON_JCS), want);
}

Test(value, duplicate_keys)
{
    struct value_pair dup[] = {
        {v_cstr(&A, "k"), num("1")}, {v_cstr(&A, "j"), num("0")}, {v_cstr(&A, "k"), num("2")},
    };
    struct value *o = v_object(&A, dup, 3, DUP_LAST_WINS, NULL);
    cr_assert_not_null(o);
    cr_expect_str_eq(json_to_string(&A, o, JSON_COMPACT), "{\"j\":0,\"k\":2}");
    const struct value *bad = NULL;
    cr_expect_null(v_object(&A, dup, 3, DUP_FAIL, &bad));
    cr_assert_not_null(bad);
    cr_expect_str_eq(bad->u.str.s, "k");
    struct value_pair same[] = {
        {v_cstr(&A, "k"), num("1")}, {v_cstr(&A, "k"), num("1.0")}, {v_cstr(&A, "a"), num("0")},
    };
    bad = NULL;
    o = v_object(&A, same, 3, DUP_FAIL, &bad);
    cr_assert_not_null(o, "equal duplicates collapse");
    cr_expect_null(bad);
    cr_expect_eq(o->u.obj.len, 2);
    cr_expect_str_eq(json_to_string(&A, json("{\"a\":1,\"a\":2,\"a\":3}"), JSON_COMPACT), "{\"a\":3}");
}

Test(value, collectors)
{
    struct value_list l = {0};
    struct pair_list p = {0};
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(value_list_push(&A, &l, v_int(&A, 99 - i)), 0);
        char key[8];
        snprintf(key, sizeof(key), "k%02d", 99 - i);
        cr_assert_eq(pair_list_push_str(&A, &p, key, v_int(&A, i)), 0);
    }
    cr_expect_eq(value_list_push(&A, &l, NULL), -1);
    struct value *arr = v_array(&A, l.items, l.len);
    cr_expect_eq(arr->u.arr.len, 100);
    cr_expect_eq(arr->u.arr.items[0]->u.num.i, 99);
    struct value *set = v_set(&A, l.items, l.len);
    cr_expect_eq(set->u.arr.items[0]->u.num.i, 0);
    cr_expect_eq(set->u.arr.items[99]->u.num.i, 99);
    struct value *obj = v_object(&A, p.pairs, p.len, DUP_FAIL, NULL);
    cr_assert_not_null(obj);
    cr_expect_str_eq(obj->u.obj.pairs[0].key->u.str.s, "k00");
    cr_expect_eq(value_object_get_str(obj, "k00")->u.num.i, 99);
    cr_expect_eq(value_object_get_str(obj, "k73")->u.num.i, 26);
}

Test(value, number_helpers)
{
    int64_t i = 0;
    cr_expect_eq(value_as_int64(num("12"), &i), 0);
    cr_expect_eq(i, 12);
    cr_expect_eq(value_as_int64(num("12.0"), &i), 0);
    cr_expect_eq(i, 12);
    cr_expect_eq(value_as_int64(num("1e3"), &i), 0);
    cr_expect_eq(i, 1000);
    cr_expect_eq(value_as_int64(num("12.5"), &i), -1);
    cr_expect_eq(value_as_int64(num("9223372036854775808"), &i), -1);
    cr_expect_eq(value_as_int64(num("9.3e18"), &i), -1);
    cr_expect_eq(value_as_int64(v_cstr(&A, "1"), &i), -1);
    cr_expect(value_is_integer(num("3")));
    cr_expect(value_is_integer(num("3.0")));
    cr_expect(value_is_integer(num("123456789123456789123")));
    cr_expect(!value_is_integer(num("3.25")));
    cr_expect(!value_is_integer(v_null()));
    cr_expect(value_as_double(num("7")) == 7.0);
    cr_expect(value_as_double(num("0.25")) == 0.25);
    cr_expect(value_as_double(num("100000000000000000000")) == 1e20);
    cr_expect(isnan(value_as_double(v_null())));
}

Test(value, deep_copy_outlives_source)
{
    struct arena src, dst;
    arena_init(&src, 0);
    arena_init(&dst, 0);
    const char *text = "{\"a\":[1,2.50,\"x\",null,true,123456789123456789123],\"b\":{\"c\":{}}}";
    struct value *v = NULL;
    cr_assert_eq(json_parse(&src, text, strlen(text), NULL, &v, NULL), 0);
    struct value *items[] = {v, v_cstr(&src, "s")};
    struct value *s = v_set(&src, items, 2);
    struct value *c = value_copy(&dst, s);
    char *before = json_to_string(&dst, s, JSON_COMPACT);
    arena_free(&src);
    cr_expect_str_eq(json_to_string(&dst, c, JSON_COMPACT), before);
    cr_expect_eq(c->type, V_SET);
    arena_free(&dst);
}
