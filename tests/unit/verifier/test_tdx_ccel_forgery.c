/* test_tdx_ccel_forgery.c - CC event log claims come only from events the
 * RTMR replay checks: an event at an RTMR without a SHA-384 digest refuses
 * the log, V24 kernel / kernel_parameters come only from MR indexes 1..3
 * (RTMR0..2, the ones V24 replays), V26 uefi_event_logs drop events outside
 * MR indexes 1..4. The genuine TD here has one td_payload_info event in
 * RTMR1; the RTMRs are computed with OpenSSL, independently of ccel.c. */
#include <criterion/criterion.h>
#include <string.h>

#include <openssl/evp.h>

#include "value/value.h"
#include "verifier/tdx/ccel.h"

#define EV_PLATFORM_CONFIG_FLAGS 0xa
#define GENUINE "root=/dev/vda1 console=hvc0 ro"
#define FORGED "init=/bin/evil root=/dev/vda1"

static struct arena A;
static void setup(void) { arena_init(&A, 1 << 18); }
static void teardown(void) { arena_free(&A); }
TestSuite(ccel_forgery, .init = setup, .fini = teardown);

struct logw {
    uint8_t b[4096];
    size_t len;
};

static void put(struct logw *w, const void *p, size_t n)
{
    cr_assert_leq(w->len + n, sizeof w->b);
    memcpy(w->b + w->len, p, n);
    w->len += n;
}
static void put16(struct logw *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}
static void put32(struct logw *w, uint32_t v)
{
    put16(w, (uint16_t)v);
    put16(w, (uint16_t)(v >> 16));
}

/* Spec ID event (index 0, EV_NO_ACTION) listing SHA-384 and SHA-256. */
static void spec_id(struct logw *w)
{
    static const uint8_t zero[20] = {0}, version[4] = {0, 2, 0, 2}, vendor = 0;
    put32(w, 0), put32(w, 0x3), put(w, zero, 20);
    put32(w, 16 + 4 + 4 + 4 + 8 + 1);
    put(w, "Spec ID Event03", 16);
    put32(w, 0), put(w, version, 4), put32(w, 2);
    put16(w, TCG_ALG_SHA384), put16(w, 48);
    put16(w, TCG_ALG_SHA256), put16(w, 32);
    put(w, &vendor, 1);
}

/* A td_payload_info event carrying `cmdline`; digests over the command line
 * with each algorithm of `algs` (0-terminated). */
static void payload_event(struct logw *w, uint32_t index, const uint16_t *algs,
                          const char *cmdline)
{
    size_t n = strlen(cmdline), nalg = 0;
    while (algs[nalg])
        nalg++;
    put32(w, index), put32(w, EV_PLATFORM_CONFIG_FLAGS), put32(w, (uint32_t)nalg);
    for (size_t i = 0; i < nalg; i++) {
        uint8_t md[48];
        unsigned int ml = 0;
        EVP_Digest(cmdline, n, md, &ml, algs[i] == TCG_ALG_SHA384 ? EVP_sha384() : EVP_sha256(),
                   NULL);
        put16(w, algs[i]), put(w, md, ml);
    }
    uint8_t len[4] = {(uint8_t)n, 0, 0, 0};
    put32(w, (uint32_t)(20 + n));
    put(w, "td_payload_info", 16), put(w, len, 4), put(w, cmdline, n);
}

static const uint16_t SHA384[] = {TCG_ALG_SHA384, 0}, SHA256[] = {TCG_ALG_SHA256, 0},
                      SHA256_384[] = {TCG_ALG_SHA256, TCG_ALG_SHA384, 0},
                      TWICE_384[] = {TCG_ALG_SHA384, TCG_ALG_SHA384, 0};

/* RTMR1 of the genuine TD: one extend with SHA-384(GENUINE). */
static void genuine_rtmrs(uint8_t rtmrs[4 * 48])
{
    uint8_t buf[96] = {0};
    unsigned int ml = 0;
    memset(rtmrs, 0, 4 * 48);
    EVP_Digest(GENUINE, strlen(GENUINE), buf + 48, &ml, EVP_sha384(), NULL);
    EVP_Digest(buf, 96, rtmrs + 48, &ml, EVP_sha384(), NULL);
}

static const char *kernel_param(const struct value *claims, const char *name)
{
    const struct value *kp = value_object_get_str(claims, "kernel_parameters");
    const struct value *v = kp ? value_object_get_str(kp, name) : NULL;
    return v ? (v->type == V_STRING ? v->u.str.s : "(null)") : NULL;
}

/* Parses, checks nrtmr RTMRs against the genuine ones; 0 if they pass. */
static int check(const struct logw *w, int nrtmr, struct ccel *log, struct as_error *err)
{
    uint8_t rtmrs[4 * 48];
    genuine_rtmrs(rtmrs);
    cr_assert_eq(ccel_parse(&A, w->b, w->len, log, err), 0, "%s", err->detail);
    return ccel_check_rtmrs(log, rtmrs, nrtmr, err);
}

