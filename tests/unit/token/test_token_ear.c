/* Unit tests for the EAR token (token_ear.c, tokens.md §2): the exact
 * claim layout and member order, submod naming, trust vector and status
 * derivation, policy extensions, malformed policy output, EAR settings,
 * expiry overflow, and the ES256 signature checked by OpenSSL. */
#include "base/log.h"
#include "token_test_util.h"

static struct arena A;

static void setup(void)
{
    log_init("error");
    arena_init(&A, 4096);
    token_fixed_now = 1730430791;
}

static void teardown(void)
{
    token_fixed_now = 0;
    arena_free(&A);
}

TestSuite(token_ear, .init = setup, .fini = teardown);

static struct token_broker *ear_broker(const char *ear_json)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.token_broker = TOKEN_EAR;
    cfg.layout_v26 = true;
    cfg.ear_config = ear_json ? parse_json(&A, ear_json) : NULL;
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(&cfg, &b, &err), 0, "%s", err.detail);
    return b;
}

static const char *SAMPLE_EVIDENCE = "{\"sample\":{\"svn\":\"1\"},\"report_data\":\"abc\","
                                     "\"runtime_data_claims\":{\"nonce\":\"n\"}}";

/* ---- tiers ---- */

Test(token_ear, tier_boundaries)
{
    for (int v = -128; v <= 127; v++) {
        enum ear_tier want = (v >= -1 && v <= 1)      ? EAR_TIER_NONE
                             : (v >= 2 && v <= 31)    ? EAR_TIER_AFFIRMING
                             : (v >= -32 && v <= -2)  ? EAR_TIER_AFFIRMING
                             : (v >= 32 && v <= 95)   ? EAR_TIER_WARNING
                             : (v >= -96 && v <= -33) ? EAR_TIER_WARNING
                                                      : EAR_TIER_CONTRAINDICATED;
        cr_assert_eq(token_ear_tier(v), want, "tier of %d", v);
    }
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(99)), "contraindicated");
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(-97)), "contraindicated");
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(-96)), "warning");
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(32)), "warning");
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(31)), "affirming");
    cr_assert_str_eq(token_ear_tier_name(token_ear_tier(-1)), "none");
}

/* ---- layout ---- */

static char *issue(struct token_broker *b, const struct token_ear_submod *s, size_t n,
                   struct as_error *err)
{
    char *jws = NULL;
    memset(err, 0, sizeof *err);
    if (token_ear_issue(b, s, n, "default", &A, &jws, err) < 0)
        return NULL;
    return jws;
}

