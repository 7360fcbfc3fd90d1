/* test_fetch.c - fetch_get: file:// transfers, the disk cache (fresh,
 * stale-with-upstream-down fallback, offline), and the 503/502 errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/codec.h"
#include "base/hash.h"
#include "fetch/fetch.h"

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/as-fetch-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(fetch, .init = make_dir, .fini = cleanup);

Test(fetch, file_url_and_cache_hit)
{
    struct arena a;
    arena_init(&a, 4096);
    char src[300], url[400], cache[300];
    snprintf(src, sizeof src, "%s/body.txt", dir);
    snprintf(url, sizeof url, "file://%s", src);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    write_text(src, "hello collateral");
    struct fetch_opts o = {.cache_dir = cache};
    struct fetch_response r;
    struct as_error err;
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), 0, "%s", err.detail);
    cr_assert_eq(r.body_len, 16);
    cr_assert(memcmp(r.body, "hello collateral", 16) == 0);
    cr_assert(!r.from_cache);
    /* Source gone: the fresh cache entry answers. */
    unlink(src);
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), 0, "%s", err.detail);
    cr_assert(r.from_cache);
    cr_assert(memcmp(r.body, "hello collateral", 16) == 0);
    arena_free(&a);
}

Test(fetch, unreachable_without_cache_is_503)
{
    struct arena a;
    arena_init(&a, 4096);
    struct fetch_opts o = {.timeout_ms = 2000};
    struct fetch_response r;
    struct as_error err;
    cr_assert_eq(fetch_get(&o, "http://127.0.0.1:1/nothing", &a, &r, &err), -1);
    cr_assert_eq(err.status, 503);
    cr_assert_str_eq(err.type, "upstream_unavailable");
    cr_assert(strstr(err.detail, "127.0.0.1:1/nothing") != NULL, "%s", err.detail);
    arena_free(&a);
}

/* Writes a cache entry for url by hand (the documented layout). */
static void plant_entry(const char *cache, const char *url, long long expires, const char *body)
{
    uint8_t d[32];
    char hex[65], path[400], text[512];
    hash_digest(HASH_SHA256, url, strlen(url), d);
    hex_encode(d, 32, hex);
    snprintf(path, sizeof path, "%s/%s.cache", cache, hex);
    snprintf(text, sizeof text, "ASFETCH1 1 %lld\nX-Chain: abc%%20def\n\n%s", expires, body);
    write_text(path, text);
}

Test(fetch, stale_entry_served_when_upstream_down)
{
    struct arena a;
    arena_init(&a, 4096);
    char cache[300];
    snprintf(cache, sizeof cache, "%s", dir);
    const char *url = "http://127.0.0.1:1/tcb";
    plant_entry(cache, url, 2 /* long expired */, "{\"stale\":true}");
    struct fetch_opts o = {.cache_dir = cache, .timeout_ms = 2000};
    struct fetch_response r;
    struct as_error err;
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), 0, "%s", err.detail);
    cr_assert(r.from_cache);
    cr_assert_str_eq((const char *)r.body, "{\"stale\":true}");
    cr_assert_str_eq(r.header(&r, "x-chain"), "abc%20def");
    cr_assert_null(r.header(&r, "missing"));
    arena_free(&a);
}

Test(fetch, offline_mode_uses_cache_only)
{
    struct arena a;
    arena_init(&a, 4096);
    const char *url = "https://pccs.invalid/sgx/certification/v4/qe/identity";
    struct fetch_opts o = {.cache_dir = dir, .offline = true};
    struct fetch_response r;
    struct as_error err;
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), -1);
    cr_assert_eq(err.status, 503);
    plant_entry(dir, url, 2, "cached");
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), 0, "%s", err.detail);
    cr_assert_str_eq((const char *)r.body, "cached");
    arena_free(&a);
}

Test(fetch, corrupt_cache_entry_is_ignored)
{
    struct arena a;
    arena_init(&a, 4096);
    const char *url = "http://127.0.0.1:1/corrupt";
    uint8_t d[32];
    char hex[65], path[400];
    hash_digest(HASH_SHA256, url, strlen(url), d);
    hex_encode(d, 32, hex);
    snprintf(path, sizeof path, "%s/%s.cache", dir, hex);
    write_text(path, "garbage without header");
    struct fetch_opts o = {.cache_dir = dir, .timeout_ms = 2000};
    struct fetch_response r;
    struct as_error err;
    cr_assert_eq(fetch_get(&o, url, &a, &r, &err), -1);
    cr_assert_eq(err.status, 503);
    arena_free(&a);
}
