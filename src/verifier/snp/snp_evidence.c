/* snp_evidence.c - the original's snp evidence JSON and the rebuild of the
 * signed report from it (see snp_evidence.h). */
#include "verifier/snp/snp_evidence.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/common/x509.h"
#include "verifier/snp/snp_cache.h"

#define MAX_CERT_BYTES (64 * 1024)

static int bad(struct as_error *err, const char *where, const char *key, const char *what)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE, "snp evidence: %s%s %s", where, key, what);
}

#define R "attestation_report."

/* A JSON integer in 0..max (serde rejects floats and negatives for uN). */
static int as_uint(const struct value *v, uint64_t max, uint64_t *out)
{
    if (!v_is(v, V_NUMBER))
        return -1;
    if (v->num_kind == NUM_INT) {
        if (v->u.num.i < 0 || (uint64_t)v->u.num.i > max)
            return -1;
        *out = (uint64_t)v->u.num.i;
        return 0;
    }
    if (v->num_kind != NUM_BIG || !v->u.num.text || v->u.num.text[0] == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long u = strtoull(v->u.num.text, &end, 10);
    if (errno || *end || u > max)
        return -1;
    *out = u;
    return 0;
}

static int get_uint(const struct value *obj, const char *key, uint64_t max, uint64_t *out,
                    struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    if (!v)
        return bad(err, R, key, "is missing");
    if (as_uint(v, max, out) < 0)
        return bad(err, R, key, "is not an integer of the right size");
    return 0;
}

/* Option<uN>: absent or null -> not present (serde's default for Option). */
static int get_opt_uint(const struct value *obj, const char *key, uint64_t max, bool *present,
                        uint64_t *out, struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    *present = false;
    *out = 0;
    if (!v || v_is(v, V_NULL))
        return 0;
    if (as_uint(v, max, out) < 0)
        return bad(err, R, key, "is not null or an integer of the right size");
    *present = true;
    return 0;
}

static int array_bytes(const struct value *v, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        if (as_uint(v->u.arr.items[i], 255, &b) < 0)
            return -1;
        out[i] = (uint8_t)b;
    }
    return 0;
}

static int get_bytes(const struct value *obj, const char *key, uint8_t *out, size_t n,
                     struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    if (!v)
        return bad(err, R, key, "is missing");
    if (!v_is(v, V_ARRAY) || v->u.arr.len != n)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: " R "%s must be an array of %zu bytes", key, n);
    if (array_bytes(v, out, n) < 0)
        return bad(err, R, key, "holds a value that is not a byte");
    return 0;
}

static int get_u8_member(const struct value *obj, const char *where, const char *key,
                         uint8_t *out, struct as_error *err)
{
    uint64_t u;
    const struct value *v = value_object_get_str(obj, key);
    if (!v || as_uint(v, 255, &u) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: " R "%s.%s must be an integer 0..255", where, key);
    *out = (uint8_t)u;
    return 0;
}

static int get_tcb(const struct value *obj, const char *key, struct snp_tcb *t,
                   struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    uint64_t fmc = 0;
    if (!v_is(v, V_OBJECT))
        return bad(err, R, key, "must be an object {fmc, bootloader, tee, snp, microcode}");
    memset(t, 0, sizeof *t);
    TRY(get_u8_member(v, key, "bootloader", &t->bootloader, err));
    TRY(get_u8_member(v, key, "tee", &t->tee, err));
    TRY(get_u8_member(v, key, "snp", &t->snp, err));
    TRY(get_u8_member(v, key, "microcode", &t->microcode, err));
    const struct value *f = value_object_get_str(v, "fmc");
    if (f && !v_is(f, V_NULL)) {
        if (as_uint(f, 255, &fmc) < 0)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp evidence: " R "%s.fmc must be null or an integer 0..255", key);
        t->has_fmc = true;
        t->fmc = (uint8_t)fmc;
    }
    return 0;
}

/* {"major", "minor", "build"}: stored build, minor, major. */
static int get_fw_version(const struct value *obj, const char *key, uint8_t out[3],
                          struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, key);
    if (!v_is(v, V_OBJECT))
        return bad(err, R, key, "must be an object {major, minor, build}");
    TRY(get_u8_member(v, key, "build", &out[0], err));
    TRY(get_u8_member(v, key, "minor", &out[1], err));
    return get_u8_member(v, key, "major", &out[2], err);
}

/* {"r": [72 bytes], "s": [72 bytes]}. */
static int get_signature(const struct value *obj, struct snp_report *r, struct as_error *err)
{
    const struct value *v = value_object_get_str(obj, "signature");
    if (!v_is(v, V_OBJECT))
        return bad(err, R, "signature", "must be an object {r, s}");
    const struct value *rv = value_object_get_str(v, "r");
    const struct value *sv = value_object_get_str(v, "s");
    if (!v_is(rv, V_ARRAY) || rv->u.arr.len != SNP_SIG_COMPONENT_LEN || !v_is(sv, V_ARRAY) ||
        sv->u.arr.len != SNP_SIG_COMPONENT_LEN || array_bytes(rv, r->sig_r, 72) < 0 ||
        array_bytes(sv, r->sig_s, 72) < 0)
        return bad(err, R, "signature", "r and s must be arrays of 72 bytes");
    return 0;
}