Test(ccel_forgery, genuine_log_replays_and_gives_its_parameters)
{
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    struct value *claims;
    spec_id(&w);
    payload_event(&w, 2, SHA384, GENUINE);
    for (int nrtmr = 3; nrtmr <= 4; nrtmr++)
        cr_assert_eq(check(&w, nrtmr, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v24_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    cr_assert_str_eq(kernel_param(claims, "root"), "/dev/vda1");
    cr_assert_eq(ccel_v26_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    cr_assert_eq(claims->u.arr.len, 1);
}

Test(ccel_forgery, event_at_mrtd_index_gives_no_claims)
{
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    struct value *claims;
    spec_id(&w);
    payload_event(&w, 0, SHA384, FORGED);
    payload_event(&w, 5, SHA384, FORGED);
    payload_event(&w, 2, SHA384, GENUINE);
    cr_assert_eq(check(&w, 4, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v24_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    cr_expect_null(kernel_param(claims, "init"), "forged parameters: %s",
                   json_to_string(&A, claims, JSON_COMPACT));
    cr_expect_str_eq(kernel_param(claims, "root"), "/dev/vda1");
    cr_assert_eq(ccel_v26_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    cr_assert_eq(claims->u.arr.len, 1, "V26 kept unreplayed events: %s",
                 json_to_string(&A, claims, JSON_COMPACT));
    const struct value *index = value_object_get_str(claims->u.arr.items[0], "index");
    cr_assert_str_eq(json_to_string(&A, index, JSON_COMPACT), "2");
}

Test(ccel_forgery, rtmr_event_without_sha384_digest_refuses_the_log)
{
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    spec_id(&w);
    payload_event(&w, 2, SHA256, FORGED);
    payload_event(&w, 2, SHA384, GENUINE);
    for (int nrtmr = 3; nrtmr <= 4; nrtmr++) {
        cr_assert_eq(check(&w, nrtmr, &log, &err), -1, "SHA-256-only event accepted");
        cr_assert_eq(err.status, 400);
    }
}

Test(ccel_forgery, event_with_sha256_and_sha384_digests_is_accepted)
{
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    spec_id(&w);
    payload_event(&w, 2, SHA256_384, GENUINE);
    cr_assert_eq(check(&w, 4, &log, &err), 0, "%s", err.detail);
}

Test(ccel_forgery, repeated_digest_algorithm_refuses_the_log)
{
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    spec_id(&w);
    payload_event(&w, 2, TWICE_384, GENUINE);
    cr_assert_eq(check(&w, 4, &log, &err), -1);
    cr_assert_eq(err.status, 400);
}

Test(ccel_forgery, kernel_claim_is_the_replayed_sha384_digest)
{
    /* A SHA-256 digest listed first must not become `kernel`. */
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    struct value *claims;
    static const uint8_t kernel_data[] = "\x0btd_payload";
    spec_id(&w);
    put32(&w, 2), put32(&w, 0x8000000a), put32(&w, 2);
    uint8_t md[48], buf[96] = {0}, rtmrs[4 * 48] = {0};
    unsigned int ml = 0;
    memset(md, 0xee, 48);
    put16(&w, TCG_ALG_SHA256), put(&w, md, 32);
    memset(md, 0x11, 48);
    put16(&w, TCG_ALG_SHA384), put(&w, md, 48);
    put32(&w, sizeof kernel_data), put(&w, kernel_data, sizeof kernel_data);
    memcpy(buf + 48, md, 48);
    EVP_Digest(buf, 96, rtmrs + 48, &ml, EVP_sha384(), NULL);
    cr_assert_eq(ccel_parse(&A, w.b, w.len, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_check_rtmrs(&log, rtmrs, 4, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v24_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    const struct value *k = value_object_get_str(claims, "kernel");
    cr_assert_not_null(k);
    cr_assert_str_eq(k->u.str.s, "111111111111111111111111111111111111111111111111111111111111"
                                 "111111111111111111111111111111111111");
}

Test(ccel_forgery, v24_event_in_rtmr3_gives_no_claims)
{
    /* V24 does not replay RTMR3 (claims.md §1.3, trustee V24), so an event
     * there is unchecked and must not give claims. */
    struct logw w = {0};
    struct ccel log;
    struct as_error err;
    struct value *claims;
    spec_id(&w);
    payload_event(&w, 4, SHA384, FORGED);
    payload_event(&w, 2, SHA384, GENUINE);
    cr_assert_eq(check(&w, 3, &log, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v24_claims(&A, &log, &claims, &err), 0, "%s", err.detail);
    cr_expect_null(kernel_param(claims, "init"), "forged parameters: %s",
                   json_to_string(&A, claims, JSON_COMPACT));
    cr_expect_str_eq(kernel_param(claims, "root"), "/dev/vda1");
}
