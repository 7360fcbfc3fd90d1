/* dcap_claims.c - quote extraction, whole-quote verification and the DCAP
 * supplemental claims (see dcap_claims.h). */
#include "verifier/dcap/dcap_claims.h"

#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "verifier/dcap/pccs.h"

#define OOM(err) as_err(err, 500, ERR_INTERNAL, "out of memory")

int dcap_evidence_quote(const struct verify_ctx *ctx, const struct value *evidence,
                        const char *tee, const uint8_t **quote, size_t *len,
                        struct as_error *err)
{
    const struct value *q = v_is(evidence, V_OBJECT) ? value_object_get_str(evidence, "quote")
                                                     : NULL;
    const char *why = NULL;
    uint8_t *out;
    if (!v_is(evidence, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "%s: evidence must be a JSON object", tee);
    if (!v_is(q, V_STRING))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "%s: evidence lacks the string field `quote`", tee);
    if (b64_decode(ctx->arena, q->u.str.s, q->u.str.len, B64_STD_PAD, &out, len, &why) < 0)
        return as_err(err, 400, ERR_INVALID_BASE64, "%s: evidence `quote`: %s", tee, why);
    if (*len == 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "%s: quote is empty", tee);
    *quote = out;
    return 0;
}

int dcap_verify_quote(const struct verify_ctx *ctx, const uint8_t *raw, size_t len, bool tdx,
                      struct dcap_quote *q, struct dcap_pck *pck, struct dcap_result *res,
                      struct as_error *err)
{
    const char *tee = tdx ? "tdx" : "sgx";
    struct dcap_collateral *c = NULL;
    if (dcap_quote_parse(raw, len, q, err) < 0)
        return as_err_prefix(err, "%s", tee);
    if (dcap_quote_is_tdx(q) != tdx)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "%s: the quote is a%s quote", tee,
                      tdx ? "n SGX" : " TDX");
    if (dcap_pck_from_quote(q, pck, err) < 0)
        return as_err_prefix(err, "%s", tee);
    int rc = dcap_collateral_for(ctx, pck, tdx, &c, err);
    if (rc == 0)
        rc = dcap_verify(q, pck, c, ctx->now ? ctx->now : time(NULL), res, err);
    dcap_collateral_release(c);
    if (rc < 0) {
        dcap_pck_free(pck);
        return as_err_prefix(err, "%s", tee);
    }
    return 0;
}

struct value *dcap_hex(struct arena *a, const uint8_t *p, size_t n)
{
    char *s = hex_encode_arena(a, p, n);
    return s ? v_string_ref(a, s, 2 * n) : NULL;
}

int dcap_put_hex(struct arena *a, struct pair_list *l, const char *key, const uint8_t *p,
                 size_t n)
{
    struct value *v = dcap_hex(a, p, n);
    return v ? pair_list_push_str(a, l, key, v) : -1;
}

struct value *dcap_time_claim(struct arena *a, time_t t)
{
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm))
        return NULL;
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return v_cstr(a, buf);
}

static struct value *advisory_list(struct arena *a, const struct dcap_advisories *adv)
{
    struct value_list l = {0};
    for (size_t i = 0; i < adv->len; i++) {
        struct value *s = v_cstr(a, adv->ids[i]);
        if (!s || value_list_push(a, &l, s) < 0)
            return NULL;
    }
    return v_array(a, l.items, l.len);
}

static int put(struct arena *a, struct pair_list *l, const char *k, struct value *v)
{
    return v ? pair_list_push_str(a, l, k, v) : -1;
}

static int put_current(struct arena *a, struct pair_list *l, const struct dcap_result *r)
{
    if (!r->has_current || r->status_current == TCB_NOT_SUPPORTED)
        return 0;
    TRY(put(a, l, "tcb_status_current", v_cstr(a, dcap_tcb_status_name(r->status_current))));
    TRY(put(a, l, "advisory_ids_current", advisory_list(a, &r->advisories_current)));
    return put(a, l, "tcb_date_current", dcap_time_claim(a, r->tcb_date_current));
}

int dcap_claims_supplemental(struct arena *a, struct pair_list *l, const struct dcap_result *r,
                             const struct dcap_pck *pck)
{
    char exp[8];
    snprintf(exp, sizeof exp, "%d", r->collateral_expired);
    if (put(a, l, "tcb_status", v_cstr(a, dcap_tcb_status_name(r->status))) < 0 ||
        put(a, l, "collateral_expiration_status", v_cstr(a, exp)) < 0 ||
        put(a, l, "advisory_ids", advisory_list(a, &r->advisories)) < 0 ||
        put(a, l, "tcb_date", dcap_time_claim(a, r->tcb_date)) < 0 ||
        put(a, l, "earliest_issue_date", dcap_time_claim(a, r->earliest_issue)) < 0 ||
        put(a, l, "latest_issue_date", dcap_time_claim(a, r->latest_issue)) < 0 ||
        put(a, l, "earliest_expiration_date", dcap_time_claim(a, r->earliest_expiration)) < 0 ||
        put(a, l, "pck_crl_num", v_int(a, r->pck_crl_num)) < 0 ||
        put(a, l, "root_ca_crl_num", v_int(a, r->root_ca_crl_num)) < 0 ||
        put(a, l, "tcb_eval_num", v_int(a, r->tcb_eval_num)) < 0 ||
        dcap_put_hex(a, l, "platform_provider_id", pck->ext.ppid, 16) < 0 ||
        put(a, l, "sgx_type", v_cstr(a, dcap_sgx_type_name(pck->ext.sgx_type))) < 0 ||
        dcap_put_hex(a, l, "root_key_id", r->root_key_id, 48) < 0 || put_current(a, l, r) < 0)
        return OOM(NULL);
    if (pck->ext.sgx_type != SGX_TYPE_STANDARD &&
        (put(a, l, "is_dynamic_platform", v_bool(pck->ext.dynamic_platform == FLAG_TRUE)) < 0 ||
         put(a, l, "is_cached_keys", v_bool(pck->ext.cached_keys == FLAG_TRUE)) < 0 ||
         put(a, l, "is_smt_enabled", v_bool(pck->ext.smt_enabled == FLAG_TRUE)) < 0))
        return -1;
    /* trustee reads the id as a little-endian 128-bit number and prints it
     * big-endian: the 16 bytes reversed. */
    uint8_t piid[16];
    for (int i = 0; i < 16; i++)
        piid[i] = pck->ext.platform_instance_id[15 - i];
    if (pck->ext.has_platform_instance_id &&
        dcap_put_hex(a, l, "platform_instance_id", piid, 16) < 0)
        return -1;
    return 0;
}
