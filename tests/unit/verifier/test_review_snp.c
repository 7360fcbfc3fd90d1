/* test_review_snp.c - security review of the SEV-SNP verifier: negative
 * tests with chains made at test time (test_snp_chain_util.h) and with the
 * real JSON evidence of shared/vectors/snp (read at run time, skipped when
 * absent).
 *
 * What is checked: the report signature covers exactly bytes 0x000-0x29F
 * (every one of them matters, the unsigned tail after the signature never
 * reaches the claims); r and s are read little-endian and must fit 384
 * bits; an ASK slot holding the ARK, a VCEK presented as a VLEK (and the
 * reverse), a second VEK entry and a foreign ARK in the evidence never get a
 * report through; for the original's JSON evidence, members that are not in
 * the signed bytes of that report version, unknown members and duplicated
 * certificate entries never change the claims, any change to a signed field
 * is refused, and the claims equal those of the raw report and VCEK the JSON
 * was derived from; the bindings compare the signed REPORT_DATA and
 * HOST_DATA with the regularize rule. */
#include <stdio.h>

#include <criterion/criterion.h>

#include "base/arena.h"
#include "test_snp_chain_util.h"
#include "test_snp_util.h"
#include "verifier/snp/snp_cache.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_verify.h"

/* ---- chains made here ---- */

struct fx {
    enum snp_product p;
    struct test_chain c;
    struct snp_report r;
    uint8_t raw[SNP_REPORT_LEN];
    uint8_t vek[4096];
    size_t vek_len;
};

static const struct snp_tcb milan_tcb = {false, 0, 3, 0, 8, 115};
static const struct snp_tcb turin_tcb = {true, 1, 3, 2, 5, 0x97};

static void fx_make(struct fx *f, enum snp_product p, uint32_t version, const char *cn)
{
    const struct snp_tcb *t = p == SNP_TURIN ? &turin_tcb : &milan_tcb;
    struct vek_spec spec = {.subject_cn = cn, .mode = SIGN_PSS48};
    int spl[5] = {t->bootloader, t->tee, t->snp, t->microcode, p == SNP_TURIN ? t->fmc : -1};
    memset(f, 0, sizeof *f);
    f->p = p;
    test_report_fields(&f->r, p, version, t);
    if (strcmp(cn, "SEV-VLEK") == 0) {
        f->r.key_info = SNP_SIGNING_KEY_VLEK << 2;
        memset(f->r.chip_id, 0, sizeof f->r.chip_id);
    } else {
        spec.hwid_len = p == SNP_TURIN ? 8 : 64;
        memcpy(spec.hwid, f->r.chip_id, spec.hwid_len);
    }
    memcpy(spec.spl, spl, sizeof spl);
    test_chain_make(&f->c, p, &spec);
    test_report_sign(&f->r, f->c.vek_key, f->raw);
    f->vek_len = test_der(f->c.vek, f->vek, sizeof f->vek);
}

static int raw_verify(const uint8_t *report, const uint8_t *vek, size_t vek_len,
                      const struct snp_trust *trust, const struct binding *rd,
                      const struct binding *id, struct snp_verified *v, struct as_error *err)
{
    struct arena a;
    arena_init(&a, 1 << 14);
    struct snp_verify_in in = {.arena = &a, .report = report, .report_len = SNP_REPORT_LEN,
                               .vek = vek, .vek_len = vek_len, .trust = trust,
                               .report_data = rd, .init_data = id};
    int rc = snp_verify(&in, v, err);
    arena_free(&a);
    return rc;
}

static char *claims_text(struct arena *a, const struct snp_verified *v)
{
    struct value *c = snp_claims(a, v, true);
    cr_assert_not_null(c);
    return json_to_string(a, c, JSON_COMPACT);
}

/* Every byte of 0x000-0x29F is signed (flipping one is refused, before or
 * after the chain is cached); flipping a byte after the signature
 * (0x330-0x49F, reserved) leaves the claims exactly as they were. */
