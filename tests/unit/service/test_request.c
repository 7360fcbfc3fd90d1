/* test_request.c - POST /attestation decoding and the pipeline up to (not
 * including) the policy step: every client error path of the request
 * (missing/mistyped fields, base64 of each field, TEE, hash algorithm,
 * evidence JSON, policy ids) and the binding digests of binding.md §1. */
#include "svc_test.h"

TestSuite(request, .init = svc_setup, .fini = svc_teardown);

static int parse(const char *body, struct service_request *req, struct as_error *e)
{
    return request_parse(J(body), &T_A, req, e);
}

/* Decodes the body and runs the pipeline without policies. */
static int run(const char *body, struct attest_result *r, struct as_error *e)
{
    struct service_request req;
    if (parse(body, &req, e) < 0)
        return -1;
    struct attest_options o = {0};
    return service_evaluate(T_SVC, &req.items[0], &o, &T_A, r, e);
}

static void expect(const char *body, int status, const char *type, const char *needle)
{
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(run(body, &r, &e), -1, "accepted: %s", body);
    cr_expect_eq(e.status, status, "%s -> %d %s %s", body, e.status, e.type, e.detail);
    cr_expect_str_eq(e.type, type, "%s -> %s %s", body, e.type, e.detail);
    if (needle)
        cr_expect(strstr(e.detail, needle), "'%s' not in '%s'", needle, e.detail);
}

#define EV_AAAAA "eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJZV0ZoWVdFPSJ9" /* report_data "YWFhYWE=" */

Test(request, missing_and_mistyped_fields)
{
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\"}", 400, "missing_field", "policy_ids");
    expect("{\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[]}", 400, "missing_field", "tee");
    expect("{\"tee\":\"sample\",\"policy_ids\":[]}", 400, "missing_field", "evidence");
    expect("{\"tee\":1,\"evidence\":\"\",\"policy_ids\":[]}", 400, "invalid_request", "a string");
    expect("{\"tee\":\"sample\",\"evidence\":\"\",\"policy_ids\":{}}", 400, "invalid_request",
           "policy_ids");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[1]}", 400,
           "invalid_request", "policy_ids[0]");
    expect("[]", 400, "invalid_request", "object");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data\":{\"raw\":\"\",\"structured\":1},\"policy_ids\":[]}",
           400, "invalid_request", "exactly one member");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data\":{\"raw\":5},\"policy_ids\":[]}",
           400, "invalid_request", "runtime_data.raw");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data_hash_algorithm\":7,\"policy_ids\":[]}",
           400, "invalid_request", "runtime_data_hash_algorithm");
}

Test(request, unknown_members_are_ignored_and_nulls_are_absent)
{
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(run("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[],"
                     "\"runtime_data\":null,\"init_data\":null,\"extra\":[1,2],"
                     "\"runtime_data_hash_algorithm\":null}",
                     &r, &e),
                 0, "%s", e.detail);
}

Test(request, bad_base64_of_each_field)
{
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "=\",\"policy_ids\":[]}", 400,
           "invalid_base64", "evidence");
    expect("{\"tee\":\"sample\",\"evidence\":\"ab+/\",\"policy_ids\":[]}", 400, "invalid_base64",
           "base64url");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data\":{\"raw\":\"YWFhYWE=\"},\"policy_ids\":[]}",
           400, "invalid_base64", "runtime_data.raw");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"init_data\":{\"raw\":\"a b\"},\"policy_ids\":[]}",
           400, "invalid_base64", "init_data.raw");
    expect("{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"init_data\":{\"init_data_digest\":\"x\"}}],\"policy_ids\":[]}",
           400, "invalid_base64", "verification_requests[0].init_data.init_data_digest");
}

Test(request, unknown_tee_and_unbuilt_tees)
{
    expect("{\"tee\":\"nope\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[]}", 400,
           "unsupported_tee", "nope");
    expect("{\"tee\":\"Sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[]}", 400,
           "unsupported_tee", NULL);
    expect("{\"tee\":\"sev\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[]}", 501,
           "not_implemented", "sev");
    /* whatever TEEs this build lacks answer 501 naming themselves */
    const char *names[] = {"sgx", "tdx", "snp", "azsnpvtpm", "aztdxvtpm", "cca", "csv", "se",
                           "sampledevice", "hygondcu"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct verifier *v = verifier_for_name(names[i]);
        cr_assert_not_null(v);
        if (v->verify)
            continue;
        expect(arena_sprintf(&T_A, "{\"tee\":\"%s\",\"evidence\":\"e30\",\"policy_ids\":[]}",
                             names[i]),
               501, "not_implemented", v->name);
    }
}

