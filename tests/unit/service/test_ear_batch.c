/* test_ear_batch.c - V26 batches (api.md §5): every verification request
 * is verified first, then one EAR token carries one submod per evidence
 * (cpu0, cpu1 ... in request order); any failing element aborts the call
 * with the first failure in array order; concurrent requests each see
 * their own reference values and claims (query_reference_value's context
 * is per evaluation). */
#include <pthread.h>

#include "ear_test.h"

TestSuite(ear_batch, .init = ear_setup, .fini = svc_teardown);

/* A sample item bound to raw runtime data `rd` (svn given). */
static const char *raw_item(const char *svn, const char *rd)
{
    const char *ev = b64url(arena_sprintf(&T_A, "{\"svn\":\"%s\",\"report_data\":\"%s\"}", svn,
                                          b64std((const uint8_t *)rd, strlen(rd))));
    return arena_sprintf(
        &T_A, "{\"tee\":\"sample\",\"evidence\":\"%s\",\"runtime_data\":{\"raw\":\"%s\"}}", ev,
        b64url(rd));
}

static const char *batch(const char *a, const char *b, const char *ids)
{
    return arena_sprintf(&T_A, "{\"verification_requests\":[%s,%s],\"policy_ids\":%s}", a, b, ids);
}

Test(ear_batch, two_evidences_give_two_submods)
{
    register_rv("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
                "\"minimum_minor_version\":0}");
    char *token;
    struct as_error e;
    cr_assert_eq(ear_attest(batch(ITEM_V26, raw_item("2", "second"), "[]"), &token, &e), 0, "%s",
                 e.detail);
    struct value *p = ear_verified_payload(token);
    cr_expect_eq(value_object_get_str(p, "submods")->u.obj.len, 2);
    const struct value *cpu0 = submod(p, "cpu0"), *cpu1 = submod(p, "cpu1");
    /* the first element (svn 1, registered) is affirming, the second
     * (svn 2) is not: each submod is appraised from its own evidence */
    cr_expect_str_eq(member_json(cpu0, "ear.status"), "\"affirming\"");
    cr_expect_str_eq(member_json(cpu1, "ear.status"), "\"contraindicated\"");
    const struct value *ev0 = value_object_get_str(cpu0, "ear.veraison.annotated-evidence");
    const struct value *ev1 = value_object_get_str(cpu1, "ear.veraison.annotated-evidence");
    cr_expect_str_eq(member_json(ev0, "init_data_claims"), "{\"key1\":\"value1\"}");
    cr_expect_str_eq(member_json(ev1, "init_data_claims"), "(absent)");
    cr_expect_str_eq(member_json(ev1, "report_data"), "\"c2Vjb25k\"");
    cr_expect_str_eq(member_json(value_object_get_str(ev1, "sample"), "svn"), "\"2\"");
    cr_expect_str_eq(member_json(cpu1, "ear.appraisal-policy-id"), "\"default\"");
}

Test(ear_batch, any_failing_element_aborts_with_the_first_failure)
{
    char *token;
    struct as_error e;
    /* the second element's binding fails */
    const char *good = raw_item("1", "xyz");
    const char *mismatched = arena_sprintf(
        &T_A, "{\"tee\":\"sample\",\"evidence\":\"%s\",\"runtime_data\":{\"raw\":\"%s\"}}",
        b64url("{\"svn\":\"1\",\"report_data\":\"YWJj\"}"), b64url("abd"));
    cr_assert_eq(ear_attest(batch(ITEM_V26, mismatched, "[]"), &token, &e), -1);
    cr_expect_str_eq(e.type, "report_data_mismatch");
    cr_expect(strstr(e.detail, "verification_requests[1]"), "%s", e.detail);
    /* both fail: the first one is reported */
    const char *tee_error = "{\"tee\":\"nope\",\"evidence\":\"e30\"}";
    cr_assert_eq(ear_attest(batch(mismatched, tee_error, "[]"), &token, &e), -1);
    cr_expect_str_eq(e.type, "unsupported_tee"); /* decoding precedes verification */
    cr_assert_eq(ear_attest(batch(mismatched, good, "[]"), &token, &e), -1);
    cr_expect_str_eq(e.type, "report_data_mismatch");
    cr_expect(strstr(e.detail, "verification_requests[0]"), "%s", e.detail);
    /* verification of every element precedes the policies: a missing
     * policy is only reported when all evidence verified */
    cr_assert_eq(ear_attest(batch(good, mismatched, "[\"absent\"]"), &token, &e), -1);
    cr_expect_str_eq(e.type, "report_data_mismatch");
    cr_assert_eq(ear_attest(batch(good, good, "[\"absent\"]"), &token, &e), -1);
    cr_expect_str_eq(e.type, "policy_not_found");
    cr_expect(strstr(e.detail, "absent_cpu"), "%s", e.detail);
}

/* ---- concurrency ---- */

struct worker {
    int index;
    const char *body;
    char status[32];
    int failures;
};

static void *attest_many(void *arg)
{
    struct worker *w = arg;
    struct arena a;
    arena_init(&a, 1 << 14);
    for (int i = 0; i < 20; i++) {
        struct value *body;
        struct as_error e;
        char *token;
        if (json_parse(&a, w->body, strlen(w->body), NULL, &body, &e) < 0 ||
            service_attestation(T_SVC, body, &a, &token, &e) < 0) {
            w->failures++;
            continue;
        }
        /* status of cpu0 from the payload */
        const char *p1 = strchr(token, '.'), *p2 = strrchr(token, '.');
        uint8_t *bytes;
        size_t n;
        const char *why;
        struct value *payload;
        if (b64_decode(&a, p1 + 1, (size_t)(p2 - p1 - 1), B64_URL_NOPAD, &bytes, &n, &why) < 0 ||
            json_parse(&a, (const char *)bytes, n, NULL, &payload, &e) < 0) {
            w->failures++;
            continue;
        }
        const struct value *st = value_object_get_str(
            value_object_get_str(value_object_get_str(payload, "submods"), "cpu0"), "ear.status");
        if (!st || (w->status[0] && strcmp(w->status, st->u.str.s) != 0))
            w->failures++;
        else
            snprintf(w->status, sizeof(w->status), "%s", st->u.str.s);
    }
    arena_free(&a);
    return NULL;
}

Test(ear_batch, concurrent_appraisals_keep_their_own_results)
{
    register_rv("{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"
                "\"minimum_minor_version\":0}");
    enum { N = 6 };
    pthread_t th[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].index = i;
        /* even workers: svn 1 (affirming); odd: svn 9 (contraindicated) */
        w[i].body = arena_sprintf(&T_A, "{\"verification_requests\":[%s],\"policy_ids\":[]}",
                                  raw_item(i % 2 ? "9" : "1", i % 2 ? "odd" : "even"));
        cr_assert_eq(pthread_create(&th[i], NULL, attest_many, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(w[i].failures, 0, "worker %d", i);
        cr_expect_str_eq(w[i].status, i % 2 ? "contraindicated" : "affirming", "worker %d", i);
    }
}
