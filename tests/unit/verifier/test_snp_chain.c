/* Unit tests for the SNP checks with chains made at test time: each check
 * fails on its own when exactly its condition is broken, the report parser
 * rejects every unsupported version and every truncation, and the binding
 * and VMPL rules hold. */
#include <criterion/criterion.h>

#include "base/arena.h"
#include "test_snp_chain_util.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_verify.h"

struct fx {
    enum snp_product p;
    struct vek_spec spec;
    struct test_chain c;
    struct snp_report r;
    uint8_t raw[SNP_REPORT_LEN];
    uint8_t vek[4096];
    size_t vek_len;
    struct arena a;
    struct snp_verified v;
    struct as_error err;
};

static const struct snp_tcb milan_tcb = {false, 0, 3, 0, 8, 115};
static const struct snp_tcb turin_tcb = {true, 1, 3, 2, 5, 0x97};

/* A chain and a signed report that verify; tests then break one thing. */
static void fx_make(struct fx *f, enum snp_product p, uint32_t version)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    const struct snp_tcb *t = p == SNP_TURIN ? &turin_tcb : &milan_tcb;
    test_report_fields(&f->r, p, version, t);
    f->spec.subject_cn = "SEV-VCEK";
    int spl[5] = {t->bootloader, t->tee, t->snp, t->microcode, p == SNP_TURIN ? t->fmc : -1};
    memcpy(f->spec.spl, spl, sizeof spl);
    f->spec.hwid_len = p == SNP_TURIN ? 8 : 64;
    memcpy(f->spec.hwid, f->r.chip_id, f->spec.hwid_len);
    f->spec.mode = SIGN_PSS48;
    arena_init(&f->a, 1 << 16);
}

static void fx_sign(struct fx *f)
{
    test_chain_make(&f->c, f->p, &f->spec);
    test_report_sign(&f->r, f->c.vek_key, f->raw);
    f->vek_len = test_der(f->c.vek, f->vek, sizeof f->vek);
}

static int fx_verify(struct fx *f, const struct snp_trust *trust, const char *config,
                     const struct binding *rd, const struct binding *id)
{
    struct snp_verify_in in = {.arena = &f->a, .report = f->raw, .report_len = SNP_REPORT_LEN,
                               .vek = f->vek, .vek_len = f->vek_len, .report_data = rd,
                               .init_data = id, .trust = trust ? trust : &f->c.trust};
    if (config) {
        struct as_error e;
        struct value *cfg = NULL;
        cr_assert(json_parse(&f->a, config, strlen(config), NULL, &cfg, &e) == 0);
        in.verifier_config = cfg;
    }
    return snp_verify(&in, &f->v, &f->err);
}

static void fx_free(struct fx *f)
{
    test_chain_free(&f->c);
    arena_free(&f->a);
}

static void expect_only(struct fx *f, enum snp_check c)
{
    cr_expect_eq(f->v.findings.failed, 1u << c, "failed 0x%x, expected only %s (%s)",
                 f->v.findings.failed, snp_check_name(c), f->err.detail);
    char prefix[80];
    snprintf(prefix, sizeof prefix, "snp: %s: ", snp_check_name(c));
    cr_expect(strncmp(f->err.detail, prefix, strlen(prefix)) == 0, "detail: %s", f->err.detail);
    cr_expect_eq(f->err.status, 403);
}

Test(snp_chain, test_chain_verifies_for_each_product_and_version)
{
    const struct {
        enum snp_product p;
        uint32_t v;
    } cases[] = {{SNP_MILAN, 2}, {SNP_MILAN, 3}, {SNP_GENOA, 3}, {SNP_GENOA, 4}, {SNP_TURIN, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx f;
        fx_make(&f, cases[i].p, cases[i].v);
        fx_sign(&f);
        cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), 0, "%s v%u: %s",
                     snp_product_name(cases[i].p), cases[i].v, f.err.detail);
        cr_expect_eq(f.v.product, cases[i].p);
        fx_free(&f);
    }
}

Test(snp_chain, wrong_root_is_rejected)
{
    struct fx f, other;
    fx_make(&f, SNP_GENOA, 3);
    fx_sign(&f);
    fx_make(&other, SNP_GENOA, 3);
    fx_sign(&other);
    /* Pinned: another ARK of the same name; the test ASK is not its child. */
    cr_expect_eq(fx_verify(&f, &other.c.trust, NULL, NULL, NULL), -1);
    cr_expect(f.v.findings.failed & (1u << SNP_CHECK_VEK_SIGNED_BY_ASK));
    /* And the real AMD Genoa root does not accept the test chain either. */
    struct snp_trust amd = *snp_trust_amd(SNP_GENOA);
    cr_expect_eq(fx_verify(&f, &amd, NULL, NULL, NULL), -1);
    cr_expect(f.v.findings.failed & (1u << SNP_CHECK_VEK_SIGNED_BY_ASK));
    fx_free(&f);
    fx_free(&other);
}