Test(token_ear, layout_order_and_signature)
{
    struct token_broker *b = ear_broker(NULL);
    struct token_ear_submod s[3] = {
        {.tee_class = "cpu",
         .annotated_evidence = parse_json(&A, SAMPLE_EVIDENCE),
         .trust_claims = parse_json(&A, "{\"hardware\":97,\"executables\":3,\"configuration\":2}")},
        {.tee_class = "gpu"},
        {.tee_class = "cpu",
         .annotated_evidence = parse_json(&A, "{}"),
         .trust_claims = parse_json(&A, "{\"hardware\":2,\"executables\":3,\"configuration\":2}"),
         .extensions = parse_json(&A, "[{\"name\":\"z.ext\",\"key\":-70100,\"value\":\"x\"},"
                                      "{\"name\":\"ear.trustee.identifiers\",\"key\":-70010,"
                                      "\"value\":{\"validated\":{\"a\":1}}},"
                                      "{\"name\":\"nullext\",\"key\":5,\"value\":null}]")},
    };
    struct as_error err;
    char *jws = issue(b, s, 3, &err);
    cr_assert_not_null(jws, "%s", err.detail);
    struct jws_parts p;
    jws_split(jws, &p);
    cr_assert_str_eq(
        p.payload,
        "{\"eat_profile\":\"tag:github.com,2024:confidential-containers/Trustee\","
        "\"iat\":1730430791,"
        "\"ear.verifier-id\":{\"developer\":\"https://confidentialcontainers.org\","
        "\"build\":\"attestation-service 0.1.0\"},"
        "\"submods\":{"
        "\"cpu0\":{\"ear.status\":\"contraindicated\","
        "\"ear.trustworthiness-vector\":{\"configuration\":2,\"executables\":3,\"hardware\":97},"
        "\"ear.appraisal-policy-id\":\"default\","
        "\"ear.veraison.annotated-evidence\":{\"report_data\":\"abc\","
        "\"runtime_data_claims\":{\"nonce\":\"n\"},\"sample\":{\"svn\":\"1\"}}},"
        "\"cpu1\":{\"ear.status\":\"affirming\","
        "\"ear.trustworthiness-vector\":{\"configuration\":2,\"executables\":3,\"hardware\":2},"
        "\"ear.appraisal-policy-id\":\"default\","
        "\"ear.trustee.identifiers\":{\"validated\":{\"a\":1}},\"z.ext\":\"x\"},"
        "\"gpu0\":{\"ear.status\":\"none\","
        "\"ear.trustworthiness-vector\":{\"instance-identity\":0,\"configuration\":0,"
        "\"executables\":0,\"file-system\":0,\"hardware\":0,\"runtime-opaque\":0,"
        "\"storage-opaque\":0,\"sourced-data\":0},"
        "\"ear.appraisal-policy-id\":\"default\"}},"
        "\"exp\":1730431091,\"iss\":\"CoCo-Attestation-Service\"}");
    struct value *h = parse_json(&A, p.header);
    cr_assert_str_eq(value_object_get_str(h, "alg")->u.str.s, "ES256");
    cr_assert_str_eq(value_object_get_str(h, "typ")->u.str.s, "JWT");
    struct value *jwk = value_object_get_str(h, "jwk");
    cr_assert_str_eq(value_object_get_str(jwk, "crv")->u.str.s, "P-256");
    cr_assert_eq(p.sig_len, 64);
    EVP_PKEY *pub = pkey_from_jwk(jwk);
    cr_assert(verify_sig(pub, "ES256", &p));
    EVP_PKEY_free(pub);
    jws_parts_free(&p);
    token_broker_free(b);
}

Test(token_ear, custom_settings_and_class_counting)
{
    struct token_broker *b = ear_broker("{\"profile_name\":\"tag:x\",\"developer_name\":\"dev\","
                                        "\"build_name\":\"b 1\",\"verbose_token\":false}");
    cr_assert_not(token_ear_verbose(b));
    struct token_ear_submod s[12];
    for (int i = 0; i < 12; i++)
        s[i] = (struct token_ear_submod){.tee_class = "cpu",
                                         .trust_claims = parse_json(&A, "{\"hardware\":2}")};
    struct as_error err;
    char *jws = issue(b, s, 12, &err);
    cr_assert_not_null(jws, "%s", err.detail);
    struct jws_parts p;
    jws_split(jws, &p);
    cr_assert_not_null(strstr(p.payload, "{\"eat_profile\":\"tag:x\",\"iat\":1730430791,"
                                         "\"ear.verifier-id\":{\"developer\":\"dev\","
                                         "\"build\":\"b 1\"},\"submods\":{\"cpu0\":"));
    /* BTreeMap order: cpu0, cpu1, cpu10, cpu11, cpu2 ... */
    char *c1 = strstr(p.payload, "\"cpu1\":"), *c10 = strstr(p.payload, "\"cpu10\":"),
         *c2 = strstr(p.payload, "\"cpu2\":");
    cr_assert(c1 && c10 && c2 && c1 < c10 && c10 < c2);
    cr_assert_null(strstr(p.payload, "\"cpu12\""));
    jws_parts_free(&p);
    token_broker_free(b);
}

Test(token_ear, default_settings_are_verbose)
{
    struct token_broker *b = ear_broker("{}");
    cr_assert(token_ear_verbose(b));
    token_broker_free(b);
}

/* ---- status ---- */

static const char *status_of(const char *trust_claims)
{
    struct token_broker *b = ear_broker(NULL);
    struct token_ear_submod s = {
        .tee_class = "cpu", .trust_claims = trust_claims ? parse_json(&A, trust_claims) : NULL};
    struct as_error err;
    char *jws = issue(b, &s, 1, &err);
    cr_assert_not_null(jws, "%s", err.detail);
    struct jws_parts p;
    jws_split(jws, &p);
    struct value *payload = parse_json(&A, p.payload);
    struct value *cpu0 = value_object_get_str(value_object_get_str(payload, "submods"), "cpu0");
    const char *st = arena_strdup(&A, value_object_get_str(cpu0, "ear.status")->u.str.s);
    jws_parts_free(&p);
    token_broker_free(b);
    return st;
}