Test(review_snp, signature_covers_exactly_0x000_to_0x29f, .timeout = 240)
{
    const enum snp_product products[] = {SNP_MILAN, SNP_TURIN};
    const uint32_t versions[] = {2, 5};
    for (int k = 0; k < 2; k++) {
        struct fx f;
        struct snp_verified v;
        struct as_error err;
        struct arena a;
        arena_init(&a, 1 << 16);
        fx_make(&f, products[k], versions[k], "SEV-VCEK");
        cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, NULL, NULL, &v, &err), 0,
                     "%s", err.detail);
        char *want = claims_text(&a, &v);
        uint8_t copy[SNP_REPORT_LEN];
        for (size_t i = 0; i < SNP_REPORT_LEN; i++) {
            memcpy(copy, f.raw, sizeof copy);
            copy[i] ^= 0x01;
            int rc = raw_verify(copy, f.vek, f.vek_len, &f.c.trust, NULL, NULL, &v, &err);
            if (i < 0x2A0 + 2 * SNP_SIG_COMPONENT_LEN) {
                cr_assert_eq(rc, -1, "%s byte 0x%zx flipped: accepted", snp_product_name(f.p),
                             i);
            } else {
                cr_assert_eq(rc, 0, "byte 0x%zx: %s", i, err.detail);
                cr_assert_str_eq(claims_text(&a, &v), want, "byte 0x%zx changed the claims", i);
            }
        }
        arena_free(&a);
        test_chain_free(&f.c);
    }
}

/* r and s are 72-byte little-endian numbers of which 48 bytes are used. */
Test(review_snp, signature_encoding)
{
    struct fx f;
    struct snp_verified v;
    struct as_error err;
    fx_make(&f, SNP_GENOA, 3, "SEV-VCEK");
    uint8_t copy[SNP_REPORT_LEN];
    /* big-endian r and s (each 48-byte half reversed) */
    memcpy(copy, f.raw, sizeof copy);
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 24; i++) {
            uint8_t *p = copy + 0x2A0 + 72 * c;
            uint8_t t = p[i];
            p[i] = p[47 - i];
            p[47 - i] = t;
        }
    cr_assert_eq(raw_verify(copy, f.vek, f.vek_len, &f.c.trust, NULL, NULL, &v, &err), -1);
    cr_assert(strstr(err.detail, "report_signature"), "%s", err.detail);
    /* a bit above 384 in r or s */
    for (int c = 0; c < 2; c++) {
        memcpy(copy, f.raw, sizeof copy);
        copy[0x2A0 + 72 * c + 48] = 1;
        cr_assert_eq(raw_verify(copy, f.vek, f.vek_len, &f.c.trust, NULL, NULL, &v, &err), -1);
        cr_assert(strstr(err.detail, "384 bits"), "%s", err.detail);
    }
    /* r = 0 or s = 0 */
    for (int c = 0; c < 2; c++) {
        memcpy(copy, f.raw, sizeof copy);
        memset(copy + 0x2A0 + 72 * c, 0, 72);
        cr_assert_eq(raw_verify(copy, f.vek, f.vek_len, &f.c.trust, NULL, NULL, &v, &err), -1);
    }
    test_chain_free(&f.c);
}

/* ---- GHCB certificate tables ---- */

