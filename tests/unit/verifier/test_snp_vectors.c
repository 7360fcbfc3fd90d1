/* Unit tests for the SNP verifier against every entry of
 * shared/vectors/snp/ground-truth.json (the MANIFEST's verdicts, failing
 * checks, key fields, VEK extension values, KDS URL and the 2026 claims). */
#include <criterion/criterion.h>

#include "base/codec.h"
#include "test_snp_util.h"
#include "verifier/snp/snp_kds.h"
#include "verifier/snp/snp_verify.h"

struct run {
    struct arena a;
    struct snp_verified v;
    struct as_error err;
    int rc;
};

static const char *any_vmpl_config =
    "{\"snp_verifier\":{\"allowed_vmpls\":[0,1,2,3],\"vcek_sources\":[]}}";

static void run_entry(struct run *r, const struct value *e, const char *config)
{
    const char *input = snp_str(e, "input");
    const char *vek = snp_str(e, "vek");
    struct snp_verify_in in = {.arena = &r->a};
    size_t n = 0;
    cr_assert(input);
    if (config)
        in.verifier_config = snp_read_json_text(&r->a, config);
    if (snp_ends_with(input, ".json")) {
        char path[1024];
        snprintf(path, sizeof path, "%s/vectors/%s", AS_SHARED_DIR, input);
        in.evidence = snp_read_json(&r->a, path);
        cr_assert(in.evidence, "%s does not parse", input);
    } else {
        in.report = snp_read_vector(&r->a, input, &in.report_len);
        cr_assert(in.report, "%s unreadable", input);
        in.vek = snp_read_vector(&r->a, vek, &n);
        in.vek_len = n;
        cr_assert(in.vek, "%s unreadable", vek);
    }
    r->rc = snp_verify(&in, &r->v, &r->err);
}

static struct value *ground_truth(struct arena *a)
{
    struct value *gt = snp_read_json(a, SNP_VECTORS "/ground-truth.json");
    cr_assert(v_is(gt, V_ARRAY) && gt->u.arr.len > 0, "ground-truth.json unreadable");
    return gt;
}

static void expect_failed_set(const struct value *e, const struct snp_verified *v)
{
    const struct value *want = value_object_get_str(e, "failed_checks");
    uint32_t mask = 0;
    for (size_t i = 0; i < want->u.arr.len; i++) {
        const char *name = want->u.arr.items[i]->u.str.s;
        int c = 0;
        while (c < SNP_CHECK_COUNT && strcmp(snp_check_name(c), name) != 0)
            c++;
        cr_assert_lt(c, SNP_CHECK_COUNT, "%s: unknown check %s", snp_str(e, "id"), name);
        mask |= 1u << c;
    }
    cr_expect_eq(v->findings.failed, mask, "%s: failed checks 0x%x, expected 0x%x",
                 snp_str(e, "id"), v->findings.failed, mask);
}

static void expect_hex(struct arena *a, const char *id, const char *what, const uint8_t *p,
                       size_t n, const char *want)
{
    if (!want)
        return;
    char *h = hex_encode_arena(a, p, n);
    cr_expect_str_eq(h, want, "%s: %s", id, what);
}

static int64_t num(const struct value *o, const char *k)
{
    int64_t x = -1;
    const struct value *v = value_object_get_str(o, k);
    if (v && value_as_int64(v, &x) < 0)
        return -1;
    return v_is(v, V_NULL) ? -1 : x;
}