static int get_u32(const struct value *o, const char *k, uint32_t *out, struct as_error *err)
{
    uint64_t u;
    TRY(get_uint(o, k, UINT32_MAX, &u, err));
    *out = (uint32_t)u;
    return 0;
}

static int read_scalars(const struct value *o, struct snp_report *r, struct as_error *err)
{
    TRY(get_u32(o, "version", &r->version, err));
    TRY(get_u32(o, "guest_svn", &r->guest_svn, err));
    TRY(get_uint(o, "policy", UINT64_MAX, &r->policy, err));
    TRY(get_u32(o, "vmpl", &r->vmpl, err));
    TRY(get_u32(o, "sig_algo", &r->sig_algo, err));
    TRY(get_uint(o, "plat_info", UINT64_MAX, &r->platform_info, err));
    return get_u32(o, "key_info", &r->key_info, err);
}

static int read_arrays(const struct value *o, struct snp_report *r, struct as_error *err)
{
    TRY(get_bytes(o, "family_id", r->family_id, 16, err));
    TRY(get_bytes(o, "image_id", r->image_id, 16, err));
    TRY(get_bytes(o, "report_data", r->report_data, 64, err));
    TRY(get_bytes(o, "measurement", r->measurement, 48, err));
    TRY(get_bytes(o, "host_data", r->host_data, 32, err));
    TRY(get_bytes(o, "id_key_digest", r->id_key_digest, 48, err));
    TRY(get_bytes(o, "author_key_digest", r->author_key_digest, 48, err));
    TRY(get_bytes(o, "report_id", r->report_id, 32, err));
    TRY(get_bytes(o, "report_id_ma", r->report_id_ma, 32, err));
    return get_bytes(o, "chip_id", r->chip_id, 64, err);
}

/* cpuid_* (v3+) and the v5 mitigation vectors; Options in the JSON. */
static int read_optionals(const struct value *o, struct snp_report *r, struct as_error *err)
{
    bool fam, mod, step, lmv, cmv;
    uint64_t f, m, s;
    TRY(get_opt_uint(o, "cpuid_fam_id", 255, &fam, &f, err));
    TRY(get_opt_uint(o, "cpuid_mod_id", 255, &mod, &m, err));
    TRY(get_opt_uint(o, "cpuid_step", 255, &step, &s, err));
    r->has_cpuid = fam || mod || step;
    r->cpuid_fam_id = (uint8_t)f;
    r->cpuid_mod_id = (uint8_t)m;
    r->cpuid_step = (uint8_t)s;
    TRY(get_opt_uint(o, "launch_mit_vector", UINT64_MAX, &lmv, &r->launch_mit_vector, err));
    TRY(get_opt_uint(o, "current_mit_vector", UINT64_MAX, &cmv, &r->current_mit_vector, err));
    r->has_mit_vectors = lmv || cmv;
    return 0;
}

static const struct {
    const char *name;
    enum snp_cert_type type;
} cert_type_names[] = {{"ARK", SNP_CERT_ARK},   {"ASK", SNP_CERT_ASK}, {"VCEK", SNP_CERT_VCEK},
                       {"VLEK", SNP_CERT_VLEK}, {"CRL", SNP_CERT_CRL}, {"Empty", SNP_CERT_OTHER}};

static int cert_type_of(const struct value *t, enum snp_cert_type *out)
{
    if (v_is(t, V_OBJECT) && t->u.obj.len == 1 && value_object_get_str(t, "OTHER") &&
        v_is(value_object_get_str(t, "OTHER"), V_STRING)) {
        *out = SNP_CERT_OTHER;
        return 0;
    }
    if (!v_is(t, V_STRING))
        return -1;
    for (size_t i = 0; i < sizeof cert_type_names / sizeof cert_type_names[0]; i++)
        if (strcmp(t->u.str.s, cert_type_names[i].name) == 0) {
            *out = cert_type_names[i].type;
            return 0;
        }
    return -1;
}

static int read_cert_entry(struct arena *a, const struct value *e, size_t idx,
                           struct snp_cert_entry *out, struct as_error *err)
{
    const struct value *data = v_is(e, V_OBJECT) ? value_object_get_str(e, "data") : NULL;
    if (!v_is(e, V_OBJECT) ||
        cert_type_of(value_object_get_str(e, "cert_type"), &out->type) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: cert_chain[%zu].cert_type must be ARK, ASK, VCEK, VLEK, "
                      "CRL, Empty or {\"OTHER\": uuid}",
                      idx);
    if (!v_is(data, V_ARRAY) || data->u.arr.len > MAX_CERT_BYTES)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: cert_chain[%zu].data must be an array of at most %d bytes",
                      idx, MAX_CERT_BYTES);
    uint8_t *buf = arena_alloc(a, data->u.arr.len + 1);
    if (!buf)
        return as_err(err, 500, ERR_INTERNAL, "snp evidence: out of memory");
    if (array_bytes(data, buf, data->u.arr.len) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: cert_chain[%zu].data holds a value that is not a byte", idx);
    out->data = buf;
    out->len = data->u.arr.len;
    return 0;
}

