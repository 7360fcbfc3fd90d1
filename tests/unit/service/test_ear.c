/* test_ear.c - the 2026 mode end to end through service_attestation:
 * the V26 sample request of api.md §11.2 gives a verifiable ES256 EAR
 * token whose cpu0 appraisal is contraindicated (33/97/2) with an empty
 * RVPS and affirming once the sample reference values are registered; the
 * annotated evidence (claims.md §3); policy selection <id>_<class>;
 * missing policies and rules; query_reference_value errors; verbose_token;
 * V26 policy listing and the built-ins; the 2024 single form in EAR mode. */
#include "ear_test.h"

TestSuite(ear, .init = ear_setup, .fini = svc_teardown);

static const struct value *appraise_sample(const char *body)
{
    char *token;
    struct as_error e;
    cr_assert_eq(ear_attest(body, &token, &e), 0, "%d %s %s", e.status, e.type, e.detail);
    return submod(ear_verified_payload(token), "cpu0");
}

Test(ear, sample_v26_request_end_to_end)
{
    token_fixed_now = 1767225600; /* 2026-01-01 */
    char *token;
    struct as_error e;
    cr_assert_eq(ear_attest(REQUEST_V26, &token, &e), 0, "%s", e.detail);
    token_fixed_now = 0;
    struct value *p = ear_verified_payload(token);
    cr_expect_str_eq(member_json(p, "eat_profile"),
                     "\"tag:github.com,2024:confidential-containers/Trustee\"");
    cr_expect_str_eq(member_json(p, "iat"), "1767225600");
    cr_expect_str_eq(member_json(p, "exp"), "1767225900");
    cr_expect_str_eq(member_json(p, "iss"), "\"CoCo-Attestation-Service\"");
    cr_expect_str_eq(member_json(p, "ear.verifier-id"),
                     "{\"build\":\"attestation-service 0.1.0\",\"developer\":"
                     "\"https://confidentialcontainers.org\"}");
    cr_expect_eq(value_object_get_str(p, "submods")->u.obj.len, 1);
    const struct value *cpu0 = submod(p, "cpu0");
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"contraindicated\"");
    cr_expect_str_eq(member_json(cpu0, "ear.trustworthiness-vector"),
                     "{\"configuration\":2,\"executables\":33,\"file-system\":0,\"hardware\":97,"
                     "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                     "\"storage-opaque\":0}");
    cr_expect_str_eq(member_json(cpu0, "ear.appraisal-policy-id"), "\"default\"");
    cr_expect_str_eq(member_json(cpu0, "ear.trustee.identifiers"), "{\"validated\":{}}");
    const struct value *ev = value_object_get_str(cpu0, "ear.veraison.annotated-evidence");
    cr_expect_str_eq(member_json(ev, "report_data"),
                     "\"qK1c2G8IJNhZcGJfaXvPBf7x4BCN1MGw3NeUI3506rgXKSv95JQSvKXiNjh5OQw1\"");
    cr_expect_str_eq(member_json(ev, "init_data"),
                     "\"kAdE4sDDIkW3ovU/HTmfCtY5TOPjM9phqh7Yv+5dVHg=\"");
    cr_expect_str_eq(member_json(ev, "init_data_claims"), "{\"key1\":\"value1\"}");
    cr_expect_str_eq(member_json(ev, "runtime_data_claims"),
                     "{\"nonce\":\"1234567890abcdef\",\"tee-pubkey\":{\"alg\":\"ES256\",\"crv\":"
                     "\"P-256\",\"kty\":\"EC\",\"x\":\"abc\",\"y\":\"def\"}}");
    cr_expect_str_eq(member_json(ev, "sample"),
                     "{\"debug\":false,\"launch_digest\":\"abcde\",\"platform_version\":"
                     "{\"major\":1,\"minor\":4},\"svn\":\"1\"}");
    cr_expect_eq(ev->u.obj.len, 5, "%s", json_to_string(&T_A, ev, JSON_COMPACT));
}

