/* bi_test_util.h - helpers for the built-in unit tests (test_bi_*.c):
 * build argument values from JSON text, call a built-in by name through
 * the registry, and compare results with expected JSON. */
#ifndef TEST_BI_TEST_UTIL_H
#define TEST_BI_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "rego/builtins.h"
#include "value/value.h"

static struct arena bt_arena;
static struct as_error bt_err;
static const char *bt_code;

static void bt_setup(void) { arena_init(&bt_arena, 1 << 16); }
static void bt_teardown(void) { arena_free(&bt_arena); }

/* A value from JSON text. */
static inline struct value *J(const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    int rc = json_parse(&bt_arena, json, strlen(json), NULL, &v, &err);
    cr_assert(rc == 0, "bad test JSON %s: %s", json, err.detail);
    return v;
}

/* A set of the elements of a JSON array. */
static inline struct value *S(const char *json)
{
    struct value *a = J(json);
    cr_assert(a->type == V_ARRAY);
    return v_set(&bt_arena, a->u.arr.items, a->u.arr.len);
}

/* Calls a built-in; returns its rc and the result in *out. */
static inline int bt_call(const char *name, struct value **out, int n, ...)
{
    const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
    cr_assert(b != NULL, "builtin %s not registered", name);
    cr_assert(b->arity == n || (b->flags & BI_VARIADIC), "%s arity %d != %d", name, b->arity, n);
    struct value *args[8];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        args[i] = va_arg(ap, struct value *);
    va_end(ap);
    struct rego_bi_ctx ctx = {0};
    ctx.arena = &bt_arena;
    ctx.name = name;
    ctx.err = &bt_err;
    ctx.now_ns = 1700000000000000000LL;
    memset(&bt_err, 0, sizeof(bt_err));
    bt_code = NULL;
    *out = NULL;
    int rc = b->fn(&ctx, args, (size_t)n, out);
    bt_code = ctx.err_code;
    return rc;
}

static inline char *bt_json(const struct value *v)
{
    return v ? json_to_string(&bt_arena, v, JSON_COMPACT) : "<undefined>";
}

/* Asserts name(args) == expected JSON. */
#define EXPECT(want, name, ...)                                                                    \
    do {                                                                                           \
        struct value *got_;                                                                        \
        int rc_ = bt_call(name, &got_, __VA_ARGS__);                                               \
        cr_assert(rc_ == 0, "%s failed: %s", name, bt_err.detail);                                 \
        cr_assert(got_ != NULL, "%s undefined, want %s", name, want);                              \
        cr_expect(value_equal(got_, J(want)), "%s: got %s want %s", name, bt_json(got_), want);    \
    } while (0)

#define EXPECT_V(wantv, name, ...)                                                                 \
    do {                                                                                           \
        struct value *got_;                                                                        \
        int rc_ = bt_call(name, &got_, __VA_ARGS__);                                               \
        cr_assert(rc_ == 0, "%s failed: %s", name, bt_err.detail);                                 \
        cr_assert(got_ != NULL, "%s undefined", name);                                             \
        cr_expect(value_equal(got_, (wantv)), "%s: got %s want %s", name, bt_json(got_),          \
                  bt_json(wantv));                                                                 \
    } while (0)

#define EXPECT_UNDEF(name, ...)                                                                    \
    do {                                                                                           \
        struct value *got_;                                                                        \
        int rc_ = bt_call(name, &got_, __VA_ARGS__);                                               \
        cr_assert(rc_ == 0, "%s failed: %s", name, bt_err.detail);                                 \
        cr_expect(got_ == NULL, "%s: want undefined, got %s", name, bt_json(got_));               \
    } while (0)

/* Asserts an error with the code and a detail containing text. */
#define EXPECT_ERR(code, text, name, ...)                                                          \
    do {                                                                                           \
        struct value *got_;                                                                        \
        int rc_ = bt_call(name, &got_, __VA_ARGS__);                                               \
        cr_assert(rc_ == -1, "%s: want error, got %s", name, bt_json(got_));                      \
        cr_expect(bt_code && strcmp(bt_code, code) == 0, "%s: code %s want %s", name, bt_code,    \
                  code);                                                                           \
        cr_expect(strstr(bt_err.detail, text) != NULL, "%s: detail '%s' lacks '%s'", name,       \
                  bt_err.detail, text);                                                            \
    } while (0)

#define STR(s) v_cstr(&bt_arena, s)

#endif