static int read_cert_chain(struct arena *a, const struct value *ev, struct snp_evidence *out,
                           struct as_error *err)
{
    const struct value *chain = value_object_get_str(ev, "cert_chain");
    out->ncerts = 0;
    if (!chain || v_is(chain, V_NULL))
        return 0;
    if (!v_is(chain, V_ARRAY))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: cert_chain must be null or an array");
    if (chain->u.arr.len > SNP_CERT_TABLE_MAX)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: cert_chain has more than %d entries", SNP_CERT_TABLE_MAX);
    for (size_t i = 0; i < chain->u.arr.len; i++)
        TRY(read_cert_entry(a, chain->u.arr.items[i], i, &out->certs[i], err));
    out->ncerts = chain->u.arr.len;
    return 0;
}

enum snp_product snp_certs_issuer_product(const struct snp_cert_entry *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (certs[i].type != SNP_CERT_VCEK && certs[i].type != SNP_CERT_VLEK)
            continue;
        enum snp_product cached = snp_chain_cache_issuer_product(certs[i].data, certs[i].len);
        if (cached != SNP_PRODUCT_UNKNOWN)
            return cached; /* what parsing these exact bytes gave before */
        struct as_error e;
        X509 *x = x509_cert_parse(certs[i].data, certs[i].len, &e);
        if (!x)
            return SNP_PRODUCT_UNKNOWN;
        struct snp_vek_info info;
        snp_vek_info_read(x, &info);
        X509_free(x);
        return info.issuer_product;
    }
    return SNP_PRODUCT_UNKNOWN;
}

static int choose_product(const struct snp_evidence *ev, enum snp_product *p,
                          struct as_error *err)
{
    const struct snp_report *r = &ev->report;
    if (r->version >= 3) {
        *p = snp_report_cpuid_product(r);
        if (*p == SNP_PRODUCT_UNKNOWN)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp: unsupported processor (CPUID family 0x%02x model 0x%02x)",
                          r->cpuid_fam_id, r->cpuid_mod_id);
        return 0;
    }
    *p = snp_certs_issuer_product(ev->certs, ev->ncerts);
    if (*p == SNP_PRODUCT_UNKNOWN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: a version 2 report names no processor; the product must come from "
                      "the issuer of a VCEK/VLEK in cert_chain");
    return 0;
}

static int encode_tcbs(const struct value *o, enum snp_product p, struct snp_report *r,
                       struct as_error *err)
{
    static const char *const keys[4] = {"current_tcb", "reported_tcb", "committed_tcb",
                                        "launch_tcb"};
    uint8_t *dst[4] = {r->current_tcb, r->reported_tcb, r->committed_tcb, r->launch_tcb};
    for (int i = 0; i < 4; i++) {
        struct snp_tcb t;
        TRY(get_tcb(o, keys[i], &t, err));
        if (snp_tcb_encode(&t, p, dst[i], err) < 0)
            return as_err_prefix(err, "%s", keys[i]);
    }
    return 0;
}

int snp_evidence_from_json(struct arena *a, const struct value *ev, struct snp_evidence *out,
                           struct as_error *err)
{
    memset(out, 0, sizeof *out);
    const struct value *o = v_is(ev, V_OBJECT) ? value_object_get_str(ev, "attestation_report")
                                               : NULL;
    if (!v_is(o, V_OBJECT))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp evidence: attestation_report object missing");
    struct snp_report *r = &out->report;
    uint8_t fw[2][3];
    TRY(read_scalars(o, r, err));
    TRY(snp_report_check_version(r, err));
    TRY(read_arrays(o, r, err));
    TRY(read_optionals(o, r, err));
    TRY(get_fw_version(o, "current", fw[0], err));
    TRY(get_fw_version(o, "committed", fw[1], err));
    TRY(get_signature(o, r, err));
    TRY(read_cert_chain(a, ev, out, err));
    TRY(choose_product(out, &out->product, err));
    TRY(encode_tcbs(o, out->product, r, err));
    r->current_build = fw[0][0], r->current_minor = fw[0][1], r->current_major = fw[0][2];
    r->committed_build = fw[1][0], r->committed_minor = fw[1][1], r->committed_major = fw[1][2];
    uint8_t raw[SNP_REPORT_LEN];
    snp_report_encode(r, raw);
    return snp_report_parse(raw, sizeof raw, r, err);
}
