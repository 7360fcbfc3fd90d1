/* snp_verify.c - the AMD SEV-SNP verifier: evidence -> report, product and
 * endorsement key -> checks -> VMPL rule -> binding (see snp_verify.h). */
#include "verifier/snp/snp_verify.h"

#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"
#include "verifier/common/x509.h"
#include "verifier/snp/snp_cache.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_evidence.h"
#include "verifier/snp/snp_kds.h"

#define LOG_TARGET "verifier::snp"

/* Where this verification's endorsement comes from: the exact bytes
 * (cache identity), and either a cached verified chain or the certificates
 * parsed from those bytes. */
struct snp_endorsement {
    struct snp_chain_source src;
    const char *vek_what; /* names the VEK in parse errors */
    bool from_source;     /* the VEK came from vcek_sources, not the client */
    enum snp_vek_kind kind;
    const struct snp_trust *trust;
    struct snp_chain_id id;
    bool identified; /* trust and id computed */
    bool cacheable;  /* id is valid */
    const struct snp_chain_entry *cached;
    X509 *vek, *ark, *ask; /* parsed on a cache miss */
};

static void endorsement_free(struct snp_endorsement *e)
{
    snp_chain_entry_release(e->cached);
    X509_free(e->vek);
    X509_free(e->ark);
    X509_free(e->ask);
}

static int parse_cert(const uint8_t *p, size_t n, const char *what, X509 **out,
                      struct as_error *err)
{
    *out = x509_cert_parse(p, n, err);
    if (!*out)
        return as_err_prefix(err, "snp: %s", what);
    return 0;
}

/* The anchors of this verification and the cache identity of e->src. */
static int identify(const struct snp_verify_in *in, const struct snp_verified *v,
                    struct snp_endorsement *e, struct as_error *err)
{
    uint8_t trust_id[48];
    e->trust = in->trust ? in->trust : snp_trust_amd(v->product);
    if (!e->trust)
        return as_err(err, 500, ERR_INTERNAL, "snp: no trust anchors for %s",
                      snp_product_name(v->product));
    e->cacheable = snp_trust_id(e->trust, trust_id) == 0 &&
                   snp_chain_id_compute(&e->src, trust_id, &e->id) == 0;
    e->identified = true;
    return 0;
}

static int lookup(const struct snp_verify_in *in, const struct snp_verified *v,
                  struct snp_endorsement *e, struct as_error *err)
{
    TRY(identify(in, v, e, err));
    if (e->cacheable)
        e->cached = snp_chain_cache_get(&e->id, e->src.vek, e->src.vek_len);
    if (e->cached)
        e->kind = e->cached->kind;
    return 0;
}

/* The raw form's --vcek file: one certificate (PEM/DER; a VLEK when its CN
 * says so), or a GHCB table. */
static int raw_vek_entries(const uint8_t *p, size_t n, struct snp_cert_entry *out,
                           size_t *count, struct snp_endorsement *e, struct as_error *err)
{
    struct as_error ignored;
    X509 *x = x509_cert_parse(p, n, &ignored);
    if (x) {
        char cn[64];
        x509_subject_cn(x, cn, sizeof cn);
        e->kind = strcmp(cn, "SEV-VLEK") == 0 ? SNP_VEK_VLEK : SNP_VEK_VCEK;
        e->src = (struct snp_chain_source){.kind_source = SNP_KIND_FROM_SUBJECT, .vek = p,
                                           .vek_len = n};
        e->vek = x;
        e->vek_what = snp_vek_kind_name(e->kind);
        *count = 0;
        return 0;
    }
    if (snp_cert_table_parse(p, n, out, count, err) < 0)
        return as_err_prefix(err, "snp: the VCEK file is neither a certificate nor a "
                                  "certificate table");
    return 0;
}

/* First VCEK/VLEK, and the ARK / ASK entries, of a certificate table:
 * their bytes, not yet parsed. */
static int pick_entries(const struct snp_cert_entry *c, size_t n, struct snp_endorsement *e,
                        struct as_error *err)
{
    struct snp_chain_source *s = &e->src;
    for (size_t i = 0; i < n; i++) {
        bool vek = c[i].type == SNP_CERT_VCEK || c[i].type == SNP_CERT_VLEK;
        if (vek && !s->vek) {
            e->kind = c[i].type == SNP_CERT_VLEK ? SNP_VEK_VLEK : SNP_VEK_VCEK;
            s->kind_source = e->kind == SNP_VEK_VLEK ? SNP_KIND_FROM_VLEK_ENTRY
                                                     : SNP_KIND_FROM_VCEK_ENTRY;
            s->vek = c[i].data, s->vek_len = c[i].len;
            e->vek_what = snp_vek_kind_name(e->kind);
        } else if (c[i].type == SNP_CERT_ARK && !s->ark) {
            s->ark = c[i].data, s->ark_len = c[i].len;
        } else if (c[i].type == SNP_CERT_ASK && !s->ask) {
            s->ask = c[i].data, s->ask_len = c[i].len;
        }
    }
    if (n && !s->vek)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: the certificate chain in the evidence has no VCEK or VLEK");
    return 0;
}

static int no_product_error(struct as_error *err)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE,
                  "snp: a version 2 report names no processor; supply its VCEK/VLEK so "
                  "the product can be read from the certificate issuer");
}

