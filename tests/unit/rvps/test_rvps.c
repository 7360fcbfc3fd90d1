/* test_rvps.c - reference value records (both layouts), expiry, the
 * sample extractor, and the three backends (config.md §4). */
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
    snprintf(DIR_, sizeof(DIR_), "/tmp/as-rvps-test-XXXXXX");
    cr_assert_not_null(mkdtemp(DIR_));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
    cr_assert_eq(system(cmd), 0);
    arena_free(&A);
}

TestSuite(rvps, .init = setup, .fini = teardown);

static struct value *J(const char *s)
{
    struct value *v;
    struct as_error e;
    cr_assert_eq(json_parse(&A, s, strlen(s), NULL, &v, &e), 0, "%s", e.detail);
    return v;
}

static const char *lookup(struct rvps *r, const char *key, time_t now)
{
    struct value *out;
    struct as_error e;
    const char *keys[] = {key};
    cr_assert_eq(rvps_lookup(r, keys, 1, now, &A, &out, &e), 0, "%s", e.detail);
    return json_to_string(&A, value_object_get_str(out, key), JSON_COMPACT);
}

#define REC_V24                                                                                    \
    "{\"version\":\"0.1.0\",\"name\":\"sample.svn\",\"expired\":\"2030-01-01T00:00:00Z\","         \
    "\"hash-value\":[{\"alg\":\"sha384\",\"value\":\"1\"},{\"alg\":\"sha384\",\"value\":\"2\"}]}"

Test(rvps, time_format)
{
    time_t t;
    cr_assert_eq(rvps_parse_time("2030-01-01T00:00:00Z", 20, &t), 0);
    cr_assert_eq(t, 1893456000);
    char s[21];
    rvps_format_time(t, s);
    cr_assert_str_eq(s, "2030-01-01T00:00:00Z");
    cr_assert_eq(rvps_parse_time("2030-01-01 00:00:00Z", 20, &t), -1);
    cr_assert_eq(rvps_parse_time("2030-02-30T00:00:00Z", 20, &t), -1);
    cr_assert_eq(rvps_parse_time("2030-01-01T00:00:00+00:00", 25, &t), -1);
    /* 12 calendar months, clamped: 2024-02-29 -> 2025-02-28 */
    cr_assert_eq(rvps_parse_time("2024-02-29T10:00:00Z", 20, &t), 0);
    rvps_format_time(rvps_default_expiry(t), s);
    cr_assert_str_eq(s, "2025-02-28T10:00:00Z");
}

Test(rvps, expiry_is_honoured)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    cr_assert_eq(rvps_put_record(r, J(REC_V24), &e), 0, "%s", e.detail);
    cr_assert_str_eq(lookup(r, "sample.svn", 1893455999), "[\"1\",\"2\"]");
    cr_assert_str_eq(lookup(r, "sample.svn", 1893456000), "[\"1\",\"2\"]"); /* now == expiry */
    cr_assert_str_eq(lookup(r, "sample.svn", 1893456001), "[]");
    cr_assert_str_eq(lookup(r, "other", 0), "[]");
    rvps_free(r);
}

Test(rvps, v26_record_layout)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    cr_assert_eq(rvps_put_record(r, J("{\"version\":\"0.1.0\",\"name\":\"svn\",\"expiration\":"
                                      "\"2030-01-01T00:00:00Z\",\"value\":[\"1\"]}"),
                                 &e),
                 0);
    cr_assert_eq(rvps_put_record(r, J("{\"version\":\"0.1.0\",\"name\":\"major\",\"expiration\":"
                                      "\"2030-01-01T00:00:00Z\",\"value\":1}"),
                                 &e),
                 0);
    cr_assert_str_eq(lookup(r, "svn", 0), "[\"1\"]");
    cr_assert_str_eq(lookup(r, "major", 0), "[1]");
    rvps_free(r);
}

Test(rvps, malformed_records_are_rejected)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_memory(&r, &e), 0);
    const char *bad[] = {
        "{\"name\":\"x\",\"hash-value\":[]}",
        "{\"name\":\"x\",\"expired\":\"soon\",\"hash-value\":[]}",
        "{\"name\":\"x\",\"expired\":\"2030-01-01T00:00:00Z\",\"hash-value\":[{\"value\":1}]}",
        "{\"name\":\"x\",\"expired\":\"2030-01-01T00:00:00Z\"}",
        "{\"expired\":\"2030-01-01T00:00:00Z\",\"hash-value\":[]}",
        "[]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(rvps_put_record(r, J(bad[i]), &e), -1, "accepted %s", bad[i]);
        cr_assert_eq(e.status, 400);
    }
    rvps_free(r);
}

