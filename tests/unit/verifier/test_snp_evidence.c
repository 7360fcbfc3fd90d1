/* Unit tests for the shape rules of SNP evidence (snp_evidence.c,
 * snp_report.c, the certificate table of snp_cert.c) on real vectors read
 * at run time: every required member missing, every byte array one short
 * or holding a non-byte, every version outside 2..5 (JSON and raw), every
 * truncation of a raw report and of a certificate table - each rejected
 * with 400 naming what is wrong, never a crash (exact-size copies let ASan
 * see any over-read). */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "test_snp_util.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_evidence.h"
#include "verifier/snp/snp_kds.h"
#include "verifier/snp/snp_report.h"

#define TURIN_JSON   SNP_VECTORS "/derived-json/turin-v5-vcek-openanolis.evidence.json"
#define MILAN_REPORT "snp/good/milan-v3-vcek-azure-report.bin"
#define MILAN_VCEK   "snp/good/milan-v3-vcek-azure-vcek.der"

/* Members serde may leave out (Option<T> in the original's report type). */
static const char *const optional_members[] = {"cpuid_fam_id", "cpuid_mod_id", "cpuid_step",
                                               "launch_mit_vector", "current_mit_vector"};

static bool is_optional(const char *key)
{
    for (size_t i = 0; i < sizeof optional_members / sizeof optional_members[0]; i++)
        if (strcmp(key, optional_members[i]) == 0)
            return true;
    return false;
}

/* ev with attestation_report replaced by report. */
static struct value *with_report(struct arena *a, const struct value *ev, struct value *report)
{
    struct value_pair pairs[2] = {
        {v_cstr(a, "attestation_report"), report},
        {v_cstr(a, "cert_chain"), value_object_get_str(ev, "cert_chain")}};
    return v_object(a, pairs, 2, DUP_LAST_WINS, NULL);
}

/* report without its member number skip. */
static struct value *without(struct arena *a, const struct value *report, size_t skip)
{
    size_t n = report->u.obj.len, k = 0;
    struct value_pair *pairs = arena_alloc(a, n * sizeof *pairs);
    for (size_t i = 0; i < n; i++)
        if (i != skip)
            pairs[k++] = report->u.obj.pairs[i];
    return v_object(a, pairs, k, DUP_LAST_WINS, NULL);
}

static int rebuild(struct arena *a, const struct value *ev, struct as_error *err)
{
    struct snp_evidence *out = arena_alloc(a, sizeof *out);
    return snp_evidence_from_json(a, ev, out, err);
}

Test(snp_evidence, the_vector_rebuilds)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    arena_init(&a, 1 << 20);
    struct value *ev = snp_read_json(&a, TURIN_JSON);
    cr_assert_not_null(ev);
    cr_expect_eq(rebuild(&a, ev, &err), 0, "%s", err.detail);
    arena_free(&a);
}

Test(snp_evidence, each_required_member_missing_is_named)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    arena_init(&a, 1 << 20);
    struct value *ev = snp_read_json(&a, TURIN_JSON);
    cr_assert_not_null(ev);
    const struct value *report = value_object_get_str(ev, "attestation_report");
    cr_assert(v_is(report, V_OBJECT) && report->u.obj.len > 20);
    for (size_t i = 0; i < report->u.obj.len; i++) {
        const char *key = report->u.obj.pairs[i].key->u.str.s;
        struct value *broken = with_report(&a, ev, without(&a, report, i));
        int rc = rebuild(&a, broken, &err);
        if (is_optional(key)) {
            cr_expect(rc == 0 || err.status == 400, "%s: %s", key, err.detail);
            continue;
        }
        cr_expect_eq(rc, -1, "missing %s accepted", key);
        cr_expect_eq(err.status, 400, "%s", key);
        cr_expect(strstr(err.detail, key) != NULL, "missing %s: %s", key, err.detail);
    }
    arena_free(&a);
}

/* Each byte array one element short, then with 256 in it. */
static void expect_arrays_checked(struct arena *a, struct value *ev, struct value *holder,
                                  const char *where)
{
    struct as_error err;
    for (size_t i = 0; i < holder->u.obj.len; i++) {
        struct value *arr = holder->u.obj.pairs[i].val;
        const char *key = holder->u.obj.pairs[i].key->u.str.s;
        if (!v_is(arr, V_ARRAY) || arr->u.arr.len == 0)
            continue;
        arr->u.arr.len--;
        cr_expect_eq(rebuild(a, ev, &err), -1, "%s%s one short accepted", where, key);
        cr_expect(err.status == 400 && strstr(err.detail, key), "%s%s: %s", where, key, err.detail);
        arr->u.arr.len++;
        struct value *saved = arr->u.arr.items[0];
        arr->u.arr.items[0] = v_int(a, 256);
        cr_expect_eq(rebuild(a, ev, &err), -1, "%s%s holding 256 accepted", where, key);
        cr_expect(err.status == 400 && strstr(err.detail, key), "%s%s: %s", where, key, err.detail);
        arr->u.arr.items[0] = saved;
    }
}

Test(snp_evidence, each_byte_array_short_or_holding_a_non_byte_is_named)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    arena_init(&a, 1 << 20);
    struct value *ev = snp_read_json(&a, TURIN_JSON);
    cr_assert_not_null(ev);
    struct value *report = value_object_get_str(ev, "attestation_report");
    expect_arrays_checked(&a, ev, report, "");
    expect_arrays_checked(&a, ev, value_object_get_str(report, "signature"), "signature.");
    cr_expect_eq(rebuild(&a, ev, &err), 0, "restored: %s", err.detail);
    arena_free(&a);
}

static const uint32_t far_versions[] = {0x100, 0x10002, 0x7fffffffu, 0x80000003u, 0xffffffffu};

