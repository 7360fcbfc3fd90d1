/* snp_verify.c - the AMD SEV-SNP verifier: evidence -> report, product and
 * endorsement key -> checks -> VMPL rule -> binding (see snp_verify.h). */
#include "verifier/snp/snp_verify.h"

#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "verifier/common/x509.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_evidence.h"
#include "verifier/snp/snp_kds.h"

#define LOG_TARGET "verifier::snp"

/* The certificates of one verification, freed together. */
struct snp_certs {
    X509 *vek, *ark, *ask;
    enum snp_vek_kind kind;
};

static void certs_free(struct snp_certs *c)
{
    X509_free(c->vek);
    X509_free(c->ark);
    X509_free(c->ask);
}

static int parse_cert(const uint8_t *p, size_t n, const char *what, X509 **out,
                      struct as_error *err)
{
    *out = x509_cert_parse(p, n, err);
    if (!*out)
        return as_err_prefix(err, "snp: %s", what);
    return 0;
}

/* The raw form's --vcek file: one certificate (PEM/DER), or a GHCB table. */
static int raw_vek_entries(const uint8_t *p, size_t n, struct snp_cert_entry *out,
                           size_t *count, struct as_error *err)
{
    struct as_error ignored;
    X509 *x = x509_cert_parse(p, n, &ignored);
    if (x) {
        char cn[64];
        x509_subject_cn(x, cn, sizeof cn);
        X509_free(x);
        out[0].type = strcmp(cn, "SEV-VLEK") == 0 ? SNP_CERT_VLEK : SNP_CERT_VCEK;
        out[0].data = p;
        out[0].len = n;
        *count = 1;
        return 0;
    }
    if (snp_cert_table_parse(p, n, out, count, err) < 0)
        return as_err_prefix(err, "snp: the VCEK file is neither a certificate nor a "
                                  "certificate table");
    return 0;
}

/* First VCEK/VLEK, and the ARK / ASK entries, of a certificate table. */
static int pick_certs(const struct snp_cert_entry *e, size_t n, struct snp_certs *c,
                      struct as_error *err)
{
    for (size_t i = 0; i < n; i++) {
        bool vek = e[i].type == SNP_CERT_VCEK || e[i].type == SNP_CERT_VLEK;
        if (vek && !c->vek) {
            c->kind = e[i].type == SNP_CERT_VLEK ? SNP_VEK_VLEK : SNP_VEK_VCEK;
            TRY(parse_cert(e[i].data, e[i].len, snp_vek_kind_name(c->kind), &c->vek, err));
        } else if (e[i].type == SNP_CERT_ARK && !c->ark) {
            TRY(parse_cert(e[i].data, e[i].len, "ARK", &c->ark, err));
        } else if (e[i].type == SNP_CERT_ASK && !c->ask) {
            TRY(parse_cert(e[i].data, e[i].len, "ASK", &c->ask, err));
        }
    }
    if (n && !c->vek)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: the certificate chain in the evidence has no VCEK or VLEK");
    return 0;
}

static int report_and_certs(const struct snp_verify_in *in, struct snp_verified *out,
                            struct snp_cert_entry *entries, size_t *n, struct as_error *err)
{
    if (in->evidence) {
        struct snp_evidence *ev = arena_alloc(in->arena, sizeof *ev);
        if (!ev)
            return as_err(err, 500, ERR_INTERNAL, "snp: out of memory");
        TRY(snp_evidence_from_json(in->arena, in->evidence, ev, err));
        out->report = ev->report;
        out->product = ev->product;
        memcpy(entries, ev->certs, ev->ncerts * sizeof *entries);
        *n = ev->ncerts;
        return 0;
    }
    if (!in->report)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "snp: no evidence and no report");
    TRY(snp_report_parse(in->report, in->report_len, &out->report, err));
    *n = 0;
    if (in->vek)
        TRY(raw_vek_entries(in->vek, in->vek_len, entries, n, err));
    out->product = snp_report_cpuid_product(&out->report);
    if (out->report.version >= 3 && out->product == SNP_PRODUCT_UNKNOWN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: unsupported processor (CPUID family 0x%02x model 0x%02x)",
                      out->report.cpuid_fam_id, out->report.cpuid_mod_id);
    if (out->product == SNP_PRODUCT_UNKNOWN)
        out->product = snp_certs_issuer_product(entries, *n);
    if (out->product == SNP_PRODUCT_UNKNOWN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: a version 2 report names no processor; supply its VCEK/VLEK so "
                      "the product can be read from the certificate issuer");
    return 0;
}

