/* test_attestation.c - the service operations end to end with policies:
 * POST /policy (decode, UTF-8, id, compile), policy evaluation in order
 * (allow, deny, undefined, non-boolean, missing, `../x`), the signed token,
 * the default policy with reference values, challenge and JWKS. */
#include "svc_test.h"

TestSuite(attestation, .init = svc_setup, .fini = svc_teardown);

#define EV_AAAAA "eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJZV0ZoWVdFPSJ9" /* svn "1", report_data "YWFhYWE=" */

static void set_policy(const char *id, const char *text)
{
    struct as_error e;
    const char *body = arena_sprintf(&T_A, "{\"policy_id\":\"%s\",\"policy\":\"%s\",\"type\":\"rego\"}",
                                     id, b64url(text));
    cr_assert_eq(service_set_policy(T_SVC, J(body), &e), 0, "%s: %s", id, e.detail);
}

static int attest(const char *policy_ids, char **token, struct as_error *e)
{
    const char *body = arena_sprintf(
        &T_A, "{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":%s}", policy_ids);
    return service_attestation(T_SVC, J(body), &T_A, token, e);
}

static void expect_fail(const char *policy_ids, int status, const char *type, const char *needle)
{
    char *token;
    struct as_error e;
    cr_assert_eq(attest(policy_ids, &token, &e), -1, "accepted %s", policy_ids);
    cr_expect_eq(e.status, status, "%s: %d %s %s", policy_ids, e.status, e.type, e.detail);
    cr_expect_str_eq(e.type, type, "%s: %s", policy_ids, e.detail);
    if (needle)
        cr_expect(strstr(e.detail, needle), "'%s' not in '%s'", needle, e.detail);
}

/* The payload of a compact JWS as a value. */
static struct value *payload(const char *jws)
{
    const char *p1 = strchr(jws, '.');
    cr_assert_not_null(p1);
    const char *p2 = strchr(p1 + 1, '.');
    cr_assert_not_null(p2);
    uint8_t *bytes;
    size_t n;
    const char *why;
    cr_assert_eq(b64_decode(&T_A, p1 + 1, (size_t)(p2 - p1 - 1), B64_URL_NOPAD, &bytes, &n, &why), 0);
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&T_A, (const char *)bytes, n, NULL, &v, &e), 0);
    return v;
}

static const char *ALLOW = "package policy\n\ndefault allow = false\n\nallow {\n"
                           "  input[\"sample.svn\"] == \"1\"\n}\n";
static const char *DENY = "package policy\nimport rego.v1\ndefault allow := false\n"
                          "allow if input[\"sample.svn\"] == \"2\"\n";

Test(attestation, allowed_policies_give_a_signed_token)
{
    set_policy("allow-a", ALLOW);
    set_policy("allow_b", "package policy\ndefault allow = true\n");
    char *token;
    struct as_error e;
    cr_assert_eq(attest("[\"allow-a\",\"allow_b\",\"allow-a\"]", &token, &e), 0, "%s", e.detail);
    struct value *p = payload(token);
    const struct value *reports = value_object_get_str(p, "evaluation-reports");
    cr_assert_eq(reports->u.arr.len, 2); /* duplicates collapse */
    uint8_t d[48];
    cr_assert_eq(hash_digest(HASH_SHA384, ALLOW, strlen(ALLOW), d), 0);
    cr_assert_str_eq(value_object_get_str(reports->u.arr.items[0], "policy-hash")->u.str.s,
                     hex_encode_arena(&T_A, d, 48));
    cr_assert_str_eq(value_object_get_str(reports->u.arr.items[0], "policy-id")->u.str.s, "allow-a");
    cr_assert_str_eq(value_object_get_str(p, "tee")->u.str.s, "sample");
}

Test(attestation, deny_undefined_and_errors_name_the_policy)
{
    set_policy("allow-a", ALLOW);
    set_policy("deny", DENY);
    set_policy("nodefault", "package policy\nallow { input.nothing == 1 }\n");
    set_policy("notbool", "package policy\nallow = 5\n");
    set_policy("other_pkg", "package other\nallow = true\n");
    expect_fail("[\"allow-a\",\"deny\"]", 403, "policy_denied", "'deny'");
    expect_fail("[\"nodefault\"]", 403, "policy_denied", "'nodefault'");
    expect_fail("[\"other_pkg\"]", 403, "policy_denied", "'other_pkg'");
    expect_fail("[\"notbool\"]", 500, "policy_error", "'notbool'");
    expect_fail("[\"missing\"]", 404, "policy_not_found", "'missing'");
    expect_fail("[\"../x\"]", 400, "invalid_policy_id", "../x");
    expect_fail("[\"allow-a\",\"../default\"]", 400, "invalid_policy_id", NULL);
}