static void expect_key_fields(struct run *r, const struct value *e)
{
    const char *id = snp_str(e, "id");
    const struct value *k = value_object_get_str(e, "key_fields");
    const struct snp_report *rep = &r->v.report;
    cr_expect_eq(rep->version, num(k, "version"), "%s version", id);
    cr_expect_eq(rep->vmpl, num(k, "vmpl"), "%s vmpl", id);
    cr_expect_str_eq(snp_product_name(r->v.product), snp_str(k, "product"), "%s product", id);
    expect_hex(&r->a, id, "measurement", rep->measurement, 48, snp_str(k, "measurement"));
    expect_hex(&r->a, id, "report_data", rep->report_data, 64, snp_str(k, "report_data"));
    expect_hex(&r->a, id, "host_data", rep->host_data, 32, snp_str(k, "host_data"));
    expect_hex(&r->a, id, "chip_id", rep->chip_id, 64, snp_str(k, "chip_id"));
    expect_hex(&r->a, id, "reported_tcb_raw", rep->reported_tcb, 8,
               snp_str(k, "reported_tcb_raw"));
    struct snp_tcb t;
    snp_tcb_decode(rep->reported_tcb, r->v.product, &t);
    const struct value *tcb = value_object_get_str(k, "reported_tcb");
    cr_expect_eq(t.bootloader, num(tcb, "bootloader"), "%s bl", id);
    cr_expect_eq(t.tee, num(tcb, "tee"), "%s tee", id);
    cr_expect_eq(t.snp, num(tcb, "snp"), "%s snp", id);
    cr_expect_eq(t.microcode, num(tcb, "microcode"), "%s ucode", id);
    cr_expect_eq(t.has_fmc ? t.fmc : -1, num(tcb, "fmc"), "%s fmc", id);
    char fw[16];
    snprintf(fw, sizeof fw, "%u.%u.%u", rep->current_major, rep->current_minor,
             rep->current_build);
    cr_expect_str_eq(fw, snp_str(k, "current_version"), "%s firmware", id);
    const char *url = snp_str(e, "kds_vcek_url");
    if (url)
        cr_expect_str_eq(snp_kds_vcek_url(&r->a, NULL, rep, r->v.product), url, "%s url", id);
}

static void expect_vek_info(const struct value *e, const struct snp_verified *v)
{
    const char *id = snp_str(e, "id");
    const struct value *w = value_object_get_str(e, "vek_info");
    const struct snp_vek_info *i = &v->findings.vek;
    if (!v_is(w, V_OBJECT))
        return;
    cr_expect_str_eq(i->subject_cn, snp_str(w, "subject_cn"), "%s subject", id);
    cr_expect_str_eq(i->issuer_cn, snp_str(w, "issuer_cn"), "%s issuer", id);
    cr_expect_str_eq(i->product_name, snp_str(w, "product_name"), "%s productName", id);
    cr_expect_eq(i->spl[SNP_SPL_BL], num(w, "bl_spl"), "%s blSPL", id);
    cr_expect_eq(i->spl[SNP_SPL_TEE], num(w, "tee_spl"), "%s teeSPL", id);
    cr_expect_eq(i->spl[SNP_SPL_SNP], num(w, "snp_spl"), "%s snpSPL", id);
    cr_expect_eq(i->spl[SNP_SPL_UCODE], num(w, "ucode_spl"), "%s ucodeSPL", id);
    cr_expect_eq(i->spl[SNP_SPL_FMC], num(w, "fmc_spl"), "%s fmcSPL", id);
    const char *hwid = snp_str(w, "hwid");
    if (hwid) {
        char buf[129];
        hex_encode(i->hwid, i->hwid_len, buf);
        cr_expect_str_eq(buf, hwid, "%s hwid", id);
        cr_expect_eq(i->hwid_wrapped, strcmp(snp_str(w, "hwid_encoding"), "raw") != 0,
                     "%s hwid encoding", id);
    }
    if (snp_str(w, "csp_id"))
        cr_expect_str_eq(i->csp_id, snp_str(w, "csp_id"), "%s csp_id", id);
}

Test(snp_vectors, every_ground_truth_entry)
{
    SKIP_WITHOUT_VECTORS();
    struct arena ga;
    arena_init(&ga, 1 << 20);
    struct value *gt = ground_truth(&ga);
    for (size_t i = 0; i < gt->u.arr.len; i++) {
        const struct value *e = gt->u.arr.items[i];
        struct run r;
        arena_init(&r.a, 1 << 16);
        run_entry(&r, e, any_vmpl_config);
        bool accept = strcmp(snp_str(e, "verdict"), "ACCEPT") == 0;
        cr_expect_eq(r.rc == 0, accept, "%s: rc %d (%s)", snp_str(e, "id"), r.rc,
                     r.rc ? r.err.detail : "accepted");
        if (!accept)
            cr_expect_eq(r.err.status, 403, "%s: status %d", snp_str(e, "id"), r.err.status);
        expect_failed_set(e, &r.v);
        expect_key_fields(&r, e);
        expect_vek_info(e, &r.v);
        arena_free(&r.a);
    }
    arena_free(&ga);
}

/* Expected 2024 form of a 2026 claim: numbers and booleans as strings,
 * measurement as standard base64 (claims.md §1.4). */