Test(ear, registered_reference_values_move_the_sample_to_affirming)
{
    register_rv("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
                "\"minimum_minor_version\":0}");
    const struct value *cpu0 = appraise_sample(REQUEST_V26);
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"affirming\"");
    cr_expect_str_eq(member_json(cpu0, "ear.trustworthiness-vector"),
                     "{\"configuration\":2,\"executables\":3,\"file-system\":0,\"hardware\":2,"
                     "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                     "\"storage-opaque\":0}");
    /* only the launch digest: executables approved, hardware still unknown */
    register_rv("{\"svn\":[\"7\"]}");
    cpu0 = appraise_sample(REQUEST_V26);
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"contraindicated\"");
    cr_expect(strstr(member_json(cpu0, "ear.trustworthiness-vector"),
                     "\"executables\":3,\"file-system\":0,\"hardware\":97"));
}

Test(ear, evidence_without_runtime_or_init_data)
{
    /* raw runtime data: runtime_data_claims null; no init data: neither
     * init_data nor init_data_claims */
    const char *body = "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":"
                       "\"eyJzdm4iOiIxIiwicmVwb3J0X2RhdGEiOiJZV0ZoWVdFPSJ9\",\"runtime_data\":"
                       "{\"raw\":\"YWFhYWE\"}}],\"policy_ids\":[]}";
    const struct value *ev =
        value_object_get_str(appraise_sample(body), "ear.veraison.annotated-evidence");
    cr_expect_str_eq(json_to_string(&T_A, ev, JSON_COMPACT),
                     "{\"report_data\":\"YWFhYWE=\",\"runtime_data_claims\":null,\"sample\":{"
                     "\"debug\":false,\"launch_digest\":\"abcde\",\"platform_version\":{"
                     "\"major\":1,\"minor\":4},\"svn\":\"1\"}}");
}

Test(ear, v24_single_form_is_appraised_as_a_one_element_batch)
{
    const char *body = "{\"tee\":\"sample\",\"evidence\":\"" EV_SAMPLE "\",\"runtime_data\":"
                       "{\"structured\":" RUNTIME "},\"policy_ids\":[]}";
    const struct value *cpu0 = appraise_sample(body);
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"contraindicated\"");
    const struct value *ev = value_object_get_str(cpu0, "ear.veraison.annotated-evidence");
    cr_expect_str_eq(member_json(value_object_get_str(ev, "sample"), "launch_digest"), "\"abcde\"");
}

Test(ear, policy_is_selected_by_first_id_and_class)
{
    set_policy_text("mine_cpu", "package policy\nimport rego.v1\n"
                                "trust_claims := {\"hardware\": 2, \"executables\": 3}\n"
                                "extensions := [{\"name\": \"x-id\", \"key\": 7, \"value\": "
                                "input.sample.svn}]\n");
    const char *body = "{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[\"mine\","
                       "\"ignored\"]}";
    const struct value *cpu0 = appraise_sample(body);
    cr_expect_str_eq(member_json(cpu0, "ear.appraisal-policy-id"), "\"mine\"");
    /* only the claims the policy set are in the vector */
    cr_expect_str_eq(member_json(cpu0, "ear.trustworthiness-vector"),
                     "{\"executables\":3,\"hardware\":2}");
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"affirming\"");
    cr_expect_str_eq(member_json(cpu0, "x-id"), "\"1\"");
    cr_expect_str_eq(member_json(cpu0, "ear.trustee.identifiers"), "(absent)");
}

Test(ear, missing_policy_is_an_error)
{
    set_policy_text("other_gpu", "package policy\n");
    char *token;
    struct as_error e;
    const char *body = "{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[\"other\"]}";
    cr_assert_eq(ear_attest(body, &token, &e), -1);
    cr_expect_eq(e.status, 404);
    cr_expect_str_eq(e.type, "policy_not_found");
    cr_expect(strstr(e.detail, "other_cpu"), "%s", e.detail);
}

Test(ear, missing_trust_claims_rule_sets_all_eight_claims_to_zero)
{
    set_policy_text("bare_cpu", "package policy\nimport rego.v1\nunrelated := 1\n");
    const struct value *cpu0 =
        appraise_sample("{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[\"bare\"]}");
    /* (the payload was parsed, so its members print sorted) */
    cr_expect_str_eq(member_json(cpu0, "ear.trustworthiness-vector"),
                     "{\"configuration\":0,\"executables\":0,\"file-system\":0,\"hardware\":0,"
                     "\"instance-identity\":0,\"runtime-opaque\":0,\"sourced-data\":0,"
                     "\"storage-opaque\":0}");
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"none\"");
}

