/* tdx.c - the `tdx` verifier: TD quotes v4/v5 (TD report 1.0 and 1.5)
 * verified by the DCAP core; claims as claims.md §1.3 (V24: quote, ccel
 * kernel and kernel parameters, aael) and §4 (V26: quote, td_attributes,
 * uefi_event_logs), plus the DCAP supplemental claims; bindings as
 * binding.md §3: regularize(RD, 64) vs REPORTDATA, regularize(ID, 48) vs
 * MRCONFIGID.  A CC event log, when given, must replay to the quote's
 * RTMRs (V24: RTMR0-2, V26: RTMR0-3). */
#include "verifier/tdx/tdx.h"

#include <string.h>

#include "base/codec.h"
#include "verifier/tdx/aael.h"
#include "verifier/tdx/ccel.h"

#define OOM(err) as_err(err, 500, ERR_INTERNAL, "out of memory")

struct field {
    const char *name;
    size_t off, len;
};

static const struct field BODY[] = {
    {"tcb_svn", TD_TEE_TCB_SVN, 16},
    {"mr_seam", TD_MR_SEAM, 48},
    {"mrsigner_seam", TD_MR_SIGNER_SEAM, 48},
    {"seam_attributes", TD_SEAM_ATTRIBUTES, 8},
    {"td_attributes", TD_TD_ATTRIBUTES, 8},
    {"xfam", TD_XFAM, 8},
    {"mr_td", TD_MR_TD, 48},
    {"mr_config_id", TD_MR_CONFIG_ID, 48},
    {"mr_owner", TD_MR_OWNER, 48},
    {"mr_owner_config", TD_MR_OWNER_CONFIG, 48},
    {"rtmr_0", TD_RTMR0, 48},
    {"rtmr_1", TD_RTMR0 + 48, 48},
    {"rtmr_2", TD_RTMR0 + 96, 48},
    {"rtmr_3", TD_RTMR0 + 144, 48},
    {"report_data", TD_REPORT_DATA, 64},
    {"tee_tcb_svn2", TD_TEE_TCB_SVN2, 16}, /* TD 1.5 only */
    {"mr_servicetd", TD_MR_SERVICETD, 48}, /* TD 1.5 only */
};