static bool v24_form_matches(struct arena *a, const char *key, const struct value *v26,
                             const struct value *v24)
{
    char text[32];
    if (!v_is(v24, V_STRING))
        return false;
    if (strcmp(key, "measurement") == 0) {
        uint8_t *raw;
        size_t n = 0;
        if (hex_decode(a, v26->u.str.s, v26->u.str.len, &raw, &n) < 0)
            return false;
        return strcmp(b64_encode_arena(a, raw, n, B64_STD_PAD), v24->u.str.s) == 0;
    }
    if (v_is(v26, V_BOOL))
        return strcmp(v24->u.str.s, v26->u.b ? "true" : "false") == 0;
    snprintf(text, sizeof text, "%lld", (long long)v26->u.num.i);
    return strcmp(v24->u.str.s, text) == 0;
}

static void expect_claims(struct run *r, const struct value *e)
{
    const char *id = snp_str(e, "id");
    const struct value *want = value_object_get_str(e, "trustee_claims");
    if (!v_is(want, V_OBJECT))
        return;
    struct value *c26 = snp_claims(&r->a, &r->v, true);
    struct value *c24 = snp_claims(&r->a, &r->v, false);
    cr_assert(c26 && c24);
    /* 2026: exactly the original's keys plus our documented `vmpl`. */
    cr_expect_eq(c26->u.obj.len, want->u.obj.len + 1, "%s: claim count", id);
    int64_t vmpl;
    cr_expect(value_as_int64(value_object_get_str(c26, "vmpl"), &vmpl) == 0 &&
                  vmpl == r->v.report.vmpl,
              "%s: vmpl claim", id);
    size_t n24 = 0;
    for (size_t i = 0; i < want->u.obj.len; i++) {
        const struct value *k = want->u.obj.pairs[i].key;
        const struct value *got = value_object_get(c26, k);
        cr_expect(got && value_equal(got, want->u.obj.pairs[i].val), "%s: claim %s", id,
                  k->u.str.s);
        if (strcmp(k->u.str.s, "report_data") == 0 || strcmp(k->u.str.s, "init_data") == 0 ||
            strcmp(k->u.str.s, "chip_id") == 0)
            continue; /* not claims in 2024 */
        n24++;
        cr_expect(got && v24_form_matches(&r->a, k->u.str.s, got, value_object_get(c24, k)),
                  "%s: 2024 claim %s", id, k->u.str.s);
    }
    cr_expect_eq(c24->u.obj.len, n24 + 1, "%s: 2024 claim count", id);
}

Test(snp_vectors, claims_equal_the_original_2026_claims_and_their_2024_form)
{
    SKIP_WITHOUT_VECTORS();
    struct arena ga;
    arena_init(&ga, 1 << 20);
    struct value *gt = ground_truth(&ga);
    int compared = 0;
    for (size_t i = 0; i < gt->u.arr.len; i++) {
        const struct value *e = gt->u.arr.items[i];
        if (!v_is(value_object_get_str(e, "trustee_claims"), V_OBJECT))
            continue;
        struct run r;
        arena_init(&r.a, 1 << 16);
        run_entry(&r, e, NULL);
        cr_expect_eq(r.rc, 0, "%s: %s", snp_str(e, "id"), r.err.detail);
        if (r.rc == 0)
            expect_claims(&r, e);
        compared++;
        arena_free(&r.a);
    }
    cr_expect_gt(compared, 0);
    arena_free(&ga);
}

/* With the default configuration, reports from VMPL > 0 are rejected with
 * their own error, after the signature checks passed. */
Test(snp_vectors, vmpl_above_zero_rejected_by_default)
{
    SKIP_WITHOUT_VECTORS();
    struct arena ga;
    arena_init(&ga, 1 << 20);
    struct value *gt = ground_truth(&ga);
    int seen = 0;
    for (size_t i = 0; i < gt->u.arr.len; i++) {
        const struct value *e = gt->u.arr.items[i];
        const struct value *k = value_object_get_str(e, "key_fields");
        if (strcmp(snp_str(e, "verdict"), "ACCEPT") != 0 || num(k, "vmpl") == 0)
            continue;
        struct run r;
        arena_init(&r.a, 1 << 16);
        run_entry(&r, e, "{\"snp_verifier\":{\"vcek_sources\":[]}}");
        cr_expect_eq(r.rc, -1, "%s accepted at VMPL %lld", snp_str(e, "id"),
                     (long long)num(k, "vmpl"));
        cr_expect(strstr(r.err.detail, "snp: vmpl:") == r.err.detail, "%s: %s",
                  snp_str(e, "id"), r.err.detail);
        cr_expect_eq(r.v.findings.failed, 0u);
        seen++;
        arena_free(&r.a);
    }
    cr_expect_geq(seen, 3);
    arena_free(&ga);
}