static int obtain_vcek(const struct snp_verify_in *in, const struct snp_verified *v,
                       struct snp_certs *c, struct as_error *err)
{
    struct snp_vcek_source_opts so = {in->verifier_config, in->work_dir};
    const uint8_t *der;
    size_t len;
    TRY(snp_vcek_obtain(&so, &v->report, v->product, in->arena, &der, &len, err));
    c->kind = SNP_VEK_VCEK;
    return parse_cert(der, len, "VCEK from the configured source", &c->vek, err);
}

static int run_checks(const struct snp_verify_in *in, struct snp_verified *v,
                      struct snp_certs *c, struct as_error *err)
{
    const struct snp_trust *trust = in->trust ? in->trust : snp_trust_amd(v->product);
    if (!trust)
        return as_err(err, 500, ERR_INTERNAL, "snp: no trust anchors for %s",
                      snp_product_name(v->product));
    struct snp_check_input ci = {&v->report, v->product, trust, c->ark, c->ask, c->vek,
                                 c->kind};
    v->vek_kind = c->kind;
    if (snp_checks_run(&ci, &v->findings) == 0)
        return 0;
    enum snp_check first = snp_findings_first(&v->findings);
    return as_err(err, 403, ERR_VERIFICATION_FAILED, "snp: %s: %s", snp_check_name(first),
                  v->findings.detail[first]);
}

/* verifier_config.snp_verifier.allowed_vmpls (our addition; default [0]). */
static int vmpl_allowed(const struct value *vc, uint32_t vmpl, bool *ok, struct as_error *err)
{
    const struct value *snp = v_is(vc, V_OBJECT) ? value_object_get_str(vc, "snp_verifier") : NULL;
    const struct value *list = v_is(snp, V_OBJECT) ? value_object_get_str(snp, "allowed_vmpls")
                                                   : NULL;
    *ok = vmpl == 0;
    if (!list || v_is(list, V_NULL))
        return 0;
    if (!v_is(list, V_ARRAY))
        return as_err(err, 500, ERR_CONFIG,
                      "verifier_config.snp_verifier.allowed_vmpls must be an array of 0..3");
    *ok = false;
    for (size_t i = 0; i < list->u.arr.len; i++) {
        int64_t x;
        if (value_as_int64(list->u.arr.items[i], &x) < 0 || x < 0 || x > 3)
            return as_err(err, 500, ERR_CONFIG,
                          "verifier_config.snp_verifier.allowed_vmpls must be an array of 0..3");
        if ((uint32_t)x == vmpl)
            *ok = true;
    }
    return 0;
}

static void log_validity(const struct snp_verified *v, time_t now)
{
    const struct snp_vek_info *i = &v->findings.vek;
    if (now && ((i->not_before > 0 && now < i->not_before) || (i->not_after > 0 && now > i->not_after)))
        LOG_W(LOG_TARGET,
              "%s outside its validity period (notBefore %lld, notAfter %lld); accepted, as the "
              "original checks signatures only",
              snp_vek_kind_name(v->vek_kind), (long long)i->not_before, (long long)i->not_after);
}

static int policy_and_binding(const struct snp_verify_in *in, const struct snp_verified *v,
                              struct as_error *err)
{
    bool ok;
    TRY(vmpl_allowed(in->verifier_config, v->report.vmpl, &ok, err));
    if (!ok)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "snp: vmpl: the report was requested from VMPL %u; only VMPL 0 (or the "
                      "configured allowed_vmpls) may speak for the guest",
                      v->report.vmpl);
    if (!binding_matches(in->report_data, v->report.report_data, 64, false))
        return as_err(err, 403, ERR_REPORT_DATA_MISMATCH,
                      "snp: REPORT_DATA differs from the expected runtime data");
    if (!binding_matches(in->init_data, v->report.host_data, 32, false))
        return as_err(err, 403, ERR_INIT_DATA_MISMATCH,
                      "snp: HOST_DATA differs from the expected init data digest");
    return 0;
}

int snp_verify(const struct snp_verify_in *in, struct snp_verified *out, struct as_error *err)
{
    struct snp_cert_entry entries[SNP_CERT_TABLE_MAX];
    struct snp_certs c = {0};
    size_t n = 0;
    memset(out, 0, sizeof *out);
    int rc = report_and_certs(in, out, entries, &n, err);
    if (rc == 0)
        rc = pick_certs(entries, n, &c, err);
    if (rc == 0 && !c.vek)
        rc = obtain_vcek(in, out, &c, err);
    if (rc == 0)
        rc = run_checks(in, out, &c, err);
    certs_free(&c);
    if (rc < 0)
        return -1;
    log_validity(out, in->now);
    return policy_and_binding(in, out, err);
}

/* ---- claims ---- */

static int put(struct arena *a, struct pair_list *l, const char *k, struct value *v)
{
    return v ? pair_list_push_str(a, l, k, v) : -1;
}

