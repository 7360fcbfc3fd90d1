/* test_object_get_fast.c - value_object_get_fast / value_object_get_strn_fast
 * (the prefix-skipping binary search the Rego engine uses) give exactly the
 * results of value_object_get / value_object_get_strn: keys with long
 * common prefixes, keys that are prefixes of others, bytes above 0x7f,
 * embedded NULs, non-string keys before and after the strings, absent keys
 * between, before and after every member. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "value/value.h"

static struct arena A;

static void setup(void) { arena_init(&A, 0); }
static void teardown(void) { arena_free(&A); }

TestSuite(object_get_fast, .init = setup, .fini = teardown);

/* Deterministic key material: a shared prefix of varying length, then a
 * tail drawn from a small alphabet including 0x00 and 0xff. */
static size_t make_key(unsigned seed, char *out)
{
    static const char alphabet[] = {'a', 'b', 'z', '\0', (char)0xff, (char)0x80, '.', '_'};
    unsigned x = seed * 2654435761u + 12345u;
    size_t prefix = (x >> 3) % 3 == 0 ? 0 : (x >> 5) % 2 == 0 ? 9 : 21;
    memcpy(out, "tdx.quote.body.claim_", prefix);
    size_t tail = 1 + (x >> 8) % 11;
    for (size_t i = 0; i < tail; i++) {
        x = x * 1103515245u + 12345u;
        out[prefix + i] = alphabet[(x >> 16) % sizeof(alphabet)];
    }
    return prefix + tail;
}

static struct value *build_object(unsigned nkeys, bool mixed)
{
    struct pair_list pl = {0};
    char buf[64];
    for (unsigned i = 0; i < nkeys; i++) {
        size_t n = make_key(i, buf);
        cr_assert_eq(pair_list_push(&A, &pl, v_string(&A, buf, n), v_int(&A, i)), 0);
    }
    if (mixed) {
        cr_assert_eq(pair_list_push(&A, &pl, v_int(&A, 7), v_null()), 0);
        cr_assert_eq(pair_list_push(&A, &pl, v_bool(true), v_null()), 0);
        struct value *items[1] = {v_int(&A, 1)};
        cr_assert_eq(pair_list_push(&A, &pl, v_array(&A, items, 1), v_null()), 0);
    }
    struct value *o = v_object(&A, pl.pairs, pl.len, DUP_LAST_WINS, NULL);
    cr_assert_not_null(o);
    return o;
}

static void check_same(const struct value *o, const char *k, size_t n)
{
    struct value *key = v_string(&A, k, n);
    cr_assert_eq(value_object_get_fast(o, key), value_object_get(o, key));
    cr_assert_eq(value_object_get_strn_fast(o, k, n), value_object_get_strn(o, k, n));
}

Test(object_get_fast, same_results_as_the_generic_lookup)
{
    static const unsigned sizes[] = {0, 1, 2, 3, 7, 64, 100, 257};
    char buf[64];
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (int mixed = 0; mixed < 2; mixed++) {
            struct value *o = build_object(sizes[s], mixed);
            size_t found = 0;
            for (unsigned i = 0; i < 600; i++) {
                size_t n = make_key(i, buf);
                check_same(o, buf, n);
                found += value_object_get_strn_fast(o, buf, n) != NULL;
                check_same(o, buf, n - 1); /* proper prefixes */
                buf[n] = 'a';
                check_same(o, buf, n + 1); /* extensions */
            }
            cr_assert_geq(found, sizes[s] ? 1 : 0);
            /* every member is found, with its own value */
            for (size_t i = 0; i < o->u.obj.len; i++)
                cr_assert_eq(value_object_get_fast(o, o->u.obj.pairs[i].key),
                             o->u.obj.pairs[i].val);
            check_same(o, "", 0);
        }
    }
}

Test(object_get_fast, non_string_keys_and_non_objects)
{
    struct value *o = build_object(50, true);
    cr_assert_null(value_object_get_fast(o, NULL));
    cr_assert_null(value_object_get_strn_fast(NULL, "a", 1));
    cr_assert_null(value_object_get_strn_fast(v_int(&A, 1), "a", 1));
    cr_assert_eq(value_object_get_fast(o, v_int(&A, 7)), v_null());
    cr_assert_eq(value_object_get_fast(o, v_bool(true)), v_null());
    cr_assert_null(value_object_get_fast(o, v_int(&A, 8)));
}