Test(rvps, sample_extractor_registration)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_dir(DIR_, &r, &e), 0);
    const char *payload = "{\"test-binary-1\":[\"reference-value-1\",\"reference-value-2\"],"
                          "\"test-binary-2\":[\"reference-value-3\"]}";
    char *b64 = b64_encode_arena(&A, (const uint8_t *)payload, strlen(payload), B64_STD_PAD);
    struct value *msg =
        J(arena_sprintf(&A, "{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"%s\"}", b64));
    time_t now = 1700000000;
    cr_assert_eq(rvps_register(r, msg, now, &e), 0, "%s", e.detail);
    cr_assert_str_eq(lookup(r, "test-binary-1", now),
                     "[\"reference-value-1\",\"reference-value-2\"]");
    cr_assert_str_eq(lookup(r, "test-binary-2", now + 364 * 86400), "[\"reference-value-3\"]");
    cr_assert_str_eq(lookup(r, "test-binary-2", now + 367 * 86400), "[]");
    /* errors */
    cr_assert_eq(rvps_register(r, J("{\"version\":\"0.2.0\",\"type\":\"sample\",\"payload\":\"\"}"),
                               now, &e),
                 -1);
    cr_assert(strstr(e.detail, "Version unmatched"));
    cr_assert_eq(rvps_register(r, J("{\"type\":\"in-toto\",\"payload\":\"\"}"), now, &e), -1);
    cr_assert(strstr(e.detail, "extractor"));
    cr_assert_eq(rvps_register(r, J("{\"type\":\"sample\",\"payload\":\"e30\"}"), now, &e), -1);
    cr_assert_str_eq(e.type, "invalid_base64");
    char *nonstr = b64_encode_arena(&A, (const uint8_t *)"{\"a\":[1]}", 9, B64_STD_PAD);
    cr_assert_eq(rvps_register(r, J(arena_sprintf(&A, "{\"type\":\"sample\",\"payload\":\"%s\"}",
                                                  nonstr)),
                               now, &e),
                 -1);
    rvps_free(r);
    /* persisted: a new store over the same directory sees the values */
    cr_assert_eq(rvps_open_dir(DIR_, &r, &e), 0);
    cr_assert_str_eq(lookup(r, "test-binary-1", now),
                     "[\"reference-value-1\",\"reference-value-2\"]");
    rvps_free(r);
}

Test(rvps, local_json_file)
{
    struct rvps *r;
    struct as_error e;
    char *path = arena_sprintf(&A, "%s/sub/reference_values.json", DIR_);
    cr_assert_eq(rvps_open_json_file(path, &r, &e), 0);
    cr_assert_str_eq(lookup(r, "sample.svn", 0), "[]"); /* absent file = empty store */
    cr_assert_eq(rvps_put_record(r, J(REC_V24), &e), 0, "%s", e.detail);
    cr_assert_str_eq(lookup(r, "sample.svn", 0), "[\"1\",\"2\"]");
    FILE *f = fopen(path, "w");
    fputs("{\"not\":\"an array\"}", f);
    fclose(f);
    const char *keys[] = {"sample.svn"};
    struct value *out;
    cr_assert_eq(rvps_lookup(r, keys, 1, 0, &A, &out, &e), -1);
    cr_assert_eq(e.status, 500);
    rvps_free(r);
}

Test(rvps, corrupt_dir_record_fails_the_lookup)
{
    struct rvps *r;
    struct as_error e;
    cr_assert_eq(rvps_open_dir(DIR_, &r, &e), 0);
    FILE *f = fopen(arena_sprintf(&A, "%s/sample.svn.json", DIR_), "w");
    fputs("{\"name\":\"sample.svn\"", f);
    fclose(f);
    const char *keys[] = {"sample.svn"};
    struct value *out;
    cr_assert_eq(rvps_lookup(r, keys, 1, 0, &A, &out, &e), -1);
    cr_assert_eq(e.status, 500);
    rvps_free(r);
}
