/* test_tdx_aael.c - the attestation-agent event log replay (claims.md §1.3):
 * every event line is extended into the running value, the INIT text hashed
 * is the re-encoded "INIT <alg>/<lower-hex>", the result must equal RTMR3,
 * and claims come only from logs that replay. RTMR3 values are computed here
 * with OpenSSL directly, independently of src/base/hash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/arena.h"
#include "verifier/tdx/aael.h"

static struct arena A;

static void setup(void) { arena_init(&A, 1 << 16); }
static void teardown(void) { arena_free(&A); }
TestSuite(tdx_aael, .init = setup, .fini = teardown);

#define ZERO48 "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
#define INIT "INIT sha384/" ZERO48

static void sha384(const void *p, size_t n, uint8_t out[48])
{
    unsigned int l = 0;
    EVP_Digest(p, n, out, &l, EVP_sha384(), NULL);
}

static void extend(uint8_t s[48], const char *line)
{
    uint8_t buf[96];
    memcpy(buf, s, 48);
    sha384(line, strlen(line), buf + 48);
    sha384(buf, 96, s);
}

static int verify(const char *log, const uint8_t rtmr3[48], struct value **claims,
                  struct as_error *err)
{
    *claims = NULL;
    return aael_verify_claims(&A, log, strlen(log), rtmr3, claims, err);
}

static const char *json(const struct value *v) { return json_to_string(&A, v, JSON_COMPACT); }

Test(tdx_aael, genuine_multi_line_log_is_accepted_with_its_claims)
{
    uint8_t rtmr3[48] = {0};
    extend(rtmr3, INIT);
    extend(rtmr3, "image pull docker.io/library/busybox:latest");
    extend(rtmr3, "kbs get_resource kbs:///default/key/1");
    extend(rtmr3, "image pull docker.io/library/nginx:1");
    const char *log = INIT "\nimage pull docker.io/library/busybox:latest\n"
                           "kbs get_resource kbs:///default/key/1  \r\n"
                           "image pull docker.io/library/nginx:1\n";
    struct value *claims;
    struct as_error err;
    cr_assert_eq(verify(log, rtmr3, &claims, &err), 0, "%s", err.detail);
    cr_assert_str_eq(json(claims), "{\"image/pull\":[\"docker.io/library/busybox:latest\","
                                   "\"docker.io/library/nginx:1\"],"
                                   "\"kbs/get_resource\":[\"kbs:///default/key/1\"]}");
}

Test(tdx_aael, init_only_log_is_accepted_with_no_claims)
{
    uint8_t rtmr3[48] = {0};
    extend(rtmr3, INIT);
    struct value *claims;
    struct as_error err;
    cr_assert_eq(verify(INIT "\n", rtmr3, &claims, &err), 0, "%s", err.detail);
    cr_assert_str_eq(json(claims), "{}");
}

Test(tdx_aael, events_appended_to_an_init_only_rtmr3_are_refused)
{
    uint8_t rtmr3[48] = {0};
    extend(rtmr3, INIT);
    struct value *claims;
    struct as_error err;
    const char *log = INIT "\nkbs get_resource fabricated\nimage pull evil/image:latest\n";
    cr_assert_eq(verify(log, rtmr3, &claims, &err), -1, "accepted: %s",
                 claims ? json(claims) : "-");
    cr_assert_eq(err.status, 403);
}

Test(tdx_aael, forged_dropped_or_reordered_events_are_refused)
{
    uint8_t rtmr3[48] = {0};
    extend(rtmr3, INIT);
    extend(rtmr3, "image pull a");
    extend(rtmr3, "image pull b");
    struct value *claims;
    struct as_error err;
    cr_assert_eq(verify(INIT "\nimage pull a\nimage pull b\n", rtmr3, &claims, &err), 0, "%s",
                 err.detail);
    const char *bad[] = {
        INIT "\nimage pull a\nimage pull evil\n",          /* content changed */
        INIT "\nimage pull a\n",                           /* event dropped */
        INIT "\nimage pull b\nimage pull a\n",             /* reordered */
        INIT "\nimage pull a\nimage pull b\nimage pull c\n", /* appended */
        INIT "\nimage pull  a\nimage pull b\n",            /* not three fields */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(verify(bad[i], rtmr3, &claims, &err), -1, "log %zu accepted", i);
}

Test(tdx_aael, init_text_is_rebuilt_in_lower_case)
{
    /* RTMR3 extended with the canonical text; an upper-case INIT line that
     * names the same algorithm and value replays to it, as in trustee. */
    const char *init_upper = "INIT SHA384/%.*sABCD";
    uint8_t iv[48] = {0};
    iv[46] = 0xab;
    iv[47] = 0xcd;
    uint8_t rtmr3[48];
    memcpy(rtmr3, iv, 48);
    char canon[128];
    snprintf(canon, sizeof canon, "INIT sha384/%.*sabcd", 92, ZERO48 ZERO48);
    extend(rtmr3, canon);
    extend(rtmr3, "d o c");
    char log[256];
    snprintf(log, sizeof log, init_upper, 92, ZERO48 ZERO48);
    strcat(log, "\nd o c\n");
    struct value *claims;
    struct as_error err;
    cr_assert_eq(verify(log, rtmr3, &claims, &err), 0, "%s", err.detail);
    cr_assert_str_eq(json(claims), "{\"d/o\":[\"c\"]}");
}

Test(tdx_aael, non_sha384_state_never_equals_rtmr3)
{
    /* A sha256 state (32 bytes) cannot equal the 48-byte RTMR3, even padded. */
    uint8_t s[32] = {0}, buf[64], rtmr3[48] = {0};
    unsigned int l = 0;
    const char *init = "INIT sha256/0000000000000000000000000000000000000000000000000000000000000000";
    EVP_Digest(init, strlen(init), buf + 32, &l, EVP_sha256(), NULL);
    memcpy(buf, s, 32);
    EVP_Digest(buf, 64, rtmr3, &l, EVP_sha256(), NULL);
    struct value *claims;
    struct as_error err;
    cr_assert_eq(verify(init, rtmr3, &claims, &err), -1);
}

Test(tdx_aael, malformed_logs_are_400)
{
    uint8_t rtmr3[48] = {0};
    struct value *claims;
    struct as_error err;
    const char *bad[] = {"", "image pull a\n", "INIT sha384/zz\n", "INIT md5/00\n",
                         "INIT sha384/00\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(verify(bad[i], rtmr3, &claims, &err), -1, "log %zu accepted", i);
        cr_expect_eq(err.status, 400, "log %zu: %d", i, err.status);
    }
}