Test(snp_chain, evidence_ark_must_be_the_pinned_one)
{
    struct fx f, other;
    fx_make(&f, SNP_MILAN, 3);
    fx_sign(&f);
    fx_make(&other, SNP_MILAN, 3);
    fx_sign(&other);
    /* GHCB certificate table: foreign ARK, the right ASK, the VCEK. */
    uint8_t table[3 * 4096 + 4 * 24] = {0};
    uint8_t der[3][4096];
    size_t len[3] = {test_der(other.c.ark, der[0], 4096), test_der(f.c.ask, der[1], 4096),
                     test_der(f.c.vek, der[2], 4096)};
    static const uint8_t guids[3][16] = {
        {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae},
        {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82},
        {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}};
    uint32_t off = 4 * 24;
    for (int i = 0; i < 3; i++) {
        memcpy(table + 24 * i, guids[i], 16);
        memcpy(table + 24 * i + 16, &off, 4); /* little-endian host */
        uint32_t l = (uint32_t)len[i];
        memcpy(table + 24 * i + 20, &l, 4);
        memcpy(table + off, der[i], len[i]);
        off += l;
    }
    memcpy(f.vek, table, off);
    f.vek_len = off;
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_ARK_PINNED);
    fx_free(&f);
    fx_free(&other);
}

Test(snp_chain, ask_not_signed_by_ark)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    fx_sign(&f);
    EVP_PKEY *rogue = test_rsa_key();
    X509_NAME *n = X509_get_subject_name(f.c.ark);
    X509_set_issuer_name(f.c.ask, n);
    test_sign(f.c.ask, rogue, SIGN_PSS48);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_ASK_SIGNED_BY_ARK);
    EVP_PKEY_free(rogue);
    fx_free(&f);
}

Test(snp_chain, vcek_not_signed_by_ask)
{
    struct fx f;
    fx_make(&f, SNP_TURIN, 5);
    fx_sign(&f);
    EVP_PKEY *rogue = test_rsa_key();
    X509 *bad = test_vek(&f.spec, "SEV-Turin", f.c.vek_key, rogue);
    f.vek_len = test_der(bad, f.vek, sizeof f.vek);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_VEK_SIGNED_BY_ASK);
    X509_free(bad);
    EVP_PKEY_free(rogue);
    fx_free(&f);
}

Test(snp_chain, certificate_signature_profile_must_be_amd_pss)
{
    const enum sign_mode modes[] = {SIGN_PKCS1, SIGN_PSS32};
    for (int i = 0; i < 2; i++) {
        struct fx f;
        fx_make(&f, SNP_MILAN, 3);
        f.spec.mode = modes[i];
        fx_sign(&f);
        cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
        expect_only(&f, SNP_CHECK_VEK_SIGNED_BY_ASK);
        cr_expect(strstr(f.err.detail, i == 0 ? "not RSASSA-PSS" : "salt length") != NULL, "%s",
                  f.err.detail);
        fx_free(&f);
    }
}

Test(snp_chain, each_tcb_field_mismatch_has_its_own_error)
{
    const enum snp_check checks[5] = {SNP_CHECK_TCB_BOOTLOADER, SNP_CHECK_TCB_TEE,
                                      SNP_CHECK_TCB_SNP, SNP_CHECK_TCB_MICROCODE,
                                      SNP_CHECK_TCB_FMC};
    for (int s = 0; s < 5; s++) {
        struct fx f;
        fx_make(&f, SNP_TURIN, 5);
        f.spec.spl[s] += 1;
        fx_sign(&f);
        cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
        expect_only(&f, checks[s]);
        fx_free(&f);
    }
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    f.spec.spl[SNP_SPL_SNP] = -1; /* extension missing */
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_TCB_SNP);
    cr_expect(strstr(f.err.detail, "missing") != NULL, "%s", f.err.detail);
    fx_free(&f);
}

Test(snp_chain, chip_id_mismatch_unless_masked)
{
    struct fx f;
    fx_make(&f, SNP_GENOA, 3);
    f.spec.hwid[5] ^= 1;
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_CHIP_ID);
    fx_free(&f);
    /* CHIP_ID all zero (MASK_CHIP_ID): no hwID comparison. */
    fx_make(&f, SNP_GENOA, 3);
    memset(f.r.chip_id, 0, 64);
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), 0, "%s", f.err.detail);
    fx_free(&f);
    /* Turin: 8-byte hwID against the first 8 bytes; the rest must be zero. */
    fx_make(&f, SNP_TURIN, 5);
    f.r.chip_id[20] = 1;
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_CHIP_ID);
    fx_free(&f);
}

Test(snp_chain, hwid_wrapped_in_octet_string_is_accepted)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    f.spec.hwid_wrapped = true;
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), 0, "%s", f.err.detail);
    cr_expect(f.v.findings.vek.hwid_wrapped);
    fx_free(&f);
}