static const uint8_t GUID_ARK[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
static const uint8_t GUID_ASK[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t GUID_VCEK[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t GUID_VLEK[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};

struct table {
    uint8_t b[16384];
    size_t len;
};

struct tentry {
    const uint8_t *guid;
    X509 *cert;
};

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Header entries, terminator, then the certificates' DER. */
static void table_make(struct table *t, const struct tentry *e, size_t n)
{
    size_t pos = 24 * (n + 1);
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        size_t len = test_der(e[i].cert, t->b + pos, sizeof t->b - pos);
        memcpy(t->b + 24 * i, e[i].guid, 16);
        le32(t->b + 24 * i + 16, (uint32_t)pos);
        le32(t->b + 24 * i + 20, (uint32_t)len);
        pos += len;
    }
    t->len = pos;
}

static int table_verify(struct fx *f, const struct tentry *e, size_t n, struct as_error *err)
{
    struct table t;
    struct snp_verified v;
    table_make(&t, e, n);
    return raw_verify(f->raw, t.b, t.len, &f->c.trust, NULL, NULL, &v, err);
}

Test(review_snp, certificate_table_roles_cannot_be_swapped, .timeout = 60)
{
    struct fx f, other;
    struct as_error err;
    fx_make(&f, SNP_MILAN, 3, "SEV-VCEK");
    fx_make(&other, SNP_MILAN, 3, "SEV-VCEK");
    struct tentry good[] = {{GUID_ARK, f.c.ark}, {GUID_ASK, f.c.ask}, {GUID_VCEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, good, 3, &err), 0, "%s", err.detail);
    /* the ARK in the ASK slot: the VCEK is not its child */
    struct tentry ark_as_ask[] = {{GUID_ARK, f.c.ark}, {GUID_ASK, f.c.ark}, {GUID_VCEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, ark_as_ask, 3, &err), -1);
    /* the VCEK in the VLEK slot: KEY_INFO says VCEK */
    struct tentry vcek_as_vlek[] = {{GUID_VLEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, vcek_as_vlek, 1, &err), -1);
    cr_assert(strstr(err.detail, "signing_key"), "%s", err.detail);
    /* the VCEK in the ARK slot and nothing else: no VEK */
    struct tentry vek_as_ark[] = {{GUID_ARK, f.c.vek}};
    cr_assert_eq(table_verify(&f, vek_as_ark, 1, &err), -1);
    /* another chip's VCEK first: the first VEK entry is the one used, and it
     * did not sign this report */
    struct tentry two[] = {{GUID_VCEK, other.c.vek}, {GUID_VCEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, two, 2, &err), -1);
    /* a foreign ARK shipped with the evidence */
    struct tentry foreign[] = {{GUID_ARK, other.c.ark}, {GUID_VCEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, foreign, 2, &err), -1);
    cr_assert(strstr(err.detail, "evidence_ark_equals_pinned_ark"), "%s", err.detail);
    /* and after all that the genuine table still verifies (nothing cached
     * from the failures changes it) */
    cr_assert_eq(table_verify(&f, good, 3, &err), 0, "%s", err.detail);
    test_chain_free(&f.c);
    test_chain_free(&other.c);
}

Test(review_snp, vlek_presented_as_vcek_is_refused)
{
    struct fx f;
    struct as_error err;
    fx_make(&f, SNP_GENOA, 3, "SEV-VLEK");
    struct tentry as_vlek[] = {{GUID_VLEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, as_vlek, 1, &err), 0, "%s", err.detail);
    struct tentry as_vcek[] = {{GUID_VCEK, f.c.vek}};
    cr_assert_eq(table_verify(&f, as_vcek, 1, &err), -1);
    test_chain_free(&f.c);
}

/* REPORT_DATA: regularize to 64 (pad with zeros / truncate); HOST_DATA to
 * 32.  A present empty expectation still runs (all-zero field needed). */
Test(review_snp, bindings_regularize_and_never_skip_a_present_check)
{
    struct fx f;
    struct snp_verified v;
    struct as_error err;
    fx_make(&f, SNP_MILAN, 3, "SEV-VCEK");
    uint8_t rd[80];
    memcpy(rd, f.r.report_data, 64);
    memset(rd + 64, 0x77, 16);
    struct binding longer = {true, rd, 80}, exact = {true, rd, 64};
    struct binding shorter = {true, rd, 63}, empty = {true, rd, 0};
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, &longer, NULL, &v, &err), 0);
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, &exact, NULL, &v, &err), 0);
    /* report_data[63] = 63 is not zero padding */
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, &shorter, NULL, &v, &err), -1);
    cr_assert_str_eq(err.type, "report_data_mismatch");
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, &empty, NULL, &v, &err), -1);
    cr_assert_str_eq(err.type, "report_data_mismatch");
    /* host_data is all zero in this report: a 48-byte digest whose first 32
     * bytes are zero matches (truncation), one with a non-zero byte there
     * does not, an empty expectation does */
    uint8_t id[48] = {0};
    id[40] = 9;
    struct binding id_trunc = {true, id, 48};
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, NULL, &id_trunc, &v, &err), 0,
                 "%s", err.detail);
    id[5] = 1;
    cr_assert_eq(raw_verify(f.raw, f.vek, f.vek_len, &f.c.trust, NULL, &id_trunc, &v, &err), -1);
    cr_assert_str_eq(err.type, "init_data_mismatch");
    test_chain_free(&f.c);
}