Test(request, hash_algorithm_names)
{
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data_hash_algorithm\":\"sha-384\",\"policy_ids\":[]}",
           400, "unsupported_hash_algorithm", "sha-384");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"init_data_hash_algorithm\":\"md5\",\"policy_ids\":[]}",
           400, "unsupported_hash_algorithm", "init_data_hash_algorithm");
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(run("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
                     "\",\"runtime_data_hash_algorithm\":\"SHA512\",\"policy_ids\":[]}",
                     &r, &e),
                 0, "%s", e.detail);
}

Test(request, evidence_must_be_json)
{
    expect(arena_sprintf(&T_A, "{\"tee\":\"sample\",\"evidence\":\"%s\",\"policy_ids\":[]}",
                         b64url("not json")),
           400, "invalid_evidence", "evidence");
}

Test(request, policy_ids_are_validated)
{
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[\"../x\"]}", 400,
           "invalid_policy_id", "../x");
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[\"\"]}", 400,
           "invalid_policy_id", NULL);
    struct service_request req;
    struct as_error e;
    cr_assert_eq(parse("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\",\"policy_ids\":[]}",
                       &req, &e),
                 0);
    cr_assert_eq(req.n_policies, 1);
    cr_assert_str_eq(req.policies[0].id, "default");
}

Test(request, raw_runtime_data_is_not_hashed)
{
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(run("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
                     "\",\"runtime_data\":{\"raw\":\"YWFhYWE\"},\"policy_ids\":[]}",
                     &r, &e),
                 0, "%s", e.detail);
    expect("{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"runtime_data\":{\"raw\":\"YWFhYWI\"},\"policy_ids\":[]}",
           403, "report_data_mismatch", NULL);
}

/* Structured data: evidence carrying H(canon(v)) passes; one flipped bit
 * fails, for each algorithm. */
static void structured_case(const char *alg, const char *structured, const char *hex, bool v26)
{
    uint8_t d[64];
    size_t n;
    hex_to_bytes(hex, d, &n);
    const char *ok_ev = sample_evidence(d, n);
    d[n - 1] ^= 1;
    const char *bad_ev = sample_evidence(d, n);
    const char *fmt = v26 ? "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"%s\","
                            "\"runtime_data\":{\"structured\":%s},"
                            "\"runtime_data_hash_algorithm\":\"%s\"}],\"policy_ids\":[]}"
                          : "{\"tee\":\"sample\",\"evidence\":\"%s\","
                            "\"runtime_data\":{\"structured\":%s},"
                            "\"runtime_data_hash_algorithm\":\"%s\",\"policy_ids\":[]}";
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(run(arena_sprintf(&T_A, fmt, ok_ev, structured, alg), &r, &e), 0, "%s %s: %s",
                 alg, structured, e.detail);
    expect(arena_sprintf(&T_A, fmt, bad_ev, structured, alg), 403, "report_data_mismatch", NULL);
}

Test(request, structured_binding_vectors_of_binding_md)
{
    const char *v = "{\"b\": 1, \"a\": \"test\", \"c\": {\"d\": \"e\"}}";
    structured_case("sha384", v,
                    "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c8"
                    "13ca941da78870c3",
                    false);
    structured_case("sha384", v,
                    "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47157e0f3f525cd22c4597480a186427c8"
                    "13ca941da78870c3",
                    true);
    structured_case("sha384", "{\"x\":1.0}",
                    "299463e46223ca2b836954533993c7accb1c724a54a830949136786eea0b2881b76af9896996b82"
                    "7c1bdf0b67789354d",
                    false);
    /* V26 (JCS) prints 1.0 as 1 */
    structured_case("sha384", "{\"x\":1.0}",
                    "9ce595e9fb796c4694fce4c14881e17fb3fcafd0110d88eb9418fbda2bc2e7274ce4c58d3d1c998"
                    "121e5b81eec485729",
                    true);
}

Test(request, structured_binding_each_algorithm)
{
    /* digests of the canonical bytes {"a":"test","b":1,"c":{"d":"e"}}, computed here */
    const char *canon = "{\"a\":\"test\",\"b\":1,\"c\":{\"d\":\"e\"}}";
    const char *algs[] = {"sha256", "sha384", "sha512", "sm3"};
    for (size_t i = 0; i < 4; i++) {
        enum hash_alg alg;
        cr_assert_eq(hash_alg_from_name(algs[i], &alg), 0);
        uint8_t d[64];
        cr_assert_eq(hash_digest(alg, canon, strlen(canon), d), 0);
        char *hex = hex_encode_arena(&T_A, d, hash_len(alg));
        structured_case(algs[i], "{\"c\":{\"d\":\"e\"},\"b\":1,\"a\":\"test\"}", hex, false);
    }
}