Test(snp_chain, bad_report_signature)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 2);
    fx_sign(&f);
    f.raw[0x90] ^= 1; /* measurement */
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_REPORT_SIGNATURE);
    fx_free(&f);
    fx_make(&f, SNP_MILAN, 3);
    fx_sign(&f);
    memset(f.raw + 0x2A0, 0, 144); /* unsigned */
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_REPORT_SIGNATURE);
    fx_free(&f);
}

Test(snp_chain, vlek_and_signing_key_field)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    f.spec.subject_cn = "SEV-VLEK";
    f.spec.hwid_len = 0;
    f.r.key_info = SNP_SIGNING_KEY_VLEK << 2;
    memset(f.r.chip_id, 0, 64);
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), 0, "%s", f.err.detail);
    cr_expect_eq(f.v.vek_kind, SNP_VEK_VLEK);
    fx_free(&f);
    fx_make(&f, SNP_MILAN, 3);
    f.r.key_info = SNP_SIGNING_KEY_VLEK << 2; /* says VLEK, signed by a VCEK */
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    expect_only(&f, SNP_CHECK_SIGNING_KEY);
    fx_free(&f);
}

Test(snp_chain, unsupported_versions_and_algorithms_rejected_by_name)
{
    const uint32_t versions[] = {0, 1, 6, 7, 0xffffffffu};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        struct fx f;
        fx_make(&f, SNP_MILAN, 3);
        f.r.version = versions[i];
        fx_sign(&f);
        cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
        cr_expect_eq(f.err.status, 400);
        char want[64];
        snprintf(want, sizeof want, "unsupported attestation report version %u", versions[i]);
        cr_expect(strstr(f.err.detail, want) != NULL, "%s", f.err.detail);
        fx_free(&f);
    }
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    f.r.sig_algo = 2;
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    cr_expect(strstr(f.err.detail, "unsupported signature algorithm 2") != NULL, "%s",
              f.err.detail);
    fx_free(&f);
}

Test(snp_chain, truncation_at_every_length_is_rejected)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    fx_sign(&f);
    struct snp_report out;
    struct as_error err;
    for (size_t n = 0; n < SNP_REPORT_LEN; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
        memcpy(copy, f.raw, n);
        cr_assert_eq(snp_report_parse(copy, n, &out, &err), -1, "length %zu accepted", n);
        cr_assert_eq(err.status, 400);
        free(copy);
    }
    uint8_t longer[SNP_REPORT_LEN + 1];
    memcpy(longer, f.raw, SNP_REPORT_LEN);
    cr_expect_eq(snp_report_parse(longer, sizeof longer, &out, &err), -1);
    cr_expect_eq(snp_report_parse(f.raw, SNP_REPORT_LEN, &out, &err), 0);
    fx_free(&f);
}

Test(snp_chain, vmpl_rule_and_allowed_vmpls)
{
    struct fx f;
    fx_make(&f, SNP_MILAN, 3);
    f.r.vmpl = 2;
    fx_sign(&f);
    cr_expect_eq(fx_verify(&f, NULL, NULL, NULL, NULL), -1);
    cr_expect(strncmp(f.err.detail, "snp: vmpl: ", 11) == 0, "%s", f.err.detail);
    cr_expect_eq(fx_verify(&f, NULL, "{\"snp_verifier\":{\"allowed_vmpls\":[0,2]}}", NULL, NULL),
                 0, "%s", f.err.detail);
    cr_expect_eq(fx_verify(&f, NULL, "{\"snp_verifier\":{\"allowed_vmpls\":[0,1]}}", NULL, NULL),
                 -1);
    struct value *claims = snp_claims(&f.a, &f.v, true);
    int64_t vmpl = -1;
    value_as_int64(value_object_get_str(claims, "vmpl"), &vmpl);
    cr_expect_eq(vmpl, 2);
    fx_free(&f);
}

Test(snp_chain, report_data_and_host_data_binding)
{
    struct fx f;
    fx_make(&f, SNP_GENOA, 3);
    f.r.host_data[0] = 0xAB;
    fx_sign(&f);
    uint8_t rd[64], id[32] = {0xAB};
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)i;
    struct binding full = {true, rd, 64}, shorter = {true, rd, 10}, init = {true, id, 1};
    cr_expect_eq(fx_verify(&f, NULL, NULL, &full, &init), 0, "%s", f.err.detail);
    /* 10 expected bytes need zero padding in the report: bytes 10.. are not. */
    cr_expect_eq(fx_verify(&f, NULL, NULL, &shorter, NULL), -1);
    cr_expect_str_eq(f.err.type, "report_data_mismatch");
    id[0] = 0xAC;
    cr_expect_eq(fx_verify(&f, NULL, NULL, &full, &init), -1);
    cr_expect_str_eq(f.err.type, "init_data_mismatch");
    fx_free(&f);
}