static void expect_policy_failure(const char *text, int status, const char *type,
                                  const char *needle)
{
    set_policy_text("p_cpu", text);
    char *token;
    struct as_error e;
    cr_assert_eq(
        ear_attest("{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[\"p\"]}", &token, &e),
        -1, "accepted %s", text);
    cr_expect_eq(e.status, status, "%s: %d %s", text, e.status, e.detail);
    cr_expect_str_eq(e.type, type, "%s: %s", text, e.detail);
    cr_expect(strstr(e.detail, needle), "'%s' not in '%s'", needle, e.detail);
}

Test(ear, undefined_rules_and_bad_output_fail)
{
    expect_policy_failure("package policy\nimport rego.v1\ntrust_claims := {\"hardware\": 2} if "
                          "input.nothing\n",
                          500, "invalid_policy_output", "trust_claims is undefined");
    expect_policy_failure("package policy\nimport rego.v1\ntrust_claims := {\"hardware\": 2}\n"
                          "extensions := [] if input.nothing\n",
                          500, "invalid_policy_output", "extensions is undefined");
    expect_policy_failure("package policy\nimport rego.v1\ntrust_claims := {\"hardware\": 300}\n",
                          500, "invalid_policy_output", "-128..127");
    expect_policy_failure("package policy\nimport rego.v1\ntrust_claims := {}\n", 500,
                          "invalid_policy_output", "At least one policy claim must be set");
}

Test(ear, query_reference_value_argument_errors)
{
    /* wrong type: an evaluation error naming the policy and the built-in */
    expect_policy_failure("package policy\nimport rego.v1\n"
                          "trust_claims := {\"hardware\": 2} if query_reference_value(1) == 1\n",
                          500, "policy_error", "operand 1 must be string but got number");
    expect_policy_failure("package policy\nimport rego.v1\n"
                          "trust_claims := {\"hardware\": 2} if query_reference_value(null)\n",
                          500, "policy_error", "query_reference_value");
    /* wrong arity: refused when the policy is set */
    struct as_error e;
    const char *two = "package policy\nimport rego.v1\nx := query_reference_value(\"a\", \"b\", "
                      "\"c\")\n";
    const char *body =
        arena_sprintf(&T_A, "{\"policy_id\":\"q_cpu\",\"policy\":\"%s\"}", b64url(two));
    cr_assert_eq(service_set_policy(T_SVC, J(body), &e), -1);
    cr_expect_eq(e.status, 400);
    cr_expect_str_eq(e.type, "invalid_policy");
    cr_expect(strstr(e.detail, "query_reference_value"), "%s", e.detail);
    cr_expect(strstr(e.detail, "arity"), "%s", e.detail);
    /* absent reference value: null, compared with == it is just false */
    set_policy_text("r_cpu", "package policy\nimport rego.v1\n"
                             "trust_claims := {\"hardware\": 2} if "
                             "query_reference_value(\"nothing\") == null\n");
    const struct value *cpu0 =
        appraise_sample("{\"verification_requests\":[" ITEM_V26 "],\"policy_ids\":[\"r\"]}");
    cr_expect_str_eq(member_json(cpu0, "ear.trustworthiness-vector"), "{\"hardware\":2}");
}

Test(ear, v26_rejects_v0_policies_and_lists_ids_only)
{
    struct as_error e;
    const char *body = arena_sprintf(&T_A, "{\"policy_id\":\"old\",\"policy\":\"%s\"}",
                                     b64url("package policy\ndefault allow = false\n"
                                            "allow { input.x == 1 }\n"));
    cr_assert_eq(service_set_policy(T_SVC, J(body), &e), -1);
    cr_expect_str_eq(e.type, "invalid_policy");
    set_policy_text("new_cpu", "package policy\n");
    struct value *list;
    cr_assert_eq(service_list_policies(T_SVC, &T_A, &list, &e), 0, "%s", e.detail);
    cr_expect_str_eq(json_to_string(&T_A, list, JSON_COMPACT),
                     "[{\"policy-id\":\"default_cpu\"},{\"policy-id\":\"default_gpu\"},"
                     "{\"policy-id\":\"default_ppcie\"},{\"policy-id\":\"default_switch\"},"
                     "{\"policy-id\":\"new_cpu\"}]");
    cr_expect_eq(service_delete_policy(T_SVC, "default_cpu", &e), -1);
    cr_expect_eq(e.status, 403);
    /* JWKS: the token's key, EC P-256 */
    struct value *jwks;
    cr_assert_eq(service_jwks(T_SVC, &T_A, &jwks, &e), 0);
    const struct value *k = value_object_get_str(jwks, "keys")->u.arr.items[0];
    cr_expect_str_eq(member_json(k, "alg"), "\"ES256\"");
}