Test(request, api_md_example_claims_and_token_claims)
{
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(
        run("{\"tee\":\"sample\",\"evidence\":\"eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJxSzFjMkc4SUpOaFpj"
            "R0pmYVh2UEJmN3g0QkNOMU1HdzNOZVVJMzUwNnJnWEtTdjk1SlFTdktYaU5qaDVPUXcxIn0\","
            "\"runtime_data\":{\"structured\":{\"nonce\":\"1234567890abcdef\",\"tee-pubkey\":"
            "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"abc\",\"y\":\"def\"}}},"
            "\"runtime_data_hash_algorithm\":\"sha384\",\"policy_ids\":[]}",
            &r, &e),
        0, "%s", e.detail);
    cr_assert_str_eq(json_to_string(&T_A, r.flat, JSON_COMPACT),
                     "{\"init_data\":\"\",\"report_data\":\"qK1c2G8IJNhZcGJfaXvPBf7x4BCN1MGw3NeUI35"
                     "06rgXKSv95JQSvKXiNjh5OQw1\",\"sample.svn\":\"1\"}");
    struct value *t = r.token_claims;
    cr_assert_str_eq(value_object_get_str(t, "tee")->u.str.s, "sample");
    cr_assert_str_eq(value_object_get_str(t, "iss")->u.str.s, "CoCo-Attestation-Service");
    cr_assert_eq(value_object_get_str(t, "jti")->u.str.len, 10);
    int64_t iat, exp, nbf;
    cr_assert_eq(value_as_int64(value_object_get_str(t, "iat"), &iat), 0);
    cr_assert_eq(value_as_int64(value_object_get_str(t, "exp"), &exp), 0);
    cr_assert_eq(value_as_int64(value_object_get_str(t, "nbf"), &nbf), 0);
    cr_assert_eq(exp - iat, 300);
    cr_assert_eq(nbf, iat);
    cr_assert_str_eq(json_to_string(&T_A, value_object_get_str(t, "reference-data"), JSON_COMPACT),
                     "{}");
    cr_assert_str_eq(
        json_to_string(&T_A, value_object_get_str(t, "customized_claims"), JSON_COMPACT),
        "{\"init_data\":null,\"runtime_data\":{\"nonce\":\"1234567890abcdef\",\"tee-pubkey\":"
        "{\"alg\":\"ES256\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"abc\",\"y\":\"def\"}}}");
    cr_assert(value_equal(value_object_get_str(t, "tcb-status"), r.flat));
}

Test(request, v26_batch_with_init_data_toml)
{
    struct attest_result r;
    struct as_error e;
    cr_assert_eq(
        run("{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA "\","
            "\"init_data\":{\"init_data_toml\":\"version = \\\"0.1.0\\\"\\nalgorithm = "
            "\\\"sha256\\\"\\n\\n[data]\\n\\\"key1\\\" = \\\"value1\\\"\\n\"}}],\"policy_ids\":[]}",
            &r, &e),
        0, "%s", e.detail);
    cr_assert_str_eq(value_object_get_str(r.claims, "init_data")->u.str.s,
                     "kAdE4sDDIkW3ovU/HTmfCtY5TOPjM9phqh7Yv+5dVHg=");
    cr_assert_str_eq(value_object_get_str(r.flat, "sample.launch_digest")->u.str.s, "abcde");
    const struct value *cc = value_object_get_str(r.token_claims, "customized_claims");
    cr_assert_str_eq(json_to_string(&T_A, value_object_get_str(cc, "init_data"), JSON_COMPACT),
                     "{\"key1\":\"value1\"}");
}

Test(request, v26_batch_errors)
{
    expect("{\"verification_requests\":[],\"policy_ids\":[]}", 400, "empty_verification_requests",
           NULL);
    expect("{\"verification_requests\":[1],\"policy_ids\":[]}", 400, "invalid_request",
           "verification_requests[0]");
    expect("{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"" EV_AAAAA
           "\",\"init_data\":{\"init_data_toml\":\"version = 1\"}}],\"policy_ids\":[]}",
           400, "invalid_initdata", NULL);
    expect("{\"verification_requests\":{},\"policy_ids\":[]}", 400, "invalid_request",
           "verification_requests");
}