Test(attestation, set_policy_errors)
{
    struct as_error e;
    struct {
        const char *body;
        int status;
        const char *type;
        const char *needle;
    } cases[] = {
        {"{\"policy\":\"eA\"}", 400, "missing_field", "policy_id"},
        {"{\"policy_id\":\"p\"}", 400, "missing_field", "policy"},
        {"{\"policy_id\":\"p\",\"policy\":7}", 400, "invalid_request", "policy"},
        {"{\"policy_id\":\"p\",\"policy\":\"cGFja2FnZSBwb2xpY3k=\"}", 400, "invalid_base64", "policy"},
        {"{\"policy_id\":\"p\",\"policy\":\"_w\"}", 400, "invalid_policy", "UTF-8"},
        {"{\"policy_id\":\"../p\",\"policy\":\"cGFja2FnZSBwb2xpY3k\"}", 400, "invalid_policy_id", "../p"},
        {"{\"policy_id\":\"\",\"policy\":\"cGFja2FnZSBwb2xpY3k\"}", 400, "invalid_policy_id", NULL},
        /* "package policy\nallow {" */
        {"{\"policy_id\":\"p\",\"policy\":\"cGFja2FnZSBwb2xpY3kKYWxsb3cgew\"}", 400, "invalid_policy", ":2:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(service_set_policy(T_SVC, J(cases[i].body), &e), -1, "%s", cases[i].body);
        cr_expect_eq(e.status, cases[i].status, "%s: %s", cases[i].body, e.detail);
        cr_expect_str_eq(e.type, cases[i].type, "%s: %s", cases[i].body, e.detail);
        if (cases[i].needle)
            cr_expect(strstr(e.detail, cases[i].needle), "%s: %s", cases[i].body, e.detail);
    }
    char *text;
    size_t len;
    cr_assert_eq(service_get_policy(T_SVC, "p", &T_A, &text, &len, &e), -1);
    cr_assert_eq(e.status, 404);
}

Test(attestation, policy_endpoints_round_trip)
{
    set_policy("p1", ALLOW);
    struct as_error e;
    char *text;
    size_t len;
    cr_assert_eq(service_get_policy(T_SVC, "p1", &T_A, &text, &len, &e), 0);
    cr_assert_str_eq(text, ALLOW);
    struct value *list;
    cr_assert_eq(service_list_policies(T_SVC, &T_A, &list, &e), 0);
    cr_assert_eq(list->u.arr.len, 2);
    cr_assert_str_eq(value_object_get_str(list->u.arr.items[1], "policy-id")->u.str.s, "p1");
    cr_assert_eq(value_object_get_str(list->u.arr.items[1], "policy-hash")->u.str.len, 64);
    set_policy("p1", DENY); /* overwrite: the new text is evaluated */
    expect_fail("[\"p1\"]", 403, "policy_denied", NULL);
    cr_assert_eq(service_delete_policy(T_SVC, "p1", &e), 0);
    expect_fail("[\"p1\"]", 404, "policy_not_found", NULL);
    cr_assert_eq(service_delete_policy(T_SVC, "default", &e), -1);
    cr_assert_eq(e.status, 403);
}

/* The default policy: everything passes without reference values; a claim
 * with registered values must match one of them. */
Test(attestation, default_policy_with_reference_values)
{
    char *token;
    struct as_error e;
    cr_assert_eq(attest("[]", &token, &e), 0, "%s", e.detail);
    struct value *p = payload(token);
    cr_assert_str_eq(json_to_string(&T_A, value_object_get_str(p, "evaluation-reports"), JSON_COMPACT),
                     "[{\"policy-hash\":\"c0e7929671fb6780387f54760d84d65d2ce96093dfb33efda21f5eb05afcda77"
                     "bba444c02cd177b23a5d350716726157\",\"policy-id\":\"default\"}]");
    FILE *f = fopen(arena_sprintf(&T_A, "%s/rv/sample.svn.json", T_DIR), "w");
    fputs("{\"version\":\"0.1.0\",\"name\":\"sample.svn\",\"expired\":\"2999-01-01T00:00:00Z\","
          "\"hash-value\":[{\"alg\":\"sha384\",\"value\":\"2\"}]}", f);
    fclose(f);
    expect_fail("[]", 403, "policy_denied", "'default'");
    f = fopen(arena_sprintf(&T_A, "%s/rv/sample.svn.json", T_DIR), "w");
    fputs("{\"version\":\"0.1.0\",\"name\":\"sample.svn\",\"expired\":\"2999-01-01T00:00:00Z\","
          "\"hash-value\":[{\"alg\":\"sha384\",\"value\":\"2\"},{\"alg\":\"sha384\",\"value\":\"1\"}]}", f);
    fclose(f);
    cr_assert_eq(attest("[]", &token, &e), 0, "%s", e.detail);
    cr_assert_str_eq(json_to_string(&T_A, value_object_get_str(payload(token), "reference-data"),
                                    JSON_COMPACT),
                     "{\"sample.svn\":[\"2\",\"1\"]}");
}

Test(attestation, batch_with_several_requests_is_refused_by_the_simple_broker)
{
    char *token;
    struct as_error e;
    const char *body = "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
                       "\"},{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\"}],\"policy_ids\":[]}";
    cr_assert_eq(service_attestation(T_SVC, J(body), &T_A, &token, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert(strstr(e.detail, "exactly one evidence"));
}

Test(attestation, challenge_and_jwks)
{
    char *out;
    struct as_error e;
    cr_assert_eq(service_challenge(T_SVC, J("{\"tee\":\"sample\",\"tee_params\":\"\"}"), &T_A, &out, &e), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(service_challenge(T_SVC, J("{\"tee\":\"sample\"}"), &T_A, &out, &e), -1);
    cr_assert_str_eq(e.type, "missing_field");
    cr_assert_eq(service_challenge(T_SVC, J("{\"tee\":\"sample\",\"tee_params\":1}"), &T_A, &out, &e), -1);
    cr_assert_str_eq(e.type, "invalid_request");
    cr_assert_eq(service_challenge(T_SVC, J("{\"tee\":\"x\",\"tee_params\":\"\"}"), &T_A, &out, &e), -1);
    cr_assert_str_eq(e.type, "unsupported_tee");
    struct value *jwks;
    cr_assert_eq(service_jwks(T_SVC, &T_A, &jwks, &e), 0);
    cr_assert_eq(value_object_get_str(jwks, "keys")->u.arr.len, 1);
}
