/* test_original_kbs_policies.c - the original's policy-engine test
 * policies (trustee deps/policy-engine/test_data/policy_{1..5}.rego) with
 * the inputs and verdicts of its own test table (rego.rs
 * test_kbs_policy_evaluate), read at run time from a fetched trustee
 * mirror (AS_TRUSTEE_MIRROR, default /work/.mirror/...); skipped when no
 * mirror is present.  The original evaluates them with regorus in Rego v1
 * mode (policy_1 and policy_4 use `if` without `import rego.v1`), as OPA 1.x
 * does by default: compiled here with REGO_V1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "rego/rego.h"
#include "trustee_mirror.h"

struct kbs_case {
    int policy;         /* policy_<n>.rego */
    const char *data;   /* the case's data document */
    const char *name;   /* productId in the input */
    int svn;
    bool allow;
};

/* rego.rs test_kbs_policy_evaluate, in its order */
static const struct kbs_case CASES[] = {
    {1, "{\"plugin\":\"resource\",\"resource-path\":[\"my_repo\",\"Alice\",\"key\"],\"query\":{}}", "Alice", 1, true},
    {1, "{\"plugin\":\"another-plugin\",\"resource-path\":[\"my_repo\",\"Alice\",\"key\"],\"query\":{}}", "Alice", 1, false},
    {4, "{\"plugin\":\"resource\",\"resource-path\":[\"my_repo\",\"Alice\",\"key\"],\"query\":{}}", "Alice", 1, true},
    {1, "{\"plugin\":\"resource\",\"resource-path\":[\"my_repo\",\"Alice\",\"key\"],\"query\":{}}", "Bob", 1, false},
    {3, "{\"plugin\":\"resource\",\"resource-path\":[\"my_repo\",\"Alice\",\"key\"],\"query\":{}}", "Alice", 1, false},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret\"],\"query\":{}}", "n", 2, false},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret1\"],\"query\":{}}", "n", 1, false},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret2\"],\"query\":{}}", "n", 2, false},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret3\"],\"query\":{}}", "n", 3, false},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"a\",\"b\",\"secret2\"],\"query\":{}}", "n", 3, false},
    {5, "{\"plugin\":\"abc\",\"resource-path\":[],\"query\":{}}", "n", 3, false},
    /* beyond the original's table: the allowing cases of policy_5 and 2 */
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret2\"],\"query\":{}}", "n", 3, true},
    {5, "{\"plugin\":\"resource\",\"resource-path\":[\"myrepo\",\"secret\",\"secret1\"],\"query\":{}}", "n", 7, true},
    {2, "{}", "n", 0, true},
};

static struct value *parse(struct arena *a, const char *json)
{
    struct value *v = NULL;
    struct as_error err;
    cr_assert_eq(json_parse(a, json, strlen(json), NULL, &v, &err), 0, "%s: %s", json, err.detail);
    return v;
}

Test(original_kbs_policies, verdicts_as_the_original)
{
    char *probe = mirror_file("deps/policy-engine/test_data/policy_1.rego");
    if (!probe)
        cr_skip_test("no trustee mirror (AS_TRUSTEE_MIRROR): skipped");
    free(probe);
    struct arena a;
    arena_init(&a, 1 << 16);
    for (size_t k = 0; k < sizeof(CASES) / sizeof(CASES[0]); k++) {
        const struct kbs_case *t = &CASES[k];
        char path[128], input[512];
        snprintf(path, sizeof(path), "deps/policy-engine/test_data/policy_%d.rego", t->policy);
        char *text = mirror_file(path);
        cr_assert_not_null(text, "%s missing from the mirror", path);
        struct rego_source src = {path, text, strlen(text)};
        struct rego_compiled *c = NULL;
        struct as_error err;
        cr_assert_eq(rego_compile(&src, 1, REGO_V1, parse(&a, t->data), &c, &err), 0, "%s: %s",
                     path, err.detail);
        snprintf(input, sizeof(input),
                 "{\"submods\":{\"cpu0\":{\"ear.trustworthiness-vector\":{\"executables\":2,"
                 "\"hardware\":3},\"ear.veraison.annotated-evidence\":{\"sample\":{"
                 "\"productId\":\"%s\",\"svn\":%d}}}}}",
                 t->name, t->svn);
        struct rego_eval_opts o = {.input = parse(&a, input)};
        struct value *out = NULL;
        cr_assert_eq(rego_eval_path(c, "data.policy.allow", &o, &a, &out, NULL, &err), 0,
                     "case %zu: %s", k, err.detail);
        cr_assert(out && out->type == V_BOOL, "case %zu: allow is not a boolean", k);
        cr_assert_eq(out->u.b, t->allow, "case %zu (%s, %s/%d): allow = %d", k, path, t->name,
                     t->svn, out->u.b);
        rego_compiled_free(c);
        free(text);
        arena_reset(&a);
    }
    arena_free(&a);
}

/* The same texts are v1-only: in v0 (the 2024 default) OPA refuses
 * policy_1's `allow if {` as a parse error; so do we. */
Test(original_kbs_policies, v1_policy_is_a_parse_error_in_v0)
{
    char *text = mirror_file("deps/policy-engine/test_data/policy_1.rego");
    if (!text)
        cr_skip_test("no trustee mirror (AS_TRUSTEE_MIRROR): skipped");
    struct rego_source src = {"policy_1.rego", text, strlen(text)};
    struct rego_compiled *c = NULL;
    struct as_error err;
    cr_assert_eq(rego_compile(&src, 1, REGO_V0, NULL, &c, &err), -1);
    cr_assert(strstr(err.detail, "rego_parse_error"), "%s", err.detail);
    free(text);
}
