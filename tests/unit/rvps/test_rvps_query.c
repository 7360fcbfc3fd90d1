/* test_rvps_query.c - the V26 side of the reference value store
 * (config.md §4.2, policy.md §3): query_reference_value semantics
 * (rvps_query: the stored value of any JSON type, null when absent or
 * expired, V24 records as their value strings), V26 registration through
 * the sample extractor, and the same answers from all three backends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "rvps/rvps.h"

static char DIR_[256];
static struct arena A;

static void setup(void)
{
    log_init("error");
    arena_init(&A, 4096);
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-rvpsq-test-XXXXXX");
    cr_assert_not_null(mkdtemp(DIR_));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    cr_assert_eq(system(cmd), 0);
    arena_free(&A);
}

TestSuite(rvps_query, .init = setup, .fini = teardown);

static struct value *J(const char *s)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&A, s, strlen(s), NULL, &v, &e), 0, "%s", e.detail);
    return v;
}

/* The query's answer as JSON text, "absent" for NULL. */
static const char *query(struct rvps *r, const char *name, time_t now)
{
    struct value *out;
    struct as_error e;
    cr_assert_eq(rvps_query(r, name, now, &A, &out, &e), 0, "%s", e.detail);
    return out ? json_to_string(&A, out, JSON_COMPACT) : "absent";
}

static struct value *message(const char *payload)
{
    char *b64 = b64_encode_arena(&A, (const uint8_t *)payload, strlen(payload), B64_STD_PAD);
    return J(
        arena_sprintf(&A, "{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"%s\"}", b64));
}

/* The sample reference values of api.md §11.2, as a V26 registration. */
#define SAMPLE_PAYLOAD                                                                             \
    "{\"launch_digest\":[\"abcde\"],\"svn\":[\"1\"],\"major_version\":1,"                          \
    "\"minimum_minor_version\":0,\"flags\":{\"a\":true},\"none\":null}"

static void check_sample_values(struct rvps *r, time_t now)
{
    cr_expect_str_eq(query(r, "launch_digest", now), "[\"abcde\"]");
    cr_expect_str_eq(query(r, "svn", now), "[\"1\"]");
    cr_expect_str_eq(query(r, "major_version", now), "1");
    cr_expect_str_eq(query(r, "minimum_minor_version", now), "0");
    cr_expect_str_eq(query(r, "flags", now), "{\"a\":true}");
    cr_expect_str_eq(query(r, "none", now), "null"); /* a stored null is a value */
    cr_expect_str_eq(query(r, "unknown", now), "absent");
    /* 12 calendar months of validity, then absent (V26 did not check) */
    cr_expect_str_eq(query(r, "svn", now + 364 * 86400), "[\"1\"]");
    cr_expect_str_eq(query(r, "svn", now + 367 * 86400), "absent");
}

Test(rvps_query, v26_registration_in_every_backend)
{
    time_t now = 1700000000;
    struct as_error e;
    struct rvps *backends[3];
    cr_assert_eq(rvps_open_memory(&backends[0], &e), 0);
    cr_assert_eq(rvps_open_dir(arena_sprintf(&A, "%s/dir", DIR_), &backends[1], &e), 0);
    cr_assert_eq(rvps_open_json_file(arena_sprintf(&A, "%s/rv.json", DIR_), &backends[2], &e), 0);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rvps_register_v26(backends[i], message(SAMPLE_PAYLOAD), now, &e), 0, "%s",
                     e.detail);
        check_sample_values(backends[i], now);
        rvps_free(backends[i]);
    }
    /* persisted in the V26 record layout */
    FILE *f = fopen(arena_sprintf(&A, "%s/dir/major_version.json", DIR_), "r");
    cr_assert_not_null(f);
    char buf[512] = {0};
    cr_assert_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
    fclose(f);
    const char *text = buf;
    cr_expect(strstr(text, "\"expiration\":\"2024-11-14T22:13:20Z\""), "%s", text);
    cr_expect(strstr(text, "\"value\":1"), "%s", text);
    cr_expect_null(strstr(text, "hash-value"), "%s", text);
}

Test(rvps_query, v24_records_answer_their_value_strings)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    cr_assert_eq(rvps_put_record(r,
                                 J("{\"version\":\"0.1.0\",\"name\":\"svn\",\"expired\":"
                                   "\"2030-01-01T00:00:00Z\",\"hash-value\":[{\"alg\":"
                                   "\"sha384\",\"value\":\"1\"},{\"alg\":\"sha384\","
                                   "\"value\":\"2\"}]}"),
                                 &e),
                 0);
    cr_expect_str_eq(query(r, "svn", 0), "[\"1\",\"2\"]");
    cr_expect_str_eq(query(r, "svn", 1893456001), "absent"); /* after 2030-01-01 */
    rvps_free(r);
}

Test(rvps_query, replaced_records_answer_the_new_value)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    cr_assert_eq(rvps_register_v26(r, message("{\"x\":1}"), 1700000000, &e), 0);
    cr_assert_eq(rvps_register_v26(r, message("{\"x\":[2,3]}"), 1700000000, &e), 0);
    cr_expect_str_eq(query(r, "x", 1700000000), "[2,3]");
    rvps_free(r);
}

Test(rvps_query, corrupt_records_fail_rather_than_vanish)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_dir(DIR_, &r, &e), 0);
    FILE *f = fopen(arena_sprintf(&A, "%s/svn.json", DIR_), "w");
    fputs("{\"name\":\"svn\",\"expiration\":\"2030-01-01T00:00:00Z\"}", f); /* no value */
    fclose(f);
    struct value *out;
    cr_assert_eq(rvps_query(r, "svn", 0, &A, &out, &e), -1);
    cr_expect_eq(e.status, 500);
    cr_expect(strstr(e.detail, "svn"), "%s", e.detail);
    rvps_free(r);
}

Test(rvps_query, v26_registration_errors)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    cr_assert_eq(rvps_register_v26(r,
                                   J("{\"version\":\"0.2.0\",\"type\":\"sample\","
                                     "\"payload\":\"e30=\"}"),
                                   0, &e),
                 -1);
    cr_expect(strstr(e.detail, "Version unmatched"), "%s", e.detail);
    cr_assert_eq(rvps_register_v26(r, J("{\"type\":\"swid\",\"payload\":\"e30=\"}"), 0, &e), -1);
    cr_expect(strstr(e.detail, "extractor"), "%s", e.detail);
    cr_assert_eq(rvps_register_v26(r, J("{\"type\":\"sample\",\"payload\":\"e30\"}"), 0, &e), -1);
    cr_expect_str_eq(e.type, "invalid_base64");
    cr_assert_eq(rvps_register_v26(r, message("[1]"), 0, &e), -1);
    cr_expect_eq(e.status, 400);
    rvps_free(r);
}
