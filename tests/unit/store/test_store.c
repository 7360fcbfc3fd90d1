/* test_store.c - local file helpers and the directory kv backend: atomic
 * replace (also under concurrent writers), listing, removal, key encoding. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static char DIR_[256];
static struct arena A;

static void setup(void)
{
    arena_init(&A, 4096);
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-store-test-XXXXXX");
    cr_assert_not_null(mkdtemp(DIR_));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    cr_assert_eq(system(cmd), 0);
    arena_free(&A);
}

TestSuite(store, .init = setup, .fini = teardown);

static char *path(const char *name) { return arena_sprintf(&A, "%s/%s", DIR_, name); }

Test(store, atomic_write_then_read)
{
    struct as_error e;
    cr_assert_eq(store_write_atomic(DIR_, "a.txt", "hello", 5, &e), 0, "%s", e.detail);
    char *d;
    size_t n;
    cr_assert_eq(store_read_file(path("a.txt"), 100, &A, &d, &n, &e), 0);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(d, "hello");
    cr_assert_eq(store_write_atomic(DIR_, "a.txt", "bye", 3, &e), 0);
    cr_assert_eq(store_read_file(path("a.txt"), 100, &A, &d, &n, &e), 0);
    cr_assert_str_eq(d, "bye");
    struct stat st;
    cr_assert_eq(stat(path("a.txt"), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    /* no temporary files left behind */
    char **names;
    size_t count;
    cr_assert_eq(store_list(DIR_, "", &A, &names, &count, &e), 0);
    cr_assert_eq(count, 1);
}

Test(store, read_missing_and_too_large)
{
    struct as_error e;
    char *d;
    size_t n;
    cr_assert_eq(store_read_file(path("none"), 100, &A, &d, &n, &e), 1);
    cr_assert_eq(store_write_atomic(DIR_, "big", "0123456789", 10, &e), 0);
    cr_assert_eq(store_read_file(path("big"), 9, &A, &d, &n, &e), -1);
    cr_assert_eq(e.status, 500);
    cr_assert_eq(store_read_file(DIR_, 100, &A, &d, &n, &e), -1); /* a directory */
}

Test(store, write_into_missing_directory_fails_cleanly)
{
    struct as_error e;
    cr_assert_eq(store_write_atomic(path("nodir"), "x", "1", 1, &e), -1);
    cr_assert_eq(e.status, 500);
    cr_assert_str_eq(e.type, "internal");
}

Test(store, list_sorted_filtered_and_remove)
{
    struct as_error e;
    const char *files[] = {"b.rego", "a.rego", "c.txt", ".hidden.rego", "d.rego"};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(store_write_atomic(DIR_, files[i], "x", 1, &e), 0);
    cr_assert_eq(mkdir(path("dir.rego"), 0755), 0);
    char **names;
    size_t n;
    cr_assert_eq(store_list(DIR_, ".rego", &A, &names, &n, &e), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(names[0], "a");
    cr_assert_str_eq(names[1], "b");
    cr_assert_str_eq(names[2], "d");
    cr_assert_eq(store_remove(DIR_, "b.rego", &e), 0);
    cr_assert_eq(store_remove(DIR_, "b.rego", &e), 1);
    cr_assert_eq(store_list(path("missing"), ".rego", &A, &names, &n, &e), 0);
    cr_assert_eq(n, 0);
}

Test(store, mkdir_p)
{
    struct as_error e;
    cr_assert_eq(store_mkdir_p(path("x/y/z"), &e), 0);
    cr_assert_eq(store_mkdir_p(path("x/y/z"), &e), 0);
    cr_assert_eq(store_write_atomic(path("x/y"), "f", "1", 1, &e), 0);
    cr_assert_eq(store_mkdir_p(path("x/y/f"), &e), -1);
}

struct writer {
    char byte;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    char data[8192];
    memset(data, w->byte, sizeof(data));
    struct as_error e;
    for (int i = 0; i < 50; i++) {
        if (store_write_atomic(DIR_, "shared", data, sizeof(data), &e) < 0)
            return (void *)1;
    }
    return NULL;
}

Test(store, concurrent_writers_leave_one_complete_value)
{
    pthread_t t[4];
    struct writer w[4] = {{'a'}, {'b'}, {'c'}, {'d'}};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, write_many, &w[i]);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        cr_assert_null(rc);
    }
    char *d;
    size_t n;
    struct as_error e;
    cr_assert_eq(store_read_file(path("shared"), 1 << 20, &A, &d, &n, &e), 0);
    cr_assert_eq(n, 8192);
    for (size_t i = 1; i < n; i++)
        cr_assert_eq(d[i], d[0], "mixed content at %zu", i);
    char **names;
    size_t count;
    cr_assert_eq(store_list(DIR_, "", &A, &names, &count, &e), 0);
    cr_assert_eq(count, 1); /* temporaries are hidden and none remain */
}

Test(store, kv_dir_encodes_any_key_into_one_file)
{
    struct kv_store *kv;
    struct as_error e;
    cr_assert_eq(kv_dir_open(DIR_, ".json", 1 << 20, &kv, &e), 0);
    const char *keys[] = {"sgx.body.mr_enclave", "../../etc/passwd", "tdx.aael.a/b", ".hidden",
                          "sp ace%"};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(kv_put(kv, keys[i], keys[i], strlen(keys[i]), &e), 0, "%s", e.detail);
    char **names;
    size_t n;
    cr_assert_eq(store_list(DIR_, ".json", &A, &names, &n, &e), 0);
    cr_assert_eq(n, 5); /* all inside DIR_, none hidden */
    char **listed;
    cr_assert_eq(kv_list(kv, &A, &listed, &n, &e), 0);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < 5; i++) {
        char *v;
        size_t len;
        cr_assert_eq(kv_get(kv, keys[i], &A, &v, &len, &e), 0);
        cr_assert_str_eq(v, keys[i]);
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= strcmp(listed[j], keys[i]) == 0;
        cr_assert(found, "%s not listed", keys[i]);
    }
    cr_assert_eq(access(path("%2E.%2F..%2Fetc%2Fpasswd.json"), F_OK), 0);
    cr_assert_eq(kv_del(kv, "tdx.aael.a/b", &e), 0);
    cr_assert_eq(kv_del(kv, "tdx.aael.a/b", &e), 1);
    char *v;
    size_t len;
    cr_assert_eq(kv_get(kv, "tdx.aael.a/b", &A, &v, &len, &e), 1);
    cr_assert_eq(kv_put(kv, "", "x", 1, &e), -1);
    kv_free(kv);
}