static struct value *header_claims(struct arena *a, const struct dcap_quote *q)
{
    struct pair_list l = {0};
    if (pair_list_push_str(a, &l, "version", v_cstr(a, q->version == 5 ? "0500" : "0400")) < 0 ||
        dcap_put_hex(a, &l, "att_key_type", q->header + 2, 2) < 0 ||
        dcap_put_hex(a, &l, "tee_type", q->header + 4, 4) < 0 ||
        dcap_put_hex(a, &l, "reserved", q->header + 8, 4) < 0 ||
        dcap_put_hex(a, &l, "vendor_id", q->header + 12, 16) < 0 ||
        dcap_put_hex(a, &l, "user_data", q->header + 28, 20) < 0)
        return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

struct value *tdx_quote_claims(struct arena *a, const struct dcap_quote *q)
{
    struct pair_list body = {0}, quote = {0};
    size_t n = sizeof BODY / sizeof BODY[0] - (q->body_type == DCAP_BODY_TD15 ? 0 : 2);
    for (size_t i = 0; i < n; i++)
        if (dcap_put_hex(a, &body, BODY[i].name, q->body + BODY[i].off, BODY[i].len) < 0)
            return NULL;
    struct value *h = header_claims(a, q);
    struct value *b = v_object(a, body.pairs, body.len, DUP_LAST_WINS, NULL);
    if (!h || !b || pair_list_push_str(a, &quote, "header", h) < 0 ||
        pair_list_push_str(a, &quote, "body", b) < 0)
        return NULL;
    if (q->version == 5) {
        uint8_t type[2] = {(uint8_t)q->body_type, 0}, size[4];
        for (int i = 0; i < 4; i++)
            size[i] = (uint8_t)(q->body_size_field >> (8 * i));
        if (dcap_put_hex(a, &quote, "type", type, 2) < 0 ||
            dcap_put_hex(a, &quote, "size", size, 4) < 0)
            return NULL;
    }
    return v_object(a, quote.pairs, quote.len, DUP_LAST_WINS, NULL);
}

struct value *tdx_td_attributes_claims(struct arena *a, const struct dcap_quote *q)
{
    uint64_t at = 0;
    for (int i = 7; i >= 0; i--)
        at = at << 8 | q->body[TD_TD_ATTRIBUTES + i];
    struct pair_list l = {0};
    if (pair_list_push_str(a, &l, "debug", v_bool(at & 1)) < 0 ||
        pair_list_push_str(a, &l, "septve_disable", v_bool(at >> 28 & 1)) < 0 ||
        pair_list_push_str(a, &l, "protection_keys", v_bool(at >> 30 & 1)) < 0 ||
        pair_list_push_str(a, &l, "key_locker", v_bool(at >> 31 & 1)) < 0 ||
        pair_list_push_str(a, &l, "perfmon", v_bool(at >> 63 & 1)) < 0)
        return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

/* Optional std-b64 evidence member; "" counts as absent. */
static int optional_b64(const struct verify_ctx *ctx, const struct value *ev, const char *key,
                        const uint8_t **out, size_t *len, struct as_error *err)
{
    const struct value *v = value_object_get_str(ev, key);
    const char *why = NULL;
    uint8_t *p;
    *out = NULL;
    *len = 0;
    if (!v || v_is(v, V_NULL))
        return 0;
    if (!v_is(v, V_STRING))
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "tdx: evidence `%s` must be a string", key);
    if (v->u.str.len == 0)
        return 0;
    if (b64_decode(ctx->arena, v->u.str.s, v->u.str.len, B64_STD_PAD, &p, len, &why) < 0)
        return as_err(err, 400, ERR_INVALID_BASE64, "tdx: evidence `%s`: %s", key, why);
    *out = p;
    return 0;
}

/* The event-log part of the claims: V24 ccel (+ aael), V26 uefi_event_logs. */
static int eventlog_claims(const struct verify_ctx *ctx, const struct value *evidence,
                           const struct dcap_quote *q, struct pair_list *l, struct as_error *err)
{
    struct arena *a = ctx->arena;
    const uint8_t *ccel_bytes;
    size_t ccel_len;
    struct ccel log = {0};
    struct value *v;
    TRY(optional_b64(ctx, evidence, "cc_eventlog", &ccel_bytes, &ccel_len, err));
    if (ccel_bytes) {
        TRY(ccel_parse(a, ccel_bytes, ccel_len, &log, err));
        TRY(ccel_check_rtmrs(&log, q->body + TD_RTMR0, ctx->v26 ? 4 : 3, err));
    }
    if (ctx->v26) {
        if (ccel_bytes) {
            TRY(ccel_v26_claims(a, &log, &v, err));
            if (pair_list_push_str(a, l, "uefi_event_logs", v) < 0)
                return OOM(err);
        }
        return 0;
    }
    TRY(ccel_v24_claims(a, &log, &v, err));
    if (pair_list_push_str(a, l, "ccel", v) < 0)
        return OOM(err);
    const struct value *aael = value_object_get_str(evidence, "aa_eventlog");
    if (v_is(aael, V_STRING)) {
        TRY(aael_verify_claims(a, aael->u.str.s, aael->u.str.len, q->body + TD_RTMR0 + 144, &v,
                               err));
        if (pair_list_push_str(a, l, "aael", v) < 0)
            return OOM(err);
    }
    return 0;
}

static int tdx_claims(const struct verify_ctx *ctx, const struct value *evidence,
                      const struct dcap_quote *q, const struct dcap_pck *pck,
                      const struct dcap_result *res, struct value **out, struct as_error *err)
{
    struct arena *a = ctx->arena;
    struct pair_list l = {0};
    struct value *quote = tdx_quote_claims(a, q);
    if (!quote || pair_list_push_str(a, &l, "quote", quote) < 0)
        return OOM(err);
    TRY(eventlog_claims(ctx, evidence, q, &l, err));
    if (ctx->v26) {
        struct value *ta = tdx_td_attributes_claims(a, q);
        if (!ta || pair_list_push_str(a, &l, "td_attributes", ta) < 0)
            return OOM(err);
    }
    if (dcap_put_hex(a, &l, "report_data", q->body + TD_REPORT_DATA, 64) < 0 ||
        dcap_put_hex(a, &l, "init_data", q->body + TD_MR_CONFIG_ID, 48) < 0 ||
        dcap_claims_supplemental(a, &l, res, pck) < 0)
        return OOM(err);
    *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : OOM(err);
}

static int tdx_bindings(const struct dcap_quote *q, const struct binding *rd,
                        const struct binding *id, struct as_error *err)
{
    if (!binding_matches(rd, q->body + TD_REPORT_DATA, 64, false))
        return as_err(err, 403, ERR_REPORT_DATA_MISMATCH,
                      "tdx: REPORT_DATA is different from that in TDX Quote");
    if (!binding_matches(id, q->body + TD_MR_CONFIG_ID, 48, false))
        return as_err(err, 403, ERR_INIT_DATA_MISMATCH,
                      "tdx: MRCONFIGID is different from that in TDX Quote");
    return 0;
}

static int tdx_verify(const struct verify_ctx *ctx, const struct value *evidence,
                      const struct binding *report_data, const struct binding *init_data,
                      struct value **claims_out, struct as_error *err)
{
    const uint8_t *raw;
    size_t len;
    struct dcap_quote q;
    struct dcap_pck pck;
    struct dcap_result res;
    TRY(dcap_evidence_quote(ctx, evidence, "tdx", &raw, &len, err));
    TRY(dcap_verify_quote(ctx, raw, len, true, &q, &pck, &res, err));
    int rc = tdx_bindings(&q, report_data, init_data, err);
    if (rc == 0)
        rc = tdx_claims(ctx, evidence, &q, &pck, &res, claims_out, err);
    dcap_pck_free(&pck);
    return rc;
}

const struct verifier verifier_tdx = {
    .name = "tdx",
    .kind = TEE_TDX,
    .verify = tdx_verify,
    .challenge = NULL,
};
