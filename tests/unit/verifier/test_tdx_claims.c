/* test_tdx_claims.c - the sgx and tdx verifiers end to end on real vectors
 * (evidence JSON + offline collateral bundle): claims of claims.md §1.2,
 * §1.3 and §4, the CC event log (RTMR replay, V24 kernel/kernel_parameters,
 * V26 uefi_event_logs against trustee's expected output), and the
 * report_data / init_data bindings. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "value/value.h"
#include "verifier/tdx/ccel.h"
#include "verifier/verifier.h"

extern const struct verifier verifier_sgx, verifier_tdx;

#define VEC AS_SHARED_DIR "/vectors/intel/"

static struct arena A;

static void setup(void) { arena_init(&A, 1 << 20); }
static void teardown(void) { arena_free(&A); }
TestSuite(dcap_claims, .init = setup, .fini = teardown);

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = arena_alloc(&A, (size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static uint8_t *need(const char *path, size_t *len)
{
    uint8_t *p = slurp(path, len);
    if (!p)
        cr_skip("vector %s absent", path);
    return p;
}

/* {"quote": b64[, "cc_eventlog": b64]} */
static struct value *evidence(const uint8_t *q, size_t ql, const uint8_t *el, size_t ell)
{
    struct pair_list l = {0};
    pair_list_push_str(&A, &l, "quote", v_cstr(&A, b64_encode_arena(&A, q, ql, B64_STD_PAD)));
    if (el)
        pair_list_push_str(&A, &l, "cc_eventlog",
                           v_cstr(&A, b64_encode_arena(&A, el, ell, B64_STD_PAD)));
    return v_object(&A, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static const char *get_str(const struct value *o, const char *path)
{
    char key[128];
    const char *dot;
    while ((dot = strchr(path, '/')) != NULL) {
        snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
        o = value_object_get_str(o, key);
        path = dot + 1;
    }
    const struct value *v = value_object_get_str(o, path);
    return v_is(v, V_STRING) ? v->u.str.s : NULL;
}

static int run(const struct verifier *vf, const char *quote, const char *coll, time_t now,
               bool v26, const uint8_t *el, size_t ell, const struct binding *rd,
               const struct binding *id, struct value **claims, struct as_error *err)
{
    size_t ql, cl;
    char path[512];
    snprintf(path, sizeof path, VEC "%s", quote);
    uint8_t *q = need(path, &ql);
    snprintf(path, sizeof path, VEC "%s", coll);
    uint8_t *c = need(path, &cl);
    struct verify_ctx ctx = {.arena = &A, .now = now, .v26 = v26, .collateral = c,
                             .collateral_len = cl};
    struct binding none = {0};
    return vf->verify(&ctx, evidence(q, ql, el, ell), rd ? rd : &none, id ? id : &none, claims,
                      err);
}

Test(dcap_claims, sgx_occlum_claims_v24)
{
    struct value *c;
    struct as_error err;
    cr_assert_eq(run(&verifier_sgx, "quotes/sgx-v3-trustee-occlum.bin",
                     "collateral/asm-sgx-00606a000000-2025-08.json", 1756684800, false, NULL, 0,
                     NULL, NULL, &c, &err),
                 0, "%s", err.detail);
    /* claims.md §1.2 reference example */
    cr_assert_str_eq(get_str(c, "header/version"), "0300");
    cr_assert_str_eq(get_str(c, "header/att_key_type"), "0200");
    cr_assert_str_eq(get_str(c, "header/qe_svn"), "0800");
    cr_assert_str_eq(get_str(c, "header/pce_svn"), "0d00");
    cr_assert_str_eq(get_str(c, "header/vendor_id"), "939a7233f79c4ca9940a0db3957f0607");
    cr_assert_str_eq(get_str(c, "body/cpu_svn"), "06060c0cffff00000000000000000000");
    cr_assert_str_eq(get_str(c, "body/misc_select"), "01000000");
    cr_assert_str_eq(get_str(c, "body/attributes.flags"), "0700000000000000");
    cr_assert_str_eq(get_str(c, "body/attributes.xfrm"), "e700000000000000");
    cr_assert_str_eq(get_str(c, "body/mr_enclave"),
                     "8f173e4613ff05c52aaf04162d234edae8c9977eae47eb2299ae16a553011c68");
    cr_assert(strncmp(get_str(c, "report_data"), "74657374000000", 14) == 0);
    cr_assert_eq(strlen(get_str(c, "init_data")), 128);
    /* supplemental claims */
    cr_assert_str_eq(get_str(c, "tcb_status"), "OutOfDate");
    cr_assert_str_eq(get_str(c, "collateral_expiration_status"), "0");
    cr_assert_str_eq(get_str(c, "sgx_type"), "Scalable");
    cr_assert_str_eq(get_str(c, "tcb_date"), "2021-11-10T00:00:00Z");
    cr_assert_str_eq(get_str(c, "platform_provider_id"), "b9c92eb5053cb158956f4e68b6d82f52");
    const struct value *adv = value_object_get_str(c, "advisory_ids");
    cr_assert(v_is(adv, V_ARRAY));
    cr_assert_eq(adv->u.arr.len, 10);
    cr_assert(v_is(value_object_get_str(c, "is_smt_enabled"), V_BOOL));
    cr_assert(v_is(value_object_get_str(c, "pck_crl_num"), V_NUMBER));
}

Test(dcap_claims, sgx_report_data_and_config_id_binding)
{
    struct value *c;
    struct as_error err;
    uint8_t test[4] = {'t', 'e', 's', 't'}, wrong[4] = {'t', 'e', 's', 'x'};
    uint8_t zero48[48] = {0};
    struct binding rd = {true, test, 4}, bad = {true, wrong, 4}, id = {true, zero48, 48};
    cr_assert_eq(run(&verifier_sgx, "quotes/sgx-v3-trustee-occlum.bin",
                     "collateral/asm-sgx-00606a000000-2025-08.json", 1756684800, false, NULL, 0,
                     &rd, &id, &c, &err),
                 0, "%s", err.detail);
    cr_assert_eq(run(&verifier_sgx, "quotes/sgx-v3-trustee-occlum.bin",
                     "collateral/asm-sgx-00606a000000-2025-08.json", 1756684800, false, NULL, 0,
                     &bad, NULL, &c, &err),
                 -1);
    cr_assert_eq(err.status, 403);
    cr_assert_str_eq(err.type, "report_data_mismatch");
    uint8_t one = 1;
    struct binding bad_id = {true, &one, 1};
    cr_assert_eq(run(&verifier_sgx, "quotes/sgx-v3-trustee-occlum.bin",
                     "collateral/asm-sgx-00606a000000-2025-08.json", 1756684800, false, NULL, 0,
                     NULL, &bad_id, &c, &err),
                 -1);
    cr_assert_str_eq(err.type, "init_data_mismatch");
}

Test(dcap_claims, tdx_quote4_claims_v24)
{
    struct value *c;
    struct as_error err;
    cr_assert_eq(run(&verifier_tdx, "quotes/tdx-v4-trustee-4.bin",
                     "collateral/asm-tdx-50806f000000-2023-06.json", 1688169600, false, NULL, 0,
                     NULL, NULL, &c, &err),
                 0, "%s", err.detail);
    cr_assert_str_eq(get_str(c, "quote/body/td_attributes"), "0100001000000000");
    cr_assert_str_eq(get_str(c, "quote/body/xfam"), "e742060000000000");
    cr_assert_str_eq(get_str(c, "quote/body/tcb_svn"), "03000500000000000000000000000000");
    cr_assert_str_eq(get_str(c, "quote/header/version"), "0400");
    cr_assert_str_eq(get_str(c, "tcb_status"), "UpToDate");
    const struct value *ccel = value_object_get_str(c, "ccel");
    cr_assert(v_is(ccel, V_OBJECT) && ccel->u.obj.len == 0, "ccel present and empty");
}

/* CCEL_data is trustee's companion of tdx_quote_4 for claim parsing only:
 * its RTMRs are not the quote's (trustee's own test replays it to RTMR0
 * 2dc71230..., RTMR1 0fa3be56...). */
Test(dcap_claims, ccel_v24_kernel_and_parameters)
{
    size_t el;
    uint8_t *log = need(VEC "extra/trustee-tdx_quote_4.CCEL_data", &el);
    struct ccel cl;
    struct value *c;
    struct as_error err;
    cr_assert_eq(ccel_parse(&A, log, el, &cl, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v24_claims(&A, &cl, &c, &err), 0, "%s", err.detail);
    /* claims.md §1.3 reference example */
    cr_assert_str_eq(get_str(c, "kernel"),
                     "5b7aa6572f649714ff00b6a2b9170516a068fd1a0ba72aa8de27574131d454e6396d3bfa"
                     "1727d9baf421618a942977fa");
    cr_assert_str_eq(get_str(c, "kernel_parameters/console"), "hvc0");
    cr_assert_str_eq(get_str(c, "kernel_parameters/root"), "/dev/vda1");
    const struct value *kp = value_object_get_str(c, "kernel_parameters");
    cr_assert(v_is(value_object_get_str(kp, "rw"), V_NULL));
    cr_assert_eq(kp->u.obj.len, 3);
}

Test(dcap_claims, ccel_replay_values_and_tamper)
{
    size_t el;
    uint8_t *log = need(VEC "extra/trustee-tdx_quote_4.CCEL_data", &el);
    struct ccel cl;
    struct as_error err;
    uint8_t mr[48], zero[48] = {0};
    char hex[97];
    cr_assert_eq(ccel_parse(&A, log, el, &cl, &err), 0, "%s", err.detail);
    ccel_replay_sha384(&cl, 1, mr);
    hex_encode(mr, 48, hex);
    cr_assert_str_eq(hex, "2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd0"
                          "79664902e6f22c66f7c8213543f4");
    ccel_replay_sha384(&cl, 2, mr);
    hex_encode(mr, 48, hex);
    cr_assert_str_eq(hex, "0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287"
                          "075047ff7bd1922829fec28cd3cf");
    ccel_replay_sha384(&cl, 3, mr);
    cr_assert(memcmp(mr, zero, 48) == 0);
    uint8_t rtmrs[4 * 48] = {0};
    ccel_replay_sha384(&cl, 1, rtmrs);
    ccel_replay_sha384(&cl, 2, rtmrs + 48);
    cr_assert_eq(ccel_check_rtmrs(&cl, rtmrs, 4, &err), 0, "%s", err.detail);
    /* flip one digest byte of the first measured event: RTMR0 no longer matches */
    uint8_t *copy = arena_memdup(&A, log, el);
    size_t spec = 32 + (size_t)(copy[28] | copy[29] << 8 | copy[30] << 16 | (size_t)copy[31] << 24);
    copy[spec + 12 + 2] ^= 1;
    cr_assert_eq(ccel_parse(&A, copy, el, &cl, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_check_rtmrs(&cl, rtmrs, 4, &err), -1);
    cr_assert_eq(err.status, 403);
    cr_assert(strstr(err.detail, "RTMR0"), "%s", err.detail);
}

Test(dcap_claims, tdx_with_foreign_ccel_is_rejected)
{
    size_t el;
    uint8_t *log = need(VEC "extra/trustee-tdx_quote_4.CCEL_data", &el);
    struct value *c;
    struct as_error err;
    cr_assert_eq(run(&verifier_tdx, "quotes/tdx-v4-trustee-4.bin",
                     "collateral/asm-tdx-50806f000000-2023-06.json", 1688169600, false, log, el,
                     NULL, NULL, &c, &err),
                 -1);
    cr_assert_eq(err.status, 403);
    cr_assert(strstr(err.detail, "RTMR0"), "%s", err.detail);
}

Test(dcap_claims, ccel_v26_and_quote_claims_match_trustee_expected)
{
    size_t el, xl;
    uint8_t *log = need(VEC "extra/trustee-tdx_quote_4.CCEL_data", &el);
    uint8_t *exp = need(VEC "extra/trustee-tdx_quote_4.parse_tdx_claims_expected.json", &xl);
    struct value *c, *want, *events;
    struct ccel cl;
    struct as_error err;
    cr_assert_eq(json_parse(&A, (const char *)exp, xl, NULL, &want, &err), 0);
    cr_assert_eq(ccel_parse(&A, log, el, &cl, &err), 0, "%s", err.detail);
    cr_assert_eq(ccel_v26_claims(&A, &cl, &events, &err), 0, "%s", err.detail);
    const struct value *w = value_object_get_str(want, "uefi_event_logs");
    cr_assert_eq(w->u.arr.len, events->u.arr.len);
    for (size_t i = 0; i < w->u.arr.len; i++)
        cr_assert(value_equal(w->u.arr.items[i], events->u.arr.items[i]),
                  "event %zu differs:\n want %.300s\n got  %.300s", i,
                  json_to_string(&A, w->u.arr.items[i], JSON_COMPACT),
                  json_to_string(&A, events->u.arr.items[i], JSON_COMPACT));
    cr_assert_eq(run(&verifier_tdx, "quotes/tdx-v4-trustee-4.bin",
                     "collateral/asm-tdx-50806f000000-2023-06.json", 1688169600, true, NULL, 0,
                     NULL, NULL, &c, &err),
                 0, "%s", err.detail);
    /* every member of trustee's expected claims: uefi_event_logs from the log
     * above (trustee parses it without replay), the rest from the verifier */
    cr_assert_geq(want->u.obj.len, 6);
    for (size_t i = 0; i < want->u.obj.len; i++) {
        const struct value *key = want->u.obj.pairs[i].key, *wv = want->u.obj.pairs[i].val;
        const struct value *g = strcmp(key->u.str.s, "uefi_event_logs") == 0
                                    ? events
                                    : value_object_get(c, key);
        cr_assert(value_equal(wv, g), "%s differs:\n want %.300s\n got  %.300s", key->u.str.s,
                  json_to_string(&A, wv, JSON_COMPACT),
                  g ? json_to_string(&A, g, JSON_COMPACT) : "(none)");
    }
}

Test(dcap_claims, tdx_v5_claims_and_current_status)
{
    struct value *c;
    struct as_error err;
    cr_assert_eq(run(&verifier_tdx, "quotes/tdx-v5-gotdx.bin",
                     "collateral/phala-tdx-90c06f000000-2026-02.json", 1772323200, true, NULL, 0,
                     NULL, NULL, &c, &err),
                 0, "%s", err.detail);
    cr_assert_str_eq(get_str(c, "quote/header/version"), "0500");
    cr_assert_str_eq(get_str(c, "quote/type"), "0300");
    cr_assert_str_eq(get_str(c, "quote/size"), "88020000");
    cr_assert_str_eq(get_str(c, "quote/body/tee_tcb_svn2"), "0d010400000000000000000000000000");
    cr_assert_eq(strlen(get_str(c, "quote/body/mr_servicetd")), 96);
    cr_assert_str_eq(get_str(c, "tcb_status"), "UpToDate");
    cr_assert_str_eq(get_str(c, "tcb_status_current"), "UpToDate");
    cr_assert_null(value_object_get_str(c, "uefi_event_logs"));
    cr_assert_null(value_object_get_str(c, "ccel"));
}

Test(dcap_claims, wrong_tee_and_bad_evidence)
{
    struct value *c;
    struct as_error err;
    cr_assert_eq(run(&verifier_sgx, "quotes/tdx-v4-phala.bin",
                     "collateral/phala-tdx-b0c06f000000-2025-06.json", 1751328000, false, NULL, 0,
                     NULL, NULL, &c, &err),
                 -1);
    cr_assert_eq(err.status, 400);
    struct verify_ctx ctx = {.arena = &A, .now = 1};
    struct binding none = {0};
    struct value *ev;
    cr_assert_eq(json_parse(&A, "{\"quote\":\"\"}", 12, NULL, &ev, &err), 0);
    cr_assert_eq(verifier_tdx.verify(&ctx, ev, &none, &none, &c, &err), -1);
    cr_assert_eq(err.status, 400);
    cr_assert_eq(json_parse(&A, "{\"quote\":\"A\"}", 13, NULL, &ev, &err), 0);
    cr_assert_eq(verifier_tdx.verify(&ctx, ev, &none, &none, &c, &err), -1);
    cr_assert_str_eq(err.type, "invalid_base64");
}