/* ---- the original's JSON evidence (real vectors) ---- */

struct jcase {
    const char *json, *report, *vek;
    uint32_t version;
};

static const struct jcase JCASES[] = {
    {"milan-v2-vcek-trustee", "milan-v2-vcek-trustee-report.bin", "milan-v2-vcek-trustee-vcek.der",
     2},
    {"milan-v3-vcek-azure", "milan-v3-vcek-azure-report.bin", "milan-v3-vcek-azure-vcek.der", 3},
    {"genoa-v3-vcek-azure", "genoa-v3-vcek-azure-report.bin", "genoa-v3-vcek-azure-vcek.pem", 3},
    {"turin-v5-vcek-openanolis", "turin-v5-vcek-openanolis-report.bin",
     "turin-v5-vcek-openanolis-vcek.der", 5},
};

static struct value *load_json(struct arena *a, const struct jcase *c)
{
    char path[512];
    snprintf(path, sizeof path, SNP_VECTORS "/derived-json/%s.evidence.json", c->json);
    struct value *v = snp_read_json(a, path);
    if (!v)
        cr_skip_test("SNP vector %s absent: skipped", path);
    return v;
}

static int json_verify(struct arena *a, const struct value *ev, struct snp_verified *v,
                       struct as_error *err)
{
    struct snp_verify_in in = {.arena = a, .evidence = ev};
    return snp_verify(&in, v, err);
}

/* A copy of the attestation_report object with member `key` set to val
 * (added when absent). */
static struct value *with_member(struct arena *a, const struct value *ev, const char *key,
                                 struct value *val)
{
    const struct value *r = value_object_get_str(ev, "attestation_report");
    size_t n = r->u.obj.len;
    struct value_pair *pairs = arena_alloc(a, (n + 1) * sizeof *pairs);
    size_t k = 0;
    bool replaced = false;
    for (size_t i = 0; i < n; i++) {
        pairs[k] = r->u.obj.pairs[i];
        if (strcmp(pairs[k].key->u.str.s, key) == 0) {
            pairs[k].val = val;
            replaced = true;
        }
        k++;
    }
    if (!replaced)
        pairs[k++] = (struct value_pair){v_cstr(a, key), val};
    struct value *nr = v_object(a, pairs, k, DUP_LAST_WINS, NULL);
    struct value_pair top[2] = {{v_cstr(a, "attestation_report"), nr},
                                {v_cstr(a, "cert_chain"), (struct value *)value_object_get_str(ev, "cert_chain")}};
    return v_object(a, top, 2, DUP_LAST_WINS, NULL);
}

static struct value *num(struct arena *a, const char *text)
{
    struct value *v;
    struct as_error err;
    cr_assert_eq(json_parse(a, text, strlen(text), NULL, &v, &err), 0);
    return v;
}

/* The JSON verifies and its claims are those of the raw report and VCEK it
 * was derived from (the claims come from the signed bytes). */
