/* test_sample.c - the sample verifier: claims (claims.md §1.1, §4) and the
 * exact std-base64 binding checks (binding.md §3-4). */
#include <criterion/criterion.h>
#include <string.h>

#include "verifier/verifier.h"

static struct arena A;
static void setup(void) { arena_init(&A, 4096); }
static void teardown(void) { arena_free(&A); }

static struct value *json(const char *s)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&A, s, strlen(s), NULL, &v, &e), 0, "%s", e.detail);
    return v;
}

static int run(bool v26, const char *evidence, const struct binding *rd, const struct binding *id,
               struct value **claims, struct as_error *err)
{
    struct verify_ctx ctx = {.arena = &A, .now = 0, .v26 = v26};
    return verifier_for_name("sample")->verify(&ctx, json(evidence), rd, id, claims, err);
}

static const struct binding NONE = {false, NULL, 0};

TestSuite(sample, .init = setup, .fini = teardown);

Test(sample, v24_claims_copy_the_evidence)
{
    struct value *c;
    struct as_error e;
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"report_data\":\"YWFhYWE=\"}", &NONE, &NONE, &c, &e),
                 0);
    cr_assert_str_eq(json_to_string(&A, c, JSON_COMPACT),
                     "{\"init_data\":\"\",\"report_data\":\"YWFhYWE=\",\"svn\":\"1\"}");
}

Test(sample, raw_binding_is_exact)
{
    struct value *c;
    struct as_error e;
    struct binding rd = {true, (const uint8_t *)"aaaaa", 5};
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"report_data\":\"YWFhYWE=\"}", &rd, &NONE, &c, &e), 0);
    struct binding padded = {true, (const uint8_t *)"aaaaa\0", 6};
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"report_data\":\"YWFhYWE=\"}", &padded, &NONE, &c, &e),
                 -1);
    cr_assert_eq(e.status, 403);
    cr_assert_str_eq(e.type, "report_data_mismatch");
}

Test(sample, init_data_checked_in_v24)
{
    struct value *c;
    struct as_error e;
    struct binding id = {true, (const uint8_t *)"aaaaa", 5};
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"init_data\":\"YWFhYWI=\"}", &NONE, &id, &c, &e), -1);
    cr_assert_str_eq(e.type, "init_data_mismatch");
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"init_data\":\"YWFhYWE=\"}", &NONE, &id, &c, &e), 0);
}

Test(sample, evidence_base64_must_be_padded_standard_when_checked)
{
    struct value *c;
    struct as_error e;
    struct binding rd = {true, (const uint8_t *)"aaaaa", 5};
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"report_data\":\"YWFhYWE\"}", &rd, &NONE, &c, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_str_eq(e.type, "invalid_evidence");
    /* not checked -> not decoded */
    cr_assert_eq(run(false, "{\"svn\":\"1\",\"report_data\":\"YWFhYWE\"}", &NONE, &NONE, &c, &e), 0);
}

Test(sample, svn_is_required_and_a_string)
{
    struct value *c;
    struct as_error e;
    cr_assert_eq(run(false, "{\"report_data\":\"\"}", &NONE, &NONE, &c, &e), -1);
    cr_assert_str_eq(e.type, "invalid_evidence");
    cr_assert(strstr(e.detail, "svn"));
    cr_assert_eq(run(false, "{\"svn\":1}", &NONE, &NONE, &c, &e), -1);
    cr_assert_eq(e.status, 400);
    cr_assert_eq(run(false, "[]", &NONE, &NONE, &c, &e), -1);
    cr_assert_str_eq(e.type, "invalid_evidence");
}

Test(sample, v26_adds_test_claims_and_reports_init_digest)
{
    struct value *c;
    struct as_error e;
    uint8_t digest[32] = {0x90, 0x07, 0x44, 0xe2};
    struct binding id = {true, digest, 32};
    /* V26 ignores the evidence init_data, so a mismatching one is fine */
    cr_assert_eq(run(true, "{\"svn\":\"1\",\"init_data\":\"zzz\"}", &NONE, &id, &c, &e), 0);
    cr_assert_str_eq(json_to_string(&A, c, JSON_COMPACT),
                     "{\"debug\":false,\"init_data\":\"kAdE4gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
                     "\"launch_digest\":\"abcde\",\"platform_version\":{\"major\":1,\"minor\":4},"
                     "\"report_data\":\"\",\"svn\":\"1\"}");
    cr_assert_eq(run(true, "{\"svn\":\"1\"}", &NONE, &NONE, &c, &e), 0);
    cr_assert_null(value_object_get_str(c, "init_data"));
}