Test(snp_evidence, every_version_outside_2_to_5_is_rejected_by_number)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    arena_init(&a, 1 << 20);
    struct value *ev = snp_read_json(&a, TURIN_JSON);
    cr_assert_not_null(ev);
    struct value *report = value_object_get_str(ev, "attestation_report");
    long idx = -1;
    for (size_t i = 0; i < report->u.obj.len; i++)
        if (strcmp(report->u.obj.pairs[i].key->u.str.s, "version") == 0)
            idx = (long)i;
    cr_assert(idx >= 0);
    for (uint32_t v = 0; v < 256 + sizeof far_versions / sizeof far_versions[0]; v++) {
        uint32_t version = v < 256 ? v : far_versions[v - 256];
        report->u.obj.pairs[idx].val = v_int(&a, version);
        int rc = rebuild(&a, ev, &err);
        char want[64];
        snprintf(want, sizeof want, "unsupported attestation report version %u", version);
        if (version >= 2 && version <= 5) {
            cr_expect(rc == 0 || !strstr(err.detail, "version"), "v%u: %s", version, err.detail);
            continue;
        }
        cr_expect_eq(rc, -1, "version %u accepted", version);
        cr_expect(err.status == 400 && strstr(err.detail, want), "v%u: %s", version, err.detail);
    }
    arena_free(&a);
}

Test(snp_evidence, raw_report_every_version_and_every_truncation)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    struct snp_report *r = malloc(sizeof *r);
    size_t n = 0;
    arena_init(&a, 1 << 16);
    uint8_t *raw = snp_read_vector(&a, MILAN_REPORT, &n);
    cr_assert(raw && n == SNP_REPORT_LEN);
    for (uint32_t v = 0; v < 256 + sizeof far_versions / sizeof far_versions[0]; v++) {
        uint32_t version = v < 256 ? v : far_versions[v - 256];
        uint8_t copy[SNP_REPORT_LEN];
        memcpy(copy, raw, n);
        for (int i = 0; i < 4; i++)
            copy[i] = (uint8_t)(version >> (8 * i));
        int rc = snp_report_parse(copy, n, r, &err);
        cr_expect_eq(rc == 0, version >= 2 && version <= 5, "v%u: %s", version, err.detail);
        char want[64];
        snprintf(want, sizeof want, "unsupported attestation report version %u", version);
        if (rc < 0)
            cr_expect(err.status == 400 && strstr(err.detail, want), "%s", err.detail);
    }
    for (size_t len = 0; len < n; len++) {
        uint8_t *prefix = malloc(len ? len : 1);
        memcpy(prefix, raw, len);
        cr_expect_eq(snp_report_parse(prefix, len, r, &err), -1, "%zu bytes accepted", len);
        cr_expect_eq(err.status, 400);
        free(prefix);
    }
    free(r);
    arena_free(&a);
}

Test(snp_evidence, certificate_table_every_truncation)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct as_error err;
    size_t vlen = 0;
    arena_init(&a, 1 << 16);
    const uint8_t *vcek = snp_read_vector(&a, MILAN_VCEK, &vlen);
    cr_assert_not_null(vcek);
    /* One VCEK entry and the terminator, then the certificate. */
    static const uint8_t vcek_guid[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                          0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    size_t n = 48 + vlen;
    uint8_t *table = arena_alloc(&a, n);
    memset(table, 0, 48);
    memcpy(table, vcek_guid, 16);
    uint32_t off = 48, len = (uint32_t)vlen;
    for (int i = 0; i < 4; i++) {
        table[16 + i] = (uint8_t)(off >> (8 * i));
        table[20 + i] = (uint8_t)(len >> (8 * i));
    }
    memcpy(table + 48, vcek, vlen);
    struct snp_cert_entry e[SNP_CERT_TABLE_MAX];
    size_t count;
    cr_assert_eq(snp_cert_table_parse(table, n, e, &count, &err), 0, "%s", err.detail);
    cr_expect(count == 1 && e[0].type == SNP_CERT_VCEK && e[0].len == vlen);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, table, cut);
        cr_expect_eq(snp_cert_table_parse(prefix, cut, e, &count, &err), -1, "%zu accepted", cut);
        cr_expect_eq(err.status, 400);
        free(prefix);
    }
    arena_free(&a);
}

Test(snp_evidence, kds_answer_shape_check)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    size_t n = 0;
    arena_init(&a, 1 << 16);
    const uint8_t *der = snp_read_vector(&a, MILAN_VCEK, &n);
    cr_assert_not_null(der);
    cr_expect(snp_kds_one_der_sequence(der, n));
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, der, cut);
        cr_expect(!snp_kds_one_der_sequence(prefix, cut), "%zu-byte prefix accepted", cut);
        free(prefix);
    }
    uint8_t *longer = arena_alloc(&a, n + 1);
    memcpy(longer, der, n);
    longer[n] = 0;
    cr_expect(!snp_kds_one_der_sequence(longer, n + 1), "trailing byte accepted");
    static const uint8_t short_form[] = {0x30, 0x03, 1, 2, 3}, indefinite[] = {0x30, 0x80, 0, 0},
                         five_byte_len[] = {0x30, 0x85, 0, 0, 0, 0, 1, 0};
    cr_expect(snp_kds_one_der_sequence(short_form, sizeof short_form));
    cr_expect(!snp_kds_one_der_sequence(indefinite, sizeof indefinite));
    cr_expect(!snp_kds_one_der_sequence(five_byte_len, sizeof five_byte_len));
    const char *html = "<html>maintenance</html>";
    cr_expect(!snp_kds_one_der_sequence((const uint8_t *)html, strlen(html)));
    arena_free(&a);
}