Test(review_snp, json_claims_equal_raw_report_claims)
{
    SKIP_WITHOUT_VECTORS();
    for (size_t i = 0; i < sizeof JCASES / sizeof JCASES[0]; i++) {
        struct arena a;
        struct snp_verified vj, vr;
        struct as_error err;
        arena_init(&a, 1 << 20);
        const struct value *ev = load_json(&a, &JCASES[i]);
        cr_assert_eq(json_verify(&a, ev, &vj, &err), 0, "%s: %s", JCASES[i].json, err.detail);
        char rel[256];
        size_t rl, kl;
        snprintf(rel, sizeof rel, "snp/good/%s", JCASES[i].report);
        const uint8_t *report = snp_read_vector(&a, rel, &rl);
        snprintf(rel, sizeof rel, "snp/good/%s", JCASES[i].vek);
        const uint8_t *vek = snp_read_vector(&a, rel, &kl);
        cr_assert(report && vek, "%s: raw files", JCASES[i].json);
        cr_assert_eq(rl, SNP_REPORT_LEN);
        cr_assert_eq(raw_verify(report, vek, kl, NULL, NULL, NULL, &vr, &err), 0, "%s: %s",
                     JCASES[i].json, err.detail);
        cr_assert_str_eq(claims_text(&a, &vj), claims_text(&a, &vr), "%s", JCASES[i].json);
        cr_assert_eq(memcmp(vj.report.raw, report, SNP_SIGNED_LEN), 0,
                     "%s: rebuilt signed bytes differ from the raw report", JCASES[i].json);
        arena_free(&a);
    }
}

/* Members that are not part of the signed bytes of this report version
 * (v2: CPUID bytes; v2-v4: mitigation vectors) and unknown members: the
 * result is either a refusal or exactly the genuine claims. */
Test(review_snp, json_members_outside_the_signed_bytes_never_change_claims)
{
    SKIP_WITHOUT_VECTORS();
    for (size_t i = 0; i < sizeof JCASES / sizeof JCASES[0]; i++) {
        struct arena a;
        struct snp_verified v;
        struct as_error err;
        arena_init(&a, 1 << 20);
        const struct value *ev = load_json(&a, &JCASES[i]);
        cr_assert_eq(json_verify(&a, ev, &v, &err), 0, "%s", err.detail);
        char *want = claims_text(&a, &v);
        const struct {
            const char *key, *val;
        } extra[] = {{"cpuid_fam_id", "25"},       {"cpuid_mod_id", "17"},
                     {"cpuid_step", "1"},          {"launch_mit_vector", "12345"},
                     {"current_mit_vector", "7"},  {"unknown_member", "[1,2,3]"},
                     {"measurement_hex", "\"00\""}, {"vmpl_override", "3"}};
        for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
            struct value *ev2 = with_member(&a, ev, extra[k].key, num(&a, extra[k].val));
            int rc = json_verify(&a, ev2, &v, &err);
            bool unknown = strcmp(extra[k].key, "unknown_member") == 0 ||
                           strcmp(extra[k].key, "measurement_hex") == 0 ||
                           strcmp(extra[k].key, "vmpl_override") == 0;
            if (unknown) /* ignored like serde ignores unknown fields */
                cr_assert_eq(rc, 0, "%s: %s: %s", JCASES[i].json, extra[k].key, err.detail);
            if (rc == 0)
                cr_assert_str_eq(claims_text(&a, &v), want, "%s: %s=%s changed the claims",
                                 JCASES[i].json, extra[k].key, extra[k].val);
        }
        arena_free(&a);
    }
}

/* Every scalar member changed by one, and the first byte of every byte
 * array changed: refused (the rebuilt bytes are what the signature must
 * cover). */
