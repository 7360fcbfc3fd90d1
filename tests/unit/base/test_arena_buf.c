/* Unit tests for base/arena.c and base/buf.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hash.h"

Test(arena, aligned_and_big_blocks)
{
    struct arena a;
    arena_init(&a, 256);
    for (int i = 0; i < 1000; i++) {
        void *p = arena_alloc(&a, (size_t)(i % 37) + 1);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0);
    }
    char *big = arena_alloc(&a, 100000);
    cr_assert_not_null(big);
    memset(big, 1, 100000);
    cr_assert_str_eq(arena_sprintf(&a, "%s-%d", "x", 42), "x-42");
    cr_assert_str_eq(arena_strndup(&a, "hello", 3), "hel");
    arena_reset(&a);
    cr_assert_eq(a.total, 0);
    cr_assert_not_null(arena_alloc(&a, 10));
    arena_free(&a);
}

Test(arena, limit_is_enforced)
{
    struct arena a;
    arena_init(&a, 1024);
    a.limit = 4096;
    cr_assert_not_null(arena_alloc(&a, 2048));
    cr_assert_null(arena_alloc(&a, 4096));
    cr_assert_null(arena_alloc(&a, SIZE_MAX - 4));
    arena_free(&a);
}

Test(buf, append_printf_steal)
{
    struct buf b = BUF_INIT;
    cr_assert_str_eq(buf_cstr(&b), "");
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "%d,", i);
    buf_puts(&b, "end");
    cr_assert(strncmp(b.data, "0,1,2,", 6) == 0);
    cr_assert(strstr(b.data, "99,end"));
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    buf_printf(&b, "%s", big);
    size_t len;
    char *s = buf_steal(&b, &len);
    cr_assert_eq(strlen(s), len);
    cr_assert_eq(b.len, 0);
    free(s);
    buf_free(&b);
}

Test(error, set_and_prefix)
{
    struct as_error e;
    as_err_clear(&e);
    cr_assert_eq(as_err(&e, 400, ERR_INVALID_BASE64, "field %s", "evidence"), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_str_eq(e.type, "invalid_base64");
    as_err_prefix(&e, "request %d", 1);
    cr_assert_str_eq(e.detail, "request 1: field evidence");
    cr_assert_eq(as_err(NULL, 500, "x", "y"), -1);
}

Test(hash, known_digests)
{
    uint8_t out[HASH_MAX_LEN];
    enum hash_alg alg;
    cr_assert_eq(hash_alg_from_name("SHA384", &alg), 0);
    cr_assert_eq(alg, HASH_SHA384);
    cr_assert_eq(hash_alg_from_name("sha-384", &alg), -1);
    cr_assert_eq(hash_digest(HASH_SHA256, "abc", 3, out), 0);
    const uint8_t sha256_abc[4] = {0xba, 0x78, 0x16, 0xbf};
    cr_assert_eq(memcmp(out, sha256_abc, 4), 0);
    cr_assert_eq(hash_len(HASH_SHA512), 64);
    cr_assert_eq(hash_len(HASH_SM3), 32);
    /* SM3("abc") = 66c7f0f4... (GB/T 32905-2016 example) */
    if (hash_digest(HASH_SM3, "abc", 3, out) == 0) {
        const uint8_t sm3_abc[4] = {0x66, 0xc7, 0xf0, 0xf4};
        cr_assert_eq(memcmp(out, sm3_abc, 4), 0);
    }
}