Test(token_ear, status_is_the_worst_tier)
{
    cr_assert_str_eq(status_of("{\"hardware\":2,\"executables\":3,\"configuration\":2}"),
                     "affirming");
    cr_assert_str_eq(status_of("{\"hardware\":2,\"executables\":33,\"configuration\":2}"),
                     "warning");
    cr_assert_str_eq(status_of("{\"hardware\":97,\"executables\":33,\"configuration\":36}"),
                     "contraindicated");
    cr_assert_str_eq(status_of("{\"sourced-data\":-97}"), "contraindicated");
    cr_assert_str_eq(status_of("{\"instance-identity\":0}"), "none");
    cr_assert_str_eq(status_of("{\"instance-identity\":1,\"storage-opaque\":-1}"), "none");
    cr_assert_str_eq(status_of("{\"runtime-opaque\":-32}"), "affirming");
    cr_assert_str_eq(status_of("{\"file-system\":127,\"hardware\":2}"), "contraindicated");
    cr_assert_str_eq(status_of(NULL), "none");
}

/* ---- malformed policy output ---- */

static void assert_policy_output_refused(const char *trust_claims, const char *extensions,
                                         const char *why)
{
    struct token_broker *b = ear_broker(NULL);
    struct token_ear_submod s = {
        .tee_class = "cpu",
        .trust_claims = trust_claims ? parse_json(&A, trust_claims) : NULL,
        .extensions = extensions ? parse_json(&A, extensions) : NULL,
    };
    struct as_error err;
    cr_assert_null(issue(b, &s, 1, &err), "accepted %s / %s", trust_claims, extensions);
    cr_assert_eq(err.status, 500);
    cr_assert_str_eq(err.type, TOKEN_ERR_INVALID_POLICY_OUTPUT);
    cr_assert_not_null(strstr(err.detail, why), "detail lacks '%s': %s", why, err.detail);
    cr_assert_not_null(strstr(err.detail, "cpu0"), "detail names the submod: %s", err.detail);
    token_broker_free(b);
}

Test(token_ear, trust_claims_refusals)
{
    assert_policy_output_refused("{}", NULL, "At least one policy claim must be set.");
    assert_policy_output_refused("{\"hardwar\":2}", NULL, "hardwar is not an AR4SI claim name");
    assert_policy_output_refused("{\"sourced_data\":2}", NULL, "not an AR4SI claim name");
    assert_policy_output_refused("{\"hardware\":128}", NULL, "-128..127");
    assert_policy_output_refused("{\"hardware\":-129}", NULL, "-128..127");
    assert_policy_output_refused("{\"hardware\":2.5}", NULL, "-128..127");
    assert_policy_output_refused("{\"hardware\":\"2\"}", NULL, "-128..127");
    assert_policy_output_refused("{\"hardware\":99999999999999999999999}", NULL, "-128..127");
    assert_policy_output_refused("[2]", NULL, "must be an object, got array");
    assert_policy_output_refused("true", NULL, "must be an object, got boolean");
}

Test(token_ear, extensions_refusals)
{
    const char *tc = "{\"hardware\":2}";
    assert_policy_output_refused(tc, "{}", "must be an array, got object");
    assert_policy_output_refused(tc, "[1]", "object expected");
    assert_policy_output_refused(tc, "[{\"key\":1,\"value\":1}]", "needs a string \"name\"");
    assert_policy_output_refused(tc, "[{\"name\":\"a\",\"key\":1}]", "needs a string \"name\"");
    assert_policy_output_refused(tc, "[{\"name\":\"a\",\"key\":\"1\",\"value\":1}]",
                                 "32-bit integer");
    assert_policy_output_refused(tc, "[{\"name\":\"a\",\"key\":2147483648,\"value\":1}]",
                                 "32-bit integer");
    assert_policy_output_refused(tc,
                                 "[{\"name\":\"a\",\"key\":1,\"value\":1},"
                                 "{\"name\":\"a\",\"key\":2,\"value\":2}]",
                                 "name a registered twice");
    assert_policy_output_refused(tc,
                                 "[{\"name\":\"a\",\"key\":1,\"value\":1},"
                                 "{\"name\":\"b\",\"key\":1,\"value\":2}]",
                                 "registered twice");
    assert_policy_output_refused(tc, "[{\"name\":\"ear.status\",\"key\":1,\"value\":\"x\"}]",
                                 "reserved member");
}

