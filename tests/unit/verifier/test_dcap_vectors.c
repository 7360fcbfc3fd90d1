/* test_dcap_vectors.c - every Intel vector of shared/vectors/intel run
 * through the DCAP core (quote parser, PCK extension, collateral
 * verification, TCB evaluation, supplemental data) at its stated time,
 * compared with expected.json's Intel-rule verdicts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "value/value.h"
#include "verifier/dcap/dcap_verify.h"

#define VEC AS_SHARED_DIR "/vectors/intel/"

static uint8_t *slurp(struct arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = arena_alloc(a, (size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static const char *str_of(const struct value *o, const char *k)
{
    const struct value *v = o ? value_object_get_str(o, k) : NULL;
    return v_is(v, V_STRING) ? v->u.str.s : NULL;
}

static void iso(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct outcome {
    int rc;
    struct as_error err;
    struct dcap_result res;
    struct dcap_pck pck;
    struct dcap_quote q;
};

static void run_vector(struct arena *a, const char *quote, const char *coll, time_t now,
                       struct outcome *o)
{
    char path[512];
    size_t ql, cl;
    snprintf(path, sizeof path, VEC "%s", quote);
    uint8_t *qb = slurp(a, path, &ql);
    cr_assert_not_null(qb, "%s", path);
    snprintf(path, sizeof path, VEC "%s", coll);
    uint8_t *cb = slurp(a, path, &cl);
    cr_assert_not_null(cb, "%s", path);
    memset(o, 0, sizeof *o);
    o->rc = dcap_quote_parse(qb, ql, &o->q, &o->err);
    if (o->rc < 0)
        return;
    o->rc = dcap_pck_from_quote(&o->q, &o->pck, &o->err);
    if (o->rc < 0)
        return;
    struct dcap_collateral_raw raw;
    struct dcap_collateral *c = NULL;
    o->rc = dcap_collateral_raw_from_json(a, (const char *)cb, cl, &raw, &o->err);
    if (o->rc == 0)
        o->rc = dcap_collateral_load(&raw, NULL, &c, &o->err);
    if (o->rc == 0)
        o->rc = dcap_verify(&o->q, &o->pck, c, now, &o->res, &o->err);
    dcap_collateral_release(c);
}

static void check_advisories(const struct value *want, const struct dcap_advisories *got,
                             const char *id)
{
    cr_assert(v_is(want, V_ARRAY), "%s: expected advisory list", id);
    cr_assert_eq(want->u.arr.len, got->len, "%s: %zu advisories, got %zu", id, want->u.arr.len,
                 got->len);
    for (size_t i = 0; i < got->len; i++)
        cr_assert_str_eq(want->u.arr.items[i]->u.str.s, got->ids[i], "%s advisory %zu", id, i);
}

static void check_supplemental(const struct value *sup, const struct outcome *o, const char *id)
{
    char t[32], hex[129];
    iso(o->res.earliest_issue, t);
    cr_assert_str_eq(t, str_of(sup, "earliest_issue_date"), "%s earliest_issue", id);
    iso(o->res.latest_issue, t);
    cr_assert_str_eq(t, str_of(sup, "latest_issue_date"), "%s latest_issue", id);
    iso(o->res.earliest_expiration, t);
    cr_assert_str_eq(t, str_of(sup, "earliest_expiration_date"), "%s earliest_exp", id);
    char exp[4];
    snprintf(exp, sizeof exp, "%d", o->res.collateral_expired);
    cr_assert_str_eq(exp, str_of(sup, "collateral_expiration_status"), "%s expiration", id);
    int64_t n;
    cr_assert_eq(value_as_int64(value_object_get_str(sup, "tcb_eval_num"), &n), 0);
    cr_assert_eq(n, o->res.tcb_eval_num, "%s tcb_eval_num", id);
    cr_assert_eq(value_as_int64(value_object_get_str(sup, "pck_crl_num"), &n), 0);
    cr_assert_eq(n, o->res.pck_crl_num, "%s pck_crl_num", id);
    cr_assert_eq(value_as_int64(value_object_get_str(sup, "root_ca_crl_num"), &n), 0);
    cr_assert_eq(n, o->res.root_ca_crl_num, "%s root_ca_crl_num", id);
    hex_encode(o->pck.ext.ppid, 16, hex);
    cr_assert_str_eq(hex, str_of(sup, "platform_provider_id"), "%s ppid", id);
    hex_encode(o->res.root_key_id, 48, hex);
    cr_assert_str_eq(hex, str_of(sup, "root_key_id"), "%s root_key_id", id);
    cr_assert_str_eq(dcap_sgx_type_name(o->pck.ext.sgx_type), str_of(sup, "sgx_type"), "%s", id);
    hex_encode(o->pck.ext.fmspc, 6, hex);
    cr_assert_str_eq(hex, str_of(sup, "pck_fmspc"), "%s fmspc", id);
    hex_encode(o->pck.ext.cpusvn, 16, hex);
    cr_assert_str_eq(hex, str_of(sup, "pck_cpusvn"), "%s cpusvn", id);
    cr_assert_eq(value_as_int64(value_object_get_str(sup, "pck_pcesvn"), &n), 0);
    cr_assert_eq(n, o->pck.ext.pcesvn, "%s pcesvn", id);
    cr_assert_str_eq(o->pck.issuer_cn, str_of(sup, "pck_issuer"), "%s issuer", id);
}

static void check_fields(const struct value *f, const struct outcome *o, const char *id)
{
    int64_t n;
    cr_assert_eq(value_as_int64(value_object_get_str(f, "quote_version"), &n), 0);
    cr_assert_eq(n, o->q.version, "%s version", id);
    cr_assert_eq(value_as_int64(value_object_get_str(f, "body_type"), &n), 0);
    cr_assert_eq(n, o->q.body_type, "%s body type", id);
    cr_assert_eq(value_as_int64(value_object_get_str(f, "signed_len"), &n), 0);
    cr_assert_eq(n, (int64_t)o->q.signed_len, "%s signed_len", id);
    cr_assert_eq(value_as_int64(value_object_get_str(f, "sig_data_len"), &n), 0);
    cr_assert_eq(n, o->q.sig_data_len, "%s sig_data_len", id);
    cr_assert_eq(value_as_int64(value_object_get_str(f, "trailing_bytes_after_sig_data"), &n), 0);
    cr_assert_eq(n, (int64_t)o->q.trailing_len, "%s trailing", id);
    cr_assert_eq(value_as_int64(value_object_get_str(f, "qe_report_isv_svn"), &n), 0);
    cr_assert_eq(n, dcap_le16(o->q.qe_report + SGX_ISV_SVN), "%s qe isvsvn", id);
}

Test(dcap_vectors, every_vector_as_intel_rules_say)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    size_t len;
    uint8_t *text = slurp(&a, VEC "expected.json", &len);
    if (!text)
        cr_skip("shared vectors absent (%s)", VEC);
    struct value *doc;
    struct as_error err;
    cr_assert_eq(json_parse(&a, (const char *)text, len, NULL, &doc, &err), 0, "%s", err.detail);
    const struct value *vecs = value_object_get_str(doc, "vectors");
    size_t accepted = 0, rejected = 0;
    for (size_t i = 0; i < vecs->u.arr.len; i++) {
        const struct value *v = vecs->u.arr.items[i];
        const char *id = str_of(v, "id"), *kind = str_of(v, "kind");
        int64_t now;
        cr_assert_eq(value_as_int64(value_object_get_str(v, "now"), &now), 0);
        const struct value *rules = value_object_get_str(v, "intel_rules");
        const char *want = str_of(rules, "status");
        struct outcome o;
        run_vector(&a, str_of(v, "quote"), str_of(v, "collateral"), (time_t)now, &o);
        bool must_reject = strcmp(kind, "negative") == 0 || strncmp(want, "TCB_NOT_SUPPORTED", 17) == 0;
        cr_log_info("%-28s %s -> %s %s", id, want,
                    o.rc == 0 ? dcap_tcb_status_name(o.res.status) : "REJECT",
                    o.rc == 0 ? "" : o.err.detail);
        if (must_reject) {
            cr_assert_eq(o.rc, -1, "%s: must be rejected", id);
            cr_assert_eq(o.err.status, 403, "%s: 403 expected, got %d %s", id, o.err.status,
                         o.err.detail);
            if (strncmp(want, "TCB_NOT_SUPPORTED", 17) == 0)
                cr_assert(strstr(o.err.detail, "STATUS_TCB_NOT_SUPPORTED"), "%s: %s", id,
                          o.err.detail);
            rejected++;
        } else {
            cr_assert_eq(o.rc, 0, "%s: rejected: %s", id, o.err.detail);
            cr_assert_str_eq(dcap_tcb_status_name(o.res.status), want, "%s status", id);
            check_advisories(value_object_get_str(rules, "advisory_ids"), &o.res.advisories, id);
            char t[32];
            iso(o.res.tcb_date, t);
            cr_assert_str_eq(t, str_of(rules, "tcb_date"), "%s tcb_date", id);
            const char *cur = str_of(rules, "current_status_svn2");
            if (cur)
                cr_assert_str_eq(dcap_tcb_status_name(o.res.status_current), cur, "%s current", id);
            check_supplemental(value_object_get_str(v, "supplemental"), &o, id);
            accepted++;
        }
        const struct value *fields = value_object_get_str(v, "fields");
        if (o.q.header && fields)
            check_fields(fields, &o, id);
        dcap_pck_free(&o.pck);
    }
    cr_assert_eq(accepted + rejected, vecs->u.arr.len);
    cr_assert_eq(accepted, 14, "accepted %zu", accepted);
    arena_free(&a);
}
