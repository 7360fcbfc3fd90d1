/* test_claims.c - V24 flattening (claims.md §2) and the compiled-policy
 * cache (compile once per text, new text -> new entry). */
#include "svc_test.h"

TestSuite(claims, .init = svc_setup, .fini = svc_teardown);

static const char *flat(const char *tee, const char *claims)
{
    struct value *out;
    struct as_error e;
    cr_assert_eq(claims_flatten(&T_A, tee, J(claims), &out, &e), 0, "%s", e.detail);
    return json_to_string(&T_A, out, JSON_COMPACT);
}

Test(claims, nested_objects_arrays_and_binding_keys)
{
    cr_assert_str_eq(flat("tdx", "{\"quote\":{\"header\":{\"version\":\"0400\"},\"body\":"
                                 "{\"mr_td\":\"aa\"}},\"ccel\":{},\"aael\":{\"d/o\":[\"x\",\"y\"]},"
                                 "\"report_data\":\"rd\",\"init_data\":\"id\"}"),
                     "{\"init_data\":\"id\",\"report_data\":\"rd\",\"tdx.aael.d/o\":[\"x\",\"y\"],"
                     "\"tdx.quote.body.mr_td\":\"aa\",\"tdx.quote.header.version\":\"0400\"}");
    /* missing binding claims become "", other leaf types stay as they are */
    cr_assert_str_eq(flat("se", "{\"version\":256,\"ok\":true,\"n\":null,\"a.b\":{\"c\":1}}"),
                     "{\"init_data\":\"\",\"report_data\":\"\",\"se.a.b.c\":1,\"se.n\":null,"
                     "\"se.ok\":true,\"se.version\":256}");
    /* nested report_data is an ordinary claim */
    cr_assert_str_eq(flat("sgx", "{\"body\":{\"report_data\":\"x\"}}"),
                     "{\"init_data\":\"\",\"report_data\":\"\",\"sgx.body.report_data\":\"x\"}");
}

Test(claims, non_object_claims_are_an_internal_error)
{
    struct value *out;
    struct as_error e;
    cr_assert_eq(claims_flatten(&T_A, "x", J("[1]"), &out, &e), -1);
    cr_assert_eq(e.status, 500);
}

Test(claims, policy_cache_compiles_each_text_once)
{
    struct policy_cache *c;
    struct as_error e;
    cr_assert_eq(policy_cache_new(REGO_AUTO, 2, &c, &e), 0);
    const char *p1 = "package policy\ndefault allow = true\n";
    const char *p2 = "package policy\ndefault allow = false\n";
    const char *p3 = "package policy\nallow = true\n";
    struct policy_compiled *a1, *a2, *b, *d;
    cr_assert_eq(policy_cache_get(c, "a.rego", p1, strlen(p1), &a1, &e), 0, "%s", e.detail);
    cr_assert_eq(policy_cache_get(c, "a.rego", p1, strlen(p1), &a2, &e), 0);
    cr_assert_eq(a1, a2); /* same text -> the same compiled policy */
    cr_assert_eq(policy_cache_size(c), 1);
    cr_assert_eq(policy_cache_get(c, "a.rego", p2, strlen(p2), &b, &e), 0);
    cr_assert_neq(a1, b);
    cr_assert_eq(policy_cache_get(c, "a.rego", p3, strlen(p3), &d, &e), 0);
    cr_assert_eq(policy_cache_size(c), 2); /* bounded: the oldest entry left */
    /* an evicted entry still in use stays valid until released */
    cr_assert_str_eq(a1->hash_hex, hex_encode_arena(&T_A, a1->sha384, 48));
    policy_compiled_release(a1);
    policy_compiled_release(a2);
    policy_compiled_release(b);
    policy_compiled_release(d);
    cr_assert_eq(policy_cache_get(c, "bad.rego", "package", 7, &d, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_str_eq(e.type, "invalid_policy");
    cr_assert(strstr(e.detail, "bad.rego:"), "%s", e.detail);
    policy_cache_free(c);
}
