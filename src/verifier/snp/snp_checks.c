/* snp_checks.c - the cryptographic checks of one SEV-SNP report (see
 * snp_checks.h for the list and the order). */
#include "verifier/snp/snp_checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "verifier/common/x509.h"

static const char *const check_names[SNP_CHECK_COUNT] = {
    [SNP_CHECK_ARK_PINNED] = "evidence_ark_equals_pinned_ark",
    [SNP_CHECK_ARK_SELF_SIGNED] = "ark_self_signed",
    [SNP_CHECK_ASK_SIGNED_BY_ARK] = "ask_signed_by_ark",
    [SNP_CHECK_VEK_SIGNED_BY_ASK] = "vcek_signed_by_ask",
    [SNP_CHECK_REPORT_SIGNATURE] = "report_signature",
    [SNP_CHECK_TCB_BOOTLOADER] = "tcb_bootloader_matches_vek",
    [SNP_CHECK_TCB_TEE] = "tcb_tee_matches_vek",
    [SNP_CHECK_TCB_SNP] = "tcb_snp_matches_vek",
    [SNP_CHECK_TCB_MICROCODE] = "tcb_microcode_matches_vek",
    [SNP_CHECK_TCB_FMC] = "tcb_fmc_matches_vek",
    [SNP_CHECK_CHIP_ID] = "chip_id_matches_hwid",
    [SNP_CHECK_SIGNING_KEY] = "signing_key_matches_vek",
};

const char *snp_check_name(enum snp_check c)
{
    return (unsigned)c < SNP_CHECK_COUNT ? check_names[c] : "?";
}

static void fail(struct snp_findings *f, enum snp_check c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct snp_findings *f, enum snp_check c, const char *fmt, ...)
{
    va_list ap;
    f->failed |= 1u << c;
    va_start(ap, fmt);
    vsnprintf(f->detail[c], sizeof f->detail[c], fmt, ap);
    va_end(ap);
}

static const char *intermediate_name(enum snp_vek_kind k)
{
    return k == SNP_VEK_VLEK ? "ASVK" : "ASK";
}

static void check_ark(const struct snp_check_input *in, struct snp_findings *f)
{
    const struct snp_trust *t = in->trust;
    const char *pn = snp_product_name(in->product);
    char why[256];
    if (in->evidence_ark && X509_cmp(in->evidence_ark, t->ark) != 0)
        fail(f, SNP_CHECK_ARK_PINNED, "the ARK in the evidence is not the AMD ARK-%s", pn);
    bool ok = t->prechecked ? t->ark_self_signed : snp_cert_signed_by(t->ark, t->ark, why, 256);
    if (!ok)
        fail(f, SNP_CHECK_ARK_SELF_SIGNED, "the ARK-%s is not self-signed", pn);
}

/* The ASK (VCEK) or ASVK (VLEK) that issued the VEK. */
static X509 *intermediate(const struct snp_check_input *in)
{
    if (in->evidence_ask)
        return in->evidence_ask;
    return in->vek_kind == SNP_VEK_VLEK ? in->trust->asvk : in->trust->ask;
}

static void check_intermediate(const struct snp_check_input *in, struct snp_findings *f)
{
    const struct snp_trust *t = in->trust;
    X509 *mid = intermediate(in);
    X509 *builtin = in->vek_kind == SNP_VEK_VLEK ? t->asvk : t->ask;
    bool pre = in->vek_kind == SNP_VEK_VLEK ? t->asvk_signed_by_ark : t->ask_signed_by_ark;
    char why[256] = "";
    bool ok = (t->prechecked && X509_cmp(mid, builtin) == 0)
                  ? pre
                  : snp_cert_signed_by(mid, t->ark, why, sizeof why);
    if (!ok)
        fail(f, SNP_CHECK_ASK_SIGNED_BY_ARK, "the %s is not signed by the ARK-%s%s%s",
             intermediate_name(in->vek_kind), snp_product_name(in->product), why[0] ? ": " : "",
             why);
    if (!snp_cert_signed_by(in->vek, mid, why, sizeof why))
        fail(f, SNP_CHECK_VEK_SIGNED_BY_ASK, "the %s is not signed by the %s: %s",
             snp_vek_kind_name(in->vek_kind), intermediate_name(in->vek_kind), why);
}

static bool bytes_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* r and s are 72-byte little-endian integers of which P-384 uses 48. */
static void to_be48(const uint8_t le[SNP_SIG_COMPONENT_LEN], uint8_t *be)
{
    for (int i = 0; i < 48; i++)
        be[i] = le[47 - i];
}

static bool is_p384(EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return false;
    if (!EVP_PKEY_get_group_name(key, group, sizeof group, &len))
        return false;
    return strcmp(group, "secp384r1") == 0;
}