Test(token_ear, extension_key_limits_accepted)
{
    struct token_broker *b = ear_broker(NULL);
    struct token_ear_submod s = {
        .tee_class = "cpu",
        .trust_claims = parse_json(&A, "{\"hardware\":2}"),
        .extensions = parse_json(&A, "[{\"name\":\"a\",\"key\":-2147483648,\"value\":[]},"
                                     "{\"name\":\"b\",\"key\":2147483647,\"value\":0}]"),
    };
    struct as_error err;
    char *jws = issue(b, &s, 1, &err);
    cr_assert_not_null(jws, "%s", err.detail);
    struct jws_parts p;
    jws_split(jws, &p);
    cr_assert_not_null(
        strstr(p.payload, "\"ear.appraisal-policy-id\":\"default\",\"a\":[],\"b\":0}"));
    jws_parts_free(&p);
    token_broker_free(b);
}

/* ---- other errors ---- */

Test(token_ear, expiry_overflow)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.token_broker = TOKEN_EAR;
    struct token_ear_submod s = {.tee_class = "cpu"};
    int64_t durations[] = {INT64_MAX, INT64_MAX / 60, (253402300799LL - 1730430791) / 60 + 1};
    for (size_t i = 0; i < 3; i++) {
        cfg.token_duration_min = durations[i];
        struct token_broker *b = NULL;
        struct as_error err = {0};
        cr_assert_eq(token_broker_new(&cfg, &b, &err), 0);
        char *jws = NULL;
        cr_assert_eq(token_ear_issue(b, &s, 1, "default", &A, &jws, &err), -1);
        cr_assert_not_null(strstr(err.detail, "Token expiration overflow."), "%s", err.detail);
        token_broker_free(b);
    }
    cfg.token_duration_min = (253402300799LL - 1730430791) / 60; /* the last valid one */
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(&cfg, &b, &err), 0);
    char *jws = NULL;
    cr_assert_eq(token_ear_issue(b, &s, 1, "default", &A, &jws, &err), 0, "%s", err.detail);
    token_broker_free(b);
}

Test(token_ear, preconditions)
{
    struct token_broker *b = ear_broker(NULL);
    struct token_ear_submod s = {.tee_class = "cpu"};
    char *jws = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_ear_issue(b, &s, 0, "default", &A, &jws, &err), -1);
    cr_assert_eq(token_ear_issue(b, &s, 1, NULL, &A, &jws, &err), -1);
    token_broker_free(b);
    struct as_config cfg;
    cfg_simple(&cfg); /* Simple mode: RSA key, no EAR */
    cr_assert_eq(token_broker_new(&cfg, &b, &err), 0);
    cr_assert_eq(token_ear_issue(b, &s, 1, "default", &A, &jws, &err), -1);
    cr_assert_eq(err.status, 500);
    token_broker_free(b);
}

static void assert_settings_refused(const char *ear_json, const char *why)
{
    struct as_config cfg;
    cfg_simple(&cfg);
    cfg.token_broker = TOKEN_EAR;
    cfg.ear_config = parse_json(&A, ear_json);
    struct token_broker *b = NULL;
    struct as_error err = {0};
    cr_assert_eq(token_broker_new(&cfg, &b, &err), -1, "accepted %s", ear_json);
    cr_assert_str_eq(err.type, ERR_CONFIG);
    cr_assert_not_null(strstr(err.detail, why), "detail lacks '%s': %s", why, err.detail);
}

Test(token_ear, settings_refusals)
{
    assert_settings_refused("{\"profile_name\":\"\"}", "profile_name: must be a non-empty");
    assert_settings_refused("{\"build_name\":\"\"}", "build_name");
    assert_settings_refused("{\"developer_name\":7}", "developer_name: expected a string");
    assert_settings_refused("{\"verbose_token\":\"yes\"}", "verbose_token: expected a boolean");
}