Test(review_snp, json_signed_members_changed_are_refused, .timeout = 120)
{
    SKIP_WITHOUT_VECTORS();
    for (size_t i = 0; i < sizeof JCASES / sizeof JCASES[0]; i++) {
        struct arena a;
        struct snp_verified v;
        struct as_error err;
        arena_init(&a, 1 << 20);
        const struct value *ev = load_json(&a, &JCASES[i]);
        const struct value *r = value_object_get_str(ev, "attestation_report");
        int changed = 0;
        for (size_t m = 0; m < r->u.obj.len; m++) {
            const char *key = r->u.obj.pairs[m].key->u.str.s;
            const struct value *val = r->u.obj.pairs[m].val;
            struct value *nv = NULL;
            int64_t x;
            if (v_is(val, V_NUMBER) && value_as_int64(val, &x) == 0) {
                char t[32];
                snprintf(t, sizeof t, "%lld", (long long)(x ^ 1));
                nv = num(&a, t);
            } else if (v_is(val, V_ARRAY) && val->u.arr.len > 0 &&
                       value_as_int64(val->u.arr.items[0], &x) == 0) {
                char *t = json_to_string(&a, val, JSON_COMPACT);
                struct value *copy = num(&a, t);
                char b[8];
                snprintf(b, sizeof b, "%lld", (long long)(x ^ 1));
                copy->u.arr.items[0] = num(&a, b);
                nv = copy;
            }
            if (!nv)
                continue;
            bool unsigned_here = (JCASES[i].version < 5 && strstr(key, "mit_vector")) ||
                                 (JCASES[i].version < 3 && strncmp(key, "cpuid", 5) == 0);
            if (unsigned_here)
                continue;
            changed++;
            cr_assert_eq(json_verify(&a, with_member(&a, ev, key, nv), &v, &err), -1,
                         "%s: %s changed and accepted", JCASES[i].json, key);
        }
        cr_assert_gt(changed, 15, "%s", JCASES[i].json);
        arena_free(&a);
    }
}

/* cert_chain: the VCEK typed as a VLEK, a foreign ARK, and a garbage VCEK
 * before the genuine one: refused; the genuine VCEK followed by junk
 * entries of other types: accepted with the same claims. */
Test(review_snp, json_cert_chain_entries)
{
    SKIP_WITHOUT_VECTORS();
    struct arena a;
    struct snp_verified v;
    struct as_error err;
    arena_init(&a, 1 << 20);
    const struct value *ev = load_json(&a, &JCASES[1]);
    cr_assert_eq(json_verify(&a, ev, &v, &err), 0, "%s", err.detail);
    char *want = claims_text(&a, &v);
    const struct value *chain = value_object_get_str(ev, "cert_chain");
    const struct value *vcek = chain->u.arr.items[0];
    const struct value *data = value_object_get_str(vcek, "data");
    char *data_text = json_to_string(&a, data, JSON_COMPACT);
    const char *shapes[] = {
        "[{\"cert_type\":\"VLEK\",\"data\":%s}]",
        "[{\"cert_type\":\"VCEK\",\"data\":[48,3,2,1,0]},{\"cert_type\":\"VCEK\",\"data\":%s}]",
        "[{\"cert_type\":\"ARK\",\"data\":%s},{\"cert_type\":\"VCEK\",\"data\":%s}]",
        "[{\"cert_type\":\"ASK\",\"data\":%s},{\"cert_type\":\"VCEK\",\"data\":%s}]",
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        char *text = arena_sprintf(&a, shapes[s], data_text, data_text);
        struct value_pair top[2] = {
            {v_cstr(&a, "attestation_report"),
             (struct value *)value_object_get_str(ev, "attestation_report")},
            {v_cstr(&a, "cert_chain"), num(&a, text)}};
        struct value *ev2 = v_object(&a, top, 2, DUP_LAST_WINS, NULL);
        cr_assert_eq(json_verify(&a, ev2, &v, &err), -1, "cert_chain shape %zu accepted", s);
    }
    char *text = arena_sprintf(&a,
                               "[{\"cert_type\":\"VCEK\",\"data\":%s},{\"cert_type\":\"CRL\","
                               "\"data\":[1,2,3]},{\"cert_type\":{\"OTHER\":\"x\"},\"data\":[]}]",
                               data_text);
    struct value_pair top[2] = {
        {v_cstr(&a, "attestation_report"),
         (struct value *)value_object_get_str(ev, "attestation_report")},
        {v_cstr(&a, "cert_chain"), num(&a, text)}};
    cr_assert_eq(json_verify(&a, v_object(&a, top, 2, DUP_LAST_WINS, NULL), &v, &err), 0, "%s",
                 err.detail);
    cr_assert_str_eq(claims_text(&a, &v), want);
    arena_free(&a);
}