/* The raw report, its product, and the endorsement entries of --vcek. */
static int raw_report(const struct snp_verify_in *in, struct snp_verified *out,
                      struct snp_cert_entry *entries, size_t *n, struct snp_endorsement *e,
                      struct as_error *err)
{
    TRY(snp_report_parse(in->report, in->report_len, &out->report, err));
    *n = 0;
    out->product = snp_report_cpuid_product(&out->report);
    if (out->report.version >= 3 && out->product == SNP_PRODUCT_UNKNOWN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: unsupported processor (CPUID family 0x%02x model 0x%02x)",
                      out->report.cpuid_fam_id, out->report.cpuid_mod_id);
    if (!in->vek)
        return out->product == SNP_PRODUCT_UNKNOWN ? no_product_error(err) : 0;
    /* Warm path: a lone certificate whose verified chain is cached. */
    if (out->product == SNP_PRODUCT_UNKNOWN)
        out->product = snp_chain_cache_issuer_product(in->vek, in->vek_len);
    if (out->product != SNP_PRODUCT_UNKNOWN) {
        e->src = (struct snp_chain_source){.kind_source = SNP_KIND_FROM_SUBJECT,
                                           .vek = in->vek, .vek_len = in->vek_len};
        TRY(lookup(in, out, e, err));
        if (e->cached)
            return 0;
        e->identified = false;
        memset(&e->src, 0, sizeof e->src);
    }
    TRY(raw_vek_entries(in->vek, in->vek_len, entries, n, e, err));
    if (out->product == SNP_PRODUCT_UNKNOWN && e->vek) {
        struct snp_vek_info info;
        snp_vek_info_read(e->vek, &info);
        out->product = info.issuer_product;
    }
    if (out->product == SNP_PRODUCT_UNKNOWN)
        out->product = snp_certs_issuer_product(entries, *n);
    if (out->product == SNP_PRODUCT_UNKNOWN)
        return no_product_error(err);
    return 0;
}

static int report_and_entries(const struct snp_verify_in *in, struct snp_verified *out,
                              struct snp_cert_entry *entries, size_t *n,
                              struct snp_endorsement *e, struct as_error *err)
{
    if (!in->evidence && !in->report)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "snp: no evidence and no report");
    if (!in->evidence)
        return raw_report(in, out, entries, n, e, err);
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

static int obtain_vcek(const struct snp_verify_in *in, const struct snp_verified *v,
                       struct snp_endorsement *e, struct as_error *err)
{
    struct snp_vcek_source_opts so = {in->verifier_config, in->work_dir};
    TRY(snp_vcek_obtain(&so, &v->report, v->product, in->arena, &e->src.vek, &e->src.vek_len,
                        err));
    e->src.kind_source = SNP_KIND_FROM_VCEK_ENTRY;
    e->kind = SNP_VEK_VCEK;
    e->vek_what = "VCEK from the configured source";
    e->from_source = true;
    return 0;
}

static int parse_source(struct snp_endorsement *e, struct as_error *err)
{
    const struct snp_chain_source *s = &e->src;
    if (!e->vek && parse_cert(s->vek, s->vek_len, e->vek_what, &e->vek, err) < 0) {
        if (!e->from_source)
            return -1;
        /* Not the client's fault: the source answered with something
         * that is not a certificate. */
        char why[sizeof err->detail];
        snprintf(why, sizeof why, "%s", err->detail);
        return as_err(err, 502, ERR_UPSTREAM, "%s", why);
    }
    if (s->ark)
        TRY(parse_cert(s->ark, s->ark_len, "ARK", &e->ark, err));
    if (s->ask)
        TRY(parse_cert(s->ask, s->ask_len, "ASK", &e->ask, err));
    return 0;
}

static int checks_failed(const struct snp_verified *v, struct as_error *err)
{
    enum snp_check first = snp_findings_first(&v->findings);
    return as_err(err, 403, ERR_VERIFICATION_FAILED, "snp: %s: %s", snp_check_name(first),
                  v->findings.detail[first]);
}

/* A cache miss: parse, run the chain checks, publish a chain that passed. */
static int verify_chain(struct snp_verified *v, struct snp_endorsement *e, struct as_error *err)
{
    TRY(parse_source(e, err));
    struct snp_check_input ci = {&v->report, v->product, e->trust, e->ark,
                                 e->ask,     e->vek,     e->kind};
    snp_checks_chain(&ci, &v->findings);
    if (e->cacheable && !(v->findings.failed & SNP_CHAIN_CHECKS_MASK))
        e->cached = snp_chain_cache_put(&e->id, e->kind, e->vek, &v->findings.vek, e->src.vek,
                                        e->src.vek_len);
    return 0;
}

static int run_checks(const struct snp_verify_in *in, struct snp_verified *v,
                      struct snp_endorsement *e, struct as_error *err)
{
    if (!e->identified && e->vek)
        TRY(identify(in, v, e, err)); /* already parsed: no lookup needed */
    else if (!e->identified)
        TRY(lookup(in, v, e, err));
    if (e->cached) {
        memset(&v->findings, 0, sizeof v->findings);
        v->findings.vek = e->cached->info;
    } else {
        TRY(verify_chain(v, e, err));
    }
    v->vek_kind = e->kind;
    EVP_PKEY *key = e->cached ? e->cached->key : X509_get0_pubkey(e->vek);
    struct snp_report_check_input rc = {&v->report, v->product, key, e->kind};
    snp_checks_report(&rc, &v->findings);
    return v->findings.failed ? checks_failed(v, err) : 0;
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
    struct snp_endorsement e = {0};
    size_t n = 0;
    memset(out, 0, sizeof *out);
    int rc = report_and_entries(in, out, entries, &n, &e, err);
    if (rc == 0 && !e.vek)
        rc = pick_entries(entries, n, &e, err);
    if (rc == 0 && !e.src.vek)
        rc = obtain_vcek(in, out, &e, err);
    if (rc == 0)
        rc = run_checks(in, out, &e, err);
    endorsement_free(&e);
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