static void check_report_signature(const struct snp_report_check_input *in,
                                   struct snp_findings *f)
{
    const struct snp_report *r = in->report;
    const char *kind = snp_vek_kind_name(in->vek_kind);
    if (bytes_zero(r->sig_r, sizeof r->sig_r) && bytes_zero(r->sig_s, sizeof r->sig_s)) {
        fail(f, SNP_CHECK_REPORT_SIGNATURE, "the report is not signed (all-zero signature)");
        return;
    }
    if (!bytes_zero(r->sig_r + 48, 24) || !bytes_zero(r->sig_s + 48, 24)) {
        fail(f, SNP_CHECK_REPORT_SIGNATURE, "signature r or s exceeds 384 bits");
        return;
    }
    EVP_PKEY *key = in->vek_key;
    if (!is_p384(key)) {
        fail(f, SNP_CHECK_REPORT_SIGNATURE, "the %s key is not an EC P-384 key", kind);
        return;
    }
    uint8_t sig[96];
    to_be48(r->sig_r, sig);
    to_be48(r->sig_s, sig + 48);
    if (!x509_ecdsa_verify_raw(key, EVP_sha384(), r->raw, SNP_SIGNED_LEN, sig, sizeof sig))
        fail(f, SNP_CHECK_REPORT_SIGNATURE,
             "the report signature does not verify with the %s key", kind);
}

static void check_tcb(const struct snp_report_check_input *in, struct snp_findings *f)
{
    struct snp_tcb t;
    snp_tcb_decode(in->report->reported_tcb, in->product, &t);
    const int reported[SNP_SPL_COUNT] = {t.bootloader, t.tee, t.snp, t.microcode, t.fmc};
    const enum snp_check check[SNP_SPL_COUNT] = {SNP_CHECK_TCB_BOOTLOADER, SNP_CHECK_TCB_TEE,
                                                 SNP_CHECK_TCB_SNP, SNP_CHECK_TCB_MICROCODE,
                                                 SNP_CHECK_TCB_FMC};
    const char *kind = snp_vek_kind_name(in->vek_kind);
    for (int s = 0; s < SNP_SPL_COUNT; s++) {
        if (s == SNP_SPL_FMC && !t.has_fmc)
            continue;
        int have = f->vek.spl[s];
        if (have < 0)
            fail(f, check[s], "%s %s: %s", kind, snp_spl_ext_name(s), f->vek.spl_problem[s]);
        else if (have != reported[s])
            fail(f, check[s], "REPORTED_TCB %s is %d but the %s says %d",
                 snp_spl_ext_name(s), reported[s], kind, have);
    }
}

static void check_chip_id(const struct snp_report_check_input *in, struct snp_findings *f)
{
    const struct snp_report *r = in->report;
    const struct snp_vek_info *v = &f->vek;
    if (in->vek_kind != SNP_VEK_VCEK || snp_report_chip_id_zero(r))
        return; /* VLEKs carry no hwID; an all-zero CHIP_ID is masked */
    if (v->hwid_len == 0) {
        fail(f, SNP_CHECK_CHIP_ID, "the VCEK has no readable hwID extension");
        return;
    }
    if (memcmp(v->hwid, r->chip_id, v->hwid_len) != 0 ||
        !bytes_zero(r->chip_id + v->hwid_len, sizeof r->chip_id - v->hwid_len))
        fail(f, SNP_CHECK_CHIP_ID, "CHIP_ID differs from the VCEK hwID");
}

static void check_signing_key(const struct snp_report_check_input *in, struct snp_findings *f)
{
    uint32_t sk = snp_report_signing_key(in->report);
    uint32_t want = in->vek_kind == SNP_VEK_VLEK ? SNP_SIGNING_KEY_VLEK : SNP_SIGNING_KEY_VCEK;
    if (sk != want)
        fail(f, SNP_CHECK_SIGNING_KEY, "KEY_INFO.SIGNING_KEY is %u but the key is a %s", sk,
             snp_vek_kind_name(in->vek_kind));
}

void snp_checks_chain(const struct snp_check_input *in, struct snp_findings *f)
{
    memset(f, 0, sizeof *f);
    snp_vek_info_read(in->vek, &f->vek);
    check_ark(in, f);
    check_intermediate(in, f);
}

void snp_checks_report(const struct snp_report_check_input *in, struct snp_findings *f)
{
    check_report_signature(in, f);
    check_tcb(in, f);
    check_chip_id(in, f);
    check_signing_key(in, f);
}

int snp_checks_run(const struct snp_check_input *in, struct snp_findings *f)
{
    snp_checks_chain(in, f);
    struct snp_report_check_input rc = {in->report, in->product, X509_get0_pubkey(in->vek),
                                        in->vek_kind};
    snp_checks_report(&rc, f);
    return __builtin_popcount(f->failed);
}

enum snp_check snp_findings_first(const struct snp_findings *f)
{
    for (int c = 0; c < SNP_CHECK_COUNT; c++)
        if (f->failed & (1u << c))
            return (enum snp_check)c;
    return SNP_CHECK_COUNT;
}
