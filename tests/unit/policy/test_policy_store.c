/* test_policy_store.c - ids, the default policy written at first start,
 * listing with base64url hashes, get, delete rules, and UTF-8 checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "policy/policy.h"

static char DIR_[256];
static struct arena A;
static struct policy_store *PS;

static void setup(void)
{
    log_init("warn");
    arena_init(&A, 4096);
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-policy-test-XXXXXX");
    cr_assert_not_null(mkdtemp(DIR_));
    struct kv_store *kv;
    struct as_error e;
    cr_assert_eq(kv_dir_open(DIR_, ".rego", POLICY_MAX_BYTES, &kv, &e), 0);
    cr_assert_eq(policy_store_open(kv, REGO_AUTO, &PS, &e), 0, "%s", e.detail);
}

static void teardown(void)
{
    policy_store_free(PS);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    cr_assert_eq(system(cmd), 0);
    arena_free(&A);
}

TestSuite(policy_store, .init = setup, .fini = teardown);

Test(policy_store, ids)
{
    cr_assert(policy_id_valid("default", 7));
    cr_assert(policy_id_valid("a-B_9", 5));
    cr_assert_not(policy_id_valid("../x", 4));
    cr_assert_not(policy_id_valid("a.b", 3));
    cr_assert_not(policy_id_valid("", 0));
    cr_assert_not(policy_id_valid("\xc3\xa9", 2));
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    cr_assert(policy_id_valid(long_id, 64));
    cr_assert_not(policy_id_valid(long_id, 65));
    struct as_error e;
    cr_assert_eq(policy_id_check("../x", 4, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_str_eq(e.type, "invalid_policy_id");
    cr_assert(strstr(e.detail, "../x"));
}

Test(policy_store, default_written_once_and_listed)
{
    char *text;
    size_t len;
    struct as_error e;
    cr_assert_eq(policy_store_get(PS, "default", &A, &text, &len, &e), 0);
    cr_assert_eq(len, POLICY_DEFAULT_LEN);
    cr_assert_eq(memcmp(text, POLICY_DEFAULT_TEXT, len), 0);
    struct value *list;
    cr_assert_eq(policy_store_list(PS, &A, &list, &e), 0);
    cr_assert_str_eq(json_to_string(&A, list, JSON_COMPACT),
                     "[{\"policy-hash\":\"wOeSlnH7Z4A4f1R2DYTWXSzpYJPfsz79oh9esFr82ne7pETALNF3sjpdN"
                     "QcWcmFX\",\"policy-id\":\"default\"}]");
    /* an operator's replacement is never overwritten at start */
    char *p = arena_sprintf(&A, "%s/default.rego", DIR_);
    FILE *f = fopen(p, "w");
    fputs("package policy\ndefault allow = true\n", f);
    fclose(f);
    struct kv_store *kv;
    struct policy_store *again;
    cr_assert_eq(kv_dir_open(DIR_, ".rego", POLICY_MAX_BYTES, &kv, &e), 0);
    cr_assert_eq(policy_store_open(kv, REGO_AUTO, &again, &e), 0);
    cr_assert_eq(policy_store_get(again, "default", &A, &text, &len, &e), 0);
    cr_assert_str_eq(text, "package policy\ndefault allow = true\n");
    policy_store_free(again);
}

Test(policy_store, get_and_delete_errors)
{
    char *text;
    size_t len;
    struct as_error e;
    cr_assert_eq(policy_store_get(PS, "nope", &A, &text, &len, &e), -1);
    cr_assert_eq(e.status, 404);
    cr_assert_str_eq(e.type, "policy_not_found");
    cr_assert_eq(policy_store_get(PS, "../default", &A, &text, &len, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_eq(policy_store_delete(PS, "default", &e), -1);
    cr_assert_eq(e.status, 403);
    cr_assert(strstr(e.detail, "default"));
    cr_assert_eq(policy_store_delete(PS, "nope", &e), -1);
    cr_assert_eq(e.status, 404);
    cr_assert_eq(policy_store_delete(PS, "a/b", &e), -1);
    cr_assert_str_eq(e.type, "invalid_policy_id");
    struct policy_compiled *pc;
    cr_assert_eq(policy_store_load(PS, "nope", &A, &pc, &e), -1);
    cr_assert_eq(e.status, 404);
}

Test(policy_store, set_checks_utf8_and_id_before_compiling)
{
    struct as_error e;
    cr_assert_eq(policy_store_set(PS, "p", "package policy\n\xff", 16, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_str_eq(e.type, "invalid_policy");
    cr_assert(strstr(e.detail, "UTF-8"));
    /* an id that would escape into the parent directory, named after this
     * run's private directory so no other file can be mistaken for it */
    const char *base = strrchr(DIR_, '/') + 1;
    const char *escape = arena_sprintf(&A, "../%s-escape", base);
    cr_assert_eq(policy_store_set(PS, escape, "package policy\n", 15, &e), -1);
    cr_assert_str_eq(e.type, "invalid_policy_id");
    cr_assert_eq(access(arena_sprintf(&A, "%s/%s.rego", DIR_, escape), F_OK), -1);
}

Test(policy_store, compile_only_store)
{
    struct policy_store *ps;
    struct as_error e;
    cr_assert_eq(policy_store_open(NULL, REGO_AUTO, &ps, &e), 0);
    char *text;
    size_t len;
    cr_assert_eq(policy_store_get(ps, "default", &A, &text, &len, &e), -1);
    cr_assert_eq(e.status, 404);
    struct value *list;
    cr_assert_eq(policy_store_list(ps, &A, &list, &e), 0);
    cr_assert_eq(list->u.arr.len, 0);
    policy_store_free(ps);
}