static struct value *dec_or_int(struct arena *a, uint64_t x, bool v26)
{
    char text[24];
    if (v26)
        return v_int(a, (int64_t)x);
    snprintf(text, sizeof text, "%llu", (unsigned long long)x);
    return v_cstr(a, text);
}

static struct value *flag(struct arena *a, bool b, bool v26)
{
    return v26 ? v_bool(b) : v_cstr(a, b ? "true" : "false");
}

static struct value *hex_value(struct arena *a, const uint8_t *p, size_t n)
{
    char *h = hex_encode_arena(a, p, n);
    return h ? v_string_ref(a, h, 2 * n) : NULL;
}

static int policy_claims(struct arena *a, struct pair_list *l, const struct snp_report *r,
                         bool v26)
{
    uint64_t p = r->policy;
    TRY(put(a, l, "policy_abi_major", dec_or_int(a, (p >> 8) & 0xff, v26)));
    TRY(put(a, l, "policy_abi_minor", dec_or_int(a, p & 0xff, v26)));
    TRY(put(a, l, "policy_smt_allowed", flag(a, (p >> 16) & 1, v26)));
    TRY(put(a, l, "policy_migrate_ma", flag(a, (p >> 18) & 1, v26)));
    TRY(put(a, l, "policy_debug_allowed", flag(a, (p >> 19) & 1, v26)));
    return put(a, l, "policy_single_socket", flag(a, (p >> 20) & 1, v26));
}

static int tcb_platform_claims(struct arena *a, struct pair_list *l, const struct snp_verified *v,
                               bool v26)
{
    struct snp_tcb t;
    snp_tcb_decode(v->report.reported_tcb, v->product, &t);
    TRY(put(a, l, "reported_tcb_bootloader", dec_or_int(a, t.bootloader, v26)));
    TRY(put(a, l, "reported_tcb_tee", dec_or_int(a, t.tee, v26)));
    TRY(put(a, l, "reported_tcb_snp", dec_or_int(a, t.snp, v26)));
    TRY(put(a, l, "reported_tcb_microcode", dec_or_int(a, t.microcode, v26)));
    TRY(put(a, l, "platform_tsme_enabled", flag(a, (v->report.platform_info >> 1) & 1, v26)));
    TRY(put(a, l, "platform_smt_enabled", flag(a, v->report.platform_info & 1, v26)));
    return put(a, l, "vmpl", dec_or_int(a, v->report.vmpl, v26));
}

static int digest_claims(struct arena *a, struct pair_list *l, const struct snp_report *r,
                         bool v26)
{
    if (!v26) {
        char *b64 = b64_encode_arena(a, r->measurement, 48, B64_STD_PAD);
        return put(a, l, "measurement", b64 ? v_cstr(a, b64) : NULL);
    }
    TRY(put(a, l, "measurement", hex_value(a, r->measurement, 48)));
    TRY(put(a, l, "report_data", hex_value(a, r->report_data, 64)));
    TRY(put(a, l, "init_data", hex_value(a, r->host_data, 32)));
    return put(a, l, "chip_id", hex_value(a, r->chip_id, 64));
}

struct value *snp_claims(struct arena *a, const struct snp_verified *v, bool v26)
{
    struct pair_list l = {0};
    if (policy_claims(a, &l, &v->report, v26) < 0 || tcb_platform_claims(a, &l, v, v26) < 0 ||
        digest_claims(a, &l, &v->report, v26) < 0)
        return NULL;
    return v_object(a, l.pairs, l.len, DUP_LAST_WINS, NULL);
}

/* ---- the verifier table entry ---- */

static int snp_verify_entry(const struct verify_ctx *ctx, const struct value *evidence,
                            const struct binding *report_data, const struct binding *init_data,
                            struct value **claims_out, struct as_error *err)
{
    struct snp_verified *v = arena_alloc(ctx->arena, sizeof *v);
    if (!v)
        return as_err(err, 500, ERR_INTERNAL, "snp: out of memory");
    struct snp_verify_in in = {
        .arena = ctx->arena,
        .evidence = ctx->report ? NULL : evidence,
        .report = ctx->report,
        .report_len = ctx->report_len,
        .vek = ctx->vcek,
        .vek_len = ctx->vcek_len,
        .report_data = report_data,
        .init_data = init_data,
        .verifier_config = ctx->config,
        .work_dir = ctx->work_dir,
        .now = ctx->now,
    };
    TRY(snp_verify(&in, v, err));
    *claims_out = snp_claims(ctx->arena, v, ctx->v26);
    if (!*claims_out)
        return as_err(err, 500, ERR_INTERNAL, "snp: out of memory building claims");
    return 0;
}

const struct verifier verifier_snp = {
    .name = "snp",
    .kind = TEE_SNP,
    .verify = snp_verify_entry,
    .challenge = NULL,
};
