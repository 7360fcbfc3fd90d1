/* sgx.c - the `sgx` verifier: Intel SGX ECDSA quotes (v3, and SGX bodies
 * of v4/v5) verified by the DCAP core, claims as claims.md §1.2 (header
 * and enclave report body in hex, report_data, init_data = CONFIGID) plus
 * the DCAP supplemental claims (§4), and the binding.md §3 checks:
 * regularize(RD, 64) vs REPORTDATA, regularize(ID, 64) vs CONFIGID. */
#include <string.h>

#include "verifier/dcap/dcap_claims.h"

#define OOM(err) as_err(err, 500, ERR_INTERNAL, "out of memory")

struct field {
    const char *name;
    size_t off, len;
};

static const struct field HEADER[] = {
    {"version", 0, 2},   {"att_key_type", 2, 2}, {"att_key_data_0", 4, 4}, {"qe_svn", 8, 2},
    {"pce_svn", 10, 2},  {"vendor_id", 12, 16},  {"user_data", 28, 20},
};

static const struct field BODY[] = {
    {"cpu_svn", SGX_CPU_SVN, 16},
    {"misc_select", SGX_MISC_SELECT, 4},
    {"reserved1", SGX_RESERVED1, 12},
    {"isv_ext_prod_id", SGX_ISV_EXT_PROD_ID, 16},
    {"attributes.flags", SGX_ATTRIBUTES, 8},
    {"attributes.xfrm", SGX_ATTRIBUTES + 8, 8},
    {"mr_enclave", SGX_MR_ENCLAVE, 32},
    {"reserved2", SGX_RESERVED2, 32},
    {"mr_signer", SGX_MR_SIGNER, 32},
    {"reserved3", SGX_RESERVED3, 32},
    {"config_id", SGX_CONFIG_ID, 64},
    {"isv_prod_id", SGX_ISV_PROD_ID, 2},
    {"isv_svn", SGX_ISV_SVN, 2},
    {"config_svn", SGX_CONFIG_SVN, 2},
    {"reserved4", SGX_RESERVED4, 42},
    {"isv_family_id", SGX_ISV_FAMILY_ID, 16},
    {"report_data", SGX_REPORT_DATA, 64},
};

static struct value *hex_object(struct arena *a, const uint8_t *base, const struct field *f,
                                size_t n)
{
    struct pair_list l = {0};
    for (size_t i = 0; i < n; i++)
        if (dcap_put_hex(a, &l, f[i].name, base + f[i].off, f[i].len) < 0)
            return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

static int sgx_claims(const struct verify_ctx *ctx, const struct dcap_quote *q,
                      const struct dcap_pck *pck, const struct dcap_result *res,
                      struct value **out, struct as_error *err)
{
    struct arena *a = ctx->arena;
    struct pair_list l = {0};
    struct value *header = hex_object(a, q->header, HEADER, sizeof HEADER / sizeof HEADER[0]);
    struct value *body = hex_object(a, q->body, BODY, sizeof BODY / sizeof BODY[0]);
    if (!header || !body || pair_list_push_str(a, &l, "header", header) < 0 ||
        pair_list_push_str(a, &l, "body", body) < 0 ||
        dcap_put_hex(a, &l, "report_data", q->body + SGX_REPORT_DATA, 64) < 0 ||
        dcap_put_hex(a, &l, "init_data", q->body + SGX_CONFIG_ID, 64) < 0 ||
        dcap_claims_supplemental(a, &l, res, pck) < 0)
        return OOM(err);
    *out = v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : OOM(err);
}

static int sgx_bindings(const struct dcap_quote *q, const struct binding *rd,
                        const struct binding *id, struct as_error *err)
{
    if (!binding_matches(rd, q->body + SGX_REPORT_DATA, 64, false))
        return as_err(err, 403, ERR_REPORT_DATA_MISMATCH,
                      "sgx: REPORT_DATA is different from that in SGX Quote");
    if (!binding_matches(id, q->body + SGX_CONFIG_ID, 64, false))
        return as_err(err, 403, ERR_INIT_DATA_MISMATCH,
                      "sgx: CONFIGID is different from that in SGX Quote");
    return 0;
}

static int sgx_verify(const struct verify_ctx *ctx, const struct value *evidence,
                      const struct binding *report_data, const struct binding *init_data,
                      struct value **claims_out, struct as_error *err)
{
    const uint8_t *raw;
    size_t len;
    struct dcap_quote q;
    struct dcap_pck pck;
    struct dcap_result res;
    TRY(dcap_evidence_quote(ctx, evidence, "sgx", &raw, &len, err));
    TRY(dcap_verify_quote(ctx, raw, len, false, &q, &pck, &res, err));
    int rc = sgx_bindings(&q, report_data, init_data, err);
    if (rc == 0)
        rc = sgx_claims(ctx, &q, &pck, &res, claims_out, err);
    dcap_pck_free(&pck);
    return rc;
}

const struct verifier verifier_sgx = {
    .name = "sgx",
    .kind = TEE_SGX,
    .verify = sgx_verify,
    .challenge = NULL,
};