Test(ear, verification_errors_are_the_same_as_in_2024)
{
    char *token;
    struct as_error e;
    /* runtime data of another session */
    const char *body = "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"" EV_SAMPLE
                       "\",\"runtime_data\":{\"raw\":\"YWFhYWE\"}}],\"policy_ids\":[]}";
    cr_assert_eq(ear_attest(body, &token, &e), -1);
    cr_expect_eq(e.status, 403);
    cr_expect_str_eq(e.type, "report_data_mismatch");
    cr_assert_eq(ear_attest("{\"verification_requests\":[],\"policy_ids\":[]}", &token, &e), -1);
    cr_expect_eq(e.status, 400);
}

TestSuite(ear_quiet, .init = NULL, .fini = svc_teardown);

static const char *ADDITIONAL = "{\"nonce\":\"n\",\"additional-evidence\":\"big\"}";

static const char *request_with_additional_evidence(void)
{
    /* report_data = SHA-384 of the JCS text of ADDITIONAL */
    uint8_t d[48];
    const char *jcs = "{\"additional-evidence\":\"big\",\"nonce\":\"n\"}";
    cr_assert_eq(hash_digest(HASH_SHA384, jcs, strlen(jcs), d), 0);
    return arena_sprintf(&T_A,
                         "{\"verification_requests\":[{\"tee\":\"sample\",\"evidence\":\"%s\","
                         "\"runtime_data\":{\"structured\":%s}}],\"policy_ids\":[]}",
                         sample_evidence(d, 48), ADDITIONAL);
}

Test(ear_quiet, verbose_token_false_drops_additional_evidence)
{
    ear_setup_with(false);
    const struct value *ev = value_object_get_str(
        appraise_sample(request_with_additional_evidence()), "ear.veraison.annotated-evidence");
    cr_expect_str_eq(member_json(ev, "runtime_data_claims"), "{\"nonce\":\"n\"}");
}

Test(ear_quiet, verbose_token_true_keeps_it)
{
    ear_setup_with(true);
    const struct value *ev = value_object_get_str(
        appraise_sample(request_with_additional_evidence()), "ear.veraison.annotated-evidence");
    cr_expect_str_eq(member_json(ev, "runtime_data_claims"),
                     "{\"additional-evidence\":\"big\",\"nonce\":\"n\"}");
}

/* as-tool verify: the broker (an RSA-2048 key in 2024 mode, 0.1-1 s to
 * generate) is only created when a token is signed. */
Test(ear_quiet, offline_service_creates_the_broker_on_first_use)
{
    svc_setup(); /* a 2024 service for the paths teardown removes */
    struct service *s;
    struct as_error e;
    T_CFG.work_dir = NULL;
    cr_assert_eq(service_new_offline(&T_CFG, &s, &e), 0, "%s", e.detail);
    cr_expect_null(s->broker);
    struct service_request req;
    cr_assert_eq(
        request_parse(J("{\"tee\":\"sample\",\"evidence\":\"" EV_SAMPLE "\",\"policy_ids\":[]}"),
                      &T_A, &req, &e),
        0, "%s", e.detail);
    struct attest_options o = {0};
    struct attest_result r;
    cr_assert_eq(service_evaluate(s, &req.items[0], &o, &T_A, &r, &e), 0, "%s", e.detail);
    cr_expect_null(s->broker, "evaluating without a token created the key");
    char *jws;
    cr_assert_eq(service_sign(s, r.token_claims, &T_A, &jws, &e), 0, "%s", e.detail);
    cr_expect_not_null(s->broker);
    service_free(s);
}
